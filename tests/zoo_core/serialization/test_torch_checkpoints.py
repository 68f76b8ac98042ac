"""Reading ``torch.save`` files (zip and legacy formats) without torch: bit-exact parity with
``torch.load(weights_only=True)``. torch is only the oracle that writes and re-reads the files."""
import io
import os
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import zoo_core
from zoo_core.serialization import SerializationError, load

sys.path.insert(0, os.path.dirname(__file__))
from _serialization_helpers import (assert_same, legacy_stream, pickle_dict_with, rewrite_zip,  # noqa: E402
                                    tensor_pickle, zip_checkpoint)

torch = pytest.importorskip("torch")

FORMATS = {"zip": {}, "legacy": {"_use_new_zipfile_serialization": False}}


def _all_dtypes():
    g = torch.Generator().manual_seed(0)
    f = torch.randn(3, 4, generator=g)
    return OrderedDict([
        ("f32", f), ("f64", f.double()), ("f16", f.half()), ("bf16", f.bfloat16()),
        ("i8", (f * 50).to(torch.int8)), ("i16", (f * 1000).to(torch.int16)),
        ("i32", (f * 1e6).to(torch.int32)), ("i64", torch.tensor([-2**62, 2**62 - 1, 0])),
        ("u8", (f.abs() * 80).to(torch.uint8)), ("bool", f > 0),
        ("scalar", torch.tensor(3.5)), ("empty", torch.zeros(0, 3)),
        ("special", torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0])),
    ])


def _layouts():
    base = torch.arange(24.).reshape(4, 6)
    return {
        "base": base,
        "transposed": base.t(),                  # strides (1, 6), shares base's storage
        "row": base[2],                          # offset 12
        "stepped": base[:, 1::2],                # strides (6, 2)
        "flat": base.view(-1),
        "expanded": torch.arange(3.).expand(4, 3),   # stride 0: loaded as a contiguous copy
        "alone": torch.arange(10.)[3:7],         # the whole storage is saved, the view is 4 elements
    }


def _nested():
    w = torch.randn(3, 2)
    with_attr = torch.nn.Parameter(torch.full((2,), 2.0))
    with_attr.note = "x"                       # pickled via _rebuild_parameter_with_state
    tensor_attr = torch.arange(3.)
    tensor_attr.note = "y"                     # pickled via torch._tensor._rebuild_from_type_v2
    return {
        "param_attr": with_attr, "tensor_attr": tensor_attr,
        "epoch": 7, "loss": 0.125, "name": "run-1", "flags": [True, None, 1.5],
        "model": OrderedDict([("fc.weight", w), ("fc.bias", torch.zeros(3))]),
        "tied": [w, w],                          # the same tensor twice: loads as one object
        "deep": {0: {"step": 3, "exp_avg": torch.ones(2)}, 1: (torch.arange(3), "x")},
        "param": torch.nn.Parameter(torch.ones(2, 2)),
        "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False),
        "grad_leaf": torch.ones(3, requires_grad=True),
        "meta": {"dtype": torch.float16, "size": torch.Size([2, 3])},
        "bytes": b"\x00\xffabc",
    }


def _module_state():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5))
    net(torch.randn(2, 3, 6, 6))   # running stats move
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    net(torch.randn(2, 3, 6, 6)).sum().backward()
    opt.step()
    return {"model": net.state_dict(), "optimizer": opt.state_dict()}


CASES = {"dtypes": _all_dtypes, "layouts": _layouts, "nested": _nested, "module_state": _module_state}


def _roundtrip(obj, fmt, tmp_path):
    path = tmp_path / f"ckpt_{fmt}.pth"
    torch.save(obj, path, **FORMATS[fmt])
    return load(path), torch.load(path, weights_only=True)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_matches_torch_load(case, fmt, tmp_path, recwarn):
    ours, ref = _roundtrip(CASES[case](), fmt, tmp_path)
    assert_same(ours, ref)


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_storage_and_ties_as_in_torch(fmt, tmp_path):
    ours, ref = _roundtrip(_layouts(), fmt, tmp_path)
    names = list(ref)
    for a in names:
        for b in names:
            torch_shares = ref[a].untyped_storage().data_ptr() == ref[b].untyped_storage().data_ptr()
            if "expanded" in (a, b):
                continue
            assert np.shares_memory(ours[a]._data, ours[b]._data) == torch_shares, (a, b)
    # writing through one view shows in the others, as with torch
    ours["base"]._data[0, 1] = 100.0
    assert ours["transposed"]._data[1, 0] == 100.0 and ours["flat"]._data[1] == 100.0

    nested, ref = _roundtrip(_nested(), fmt, tmp_path)
    assert nested["tied"][0] is nested["tied"][1] and ref["tied"][0] is ref["tied"][1]
    assert (nested["tied"][0] is nested["model"]["fc.weight"]) == (ref["tied"][0] is ref["model"]["fc.weight"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_parameters_load_as_parameters(fmt, tmp_path):
    from zoo_core.nn import Parameter
    ours, ref = _roundtrip(_nested(), fmt, tmp_path)
    assert type(ours["param"]) is Parameter and ours["param"].requires_grad
    assert type(ours["frozen"]) is Parameter and not ours["frozen"].requires_grad
    assert type(ours["grad_leaf"]) is zoo_core.Tensor and ours["grad_leaf"].requires_grad
    assert type(ours["model"]["fc.weight"]) is zoo_core.Tensor
    assert np.array_equal(ours["param"]._data, np.ones((2, 2), np.float32))


def test_state_dict_is_ordered_dict_with_metadata(tmp_path):
    ours, ref = _roundtrip(_module_state(), "zip", tmp_path)
    sd = ours["model"]
    assert type(sd) is OrderedDict and list(sd) == list(ref["model"])
    assert sd._metadata == ref["model"]._metadata
    assert sd["1.num_batches_tracked"].dtype is zoo_core.int64 and sd["1.num_batches_tracked"].ndim == 0
    assert list(ours["optimizer"]["state"]) == [0, 1, 2, 3, 4, 5]   # int keys stay ints
    assert ours["optimizer"]["param_groups"][0]["lr"] == 0.1


def test_bfloat16_loads_as_float32_with_a_warning(tmp_path):
    x = torch.tensor([1.0, -2.5, 3.140625, 1e-30]).bfloat16()
    torch.save({"x": x}, tmp_path / "bf.pt")
    with pytest.warns(UserWarning, match="bfloat16 tensors were converted to float32"):
        out = load(tmp_path / "bf.pt")
    assert out["x"].dtype is zoo_core.float32
    assert np.array_equal(out["x"]._data, x.float().numpy())


def test_big_endian_zip_checkpoint(tmp_path):
    """A checkpoint written on a big-endian machine: byteorder 'big' and byte-swapped storages."""
    ref = {"f": torch.randn(5), "i": torch.arange(-3, 3, dtype=torch.int64), "h": torch.randn(4).half()}
    buf = io.BytesIO()
    torch.save(ref, buf)
    # storage i holds tensor i (torch numbers storages in pickling order): its record's element size
    itemsizes = {f"archive/data/{i}": t.element_size() for i, t in enumerate(ref.values())}

    def swap(name, data):
        if name.endswith("byteorder"):
            return b"big"
        n = itemsizes.get(name)
        return data if n is None else np.frombuffer(data, f"u{n}").byteswap().tobytes()
    out = load(io.BytesIO(rewrite_zip(buf.getvalue(), swap)))
    for k in ref:
        assert out[k]._data.dtype.isnative
        assert np.array_equal(out[k]._data, ref[k].numpy()), k


def test_compressed_zip_records(tmp_path):
    """torch writes storages uncompressed, but a re-zipped checkpoint (deflate) still loads."""
    ref = _all_dtypes()
    buf = io.BytesIO()
    torch.save(ref, buf)
    raw = rewrite_zip(buf.getvalue(), lambda n, d: d, compression=zipfile.ZIP_DEFLATED)
    with pytest.warns(UserWarning, match="bfloat16"):
        assert_same(load(io.BytesIO(raw)), ref)


@pytest.mark.parametrize("fmt", FORMATS)
def test_map_location_forms(fmt, tmp_path):
    path = tmp_path / "m.pth"
    torch.save({"w": torch.ones(2)}, path, **FORMATS[fmt])
    for m in (None, "cpu", zoo_core.device("cpu"), {"cpu": "cpu"}):
        assert load(path, map_location=m)["w"].device == zoo_core.device("cpu")
    with pytest.raises(TypeError, match="map_location as a function is not supported"):
        load(path, map_location=lambda storage, loc: storage)


def test_cuda_checkpoint_on_a_cpu_machine(tmp_path):
    """Tensors saved from cuda:0 load with map_location='cpu' or a dict; without it the error says how."""
    buf = io.BytesIO()
    torch.save({"w": torch.arange(3.)}, buf)
    raw = rewrite_zip(buf.getvalue(), lambda n, d: d.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
                      if n.endswith("data.pkl") else d)
    for m in ("cpu", {"cuda:0": "cpu"}):
        assert np.array_equal(load(io.BytesIO(raw), map_location=m)["w"]._data, [0., 1., 2.])
    try:
        import cupy
        del cupy
    except ImportError:
        with pytest.raises(SerializationError, match="saved on 'cuda:0'.*pass map_location='cpu'"):
            load(io.BytesIO(raw))


@pytest.mark.gpu
@pytest.mark.parametrize("fmt", FORMATS)
def test_map_location_cuda(fmt, tmp_path):
    path = tmp_path / "g.pth"
    ref = _layouts()
    torch.save(ref, path, **FORMATS[fmt])
    out = load(path, map_location="cuda")
    for k in ref:
        assert out[k].device.type == "cuda"
        assert np.array_equal(out[k]._data.get(), ref[k].numpy()), k
    out["base"]._data[0, 1] = 100.0     # views of one storage still share memory on the GPU
    assert float(out["transposed"]._data[1, 0]) == 100.0


def test_file_objects_and_streams(tmp_path):
    ref = {"w": torch.randn(3, 3)}
    for kwargs in FORMATS.values():
        buf = io.BytesIO()
        torch.save(ref, buf, **kwargs)
        assert np.array_equal(load(io.BytesIO(buf.getvalue()))["w"]._data, ref["w"].numpy())

        class Stream:   # not seekable: read into memory first
            def __init__(self, data):
                self.inner = io.BytesIO(data)

            def read(self, n=-1):
                return self.inner.read(n)

            def seekable(self):
                return False
        assert np.array_equal(load(Stream(buf.getvalue()))["w"]._data, ref["w"].numpy())
    with open(tmp_path / "f.pt", "wb") as f:
        torch.save(ref, f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert np.array_equal(load(f)["w"]._data, ref["w"].numpy())


def test_crafted_checkpoints_match_torch():
    """Hand-written pickles (legacy storage views, old _rebuild_tensor, any archive name) read like torch."""
    data = np.arange(8, dtype="<f4").tobytes()
    pk = pickle_dict_with(tensor_pickle(numel=8, offset=2, size=(2, 3), stride=(1, 2)))
    raw = zip_checkpoint(pk, {"data/0": data}, archive="my_model", byteorder=None)
    assert_same(load(io.BytesIO(raw)), torch.load(io.BytesIO(raw), weights_only=True))
    # legacy storage view: ('storage', type, root key, location, numel, (view key, offset, size))
    view_pid = (b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
                b"J\x08\x00\x00\x00(X\x01\x00\x00\x001J\x03\x00\x00\x00J\x04\x00\x00\x00ttQ")
    legacy_pk = pickle_dict_with(b"ctorch._utils\n_rebuild_tensor_v2\n(" + view_pid
                                 + b"J\x01\x00\x00\x00(J\x02\x00\x00\x00t(J\x01\x00\x00\x00t\x89"
                                 + b"ccollections\nOrderedDict\n)RtR")
    raw = legacy_stream(legacy_pk, ["0"], [(8, data)])
    ours = load(io.BytesIO(raw))
    assert np.array_equal(ours["weights"]._data, [4.0, 5.0])     # root offset 3 + view offset 1
    assert_same(ours, torch.load(io.BytesIO(raw), weights_only=False))


def test_truncated_zip_file_names_the_file(tmp_path):
    torch.save({"w": torch.randn(100)}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:len(data) // 2])
    with pytest.raises(SerializationError, match=r"cut\.pt: corrupt zip checkpoint"):
        load(tmp_path / "cut.pt")


def test_legacy_storage_count_mismatch():
    data = np.arange(4, dtype="<f4").tobytes()
    raw = legacy_stream(pickle_dict_with(tensor_pickle(legacy=True)), ["0"], [(5, data + b"\0" * 4)])
    with pytest.raises(SerializationError, match="storage '0' has 5 elements, expected 4"):
        load(io.BytesIO(raw))
