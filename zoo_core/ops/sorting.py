"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``msort``, ``unique``,
``unique_consecutive``, ``searchsorted``/``bucketize``, ``isin``, and the triangle masks ``tril``/``triu``.

Sorts are always stable (whatever ``stable=`` says), so ties come out in index order and results are
deterministic. The gradient of the values of ``sort``/``topk``/``kthvalue`` goes back to the selected
positions (``_put`` of ``ops/indexing.py``, differentiable again).
"""
import collections

import math

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim, inplace_update
from .indexing import _along_key, _put, _reshape, _take


def _return_type(name):
    """A ``(values, indices)`` named tuple printed as ``torch.return_types.<name>``."""
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"zoo_core.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "zoo_core.return_types"})


class return_types:
    """The result types of ops that return ``(values, indices)``, as ``torch.return_types``."""
    sort = _return_type("sort")
    topk = _return_type("topk")
    kthvalue = _return_type("kthvalue")


def _argsort(xp, x, axis, descending):
    """Stable argsort (int64); descending keeps ties in index order (sort the reversed array, reverse back)."""
    if xp is np:
        sort = lambda a: np.argsort(a, axis=axis, kind="stable")  # noqa: E731
    else:
        sort = lambda a: xp.argsort(a, axis=axis)  # noqa: E731  (CuPy sorts with thrust's stable sort)
    if not descending:
        return sort(x).astype(np.int64, copy=False)
    n = x.shape[axis]
    i = xp.flip(sort(xp.flip(x, axis)), axis)
    return ((n - 1) - i).astype(np.int64, copy=False)


def _no_bool(x, op, exc=RuntimeError):
    if x.dtype == np.bool_:    # PyTorch has no bool kernel for the selection ops
        raise exc(f"{op}(): not implemented for bool tensors; convert with .int() or .float() first")


def _sorted_indices(input, dim, descending, op):
    """(dim, int64 sorted indices, array module); a 0-d input is sorted as one element."""
    x = input._data
    d = _wrap_dim(dim, x.ndim, op)
    xp = _backend.array_module(x)
    if x.ndim == 0:
        return d, xp.zeros((), dtype=np.int64), xp
    return d, _argsort(xp, x, d, descending), xp


def _values(input, d, idx, xp):
    """``input``'s entries at ``idx`` along ``d``; the gradient goes back to those positions."""
    if input._data.ndim == 0:
        return _take(input, (Ellipsis,), unique=True)
    out = _wrap(xp.take_along_axis(input._data, idx, d))
    if input._rg and grad_mode.enabled:
        shape = input._data.shape
        record(out, "SortBackward0",
               lambda g: (_put(_wrap(xp.zeros(shape, g._data.dtype)), _along_key(xp, idx, d), g),), (input,))
    return out


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` of ``input`` sorted along ``dim`` (stable: ties keep their order; NaN is largest).

    Example::

        >>> zoo_core.sort(zoo_core.tensor([3., 1., 2.]))
        zoo_core.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([1, 2, 0]))
    """
    d, idx, xp = _sorted_indices(input, dim, descending, "sort")
    return return_types.sort(_values(input, d, idx, xp), _wrap(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    """The int64 indices that sort ``input`` along ``dim`` (stable)."""
    return _wrap(_sorted_indices(input, dim, descending, "argsort")[1])


def msort(input):
    """``input`` sorted along its first dimension."""
    return sort(input, dim=0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or smallest) entries along ``dim``, in sorted order.

    Example::

        >>> zoo_core.topk(zoo_core.tensor([1., 5., 3., 4.]), 2).values
        tensor([5., 4.])
    """
    x = input._data
    _no_bool(x, "topk")
    n = x.shape[_wrap_dim(dim, x.ndim, "topk")] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, size {n} along dim {dim})")
    xp = _backend.array_module(x)
    idx = None
    if xp is np and 0 < k and 8 * k < n and n > 64:
        d = _wrap_dim(dim, x.ndim, "topk")
        idx = _partial_top(x, k, d, n, largest)
    if idx is None:
        d, idx, xp = _sorted_indices(input, dim, largest, "topk")
        if x.ndim:
            idx = idx[(slice(None),) * d + (slice(0, k),)]
    return return_types.topk(_values(input, d, idx, xp), _wrap(idx))


def _partial_top(x, k, d, n, largest):
    """topk indices without a full sort (numpy; None when NaNs need the full sort): partition out the k-th
    value, keep what beats it plus the lowest-index ties (as the stable sort would), then sort only those."""
    if x.dtype.kind == "f" and np.isnan(x).any():
        return None
    kth = n - k if largest else k - 1
    t = np.partition(x, kth, axis=d)[(slice(None),) * d + (slice(kth, kth + 1),)]
    better = x > t if largest else x < t
    tie = x == t
    need = k - better.sum(axis=d, keepdims=True)
    if (tie.sum(axis=d, keepdims=True) != need).any():   # more ties than places: the lowest indices win
        tie &= np.cumsum(tie, axis=d) <= need
    keep = np.moveaxis(better | tie, d, -1)
    cand = np.moveaxis(np.nonzero(keep)[-1].reshape(keep.shape[:-1] + (k,)), -1, d)   # in index order
    order = _argsort(np, np.take_along_axis(x, cand, d), d, largest)
    return np.take_along_axis(cand, order, d).astype(np.int64, copy=False)


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest entry (1-based) along ``dim``."""
    x = input._data
    _no_bool(x, "kthvalue", NotImplementedError)
    n = x.shape[_wrap_dim(dim, x.ndim, "kthvalue")] if x.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size (shape {tuple(x.shape)})")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {n})")
    d, idx, xp = _sorted_indices(input, dim, False, "kthvalue")
    if not x.ndim:
        return return_types.kthvalue(_values(input, d, idx, xp), _wrap(idx))
    idx = idx[(slice(None),) * d + (slice(k - 1, k),)]
    values = _values(input, d, idx, xp)
    if not keepdim:
        shape = x.shape[:d] + x.shape[d + 1:]
        values, idx = _reshape(values, shape), idx.reshape(shape)
    return return_types.kthvalue(values, _wrap(idx))


# ---- unique -------------------------------------------------------------------------------------
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    if not (return_inverse or return_counts):
        return values
    out = [values]
    if return_inverse:
        out.append(_wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64, copy=False)))
    return tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``input`` (sorted), optionally with the inverse map and the counts.

    With ``dim``, the distinct slices along ``dim``. Not differentiable (as in PyTorch).

    Example::

        >>> zoo_core.unique(zoo_core.tensor([3, 1, 3]), return_counts=True)
        (tensor([1, 3]), tensor([1, 2]))
    """
    x = input._data
    xp = _backend.array_module(x)
    if dim is None:
        # each NaN is its own value (as PyTorch; numpy and CuPy merge them by default)
        v, inv, cnt = xp.unique(x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(x.shape)
    else:
        d = _wrap_dim(dim, x.ndim, "unique")
        if any(n == 0 for i, n in enumerate(x.shape) if i != d):
            raise RuntimeError(f"unique: there are 0 sized dimensions in shape {list(x.shape)}, and they aren't "
                               f"selected (dim={d}), so unique cannot be applied")
        v, inv, cnt = _unique_slices(xp, x, d)
    return _unique_result(_wrap(v), inv, cnt, return_inverse, return_counts)


def _unique_slices(xp, x, d):
    """(values, inverse, counts) of the distinct slices of ``x`` along ``d``, in lexicographic order.

    Rows are ordered by stable argsorts from the last column to the first (a radix sort over columns):
    CuPy's ``unique(axis=)`` compares rows by subtraction on the host, which fails for bool and overflows
    for small ints."""
    moved = xp.moveaxis(x, d, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, math.prod(moved.shape[1:]))
    keys = rows.astype(np.uint8) if rows.dtype == np.bool_ else rows
    order = xp.arange(n)
    for c in range(rows.shape[1] - 1, -1, -1):
        order = order[xp.argsort(keys[order, c], kind="stable")]
    srt = rows[order]
    if n == 0:
        empty = xp.zeros(0, np.int64)
        return xp.moveaxis(moved[:0], 0, d), empty, empty
    differs = (srt[1:] != srt[:-1]).any(axis=1) if rows.shape[1] else xp.zeros(n - 1, dtype=bool)
    new = xp.concatenate([xp.ones(1, dtype=bool), differs])
    inverse = xp.empty(n, np.int64)
    inverse[order] = xp.cumsum(new) - 1
    starts = xp.nonzero(new)[0]
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n], dtype=starts.dtype)]))
    return xp.ascontiguousarray(xp.moveaxis(moved[order[new]], 0, d)), inverse, counts


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive values (or slices along ``dim``) collapsed to one."""
    x = input._data
    xp = _backend.array_module(x)
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            return _unique_result(_wrap(flat.copy()), xp.zeros(x.shape, np.int64), xp.zeros(0, np.int64),
                                  return_inverse, return_counts)
        new = xp.concatenate([xp.ones(1, dtype=bool), flat[1:] != flat[:-1]])
        values = flat[new]
        inv_shape = x.shape
    else:
        d = _wrap_dim(dim, x.ndim, "unique_consecutive")
        if any(n == 0 for i, n in enumerate(x.shape) if i != d):
            raise RuntimeError(f"unique_consecutive: there are 0 sized dimensions in shape {list(x.shape)}, and "
                               f"they aren't selected (dim={d}), so unique cannot be applied")
        moved = xp.moveaxis(x, d, 0)
        rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
        diff = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else xp.zeros(rows.shape[0] - 1, dtype=bool)
        new = xp.concatenate([xp.ones(min(1, rows.shape[0]), dtype=bool), diff])
        values = xp.moveaxis(moved[new], 0, d)
        inv_shape = (x.shape[d],)
    inverse = (xp.cumsum(new) - 1).reshape(inv_shape)
    starts = xp.nonzero(new)[0]
    counts = xp.diff(xp.concatenate([starts, xp.asarray([new.shape[0]], dtype=starts.dtype)]))
    return _unique_result(_wrap(xp.ascontiguousarray(values)), inverse, counts, return_inverse, return_counts)


# ---- searchsorted / bucketize -------------------------------------------------------------------
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where ``input``'s values would be inserted into ``sorted_sequence`` (1-d, or rows matching
    ``input``'s leading dims) to keep it sorted; ``right``/``side="right"`` puts equal values after."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    xp = _backend.array_module(seq)
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input) if scalar else input._data
    srt = sorter._data if sorter is not None else None
    how = "right" if right else "left"
    if seq.ndim <= 1:
        if srt is not None:
            seq = seq[srt]
        out = xp.searchsorted(seq.reshape(-1), vals, side=how)
    else:
        if scalar or seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
        if srt is not None:
            seq = xp.take_along_axis(seq, srt, axis=-1)
        rows, vrows = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = _searchsorted_rows(xp, rows, vrows, how).reshape(vals.shape)
    return _wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64, copy=False))


def _searchsorted_rows(xp, rows, vrows, how):
    """Row-wise ``searchsorted``. Integer rows take one call: each row is lifted into its own band by adding
    ``row * span`` to its boundaries and values, so one flat sorted sequence holds all rows (exact). Float
    rows are searched one by one (a shifted float could round onto a boundary)."""
    r, m = rows.shape
    if r == 0 or m == 0:
        return xp.zeros(vrows.shape, np.int64)
    if rows.dtype.kind in "iub" and vrows.dtype.kind in "iub":
        lo = min(int(rows.min()), int(vrows.min()))
        span = max(int(rows.max()), int(vrows.max())) - lo + 1
        if span * r < 2 ** 62:
            off = xp.arange(r, dtype=np.int64)[:, None] * span
            flat = (rows.astype(np.int64) - lo + off).reshape(-1)
            pos = xp.searchsorted(flat, (vrows.astype(np.int64) - lo + off).reshape(-1), side=how)
            return pos.reshape(vrows.shape) - xp.arange(r, dtype=np.int64)[:, None] * m
    return xp.stack([xp.searchsorted(rows[i], vrows[i], side=how) for i in range(r)])


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of the bucket of each value of ``input`` given sorted 1-d ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor shaped like ``elements``: True where the element occurs in ``test_elements`` (either
    may be a Python number); ``invert`` negates it. Values are compared in their promoted dtype; NaN is
    never found.

    Example::

        >>> zoo_core.isin(zoo_core.tensor([1, 2, 3]), zoo_core.tensor([2, 5]))
        tensor([False,  True, False])
    """
    from .. import _dtype
    e_t, t_t = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not (e_t or t_t):
        raise TypeError("isin() received an invalid combination of arguments: at least one of elements and "
                        "test_elements must be a Tensor")
    ref = elements if e_t else test_elements
    if e_t and t_t and (type(elements._data) is not type(test_elements._data)
                        or elements.device != test_elements.device):
        from ..tensor import check_same_device
        check_same_device("isin", elements, test_elements)
    for t in (elements, test_elements):
        if isinstance(t, Tensor) and t._data.dtype == np.bool_ or isinstance(t, bool):
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    dt = _dtype.result_type(elements, test_elements).np
    xp = _backend.array_module(ref._data)
    e = elements._data.astype(dt, copy=False) if e_t else xp.asarray(elements, dtype=dt)
    t = test_elements._data.astype(dt, copy=False) if t_t else xp.asarray(test_elements, dtype=dt)
    r = xp.isin(e, t.reshape(-1), invert=invert)
    return _wrap(xp.asarray(r))


# ---- triangles ----------------------------------------------------------------------------------
def _triangle(input, diagonal, lower, op):
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape {list(x.shape)})")
    xp = _backend.array_module(x)
    n, m = x.shape[-2:]
    keep = xp.tri(n, m, diagonal, dtype=bool)
    if not lower:
        keep = ~xp.tri(n, m, diagonal - 1, dtype=bool)
    out = _wrap(xp.where(keep, x, xp.zeros((), dtype=x.dtype)))
    if input._rg and grad_mode.enabled:
        record(out, "TrilBackward0" if lower else "TriuBackward0",
               lambda g: (_triangle(g, diagonal, lower, op),), (input,))
    return out


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (entries with ``col - row <= diagonal``); the rest zero.

    Example::

        >>> zoo_core.tril(zoo_core.ones(2, 2))
        tensor([[1., 0.],
                [1., 1.]])
    """
    return _triangle(input, diagonal, True, "tril")


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (entries with ``col - row >= diagonal``); the rest zero."""
    return _triangle(input, diagonal, False, "triu")


def tril_(self, diagonal=0):
    """In-place ``tril``."""
    return inplace_update(self, tril(self, diagonal), "tril_")


def triu_(self, diagonal=0):
    """In-place ``triu``."""
    return inplace_update(self, triu(self, diagonal), "triu_")


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive", "searchsorted",
           "bucketize", "isin", "tril", "triu"]

Tensor.sort, Tensor.argsort, Tensor.msort, Tensor.topk, Tensor.kthvalue = sort, argsort, msort, topk, kthvalue
Tensor.unique, Tensor.unique_consecutive = unique, unique_consecutive
Tensor.tril, Tensor.triu, Tensor.tril_, Tensor.triu_ = tril, triu, tril_, triu_
