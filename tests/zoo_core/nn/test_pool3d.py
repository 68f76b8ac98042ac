"""3-D pooling: max_pool3d (indices, ceil_mode, dilation), avg_pool3d (count_include_pad, divisor_override),
the adaptive pools, and the layers: float64 gradcheck and gradgradcheck on every device, PyTorch parity
(values, indices, gradients), repr, errors."""
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.testing.ops import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402


def _distinct(shape, seed=0):
    """Distinct values, so that no window's maximum is tied (gradcheck steps never change the argmax)."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 10.0


def _max(shape, *args, **kw):
    return OpCase(f"max_pool3d{shape}_{args}_{kw}".replace(" ", ""),
                  lambda lib, x: lib.nn.functional.max_pool3d(x, *args, **kw), arrays=[_distinct(shape)])


CASES = [
    _max((2, 2, 4, 4, 4), 2),
    _max((1, 2, 5, 4, 5), (3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1)),
    _max((1, 2, 5, 5, 4), 2, stride=2, dilation=(2, 1, 1), ceil_mode=True),
    _max((1, 2, 5, 4, 6), 3, stride=2, padding=1, ceil_mode=True, return_indices=True),
    _max((2, 3, 4, 5), 2, return_indices=True),                                      # unbatched
    OpCase("max_pool3d_indices_only", lambda lib, x: lib.nn.functional.max_pool3d(
        x, (2, 3, 2), stride=1, padding=(1, 1, 0), return_indices=True)[1], arrays=[_distinct((1, 2, 3, 4, 4))]),
    OpCase("avg_pool3d", lambda lib, x: lib.nn.functional.avg_pool3d(x, 2), [(2, 2, 4, 4, 5)]),
    OpCase("avg_pool3d_pad_exclude", lambda lib, x: lib.nn.functional.avg_pool3d(
        x, (3, 2, 3), stride=2, padding=(1, 1, 1), count_include_pad=False), [(1, 2, 5, 4, 5)]),
    OpCase("avg_pool3d_ceil_include_pad", lambda lib, x: lib.nn.functional.avg_pool3d(
        x, 3, stride=2, padding=1, ceil_mode=True), [(1, 2, 4, 6, 5)]),
    OpCase("avg_pool3d_divisor_override", lambda lib, x: lib.nn.functional.avg_pool3d(
        x, 2, stride=1, divisor_override=3), [(2, 3, 3, 4)]),
    OpCase("adaptive_avg_pool3d_divisible", lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, (2, 1, 2)),
           [(2, 2, 4, 3, 4)]),
    OpCase("adaptive_avg_pool3d_uneven", lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, (3, None, 2)),
           [(1, 2, 5, 3, 5)]),
    OpCase("adaptive_avg_pool3d_unbatched", lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, 3),
           [(2, 4, 5, 4)]),
    OpCase("adaptive_max_pool3d_uneven", lambda lib, x: lib.nn.functional.adaptive_max_pool3d(
        x, (3, 2, 2), return_indices=True), arrays=[_distinct((1, 2, 5, 3, 5))]),
    OpCase("adaptive_max_pool3d_divisible", lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x, (2, 1, 2)),
           arrays=[_distinct((2, 2, 4, 3, 4))]),
    OpCase("adaptive_max_pool3d_unbatched", lambda lib, x: lib.nn.functional.adaptive_max_pool3d(
        x, (2, 3, None), return_indices=True), arrays=[_distinct((2, 3, 5, 2))]),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_max_pool3d_values_and_indices():
    x = zoo_core.arange(64.0).reshape(1, 1, 4, 4, 4)
    y, i = F.max_pool3d(x, 2, return_indices=True)
    want = np.arange(64.0).reshape(2, 2, 2, 2, 2, 2).max(axis=(1, 3, 5))
    np.testing.assert_array_equal(y.numpy()[0, 0], want)
    np.testing.assert_array_equal(i.numpy()[0, 0], want.astype(np.int64))   # value == flat position here
    assert i.dtype == zoo_core.int64


def test_max_pool3d_ties_pick_the_first_and_gradient_goes_there():
    x = zoo_core.ones(1, 1, 2, 2, 2, requires_grad=True)
    y, i = F.max_pool3d(x, 2, return_indices=True)
    y.sum().backward()
    assert i.item() == 0 and x.grad.flatten().tolist() == [1.0] + [0.0] * 7


def test_avg_pool3d_values():
    x = zoo_core.arange(8.0).reshape(1, 1, 2, 2, 2)
    assert F.avg_pool3d(x, 2).item() == 3.5
    assert F.avg_pool3d(x, 2, divisor_override=2).item() == 14.0
    # padding 1 around a 2x2x2 block: each 2x2x2 window sees one input value of 8 (count_include_pad)
    np.testing.assert_array_equal(F.avg_pool3d(x, 2, padding=1).numpy().ravel(), np.arange(8.0) / 8)
    np.testing.assert_array_equal(F.avg_pool3d(x, 2, padding=1, count_include_pad=False).numpy().ravel(),
                                  np.arange(8.0))


def test_grad_fn_names_as_torch():
    x = zoo_core.randn(1, 1, 4, 4, 4, requires_grad=True)
    assert F.max_pool3d(x, 2).grad_fn.name() == "MaxPool3DWithIndicesBackward0"
    assert F.max_pool2d(x[0], 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool3d(x, 2).grad_fn.name() == "AvgPool3DBackward0"


# ---- the layers --------------------------------------------------------------------------------------
LAYERS = [
    (lambda nn: nn.MaxPool3d(2), (2, 2, 4, 5, 4)),
    (lambda nn: nn.MaxPool3d((3, 2, 3), stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True), (1, 2, 5, 6, 5)),
    (lambda nn: nn.MaxPool3d(2, return_indices=True), (2, 4, 4, 4)),
    (lambda nn: nn.AvgPool3d(2), (2, 2, 4, 5, 4)),
    (lambda nn: nn.AvgPool3d((3, 2, 3), stride=(2, 1, 2), padding=1, ceil_mode=True, count_include_pad=False),
     (1, 2, 6, 4, 5)),
    (lambda nn: nn.AvgPool3d(2, stride=1, divisor_override=5), (1, 2, 3, 3, 3)),
    (lambda nn: nn.AdaptiveAvgPool3d(1), (2, 3, 3, 4, 2)),
    (lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)), (2, 2, 5, 3, 4)),
    (lambda nn: nn.AdaptiveMaxPool3d((2, 3, 2)), (2, 2, 5, 4, 3)),
    (lambda nn: nn.AdaptiveMaxPool3d(2, return_indices=True), (2, 3, 4, 5)),
]


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_matches_torch(case):
    pytest.importorskip("torch")
    ctor, shape = case
    compare_layer(*build(ctor), x=_distinct(shape))


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


def test_layers_in_a_3d_cnn_float32():
    pytest.importorskip("torch")
    ctor = lambda nn: nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),  # noqa: E731
                                    nn.AvgPool3d(2, ceil_mode=True), nn.AdaptiveAvgPool3d(1), nn.Flatten())
    compare_layer(*build(ctor), (2, 2, 4, 6, 6), dtype="float32", atol=1e-5, rtol=1e-4)


def test_layer_on_device(device):
    x = zoo_core.tensor(_distinct((1, 2, 4, 4, 4)), device=device, requires_grad=True)
    y, i = nn.MaxPool3d(2, return_indices=True)(x)
    assert y.device.type == i.device.type == zoo_core.device(device).type and tuple(y.shape) == (1, 2, 2, 2, 2)
    y.sum().backward()
    assert x.grad.sum().item() == 16.0


# ---- errors ------------------------------------------------------------------------------------------
X = zoo_core.ones(1, 2, 3, 4, 4)
ERRORS = [
    (lambda: F.max_pool3d(X[0, 0], 2), RuntimeError,
     "max_pool3d: Expected 4D or 5D \\(batch mode\\) tensor for input, got shape \\(3, 4, 4\\)"),
    (lambda: F.max_pool3d(X, 2, padding=2), RuntimeError,
     "max_pool3d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=2"),
    (lambda: F.max_pool3d(X, (4, 2, 2)), RuntimeError, "max_pool3d: Given input size \\(3, 4, 4\\), calculated "
                                                       "output size is too small \\(0\\)"),
    (lambda: F.max_pool3d(X, (2, 2)), ValueError, "max_pool3d: expected kernel_size to be a single int or a triple"),
    (lambda: F.max_pool3d(X, 2, stride=0), RuntimeError, "max_pool3d: stride should not be zero"),
    (lambda: F.avg_pool3d(X[0, 0], 2), RuntimeError, "avg_pool3d: Expected 4D or 5D"),
    (lambda: F.avg_pool3d(X.int(), 2), RuntimeError, "\"avg_pool3d\" not implemented for 'int32'"),
    (lambda: F.avg_pool3d(X, 2, divisor_override=0), RuntimeError, "avg_pool3d: divisor must be not zero"),
    (lambda: F.adaptive_avg_pool3d(X[0, 0], 2), RuntimeError, "adaptive_avg_pool3d: Expected 4D or 5D tensor"),
    (lambda: F.adaptive_max_pool3d(X, (2, 2)), ValueError,
     "adaptive_max_pool3d: expected output_size to be a single int or a triple"),
]


@pytest.mark.parametrize("call,exc,msg", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
