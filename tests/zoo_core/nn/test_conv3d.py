"""conv3d / conv_transpose3d and the Conv3d / ConvTranspose3d layers: float64 gradcheck and gradgradcheck on
every device, PyTorch parity (forward, input, weight and bias gradients), init, repr, errors."""
import math
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
from zoo_core.ops.conv import conv3d, conv_transpose3d
from zoo_core.testing.ops import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402


def _conv(lib, *args, **kw):
    # (zoo_core.nn.functional re-exports conv3d once the lead adds it; the ops module has it already)
    return (lib.nn.functional.conv3d if lib.__name__ == "torch" else conv3d)(*args, **kw)


def _conv_t(lib, *args, **kw):
    return (lib.nn.functional.conv_transpose3d if lib.__name__ == "torch" else conv_transpose3d)(*args, **kw)


CASES = [
    OpCase("conv3d", lambda lib, x, w, b: _conv(lib, x, w, b), [(2, 2, 3, 4, 3), (3, 2, 2, 2, 2), (3,)]),
    OpCase("conv3d_stride_padding", lambda lib, x, w: _conv(lib, x, w, stride=(2, 1, 2), padding=(1, 0, 1)),
           [(1, 2, 4, 3, 5), (2, 2, 3, 2, 3)]),
    OpCase("conv3d_dilation_groups", lambda lib, x, w, b: _conv(lib, x, w, b, dilation=(2, 1, 1), groups=2,
                                                                padding=1),
           [(1, 4, 4, 3, 3), (2, 2, 2, 2, 1), (2,)]),
    OpCase("conv3d_same_even_kernel", lambda lib, x, w: _conv(lib, x, w, padding="same", dilation=(1, 2, 1)),
           [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2)]),
    OpCase("conv3d_valid", lambda lib, x, w: _conv(lib, x, w, padding="valid"), [(1, 1, 3, 3, 3), (2, 1, 3, 1, 2)]),
    OpCase("conv3d_unbatched", lambda lib, x, w: _conv(lib, x, w, padding=1), [(2, 2, 3, 2), (1, 2, 3, 3, 3)]),
    OpCase("conv_transpose3d", lambda lib, x, w, b: _conv_t(lib, x, w, b), [(2, 2, 2, 3, 2), (2, 3, 2, 2, 2), (3,)]),
    OpCase("conv_transpose3d_stride_outpad",
           lambda lib, x, w: _conv_t(lib, x, w, stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1)),
           [(1, 2, 2, 3, 2), (2, 1, 3, 2, 2)]),
    OpCase("conv_transpose3d_groups_dilation",
           lambda lib, x, w: _conv_t(lib, x, w, groups=2, dilation=(1, 2, 1), stride=2),
           [(1, 4, 2, 2, 2), (4, 1, 2, 2, 2)]),
    OpCase("conv_transpose3d_unbatched", lambda lib, x, w: _conv_t(lib, x, w, stride=2), [(2, 2, 2, 1),
                                                                                        (2, 2, 2, 2, 2)]),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning")


def test_conv3d_values():
    # a 2x2x2 kernel of ones sums each 2x2x2 cube
    x = zoo_core.arange(27.0).reshape(1, 1, 3, 3, 3)
    y = conv3d(x, zoo_core.ones(1, 1, 2, 2, 2))
    want = np.lib.stride_tricks.sliding_window_view(np.arange(27.0).reshape(3, 3, 3), (2, 2, 2)).sum((-3, -2, -1))
    np.testing.assert_array_equal(y.numpy()[0, 0], want)


def test_conv3d_of_depth_1_is_conv2d():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 2))
    y3 = conv3d(zoo_core.tensor(x[:, :, None]), zoo_core.tensor(w[:, :, None]), padding=(0, 1, 1), stride=(1, 2, 1))
    y2 = zoo_core.nn.functional.conv2d(zoo_core.tensor(x), zoo_core.tensor(w), padding=1, stride=(2, 1))
    np.testing.assert_allclose(y3.numpy()[:, :, 0], y2.numpy(), rtol=1e-12)


# ---- the layers --------------------------------------------------------------------------------------
CONV3D = [
    (lambda nn: nn.Conv3d(2, 3, 3), (2, 2, 4, 5, 4)),
    (lambda nn: nn.Conv3d(2, 4, (2, 3, 1), stride=(1, 2, 2), padding=(1, 1, 0)), (2, 2, 4, 5, 4)),
    (lambda nn: nn.Conv3d(4, 2, 2, dilation=2, groups=2, bias=False), (1, 4, 4, 5, 4)),
    (lambda nn: nn.Conv3d(2, 2, (2, 3, 2), padding="same"), (1, 2, 3, 4, 5)),
    (lambda nn: nn.Conv3d(2, 2, 2, padding="valid"), (1, 2, 3, 3, 3)),
    (lambda nn: nn.Conv3d(2, 3, 3, padding=1, padding_mode="reflect"), (1, 2, 3, 4, 4)),
    (lambda nn: nn.Conv3d(2, 3, 2, stride=2, padding=(1, 0, 1), padding_mode="replicate"), (2, 2, 3, 4, 4)),
    (lambda nn: nn.Conv3d(2, 3, (3, 2, 2), padding=(1, 2, 1), padding_mode="circular"), (1, 2, 3, 4, 4)),
    (lambda nn: nn.Conv3d(2, 2, 2, padding="same", padding_mode="reflect"), (1, 2, 3, 4, 4)),
    (lambda nn: nn.Conv3d(2, 3, 2), (2, 3, 4, 3)),                                   # unbatched
]
TRANSPOSED3D = [
    (lambda nn: nn.ConvTranspose3d(2, 3, 2), (2, 2, 2, 3, 2)),
    (lambda nn: nn.ConvTranspose3d(2, 2, (3, 2, 2), stride=2, padding=1, output_padding=(1, 0, 1)), (1, 2, 2, 3, 2)),
    (lambda nn: nn.ConvTranspose3d(4, 2, 2, stride=(1, 2, 1), groups=2, dilation=2, bias=False), (1, 4, 2, 2, 3)),
    (lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2), (2, 2, 3, 2)),                 # unbatched
]
LAYERS = CONV3D + TRANSPOSED3D


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_matches_torch(case):
    pytest.importorskip("torch")
    ctor, shape = case
    compare_layer(*build(ctor), shape)


@pytest.mark.parametrize("case", [CONV3D[1], TRANSPOSED3D[1]], ids=[_id(CONV3D[1]), _id(TRANSPOSED3D[1])])
def test_layer_matches_torch_float32(case):
    pytest.importorskip("torch")
    ctor, shape = case
    compare_layer(*build(ctor), shape, dtype="float32", atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


def test_layer_on_device(device):
    zoo_core.manual_seed(0)
    m = nn.Conv3d(2, 3, 2, padding=1, padding_mode="circular").double().to(device)
    x = zoo_core.randn(1, 2, 3, 3, 3, dtype=zoo_core.float64, device=device, requires_grad=True)
    y = m(x)
    assert y.device.type == zoo_core.device(device).type and tuple(y.shape) == (1, 3, 4, 4, 4)
    y.sum().backward()
    assert x.grad.device.type == zoo_core.device(device).type and tuple(m.weight.grad.shape) == (3, 2, 2, 2, 2)


def test_conv_transpose3d_output_size():
    pytest.importorskip("torch")
    z, t = build(lambda nn: nn.ConvTranspose3d(2, 2, 3, stride=2, padding=1))
    for size in [(3, 5, 5), (4, 6, 6), [1, 2, 4, 5, 6]]:
        compare_layer(z, t, (1, 2, 2, 3, 3), call=lambda m, x: m(x, output_size=size))
    with pytest.raises(ValueError, match="requested an output size of"):
        z(zoo_core.randn(1, 2, 2, 3, 3), output_size=(5, 5, 5))
    with pytest.raises(ValueError, match="output_size must have 3 or 5 elements"):
        z(zoo_core.randn(1, 2, 2, 3, 3), output_size=(5, 5))


def test_state_dict_and_default_init_bounds():
    zoo_core.manual_seed(0)
    m = nn.Conv3d(4, 6, (3, 2, 2), groups=2)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {"weight": (6, 2, 3, 2, 2), "bias": (6,)}
    t = nn.ConvTranspose3d(4, 6, 2, groups=2, bias=False)
    assert {k: tuple(v.shape) for k, v in t.state_dict().items()} == {"weight": (4, 3, 2, 2, 2)}
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound
    bound = 1 / math.sqrt(2 * 3 * 2 * 2)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert 0.8 * bound < np.abs(w).max() <= bound and np.abs(b).max() <= bound


# ---- errors ------------------------------------------------------------------------------------------
X = zoo_core.ones(1, 2, 3, 4, 4)
W = zoo_core.ones(3, 2, 2, 2, 2)
ERRORS = [
    (lambda: conv3d(X[0, 0], W), RuntimeError,
     "conv3d: Expected 4D \\(unbatched\\) or 5D \\(batched\\) input, but got input of size: \\[3, 4, 4\\]"),
    (lambda: conv3d(X, W[:, :1]), RuntimeError,
     "conv3d: Given groups=1, weight of size \\[3, 1, 2, 2, 2\\], expected input\\[1, 2, 3, 4, 4\\] to have 1 "
     "channels, but got 2 channels instead"),
    (lambda: conv3d(X, W[..., 0]), RuntimeError, "conv3d: weight must be 5-D"),
    (lambda: conv3d(X, W, stride=(1, 2)), ValueError, "conv3d: expected stride to be a single int or a triple"),
    (lambda: conv3d(X, zoo_core.ones(3, 2, 4, 2, 2)), RuntimeError,
     "Calculated padded input size per channel: \\(3 x 4 x 4\\). Kernel size: \\(4 x 2 x 2\\)"),
    (lambda: conv3d(X, W, padding="same", stride=2), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: conv3d(X, W, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda: conv3d(X, W.double()), RuntimeError, "Input type \\(zoo_core.float32\\) and weight type"),
    (lambda: conv_transpose3d(X, W), RuntimeError,
     "conv_transpose3d: Given transposed=1, weight of size \\[3, 2, 2, 2, 2\\], expected input\\[1, 2, 3, 4, 4\\] "
     "to have 3 channels, but got 2 channels instead"),
    (lambda: conv_transpose3d(X, W[:2], output_padding=(0, 1, 0)), RuntimeError,
     "conv_transpose3d: output padding must be smaller than either stride or dilation"),
    (lambda: nn.Conv3d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv3d(2, 4, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv3d(2, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: nn.ConvTranspose3d(2, 4, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose3d'),
]


@pytest.mark.parametrize("call,exc,msg", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
