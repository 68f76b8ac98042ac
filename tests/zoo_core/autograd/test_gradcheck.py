"""``gradcheck`` / ``gradgradcheck`` themselves (they pass on right formulas and catch wrong ones), and
higher-order gradients through ``create_graph``: second and third derivatives, mixed partials,
Hessian-vector products and a gradient penalty, checked analytically and against PyTorch."""
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core import autograd
from zoo_core.autograd import gradcheck, gradgradcheck


def val(t):
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64, device="cpu"):
    return zoo_core.tensor(data, dtype=dtype, device=device, requires_grad=rg)


def rand(shape, seed=0, low=-1.0, high=1.0, rg=True, device="cpu"):
    return T(np.random.default_rng(seed).uniform(low, high, shape), rg=rg, device=device)


def ones(t):
    return zoo_core.ones_like(t)


class WrongBackward(zoo_core.autograd.Function):
    """x * x with a backward that forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x


class WrongDoubleBackward(zoo_core.autograd.Function):
    """x ** 3 with a correct first derivative that is not differentiable (it reads detached values)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x.detach() * x.detach()


# ---- gradcheck ----------------------------------------------------------------------------------------
FUNCS = [
    ("poly", lambda x: x * x * x - 2 * x, 1),
    ("exp_tanh", lambda x: zoo_core.exp(x).tanh(), 1),
    ("sigmoid_div", lambda x: x.sigmoid() / (x * x + 1), 1),
    ("binary", lambda x, y: x * y + x / (y * y + 1) - y ** 2, 2),
    ("where_clamp", lambda x, y: zoo_core.where(x > y, x * y, y.exp()) + x.clamp(-0.5, 0.5), 2),
    ("two_outputs", lambda x, y: (x * y, (x - y).tanh()), 2),
]


@pytest.mark.parametrize("name,fn,n", FUNCS, ids=[f[0] for f in FUNCS])
def test_gradcheck_passes_on_correct_functions(name, fn, n, device):
    xs = tuple(rand((2, 3), seed=i, device=device) for i in range(n))
    assert gradcheck(fn, xs) is True
    if name != "where_clamp":            # piecewise: kinks make finite differences of the gradient noisy
        assert gradgradcheck(fn, xs) is True


def test_gradcheck_single_tensor_input_and_mixed_args():
    x = rand((3,), seed=1)
    c = rand((3,), seed=2, rg=False)
    assert gradcheck(lambda a: a.exp(), x)
    assert gradcheck(lambda a, b, k: a * b * k, (x, c, 2.5))


def test_gradcheck_output_independent_of_an_input():
    x, y = rand((3,), seed=1), rand((3,), seed=2)
    assert gradcheck(lambda a, b: a * 2, (x, y))


def test_gradcheck_leaves_inputs_and_grads_alone():
    x = rand((2, 2), seed=3)
    before = val(x)
    gradcheck(lambda a: a.tanh() * a, (x,))
    gradgradcheck(lambda a: a.tanh() * a, (x,))
    np.testing.assert_array_equal(val(x), before)
    assert x.grad is None


def test_gradcheck_fails_on_wrong_backward():
    x = rand((2, 3), seed=4, low=0.5, high=1.5)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(WrongBackward.apply, (x,))
    assert gradcheck(WrongBackward.apply, (x,), raise_exception=False) is False


def test_gradcheck_error_type():
    x = rand((2,), seed=4, low=0.5, high=1.5)
    from zoo_core.autograd.gradcheck import GradcheckError      # a RuntimeError, as in torch
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(GradcheckError):
        gradcheck(WrongBackward.apply, (x,))


def test_gradcheck_fails_for_one_of_several_inputs():
    class WrongSecondInput(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a * 2
    x, y = rand((3,), seed=5), rand((3,), seed=6)
    assert gradcheck(WrongSecondInput.apply, (x, y), raise_exception=False) is False
    assert gradcheck(WrongSecondInput.apply, (x, y.detach()))   # only the right gradient is checked


def test_gradgradcheck_catches_non_differentiable_backward():
    x = rand((2, 3), seed=7, low=0.5, high=1.5)
    assert gradcheck(WrongDoubleBackward.apply, (x,))
    with pytest.raises(RuntimeError):
        gradgradcheck(WrongDoubleBackward.apply, (x,))
    assert gradgradcheck(WrongDoubleBackward.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_with_explicit_grad_outputs():
    x = rand((2, 3), seed=8)
    go = rand((2, 3), seed=9)
    assert gradgradcheck(lambda a: a.sigmoid() * a, (x,), (go,))


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (rand((2,), rg=False),))


def test_gradcheck_warns_for_float32_inputs():
    x = T([0.5, 1.0, 1.5], rg=True, dtype=zoo_core.float32)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda a: a * 3, (x,), eps=1e-3, atol=1e-2, raise_exception=False)


def test_gradcheck_float64_does_not_warn():
    x = rand((3,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda a: a * 3, (x,))


# ---- higher-order derivatives --------------------------------------------------------------------------
def derivatives(lib, fn, xa, order):
    """[f', f'', ...] of an elementwise ``fn`` (each with ones as grad_outputs)."""
    x = lib.tensor(xa, dtype=lib.float64, requires_grad=True)
    g = fn(lib, x)
    out = []
    for k in range(order):
        g, = lib.autograd.grad(g, x, lib.ones_like(g), create_graph=k < order - 1)
        out.append(val(g))
    return out


X = np.array([-1.3, -0.4, 0.2, 0.9, 1.7])


def _sig(v):
    return 1 / (1 + np.exp(-v))


ANALYTIC = [
    ("cube", lambda lib, x: x ** 3, lambda v: [3 * v ** 2, 6 * v, 6 + 0 * v]),
    ("tanh", lambda lib, x: lib.tanh(x),
     lambda v: [1 - np.tanh(v) ** 2, -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)]),
    ("sigmoid", lambda lib, x: lib.sigmoid(x),
     lambda v: [_sig(v) * (1 - _sig(v)), _sig(v) * (1 - _sig(v)) * (1 - 2 * _sig(v))]),
    ("exp", lambda lib, x: lib.exp(x), lambda v: [np.exp(v)] * 3),
    ("reciprocal", lambda lib, x: 1 / x, lambda v: [-1 / v ** 2, 2 / v ** 3, -6 / v ** 4]),
    ("x_exp_x", lambda lib, x: x * lib.exp(x), lambda v: [(1 + v) * np.exp(v), (2 + v) * np.exp(v)]),
]


@pytest.mark.parametrize("name,fn,expected", ANALYTIC, ids=[a[0] for a in ANALYTIC])
def test_higher_derivatives_analytic(name, fn, expected):
    want = expected(X)
    got = derivatives(zoo_core, fn, X, len(want))
    for k, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"derivative {k + 1}")


COMPOSED = [
    ("tanh_sigmoid", lambda lib, x: lib.tanh(lib.sigmoid(x) * x), 3),
    ("exp_div", lambda lib, x: lib.exp(-x * x) / (x * x + 1), 3),
    ("pow_frac", lambda lib, x: (x * x + 1) ** 1.5, 3),
    ("relu_times_x", lambda lib, x: lib.relu(x) * x, 2),
    ("where", lambda lib, x: lib.where(x > 0, x ** 3, lib.exp(x)), 3),
    ("clamp", lambda lib, x: lib.clamp(x, -1.0, 1.0) * x * x, 2),
]


@pytest.mark.parametrize("name,fn,order", COMPOSED, ids=[c[0] for c in COMPOSED])
def test_higher_derivatives_match_torch(name, fn, order):
    torch = pytest.importorskip("torch")
    got = derivatives(zoo_core, fn, X, order)
    want = derivatives(torch, fn, X, order)
    for k, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"derivative {k + 1}")


def test_third_derivative_of_cube_is_constant():
    x = T([0.5, -2.0], rg=True)
    g1, = autograd.grad(x ** 3, x, ones(x), create_graph=True)
    g2, = autograd.grad(g1, x, ones(x), create_graph=True)
    g3, = autograd.grad(g2, x, ones(x))
    np.testing.assert_allclose(val(g3), [6.0, 6.0])


def test_mixed_partials():
    # f = x^2 y + e^y x:  f_x = 2xy + e^y,  f_xx = 2y,  f_xy = 2x + e^y,  f_yy = x e^y
    x, y = T([0.7, -1.2], rg=True), T([0.3, 1.1], rg=True)
    f = x * x * y + y.exp() * x
    fx, fy = autograd.grad(f, (x, y), ones(f), create_graph=True)
    xv, yv = val(x), val(y)
    np.testing.assert_allclose(val(fx), 2 * xv * yv + np.exp(yv))
    np.testing.assert_allclose(val(fy), xv * xv + np.exp(yv) * xv)
    fxx, fxy = autograd.grad(fx, (x, y), ones(fx), retain_graph=True)
    np.testing.assert_allclose(val(fxx), 2 * yv)
    np.testing.assert_allclose(val(fxy), 2 * xv + np.exp(yv))
    fyx, fyy = autograd.grad(fy, (x, y), ones(fy))
    np.testing.assert_allclose(val(fyx), val(fxy))      # symmetry of the Hessian
    np.testing.assert_allclose(val(fyy), xv * np.exp(yv))


def test_cross_term_of_product():
    x, y = T([2.0, 3.0], rg=True), T([5.0, 7.0], rg=True)
    gx, = autograd.grad(x * y, x, ones(x), create_graph=True)     # = y
    gxy, = autograd.grad(gx, y, ones(gx))
    np.testing.assert_allclose(val(gxy), [1.0, 1.0])
    assert gx.requires_grad


def test_second_derivative_of_input_not_in_first_derivative():
    # d/dx (x * y) = y does not depend on x
    x, y = T([2.0], rg=True), T([5.0], rg=True)
    gx, = autograd.grad(x * y, x, ones(x), create_graph=True)
    with pytest.raises(RuntimeError):
        autograd.grad(gx, x, ones(gx))
    gxx, = autograd.grad(gx, x, ones(gx), allow_unused=True, materialize_grads=True)
    np.testing.assert_allclose(val(gxx), [0.0])


def _hvp(lib, xa, va):
    x = lib.tensor(xa, dtype=lib.float64, requires_grad=True)
    v = lib.tensor(va, dtype=lib.float64)
    f = lib.tanh(x * x) * lib.exp(x) - x ** 3
    g, = lib.autograd.grad(f, x, lib.ones_like(f), create_graph=True)
    hv, = lib.autograd.grad(g, x, v)
    return val(hv)


def test_hessian_vector_product_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    xa, va = rng.uniform(-1, 1, (4,)), rng.uniform(-1, 1, (4,))
    np.testing.assert_allclose(_hvp(zoo_core, xa, va), _hvp(torch, xa, va), rtol=1e-10)


def _gradient_penalty(lib, xa, w1a, w2a):
    x = lib.tensor(xa, dtype=lib.float64, requires_grad=True)
    w1 = lib.tensor(w1a, dtype=lib.float64, requires_grad=True)
    w2 = lib.tensor(w2a, dtype=lib.float64, requires_grad=True)
    d = lib.tanh(x * w1) * w2 + lib.sigmoid(x * w2) * x
    g, = lib.autograd.grad(d, x, lib.ones_like(d), create_graph=True)
    penalty = (g * g - 1) ** 2 + d
    penalty.backward(lib.ones_like(penalty))
    return [val(g), val(x.grad), val(w1.grad), val(w2.grad)]


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    arrays = [rng.uniform(-1, 1, (2, 3)) for _ in range(3)]
    for a, b in zip(_gradient_penalty(zoo_core, *arrays), _gradient_penalty(torch, *arrays)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_backward_create_graph_then_backward_of_grad():
    x = T([1.0, -2.0], rg=True)
    (x ** 3).backward(ones(x), create_graph=True)
    g = x.grad
    np.testing.assert_allclose(val(g), 3 * val(x) ** 2)
    x.grad = None
    g.backward(ones(g))
    np.testing.assert_allclose(val(x.grad), 6 * val(x))


def test_gradgradcheck_on_higher_order_composites():
    x, y = rand((2, 2), seed=13), rand((2, 2), seed=14, low=0.5, high=1.5)
    assert gradgradcheck(lambda a, b: (a * b).tanh() / b + a.sigmoid() * a.exp(), (x, y))
