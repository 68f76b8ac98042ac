"""quantile/nanquantile, nanmedian, mode, logcumsumexp, cov/corrcoef, histogram(dd), renorm, kron, rot90,
diagflat, block_diag, cartesian_prod, combinations, unravel_index, trapezoid family, isin, addr/addbmm,
in-place BLAS and scan forms, chain_matmul."""
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

torch = pytest.importorskip("torch")


def _q(lib, x, values):
    return lib.tensor(values, dtype=x.dtype, device=x.device)


def _chain(lib, *ms):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.chain_matmul(*ms)


M = [(3, 5)]
CASES = [
    OpCase("quantile_linear_dim", lambda lib, x: lib.quantile(x, 0.3, dim=1), M),
    OpCase("quantile_q_tensor_keepdim", lambda lib, x: lib.quantile(x, _q(lib, x, [0.1, 0.5, 1.0]), dim=0,
                                                                      keepdim=True), M),
    OpCase("quantile_all", lambda lib, x: lib.quantile(x, _q(lib, x, [0.25, 0.8])), M),
    OpCase("quantile_all_keepdim", lambda lib, x: lib.quantile(x, 0.4, keepdim=True), M),
    OpCase("quantile_lower", lambda lib, x: lib.quantile(x, 0.3, dim=1, interpolation="lower"), M),
    OpCase("quantile_higher", lambda lib, x: lib.quantile(x, 0.3, dim=-1, interpolation="higher"), M),
    OpCase("quantile_midpoint", lambda lib, x: lib.quantile(x, 0.3, dim=1, interpolation="midpoint"), M),
    OpCase("quantile_nearest", lambda lib, x: lib.quantile(x, _q(lib, x, [0.125, 0.375, 0.9]), dim=1,
                                                           interpolation="nearest"), M),
    OpCase("quantile_method", lambda lib, x: x.quantile(0.7, 0), [(4, 2, 3)]),
    OpCase("nanquantile", lambda lib, x: lib.nanquantile(x, 0.6, dim=1), M),
    OpCase("nanmedian_dim", lambda lib, x: lib.nanmedian(x, 1), [(3, 4)]),
    OpCase("nanmedian_keepdim", lambda lib, x: x.nanmedian(0, True), [(3, 4)]),
    OpCase("nanmedian_all", lambda lib, x: lib.nanmedian(x), [(3, 4)]),
    OpCase("mode", lambda lib, x: lib.mode(x, 1), [(3, 4)]),
    OpCase("mode_keepdim", lambda lib, x: x.mode(0, keepdim=True), [(3, 4)]),
    OpCase("logcumsumexp", lambda lib, x: lib.logcumsumexp(x, 1), [(3, 5)]),
    OpCase("logcumsumexp_dim0", lambda lib, x: x.logcumsumexp(0), [(4, 3)], low=-30, high=30),
    OpCase("cumsum_", lambda lib, x: (x * 1).cumsum_(1), [(3, 4)]),
    OpCase("cumprod_", lambda lib, x: (x * 1).cumprod_(0), [(3, 4)]),
    OpCase("cov", lambda lib, x: lib.cov(x), [(3, 6)]),
    OpCase("cov_1d", lambda lib, x: lib.cov(x, correction=0), [(6,)]),
    OpCase("cov_weights", lambda lib, x, aw: lib.cov(x, fweights=lib.tensor([1, 2, 1, 3, 1], device=x.device),
                                                         aweights=aw),
           [(2, 5), (5,)], low=0.2, high=2.0),
    OpCase("corrcoef", lambda lib, x: lib.corrcoef(x), [(3, 6)]),
    OpCase("renorm_p2", lambda lib, x: lib.renorm(x, 2, 0, 1.5), [(3, 4)]),
    OpCase("renorm_p1_dim1", lambda lib, x: x.renorm(1, 1, 2.0), [(4, 3)]),
    OpCase("renorm_p3_3d", lambda lib, x: lib.renorm(x, 3, -1, 1.0), [(2, 2, 3)]),
    OpCase("renorm_", lambda lib, x: (x * 1).renorm_(2, 0, 1.0), [(3, 4)]),
    OpCase("kron", lambda lib, a, b: lib.kron(a, b), [(2, 3), (3, 2)]),
    # PyTorch's kron raises on a non-contiguous operand of higher rank ("view size is not compatible")
    OpCase("kron_ndim", lambda lib, a, b: lib.kron(a, b), [(2,), (2, 3)], noncontig=False),
    OpCase("rot90", lambda lib, x: lib.rot90(x), [(2, 3)]),
    OpCase("rot90_k2", lambda lib, x: lib.rot90(x, 2, [0, 2]), [(2, 3, 2)]),
    OpCase("rot90_k3", lambda lib, x: x.rot90(-1, [2, 1]), [(2, 3, 4)]),
    OpCase("diagflat", lambda lib, x: lib.diagflat(x, 1), [(2, 2)]),
    OpCase("block_diag", lambda lib, a, b, c: lib.block_diag(a, b, c), [(2, 3), (3,), ()]),
    OpCase("cartesian_prod", lambda lib, a, b: lib.cartesian_prod(a, b), [(2,), (3,)]),
    OpCase("combinations", lambda lib, x: lib.combinations(x, 2), [(4,)]),
    OpCase("combinations_repl", lambda lib, x: lib.combinations(x, 3, with_replacement=True), [(3,)]),
    OpCase("trapezoid", lambda lib, y: lib.trapezoid(y), [(3, 5)]),
    OpCase("trapezoid_dx", lambda lib, y: lib.trapezoid(y, dx=0.5, dim=0), [(3, 5)]),
    OpCase("trapezoid_x", lambda lib, y, x: lib.trapezoid(y, x), [(3, 5), (5,)]),
    OpCase("trapezoid_x_bcast", lambda lib, y, x: lib.trapezoid(y, x, dim=0), [(3, 5), (3, 1)]),
    OpCase("trapz_x", lambda lib, y, x: lib.trapz(y, x), [(3, 5), (3, 5)]),
    OpCase("cumulative_trapezoid", lambda lib, y: lib.cumulative_trapezoid(y), [(3, 5)]),
    OpCase("cumulative_trapezoid_x", lambda lib, y, x: lib.cumulative_trapezoid(y, x, dim=0), [(4, 2), (4,)]),
    OpCase("addr", lambda lib, m, a, b: lib.addr(m, a, b, beta=0.5, alpha=2), [(2, 3), (2,), (3,)]),
    OpCase("addr_bcast", lambda lib, m, a, b: m.addr(a, b), [(3,), (2,), (3,)]),
    OpCase("addbmm", lambda lib, m, a, b: lib.addbmm(m, a, b, alpha=0.5), [(2, 2), (3, 2, 4), (3, 4, 2)]),
    OpCase("addr_", lambda lib, m, a, b: (m * 1).addr_(a, b, alpha=3), [(2, 3), (2,), (3,)]),
    OpCase("addbmm_", lambda lib, m, a, b: (m * 1).addbmm_(a, b, beta=2), [(2, 2), (3, 2, 4), (3, 4, 2)]),
    OpCase("addmm_", lambda lib, m, a, b: (m * 1).addmm_(a, b, beta=2), [(2, 3), (2, 4), (4, 3)]),
    OpCase("addmv_", lambda lib, m, a, b: (m * 1).addmv_(a, b, alpha=2), [(2,), (2, 4), (4,)]),
    OpCase("baddbmm_", lambda lib, m, a, b: (m * 1).baddbmm_(a, b), [(3, 2, 2), (3, 2, 4), (3, 4, 2)]),
    OpCase("chain_matmul", lambda lib, a, b, c: _chain(lib, a, b, c), [(2, 3), (3, 4), (4, 2)]),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def _both(fn):
    """``fn(lib)`` on zoo_core and torch."""
    return fn(zoo_core), fn(torch)


def _same(z, t):
    if isinstance(t, (tuple, list)):
        assert len(z) == len(t)
        for a, b in zip(z, t):
            _same(a, b)
        return
    assert tuple(z.shape) == tuple(t.shape)
    assert str(z.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (z.dtype, t.dtype)
    np.testing.assert_allclose(z.numpy(), t.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)


def _raises_like(fn, match):
    with pytest.raises(Exception) as zt:
        fn(zoo_core)
    with pytest.raises(Exception) as tt:
        fn(torch)
    assert isinstance(zt.value, type(tt.value)), (zt.value, tt.value)
    assert match in str(zt.value), str(zt.value)


NAN = float("nan")


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_values_and_nan(interp):
    data = [[1., NAN, 2., 4.], [NAN] * 4, [5., 0., 3., 3.]]
    _same(*_both(lambda lib: lib.quantile(lib.tensor(data), lib.tensor([0., 0.3, 0.5, 1.]), dim=1,
                                          interpolation=interp)))
    _same(*_both(lambda lib: lib.nanquantile(lib.tensor(data), lib.tensor([0., 0.3, 0.5, 1.]), dim=1,
                                             interpolation=interp)))
    _same(*_both(lambda lib: lib.nanquantile(lib.tensor(data), 0.5, interpolation=interp)))
    _same(*_both(lambda lib: lib.quantile(lib.tensor([0., 1, 2, 3]), lib.tensor([0.5, 1 / 6, 0.25]),
                                          interpolation=interp)))


def test_quantile_shapes_and_scalars():
    _same(*_both(lambda lib: lib.quantile(lib.tensor(2.), 0.5, dim=0)))
    _same(*_both(lambda lib: lib.quantile(lib.tensor(2.), lib.tensor([0.5]), keepdim=True)))
    _same(*_both(lambda lib: lib.quantile(lib.arange(24.).reshape(2, 3, 4), lib.tensor([0.2, 0.7]), dim=1,
                                          keepdim=True)))
    out = zoo_core.empty(2)
    zoo_core.quantile(zoo_core.tensor([1., 2., 3.]), zoo_core.tensor([0.5, 1.]), out=out)
    assert out.tolist() == [2.0, 3.0]


def test_quantile_errors():
    _raises_like(lambda lib: lib.quantile(lib.ones(3), 1.5), "q must be in the range [0, 1]")
    _raises_like(lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.2, 1.5])), "q values must be in the range")
    _raises_like(lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5), "input tensor must be either float or double")
    _raises_like(lambda lib: lib.quantile(lib.ones(3), lib.tensor([[0.5]])), "q must be a scalar or 1D tensor")
    _raises_like(lambda lib: lib.quantile(lib.ones(3), lib.tensor([0.5], dtype=lib.float64)), "same dtype")
    _raises_like(lambda lib: lib.quantile(lib.zeros(0), 0.5), "input tensor must be non-empty")
    _raises_like(lambda lib: lib.quantile(lib.ones(3), 0.5, interpolation="foo"), "interpolation must be one of")
    _raises_like(lambda lib: lib.quantile(lib.ones(2, 3), 0.5, dim=2), "Dimension out of range")
    _raises_like(lambda lib: lib.nanquantile(lib.ones(3), -0.1), "q must be in the range")


def test_nanmedian_and_median_nan():
    data = [[1., NAN, 2., 3.], [NAN] * 4, [5., NAN, NAN, 4.], [2., 2., 1., 7.]]
    z, t = _both(lambda lib: lib.nanmedian(lib.tensor(data), 1))
    _same(z.values, t.values)
    # index of an all-NaN lane is unspecified in PyTorch (nth_element); the others must match
    np.testing.assert_array_equal(z.indices.numpy()[[0, 2]], t.indices.numpy()[[0, 2]])
    assert z.values[3].item() == 2.0 and data[3][z.indices[3].item()] == 2.0
    _same(*_both(lambda lib: lib.nanmedian(lib.tensor(data[0]))))
    _same(*_both(lambda lib: lib.nanmedian(lib.tensor([NAN, NAN]))))
    _same(*_both(lambda lib: lib.nanmedian(lib.zeros(0))))
    _same(*_both(lambda lib: lib.nanmedian(lib.tensor([3, 1, 2]))))
    _same(*_both(lambda lib: lib.median(lib.tensor(data[0]))))               # median propagates NaN
    _same(*_both(lambda lib: tuple(lib.nanmedian(lib.zeros(0, 3), 1))))
    _raises_like(lambda lib: lib.nanmedian(lib.zeros(0, 3), 0), "Expected reduction dim 0 to have non-zero size")
    assert type(zoo_core.nanmedian(zoo_core.ones(2, 2), 0)).__name__ == "nanmedian"


def test_nanmedian_gradient_skips_nan():
    x = zoo_core.tensor([[1., NAN, 3.], [4., 5., 6.]], requires_grad=True)
    zoo_core.nanmedian(x, 1).values.sum().backward()
    tx = torch.tensor([[1., NAN, 3.], [4., 5., 6.]], requires_grad=True)
    torch.nanmedian(tx, 1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_mode_ties_and_shapes():
    _same(*_both(lambda lib: tuple(lib.mode(lib.tensor([[1., 5, 3, 3], [2, 2, 7, 7]]), 1))))
    _same(*_both(lambda lib: tuple(lib.mode(lib.tensor([3, 1, 3, 1, 2])))))
    _same(*_both(lambda lib: tuple(lib.mode(lib.tensor([[3, 1, 3], [1, 1, 2]]), 0, keepdim=True))))
    _same(*_both(lambda lib: tuple(lib.mode(lib.tensor(3.)))))
    _same(*_both(lambda lib: tuple(lib.mode(lib.tensor([True, False, True])))))
    _same(*_both(lambda lib: tuple(lib.mode(lib.zeros(0, 3), 1))))
    # PyTorch sorts NaN with `<` (undefined order), so only the value is comparable; zoo counts NaNs as one
    # value sorted last
    _same(*_both(lambda lib: lib.mode(lib.tensor([NAN, NAN, 1.])).values))
    _raises_like(lambda lib: lib.mode(lib.zeros(0, 3), 0), "Expected reduction dim 0 to have non-zero size")
    r = zoo_core.mode(zoo_core.tensor([2, 2, 1]))
    assert type(r).__name__ == "mode" and r.values.item() == 2


def test_mode_random_ints():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, size=(5, 9))
    for dim in (0, 1):
        _same(*_both(lambda lib: tuple(lib.mode(lib.tensor(a), dim))))


def test_logcumsumexp_extremes_and_errors():
    _same(*_both(lambda lib: lib.logcumsumexp(lib.tensor([-1000., 0., float("-inf"), 1000.]), 0)))
    _same(*_both(lambda lib: lib.logcumsumexp(lib.tensor([float("-inf"), float("-inf"), 2.]), 0)))
    _same(*_both(lambda lib: lib.logcumsumexp(lib.tensor(2.), 0)))
    _same(*_both(lambda lib: lib.logcumsumexp(lib.zeros(2, 0), 1)))
    _raises_like(lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0), "not implemented")
    x = zoo_core.tensor([-1000., 0., 1.], requires_grad=True)
    zoo_core.logcumsumexp(x, 0).sum().backward()
    tx = torch.tensor([-1000., 0., 1.], requires_grad=True)
    torch.logcumsumexp(tx, 0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_inplace_scan_dtype():
    _same(*_both(lambda lib: lib.ones(3, dtype=lib.int32).cumsum_(0)))
    _same(*_both(lambda lib: lib.tensor([1, 2, 3]).cumprod_(0)))
    _raises_like(lambda lib: lib.ones(3, dtype=lib.long).cumsum_(0, dtype=lib.float32), "Bad in-place call")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")   # numpy's 0/0 in cov([1.])
def test_cov_corrcoef_values_and_errors():
    x = [[1., 5, 3, 3], [2, 2, 7, 8]]
    _same(*_both(lambda lib: lib.cov(lib.tensor([[1, 2, 4], [3, 1, 0]]))))
    _same(*_both(lambda lib: lib.cov(lib.tensor(x), fweights=lib.tensor([1, 2, 1, 1]))))
    _same(*_both(lambda lib: lib.cov(lib.tensor(x), aweights=lib.tensor([1, 2, 1, 1.]), correction=0)))
    _same(*_both(lambda lib: lib.cov(lib.tensor(x), fweights=lib.tensor([1, 2, 1, 1]),
                                     aweights=lib.tensor([.5, 2, 1, 1.]), correction=2)))
    _same(*_both(lambda lib: lib.corrcoef(lib.tensor([[1, 2, 4], [3, 1, 0]]))))
    _same(*_both(lambda lib: lib.corrcoef(lib.tensor([1., 2, 4]))))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        z = zoo_core.cov(zoo_core.tensor([1.]))
    assert np.isnan(z.item())
    _raises_like(lambda lib: lib.cov(lib.zeros(2, 3, 4)), "two or fewer dimensions")
    _raises_like(lambda lib: lib.cov(lib.ones(2, 4), fweights=lib.tensor([1., 2, 1, 1])), "integral dtype")
    _raises_like(lambda lib: lib.cov(lib.ones(2, 4), fweights=lib.tensor([1, -2, 1, 1])), "cannot be negative")
    _raises_like(lambda lib: lib.cov(lib.ones(2, 4), aweights=lib.tensor([1, 2, 1, 1])), "floating point dtype")
    _raises_like(lambda lib: lib.cov(lib.ones(2, 4), aweights=lib.tensor([1., 2])), "same numel")


def test_histogram_matches_torch():
    rng = np.random.default_rng(3)
    a = rng.standard_normal(50).astype(np.float32)
    w = rng.uniform(0, 2, 50).astype(np.float32)
    _same(*_both(lambda lib: tuple(lib.histogram(lib.tensor(a), bins=7))))
    _same(*_both(lambda lib: tuple(lib.histogram(lib.tensor(a), bins=5, range=(-1., 1.), weight=lib.tensor(w),
                                                 density=True))))
    _same(*_both(lambda lib: tuple(lib.histogram(lib.tensor(a), bins=lib.tensor([-3., -0.5, 0., 2.5])))))
    _same(*_both(lambda lib: tuple(lib.histogram(lib.tensor([1., 1.]), bins=2))))
    _same(*_both(lambda lib: tuple(lib.histogram(lib.tensor([]), bins=2))))
    _same(*_both(lambda lib: tuple(lib.tensor([1., 2., 1.]).histogram(4, range=(0., 3.)))))
    _raises_like(lambda lib: lib.histogram(lib.tensor([1, 2]), bins=2), "not implemented")
    _raises_like(lambda lib: lib.histogram(lib.tensor([1., 2.]), bins=0), "bins must be > 0")
    _raises_like(lambda lib: lib.histogram(lib.tensor([1., 2.]), bins=2, range=(3., 1.)), "min should not exceed")
    _raises_like(lambda lib: lib.histogram(lib.tensor([1., NAN]), bins=2), "is not finite")


def test_histogramdd_matches_torch():
    rng = np.random.default_rng(4)
    p = rng.standard_normal((40, 2))
    z, t = _both(lambda lib: lib.histogramdd(lib.tensor(p), bins=[3, 4]))
    _same(z.hist, t.hist)
    _same(tuple(z.bin_edges), tuple(t.bin_edges))
    z, t = _both(lambda lib: lib.histogramdd(lib.tensor(p), bins=3, range=[-1., 1., 0., 2.], density=True,
                                             weight=lib.tensor(np.abs(p[:, 0]))))
    _same(z.hist, t.hist)


def test_renorm_errors():
    _raises_like(lambda lib: lib.renorm(lib.ones(2, 2), 2, 0, -5), "maxnorm to be >= 0")
    _raises_like(lambda lib: lib.renorm(lib.ones(2, 2), -1, 0, 5), "non-positive-norm")
    _raises_like(lambda lib: lib.renorm(lib.ones(2), 2, 0, 5), "at least 2 dimensions")
    _raises_like(lambda lib: lib.renorm(lib.ones(2, 3), 2, 2, 1), "Dimension out of range")
    _same(*_both(lambda lib: lib.renorm(lib.ones(2, 3), float("inf"), 1, 1)))


def test_structure_values():
    _same(*_both(lambda lib: lib.kron(lib.tensor([1, 2]), lib.tensor([[1., 10]]))))
    _same(*_both(lambda lib: lib.kron(lib.tensor(2), lib.tensor(3.))))
    _same(*_both(lambda lib: lib.kron(lib.ones(2, 3, dtype=lib.int32), lib.arange(2))))
    for k in range(-2, 6):
        _same(*_both(lambda lib: lib.rot90(lib.arange(6).reshape(2, 3), k, [1, 0])))
    _same(*_both(lambda lib: lib.diagflat(lib.tensor([[1, 2], [3, 4]]), -1)))
    _same(*_both(lambda lib: lib.diagflat(lib.tensor(3.))))
    _same(*_both(lambda lib: lib.block_diag(lib.tensor([[1, 2]]), lib.tensor(3.), lib.tensor([4, 5]))))
    _same(*_both(lambda lib: lib.block_diag()))
    _same(*_both(lambda lib: lib.block_diag(lib.zeros(0, 2), lib.ones(1, 0))))
    _same(*_both(lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3, 4, 5]), lib.tensor([6, 7]))))
    _same(*_both(lambda lib: lib.cartesian_prod(lib.tensor([1, 2]))))
    _same(*_both(lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([], dtype=lib.int64))))
    for r in range(4):
        for rep in (False, True):
            _same(*_both(lambda lib: lib.combinations(lib.tensor([1, 2, 3]), r, with_replacement=rep)))
    _same(*_both(lambda lib: lib.combinations(lib.tensor([], dtype=lib.int64), 2)))


def test_kron_noncontiguous():
    b = zoo_core.arange(6.).reshape(3, 2).t()
    np.testing.assert_array_equal(zoo_core.kron(zoo_core.tensor([1., 2.]), b).numpy(),
                                  np.kron([1., 2.], b.numpy()))


def test_structure_errors():
    _raises_like(lambda lib: lib.rot90(lib.ones(2, 2), 1, [0]), "expected total rotation dims == 2")
    _raises_like(lambda lib: lib.rot90(lib.ones(2, 2), 1, [0, -2]), "expected rotation dims to be different")
    _raises_like(lambda lib: lib.rot90(lib.ones(2), 1), "expected total dims >= 2")
    _raises_like(lambda lib: lib.rot90(lib.ones(2, 2), 1, [0, 2]), "Dimension out of range")
    _raises_like(lambda lib: lib.block_diag(lib.zeros(2, 2, 2)), "Input 0 has 3 dimensions")
    _raises_like(lambda lib: lib.cartesian_prod(lib.tensor([[1, 2]])), "Expect a 1D vector")
    _raises_like(lambda lib: lib.combinations(lib.tensor([[1, 2]])), "Expect a 1D vector")
    _raises_like(lambda lib: lib.combinations(lib.tensor([1, 2]), -1), "Expect a non-negative number")


def test_unravel_index():
    _same(*_both(lambda lib: lib.unravel_index(lib.tensor([4, 1, 7, -1]), (2, 3))))
    _same(*_both(lambda lib: lib.unravel_index(lib.tensor([[4], [5]], dtype=lib.int32), (2, 3))))
    _same(*_both(lambda lib: lib.unravel_index(lib.tensor(4), lib.Size([2, 3]))))
    _same(*_both(lambda lib: lib.unravel_index(lib.tensor([1]), 3)))
    assert zoo_core.unravel_index(zoo_core.tensor([1]), ()) == ()
    _raises_like(lambda lib: lib.unravel_index(lib.tensor([1.]), (2, 3)), "integer dtype")
    _raises_like(lambda lib: lib.unravel_index(lib.tensor([1]), (-2, 3)), "cannot have negative values")


def test_trapezoid_forms():
    _same(*_both(lambda lib: lib.trapezoid(lib.tensor([1, 2, 3]))))
    _same(*_both(lambda lib: lib.trapezoid(lib.tensor([1, 2, 3]), dx=2)))
    _same(*_both(lambda lib: lib.trapezoid(lib.tensor([1, 2, 3]), lib.tensor([1, 2, 4]))))
    _same(*_both(lambda lib: lib.trapezoid(lib.zeros(2, 0))))
    _same(*_both(lambda lib: lib.trapezoid(lib.zeros(2, 1))))
    _same(*_both(lambda lib: lib.trapz(lib.ones(2, 3), dx=3.)))
    _same(*_both(lambda lib: lib.cumulative_trapezoid(lib.tensor([1, 2, 3]))))
    _same(*_both(lambda lib: lib.cumulative_trapezoid(lib.zeros(2, 0))))
    _raises_like(lambda lib: lib.trapezoid(lib.ones(2, 4), lib.tensor([0., 1, 3])), "one `x` value for each")
    _raises_like(lambda lib: lib.trapezoid(lib.tensor(1.)), "has no dimensions")


def test_isin():
    _same(*_both(lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2., 5]))))
    _same(*_both(lambda lib: lib.isin(lib.tensor([1, 2, 3]), 2)))
    _same(*_both(lambda lib: lib.isin(2, lib.tensor([1, 2, 3]))))
    _same(*_both(lambda lib: lib.isin(lib.tensor([1., NAN]), lib.tensor([NAN, 1.]))))
    _same(*_both(lambda lib: lib.isin(lib.tensor([[1, 2], [3, 4]]), lib.tensor([[2, 4]]), invert=True)))
    _same(*_both(lambda lib: lib.isin(lib.tensor([1.5, 2]), lib.tensor([1, 2]), assume_unique=True)))
    _raises_like(lambda lib: lib.isin(lib.tensor([1, 2]), lib.tensor([True])), "Unsupported input type")


def test_blas_values_and_errors():
    _same(*_both(lambda lib: lib.addr(lib.zeros(2, 3, dtype=lib.int64), lib.tensor([1, 2]), lib.tensor([1, 2, 3]),
                                      alpha=2)))
    _same(*_both(lambda lib: lib.addr(lib.tensor([[True, False, False], [False] * 3]), lib.tensor([True, False]),
                                      lib.tensor([True, True, False]))))
    _same(*_both(lambda lib: lib.addr(lib.full((2, 3), NAN), lib.ones(2), lib.ones(3), beta=0)))
    _raises_like(lambda lib: lib.addr(lib.zeros(2, 3, dtype=lib.int64), lib.tensor([1, 2]), lib.tensor([1, 2, 3]),
                                      alpha=2.5), "must not be a floating point number")
    _raises_like(lambda lib: lib.addr(lib.zeros(2, 3), lib.ones(1, 2), lib.ones(3)), "Expected 1-D argument vec1")
    _raises_like(lambda lib: lib.addbmm(lib.zeros(2, 2), lib.ones(3, 2, 4), lib.ones(2, 4, 2)),
                 "same number of batches")
    _raises_like(lambda lib: lib.ones(1, 3).addmm_(lib.ones(2, 2), lib.ones(2, 3)), "Bad in-place call")
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        z = zoo_core.chain_matmul(zoo_core.ones(2, 3))
    assert z.tolist() == [[1.0] * 3] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(lambda lib: lib.chain_matmul(), "Expected one or more matrices")
        _raises_like(lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(3)), "Tensor dimension is 1")


@pytest.mark.filterwarnings("ignore")
def test_nondifferentiable_ops_on_device(device):
    """The selection/counting ops give the CPU's results on every device."""
    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, size=(5, 9))
    f = rng.standard_normal((6, 7))
    f[1, 2] = f[3, 3] = NAN
    calls = [
        lambda x, d: tuple(zoo_core.mode(x(a, d), 1)),
        lambda x, d: tuple(zoo_core.nanmedian(x(f, d), 0)),
        lambda x, d: zoo_core.nanmedian(x(f, d)),
        lambda x, d: zoo_core.nanquantile(x(f, d), x(np.array([0.2, 0.9]), d), dim=1),
        lambda x, d: zoo_core.quantile(x(f, d), 0.5, dim=0, interpolation="nearest"),
        lambda x, d: tuple(zoo_core.histogram(x(np.nan_to_num(f), d), bins=5)),
        lambda x, d: zoo_core.histogramdd(x(np.nan_to_num(f[:, :2]), d), bins=[2, 3]).hist,
        lambda x, d: zoo_core.isin(x(a, d), x(np.array([1, 3]), d), invert=True),
        lambda x, d: zoo_core.unravel_index(x(a, d), (2, 2)),
        lambda x, d: zoo_core.combinations(x(np.arange(4), d), 3),
        lambda x, d: zoo_core.logcumsumexp(x(np.nan_to_num(f) * 50, d), 1),
        lambda x, d: x(a, d).cumsum_(0),
        lambda x, d: zoo_core.addr(x(a[:2, :3] > 1, d), x(a[0, :2] > 0, d), x(a[1, :3] > 0, d)),
    ]

    def on(arr, dev):
        return zoo_core.tensor(arr).to(dev)
    for call in calls:
        got, want = call(on, device), call(on, "cpu")
        got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
        for g, w in zip(got, want):
            assert g.device.type == zoo_core.device(device).type and g.dtype == w.dtype
            np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-12, equal_nan=True)


def test_out_arguments():
    a, b = zoo_core.ones(2, 3), zoo_core.ones(3, 2)
    for fn, args, want in [
        (zoo_core.addmm, (zoo_core.ones(2, 2), a, b), [[4.0] * 2] * 2),
        (zoo_core.baddbmm, (zoo_core.ones(1, 2, 2), a[None], b[None]), [[[4.0] * 2] * 2]),
        (zoo_core.addmv, (zoo_core.ones(2), a, zoo_core.ones(3)), [4.0, 4.0]),
        (zoo_core.addr, (zoo_core.ones(2, 2), zoo_core.ones(2), zoo_core.ones(2)), [[2.0] * 2] * 2),
        (zoo_core.kron, (zoo_core.ones(2), zoo_core.ones(1)), [1.0, 1.0]),
        (zoo_core.logcumsumexp, (zoo_core.zeros(2), 0), [0.0, float(np.log(2))]),
        (zoo_core.renorm, (zoo_core.full((2, 1), 2.0), 2, 0, 1.0), [[1.0], [1.0]]),
    ]:
        out = zoo_core.empty(np.array(want).shape)
        r = fn(*args, out=out)
        assert r is out
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


def test_inplace_forms_keep_identity_and_check_leaves():
    x = zoo_core.tensor([[1., 2.], [3., 4.]])
    v = x._version
    assert x.renorm_(2, 0, 1.0) is x and x._version > v
    leaf = zoo_core.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.cumsum_(0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.addmm_(zoo_core.ones(2, 2), zoo_core.ones(2, 2))
