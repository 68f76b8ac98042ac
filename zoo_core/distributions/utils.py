"""Helpers shared by the distributions: parameter broadcasting, probs <-> logits, lazy properties,
random draws on the parameters' device, and a Cholesky factorisation with a backward."""
import functools
import numbers

import numpy as np

import zoo_core
from zoo_core import _backend, random as _random
from zoo_core.autograd import grad_mode
from zoo_core.autograd.graph import record
from zoo_core.tensor import Size, Tensor, _wrap

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060   # Euler-Mascheroni constant


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape; numbers become tensors of the first tensor's dtype and
    device (the default dtype when all are numbers).

    Example::

        >>> x, y = broadcast_all(zoo_core.zeros(2), 1.0)
        >>> y
        tensor([1., 1.])
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, zoo_core.Tensor or "
                         f"objects implementing __torch_function__, got {[type(v).__name__ for v in values]}")
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    if ref is None:
        dt = zoo_core.get_default_dtype()
        return tuple(zoo_core.tensor(float(v), dtype=dt) for v in values)
    values = [v if isinstance(v, Tensor) else zoo_core.tensor(v, dtype=ref.dtype, device=ref.device)
              for v in values]
    return tuple(zoo_core.broadcast_tensors(*values))


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def clamp_probs(probs):
    """Clamp probabilities to the open interval (0, 1) by the dtype's machine epsilon."""
    eps = zoo_core.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """Sigmoid of the logits (binary) or softmax over the last dimension (categorical)."""
    if is_binary:
        return zoo_core.sigmoid(logits)
    return logits.softmax(-1)


def probs_to_logits(probs, is_binary=False):
    """Logits of probabilities: ``log(p) - log1p(-p)`` (binary) or ``log(p)`` (categorical)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


class lazy_property:
    """A property computed on first access and then cached in the instance ``__dict__`` (so that it can
    stand for a constructor argument that was not given, e.g. ``probs`` of ``Categorical(logits=...)``)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with zoo_core.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """Lets ``Class.attr`` still look like a property (for introspection) and a lazy_property."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag=0):
    """The lower triangle (offset ``diag``) of the last two dims of ``mat`` flattened row by row."""
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.tril_indices(n, diag)
    return mat[..., zoo_core.tensor(rows, device=mat.device), zoo_core.tensor(cols, device=mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """Inverse of :func:`tril_matrix_to_vec`."""
    m = vec.shape[-1]
    n = int(round((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2))
    rows, cols = np.tril_indices(n, diag)
    if len(rows) != m:
        raise ValueError(f"vec_to_tril_matrix: the last dim ({m}) is not a triangular number for diag={diag}")
    flat = zoo_core.zeros(vec.shape[:-1] + (n * n,), dtype=vec.dtype, device=vec.device)
    idx = zoo_core.tensor(rows * n + cols, device=vec.device).expand(vec.shape)
    return flat.scatter(-1, idx, vec).reshape(vec.shape[:-1] + (n, n))


def _xlogy(x, y):
    """``x * log(y)`` with 0 where ``x == 0`` and ``y == 0`` (so 0 log 0 = 0); elsewhere the ordinary
    product, so the gradient wrt ``x`` is ``log(y)`` even at ``x == 0`` (PyTorch's xlogy gives 0 there)."""
    zero = (x == 0) & (y == 0)
    return x * zoo_core.where(zero, zoo_core.ones_like(y), y).log()


# ---- random draws ----------------------------------------------------------------------------------
def _size(shape):
    return Size(tuple(int(s) for s in shape))


def _draw_array(ref, op, fn):
    """``fn(bits, xp)`` on the default generator of ``ref``'s device, as a raw array on that device (the
    generator of ``zoo_core.manual_seed``, so draws are reproducible)."""
    return _random._draw(None, ref.device, op, fn)


def _standard_gamma(alpha, shape):
    """Gamma(alpha, 1) samples of ``shape`` (``alpha`` broadcast to it), no gradient, in alpha's dtype.
    Drawn in float64 and clamped to the dtype's smallest normal number (samples of small alpha underflow)."""
    a = alpha.detach().expand(shape)._data.astype(np.float64)
    r = _draw_array(alpha, "gamma", lambda bits, xp: bits.standard_gamma(xp.ascontiguousarray(a), size=a.shape,
                                                                         dtype=np.float64))
    xp = _backend.array_module(r)
    tiny = float(np.finfo(alpha._data.dtype).tiny)
    return _wrap(xp.maximum(r, tiny).astype(alpha._data.dtype))


def _binomial(total_count, probs, shape):
    n = total_count.detach().expand(shape)._data.astype(np.int64)
    p = probs.detach().expand(shape)._data.astype(np.float64)
    r = _draw_array(probs, "binomial", lambda bits, xp: bits.binomial(xp.ascontiguousarray(n),
                                                                      xp.ascontiguousarray(p), size=n.shape))
    return _wrap(r.astype(probs._data.dtype))


# ---- Cholesky ---------------------------------------------------------------------------------------
def _tril_half_diag(x):
    """Lower triangle of ``x`` with the diagonal halved (the Phi of the Cholesky backward)."""
    return x.tril(-1) + zoo_core.diag_embed(x.diagonal(dim1=-2, dim2=-1) * 0.5)


def _core_cholesky():
    core = getattr(zoo_core.linalg, "cholesky", None)
    if core is None:
        try:
            from zoo_core.ops.linalg_decomp import linalg_cholesky as core
        except ImportError:   # the core op is not there yet: use the fallback below
            return None
    return core


def cholesky(A):
    """Lower Cholesky factor ``L`` of symmetric positive-definite ``A`` (batched), differentiable.

    Uses ``zoo_core.linalg.cholesky`` when the core provides it; otherwise factorises with ``xp.linalg`` and
    records the standard backward ``gA = sym(L^-T Phi(L^T gL) L^-1)``.
    """
    core = _core_cholesky()
    if core is not None:
        return core(A)
    xp = _backend.array_module(A._data)
    try:
        arr = xp.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        raise ValueError(f"cholesky: the input matrix (shape {tuple(A.shape)}) is not positive-definite") from None
    L = _wrap(arr)
    if A._rg and grad_mode.enabled:
        larr = arr

        def backward(g):
            Lt = _wrap(larr)
            Linv = zoo_core.linalg.inv(Lt)
            P = _tril_half_diag(Lt.mT @ g)
            S = Linv.mT @ P @ Linv
            return ((S + S.mT) * 0.5,)
        record(L, "LinalgCholeskyExBackward0", backward, (A,), (A,))
    return L


def _batch_mv(bmat, bvec):
    """Matrix-vector product over broadcast batch dims: ``bmat @ bvec[..., None]`` squeezed."""
    return zoo_core.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)
