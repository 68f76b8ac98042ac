"""Custom ``autograd.Function``: ctx (save_for_backward, saved_tensors, needs_input_grad,
mark_non_differentiable), several outputs, non-tensor arguments, None gradients, double backward,
gradcheck, and parity with the same Function written against torch."""
import numpy as np
import pytest

import zoo_core
from zoo_core import autograd


def val(t):
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64, device="cpu"):
    return zoo_core.tensor(data, dtype=dtype, device=device, requires_grad=rg)


def make_functions(lib):
    """The same custom Functions for zoo_core and torch (``lib.autograd.Function`` differs)."""
    Function = lib.autograd.Function

    class MyExp(Function):
        # saves its output: double backward goes through this node again
        @staticmethod
        def forward(ctx, x):
            y = lib.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class Cube(Function):
        # saves its input; backward written with differentiable ops
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x * x

    class ScaledMul(Function):
        # two tensors and a Python number
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * y * ctx.k if ctx.needs_input_grad[0] else None
            gy = g * x * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gy, None

    class SinCos(Function):
        # two differentiable outputs
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return lib.tanh(x), x * x

        @staticmethod
        def backward(ctx, ga, gb):
            x, = ctx.saved_tensors
            t = lib.tanh(x)
            return ga * (1 - t * t) + gb * 2 * x

    return MyExp, Cube, ScaledMul, SinCos


ZMyExp, ZCube, ZScaledMul, ZSinCos = make_functions(zoo_core)


def torch_functions():
    torch = pytest.importorskip("torch")
    return torch, make_functions(torch)


# ---- basics -------------------------------------------------------------------------------------
def test_apply_forward_backward(device):
    x = T([0.5, -1.0, 2.0], rg=True, device=device)
    y = ZMyExp.apply(x)
    np.testing.assert_allclose(val(y), np.exp(val(x)))
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn.name() == "MyExpBackward"
    y.backward(T([1.0, 2.0, 3.0], device=device))
    np.testing.assert_allclose(val(x.grad), np.exp(val(x)) * [1.0, 2.0, 3.0])


def test_next_functions_of_custom_node():
    x, y = T([1.0], rg=True), T([2.0], rg=True)
    out = ZScaledMul.apply(x, y * 2, 3.0)
    (a, _), (b, _), (c, _) = out.grad_fn.next_functions
    assert a.variable is x
    assert b.name() == "MulBackward0"
    assert c is None


def test_forward_runs_without_grad_and_backward_too():
    modes = {}

    class Probe(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            modes["forward"] = zoo_core.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, g):
            modes.setdefault("backward", []).append(zoo_core.is_grad_enabled())
            return g * 2
    x = T([1.0], rg=True)
    y = Probe.apply(x)
    assert modes["forward"] is False
    y.backward(T([1.0]))
    autograd.grad(Probe.apply(x), x, T([1.0]), create_graph=True)
    assert modes["backward"] == [False, True]    # grad mode is on only with create_graph


def test_needs_input_grad_like_torch():
    torch = pytest.importorskip("torch")

    def needs(lib):
        got = {}

        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k, c):
                got["n"] = ctx.needs_input_grad
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g, g, None, None
        a = lib.tensor([1.0], requires_grad=True)
        b = lib.tensor([2.0])
        c = lib.tensor([3.0], requires_grad=True)
        F.apply(a, b, 2.0, c)
        return tuple(got["n"])
    assert needs(zoo_core) == needs(torch) == (True, False, False, True)


def test_saved_tensors_order_and_none():
    class F(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b, None, a)
            return a * b

        @staticmethod
        def backward(ctx, g):
            b, none, a = ctx.saved_tensors
            assert none is None
            return g * b, g * a
    a, b = T([2.0], rg=True), T([5.0], rg=True)
    F.apply(a, b).backward(T([1.0]))
    np.testing.assert_allclose(val(a.grad), [5.0])
    np.testing.assert_allclose(val(b.grad), [2.0])


def test_non_tensor_args_and_ctx_attributes():
    x, y = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    out = ZScaledMul.apply(x, y, 0.5)
    np.testing.assert_allclose(val(out), [1.5, 4.0])
    out.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [1.5, 2.0])
    np.testing.assert_allclose(val(y.grad), [0.5, 1.0])


def test_returning_none_grad_for_an_input_that_requires_grad():
    x, y = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)

    class OnlyFirst(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g * 10, None
    OnlyFirst.apply(x, y).backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [10.0, 10.0])
    assert y.grad is None


def test_input_without_grad_gets_nothing():
    x, c = T([1.0, 2.0], rg=True), T([3.0, 4.0])
    out = ZScaledMul.apply(x, c, 1.0)
    out.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [3.0, 4.0])
    assert c.grad is None


def test_no_graph_when_nothing_requires_grad_or_in_no_grad():
    x = T([1.0, 2.0])
    y = ZMyExp.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    xr = T([1.0, 2.0], rg=True)
    with zoo_core.no_grad():
        y = ZMyExp.apply(xr)
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(val(y), np.exp([1.0, 2.0]))


def test_forward_returning_its_input():
    class Ident(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3
    x = T([1.0, 2.0], rg=True)
    y = Ident.apply(x)
    assert y is not x and x.is_leaf
    assert y.grad_fn.name() == "IdentBackward"
    y.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [3.0, 3.0])


# ---- errors -------------------------------------------------------------------------------------
def test_wrong_number_of_gradients():
    class Bad(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g
    x = T([1.0], rg=True)
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        Bad.apply(x).backward(T([1.0]))


def _wrong_shape_fn():
    class WrongShape(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return zoo_core.ones(5, dtype=zoo_core.float64)
    return WrongShape


def test_wrong_gradient_shape_for_leaf():
    x = T([1.0, 2.0], rg=True)
    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward returned an invalid gradient at index 0 - "
                                           r"got \[5\] but expected shape compatible with \[2\]"):
        _wrong_shape_fn().apply(x).backward(T([1.0, 1.0]))


def test_wrong_gradient_shape_for_non_leaf():
    x = T([1.0, 2.0], rg=True)
    with pytest.raises(RuntimeError, match="WrongShapeBackward returned an invalid gradient at index 0"):
        _wrong_shape_fn().apply(x * 1.0).backward(T([1.0, 1.0]))


def test_base_class_methods_must_be_overridden():
    class NoForward(zoo_core.autograd.Function):
        pass
    with pytest.raises(NotImplementedError):
        NoForward.apply(T([1.0], rg=True))


# ---- non-differentiable outputs ---------------------------------------------------------------------
class ValueAndMask(zoo_core.autograd.Function):
    seen = []

    @staticmethod
    def forward(ctx, x):
        mask = (x > 0).to(zoo_core.float64)
        ctx.mark_non_differentiable(mask)
        ctx.save_for_backward(mask)
        return x * mask, mask

    @staticmethod
    def backward(ctx, g, g_mask):
        ValueAndMask.seen.append(g_mask)
        mask, = ctx.saved_tensors
        return g * mask


def test_mark_non_differentiable():
    x = T([-1.0, 2.0, 3.0], rg=True)
    y, mask = ValueAndMask.apply(x)
    assert y.requires_grad and y.grad_fn is not None
    assert not mask.requires_grad and mask.grad_fn is None
    np.testing.assert_allclose(val(mask), [0.0, 1.0, 1.0])
    y.backward(T([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [0.0, 1.0, 1.0])


def test_non_differentiable_output_gets_zero_grad_in_backward():
    ValueAndMask.seen.clear()
    x = T([-1.0, 2.0, 3.0], rg=True)
    y, _ = ValueAndMask.apply(x)
    y.backward(T([1.0, 1.0, 1.0]))
    g_mask, = ValueAndMask.seen
    assert g_mask is not None and g_mask.shape == (3,)
    np.testing.assert_allclose(val(g_mask), [0.0, 0.0, 0.0])


def test_integer_output_is_not_differentiable():
    class WithIndex(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, (x > 1).to(zoo_core.int64)

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2
    x = T([1.0, 2.0], rg=True)
    y, idx = WithIndex.apply(x)
    assert y.requires_grad and not idx.requires_grad and idx.dtype == zoo_core.int64
    y.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [2.0, 2.0])


# ---- several outputs ----------------------------------------------------------------------------------
def test_multi_output_only_one_used_gets_zeros_for_the_other():
    seen = []

    class Two(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((val(ga), val(gb)))
            return ga * 2 + gb * 3
    x = T([1.0, 2.0], rg=True)
    a, b = Two.apply(x)
    assert a.grad_fn is b.grad_fn
    b.backward(T([1.0, 10.0]))
    (ga, gb), = seen
    np.testing.assert_allclose(ga, [0.0, 0.0])
    np.testing.assert_allclose(gb, [1.0, 10.0])
    np.testing.assert_allclose(val(x.grad), [3.0, 30.0])


def test_multi_output_both_used_once_each_and_node_runs_once():
    calls = []

    class Two(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            calls.append(1)
            return ga * 2 + gb * 3
    x = T([1.0, 2.0], rg=True)
    a, b = Two.apply(x)
    # b goes through a longer chain than a: its gradient must still arrive before the node runs
    out = a * a + (b.exp() * 2).tanh()
    out.backward(T([1.0, 1.0]))
    assert calls == [1]
    xv = val(x)
    bv = 3 * xv
    gb = (1 - np.tanh(2 * np.exp(bv)) ** 2) * 2 * np.exp(bv)
    np.testing.assert_allclose(val(x.grad), 2 * (2 * 2 * xv) + 3 * gb)


def _multi_output_graph(lib, fns, x):
    _, _, _, SinCos = fns
    a, b = SinCos.apply(x)
    return a * b + lib.sigmoid(b) - a


def _only_second(lib, fns, x):
    _, _, _, SinCos = fns
    _, b = SinCos.apply(x)
    return lib.exp(b)


def _chained(lib, fns, x, y):
    MyExp, Cube, ScaledMul, _ = fns
    h = ScaledMul.apply(x, Cube.apply(y), 0.5)
    return MyExp.apply(h) * x + lib.tanh(h)


@pytest.mark.parametrize("fn,n", [(_multi_output_graph, 1), (_only_second, 1), (_chained, 2)],
                         ids=["multi_output", "only_second", "chained"])
def test_custom_functions_match_torch(fn, n):
    torch, tfns = torch_functions()
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(-1, 1, (2, 3)) for _ in range(n)]
    gout = rng.uniform(-1, 1, (2, 3))
    results = []
    for lib, fns in ((zoo_core, (ZMyExp, ZCube, ZScaledMul, ZSinCos)), (torch, tfns)):
        xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = fn(lib, fns, *xs)
        out.backward(lib.tensor(gout, dtype=lib.float64))
        results.append([val(out)] + [val(x.grad) for x in xs])
    for z, t in zip(*results):
        np.testing.assert_allclose(z, t, rtol=1e-12, atol=1e-12)


# ---- higher order / gradcheck ---------------------------------------------------------------------------
def test_double_backward_through_custom_function_saving_input():
    x = T([0.5, -1.0, 2.0], rg=True)
    y = ZCube.apply(x)
    g1, = autograd.grad(y, x, zoo_core.ones_like(y), create_graph=True)
    np.testing.assert_allclose(val(g1), 3 * val(x) ** 2)
    g2, = autograd.grad(g1, x, zoo_core.ones_like(g1), create_graph=True)
    np.testing.assert_allclose(val(g2), 6 * val(x))
    g3, = autograd.grad(g2, x, zoo_core.ones_like(g2))
    np.testing.assert_allclose(val(g3), [6.0, 6.0, 6.0])


def test_double_backward_through_custom_function_saving_output():
    x = T([0.5, -1.0, 2.0], rg=True)
    y = ZMyExp.apply(x)
    g1, = autograd.grad(y, x, zoo_core.ones_like(y), create_graph=True)
    g2, = autograd.grad(g1, x, zoo_core.ones_like(g1))
    np.testing.assert_allclose(val(g2), np.exp(val(x)))


def test_gradient_penalty_through_custom_function_matches_torch():
    torch, tfns = torch_functions()
    rng = np.random.default_rng(2)
    xa, wa = rng.uniform(-1, 1, (3,)), rng.uniform(-1, 1, (3,))
    res = []
    for lib, (MyExp, Cube, ScaledMul, _) in ((zoo_core, (ZMyExp, ZCube, ZScaledMul, ZSinCos)), (torch, tfns)):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        out = MyExp.apply(ScaledMul.apply(Cube.apply(x), w, 0.3))
        g, = lib.autograd.grad(out, x, lib.ones_like(out), create_graph=True)
        penalty = (g - 1) ** 2
        penalty.backward(lib.ones_like(penalty))
        res.append((val(g), val(x.grad), val(w.grad)))
    for z, t in zip(*res):
        np.testing.assert_allclose(z, t, rtol=1e-10)


def test_once_differentiable_first_order_only():
    class Sq(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @autograd.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x
    x = T([1.0, 3.0], rg=True)
    y = Sq.apply(x)
    g, = autograd.grad(y, x, zoo_core.ones_like(y), create_graph=True)
    np.testing.assert_allclose(val(g), [2.0, 6.0])
    with pytest.raises(RuntimeError):
        autograd.grad(g, x, zoo_core.ones_like(g))


@pytest.mark.parametrize("which", ["MyExp", "Cube"])
def test_gradcheck_and_gradgradcheck_of_custom_functions(which):
    fn = {"MyExp": ZMyExp, "Cube": ZCube}[which]
    x = T(np.random.default_rng(3).uniform(-1, 1, (2, 3)), rg=True)
    assert autograd.gradcheck(fn.apply, (x,))
    assert autograd.gradgradcheck(fn.apply, (x,))


def test_gradcheck_custom_function_with_non_tensor_arg():
    rng = np.random.default_rng(4)
    x, y = T(rng.uniform(-1, 1, (3,)), rg=True), T(rng.uniform(-1, 1, (3,)), rg=True)
    assert autograd.gradcheck(lambda a, b: ZScaledMul.apply(a, b, 1.7), (x, y))
    assert autograd.gradcheck(ZSinCos.apply, (x,))
    assert autograd.gradgradcheck(lambda a, b: ZScaledMul.apply(a, b, 1.7), (x, y))


def test_custom_function_saving_output_makes_no_cycle():
    import gc
    import weakref
    x = T([1.0, 2.0], rg=True)
    gc.disable()
    try:
        y = ZMyExp.apply(x)
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None
    finally:
        gc.enable()
