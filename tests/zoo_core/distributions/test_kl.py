"""kl_divergence against PyTorch, the registry, and gradients of KL terms."""
import numpy as np
import pytest

import zoo_core
from zoo_core.distributions import Normal, kl_divergence, register_kl

from ._cases import CASES, t

torch = pytest.importorskip("torch")


PAIRS = {
    "Normal": lambda lib: lib.distributions.Normal(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "Laplace": lambda lib: lib.distributions.Laplace(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "Cauchy": lambda lib: lib.distributions.Cauchy(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "Exponential": lambda lib: lib.distributions.Exponential(t(lib, [2.0, 0.5, 1.0])),
    "Gamma": lambda lib: lib.distributions.Gamma(t(lib, [2.0, 0.5, 1.0]), t(lib, [1.0, 3.0, 0.7])),
    "Beta": lambda lib: lib.distributions.Beta(t(lib, [2.0, 0.5, 1.0]), t(lib, [1.0, 3.0, 0.7])),
    "Dirichlet": lambda lib: lib.distributions.Dirichlet(t(lib, [[1.0, 2.0, 0.5], [2.0, 2.0, 2.0]])),
    "Bernoulli": lambda lib: lib.distributions.Bernoulli(t(lib, [0.3, 0.6, 0.5])),
    "Binomial": lambda lib: lib.distributions.Binomial(t(lib, [5.0, 5.0, 5.0]), t(lib, [0.3, 0.6, 0.5])),
    "Geometric": lambda lib: lib.distributions.Geometric(t(lib, [0.3, 0.6, 0.5])),
    "Poisson": lambda lib: lib.distributions.Poisson(t(lib, [0.3, 0.6, 5.0])),
    "Categorical": lambda lib: lib.distributions.Categorical(
        logits=t(lib, [[0.0, 1.0, 0.0, 2.0], [0.5, 0.5, 0.5, 0.0]])),
    "OneHotCategorical": lambda lib: lib.distributions.OneHotCategorical(
        logits=t(lib, [[0.0, 1.0, 0.0, 2.0], [0.5, 0.5, 0.5, 0.0]])),
    "MVNCov": lambda lib: lib.distributions.MultivariateNormal(
        t(lib, [0.0, 1.0, 0.5]), scale_tril=t(lib, [[1.0, 0, 0], [0.5, 2.0, 0], [0.1, 0.1, 0.7]])),
    "MVNTril": lambda lib: lib.distributions.MultivariateNormal(
        t(lib, [[0.0, 1.0, 0.5], [1.0, 1.0, 1.0]]), covariance_matrix=t(lib, np.eye(3) * 2)),
    "IndependentNormal": lambda lib: lib.distributions.Independent(
        lib.distributions.Normal(t(lib, [[0.0, 1.0, 0.5]] * 2), t(lib, [[1.0, 2.0, 0.5]] * 2)), 1),
    "LogNormal": lambda lib: lib.distributions.LogNormal(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "Uniform": lambda lib: lib.distributions.Uniform(t(lib, [-2.0, -1.0, -1.0]), t(lib, [2.0, 3.0, 3.0])),
}
CROSS = [("Uniform", lambda lib: lib.distributions.Normal(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0]))),
         ("Exponential", PAIRS["Gamma"])]


def _np(x):
    return np.asarray(x.detach().tolist(), dtype=np.float64)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_kl_matches_torch(name):
    make_p, make_q = CASES[name][0], PAIRS[name]
    got = kl_divergence(make_p(zoo_core), make_q(zoo_core))
    expected = torch.distributions.kl_divergence(make_p(torch), make_q(torch))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-7, atol=1e-10)
    # KL(p || p) = 0
    np.testing.assert_allclose(_np(kl_divergence(make_p(zoo_core), make_p(zoo_core))), 0.0, atol=1e-9)


@pytest.mark.parametrize("i", range(len(CROSS)))
def test_kl_cross_pairs(i):
    name, make_q = CROSS[i]
    make_p = CASES[name][0]
    got = kl_divergence(make_p(zoo_core), make_q(zoo_core))
    expected = torch.distributions.kl_divergence(make_p(torch), make_q(torch))
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-7)


def test_kl_infinite_support_mismatch():
    p = zoo_core.distributions.Uniform(t(zoo_core, [0.0]), t(zoo_core, [2.0]))
    q = zoo_core.distributions.Uniform(t(zoo_core, [0.5]), t(zoo_core, [3.0]))
    assert _np(kl_divergence(p, q))[0] == np.inf
    bp = zoo_core.distributions.Bernoulli(t(zoo_core, [0.5]))
    bq = zoo_core.distributions.Bernoulli(t(zoo_core, [0.0]))
    assert _np(kl_divergence(bp, bq))[0] == np.inf


def test_kl_gradient_matches_torch():
    grads = []
    for lib in (zoo_core, torch):
        loc = t(lib, [0.3, -0.2]).requires_grad_()
        scale = t(lib, [1.5, 0.7]).requires_grad_()
        kl = lib.distributions.kl_divergence(lib.distributions.Normal(loc, scale),
                                             lib.distributions.Normal(t(lib, [0.0, 0.0]), t(lib, [1.0, 1.0])))
        kl.sum().backward()
        grads.append((_np(loc.grad), _np(scale.grad)))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)


def test_kl_mvn_gradcheck():
    loc = t(zoo_core, [0.3, -0.2]).requires_grad_()
    A = t(zoo_core, [[1.0, 0.2], [0.2, 0.8]]).requires_grad_()
    q = zoo_core.distributions.MultivariateNormal(t(zoo_core, [0.0, 1.0]), t(zoo_core, [[2.0, 0.1], [0.1, 1.0]]))

    def fn(loc, A):
        cov = A @ A.mT + 0.1 * zoo_core.eye(2, dtype=A.dtype)
        return kl_divergence(zoo_core.distributions.MultivariateNormal(loc, cov), q)
    assert zoo_core.autograd.gradcheck(fn, (loc, A))


def test_register_kl_and_missing_pair():
    class MyNormal(Normal):
        pass

    p, q = MyNormal(0.0, 1.0), Normal(1.0, 2.0)
    # a subclass uses the parent's registration
    assert float(kl_divergence(p, q)) == pytest.approx(float(kl_divergence(Normal(0.0, 1.0), q)))

    @register_kl(MyNormal, Normal)
    def _kl(p, q):
        return zoo_core.tensor(42.0)
    assert float(kl_divergence(p, q)) == 42.0
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q "
                                                  "type Poisson"):
        kl_divergence(Normal(0.0, 1.0), zoo_core.distributions.Poisson(1.0))
