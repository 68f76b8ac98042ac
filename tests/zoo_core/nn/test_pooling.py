"""Pooling layers: parity with PyTorch (values, indices, gradients), gradcheck, repr."""
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
from zoo_core.autograd import gradcheck, gradgradcheck

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402

LAYERS = [
    (lambda nn: nn.MaxPool2d(2), (2, 3, 6, 7)),
    (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    (lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), dilation=(1, 2), ceil_mode=True), (1, 2, 8, 7)),
    (lambda nn: nn.MaxPool2d(3, stride=2, ceil_mode=True), (2, 2, 6, 6)),
    (lambda nn: nn.MaxPool2d(2, return_indices=True), (2, 3, 6, 7)),
    (lambda nn: nn.MaxPool2d(2), (3, 6, 6)),
    (lambda nn: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    (lambda nn: nn.MaxPool1d(2, dilation=2, ceil_mode=True, return_indices=True), (2, 3, 8)),
    (lambda nn: nn.AvgPool2d(2), (2, 3, 6, 7)),
    (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 6)),
    (lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 8, 8)),
    (lambda nn: nn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    (lambda nn: nn.AvgPool1d(3, stride=2), (2, 3, 9)),
    (lambda nn: nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True, count_include_pad=False), (2, 3, 10)),
    (lambda nn: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 4)),
    (lambda nn: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 3)), (2, 3, 4, 7)),
    (lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    (lambda nn: nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 7, 5)),
    (lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True), (2, 3, 5, 5)),
    (lambda nn: nn.AdaptiveMaxPool1d(3), (2, 3, 8)),
    (lambda nn: nn.LPPool2d(2, 2), (2, 3, 6, 6)),
    (lambda nn: nn.LPPool2d(3, (2, 3), stride=(2, 1)), (2, 3, 6, 6)),
    (lambda nn: nn.LPPool1d(2, 3, stride=2), (2, 3, 9)),
]


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_matches_torch(case):
    pytest.importorskip("torch")
    ctor, shape = case
    x = None
    if "LPPool" in repr(ctor(nn)):   # LPPool of odd powers: keep the window sums positive
        x = np.random.default_rng(0).uniform(0.5, 2.0, shape)
    compare_layer(*build(ctor), shape, x=x)


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


@pytest.mark.parametrize("ctor", [lambda: nn.MaxPool2d(2, stride=1, padding=1), lambda: nn.AvgPool2d(3, 2, 1),
                                  lambda: nn.AdaptiveAvgPool2d((2, 3)), lambda: nn.AdaptiveMaxPool1d(2),
                                  lambda: nn.AvgPool1d(2, 1, 1, count_include_pad=False)])
def test_gradcheck(ctor):
    m = ctor()
    shape = (1, 2, 5, 5) if "2d" in type(m).__name__ else (1, 2, 7)
    # distinct values so that the max is never tied
    x = zoo_core.tensor(np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) / 10.0,
                        requires_grad=True)
    assert gradcheck(lambda x: m(x), (x,))
    assert gradgradcheck(lambda x: m(x), (x,))


def test_lp_pool1d_functional_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(0.1, 2, (2, 3, 9))
    z = zoo_core.nn.functional.lp_pool1d(zoo_core.tensor(x), 3, 2, stride=3, ceil_mode=True)
    t = torch.nn.functional.lp_pool1d(torch.tensor(x), 3, 2, stride=3, ceil_mode=True)
    np.testing.assert_allclose(z.numpy(), t.numpy(), rtol=1e-10)


def test_max_pool_indices_values():
    x = zoo_core.arange(16.0).reshape(1, 1, 4, 4)
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert out.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert idx.tolist() == [[[[5, 7], [13, 15]]]] and idx.dtype == zoo_core.int64


def test_stride_defaults_to_kernel_size():
    assert nn.MaxPool2d(3).stride == 3
    assert nn.AvgPool1d(3).stride == (3,)
    assert nn.AvgPool2d((2, 3)).stride == (2, 3)


def test_pool_in_sequential_float32():
    pytest.importorskip("torch")
    ctor = lambda nn: nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # noqa: E731
                                    nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    compare_layer(*build(ctor), (3, 2, 8, 8), dtype="float32", atol=1e-5, rtol=1e-4)
