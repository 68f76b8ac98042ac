"""The safetensors layer: atomic writes, damaged files, files written by other tools, bfloat16."""
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy

import zoo_core
from zoo_core.serialization import (SerializationError, load, load_safetensors, safetensors_metadata, save,
                                    save_safetensors)


def _raw_file(header, body=b"", pad=True):
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


# ---- atomic writes ----------------------------------------------------------------------------------
@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "model.safetensors"
    save({"w": zoo_core.ones(3)}, path)
    return path, path.read_bytes()


def _leftovers(directory, keep):
    return sorted(set(os.listdir(directory)) - {keep})


def test_crash_while_writing_keeps_the_old_file(old_file, monkeypatch):
    path, before = old_file

    def crash(arrays, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"w": zoo_core.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert _leftovers(path.parent, path.name) == []          # no temporary file left behind
    assert np.array_equal(load(path)["w"]._data, [1, 1, 1])


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failure_at_fsync_or_rename_keeps_the_old_file(step, old_file, monkeypatch):
    path, before = old_file

    def fail(*args, **kwargs):
        raise OSError(f"{step} failed")
    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        save({"w": zoo_core.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and _leftovers(path.parent, path.name) == []


def test_interrupt_leaves_no_new_file(tmp_path, monkeypatch):
    path = tmp_path / "new.safetensors"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(safetensors.numpy, "save_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({"w": zoo_core.ones(1)}, path)
    assert os.listdir(tmp_path) == []


def test_successful_save_replaces_the_file_and_syncs(old_file, monkeypatch):
    path, _ = old_file
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    save({"w": zoo_core.zeros(2)}, path)
    assert len(synced) == 2          # the data, then the directory entry
    assert np.array_equal(load(path)["w"]._data, [0, 0]) and _leftovers(path.parent, path.name) == []
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o666 & ~_umask())   # like a file made by open()
    os.chmod(path, 0o640)
    save({"w": zoo_core.ones(2)}, path)
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)              # an existing file keeps its mode


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


# ---- damaged files ----------------------------------------------------------------------------------
def test_truncated_body_names_the_file(old_file, tmp_path):
    path, data = old_file
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[:-4])
    with pytest.raises(SerializationError, match=r"cut\.safetensors: file is truncated: the header describes "
                                                 r"12 bytes of tensor data but only 8 are present"):
        load(cut)


@pytest.mark.parametrize("raw, match", [
    (b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ", "the header is not JSON"),
    (struct.pack("<Q", 1 << 40) + b"{}", "header length 1099511627776 is out of range"),
    (struct.pack("<Q", 64) + b'{"a": 1}', "the header should be 64 bytes but only 8 are present"),
    (_raw_file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
     r"shape \[2\] of F32 needs 8 bytes but data_offsets \[0, 4\] span 4"),
    (_raw_file({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
     "tensor 'w' has dtype 'C64', which zoo_core cannot load"),
    (_raw_file({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}), r"bad shape \[-1\]"),
    (_raw_file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}), "bad data_offsets"),
    (_raw_file({"w": "x"}), "expected an object"),
    (_raw_file({"__metadata__": {"a": 1}}), "__metadata__ must map strings to strings"),
    (_raw_file({"w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}, b"\0" * 4) [:-2],
     "file is truncated"),
    (_raw_file({"__metadata__": {"zoo": "{bad"}}), "corrupt zoo metadata"),
    (_raw_file({"__metadata__": {"zoo": '{"version": 1, "tree": {"tensor": "nope"}}'}}),
     "refers to tensor 'nope', which is not in the file"),
    (_raw_file({"__metadata__": {"zoo": '{"version": 1, "tree": {"what": 1}}'}}), "unknown node"),
    (_raw_file({"__metadata__": {"zoo": '{"version": 99, "tree": 1}'}}), "written by a newer zoo_core"),
])
def test_bad_files_give_clear_errors(raw, match, tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    with pytest.raises(SerializationError, match=match) as err:
        load(path)
    assert str(err.value).startswith(str(path))


def test_header_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.safetensors"
    path.write_bytes(_raw_file([1, 2]))
    with pytest.raises(SerializationError, match=r"list\.safetensors: not a format zoo_core can load"):
        load(path)
    with pytest.raises(SerializationError, match=r"list\.safetensors: .*the header is not a JSON object"):
        load_safetensors(path)


# ---- files from other tools -------------------------------------------------------------------------
def test_file_written_by_the_safetensors_library(tmp_path):
    arrays = {"b.bias": np.arange(3, dtype=np.float16), "a.weight": np.ones((2, 2), dtype=np.int32),
              "mask": np.array([True, False])}
    path = tmp_path / "hf.safetensors"
    safetensors.numpy.save_file(arrays, path, metadata={"format": "pt"})
    out = load(path)
    assert type(out) is OrderedDict and set(out) == set(arrays)
    for k, a in arrays.items():
        assert out[k]._data.dtype == a.dtype and np.array_equal(out[k]._data, a)
    flat = load_safetensors(path)
    assert list(flat) == list(out) and safetensors_metadata(path) == {"format": "pt"}


def test_bfloat16_from_other_tools(tmp_path):
    values = np.array([1.0, -2.5, 3.140625, 1e-30, np.inf], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2")   # exactly representable values
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(_raw_file({"x": {"dtype": "BF16", "shape": [5], "data_offsets": [0, 10]}}, bf16.tobytes()))
    with pytest.warns(UserWarning, match="bfloat16 tensors were converted to float32"):
        out = load(path)
    assert out["x"].dtype is zoo_core.float32
    assert np.array_equal(out["x"]._data, (bf16.astype(np.uint32) << 16).view(np.float32))
    assert out["x"]._data[2] == 3.140625


def test_tensors_saved_on_cuda(tmp_path):
    """A file saved from a GPU records the device; map_location moves it, and a CPU-only machine says how."""
    tree = {"version": 1, "tree": {"dict": [["w", {"tensor": "w", "device": "cuda:0"}]]}}
    path = tmp_path / "gpu.safetensors"
    path.write_bytes(_raw_file({"__metadata__": {"zoo": json.dumps(tree)},
                                "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8))
    for m in ("cpu", {"cuda:0": "cpu"}):
        assert load(path, map_location=m)["w"].device == zoo_core.device("cpu")
    try:
        import cupy
        del cupy
    except ImportError:
        with pytest.raises(SerializationError, match=r"gpu\.safetensors: cannot place tensors saved on 'cuda:0'"):
            load(path)


def test_bool_bytes_are_normalised(tmp_path):
    path = tmp_path / "b.safetensors"
    path.write_bytes(_raw_file({"m": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}}, b"\x00\x01\x07"))
    m = load(path)["m"]
    assert m.dtype is zoo_core.bool and m._data.view(np.uint8).tolist() == [0, 1, 1]


def test_save_and_load_safetensors_flat(tmp_path):
    path = tmp_path / "flat.safetensors"
    save_safetensors({"w": zoo_core.ones(2, 3)}, path, metadata={"format": "pt", "note": "hi"})
    assert safetensors_metadata(path) == {"format": "pt", "note": "hi"}
    assert np.array_equal(safetensors.numpy.load_file(path)["w"], np.ones((2, 3), np.float32))
    assert load_safetensors(path)["w"].shape == zoo_core.Size([2, 3])
    with pytest.raises(TypeError, match=r"expected a dict of str -> Tensor, got str -> int for 'w'"):
        save_safetensors({"w": 1}, path)
