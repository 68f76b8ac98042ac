"""Ops along one dim that keep its length: ``cumsum``, ``cumprod``, ``cummax``/``cummin``, ``softmax``,
``log_softmax``.

Split from reduction.py (which re-exports them); backward formulas are Tensor ops, so double backward
works. ``softmax`` is on the hot path of every attention layer: its forward is three array passes
written in place.
"""
import weakref

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from .arith import where
from .reduction import _INT, _float_only, _return_type, prod, sum
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
    acc = x.dtype if x.dtype.kind == "f" or dtype is not None else _INT   # ints/bools: int64 unless dtype=
    if x.ndim == 0:
        r = x.astype(acc)
    elif acc == np.float16:    # accumulate in float32, as PyTorch does (float16 drifts after ~1000 terms)
        r = getattr(x, op)(axis=ax, dtype=np.float32).astype(np.float16)
    else:
        r = getattr(x, op)(axis=ax, dtype=acc)
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


# ---- cummax, cummin ------------------------------------------------------------------------------
_cummax_t, _cummin_t = _return_type("cummax"), _return_type("cummin")


def cummax(input, dim):
    """Running maximum along ``dim``: ``(values, indices)``; a tie or a NaN moves the index forward (as
    PyTorch). The gradient goes to the index each output took its value from.

    Example::

        >>> zoo_core.cummax(zoo_core.tensor([1., 3., 2., 5.]), 0).indices
        tensor([0, 1, 1, 3])
    """
    return _cumextreme(input, dim, True)


def cummin(input, dim):
    """Running minimum along ``dim``: ``(values, indices)``; see ``cummax``."""
    return _cumextreme(input, dim, False)


def _cumextreme(input, dim, largest):
    x = input._data
    xp = _backend.array_module(x)
    ax = _wrap_dim(dim, x.ndim, "cummax" if largest else "cummin")
    v = xp.moveaxis(x, ax, -1) if x.ndim else x.reshape(1)
    n = v.shape[-1]
    i = xp.broadcast_to(xp.arange(n, dtype=_INT), v.shape)
    floating = x.dtype.kind == "f"
    s = 1
    while s < n:
        # Hillis-Steele scan, log2(n) vector steps (CuPy has no maximum.accumulate): combine each entry
        # with the one s places earlier; the later one wins ties, and NaN beats everything
        vl, vr = v[..., :-s], v[..., s:]
        later = vr >= vl if largest else vr <= vl
        if floating:
            later = (later & ~xp.isnan(vl)) | xp.isnan(vr)
        v = xp.concatenate([v[..., :s], xp.where(later, vr, vl)], axis=-1)
        i = xp.concatenate([i[..., :s], xp.where(later, i[..., s:], i[..., :-s])], axis=-1)
        s *= 2
    if x.ndim:
        v, i = xp.moveaxis(v, -1, ax), xp.moveaxis(i, -1, ax)
    else:
        v, i = v.reshape(()), i.reshape(())
    values, idx = _wrap(v.copy()), i.copy()      # C order (the scan ran on the moved axis)
    if input._rg and grad_mode.enabled:
        from .scatter import scatter_add

        def backward(g):
            if x.ndim == 0:
                return (g,)
            return (scatter_add(_wrap(xp.zeros(x.shape, g._data.dtype)), ax, _wrap(idx), g),)
        record(values, "CummaxBackward0" if largest else "CumminBackward0", backward, (input,))
    return (_cummax_t if largest else _cummin_t)(values, _wrap(idx))


def _softmax_axis(input, dim, dtype, op):
    ax = _wrap_dim(dim, input._data.ndim, op)
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, op)
    return input, input._data, ax if input._data.ndim else None


def softmax(input, dim, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably (shifted by the max along ``dim``).

    Example::

        >>> zoo_core.softmax(zoo_core.tensor([0., 0.]), 0)
        tensor([0.5000, 0.5000])
    """
    input, x, ax = _softmax_axis(input, dim, dtype, "softmax")
    xp = _backend.array_module(x)
    if x.size == 0:     # no max to shift by; the (empty) result is still differentiable
        return input * 1
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
    if x.size == 0:
        return input * 1
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


__all__ = ["cumsum", "cumprod", "cummax", "cummin", "softmax", "log_softmax"]

Tensor.cumsum, Tensor.cumprod, Tensor.cummax, Tensor.cummin = cumsum, cumprod, cummax, cummin
Tensor.softmax, Tensor.log_softmax = softmax, log_softmax
