"""Wishart and LKJCholesky against PyTorch: values, gradchecks, sample moments, validation."""
import numpy as np
import pytest

import zoo_core
import zoo_core.distributions as D
from zoo_core.autograd import gradcheck

from ._cases import t

torch = pytest.importorskip("torch")

COV = [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]]
CORR = [[1.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.0]]


def _np(x):
    return np.asarray(x.detach().tolist(), dtype=np.float64)


def _wishart(lib, kind, df=None, m=None):
    df = t(lib, [4.0, 6.5]) if df is None else df
    m = t(lib, COV) if m is None else m
    if kind == "scale_tril":
        return lib.distributions.Wishart(df, scale_tril=lib.linalg.cholesky(m))
    return lib.distributions.Wishart(df, **{kind: m})


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_matches_torch(kind):
    out = {}
    for lib in (zoo_core, torch):
        d = _wishart(lib, kind)
        v = t(lib, COV) * 2
        out[lib] = [d.log_prob(v), d.entropy(), d.mean, d.mode, d.variance, d.covariance_matrix,
                    d.precision_matrix, d.scale_tril, d.expand((3, 2)).log_prob(v)]
    for a, b in zip(out[zoo_core], out[torch]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)


def test_wishart_gradcheck():
    df = t(zoo_core, [4.0, 6.5]).requires_grad_()
    m = t(zoo_core, COV).requires_grad_()
    v = t(zoo_core, COV) * 2

    def fn(df, m):
        d = _wishart(zoo_core, "covariance_matrix", df, (m + m.mT) / 2)
        return d.log_prob(v), d.entropy()
    assert gradcheck(fn, (df, m))

    def rs(df, m):
        zoo_core.manual_seed(5)
        return _wishart(zoo_core, "scale_tril", df, (m + m.mT) / 2).rsample((2,))
    assert gradcheck(rs, (t(zoo_core, [4.0, 6.5]), m))


def test_wishart_sample_moments(device):
    zoo_core.manual_seed(0)
    d = D.Wishart(t(zoo_core, [4.0, 7.0]).to(device), covariance_matrix=t(zoo_core, COV).to(device))
    x = d.sample((20000,))
    assert tuple(x.shape) == (20000, 2, 3, 3) and x.device == d.mean.device
    x = np.asarray(x.cpu().tolist())
    mean, var = _np(d.mean.cpu()), _np(d.variance.cpu())
    np.testing.assert_array_less(np.abs(x.mean(0) - mean), 5 * np.sqrt(var / 20000))
    np.testing.assert_allclose(x.var(0), var, rtol=0.15)


def test_lkj_matches_torch():
    out = {}
    for lib in (zoo_core, torch):
        d = lib.distributions.LKJCholesky(3, t(lib, [0.5, 2.0]))
        L = lib.linalg.cholesky(t(lib, CORR))
        out[lib] = [d.log_prob(L), d.expand((4, 2)).log_prob(L)]
        assert tuple(d.event_shape) == (3, 3) and tuple(d.batch_shape) == (2,)
    for a, b in zip(out[zoo_core], out[torch]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10)
    eta = t(zoo_core, [0.5, 2.0]).requires_grad_()
    L = zoo_core.linalg.cholesky(t(zoo_core, CORR))
    assert gradcheck(lambda e: D.LKJCholesky(3, e).log_prob(L), (eta,))


@pytest.mark.parametrize("dim,eta", [(2, 1.0), (4, 0.5), (3, 3.0)])
def test_lkj_sample_marginals(dim, eta, device):
    """Off-diagonal correlations have mean 0; their variances match those of PyTorch's sampler (whose Beta
    parameters give the LKJ marginal variance 1 / (2 eta + dim - 1) only to C[1, 0])."""
    zoo_core.manual_seed(0)
    torch.manual_seed(0)
    d = D.LKJCholesky(dim, t(zoo_core, eta).to(device))
    L = d.sample((20000,))
    assert tuple(L.shape) == (20000, dim, dim) and L.device.type == device
    assert bool(d.support.check(L).all())
    rows, cols = np.tril_indices(dim, -1)
    var = {}
    for lib, x in ((zoo_core, np.asarray(L.cpu().tolist())),
                   (torch, torch.distributions.LKJCholesky(dim, t(torch, eta)).sample((20000,)).numpy())):
        C = x @ np.swapaxes(x, -1, -2)
        np.testing.assert_allclose(np.diagonal(C, axis1=1, axis2=2), 1.0, rtol=1e-10)
        r = C[:, rows, cols]
        np.testing.assert_array_less(np.abs(r.mean(0)), 5 * np.sqrt(r.var(0) / 20000))
        var[lib] = r.var(0)
    np.testing.assert_allclose(var[zoo_core], var[torch], rtol=0.06)
    np.testing.assert_allclose(var[zoo_core][0], 1 / (2 * eta + dim - 1), rtol=0.06)   # C[1, 0]


def test_errors_like_torch():
    for lib in (zoo_core, torch):
        with pytest.raises(ValueError, match="greater than or equal to 2. Found dim=1"):
            lib.distributions.LKJCholesky(1, 1.0)
        with pytest.raises(ValueError, match="expected to be greater than ndim - 1 = 2"):
            lib.distributions.Wishart(t(lib, 1.5), covariance_matrix=t(lib, COV))
        with pytest.raises(AssertionError, match="Exactly one of"):
            lib.distributions.Wishart(t(lib, 4.0))
        with pytest.warns(UserWarning, match="Low df values detected"):
            lib.distributions.Wishart(t(lib, 2.5), covariance_matrix=t(lib, COV))
        with pytest.raises(ValueError, match="support"):
            lib.distributions.LKJCholesky(3, 1.0).log_prob(t(lib, COV))
