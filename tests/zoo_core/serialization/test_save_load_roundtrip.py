"""``zoo_core.save`` / ``zoo_core.load`` round trips through safetensors files."""
import io
import math
import os
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy

import zoo_core
from zoo_core.serialization import load, save, safetensors_metadata
from zoo_core.tensor import _wrap

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _array(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 100
    return (a > 0) if dtype == "bool" else a.astype(dtype)


def _rt(obj, tmp_path, **kw):
    path = tmp_path / "x.safetensors"
    save(obj, path)
    return load(path, **kw)


def _eq(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a._data, b._data, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_bit_exact(dtype, tmp_path):
    t = zoo_core.from_numpy(_array(dtype))
    scalar = zoo_core.from_numpy(np.array(_array(dtype)[0, 0]))
    empty = zoo_core.from_numpy(np.zeros((0, 2), dtype=dtype))
    out = _rt({"t": t, "scalar": scalar, "empty": empty}, tmp_path)
    for k, v in (("t", t), ("scalar", scalar), ("empty", empty)):
        assert out[k].dtype is v.dtype and out[k].shape == v.shape
        assert out[k]._data.tobytes() == v._data.tobytes()
    plain = safetensors.numpy.load_file(tmp_path / "x.safetensors")   # the library reads it too
    assert np.array_equal(plain["t"], t._data) and plain["t"].dtype == t._data.dtype


def test_special_floats(tmp_path):
    t = zoo_core.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45])
    out = _rt({"t": t, "values": [float("nan"), float("inf"), -float("inf"), -0.0, 1e300]}, tmp_path)
    assert out["t"]._data.tobytes() == t._data.tobytes()
    v = out["values"]
    assert math.isnan(v[0]) and v[1] == math.inf and v[2] == -math.inf and math.copysign(1, v[3]) == -1
    assert v[4] == 1e300


def test_state_dict_keys_are_tensor_names(tmp_path):
    sd = OrderedDict([("fc.weight", zoo_core.ones(3, 2)), ("fc.bias", zoo_core.zeros(3)),
                      ("bn.num_batches_tracked", zoo_core.tensor(5))])
    out = _rt(sd, tmp_path)
    assert type(out) is OrderedDict and list(out) == list(sd)
    assert all(_eq(out[k], sd[k]) for k in sd)
    plain = safetensors.numpy.load_file(tmp_path / "x.safetensors")
    assert sorted(plain) == sorted(sd)
    assert plain["bn.num_batches_tracked"].dtype == np.int64
    meta = safetensors_metadata(tmp_path / "x.safetensors")
    assert meta["format"] == "pt" and '"odict"' in meta["zoo"]
    # a plain dict comes back as a plain dict, in order
    out = _rt({"b": zoo_core.ones(1), "a": zoo_core.zeros(1)}, tmp_path)
    assert type(out) is dict and list(out) == ["b", "a"]


def test_optimizer_state_dict_int_keys(tmp_path):
    exp_avg = zoo_core.tensor([0.1, 0.2])
    sd = {"state": {0: {"step": 3, "exp_avg": exp_avg, "exp_avg_sq": zoo_core.zeros(2)},
                    1: {"step": zoo_core.tensor(3.0), "momentum_buffer": None}},
          "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                            "amsgrad": False, "params": [0, 1], "name": "default"}]}
    out = _rt(sd, tmp_path)
    assert list(out["state"]) == [0, 1] and all(type(k) is int for k in out["state"])
    assert out["state"][0]["step"] == 3 and type(out["state"][0]["step"]) is int
    assert _eq(out["state"][0]["exp_avg"], exp_avg)
    assert out["state"][1]["step"].dtype is zoo_core.float32 and out["state"][1]["momentum_buffer"] is None
    g = out["param_groups"][0]
    assert g == {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                 "params": [0, 1], "name": "default"}
    assert type(g["betas"]) is tuple and type(g["weight_decay"]) is int and type(g["eps"]) is float
    plain = safetensors.numpy.load_file(tmp_path / "x.safetensors")
    assert set(plain) == {"state.0.exp_avg", "state.0.exp_avg_sq", "state.1.step"}


def test_nested_values_and_key_types(tmp_path):
    obj = {1: "int", "1": "str", 1.5: "float", None: "none", (1, "a"): "tuple", "bools": {False: 0, True: 1},
           "nested": [[1, [2, (3, 4)]], {"deep": {"deeper": [None, False, "x" * 1000]}}],
           "size": zoo_core.Size([2, 3]), "dtype": zoo_core.float16, "device": zoo_core.device("cpu"),
           "big": 2**70, "neg": -(2**63), "unicode": "héllo ✓", "empty": {}, "np": np.float32(0.5)}
    out = _rt(obj, tmp_path)
    assert list(out) == list(obj)
    for k in obj:
        if k != "np":
            assert out[k] == obj[k] and type(out[k]) is type(obj[k]), k
    assert out["np"] == 0.5 and type(out["np"]) is float     # numpy scalars become Python numbers
    assert type(out["nested"][0][1][1]) is tuple and out["dtype"] is zoo_core.float16
    assert [type(k) for k in out["bools"]] == [bool, bool] and type(list(out)[2]) is float


def test_ordered_dict_metadata_round_trips(tmp_path):
    sd = OrderedDict(w=zoo_core.ones(1))
    sd._metadata = OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    out = _rt(sd, tmp_path)
    assert out._metadata == sd._metadata and type(out._metadata) is OrderedDict


def test_top_level_tensor_list_and_tuple(tmp_path):
    t = zoo_core.arange(6).reshape(2, 3) if hasattr(zoo_core.Tensor, "reshape") else \
        zoo_core.from_numpy(np.arange(6).reshape(2, 3))
    assert _eq(_rt(t, tmp_path), t)
    out = _rt([t, (t, 1)], tmp_path)
    assert out[0] is out[1][0] and _eq(out[0], t)
    for plain in ({}, 3, [None, "x"], OrderedDict()):       # no tensor at all is fine too
        assert _rt(plain, tmp_path) == plain and type(_rt(plain, tmp_path)) is type(plain)


def test_tied_tensors_come_back_as_one_object(tmp_path):
    w = zoo_core.randn(4, 3) if hasattr(zoo_core, "randn") else zoo_core.from_numpy(_array("float32", (4, 3)))
    same_storage = _wrap(w._data)                     # another Tensor over the same array
    view_same_shape = _wrap(w._data[:])               # a numpy view: same memory, shape and strides
    row = _wrap(w._data[1])                           # a view of a different shape: stored separately
    sd = OrderedDict([("embed.weight", w), ("head.weight", w), ("alias", same_storage),
                      ("view", view_same_shape), ("row", row), ("copy", zoo_core.from_numpy(w._data.copy()))])
    out = _rt(sd, tmp_path)
    assert out["embed.weight"] is out["head.weight"] is out["alias"] is out["view"]
    assert out["row"] is not out["embed.weight"] and out["copy"] is not out["embed.weight"]
    assert np.array_equal(out["row"]._data, w._data[1]) and np.array_equal(out["copy"]._data, w._data)
    plain = safetensors.numpy.load_file(tmp_path / "x.safetensors")
    assert sorted(plain) == ["copy", "embed.weight", "row"]     # stored once
    # distinct empty tensors are never tied
    out = _rt([zoo_core.zeros(0), zoo_core.zeros(0)], tmp_path)
    assert out[0] is not out[1]


def test_non_contiguous_tensors_are_stored_contiguous(tmp_path):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    views = {"t": _wrap(base.T), "step": _wrap(base[:, ::2]), "neg": _wrap(base[::-1]),
             "bcast": _wrap(np.broadcast_to(base[0], (3, 6))), "f_order": _wrap(np.asfortranarray(base))}
    out = _rt(views, tmp_path)
    for k, v in views.items():
        assert np.array_equal(out[k]._data, v._data), k
        assert out[k]._data.flags.c_contiguous and out[k]._data.flags.writeable
    plain = safetensors.numpy.load_file(tmp_path / "x.safetensors")
    assert np.array_equal(plain["t"], base.T)


def test_big_endian_arrays_are_saved_correctly(tmp_path):
    a = np.arange(5, dtype=">f4")
    out = _rt({"a": _wrap(a)}, tmp_path)
    assert np.array_equal(out["a"]._data, a) and out["a"]._data.dtype == np.float32


def test_parameter_like_subclass_saved_as_data(tmp_path):
    class Param(zoo_core.Tensor):
        pass
    p = zoo_core.ones(2, 2).requires_grad_()
    sub = object.__new__(Param)
    sub._data, sub._rg = p._data, True
    out = _rt({"p": sub, "frozen": zoo_core.ones(1)}, tmp_path)
    assert type(out["p"]) is zoo_core.Tensor and out["p"].requires_grad and not out["frozen"].requires_grad


def test_loaded_tensors_are_writable_and_independent(tmp_path):
    t = zoo_core.ones(3)
    out = _rt({"a": t, "b": zoo_core.zeros(3)}, tmp_path)
    out["a"]._data[0] = 5
    assert out["b"]._data[0] == 0 and t._data[0] == 1


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    save({"w": zoo_core.ones(2), "n": 3}, buf)
    buf.seek(0)
    out = load(buf)
    assert out["n"] == 3 and np.array_equal(out["w"]._data, [1, 1])
    with open(tmp_path / "f.safetensors", "wb") as f:
        save([zoo_core.ones(1)], f)
    with open(tmp_path / "f.safetensors", "rb") as f:
        assert load(f)[0]._data[0] == 1
    import pathlib
    save({"w": zoo_core.ones(1)}, str(tmp_path / "s.safetensors"))
    assert load(pathlib.PurePath(tmp_path / "s.safetensors"))["w"]._data[0] == 1


def test_map_location(tmp_path):
    sd = {"w": zoo_core.ones(2)}
    for m in (None, "cpu", zoo_core.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cpu"}):
        assert _rt(sd, tmp_path, map_location=m)["w"].device == zoo_core.device("cpu")
    with pytest.raises(TypeError, match="map_location as a function"):
        _rt(sd, tmp_path, map_location=lambda s, loc: s)
    with pytest.raises(TypeError, match="map_location as a int"):
        _rt(sd, tmp_path, map_location=3)


@pytest.mark.gpu
def test_cuda_round_trip(tmp_path):
    t = zoo_core.ones(2, 3).to("cuda")
    out = _rt({"g": t, "g2": t, "c": zoo_core.zeros(1)}, tmp_path)
    assert out["g"].device == zoo_core.device("cuda", 0) and out["g"] is out["g2"]
    assert out["c"].device.type == "cpu"
    assert _rt({"g": t}, tmp_path, map_location="cpu")["g"].device.type == "cpu"
    assert _rt({"c": zoo_core.zeros(1)}, tmp_path, map_location="cuda")["c"].device.type == "cuda"


def test_unsupported_values_name_the_path(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save a builtins.object at 'state.0.x'"):
        save({"state": {0: {"x": object()}}}, tmp_path / "bad.safetensors")
    with pytest.raises(TypeError, match=r"numpy.ndarray at 'a'.*zoo_core.from_numpy"):
        save({"a": np.ones(2)}, tmp_path / "bad.safetensors")
    with pytest.raises(TypeError, match="dict keys must be"):
        save({zoo_core.ones(1): 1}, tmp_path / "bad.safetensors")
    cyc = []
    cyc.append(cyc)
    with pytest.raises(ValueError, match="contains itself"):
        save({"c": cyc}, tmp_path / "bad.safetensors")
    assert not os.listdir(tmp_path)      # nothing was written
    with pytest.raises(TypeError, match="expected a path or a binary file object"):
        save({}, 3)


def test_name_collisions_stay_distinct(tmp_path):
    a, b = zoo_core.ones(1), zoo_core.zeros(1)
    out = _rt({"a.b": a, "a": {"b": b}}, tmp_path)
    assert out["a.b"]._data[0] == 1 and out["a"]["b"]._data[0] == 0
