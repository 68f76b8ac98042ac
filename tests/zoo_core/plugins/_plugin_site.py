"""Real distributions with real entry points, written into a temporary directory on ``sys.path``.

``FakeSite.add("broken-plugin", "1.0", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom')"})``
writes ``broken_plugin-1.0.dist-info/{METADATA,entry_points.txt}`` and ``broken_mod.py``, exactly what pip
writes for an installed package, so ``importlib.metadata.entry_points(group="zoo.plugins")`` finds it.
Fixtures: ``site`` (a FakeSite, plugins reset before and after) and ``fresh_plugins`` (only the reset).
"""
import importlib
import sys
import textwrap

import pytest

from zoo_core.plugins import manager as plugin_manager

ENV = ("ZOO_LOAD_PLUGINS", "ZOO_DISABLE_PLUGINS")


class FakeSite:
    def __init__(self, root, monkeypatch):
        self.root, self.monkeypatch = root, monkeypatch
        self.modules, self.allowed, self.names = [], [], set()

    def add(self, dist, version="1.0", entry_points=None, modules=None, allow=True):
        """Install distribution ``dist`` declaring ``{namespace: "module[:attr]"}`` in ``zoo.plugins``."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = ["[zoo.plugins]"] + [f"{name} = {value}" for name, value in (entry_points or {}).items()]
        self.names.update(entry_points or {})
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in (modules or {}).items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(source))
            self.modules.append(module)
        if allow:   # the session may have real third-party plugins installed: load only ours
            self.allowed += [name for name in (entry_points or {})]
            self.monkeypatch.setenv("ZOO_LOAD_PLUGINS", ",".join(self.allowed))
        importlib.invalidate_caches()
        plugin_manager.reset()
        return info


@pytest.fixture
def fresh_plugins(monkeypatch):
    """Plugins reloaded from scratch for this test, with only the built-ins (and no env controls)."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "")
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    plugin_manager.reset()
    yield
    plugin_manager.reset()


@pytest.fixture
def site(tmp_path, monkeypatch, fresh_plugins):
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    fake = FakeSite(root, monkeypatch)
    yield fake
    plugin_manager.reset()
    for module in fake.modules:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


def ours(site, items):
    """Keep built-ins and this test's plugins (the environment may have real third-party plugins installed):
    ``items`` are Plugin records or qualified names."""
    keep = {"vision", "text"} | site.names
    return [i for i in items if (i.name if hasattr(i, "name") else i.partition("/")[0]) in keep]


def plugin_source(models=(), fail_in=None, extra=""):
    """Source of a plugin entry module registering ``models`` (names of tiny Linear models)."""
    body = ["from zoo_core import hookimpl, nn", "",
            "def make(num_classes=2):", "    return nn.Linear(4, num_classes)", "",
            "@hookimpl", "def zoo_register_models(register):"]
    body += [f"    register({m!r}, make, input_size=(4,), task='toy')" for m in models] or ["    pass"]
    if fail_in == "models":
        body.append("    raise ValueError('model hook exploded')")
    if fail_in == "datasets":
        body += ["", "@hookimpl", "def zoo_register_datasets(register):",
                 "    raise ValueError('dataset hook exploded')"]
    return "\n".join(body) + "\n" + textwrap.dedent(extra)
