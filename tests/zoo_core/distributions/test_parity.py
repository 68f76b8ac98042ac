"""log_prob / cdf / icdf / entropy / moments against PyTorch on the same parameters."""
import numpy as np
import pytest

import zoo_core

from ._cases import CASES, t

torch = pytest.importorskip("torch")


def _np(x):
    return np.asarray(x.detach().tolist() if hasattr(x, "detach") else x, dtype=np.float64)


def _both(fn):
    """``fn(lib)`` on torch and zoo; None when torch doesn't implement it (it must then fail in zoo too)."""
    try:
        expected = fn(torch)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            fn(zoo_core)
        return None, None
    return fn(zoo_core), expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_entropy_moments(name):
    make, value = CASES[name]
    for what in ("log_prob", "entropy", "mean", "variance", "stddev", "mode", "cdf", "icdf"):
        def fn(lib, what=what):
            d = make(lib)
            if what == "log_prob":
                return d.log_prob(value(lib))
            if what == "cdf":
                return d.cdf(value(lib))
            if what == "icdf":
                return d.icdf(t(lib, [0.1, 0.5, 0.8]))
            if what == "entropy":
                return d.entropy()
            return getattr(d, what)
        got, expected = _both(fn)
        if expected is None:
            continue
        assert tuple(got.shape) == tuple(expected.shape), (name, what)
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1], (name, what)
        np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-6, atol=1e-8, err_msg=f"{name}.{what}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_match_torch(name):
    make, _ = CASES[name]
    dz, dt = make(zoo_core), make(torch)
    assert tuple(dz.batch_shape) == tuple(dt.batch_shape)
    assert tuple(dz.event_shape) == tuple(dt.event_shape)
    assert dz.has_rsample == dt.has_rsample
    assert dz.has_enumerate_support == dt.has_enumerate_support
    assert repr(dz.support) == repr(dt.support).replace("torch.", "zoo_core.")
    for shape in [(), (4,), (2, 3)]:
        assert tuple(dz.sample(shape).shape) == tuple(dt.sample(shape).shape), shape
    ez = dz.expand((5,) + tuple(dz.batch_shape))
    et = dt.expand((5,) + tuple(dt.batch_shape))
    assert tuple(ez.batch_shape) == tuple(et.batch_shape)
    assert tuple(ez.sample((2,)).shape) == tuple(et.sample((2,)).shape)


@pytest.mark.parametrize("name", ["Bernoulli", "Binomial", "Categorical", "OneHotCategorical"])
def test_enumerate_support(name):
    make, _ = CASES[name]
    for expand in (True, False):
        got = make(zoo_core).enumerate_support(expand)
        expected = make(torch).enumerate_support(expand)
        assert tuple(got.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(_np(got), _np(expected))


def test_expand_log_prob_matches_torch():
    for lib in (zoo_core, torch):
        d = lib.distributions.Normal(t(lib, [0.0, 1.0]), t(lib, [1.0, 2.0])).expand((3, 2))
        v = t(lib, np.arange(6).reshape(3, 2) * 0.5)
        if lib is torch:
            expected = d.log_prob(v)
        else:
            got = d.log_prob(v)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-12)


def test_scalar_params_and_float32():
    for lib in (zoo_core, torch):
        d = lib.distributions.Normal(0.0, 2.0)
        r = (d.batch_shape, d.log_prob(lib.tensor(1.0)), d.sample().dtype)
        if lib is torch:
            expected = r
        else:
            got = r
    assert tuple(got[0]) == tuple(expected[0]) == ()
    assert float(got[1]) == pytest.approx(float(expected[1]), rel=1e-6)
    assert str(got[2]).split(".")[-1] == str(expected[2]).split(".")[-1] == "float32"


def test_perplexity_and_lazy_params():
    dz = zoo_core.distributions.Categorical(logits=t(zoo_core, [[0.0, 1.0, 2.0]]))
    dt = torch.distributions.Categorical(logits=t(torch, [[0.0, 1.0, 2.0]]))
    np.testing.assert_allclose(_np(dz.perplexity()), _np(dt.perplexity()), rtol=1e-10)
    np.testing.assert_allclose(_np(dz.probs), _np(dt.probs), rtol=1e-10)
    np.testing.assert_allclose(_np(dz.logits), _np(dt.logits), rtol=1e-10)
    bz = zoo_core.distributions.Bernoulli(probs=t(zoo_core, [0.3]))
    bt = torch.distributions.Bernoulli(probs=t(torch, [0.3]))
    np.testing.assert_allclose(_np(bz.logits), _np(bt.logits), rtol=1e-10)
