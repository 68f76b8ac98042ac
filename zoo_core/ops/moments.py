"""Moments and norms: ``var``, ``std``, ``var_mean``, ``std_mean``, ``nansum``/``nanmean``, ``norm``,
``vector_norm`` and ``renorm``.

Split from reduction.py (which re-exports them). Backward formulas are Tensor ops recomputing what they
need (the mean, the norm) when a graph of the backward is being built, so double backward is exact.
"""
import math
import weakref

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim, inplace_update
from .arith import where
from .reduction import _dims, _keep, _keep_shape, _numel, mean, sum as _sum
from .unary import abs as _abs, sign


# ---- var, std -----------------------------------------------------------------------------------
def _correction(unbiased, correction):
    if correction is not None:
        if unbiased is not None:
            raise TypeError("var/std: pass either unbiased= or correction=, not both")
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0).

    Example::

        >>> zoo_core.tensor([1., 2., 3., 4.]).var()
        tensor(1.6667)
    """
    if axis is not None:
        dim = axis
    if isinstance(dim, bool):          # the old var(input, unbiased) overload
        dim, unbiased = None, dim
    y, _, _ = _var(input, dim, _correction(unbiased, correction), keepdim, "var")
    return y


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """Standard deviation over ``dim``; see ``var``. Where it is 0 the gradient is 0 (as PyTorch)."""
    if axis is not None:
        dim = axis
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _std(input, dim, _correction(unbiased, correction), keepdim)[0]


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    y, _, _ = _var(input, dim, _correction(unbiased, correction), keepdim, "var_mean")
    return y, mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _std(input, dim, _correction(unbiased, correction), keepdim)[0], mean(input, dim, keepdim)


def _var_arrays(input, dim, correction, keepdim, op):
    """(variance array, axes, dof) on the raw array."""
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: std and var only support floating point dtypes, got {input.dtype.name}")
    axes = None if dim is None else _dims(dim, x.ndim, op)
    dt = x.dtype
    if dt == np.float16:         # square and sum in float32 (as PyTorch): float16 overflows at 65504
        x = x.astype(np.float32)
    d = x - x.mean(axis=axes, keepdims=True)
    ssq = (d * d).sum(axis=axes, keepdims=keepdim)
    dof = _numel(x.shape, axes) - correction
    with np.errstate(divide="ignore", invalid="ignore"):
        # dof <= 0 divides by 0 (PyTorch clamps it): inf, or nan where ssq is 0 (an empty lane too)
        r = ssq * (1.0 / dof) if dof > 0 else ssq / x.dtype.type(0)
    return r.astype(dt, copy=False), axes, dof


def _var(input, dim, correction, keepdim, op):
    r, axes, dof = _var_arrays(input, dim, correction, keepdim, op)
    y = _wrap(r)
    if input._rg and grad_mode.enabled:
        shape = input._data.shape
        scale = 2.0 / dof if dof != 0 else math.inf
        full = axes is None or len(shape) == 0

        def backward(g):
            if full and dof <= 0:
                # PyTorch's full reduction: nan where x equals the mean, inf elsewhere (times g)
                xa = input._data
                r = _backend.array_module(xa).full(xa.shape, math.inf, dtype=xa.dtype)
                r[xa == xa.mean(axis=axes, keepdims=True)] = math.nan
                return (g * _wrap(r),)
            centered = input - mean(input, axes, True)
            return (_keep(g, shape, axes, keepdim) * centered * scale,)
        record(y, "VarBackward0", backward, (input,), (input,))
    return y, axes, dof


def _std(input, dim, correction, keepdim):
    r, axes, dof = _var_arrays(input, dim, correction, keepdim, "std")
    xp = _backend.array_module(r)
    y = _wrap(xp.sqrt(r))
    if input._rg and grad_mode.enabled:
        shape = input._data.shape
        s_keep = y._data.reshape(_keep_shape(shape, axes))
        inv_dof = 1.0 / dof if dof != 0 else math.inf
        if dof < 0 and (axes is None or len(shape) == 0):
            inv_dof = math.nan      # PyTorch's full reduction with dof <= 0: nan gradient everywhere

        def backward(g):
            sk = std(input, axes, keepdim=True, correction=correction) if grad_mode.enabled else _wrap(s_keep)
            zero = _wrap(s_keep == 0)
            gs = where(zero, 0.0, _keep(g, shape, axes, keepdim) / where(zero, 1.0, sk))
            return (gs * (input - mean(input, axes, True)) * inv_dof,)
        record(y, "StdBackward0", backward, (input,), (input, weakref.ref(y)))
    return y, axes, dof


# ---- nansum, nanmean ------------------------------------------------------------------------------
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """``sum`` treating NaN as zero (NaN entries get no gradient).

    Example::

        >>> zoo_core.nansum(zoo_core.tensor([1., float("nan"), 2.]))
        tensor(3.)
    """
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind == "f":
        input = where(_wrap(_backend.array_module(input._data).isnan(input._data)), 0.0, input)
    return _sum(input, dim, keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """``mean`` over the non-NaN entries (NaN where a lane has none).

    Example::

        >>> zoo_core.nanmean(zoo_core.tensor([1., float("nan"), 2.]))
        tensor(1.5000)
    """
    if input._data.dtype.kind != "f":          # dtype= does not make an integer input acceptable (as PyTorch)
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype.name}")
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    xp = _backend.array_module(x)
    nan = xp.isnan(x)
    axes = None if dim is None else _dims(dim, x.ndim, "nanmean")
    count = (~nan).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
    return _sum(where(_wrap(nan), 0.0, input), dim, keepdim) / _wrap(count)


# ---- norms --------------------------------------------------------------------------------------
def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ``ord``-norm of the elements over ``dim`` (all by default): 2 (default), 1, inf, -inf, 0
    (count of non-zeros) or any real ``p``. Also ``zoo_core.linalg.vector_norm``.

    Example::

        >>> zoo_core.linalg.vector_norm(zoo_core.tensor([3., 4.]))
        tensor(5.)
    """
    if input._data.dtype.kind != "f":     # dtype= does not make an integer input acceptable (as PyTorch)
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype.name}")
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    dt = x.dtype
    if dt == np.float16:         # powers and sums in float32 (as PyTorch): float16 overflows at 65504
        x = x.astype(np.float32)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    xp = _backend.array_module(x)
    axes = None if dim is None else _dims(dim, x.ndim, "linalg.vector_norm")
    p = float(ord)
    if p == 2:
        rk = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
    elif p == 1:
        rk = xp.abs(x).sum(axis=axes, keepdims=True)
    elif p == 0:
        rk = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
    elif math.isinf(p):
        if x.size == 0 and _numel(x.shape, axes) == 0:    # only empty lanes have no max (as PyTorch)
            raise RuntimeError(f"linalg.vector_norm: cannot compute the {ord} norm on an empty tensor "
                               f"(shape {tuple(x.shape)}, dim {dim})")
        a = xp.abs(x)
        rk = a.max(axis=axes, keepdims=True) if p > 0 else a.min(axis=axes, keepdims=True)
    else:
        rk = ((xp.abs(x) ** p).sum(axis=axes, keepdims=True)) ** (1.0 / p)
    rk = rk.astype(dt, copy=False)
    y = _wrap(rk if keepdim else rk.reshape([s for i, s in enumerate(x.shape) if axes is not None and i not in axes]))
    if input._rg and grad_mode.enabled:
        shape = x.shape

        def backward(g):
            nk = vector_norm(input, p, axes, True) if grad_mode.enabled else _wrap(rk)
            return (_vector_norm_backward(_keep(g, shape, axes, keepdim), input, nk, p, axes),)
        record(y, "LinalgVectorNormBackward0", backward, (input,), (input, weakref.ref(y)))
    return y


def _vector_norm_backward(gk, x, nk, p, axes):
    """PyTorch's formulas (``linalg_vector_norm_backward``); ``gk`` and ``nk`` are keepdim."""
    xa = x._data
    if p == 0:
        return x * 0
    if p == 1:
        return sign(x) * gk
    nz = _wrap(nk._data == 0)
    if math.isinf(p):
        xp = _backend.array_module(xa)
        ab = xp.abs(xa)
        mask = (ab == nk._data) | xp.isnan(ab)
        cnt = _wrap(mask.sum(axis=axes, keepdims=True).astype(xa.dtype))
        return where(_wrap(mask), sign(x) * (gk / cnt), 0.0)
    safe = where(nz, 1.0, nk)            # keeps inf/nan out of the unselected branch (double backward)
    if p == 2:
        return x * where(nz, 0.0, gk / safe)
    if p < 1:
        zx = _wrap(xa == 0)
        scaled = sign(x) * where(zx, 0.0, where(zx, 1.0, _abs(x)) ** (p - 1))
        return scaled * gk * nk ** (1 - p)
    scale = where(nz, 0.0, gk / safe ** (p - 1))
    if p < 2:
        return sign(x) * _abs(x) ** (p - 1) * scale
    return x * _abs(x) ** (p - 2) * scale


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """``torch.norm``: ``p="fro"`` (2-norm of the elements), ``"nuc"`` (nuclear) or a number (vector
    norm over ``dim``).

    Example::

        >>> zoo_core.tensor([[3., 4.], [0., 0.]]).norm()
        tensor(5.)
    """
    if p is None or p == "fro":
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    if p == "nuc":
        from .linalg import matrix_norm
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if isinstance(p, str):
        raise RuntimeError(f"norm: unsupported p {p!r} (use 'fro', 'nuc' or a number)")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice of ``input`` along ``dim`` (``input.select(dim, i)``) whose ``p``-norm exceeds
    ``maxnorm`` scaled down to norm ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, as PyTorch); the other
    slices unchanged.

    Example::

        >>> zoo_core.renorm(zoo_core.tensor([[3., 4.], [0.3, 0.4]]), 2, 0, 1.)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    x = input._data
    if isinstance(p, Tensor) or not float(p) > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    d = _wrap_dim(dim, x.ndim, "renorm")
    nk = vector_norm(input, p, tuple(i for i in range(x.ndim) if i != d), True)
    factor = where(nk > maxnorm, maxnorm / (nk + 1e-7), 1.0)
    r = input * factor
    if out is not None:
        from .arith import _out
        return _out(r, out)
    return r


def renorm_(self, p, dim, maxnorm):
    """In-place ``renorm``."""
    src = self.clone() if self._rg and grad_mode.enabled else self     # the backward reads the input
    return inplace_update(self, renorm(src, p, dim, maxnorm), "renorm_")


__all__ = ["var", "std", "var_mean", "std_mean", "norm", "nansum", "nanmean", "renorm"]

Tensor.nansum, Tensor.nanmean, Tensor.renorm, Tensor.renorm_ = nansum, nanmean, renorm, renorm_
