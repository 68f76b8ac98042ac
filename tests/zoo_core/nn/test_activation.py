"""Activation functions and layers: gradcheck, parity with PyTorch, in-place forms, repr."""
import os
import sys
import warnings

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402


def f(name, *args, **kwargs):
    """``lib.nn.functional.<name>(x, *args, **kwargs)`` for either library."""
    return lambda lib, x: getattr(lib.nn.functional, name)(x, *args, **kwargs)


X = [(3, 4)]
CASES = [
    OpCase("relu6", f("relu6"), X, low=-3, high=8, avoid=[0.0, 6.0]),
    OpCase("leaky_relu", f("leaky_relu", 0.2), X, avoid=[0.0]),
    OpCase("elu", f("elu", 1.5), X, avoid=[0.0]),
    OpCase("selu", f("selu"), X, avoid=[0.0]),
    OpCase("celu", f("celu", 0.7), X, avoid=[0.0]),
    OpCase("hardswish", f("hardswish"), X, low=-5, high=5, avoid=[-3.0, 3.0]),
    OpCase("hardsigmoid", f("hardsigmoid"), X, low=-5, high=5, avoid=[-3.0, 3.0]),
    OpCase("hardtanh", f("hardtanh", -0.5, 1.2), X, avoid=[-0.5, 1.2]),
    OpCase("threshold", f("threshold", 0.3, -2.0), X, avoid=[0.3]),
    OpCase("softsign", f("softsign"), X, avoid=[0.0]),
    OpCase("tanhshrink", f("tanhshrink"), X),
    OpCase("hardshrink", f("hardshrink", 0.4), X, avoid=[-0.4, 0.4]),
    OpCase("softshrink", f("softshrink", 0.4), X, avoid=[-0.4, 0.4]),
    OpCase("logsigmoid", f("logsigmoid"), X, low=-30, high=30),
    OpCase("glu", f("glu", 1), [(3, 6)]),
    OpCase("glu_dim0", f("glu", 0), [(4, 3)]),
    OpCase("softmax", f("softmax", dim=1), [(3, 5)]),
    OpCase("log_softmax", f("log_softmax", dim=0), [(3, 5)]),
    OpCase("softmin", f("softmin", dim=-1), [(2, 3, 4)]),
    OpCase("rrelu_eval", f("rrelu", 0.1, 0.3), X, avoid=[0.0]),
    OpCase("prelu_channels", lambda lib, x, w: lib.nn.functional.prelu(x, w), [(2, 3, 4), (3,)], avoid=[0.0]),
    OpCase("prelu_shared", lambda lib, x, w: lib.nn.functional.prelu(x, w), [(2, 3), (1,)], avoid=[0.0]),
    OpCase("prelu_1d", lambda lib, x, w: lib.nn.functional.prelu(x, w), [(5,), (1,)], avoid=[0.0]),
    OpCase("relu6_values", f("relu6"), arrays=[np.array([-1.0, 3.0, 8.0])], expected=[0.0, 3.0, 6.0]),
    OpCase("hardswish_values", f("hardswish"), arrays=[np.array([-4.0, 0.0, 1.5, 4.0])],
           expected=[0.0, 0.0, 1.5 * 4.5 / 6, 4.0]),
    OpCase("elu_values", f("elu"), arrays=[np.array([-1.0, 2.0])], expected=[np.expm1(-1.0), 2.0]),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


INPLACE = [("relu_", ()), ("leaky_relu_", (0.3,)), ("elu_", (0.8,)), ("selu_", ()), ("celu_", (1.3,)),
           ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 7.0))]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_functional_matches_torch(name, args):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    results = []
    for lib in (zoo_core, torch):
        leaf = lib.tensor(a, requires_grad=True)
        x = leaf * 1.0                       # a non-leaf: in-place is allowed and differentiable
        y = getattr(lib.nn.functional, name)(x, *args)
        assert y is x
        (y * lib.arange(12.0, dtype=lib.float64).reshape(3, 4)).sum().backward()
        results.append((x.detach().numpy().copy(), leaf.grad.numpy().copy()))
    np.testing.assert_allclose(results[0][0], results[1][0], atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-12)


def test_inplace_bumps_version_and_rejects_leaf():
    x = zoo_core.tensor([-1.0, 2.0])
    v = x._version
    F.leaky_relu_(x, 0.5)
    assert x._version == v + 1 and x.tolist() == [-0.5, 2.0]
    leaf = zoo_core.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.elu_(leaf)


# ---- layers -------------------------------------------------------------------------------------
LAYERS = [
    lambda nn: nn.ReLU(), lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(), lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2, inplace=True), lambda nn: nn.PReLU(), lambda nn: nn.PReLU(4, init=0.1),
    lambda nn: nn.ELU(alpha=0.5), lambda nn: nn.SELU(), lambda nn: nn.CELU(2.0), lambda nn: nn.GELU(),
    lambda nn: nn.GELU(approximate="tanh"), lambda nn: nn.SiLU(), lambda nn: nn.SiLU(inplace=True),
    lambda nn: nn.Mish(), lambda nn: nn.Hardswish(), lambda nn: nn.Hardsigmoid(), lambda nn: nn.Hardtanh(-2, 2),
    lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(), lambda nn: nn.Softplus(beta=2, threshold=10),
    lambda nn: nn.Softmax(dim=1), lambda nn: nn.LogSoftmax(dim=1), lambda nn: nn.Softmin(dim=1),
    lambda nn: nn.Softmax2d(), lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Threshold(0.1, 20.0), lambda nn: nn.GLU(dim=1), lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Hardshrink(0.3), lambda nn: nn.Softshrink(0.3), lambda nn: nn.RReLU(0.1, 0.2),
]


@pytest.mark.parametrize("ctor", LAYERS, ids=lambda c: repr(c(nn)))
def test_layer_matches_torch(ctor):
    torch = pytest.importorskip("torch")
    z, t = build(ctor)
    z.eval(), t.eval()   # RReLU: the deterministic slope
    inplace = getattr(z, "inplace", False)
    call = (lambda m, x: m(x * 1.0)) if inplace else None   # in-place on a non-leaf
    compare_layer(z, t, (2, 4, 3, 2), call=call)
    assert torch is not None


@pytest.mark.parametrize("ctor", LAYERS, ids=lambda c: repr(c(nn)))
def test_layer_repr_matches_torch(ctor):
    pytest.importorskip("torch")
    repr_matches(ctor)


def test_inplace_layer_returns_its_input():
    x = zoo_core.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0]
    y = zoo_core.tensor([-1.0, 2.0])
    assert nn.SiLU(inplace=True)(y) is y


def test_prelu_parameters_and_init():
    m = nn.PReLU(4, init=0.1)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert m.weight.shape == (4,) and m.weight.tolist() == pytest.approx([0.1] * 4)
    assert nn.PReLU().weight.tolist() == [0.25]


def test_softmax_without_dim_warns_and_picks_torch_default():
    x = zoo_core.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)


def test_rrelu_training_draws_slopes_in_range_and_reproducibly():
    x = -zoo_core.ones(1000)
    zoo_core.manual_seed(3)
    a = F.rrelu(x, 0.1, 0.3, training=True)
    zoo_core.manual_seed(3)
    b = F.rrelu(x, 0.1, 0.3, training=True)
    assert a.tolist() == b.tolist()
    slopes = -a.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03


def test_gumbel_softmax():
    zoo_core.manual_seed(0)
    logits = zoo_core.tensor([[0.0, 3.0, 0.0]], requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), [1.0], rtol=1e-6)
    hard = F.gumbel_softmax(logits, hard=True)
    assert sorted(hard.detach().numpy().ravel().tolist()) == [0.0, 0.0, 1.0]
    hard.sum().backward()                     # straight-through: the soft sample's (zero-sum) gradient
    assert logits.grad is not None
    picks = [int(F.gumbel_softmax(logits, hard=True).argmax()) for _ in range(200)]
    assert picks.count(1) > 150               # the largest logit wins most draws


def test_errors_name_the_values():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 5"):
        F.glu(zoo_core.randn(2, 5))
    with pytest.raises(RuntimeError, match="parameter numbers = 3 and channel size = 5"):
        F.prelu(zoo_core.randn(2, 5), zoo_core.ones(3))
    with pytest.raises(AssertionError, match="max_val"):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(zoo_core.randn(2, 3))
    with pytest.raises(RuntimeError, match="floating point"):
        F.elu(zoo_core.tensor([1, 2]))


def test_hardtanh_deprecated_keywords():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = nn.Hardtanh(min_value=-3.0, max_value=3.0)
    assert (m.min_val, m.max_val) == (-3.0, 3.0) and any(issubclass(i.category, FutureWarning) for i in w)


def test_float32_parity_in_a_small_net():
    torch = pytest.importorskip("torch")
    ctor = lambda nn: nn.Sequential(nn.Linear(6, 8), nn.Hardswish(), nn.Linear(8, 8), nn.ELU(),  # noqa: E731
                                    nn.Linear(8, 4), nn.LogSoftmax(dim=1))
    z, t = build(ctor)
    compare_layer(z, t, (5, 6), dtype="float32", atol=1e-5, rtol=1e-4)
    assert torch is not None


@pytest.mark.parametrize("name", ["relu", "silu", "mish"])
def test_functional_inplace_keyword(name):
    x = zoo_core.tensor([-1.0, 2.0])
    assert getattr(F, name)(x, inplace=True) is x



@pytest.mark.parametrize("name", ["relu", "silu", "mish"])
def test_functional_inplace_keyword_gradient_matches_torch(name):
    torch = pytest.importorskip("torch")
    v = np.array([0.5, -1.0, 2.0])
    grads = []
    for lib in (zoo_core, torch):
        a = lib.tensor(v, requires_grad=True)
        x = a * 1.0
        y = getattr(lib.nn.functional, name)(x, inplace=True)
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)
