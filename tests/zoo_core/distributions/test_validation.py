"""Argument / sample validation messages, set_default_validate_args, constraints and expand."""
import numpy as np
import pytest

import zoo_core
import zoo_core.distributions as D
from zoo_core.distributions import constraints


def test_invalid_parameter_message():
    with pytest.raises(ValueError) as e:
        D.Normal(zoo_core.tensor([0.0, float("nan")]), zoo_core.tensor([1.0, 1.0]))
    msg = str(e.value)
    assert msg.startswith("Expected parameter loc (Tensor of shape (2,)) of distribution Normal(loc: "
                          "zoo_core.Size([2]), scale: zoo_core.Size([2])) to satisfy the constraint Real(), "
                          "but found invalid values:\n")
    with pytest.raises(ValueError, match=r"parameter scale .* GreaterThan\(lower_bound=0.0\)"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match=r"parameter probs .* Interval\(lower_bound=0.0, upper_bound=1.0\)"):
        D.Bernoulli(zoo_core.tensor([1.5]))
    with pytest.raises(ValueError, match="Simplex"):
        D.Categorical(probs=zoo_core.tensor([-0.5, 1.5]))
    with pytest.raises(ValueError, match="PositiveDefinite"):
        D.MultivariateNormal(zoo_core.zeros(2), zoo_core.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="LowerCholesky"):
        D.MultivariateNormal(zoo_core.zeros(2), scale_tril=zoo_core.tensor([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="LessThan"):
        D.Uniform(1.0, 0.0)


def test_invalid_sample_message():
    d = D.Normal(zoo_core.zeros(2), 1.0)
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        D.Dirichlet(zoo_core.ones(3)).log_prob(zoo_core.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape\\+event_shape"):
        d.log_prob(zoo_core.zeros(3))
    with pytest.raises(ValueError, match=r"Expected value argument \(Tensor of shape \(2,\)\) to be within the "
                                         r"support \(GreaterThanEq\(lower_bound=0.0\)\)"):
        D.Exponential(1.0).log_prob(zoo_core.tensor([-1.0, 1.0]))
    with pytest.raises(ValueError, match="IntegerInterval"):
        D.Categorical(logits=zoo_core.zeros(3)).log_prob(zoo_core.tensor(5))
    with pytest.raises(ValueError, match="must be a Tensor"):
        d.log_prob(1.0)


def test_probs_logits_exclusive_and_dims():
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Bernoulli(probs=zoo_core.tensor(0.5), logits=zoo_core.tensor(0.0))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical()
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Categorical(probs=zoo_core.tensor(1.0))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        D.MultivariateNormal(zoo_core.zeros(2))
    with pytest.raises(ValueError, match=r"reinterpreted_batch_ndims <= len\(base_distribution.batch_shape\)"):
        D.Independent(D.Normal(zoo_core.zeros(2), 1.0), 2)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # log of the negative scale
def test_validate_args_switches():
    assert D.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    D.Distribution.set_default_validate_args(False)
    try:
        d = D.Normal(0.0, -1.0)
        d.log_prob(zoo_core.tensor(float("nan")))   # no sample check either
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


def test_constraints_check():
    x = zoo_core.tensor([[0.2, 0.8], [0.5, 0.6]])
    assert constraints.simplex.check(x).tolist() == [True, False]
    assert constraints.positive.check(zoo_core.tensor([1.0, 0.0])).tolist() == [True, False]
    assert constraints.nonnegative_integer.check(zoo_core.tensor([1.0, 1.5, -1.0])).tolist() == [True, False, False]
    assert constraints.integer_interval(0, 3).check(zoo_core.tensor([0.0, 3.0, 4.0])).tolist() == [True, True, False]
    nan_row = zoo_core.tensor([[0.0, float("nan")]])
    assert constraints.independent(constraints.real, 1).check(nan_row).tolist() == [False]
    assert constraints.lower_cholesky.check(zoo_core.eye(2)).item()
    assert constraints.positive_definite.check(zoo_core.eye(2) * 2).item()
    assert not constraints.positive_definite.check(-zoo_core.eye(2)).item()
    assert constraints.boolean.check(zoo_core.tensor([0.0, 1.0, 2.0])).tolist() == [True, True, False]
    assert constraints.greater_than(1.0).check(zoo_core.tensor([1.0, 2.0])).tolist() == [False, True]
    assert repr(constraints.interval(0.0, 1.0)) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    assert constraints.is_dependent(D.Uniform.support) and not constraints.is_dependent(constraints.real)
    assert constraints.real_vector.event_dim == 1 and constraints.one_hot.is_discrete


def test_expand_shares_parameters_and_batches():
    loc = zoo_core.tensor([0.0, 1.0])
    d = D.Normal(loc, 1.0).expand((3, 2))
    assert tuple(d.batch_shape) == (3, 2) and tuple(d.loc.shape) == (3, 2)
    assert tuple(d.sample((4,)).shape) == (4, 3, 2)
    for base in (D.Categorical(logits=zoo_core.zeros(2, 5)),
                 D.MultivariateNormal(zoo_core.zeros(2, 3), zoo_core.eye(3)),
                 D.Beta(zoo_core.ones(2), zoo_core.ones(2)), D.Independent(D.Normal(zoo_core.zeros(2, 3), 1.0), 1),
                 D.LogNormal(zoo_core.zeros(2), 1.0), D.Binomial(5, zoo_core.full((2,), 0.5)),
                 D.StudentT(zoo_core.full((2,), 3.0))):
        e = base.expand((4, 2))
        assert type(e) is type(base) and tuple(e.batch_shape) == (4, 2), base
        assert tuple(e.event_shape) == tuple(base.event_shape)
        s = e.sample()
        assert tuple(s.shape) == (4, 2) + tuple(base.event_shape)
        lp = e.log_prob(s)
        assert tuple(lp.shape) == (4, 2)
        np.testing.assert_allclose(np.asarray(lp[0].tolist()), np.asarray(base.log_prob(s[0]).tolist()), rtol=1e-6)
