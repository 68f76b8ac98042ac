"""Reductions: ``sum``, ``mean``, ``prod``, ``max``/``min`` (and ``amax``, ``argmax``, ``aminmax``,
``median``), ``logsumexp``, ``all``/``any``, ``count_nonzero``.

Each op reduces the raw array once, then (only when recording) defines its backward right below with
Tensor ops, so higher-order gradients come for free. A reduced gradient goes back to the input's shape
through ``_expand`` (re-insert the reduced dims, then broadcast). ``var``/``std``/norms live in
``moments.py``, scans and softmax in ``scan.py``; both are re-exported from here.
"""
import collections
import numbers
import weakref

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from ._util import broadcast_to
from .arith import maximum, minimum, where
from .unary import exp

_INT = np.dtype(np.int64)


# ---- helpers shared with scan.py and linalg.py ---------------------------------------------------
def _dims(dim, ndim, op):
    """Normalised reduction axes (a tuple), or None for "all dims". A 0-d tensor accepts dim 0/-1 and
    reduces nothing (as PyTorch)."""
    if dim is None:
        return None
    if isinstance(dim, numbers.Integral):
        d = _wrap_dim(int(dim), ndim, op)
        return (d,) if ndim else ()
    out = []
    for d in dim:
        d = _wrap_dim(int(d), ndim, op)
        if d in out:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    if not out:
        return None
    return tuple(out) if ndim else ()


def _keep_shape(shape, axes):
    """``shape`` with the reduced ``axes`` set to 1 (the ``keepdim=True`` result shape)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _numel(shape, axes):
    """How many elements each reduced output averages over."""
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _reshape(t, shape):
    """Differentiable reshape (may copy); private so that reductions do not depend on shape.py."""
    src = t._data.shape
    out = _wrap(t._data.reshape(shape))
    if t._rg and grad_mode.enabled:
        record(out, "ViewBackward0", lambda g: (_reshape(g, src),), (t,))
    return out


def _permute(t, perm):
    """Differentiable axis permutation (a view)."""
    xp = _backend.array_module(t._data)
    out = _wrap(xp.transpose(t._data, perm))
    if t._rg and grad_mode.enabled:
        inv = tuple(int(i) for i in np.argsort(perm))
        record(out, "PermuteBackward0", lambda g: (_permute(g, inv),), (t,))
    return out


def _keep(g, shape, axes, keepdim):
    """A reduced gradient ``g`` with the reduced dims re-inserted as size 1."""
    if keepdim or g._data.ndim == len(shape):
        return g
    return _reshape(g, _keep_shape(shape, axes))


def _expand(g, shape, axes, keepdim):
    """Send the gradient of a reduction back to the input's ``shape`` (differentiable)."""
    if g._data.shape == shape:
        return g
    return broadcast_to(_keep(g, shape, axes, keepdim), shape)


def _float_only(input, op):
    if input._data.dtype.kind != "f":       # NotImplementedError (a RuntimeError) as PyTorch's missing kernel
        raise NotImplementedError(f"{op}: expected a floating point tensor, got {input.dtype.name}; "
                                  "convert it with .float() or pass dtype=")


def _return_type(name, fields=("values", "indices")):
    """A namedtuple like ``torch.return_types.max``: indexable, unpackable, with named fields."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"zoo_core.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    return cls


_max_t, _min_t, _median_t = _return_type("max"), _return_type("min"), _return_type("median")
_aminmax_t = _return_type("aminmax", ("min", "max"))


# ---- sum, mean, prod ----------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Sum over ``dim`` (an int, a tuple, or None for all); integer and bool inputs sum to int64.

    Example::

        >>> zoo_core.tensor([[1., 2.], [3., 4.]]).sum(0)
        tensor([4., 6.])
    """
    if axis is not None:
        dim = axis
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    axes = None if dim is None else _dims(dim, x.ndim, "sum")
    kind = x.dtype.kind
    if kind == "f":
        if x.dtype == np.float16:   # accumulate in float32, as PyTorch does
            r = x.sum(axis=axes, dtype=np.float32, keepdims=keepdim).astype(np.float16)
        else:
            r = x.sum(axis=axes, keepdims=keepdim)
    else:   # integers and bools accumulate in int64 unless dtype= names the result type
        r = x.sum(axis=axes, dtype=_INT if dtype is None else x.dtype, keepdims=keepdim)
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        shape = x.shape
        record(y, "SumBackward0", lambda g: (_expand(g, shape, axes, keepdim),), (input,))
    return y


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean over ``dim``; floating-point inputs only (as PyTorch; pass ``dtype=`` for integers).

    Example::

        >>> zoo_core.tensor([1., 2., 3., 6.]).mean()
        tensor(3.)
    """
    if axis is not None:
        dim = axis
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {input.dtype.name}")
    axes = None if dim is None else _dims(dim, x.ndim, "mean")
    if x.dtype == np.float16:
        r = x.mean(axis=axes, dtype=np.float32, keepdims=keepdim).astype(np.float16)
    else:
        r = x.mean(axis=axes, keepdims=keepdim)
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        shape = x.shape
        n = _numel(shape, axes)
        record(y, "MeanBackward0", lambda g: (_expand(g / n, shape, axes, keepdim),), (input,))
    return y


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Product over ``dim`` (one int, or None for all); integer and bool inputs give int64.

    The gradient is exact with zeros in the input (one zero: only it gets a gradient; two or more: none).

    Example::

        >>> zoo_core.tensor([1., 2., 3., 4.]).prod()
        tensor(24.)
    """
    if axis is not None:
        dim = axis
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    axes = None if dim is None else _dims(dim, x.ndim, "prod")
    r = x.prod(axis=axes, keepdims=keepdim) if x.dtype.kind == "f" else \
        x.prod(axis=axes, dtype=_INT if dtype is None else x.dtype, keepdims=keepdim)
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        shape = x.shape
        y_keep = r.reshape(_keep_shape(shape, axes))

        def backward(g):
            gk = _keep(g, shape, axes, keepdim)
            xp = _backend.array_module(input._data)
            if not bool(xp.any(input._data == 0)):
                # d prod / d x_i = prod / x_i; recompute prod when building a graph of this backward
                yk = prod(input, axes, True) if grad_mode.enabled else _wrap(y_keep)
                return (gk * yk / input,)
            return (broadcast_to(gk, shape) * _prod_others(input, axes),)
        record(y, "ProdBackward0", backward, (input,), (input, weakref.ref(y)))
    return y


def _prod_others(x, axes):
    """For each element, the product of the other elements of its reduction lane (input has zeros).

    Per lane with c zeros: c == 0: prod / x; c == 1: the zero gets the product of the non-zeros, the
    rest get 0; c == 2: each zero gets the product of the non-zeros times the other zero; c > 2: 0.
    The zero values are kept as Tensor factors (``zsum``: the lane's zeros summed, value 0) so that the
    second derivative is exact too.
    """
    xp = _backend.array_module(x._data)
    zmask = x._data == 0
    cnt = zmask.sum(axis=axes, keepdims=True)
    zm = _wrap(zmask)
    x_nz = where(zm, 1.0, x)
    p_nz = prod(x_nz, axes, True)                         # product of the non-zeros, keepdim
    zsum = sum(where(zm, x, 0.0), axes, True)            # value 0, carries d/d(zero)
    zero = x * 0
    r = where(_wrap(xp.broadcast_to(cnt == 0, zmask.shape)), p_nz / x_nz, zero)
    one = _wrap(xp.broadcast_to(cnt == 1, zmask.shape))
    r = where(one & zm, p_nz, where(one, zsum * p_nz / x_nz, r))
    two = _wrap(xp.broadcast_to(cnt == 2, zmask.shape) & zmask)
    return where(two, p_nz * (zsum - x), r)


# ---- max, min, amax, amin, argmax, argmin, aminmax, median ----------------------------------------
def max(input, dim=None, keepdim=False, *, axis=None):
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along ``dim``;
    ``max(x, other)``: the elementwise maximum.

    Without ``dim`` the gradient is split evenly among tied maxima; with ``dim`` it goes to the index
    returned (as PyTorch).

    Example::

        >>> zoo_core.tensor([[1., 5.], [7., 2.]]).max(1)
        zoo_core.return_types.max(
        values=tensor([5., 7.]),
        indices=tensor([1, 0]))
    """
    if axis is not None:
        dim = axis
    if dim is None:
        return _extreme_all(input, "max")
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme_dim(input, dim, keepdim, "max")


def min(input, dim=None, keepdim=False, *, axis=None):
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(x, other)``; see ``max``."""
    if axis is not None:
        dim = axis
    if dim is None:
        return _extreme_all(input, "min")
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme_dim(input, dim, keepdim, "min")


def _extreme_all(input, op):
    if input._data.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    return _amax(input, None, False, op, "MaxBackward1" if op == "max" else "MinBackward1")


def _extreme_dim(input, dim, keepdim, op):
    x = input._data
    xp = _backend.array_module(x)
    ax = _wrap_dim(dim, x.ndim, op)
    if x.ndim == 0:
        idx = xp.zeros((), _INT)
        vals = _wrap(x.copy())
        if input._rg and grad_mode.enabled:
            record(vals, "MaxBackward0" if op == "max" else "MinBackward0", lambda g: (g,), (input,))
        return (_max_t if op == "max" else _min_t)(vals, _wrap(idx))
    if x.shape[ax] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size (shape {tuple(x.shape)})")
    idx = (xp.argmax if op == "max" else xp.argmin)(x, axis=ax, keepdims=True)
    vals = xp.take_along_axis(x, idx, axis=ax)
    if idx.dtype != _INT:
        idx = idx.astype(_INT)
    values = _wrap(vals if keepdim else vals.squeeze(ax))
    if input._rg and grad_mode.enabled:
        shape = x.shape
        record(values, "MaxBackward0" if op == "max" else "MinBackward0",
               lambda g: (_select_backward(g, idx, shape, ax, keepdim),), (input,))
    return (_max_t if op == "max" else _min_t)(values, _wrap(idx if keepdim else idx.squeeze(ax)))


def _select_backward(g, idx_keep, shape, ax, keepdim):
    """The gradient of picking ``idx_keep`` (keepdim indices) along ``ax``: ``g`` at those positions."""
    xp = _backend.array_module(idx_keep)
    n = shape[ax]
    onehot = xp.arange(n).reshape([n if i == ax else 1 for i in range(len(shape))]) == idx_keep
    gk = g if keepdim else _reshape(g, _keep_shape(shape, (ax,)))
    return where(_wrap(onehot), gk, 0.0)


def amax(input, dim=(), keepdim=False, *, axis=None):
    """The largest values over ``dim`` (an int or a tuple; ``()`` means all); ties share the gradient.

    Example::

        >>> zoo_core.tensor([[1., 5.], [7., 2.]]).amax(0)
        tensor([7., 5.])
    """
    x = input._data
    axes = _dims(dim if axis is None else axis, x.ndim, "amax")
    return _amax(input, axes, keepdim, "max", "AmaxBackward0")


def amin(input, dim=(), keepdim=False, *, axis=None):
    """The smallest values over ``dim``; see ``amax``."""
    x = input._data
    axes = _dims(dim if axis is None else axis, x.ndim, "amin")
    return _amax(input, axes, keepdim, "min", "AminBackward0")


def _amax(input, axes, keepdim, op, node):
    x = input._data
    if axes is None and x.size == 0:       # (max()/min() without dim raised already, with their own name)
        raise RuntimeError(f"a{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                           f"(shape {tuple(x.shape)}). Specify the reduction dim with the 'dim' argument.")
    try:
        r = x.max(axis=axes, keepdims=keepdim) if op == "max" else x.min(axis=axes, keepdims=keepdim)
    except ValueError:
        raise IndexError(f"a{op}(): Expected reduction dim to have non-zero size (shape {tuple(x.shape)}, "
                         f"dim {axes})") from None
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        shape = x.shape
        y_keep = r.reshape(_keep_shape(shape, axes))

        def backward(g):
            xa = input._data
            xp = _backend.array_module(xa)
            mask = (xa == y_keep) | (xp.isnan(xa) & xp.isnan(y_keep))   # ties (NaN counts as a max)
            cnt = _wrap(mask.sum(axis=axes, keepdims=True).astype(xa.dtype))
            return (where(_wrap(mask), _keep(g, shape, axes, keepdim) / cnt, 0.0),)
        record(y, node, backward, (input,), (input, weakref.ref(y)))
    return y


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (or everything) in one call."""
    d = () if dim is None else dim
    if dim is None and input._data.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           f"identity (shape {tuple(input._data.shape)})")
    return _aminmax_t(amin(input, d, keepdim), amax(input, d, keepdim))


def argmax(input, dim=None, keepdim=False, *, axis=None):
    """Index of the largest value along ``dim`` (int64); ``dim=None`` indexes the flattened tensor.

    Example::

        >>> zoo_core.tensor([[1., 5.], [7., 2.]]).argmax()
        tensor(2)
    """
    return _argext(input, dim if axis is None else axis, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None):
    """Index of the smallest value along ``dim`` (int64); see ``argmax``."""
    return _argext(input, dim if axis is None else axis, keepdim, "argmin")


def _argext(input, dim, keepdim, op):
    x = input._data
    xp = _backend.array_module(x)
    if x.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    fn = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                             f"(shape {tuple(x.shape)})")
        r = fn(x)
        if keepdim:
            r = xp.asarray(r).reshape((1,) * x.ndim)
    else:
        ax = _wrap_dim(dim, x.ndim, op)
        if x.ndim and x.shape[ax] == 0:    # only the reduced dim must be non-empty (as PyTorch)
            raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size "
                             f"(shape {tuple(x.shape)})")
        r = fn(x, axis=ax, keepdims=keepdim) if x.ndim else xp.zeros((), _INT)
    r = _wrap(r)
    if r._data.dtype != _INT:
        r._data = r._data.astype(_INT)
    return r


def median(input, dim=None, keepdim=False):
    """The lower median (no averaging of the two middle values, as PyTorch); ``median(x, dim)`` gives
    ``(values, indices)``. A lane with NaN has median NaN (at the first NaN's index)."""
    x = input._data
    xp = _backend.array_module(x)
    if x.dtype == np.bool_:
        raise NotImplementedError("median(): not implemented for bool tensors; convert with .int() or .float()")
    if dim is None:
        if x.size == 0:
            return _wrap(xp.asarray(float("nan"), dtype=x.dtype))
        flat = x.reshape(-1)
        if x.dtype.kind == "f" and bool(xp.isnan(flat).any()):
            v = xp.asarray(float("nan"), dtype=x.dtype)
        else:
            v = xp.sort(flat)[(flat.size - 1) // 2]
        # the same even split among ties as max() without dim
        y = _wrap(v)
        if input._rg and grad_mode.enabled:
            shape = x.shape

            def backward(g):
                xa = input._data
                mask = (xa == v) | (xp.isnan(xa) & xp.isnan(v))
                return (where(_wrap(mask), g / _wrap(mask.sum().astype(xa.dtype)), 0.0),)
            record(y, "MedianBackward0", backward, (input,), (input, weakref.ref(y)))
        return y
    ax = _wrap_dim(dim, x.ndim, "median")
    if x.ndim == 0:
        return _median_t(*_extreme_dim(input, dim, keepdim, "max"))
    n = x.shape[ax]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {ax} to have non-zero size (shape {tuple(x.shape)})")
    order = xp.argsort(x, axis=ax, kind="stable") if xp is np else xp.argsort(x, axis=ax)   # CuPy's is stable
    idx = xp.take(order, xp.asarray([(n - 1) // 2]), axis=ax)            # keepdim indices
    if x.dtype.kind == "f":
        nan = xp.isnan(x)
        lane_nan = nan.any(axis=ax, keepdims=True)
        if bool(lane_nan.any()):
            idx = xp.where(lane_nan, xp.argmax(nan, axis=ax, keepdims=True), idx)
    idx = idx.astype(_INT, copy=False)
    vals = xp.take_along_axis(x, idx, axis=ax)
    values = _wrap(vals if keepdim else vals.squeeze(ax))
    if input._rg and grad_mode.enabled:
        shape = x.shape
        record(values, "MedianBackward1", lambda g: (_select_backward(g, idx, shape, ax, keepdim),), (input,))
    return _median_t(values, _wrap(idx if keepdim else idx.squeeze(ax)))


# ---- logsumexp, all, any, count_nonzero ---------------------------------------------------------
def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim``, computed stably (shifted by the max).

    Example::

        >>> zoo_core.logsumexp(zoo_core.tensor([100., 100.]), 0)
        tensor(100.6931)
    """
    x = input._data
    if x.dtype.kind != "f":
        x = x.astype(_dtype.get_default_dtype().np)
    xp = _backend.array_module(x)
    axes = _dims(dim, x.ndim, "logsumexp")
    if x.size == 0:
        rk = xp.log(xp.exp(x).sum(axis=axes, keepdims=True))
    else:
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isinf(m), 0, m).astype(x.dtype, copy=False)    # all -inf lanes stay -inf
        rk = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
    y = _wrap(rk if keepdim else rk.reshape(_reduced_shape(x.shape, axes)))
    if input._rg and grad_mode.enabled:
        shape = x.shape

        def backward(g):
            lk = logsumexp(input, axes, True) if grad_mode.enabled else _wrap(rk)
            return (_keep(g, shape, axes, keepdim) * exp(input - lk),)
        record(y, "LogsumexpBackward0", backward, (input,), (input, weakref.ref(y)))
    return y


def _reduced_shape(shape, axes):
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def all(input, dim=None, keepdim=False, *, axis=None):
    """True where every element over ``dim`` is non-zero (bool; uint8 for uint8 input, as PyTorch)."""
    return _logical_reduce(input, dim if axis is None else axis, keepdim, "all")


def any(input, dim=None, keepdim=False, *, axis=None):
    """True where some element over ``dim`` is non-zero (bool; uint8 for uint8 input, as PyTorch)."""
    return _logical_reduce(input, dim if axis is None else axis, keepdim, "any")


def _logical_reduce(input, dim, keepdim, op):
    x = input._data
    if dim is not None and not isinstance(dim, numbers.Integral) and len(dim) == 0:
        axes = ()                       # all(dim=()) reduces nothing, as PyTorch
    else:
        axes = None if dim is None else _dims(dim, x.ndim, op)
    r = x.all(axis=axes, keepdims=keepdim) if op == "all" else x.any(axis=axes, keepdims=keepdim)
    if x.dtype == np.uint8:
        r = r.astype(np.uint8)
    return _wrap(r)


def count_nonzero(input, dim=None):
    """Number of non-zero elements over ``dim`` (int64)."""
    x = input._data
    axes = None if dim is None else _dims(dim, x.ndim, "count_nonzero")
    return _wrap((x != 0).sum(axis=axes, dtype=_INT))


# split by concept; re-exported so that zoo_core's one import line covers them
from .moments import nanmean, nansum, norm, renorm, std, std_mean, var, var_mean  # noqa: E402
from .scan import (cummax, cummin, cumprod, cumsum, cumulative_trapezoid, log_softmax, logcumsumexp,  # noqa: E402
                   softmax, trapezoid, trapz)

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median",
           "var", "std", "var_mean", "std_mean", "nansum", "nanmean", "norm", "logsumexp", "all", "any",
           "count_nonzero", "cumsum", "cumprod", "cummax", "cummin", "softmax", "log_softmax", "logcumsumexp",
           "trapezoid", "trapz", "cumulative_trapezoid", "renorm"]

_METHODS = {
    "sum": sum, "mean": mean, "prod": prod, "max": max, "min": min, "amax": amax, "amin": amin,
    "aminmax": aminmax, "argmax": argmax, "argmin": argmin, "median": median, "var": var, "std": std,
    "norm": norm, "logsumexp": logsumexp, "all": all, "any": any, "count_nonzero": count_nonzero,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
del _name, _fn
