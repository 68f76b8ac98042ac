"""Continuous Bernoulli distribution (Loaiza-Ganem & Cunningham 2019): the normalised density
``p^x (1-p)^(1-x)`` on [0, 1].

Example::

    >>> from zoo_core.distributions import ContinuousBernoulli
    >>> ContinuousBernoulli(zoo_core.tensor([0.2])).mean
    tensor([0.3880])
"""
import math
import numbers

import zoo_core
from zoo_core.nn.functional import binary_cross_entropy_with_logits
from zoo_core.tensor import Size

from . import constraints
from .distribution import Distribution, ExponentialFamily
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    """Continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem & Cunningham 2019), parameterised by
    ``probs`` or ``logits``; near ``probs = 0.5`` (inside ``lims``) Taylor expansions keep it stable."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, numbers.Number)
            (self.probs,) = broadcast_all(probs)
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, numbers.Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = Size() if is_scalar else self._param.size()
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        return zoo_core.where(self._outside_unstable_region(), self.probs, self._lims[0] * zoo_core.ones_like(self.probs))

    def _cont_bern_log_norm(self):
        cut = self._cut_probs()
        below = zoo_core.where(cut <= 0.5, cut, zoo_core.zeros_like(cut))
        above = zoo_core.where(cut >= 0.5, cut, zoo_core.ones_like(cut))
        log_norm = (zoo_core.log(zoo_core.abs(zoo_core.log1p(-cut) - zoo_core.log(cut)))
                    - zoo_core.where(cut <= 0.5, zoo_core.log1p(-2.0 * below), zoo_core.log(2.0 * above - 1.0)))
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return zoo_core.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / (zoo_core.log1p(-cut) - zoo_core.log(cut))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return zoo_core.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def variance(self):
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (zoo_core.log1p(-cut) - zoo_core.log(cut)).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return zoo_core.where(self._outside_unstable_region(), var, taylor)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        u = zoo_core.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        with zoo_core.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        u = zoo_core.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = zoo_core.where(self._outside_unstable_region(), cdfs, value)
        return zoo_core.where(value <= 0.0, zoo_core.zeros_like(value),
                              zoo_core.where(value >= 1.0, zoo_core.ones_like(value), unbounded))

    def icdf(self, value):
        cut = self._cut_probs()
        return zoo_core.where(self._outside_unstable_region(),
                              (zoo_core.log1p(-cut + value * (2.0 * cut - 1.0)) - zoo_core.log1p(-cut))
                              / (zoo_core.log(cut) - zoo_core.log1p(-cut)), value)

    def entropy(self):
        log_probs0 = zoo_core.log1p(-self.probs)
        log_probs1 = zoo_core.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        out = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = zoo_core.where(out, x, (self._lims[0] - 0.5) * zoo_core.ones_like(x))
        log_norm = zoo_core.log(zoo_core.abs(zoo_core.expm1(cut))) - zoo_core.log(zoo_core.abs(cut))
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return zoo_core.where(out, log_norm, taylor)
