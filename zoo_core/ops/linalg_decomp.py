"""Matrix decompositions: ``linalg.cholesky``/``cholesky_ex``, ``eigh``/``eigvalsh``, ``svd``, ``qr``,
``pinv``/``matrix_rank`` (and the legacy ``zoo_core.svd``/``qr``/``cholesky``/``pinverse``), batched over
leading dims.

Forward calls ``xp.linalg`` once (LAPACK on numpy, cuSOLVER on CuPy). Each backward is the standard formula
(PyTorch's FunctionsManual, Murray 2016 for Cholesky, Giles 2008 / Townsend 2016 for SVD and eigh) written
with differentiable Tensor ops, and it recomputes the factors through the op itself when a graph is being
built, so double backward works:

    cholesky  A = L L^T:      gA = L^-T sym(tril(L^T gL)) L^-1   (sym halves the diagonal)
    eigh      A = V diag(w) V^T: gA = V (diag(gw) + skew(V^T gV)/2 / E) V^T,  E_ij = w_j - w_i
    svd       A = U diag(S) Vh: gA = U (skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)) Vh + projections,
              E_jk = S_k^2 - S_j^2 (distinct singular values)
    qr        A = Q R (m >= n): gA = (gQ + Q syminvadj(triu(gR R^T - Q^T gQ))) R^-T
"""
import collections
import functools

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from .decomp import LinAlgError
from .linalg import matmul
from .sorting import tril, triu
from .structure import diag_embed

_cholesky_ex_t = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])
_eigh_t = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
_svd_t = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
_svd_legacy_t = collections.namedtuple("svd", ["U", "S", "V"])
_qr_t = collections.namedtuple("linalg_qr", ["Q", "R"])
_qr_legacy_t = collections.namedtuple("qr", ["Q", "R"])


# ---- shared checks ------------------------------------------------------------------------------
def _outable(fn):
    """Adds PyTorch's ``out=`` (a tensor, or a tuple of them for tuple results) to ``fn``."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        r = fn(*args, **kwargs)
        if out is None:
            return r
        from .arith import _out
        if isinstance(r, tuple):
            return type(r)(*(_out(a, o) for a, o in zip(r, out))) if hasattr(r, "_fields") else \
                tuple(_out(a, o) for a, o in zip(r, out))
        return _out(r, out)
    return wrapper


def _matrix(A, op, square=False, name="A"):
    """``A``'s array and array module, after torch's checks: >= 2 dims, floating dtype, square."""
    x = A._data
    if x.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if x.dtype.kind != "f" or x.dtype == np.float16:
        raise RuntimeError(f"{op}: Expected a floating point tensor (float32 or float64) as input. "
                           f"Got {A.dtype.name}")
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    return x, _backend.array_module(x)


def _lapack(op, fn, *args, **kwargs):
    """``fn(...)`` with numpy's/CuPy's LinAlgError (a ValueError) turned into PyTorch's (a RuntimeError)."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        if type(e).__name__ == "LinAlgError":
            raise LinAlgError(f"{op}: {e}") from None
        raise


def _absent(g):
    """True for a gradient the engine filled with zeros (an output the loss does not use): the formulas
    that divide by eigenvalue gaps must then skip that term, or degenerate spectra give 0/0."""
    return g is None or (not g._rg and not bool(_backend.array_module(g._data).any(g._data)))


def _host(x):
    return x if isinstance(x, np.ndarray) else x.get()


# ---- cholesky -----------------------------------------------------------------------------------
def _cholesky_host(a):
    """Unblocked Cholesky of one host matrix, as LAPACK's potf2: ``(L, info)`` where info is the order of
    the first leading minor that is not positive-definite (0: success); on failure, L holds the partial
    factor with the offending pivot on its diagonal, like LAPACK."""
    a = np.array(a, dtype=np.float64)
    n = a.shape[-1]
    L = np.tril(a)
    for j in range(n):
        d = a[j, j] - L[j, :j] @ L[j, :j]
        if not d > 0:
            L[j, j] = d
            return L, j + 1
        L[j, j] = np.sqrt(d)
        L[j + 1:, j] = (a[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
    return L, 0


def _cholesky_failed(x, r, xp):
    """Batch mask of the matrices whose factor ``r`` is invalid. cuSOLVER does not raise: a failed potrf
    leaves a non-positive or non-finite pivot, or a row whose squared norm differs from A's diagonal (in
    exact arithmetic ``sum_j L_ij^2 = A_ii``; the sum has no cancellation, so the check is tight)."""
    d = xp.diagonal(r, 0, -2, -1)
    rows = (r * r).sum(-1)
    a = xp.diagonal(x, 0, -2, -1)
    tol = 1e-3 * xp.abs(a) + np.finfo(x.dtype).tiny
    return ~(xp.isfinite(d) & (d > 0) & (xp.abs(rows - a) <= tol)).all(-1)


def _cholesky_raw(x, xp, op, check_errors):
    """(L, info) arrays of the lower Cholesky factors of ``x`` (..., n, n)."""
    batch = x.shape[:-2]
    info = xp.zeros(batch, np.int32)
    try:
        r = xp.linalg.cholesky(x)
        bad = None if xp is np else _cholesky_failed(x, r, xp)
        if bad is not None and not bool(bad.any()):
            bad = None
    except Exception as e:
        if type(e).__name__ != "LinAlgError":
            raise
        r, bad = None, True
    if bad is None:
        return r.astype(x.dtype, copy=False), info
    # error path: factor each matrix on the host to find the failing minor (as LAPACK reports it)
    hx = _host(x).reshape((-1,) + x.shape[-2:])
    Ls, infos = zip(*(_cholesky_host(m) for m in hx)) if hx.shape[0] else ((), ())
    hinfo = np.array(infos, np.int32).reshape(batch)
    if check_errors:
        flat = np.flatnonzero(hinfo)[0]
        where = f"(Batch element {flat}): " if batch else ""
        raise LinAlgError(f"{op}: {where}The factorization could not be completed because the input is not "
                          f"positive-definite (the leading minor of order {hinfo.flat[flat]} is not "
                          "positive-definite).")
    hl = np.stack(Ls).reshape(x.shape).astype(x.dtype)
    return xp.asarray(hl), xp.asarray(hinfo)


def _cholesky_backward(gL, L):
    # cf. Murray (2016), arXiv 1602.07527; gL's strict upper part does not reach tril(L^T gL)
    from .linalg_solve import solve_triangular
    P = tril(matmul(L.mT, gL))
    P = 0.5 * (P + tril(P, -1).mT)                           # symmetric, diagonal halved
    gA = solve_triangular(L.mT, P, upper=True)               # L^-T P
    return solve_triangular(L, gA, upper=False, left=False)  # ... L^-1


def _cholesky(A, op, check_errors=True):
    x, xp = _matrix(A, op, square=True)
    l, info = _cholesky_raw(x, xp, op, check_errors)
    L = _wrap(l)
    if A._rg and grad_mode.enabled:
        def backward(g):
            Lg = _cholesky(A, op)[0] if grad_mode.enabled else _wrap(l)
            return (_cholesky_backward(g, Lg),)
        record(L, "LinalgCholeskyExBackward0", backward, (A,), (A,))
    return L, info


@_outable
def linalg_cholesky(A, *, upper=False, out=None):
    """Cholesky factor of each symmetric positive-definite matrix in ``A``: lower ``L`` with
    ``A = L @ L.mT`` (``upper=True``: ``U = L.mT``). Only the lower triangle of ``A`` is read. Raises
    ``LinAlgError`` naming the failing leading minor when a matrix is not positive-definite.

    Example::

        >>> zoo_core.linalg.cholesky(zoo_core.tensor([[4., 2.], [2., 5.]]))
        tensor([[2., 0.],
                [1., 2.]])
    """
    L, _ = _cholesky(A, "linalg.cholesky")
    return L.mT.contiguous() if upper else L


@_outable
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``linalg.cholesky`` that reports failure in ``info`` (int32, per matrix: the order of
    the leading minor that is not positive-definite, 0 on success) instead of raising."""
    L, info = _cholesky(A, "linalg.cholesky_ex", check_errors)
    return _cholesky_ex_t(L.mT.contiguous() if upper else L, _wrap(info))


@_outable
def cholesky(input, upper=False, *, out=None):
    """Legacy ``torch.cholesky(input, upper=False)``: ``linalg.cholesky``."""
    L, _ = _cholesky(input, "cholesky")
    return L.mT.contiguous() if upper else L


# ---- eigh ---------------------------------------------------------------------------------------
def _uplo(UPLO, op):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def _eigh_backward(gw, gV, w, V):
    # gA = V (diag(gw) + skew(V^T gV) / E) V^T, E_ij = w_j - w_i (diag of E replaced: it is masked out)
    if _absent(gV):
        return matmul(V * gw.unsqueeze(-2), V.mT)
    n = w._data.shape[-1]
    xp = _backend.array_module(w._data)
    off = _wrap(~xp.eye(n, dtype=bool))
    E = w.unsqueeze(-2) - w.unsqueeze(-1)
    E = E.where(off, 1.0)
    VtgV = matmul(V.mT, gV)
    inner = (0.5 * (VtgV - VtgV.mT)) / E * off.to(w.dtype) + diag_embed(gw)
    return matmul(matmul(V, inner), V.mT)


@_outable
def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of each symmetric matrix in ``A``:
    ``A = V diag(w) V^T``, read from the ``UPLO`` triangle. Eigenvectors are defined up to sign; the
    gradient assumes distinct eigenvalues and a loss that does not depend on the signs.

    Example::

        >>> zoo_core.linalg.eigh(zoo_core.tensor([[2., 0.], [0., 1.]])).eigenvalues
        tensor([1., 2.])
    """
    x, xp = _matrix(A, "linalg.eigh", square=True)
    w, v = _lapack("linalg.eigh", xp.linalg.eigh, x, _uplo(UPLO, "linalg.eigh"))
    W, V = _wrap(w.astype(x.dtype, copy=False)), _wrap(v.astype(x.dtype, copy=False))
    if A._rg and grad_mode.enabled:
        def backward(grads):
            Wg, Vg = eigh(A, UPLO) if grad_mode.enabled else (_wrap(w), _wrap(v))
            return (_eigh_backward(grads[0], grads[1], Wg, Vg),)
        record((W, V), "LinalgEighBackward0", backward, (A,), (A,))
    return _eigh_t(W, V)


@_outable
def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of each symmetric matrix in ``A``; gradient ``V diag(g) V^T``.

    Example::

        >>> zoo_core.linalg.eigvalsh(zoo_core.tensor([[2., 1.], [1., 2.]]))
        tensor([1., 3.])
    """
    x, xp = _matrix(A, "linalg.eigvalsh", square=True)
    if not (A._rg and grad_mode.enabled):
        w = _lapack("linalg.eigvalsh", xp.linalg.eigvalsh, x, _uplo(UPLO, "linalg.eigvalsh"))
        return _wrap(w.astype(x.dtype, copy=False))
    return eigh(A, UPLO).eigenvalues


# ---- svd ----------------------------------------------------------------------------------------
def _svd_backward(gU, gS, gVh, U, S, Vh):
    """PyTorch's svd_backward (real case) for the reduced factors U (m, k), S (k), Vh (k, n)."""
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    k = S._data.shape[-1]
    xp = _backend.array_module(S._data)
    if _absent(gU) and _absent(gVh):
        return matmul(U * gS.unsqueeze(-2), Vh)
    off = _wrap(~xp.eye(k, dtype=bool))
    S2 = S * S
    E = (S2.unsqueeze(-2) - S2.unsqueeze(-1)).where(off, 1.0)       # E_jk = S_k^2 - S_j^2
    UtgU = matmul(U.mT, gU)
    VhgV = matmul(Vh, gVh.mT)
    UtgU, VhgV = UtgU - UtgU.mT, VhgV - VhgV.mT
    gA = (UtgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E * off.to(S.dtype) + diag_embed(gS)
    if m > k:        # the part of gU outside span(U)
        gA = matmul(U, gA)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - matmul(U, matmul(U.mT, gUSinv))
        return matmul(gA, Vh)
    if n > k:        # the part of gV outside span(V)
        gA = matmul(gA, Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - matmul(matmul(SinvgVh, Vh.mT), Vh)
        return matmul(U, gA)
    return matmul(U, matmul(gA, Vh))


def _svd(A, full_matrices, op):
    x, xp = _matrix(A, op)
    u, s, vh = _lapack(op, xp.linalg.svd, x, full_matrices=full_matrices)
    U, S, Vh = (_wrap(t.astype(x.dtype, copy=False)) for t in (u, s, vh))
    if A._rg and grad_mode.enabled:
        k = s.shape[-1]

        def backward(grads):
            gU, gS, gVh = grads
            if full_matrices:   # as PyTorch: only the first k singular vectors have a gradient
                gU, gVh = gU[..., :k], gVh[..., :k, :]
            if grad_mode.enabled:
                Ur, Sr, Vhr = _svd(A, False, op)
            else:
                Ur, Sr, Vhr = _wrap(u[..., :k]), _wrap(s), _wrap(vh[..., :k, :])
            return (_svd_backward(gU, gS, gVh, Ur, Sr, Vhr),)
        record((U, S, Vh), "LinalgSvdBackward0", backward, (A,), (A,))
    return U, S, Vh


@_outable
def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` of each (m, n) matrix in ``A``, ``S`` descending.
    ``full_matrices=False`` gives the reduced (m, k), (k, n) factors, k = min(m, n). Singular vectors are
    defined up to sign; the gradient assumes distinct singular values and a sign-independent loss.

    Example::

        >>> zoo_core.linalg.svd(zoo_core.tensor([[3., 0.], [0., -2.]])).S
        tensor([3., 2.])
    """
    return _svd_t(*_svd(A, full_matrices, "linalg.svd"))


@_outable
def svd(input, some=True, compute_uv=True, *, out=None):
    """Legacy ``torch.svd``: ``(U, S, V)`` with ``V`` (not ``Vh``); ``some=False`` gives full square factors;
    ``compute_uv=False`` gives zero-filled (m, m) and (n, n) ``U`` and ``V``."""
    if not compute_uv:
        x, xp = _matrix(input, "svd")
        S = _svdvals_grad(input)
        m, n = x.shape[-2:]
        return _svd_legacy_t(_wrap(xp.zeros(x.shape[:-2] + (m, m), x.dtype)), S,
                             _wrap(xp.zeros(x.shape[:-2] + (n, n), x.dtype)))
    U, S, Vh = _svd(input, not some, "svd")
    return _svd_legacy_t(U, S, Vh.mT)


def _svdvals_grad(A, op="svd"):
    """Singular values; through the full SVD (exact double backward) only when a gradient is needed."""
    if A._rg and grad_mode.enabled:
        return _svd(A, False, op)[1]
    x, xp = _matrix(A, op)
    return _wrap(_lapack(op, xp.linalg.svd, x, compute_uv=False).astype(x.dtype, copy=False))


# ---- qr -----------------------------------------------------------------------------------------
def _qr_backward_square(gQ, gR, Q, R):
    """m >= n, reduced (PyTorch's linalg_qr_backward): gA = (gQ + Q syminvadj(triu(gR R^T - Q^T gQ))) R^-T,
    syminvadj(X) = X + X^T with the diagonal counted once."""
    from .linalg_solve import solve_triangular
    X = triu(matmul(gR, R.mT) - matmul(Q.mT, gQ))
    X = X + triu(X, 1).mT
    return solve_triangular(R.mT, matmul(Q, X) + gQ, upper=False, left=False)


def _qr_backward(gQ, gR, Q, R):
    m, n = Q._data.shape[-2], R._data.shape[-1]
    if m >= n:
        return _qr_backward_square(gQ, gR, Q, R)
    # wide: A = [X | Y], R = [U | V], X = Q U, V = Q^T Y, so gY = Q gV and Q also receives Y gV^T
    from .join import cat
    U, gU, gV = R[..., :m], gR[..., :m], gR[..., m:]
    Y = matmul(Q, R[..., m:])
    gX = _qr_backward_square(gQ + matmul(Y, gV.mT), gU, Q, U)
    return cat([gX, matmul(Q, gV)], -1)


@_outable
def linalg_qr(A, mode="reduced", *, out=None):
    """QR decomposition ``A = Q R`` of each matrix, ``Q`` with orthonormal columns and ``R`` upper
    triangular; ``mode`` is ``'reduced'`` (k = min(m, n) columns), ``'complete'`` (square ``Q``) or ``'r'``
    (``Q`` empty).

    Example::

        >>> Q, R = zoo_core.linalg.qr(zoo_core.tensor([[3., 1.], [4., 2.]]))
        >>> (Q @ R).round()
        tensor([[3., 1.],
                [4., 2.]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    x, xp = _matrix(A, "linalg.qr")
    m, n = x.shape[-2:]
    if mode == "r":
        r = _lapack("linalg.qr", xp.linalg.qr, x, mode="r").astype(x.dtype, copy=False)
        q = xp.zeros((0,), x.dtype)
    else:
        q, r = _lapack("linalg.qr", xp.linalg.qr, x, mode=mode)
        q, r = q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)
    Q, R = _wrap(q), _wrap(r)
    if A._rg and grad_mode.enabled:
        def backward(grads):
            if mode == "r":
                raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                                   "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                                   "through linalg.qr.")
            if mode == "complete" and m > n:
                raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                                   "nrows > ncols.")
            Qg, Rg = linalg_qr(A, mode) if grad_mode.enabled else (_wrap(q), _wrap(r))
            return (_qr_backward(grads[0], grads[1], Qg, Rg),)
        record((Q, R), "LinalgQrBackward0", backward, (A,), (A,))
    return _qr_t(Q, R)


@_outable
def qr(input, some=True, *, out=None):
    """Legacy ``torch.qr(input, some=True)``: ``linalg.qr`` with mode ``'reduced'`` (``some=False``:
    ``'complete'``)."""
    return _qr_legacy_t(*linalg_qr(input, "reduced" if some else "complete"))


# ---- pinv and rank ------------------------------------------------------------------------------
def _tolerances(x, xp, atol, rtol, S_max):
    """Cutoff ``max(atol, rtol * S_max)`` per matrix, with PyTorch's defaults (rtol = eps * max(m, n) when
    neither is given, 0 when only atol is)."""
    def arr(t):
        if t is None:
            return None
        a = t._data if isinstance(t, Tensor) else t
        return xp.asarray(a, dtype=x.dtype)
    atol, rtol = arr(atol), arr(rtol)
    if rtol is None:
        rtol = (xp.asarray(0, x.dtype) if atol is not None and bool((atol > 0).all())
                else xp.asarray(np.finfo(x.dtype).eps * max(x.shape[-2:]), x.dtype))
    cut = rtol * S_max
    return cut if atol is None else xp.maximum(cut, atol)


def _pinv_raw(x, xp, atol, rtol, hermitian):
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        return xp.zeros(x.shape[:-2] + (x.shape[-1], x.shape[-2]), x.dtype)
    if hermitian:
        w, v = _lapack("linalg.pinv", xp.linalg.eigh, x)
        aw = xp.abs(w)
        cut = _tolerances(x, xp, atol, rtol, aw.max(-1))
        winv = xp.where(aw > cut[..., None], 1 / xp.where(aw == 0, 1, w), 0).astype(x.dtype, copy=False)
        return xp.matmul(v * winv[..., None, :], xp.swapaxes(v, -1, -2))
    u, s, vh = _lapack("linalg.pinv", xp.linalg.svd, x, full_matrices=False)
    cut = _tolerances(x, xp, atol, rtol, s[..., 0])
    sinv = xp.where(s > cut[..., None], 1 / xp.where(s == 0, 1, s), 0).astype(x.dtype, copy=False)
    return xp.matmul(xp.swapaxes(vh, -1, -2) * sinv[..., None, :], xp.swapaxes(u, -1, -2))


def _pinv_backward(g, P, A):
    """PyTorch's pinv_backward (real case), valid where the rank is locally constant."""
    m, n = A._data.shape[-2:]
    Pt, gt = P.mT, g.mT
    if m <= n:
        K = matmul(gt, P)
        KPt = matmul(K, Pt)
        return (-matmul(P, K).mT + KPt - matmul(matmul(A, P), KPt)
                + matmul(matmul(Pt, P), gt - matmul(K, A)))
    K = matmul(P, gt)
    PtK = matmul(Pt, K)
    return (-matmul(K, P).mT + matmul(matmul(gt - matmul(A, K), P), Pt) + PtK
            - matmul(matmul(PtK, P), A))


@_outable
def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """Moore-Penrose pseudo-inverse of each matrix, from the SVD (``hermitian=True``: from ``eigh``, reading
    the lower triangle); singular values at most ``max(atol, rtol * largest)`` count as zero. ``rcond`` is
    the legacy name of ``rtol``.

    Example::

        >>> zoo_core.linalg.pinv(zoo_core.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    if rcond is not None:
        rtol = rcond
    x, xp = _matrix(A, "linalg.pinv", square=hermitian)
    p = _pinv_raw(x, xp, atol, rtol, hermitian)
    P = _wrap(p.astype(x.dtype, copy=False))
    if A._rg and grad_mode.enabled:
        def backward(g):
            Pg = pinv(A, None, hermitian, atol=atol, rtol=rtol) if grad_mode.enabled else _wrap(p)
            return (_pinv_backward(g, Pg, A),)
        record(P, "LinalgPinvBackward0", backward, (A,), (A,))
    return P


def pinverse(input, rcond=1e-15):
    """Legacy ``torch.pinverse(input, rcond=1e-15)``: ``linalg.pinv(input, rtol=rcond)``."""
    return pinv(input, rtol=rcond)


@_outable
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """Number of singular values (``hermitian=True``: absolute eigenvalues) above
    ``max(atol, rtol * largest)``, as int64. ``tol`` is the legacy name of ``atol``.

    Example::

        >>> zoo_core.linalg.matrix_rank(zoo_core.tensor([[1., 2.], [2., 4.]]))
        tensor(1)
    """
    if tol is not None:
        atol = tol
    x, xp = _matrix(A, "linalg.matrix_rank", square=hermitian)
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        return _wrap(xp.zeros(x.shape[:-2], np.int64))
    if hermitian:
        s = xp.abs(_lapack("linalg.matrix_rank", xp.linalg.eigvalsh, x))
        smax = s.max(-1)
    else:
        s = _lapack("linalg.matrix_rank", xp.linalg.svd, x, compute_uv=False)
        smax = s[..., 0]
    cut = _tolerances(x, xp, atol, rtol, smax)
    return _wrap((s > cut[..., None]).sum(-1).astype(np.int64))


# ---- derived: condition number, tensor inverse/solve, Householder products ----------------------
@_outable
def cond(A, p=None, *, out=None):
    """Condition number of each matrix: ``p`` None/2 (``S_max / S_min``), -2, or for square matrices
    ``'fro'``, ``'nuc'``, ``inf``, ``-inf``, 1, -1 (``norm(A, p) * norm(inv(A), p)``; ``inf`` when singular).

    Example::

        >>> zoo_core.linalg.cond(zoo_core.tensor([[2., 0.], [0., 0.5]]))
        tensor(4.)
    """
    if p in (None, 2, -2):
        S = _svdvals_grad(A, "linalg.cond")
        hi, lo = S[..., 0], S[..., -1]
        return lo / hi if p == -2 else hi / lo
    from .linalg import matrix_norm
    from .linalg_solve import inv_ex
    x, xp = _matrix(A, f"linalg.cond(ord={p})", square=True)
    Ai, info = inv_ex(A)
    r = matrix_norm(A, p) * matrix_norm(Ai, p)
    if bool((info._data != 0).any()):
        r = r.where(_wrap(info._data == 0), float("inf"))
    return r


@_outable
def tensorinv(A, ind=2, *, out=None):
    """The tensor ``X`` with ``tensordot(X, A, ind) = I``: ``inv`` of ``A`` seen as a
    ``prod(shape[:ind])``-square matrix, shaped ``shape[ind:] + shape[:ind]``."""
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    from .decomp import inv
    shape = tuple(A._data.shape)
    rows, cols = int(np.prod(shape[:ind])), int(np.prod(shape[ind:]))
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])


@_outable
def tensorsolve(A, B, dims=None, *, out=None):
    """``X`` with ``tensordot(A, X, X.ndim) = B``, X shaped ``A.shape[B.ndim:]`` (``dims``: dims of ``A``
    moved to the end first)."""
    from .decomp import solve
    if dims is not None:
        nd = A._data.ndim
        dims = [d % nd for d in dims]
        A = A.permute(*([d for d in range(nd) if d not in dims] + dims))
    shape = tuple(A._data.shape)
    rshape = shape[B._data.ndim:]
    rows, cols = int(np.prod(B._data.shape)), int(np.prod(rshape))
    if int(np.prod(shape)) != rows * cols or rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {int(np.prod(shape)) // max(cols, 1)}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(rshape)


@_outable
def householder_product(A, tau, *, out=None):
    """First n columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` the i-th column of
    ``A`` below the diagonal and a 1 on it (LAPACK's orgqr); differentiable by composition."""
    op = "torch.linalg.householder_product"
    x, xp = _matrix(A, op)
    m, n = x.shape[-2:]
    k = tau._data.shape[-1] if tau._data.ndim else 0
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau._data.shape[:-1] != x.shape[:-2]:
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{tuple(tau._data.shape[:-1])}")
    V = tril(A, -1) + _wrap(xp.eye(m, n, dtype=x.dtype))
    Q = _wrap(xp.broadcast_to(xp.eye(m, dtype=x.dtype), x.shape[:-2] + (m, m)))
    for i in range(k):              # Q <- Q H_i
        v = V[..., :, i:i + 1]                                   # (..., m, 1)
        Q = Q - matmul(matmul(Q, v) * tau[..., i:i + 1].unsqueeze(-1), v.mT)
    return Q[..., :, :n]


orgqr = householder_product


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``linalg.diagonal``: ``zoo_core.diagonal`` with the last two dims as defaults."""
    from .indexing import diagonal
    return diagonal(A, offset, dim1, dim2)


__all__ = ["svd", "qr", "cholesky", "pinverse", "orgqr"]

Tensor.svd, Tensor.qr, Tensor.cholesky, Tensor.pinverse, Tensor.orgqr = svd, qr, cholesky, pinverse, orgqr
