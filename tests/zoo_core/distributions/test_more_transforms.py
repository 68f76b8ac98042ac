"""StickBreaking, LowerCholesky, PositiveDefinite, Reshape, Cat, Stack, CorrCholesky and
CumulativeDistribution transforms, and biject_to / transform_to, against PyTorch."""
import numpy as np
import pytest

import zoo_core
from zoo_core.autograd import gradcheck
from zoo_core.distributions import biject_to, constraints, transform_to, transforms

from ._cases import t

torch = pytest.importorskip("torch")


def _np(x):
    return np.asarray(x.detach().tolist(), dtype=np.float64)


X2 = [[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]]
M = [[[0.3, -1.2, 0.4], [0.5, 0.1, -0.7], [1.0, 0.2, -0.3]]]


def _mk(lib, name):
    T = lib.distributions.transforms
    if name == "StickBreaking":
        return T.StickBreakingTransform(), X2
    if name == "CorrCholesky":
        return T.CorrCholeskyTransform(), X2
    if name == "LowerCholesky":
        return T.LowerCholeskyTransform(), M
    if name == "PositiveDefinite":
        return T.PositiveDefiniteTransform(), M
    if name == "Reshape":
        return T.ReshapeTransform((3,), (3, 1)), X2
    if name == "Cat":
        return T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], dim=-1, lengths=[1, 2]), X2
    if name == "CatDim0":
        return T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], dim=0), X2
    if name == "Stack":
        return T.StackTransform([T.ExpTransform(), T.SigmoidTransform(), T.TanhTransform()], dim=1), X2
    if name == "CDF":
        return T.CumulativeDistributionTransform(lib.distributions.Normal(t(lib, 0.5), t(lib, 2.0))), X2
    raise KeyError(name)


NAMES = ["StickBreaking", "CorrCholesky", "LowerCholesky", "PositiveDefinite", "Reshape", "Cat", "CatDim0", "Stack",
         "CDF"]
NO_LADJ = {"LowerCholesky", "PositiveDefinite"}   # torch defines no log_abs_det_jacobian for these


@pytest.mark.parametrize("name", NAMES)
def test_transform_matches_torch(name):
    tz, x = _mk(zoo_core, name)
    tt, _ = _mk(torch, name)
    yz, yt = tz(t(zoo_core, x)), tt(t(torch, x))
    np.testing.assert_allclose(_np(yz), _np(yt), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(tz.inv(yz)), _np(tt.inv(yt)), rtol=1e-8, atol=1e-10)
    expect_x = np.tril(x) if name in NO_LADJ else x   # the upper triangle is dropped
    np.testing.assert_allclose(_np(tz.inv(yz)), expect_x, rtol=1e-8, atol=1e-10)   # round trip
    assert bool(tz.codomain.check(yz).all())
    assert tz.bijective == tt.bijective
    assert tz.domain.event_dim == tt.domain.event_dim and tz.codomain.event_dim == tt.codomain.event_dim
    assert tuple(tz.forward_shape(Size := (2, 3))) == tuple(tt.forward_shape(torch.Size(Size)))
    assert tuple(tz.inverse_shape(tuple(yz.shape))) == tuple(tt.inverse_shape(yt.shape))
    if name not in NO_LADJ:
        np.testing.assert_allclose(_np(tz.log_abs_det_jacobian(t(zoo_core, x), yz)),
                                   _np(tt.log_abs_det_jacobian(t(torch, x), yt)), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["StickBreaking", "CorrCholesky", "Cat", "Stack", "PositiveDefinite"])
def test_transform_gradcheck(name):
    tz, x = _mk(zoo_core, name)
    xin = t(zoo_core, x).requires_grad_()
    assert gradcheck(lambda a: tz(a), (xin,))
    if name not in NO_LADJ:
        assert gradcheck(lambda a: tz.log_abs_det_jacobian(a, tz(a)), (xin,))


@pytest.mark.parametrize("name", ["StickBreaking", "CorrCholesky"])
def test_log_abs_det_jacobian_is_the_jacobian(name):
    """For the dimension-changing bijections, the log-det is that of the Jacobian restricted to the free
    coordinates (the first K-1 simplex entries, the strictly lower triangle)."""
    tz, x = _mk(zoo_core, name)
    x = t(zoo_core, x[0])
    jac = np.asarray(zoo_core.autograd.functional.jacobian(
        lambda a: tz(a).reshape(-1), x).tolist())
    if name == "StickBreaking":
        jac = jac[:-1]
    else:
        rows, cols = np.tril_indices(3, -1)
        jac = jac[rows * 3 + cols]
    np.testing.assert_allclose(np.linalg.slogdet(jac)[1], float(tz.log_abs_det_jacobian(x, tz(x))), rtol=1e-9)


def test_reshape_errors():
    with pytest.raises(ValueError, match="different numbers of elements"):
        transforms.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="Shape mismatch"):
        transforms.ReshapeTransform((3,), (3, 1)).forward_shape((2, 4))
    with pytest.raises(ValueError, match="Input is not a flattend lower-diagonal number"):
        transforms.CorrCholeskyTransform().forward_shape((4,))


def test_cache_and_with_cache():
    tr = transforms.StickBreakingTransform(cache_size=1)
    x = zoo_core.randn(3)
    y = tr(x)
    assert tr.inv(y) is x
    assert transforms.ReshapeTransform((3,), (1, 3)).with_cache(1)._cache_size == 1


CONSTRAINTS = [
    ("real", lambda lib: lib.distributions.constraints.real, [0.3, -1.2]),
    ("positive", lambda lib: lib.distributions.constraints.positive, [0.3, -1.2]),
    ("nonnegative", lambda lib: lib.distributions.constraints.nonnegative, [0.3, -1.2]),
    ("greater_than", lambda lib: lib.distributions.constraints.greater_than(2.0), [0.3, -1.2]),
    ("less_than", lambda lib: lib.distributions.constraints.less_than(-1.0), [0.3, -1.2]),
    ("unit_interval", lambda lib: lib.distributions.constraints.unit_interval, [0.3, -1.2]),
    ("interval", lambda lib: lib.distributions.constraints.interval(-2.0, 5.0), [0.3, -1.2]),
    ("simplex", lambda lib: lib.distributions.constraints.simplex, [0.3, -1.2, 0.4]),
    ("lower_cholesky", lambda lib: lib.distributions.constraints.lower_cholesky, M[0]),
    ("positive_definite", lambda lib: lib.distributions.constraints.positive_definite, M[0]),
    ("corr_cholesky", lambda lib: lib.distributions.constraints.corr_cholesky, [0.3, -1.2, 0.4]),
    ("real_vector", lambda lib: lib.distributions.constraints.real_vector, [0.3, -1.2]),
    ("independent_positive", lambda lib: lib.distributions.constraints.independent(
        lib.distributions.constraints.positive, 1), [0.3, -1.2]),
]


@pytest.mark.parametrize("i", range(len(CONSTRAINTS)))
@pytest.mark.parametrize("reg", ["biject_to", "transform_to"])
def test_registry_matches_torch(reg, i):
    name, c, x = CONSTRAINTS[i]
    try:
        tt = getattr(torch.distributions, reg)(c(torch))
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            getattr(zoo_core.distributions, reg)(c(zoo_core))
        return
    tz = getattr(zoo_core.distributions, reg)(c(zoo_core))
    assert type(tz).__name__ == type(tt).__name__, name
    yz, yt = tz(t(zoo_core, x)), tt(t(torch, x))
    np.testing.assert_allclose(_np(yz), _np(yt), rtol=1e-10, atol=1e-12)
    assert bool(c(zoo_core).check(yz).all())


def test_registry_register_and_errors():
    with pytest.raises(NotImplementedError, match="Cannot transform _IntegerGreaterThan constraints"):
        biject_to(constraints.nonnegative_integer)

    class MyConstraint(constraints.Constraint):
        pass
    reg = type(biject_to)()
    reg.register(MyConstraint, lambda c: transforms.ExpTransform())
    assert isinstance(reg(MyConstraint()), transforms.ExpTransform)
    with pytest.raises(TypeError):
        reg.register(3, lambda c: None)
    assert isinstance(transform_to(constraints.simplex), transforms.SoftmaxTransform)
