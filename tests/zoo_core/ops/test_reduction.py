import math
import re

import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

X3 = [(2, 3, 4)]
X2 = [(3, 4)]
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])            # two-way ties: finite differences split 1/2
ZEROS = np.array([[0.0, 2.0, 3.0, 4.0], [1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 3.0], [1.5, 2.0, -3.0, 0.5]])
NOGRAD = dict(grad=False)

CASES = [
    # sum / mean
    OpCase("sum_all", lambda lib, x: x.sum(), X3),
    OpCase("sum_dim", lambda lib, x: lib.sum(x, 1), X3),
    OpCase("sum_neg_keepdim", lambda lib, x: x.sum(-1, keepdim=True), X3),
    OpCase("sum_tuple", lambda lib, x: x.sum((0, 2)), X3),
    OpCase("sum_tuple_keepdim", lambda lib, x: lib.sum(x, dim=(-1, 0), keepdim=True), X3),
    OpCase("sum_dtype", lambda lib, x: x.sum(0, dtype=lib.float64), X2),
    OpCase("sum_0d", lambda lib, x: x.sum(0), [()]),
    OpCase("sum_of_broadcast", lambda lib, x, y: (x * y).sum(0), [(3, 4), (4,)]),
    OpCase("sum_values", lambda lib, x: x.sum(1), arrays=[np.array([[1.0, 2.0], [3.0, 4.0]])], expected=[3.0, 7.0]),
    OpCase("mean_all", lambda lib, x: x.mean(), X3),
    OpCase("mean_dim", lambda lib, x: lib.mean(x, -2), X3),
    OpCase("mean_tuple_keepdim", lambda lib, x: x.mean((0, 1), keepdim=True), X3),
    # prod (zeros: one per lane, two, three; full reduction with one and two zeros)
    OpCase("prod_all", lambda lib, x: x.prod(), [(2, 3)], low=0.5, high=1.5),
    OpCase("prod_dim", lambda lib, x: lib.prod(x, 1), X2),
    OpCase("prod_neg_keepdim", lambda lib, x: x.prod(-2, keepdim=True), X2),
    OpCase("prod_zeros_dim", lambda lib, x: x.prod(1), arrays=[ZEROS], expected=[0.0, 0.0, 0.0, -4.5]),
    OpCase("prod_zeros_dim0", lambda lib, x: x.prod(0, keepdim=True), arrays=[ZEROS.T.copy()]),
    OpCase("prod_one_zero_all", lambda lib, x: x.prod(), arrays=[np.array([[1.5, 2.0], [0.0, 3.0]])]),
    OpCase("prod_two_zeros_all", lambda lib, x: x.prod(), arrays=[np.array([[1.5, 0.0], [0.0, 3.0]])]),
    # max / min / amax / amin / median
    OpCase("max_all", lambda lib, x: x.max(), X3),
    OpCase("min_all", lambda lib, x: lib.min(x), X3),
    OpCase("max_dim", lambda lib, x: lib.max(x, 1), X3),
    OpCase("max_dim_keepdim", lambda lib, x: x.max(dim=-1, keepdim=True), X3),
    OpCase("min_dim_neg", lambda lib, x: x.min(-3), X3),
    OpCase("max_binary", lambda lib, x, y: lib.max(x, y), [(3, 4), (4,)]),
    OpCase("min_binary", lambda lib, x, y: lib.min(x, y), [(3, 4), (3, 4)]),
    OpCase("max_dim_values", lambda lib, x: x.max(1), arrays=[np.array([[1.0, 5.0], [7.0, 2.0]])],
           expected=([5.0, 7.0], [1, 0])),
    OpCase("amax_tuple", lambda lib, x: lib.amax(x, (0, 2)), X3),
    OpCase("amin_keepdim", lambda lib, x: x.amin(1, keepdim=True), X3),
    OpCase("amax_all", lambda lib, x: x.amax(), X2),
    OpCase("amax_ties", lambda lib, x: x.amax(1), arrays=[TIES], gradgrad=False),
    OpCase("amin_ties", lambda lib, x: x.amin(0), arrays=[np.array([[1.0, 0.0], [1.0, 2.0]])], gradgrad=False),
    OpCase("max_all_ties", lambda lib, x: x.max(), arrays=[TIES], gradgrad=False),
    OpCase("max_dim_ties", lambda lib, x: x.max(1), arrays=[TIES], expected=([3.0, 2.0], [1, 0]), **NOGRAD),
    OpCase("aminmax", lambda lib, x: lib.aminmax(x, dim=1), X3),
    OpCase("aminmax_all", lambda lib, x: x.aminmax(), X2),
    OpCase("median_all_odd", lambda lib, x: x.median(), [(3, 3)]),
    OpCase("median_all_even", lambda lib, x: lib.median(x), [(2, 3)]),
    OpCase("median_dim", lambda lib, x: x.median(1), X3),
    OpCase("median_dim_keepdim", lambda lib, x: lib.median(x, -1, keepdim=True), [(3, 4)]),
    OpCase("median_values", lambda lib, x: x.median(), arrays=[np.array([4.0, 1.0, 3.0, 2.0])], expected=2.0),
    OpCase("argmax_all", lambda lib, x: x.argmax(), X3, **NOGRAD),
    OpCase("argmax_dim", lambda lib, x: lib.argmax(x, 1), X3, **NOGRAD),
    OpCase("argmin_keepdim", lambda lib, x: x.argmin(-1, keepdim=True), X3, **NOGRAD),
    OpCase("argmax_none_keepdim", lambda lib, x: lib.argmax(x, keepdim=True), X2, **NOGRAD),
    OpCase("argmax_ties", lambda lib, x: x.argmax(1), arrays=[TIES], expected=[1, 0], **NOGRAD),
    # var / std
    OpCase("var_all", lambda lib, x: x.var(), X3),
    OpCase("var_dim_biased", lambda lib, x: x.var(1, unbiased=False), X3),
    OpCase("var_correction_tuple", lambda lib, x: lib.var(x, dim=(0, 2), correction=0, keepdim=True), X3),
    OpCase("std_all", lambda lib, x: x.std(), X3),
    OpCase("std_dim", lambda lib, x: lib.std(x, -1, keepdim=True), X3),
    OpCase("std_correction2", lambda lib, x: x.std(0, correction=2), [(5, 3)]),
    OpCase("var_mean", lambda lib, x: lib.var_mean(x, 1), X3),
    OpCase("std_mean", lambda lib, x: lib.std_mean(x, (0, 1), keepdim=True), X3),
    OpCase("var_values", lambda lib, x: x.var(), arrays=[np.array([1.0, 2.0, 3.0, 4.0])], expected=5.0 / 3.0),
    # norm
    OpCase("norm_fro", lambda lib, x: x.norm(), X3),
    OpCase("norm_dim_keepdim", lambda lib, x: x.norm(dim=1, keepdim=True), X3),
    OpCase("norm_p1", lambda lib, x: lib.norm(x, p=1, dim=1), X2, avoid=[0.0]),
    OpCase("norm_inf", lambda lib, x: x.norm(p=float("inf"), dim=0), X2),
    OpCase("norm_neg_inf", lambda lib, x: x.norm(p=-float("inf")), X2),
    OpCase("norm_p3_tuple", lambda lib, x: x.norm(p=3, dim=(0, 2)), X3),
    OpCase("norm_p1_5", lambda lib, x: x.norm(p=1.5, dim=-1), X2, avoid=[0.0]),
    OpCase("norm_p0_5", lambda lib, x: x.norm(p=0.5), X2, avoid=[0.0]),
    OpCase("norm_p0", lambda lib, x: x.norm(p=0, dim=1), X2, avoid=[0.0]),
    OpCase("norm_values", lambda lib, x: x.norm(), arrays=[np.array([3.0, 4.0])], expected=5.0),
    # logsumexp
    OpCase("logsumexp", lambda lib, x: lib.logsumexp(x, 1), X3),
    OpCase("logsumexp_tuple_keepdim", lambda lib, x: x.logsumexp((0, -1), keepdim=True), X3),
    OpCase("logsumexp_large", lambda lib, x: lib.logsumexp(x, 1), arrays=[np.array([[1000.0, 1000.0], [-1000.0, 5.0]])],
           expected=[1000.0 + math.log(2.0), 5.0]),
    # all / any / count_nonzero (no gradient)
    OpCase("all_dim", lambda lib, x: lib.all(x > -1.0, dim=1), X3, **NOGRAD),
    OpCase("any_keepdim", lambda lib, x: (x > 1.5).any(-1, keepdim=True), X3, **NOGRAD),
    OpCase("all_full", lambda lib, x: lib.all(x), X2, **NOGRAD),
    OpCase("count_nonzero", lambda lib, x: lib.count_nonzero(x > 0, dim=1), X3, **NOGRAD),
    OpCase("count_nonzero_tuple", lambda lib, x: lib.count_nonzero(x > 0, dim=(0, 2)), X3, **NOGRAD),
    # cumsum / cumprod
    OpCase("cumsum", lambda lib, x: lib.cumsum(x, 1), X3),
    OpCase("cumsum_neg", lambda lib, x: x.cumsum(-1), X3),
    OpCase("cumsum_dtype", lambda lib, x: x.cumsum(0, dtype=lib.float64), X2),
    OpCase("cumprod", lambda lib, x: lib.cumprod(x, 1), X3),
    OpCase("cumprod_neg", lambda lib, x: x.cumprod(-1), X2, low=0.5, high=1.5),
    OpCase("cumprod_zeros", lambda lib, x: x.cumprod(1), arrays=[ZEROS]),
    OpCase("cumprod_zeros_dim0", lambda lib, x: x.cumprod(0), arrays=[ZEROS.T.copy()]),
    OpCase("cumprod_values", lambda lib, x: x.cumprod(0), arrays=[np.array([1.0, 2.0, 3.0])], expected=[1.0, 2.0, 6.0]),
    # softmax / log_softmax
    OpCase("softmax", lambda lib, x: lib.softmax(x, 1), X3),
    OpCase("softmax_neg", lambda lib, x: x.softmax(-1), X3),
    OpCase("softmax_dtype", lambda lib, x: lib.softmax(x, 0, dtype=lib.float64), X2),
    OpCase("log_softmax", lambda lib, x: lib.log_softmax(x, 1), X3),
    OpCase("log_softmax_neg", lambda lib, x: x.log_softmax(-1), X3),
    OpCase("softmax_large", lambda lib, x: lib.softmax(x, 0), arrays=[np.array([1000.0, 1000.0, -1000.0])],
           expected=[0.5, 0.5, 0.0]),
    OpCase("log_softmax_large", lambda lib, x: lib.log_softmax(x, 0), arrays=[np.array([1000.0, 1000.0])],
           expected=[-math.log(2.0), -math.log(2.0)]),
    # chains through several reductions
    OpCase("chain", lambda lib, x: (x.softmax(1) * x).sum(1).logsumexp(0) + x.var(0).mean(), X2),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


# ---- dtypes -------------------------------------------------------------------------------------
def test_integer_and_bool_results_follow_torch():
    i = zoo_core.tensor([1, 2, 3])
    assert i.sum().dtype == zoo_core.int64 and i.sum().item() == 6
    assert zoo_core.tensor([True, True, False]).sum().item() == 2
    assert zoo_core.tensor([True, False]).sum().dtype == zoo_core.int64
    u8 = zoo_core.tensor([200, 100], dtype=zoo_core.uint8)
    assert u8.sum().dtype == zoo_core.int64 and u8.sum().item() == 300     # no uint8 wrap-around
    assert i.prod().dtype == zoo_core.int64 and i.prod().item() == 6
    assert zoo_core.tensor([1, 2], dtype=zoo_core.int8).cumsum(0).dtype == zoo_core.int64
    assert i.cumprod(0).tolist() == [1, 2, 6]
    assert i.max().dtype == zoo_core.int64 and i.max().item() == 3
    assert i.argmax().dtype == zoo_core.int64
    assert i.max(0).indices.dtype == zoo_core.int64
    assert zoo_core.count_nonzero(zoo_core.tensor([0, 1, 2])).dtype == zoo_core.int64
    assert u8.all().dtype == zoo_core.uint8 and i.all().dtype == zoo_core.bool
    assert i.mean(dtype=zoo_core.float64).item() == 2.0
    assert i.sum(dtype=zoo_core.float32).dtype == zoo_core.float32
    assert zoo_core.logsumexp(i, 0).dtype == zoo_core.float32


def test_float16_sum_accumulates_in_float32():
    x = zoo_core.ones(4096, dtype=zoo_core.float16)
    assert x.sum().dtype == zoo_core.float16 and x.sum().item() == 4096.0


@pytest.mark.parametrize("fn, msg", [
    (lambda: zoo_core.tensor([1, 2]).mean(), "mean(): could not infer output dtype"),
    (lambda: zoo_core.tensor([1, 2]).var(), "only support floating point"),
    (lambda: zoo_core.tensor([1, 2]).norm(), "Expected a floating point"),
    (lambda: zoo_core.tensor([1, 2]).softmax(0), "softmax: expected a floating point tensor, got int64"),
    (lambda: zoo_core.zeros(0).max(), "Expected reduction dim to be specified"),
    (lambda: zoo_core.zeros(2, 3).sum((0, 0)), "dim 0 appears multiple times"),
    (lambda: zoo_core.zeros(2, 3).sum(3), "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    (lambda: zoo_core.zeros(2, 0).max(1), "to have non-zero size"),
    (lambda: zoo_core.zeros(0).argmax(), "argmax"),
])
def test_errors_name_the_op_and_values(fn, msg):
    with pytest.raises((RuntimeError, IndexError), match=re.escape(msg)):
        fn()


# ---- shapes and return types --------------------------------------------------------------------
def test_max_with_dim_returns_named_values_and_indices():
    x = zoo_core.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(1)
    values, indices = r
    assert r.values is values and r.indices is indices and r[0] is values
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert "return_types.max" in repr(r)
    assert x.min(dim=0).indices.tolist() == [0, 1]
    assert zoo_core.median(x, 0).values.tolist() == [1.0, 2.0]
    mm = zoo_core.aminmax(x)
    assert (mm.min.item(), mm.max.item()) == (1.0, 7.0)


def test_keepdim_and_zero_dim_shapes():
    x = zoo_core.ones(2, 3)
    assert x.sum(dim=None, keepdim=True).shape == (1, 1)
    assert x.sum(dim=()).shape == ()
    assert x.amax(dim=()).shape == ()
    assert zoo_core.tensor(3.0).sum(0).item() == 3.0
    assert zoo_core.tensor(3.0).max(0).values.item() == 3.0
    assert zoo_core.tensor(3.0).softmax(0).item() == 1.0
    assert x.argmax(keepdim=True).shape == (1, 1)
    assert x.var(1).shape == (2,)
    assert x.all(dim=()).shape == (2, 3)
    assert x.sum(axis=1).tolist() == [3.0, 3.0]


def test_var_of_one_element_is_nan():
    assert math.isnan(zoo_core.tensor([1.0]).var().item())
    assert zoo_core.tensor([1.0]).var(correction=0).item() == 0.0


def test_std_gradient_is_zero_where_std_is_zero():
    x = zoo_core.ones(2, 3, dtype=zoo_core.float64, requires_grad=True)
    x.std(1).sum().backward()
    assert np.all(x.grad.numpy() == 0)


def test_median_propagates_nan():
    x = zoo_core.tensor([[1.0, float("nan"), 3.0], [3.0, 1.0, 2.0]])
    r = x.median(1)
    assert math.isnan(r.values[0].item()) and r.indices.tolist() == [1, 2]
    assert math.isnan(x.median().item())


# ---- gradients where PyTorch makes a choice: ties and zeros ---------------------------------------
def _grad_pair(fn, arr):
    torch = pytest.importorskip("torch")
    z = zoo_core.tensor(arr, dtype=zoo_core.float64, requires_grad=True)
    t = torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    fz, ft = fn(zoo_core, z), fn(torch, t)
    fz = fz[0] if isinstance(fz, tuple) else fz
    ft = ft[0] if isinstance(ft, tuple) else ft
    gz, = zoo_core.autograd.grad(fz.sum(), [z])
    gt, = torch.autograd.grad(ft.sum(), [t])
    return gz.numpy(), gt.numpy()


THREE_TIES = [[2.0, 2.0, 2.0, 1.0], [0.5, 3.0, 3.0, 3.0]]


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(),
    lambda lib, x: x.min(),
    lambda lib, x: x.max(1),
    lambda lib, x: x.min(0),
    lambda lib, x: x.amax(1),
    lambda lib, x: x.amax((0, 1)),
    lambda lib, x: x.amin(-1, keepdim=True),
    lambda lib, x: x.norm(p=float("inf"), dim=1),
    lambda lib, x: lib.median(x),
], ids=["max", "min", "max_dim", "min_dim", "amax", "amax_tuple", "amin", "norm_inf", "median"])
def test_tie_gradients_match_torch(fn):
    gz, gt = _grad_pair(fn, THREE_TIES)
    np.testing.assert_allclose(gz, gt)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.prod(),
    lambda lib, x: x.prod(1),
    lambda lib, x: x.prod(0),
    lambda lib, x: x.cumprod(1),
    lambda lib, x: x.cumprod(0),
], ids=["prod", "prod_dim1", "prod_dim0", "cumprod_dim1", "cumprod_dim0"])
def test_zero_gradients_match_torch(fn):
    for arr in (ZEROS, [[0.0, 1.0], [2.0, 3.0]], [[0.0, 0.0], [2.0, 0.0]], [[0.0, 0.0, 0.0], [1.0, 2.0, 0.0]]):
        gz, gt = _grad_pair(fn, arr)
        np.testing.assert_allclose(gz, gt, err_msg=str(arr))


def test_prod_second_derivative_with_zeros():
    from zoo_core.autograd import gradgradcheck
    for arr in (ZEROS, [[0.0, 2.0, 0.0, 3.0, 0.0]], [[1.5, 0.0, 2.0]]):
        x = zoo_core.tensor(arr, dtype=zoo_core.float64, requires_grad=True)
        assert gradgradcheck(lambda t: t.prod(-1), [x])
        assert gradgradcheck(lambda t: t.prod(), [x])


@pytest.mark.parametrize("fn", [
    lambda x: x.softmax(0), lambda x: x.log_softmax(0), lambda x: x.prod(), lambda x: x.amax(0),
    lambda x: x.max(), lambda x: x.median(), lambda x: x.logsumexp(0), lambda x: x.std(), lambda x: x.norm(),
    lambda x: x.cumprod(0),
], ids=["softmax", "log_softmax", "prod", "amax", "max", "median", "logsumexp", "std", "norm", "cumprod"])
def test_inplace_change_of_a_saved_output_is_detected(fn):
    x = zoo_core.tensor([0.5, 2.0, 3.0], requires_grad=True)
    y = fn(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_cumprod_second_derivative_with_zeros_matches_torch():
    torch = pytest.importorskip("torch")
    arr = [[0.0, 2.0, 3.0, 4.0], [1.0, 0.0, 2.0, 0.0]]
    hs = []
    for lib in (zoo_core, torch):
        x = lib.tensor(arr, dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad((x.cumprod(1) * lib.tensor([1.0, -2.0, 0.5, 3.0], dtype=lib.float64)).sum(), [x],
                               create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), [x])
        hs.append(h.detach().numpy())
    np.testing.assert_allclose(hs[0], hs[1], rtol=1e-12)


def test_double_backward_through_softmax_and_logsumexp():
    torch = pytest.importorskip("torch")
    arr = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.5]])
    for name in ("softmax", "log_softmax"):
        z = zoo_core.tensor(arr, requires_grad=True)
        t = torch.tensor(arr, requires_grad=True)
        gz, = zoo_core.autograd.grad((getattr(z, name)(1) ** 2).sum(), [z], create_graph=True)
        gt, = torch.autograd.grad((getattr(t, name)(1) ** 2).sum(), [t], create_graph=True)
        hz, = zoo_core.autograd.grad((gz * gz).sum(), [z])
        ht, = torch.autograd.grad((gt * gt).sum(), [t])
        np.testing.assert_allclose(hz.numpy(), ht.numpy(), rtol=1e-10, atol=1e-12)
