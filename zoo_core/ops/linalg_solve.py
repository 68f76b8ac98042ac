"""Solvers and matrix functions: ``linalg.solve_triangular``, ``cholesky_solve``/``cholesky_inverse``,
``linalg.lstsq``, ``linalg.matrix_power``, ``linalg.matrix_exp``, ``linalg.multi_dot``, ``inv_ex``/``solve_ex``,
``linalg.vander``, and the LU family (``linalg.lu_factor``/``lu``/``lu_solve``, ``zoo_core.lu``/``lu_unpack``/
``lu_solve``), batched over leading dims.

Neither numpy nor CuPy has a batched triangular solver or LU, so triangular systems go through
``xp.linalg.solve`` on the masked triangle, and LU is a batched Doolittle elimination with partial pivoting
(one column per step, all matrices at once; the same code on both devices). Backward formulas use
differentiable ops (or are compositions of them), so double backward works:

    solve_triangular  X = A^-1 B:  gB = A^-T g,  gA = tri(-gB X^T)
    matrix_exp        gA = [exp([[A^T, g], [0, A^T]])]_12  (the Frechet derivative at A^T, Najfeld & Havel)
    lu                A = P L U:   gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
"""
import collections

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from ._util import sum_to
from .decomp import LinAlgError, inv, solve
from .join import cat, stack
from .linalg import matmul
from .linalg_decomp import _lapack, _matrix, _outable, matrix_rank, pinv
from .sorting import tril, triu

_lstsq_t = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_inv_ex_t = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
_solve_ex_t = collections.namedtuple("linalg_solve_ex", ["result", "info"])
_triangular_solve_t = collections.namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
_lu_factor_t = collections.namedtuple("linalg_lu_factor", ["LU", "pivots"])
_lu_factor_ex_t = collections.namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_lu_t = collections.namedtuple("linalg_lu", ["P", "L", "U"])
_lu_unpack_t = collections.namedtuple("lu_unpack", ["P", "L", "U"])


def _dense(xp, a):
    """CuPy's solvers factor in place from a copy; give them a real array, not a zero-stride broadcast."""
    return a if xp is np else xp.ascontiguousarray(a)


def _batch(op, sa, sb):
    try:
        return np.broadcast_shapes(sa, sb)
    except ValueError:
        raise RuntimeError(f"{op}: batch dimensions {sa} and {sb} cannot be broadcast together") from None


# ---- triangular solves --------------------------------------------------------------------------
def _triangle(a, xp, upper, unitriangular):
    t = xp.triu(a) if upper else xp.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t * (1 - xp.eye(n, dtype=a.dtype)) + xp.eye(n, dtype=a.dtype)
    return t


@_outable
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """``X`` with ``A @ X = B`` (``left=False``: ``X @ A = B``) for triangular ``A``: only its ``upper`` or
    lower triangle is read, and its diagonal is taken as ones with ``unitriangular=True``. Batch dims
    broadcast.

    Example::

        >>> A = zoo_core.tensor([[2., 1.], [0., 4.]])
        >>> zoo_core.linalg.solve_triangular(A, zoo_core.tensor([[3.], [4.]]), upper=True)
        tensor([[1.],
                [1.]])
    """
    op = "linalg.solve_triangular"
    xa, xp = _matrix(A, op, square=True)
    xb, _ = _matrix(B, op, name="B")
    if xa.dtype != xb.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type {A.dtype.name} "
                           f"and B of type {B.dtype.name} instead")
    if not left:                 # X A = B  <=>  A^T X^T = B^T
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    n = xa.shape[-1]
    if xb.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {xb.shape[-2]}x{xb.shape[-1]})")
    batch = _batch(op, xa.shape[:-2], xb.shape[:-2])
    a = _dense(xp, xp.broadcast_to(_triangle(xa, xp, upper, unitriangular), batch + (n, n)))
    b = _dense(xp, xp.broadcast_to(xb, batch + xb.shape[-2:]))
    x = _lapack(op, xp.linalg.solve, a, b).astype(xa.dtype, copy=False)
    X = _wrap(x)
    if grad_mode.enabled and (A._rg or B._rg):
        def backward(g):
            gB = solve_triangular(A.mT, g, upper=not upper, unitriangular=unitriangular)
            gA = None
            if A._rg:
                Xg = solve_triangular(A, B, upper=upper, unitriangular=unitriangular) if grad_mode.enabled \
                    else _wrap(x)
                d = int(unitriangular)
                gA = -matmul(gB, Xg.mT)
                gA = sum_to(triu(gA, d) if upper else tril(gA, -d), xa.shape)
            return gA, sum_to(gB, xb.shape) if B._rg else None
        record(X, "LinalgSolveTriangularBackward0", backward, (A, B), (A, B))
    return X


@_outable
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Legacy ``torch.triangular_solve(b, A)``: ``(solution, cloned_coefficient)`` solving ``A X = b``
    (``transpose=True``: ``A^T X = b``)."""
    M = A.mT if transpose else A
    X = solve_triangular(M, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_solve_t(X, A.clone())


@_outable
def cholesky_solve(B, L, upper=False, *, out=None):
    """``X`` with ``(L L^T) X = B`` given the Cholesky factor ``L`` (``upper=True``: ``U^T U``). Batch dims
    broadcast. The gradient of ``L`` is PyTorch's (that of the formula, not masked to the triangle).

    Example::

        >>> L = zoo_core.tensor([[2., 0.], [1., 1.]])
        >>> zoo_core.cholesky_solve(zoo_core.tensor([[6.], [4.]]), L)
        tensor([[1.],
                [1.]])
    """
    op = "cholesky_solve"
    xl, xp = _matrix(L, op, square=True, name="L")
    xb, _ = _matrix(B, op, name="B")
    if xl.dtype != xb.dtype:
        raise RuntimeError(f"{op}: Expected b and A to have the same dtype, but found b of type {B.dtype.name} "
                           f"and A of type {L.dtype.name} instead")
    n = xl.shape[-1]
    if xb.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible matrix sizes for cholesky_solve: each A matrix is {n} by {n} but "
                           f"each b matrix is {xb.shape[-2]} by {xb.shape[-1]}")
    batch = _batch(op, xl.shape[:-2], xb.shape[:-2])
    lo = _dense(xp, xp.broadcast_to(xp.swapaxes(xp.triu(xl), -1, -2) if upper else xp.tril(xl), batch + (n, n)))
    y = _lapack(op, xp.linalg.solve, lo, _dense(xp, xp.broadcast_to(xb, batch + xb.shape[-2:])))
    x = _lapack(op, xp.linalg.solve, _dense(xp, xp.swapaxes(lo, -1, -2)), y).astype(xl.dtype, copy=False)
    X = _wrap(x)
    if grad_mode.enabled and (L._rg or B._rg):
        def backward(g):
            gB = cholesky_solve(g, L, upper)
            gL = None
            if L._rg:
                Xg = cholesky_solve(B, L, upper) if grad_mode.enabled else _wrap(x)
                C = matmul(gB, Xg.mT)
                C = C + C.mT
                gL = sum_to(-(matmul(L, C) if upper else matmul(C, L)), xl.shape)
            return sum_to(gB, xb.shape) if B._rg else None, gL
        record(X, "CholeskySolveBackward0", backward, (B, L), (B, L))
    return X


@_outable
def cholesky_inverse(L, upper=False, *, out=None):
    """``inv(L L^T)`` from the Cholesky factor ``L`` (``upper=True``: ``inv(U^T U)``)."""
    xl, xp = _matrix(L, "cholesky_inverse", square=True, name="L")
    return cholesky_solve(_wrap(xp.eye(xl.shape[-1], dtype=xl.dtype)), L, upper)


# ---- least squares ------------------------------------------------------------------------------
def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B`` (minimum norm when ``A`` is rank-deficient or wide):
    ``(solution, residuals, rank, singular_values)``. As PyTorch's default CPU driver ``'gelsy'``,
    ``residuals`` and ``singular_values`` are empty; ``'gelsd'``/``'gelss'`` fill both (residuals when
    m > n and every matrix has full rank), ``'gels'`` leaves ``rank`` empty. The solution is
    ``pinv(A) @ B`` (gradients as PyTorch's, for constant rank).

    Example::

        >>> A = zoo_core.tensor([[1., 0.], [0., 1.], [0., 0.]])
        >>> zoo_core.linalg.lstsq(A, zoo_core.tensor([[1.], [2.], [3.]])).solution
        tensor([[1.],
                [2.]])
    """
    op = "torch.linalg.lstsq"
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    x, xp = _matrix(A, op)
    xb = B._data
    if xb.dtype != x.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{A.dtype.name} and other's dtype {B.dtype.name}")
    vector = xb.ndim == x.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm._data.ndim < 2 or Bm._data.shape[-2] != x.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    m, n = x.shape[-2:]
    X = matmul(pinv(A, rtol=rcond), Bm)
    empty = _wrap(xp.zeros((0,), x.dtype))
    rank = _wrap(xp.zeros((0,), np.int64)) if driver == "gels" else matrix_rank(A, rtol=rcond)
    sv = empty
    if driver in ("gelsd", "gelss"):
        sv = _wrap(_lapack(op, xp.linalg.svd, x, compute_uv=False).astype(x.dtype, copy=False))
    res = empty
    if m > n and (driver == "gels" or driver != "gelsy" and bool((rank._data == n).all())):
        res = ((matmul(A, X) - Bm) ** 2).sum(-2)
    if vector:
        X = X.squeeze(-1)
        if res is not empty:
            res = res.squeeze(-1)
    return _lstsq_t(X, res, rank, sv)


# ---- powers and exponentials --------------------------------------------------------------------
def matrix_power(A, n):
    """``A`` multiplied by itself ``n`` times (by repeated squaring); ``n = 0`` gives the identity,
    ``n < 0`` powers of ``inv(A)``.

    Example::

        >>> zoo_core.linalg.matrix_power(zoo_core.tensor([[1., 1.], [0., 1.]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    x = A._data
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        shape = f"{x.shape[-2]} by {x.shape[-1]} matrices" if x.ndim >= 2 else f"of shape {tuple(x.shape)}"
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {shape}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {type(n).__name__}")
    n = int(n)
    if n == 0:
        xp = _backend.array_module(x)
        return _wrap(xp.broadcast_to(xp.eye(x.shape[-1], dtype=x.dtype), x.shape).copy())
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return A.clone()
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152     # Higham (2005): Pade 13 is accurate to double precision below this 1-norm


def _expm(x, xp):
    """Scaling and squaring with the [13/13] Pade approximant (Higham 2005), per matrix of the batch."""
    n = x.shape[-1]
    norm1 = xp.abs(x).sum(-2).max(-1)                                     # (...) 1-norms
    s = xp.ceil(xp.log2(xp.maximum(norm1, 1e-300 if x.dtype == np.float64 else 1e-30) / _THETA13))
    s = xp.where(xp.isfinite(s), xp.maximum(s, 0), 0).astype(np.int64)
    a = x / (2.0 ** s).astype(x.dtype)[..., None, None]
    b = _PADE13
    ident = xp.eye(n, dtype=x.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    r = xp.linalg.solve(v - u, v + u)
    steps = int(s.max()) if s.size else 0
    for k in range(steps):                  # square each matrix as often as it was halved
        r = xp.where((s > k)[..., None, None], r @ r, r)
    return r.astype(x.dtype, copy=False)


def matrix_exp(A):
    """Matrix exponential ``sum_k A^k / k!`` of each square matrix in ``A``.

    Example::

        >>> zoo_core.linalg.matrix_exp(zoo_core.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    x, xp = _matrix(A, "linalg.matrix_exp", square=True)
    y = _wrap(_expm(x, xp) if x.size else x.copy())
    if A._rg and grad_mode.enabled:
        n = x.shape[-1]

        def backward(g):
            At = A.mT
            top = cat([At, g], -1)
            bottom = cat([g * 0, At], -1)
            return (matrix_exp(cat([top, bottom], -2))[..., :n, n:],)
        record(y, "LinalgMatrixExpBackward0", backward, (A,), (A,))
    return y


@_outable
def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, multiplied in the cheapest order; the first may be a 1-D row
    vector and the last a 1-D column vector.

    Example::

        >>> zoo_core.linalg.multi_dot([zoo_core.ones(3), zoo_core.eye(3), zoo_core.ones(3)])
        tensor(3.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        first, last = i == 0, i == len(tensors) - 1
        if nd != 2 and not ((first or last) and nd == 1):
            where = "the first" if first else "the last" if last else f"tensor {i}"
            need = "1D or 2D" if first or last else "2D"
            raise RuntimeError(f"multi_dot(): {where} tensor must be {need} but got {nd}D")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{tensors[0].dtype.name} and tensor {i} is {t.dtype.name}")
    row, col = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    if row:
        tensors[0] = tensors[0].unsqueeze(0)
    if col:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    for i in range(len(tensors) - 1):
        sa, sb = tensors[i]._data.shape, tensors[i + 1]._data.shape
        if sa[1] != sb[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(sa)} and {list(sb)} "
                               "cannot be multiplied")
    dims = [t._data.shape[0] for t in tensors] + [tensors[-1]._data.shape[1]]
    k = len(tensors)
    cost = [[0] * k for _ in range(k)]       # classic matrix-chain order
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = float("inf")
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def chain(i, j):
        return tensors[i] if i == j else matmul(chain(i, split[i][j]), chain(split[i][j] + 1, j))
    r = chain(0, k - 1)
    if row:
        r = r.squeeze(0)
    if col:
        r = r.squeeze(-1)
    return r


# ---- LU -----------------------------------------------------------------------------------------
def _lu_raw(x, xp):
    """Batched LU with partial pivoting, as LAPACK's getrf: (LU packed, 1-based int32 pivots, int32 info
    = index of the first zero pivot)."""
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    a = x.reshape((-1, m, n)).copy()          # (B, m, n)
    rows = xp.arange(a.shape[0])
    piv = xp.zeros((a.shape[0], k), np.int32)
    info = xp.zeros(a.shape[0], np.int32)
    for j in range(k):
        p = xp.abs(a[:, j:, j]).argmax(-1) + j                     # (B,) pivot rows
        piv[:, j] = p + 1
        rowp = a[rows, p].copy()
        a[rows, p] = a[:, j].copy()
        a[:, j] = rowp
        d = a[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(np.int32)
        if j + 1 < m:
            lcol = a[:, j + 1:, j] / xp.where(zero, 1, d)[:, None]
            a[:, j + 1:, j] = lcol
            a[:, j + 1:, j + 1:] -= lcol[:, :, None] * a[:, j, None, j + 1:]
    return a.reshape(x.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm_matrix(piv, m, xp, dtype):
    """P with A = P L U from LAPACK's 1-based sequential row swaps ``piv`` (..., k)."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    perm = xp.broadcast_to(xp.arange(m), batch + (m,)).reshape((-1, m)).copy()
    p = piv.reshape((-1, k)).astype(np.int64) - 1
    rows = xp.arange(perm.shape[0])
    for j in range(k):
        pj = perm[rows, p[:, j]].copy()
        perm[rows, p[:, j]] = perm[:, j]
        perm[:, j] = pj
    # row i of P^T A is row perm[i] of A, so P[perm[i], i] = 1
    eye = xp.eye(m, dtype=dtype)
    return xp.swapaxes(eye[perm], -1, -2).reshape(batch + (m, m))


def _unpack(LU, m, n):
    k = min(m, n)
    xp = _backend.array_module(LU._data)
    L = tril(LU[..., :, :k], -1) + _wrap(xp.eye(m, k, dtype=LU._data.dtype))
    return L, triu(LU[..., :k, :])


def _lu_backward(gL, gU, P, L, U):
    # square A = P L U:  gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
    gR = tril(matmul(L.mT, gL), -1) + triu(matmul(gU, U.mT))
    gA = solve_triangular(L.mT, gR, upper=True, unitriangular=True)
    gA = solve_triangular(U.mT, gA, upper=False, left=False)
    return matmul(P, gA)


def _lu_factor(A, op, check_errors):
    x, xp = _matrix(A, op)
    lu, piv, info = _lu_raw(x, xp)
    if check_errors and bool((info != 0).any()):
        flat = int(xp.flatnonzero(info.reshape(-1))[0]) if info.ndim else 0
        where = f"(Batch element {flat}): " if info.ndim else ""
        raise LinAlgError(f"{op}: {where}U[{int(info.reshape(-1)[flat])},{int(info.reshape(-1)[flat])}] is zero, "
                          "singular U.")
    LU = _wrap(lu)
    if A._rg and grad_mode.enabled:
        m, n = x.shape[-2:]

        def backward(g):
            if m != n:
                raise RuntimeError(f"{op}: the derivative is implemented for square matrices only, got "
                                   f"{m} by {n}")
            LUg = _lu_factor(A, op, False)[0] if grad_mode.enabled else _wrap(lu)
            L, U = _unpack(LUg, m, n)
            return (_lu_backward(tril(g, -1), triu(g), _wrap(_perm_matrix(piv, m, xp, x.dtype)), L, U),)
        record(LU, "LinalgLuFactorExBackward0", backward, (A,), (A,))
    return LU, _wrap(piv), _wrap(info)


@_outable
def lu_factor(A, *, pivot=True, out=None):
    """Compact LU factorization with partial pivoting: ``(LU, pivots)``, ``L`` (unit diagonal) below the
    diagonal of ``LU`` and ``U`` on and above it, ``pivots`` 1-based int32 row swaps (LAPACK's getrf).

    Example::

        >>> LU, piv = zoo_core.linalg.lu_factor(zoo_core.tensor([[1., 2.], [3., 4.]]))
        >>> piv
        tensor([2, 2], dtype=zoo_core.int32)
    """
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented")
    LU, piv, _ = _lu_factor(A, "linalg.lu_factor", True)
    return _lu_factor_t(LU, piv)


@_outable
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``lu_factor`` that reports a zero pivot in ``info`` (its 1-based index) instead of raising."""
    if not pivot:
        raise RuntimeError("linalg.lu_factor_ex: LU without pivoting is not implemented")
    return _lu_factor_ex_t(*_lu_factor(A, "linalg.lu_factor_ex", check_errors))


@_outable
def linalg_lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with ``A = P @ L @ U``: permutation ``P``, unit lower ``L``, upper ``U``."""
    if not pivot:
        raise RuntimeError("linalg.lu: LU without pivoting is not implemented")
    LU, piv, _ = _lu_factor(A, "linalg.lu", False)
    return _lu_t(*lu_unpack(LU, piv))


@_outable
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from ``lu_factor``'s compact output."""
    x = LU_data._data
    xp = _backend.array_module(x)
    m, n = x.shape[-2:]
    P = _wrap(_perm_matrix(LU_pivots._data, m, xp, x.dtype)) if unpack_pivots else _wrap(xp.zeros((0,), x.dtype))
    if not unpack_data:
        empty = _wrap(xp.zeros((0,), x.dtype))
        return _lu_unpack_t(P, empty, empty)
    return _lu_unpack_t(P, *_unpack(LU_data, m, n))


@_outable
def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """``X`` with ``A X = B`` from ``(LU, pivots) = lu_factor(A)`` (``adjoint``: ``A^T X = B``;
    ``left=False``: ``X A = B``)."""
    if not left:      # X A = B  <=>  A^T X^T = B^T
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    _matrix(LU, "linalg.lu_solve", square=True, name="LU")
    _matrix(B, "linalg.lu_solve", name="B")
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:       # A^T = U^T L^T P^T
        Y = solve_triangular(U.mT, B, upper=False)
        return matmul(P, solve_triangular(L.mT, Y, upper=True, unitriangular=True))
    Y = solve_triangular(L, matmul(P.mT, B), upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


@_outable
def lu(A, pivot=True, get_infos=False, *, out=None):
    """Legacy ``torch.lu``: ``(A_LU, pivots)`` (and ``infos`` with ``get_infos=True``)."""
    LU, piv, info = _lu_factor(A, "lu", not get_infos)
    return (LU, piv, info) if get_infos else (LU, piv)


@_outable
def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Legacy ``torch.lu_solve(b, LU_data, LU_pivots)``: ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    return linalg_lu_solve(LU_data, LU_pivots, b)


# ---- error-reporting variants of inv and solve ----------------------------------------------------
def _singular_info(x, xp):
    return _lu_raw(x, xp)[2]


@_outable
def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``linalg.inv`` that reports a singular matrix in ``info`` (int32, the 1-based
    index of the first zero pivot of its LU factorization) instead of raising; singular matrices get NaN."""
    x, xp = _matrix(A, "linalg.inv_ex", square=True)
    try:
        return _inv_ex_t(inv(A), _wrap(xp.zeros(x.shape[:-2], np.int32)))
    except LinAlgError:
        info = _singular_info(x, xp)
        if check_errors:
            i = int(info.reshape(-1)[xp.flatnonzero(info.reshape(-1))[0]]) if info.ndim else int(info)
            raise LinAlgError(f"linalg.inv_ex: The diagonal element {i} is zero, the inversion could not be "
                              "completed because the input matrix is singular.") from None
    ok = (info == 0)[..., None, None]
    r = xp.linalg.inv(xp.where(ok, x, xp.eye(x.shape[-1], dtype=x.dtype)))
    return _inv_ex_t(_wrap(xp.where(ok, r, np.nan).astype(x.dtype, copy=False)), _wrap(info))


@_outable
def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: ``linalg.solve`` that reports a singular ``A`` in ``info`` instead of raising;
    the systems of singular matrices get NaN."""
    x, xp = _matrix(A, "linalg.solve_ex", square=True)
    try:
        X = solve(A, B, left=left)
        if xp is not np and not bool(xp.isfinite(X._data).all()) and bool(xp.isfinite(x).all()):
            raise LinAlgError("linalg.solve_ex: singular")   # cuSOLVER does not report singular input
        return _solve_ex_t(X, _wrap(xp.zeros(x.shape[:-2], np.int32)))
    except LinAlgError:
        info = _singular_info(x, xp)
        if check_errors:
            i = int(info.reshape(-1)[xp.flatnonzero(info.reshape(-1))[0]]) if info.ndim else int(info)
            raise LinAlgError(f"linalg.solve_ex: The solver failed because the input matrix is singular "
                              f"(U[{i},{i}] is zero).") from None
    ok = (info == 0)[..., None, None]
    fixed = _wrap(xp.where(ok, x, xp.eye(x.shape[-1], dtype=x.dtype)))
    r = solve(fixed, B.detach(), left=left)._data
    nan_mask = ok if r.ndim == x.ndim else ok[..., 0]
    return _solve_ex_t(_wrap(xp.where(nan_mask, r, np.nan).astype(x.dtype, copy=False)), _wrap(info))


# ---- vander -------------------------------------------------------------------------------------
def _powers(x, N):
    """[x^0, x^1, ..., x^(N-1)] stacked on a new last dim (differentiable, exact at x = 0)."""
    cols = [x * 0 + 1]
    for _ in range(N - 1):
        cols.append(cols[-1] * x)
    return stack(cols, -1)


def linalg_vander(x, *, N=None):
    """Vandermonde matrix ``x[..., i] ** j`` for j < N (default: x's size), increasing powers.

    Example::

        >>> zoo_core.linalg.vander(zoo_core.tensor([1., 2., 3.]))
        tensor([[1., 1., 1.],
                [1., 2., 4.],
                [1., 3., 9.]])
    """
    if x._data.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    N = x._data.shape[-1] if N is None else N
    if N < 1:
        raise RuntimeError(f"N must be greater than 1. Got N={N}")
    return _powers(x, N)


def vander(x, N=None, increasing=False):
    """Legacy ``torch.vander(x, N=None, increasing=False)``: 1-D ``x``, decreasing powers by default."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x._data.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        xp = _backend.array_module(x._data)
        return _wrap(xp.zeros((x._data.shape[0], 0), x._data.dtype))
    r = _powers(x, N)
    return r if increasing else r.flip(-1)


__all__ = ["triangular_solve", "cholesky_solve", "cholesky_inverse", "matrix_power", "matrix_exp", "lu",
           "lu_unpack", "lu_solve", "vander"]

Tensor.triangular_solve, Tensor.cholesky_solve, Tensor.cholesky_inverse = triangular_solve, cholesky_solve, \
    cholesky_inverse
Tensor.matrix_power, Tensor.matrix_exp, Tensor.lu, Tensor.lu_solve = matrix_power, matrix_exp, lu, lu_solve
