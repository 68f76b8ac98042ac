"""Tests of ops/misc.py and the modules it re-exports (special.py, structure.py, distance.py)."""
import math
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _w(lib, x):
    return lib.tensor([1, 0, 2], device=x.device)


CASES = [
    # three-operand pointwise
    OpCase("lerp_scalar_low", lambda lib, x, y: lib.lerp(x, y, 0.3), [(2, 3), (2, 3)]),
    OpCase("lerp_scalar_high", lambda lib, x, y: x.lerp(y, 0.8), [(2, 3), (3,)]),
    OpCase("lerp_tensor_weight", lambda lib, x, y, w: lib.lerp(x, y, w), [(2, 3), (2, 3), (2, 3)], low=-0.5,
           high=1.5, avoid=[0.5]),
    OpCase("lerp_bcast3", lambda lib, x, y, w: lib.lerp(x, y, w), [(3,), (2, 1), (4, 1, 1)], avoid=[0.5, -0.5]),
    OpCase("addcmul", lambda lib, x, a, b: lib.addcmul(x, a, b), [(2, 3), (2, 3), (2, 3)]),
    OpCase("addcmul_bcast_value", lambda lib, x, a, b: x.addcmul(a, b, value=-0.5), [(3,), (2, 1), (2, 3)]),
    OpCase("addcdiv", lambda lib, x, a, b: lib.addcdiv(x, a, b, value=2.0), [(2, 3), (2, 3), (3,)], low=0.5),
    OpCase("addcmul_inplace", lambda lib, x, a, b: (x * 1).addcmul_(a, b, value=3.0), [(2, 3), (2, 3), (3,)]),
    OpCase("addcdiv_inplace", lambda lib, x, a, b: (x * 1).addcdiv_(a, b), [(2, 3), (2, 3), (2, 3)], low=0.5),
    OpCase("lerp_inplace", lambda lib, x, y: (x * 1).lerp_(y, 0.25), [(2, 3), (2, 3)]),
    # views and shapes
    OpCase("select", lambda lib, x: lib.select(x, 1, 2), [(2, 4, 3)]),
    OpCase("select_neg", lambda lib, x: x.select(-1, -1), [(2, 4, 3)]),
    OpCase("select_1d", lambda lib, x: x.select(0, 1) * x.select(0, 2), [(4,)]),
    OpCase("sum_to_size", lambda lib, x: x.sum_to_size(1, 3), [(2, 4, 3)]),
    OpCase("sum_to_size_tuple", lambda lib, x: x.sum_to_size((4, 1)), [(2, 4, 3)]),
    OpCase("clone", lambda lib, x: lib.clone(x) * 2, [(2, 3)]),
    # structure
    OpCase("repeat_interleave_int", lambda lib, x: x.repeat_interleave(2, dim=1), [(2, 3)]),
    OpCase("repeat_interleave_flat", lambda lib, x: lib.repeat_interleave(x, 3), [(2, 2)]),
    OpCase("repeat_interleave_tensor", lambda lib, x: lib.repeat_interleave(x, _w(lib, x), dim=-1), [(2, 3)]),
    OpCase("repeat_interleave_one", lambda lib, x: x.repeat_interleave(lib.tensor([2], device=x.device), dim=0), [(3, 2)]),
    OpCase("diag_vec", lambda lib, x: lib.diag(x), [(3,)]),
    OpCase("diag_vec_offset", lambda lib, x: lib.diag(x, 2)[1:, :4] + lib.diag(x, -1), [(3,)]),
    OpCase("diag_mat", lambda lib, x: lib.diag(x), [(3, 4)]),
    OpCase("diag_mat_offset", lambda lib, x: x.diag(-1), [(3, 4)]),
    OpCase("diag_embed", lambda lib, x: lib.diag_embed(x), [(2, 3)]),
    OpCase("diag_embed_dims", lambda lib, x: lib.diag_embed(x, 1, 0, 2), [(2, 3)]),
    OpCase("trace", lambda lib, x: lib.trace(x), [(3, 4)]),
    OpCase("meshgrid_ij", lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), [(2,), (3,)]),
    OpCase("meshgrid_xy3", lambda lib, x, y, z: lib.meshgrid([x, y, z], indexing="xy"), [(2,), (3,), (4,)]),
    OpCase("cross", lambda lib, x, y: lib.cross(x, y, dim=1), [(2, 3, 4), (2, 3, 4)]),
    OpCase("cross_bcast", lambda lib, x, y: lib.cross(x, y, dim=-1), [(4, 3), (1, 3)]),
    OpCase("cross_method", lambda lib, x, y: x.cross(y, dim=0), [(3, 2), (3, 2)]),
    # distances
    OpCase("cdist_p2", lambda lib, x, y: lib.cdist(x, y), [(4, 3), (5, 3)]),
    OpCase("cdist_p2_batch", lambda lib, x, y: lib.cdist(x, y), [(2, 1, 4, 3), (3, 5, 3)]),
    OpCase("cdist_p1", lambda lib, x, y: lib.cdist(x, y, p=1), [(4, 3), (5, 3)]),
    OpCase("cdist_p3", lambda lib, x, y: lib.cdist(x, y, p=3), [(2, 4, 3), (2, 5, 3)]),
    OpCase("cdist_p1_5", lambda lib, x, y: lib.cdist(x, y, p=1.5), [(4, 3), (5, 3)]),
    OpCase("cdist_p0_5", lambda lib, x, y: lib.cdist(x, y, p=0.5), [(4, 3), (5, 3)]),
    OpCase("cdist_inf", lambda lib, x, y: lib.cdist(x, y, p=float("inf")), [(4, 3), (5, 3)], gradgrad=False),
    OpCase("cdist_p0", lambda lib, x, y: lib.cdist(x, y, p=0), [(4, 3), (5, 3)], gradgrad=False),
    OpCase("cdist_mm", lambda lib, x, y: lib.cdist(x, y, compute_mode="use_mm_for_euclid_dist"),
           [(2, 4, 3), (5, 3)]),
    OpCase("cdist_no_mm", lambda lib, x, y: lib.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist"),
           [(30, 3), (27, 3)], gradgrad=False),
    OpCase("dist", lambda lib, x, y: lib.dist(x, y), [(2, 3), (3,)]),
    OpCase("dist_p3", lambda lib, x, y: x.dist(y, 3), [(2, 3), (2, 3)]),
    OpCase("dist_inf", lambda lib, x, y: lib.dist(x, y, float("inf")), [(2, 3), (2, 3)], gradgrad=False),
    OpCase("dist_p1", lambda lib, x, y: lib.dist(x, y, 1), [(2, 3), (2, 3)], gradgrad=False),
    # special functions
    OpCase("erfinv", lambda lib, x: lib.erfinv(x), [(3, 4)], low=-0.95, high=0.95),
    OpCase("erfinv_method", lambda lib, x: x.erfinv(), [(5,)], low=-0.3, high=0.3),
    OpCase("lgamma", lambda lib, x: lib.lgamma(x), [(3, 4)], low=0.1, high=12.0),
    OpCase("lgamma_negative", lambda lib, x: x.lgamma(), [(3, 4)], low=-3.9, high=0.9, avoid=[-3, -2, -1, 0]),
    OpCase("digamma", lambda lib, x: lib.digamma(x), [(3, 4)], low=0.2, high=30.0),
    OpCase("digamma_negative", lambda lib, x: x.digamma(), [(3, 4)], low=-2.9, high=0.9, avoid=[-2, -1, 0]),
    OpCase("polygamma1", lambda lib, x: lib.polygamma(1, x), [(3, 4)], low=0.2, high=25.0),
    OpCase("polygamma2", lambda lib, x: x.polygamma(2), [(3, 4)], low=0.3, high=5.0),
    OpCase("polygamma3_negative", lambda lib, x: lib.polygamma(3, x), [(3, 4)], low=-1.8, high=-0.2,
           avoid=[-1]),
    OpCase("mvlgamma", lambda lib, x: lib.mvlgamma(x, 3), [(2, 3)], low=1.2, high=6.0),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def _z(a, **kw):
    return zoo_core.tensor(a, **kw)


def _t(a, **kw):
    return torch.tensor(a, **kw)


# ---- equal / isclose / allclose ----------------------------------------------------------------------
def test_equal():
    a = _z([[1.0, 2.0], [3.0, 4.0]])
    assert zoo_core.equal(a, a.clone()) is True
    assert zoo_core.equal(a, _z([[1.0, 2.0], [3.0, 5.0]])) is False
    assert zoo_core.equal(a, _z([1.0, 2.0])) is False                  # no broadcasting
    assert zoo_core.equal(_z([[1.0, 2.0]]), _z([1.0, 2.0])) is False
    assert zoo_core.equal(_z([1, 2]), _z([1.0, 2.0])) is True          # values compared after promotion
    assert zoo_core.equal(_z([True, False]), _z([1, 0])) is True
    n = _z([1.0, NAN])
    assert zoo_core.equal(n, n) is False                               # nan != nan, even for one tensor
    assert a.equal(a.t().t()) and not a.equal(a.t())
    assert zoo_core.equal(zoo_core.ones(0), zoo_core.ones(0))
    nc = zoo_core.from_numpy(np.arange(6.0).reshape(2, 3).T)          # non-contiguous
    assert zoo_core.equal(nc, _z(np.arange(6.0).reshape(2, 3).T.copy()))
    with pytest.raises(TypeError, match="equal.*'other'.*must be Tensor, not list"):
        zoo_core.equal(a, [1, 2])


def test_isclose_values_match_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    y = x + rng.choice([0.0, 1e-9, 1e-6, 1e-4, 1e-2], size=x.shape) * rng.choice([-1, 1], size=x.shape)
    for dt in ("float32", "float64"):
        for kw in ({}, {"rtol": 1e-3}, {"atol": 1e-3, "rtol": 0.0}, {"rtol": 0.0, "atol": 0.0}):
            got = zoo_core.isclose(_z(x, dtype=getattr(zoo_core, dt)), _z(y, dtype=getattr(zoo_core, dt)), **kw)
            want = torch.isclose(_t(x, dtype=getattr(torch, dt)), _t(y, dtype=getattr(torch, dt)), **kw)
            assert got.dtype == zoo_core.bool
            assert got.tolist() == want.tolist(), (dt, kw)


def test_isclose_is_asymmetric_like_torch():
    # |a - b| <= atol + rtol * |b|: the tolerance scales with `other` only
    a, b = _z([1.1]), _z([1.0])
    assert zoo_core.isclose(a, b, rtol=0.1, atol=0.0).tolist() == [False]
    assert zoo_core.isclose(b, a, rtol=0.1, atol=0.0).tolist() == [True]
    assert torch.isclose(_t([1.1]), _t([1.0]), rtol=0.1, atol=0.0).tolist() == [False]


def test_isclose_broadcasting():
    a = _z([[1.0], [2.0], [3.0]])
    b = _z([1.0, 2.0 + 1e-7, 2.5])
    got = zoo_core.isclose(a, b)
    assert got.shape == (3, 3)
    want = torch.isclose(_t([[1.0], [2.0], [3.0]]), _t([1.0, 2.0 + 1e-7, 2.5]))
    assert got.tolist() == want.tolist()
    with pytest.raises(RuntimeError, match=r"isclose.*\(2,\) and \(3,\)"):
        zoo_core.isclose(zoo_core.ones(2), zoo_core.ones(3))


def test_isclose_nan_and_inf():
    x = [INF, -INF, NAN, 1.0, INF, NAN, 0.0]
    y = [INF, INF, NAN, INF, 1e38, 1.0, -0.0]
    for eq_nan in (False, True):
        got = zoo_core.isclose(_z(x), _z(y), equal_nan=eq_nan).tolist()
        assert got == torch.isclose(_t(x), _t(y), equal_nan=eq_nan).tolist()
    assert zoo_core.isclose(_z(x), _z(y)).tolist() == [True, False, False, False, False, False, True]
    assert zoo_core.isclose(_z(x), _z(y), equal_nan=True).tolist()[2] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # inf - inf must not leak a numpy RuntimeWarning
        zoo_core.isclose(_z([INF]), _z([INF]))


def test_isclose_integers_and_bools():
    cases = [([1, 2, 3], [1, 2, 4], {}), ([1, 2, 3], [1, 2, 4], {"atol": 1}),
             ([1, 2], [1, 3], {"rtol": 0.5, "atol": 0})]
    for a, b, kw in cases:
        assert zoo_core.isclose(_z(a), _z(b), **kw).tolist() == torch.isclose(_t(a), _t(b), **kw).tolist()
    u8 = dict(dtype=zoo_core.uint8)
    # no unsigned wrap-around: 1 - 10 is 9 apart, not 247
    assert zoo_core.isclose(_z([1, 2], **u8), _z([10, 3], **u8), rtol=0, atol=1).tolist() == [False, True]
    assert torch.isclose(_t([1, 2], dtype=torch.uint8), _t([10, 3], dtype=torch.uint8), rtol=0, atol=1).tolist() \
        == [False, True]
    assert zoo_core.isclose(_z([True, False]), _z([True, True])).tolist() == [True, False]


def test_isclose_errors():
    a = zoo_core.ones(2)
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        zoo_core.isclose(a, zoo_core.ones(2, dtype=zoo_core.float64))
    with pytest.raises(RuntimeError, match="Float did not match Long"):
        zoo_core.allclose(a, _z([1, 1]))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero, but got -1"):
        zoo_core.isclose(a, a, rtol=-1)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        a.isclose(a, atol=-1e-3)
    with pytest.raises(TypeError, match=r"isclose\(\): argument 'other' \(position 2\) must be Tensor, not float"):
        zoo_core.isclose(a, 1.0)


def test_allclose():
    x = _z([1.0, 2.0, 3.0])
    assert zoo_core.allclose(x, x + 1e-7) is True
    assert zoo_core.allclose(x, x + 1e-3) is False
    assert zoo_core.allclose(x, x + 1e-3, atol=1e-2) is True
    assert x.allclose(x * (1 + 1e-4), rtol=1e-3)
    assert zoo_core.allclose(_z([[1.0], [1.0]]), _z([1.0, 1.0, 1.0]))          # broadcast
    n = _z([1.0, NAN])
    assert not zoo_core.allclose(n, n) and zoo_core.allclose(n, n, equal_nan=True)
    assert zoo_core.allclose(_z([INF, -INF]), _z([INF, -INF]))
    assert not zoo_core.allclose(_z([INF]), _z([-INF]))
    assert zoo_core.allclose(zoo_core.ones(0), zoo_core.ones(0))
    w = zoo_core.ones(2, requires_grad=True)
    assert zoo_core.allclose(w, w * 1) and zoo_core.isclose(w, w).requires_grad is False
    with pytest.raises(RuntimeError, match=r"must match the size of tensor b \(3\)"):
        zoo_core.allclose(zoo_core.ones(2, 1, 2), zoo_core.ones(3))
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.standard_normal(6)
        b = a + rng.standard_normal(6) * 10.0 ** rng.integers(-9, -3)
        assert zoo_core.allclose(_z(a), _z(b)) == torch.allclose(_t(a), _t(b))


# ---- predicates, clone, detach -------------------------------------------------------------------------
def test_predicates():
    x = zoo_core.ones(2, 3)
    assert zoo_core.numel(x) == 6 and zoo_core.numel(zoo_core.tensor(1.0)) == 1
    assert zoo_core.is_tensor(x) and not zoo_core.is_tensor(np.ones(2)) and not zoo_core.is_tensor([1])
    assert zoo_core.is_floating_point(x) and not zoo_core.is_floating_point(_z([1]))
    assert zoo_core.is_floating_point(zoo_core.ones(1, dtype=zoo_core.float16))
    assert not zoo_core.is_complex(x) and not x.is_complex()
    assert zoo_core.is_same_size(x, zoo_core.zeros(2, 3)) and not x.is_same_size(zoo_core.zeros(3, 2))
    assert zoo_core.is_nonzero(_z([0.5])) is True and zoo_core.is_nonzero(_z(0)) is False
    assert zoo_core.is_nonzero(_z([[NAN]])) is True and _z([False]).is_nonzero() is False
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        zoo_core.is_nonzero(_z([1, 2]))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        zoo_core.is_nonzero(zoo_core.ones(0))
    with pytest.raises(TypeError, match="numel.*must be Tensor, not list"):
        zoo_core.numel([1, 2])


def test_clone_and_detach_functional():
    x = _z([1.0, 2.0], requires_grad=True)
    c = zoo_core.clone(x)
    c.backward(_z([1.0, 1.0]))
    assert x.grad.tolist() == [1.0, 1.0]
    assert c.data_ptr() != x.data_ptr()
    d = zoo_core.detach(x)
    assert not d.requires_grad and d.data_ptr() == x.data_ptr()


# ---- Tensor.new_* -----------------------------------------------------------------------------------------
def test_new_factories():
    x = zoo_core.ones(2, dtype=zoo_core.float64)
    for fn, fill in (("new_zeros", 0.0), ("new_ones", 1.0)):
        for args in ((2, 3), ((2, 3),), ([2, 3],), (zoo_core.Size([2, 3]),)):
            t = getattr(x, fn)(*args)
            assert t.shape == (2, 3) and t.dtype == zoo_core.float64 and t.device == x.device
            assert (t.numpy() == fill).all()
    assert x.new_zeros(()).shape == () and x.new_zeros(0).shape == (0,)
    assert x.new_ones(2, dtype=zoo_core.int32).dtype == zoo_core.int32
    g = x.new_zeros(3, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    assert x.new_empty(4, 5).shape == (4, 5) and x.new_empty((1,)).dtype == zoo_core.float64
    f = _z([1, 2], dtype=zoo_core.int32).new_full((2,), 3.7)
    assert f.dtype == zoo_core.int32 and f.tolist() == [3, 3]          # cast to self's dtype, as torch
    assert x.new_full([2, 2], 7).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.new_zeros(-1)


def test_new_tensor_and_legacy_new():
    x = zoo_core.ones(2)                       # float32
    t = x.new_tensor([1, 2])
    assert t.dtype == zoo_core.float32 and t.tolist() == [1.0, 2.0]
    assert _z([1]).new_tensor([1.5, 2.7]).tolist() == [1, 2]          # self's dtype (int64) wins, as torch
    assert x.new_tensor([1, 2], dtype=zoo_core.int32).dtype == zoo_core.int32
    src = _z([3.0, 4.0], dtype=zoo_core.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="recommended to use sourceTensor.detach"):
        c = x.new_tensor(src)
    assert c.dtype == zoo_core.float32 and not c.requires_grad and c.tolist() == [3.0, 4.0]
    assert x.new_tensor(np.array([1, 2]), requires_grad=True).requires_grad
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == zoo_core.float32
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new((2, 3)).tolist() == [2.0, 3.0]
    assert x.new().shape == (0,) and x.new(zoo_core.Size([2, 3])).shape == (2, 3)


# ---- select / sum_to_size / in-place shape methods -----------------------------------------------------------
def test_select_is_a_view():
    base = zoo_core.arange(12.0).reshape(3, 4)
    row = base.select(0, 1)
    col = zoo_core.select(base, 1, -1)
    assert row.tolist() == [4.0, 5.0, 6.0, 7.0] and col.tolist() == [3.0, 7.0, 11.0]
    assert row._base is base._base and col._base is base._base
    col.mul_(10)                                 # writes through to the base, bumps its version
    assert base[2, 3].item() == 110.0 and base._version == 1
    v = zoo_core.arange(3.0).select(0, 2)
    assert v.shape == () and v.item() == 2.0
    v.fill_(9)
    assert v._base.tolist() == [0.0, 1.0, 9.0]


def test_select_inplace_on_view_rebases_gradient():
    x = _z([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    y.select(1, 0).mul_(5)                       # y = [[5, 2], [15, 4]]
    y.sum().backward()
    assert x.grad.tolist() == [[5.0, 1.0], [5.0, 1.0]]


def test_select_errors():
    x = zoo_core.ones(2, 3)
    with pytest.raises(IndexError, match=r"select\(\): index 5 out of range for tensor of size \[2, 3\] at dim"):
        x.select(1, 5)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.select(2, 0)
    with pytest.raises(IndexError, match="0-dim"):
        zoo_core.tensor(1.0).select(0, 0)
    assert x.select(1, -3).shape == (2,)


def test_sum_to_size():
    x = zoo_core.ones(2, 3)
    assert x.sum_to_size(2, 3) is x
    assert x.sum_to_size(3).tolist() == [2.0, 2.0, 2.0]
    assert x.sum_to_size((2, 1)).tolist() == [[3.0], [3.0]]
    assert x.sum_to_size(1, 1).tolist() == [[6.0]]
    with pytest.raises(RuntimeError, match=r"size \{\[4, 3\]\} is not expandable to size \{\[2, 3\]\}"):
        x.sum_to_size(4, 3)
    with pytest.raises(RuntimeError, match="not expandable"):
        x.sum_to_size(2, 3, 1)
    with pytest.raises(TypeError, match="missing"):
        x.sum_to_size()


def test_inplace_shape_methods():
    x = zoo_core.arange(6.0).reshape(2, 3)
    ptr = x.data_ptr()
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3) and x._version == 1
    x.squeeze_()
    assert x.shape == (2, 3)
    x.t_()
    assert x.shape == (3, 2) and x.stride() == (1, 3) and x.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    x.transpose_(0, 1)
    assert x.shape == (2, 3) and x.data_ptr() == ptr and x._version == 4
    x.unsqueeze_(-1).squeeze_(2)
    assert x.shape == (2, 3)
    # a view changed in place stays a view of its base
    b = zoo_core.zeros(2, 3)
    v = b[0]
    v.unsqueeze_(0)
    assert v.shape == (1, 3) and v._base is b
    v.fill_(1)
    assert b.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]


def test_inplace_shape_methods_autograd():
    w = zoo_core.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.unsqueeze_(0)
    y = w * 2
    y.unsqueeze_(0)
    assert y.shape == (1, 2, 3) and y.grad_fn is not None
    (y * _z([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [[2.0, 4.0, 6.0], [2.0, 4.0, 6.0]]
    # a non-leaf view: the view's history follows its new shape, and in-place writes reach the base
    x = _z([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z = x * 1
    r = z[1]
    r.unsqueeze_(0)
    r.mul_(3)
    z.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [3.0, 3.0]]
    with zoo_core.no_grad():
        w.t_()
    assert w.shape == (3, 2)
    # saved tensors see the version bump, as in PyTorch
    a = _z([1.0, 2.0], requires_grad=True)
    s = a * 1
    out = s * s
    s.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ---- three-operand pointwise ---------------------------------------------------------------------------------
def test_lerp_values_and_errors():
    s, e = zoo_core.zeros(3), _z([1.0, 2.0, 4.0])
    assert zoo_core.lerp(s, e, 1.0).tolist() == [1.0, 2.0, 4.0]       # exact at the end point
    assert zoo_core.lerp(s, e, _z([0.0, 0.5, 1.0])).tolist() == [0.0, 1.0, 4.0]
    with pytest.raises(RuntimeError, match="expected dtype zoo_core.float32 for `end` but got dtype zoo_core.float64"):
        zoo_core.lerp(s, e.double(), 0.5)
    with pytest.raises(RuntimeError, match="for `weight`"):
        zoo_core.lerp(s, e, _z([0.5], dtype=zoo_core.float64))
    with pytest.raises(NotImplementedError, match="Long"):
        zoo_core.lerp(_z([0]), _z([1]), 0.5)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        zoo_core.lerp(s, zoo_core.ones(2), 0.5)
    with pytest.raises(TypeError, match="weight"):
        zoo_core.lerp(s, e, "half")
    x = zoo_core.zeros(3)
    assert x.lerp_(e, 0.5) is x and x.tolist() == [0.5, 1.0, 2.0] and x._version == 1
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        zoo_core.zeros(3).lerp_(zoo_core.ones(2, 3), 0.5)


def test_addcmul_addcdiv_semantics():
    i64 = dict(dtype=zoo_core.int64)
    # integer results take an integer value (2.5 -> 2), as torch
    r = zoo_core.addcmul(_z([0, 0], **i64), _z([3, 3], **i64), _z([1, 1], **i64), value=2.5)
    assert r.tolist() == torch.addcmul(_t([0, 0]), _t([3, 3]), _t([1, 1]), value=2.5).tolist() == [6, 6]
    assert zoo_core.addcmul(zoo_core.zeros(3), zoo_core.ones(3), zoo_core.ones(3, dtype=zoo_core.float64)).dtype \
        == zoo_core.float64
    assert zoo_core.addcmul(_z([0, 0]), zoo_core.ones(2), zoo_core.ones(2)).dtype == zoo_core.float32
    assert zoo_core.addcdiv(zoo_core.zeros(2), _z([1, 2]), zoo_core.ones(2)).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        zoo_core.addcdiv(_z([0]), _z([1]), _z([2]))
    with pytest.raises(RuntimeError, match=r"addcmul: shapes \(2,\), \(3,\), \(2,\) cannot be broadcast"):
        zoo_core.addcmul(zoo_core.ones(2), zoo_core.ones(3), zoo_core.ones(2))
    with pytest.raises(TypeError, match="'tensor2' \\(position 3\\) must be Tensor"):
        zoo_core.addcmul(zoo_core.ones(2), zoo_core.ones(2), 2.0)
    d = zoo_core.addcdiv(zoo_core.zeros(2), _z([1.0, 0.0]), _z([0.0, 0.0]))
    assert d.tolist()[0] == INF and math.isnan(d.tolist()[1])


def test_addcmul_inplace_optimizer_path():
    # the Adam update, no grad recorded: written in place, version bumped, aliasing handled
    exp_avg_sq = zoo_core.ones(3)
    grad = _z([1.0, 2.0, 3.0])
    ptr = exp_avg_sq.data_ptr()
    exp_avg_sq.mul_(0.9).addcmul_(grad, grad, value=0.1)
    assert exp_avg_sq.data_ptr() == ptr
    np.testing.assert_allclose(exp_avg_sq.numpy(), [1.0, 1.3, 1.8], rtol=1e-6)
    p = zoo_core.ones(3, requires_grad=True)
    with zoo_core.no_grad():
        p.addcdiv_(grad, exp_avg_sq.sqrt(), value=-0.5)
    want = torch.ones(3).addcdiv_(_t([1.0, 2.0, 3.0]), _t([1.0, 1.3, 1.8]).sqrt(), value=-0.5)
    np.testing.assert_allclose(p.detach().numpy(), want.numpy(), rtol=1e-6)
    assert p.is_leaf and p.grad_fn is None
    x = _z([1.0, 2.0])
    x.addcmul_(x, x)                             # self as an operand
    assert x.tolist() == [2.0, 6.0]
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        zoo_core.ones(3).addcmul_(zoo_core.ones(2, 3), zoo_core.ones(3))
    with pytest.raises(RuntimeError, match="can't be cast"):
        _z([1, 2]).addcmul_(zoo_core.ones(2), zoo_core.ones(2))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p.addcmul_(grad, grad)
    with pytest.raises(RuntimeError, match="expanded tensor"):
        zoo_core.ones(1).expand(3).addcmul_(grad, grad)
    # mixed dtypes take the general path
    h = zoo_core.zeros(2, dtype=zoo_core.float64)
    h.addcmul_(zoo_core.ones(2), zoo_core.ones(2), value=2)
    assert h.tolist() == [2.0, 2.0] and h.dtype == zoo_core.float64


# ---- structure ---------------------------------------------------------------------------------------------
def test_repeat_interleave_matches_torch():
    x = np.arange(6).reshape(2, 3)
    # repeats: an int, or a list / a number in a tuple for a (1-D / 0-d) tensor
    calls = [(2, {}), (2, {"dim": 0}), (3, {"dim": -1}), (0, {"dim": 1}), ([1, 0, 2], {"dim": 1}),
             ([3], {"dim": 0}), ((2,), {"dim": 1}), ([1, 2], {"dim": 0, "output_size": 3}), ([0, 0], {"dim": 0})]
    for reps, kw in calls:
        def run(lib):
            r = lib.tensor(reps) if isinstance(reps, list) else lib.tensor(reps[0]) if isinstance(reps, tuple) \
                else reps
            return lib.repeat_interleave(lib.tensor(x), r, **kw)
        assert run(zoo_core).tolist() == run(torch).tolist(), (reps, kw)
    assert zoo_core.repeat_interleave(_z([2, 0, 3])).tolist() == [0, 0, 2, 2, 2]
    assert zoo_core.tensor(5.0).repeat_interleave(3).tolist() == [5.0, 5.0, 5.0]
    assert zoo_core.repeat_interleave(_z([], dtype=zoo_core.int64)).shape == (0,)


def test_repeat_interleave_errors():
    x = _z([[1, 2], [3, 4]])
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 3 and input.size\(0\) = 2"):
        zoo_core.repeat_interleave(x, _z([1, 2, 3]), dim=0)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        zoo_core.repeat_interleave(x, _z([1, -2]), dim=0)
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        x.repeat_interleave(-1, dim=0)
    with pytest.raises(NotImplementedError, match="integer"):
        x.repeat_interleave(_z([1.0, 2.0]), dim=0)
    with pytest.raises(RuntimeError, match="1D vector"):
        zoo_core.repeat_interleave(_z([[2, 0, 3]]))
    with pytest.raises(RuntimeError, match="allocated size does not match"):
        x.repeat_interleave(_z([1, 2]), dim=0, output_size=4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.repeat_interleave(2, dim=2)


def test_diag_trace_and_errors():
    for k in (-2, -1, 0, 1, 3):
        v = np.array([1, 2, 3])
        m = np.arange(12).reshape(3, 4)
        assert zoo_core.diag(_z(v), k).tolist() == torch.diag(_t(v), k).tolist()
        assert zoo_core.diag(_z(m), k).tolist() == torch.diag(_t(m), k).tolist()
    m = zoo_core.arange(4.0).reshape(2, 2)
    d = zoo_core.diag(m)
    d.add_(100)                                   # a copy, unlike diagonal()
    assert m.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(RuntimeError, match="Supports 1D or 2D tensors. Got 3D"):
        zoo_core.diag(zoo_core.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="Got 0D"):
        zoo_core.diag(zoo_core.tensor(1.0))
    assert zoo_core.trace(_z([[1, 2], [3, 4]], dtype=zoo_core.int32)).dtype == zoo_core.int64
    assert zoo_core.trace(zoo_core.arange(6).view(2, 3)).item() == 4
    with pytest.raises(RuntimeError, match="expected a matrix, but got tensor with dim 1"):
        zoo_core.trace(zoo_core.ones(3))
    with pytest.raises(NotImplementedError, match="Bool"):
        zoo_core.trace(_z([[True]]))
    e = zoo_core.diag_embed(zoo_core.ones(2, 3), offset=-1, dim1=0, dim2=2)
    assert e.shape == torch.diag_embed(torch.ones(2, 3), offset=-1, dim1=0, dim2=2).shape == (4, 2, 4)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        zoo_core.diag_embed(zoo_core.ones(2, 3), 0, 1, 1)


def test_tril_triu_indices_match_torch():
    for row, col in ((0, 3), (3, 0), (1, 1), (3, 3), (3, 5), (5, 2)):
        for off in (-4, -1, 0, 2, 6):
            for name in ("tril_indices", "triu_indices"):
                got = getattr(zoo_core, name)(row, col, off)
                want = getattr(torch, name)(row, col, off)
                assert got.dtype == zoo_core.int64 and got.shape == tuple(want.shape), (name, row, col, off)
                assert got.tolist() == want.tolist(), (name, row, col, off)
    assert zoo_core.tril_indices(3, 3, dtype=zoo_core.int32).dtype == zoo_core.int32
    with pytest.raises(RuntimeError, match="non-negative"):
        zoo_core.triu_indices(-1, 3)


def test_meshgrid_semantics():
    a, b = _z([1, 2]), _z([3, 4, 5])
    with pytest.warns(UserWarning, match="required to pass the indexing argument"):
        gx, gy = zoo_core.meshgrid(a, b)
    assert gx.tolist() == [[1, 1, 1], [2, 2, 2]] and gy.tolist() == [[3, 4, 5], [3, 4, 5]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs = zoo_core.meshgrid(a, b, _z([7]), indexing="xy")
    ts = torch.meshgrid(_t([1, 2]), _t([3, 4, 5]), _t([7]), indexing="xy")
    assert [x.tolist() for x in xs] == [t.tolist() for t in ts]
    assert zoo_core.meshgrid(a, indexing="xy")[0].tolist() == [1, 2]
    assert [g.shape for g in zoo_core.meshgrid(a, _z(9), indexing="ij")] == [(2, 1), (2, 1)]
    assert gx._base is a                                   # views of the inputs
    with pytest.raises(RuntimeError, match="same dtype"):
        zoo_core.meshgrid(a, _z([1.0]), indexing="ij")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        zoo_core.meshgrid(a, _z([[1, 2]]), indexing="ij")
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij", but received: foo'):
        zoo_core.meshgrid(a, indexing="foo")
    with pytest.raises(RuntimeError, match="non-empty"):
        zoo_core.meshgrid(indexing="ij")


def test_cross_semantics():
    x, y = zoo_core.ones(3, 4), zoo_core.arange(12.0).reshape(3, 4)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        got = zoo_core.cross(x, y)                        # the first dim of size 3
    want = torch.cross(torch.ones(3, 4), torch.arange(12.0).reshape(3, 4), dim=0)
    assert got.tolist() == want.tolist()
    assert zoo_core.cross(_z([1, 0, 0]), _z([0, 1, 0]), dim=0).tolist() == [0, 0, 1]   # integers work
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        zoo_core.cross(zoo_core.ones(2, 3), zoo_core.ones(3), dim=-1)
    with pytest.raises(RuntimeError, match="dimension 1 must have length 3. Got 4 and 4"):
        zoo_core.cross(x, y, dim=1)
    with pytest.raises(RuntimeError, match="same dtype"):
        zoo_core.cross(x, y.double(), dim=0)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="no dimension of size 3"):
        zoo_core.cross(zoo_core.ones(2, 4), zoo_core.ones(2, 4))
    from zoo_core.ops.misc import linalg_cross
    assert linalg_cross(zoo_core.ones(2, 3), zoo_core.ones(1, 3)).shape == (2, 3)


# ---- counting ----------------------------------------------------------------------------------------------
def test_bincount_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, size=40)
    w = rng.standard_normal(40)
    assert zoo_core.bincount(_z(x)).tolist() == torch.bincount(_t(x)).tolist()
    assert zoo_core.bincount(_z(x), minlength=12).tolist() == torch.bincount(_t(x), minlength=12).tolist()
    for wd, want_dt in (("float32", zoo_core.float32), ("float64", zoo_core.float64), ("int64", zoo_core.float64)):
        zw = zoo_core.from_numpy(w.astype(wd) if wd != "int64" else np.arange(40))
        tw = torch.from_numpy(w.astype(wd) if wd != "int64" else np.arange(40))
        got = zoo_core.bincount(_z(x), zw)
        assert got.dtype == want_dt
        np.testing.assert_allclose(got.numpy(), torch.bincount(_t(x), tw).numpy(), rtol=1e-5, atol=1e-6)
    assert zoo_core.bincount(_z([1, 1, 3], dtype=zoo_core.uint8)).tolist() == [0, 2, 0, 1]
    assert zoo_core.bincount(_z([], dtype=zoo_core.int64)).tolist() == []
    assert zoo_core.bincount(_z(x)).dtype == zoo_core.int64
    # differentiable in the weights (PyTorch has no derivative here)
    wt = _z([0.5, 1.0, 2.0], requires_grad=True)
    zoo_core.bincount(_z([1, 1, 3]), wt).backward(_z([10.0, 20.0, 30.0, 40.0]))
    assert wt.grad.tolist() == [20.0, 20.0, 40.0]


def test_bincount_errors():
    with pytest.raises(RuntimeError, match="1-d non-negative integral"):
        zoo_core.bincount(_z([-1, 1]))
    with pytest.raises(RuntimeError, match="1-d non-negative integral"):
        zoo_core.bincount(_z([[1, 1]]))
    with pytest.raises(NotImplementedError, match="integral"):
        zoo_core.bincount(_z([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        zoo_core.bincount(_z([1]), minlength=-1)
    with pytest.raises(RuntimeError, match="same length as input"):
        zoo_core.bincount(_z([1, 1]), weights=zoo_core.ones(3))


def test_histc_matches_torch():
    rng = np.random.default_rng(1)
    # (values exactly on interior bin edges are left out: PyTorch's CPU edges depend on its SIMD width)
    data = [rng.standard_normal(500), rng.uniform(0, 1, 300), np.array([1.0, 2, 1, 5, -1]),
            np.array([1.0, 1.0]), np.array([0.0, 1.0, 0.11, 0.999999, 0.31, 0.73])]
    for arr in data:
        for dt in ("float32", "float64"):
            a = arr.astype(dt)
            for bins, lo, hi in ((100, 0, 0), (4, 0, 3), (10, 0, 1), (7, -1.5, 0.5), (3, 2, 2)):
                got = zoo_core.histc(zoo_core.from_numpy(a), bins=bins, min=lo, max=hi)
                want = torch.histc(torch.from_numpy(a), bins=bins, min=lo, max=hi)
                assert got.dtype == getattr(zoo_core, dt)
                assert got.tolist() == want.tolist(), (arr[:5], dt, bins, lo, hi)
    # an edge value opens its bin; the top edge closes the last one
    edges = zoo_core.linspace(0, 1, 11, dtype=zoo_core.float64)
    assert zoo_core.histc(edges, bins=10, min=0, max=1).tolist() == [1.0] * 9 + [2.0]
    assert zoo_core.histc(_z([1.0, NAN]), bins=4, min=0, max=2).tolist() == [0.0, 0.0, 1.0, 0.0]
    assert zoo_core.histc(zoo_core.ones(0), bins=3).tolist() == [0.0, 0.0, 0.0]
    assert zoo_core.ones(3).histc(bins=4).tolist() == [0.0, 0.0, 3.0, 0.0]
    nc = zoo_core.from_numpy(np.arange(12.0).reshape(3, 4).T)
    assert zoo_core.histc(nc, bins=3).tolist() == [4.0, 4.0, 4.0]


def test_histc_errors():
    with pytest.raises(NotImplementedError, match="Long"):
        zoo_core.histc(_z([1, 2]), bins=4)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        zoo_core.histc(_z([1.0]), bins=0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        zoo_core.histc(_z([1.0]), bins=4, min=3, max=1)
    with pytest.raises(RuntimeError, match="is not finite"):
        zoo_core.histc(_z([1.0, NAN]), bins=4)
    with pytest.raises(RuntimeError, match="is not finite"):
        zoo_core.histc(_z([1.0, INF]), bins=4)


# ---- distances ---------------------------------------------------------------------------------------------
def _cdist_both(a, b, p, **kw):
    za = zoo_core.from_numpy(a).requires_grad_()
    zb = zoo_core.from_numpy(b).requires_grad_()
    ta = torch.from_numpy(a).requires_grad_()
    tb = torch.from_numpy(b).requires_grad_()
    zd, td = zoo_core.cdist(za, zb, p, **kw), torch.cdist(ta, tb, p)
    g = np.random.default_rng(5).standard_normal(td.shape)
    zd.backward(zoo_core.from_numpy(g.astype(a.dtype)))
    td.backward(torch.from_numpy(g.astype(a.dtype)))
    return zd, td, (za.grad, zb.grad), (ta.grad, tb.grad)


def test_cdist_zero_distance_gradient_is_zero_like_torch():
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    b = np.array([[0.0, 0.0], [1.0, 0.0]])
    for p in (0.0, 0.5, 1.0, 2.0, 3.0, INF):
        zd, td, zg, tg = _cdist_both(a, b, p)
        np.testing.assert_allclose(zd.detach().numpy(), td.detach().numpy(), rtol=1e-12, err_msg=str(p))
        for z, t in zip(zg, tg):
            assert np.isfinite(z.numpy()).all()
            np.testing.assert_allclose(z.numpy(), t.numpy(), rtol=1e-12, atol=1e-12, err_msg=str(p))


def test_cdist_large_uses_matmul_and_stays_accurate():
    rng = np.random.default_rng(2)
    # far from the origin, where the plain |a|^2 + |b|^2 - 2ab formula cancels badly
    a = rng.standard_normal((300, 200)) + 1000.0
    b = rng.standard_normal((280, 200)) + 1000.0
    exact = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        got = zoo_core.cdist(zoo_core.from_numpy(a), zoo_core.from_numpy(b), compute_mode=mode).numpy()
        np.testing.assert_allclose(got, exact, rtol=1e-10, err_msg=mode)
    got32 = zoo_core.cdist(zoo_core.from_numpy(a.astype(np.float32)), zoo_core.from_numpy(b.astype(np.float32)))
    assert got32.dtype == zoo_core.float32
    np.testing.assert_allclose(got32.numpy(), exact, rtol=2e-3)
    zd, td, zg, tg = _cdist_both(a[:20], b[:25], 2.0)   # sizes where torch forms differences too
    for z, t in zip(zg, tg):
        np.testing.assert_allclose(z.numpy(), t.numpy(), rtol=1e-8, atol=1e-10)


def test_cdist_matmul_path_zero_distances():
    a = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5], [1.0, 2.0, 3.0]])
    x = zoo_core.from_numpy(a).requires_grad_()
    d = zoo_core.cdist(x, x, compute_mode="use_mm_for_euclid_dist")
    np.testing.assert_allclose(np.diag(d.detach().numpy()), 0.0, atol=1e-7)
    assert d[0, 2].item() == pytest.approx(0.0, abs=1e-7)
    d.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cdist_shapes_and_errors():
    assert zoo_core.cdist(zoo_core.ones(5, 1, 2, 3), zoo_core.ones(4, 4, 3)).shape == (5, 4, 2, 4)
    assert zoo_core.cdist(zoo_core.ones(0, 3), zoo_core.ones(4, 3)).shape == (0, 4)
    assert zoo_core.cdist(zoo_core.ones(2, 0), zoo_core.ones(4, 0)).tolist() == [[0.0] * 4] * 2
    with pytest.raises(RuntimeError, match="same number of columns. X1: 3 X2: 2"):
        zoo_core.cdist(zoo_core.ones(2, 3), zoo_core.ones(4, 2))
    with pytest.raises(RuntimeError, match="at least 2D tensors, X1 got: 1D"):
        zoo_core.cdist(zoo_core.ones(3), zoo_core.ones(4, 3))
    with pytest.raises(RuntimeError, match="non-negative p"):
        zoo_core.cdist(zoo_core.ones(2, 3), zoo_core.ones(4, 3), p=-1)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        zoo_core.cdist(zoo_core.ones(2, 3), zoo_core.ones(4, 3, dtype=zoo_core.float64))
    with pytest.raises(RuntimeError, match="floating-point dtypes, X1 got: Long"):
        zoo_core.cdist(_z([[1, 2]]), _z([[1, 2]]))
    with pytest.raises(ValueError, match="compute_mode"):
        zoo_core.cdist(zoo_core.ones(2, 3), zoo_core.ones(4, 3), compute_mode="fast")


def test_dist_semantics():
    a, b = zoo_core.ones(2, 3), zoo_core.zeros(3)
    for p in (2, 0, 1, 3, INF, -INF, -2):
        want = torch.dist(torch.ones(2, 3), torch.zeros(3), p).item()
        np.testing.assert_allclose(zoo_core.dist(a, b, p).item(), want, rtol=1e-6)
    assert zoo_core.dist(a, b.double()).dtype == zoo_core.float64
    x = zoo_core.ones(3, requires_grad=True)
    zoo_core.dist(x, zoo_core.ones(3)).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]                         # zero distance: zero gradient
    with pytest.raises(RuntimeError, match="floating point"):
        zoo_core.dist(_z([1, 2]), _z([1, 2]))


# ---- special functions -------------------------------------------------------------------------------------
def _special_points():
    rng = np.random.default_rng(4)
    return np.concatenate([rng.uniform(-30, 30, 400), rng.uniform(0, 3, 200), np.logspace(-8, 8, 60),
                           -np.logspace(-8, 4, 60) + 0.25, [0.5, 1.0, 2.0, 3.0, 1.5, 1e-300, 1e300]])


@pytest.mark.parametrize("name", ["lgamma", "digamma", "polygamma1", "polygamma2", "polygamma4"])
def test_gamma_family_accuracy_float64(name):
    x = _special_points()
    x = x[~((x <= 0) & (x == np.floor(x)))]
    if name.startswith("polygamma"):
        n = int(name[-1])
        x = x[np.abs(x) < 1e4]   # torch's polygamma loses accuracy itself for huge |x|
        got = zoo_core.polygamma(n, zoo_core.from_numpy(x)).numpy()
        want = torch.polygamma(n, torch.from_numpy(x)).numpy()
    else:
        got = getattr(zoo_core, name)(zoo_core.from_numpy(x)).numpy()
        want = getattr(torch, name)(torch.from_numpy(x)).numpy()
    ok = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), ok)
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-9, atol=1e-10 * np.maximum(1, np.abs(want[ok])).max()
                               if name == "polygamma2" else 1e-10)


def test_special_functions_float32_and_ints():
    x = np.linspace(0.05, 20, 300).astype(np.float32)
    for name in ("lgamma", "digamma"):
        got = getattr(zoo_core, name)(zoo_core.from_numpy(x))
        assert got.dtype == zoo_core.float32
        np.testing.assert_allclose(got.numpy(), getattr(torch, name)(torch.from_numpy(x)).numpy(), rtol=1e-5,
                                   atol=1e-5)
    assert zoo_core.lgamma(_z([1, 3])).dtype == zoo_core.float32
    assert zoo_core.lgamma(_z([1, 2, 3])).tolist() == [0.0, 0.0, pytest.approx(math.log(2.0))]
    assert zoo_core.erfinv(_z([1, 0])).tolist() == [INF, 0.0]
    np.testing.assert_allclose(zoo_core.digamma(_z([True])).numpy(), [-0.5772157], rtol=1e-6)


def test_special_values_match_torch():
    pts = [0.0, -0.0, -1.0, -2.0, INF, -INF, NAN, 1e-300, -2.5, 1.0]
    x64 = np.array(pts)
    for fn in ("lgamma", "digamma"):
        got = getattr(zoo_core, fn)(zoo_core.from_numpy(x64)).numpy()
        want = getattr(torch, fn)(torch.from_numpy(x64)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=fn)   # equal_nan, equal infinities
    y = np.array([-1.0, 1.0, 1.5, -2.0, NAN, 0.0, -0.0, 1 - 1e-16, 1e-300, -0.999999999])
    got = zoo_core.erfinv(zoo_core.from_numpy(y)).numpy()
    np.testing.assert_allclose(got, torch.erfinv(torch.from_numpy(y)).numpy(), rtol=1e-13)
    assert np.signbit(got[6])
    # the poles of polygamma(n >= 1): +inf for odd n, -inf for even n
    assert zoo_core.polygamma(1, _z([0.0, -3.0])).tolist() == [INF, INF]
    assert zoo_core.polygamma(2, _z([0.0, -3.0])).tolist() == [-INF, -INF]
    assert zoo_core.polygamma(1, _z([INF])).tolist() == [0.0]


def test_erfinv_accuracy():
    rng = np.random.default_rng(7)
    y = np.concatenate([rng.uniform(-1, 1, 20000), 1 - np.logspace(-16, -1, 300), -1 + np.logspace(-16, -1, 300),
                        np.logspace(-300, -1, 100)])
    got = zoo_core.erfinv(zoo_core.from_numpy(y)).numpy()
    want = torch.erfinv(torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # round trip through erf
    from zoo_core.ops.unary import erf_array
    mid = y[np.abs(y) < 0.99]
    np.testing.assert_allclose(erf_array(np, zoo_core.erfinv(zoo_core.from_numpy(mid)).numpy()), mid, rtol=1e-14,
                               atol=1e-16)
    y32 = rng.uniform(-1, 1, 5000).astype(np.float32)
    got32 = zoo_core.erfinv(zoo_core.from_numpy(y32))
    assert got32.dtype == zoo_core.float32
    np.testing.assert_allclose(got32.numpy(), torch.erfinv(torch.from_numpy(y32)).numpy(), rtol=3e-7, atol=1e-7)


def test_special_gradients_of_any_order():
    # lgamma' = digamma, digamma' = polygamma(1), polygamma(1)' = polygamma(2): third derivatives match torch
    for fn in ("lgamma", "digamma", "erfinv"):
        xz = _z([0.3, 0.7, -0.4] if fn == "erfinv" else [0.3, 2.5, -1.5], dtype=zoo_core.float64, requires_grad=True)
        xt = _t(xz.tolist(), dtype=torch.float64, requires_grad=True)
        gz = getattr(zoo_core, fn)(xz).sum()
        gt = getattr(torch, fn)(xt).sum()
        for _ in range(3):
            (gz,) = zoo_core.autograd.grad(gz, xz, create_graph=True)
            (gt,) = torch.autograd.grad(gt, xt, create_graph=True)
            np.testing.assert_allclose(gz.detach().numpy(), gt.detach().numpy(), rtol=1e-9, err_msg=fn)
            gz, gt = gz.sum(), gt.sum()


def test_special_errors_and_inplace_methods():
    with pytest.raises(RuntimeError, match="does not support negative n"):
        zoo_core.polygamma(-1, zoo_core.ones(2))
    with pytest.raises(TypeError, match="'n' must be int"):
        zoo_core.polygamma(1.5, zoo_core.ones(2))
    # as PyTorch 2.13: no domain check, lgamma's values below (p-1)/2
    np.testing.assert_allclose(zoo_core.mvlgamma(_z([0.4, 3.0]), 2).numpy(), [3.7380, 1.5502], atol=1e-4)
    x = _z([1.0, 2.0, 3.0])
    x.lgamma_()
    assert x.tolist() == [0.0, 0.0, pytest.approx(math.log(2.0))]
    y = _z([0.5])
    y.erfinv_()
    np.testing.assert_allclose(y.numpy(), [0.4769362762], rtol=1e-7)
    z = _z([1.0])
    z.polygamma_(1)
    np.testing.assert_allclose(z.numpy(), [math.pi ** 2 / 6], rtol=1e-6)
    d = _z([1.0])
    d.digamma_()
    np.testing.assert_allclose(d.numpy(), [-0.5772157], rtol=1e-6)
    np.testing.assert_allclose(_z([2.5, 3.0]).mvlgamma(2).numpy(), [0.8570, 1.5502], atol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # poles and nan produce no numpy warnings
        zoo_core.lgamma(_z([0.0, -1.0, NAN, INF, -INF]))
        zoo_core.digamma(_z([0.0, -1.0, NAN, INF, -INF]))
        zoo_core.polygamma(3, _z([0.0, -1.0, NAN, INF, -INF]))
        zoo_core.erfinv(_z([1.0, -1.0, 2.0, NAN]))
