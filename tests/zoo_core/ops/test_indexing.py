import numpy as np
import pytest

import zoo_core
from zoo_core.ops.indexing import _index_add_array
from zoo_core.testing import OpCase, check_forward, check_gradients, check_torch

torch = pytest.importorskip("torch")


def _i(lib, x, data, dtype=None):
    """An index/mask tensor on x's device (the same call works for zoo_core and torch)."""
    return lib.tensor(data, device=x.device, dtype=dtype)


def _setitem(key_fn, scale=2.0):
    """``y = x.clone(); y[key] = w * scale`` as a function of (x, w)."""
    def fn(lib, x, w):
        y = x.clone()
        y[key_fn(lib, x)] = w * scale
        return y
    return fn


MASK_34 = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]

CASES = [
    # x[key]
    OpCase("getitem_int", lambda lib, x: x[1], [(3, 4)]),
    OpCase("getitem_neg_int", lambda lib, x: x[-1, -2], [(3, 4)]),
    OpCase("getitem_slice_step", lambda lib, x: x[::2, 1:4:2], [(5, 6)]),
    OpCase("getitem_ellipsis_none", lambda lib, x: x[..., None, 1], [(2, 3, 4)]),
    OpCase("getitem_list_dups", lambda lib, x: x[[0, 2, 0, 0]], [(3, 4)]),
    OpCase("getitem_tensor_2d", lambda lib, x: x[:, _i(lib, x, [[0, 1], [1, 1]])], [(3, 2)]),
    OpCase("getitem_mask", lambda lib, x: x[_i(lib, x, MASK_34)], [(3, 4)]),
    OpCase("getitem_mask_rows", lambda lib, x: x[_i(lib, x, [True, False, True]), 1:], [(3, 4)]),
    OpCase("getitem_int_then_adv", lambda lib, x: x[0, :, [1, 2, 1]], [(2, 3, 4)]),
    OpCase("getitem_adv_split", lambda lib, x: x[[0, 1, 1], :, [3, 0, 3]], [(2, 3, 4)]),
    OpCase("getitem_adv_adjacent", lambda lib, x: x[:, [0, 2], [1, 1]], [(2, 3, 4)]),
    OpCase("getitem_0d_tensor", lambda lib, x: x[_i(lib, x, 1)], [(3, 4)]),
    # x[key] = w
    OpCase("setitem_row", _setitem(lambda lib, x: 0), [(3, 4), (4,)]),
    OpCase("setitem_bcast", _setitem(lambda lib, x: (slice(None), slice(1, 3))), [(3, 4), (3, 1)]),
    OpCase("setitem_adv", _setitem(lambda lib, x: [2, 0]), [(3, 4), (2, 4)]),
    OpCase("setitem_mask", _setitem(lambda lib, x: _i(lib, x, MASK_34)), [(3, 4), (6,)]),
    OpCase("setitem_int_then_adv", _setitem(lambda lib, x: (0, slice(None), [1, 3])), [(2, 3, 4), (3, 2)]),
    OpCase("setitem_scalar_tensor", _setitem(lambda lib, x: (Ellipsis, 1)), [(2, 3), ()]),
    # take / diagonal / index_put
    OpCase("take", lambda lib, x: lib.take(x, _i(lib, x, [[0, 11], [-1, 5]])), [(3, 4)]),
    OpCase("diagonal", lambda lib, x: lib.diagonal(x), [(3, 4)]),
    OpCase("diagonal_offset_dims", lambda lib, x: x.diagonal(-1, 2, 0), [(4, 2, 3)]),
    OpCase("diagonal_offset_pos", lambda lib, x: x.diagonal(offset=2), [(3, 4)]),
    OpCase("index_put_accumulate", lambda lib, x, v: x.index_put((_i(lib, x, [0, 0, 2]), _i(lib, x, [1, 1, 0])), v,
                                                                 accumulate=True), [(3, 2), (3,)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


def test_forward_values():
    check_forward(OpCase("take_values", lambda lib, x: lib.take(x, lib.tensor([3, -4])),
                         arrays=[np.array([[1.0, 2.0], [3.0, 4.0]])], expected=[4.0, 1.0]))


# ---- getitem / setitem against torch --------------------------------------------------------------
def _pair(shape, dtype=np.float64, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return zoo_core.tensor(a), torch.tensor(a)


KEYS = [
    lambda lib: 2,
    lambda lib: -1,
    lambda lib: (1, 2),
    lambda lib: slice(1, None),
    lambda lib: (slice(None), slice(None, None, 3)),
    lambda lib: (Ellipsis, 0),
    lambda lib: (None, 1, None),
    lambda lib: (0, Ellipsis, None),
    lambda lib: [0, 3, 3],
    lambda lib: lib.tensor([[0, 1], [2, 3]]),
    lambda lib: lib.tensor([3, 0]),
    lambda lib: lib.tensor([3, 0], dtype=lib.int32),
    lambda lib: lib.tensor(2),
    lambda lib: (slice(None), lib.tensor([[1, 4], [0, 0]])),
    lambda lib: (lib.tensor([0, 1]), lib.tensor([4, 0])),
    lambda lib: (lib.tensor([0, 1]), slice(None), lib.tensor([1, 2])),
    lambda lib: (1, slice(None), lib.tensor([1, 2])),
    lambda lib: (lib.tensor([[0], [1]]), lib.tensor([2, 3])),   # broadcast index tensors
    lambda lib: (slice(1, 3), [0, 2], None),
    lambda lib: lib.tensor([True, False, True, True]),
    lambda lib: (slice(None), lib.tensor([True, False, True, False, True])),
    lambda lib: lib.arange(4 * 5).reshape(4, 5) % 3 == 0,
    lambda lib: (None, lib.tensor([False, True, False, False]), 2),
    lambda lib: True,
    lambda lib: (Ellipsis, [4, 4, 0]),
    lambda lib: [],
    lambda lib: (slice(10, 20),),
]


@pytest.mark.parametrize("k", range(len(KEYS)))
def test_getitem_values_and_grads_match_torch(k):
    key = KEYS[k]
    z, t = _pair((4, 5, 6))
    z.requires_grad_(True)
    t.requires_grad_(True)
    zr, tr = z[key(zoo_core)], t[key(torch)]
    assert tuple(zr.shape) == tuple(tr.shape)
    np.testing.assert_array_equal(zr.detach().numpy(), tr.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(tr.shape))
    zr.backward(zoo_core.tensor(g))
    tr.backward(torch.tensor(g))
    np.testing.assert_allclose(z.grad.numpy(), t.grad.numpy())


SET_VALUES = [1.5, 0, lambda lib, shape: lib.ones(shape[-1:], dtype=lib.float64) * 7]


@pytest.mark.parametrize("k", range(len(KEYS)))
@pytest.mark.parametrize("v", range(len(SET_VALUES)))
def test_setitem_values_match_torch(k, v):
    key = KEYS[k]
    z, t = _pair((4, 5, 6))
    value = SET_VALUES[v]
    shape = tuple(t[key(torch)].shape)
    if callable(value):
        zv, tv = value(zoo_core, shape), value(torch, shape)
    else:
        zv = tv = value
    z[key(zoo_core)] = zv
    t[key(torch)] = tv
    np.testing.assert_array_equal(z.numpy(), t.numpy())


def test_basic_indexing_returns_views():
    x = zoo_core.tensor(np.arange(12.0).reshape(3, 4))
    row = x[1]
    assert row._base is x and row.data_ptr() == x.data_ptr() + 4 * x.element_size()
    row[2] = -1.0
    assert x[1, 2].item() == -1.0
    col = x[:, 3]
    col.mul_(10)
    assert x[:, 3].tolist() == [30.0, 70.0, 110.0]
    x[0, 0] = 100.0       # writes through to views taken earlier
    assert x[0][0].item() == 100.0 and x[...][0, 0].item() == 100.0
    adv = x[[0, 1]]
    adv[0, 0] = 5.0       # advanced indexing copies
    assert x[0, 0].item() == 100.0
    assert x[0, 0].ndim == 0 and x[0, 0]._base is x


def test_view_of_view_and_version_counter():
    x = zoo_core.zeros(3, 4)
    v = x[1:][0]
    assert v._base is x
    ver = x._version
    v[1:3] = 2.0
    assert x._version == ver + 1 and v._version == x._version
    assert x.tolist()[1] == [0.0, 2.0, 2.0, 0.0]


def test_setitem_on_view_updates_base_with_grad():
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        w = lib.tensor([10.0, 20.0], requires_grad=True)
        y = x * 2
        v = y[:, 1:]
        v[:, 0] = w ** 2        # writes into y through the view
        out = (y * lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum()
        out.backward()
        return y.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


def test_gradient_through_setitem():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        w = lib.tensor([5.0, 6.0], requires_grad=True)
        y = x.clone()
        y[0] = w * 2
        (y * y).sum().backward()
        return x.grad.numpy().copy(), w.grad.numpy().copy()
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


def test_setitem_into_no_grad_tensor_records_value_grad():
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.zeros(3, 2)
        y[[2, 0]] = w * 3
        (y * lib.arange(6.0).reshape(3, 2)).sum().backward()
        return w.grad.numpy().copy()
    np.testing.assert_allclose(run(zoo_core), run(torch))


def test_setitem_on_leaf_requiring_grad_raises():
    x = zoo_core.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 2.0
    with zoo_core.no_grad():
        x[0] = 2.0
    assert x.tolist() == [2.0, 1.0, 1.0]


def test_setitem_casts_and_broadcasts_like_torch():
    z = zoo_core.zeros(2, 3, dtype=zoo_core.int64)
    t = torch.zeros(2, 3, dtype=torch.int64)
    for lib, a in ((zoo_core, z), (torch, t)):
        a[0] = 2.7
        a[1, 1:] = lib.tensor([1.9, -1.9])
        a[:, 0] = lib.ones(1, 1, 2) * 4     # leading size-1 dims are dropped
    assert z.tolist() == t.tolist()
    x = zoo_core.zeros(3)
    x[[0, 2]] = zoo_core.tensor([1, 2])
    assert x.tolist() == [1.0, 0.0, 2.0] and x.dtype == zoo_core.float32


def test_getitem_duplicates_accumulate_and_double_backward():
    x = zoo_core.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[[0, 0, 1, 0]] ** 2
    (g,) = zoo_core.autograd.grad(y, x, zoo_core.ones(4), create_graph=True)
    assert g.tolist() == [6.0, 4.0, 0.0]
    (gg,) = zoo_core.autograd.grad(g, x, zoo_core.ones(3))
    assert gg.tolist() == [6.0, 2.0, 0.0]


def test_list_of_lists_is_one_index_tensor():
    # torch < 2.9 read x[[[0, 1], [2, 3]]] as x[[0, 1], [2, 3]] (deprecated); we follow the new meaning
    x = zoo_core.tensor(np.arange(20.0).reshape(4, 5))
    t = torch.tensor(np.arange(20.0).reshape(4, 5))
    np.testing.assert_array_equal(x[[[0, 1], [2, 3]]].numpy(), t[torch.tensor([[0, 1], [2, 3]])].numpy())


def test_index_tensors_of_int32_and_uint8():
    x = zoo_core.arange(5)
    assert x[zoo_core.tensor([4, 1], dtype=zoo_core.int32)].tolist() == [4, 1]
    assert x[zoo_core.tensor([1, 0, 1, 0, 0], dtype=zoo_core.uint8)].tolist() == [0, 2]


# ---- error messages -------------------------------------------------------------------------------
def test_getitem_errors_match_torch():
    x = zoo_core.zeros(3, 4)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 3"):
        x[[0, 7]]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match the shape of the "
                                         r"indexed tensor \[3, 4\] at index 0"):
        x[zoo_core.tensor([True, False])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        x[zoo_core.tensor([1.0])]
    with pytest.raises(IndexError, match="only integers, slices"):
        x[1.5]
    with pytest.raises(IndexError, match="an index can only have a single ellipsis"):
        x[..., ...]


def test_setitem_shape_mismatch_error():
    x = zoo_core.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to "
                                           r"indexing result of shape \[4\]"):
        x[0] = zoo_core.ones(3)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[[0, 1]] = zoo_core.ones(3, 4)


def test_take_and_diagonal_errors_match_torch():
    x = zoo_core.zeros(3, 4)
    with pytest.raises(IndexError, match="out of range: tried to access index 12 on a tensor of 12 elements"):
        zoo_core.take(x, zoo_core.tensor([12]))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        x.diagonal(0, 1, 1)


# ---- other ops ----------------------------------------------------------------------------------
def test_nonzero_and_argwhere_match_torch():
    a = np.array([[0, 1.5, 0], [2, 0, -1]])
    for arr in (a, a[0], np.array(3.0), np.array(0.0), np.zeros((2, 0))):
        z, t = zoo_core.tensor(arr), torch.tensor(arr)
        np.testing.assert_array_equal(z.nonzero().numpy(), t.nonzero().numpy())
        assert tuple(z.nonzero().shape) == tuple(t.nonzero().shape) and z.nonzero().dtype == zoo_core.int64
        zt, tt = z.nonzero(as_tuple=True), t.nonzero(as_tuple=True)
        assert len(zt) == len(tt)
        for p, q in zip(zt, tt):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
        np.testing.assert_array_equal(zoo_core.argwhere(z).numpy(), torch.argwhere(t).numpy())
    assert [w.tolist() for w in zoo_core.where(zoo_core.tensor(a) > 0)] == [[0, 1], [1, 0]]


def test_index_put_inplace():
    x = zoo_core.zeros(2, 2)
    v = x._version
    r = x.index_put_((zoo_core.tensor([0, 0]), zoo_core.tensor([1, 1])), zoo_core.tensor([1.0, 2.0]),
                     accumulate=True)
    assert r is x and x.tolist() == [[0.0, 3.0], [0.0, 0.0]] and x._version == v + 1


def test_diagonal_is_a_writable_view():
    x = zoo_core.zeros(3, 3)
    d = x.diagonal()
    d.fill_(1.0)
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert d._base is x
    assert x.diagonal(5).shape == (0,) and tuple(torch.zeros(3, 3).diagonal(5).shape) == (0,)


def test_index_add_array_accumulates_duplicates():
    t = np.zeros((3, 2))
    _index_add_array(np, t, (np.array([0, 0, 2]),), np.ones((3, 2)))
    assert t.tolist() == [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    t = np.zeros(4)
    _index_add_array(np, t, (np.array([True, False, True, False]),), np.array([1.0, 2.0]))
    assert t.tolist() == [1.0, 0.0, 2.0, 0.0]


@pytest.mark.gpu
def test_cuda_paths_match_cpu():
    """CuPy-specific branches: bounds checks (CuPy wraps silently), scatter-add dtypes without atomicAdd."""
    x = zoo_core.tensor(np.arange(12.0).reshape(3, 4)).to("cuda")
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[zoo_core.tensor([0, 3])]
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, zoo_core.tensor([[4]]).to("cuda"))
    assert x[zoo_core.tensor([2, 0])].cpu().tolist() == [[8.0, 9.0, 10.0, 11.0], [0.0, 1.0, 2.0, 3.0]]
    assert x[x > 9].cpu().tolist() == [10.0, 11.0]
    for dt in (zoo_core.int64, zoo_core.int16, zoo_core.uint8, zoo_core.float16, zoo_core.float64):
        base = zoo_core.zeros(4, dtype=dt)
        src = zoo_core.ones(3, dtype=dt)
        idx = zoo_core.tensor([1, 1, 3])
        want = base.index_add(0, idx, src).tolist()
        got = base.to("cuda").index_add(0, idx.to("cuda"), src.to("cuda")).cpu().tolist()
        assert got == want, dt
    y = zoo_core.tensor([1.0, 5.0, 0.0], dtype=zoo_core.float16)
    s_ = zoo_core.tensor([5.0, 7.0, 2.0], dtype=zoo_core.float16)
    i = zoo_core.tensor([1, 1, 2])
    assert y.scatter_reduce(0, i, s_, "amax").tolist() == \
        y.to("cuda").scatter_reduce(0, i.to("cuda"), s_.to("cuda"), "amax").cpu().tolist()
    w = zoo_core.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    w[[0, 0, 2]].backward(zoo_core.ones(3, device="cuda"))
    assert w.grad.cpu().tolist() == [2.0, 0.0, 1.0]
