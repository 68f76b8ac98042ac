"""Transforms: forward/inverse/log-det against PyTorch, caching, composition, and a SAC-style policy."""
import numpy as np
import pytest

import zoo_core
import zoo_core.distributions as D

from ._cases import t

torch = pytest.importorskip("torch")

TRANSFORMS = {
    "exp": (lambda T: T.ExpTransform(), [-1.0, 0.0, 2.0]),
    "affine": (lambda T: T.AffineTransform(1.0, -2.0), [-1.0, 0.0, 2.0]),
    "sigmoid": (lambda T: T.SigmoidTransform(), [-3.0, 0.0, 2.0]),
    "tanh": (lambda T: T.TanhTransform(), [-3.0, 0.0, 2.0]),
    "softplus": (lambda T: T.SoftplusTransform(), [-3.0, 0.0, 2.0]),
    "power": (lambda T: T.PowerTransform(2.5), [0.5, 1.0, 2.0]),
    "compose": (lambda T: T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.TanhTransform(),
                                              T.AffineTransform(1.0, 3.0)]), [-1.0, 0.0, 0.4]),
    "inverse": (lambda T: T.ExpTransform().inv, [0.5, 1.0, 2.0]),
}


def _np(x):
    return np.asarray(x.detach().tolist())


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_matches_torch(name):
    make, x = TRANSFORMS[name]
    out = []
    for lib in (zoo_core, torch):
        tr = make(lib.distributions.transforms)
        xs = t(lib, x)
        y = tr(xs)
        out.append((_np(y), _np(tr.inv(y * 1)), _np(tr.log_abs_det_jacobian(xs, y)), tr.sign, tr.bijective,
                    repr(tr.domain), repr(tr.codomain)))
    (y, xi, ld, *rest), (ey, exi, eld, *erest) = out
    np.testing.assert_allclose(y, ey, rtol=1e-12)
    np.testing.assert_allclose(xi, exi, rtol=1e-7, atol=1e-12)   # torch loses digits in pow(y, 1/p)
    np.testing.assert_allclose(ld, eld, rtol=1e-10, atol=1e-12)
    assert [int(r) if isinstance(r, int) else r for r in rest] == erest


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # atanh(1) on purpose
def test_cache_returns_the_same_tensor():
    tr = D.TanhTransform(cache_size=1)
    x = zoo_core.tensor([30.0])   # tanh rounds to exactly 1: atanh(1) = inf without the cache
    y = tr(x)
    assert tr.inv(y) is x
    assert float(D.TanhTransform().inv(y)) == float("inf")
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    assert D.ExpTransform().with_cache(1)._cache_size == 1


def test_sac_squashed_gaussian_policy():
    """The SAC actor: a = tanh(u), u ~ N(mu, sigma); log pi(a) = log N(u) - sum log(1 - tanh(u)^2)."""
    mu = zoo_core.tensor([[0.1, -0.3], [2.0, 4.0]], requires_grad=True)
    log_std = zoo_core.tensor([[-0.5, 0.0], [0.2, -1.0]], requires_grad=True)
    base = D.Normal(mu, log_std.exp())
    pi = D.TransformedDistribution(base, [D.TanhTransform(cache_size=1)])
    zoo_core.manual_seed(0)
    a = pi.rsample()
    logp = pi.log_prob(a).sum(-1)
    u = a.detach().atanh()   # recompute the pre-squash value the long way
    ref = (base.log_prob(u) - zoo_core.log(1 - a.detach() ** 2)).sum(-1)
    np.testing.assert_allclose(_np(logp), _np(ref), rtol=1e-4)
    (logp.sum() + a.sum()).backward()
    assert mu.grad is not None and np.isfinite(_np(mu.grad)).all() and np.isfinite(_np(log_std.grad)).all()
    assert tuple(pi.sample((5,)).shape) == (5, 2, 2)
    assert (np.abs(_np(pi.sample((100,)))) <= 1).all()


def test_transformed_cdf_icdf_and_independent_event():
    for lib in (zoo_core, torch):
        T = lib.distributions.transforms
        d = lib.distributions.TransformedDistribution(
            lib.distributions.Normal(t(lib, [0.0, 1.0]), t(lib, [1.0, 2.0])),
            [T.AffineTransform(1.0, -2.0), T.ExpTransform()])
        r = (_np(d.cdf(t(lib, [0.5, 2.0]))), _np(d.icdf(t(lib, [0.3, 0.6]))))
        e = lib.distributions.TransformedDistribution(
            lib.distributions.Normal(t(lib, [[0.0, 1.0]]), t(lib, [[1.0, 2.0]])),
            [T.AffineTransform(t(lib, [1.0, 2.0]), 3.0, event_dim=1)])
        r += (tuple(e.batch_shape), tuple(e.event_shape), _np(e.log_prob(t(lib, [[0.3, 0.1]]))))
        if lib is torch:
            expected = r
        else:
            got = r
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-10)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-10)
    assert got[2:4] == expected[2:4]
    np.testing.assert_allclose(got[4], expected[4], rtol=1e-10)
