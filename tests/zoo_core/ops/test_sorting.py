import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, check_forward, check_gradients, check_torch

torch = pytest.importorskip("torch")

CASES = [
    OpCase("sort", lambda lib, x: lib.sort(x), [(3, 5)]),
    OpCase("sort_dim0_desc", lambda lib, x: lib.sort(x, dim=0, descending=True), [(4, 3)]),
    OpCase("sort_method_3d", lambda lib, x: x.sort(1, True), [(2, 4, 3)]),
    OpCase("sort_values_only", lambda lib, x: lib.sort(x, stable=True).values, [(6,)]),
    OpCase("msort", lambda lib, x: lib.msort(x), [(4, 2)]),
    OpCase("topk", lambda lib, x: lib.topk(x, 2), [(3, 5)]),
    OpCase("topk_smallest_dim0", lambda lib, x: x.topk(3, dim=0, largest=False), [(4, 3)]),
    OpCase("topk_all", lambda lib, x: lib.topk(x, 4), [(4,)]),
    OpCase("kthvalue", lambda lib, x: lib.kthvalue(x, 2), [(3, 5)]),
    OpCase("kthvalue_keepdim_dim0", lambda lib, x: x.kthvalue(3, 0, keepdim=True), [(4, 3)]),
    OpCase("tril", lambda lib, x: lib.tril(x), [(4, 4)]),
    OpCase("tril_offset_batch", lambda lib, x: lib.tril(x, -1), [(2, 3, 4)]),
    OpCase("triu", lambda lib, x: lib.triu(x), [(3, 5)]),
    OpCase("triu_offset", lambda lib, x: x.triu(2), [(4, 4)]),
    OpCase("triu_neg_offset_batch", lambda lib, x: x.triu(-1), [(2, 4, 3)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


def test_forward_values():
    check_forward(OpCase("sort_values", lambda lib, x: lib.sort(x, descending=True),
                         arrays=[np.array([2.0, 3.0, 1.0])], expected=([3.0, 2.0, 1.0], [1, 0, 2])))
    check_forward(OpCase("tril_values", lambda lib, x: lib.tril(x, 1), arrays=[np.ones((3, 3))],
                         expected=[[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]))


def _both(arr):
    return zoo_core.tensor(arr), torch.tensor(arr)


def _same(z, t):
    assert tuple(z.shape) == tuple(t.shape)
    assert str(z.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(z.numpy(), t.numpy())


TIES = [np.array([3.0, 1.0, 3.0, 2.0, 1.0, 3.0]),
        np.array([[2, 2, 1, 2], [0, 5, 5, 0]]),
        np.array([True, False, True, False, False]),
        np.array([1.0, float("nan"), 0.0, float("nan"), 1.0]),
        np.array([7, 7, 7], dtype=np.uint8)]


@pytest.mark.parametrize("k", range(len(TIES)))
@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_ties_match_torch(k, descending):
    z, t = _both(TIES[k])
    zs, ts = zoo_core.sort(z, descending=descending, stable=True), torch.sort(t, descending=descending, stable=True)
    _same(zs.values, ts.values)
    _same(zs.indices, ts.indices)
    _same(zoo_core.argsort(z, descending=descending, stable=True),
          torch.argsort(t, descending=descending, stable=True))


def test_sort_of_0d_and_empty():
    for arr in (np.array(3.0), np.zeros((0, 3))):
        z, t = _both(arr)
        for a, b in zip(zoo_core.sort(z), torch.sort(t)):
            _same(a, b)


def test_return_types_behave_like_named_tuples():
    r = zoo_core.sort(zoo_core.tensor([2.0, 1.0]))
    values, indices = r
    assert values is r.values and indices is r[1]
    assert r.indices.dtype == zoo_core.int64 and len(r) == 2
    assert repr(r).startswith("zoo_core.return_types.sort(\nvalues=tensor(")
    assert type(zoo_core.topk(values, 1)).__name__ == "topk"
    assert type(zoo_core.kthvalue(values, 1)).__name__ == "kthvalue"


def test_topk_ties_and_values_match_torch():
    z, t = _both(np.array([1, 3, 3, 2]))
    zr, tr = zoo_core.topk(z, 2), torch.topk(t, 2)
    _same(zr.values, tr.values)
    _same(zr.indices, tr.indices)
    z, t = _both(np.array([[5.0, 1.0, 4.0], [0.0, 2.0, 9.0]]))
    _same(zoo_core.topk(z, 0).values, torch.topk(t, 0).values)
    _same(z.topk(2, largest=False, sorted=True).indices, t.topk(2, largest=False, sorted=True).indices)


def test_sort_gradient_goes_to_selected_positions():
    x = zoo_core.tensor([3.0, 1.0, 2.0], requires_grad=True)
    v, i = x.topk(2)
    v.backward(zoo_core.tensor([10.0, 20.0]))
    assert x.grad.tolist() == [10.0, 0.0, 20.0]


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_matches_torch(dim):
    arr = np.array([[3, 1, 3], [0, 1, 3], [3, 1, 3]])
    z, t = _both(arr)
    for inv in (False, True):
        for cnt in (False, True):
            zr = zoo_core.unique(z, return_inverse=inv, return_counts=cnt, dim=dim)
            tr = torch.unique(t, return_inverse=inv, return_counts=cnt, dim=dim)
            for a, b in zip(zr if isinstance(zr, tuple) else (zr,), tr if isinstance(tr, tuple) else (tr,)):
                _same(a, b)
    _same(z.unique(), t.unique())


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive_matches_torch(dim):
    arr = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 1, 2, 2], [3, 1, 2, 2]])
    z, t = _both(arr)
    zr = zoo_core.unique_consecutive(z, return_inverse=True, return_counts=True, dim=dim)
    tr = torch.unique_consecutive(t, return_inverse=True, return_counts=True, dim=dim)
    for a, b in zip(zr, tr):
        _same(a, b)
    _same(z.unique_consecutive(dim=dim), t.unique_consecutive(dim=dim))


def test_searchsorted_and_bucketize_match_torch():
    seq, tseq = _both(np.array([1.0, 3.0, 5.0, 7.0]))
    vals, tvals = _both(np.array([[3.0, 6.0, 9.0], [1.0, 0.0, 7.0]]))
    for right in (False, True):
        _same(zoo_core.searchsorted(seq, vals, right=right), torch.searchsorted(tseq, tvals, right=right))
        _same(zoo_core.bucketize(vals, seq, right=right), torch.bucketize(tvals, tseq, right=right))
    _same(zoo_core.searchsorted(seq, 3.0, side="right"), torch.searchsorted(tseq, 3.0, side="right"))
    _same(zoo_core.searchsorted(seq, vals, out_int32=True), torch.searchsorted(tseq, tvals, out_int32=True))
    rows, trows = _both(np.array([[1.0, 2.0, 3.0], [0.0, 10.0, 20.0]]))
    q, tq = _both(np.array([[2.5, 0.0], [15.0, 10.0]]))
    _same(zoo_core.searchsorted(rows, q), torch.searchsorted(trows, tq))
    unsorted, tun = _both(np.array([5.0, 1.0, 3.0]))
    order, torder = _both(np.array([1, 2, 0]))
    _same(zoo_core.searchsorted(unsorted, vals, sorter=order), torch.searchsorted(tun, tvals, sorter=torder))


def test_tril_triu_inplace_and_int_dtypes():
    x = zoo_core.ones(3, 3, dtype=zoo_core.int64)
    v = x._version
    assert x.triu_(1) is x and x._version == v + 1
    assert x.tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    b = zoo_core.ones(2, 3, dtype=zoo_core.bool).tril()
    assert b.tolist() == [[True, False, False], [True, True, False]] and b.dtype == zoo_core.bool

    def run(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = w * 2
        y.tril_()
        y.backward(lib.ones(2, 2))
        return w.grad.numpy().copy()
    np.testing.assert_array_equal(run(zoo_core), run(torch))


def test_errors_match_torch():
    x = zoo_core.zeros(3, 4)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        zoo_core.topk(x, 5)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k out of range for dimension 1"):
        zoo_core.kthvalue(x, 0, 1)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        zoo_core.tril(zoo_core.ones(3))
    with pytest.raises(IndexError, match="Dimension out of range"):
        zoo_core.sort(x, 3)
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension, but got dim"):
        zoo_core.bucketize(x, x)
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        zoo_core.searchsorted(zoo_core.ones(3), x, right=True, side="left")


@pytest.mark.gpu
def test_cuda_sorting_matches_cpu():
    for arr in TIES[:3]:
        z = zoo_core.tensor(arr)
        for descending in (False, True):
            a, b = zoo_core.sort(z, descending=descending), zoo_core.sort(z.to("cuda"), descending=descending)
            assert a.values.tolist() == b.values.cpu().tolist()
            assert a.indices.tolist() == b.indices.cpu().tolist()
    x = zoo_core.tensor(np.random.default_rng(0).standard_normal((3, 200)))
    assert zoo_core.topk(x, 5).indices.tolist() == zoo_core.topk(x.to("cuda"), 5).indices.cpu().tolist()
    assert zoo_core.tril(x[:, :4]).tolist() == zoo_core.tril(x[:, :4].to("cuda")).cpu().tolist()
    u = zoo_core.tensor([3, 1, 3, 3, 2])
    for a, b in zip(zoo_core.unique(u, return_counts=True), zoo_core.unique(u.to("cuda"), return_counts=True)):
        assert a.tolist() == b.cpu().tolist()


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "float32"])
@pytest.mark.parametrize("shape, dim", [((6, 3), 0), ((6, 3), 1), ((4, 5, 2), 1), ((0, 3), 0), ((5, 0), 1)])
def test_unique_dim_matches_torch_on_every_device(dtype, shape, dim, device):
    rng = np.random.default_rng(0)
    # int8 rows far apart: a comparison by subtraction (CuPy's unique(axis=)) would overflow on these
    arr = (rng.integers(-2, 2, shape) * (100 if dtype == "int8" else 1)).astype(dtype)
    zr = zoo_core.unique(zoo_core.tensor(arr, device=device), dim=dim, return_inverse=True, return_counts=True)
    tr = torch.unique(torch.tensor(arr), dim=dim, return_inverse=True, return_counts=True)
    for a, b in zip(zr, tr):
        assert a.device.type == device and a.shape == tuple(b.shape) and a.tolist() == b.tolist()


def test_unique_dim_rejects_unselected_empty_dims():
    with pytest.raises(RuntimeError, match=r"0 sized dimensions.*\[5, 0\]"):
        zoo_core.unique(zoo_core.zeros(5, 0), dim=0)


@pytest.mark.parametrize("dtype", ["int64", "int32", "float64"])
def test_batched_searchsorted_matches_torch_on_every_device(dtype, device):
    rng = np.random.default_rng(1)
    seq = np.sort(rng.integers(-50, 50, (3, 4, 6)), -1).astype(dtype)
    v = rng.integers(-60, 60, (3, 4, 5)).astype(dtype)
    for right in (False, True):
        a = zoo_core.searchsorted(zoo_core.tensor(seq, device=device), zoo_core.tensor(v, device=device),
                                  right=right)
        b = torch.searchsorted(torch.tensor(seq), torch.tensor(v), right=right)
        assert a.device.type == device and a.tolist() == b.tolist()
