"""Convolution layers: parity with PyTorch (forward, input and weight gradients), init, repr, errors."""
import math
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.autograd import gradcheck, gradgradcheck

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402

CONV2D = [
    (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(3, 4, (3, 2), stride=2, padding=1), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(4, 6, 3, padding=(2, 1), dilation=2, groups=2), (1, 4, 8, 7)),
    (lambda nn: nn.Conv2d(4, 4, 3, groups=4, bias=False), (2, 4, 5, 5)),
    (lambda nn: nn.Conv2d(3, 2, 4, padding="same"), (1, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 2, 3, padding="same", dilation=(1, 2)), (1, 3, 6, 7)),
    (lambda nn: nn.Conv2d(3, 2, 3, padding="valid"), (1, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"), (2, 3, 5, 6)),
    (lambda nn: nn.Conv2d(3, 2, 3, stride=2, padding=(1, 2), padding_mode="replicate"), (2, 3, 5, 6)),
    (lambda nn: nn.Conv2d(3, 2, (2, 3), padding=1, padding_mode="circular"), (2, 3, 5, 6)),
    (lambda nn: nn.Conv2d(3, 2, 4, padding="same", padding_mode="reflect"), (1, 3, 6, 6)),
    (lambda nn: nn.Conv2d(3, 2, 3), (3, 6, 6)),                                   # unbatched
    (lambda nn: nn.Conv2d(2, 3, 1), (2, 2, 4, 4)),
]
CONV1D = [
    (lambda nn: nn.Conv1d(3, 4, 3), (2, 3, 9)),
    (lambda nn: nn.Conv1d(4, 2, 2, stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    (lambda nn: nn.Conv1d(3, 4, 4, padding="same", bias=False), (2, 3, 7)),
    (lambda nn: nn.Conv1d(3, 4, 3, padding=2, padding_mode="circular"), (2, 3, 7)),
    (lambda nn: nn.Conv1d(3, 4, 3, padding=1, padding_mode="reflect"), (3, 7)),
]
TRANSPOSED = [
    (lambda nn: nn.ConvTranspose2d(3, 4, 3), (2, 3, 4, 5)),
    (lambda nn: nn.ConvTranspose2d(4, 2, (3, 2), stride=2, padding=1, output_padding=1), (2, 4, 4, 3)),
    (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=(2, 1), padding=(0, 1), groups=2, dilation=2,
                                   bias=False), (1, 4, 3, 4)),
    (lambda nn: nn.ConvTranspose2d(3, 2, 2, stride=2), (3, 4, 4)),
    (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 5)),
    (lambda nn: nn.ConvTranspose1d(4, 2, 2, groups=2, dilation=3), (2, 4, 6)),
]
ALL = CONV2D + CONV1D + TRANSPOSED


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", ALL, ids=[_id(c) for c in ALL])
def test_matches_torch(case):
    pytest.importorskip("torch")
    ctor, shape = case
    compare_layer(*build(ctor), shape)


@pytest.mark.parametrize("case", CONV2D[:3] + TRANSPOSED[:2], ids=[_id(c) for c in CONV2D[:3] + TRANSPOSED[:2]])
def test_matches_torch_float32(case):
    pytest.importorskip("torch")
    ctor, shape = case
    compare_layer(*build(ctor), shape, dtype="float32", atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", ALL, ids=[_id(c) for c in ALL])
def test_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


def test_state_dict_keys_and_shapes():
    m = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {"weight": (6, 2, 3, 2), "bias": (6,)}
    t = nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
    assert {k: tuple(v.shape) for k, v in t.state_dict().items()} == {"weight": (4, 3, 3, 3)}


@pytest.mark.parametrize("ctor,fan_in", [(lambda: nn.Conv2d(8, 16, 3), 72), (lambda: nn.Conv1d(6, 4, 5, groups=2), 15),
                                         (lambda: nn.ConvTranspose2d(4, 10, 3, groups=2), 45)])
def test_default_init_bounds(ctor, fan_in):
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound
    zoo_core.manual_seed(0)
    m = ctor()
    bound = 1 / math.sqrt(fan_in)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert abs(w.mean()) < 0.2 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound


def test_reset_parameters_redraws():
    m = nn.Conv2d(2, 3, 3)
    before = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.allclose(before, m.weight.detach().numpy())


def test_conv_transpose_output_size():
    torch = pytest.importorskip("torch")
    z, t = build(lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1))
    for size in [(9, 11), (10, 12), [1, 2, 10, 11]]:
        compare_layer(z, t, (1, 3, 5, 6), call=lambda m, x: m(x, output_size=size))
    with pytest.raises(ValueError, match="requested an output size of"):
        z(zoo_core.randn(1, 3, 5, 6), output_size=(12, 12))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        z(zoo_core.randn(1, 3, 5, 6), output_size=(12,))
    z1, t1 = build(lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=3))
    compare_layer(z1, t1, (2, 3, 4), call=lambda m, x: m(x, output_size=[14]))
    assert torch is not None


def test_padded_conv_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    x = zoo_core.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    w = zoo_core.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = zoo_core.tensor(rng.standard_normal(3), requires_grad=True)

    def fn(x, w, b):
        return F.conv2d(F.pad(x, (1, 2, 1, 1), mode="reflect"), w, b, stride=(1, 2))
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_layer_gradcheck_through_module():
    m = nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular").double()
    x = zoo_core.randn(2, 2, 5, dtype=zoo_core.float64, requires_grad=True)
    assert gradcheck(lambda x: m(x), (x,))
    assert gradgradcheck(lambda x: m(x), (x,))


def test_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")


def test_forward_error_names_the_module_and_channels():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(4, 2, 3))
    with pytest.raises(RuntimeError, match="expected input\\[1, 8, 6, 6\\] to have 4 channels") as e:
        net(zoo_core.randn(1, 3, 8, 8))
    assert any("Conv2d(4, 2, kernel_size=(3, 3), stride=(1, 1))" in n for n in e.value.__notes__)


def test_dtype_and_double():
    m = nn.Conv2d(2, 3, 3, dtype=zoo_core.float64)
    assert m.weight.dtype == zoo_core.float64 and m.bias.dtype == zoo_core.float64
    y = nn.Conv2d(2, 3, 3).double()(zoo_core.randn(1, 2, 5, 5, dtype=zoo_core.float64))
    assert y.dtype == zoo_core.float64
