"""F.pad (constant with cropping, reflect, replicate, circular) and the padding layers."""
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402


def pad(p, mode="constant", value=None):
    if value is None:
        return lambda lib, x: lib.nn.functional.pad(x, p, mode=mode)
    return lambda lib, x: lib.nn.functional.pad(x, p, mode=mode, value=value)


CASES = [
    OpCase("constant_last", pad((1, 2)), [(2, 3)]),
    OpCase("constant_value", pad((1, 0, 2, 1), value=-3.5), [(2, 3, 4)]),
    OpCase("constant_3dims", pad((1, 1, 0, 2, 3, 0)), [(2, 3, 2)]),
    OpCase("constant_crop", pad((-1, 2, 1, -2)), [(2, 4, 5)]),
    OpCase("constant_all_dims", pad((1, 1, 1, 1, 1, 1)), [(2, 2, 2)]),
    OpCase("reflect_1d", pad((2, 1), "reflect"), [(2, 3, 4)]),
    OpCase("reflect_1d_unbatched", pad((3, 3), "reflect"), [(3, 4)]),
    OpCase("reflect_2d", pad((1, 2, 2, 1), "reflect"), [(1, 2, 3, 4)]),
    OpCase("reflect_3d", pad((1, 1, 2, 0, 0, 1), "reflect"), [(1, 1, 2, 3, 3)]),
    OpCase("reflect_crop", pad((-1, 2), "reflect"), [(1, 2, 5)]),
    OpCase("replicate_1d", pad((3, 1), "replicate"), [(2, 3, 4)]),
    OpCase("replicate_2d", pad((2, 0, 1, 3), "replicate"), [(2, 3, 4)]),
    OpCase("replicate_3d", pad((1, 2, 1, 0, 2, 1), "replicate"), [(1, 2, 2, 3, 2)]),
    OpCase("circular_1d", pad((2, 3), "circular"), [(2, 2, 4)]),
    OpCase("circular_2d", pad((1, 2, 3, 0), "circular"), [(1, 2, 3, 4)]),
    OpCase("circular_crop", pad((-1, 1), "circular"), [(1, 2, 3)]),
    OpCase("reflect_long_pads", pad((9, 7), "reflect"), [(1, 1, 12)]),
    OpCase("replicate_long_pads", pad((11, 13), "replicate"), [(1, 1, 5)]),
    OpCase("reflect_values", pad((2, 2), "reflect"), arrays=[np.array([[[1.0, 2.0, 3.0]]])],
           expected=[[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]),
    OpCase("replicate_values", pad((1, 2), "replicate"), arrays=[np.array([[[1.0, 2.0, 3.0]]])],
           expected=[[[1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]]),
    OpCase("circular_values", pad((2, 1), "circular"), arrays=[np.array([[[1.0, 2.0, 3.0]]])],
           expected=[[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]]),
    OpCase("crop_values", pad((-1, -1)), arrays=[np.array([1.0, 2.0, 3.0, 4.0])], expected=[2.0, 3.0]),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_reflect_gradient_accumulates():
    x = zoo_core.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    F.pad(x, (2, 2), mode="reflect").sum().backward()
    assert x.grad.tolist() == [[[2.0, 3.0, 2.0]]]
    y = zoo_core.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    F.pad(y, (2, 1), mode="replicate").sum().backward()
    assert y.grad.tolist() == [[[3.0, 1.0, 2.0]]]


def test_integer_and_bool_inputs_keep_dtype():
    assert F.pad(zoo_core.tensor([[1, 2]]), (1, 1), value=7).tolist() == [[7, 1, 2, 7]]
    assert F.pad(zoo_core.tensor([[True]]), (1, 0)).tolist() == [[False, True]]


def test_errors():
    x = zoo_core.randn(1, 1, 3)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input "
                                           "dimension but got padding length 8 and input of dimension 3"):
        F.pad(x, (1,) * 8)
    with pytest.raises(RuntimeError, match="Argument #4: Padding size should be less than the corresponding input "
                                           "dimension, but got: padding \\(3, 3\\) at dimension 2 of input "
                                           "\\[1, 1, 3\\]"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input tensor"):
        F.pad(zoo_core.randn(3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="negative output size"):
        F.pad(x, (-2, -2))
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode"):
        F.pad(x, (1, 1), mode="mirror")


LAYERS = [
    (lambda nn: nn.ZeroPad1d(2), (2, 3, 4)),
    (lambda nn: nn.ZeroPad2d((1, 0, 2, 3)), (2, 3, 4, 4)),
    (lambda nn: nn.ZeroPad2d(1), (3, 4, 4)),
    (lambda nn: nn.ConstantPad1d((1, 3), 2.5), (2, 3, 4)),
    (lambda nn: nn.ConstantPad2d(2, -1.0), (1, 2, 3, 3)),
    (lambda nn: nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    (lambda nn: nn.ReflectionPad2d(1), (2, 3, 4, 4)),
    (lambda nn: nn.ReflectionPad2d((1, 2, 0, 3)), (1, 2, 4, 5)),
    (lambda nn: nn.ReplicationPad1d(3), (2, 3, 4)),
    (lambda nn: nn.ReplicationPad2d((1, 2, 3, 0)), (1, 2, 4, 5)),
    (lambda nn: nn.CircularPad1d(2), (2, 3, 4)),
    (lambda nn: nn.CircularPad2d((1, 0, 2, 1)), (1, 2, 4, 5)),
    (lambda nn: nn.ZeroPad3d((1, 0, 0, 1, 2, 2)), (1, 2, 2, 3, 3)),
    (lambda nn: nn.ConstantPad3d(1, 3.0), (2, 2, 3, 3)),
    (lambda nn: nn.ReflectionPad3d(1), (1, 2, 3, 3, 3)),
    (lambda nn: nn.ReplicationPad3d((2, 1, 0, 1, 1, 0)), (1, 2, 3, 3, 3)),
    (lambda nn: nn.CircularPad3d(1), (1, 1, 2, 3, 3)),
]


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_matches_torch(case):
    pytest.importorskip("torch")
    compare_layer(*build(case[0]), case[1])


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


def test_padding_stored_as_tuple():
    assert nn.ReflectionPad2d(2).padding == (2, 2, 2, 2)
    assert nn.ZeroPad1d(1).padding == (1, 1)
    assert nn.ConstantPad2d((1, 2, 3, 4), 0.5).value == 0.5
