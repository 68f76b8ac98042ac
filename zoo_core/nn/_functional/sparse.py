"""Lookups: ``embedding`` (padding row, repeated-index accumulation, ``max_norm``) and ``one_hot``.
"""
import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap
from .resize import _index_add_axis

__all__ = ["embedding", "one_hot"]


# ==== embedding ==================================================================================
class _Rows:
    """Row gathers of an embedding table and their adjoints: ``take`` (``out[i] = s[idx[i]] * w[idx[i]]``)
    and ``add`` (``gw[j] = sum_{idx[i]=j} s[j] * g[i]``), each the other's backward. The forward lookup has
    no ``s``; the gradient's ``s`` zeroes the padding row and divides by the counts of each index."""
    __slots__ = ("idx", "n", "s")

    def __init__(self, idx, n, s):
        self.idx, self.n, self.s = idx, n, s

    def take(self, w, scaled):
        wa = w._data
        xp = _backend.array_module(wa)
        out = xp.take(wa, self.idx, axis=0)
        if scaled and self.s is not None:
            out *= xp.take(self.s, self.idx, axis=0).astype(wa.dtype)[..., None]
        y = _wrap(out)
        if w._rg and grad_mode.enabled:
            record(y, "EmbeddingBackward0", lambda g: (self.add(g),), (w,))
        return y

    def add(self, g):
        ga = g._data
        xp = _backend.array_module(ga)
        d = ga.shape[-1]
        out = xp.zeros((self.n, d), dtype=ga.dtype)
        _index_add_axis(xp, out, 0, self.idx.reshape(-1), ga.reshape(-1, d))
        if self.s is not None:
            out *= self.s.astype(ga.dtype)[:, None]
        y = _wrap(out)
        if g._rg and grad_mode.enabled:
            record(y, "EmbeddingDenseBackward0", lambda gg: (self.take(gg, True),), (g,))
        return y


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Look up rows of ``weight`` (num_embeddings, dim) at the integer indices ``input`` -> (*input.shape, dim).

    ``padding_idx``'s row gets no gradient; repeated indices accumulate; ``scale_grad_by_freq`` divides
    each row's gradient by its count in ``input``; ``max_norm`` renormalises the looked-up rows of
    ``weight`` in place.

    Example::

        >>> F.embedding(zoo_core.tensor([[0, 2]]), zoo_core.eye(3)).shape
        zoo_core.Size([1, 2, 3])
    """
    idx = input._data
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(input)} instead (while checking arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D (got shape {tuple(weight._data.shape)})")
    if type(idx) is not type(weight._data) or (type(idx) is not np.ndarray and input.device != weight.device):
        from ...tensor import check_same_device
        check_same_device("embedding", weight, input)
    n = weight._data.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    xp = _backend.array_module(idx)
    s = None
    if padding_idx is not None or scale_grad_by_freq:
        s = xp.ones(n, dtype=np.float64)
        if scale_grad_by_freq:
            counts = xp.bincount(idx.reshape(-1).astype(np.int64), minlength=n)
            s /= xp.maximum(counts, 1)
        if padding_idx is not None:
            s[padding_idx] = 0
    return _Rows(idx.astype(np.int64, copy=False), n, s).take(weight, False)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Scale the rows of ``weight`` used by ``idx`` whose norm exceeds ``max_norm`` (in place, no grad)."""
    from ...ops.arith import _bump
    w = weight._data
    xp = _backend.array_module(w)
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows]
    norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = sel * scale[:, None]
    _bump(weight)   # the table changed in place, as with PyTorch's embedding_renorm_


def _type_name(t):
    from ...tensor import type_name
    return type_name(t).replace("zoo_core.", "torch.")


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: (*) -> (*, num_classes); ``num_classes=-1`` uses ``max + 1``.

    Example::

        >>> F.one_hot(zoo_core.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    x = tensor._data
    if x.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = _backend.array_module(x)
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size:
        if int(x.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(x.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((x[..., None] == xp.arange(num_classes)).astype(np.int64))
