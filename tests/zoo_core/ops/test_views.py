"""View semantics: shape ops that are views in PyTorch share storage and the version counter with their
base, in-place ops through them write the base, and gradients through in-place ops on views match PyTorch."""
import numpy as np
import pytest

import zoo_core
from zoo_core.autograd import grad_mode

try:
    import torch   # the reference for values and gradients
except ImportError:  # pragma: no cover
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch")

VIEW_OPS = {
    "view": lambda x: x.view(6, 4),
    "view_tuple": lambda x: x.view((4, -1)),
    "view_as": lambda x: x.view_as(x.reshape(4, 6)),
    "reshape": lambda x: x.reshape(24),
    "reshape_split_noncontig": lambda x: x.transpose(0, 2).reshape(2, 2, 3, 2),
    "ravel": lambda x: x.ravel(),
    "flatten": lambda x: x.flatten(0, 1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(),
    "squeeze_dim": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(-1),
    "permute": lambda x: x.permute(2, 0, 1),
    "transpose": lambda x: x.transpose(0, 2),
    "swapaxes": lambda x: x.swapaxes(1, 2),
    "t": lambda x: x.flatten(1).t(),
    "T": lambda x: x.flatten(1).T,
    "mT": lambda x: x.mT,
    "narrow": lambda x: x.narrow(2, 1, 2),
    "narrow_of_permute": lambda x: x.permute(1, 2, 0).narrow(0, 1, 2),
    "movedim": lambda x: x.movedim(0, 2),
    "unbind": lambda x: x.unbind(1)[1],
    "split": lambda x: x.split(2, 2)[1],
    "chunk": lambda x: x.chunk(3, 1)[2],
    "tensor_split": lambda x: x.tensor_split([1, 3], 2)[1],
    "expand_noop": lambda x: x.expand(1, 2, 3, 4),
    "atleast_3d": lambda x: (zoo_core if isinstance(x, zoo_core.Tensor) else torch).atleast_3d(x.flatten(1)),
    "chain": lambda x: x.transpose(0, 1).narrow(0, 1, 2).unsqueeze(0).movedim(3, 0).flatten(1, 2),
}


def _base(lib):
    return lib.arange(24.0).reshape(2, 3, 4).clone()


@needs_torch
@pytest.mark.parametrize("name", list(VIEW_OPS), ids=str)
def test_view_shares_memory_and_writes_base(name):
    f = VIEW_OPS[name]
    b = _base(zoo_core)
    v = f(b)
    assert np.shares_memory(v.array, b.array), name
    assert v._base is b
    v.mul_(2)
    v.add_(1)
    assert v._version == b._version == 2
    tb = _base(torch)
    tv = f(tb)
    tv.mul_(2)
    tv.add_(1)
    np.testing.assert_array_equal(b.numpy(), tb.numpy())
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    b.zero_()                       # and the other way round: writes to the base show in the view
    assert not v.numpy().any()
    assert v._version == b._version == 3


@needs_torch
@pytest.mark.parametrize("name", ["view", "permute", "narrow", "chain"])
def test_view_copy_and_zero_through_view(name):
    f = VIEW_OPS[name]
    b, tb = _base(zoo_core), _base(torch)
    v, tv = f(b), f(tb)
    src = np.arange(v.numel(), dtype=np.float32).reshape(tuple(v.shape)) * -1
    v.copy_(zoo_core.from_numpy(src))
    tv.copy_(torch.from_numpy(src))
    np.testing.assert_array_equal(b.numpy(), tb.numpy())
    f(b).zero_()
    f(tb).zero_()
    np.testing.assert_array_equal(b.numpy(), tb.numpy())


@needs_torch
def test_view_of_view_keeps_root_base():
    b = _base(zoo_core)
    v = b.view(6, 4).t().narrow(0, 1, 2)
    assert v._base is b
    v.fill_(-1)
    tb = _base(torch)
    tb.view(6, 4).t().narrow(0, 1, 2).fill_(-1)
    np.testing.assert_array_equal(b.numpy(), tb.numpy())


def test_reshape_copies_when_it_must():
    b = _base(zoo_core)
    r = b.transpose(0, 2).reshape(24)
    assert r._base is None and not np.shares_memory(r.array, b.array)
    r.zero_()
    assert b.numpy().any()
    f = b.transpose(0, 2).flatten()
    assert f._base is None and not np.shares_memory(f.array, b.array)


@pytest.mark.parametrize("fn", [
    lambda x: x.flip(0), lambda x: x.roll(1, 0), lambda x: x.repeat(1, 1, 1), lambda x: x.tile(1),
    lambda x: zoo_core.cat([x]), lambda x: zoo_core.stack([x]),
])
def test_copying_ops_do_not_share(fn):
    b = _base(zoo_core)
    out = fn(b)
    assert out._base is None and not np.shares_memory(out.array, b.array)


def test_expand_is_read_only_view():
    x = zoo_core.tensor([[1.0], [2.0]])
    e = x.expand(2, 3)
    assert np.shares_memory(e.array, x.array) and e._base is x
    assert e.stride() == (1, 0)
    for op in (lambda: e.add_(1), lambda: e.mul_(2), lambda: e.zero_(), lambda: e.copy_(zoo_core.ones(2, 3))):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single "
                                               "memory location"):
            op()
    x.mul_(10)                      # writing the base shows through the expanded view
    assert e.tolist() == [[10.0] * 3, [20.0] * 3]
    # a view that repeats nothing stays writeable, as in PyTorch
    same = x.expand(1, 2, 1)
    same.add_(1)
    assert x.tolist() == [[11.0], [21.0]]


def test_contiguous_of_view_copies():
    b = _base(zoo_core)
    c = b.transpose(0, 1).contiguous()
    assert c.is_contiguous() and not np.shares_memory(c.array, b.array)
    v = b.view(24)
    assert v.contiguous() is v


# ---- autograd through in-place ops on views --------------------------------------------------------
SCENARIOS = {
    "t_mul": lambda lib, x, w: _then(lib, x * 1, lambda y: y.t().mul_(2)),
    "narrow_mul_w": lambda lib, x, w: _then(lib, x.clone(), lambda y: y.narrow(0, 0, 1).mul_(w.narrow(0, 0, 1))),
    "view_add_w": lambda lib, x, w: _then(lib, x * 1, lambda y: y.view(-1).add_(w.reshape(-1))),
    "chain_mul": lambda lib, x, w: _then(lib, x * 2, lambda y: y.unsqueeze(0).transpose(1, 2).narrow(1, 1, 2)
                                         .mul_(w.t().narrow(0, 1, 2).unsqueeze(0))),
    "copy_into_view": lambda lib, x, w: _then(lib, x * 1, lambda y: y.narrow(1, 0, 2).copy_(w.narrow(1, 1, 2))),
    "zero_view": lambda lib, x, w: _then(lib, x * w, lambda y: y.t().narrow(0, 0, 1).zero_()),
    "fill_view": lambda lib, x, w: _then(lib, x * w, lambda y: y.permute(1, 0).narrow(1, 1, 1).fill_(3.0)),
    "views_of_same_base": lambda lib, x, w: _then(lib, x * w,
                                                  lambda y: y.narrow(0, 0, 1).mul_(y.narrow(0, 1, 1).clone())),
    "twice": lambda lib, x, w: _then(lib, x * 1, lambda y: (y.t().mul_(w.t()), y.view(6).add_(w.view(6) * 3))),
    "use_view_after": lambda lib, x, w: _use_view_after(x, w),
    "movedim_div": lambda lib, x, w: _then(lib, x + 1, lambda y: y.movedim(0, 1).div_(w.t() + 3)),
    "squeeze_sub": lambda lib, x, w: _then(lib, x.unsqueeze(0) * 1, lambda y: y.squeeze(0).sub_(w * w)).squeeze(0),
}


def _then(lib, y, inplace):
    inplace(y)
    return y


def _use_view_after(x, w):
    y = x * 1
    v = y.t()
    v.mul_(w.t())
    return y * 2 + v.t() * v.t()       # v's own history was rebased onto the in-place result


@needs_torch
@pytest.mark.parametrize("name", list(SCENARIOS), ids=str)
def test_grad_through_inplace_on_view_matches_torch(name):
    rng = np.random.default_rng(0)
    xa = rng.uniform(-2, 2, (2, 3))
    wa = rng.uniform(-2, 2, (2, 3))
    ga = rng.standard_normal((2, 3))
    results = []
    for lib in (zoo_core, torch):
        x = lib.from_numpy(xa.copy()).requires_grad_(True)
        w = lib.from_numpy(wa.copy()).requires_grad_(True)
        out = SCENARIOS[name](lib, x, w)
        out.backward(lib.from_numpy(ga.copy()))
        results.append((out.detach().numpy().copy(), x.grad.numpy().copy(),
                        None if w.grad is None else w.grad.numpy().copy()))
    (zo, zx, zw), (to, tx, tw) = results
    np.testing.assert_allclose(zo, to, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zx, tx, rtol=1e-12, atol=1e-12, err_msg="x.grad")
    if tw is None:
        assert zw is None or not zw.any()
    else:
        np.testing.assert_allclose(zw, tw, rtol=1e-12, atol=1e-12, err_msg="w.grad")


@needs_torch
def test_view_saved_by_inplace_on_sibling_view_raises_as_in_torch():
    for lib in (zoo_core, torch):
        x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        y = x * 1
        y.narrow(0, 0, 1).mul_(y.narrow(0, 1, 1))   # mul saved the sibling view, whose version then moved
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward(lib.ones(2, 3, dtype=lib.float64))


def test_t_mul_grad_is_two_everywhere():
    x = zoo_core.ones(2, 3, dtype=zoo_core.float64, requires_grad=True)
    y = x * 1
    y.t().mul_(2)
    y.backward(zoo_core.ones(2, 3, dtype=zoo_core.float64))
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_inplace_on_view_of_leaf_raises():
    x = zoo_core.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        x.view(6).mul_(2)
    with grad_mode.no_grad():
        x.t().mul_(2)
    assert x.tolist() == [[2.0] * 3] * 2


def test_saved_base_modified_through_view_is_detected():
    x = zoo_core.ones(2, 3, dtype=zoo_core.float64, requires_grad=True)
    y = x * 1
    p = y * y                        # saves y
    y.t().mul_(2)                    # bumps y's version through a view
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        p.backward(zoo_core.ones(2, 3, dtype=zoo_core.float64))


def test_view_output_requires_grad_and_no_grad_mode():
    x = zoo_core.ones(2, 3, requires_grad=True)
    assert x.view(6).requires_grad and x.t().grad_fn is not None
    with grad_mode.no_grad():
        v = x.view(6)
    assert not v.requires_grad and v._base is x and np.shares_memory(v.array, x.array)


def test_inplace_on_multi_output_view_is_allowed():
    # PyTorch refuses in-place ops on outputs of unbind/split/chunk when grad is involved; here the
    # in-place op is rebased like any other view and the gradient is right.
    x = zoo_core.ones(2, 3, dtype=zoo_core.float64, requires_grad=True)
    y = x * 1
    first, _ = y.unbind(0)
    first.mul_(2)
    _, last = y.split([1, 2], dim=1)
    last.mul_(5)
    y.backward(zoo_core.ones(2, 3, dtype=zoo_core.float64))
    assert x.grad.tolist() == [[2.0, 10.0, 10.0], [1.0, 5.0, 5.0]]


def test_view_made_before_base_inplace_sees_new_history():
    x = zoo_core.ones(2, 3, dtype=zoo_core.float64, requires_grad=True)
    y = x * 1
    v = y.t()
    y.mul_(2)
    v.backward(zoo_core.ones(3, 2, dtype=zoo_core.float64))
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_inplace_on_view_of_detached_alias():
    torch = pytest.importorskip("torch")
    for lib in (zoo_core, torch):
        x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        w = lib.full((6,), 3.0, dtype=lib.float64, requires_grad=True)
        y = x * 1
        d = y.detach()
        v = d.view(6)
        v.mul_(w)
        v.sum().backward()
        assert w.grad.tolist() == [1.0] * 6
        assert x.grad is None
        assert y.tolist() == [[3.0] * 3] * 2     # the alias shares storage
        leaf = lib.ones(3, requires_grad=True)
        a = leaf.detach()
        a.view(3).add_(1)                        # allowed: the alias is not a view of the leaf for autograd
        assert leaf.tolist() == [2.0, 2.0, 2.0]
