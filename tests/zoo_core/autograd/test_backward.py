"""``Tensor.backward`` / ``autograd.backward``: implicit and explicit gradients, accumulation into leaves,
graphs that reuse values, ``inputs=``, ``retain_graph``, ``create_graph``; tensor and node hooks,
``retain_grad`` and the graph structure (``grad_fn``, ``next_functions``, ``is_leaf``).

PyTorch is the reference: where it helps, the same lambda ``fn(lib, *xs)`` runs on both libraries.
Only elementwise ops are used (reductions are written by other modules).
"""
import numpy as np
import pytest

import zoo_core
from zoo_core import autograd


def val(t):
    """The values of a tensor as a numpy array (works for tensors that require grad)."""
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64, device="cpu"):
    return zoo_core.tensor(data, dtype=dtype, device=device, requires_grad=rg)


def ones(t):
    return zoo_core.ones_like(t)


def leaf_grads(lib, fn, arrays, gout):
    """Run ``fn`` on float64 leaves of ``lib``, backpropagate ``gout``; (output, [leaf grads])."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    out.backward(lib.tensor(gout, dtype=lib.float64))
    return val(out), [None if x.grad is None else val(x.grad) for x in xs]


def assert_same_as_torch(fn, arrays, gout):
    torch = pytest.importorskip("torch")
    out_z, grads_z = leaf_grads(zoo_core, fn, arrays, gout)
    out_t, grads_t = leaf_grads(torch, fn, arrays, gout)
    np.testing.assert_allclose(out_z, out_t, rtol=1e-12, atol=1e-12)
    for gz, gt in zip(grads_z, grads_t):
        assert (gz is None) == (gt is None)
        if gz is not None:
            np.testing.assert_allclose(gz, gt, rtol=1e-10, atol=1e-12)


RNG = np.random.default_rng(0)
A = RNG.uniform(-1.5, 1.5, (2, 3))
B = RNG.uniform(-1.5, 1.5, (2, 3))
G = RNG.uniform(-1.0, 1.0, (2, 3))


# ---- implicit and explicit gradients -----------------------------------------------------------
def test_scalar_implicit_gradient(device):
    x = T(3.0, rg=True, device=device)
    y = x * x * x
    y.backward()
    assert x.grad.shape == ()
    np.testing.assert_allclose(val(x.grad), 27.0)


def test_one_element_tensor_implicit_gradient():
    # torch accepts any one-element output, not only 0-d
    x = T([[2.0]], rg=True)
    (x * x).backward()
    assert x.grad.shape == (1, 1)
    np.testing.assert_allclose(val(x.grad), [[4.0]])


def test_non_scalar_output_needs_gradient():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        autograd.grad(y, x)
    assert x.grad is None


def test_gradient_shape_mismatch():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of .*\[3\].*"
                                           r"output\[0\] has a shape of .*\[2\]"):
        y.backward(T([1.0, 1.0, 1.0]))


def test_explicit_gradient_weights_the_vjp(device):
    x = T([1.0, -2.0, 3.0], rg=True, device=device)
    y = x * x
    y.backward(T([1.0, 0.5, -2.0], device=device))
    np.testing.assert_allclose(val(x.grad), [2.0, -2.0, -12.0])


def test_gradient_dtype_is_cast_to_output_dtype():
    x = T([1.0, 2.0], rg=True, dtype=zoo_core.float32)
    (x * 3).backward(T([1.0, 1.0], dtype=zoo_core.float64))
    assert x.grad.dtype == zoo_core.float32
    np.testing.assert_allclose(val(x.grad), [3.0, 3.0])


def test_backward_of_tensor_without_graph():
    x = T([1.0, 2.0])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        (x * 2).backward(ones(x))


def test_autograd_backward_function_several_outputs():
    x = T([1.0, 2.0], rg=True)
    y1, y2 = x * x, x.exp()
    autograd.backward([y1, y2], [T([1.0, 1.0]), T([2.0, 2.0])])
    np.testing.assert_allclose(val(x.grad), 2 * val(x) + 2 * np.exp(val(x)))


# ---- accumulation --------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls():
    x = T([1.0, 2.0], rg=True)
    (x * x).backward(ones(x))
    first = x.grad
    (x * 3).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [2.0 + 3.0, 4.0 + 3.0])
    # as in torch the accumulation is in place into the existing .grad tensor
    assert x.grad is first


def test_grad_accumulates_into_user_set_grad():
    x = T([1.0, 2.0], rg=True)
    x.grad = T([10.0, 20.0])
    (x * x).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [12.0, 24.0])


def test_leaf_used_several_times():
    x = T([0.5, -1.0, 2.0], rg=True)
    y = x * x * x + x / (x + 3.0) - x
    y.backward(ones(x))
    xv = val(x)
    np.testing.assert_allclose(val(x.grad), 3 * xv ** 2 + 3 / (xv + 3) ** 2 - 1)


def _diamond(lib, x):
    h = x * 2
    return h * h + lib.exp(h)


def _diamond2(lib, x, y):
    a = x * y
    b, c = lib.tanh(a), lib.sigmoid(a)
    return b * c + a


def _uneven_paths(lib, x):
    h1 = lib.exp(x)
    h2 = h1 * h1
    h3 = h2 + h1
    return h3 * x - lib.tanh(h2) / (h1 + 1)


def _two_leaves_reused(lib, x, y):
    s = x + y
    d = x - y
    return lib.where(s > 0, s * d, d * d) + lib.clamp(x * y, -0.5, 0.5) * s


@pytest.mark.parametrize("fn,n", [(_diamond, 1), (_diamond2, 2), (_uneven_paths, 1),
                                  (_two_leaves_reused, 2)], ids=lambda v: getattr(v, "__name__", str(v)))
def test_diamond_graphs_match_torch(fn, n):
    assert_same_as_torch(fn, [A, B][:n], G)


def test_diamond_analytic():
    x = T([0.3, -0.7], rg=True)
    _diamond(zoo_core, x).backward(ones(x))
    xv = val(x)
    np.testing.assert_allclose(val(x.grad), 8 * xv + 2 * np.exp(2 * xv))


def test_leaf_grads_are_not_aliased():
    a, b = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    g = T([1.0, 1.0])
    (a + b).backward(g)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad._data, b.grad._data)
    assert not np.shares_memory(a.grad._data, g._data)
    a.grad.add_(100.0)
    np.testing.assert_allclose(val(b.grad), [1.0, 1.0])
    np.testing.assert_allclose(val(g), [1.0, 1.0])


def test_leaf_grads_are_not_aliased_identity_paths():
    # x * 1 and x + 0 may pass the incoming gradient through unchanged
    a, b = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    g = T([1.0, 1.0])
    (a * 1.0 + (b + 0.0)).backward(g)
    a.grad.mul_(0.0)
    np.testing.assert_allclose(val(b.grad), [1.0, 1.0])
    np.testing.assert_allclose(val(g), [1.0, 1.0])


def test_leaf_grads_are_not_aliased_with_create_graph():
    a, b = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    g = T([1.0, 1.0])
    (a + b).backward(g, create_graph=True)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad._data, b.grad._data)
    assert not np.shares_memory(a.grad._data, g._data)


# ---- inputs= -------------------------------------------------------------------------------------
def test_backward_inputs_restricts_accumulation():
    a, b = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    y = a * b
    y.backward(ones(y), inputs=[a])
    np.testing.assert_allclose(val(a.grad), [3.0, 4.0])
    assert b.grad is None
    y2 = a * b
    y2.backward(ones(y2), inputs=b)       # a single tensor is accepted too
    np.testing.assert_allclose(val(a.grad), [3.0, 4.0])
    np.testing.assert_allclose(val(b.grad), [1.0, 2.0])


def test_backward_inputs_accumulate():
    a = T([1.0, 2.0], rg=True)
    for _ in range(2):
        (a * a).backward(ones(a), inputs=[a])
    np.testing.assert_allclose(val(a.grad), [4.0, 8.0])


def test_backward_inputs_non_leaf():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = y * y
    z.backward(ones(z), inputs=[y])
    np.testing.assert_allclose(val(y.grad), [4.0, 8.0])
    assert x.grad is None


def test_backward_inputs_leaf_hooks_run():
    a, b = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    a.register_hook(lambda g: g * 10)
    (a * b).backward(T([1.0, 1.0]), inputs=[a])
    np.testing.assert_allclose(val(a.grad), [30.0, 40.0])


def test_backward_inputs_empty_raises():
    x = T([1.0, 2.0], rg=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).backward(ones(x), inputs=[])


# ---- retain_graph / create_graph --------------------------------------------------------------------
def test_second_backward_through_freed_graph_raises():
    x = T([1.0, 2.0], rg=True)
    y = (x * x).exp()
    y.backward(ones(y))
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        y.backward(ones(y))


def test_second_grad_through_freed_graph_raises():
    x = T([1.0, 2.0], rg=True)
    y = x.tanh() * x
    autograd.grad(y, x, ones(y))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        autograd.grad(y, x, ones(y))


def test_retain_graph_allows_second_backward_and_accumulates():
    x = T([1.0, 2.0], rg=True)
    y = (x * x).exp()
    y.backward(ones(y), retain_graph=True)
    once = val(x.grad)
    np.testing.assert_allclose(once, 2 * val(x) * np.exp(val(x) ** 2))
    y.backward(ones(y), retain_graph=True)
    np.testing.assert_allclose(val(x.grad), 2 * once)
    y.backward(ones(y))                  # the last one may free the graph
    np.testing.assert_allclose(val(x.grad), 3 * once)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward(ones(y))


def test_freed_only_along_the_path_taken():
    # backpropagating from one branch frees that branch; the shared trunk stays usable with retain_graph
    x = T([1.0, 2.0], rg=True)
    h = x.exp()
    y1, y2 = h * 2, h * h
    y1.backward(ones(x), retain_graph=True)
    y2.backward(ones(x))
    np.testing.assert_allclose(val(x.grad), 2 * np.exp(val(x)) + 2 * np.exp(2 * val(x)))


def test_create_graph_makes_grad_differentiable():
    x = T([1.0, 2.0], rg=True)
    y = x ** 3
    y.backward(ones(y), create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    np.testing.assert_allclose(val(x.grad), 3 * val(x) ** 2)
    g2, = autograd.grad(x.grad, x, ones(x))
    np.testing.assert_allclose(val(g2), 6 * val(x))


def test_create_graph_implies_retain_graph():
    x = T([0.5, 1.5], rg=True)
    y = x.sigmoid() * x
    g, = autograd.grad(y, x, ones(y), create_graph=True)
    g2, = autograd.grad(y, x, ones(y))          # the graph of y is still alive
    np.testing.assert_allclose(val(g), val(g2))


def test_grad_of_grad_output_with_create_graph():
    # gradient= that requires grad: with create_graph, x.grad depends on it
    x = T([1.0, 2.0], rg=True)
    v = T([3.0, 4.0], rg=True)
    y = x * x
    gx, = autograd.grad(y, x, v, create_graph=True)     # 2 x v
    gv, = autograd.grad(gx, v, ones(gx))
    np.testing.assert_allclose(val(gv), 2 * val(x))


# ---- autograd.grad -------------------------------------------------------------------------------
def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x, y = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    x.grad = T([7.0, 7.0])
    out = x * y
    res = autograd.grad(out, [x, y], ones(out))
    assert isinstance(res, tuple) and len(res) == 2
    np.testing.assert_allclose(val(res[0]), [3.0, 4.0])
    np.testing.assert_allclose(val(res[1]), [1.0, 2.0])
    np.testing.assert_allclose(val(x.grad), [7.0, 7.0])
    assert y.grad is None
    assert not res[0].requires_grad


def test_grad_single_input_gives_one_tuple():
    x = T(2.0, rg=True)
    res = autograd.grad(x * x * x, x)
    assert isinstance(res, tuple) and len(res) == 1
    np.testing.assert_allclose(val(res[0]), 12.0)
    res = autograd.grad(x.exp(), (x,))
    np.testing.assert_allclose(val(res[0]), np.exp(2.0))


def test_grad_several_outputs_sum():
    x = T([1.0, 2.0], rg=True)
    g, = autograd.grad([x * x, x * 3], x, [T([1.0, 1.0]), T([2.0, 2.0])])
    np.testing.assert_allclose(val(g), 2 * val(x) + 6)


def test_grad_unused_input():
    x, z = T([1.0], rg=True), T([5.0], rg=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        autograd.grad(y, [x, z], ones(y), retain_graph=True)
    gx, gz = autograd.grad(y, [x, z], ones(y), retain_graph=True, allow_unused=True)
    np.testing.assert_allclose(val(gx), [2.0])
    assert gz is None
    gx, gz = autograd.grad(y, [x, z], ones(y), materialize_grads=True)
    assert gz is not None and gz.shape == z.shape
    np.testing.assert_allclose(val(gz), [0.0])


def test_grad_input_not_requiring_grad_raises():
    x, c = T([1.0], rg=True), T([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(x * c, [x, c], T([1.0]))


def test_grad_input_not_requiring_grad_raises_with_allow_unused():
    x, c = T([1.0], rg=True), T([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(x * c, [x, c], T([1.0]), allow_unused=True)


def test_grad_non_leaf_inputs():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = y * y + y.exp()
    gy, gx = autograd.grad(z, [y, x], ones(z))
    np.testing.assert_allclose(val(gy), 2 * val(y) + np.exp(val(y)))
    np.testing.assert_allclose(val(gx), 2 * val(gy))
    assert x.grad is None and y.grad is None


def test_grad_non_leaf_multi_use_input_gets_total():
    x = T([1.0, 2.0], rg=True)
    y = x.tanh()
    z = y * y + y * 3
    gy, = autograd.grad(z, y, ones(z))
    np.testing.assert_allclose(val(gy), 2 * val(y) + 3)


def test_grad_wrt_non_leaf_does_not_consume_its_history():
    x = T([1.0, 2.0], rg=True)
    y = x.exp()
    z = y * 2
    autograd.grad(z, y, ones(z))
    y.backward(ones(y))
    np.testing.assert_allclose(val(x.grad), np.exp(val(x)))


def test_backward_of_a_leaf_itself():
    x = T([1.0, 2.0], rg=True)
    x.backward(T([3.0, 4.0]))
    np.testing.assert_allclose(val(x.grad), [3.0, 4.0])
    g, = autograd.grad(x, x, T([5.0, 6.0]))
    np.testing.assert_allclose(val(g), [5.0, 6.0])


def test_grad_duplicate_inputs_and_outputs():
    x = T([1.0, 2.0], rg=True)
    y = x * x
    g1, g2 = autograd.grad(y, [x, x], ones(y), retain_graph=True)
    np.testing.assert_allclose(val(g1), [2.0, 4.0])
    np.testing.assert_allclose(val(g2), [2.0, 4.0])
    autograd.backward([y, y], [T([1.0, 1.0]), T([2.0, 2.0])])
    np.testing.assert_allclose(val(x.grad), [6.0, 12.0])


@pytest.mark.parametrize("use_grad", [False, True], ids=["backward", "grad"])
def test_deep_chain_has_no_recursion_limit(use_grad):
    x = T([0.5], rg=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    if use_grad:
        g, = autograd.grad(y, x, ones(y))
    else:
        y.backward(ones(y))
        g = x.grad
    np.testing.assert_allclose(val(g), [1.0001 ** 5000])


def test_saved_tensors_are_released_after_backward():
    import gc
    import weakref
    x = T([1.0, 2.0], rg=True)
    h = x.exp()
    y = h * h                      # saves h
    ref = weakref.ref(h)
    del h
    assert ref() is not None
    y.backward(ones(y))
    gc.collect()
    assert ref() is None
    assert y.grad_fn is not None   # the node itself stays (its name, edges)


def test_builtin_ops_make_no_reference_cycles():
    import gc
    import weakref
    x = T([1.0, 2.0], rg=True)
    gc.disable()
    try:
        for f in (lambda t: t.exp(), lambda t: t * t, lambda t: t.tanh() * 2, lambda t: t.sigmoid(),
                  lambda t: zoo_core.where(t > 1, t, t.exp())):
            y = f(x)
            node, out = weakref.ref(y.grad_fn), weakref.ref(y)
            del y
            assert node() is None and out() is None     # freed by reference counting alone
    finally:
        gc.enable()


# ---- tensor hooks ---------------------------------------------------------------------------------
def test_leaf_hook_modifies_grad():
    x = T([1.0, 2.0], rg=True)
    x.register_hook(lambda g: g * 2)
    (x * x).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [4.0, 8.0])


def test_hook_returning_none_keeps_grad():
    seen = []
    x = T([1.0, 2.0], rg=True)
    x.register_hook(lambda g: seen.append(val(g)))
    (x * 3).backward(ones(x))
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(val(x.grad), [3.0, 3.0])


def _hook_calls(lib, leaf):
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    calls = []
    h = x * 2
    t = x if leaf else h
    t.register_hook(lambda g: calls.append(val(g)))
    out = x * x + x * 3 if leaf else h * h + h.exp()
    out.backward(lib.ones_like(out))
    return calls, val(x.grad)


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_hook_sees_total_grad_once_like_torch(leaf):
    torch = pytest.importorskip("torch")
    calls_z, grad_z = _hook_calls(zoo_core, leaf)
    calls_t, grad_t = _hook_calls(torch, leaf)
    assert len(calls_z) == len(calls_t) == 1
    np.testing.assert_allclose(calls_z[0], calls_t[0])
    np.testing.assert_allclose(grad_z, grad_t)


def test_non_leaf_hook_changes_upstream_grad():
    x = T([1.0, 2.0], rg=True)
    h = x * 3
    h.register_hook(lambda g: g + 1)
    (h * h).backward(ones(x))          # dL/dh = 2h = 6x, plus 1, times 3
    np.testing.assert_allclose(val(x.grad), 3 * (6 * val(x) + 1))


def test_hooks_chain_in_registration_order():
    x = T([1.0, 2.0], rg=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 2)
    (x * 1.0).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [4.0, 4.0])


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_hook_removal(leaf):
    x = T([1.0, 2.0], rg=True)
    h = x * 1.0
    calls = []
    handle = (x if leaf else h).register_hook(lambda g: calls.append(1) or g * 100)
    handle.remove()
    handle.remove()                   # removing twice is harmless
    (h * 2).backward(ones(x))
    assert calls == []
    np.testing.assert_allclose(val(x.grad), [2.0, 2.0])


def test_hook_handle_as_context_manager():
    x = T([1.0], rg=True)
    with x.register_hook(lambda g: g * 0):
        pass
    (x * 5).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [5.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        T([1.0]).register_hook(lambda g: g)


def test_grad_runs_leaf_hooks_like_torch():
    x = T([1.0, 2.0], rg=True)
    x.register_hook(lambda g: g * 10)
    g, = autograd.grad(x * x, x, ones(x))
    np.testing.assert_allclose(val(g), [20.0, 40.0])


def test_grad_runs_non_leaf_hooks_like_torch():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    g, = autograd.grad(y * y, y, ones(y))
    np.testing.assert_allclose(val(g), [40.0, 80.0])


# ---- retain_grad --------------------------------------------------------------------------------
def test_retain_grad_on_non_leaf():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = y * y
    z.backward(ones(z))
    np.testing.assert_allclose(val(y.grad), 2 * val(y))
    assert z.grad is None             # not retained
    assert not np.shares_memory(y.grad._data, x.grad._data)


def test_retain_grad_accumulates():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    y.retain_grad()
    z = y * y
    z.backward(ones(z), retain_graph=True)
    z.backward(ones(z))
    np.testing.assert_allclose(val(y.grad), 4 * val(y))


def test_retain_grad_on_leaf_is_noop_and_on_no_grad_raises():
    x = T([1.0], rg=True)
    x.retain_grad()
    (x * 2).backward(ones(x))
    np.testing.assert_allclose(val(x.grad), [2.0])
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        T([1.0]).retain_grad()


def test_retain_grad_sees_hook_modified_grad():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * y).backward(ones(y))
    np.testing.assert_allclose(val(y.grad), [8.0, 16.0])
    np.testing.assert_allclose(val(x.grad), [16.0, 32.0])


# ---- graph structure ------------------------------------------------------------------------------
def test_is_leaf():
    x = T([1.0], rg=True)
    c = T([1.0])
    assert x.is_leaf and c.is_leaf
    assert not (x * 2).is_leaf
    assert (c * 2).is_leaf            # no grad needed: a leaf, as in torch
    with zoo_core.no_grad():
        assert (x * 2).is_leaf


NAMED = [
    ("mul", lambda lib, x, y: x * y), ("add", lambda lib, x, y: x + y), ("sub", lambda lib, x, y: x - y),
    ("div", lambda lib, x, y: x / y), ("pow_scalar", lambda lib, x, y: x ** 2),
    ("neg", lambda lib, x, y: -x), ("exp", lambda lib, x, y: lib.exp(x)), ("tanh", lambda lib, x, y: x.tanh()),
    ("sigmoid", lambda lib, x, y: lib.sigmoid(x)), ("relu", lambda lib, x, y: lib.relu(x)),
    ("clamp", lambda lib, x, y: lib.clamp(x, -1.0, 1.0)), ("where", lambda lib, x, y: lib.where(x > 0, x, y)),
    ("clone", lambda lib, x, y: x.clone()), ("to", lambda lib, x, y: x.to(lib.float32)),
]


@pytest.mark.parametrize("name,fn", NAMED, ids=[n for n, _ in NAMED])
def test_grad_fn_names_match_torch(name, fn):
    torch = pytest.importorskip("torch")

    def name_of(lib):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        return fn(lib, x, y).grad_fn.name()
    assert name_of(zoo_core) == name_of(torch)


def test_next_functions_structure():
    x, y = T([1.0], rg=True), T([2.0], rg=True)
    z = x * y
    (n0, i0), (n1, i1) = z.grad_fn.next_functions
    assert n0.name().endswith("AccumulateGrad") and n1.name().endswith("AccumulateGrad") and i0 == i1 == 0
    assert n0.variable is x and n1.variable is y
    # a constant operand has no edge
    (m, _), (none, idx) = (x * 2.0).grad_fn.next_functions
    assert m is n0 and none is None and idx == 0     # one AccumulateGrad per leaf
    # the same leaf twice
    (a, _), (b, _) = (x + x).grad_fn.next_functions
    assert a is b
    # chains
    w = (x * y).exp()
    (prev, _), = w.grad_fn.next_functions
    assert prev.name() == "MulBackward0"
    assert n0.next_functions == ()


def test_next_functions_like_torch():
    torch = pytest.importorskip("torch")

    def structure(lib):
        x = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([1.0], dtype=lib.float64)
        out = (x * c + x.exp()).tanh()

        def walk(fn):
            if fn is None:
                return None
            # torch spells the leaf node "torch::autograd::AccumulateGrad"
            return (fn.name().split("::")[-1], tuple((walk(f), i) for f, i in fn.next_functions))
        return walk(out.grad_fn)
    assert structure(zoo_core) == structure(torch)


def test_node_hooks_see_grad_inputs_and_outputs():
    x, w = T([1.0, 2.0], rg=True), T([3.0, 4.0], rg=True)
    y = x * w
    seen = {}

    def pre(go):
        seen["pre"] = [val(g) for g in go]      # returns None: grads unchanged

    def post(gi, go):
        seen["post"] = ([val(g) for g in gi], [val(g) for g in go])
    y.grad_fn.register_prehook(pre)
    y.grad_fn.register_hook(post)
    y.backward(T([1.0, 10.0]))
    np.testing.assert_allclose(seen["pre"][0], [1.0, 10.0])
    gi, go = seen["post"]
    np.testing.assert_allclose(gi[0], [3.0, 40.0])
    np.testing.assert_allclose(gi[1], [1.0, 20.0])
    np.testing.assert_allclose(go[0], [1.0, 10.0])


def test_node_prehook_can_replace_grads():
    x = T([1.0, 2.0], rg=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.backward(T([1.0, 1.0]))
    np.testing.assert_allclose(val(x.grad), [30.0, 30.0])
