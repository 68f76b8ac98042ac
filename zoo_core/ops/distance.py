"""Distances: ``cdist`` (pairwise p-norm distances between two sets of row vectors) and ``dist``.

``cdist`` forms the differences directly (exact, in row blocks that bound the memory) unless the work is
large, where p = 2 switches to the matrix-product formula ``|a|^2 + |b|^2 - 2 a.b`` on centred inputs
(centring keeps the norms that cancel small). Its gradient follows PyTorch: zero where a distance is 0.
For p = 2 the backward is two matrix products; other p form the (..., P, R, M) differences.
Names are re-exported by ``ops/misc.py``.
"""
import math

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, check_same_device
from ._util import grad_for
from .arith import where
from .misc import _TORCH_NAMES
from .moments import vector_norm
from .unary import abs as _abs, sign as _sign

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
_BLOCK = 1 << 22      # elements of the difference block formed at once
_MM_WORK = 1 << 24    # above this many multiply-adds (P*R*M per batch), p=2 uses matrix products by default


def _reduce(xp, diff, p):
    """The p-norm over the last axis of a block of differences."""
    if p == 2:
        return xp.sqrt((diff * diff).sum(axis=-1))
    if p == 1:
        return xp.abs(diff).sum(axis=-1)
    if p == 0:
        return (diff != 0).sum(axis=-1).astype(diff.dtype)
    if math.isinf(p):
        return xp.abs(diff).max(axis=-1)
    return (xp.abs(diff) ** p).sum(axis=-1) ** (1.0 / p)


def _cdist_direct(xp, a, b, p):
    batch, (rows, m), r = a.shape[:-2], a.shape[-2:], b.shape[-2]
    out = xp.empty(batch + (rows, r), dtype=a.dtype)
    if m == 0 or out.size == 0:
        out[...] = 0
        return out
    step = max(1, _BLOCK // (int(np.prod(batch)) * r * m))
    for i in range(0, rows, step):
        diff = a[..., i:i + step, None, :] - b[..., None, :, :]   # (..., step, R, M)
        out[..., i:i + step, :] = _reduce(xp, diff, p)
    return out


def _cdist_mm(xp, a, b):
    # translation invariant: subtracting the common mean shrinks |a|^2 + |b|^2, the terms that cancel
    mu = (a.sum(axis=-2, keepdims=True) + b.sum(axis=-2, keepdims=True)) / (a.shape[-2] + b.shape[-2])
    a = a - mu
    b = b - mu
    d2 = (a * a).sum(axis=-1)[..., :, None] + (b * b).sum(axis=-1)[..., None, :]
    d2 -= 2 * (a @ xp.swapaxes(b, -1, -2))
    xp.maximum(d2, 0, out=d2)
    return xp.sqrt(d2, out=d2)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M):
    a (..., P, R) tensor; batch dims broadcast. ``p`` >= 0 (``inf`` for the max norm).

    Example::

        >>> zoo_core.cdist(zoo_core.tensor([[0., 0.], [1., 1.]]), zoo_core.tensor([[0., 1.]]))
        tensor([[1.],
                [1.]])
    """
    for pos, (name, x) in enumerate((("x1", x1), ("x2", x2)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"cdist(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    a, b = x1._data, x2._data
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: "
                           f"{b.shape[-1]} (shapes {list(a.shape)} and {list(b.shape)})")
    if a.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_TORCH_NAMES[a.dtype.name]}")
    if b.dtype != a.dtype:
        raise RuntimeError(f"cdist: expected scalar type {_TORCH_NAMES[a.dtype.name]} but found "
                           f"{_TORCH_NAMES[b.dtype.name]} (X1 is {x1.dtype}, X2 is {x2.dtype}); convert one with .to()")
    if type(a) is not type(b) or x1.device != x2.device:
        check_same_device("cdist", x1, x2)
    p = float(p)
    if not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got p={p})")
    if compute_mode not in _MODES:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode (one of {_MODES})")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cdist: batch dims of X1 {list(a.shape[:-2])} and X2 {list(b.shape[:-2])} cannot be "
                           "broadcast together") from None
    xp = _backend.array_module(a)
    rows, m, r = a.shape[-2], a.shape[-1], b.shape[-2]
    ab = xp.broadcast_to(a, batch + (rows, m))
    bb = xp.broadcast_to(b, batch + (r, m))
    use_mm = p == 2 and rows and r and m and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == _MODES[0] and rows * r * m * int(np.prod(batch)) > _MM_WORK))
    d = _cdist_mm(xp, ab, bb) if use_mm else _cdist_direct(xp, ab, bb, p)
    y = _wrap(d)
    if grad_mode.enabled and (x1._rg or x2._rg):
        record(y, "CdistBackward0", lambda g: _cdist_backward(g, x1, x2, p, d, compute_mode), (x1, x2), (x1, x2))
    return y


def _cdist_backward(g, x1, x2, p, d_arr, compute_mode):
    if p == 0:
        return x1 * 0 if x1._rg else None, x2 * 0 if x2._rg else None
    # a graph of the backward (create_graph) needs the distances' own dependence on x1, x2
    d = cdist(x1, x2, p, compute_mode) if grad_mode.enabled else _wrap(d_arr)
    zero = _wrap(d._data == 0)
    if p == 2:
        w = where(zero, 0.0, g / where(zero, 1.0, d))           # (..., P, R): g / d, 0 where d == 0
        gx1 = x1 * w.sum(-1, keepdim=True) - w @ x2 if x1._rg else None
        gx2 = x2 * w.sum(-2).unsqueeze(-1) - w.mT @ x1 if x2._rg else None
    else:
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)              # (..., P, R, M)
        gk, dk, zk = g.unsqueeze(-1), d.unsqueeze(-1), _wrap(zero._data[..., None])
        if p == 1:
            gd = gk * _sign(diff)
        elif math.isinf(p):   # every coordinate attaining the max gets the whole gradient, as PyTorch
            gd = where(_wrap(_backend.array_module(diff._data).abs(diff._data) == dk._data), gk * _sign(diff), 0.0)
        else:
            ad = _abs(diff)
            if p < 1:         # |diff|^(p-1) is infinite at 0, where PyTorch's gradient is 0
                zx = _wrap(diff._data == 0)
                adp = where(zx, 0.0, where(zx, 1.0, ad) ** (p - 1))
            else:
                adp = ad ** (p - 1)
            gd = where(zk, 0.0, gk * _sign(diff) * adp / where(zk, 1.0, dk) ** (p - 1))
        gx1 = gd.sum(-2) if x1._rg else None
        gx2 = -gd.sum(-3) if x2._rg else None
    return grad_for(gx1, x1) if gx1 is not None else None, grad_for(gx2, x2) if gx2 is not None else None


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), over all elements.

    Example::

        >>> zoo_core.dist(zoo_core.tensor([3., 0.]), zoo_core.tensor([0., 4.]))
        tensor(5.)
    """
    for pos, (name, x) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"dist(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    if input._data.dtype.kind != "f" or other._data.dtype.kind != "f":
        raise RuntimeError(f"dist: expected floating point inputs, got {input.dtype} and {other.dtype}")
    return vector_norm(input - other, p)


__all__ = ["cdist", "dist"]

Tensor.dist = dist
