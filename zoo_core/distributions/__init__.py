"""Probability distributions (``torch.distributions``): parameterisable distributions with sampling
(``sample``, reparameterised ``rsample``), ``log_prob``, ``cdf``/``icdf``, ``entropy``, moments, transforms
and ``kl_divergence``.

Example::

    >>> from zoo_core.distributions import Normal, kl_divergence
    >>> p = Normal(zoo_core.zeros(3), 1.0)
    >>> p.log_prob(zoo_core.zeros(3)).shape
    zoo_core.Size([3])

Samples come from zoo_core's generators, so ``zoo_core.manual_seed`` makes them reproducible (the streams
differ from PyTorch's).
"""
from . import constraints, transforms
from .categorical import Categorical, Multinomial, OneHotCategorical, OneHotCategoricalStraightThrough
from .continuous import Cauchy, Laplace, Normal, StudentT, Uniform
from .discrete import Bernoulli, Binomial, Geometric, Poisson
from .distribution import Distribution, ExponentialFamily
from .gamma import Beta, Chi2, Dirichlet, Exponential, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .mixture import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .relaxed import ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed_distribution import Gumbel, HalfNormal, LogNormal, TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, CatTransform, ComposeTransform, CorrCholeskyTransform,
                         CumulativeDistributionTransform, ExpTransform, IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, ReshapeTransform, SigmoidTransform,
                         SoftmaxTransform, SoftplusTransform, StackTransform, StickBreakingTransform, TanhTransform,
                         Transform, identity_transform)
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .more_continuous import FisherSnedecor, GeneralizedPareto, HalfCauchy, InverseGamma, Kumaraswamy, Pareto, Weibull
from .von_mises import VonMises
from .more_multivariate import LogisticNormal, LowRankMultivariateNormal, NegativeBinomial
from .more_matrix import LKJCholesky, Wishart
from . import more_kl  # noqa: F401  (registers the KL pairs of the families above)

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2",
           "ComposeTransform", "Dirichlet", "Distribution", "ExpRelaxedCategorical", "ExpTransform", "Exponential",
           "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfNormal", "Independent", "IndependentTransform",
           "Laplace", "LogNormal", "LogitRelaxedBernoulli", "MixtureSameFamily", "Multinomial",
           "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson",
           "PowerTransform", "RelaxedBernoulli", "RelaxedOneHotCategorical", "SigmoidTransform",
           "SoftmaxTransform", "SoftplusTransform", "StudentT", "TanhTransform", "Transform",
           "TransformedDistribution", "Uniform", "constraints", "identity_transform", "kl_divergence",
           "register_kl", "transforms",
           "CatTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "LowerCholeskyTransform",
           "PositiveDefiniteTransform", "ReshapeTransform", "StackTransform", "StickBreakingTransform", "biject_to",
           "transform_to", "ContinuousBernoulli", "FisherSnedecor", "GeneralizedPareto", "HalfCauchy", "InverseGamma",
           "Kumaraswamy", "Pareto", "VonMises", "Weibull", "LogisticNormal", "LowRankMultivariateNormal",
           "NegativeBinomial", "LKJCholesky", "Wishart"]
