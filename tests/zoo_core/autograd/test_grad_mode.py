"""Grad modes (``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``) as context managers
and decorators, and the tensor-level switches: ``detach``, ``detach_``, ``requires_grad_``."""
import numpy as np
import pytest

import zoo_core
from zoo_core import autograd


def val(t):
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64):
    return zoo_core.tensor(data, dtype=dtype, requires_grad=rg)


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    """A failing test must not leave grad mode switched off for the others."""
    yield
    zoo_core.set_grad_enabled(True)


def assert_untracked(t):
    assert not t.requires_grad and t.grad_fn is None and t.is_leaf


def assert_tracked(t):
    assert t.requires_grad and t.grad_fn is not None and not t.is_leaf


# ---- no_grad ------------------------------------------------------------------------------------
def test_no_grad_context():
    x = T([1.0, 2.0], rg=True)
    assert zoo_core.is_grad_enabled()
    with zoo_core.no_grad():
        assert not zoo_core.is_grad_enabled() and not autograd.is_grad_enabled()
        for y in (x * 2, x + x, x.exp(), zoo_core.tanh(x), x.sigmoid(), x.relu(), x ** 2,
                  zoo_core.where(x > 1, x, -x), x.clamp(0.0, 1.5), x.clone(), -x):
            assert_untracked(y)
    assert zoo_core.is_grad_enabled()
    assert_tracked(x * 2)
    # values are computed normally
    with zoo_core.no_grad():
        np.testing.assert_allclose(val(x * 3), [3.0, 6.0])


def test_no_grad_restores_after_exception():
    with pytest.raises(ValueError):
        with zoo_core.no_grad():
            raise ValueError("boom")
    assert zoo_core.is_grad_enabled()


def test_no_grad_keeps_leaf_requires_grad():
    with zoo_core.no_grad():
        x = T([1.0], rg=True)
    assert x.requires_grad
    assert_tracked(x * 2)


@pytest.mark.parametrize("parens", [True, False], ids=["no_grad()", "no_grad"])
def test_no_grad_decorator(parens):
    x = T([1.0, 2.0], rg=True)

    def f(a, scale=2.0):
        """doc of f"""
        return a * scale, zoo_core.is_grad_enabled()
    g = zoo_core.no_grad()(f) if parens else zoo_core.no_grad(f)
    assert g.__name__ == "f" and g.__doc__ == "doc of f"
    y, enabled = g(x, scale=3.0)
    assert not enabled
    assert_untracked(y)
    np.testing.assert_allclose(val(y), [3.0, 6.0])
    assert zoo_core.is_grad_enabled()


def test_no_grad_decorator_syntax_on_method():
    class M:
        @zoo_core.no_grad()
        def a(self, x):
            return x * 2

        @zoo_core.no_grad
        def b(self, x):
            return x * 2
    x = T([1.0], rg=True)
    assert_untracked(M().a(x))
    assert_untracked(M().b(x))


def test_no_grad_decorated_function_is_reentrant():
    @zoo_core.no_grad()
    def f(n):
        assert not zoo_core.is_grad_enabled()
        return 0 if n == 0 else 1 + f(n - 1)
    assert f(3) == 3
    assert zoo_core.is_grad_enabled()


# ---- enable_grad / nesting ------------------------------------------------------------------------
def test_enable_grad_inside_no_grad():
    x = T([1.0], rg=True)
    with zoo_core.no_grad():
        with zoo_core.enable_grad():
            assert zoo_core.is_grad_enabled()
            assert_tracked(x * 2)
        assert not zoo_core.is_grad_enabled()
        assert_untracked(x * 2)
    assert zoo_core.is_grad_enabled()


def test_enable_grad_decorator_in_no_grad():
    @zoo_core.enable_grad()
    def f(a):
        return a * 2

    @zoo_core.enable_grad
    def g(a):
        return a * 2
    x = T([1.0], rg=True)
    with zoo_core.no_grad():
        y, z = f(x), g(x)
        assert not zoo_core.is_grad_enabled()
    assert_tracked(y)
    assert_tracked(z)
    y.backward(T([1.0]))
    np.testing.assert_allclose(val(x.grad), [2.0])


def test_deep_nesting():
    seen = []
    with zoo_core.no_grad():
        seen.append(zoo_core.is_grad_enabled())
        with zoo_core.enable_grad():
            seen.append(zoo_core.is_grad_enabled())
            with zoo_core.set_grad_enabled(False):
                seen.append(zoo_core.is_grad_enabled())
                with zoo_core.no_grad():
                    seen.append(zoo_core.is_grad_enabled())
                seen.append(zoo_core.is_grad_enabled())
            seen.append(zoo_core.is_grad_enabled())
        seen.append(zoo_core.is_grad_enabled())
    seen.append(zoo_core.is_grad_enabled())
    assert seen == [False, True, False, False, False, True, False, True]


# ---- set_grad_enabled ---------------------------------------------------------------------------
def test_set_grad_enabled_function_call():
    x = T([1.0], rg=True)
    zoo_core.set_grad_enabled(False)
    try:
        assert not zoo_core.is_grad_enabled()
        assert_untracked(x * 2)
    finally:
        zoo_core.set_grad_enabled(True)
    assert zoo_core.is_grad_enabled()
    assert_tracked(x * 2)


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_context_manager(mode):
    x = T([1.0], rg=True)
    for outer in (True, False):
        zoo_core.set_grad_enabled(outer)
        with zoo_core.set_grad_enabled(mode):
            assert zoo_core.is_grad_enabled() is mode
            y = x * 2
            assert y.requires_grad is mode
        assert zoo_core.is_grad_enabled() is outer
    zoo_core.set_grad_enabled(True)


def test_set_grad_enabled_accepts_truthy_values():
    with zoo_core.set_grad_enabled(0):
        assert zoo_core.is_grad_enabled() is False
    assert zoo_core.is_grad_enabled() is True


def test_set_grad_enabled_decorator():
    @zoo_core.set_grad_enabled(False)
    def f(a):
        return a * 2
    assert zoo_core.is_grad_enabled()
    x = T([1.0], rg=True)
    assert_untracked(f(x))
    assert zoo_core.is_grad_enabled()


# ---- inference_mode -----------------------------------------------------------------------------
def test_inference_mode_context():
    x = T([1.0, 2.0], rg=True)
    with zoo_core.inference_mode():
        assert not zoo_core.is_grad_enabled()
        assert zoo_core.is_inference_mode_enabled()
        y = x.exp() * x
        assert_untracked(y)
        np.testing.assert_allclose(val(y), np.exp([1.0, 2.0]) * [1.0, 2.0])
    assert zoo_core.is_grad_enabled() and not zoo_core.is_inference_mode_enabled()


def test_inference_mode_false_is_noop():
    x = T([1.0], rg=True)
    with zoo_core.inference_mode(False):
        assert zoo_core.is_grad_enabled()
        assert_tracked(x * 2)


@pytest.mark.parametrize("parens", [True, False])
def test_inference_mode_decorator(parens):
    def f(a):
        return a * 2, zoo_core.is_inference_mode_enabled()
    g = zoo_core.inference_mode()(f) if parens else zoo_core.inference_mode(f)
    y, inf = g(T([1.0], rg=True))
    assert inf
    assert_untracked(y)
    assert not zoo_core.is_inference_mode_enabled() and zoo_core.is_grad_enabled()


def test_inference_mode_nested_in_no_grad_restores_both():
    with zoo_core.no_grad():
        with zoo_core.inference_mode():
            pass
        assert not zoo_core.is_grad_enabled()
        assert not zoo_core.is_inference_mode_enabled()
    assert zoo_core.is_grad_enabled()


# ---- generators ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_decorated_generator_only_disables_grad_while_running(mode):
    deco = getattr(zoo_core, mode)()
    x = T([1.0], rg=True)

    @deco
    def gen(n):
        total = 0
        for i in range(n):
            sent = yield (zoo_core.is_grad_enabled(), x * i)
            total += sent or 0
        return total

    g = gen(3)
    enabled, y = next(g)
    assert not enabled and not y.requires_grad
    assert zoo_core.is_grad_enabled()          # the caller's mode between steps
    assert_tracked(x * 2)
    enabled, y = g.send(5)
    assert not enabled and not y.requires_grad
    with zoo_core.no_grad():                   # mode inside is the decorator's, whatever the caller's
        enabled, _ = g.send(6)
        assert not enabled
    with pytest.raises(StopIteration) as stop:
        g.send(7)
    assert stop.value.value == 18
    assert zoo_core.is_grad_enabled()


def test_enable_grad_generator_inside_no_grad():
    @zoo_core.enable_grad()
    def gen():
        yield zoo_core.is_grad_enabled()
        yield zoo_core.is_grad_enabled()
    with zoo_core.no_grad():
        assert list(gen()) == [True, True]
        assert not zoo_core.is_grad_enabled()


def test_decorated_generator_close_runs_finally():
    closed = []

    @zoo_core.no_grad()
    def gen():
        try:
            yield 1
            yield 2
        finally:
            closed.append(True)
    g = gen()
    assert next(g) == 1
    g.close()
    assert closed == [True]
    assert zoo_core.is_grad_enabled()


# ---- detach / detach_ ---------------------------------------------------------------------------
def test_detach_shares_storage_and_cuts_graph():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    d = y.detach()
    assert_untracked(d)
    assert np.shares_memory(d._data, y._data)
    out = d * y                                   # only the y path carries gradient
    out.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), 2 * val(d))
    assert y.requires_grad and y.grad_fn is not None   # y itself is unchanged


def test_detach_of_leaf_and_version_counter_is_shared():
    x = T([1.0, 2.0], rg=True)
    d = x.detach()
    assert_untracked(d)
    assert np.shares_memory(d._data, x._data)
    assert d._version == x._version == 0
    d.add_(1.0)                                   # same storage, same version counter (as torch)
    np.testing.assert_allclose(val(x), [2.0, 3.0])
    assert x._version == d._version == 1


def test_detached_in_place_change_is_caught_by_backward():
    x = T([1.0, 2.0], rg=True)
    y = x.exp()
    z = y * y                                     # saves y
    y.detach().mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward(T([1.0, 1.0]))


@pytest.mark.parametrize("op", ["exp_", "copy_", "sigmoid_"])
def test_in_place_on_detached_leaf_is_allowed(op):
    x = T([1.0, 2.0], rg=True)
    d = x.detach()
    if op == "copy_":
        d.copy_(T([5.0, 6.0]))
        expected = [5.0, 6.0]
    else:
        expected = val(getattr(zoo_core, op[:-1])(T([1.0, 2.0])))
        getattr(d, op)()
    np.testing.assert_allclose(val(x), expected)
    assert x.requires_grad and x.is_leaf


def test_in_place_with_grad_on_detached_non_leaf():
    x = T([1.0, 2.0], rg=True)
    w = T([3.0, 4.0], rg=True)
    y = x * 2
    d = y.detach()
    d.mul_(w)
    assert d.grad_fn is not None and d.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.name() == "MulBackward0" and y._version == 1
    d.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(w.grad), [2.0, 4.0])
    assert x.grad is None


def test_detach_in_place():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    assert y.detach_() is y
    assert_untracked(y)
    assert_untracked(y * 3)


def test_data_is_detached_and_shares_storage():
    x = T([1.0, 2.0], rg=True)
    d = x.data
    assert_untracked(d)
    assert np.shares_memory(d._data, x._data)


# ---- requires_grad_ / requires_grad ---------------------------------------------------------------
def test_requires_grad_():
    x = T([1.0, 2.0])
    assert not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    (x * x).backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [2.0, 4.0])


def test_requires_grad_on_non_leaf():
    x = T([1.0], rg=True)
    y = x * 2
    assert y.requires_grad_() is y            # True on a non-leaf is allowed
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad = False


@pytest.mark.parametrize("dtype", [zoo_core.int64, zoo_core.int32, zoo_core.bool, zoo_core.uint8])
def test_requires_grad_on_non_float_raises(dtype):
    x = zoo_core.tensor([1, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        x.requires_grad_()
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        x.requires_grad = True
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        zoo_core.tensor([1, 2], dtype=dtype, requires_grad=True)
    x.requires_grad_(False)                   # switching it off is always fine
    assert not x.requires_grad


def test_ops_without_grad_inputs_record_nothing():
    a, b = T([1.0, 2.0]), T([3.0, 4.0])
    assert_untracked(a * b + a.exp())


def test_integer_results_do_not_require_grad():
    x = T([1.0, -2.0], rg=True)
    assert not (x > 0).requires_grad
    assert (x > 0).grad_fn is None
