import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, check_forward, check_gradients, check_torch

torch = pytest.importorskip("torch")


def _i(lib, x, data, dtype=None):
    """An index/mask tensor on x's device (the same call works for zoo_core and torch)."""
    return lib.tensor(data, device=x.device, dtype=dtype)


MASK_34 = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]

CASES = [
    # gather / scatter
    OpCase("gather", lambda lib, x: lib.gather(x, 1, _i(lib, x, [[0, 0, 3], [2, 1, 2], [3, 3, 3]])), [(3, 4)]),
    OpCase("gather_dim0_small", lambda lib, x: x.gather(0, _i(lib, x, [[2, 0]])), [(3, 4)]),
    OpCase("scatter_src", lambda lib, x, s: lib.scatter(x, 1, _i(lib, x, [[3, 0], [1, 2]]), s), [(2, 4), (2, 2)]),
    # torch's own backward fails when src is larger than index: gradcheck only
    OpCase("scatter_src_larger", lambda lib, x, s: lib.scatter(x, 1, _i(lib, x, [[3, 0], [1, 2]]), s),
           [(2, 4), (3, 3)], torch=False),
    OpCase("scatter_value", lambda lib, x: x.scatter(0, _i(lib, x, [[2, 0, 1, 1]]), 1.5), [(3, 4)]),
    OpCase("scatter_add", lambda lib, x, s: lib.scatter_add(x, 0, _i(lib, x, [[0, 1, 0], [0, 0, 2]]), s),
           [(3, 3), (2, 3)]),
    OpCase("scatter_reduce_sum", lambda lib, x, s: x.scatter_reduce(1, _i(lib, x, [[0, 0, 2], [1, 1, 1]]), s, "sum",
                                                                    include_self=False), [(2, 4), (2, 3)]),
    OpCase("scatter_reduce_mean", lambda lib, x, s: x.scatter_reduce(1, _i(lib, x, [[0, 0, 2], [1, 1, 1]]), s,
                                                                     "mean"), [(2, 4), (2, 3)]),
    OpCase("scatter_reduce_amax", lambda lib, x, s: x.scatter_reduce(0, _i(lib, x, [0, 0, 2, 0]), s, "amax"),
           [(3,), (4,)]),
    OpCase("scatter_reduce_amin_noself", lambda lib, x, s: x.scatter_reduce(0, _i(lib, x, [0, 0, 2, 0]), s, "amin",
                                                                            include_self=False), [(3,), (4,)]),
    # index_select / index_add / index_copy / index_fill
    OpCase("index_select", lambda lib, x: lib.index_select(x, 1, _i(lib, x, [3, 0, 3])), [(2, 4)]),
    OpCase("index_add", lambda lib, x, s: x.index_add(0, _i(lib, x, [2, 0, 2]), s, alpha=2.0), [(3, 2), (3, 2)]),
    OpCase("index_copy", lambda lib, x, s: x.index_copy(1, _i(lib, x, [2, 0]), s), [(3, 4), (3, 2)]),
    OpCase("index_fill", lambda lib, x: x.index_fill(0, _i(lib, x, [1, 1]), -1.0), [(3, 2)]),
    OpCase("index_fill_tensor", lambda lib, x, v: x.index_fill(1, _i(lib, x, [0, 2, 0]), v), [(2, 3), ()]),
    # masks
    OpCase("masked_fill", lambda lib, x: x.masked_fill(_i(lib, x, MASK_34), 0.5), [(3, 4)]),
    OpCase("masked_fill_tensor_bcast", lambda lib, x, v: lib.masked_fill(x, _i(lib, x, [True, False, True, True]), v),
           [(3, 4), ()]),
    OpCase("masked_fill_bcast_input", lambda lib, x: lib.masked_fill(x, _i(lib, x, MASK_34), 2.0), [(4,)]),
    OpCase("masked_select", lambda lib, x: lib.masked_select(x, _i(lib, x, MASK_34)), [(3, 4)]),
    OpCase("masked_select_bcast", lambda lib, x: x.masked_select(_i(lib, x, [False, True, True, False])), [(3, 4)]),
    OpCase("masked_scatter", lambda lib, x, s: x.masked_scatter(_i(lib, x, MASK_34), s), [(3, 4), (2, 4)]),
    # take_along_dim
    OpCase("take_along_dim", lambda lib, x: lib.take_along_dim(x, _i(lib, x, [[0], [3], [1]]), dim=1), [(3, 4)]),
    OpCase("take_along_dim_bcast", lambda lib, x: lib.take_along_dim(x, _i(lib, x, [[[1, 0]]]), 2), [(2, 3, 2)]),
    OpCase("take_along_dim_flat", lambda lib, x: lib.take_along_dim(x, _i(lib, x, [5, 0, 5])), [(2, 3)],
           noncontig=False),   # torch's flattening uses view(), which fails on non-contiguous input
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


def test_forward_values():
    check_forward(OpCase("gather_values", lambda lib, x: lib.gather(x, 1, lib.tensor([[1, 0], [0, 0]])),
                         arrays=[np.array([[1.0, 2.0], [3.0, 4.0]])], expected=[[2.0, 1.0], [3.0, 3.0]]))


def test_op_errors_match_torch():
    x = zoo_core.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"gather\(\): Expected dtype int32/int64 for index"):
        zoo_core.gather(x, 1, zoo_core.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions"):
        zoo_core.gather(x, 1, zoo_core.tensor([0]))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 4"):
        zoo_core.gather(x, 1, zoo_core.tensor([[5]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with size 4"):
        zoo_core.gather(x, 1, zoo_core.tensor([[-1]]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        zoo_core.gather(x, 2, zoo_core.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"Expected index \[1, 2\] to be no larger than self \[3, 4\] apart from "
                                           r"dimension 1 and to be no larger size than src \[1, 1\]"):
        zoo_core.scatter_add(x, 1, zoo_core.tensor([[0, 1]]), zoo_core.ones(1, 1))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        zoo_core.index_select(x, 0, zoo_core.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"index_select\(\): Expected dtype int32/int64 for index"):
        zoo_core.index_select(x, 0, zoo_core.tensor([0.0]))
    with pytest.raises(RuntimeError, match=r"Number of indices \(1\) should be equal to source.size\(dim\): \(2\)"):
        zoo_core.index_add(x, 0, zoo_core.tensor([0]), zoo_core.ones(2, 4))
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks, but got mask with dtype float"):
        x.masked_fill(zoo_core.ones(3, 4), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(x > 0, zoo_core.ones(4))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        zoo_core.zeros(4).masked_fill_(zoo_core.ones(2, 4).bool(), 1.0)
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got int32"):
        zoo_core.take_along_dim(x, zoo_core.tensor([[0]], dtype=zoo_core.int32), 1)


def test_scatter_reduce_forward_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 5, (3, 4)).astype(np.float64)
    src = rng.integers(-5, 5, (3, 5)).astype(np.float64)
    idx = rng.integers(0, 4, (3, 5))
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            z = zoo_core.tensor(x).scatter_reduce(1, zoo_core.tensor(idx), zoo_core.tensor(src), reduce,
                                                   include_self=include_self)
            t = torch.tensor(x).scatter_reduce(1, torch.tensor(idx), torch.tensor(src), reduce,
                                               include_self=include_self)
            np.testing.assert_allclose(z.numpy(), t.numpy(), err_msg=f"{reduce} {include_self}")
    zi = zoo_core.tensor([1, 2, 3]).scatter_reduce(0, zoo_core.tensor([0, 0]), zoo_core.tensor([4, 6]), "mean")
    assert zi.tolist() == torch.tensor([1, 2, 3]).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([4, 6]),
                                                                 "mean").tolist()


def test_scatter_reduce_amax_ties_split_gradient_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 5.0, 0.0], requires_grad=True)
        s = lib.tensor([5.0, 5.0, 2.0], requires_grad=True)
        y = x.scatter_reduce(0, lib.tensor([1, 1, 2]), s, "amax")
        y.backward(lib.tensor([1.0, 3.0, 2.0]))
        return y.detach().numpy().copy(), x.grad.numpy().copy(), s.grad.numpy().copy()
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_legacy_scatter_reduce_argument():
    def run(lib):
        x = lib.ones(2, 3)
        idx = lib.tensor([[0, 0, 2]])
        return (x.scatter(1, idx, lib.tensor([[2.0, 3.0, 4.0]]), reduce="multiply").tolist(),
                x.scatter(1, idx, 2.0, reduce="add").tolist())
    assert run(zoo_core) == run(torch)


def test_inplace_forms_update_storage_and_history():
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = w * 1
        y.masked_fill_(lib.tensor([True, False, False, False]), 0.0)
        y.index_add_(0, lib.tensor([1, 1]), lib.tensor([10.0, 20.0]))
        y.scatter_(0, lib.tensor([3]), w[:1] * 5)
        y.index_fill_(0, lib.tensor([2]), -1.0)
        y.backward(lib.tensor([1.0, 2.0, 3.0, 4.0]))
        return y.detach().numpy().copy(), w.grad.numpy().copy()
    for a, b in zip(run(zoo_core), run(torch)):
        np.testing.assert_allclose(a, b)
