"""The gamma family: Gamma, Chi2, Exponential, Beta and Dirichlet.

Gamma samples are drawn by the array module's generator (``standard_gamma``: numpy's, or cuRAND through
CuPy). ``rsample`` is reparameterised by implicit differentiation (Figurnov et al. 2018): for
``x ~ Gamma(a, 1)`` with CDF ``P(a, x)``, ``dx/da = -(dP/da) / p(x; a)``. ``dP/da`` is summed from the series
``P(a, x) = sum_n x^(a+n) e^-x / Gamma(a+n+1)`` (exact to float64, ~x terms), and for ``a > 1000`` from the
Wilson-Hilferty approximation ``x = a (1 - 1/(9a) + z / (3 sqrt(a)))^3`` at fixed ``z``. Beta and Dirichlet
samples are normalised gammas, so their ``rsample`` gradients follow through the same rule.
"""
import math
import numbers

import numpy as np

import zoo_core
from zoo_core import _backend
from zoo_core.autograd import grad_mode
from zoo_core.autograd.graph import record
from zoo_core.ops.special import _lgamma_array, _polygamma_array
from zoo_core.tensor import Size, _wrap

from . import constraints
from .continuous import _params_expand
from .distribution import Distribution, ExponentialFamily
from .utils import _standard_gamma, _xlogy, broadcast_all

__all__ = ["Gamma", "Chi2", "Exponential", "Beta", "Dirichlet"]

_WH_ALPHA = 1000.0   # above this concentration the series needs too many terms: use Wilson-Hilferty


def _standard_gamma_grad(alpha, x):
    """``dx/dalpha`` of ``x ~ Gamma(alpha, 1)`` at fixed CDF value (float64 arrays, same shape)."""
    # samples that underflowed (tiny alpha) overflow the density: their gradient comes out 0, as in PyTorch
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _standard_gamma_grad_raw(alpha, x)


def _standard_gamma_grad_raw(alpha, x):
    xp = _backend.array_module(x)
    a = alpha.astype(np.float64)
    x = xp.maximum(x.astype(np.float64), 1e-300)
    small = a <= _WH_ALPHA
    a_s = xp.where(small, a, 1.0)
    x_s = xp.where(small, x, 1.0)
    _, dP = _gammainc_series(a_s, x_s)
    logx = xp.log(x_s)
    log_pdf = (a_s - 1) * logx - x_s - _lgamma_array(xp, a_s)
    grad_series = -dP / xp.exp(log_pdf)
    # Wilson-Hilferty: z = 3 sqrt(a) ((x/a)^(1/3) - 1 + 1/(9a)), x(a) = a g^3, g = 1 - 1/(9a) + z/(3 sqrt a)
    a_b = xp.where(small, _WH_ALPHA * 2, a)
    x_b = xp.where(small, _WH_ALPHA * 2, x)
    sq = xp.sqrt(a_b)
    z = 3 * sq * ((x_b / a_b) ** (1 / 3) - 1 + 1 / (9 * a_b))
    g = 1 - 1 / (9 * a_b) + z / (3 * sq)
    grad_wh = g ** 3 + 3 * a_b * g ** 2 * (1 / (9 * a_b ** 2) - z / (6 * a_b * sq))
    return xp.where(small, grad_series, grad_wh)


def _gammainc_series(a, x):
    """Regularised lower incomplete gamma ``P(a, x)`` and ``dP/da`` (float64 arrays, broadcast), from
    ``P = sum_n t_n`` with ``t_n = x^(a+n) e^-x / Gamma(a+n+1)``, ``dt_n/da = t_n (log x - psi(a+n+1))``."""
    xp = _backend.array_module(x)
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    x = xp.maximum(x, 1e-300)
    logx = xp.log(x)
    t = xp.exp(a * logx - x - _lgamma_array(xp, a + 1))
    psi = _polygamma_array(0, xp, a + 1)
    P, dP = t, t * (logx - psi)
    x_max = float(xp.max(x)) if x.size else 0.0
    for n in range(1, int(x_max + 10 * math.sqrt(x_max) + 40)):   # the terms peak near n = x - a
        k = a + n
        t = t * x / k
        psi = psi + 1 / k   # psi(a+n+1) = psi(a+n) + 1/(a+n)
        P = P + t
        dP = dP + t * (logx - psi)
    return xp.minimum(P, 1.0), dP


def _rsample_standard_gamma(alpha):
    """Gamma(alpha, 1) samples of alpha's shape, differentiable wrt ``alpha`` (implicit reparameterisation)."""
    y = _standard_gamma(alpha, alpha.shape)
    if alpha._rg and grad_mode.enabled:
        x_arr, a_arr = y._data, alpha.detach()._data

        def backward(g):
            return (g * _wrap(_standard_gamma_grad(a_arr, x_arr).astype(a_arr.dtype)),)
        record(y, "StandardGammaBackward0", backward, (alpha,), (alpha,))
    return y


def _gammainc(a, x):
    """``P(a, x)`` (``torch.special.gammainc``), differentiable wrt ``x`` only (as in PyTorch)."""
    a, x = zoo_core.broadcast_tensors(a, x)
    P, _ = _gammainc_series(a.detach()._data, x.detach()._data)
    y = _wrap(P.astype(x._data.dtype))
    if (a._rg or x._rg) and grad_mode.enabled:
        a_rg = a._rg

        def backward(g):
            if a_rg:
                raise NotImplementedError("derivative of gammainc wrt its first argument (the concentration) "
                                          "is not implemented (as in PyTorch); detach it")
            a_ = a.detach()   # dP/dx = x^(a-1) e^-x / Gamma(a)
            return (None, g * ((a_ - 1) * x.log() - x - zoo_core.lgamma(a_)).exp())
        record(y, "IgammaBackward0", backward, (a, x), (x,))
    return y


class Gamma(ExponentialFamily):
    """Gamma distribution with shape ``concentration`` and ``rate`` (inverse scale).

    Example::

        >>> Gamma(zoo_core.tensor([2.0]), zoo_core.tensor([1.0])).mean
        tensor([2.])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        batch_shape = Size() if isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number) \
            else self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return _params_expand(self, Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        # the standard-gamma draws are already clamped to the dtype's smallest normal number
        return _rsample_standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        value = zoo_core.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (_xlogy(self.concentration, self.rate) + _xlogy(self.concentration - 1, value)
                - self.rate * value - zoo_core.lgamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return _gammainc(self.concentration, self.rate * value)

    def entropy(self):
        return (self.concentration - zoo_core.log(self.rate) + zoo_core.lgamma(self.concentration)
                + (1.0 - self.concentration) * zoo_core.digamma(self.concentration))

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return zoo_core.lgamma(x + 1) + (x + 1) * zoo_core.log(-y.reciprocal())


class Chi2(Gamma):
    """Chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        if isinstance(df, numbers.Number):
            df = zoo_core.tensor(float(df))
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2


class Exponential(ExponentialFamily):
    """Exponential distribution with ``rate`` (mean ``1 / rate``)."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, numbers.Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return _params_expand(self, Exponential, batch_shape, _instance, ("rate",))

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return zoo_core.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = zoo_core.empty(shape, dtype=self.rate.dtype, device=self.rate.device).exponential_()
        return eps / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - zoo_core.exp(-self.rate * value)

    def icdf(self, value):
        return -zoo_core.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - zoo_core.log(self.rate)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -zoo_core.log(-x)


class Dirichlet(ExponentialFamily):
    """Dirichlet distribution over the simplex of the last dim, with ``concentration`` (..., K)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        g = _rsample_standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        tiny = zoo_core.finfo(x.dtype).tiny
        return x.clamp(min=tiny, max=1 - tiny)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return _xlogy(c - 1.0, value).sum(-1) + zoo_core.lgamma(c.sum(-1)) - zoo_core.lgamma(c).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        # all concentrations < 1: the density peaks at a vertex, that of the largest concentration
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        vertex = zoo_core.nn.functional.one_hot(self.concentration.argmax(-1), self.concentration.shape[-1])
        return zoo_core.where(mask, vertex.type_as(mode), mode)

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (zoo_core.lgamma(self.concentration).sum(-1) - zoo_core.lgamma(a0) - (k - a0) * zoo_core.digamma(a0)
                - ((self.concentration - 1.0) * zoo_core.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - zoo_core.lgamma(x.sum(-1))


class Beta(ExponentialFamily):
    """Beta distribution on [0, 1] with ``concentration1`` (alpha) and ``concentration0`` (beta)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number):
            concentration1_concentration0 = zoo_core.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            concentration1_concentration0 = zoo_core.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(concentration1_concentration0, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = zoo_core.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()

    @property
    def concentration1(self):
        result = self._dirichlet.concentration[..., 0]
        return zoo_core.tensor([float(result)]) if isinstance(result, numbers.Number) else result

    @property
    def concentration0(self):
        result = self._dirichlet.concentration[..., 1]
        return zoo_core.tensor([float(result)]) if isinstance(result, numbers.Number) else result

    @property
    def _natural_params(self):
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x, y):
        return zoo_core.lgamma(x) + zoo_core.lgamma(y) - zoo_core.lgamma(x + y)
