"""Ops along one dim that keep its length: ``cumsum``, ``cumprod``, ``softmax``, ``log_softmax``.

Split from reduction.py (which re-exports them); backward formulas are Tensor ops, so double backward
works. ``softmax`` is on the hot path of every attention layer: its forward is three array passes
written in place.
"""
import weakref

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from .arith import where
from .reduction import _INT, _float_only, prod, sum
from .unary import exp


def _flip(t, ax):
    """Differentiable reversal along ``ax`` (a view)."""
    out = _wrap(_backend.array_module(t._data).flip(t._data, ax))
    if t._rg and grad_mode.enabled:
        record(out, "FlipBackward0", lambda g: (_flip(g, ax),), (t,))
    return out


def _revcumsum(t, ax):
    """``out[i] = sum(t[i:])`` along ``ax``."""
    return _flip(cumsum(_flip(t, ax), ax), ax)


def _cumulative(input, dim, dtype, op):
    """(input cast to ``dtype``, its array, the axis, ``op`` along it); integers and bools give int64."""
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    ax = _wrap_dim(dim, x.ndim, op)
    kind = x.dtype.kind
    if x.ndim == 0:
        r = x.copy() if kind == "f" else x.astype(_INT)
    else:
        r = getattr(x, op)(axis=ax) if kind == "f" else getattr(x, op)(axis=ax, dtype=_INT)
    return input, x, ax, r


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``; integer and bool inputs give int64.

    Example::

        >>> zoo_core.tensor([1, 2, 3]).cumsum(0)
        tensor([1, 3, 6])
    """
    input, x, ax, r = _cumulative(input, dim, dtype, "cumsum")
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        if x.ndim == 0:
            record(y, "CumsumBackward0", lambda g: (g,), (input,))
        else:
            record(y, "CumsumBackward0", lambda g: (_revcumsum(g, ax),), (input,))
    return y


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; integer and bool inputs give int64.

    The gradient is exact with zeros in the input, to any order (a double backward through zeros
    takes O(n^2) in the length of ``dim``, as in PyTorch).

    Example::

        >>> zoo_core.tensor([1., 2., 3.]).cumprod(0)
        tensor([1., 2., 6.])
    """
    input, x, ax, r = _cumulative(input, dim, dtype, "cumprod")
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        if x.ndim == 0:
            record(y, "CumprodBackward0", lambda g: (g,), (input,))
        else:
            record(y, "CumprodBackward0", lambda g: (_cumprod_backward(g, input, ax, r),), (input,),
                   (input, weakref.ref(y)))
    return y


def _cumprod_backward(g, x, ax, y_data):
    """d/dx_k of sum_i g_i * prod_{j<=i} x_j. Without zeros: revcumsum(g * y) / x. With zeros, per lane
    with first zero at z: positions before z keep that formula (y vanishes from z on), position z gets
    prod(x[:z]) * sum_{i>=z} g_i * prod(x[z+1:i+1]), positions after z get 0 (as PyTorch)."""
    xa = x._data
    xp = _backend.array_module(xa)
    zmask = xa == 0
    y = cumprod(x, ax) if grad_mode.enabled else _wrap(y_data)
    if not bool(zmask.any()):
        return _revcumsum(g * y, ax) / x
    if grad_mode.enabled:
        return _cumprod_backward_graph(g, x, ax)
    seen = xp.cumsum(zmask, axis=ax)
    before = _wrap(seen == 0)
    first = _wrap(zmask & (seen == 1))
    after = _wrap(seen > 0) & ~first
    x_before = where(before, x, 1.0)
    head = prod(x_before, ax, True)                        # prod(x[:z]), keepdim
    tail = cumprod(where(after, x, 1.0), ax)                # prod(x[z+1:i+1]) at i >= z
    at_zero = head * sum(where(before, 0.0, g * tail), ax, True)
    return where(before, _revcumsum(g * y, ax) / x_before, where(first, at_zero, 0.0))


def _cumprod_backward_graph(g, x, ax):
    """The zeros case when building a graph of the backward (double backward): like PyTorch, the
    O(n^2) sum over k of ``sum_{i>=k} g_i * prod_{j<=i, j!=k} x_j``, exact to any order."""
    xa = x._data
    xp = _backend.array_module(xa)
    n = xa.shape[ax]
    pos = xp.arange(n).reshape([n if i == ax else 1 for i in range(xa.ndim)])
    out = None
    for k in range(n):
        omit_k = cumprod(where(_wrap(pos == k), 1.0, x), ax)         # prod_{j<=i, j!=k} x_j
        gk = sum(where(_wrap(pos >= k), g * omit_k, 0.0), ax, True)
        term = where(_wrap(pos == k), gk, 0.0)
        out = term if out is None else out + term
    return out


def _softmax_axis(input, dim, dtype, op):
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, op)
    x = input._data
    ax = _wrap_dim(dim, x.ndim, op)
    return input, x, ax if x.ndim else None


def softmax(input, dim, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably (shifted by the max along ``dim``).

    Example::

        >>> zoo_core.softmax(zoo_core.tensor([0., 0.]), 0)
        tensor([0.5000, 0.5000])
    """
    input, x, ax = _softmax_axis(input, dim, dtype, "softmax")
    xp = _backend.array_module(x)
    e = x - x.max(axis=ax, keepdims=True)
    if ax is None:
        e = xp.asarray(e)             # 0-d: numpy gave a scalar, which cannot take out=
    xp.exp(e, out=e)
    e /= e.sum(axis=ax, keepdims=True)
    y = _wrap(e)
    if input._rg and grad_mode.enabled:
        def backward(g):
            yy = softmax(input, dim) if grad_mode.enabled else _wrap(e)
            return (yy * (g - sum(g * yy, ax, True)),)
        record(y, "SoftmaxBackward0", backward, (input,), (input, weakref.ref(y)))
    return y


def log_softmax(input, dim, dtype=None):
    """``log(softmax(x, dim))``, computed stably as ``x - logsumexp(x, dim)``.

    Example::

        >>> zoo_core.log_softmax(zoo_core.tensor([0., 0.]), 0)
        tensor([-0.6931, -0.6931])
    """
    input, x, ax = _softmax_axis(input, dim, dtype, "log_softmax")
    xp = _backend.array_module(x)
    s = x - x.max(axis=ax, keepdims=True)
    if ax is None:
        s = xp.asarray(s)
    s -= xp.log(xp.exp(s).sum(axis=ax, keepdims=True))
    y = _wrap(s)
    if input._rg and grad_mode.enabled:
        def backward(g):
            yy = log_softmax(input, dim) if grad_mode.enabled else _wrap(s)
            return (g - exp(yy) * sum(g, ax, True),)
        record(y, "LogSoftmaxBackward0", backward, (input,), (input, weakref.ref(y)))
    return y


__all__ = ["cumsum", "cumprod", "softmax", "log_softmax"]

Tensor.cumsum, Tensor.cumprod = cumsum, cumprod
Tensor.softmax, Tensor.log_softmax = softmax, log_softmax
