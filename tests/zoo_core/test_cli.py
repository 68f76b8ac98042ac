"""The ``zoo`` command: listings (tables and --json), the cache, plugins, pip, and plugin subcommands."""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo_core
from zoo_core import cli, hookimpl, nn
from zoo_core.testing import temporary_plugin

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "plugins"))
sys.path.insert(0, os.path.join(HERE, "hub"))
from _plugin_site import fresh_plugins, plugin_source, site  # noqa: E402,F401  (fixtures)
from _hub_helpers import Server  # noqa: E402

pytestmark = pytest.mark.usefixtures("fresh_plugins")


def zoo(capsys, *argv):
    """Run ``zoo argv`` in this process: (exit code, stdout, stderr)."""
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


class Toy:
    """A plugin with a model, weights in a local file, and a subcommand."""

    def __init__(self, tmp_path):
        self.model = nn.Linear(3, 2)
        self.path = tmp_path / "lin.safetensors"
        zoo_core.save(self.model.state_dict(), str(self.path))
        data = self.path.read_bytes()
        self.sha, self.size = hashlib.sha256(data).hexdigest(), len(data)

    @hookimpl
    def zoo_register_models(self, register):
        register("lin", lambda num_classes=2: nn.Linear(3, num_classes), task="toy", input_size=(3,),
                 description="a linear toy")

    @hookimpl
    def zoo_register_weights(self, register):
        register("lin.v1", sources=[str(self.path)], sha256=self.sha, size=self.size,
                 meta={"categories": ["a", "b"], "head": ["weight", "bias"], "license": "CC0"})

    @hookimpl
    def zoo_register_commands(self, cli):
        cli.add_command("hello", "say hello", _hello, configure=lambda p: p.add_argument("--name", default="zoo"))


def _hello(args):
    print(f"hello {args.name}")
    return 3


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "home"))
    plugin = Toy(tmp_path)
    with temporary_plugin(plugin, "toy"):
        yield plugin


def test_help_lists_every_command_and_loads_no_plugin():
    code = ("import json, sys\nfrom zoo_core.cli import main\nrc = main(['--help'])\n"
            "print(json.dumps([rc] + [m for m in ('pluggy', 'zoo_core.plugins', 'zoo_core.hub', 'zoo_vision', "
            "'zoo_text', 'importlib.metadata') if m in sys.modules]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr
    help_text, _, status = r.stdout.strip().rpartition("\n")
    assert json.loads(status) == [0]
    for name in list(cli.CORE) + ["train"]:
        assert f"\n    {name}" in help_text, name


def test_help_table_of_builtin_plugin_commands_matches_what_the_plugins_register():
    from zoo_core.plugins import get_manager
    commands = get_manager().commands(reserved=cli.CORE).commands
    registered = {c.name: (c.plugin, c.help) for c in commands.values() if c.plugin in ("vision", "text")}
    assert registered == cli.BUILTIN_PLUGIN_COMMANDS


def test_version(capsys):
    assert zoo(capsys, "--version") == (0, f"zoo {zoo_core.__version__}\n", "")


def test_models_table_and_json(capsys, toy):
    rc, out, _ = zoo(capsys, "models")
    lines = out.splitlines()
    assert rc == 0 and lines[0].split() == ["NAME", "TASK", "WEIGHTS", "DESCRIPTION"]
    assert lines[1].split()[:3] == ["toy/lin", "toy", "1"] and lines[1].endswith("a linear toy")
    assert lines[2].split()[:3] == ["vision/small_cnn", "image-classification", "-"]
    rc, out, _ = zoo(capsys, "models", "--pretrained", "--json")
    assert [m["name"] for m in json.loads(out)] == ["toy/lin"]
    assert json.loads(out)[0]["weights"] == ["toy/lin.v1"]
    assert zoo(capsys, "models", "nothing*")[1] == "no models match\n"
    assert zoo(capsys, "models", "*", "--namespace", "vision")[1].count("\n") == 2


def test_info_for_each_kind(capsys, toy):
    rc, out, _ = zoo(capsys, "info", "lin")
    assert rc == 0
    assert "name: toy/lin\n" in out and "plugin: toy (registered at runtime)\n" in out
    assert "weights: toy/lin.v1\n" in out
    assert "default_weights: toy/lin.v1\n" in out and "input_size: 3\n" in out
    info = json.loads(zoo(capsys, "info", "small_cnn", "--json")[1])
    assert info["plugin"]["name"] == "vision" and info["factory"] == "zoo_vision.models.small_cnn:SmallCNN"
    info = json.loads(zoo(capsys, "info", "lin.v1", "--json")[1])
    assert (info["kind"], info["model"], info["sha256"], info["meta"]["license"]) == \
        ("weights", "toy/lin", toy.sha, "CC0")
    rc, out, _ = zoo(capsys, "info", "digits")
    assert rc == 0 and "kind: dataset" in out and "factory: zoo_vision.datasets.digits:Digits" in out
    rc, out, err = zoo(capsys, "info", "nothing_here")
    assert rc == 1 and out == "" and "zoo info: error: no model, weights, dataset" in err


def test_weights_and_fetch(capsys, toy, monkeypatch):
    rc, out, _ = zoo(capsys, "weights")
    assert rc == 0 and out.splitlines()[1].split() == ["toy/lin.v1", f"{toy.size}", "B", "safetensors",
                                                       toy.sha[:12], "local"]
    rows = json.loads(zoo(capsys, "weights", "lin", "--json")[1])
    assert [(r["name"], r["sha256"], r["cached"]) for r in rows] == [("toy/lin.v1", toy.sha, "local")]
    assert zoo(capsys, "weights", "small_cnn")[1] == "no weights registered\n"
    rc, out, _ = zoo(capsys, "fetch", "lin.v1")
    assert rc == 0 and out == f"lin.v1  {toy.path}\n"
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    rc, out, err = zoo(capsys, "fetch", "http://127.0.0.1:9/a.bin", "http://127.0.0.1:9/b.bin")
    assert rc == 1 and "ZOO_OFFLINE=1" in err and "2 file(s)" in err
    assert "zoo fetch http://127.0.0.1:9/a.bin http://127.0.0.1:9/b.bin" in err


def test_cache_commands(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "home"))
    assert zoo(capsys, "cache", "dir") == (0, f"{tmp_path / 'home'}\n", "")
    assert zoo(capsys, "cache", "ls")[1].startswith("the cache at ")
    server = Server()
    try:
        data = os.urandom(3000)
        server.add("w.bin", data)
        sha = hashlib.sha256(data).hexdigest()
        rc, out, _ = zoo(capsys, "fetch", server.url("ok", "w.bin"), "--sha256", sha)
        assert rc == 0
    finally:
        server.close()
    rc, out, _ = zoo(capsys, "cache", "ls")
    assert out.splitlines()[1].split()[:4] == [server.url("ok", "w.bin"), "3.0", "kB", sha[:12]]
    assert [e["sha256"] for e in json.loads(zoo(capsys, "cache", "ls", "--json")[1])] == [sha]
    assert zoo(capsys, "cache", "verify") == (0, "1 of 1 cached files are intact\n", "")
    rc, out, _ = zoo(capsys, "cache", "prune", "--unregistered", "--dry-run")   # no weights entry refers to it
    assert rc == 0 and out.startswith(f"would remove  {tmp_path / 'home' / 'blobs' / 'sha256' / sha}\n")
    assert zoo(capsys, "cache", "prune", "--dry-run")[1] == "would free 0 B\n"     # the index knows it: kept
    blob = tmp_path / "home" / "blobs" / "sha256" / sha
    os.chmod(blob, 0o644)
    blob.write_bytes(b"x" * 3000)                                      # corrupted on disk
    rc, out, _ = zoo(capsys, "cache", "verify")
    assert rc == 1 and out.startswith(f"BAD  {sha[:12]}") and "0 of 1 cached files are intact" in out
    rc, out, _ = zoo(capsys, "cache", "prune", "--dry-run")
    assert rc == 0 and "would remove" in out and "would free 3.0 kB" in out
    rc, out, _ = zoo(capsys, "cache", "prune")
    assert rc == 0 and "freed 3.0 kB" in out
    assert zoo(capsys, "cache", "prune", "--json")[1].strip() == json.dumps({"removed": [], "freed": 0}, indent=2)


def test_convert(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    src, dst = tmp_path / "model.pth", tmp_path / "model.safetensors"
    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    torch.save({"epoch": 3, "state_dict": {"fc.weight": weight, "fc.bias": torch.ones(2)}}, src)
    rc, out, _ = zoo(capsys, "convert", str(src), str(dst))
    assert rc == 0 and out.startswith(f"wrote {dst}: 2 tensors, 8 values")
    loaded = zoo_core.load(str(dst))
    np.testing.assert_array_equal(loaded["fc.weight"].numpy(), weight.numpy())
    rc, _, err = zoo(capsys, "convert", str(tmp_path / "missing.pth"), str(dst))
    assert rc == 1 and "zoo convert: error:" in err


def test_plugins_listing_shows_failures_without_breaking_anything(capsys, site, monkeypatch):
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "0")
    site.add("broken-plugin", "2.0", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom')"})
    site.add("good-plugin", "1.5", {"good": "good_mod"}, {"good_mod": plugin_source(["net"])})
    site.add("off-plugin", "1.0", {"off": "off_mod"}, {"off_mod": plugin_source(["x"])})
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "off")
    rc, out, err = zoo(capsys, "plugins")
    rows = [line.split()[:4] for line in out.splitlines()[:5]]
    assert rc == 0 and err == ""
    assert rows[0] == ["NAME", "DISTRIBUTION", "VERSION", "STATUS"]
    assert [(r[0], r[-1]) for r in rows[1:3]] == [("vision", "loaded"), ("text", "loaded")]
    assert rows[3:] == [["broken", "broken-plugin", "2.0", "failed"], ["good", "good-plugin", "1.5", "loaded"]]
    assert "1 models, 1 datasets; commands: train" in out and "off" not in out
    assert "broken: import failed: RuntimeError: boom\n  disable it with ZOO_DISABLE_PLUGINS=broken" in out
    rows = json.loads(zoo(capsys, "plugins", "--all", "--json")[1])
    assert [(r["name"], r["status"]) for r in rows if r["name"] in site.names | {"vision", "text"}] == [
        ("vision", "loaded"), ("text", "loaded"), ("broken", "failed"), ("good", "loaded"), ("off", "disabled")]
    by_name = {r["name"]: r for r in rows}
    assert by_name["good"]["models"] == 1 and by_name["vision"]["commands"] == ["train"]
    assert [r["name"] for r in json.loads(zoo(capsys, "plugins", "--failed", "--json")[1])] == ["broken"]
    # other commands keep working, and the failure is reported once, on stderr
    from zoo_core.plugins import manager
    manager.reset()
    rc, out, err = zoo(capsys, "models")
    assert rc == 0 and "good/net" in out and "vision/small_cnn" in out
    assert err.count("zoo: warning:") == 1 and "plugin 'broken' (broken-plugin 2.0) failed" in err


def test_plugins_listing_works_in_strict_mode_too(capsys, site):
    site.add("broken-plugin", "2.0", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom')"})
    rc, out, _ = zoo(capsys, "plugins", "--failed")
    assert rc == 0 and out.splitlines()[1].split()[:4] == ["broken", "broken-plugin", "2.0", "failed"]


def test_plugin_subcommands(capsys, toy):
    assert zoo(capsys, "hello", "--name", "you") == (3, "hello you\n", "")
    rc, out, _ = zoo(capsys, "hello", "--help")
    assert rc == 0 and "say hello (from the toy plugin)" in out
    rc, _, err = zoo(capsys, "nope")
    assert rc == 2 and "unknown command 'nope'" in err and "hello" in err and "train" in err


def test_train_dispatches_to_the_vision_plugin(capsys, monkeypatch):
    import zoo_vision.train
    seen = []
    monkeypatch.setattr(zoo_vision.train, "train", lambda cfg: seen.append(cfg) or (None, 0.9, []))
    assert zoo(capsys, "train", "--epochs", "2", "--lr", "0.01", "--no-progress")[0] == 0
    assert (seen[0].epochs, seen[0].lr, seen[0].progress, seen[0].batch_size) == (2, 0.01, False, 32)


def test_install_and_uninstall_use_pip_of_this_interpreter(capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv: calls.append(argv) or 0)
    rc, out, _ = zoo(capsys, "install", "./plugins/zoo-audio", "--no-build-isolation")
    assert rc == 0 and "zoo plugins" in out
    assert zoo(capsys, "uninstall", "-y", "zoo-audio")[0] == 0
    assert calls == [[sys.executable, "-m", "pip", "install", "./plugins/zoo-audio", "--no-build-isolation"],
                     [sys.executable, "-m", "pip", "uninstall", "-y", "zoo-audio"]]
    rc, _, err = zoo(capsys, "install")
    assert rc == 1 and "name at least one package" in err


def test_console_script_runs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "zoo_core.cli", "models", "--json"], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONPATH=ROOT, ZOO_LOAD_PLUGINS=""))
    assert r.returncode == 0, r.stderr
    assert "vision/small_cnn" in [m["name"] for m in json.loads(r.stdout)]
