"""kl_divergence pairs of ContinuousBernoulli, Pareto and LowRankMultivariateNormal against PyTorch."""
import numpy as np
import pytest

import zoo_core
from zoo_core.autograd import gradcheck

from ._cases import t

torch = pytest.importorskip("torch")

F = {
    "CB": lambda lib: lib.distributions.ContinuousBernoulli(t(lib, [0.2, 0.7, 0.9])),
    "CB2": lambda lib: lib.distributions.ContinuousBernoulli(logits=t(lib, [1.0, -0.5, 0.3])),
    "Pareto": lambda lib: lib.distributions.Pareto(t(lib, [1.0, 0.5, 2.0]), t(lib, [3.0, 2.5, 1.5])),
    "Pareto2": lambda lib: lib.distributions.Pareto(t(lib, [0.8, 0.7, 2.5]), t(lib, [2.0, 4.0, 3.0])),
    "Normal": lambda lib: lib.distributions.Normal(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "Exponential": lambda lib: lib.distributions.Exponential(t(lib, [2.0, 0.5, 1.0])),
    "Gamma": lambda lib: lib.distributions.Gamma(t(lib, [2.0, 0.5, 1.0]), t(lib, [1.0, 3.0, 0.7])),
    "Beta": lambda lib: lib.distributions.Beta(t(lib, [2.0, 0.5, 1.0]), t(lib, [1.0, 3.0, 0.7])),
    "Uniform": lambda lib: lib.distributions.Uniform(t(lib, [0.1, 0.2, 0.0]), t(lib, [0.9, 0.5, 1.0])),
    "UniformWide": lambda lib: lib.distributions.Uniform(t(lib, [1.0, 0.6, 3.0]), t(lib, [2.0, 5.0, 4.0])),
    "Laplace": lambda lib: lib.distributions.Laplace(t(lib, [0.0, 1.0, -1.0]), t(lib, [2.0, 0.5, 1.0])),
    "LR": lambda lib: lib.distributions.LowRankMultivariateNormal(
        t(lib, [[0.3, -1.2, 2.0], [1.5, 0.7, 2.5]]), t(lib, [[0.5, -0.2], [1.0, 0.3], [0.1, 0.8]]),
        t(lib, [1.0, 0.5, 2.0])),
    "LR2": lambda lib: lib.distributions.LowRankMultivariateNormal(
        t(lib, [0.0, 1.0, -0.5]), t(lib, [[[0.2], [0.4], [-0.6]]] * 2), t(lib, [[0.7, 1.5, 1.0]] * 2)),
    "MVN": lambda lib: lib.distributions.MultivariateNormal(
        t(lib, [0.0, 1.0, 0.5]), scale_tril=t(lib, [[1.0, 0, 0], [0.5, 2.0, 0], [0.1, 0.1, 0.7]])),
}
PAIRS = [("CB", "CB2"), ("Beta", "CB"), ("CB", "Exponential"), ("CB", "Normal"), ("CB", "Uniform"),
         ("Uniform", "CB2"), ("CB", "Pareto"), ("Exponential", "CB"), ("Exponential", "Pareto"), ("Gamma", "CB"),
         ("Normal", "Pareto"), ("Laplace", "CB"), ("Beta", "Pareto"), ("Pareto", "Pareto2"), ("Pareto2", "Pareto"),
         ("Pareto", "Beta"), ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"),
         ("UniformWide", "Pareto"), ("LR", "LR2"), ("MVN", "LR"), ("LR", "MVN")]


@pytest.mark.parametrize("pq", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_matches_torch(pq):
    p, q = pq
    expected = torch.distributions.kl_divergence(F[p](torch), F[q](torch))
    got = zoo_core.distributions.kl_divergence(F[p](zoo_core), F[q](zoo_core))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(np.asarray(got.tolist()), expected.numpy(), rtol=1e-9, atol=1e-12)


def test_kl_lowrank_gradcheck_and_event_shape_error():
    D = zoo_core.distributions
    W = t(zoo_core, [[0.5, -0.2], [1.0, 0.3], [0.1, 0.8]]).requires_grad_()
    d = t(zoo_core, [1.0, 0.5, 2.0]).requires_grad_()
    q = F["LR2"](zoo_core)
    assert gradcheck(lambda W, d: D.kl_divergence(D.LowRankMultivariateNormal(zoo_core.zeros(3, dtype=W.dtype), W, d),
                                                  q), (W, d))
    with pytest.raises(ValueError, match="different event shapes"):
        D.kl_divergence(F["LR"](zoo_core), D.LowRankMultivariateNormal(zoo_core.zeros(2), zoo_core.ones(2, 1),
                                                                       zoo_core.ones(2)))
