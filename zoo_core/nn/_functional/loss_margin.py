"""Margin, embedding and likelihood losses (compositions of differentiable ops, as in PyTorch):
``cosine_embedding_loss``, ``margin_ranking_loss``, ``hinge_embedding_loss``, ``soft_margin_loss``,
``multilabel_soft_margin_loss``, ``multi_margin_loss``, ``triplet_margin_loss`` (and ``_with_distance``),
``poisson_nll_loss``, ``gaussian_nll_loss``.
"""
import math

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...ops.arith import minimum, where
from ...ops.creation import ones_like
from ...ops.reduction import norm
from ...ops.unary import exp, log, softplus
from ...tensor import _wrap
from .loss import _legacy_reduction, _reduce, _reduction, _tname

__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "poisson_nll_loss", "gaussian_nll_loss", "multi_margin_loss", "multilabel_soft_margin_loss",
           "multilabel_margin_loss"]


# ---- margin and embedding losses ----------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``.

    Example::

        >>> F.cosine_embedding_loss(zoo_core.tensor([[1., 0.]]), zoo_core.tensor([[0., 1.]]), zoo_core.tensor([1]))
        tensor(1.)
    """
    red = _reduction(reduction, size_average, reduce)
    td = target.dim()
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != td + 1 or input2.dim() != td + 1:
        raise RuntimeError(f"{td}D target tensor expects {td + 1}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12                 # torch's EPSILON, added to the squared norms
    cos = (input1 * input2).sum(td) / (((input1 * input1).sum(td) + eps) * ((input2 * input2).sum(td) + eps)).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(loss, red)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -y * (x1 - x2) + margin)``.

    Example::

        >>> F.margin_ranking_loss(zoo_core.tensor([1., 2.]), zoo_core.tensor([2., 1.]), zoo_core.tensor([1., 1.]))
        tensor(0.5000)
    """
    red = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), red)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``.

    Example::

        >>> F.hinge_embedding_loss(zoo_core.tensor([0.3, 0.2]), zoo_core.tensor([1., -1.]))
        tensor(0.5500)
    """
    red = _reduction(reduction, size_average, reduce)
    loss = where(target != 1, (margin - input).clamp_min(0), 0.0) + where(target != -1, input, 0.0)
    return _reduce(loss, red)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Logistic loss ``log(1 + exp(-y * x))`` (computed stably).

    Example::

        >>> F.soft_margin_loss(zoo_core.tensor([0.]), zoo_core.tensor([1.]))
        tensor(0.6931)
    """
    red = _reduction(reduction, size_average, reduce)
    return _reduce(softplus(-input * target), red)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One-vs-all logistic loss averaged over the C classes of the last dim: ``(N, C) -> (N,)`` before the
    reduction.

    Example::

        >>> F.multilabel_soft_margin_loss(zoo_core.tensor([[0., 0.]]), zoo_core.tensor([[1., 0.]]))
        tensor(0.6931)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    # -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x)), with logsigmoid(z) = -softplus(-z)
    loss = target * softplus(-input) + (1 - target) * softplus(input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.dim() - 1) / input.shape[-1]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: ``sum_{j != y} weight[y] * max(0, margin - x[y] + x[j]) ** p / C`` per sample.

    Example::

        >>> F.multi_margin_loss(zoo_core.tensor([[0.1, 0.2, 0.4, 0.8]]), zoo_core.tensor([3]))
        tensor(0.3250)
    """
    red = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x, t = input._data, target._data
    nd = x.ndim
    if not ((nd == 2 and x.shape[1] != 0) or (nd == 1 and x.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    n = x.shape[0] if nd == 2 else 1
    n_classes = x.shape[-1] if nd else 1
    if t.ndim > 1 or t.size != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(t.shape)}. "
                           f"Input has shape {list(x.shape)}.")
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(t)}")
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {list(weight.shape)}")
    if bool(((t < 0) | (t >= n_classes)).any()):
        raise RuntimeError("target out of range")
    xp = _backend.array_module(x)
    ts = t.reshape(n, 1)
    x2 = input.reshape(n, n_classes)
    z = (x2 - x2.gather(1, target.reshape(n, 1)) + margin).clamp_min(0)   # (N, C)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[target.reshape(n)].reshape(n, 1)
    z = where(_wrap(xp.arange(n_classes).reshape(1, n_classes) == ts), 0.0, z)   # j == y does not count
    loss = z.sum(1) / n_classes
    return _reduce(loss.reshape(t.shape) if nd < 2 else loss, red)


def _pairwise_distance(x1, x2, p, eps):
    """torch's ``pairwise_distance``: the p-norm of ``x1 - x2 + eps`` over the last dim."""
    return norm(x1 - x2 + eps, p, max(x1.dim(), x2.dim()) - 1)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance (``swap``: use ``d(p, n)``
    when it is smaller).

    Example::

        >>> a, pos, neg = zoo_core.zeros(1, 2), zoo_core.zeros(1, 2), zoo_core.ones(1, 2)
        >>> F.triplet_margin_loss(a, pos, neg, margin=2.)
        tensor(0.5858)
    """
    red = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), red)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """``triplet_margin_loss`` with any ``distance_function(x1, x2)`` (default: the pairwise 2-norm)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function or (lambda a, b: _pairwise_distance(a, b, 2.0, 1e-6))
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# ---- likelihood losses --------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log likelihood: ``exp(x) - t * x`` (``log_input``) or ``x - t * log(x + eps)``;
    ``full`` adds the Stirling term ``t log t - t + 0.5 log(2 pi t)`` where ``t > 1``.

    Example::

        >>> F.poisson_nll_loss(zoo_core.tensor([0.]), zoo_core.tensor([1.]))
        tensor(1.)
    """
    red = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        tb = where(big, target, 1.0)            # keeps log() away from t <= 1, where the term is 0 anyway
        loss = loss + where(big, tb * log(tb) - tb + 0.5 * log(2 * math.pi * tb), 0.0)
    return _reduce(loss, red)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood ``0.5 * (log(var) + (x - t) ** 2 / var)``; ``var`` is a tensor
    (one per element, or one fewer dim / one size-1 dim: homoscedastic) or a number; it is clamped at
    ``eps`` for stability (the clamp is not differentiated, as in PyTorch).

    Example::

        >>> F.gaussian_nll_loss(zoo_core.tensor([1.]), zoo_core.tensor([1.]), zoo_core.tensor([1.]))
        tensor(0.)
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim()
                  and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss over (C,) or (N, C): per sample,
    ``sum_{j in targets, i not in targets} max(0, 1 - (x[j] - x[i])) / C``, where the targets are the
    class indices in ``target`` up to its first -1 (a repeated index counts twice, as in torch).

    Example::

        >>> F.multilabel_margin_loss(zoo_core.tensor([[0.1, 0.2, 0.4, 0.8]]), zoo_core.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    red = _reduction(reduction, size_average, reduce)
    x, t = input._data, target._data
    if x.ndim > 2 or t.shape != x.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(x.shape)}")
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(t)}")
    xp = _backend.array_module(x)
    c = x.shape[-1] if x.ndim else 1
    tt = t.reshape(-1, c)                                           # (N, C) class lists
    valid = xp.cumprod(tt >= 0, axis=-1).astype(bool)               # entries before the first -1
    if bool((valid & (tt >= c)).any()):
        raise RuntimeError("multilabel_margin_loss: argument #2 'target' is out of range")
    hits = (tt[:, :, None] == xp.arange(c)) & valid[:, :, None]     # (N, K, C)
    count = hits.sum(axis=1).astype(x.dtype)                        # times class c is listed
    others = (count == 0).astype(x.dtype)                           # classes that are not targets
    xx = input.reshape(-1, c)
    hinge = (1 - xx.unsqueeze(-1) + xx.unsqueeze(-2)).relu()        # (N, C_target, C_other)
    loss = (hinge * _wrap(count[:, :, None] * others[:, None, :])).sum((1, 2)) / c
    return _reduce(loss.reshape(x.shape[:-1]) if x.ndim else loss.reshape(()), red)
