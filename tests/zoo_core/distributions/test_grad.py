"""float64 gradchecks of log_prob (and rsample-based expressions) wrt the parameters, and gradient
parity with PyTorch."""
import numpy as np
import pytest

import zoo_core
from zoo_core.autograd import gradcheck, gradgradcheck

from ._cases import CASES, t

# name -> (a, b, map applied to (a, b) before building); None: parameter not passed
SYM = lambda a, b: (a, (b + b.mT) / 2)   # noqa: E731  gradcheck perturbs one entry: keep covariances symmetric
PARAMS = {
    "Normal": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "Uniform": ([0.3, -1.2, 2.0], [1.0, 0.0, 3.0], None),
    "Laplace": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "Cauchy": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "StudentT": ([3.0, 1.5, 8.0], [1.5, 0.7, 2.5], None),
    "LogNormal": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "Exponential": ([1.5, 0.7, 2.5], None, None),
    "Gamma": ([1.5, 0.7, 2.5], [0.5, 2.0, 1.0], None),
    "Chi2": ([1.5, 0.7, 2.5], None, None),
    "Beta": ([1.5, 0.7, 2.5], [0.5, 2.0, 1.0], None),
    "Dirichlet": ([[1.5, 0.7, 2.5], [0.5, 3.0, 1.0]], None, None),
    "Bernoulli": ([0.2, 0.5, 0.9], None, None),
    "BernoulliLogits": ([0.3, -1.2, 2.0], None, None),
    "Binomial": ([0.2, 0.5, 0.9], None, None),
    "Geometric": ([0.2, 0.5, 0.9], None, None),
    "Poisson": ([1.5, 0.7, 2.5], None, None),
    "Categorical": ([[0.1, -1.0, 2.0, 0.5], [1.0, 1.0, -0.3, 0.0]], None, None),
    "CategoricalProbs": ([[0.1, 0.2, 0.3, 0.4], [1.0, 2.0, 0.5, 0.5]], None, None),
    "OneHotCategorical": ([[0.1, -1.0, 2.0, 0.5], [1.0, 1.0, -0.3, 0.0]], None, None),
    "MVNCov": ([0.3, -1.2, 2.0], [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]], SYM),
    "MVNTril": ([0.3, -1.2, 2.0], [[1.2, 0.0, 0.0], [0.4, 0.8, 0.0], [-0.3, 0.2, 1.1]], lambda a, b: (a, b.tril())),
    "MVNPrecision": ([0.3, -1.2, 2.0], [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]], SYM),
    "IndependentNormal": ([[0.3, -1.2, 2.0], [1.5, 0.7, 2.5]], None, None),
    "TanhNormal": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "AffineSigmoid": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "Multinomial": ([[0.1, -1.0, 2.0, 0.5], [1.0, 1.0, -0.3, 0.0]], None, None),
    "HalfNormal": ([1.5, 0.7, 2.5], None, None),
    "Gumbel": ([0.3, -1.2, 2.0], [1.5, 0.7, 2.5], None),
    "RelaxedBernoulli": ([0.3, -1.2, 2.0], None, None),
    "RelaxedOneHotCategorical": ([[0.1, -1.0, 2.0, 0.5], [1.0, 1.0, -0.3, 0.0]], None, None),
    "MixtureNormal": ([0.1, -1.0, 2.0], [1.5, 0.7, 2.5], None),
    "MixtureMVN": ([[0.1, -1.0], [2.0, 0.0]], [[[0.3, -1.2, 2.0], [1.5, 0.7, 2.5]]] * 2, None),
}


def _inputs(name):
    a, b, fix = PARAMS[name]
    ins = [t(zoo_core, a).requires_grad_()]
    if b is not None:
        ins.append(t(zoo_core, b).requires_grad_())
    return ins, fix or (lambda *x: x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_gradcheck(name):
    make, value = CASES[name]
    ins, fix = _inputs(name)
    v = value(zoo_core)

    def fn(*params):
        return make(zoo_core, *fix(*params)).log_prob(v)
    assert gradcheck(fn, tuple(ins))


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Categorical", "Dirichlet", "MVNTril"])
def test_entropy_gradgradcheck(name):
    make, _ = CASES[name]
    ins, fix = _inputs(name)

    def fn(*params):
        return make(zoo_core, *fix(*params)).entropy()
    assert gradcheck(fn, tuple(ins))
    assert gradgradcheck(fn, tuple(ins))


def test_log_prob_gradient_wrt_value_matches_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (zoo_core, torch):
        x = t(lib, [0.1, 0.4, -0.9]).requires_grad_()
        d = lib.distributions.TransformedDistribution(
            lib.distributions.Normal(t(lib, [0.3, -1.2, 2.0]), t(lib, [1.5, 0.7, 2.5])),
            [lib.distributions.transforms.TanhTransform()])
        d.log_prob(x).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


RSAMPLE = ["Normal", "Uniform", "Laplace", "Cauchy", "LogNormal", "Exponential", "MVNCov", "MVNTril",
           "MVNPrecision", "IndependentNormal", "TanhNormal", "AffineSigmoid", "HalfNormal", "RelaxedBernoulli",
           "RelaxedOneHotCategorical"]


@pytest.mark.parametrize("name", RSAMPLE)
def test_rsample_gradcheck(name):
    make, _ = CASES[name]
    ins, fix = _inputs(name)

    def fn(*params):
        zoo_core.manual_seed(3)   # the same noise at every evaluation
        return make(zoo_core, *fix(*params)).rsample((4,))
    assert gradcheck(fn, tuple(ins))


def test_standard_gamma_grad_matches_torch():
    torch = pytest.importorskip("torch")
    from zoo_core.distributions.gamma import _standard_gamma_grad
    a = np.array([0.05, 0.3, 0.3, 1.0, 2.5, 2.5, 10.0, 50.0, 999.0, 1500.0, 5000.0])
    x = np.array([1e-4, 0.01, 1.0, 0.5, 0.3, 6.0, 12.0, 45.0, 1010.0, 1480.0, 5100.0])
    expected = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    # torch's own formula is an approximation (rational fits, ~1e-4 relative)
    np.testing.assert_allclose(_standard_gamma_grad(a, x), expected, rtol=5e-4)


@pytest.mark.parametrize("kind", ["Gamma", "Beta", "Dirichlet", "StudentT"])
def test_implicit_reparam_gradients(kind):
    """E[d sample / d param] equals d E[sample] / d param (20000 samples)."""
    D = zoo_core.distributions
    zoo_core.manual_seed(0)
    n = 20000
    if kind == "Gamma":
        a = t(zoo_core, [0.5, 3.0]).requires_grad_()
        b = t(zoo_core, [2.0, 0.5]).requires_grad_()
        D.Gamma(a, b).rsample((n,)).mean(0).sum().backward()
        # E = a / b: dE/da = 1/b, dE/db = -a/b^2
        np.testing.assert_allclose(a.grad.tolist(), [0.5, 2.0], rtol=0.03)
        np.testing.assert_allclose(b.grad.tolist(), [-0.125, -12.0], rtol=0.03)
    elif kind == "Beta":
        a = t(zoo_core, [2.0]).requires_grad_()
        b = t(zoo_core, [3.0]).requires_grad_()
        D.Beta(a, b).rsample((n,)).mean(0).sum().backward()
        np.testing.assert_allclose(a.grad.tolist(), [3.0 / 25], rtol=0.05)   # b / (a + b)^2
        np.testing.assert_allclose(b.grad.tolist(), [-2.0 / 25], rtol=0.05)  # -a / (a + b)^2
    elif kind == "Dirichlet":
        c = t(zoo_core, [1.0, 2.0, 3.0]).requires_grad_()
        D.Dirichlet(c).rsample((n,)).mean(0)[0].backward()
        # E[x_0] = c_0 / c_sum
        np.testing.assert_allclose(c.grad.tolist(), [5 / 36, -1 / 36, -1 / 36], atol=0.01)
    else:
        scale = t(zoo_core, [2.0]).requires_grad_()
        df = t(zoo_core, [5.0]).requires_grad_()
        x = D.StudentT(df, 0.0, scale).rsample((n,))
        x.abs().mean().backward()
        assert scale.grad.item() > 0 and np.isfinite(df.grad.item())


def test_fallback_cholesky_gradcheck(monkeypatch):
    """The private Cholesky used when the core has none: forward and backward."""
    from zoo_core.distributions import utils
    monkeypatch.setattr(utils, "_core_cholesky", lambda: None)
    A = t(zoo_core, [[[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]]]).requires_grad_()
    L = utils.cholesky(A)
    np.testing.assert_allclose(np.asarray((L @ L.mT).tolist()), np.asarray(A.tolist()), rtol=1e-12)
    assert gradcheck(lambda A: utils.cholesky((A + A.mT) / 2), (A,))
    with pytest.raises(ValueError, match="not positive-definite"):
        utils.cholesky(-A.detach())
