"""In-place ops and autograd: version counters, the saved-tensor check at backward time, the leaf rule,
and history rebasing (an in-place op on a non-leaf gives the same gradients as in PyTorch)."""
import numpy as np
import pytest

import zoo_core
from zoo_core import autograd


def val(t):
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64):
    return zoo_core.tensor(data, dtype=dtype, requires_grad=rg)


def ones(t):
    return zoo_core.ones_like(t)


INPLACE_ERR = "modified by an inplace operation"


# ---- the saved-tensor version check ---------------------------------------------------------------------
def test_modified_saved_input_raises():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = y * y                      # saves y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=INPLACE_ERR + r".*\[2\].*is at version 1; expected version 0 instead"):
        z.backward(ones(z))


def test_modified_saved_output_raises():
    x = T([1.0, 2.0], rg=True)
    y = x.exp()                    # exp saves its output
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=INPLACE_ERR):
        y.backward(ones(y))


def test_error_reports_the_current_version():
    x = T([1.0, 2.0], rg=True)
    y = x.tanh()
    z = y * x
    y.add_(1.0)
    y.mul_(3.0)
    with pytest.raises(RuntimeError, match="is at version 2; expected version 0 instead"):
        z.backward(ones(z))


def test_leaf_modified_under_no_grad_after_use_raises():
    w = T([1.0, 2.0], rg=True)
    z = w * w
    with zoo_core.no_grad():
        w.add_(1.0)
    with pytest.raises(RuntimeError, match=INPLACE_ERR + ".*version 1; expected version 0"):
        z.backward(ones(z))


def test_modified_between_retained_backwards_raises():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = y.sigmoid() * y
    z.backward(ones(z), retain_graph=True)
    y.mul_(0.5)
    with pytest.raises(RuntimeError, match=INPLACE_ERR):
        z.backward(ones(z))


def test_modified_tensor_saved_by_grad_call_raises():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = y * y
    y.zero_()
    with pytest.raises(RuntimeError, match=INPLACE_ERR):
        autograd.grad(z, x, ones(z))


def test_modified_tensor_not_saved_is_fine_like_torch():
    # add does not save its inputs: changing y afterwards does not matter for z's gradient
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        z = y + 1
        y.mul_(3.0)
        z.backward(lib.ones_like(z))
        return val(x.grad), val(y), val(z)
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh", "sqrt"])
def test_modifying_input_of_output_saving_op_is_fine(op):
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    z = getattr(y, op)()
    y.add_(1.0)
    z.backward(ones(z))
    yv = np.array([2.0, 4.0])             # y's values when the op ran
    s = 1 / (1 + np.exp(-yv))
    d = {"exp": np.exp(yv), "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(yv) ** 2, "sqrt": 0.5 / np.sqrt(yv)}[op]
    np.testing.assert_allclose(val(x.grad), 2 * d)


@pytest.mark.parametrize("const", ["number", "tensor"])
def test_modifying_operand_whose_value_is_not_needed_is_fine(const):
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    c = 3.0 if const == "number" else T([3.0, 3.0])
    z = y * c                  # dz/dy needs c only
    y.add_(1.0)
    z.backward(ones(z))
    np.testing.assert_allclose(val(x.grad), [6.0, 6.0])


def test_in_place_with_detached_self_as_operand_raises_like_torch():
    # y.detach() shares y's version counter: mul_ saved it at version 1 and then bumped it to 2
    torch = pytest.importorskip("torch")
    for lib in (zoo_core, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.add_(1.0)
        y.mul_(y.detach())
        with pytest.raises(RuntimeError, match=INPLACE_ERR + ".*is at version 2; expected version 1"):
            y.backward(lib.ones_like(y))


def test_custom_function_saved_tensor_modified_raises():
    class Sq(zoo_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * g * x
    x = T([1.0, 2.0], rg=True)
    h = x * 1.0
    y = Sq.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=INPLACE_ERR):
        y.backward(ones(y))


# ---- leaves -----------------------------------------------------------------------------------------
LEAF_OPS = {
    "add_": lambda t: t.add_(1.0), "mul_": lambda t: t.mul_(2.0), "sub_": lambda t: t.sub_(1.0),
    "div_": lambda t: t.div_(2.0), "pow_": lambda t: t.pow_(2), "exp_": lambda t: t.exp_(),
    "tanh_": lambda t: t.tanh_(), "sigmoid_": lambda t: t.sigmoid_(), "relu_": lambda t: t.relu_(),
    "clamp_": lambda t: t.clamp_(-1.0, 1.0), "neg_": lambda t: t.neg_(), "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(3.0), "copy_": lambda t: t.copy_(T([5.0, 6.0])),
}


@pytest.mark.parametrize("op", list(LEAF_OPS))
def test_in_place_on_leaf_requiring_grad_raises(op):
    x = T([1.0, 2.0], rg=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place "
                                           "operation"):
        LEAF_OPS[op](x)
    np.testing.assert_allclose(val(x), [1.0, 2.0])      # untouched
    assert x._version == 0


def test_augmented_assignment_on_leaf_raises():
    x = T([1.0, 2.0], rg=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x += 1.0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x *= T([2.0, 2.0])


@pytest.mark.parametrize("op", list(LEAF_OPS))
def test_in_place_on_leaf_under_no_grad(op):
    x = T([1.0, 2.0], rg=True)
    expected = val(LEAF_OPS[op](T([1.0, 2.0])))
    with zoo_core.no_grad():
        r = LEAF_OPS[op](x)
    assert r is x
    np.testing.assert_allclose(val(x), expected)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    assert x._version == 1


def test_sgd_style_update():
    w = T([1.0, -2.0], rg=True)
    for _ in range(2):
        loss = w * w
        loss.backward(ones(w))
        with zoo_core.no_grad():
            w.sub_(0.25 * w.grad)
        w.grad.zero_()
    np.testing.assert_allclose(val(w), [0.25, -0.5])
    assert w.is_leaf and w.requires_grad and w._version == 2


# ---- rebasing history of non-leaves (compared with torch) --------------------------------------------
def _mul_scalar(lib, x, w):
    y = x * 2
    y.mul_(3.0)
    return y * w


def _exp(lib, x, w):
    y = x * w
    y.exp_()
    return y


def _sigmoid_tanh(lib, x, w):
    y = x.clone()
    y.sigmoid_()
    y = y * w                  # (tanh_ straight after sigmoid_ would overwrite sigmoid's saved output)
    y.tanh_()
    return y


def _add_tensor(lib, x, w):
    y = x * 2
    y.add_(w, alpha=3.0)
    return y * y


def _mul_tensor(lib, x, w):
    y = x * 2
    y.mul_(w)
    return y.exp()


def _div_sub(lib, x, w):
    y = x * x
    y.div_(w + 3)
    y.sub_(w, alpha=2.0)
    return y


def _pow_clamp_relu(lib, x, w):
    y = x * w
    y.pow_(2)
    y.clamp_(0.1, 0.8)
    z = x - 0.5
    z.relu_()
    return y + z


def _copy_fill_zero(lib, x, w):
    y = x * 2
    y.copy_(w * 3)              # y's old history receives no gradient
    a = x * 1
    a.zero_()
    b = x * 1
    b.fill_(2.0)
    return y * x + a + b * w


def _into_constant(lib, x, w):
    a = lib.zeros(2, 3, dtype=lib.float64)
    a.add_(x)                  # a plain tensor starts to require grad
    b = lib.ones(2, 3, dtype=lib.float64)
    b.mul_(w)
    return a * b


def _augmented(lib, x, w):
    y = x * 1
    y += w
    y *= w
    y -= 1.0
    y /= 2.0
    return y


def _chain_of_inplace(lib, x, w):
    y = x * w
    z = y + 2                  # add saves nothing: y may change afterwards
    y.add_(1.0)
    y.mul_(w)
    y.neg_()
    return z + y


def _modify_then_reuse(lib, x, w):
    y = x + 0.0
    y.mul_(w)
    y.add_(x)
    return y * y


CASES = [_mul_scalar, _exp, _sigmoid_tanh, _add_tensor, _mul_tensor, _div_sub, _pow_clamp_relu,
         _copy_fill_zero, _into_constant, _augmented, _chain_of_inplace, _modify_then_reuse]


def _run(lib, fn, xa, wa, ga):
    x = lib.tensor(xa, dtype=lib.float64, requires_grad=True)
    w = lib.tensor(wa, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x, w)
    name = out.grad_fn.name()
    out.backward(lib.tensor(ga, dtype=lib.float64))
    return val(out), (None if x.grad is None else val(x.grad)), (None if w.grad is None else val(w.grad)), name


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__.strip("_"))
def test_in_place_on_non_leaf_matches_torch(fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    xa, wa, ga = rng.uniform(-1, 1, (2, 3)), rng.uniform(0.2, 1.2, (2, 3)), rng.uniform(-1, 1, (2, 3))
    z = _run(zoo_core, fn, xa, wa, ga)
    t = _run(torch, fn, xa, wa, ga)
    for a, b in zip(z[:3], t[:3]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_rebased_grad_fn_names_match_torch():
    torch = pytest.importorskip("torch")

    def names(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        out = []
        for op in (lambda t: t.mul_(3.0), lambda t: t.add_(1.0), lambda t: t.exp_(), lambda t: t.tanh_(),
                   lambda t: t.sigmoid_()):
            y = x * 2
            op(y)
            out.append(y.grad_fn.name())
        return out
    assert names(zoo_core) == names(torch)


def test_rebase_keeps_tensor_identity_and_values():
    x = T([1.0, 2.0], rg=True)
    y = x * 2
    old_fn = y.grad_fn
    r = y.mul_(x)
    assert r is y and y.grad_fn is not old_fn and y.grad_fn.name() == "MulBackward0"
    np.testing.assert_allclose(val(y), [2.0, 8.0])
    y.backward(ones(y))
    np.testing.assert_allclose(val(x.grad), 4 * val(x))      # d(2x * x)/dx


def test_in_place_with_grad_operand_into_constant():
    a = T([0.0, 0.0])
    x = T([1.0, 2.0], rg=True)
    a.add_(x)
    assert a.requires_grad and a.grad_fn is not None and a.grad_fn.name() == "AddBackward0"
    a.backward(T([3.0, 4.0]))
    np.testing.assert_allclose(val(x.grad), [3.0, 4.0])


def test_copy_from_leaf_into_constant():
    a = T([0.0, 0.0])
    x = T([1.0, 2.0], rg=True)
    a.copy_(x)
    assert a.requires_grad and a.grad_fn is not None
    (a * 3).backward(ones(a))
    np.testing.assert_allclose(val(x.grad), [3.0, 3.0])


# ---- version counter ------------------------------------------------------------------------------------
def test_version_counter_like_torch():
    torch = pytest.importorskip("torch")

    def versions(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        seen = [x._version]
        for op in (lambda t: t.add_(1.0), lambda t: t.mul_(2.0), lambda t: t + 1, lambda t: t.exp_(),
                   lambda t: t.zero_(), lambda t: t.fill_(1.0), lambda t: t.copy_(lib.ones(2, dtype=lib.float64)),
                   lambda t: t.clamp_(0.0, 0.5), lambda t: t.exp()):
            op(x)
            seen.append(x._version)
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = w * 2
        seen.append(y._version)
        for op in (lambda t: t.add_(1.0), lambda t: t.mul_(w), lambda t: t.sigmoid_()):
            op(y)
            seen.append(y._version)
        return seen
    assert versions(zoo_core) == versions(torch)


def test_version_increments_by_one_per_op():
    x = T([1.0, 2.0])
    for i in range(1, 4):
        x.add_(1.0)
        assert x._version == i
    y = T([1.0], rg=True) * 2
    y.mul_(T([3.0], rg=True))
    assert y._version == 1


def test_out_of_place_ops_do_not_bump_version():
    x = T([1.0, 2.0], rg=True)
    for _ in range(3):
        x * 2
        x.exp()
        x.clone()
    assert x._version == 0


# ---- views (only when the shape/indexing ops exist) --------------------------------------------------
def _needs_getitem():
    try:
        T([[1.0, 2.0]])[0]
    except Exception:
        pytest.skip("indexing ops not available yet")


def test_in_place_on_view_of_leaf_raises():
    _needs_getitem()
    x = T([[1.0, 2.0], [3.0, 4.0]], rg=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        x[0].mul_(2.0)


def test_in_place_on_view_of_non_leaf_matches_torch():
    _needs_getitem()
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        base = x * 1.0
        v = base[1]
        v.mul_(w)
        out = base * base
        out.backward(lib.ones_like(out))
        return val(out), val(x.grad), val(w.grad), base._version
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


def test_view_used_after_base_modified_in_place_matches_torch():
    _needs_getitem()
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=lib.float64, requires_grad=True)
        base = x * 1.0
        v = base[0]
        base.mul_(w)               # v sees the new values, and its history must follow
        out = v * v
        out.backward(lib.ones_like(out))
        return val(v), val(x.grad), val(w.grad)
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


def test_in_place_on_view_of_leaf_under_no_grad():
    _needs_getitem()
    x = T([[1.0, 2.0], [3.0, 4.0]], rg=True)
    with zoo_core.no_grad():
        x[0].mul_(10.0)
    np.testing.assert_allclose(val(x), [[10.0, 20.0], [3.0, 4.0]])
    assert x.is_leaf and x.requires_grad and x._version == 1
