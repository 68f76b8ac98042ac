"""The gather/scatter family: ``gather``, ``scatter``/``scatter_add``/``scatter_reduce``, ``index_select``,
``index_add``/``index_copy``/``index_fill``, ``masked_fill``/``masked_select``/``masked_scatter``,
``take_along_dim``, and their in-place forms.

Each op builds a raw array key and calls the differentiable primitives ``_take``/``_put`` of
``ops/indexing.py``, which carry the gradients (``gather``'s backward is a scatter-add, and so on).
Names are re-exported by ``ops/indexing.py``.
"""
import operator

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from ._util import broadcast_to, grad_for
from .arith import where
from .indexing import (_FULL, _INDEX_KINDS, _TORCH_NAMES, _along_key, _check_range, _index_add_array, _index_arg,
                       _inplace, _put, _reshape, _rg, _same_dtype, _scalar_for, _take, _ufunc_at, diagonal)


def _reduce_at(xp, how, target, key, values):
    """``target[key] = how(target[key], values)`` accumulating over repeated indices."""
    ufunc = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[how]
    _ufunc_at(xp, ufunc, target, key, values)


def _lift(t):
    """A 0-d tensor as 1-d (PyTorch reads 0-d operands of this family as one-element vectors)."""
    return _reshape(t, (1,)) if isinstance(t, Tensor) and t._data.ndim == 0 else t


def _has_0d(*ts):
    return any(isinstance(t, Tensor) and t._data.ndim == 0 for t in ts)


# ---- gather / scatter ---------------------------------------------------------------------------
def _scatter_prep(input, dim, index, src, op):
    """Checks shared by gather and the scatter family; returns (dim, index array, key)."""
    idx = _index_arg(index, op)
    x = input._data
    d = _wrap_dim(dim, x.ndim, op)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {list(idx.shape)}, input {list(x.shape)})")
    if src is not None and src.ndim != idx.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor "
                           f"(index {list(idx.shape)}, src {list(src.shape)})")
    for i in range(x.ndim):
        too_big = (i != d and idx.shape[i] > x.shape[i]) or (src is not None and idx.shape[i] > src.shape[i])
        if too_big:
            msg = f"{op}(): Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} apart " \
                  f"from dimension {d}"
            if src is not None:
                msg += f" and to be no larger size than src {list(src.shape)}"
            raise RuntimeError(msg)
    if type(idx) is not type(x):
        from ..tensor import check_same_device
        check_same_device(op, input, index)
    if src is not None and src.dtype != x.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got self "
                           f"{_TORCH_NAMES.get(x.dtype.name)} and src {_TORCH_NAMES.get(src.dtype.name)})")
    _check_range(idx, x.shape[d], d)
    return d, idx, _along_key(_backend.array_module(x), idx, d)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[i][index[i][j]]`` (for ``dim=1``); the backward scatters-adds the gradient.

    Example::

        >>> zoo_core.gather(zoo_core.tensor([[1, 2], [3, 4]]), 1, zoo_core.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    if _has_0d(input, index):
        return _reshape(gather(_lift(input), dim, _lift(index)), index._data.shape)
    d, idx, key = _scatter_prep(input, dim, index, None, "gather")
    if out is not None:
        from .arith import _out
        return _out(_take(input, key), out)
    return _take(input, key)


def _src_part(src, idx):
    """The leading ``idx.shape`` block of ``src`` (scatter reads only that much)."""
    if tuple(src._data.shape) == tuple(idx.shape):
        return src
    return _take(src, tuple(slice(0, s) for s in idx.shape), unique=True)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` (for ``dim=1``); ``src`` may be a number.

    ``reduce="add"``/``"multiply"`` accumulate instead (as ``scatter_reduce`` with ``"sum"``/``"prod"``).

    Example::

        >>> zoo_core.zeros(2, 3).scatter(1, zoo_core.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected a 'src' tensor or a 'value' number")
    if _has_0d(input, index, src):
        return _reshape(scatter(_lift(input), dim, _lift(index), _lift(src), reduce=reduce), input._data.shape)
    if not isinstance(src, Tensor):
        src = _scalar_for(src, input._data.dtype)
    if reduce is not None:
        how = {"add": "sum", "multiply": "prod"}.get(reduce)
        if how is None:
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
        if not isinstance(src, Tensor):
            src = _wrap(_backend.array_module(input._data).full(index._data.shape, src, input._data.dtype))
        return scatter_reduce(input, dim, index, src, how)
    if isinstance(src, Tensor):
        d, idx, key = _scatter_prep(input, dim, index, src._data, "scatter")
        return _put(input, key, _src_part(src, idx))
    d, idx, key = _scatter_prep(input, dim, index, None, "scatter")
    return _put(input, key, src)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    if _has_0d(input, index, src):
        return _reshape(scatter_add(_lift(input), dim, _lift(index), _lift(src)), input._data.shape)
    d, idx, key = _scatter_prep(input, dim, index, src._data, "scatter_add")
    return _put(input, key, _src_part(src, idx), accumulate=True)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}   # PyTorch accepts these spellings too


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim`` with ``"sum"``, ``"prod"``,
    ``"mean"``, ``"amax"`` or ``"amin"``; ``include_self=False`` ignores input's values where scattered."""
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if _has_0d(input, index, src):
        return _reshape(scatter_reduce(_lift(input), dim, _lift(index), _lift(src), reduce, include_self=include_self),
                        input._data.shape)
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("scatter_reduce(): reduce='mean' is not implemented for 'Bool' tensors")
    d, idx, key = _scatter_prep(input, dim, index, src._data, "scatter_reduce")
    src = _src_part(src, idx)
    x = input._data
    xp = _backend.array_module(x)
    s = src._data.astype(x.dtype, copy=False)
    if reduce == "sum" and include_self:
        return _put(input, key, src, accumulate=True)
    hit = xp.zeros(x.shape, dtype=np.int32)            # how many src values land on each position
    _index_add_array(xp, hit, key, xp.ones(s.shape, dtype=np.int32))
    touched = hit > 0
    out = x.copy()
    if not include_self:
        start = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if start is None:   # amax/amin: start from the identity of the reduction
            start = _extreme(x.dtype, low=reduce == "amax")
        out[touched] = start
    _reduce_at(xp, "sum" if reduce == "mean" else reduce, out, key, s)
    count = hit + (1 if include_self else 0)
    if reduce == "mean":
        n = xp.maximum(count, 1).astype(x.dtype)
        out = xp.where(touched, out / n if x.dtype.kind == "f" else out // n, out).astype(x.dtype)
    r = _wrap(out)
    if grad_mode.enabled and (input._rg or src._rg):
        if reduce == "prod":
            record(r, "ScatterReduceBackward0",
                   lambda g: _prod_grads(g, input, src, d, index, include_self), (input, src), (input, src))
            return r
        # the gradient is linear in g: per-position weights for input and for src
        if reduce in ("sum", "mean"):
            w = xp.ones(x.shape, x.dtype)
            if reduce == "mean":
                w = xp.where(touched, 1.0 / xp.maximum(count, 1), 1.0).astype(x.dtype)
            wx = w if include_self else xp.where(touched, 0, w).astype(x.dtype)
            ws = w[key]
        else:   # amax/amin: split evenly among the values equal to the result (as PyTorch)
            eq_x = (x == out) & (include_self | ~touched)
            eq_s = s == out[key]
            n_eq = eq_x.astype(x.dtype)
            _index_add_array(xp, n_eq, key, eq_s.astype(x.dtype))
            wx = xp.where(eq_x, 1 / xp.maximum(n_eq, 1), 0).astype(x.dtype)
            ws = xp.where(eq_s, 1 / xp.maximum(n_eq, 1)[key], 0).astype(x.dtype)
        wx, ws = _wrap(wx), _wrap(ws)
        record(r, "ScatterReduceBackward0",
               lambda g: (g * wx if input._rg else None, _take(g, key) * ws if src._rg else None),
               (input, src))
    return r


def _prod_grads(g, input, src, d, index, include_self):
    """Gradients of ``scatter_reduce(..., "prod")`` (PyTorch's formula): each factor gets the product of
    the others, computed without dividing by zero; a position's single zero factor gets the product of
    the rest, and with two or more zeros every factor's gradient is 0."""
    zero_in = input == 0
    masked_in = masked_fill(input, zero_in, 1)
    gx = g * scatter_reduce(masked_in, d, index, src, "prod", include_self=include_self) / masked_in
    if not include_self:
        gx = scatter(gx, d, index, 0.0)
    zero_src = src == 0
    n_zero = gather(scatter_add(_wrap(input._data * 0), d, index, zero_src.to(input.dtype)), d, index)
    single = zero_src & (n_zero == 1)
    rest = scatter_reduce(input, d, index, masked_fill(src, single, 1), "prod", include_self=include_self)
    out = scatter_reduce(input, d, index, src, "prod", include_self=include_self)
    gs = where(single, gather(g * rest, d, index), gather(g * out, d, index) / masked_fill(src, zero_src, 1))
    return (gx if input._rg else None), (gs if src._rg else None)


def _extreme(dt, low):
    if dt.kind == "f":
        return -np.inf if low else np.inf
    if dt.kind == "b":
        return not low
    info = np.iinfo(dt)
    return info.min if low else info.max


# ---- index_select / index_add / index_copy / index_fill -----------------------------------------
def _dim_index(input, dim, index, op, kinds=_INDEX_KINDS):
    idx = _index_arg(index, op, kinds)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(idx.shape)}")
    x = input._data
    d = _wrap_dim(dim, x.ndim, op)
    size = x.shape[d]
    if type(idx) is not type(x):
        from ..tensor import check_same_device
        check_same_device(op, input, index)
    # PyTorch wraps negative indices only in index_fill; index_add's bounds error is a RuntimeError
    _check_range(idx, size, d, low=-size if op == "index_fill" else 0,
                 exc=RuntimeError if op == "index_add" else IndexError)
    idx = idx.reshape(-1)
    return d, idx, (_FULL,) * d + (idx,)


def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (1-d) along ``dim``.

    Example::

        >>> zoo_core.index_select(zoo_core.tensor([[1, 2], [3, 4], [5, 6]]), 0, zoo_core.tensor([2, 0]))
        tensor([[5, 6],
                [1, 2]])
    """
    if input._data.ndim == 0:
        if isinstance(index, Tensor) and index._data.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index._data.size} "
                               "value(s)")
        return _reshape(index_select(_lift(input), dim, _lift(index)), ())
    d, idx, key = _dim_index(input, dim, index, "index_select")
    return _take(input, key)


def _check_source(input, d, idx, source, op):
    _same_dtype(f"{op}_()", input._data, source._data)
    xs, ss = input._data.shape, source._data.shape
    if source._data.ndim and ss[d] != idx.shape[0]:
        raise RuntimeError(f"{op}(): Number of indices ({idx.shape[0]}) should be equal to source.size(dim): "
                           f"({ss[d]}), for dim: {d}")
    if len(ss) != len(xs) or any(a != b for i, (a, b) in enumerate(zip(xs, ss)) if i != d):
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(xs)} source.shape = {list(ss)}")


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along ``dim``."""
    if input._data.ndim == 0 and isinstance(source, Tensor):
        if source._data.ndim:
            raise RuntimeError(f"index_add(): source tensor shape must match self tensor shape, excluding the "
                               f"specified dimension. Got self.shape = [] source.shape = {list(source.shape)}")
        return _reshape(index_add(_lift(input), dim, _lift(index), _lift(source), alpha=alpha), ())
    d, idx, key = _dim_index(input, dim, index, "index_add")
    _check_source(input, d, idx, source, "index_add")
    return _put(input, key, source if alpha == 1 else source * alpha, accumulate=True)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with ``source`` written at positions ``index`` along ``dim``."""
    if input._data.ndim == 0 and isinstance(source, Tensor) and source._data.ndim <= 1:
        return _reshape(index_copy(_lift(input), dim, _lift(index), _lift(source)), ())
    d, idx, key = _dim_index(input, dim, index, "index_copy", ("int64",))
    _check_source(input, d, idx, source, "index_copy")
    return _put(input, key, source)


def index_fill(input, dim, index, value):
    """A copy of ``input`` filled with ``value`` (a number or 0-d tensor) at ``index`` along ``dim``."""
    if input._data.ndim == 0:
        return _reshape(index_fill(_lift(input), dim, _lift(index), value), ())
    d, idx, key = _dim_index(input, dim, index, "index_fill", ("int64",))
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    if not isinstance(value, Tensor):
        value = _scalar_for(value, input._data.dtype)
    xp = _backend.array_module(idx)
    # fill each position once (negative indices wrap), so value's gradient counts it once
    key = key[:-1] + (xp.unique(idx % max(input._data.shape[d], 1)),)
    return _put(input, key, value)


# ---- masks --------------------------------------------------------------------------------------
def _mask_arg(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    return mask._data


def _bshape(op, a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise RuntimeError(f"{op}: the shape of the mask {list(b)} must be broadcastable with the input "
                           f"shape {list(a)}") from None


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (mask and input broadcast together).

    Example::

        >>> x = zoo_core.tensor([1., 2., 3.])
        >>> x.masked_fill(x > 1, 0.)
        tensor([1., 0., 0.])
    """
    m = _mask_arg(mask, "masked_fill_")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    x = input._data
    xp = _backend.array_module(x)
    _bshape("masked_fill", x.shape, m.shape)
    va = value._data if isinstance(value, Tensor) else _scalar_for(value, x.dtype)
    out = _wrap(xp.where(m, xp.asarray(va, dtype=x.dtype), x))
    if grad_mode.enabled and (input._rg or _rg(value)):
        cond = _wrap(m)
        record(out, "MaskedFillBackward0",
               lambda g: (grad_for(where(cond, 0.0, g), input), grad_for(where(cond, g, 0.0), value)),
               (input, value))
    return out


def masked_select(input, mask):
    """The 1-d tensor of ``input``'s entries where ``mask`` is True (they broadcast together)."""
    m = _mask_arg(mask, "masked_select")
    shape = _bshape("masked_select", input._data.shape, m.shape)
    xp = _backend.array_module(input._data)
    x = broadcast_to(input, shape) if input._data.shape != shape else input
    return _take(x, (xp.broadcast_to(m, shape),), unique=True)


def masked_scatter(input, mask, source):
    """A copy of ``input`` whose entries where ``mask`` is True are, in order, the first values of ``source``."""
    m = _mask_arg(mask, "masked_scatter_")
    _same_dtype("masked_scatter_()", input._data, source._data)
    shape = _bshape("masked_scatter", input._data.shape, m.shape)
    xp = _backend.array_module(input._data)
    m = xp.broadcast_to(m, shape)
    n = int(m.sum())
    if source._data.size < n:
        raise RuntimeError(f"masked_scatter: Number of elements of source ({source._data.size}) < number of ones "
                           f"in mask ({n})")
    x = broadcast_to(input, shape) if input._data.shape != shape else input
    part = _take(_reshape(source, (-1,)), (slice(0, n),), unique=True)
    return _put(x, (m,), part)


def take_along_dim(input, indices, dim=None):
    """``gather`` with broadcasting of ``input`` and ``indices``; with ``dim=None`` both are flattened."""
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype.name}")
    if dim is None:
        return gather(_reshape(input, (-1,)), 0, _wrap(indices._data.reshape(-1)))
    x, idx = input._data, indices._data
    d = _wrap_dim(dim, x.ndim, "take_along_dim")
    if idx.size and x.ndim and int(idx.min()) < 0:   # unlike gather, negative indices count from the end
        idx = idx + (idx < 0) * x.shape[d]
    if idx.ndim != x.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {x.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    ones = [list(s) for s in (x.shape, idx.shape)]
    ones[0][d] = ones[1][d] = 1
    b = list(_bshape("take_along_dim", tuple(ones[0]), tuple(ones[1])))
    xs, js = b.copy(), b.copy()
    xs[d], js[d] = x.shape[d], idx.shape[d]
    xb = broadcast_to(input, tuple(xs)) if tuple(xs) != x.shape else input
    xp = _backend.array_module(idx)
    return gather(xb, d, _wrap(xp.broadcast_to(idx, tuple(js))))


# ---- put / index_reduce / *_scatter -------------------------------------------------------------
def put(input, index, source, accumulate=False):
    """A copy of ``input`` read as 1-d with ``source`` written (or added) at flat positions ``index``."""
    idx = _index_arg(index, "put", ("int64",))
    n = input._data.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if hi >= n or lo < -n:
            raise IndexError(f"put: out of range: tried to access index {hi if hi >= n else lo} on a tensor of {n} "
                             "elements.")
    if source._data.size != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source._data.size}, index.numel() = {idx.size}")
    _same_dtype("put_()", input._data, source._data)
    flat = _put(_reshape(input, (-1,)), (idx.reshape(-1),), _reshape(source, (-1,)), accumulate=accumulate)
    return _reshape(flat, input._data.shape)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce the slices of ``source`` into ``input`` at positions ``index`` along ``dim`` with ``"prod"``,
    ``"mean"``, ``"amax"`` or ``"amin"`` (``scatter_reduce`` with the index spread over each slice)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if input._data.ndim == 0:
        return _reshape(index_reduce(_lift(input), dim, _lift(index), _lift(source), reduce,
                                     include_self=include_self), ())
    if not include_self and input._data.dtype == np.bool_:
        raise NotImplementedError("index_reduce(): include_self=False is not implemented for 'Bool' tensors")
    d, idx, _ = _dim_index(input, dim, index, "index_reduce", ("int64",))
    _check_source(input, d, idx, source, "index_reduce")
    shape = [1] * source._data.ndim
    shape[d] = idx.shape[0]
    xp = _backend.array_module(idx)
    full = _wrap(xp.broadcast_to(idx.reshape(shape), source._data.shape))
    return scatter_reduce(input, d, full, source, reduce, include_self=include_self)


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``."""
    d = _wrap_dim(dim, input._data.ndim, "select_scatter")
    size = input._data.shape[d]
    index = operator.index(index)
    if not -size <= index < size:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    return _embed(input, src, (_FULL,) * d + (index,), "select_scatter")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step, ...]`` (along ``dim``)."""
    d = _wrap_dim(dim, input._data.ndim, "slice_scatter")
    return _embed(input, src, (_FULL,) * d + (slice(start, end, step),), "slice_scatter")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written into ``input.diagonal(offset, dim1, dim2)``."""
    with grad_mode.no_grad():
        pos = diagonal(_wrap(_backend.array_module(input._data).arange(input._data.size).reshape(
            input._data.shape)), offset, dim1, dim2)._data
    _check_region("diagonal_scatter", input, src, pos.shape)
    flat = _put(_reshape(input, (-1,)), (pos.reshape(-1),), _reshape(src, (-1,)))
    return _reshape(flat, input._data.shape)


def _embed(input, src, key, op):
    """``input`` with ``src`` written at ``key``; ``src`` must have exactly the region's shape."""
    _check_region(op, input, src, input._data[key].shape)
    return _put(input, key, src)


def _check_region(op, input, src, want):
    if tuple(src._data.shape) != tuple(want):
        raise RuntimeError(f"{op}(): expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(want)}")
    _same_dtype(f"{op}()", input._data, src._data)


# ---- in-place forms and Tensor methods ----------------------------------------------------------
scatter_ = _inplace(scatter, "scatter_")
scatter_add_ = _inplace(scatter_add, "scatter_add_")
scatter_reduce_ = _inplace(scatter_reduce, "scatter_reduce_")
index_add_ = _inplace(index_add, "index_add_")
index_copy_ = _inplace(index_copy, "index_copy_")
index_fill_ = _inplace(index_fill, "index_fill_")
masked_fill_ = _inplace(masked_fill, "masked_fill_")
masked_scatter_ = _inplace(masked_scatter, "masked_scatter_")
put_ = _inplace(put, "put_")
index_reduce_ = _inplace(index_reduce, "index_reduce_")

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
           "index_fill", "masked_fill", "masked_select", "masked_scatter", "take_along_dim", "put", "index_reduce",
           "select_scatter", "slice_scatter", "diagonal_scatter"]

Tensor.gather, Tensor.scatter, Tensor.scatter_add, Tensor.scatter_reduce = gather, scatter, scatter_add, scatter_reduce
Tensor.scatter_, Tensor.scatter_add_, Tensor.scatter_reduce_ = scatter_, scatter_add_, scatter_reduce_
Tensor.index_select, Tensor.index_add, Tensor.index_copy, Tensor.index_fill = (index_select, index_add, index_copy,
                                                                               index_fill)
Tensor.index_add_, Tensor.index_copy_, Tensor.index_fill_ = index_add_, index_copy_, index_fill_
Tensor.masked_fill, Tensor.masked_fill_, Tensor.masked_select = masked_fill, masked_fill_, masked_select
Tensor.masked_scatter, Tensor.masked_scatter_ = masked_scatter, masked_scatter_
Tensor.take_along_dim = take_along_dim
Tensor.put, Tensor.put_, Tensor.index_reduce, Tensor.index_reduce_ = put, put_, index_reduce, index_reduce_
Tensor.select_scatter, Tensor.slice_scatter, Tensor.diagonal_scatter = select_scatter, slice_scatter, diagonal_scatter
