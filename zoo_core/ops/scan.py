"""Ops along one dim: ``cumsum``, ``cumprod`` (and in-place forms), ``cummax``/``cummin``,
``logcumsumexp``, ``softmax``, ``log_softmax``, and the trapezoid rule (``trapezoid``, ``trapz``,
``cumulative_trapezoid``).

Split from reduction.py (which re-exports them); backward formulas are Tensor ops, so double backward
works. ``softmax`` is on the hot path of every attention layer: its forward is three array passes
written in place.
"""
import weakref

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from .. import _dtype
from ..tensor import Tensor, _wrap, _wrap_dim, inplace_update
from .arith import where
from .reduction import _INT, _float_only, _return_type, prod, sum
from .unary import exp, log


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


def cumsum_(self, dim, *, dtype=None):
    """In-place ``cumsum`` (``dtype``, if given, must be this tensor's dtype)."""
    _same_dtype(self, dtype, "cumsum_")
    return inplace_update(self, cumsum(self, dim), "cumsum_")


def cumprod_(self, dim, *, dtype=None):
    """In-place ``cumprod`` (``dtype``, if given, must be this tensor's dtype)."""
    _same_dtype(self, dtype, "cumprod_")
    # the backward reads the input: differentiate a copy of it, which the write below leaves intact
    src = self.clone() if self._rg and grad_mode.enabled else self
    return inplace_update(self, cumprod(src, dim), "cumprod_")


def _same_dtype(self, dtype, op):
    if dtype is not None and _dtype.to_dtype(dtype) != self.dtype:
        raise RuntimeError(f"{op}: Bad in-place call: input tensor dtype {self.dtype} and output tensor dtype "
                           f"{_dtype.to_dtype(dtype)} should match")


# ---- logcumsumexp --------------------------------------------------------------------------------
def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably (pairwise ``logaddexp``).

    Example::

        >>> zoo_core.logcumsumexp(zoo_core.tensor([-1000., 0., 0.]), 0)
        tensor([-1.0000e+03,  0.0000e+00,  6.9315e-01])
    """
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: not implemented for {input.dtype.name} input; convert it with "
                                  ".float()")
    ax = _wrap_dim(dim, x.ndim, "logcumsumexp")
    xp = _backend.array_module(x)
    if x.ndim == 0 or x.shape[ax] == 0:
        r = x.copy()
    elif xp is np:
        r = np.logaddexp.accumulate(x, axis=ax)
    else:   # Hillis-Steele scan, log2(n) vector steps (CuPy has no ufunc.accumulate)
        v = xp.moveaxis(x, ax, -1)
        s = 1
        while s < v.shape[-1]:
            v = xp.concatenate([v[..., :s], xp.logaddexp(v[..., s:], v[..., :-s])], axis=-1)
            s *= 2
        r = xp.ascontiguousarray(xp.moveaxis(v, -1, ax))
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        def backward(g):
            if x.ndim == 0:
                return (g,)
            return (_logcumsumexp_backward(g, input, ax, r),)
        record(y, "LogcumsumexpBackward0", backward, (input,), (input,))
    if out is not None:
        from .arith import _out
        return _out(y, out)
    return y


def _logcumsumexp_backward(g, x, ax, y_data):
    """d/dx_i = sum_{j>=i} g_j exp(x_i - y_j). As PyTorch, the positive and negative parts of g are summed
    in log space by a reversed logcumsumexp (no overflow); written with Tensor ops for double backward."""
    y = logcumsumexp(x, ax) if grad_mode.enabled else _wrap(y_data)
    xp = _backend.array_module(y_data)
    y = where(_wrap(xp.isneginf(y_data)), 0.0, y)          # lanes still at -inf: x_i is -inf too, term 0
    out = None
    for part in (g._data > 0, g._data < 0):
        m = _wrap(part)
        lg = where(m, log(where(m, g.abs(), 1.0)), float("-inf")) - y
        term = exp(x + _flip(logcumsumexp(_flip(lg, ax), ax), ax))
        out = term if out is None else out - term
    return out


# ---- trapezoid rule ------------------------------------------------------------------------------
def _trapezoid_parts(y, x, dx, dim, op):
    """(left, right, spacing) along the checked ``dim``: ``spacing`` is a Tensor of x differences or
    a number."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}() received an invalid combination of arguments: pass either x or dx, not both")
    yd = y._data
    if yd.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    if yd.dtype == np.bool_ or (isinstance(x, Tensor) and x._data.dtype == np.bool_):
        raise RuntimeError(f"{op}: received a bool input for `x` or `y`, but bool is not supported")
    d = _wrap_dim(dim, yd.ndim, op)
    n = yd.shape[d]
    lead = (slice(None),) * d
    left, right = y[lead + (slice(0, max(n - 1, 0)),)], y[lead + (slice(1, None),)]
    if x is None:
        return d, left, right, 1 if dx is None else dx
    xd = x._data
    if xd.ndim == 1:
        if xd.shape[0] != n:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point (x has {xd.shape[0]}, "
                               f"y has {n} along dim {d})")
        x = x.reshape([n if i == d else 1 for i in range(yd.ndim)])
    elif xd.ndim < yd.ndim:
        x = x.reshape((1,) * (yd.ndim - xd.ndim) + tuple(xd.shape))
    m = x._data.shape[d]
    return d, left, right, x[lead + (slice(1, None),)] - x[lead + (slice(0, max(m - 1, 0)),)]


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoid rule, at sample points ``x`` (1-D, or
    broadcastable to ``y``) or with constant spacing ``dx`` (default 1).

    Example::

        >>> zoo_core.trapezoid(zoo_core.tensor([1., 2., 3.]), zoo_core.tensor([0., 1., 3.]))
        tensor(6.5000)
    """
    d, left, right, spacing = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    if y._data.shape[d] == 0:
        from .creation import zeros
        return zeros(y._data.shape[:d] + y._data.shape[d + 1:], dtype=y.dtype, device=y.device)
    if isinstance(spacing, Tensor):
        return (spacing * (left + right)).sum(d) / 2.0
    n = y._data.shape[d]
    first, last = y.select(d, 0), y.select(d, n - 1)
    return (y.sum(d) - (first + last) * 0.5) * spacing


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` (the older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid-rule integral of ``y`` along ``dim`` (one element shorter than ``y``).

    Example::

        >>> zoo_core.cumulative_trapezoid(zoo_core.tensor([1., 2., 3.]))
        tensor([1.5000, 4.0000])
    """
    d, left, right, spacing = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    if isinstance(spacing, Tensor):
        return cumsum((spacing * (left + right)) / 2.0, d)
    return cumsum(spacing / 2.0 * (left + right), d)


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


__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "softmax", "log_softmax", "trapezoid", "trapz",
           "cumulative_trapezoid"]

Tensor.cumsum, Tensor.cumprod, Tensor.cummax, Tensor.cummin = cumsum, cumprod, cummax, cummin
Tensor.softmax, Tensor.log_softmax = softmax, log_softmax
Tensor.cumsum_, Tensor.cumprod_, Tensor.logcumsumexp = cumsum_, cumprod_, logcumsumexp
