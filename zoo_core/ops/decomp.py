"""Square-matrix linear algebra: ``linalg.inv``, ``linalg.det``, ``linalg.slogdet`` and ``linalg.solve``
(also ``zoo_core.inverse``/``det``/``logdet``/``slogdet``), batched over leading dims.

Forward calls ``xp.linalg`` once (LAPACK on numpy, cuSOLVER on CuPy); backward formulas are written with
these same differentiable ops, so double backward works:

    d inv(A)    = -inv(A)^T g inv(A)^T
    d det(A)    = g det(A) inv(A)^T
    d logabsdet = g inv(A)^T
    solve:  X = A^-1 B,  gB = solve(A^T, g),  gA = -gB X^T
"""
import collections

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from .linalg import _mT, matmul
from .reduction import _reshape


class LinAlgError(RuntimeError):
    """A matrix was singular (or not positive definite): PyTorch's ``torch.linalg.LinAlgError``."""


_slogdet_t = collections.namedtuple("slogdet", ["sign", "logabsdet"])


def _square(A, op):
    x = A._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {A.dtype.name}")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        shape = tuple(x.shape)
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           + (f"{shape[-2]} by {shape[-1]} matrices" if x.ndim >= 2 else f"of shape {shape}"))
    return x, _backend.array_module(x)


def _lapack(fn, op, *arrays):
    """``fn(*arrays)``, with numpy's LinAlgError (a ValueError) turned into PyTorch's (a RuntimeError)."""
    try:
        return fn(*arrays)
    except Exception as e:         # numpy.linalg.LinAlgError / cupy's LinAlgError
        if type(e).__name__ == "LinAlgError":
            raise LinAlgError(f"{op}: the matrix is singular, so it has no inverse ({e})") from None
        raise


def inv(A):
    """The inverse of each square matrix in ``A`` (raises ``LinAlgError`` when one is singular).

    Example::

        >>> zoo_core.linalg.inv(zoo_core.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    x, xp = _square(A, "linalg.inv")
    if x.size == 0:
        return _wrap(x.copy()) if not A._rg else A * 1
    r = _lapack(xp.linalg.inv, "linalg.inv", x)
    if xp is not np:
        # cuSOLVER does not raise on singular input: check like LAPACK does
        if not bool(xp.isfinite(r).all()) and bool(xp.isfinite(x).all()):
            raise LinAlgError("linalg.inv: the matrix is singular, so it has no inverse")
    y = _wrap(r.astype(x.dtype, copy=False))
    if A._rg and grad_mode.enabled:
        def backward(g):
            yi = inv(A) if grad_mode.enabled else _wrap(r)
            yt = _mT(yi)
            return (-matmul(matmul(yt, g), yt),)
        record(y, "LinalgInvExBackward0", backward, (A,), (A,))
    return y


def det(A):
    """The determinant of each square matrix in ``A``.

    Example::

        >>> zoo_core.linalg.det(zoo_core.tensor([[2., 1.], [1., 3.]]))
        tensor(5.)
    """
    x, xp = _square(A, "linalg.det")
    r = xp.asarray(xp.linalg.det(x)).astype(x.dtype, copy=False)
    y = _wrap(r)
    if A._rg and grad_mode.enabled:
        def backward(g):
            d = det(A) if grad_mode.enabled else _wrap(r)
            return (_reshape(g * d, g._data.shape + (1, 1)) * _mT(inv(A)),)
        record(y, "LinalgDetBackward0", backward, (A,), (A,))
    return y


def slogdet(A):
    """``(sign, logabsdet)`` of each square matrix in ``A``: ``det = sign * exp(logabsdet)``, without
    overflow. Only ``logabsdet`` has a gradient."""
    x, xp = _square(A, "linalg.slogdet")
    sign, logabs = xp.linalg.slogdet(x)
    sign = xp.asarray(sign).astype(x.dtype, copy=False)
    y = _wrap(xp.asarray(logabs).astype(x.dtype, copy=False))
    if A._rg and grad_mode.enabled:
        record(y, "LinalgSlogdetBackward0",
               lambda g: (_reshape(g, g._data.shape + (1, 1)) * _mT(inv(A)),), (A,), (A,))
    return _slogdet_t(_wrap(sign), y)


def logdet(A):
    """``log(det(A))``: NaN where the determinant is negative, ``-inf`` where it is 0."""
    sign, logabs = slogdet(A)
    s = sign._data
    xp = _backend.array_module(s)
    fix = xp.where(s < 0, xp.asarray(np.nan, s.dtype), xp.where(s == 0, xp.asarray(-np.inf, s.dtype), 0))
    return logabs + _wrap(fix.astype(s.dtype, copy=False)) if bool((s <= 0).any()) else logabs


def solve(A, B, *, left=True):
    """``X`` with ``A @ X = B`` (``left=False``: ``X @ A = B``); ``B`` is a vector when it is 1-D or has
    ``A``'s shape minus the last dim. Batch dims broadcast.

    Example::

        >>> zoo_core.linalg.solve(zoo_core.tensor([[2., 0.], [0., 4.]]), zoo_core.tensor([2., 4.]))
        tensor([1., 1.])
    """
    if not left:               # X A = B  <=>  A^T X^T = B^T
        return _mT(solve(_mT(A), _mT(B)))
    xa, xp = _square(A, "linalg.solve")
    xb = B._data
    if xb.dtype != xa.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.name} and B of type {B.dtype.name} instead")
    vector = xb.ndim == 1 or (xb.ndim == xa.ndim - 1 and xb.shape == xa.shape[:-1])
    Bm = _reshape(B, xb.shape + (1,)) if vector else B
    n = xa.shape[-1]
    if Bm._data.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({xa.shape[-2]}x{n} and {'x'.join(map(str, xb.shape))})")
    try:
        batch = np.broadcast_shapes(xa.shape[:-2], Bm._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dimensions of A {tuple(xa.shape)} and B {tuple(xb.shape)} "
                           "cannot be broadcast together") from None
    a = xp.broadcast_to(xa, batch + xa.shape[-2:])
    b = xp.broadcast_to(Bm._data, batch + Bm._data.shape[-2:])
    x = _lapack(xp.linalg.solve, "linalg.solve", a, b)
    X = _wrap(x.astype(xa.dtype, copy=False))
    if grad_mode.enabled and (A._rg or B._rg):
        from ._util import sum_to

        def backward(g):
            Xg = solve(A, Bm) if grad_mode.enabled else _wrap(x)
            gB = solve(_mT(A), g)
            gA = sum_to(-matmul(gB, _mT(Xg)), xa.shape) if A._rg else None
            return gA, sum_to(gB, Bm._data.shape) if B._rg else None
        record(X, "LinalgSolveExBackward0", backward, (A, Bm), (A, Bm))
    return _reshape(X, x.shape[:-1]) if vector else X


__all__ = ["inverse", "det", "logdet", "slogdet"]
inverse = inv

Tensor.inverse, Tensor.det, Tensor.logdet, Tensor.slogdet = inv, det, logdet, slogdet
