"""``convert``: PyTorch checkpoints (and wrapped training checkpoints) to safetensors, safely and atomically."""
import hashlib
import os
import pickle

import numpy as np
import pytest

import zoo_core
from zoo_core.hub.convert import convert, unwrap_state_dict
from zoo_core.serialization import ForbiddenGlobalError, SerializationError, safetensors_metadata


def _read(path):
    from safetensors.numpy import load_file   # the reference reader: any tool can read what we write
    return load_file(str(path))


def test_torch_state_dict_converts_bit_for_bit(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                              torch.nn.Linear(4, 2))
    sd = net.state_dict()
    sd["t"] = torch.arange(12.0).reshape(3, 4).t()      # non-contiguous
    sd["h"] = torch.randn(3).half()
    torch.save(sd, tmp_path / "net.pth")
    summary = convert(tmp_path / "net.pth", tmp_path / "net.safetensors")
    out = _read(tmp_path / "net.safetensors")
    assert set(out) == set(sd)
    for k, v in sd.items():
        assert out[k].dtype == v.numpy().dtype and np.array_equal(out[k], v.numpy()), k
    data = (tmp_path / "net.safetensors").read_bytes()
    assert summary.tensors == len(sd) and summary.parameters == sum(v.numel() for v in sd.values())
    assert summary.bytes == len(data) and summary.sha256 == hashlib.sha256(data).hexdigest()
    assert summary.skipped == [] and summary.dst == str(tmp_path / "net.safetensors")
    meta = safetensors_metadata(tmp_path / "net.safetensors")
    assert meta["converted_from"] == "net.pth"
    assert meta["source_sha256"] == hashlib.sha256((tmp_path / "net.pth").read_bytes()).hexdigest()
    loaded = zoo_core.load(tmp_path / "net.safetensors")    # and zoo reads it back as a flat state dict
    assert np.array_equal(loaded["t"]._data, sd["t"].numpy())


def test_training_checkpoint_wrappers_are_unwrapped(tmp_path):
    torch = pytest.importorskip("torch")
    w = torch.ones(2, 3)
    torch.save({"epoch": 7, "model_state_dict": {"fc.weight": w, "fc.bias": torch.zeros(2)},
                "optimizer_state_dict": {"state": {}, "param_groups": [{"lr": 0.1}]}}, tmp_path / "ckpt.pt")
    summary = convert(tmp_path / "ckpt.pt", tmp_path / "out.safetensors")
    assert set(_read(tmp_path / "out.safetensors")) == {"fc.weight", "fc.bias"} and summary.skipped == []


def test_tied_weights_are_written_under_both_names(tmp_path):
    torch = pytest.importorskip("torch")
    emb = torch.randn(5, 3)
    torch.save({"embed.weight": emb, "lm_head.weight": emb}, tmp_path / "tied.pth")
    out = _read(tmp_path / convert(tmp_path / "tied.pth", tmp_path / "tied.safetensors").dst)
    assert np.array_equal(out["embed.weight"], out["lm_head.weight"])
    assert np.array_equal(out["embed.weight"], emb.numpy())


def test_zoo_checkpoints_with_extra_entries(tmp_path):
    # no torch needed: zoo's own nested checkpoint, with a non-tensor entry and a nested module
    zoo_core.save({"step": 3, "model": {"fc": {"weight": zoo_core.ones(2, 2)}, "bias": zoo_core.zeros(2),
                                        "note": "hello"}}, tmp_path / "ckpt.safetensors")
    summary = convert(tmp_path / "ckpt.safetensors", tmp_path / "flat.safetensors")
    assert set(_read(tmp_path / "flat.safetensors")) == {"fc.weight", "bias"}
    assert summary.skipped == ["note"] and summary.parameters == 6


def test_unwrap_state_dict():
    sd = {"w": zoo_core.ones(1)}
    assert unwrap_state_dict(sd) is sd
    assert unwrap_state_dict({"epoch": 1, "state_dict": sd}) is sd
    assert unwrap_state_dict({"model": {"state_dict": sd}}) is sd
    mixed = {"w": zoo_core.ones(1), "step": 2}
    assert unwrap_state_dict(mixed) is mixed
    with pytest.raises(SerializationError, match="ckpt: expected a state dict .* found a list"):
        unwrap_state_dict([1, 2], "ckpt")


def test_malicious_checkpoint_runs_nothing_and_writes_nothing(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))
    (tmp_path / "evil.pth").write_bytes(pickle.dumps(Evil(), protocol=2))
    (tmp_path / "out.safetensors").write_bytes(b"previous")
    with pytest.raises(ForbiddenGlobalError, match="system"):
        convert(tmp_path / "evil.pth", tmp_path / "out.safetensors")
    assert not (tmp_path / "pwned").exists()
    assert (tmp_path / "out.safetensors").read_bytes() == b"previous"


def test_no_tensors_and_missing_input(tmp_path):
    zoo_core.save({"step": 3, "lr": 0.1}, tmp_path / "empty.safetensors")
    with pytest.raises(SerializationError, match="no tensors found to convert"):
        convert(tmp_path / "empty.safetensors", tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
    with pytest.raises(FileNotFoundError, match="no such file"):
        convert(tmp_path / "missing.pth", tmp_path / "x.safetensors")
