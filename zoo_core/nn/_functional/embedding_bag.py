"""``embedding_bag``: sums, means or maxima of bags of embedding rows, the bags given as a (B, L) batch or
as a flat index list cut by ``offsets`` (ragged, possibly empty bags).

The op is composed of two pairs of linear primitives, each pair the other's backward (so double backward
works): the row gather of ``embedding`` (``_Rows``, which also applies ``scale_grad_by_freq`` to the
gradient) and a bag reduction here — ``_BagSum`` (segment sum; adjoint: broadcast each bag's gradient
back to its positions) for sum/mean, ``_BagPick`` (take each bag's argmax position; adjoint: place) for
max. Per-sample weights and mean's ``1 / count`` are an elementwise multiply in between.
"""
import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.indexing import _ufunc_at
from ...tensor import _wrap, check_same_device
from .resize import _index_add_axis
from .sparse import _Rows, _renorm_rows, _type_name

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


class _BagSum:
    """``out[b] = sum_{bag[i] = b} rows[i]`` over ``nbags`` bags; its adjoint ``spread`` is ``g[bag]``."""
    __slots__ = ("bag", "nbags")

    def __init__(self, bag, nbags):
        self.bag, self.nbags = bag, nbags

    def sum(self, rows):
        ra = rows._data
        xp = _backend.array_module(ra)
        out = xp.zeros((self.nbags, ra.shape[1]), dtype=ra.dtype)   # (B, D); empty bags stay zero
        if self.bag.size:
            _index_add_axis(xp, out, 0, self.bag, ra)
        y = _wrap(out)
        if rows._rg and grad_mode.enabled:
            record(y, "EmbeddingBagBackward0", lambda g: (self.spread(g),), (rows,))
        return y

    def spread(self, g):
        ga = g._data
        y = _wrap(_backend.array_module(ga).take(ga, self.bag, axis=0))   # (N, D)
        if g._rg and grad_mode.enabled:
            record(y, "EmbeddingBagBackwardBackward0", lambda gg: (self.sum(gg),), (g,))
        return y


class _BagPick:
    """``out[b, d] = rows[pos[b, d], d]`` (zero where ``pos`` is ``n``: an empty bag); adjoint ``place``."""
    __slots__ = ("pos", "hit", "n")

    def __init__(self, pos, n):
        self.pos, self.n = pos, n
        self.hit = pos < n

    def take(self, rows):
        ra = rows._data
        xp = _backend.array_module(ra)
        if self.n:
            out = xp.take_along_axis(ra, xp.minimum(self.pos, self.n - 1), axis=0)
            out[~self.hit] = 0
        else:
            out = xp.zeros(self.pos.shape, dtype=ra.dtype)
        y = _wrap(out)
        if rows._rg and grad_mode.enabled:
            record(y, "EmbeddingBagBackward0", lambda g: (self.place(g),), (rows,))
        return y

    def place(self, g):
        ga = g._data
        xp = _backend.array_module(ga)
        out = xp.zeros((self.n, ga.shape[1]), dtype=ga.dtype)
        cols = xp.broadcast_to(xp.arange(ga.shape[1]), ga.shape)
        # bags are disjoint, so no (position, column) pair repeats: plain assignment
        out[self.pos[self.hit], cols[self.hit]] = ga[self.hit]
        y = _wrap(out)
        if g._rg and grad_mode.enabled:
            record(y, "EmbeddingBagBackwardBackward0", lambda gg: (self.take(gg),), (g,))
        return y


def _first_max(xp, r, bag, nbags):
    """The position of the first maximum of every bag and column: (nbags, D) int64, ``len(r)`` for an
    empty bag (PyTorch keeps the first of equal maxima)."""
    n, d = r.shape
    best = xp.full((nbags, d), -xp.inf, dtype=r.dtype)
    _ufunc_at(xp, np.maximum, best, (bag,), r)
    pos = xp.arange(n, dtype=np.int64)[:, None]
    cand = xp.where(r == xp.take(best, bag, axis=0), pos, n)   # (N, D): positions holding their bag's max
    first = xp.full((nbags, d), n, dtype=np.int64)
    _ufunc_at(xp, np.minimum, first, (bag,), cand)
    return first


def _check_int(t, arg, name):
    a = t._data
    if a.dtype.kind not in "iu" or a.dtype.itemsize < 4:
        raise RuntimeError(f"Expected tensor for argument #{arg} '{name}' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(t)} instead (while checking arguments for embedding_bag)")
    return a


def _layout(xp, input, offsets, per_sample_weights, include_last_offset):
    """Flat int64 indices (N,), the bag of every position (N,), a mask of the positions inside a bag (None:
    all are), the number of bags and the flat per-sample weights."""
    idx = _check_int(input, 1, "indices")
    psw = per_sample_weights
    if idx.ndim == 2:   # B bags of length L
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        nbags, length = idx.shape
        bag = xp.arange(idx.size, dtype=np.int64) // max(length, 1)
        return idx.reshape(-1).astype(np.int64), bag, None, nbags, psw.reshape(-1) if psw is not None else None
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    n = idx.shape[0]
    off = _check_int(offsets, 2, "offsets").astype(np.int64, copy=False)
    nbags = max(off.shape[0] - 1, 0) if include_last_offset else off.shape[0]
    end = n
    if off.shape[0]:
        first, last = int(off[0]), int(off[-1])
        if first != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                               f"from position 0. However, got {first}")
        if last > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of {last}")
        if off.shape[0] > 1 and bool((off[1:] < off[:-1]).any()):
            raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, but got {off.tolist()}")
        if include_last_offset:
            end = last   # the last offset ends the last bag
    pos = xp.arange(n, dtype=np.int64)
    bag = xp.searchsorted(off[:nbags], pos, side="right") - 1
    return idx.astype(np.int64, copy=False), bag, (bag >= 0) & (pos < end), nbags, psw


def _check_args(weight, psw, mode, scale_grad_by_freq, sparse):
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if weight._data.dtype.kind != "f":
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following scalar types: "
                           f"Half, BFloat16, Float, Double; but got {_type_name(weight)} instead "
                           "(while checking arguments for embedding_bag)")
    if psw is None:
        return
    if mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    if psw._data.dtype != weight._data.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as tensor for argument "
                           f"#1 'per_sample_weights'; but type {_type_name(weight)} does not equal "
                           f"{_type_name(psw)} (while checking arguments for embedding_bag)")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sum, mean or max of bags of rows of ``weight`` (num_embeddings, dim) -> (bags, dim).

    ``input`` is 2-D (B, L): B bags of length L; or 1-D with ``offsets`` (B,) marking where each bag
    starts (``include_last_offset``: B+1 entries, the last one ends the last bag). Empty bags give zeros;
    ``padding_idx`` entries are left out (``mean`` divides by the count of the others);
    ``per_sample_weights`` (shaped like ``input``, ``mode='sum'`` only) scale each row. ``sparse`` is
    accepted for compatibility; gradients are dense.

    Example::

        >>> w = zoo_core.arange(6.).view(3, 2)
        >>> F.embedding_bag(zoo_core.tensor([0, 1, 2, 2]), w, zoo_core.tensor([0, 3]), mode="sum")
        tensor([[6., 9.],
                [4., 5.]])
    """
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    for t in (input, offsets, per_sample_weights):
        if t is not None:
            check_same_device("embedding_bag", weight, t)
    xp = _backend.array_module(weight._data)
    idx, bag, inside, nbags, psw = _layout(xp, input, offsets, per_sample_weights, include_last_offset)
    _check_args(weight, psw, mode, scale_grad_by_freq, sparse)
    n = weight._data.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        at = int(xp.argmax((idx < 0) | (idx >= n)))
        raise RuntimeError(f"Index {at} of input takes value {int(idx[at])} which is not in the valid range [0, {n})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{n} through {n - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= n
        keep = idx != padding_idx
        inside = keep if inside is None else inside & keep
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    all_idx = idx
    if inside is not None and not bool(inside.all()):
        # positions outside every bag and padding entries take no part: drop them up front
        kept = xp.flatnonzero(inside)
        idx, bag = idx[kept], bag[kept]
        psw = psw[_wrap(kept)] if psw is not None else None

    s = None
    if scale_grad_by_freq:   # the gradient of each row is divided by its count in the whole input
        counts = xp.bincount(all_idx, minlength=n)
        s = 1.0 / xp.maximum(counts, 1)
    if idx.size:
        rows = _Rows(idx, n, s).take(weight, False)                              # (N, D)
    else:   # nothing to look up (and _index_add_axis cannot add nothing): a zero-gradient empty slice
        rows = weight[:0]
    if mode == "max":
        return _BagPick(_first_max(xp, rows._data, bag, nbags), idx.shape[0]).take(rows)
    if mode == "mean":
        count = xp.bincount(bag, minlength=nbags)                               # (B,) non-padding entries
        rows = rows * _wrap((1.0 / xp.take(count, bag)).astype(weight._data.dtype)[:, None])
    elif psw is not None:
        rows = rows * psw.unsqueeze(1)
    return _BagSum(bag, nbags).sum(rows)
