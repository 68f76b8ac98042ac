"""Sample statistics (20000 seeded draws), sample shapes, reproducibility and devices."""
import numpy as np
import pytest

import zoo_core
import zoo_core.distributions as D

N = 20000


def _f(x):
    return zoo_core.tensor(np.asarray(x, dtype=np.float64))


STATS = {
    "Normal": lambda dev: D.Normal(_f([0.5, -2.0]).to(dev), _f([1.0, 3.0]).to(dev)),
    "Uniform": lambda dev: D.Uniform(_f([0.0, -2.0]).to(dev), _f([1.0, 3.0]).to(dev)),
    "Laplace": lambda dev: D.Laplace(_f([0.5, -2.0]).to(dev), _f([1.0, 0.3]).to(dev)),
    "Exponential": lambda dev: D.Exponential(_f([0.5, 4.0]).to(dev)),
    "LogNormal": lambda dev: D.LogNormal(_f([0.0, 1.0]).to(dev), _f([0.25, 0.5]).to(dev)),
    "Gamma": lambda dev: D.Gamma(_f([0.3, 5.0]).to(dev), _f([1.0, 2.0]).to(dev)),
    "Chi2": lambda dev: D.Chi2(_f([1.0, 6.0]).to(dev)),
    "Beta": lambda dev: D.Beta(_f([0.5, 5.0]).to(dev), _f([0.5, 2.0]).to(dev)),
    "StudentT": lambda dev: D.StudentT(_f([5.0, 10.0]).to(dev), _f([1.0, 0.0]).to(dev), _f([1.0, 2.0]).to(dev)),
    "Bernoulli": lambda dev: D.Bernoulli(_f([0.1, 0.7]).to(dev)),
    "Binomial": lambda dev: D.Binomial(_f([10.0, 3.0]).to(dev), _f([0.3, 0.9]).to(dev)),
    "Geometric": lambda dev: D.Geometric(_f([0.3, 0.8]).to(dev)),
    "Poisson": lambda dev: D.Poisson(_f([0.5, 7.0]).to(dev)),
    "Dirichlet": lambda dev: D.Dirichlet(_f([0.5, 1.0, 3.0]).to(dev)),
    "Categorical": lambda dev: D.OneHotCategorical(_f([0.1, 0.6, 0.3]).to(dev)),
    "Multinomial": lambda dev: D.Multinomial(7, _f([0.2, 0.5, 0.3]).to(dev)),
    "HalfNormal": lambda dev: D.HalfNormal(_f([0.5, 2.0]).to(dev)),
    "Gumbel": lambda dev: D.Gumbel(_f([0.5, -2.0]).to(dev), _f([1.0, 0.3]).to(dev)),
    "Mixture": lambda dev: D.MixtureSameFamily(D.Categorical(_f([0.3, 0.7]).to(dev)),
                                               D.Normal(_f([-2.0, 1.0]).to(dev), _f([0.5, 1.0]).to(dev))),
    "MVN": lambda dev: D.MultivariateNormal(_f([1.0, -1.0]).to(dev),
                                            _f([[2.0, 0.6], [0.6, 1.0]]).to(dev)),
}


@pytest.mark.parametrize("name", sorted(STATS))
def test_sample_mean_and_variance(name, device):
    zoo_core.manual_seed(0)
    d = STATS[name](device)
    x = d.sample((N,))
    assert x.device == d.mean.device
    assert tuple(x.shape) == (N,) + tuple(d.batch_shape) + tuple(d.event_shape)
    x = np.asarray(x.cpu().tolist(), dtype=np.float64)
    mean = np.asarray(d.mean.cpu().tolist())
    var = np.asarray(d.variance.cpu().tolist())
    sd = np.sqrt(var)
    # 5 standard errors of the mean, and a 10% (heavy tails: 15%) band on the variance
    np.testing.assert_array_less(np.abs(x.mean(0) - mean), 5 * sd / np.sqrt(N) + 1e-12)
    np.testing.assert_allclose(x.var(0), var, rtol=0.15 if name in ("StudentT", "LogNormal", "Gamma") else 0.1)
    if name == "MVN":
        np.testing.assert_allclose(np.cov(x.T), [[2.0, 0.6], [0.6, 1.0]], atol=0.08)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Dirichlet", "Categorical", "MVN", "Poisson"])
def test_manual_seed_reproduces_samples(name, device):
    zoo_core.manual_seed(7)
    a = STATS[name](device).sample((5,)).cpu().tolist()
    zoo_core.manual_seed(7)
    b = STATS[name](device).sample((5,)).cpu().tolist()
    zoo_core.manual_seed(8)
    c = STATS[name](device).sample((5,)).cpu().tolist()
    assert a == b and a != c


def test_rsample_keeps_graph_on_device(device):
    loc = _f([0.0, 1.0]).to(device).requires_grad_()
    d = D.TransformedDistribution(D.Normal(loc, 1.0), [D.TanhTransform(cache_size=1)])
    a = d.rsample((3,))
    logp = d.log_prob(a).sum()
    assert a.device == loc.device and tuple(a.shape) == (3, 2)
    logp.backward()
    assert loc.grad is not None and loc.grad.device == loc.device


def test_categorical_sample_shapes_and_frequencies():
    zoo_core.manual_seed(0)
    d = D.Categorical(logits=_f([[0.0, 1.0, 2.0], [2.0, 0.0, -10.0]]))
    assert tuple(d.sample().shape) == (2,)
    assert tuple(d.sample((4,)).shape) == (4, 2)
    assert tuple(d.sample((4, 5)).shape) == (4, 5, 2)
    assert str(d.sample().dtype).split(".")[-1] == "int64"
    x = np.asarray(d.sample((N,)).tolist())
    p = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(np.bincount(x[:, 0], minlength=3) / N, p, atol=0.015)
    assert (x[:, 1] != 2).all()
    one = D.Categorical(_f([0.2, 0.8]))   # 1-D probs: scalar batch
    assert tuple(one.sample().shape) == () and tuple(one.sample((3,)).shape) == (3,)


@pytest.mark.parametrize("sample_shape", [(), (3,), (2, 4)])
def test_sample_shapes_batch_event(sample_shape):
    cases = [
        (D.Normal(zoo_core.zeros(2, 3), 1.0), (2, 3), ()),
        (D.Independent(D.Normal(zoo_core.zeros(2, 3), 1.0), 1), (2,), (3,)),
        (D.Dirichlet(zoo_core.ones(2, 4)), (2,), (4,)),
        (D.OneHotCategorical(logits=zoo_core.zeros(5, 4)), (5,), (4,)),
        (D.MultivariateNormal(zoo_core.zeros(2, 3), scale_tril=zoo_core.eye(3)), (2,), (3,)),
        (D.MultivariateNormal(zoo_core.zeros(3), scale_tril=zoo_core.eye(3).expand(4, 3, 3)), (4,), (3,)),
        (D.Bernoulli(0.3), (), ()),
        (D.Beta(2.0, 3.0), (), ()),
    ]
    for d, batch, event in cases:
        assert tuple(d.batch_shape) == batch and tuple(d.event_shape) == event, d
        assert tuple(d.sample(sample_shape).shape) == sample_shape + batch + event, d
        if d.has_rsample:
            assert tuple(d.rsample(sample_shape).shape) == sample_shape + batch + event, d


def test_sample_n_warns():
    with pytest.warns(FutureWarning, match="sample_n"):
        assert tuple(D.Normal(zoo_core.zeros(2), 1.0).sample_n(3).shape) == (3, 2)


def test_sample_has_no_grad_rsample_has():
    loc = zoo_core.zeros(2, requires_grad=True)
    d = D.Normal(loc, 1.0)
    assert not d.sample().requires_grad
    assert d.rsample().requires_grad
    with pytest.raises(NotImplementedError):
        D.Bernoulli(0.3).rsample()
