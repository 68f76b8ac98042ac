import collections

import numpy as np
import pytest
import torch

import zoo_core
from zoo_core.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def _same(ours, theirs):
    """Structure, types and values of a zoo batch equal torch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, zoo_core.Tensor), type(ours)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


BATCHES = {
    "ints": lambda lib: [0, 1, 2, 3],
    "floats": lambda lib: [0.5, 1.5],
    "bools": lambda lib: [True, False],
    "strings": lambda lib: ["a", "b"],
    "numpy_arrays": lambda lib: [np.ones(3, np.float32), np.zeros(3, np.float32)],
    "numpy_int_arrays": lambda lib: [np.arange(2), np.arange(2, 4)],
    "numpy_scalars": lambda lib: [np.float32(1.5), np.float32(2.5)],
    "tensors": lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
    "dicts": lambda lib: [{"A": 0, "B": 1.0}, {"A": 100, "B": 100.0}],
    "namedtuples": lambda lib: [Point(0, 0.5), Point(1, 1.5)],
    "tuples": lambda lib: [(lib.tensor([1]), 0, "x"), (lib.tensor([2]), 1, "y")],
    "lists": lambda lib: [[0, 1], [2, 3]],
    "nested": lambda lib: [{"img": lib.zeros(2, 2), "meta": {"id": 1, "tags": ["a"]}},
                           {"img": lib.ones(2, 2), "meta": {"id": 2, "tags": ["b"]}}],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_torch(name):
    make = BATCHES[name]
    _same(default_collate(make(zoo_core)), torch.utils.data.default_collate(make(torch)))


def test_collate_dtypes():
    assert default_collate([1, 2]).dtype == zoo_core.int64
    assert default_collate([1.0, 2.0]).dtype == zoo_core.float64
    assert default_collate([zoo_core.zeros(2, dtype=zoo_core.float16)] * 3).shape == (3, 2)


def test_collate_keeps_autograd_when_stacking_grad_tensors():
    if not hasattr(zoo_core, "stack"):
        pytest.skip("zoo_core.stack not available yet")
    a = zoo_core.ones(2, requires_grad=True)
    out = default_collate([a, a * 2])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])


def test_collate_shape_mismatch_names_shapes():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 "
                                           r"and \[3\] at entry 1"):
        default_collate([zoo_core.zeros(2), zoo_core.zeros(3)])
    with pytest.raises(RuntimeError, match=r"\[2, 2\] at entry 0 and \[2, 1\] at entry 2"):
        default_collate([np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 1))])


def test_collate_errors():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                                        "found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])


def test_default_convert():
    out = default_convert({"x": np.arange(3), "name": "a", "t": (np.float32(1.0), 2)})
    assert isinstance(out["x"], zoo_core.Tensor) and out["x"].tolist() == [0, 1, 2]
    assert out["name"] == "a"
    assert isinstance(out["t"], list) and out["t"][0].dtype == zoo_core.float32 and out["t"][1] == 2
    p = default_convert(Point(np.zeros(1), 3))
    assert isinstance(p, Point) and isinstance(p.x, zoo_core.Tensor) and p.y == 3
    strs = np.array(["a", "b"])
    assert default_convert(strs) is strs
    t = zoo_core.zeros(2)
    assert default_convert(t) is t
