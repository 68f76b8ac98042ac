"""The installed distribution: found through its entry point, shown by ``zoo plugins`` and ``zoo models``."""
import importlib.metadata
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from zoo_audio.datasets import write_wav


def _installed():
    try:
        return importlib.metadata.distribution("zoo-audio")
    except importlib.metadata.PackageNotFoundError:
        return None


needs_install = pytest.mark.skipif(_installed() is None, reason="zoo-audio is not installed "
                                   "(pip install --no-build-isolation ./plugins/zoo-audio)")


def zoo(*argv):
    env = dict(os.environ, ZOO_STRICT_PLUGINS="1")
    env.pop("ZOO_LOAD_PLUGINS", None)
    r = subprocess.run([sys.executable, "-m", "zoo_core.cli", *argv], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


@needs_install
def test_entry_point_is_declared():
    eps = [ep for ep in _installed().entry_points if ep.group == "zoo.plugins"]
    assert [(ep.name, ep.value) for ep in eps] == [("audio", "zoo_audio.plugin")]


@needs_install
def test_zoo_plugins_and_zoo_models_show_it():
    rows = json.loads(zoo("plugins", "--json"))
    audio = next(r for r in rows if r["name"] == "audio")
    assert (audio["distribution"], audio["status"], audio["builtin"]) == ("zoo-audio", "loaded", False)
    assert (audio["models"], audio["datasets"], audio["transforms"], audio["commands"]) == (1, 1, 2, ["audio-info"])
    table = zoo("plugins")
    assert any(line.split()[:4] == ["audio", "zoo-audio", "0.1.0", "loaded"] for line in table.splitlines())
    assert "audio/m5" in zoo("models").split()


def test_audio_info_command(audio_plugin, tmp_path, capsys):
    from zoo_core import cli
    write_wav(tmp_path / "tone.wav", np.zeros((2, 4000)), 8000)
    assert cli.main(["audio-info", str(tmp_path / "tone.wav")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'tone.wav'}: 8000 Hz, 2 channel(s), 4000 samples, 0.500 s\n"
