"""KL divergences (``kl_divergence``) involving ContinuousBernoulli, Pareto and LowRankMultivariateNormal:
the pairs PyTorch registers, with the same formulas (infinite where the support of ``p`` is not inside
that of ``q``).

Example::

    >>> from zoo_core.distributions import Pareto, kl_divergence
    >>> kl_divergence(Pareto(zoo_core.tensor(1.0), zoo_core.tensor(2.0)), Pareto(zoo_core.tensor(1.0), zoo_core.tensor(3.0)))
    tensor(0.0945)
"""
import math

import zoo_core

from .continuous import Laplace, Normal, Uniform
from .gamma import Beta, Exponential, Gamma
from .kl import _set_where, register_kl
from .continuous_bernoulli import ContinuousBernoulli
from .more_continuous import Pareto
from .more_multivariate import LowRankMultivariateNormal, _batch_lowrank_logdet, _batch_lowrank_mahalanobis
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis
from .transformed_distribution import Gumbel

__all__ = []

_inf = float("inf")


def _infinite_like(t):
    return zoo_core.full_like(t, _inf)


def _x_log_x(t):
    return zoo_core.xlogy(t, t)


def _batch_trace_XXT(bmat):
    """``trace(X X^T)`` over trailing batch dims."""
    return bmat.pow(2).sum((-2, -1))


# ---- ContinuousBernoulli --------------------------------------------------------------------------------
@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + zoo_core.log1p(-p.probs)
    t3 = -q._cont_bern_log_norm() - zoo_core.log1p(-q.probs)
    return t1 + t2 + t3


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() - p.mean * q.logits - zoo_core.log1p(-q.probs) - q._cont_bern_log_norm()


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - zoo_core.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).square()) + zoo_core.log(q.scale)
    t3 = (p.variance + p.mean.square() - 2.0 * q.loc * p.mean) / (2.0 * q.scale.square())
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return _set_where(result, (q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound), _inf)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() - p.mean * q.logits - zoo_core.log1p(-q.probs) - q._cont_bern_log_norm()
    return _set_where(result, (p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound), _inf)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_infinity(p, q):
    return _infinite_like(p.probs)


@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Pareto)
def _kl_exponential_infinity(p, q):
    return _infinite_like(p.rate)


@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Pareto)
def _kl_gamma_infinity(p, q):
    return _infinite_like(p.concentration)


@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Pareto)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Pareto)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Pareto)
def _kl_loc_infinity(p, q):
    return _infinite_like(p.loc)


@register_kl(Beta, Pareto)
def _kl_beta_infinity(p, q):
    return _infinite_like(p.concentration1)


# ---- Pareto ------------------------------------------------------------------------------------------------
@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    return _set_where(result, p.support.lower_bound < q.support.lower_bound, _inf)


@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
def _kl_pareto_infinity(p, q):
    return _infinite_like(p.scale)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    scale_rate_prod = p.scale * q.rate
    result = ((p.alpha / scale_rate_prod).log() - p.alpha.reciprocal() + p.alpha * scale_rate_prod / (p.alpha - 1)
              - 1)
    return _set_where(result, p.alpha <= 1, _inf)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    common_term = p.scale.log() + p.alpha.reciprocal()
    t1 = p.alpha.log() - common_term
    t2 = q.concentration.lgamma() - q.concentration * q.rate.log()
    t3 = (1 - q.concentration) * common_term
    t4 = q.rate * p.alpha * p.scale / (p.alpha - 1)
    return _set_where(t1 + t2 + t3 + t4 - 1, p.alpha <= 1, _inf)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    var_normal = 2 * q.scale.pow(2)
    common_term = p.scale / (p.alpha - 1)
    t1 = (math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale).log()
    t2 = p.alpha.reciprocal()
    t3 = p.alpha * common_term.pow(2) / (p.alpha - 2)
    t4 = (p.alpha * common_term - q.loc).pow(2)
    return _set_where(t1 - t2 + (t3 + t4) / var_normal - 1, p.alpha <= 2, _inf)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    support_uniform = p.high - p.low
    t1 = (q.alpha * q.scale.pow(q.alpha) * support_uniform).log()
    t2 = (_x_log_x(p.high) - _x_log_x(p.low) - support_uniform) / support_uniform
    return _set_where(t2 * (q.alpha + 1) - t1, p.low < q.support.lower_bound, _inf)


# ---- low-rank multivariate normal ------------------------------------------------------------------------
def _check_events(p, q, low_rank_both):
    if p.event_shape != q.event_shape:
        kind = "Low Rank Multivariate Normals" if low_rank_both else "(Low Rank) Multivariate Normals"
        raise ValueError(f"KL-divergence between two {kind} with different event shapes cannot be computed "
                         f"(got {tuple(p.event_shape)} and {tuple(q.event_shape)})")


def _q_woodbury(q):
    """``A`` with ``inv(q.cov) = inv(qD) - A^T A``."""
    qWt_qDinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return zoo_core.linalg.solve_triangular(q._capacitance_tril, qWt_qDinv, upper=False)


def _q_logdet_and_maha(p, q):
    qW, qD, qC = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q._capacitance_tril
    return _batch_lowrank_logdet(qW, qD, qC), _batch_lowrank_mahalanobis(qW, qD, q.loc - p.loc, qC)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    _check_events(p, q, True)
    q_logdet, term3 = _q_logdet_and_maha(p, q)
    term1 = q_logdet - _batch_lowrank_logdet(p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag,
                                             p._capacitance_tril)
    A = _q_woodbury(q)
    pW, pD, qD = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_diag
    term21 = (pD / qD).sum(-1)
    term22 = _batch_trace_XXT(pW * qD.rsqrt().unsqueeze(-1))
    term23 = _batch_trace_XXT(A * pD.sqrt().unsqueeze(-2))
    term24 = _batch_trace_XXT(A.matmul(pW))
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p, q):
    _check_events(p, q, False)
    q_logdet, term3 = _q_logdet_and_maha(p, q)
    term1 = q_logdet - 2 * p._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    A = _q_woodbury(q)
    term21 = _batch_trace_XXT(p._unbroadcasted_scale_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _batch_trace_XXT(A.matmul(p._unbroadcasted_scale_tril))
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p, q):
    _check_events(p, q, False)
    term1 = (2 * q._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
             - _batch_lowrank_logdet(p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, p._capacitance_tril))
    term3 = _batch_mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
    batch = zoo_core.broadcast_shapes(q._unbroadcasted_scale_tril.shape[:-2], p._unbroadcasted_cov_factor.shape[:-2])
    n = p.event_shape[0]
    q_tril = q._unbroadcasted_scale_tril.expand(tuple(batch) + (n, n))
    p_W = p._unbroadcasted_cov_factor.expand(tuple(batch) + (n, p.cov_factor.size(-1)))
    p_D = zoo_core.diag_embed(p._unbroadcasted_cov_diag.sqrt()).expand(tuple(batch) + (n, n))
    term21 = _batch_trace_XXT(zoo_core.linalg.solve_triangular(q_tril, p_W, upper=False))
    term22 = _batch_trace_XXT(zoo_core.linalg.solve_triangular(q_tril, p_D, upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - p.event_shape[0])
