"""Indexing: ``x[key]`` and ``x[key] = v``, ``take``, ``nonzero``, ``diagonal``, ``index_put``; the
``gather``/``scatter``/``index_*``/``masked_*`` family is in ``ops/scatter.py`` (re-exported here).

Everything rests on two differentiable primitives over a raw array key (numpy semantics):
``_take(x, key)`` (``x[key]``) and ``_put(x, key, v, accumulate)`` (a copy of ``x`` with ``x[key] = v`` or
``+= v``). Each is the other's backward, so gradients of any order come for free.

PyTorch applies ints, slices, ``None`` and ``...`` first (a view) and tensor indices afterwards, so
``x[0, :, [1, 2]]`` has shape ``(6, 2)`` for ``x`` of shape ``(5, 6, 7)`` where numpy gives ``(2, 6)``;
``_parse_key`` splits a key into those two steps.
"""
import operator

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim, inplace_update, make_view
from ._util import grad_for
from .arith import _bump

_INDEX_KINDS = ("int64", "int32")
_KEY_DTYPES = ("int64", "int32", "uint8", "bool")   # what PyTorch accepts as an index tensor
_FULL = slice(None)
_INF = float("inf")
_TORCH_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _rg(x):
    return isinstance(x, Tensor) and x._rg


# ---- array helpers ------------------------------------------------------------------------------
def _index_add_array(xp, target, key, values):
    """``target[key] += values`` where repeated indices accumulate (``+=`` alone keeps only one)."""
    _ufunc_at(xp, np.add, target, key, values)


# dtypes whose atomics CuPy's ``ufunc.at`` has (integer-array keys); others accumulate in a wider type,
# which is exact for add/max/min of the narrow integers and float16's max/min
_CUPY_AT = {"add": ("int32", "int64", "uint32", "uint64", "float16", "float32", "float64"),
            "maximum": ("int32", "int64", "uint32", "uint64", "float32", "float64"),
            "minimum": ("int32", "int64", "uint32", "uint64", "float32", "float64")}


def _ufunc_at(xp, ufunc, target, key, values):
    """``ufunc.at(target, key, values)`` on either backend: numpy's directly; on CuPy through
    ``cupy.<ufunc>.at`` (add/maximum/minimum only) with integer keys and a supported dtype."""
    if xp is np:
        ufunc.at(target, key, values)
        return
    name = ufunc.__name__
    # CuPy's atomics take integer index arrays only: expand boolean masks to their positions
    key = tuple(k for a in key for k in (a.nonzero() if getattr(a, "dtype", None) == np.bool_ else (a,)))
    dt = target.dtype
    if name not in _CUPY_AT:   # no atomic for this ufunc (multiply): a rare case, done on the host
        host = target.get()
        ufunc.at(host, tuple(k.get() if _backend.is_cuda_array(k) else k for k in key),
                 values.get() if _backend.is_cuda_array(values) else values)
        target[...] = xp.asarray(host)
        return
    cu = getattr(xp, name)
    if name != "add" and dt.kind == "f":
        # CuPy's float max/min atomics go through fmaxf/fminf: float64 is rounded to float32 and NaN is
        # dropped. Integer atomics on an order-preserving integer image of the floats are exact.
        acc = _float_key(xp, target)
        kt = acc.dtype
        if kt.name not in _CUPY_AT[name]:
            acc = acc.astype(np.int32)   # float16's int16 image: no int16 atomics
        cu.at(acc, key, _float_key(xp, xp.asarray(values, dtype=dt)).astype(acc.dtype))
        target[...] = _float_key(xp, acc.astype(kt), dt)
        return
    if dt.name in _CUPY_AT[name]:
        cu.at(target, key, xp.asarray(values, dtype=dt))
        return
    wide = np.float32 if dt == np.float16 else np.int32
    acc = target.astype(wide)
    cu.at(acc, key, xp.asarray(values).astype(wide))
    target[...] = acc.astype(dt)


_SIGNED = {2: np.int16, 4: np.int32, 8: np.int64}


def _float_key(xp, a, to=None):
    """The signed-integer image of a float array that orders like the floats (negative values have their
    magnitude bits flipped); with ``to`` (a float dtype), the inverse: back from keys to floats. NaN maps
    above +inf, so a maximum propagates it."""
    if to is None:
        b = a.view(_SIGNED[a.dtype.itemsize])
        return xp.where(b < 0, b ^ np.iinfo(b.dtype).max, b)
    return xp.where(a < 0, a ^ np.iinfo(a.dtype).max, a).view(to)


_FLOAT_MAX = {2: 65504.0, 4: 3.4028234663852886e38, 8: _INF}


def _scalar_for(v, dt, half_saturates=False):
    """A Python number checked (and converted) as PyTorch stores it into dtype ``dt``: a value the dtype
    cannot hold raises, except negative ints into unsigned ones, which wrap (``uint8``: -1 -> 255).
    (PyTorch's ``x[key] = v`` lets float16 saturate to inf: ``half_saturates``.)"""
    kind = dt.kind
    if kind == "f":
        if _FLOAT_MAX[dt.itemsize] < abs(v) < _INF:
            if not (half_saturates and dt.itemsize == 2):
                raise _overflow(v, dt)
            if abs(v) >= 65520:   # rounds past float16's largest value: inf (without numpy's cast warning)
                return _INF if v > 0 else -_INF
        return v
    if kind == "b" or isinstance(v, (bool, np.bool_)):
        return v
    info = np.iinfo(dt)
    if isinstance(v, (float, np.floating)):
        if not info.min <= v <= info.max:   # NaN and inf fail this too
            raise _overflow(v, dt)
        return int(v)   # truncates toward zero, as C does
    v = int(v)
    if kind == "u" and -info.max <= v < 0:
        return v + info.max + 1
    if not info.min <= v <= info.max:
        raise _overflow(v, dt)
    return v


def _overflow(v, dt):
    name = {"float16": "c10::Half", "float32": "float", "float64": "double"}.get(dt.name, f"{dt.name}_t")
    return RuntimeError(f"value cannot be converted to type {name} without overflow (value {v!r})")


def _same_dtype(op, dst, src):
    """PyTorch's rule for ops that write a tensor into another: the dtypes must match."""
    if src.dtype != dst.dtype:
        raise RuntimeError(f"{op}: self and source expected to have the same dtype, but got (self) "
                           f"{_TORCH_NAMES.get(dst.dtype.name, dst.dtype.name)} and (source) "
                           f"{_TORCH_NAMES.get(src.dtype.name, src.dtype.name)}")


def _strip_ones(v, ndim):
    """Drop leading size-1 dims beyond ``ndim`` (PyTorch accepts ``x[0] = v`` with v of shape (1, 1, n))."""
    while v.ndim > ndim and v.shape[0] == 1:
        v = v[0]
    return v


def _along_key(xp, idx, dim):
    """The advanced key that picks ``a[i_0, ..., idx[i], ..., i_n]`` for every position ``i`` of ``idx``."""
    nd = idx.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            key.append(xp.arange(idx.shape[d]).reshape(shape))
    return tuple(key)


def _check_range(idx, size, dim, low=0, exc=RuntimeError):
    """PyTorch's bounds error, raised before numpy wraps negative indices (or CuPy clips them)."""
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if hi >= size or lo < low:
        raise exc(f"index {hi if hi >= size else lo} is out of bounds for dimension {dim} with size {size}")


def _index_arg(index, op, kinds=_INDEX_KINDS):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.name not in kinds:
        want = "int32/int64" if len(kinds) == 2 else "int64"
        raise RuntimeError(f"{op}(): Expected dtype {want} for index")
    return index._data


def _zeros(like, shape):
    return _backend.array_module(like).zeros(shape, dtype=like.dtype)


# ---- the two primitives -------------------------------------------------------------------------
def _reshape(x, shape):
    """Differentiable reshape (private; the public one lives in ``ops/shape.py``)."""
    src = x._data.shape
    out = _wrap(x._data.reshape(shape))
    if x._rg and grad_mode.enabled:
        record(out, "ViewBackward0", lambda g: (_reshape(g, src),), (x,))
    return out


def _take(x, key, unique=False):
    """``x[key]`` as a new tensor; ``unique`` says no position repeats (so backward can assign)."""
    try:
        arr = x._data[key]
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    if arr.base is not None and not isinstance(arr, np.generic) and all(not hasattr(k, "ndim") for k in key):
        arr = arr.copy()   # a basic key gives a view; callers here want their own storage
    out = _wrap(arr)
    if x._rg and grad_mode.enabled:
        shape = x._data.shape
        record(out, "IndexBackward0",
               lambda g: (_put(_wrap(_zeros(g._data, shape)), key, g, accumulate=not unique),), (x,))
    return out


def _put(x, key, v, accumulate=False):
    """A copy of ``x`` with ``x[key] = v`` (or ``+= v``); ``v`` is a Tensor or a number."""
    xa = x._data
    out = xa.copy()
    xp = _backend.array_module(xa)
    va = v._data if isinstance(v, Tensor) else v
    if hasattr(va, "dtype") and va.dtype != xa.dtype:
        va = va.astype(xa.dtype)
    try:
        if accumulate:
            if not hasattr(va, "ndim"):
                va = xp.asarray(va, dtype=xa.dtype)
            if va.ndim > 1 and va.shape[0] == 1:
                va = _strip_ones(va, out[key].ndim)
            _index_add_array(xp, out, key, va)
        else:
            out[key] = va
    except ValueError:
        raise _value_shape_error(va, out[key].shape) from None
    r = _wrap(out)
    if grad_mode.enabled and (x._rg or _rg(v)):
        rx, rv = x._rg, _rg(v)

        def backward(g):
            gx = (g if accumulate else _put(g, key, 0)) if rx else None
            gv = _value_grad(_take(g, key), v) if rv else None
            return gx, gv
        record(r, "IndexPutBackward0", backward, (x, v))
    return r


def _value_grad(g, v):
    """``g`` (shaped like the indexed region) summed back to the value's shape and dtype."""
    shape = v._data.shape
    if len(shape) > g._data.ndim:   # leading size-1 dims that assignment dropped
        return _reshape(grad_for(g, _wrap(v._data.reshape(shape[len(shape) - g._data.ndim:]))), shape)
    return grad_for(g, v)


def _value_shape_error(v, shape):
    vs = list(getattr(v, "shape", ()))
    return RuntimeError(f"shape mismatch: value tensor of shape {vs} cannot be broadcast to indexing result "
                        f"of shape {list(shape)}")


# ---- x[key] -------------------------------------------------------------------------------------
def _index_array(x, k, arr):
    """An index given as a Tensor/array/list, checked, on ``x``'s device."""
    if arr.dtype.kind == "f" and arr.size == 0:
        arr = arr.astype(np.int64)   # x[[]] selects nothing
    if arr.dtype.name not in _KEY_DTYPES:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.dtype == np.uint8:
        arr = arr.astype(np.bool_)   # PyTorch reads byte tensors as masks
    xd = x._data
    if type(arr) is not type(xd):
        if _backend.is_cuda_array(arr):
            raise IndexError(f"indices should be either on cpu or on the same device as the indexed tensor "
                             f"({x.device})")
        arr = _backend.to_device(arr, x.device)
    return arr


def _parse_key(x, key):
    """Split ``key`` into (basic, adv): ``basic`` (ints, slices, None; a view) is applied first, then
    ``adv`` (slices and index arrays, or None when there are none) on the result."""
    if type(key) is not tuple:
        key = (key,)
    ndim = x._data.ndim
    items = []
    used = 0
    ell = False
    for k in key:
        if k is None:
            items.append(None)
        elif k is Ellipsis:
            if ell:
                raise IndexError("an index can only have a single ellipsis ('...')")
            items.append(k)
            ell = True
        elif isinstance(k, slice):
            if k.step is not None:
                step = operator.index(k.step)
                if step <= 0:
                    raise ValueError("step must be greater than zero" if step < 0 else "slice step cannot be zero")
            if isinstance(k.start, Tensor) or isinstance(k.stop, Tensor) or isinstance(k.step, Tensor):
                k = slice(*(None if s is None else operator.index(s) for s in (k.start, k.stop, k.step)))
            items.append(k)
            used += 1
        elif isinstance(k, bool):
            items.append(_index_array(x, k, np.asarray(k)))   # a new dim of size 1 (True) or 0 (False)
        elif isinstance(k, (int, np.integer)):
            items.append(int(k))
            used += 1
        else:
            if isinstance(k, Tensor):
                arr = k._data
                if arr.ndim == 0 and arr.dtype.kind in "i":
                    items.append(int(arr))   # a 0-d integer tensor acts as an int
                    used += 1
                    continue
            elif isinstance(k, (list, tuple, range)):
                arr = np.asarray([a._data.item() if isinstance(a, Tensor) else a for a in k]
                                 if any(isinstance(a, Tensor) for a in k) else k)
            elif isinstance(k, np.ndarray) or _backend.is_cuda_array(k):
                arr = k
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                                 f"are valid indices (got {type(k).__name__})")
            arr = _index_array(x, k, arr)
            items.append(arr)
            used += arr.ndim if arr.dtype == np.bool_ else 1
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv = [], []
    has_adv = False
    d = 0   # dimension of x that the next item indexes
    for k in items:
        if k is None:
            basic.append(None)
            adv.append(_FULL)
        elif k is Ellipsis:
            n = ndim - used
            basic.extend([_FULL] * n)
            adv.extend([_FULL] * n)
            d += n
        elif type(k) is int:
            size = x._data.shape[d]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {d} with size {size}")
            basic.append(k)
            d += 1
        elif type(k) is slice:
            basic.append(k)
            adv.append(_FULL)
            d += 1
        else:
            has_adv = True
            n = k.ndim if k.dtype == np.bool_ else 1
            if k.dtype == np.bool_:
                _check_mask(x, k, d)
            basic.extend([_FULL] * n)
            adv.append(k)
            d += n
    basic.append(Ellipsis)   # so that indexing every dim gives a 0-d view, not a numpy scalar
    if not has_adv:
        return tuple(basic), None
    while adv and adv[-1] is _FULL:
        adv.pop()
    if all(b is _FULL for b in basic[:-1]):
        return None, tuple(adv)
    return tuple(basic), tuple(adv)


def _check_mask(x, m, d):
    shape = x._data.shape
    for i, s in enumerate(m.shape):
        if d + i >= len(shape) or shape[d + i] != s:
            raise IndexError(f"The shape of the mask {list(m.shape)} at index {i} does not match the shape of the "
                             f"indexed tensor {list(shape)} at index {d + i}")


def _basic_index(x, key):
    """``x[key]`` for a key of ints, slices and None: a view sharing ``x``'s storage."""
    out = make_view(x, x._data[key], lambda t: _basic_index(t, key))
    if x._rg and grad_mode.enabled:
        shape = x._data.shape
        record(out, "SliceBackward0", lambda g: (_put(_wrap(_zeros(g._data, shape)), key, g),), (x,))
    return out


def _check_adv_bounds(x, adv):
    """CuPy wraps out-of-range indices silently; check them (numpy raises by itself)."""
    d = 0
    for k in adv:
        if hasattr(k, "dtype") and k.dtype != np.bool_:
            _check_range(k, x._data.shape[d], d, low=-x._data.shape[d], exc=IndexError)
        d += k.ndim if hasattr(k, "dtype") and k.dtype == np.bool_ else 1


def getitem(self, key):
    """``x[key]`` with PyTorch semantics: ints/slices/None/``...`` give a view, index tensors a copy.

    Example::

        >>> x = zoo_core.arange(12).reshape(3, 4)
        >>> x[1:, [0, 2]]
        tensor([[ 4,  6],
                [ 8, 10]])
    """
    basic, adv = _parse_key(self, key)
    x = self if basic is None else _basic_index(self, basic)
    if adv is None:
        return x
    if _backend.is_cuda_array(x._data):
        _check_adv_bounds(x, adv)
    unique = all(not hasattr(k, "dtype") or k.dtype == np.bool_ for k in adv)
    return _take(x, adv, unique=unique)


def setitem(self, key, value):
    """``x[key] = value`` in place; differentiable with respect to ``x``'s old values and ``value``."""
    basic, adv = _parse_key(self, key)
    if isinstance(value, Tensor):
        if value.device != self.device:
            if value._data.ndim == 0:
                value = value.to(self.device)
            else:
                from ..tensor import check_same_device
                check_same_device("setitem", self, value)
    elif isinstance(value, (int, float, bool, np.number, np.bool_)):
        value = _scalar_for(value, self._data.dtype, half_saturates=True)
    else:   # as PyTorch: lists and arrays are not converted implicitly
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()} (wrap the value in a tensor)")
    if adv is not None and _backend.is_cuda_array(self._data):
        _check_adv_bounds(_wrap(self._data[basic]) if basic is not None else self, adv)
    if grad_mode.enabled and (self._rg or _rg(value)):
        if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        if adv is None:
            result = _put(self, basic, value)
        elif basic is None:
            result = _put(self, adv, value)
        else:   # the two steps: a differentiable view, updated, then written back into the whole
            result = _put(self, basic, _put(_basic_index(self, basic), adv, value))
        inplace_update(self, result, "setitem")
        return
    data = self._data
    if not _backend.writeable(data):
        inplace_update(self, self, "setitem")   # raises its error about expanded tensors
    va = value._data if isinstance(value, Tensor) else value
    if adv is None:
        target, k = data, basic
    else:
        target, k = (data, adv) if basic is None else (data[basic], adv)
    try:
        if getattr(va, "ndim", 0) > 1 and va.shape[0] == 1:
            va = _strip_ones(va, target[k].ndim)
        target[k] = va
    except ValueError:
        raise _value_shape_error(va, target[k].shape) from None
    _bump(self)


# ---- take / nonzero / diagonal / index_put ------------------------------------------------------
def take(input, index):
    """``input`` read as 1-d at positions ``index``; the result has ``index``'s shape."""
    idx = _index_arg(index, "take", ("int64",))
    n = input._data.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if hi >= n or lo < -n:
            raise IndexError(f"out of range: tried to access index {hi if hi >= n else lo} on a tensor of {n} "
                             "elements.")
    return _take(_reshape(input, (-1,)), (idx,))


def nonzero(input, *, as_tuple=False):
    """The positions of the nonzero entries: an int64 ``(n, ndim)`` tensor, or one 1-d tensor per dim.

    Example::

        >>> zoo_core.nonzero(zoo_core.tensor([[1, 0], [0, 2]]))
        tensor([[0, 0],
                [1, 1]])
    """
    x = input._data
    xp = _backend.array_module(x)
    if as_tuple:
        return tuple(_wrap(a.astype(np.int64, copy=False)) for a in xp.nonzero(x.reshape(1) if x.ndim == 0 else x))
    return _wrap(xp.argwhere(x).astype(np.int64, copy=False))


def argwhere(input):
    """``nonzero(input)``: an int64 ``(n, ndim)`` tensor of positions."""
    return nonzero(input)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the diagonal along ``dim1``/``dim2`` (moved to the last dim); ``offset`` > 0 is above."""
    x = input._data
    d1 = _wrap_dim(dim1, x.ndim, "diagonal")
    d2 = _wrap_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    sub = [_FULL] * x.ndim
    n1, n2 = x.shape[d1], x.shape[d2]
    if offset >= 0:
        sub[d2] = slice(min(offset, n2), None)
        length = max(min(n1, n2 - offset), 0)
    else:
        sub[d1] = slice(min(-offset, n1), None)
        length = max(min(n1 + offset, n2), 0)
    s = x[tuple(sub)]
    rest = [d for d in range(x.ndim) if d not in (d1, d2)]
    shape = tuple(x.shape[d] for d in rest) + (length,)
    strides = tuple(s.strides[d] for d in rest) + (s.strides[d1] + s.strides[d2],)
    arr = _backend.array_module(x).lib.stride_tricks.as_strided(s, shape, strides)
    out = make_view(input, arr, lambda t: diagonal(t, offset, d1, d2))
    if input._rg and grad_mode.enabled:
        full = x.shape
        record(out, "DiagonalBackward0", lambda g: (_diag_scatter(g, full, offset, d1, d2),), (input,))
    return out


def _diag_scatter(g, shape, offset, d1, d2):
    """Zeros of ``shape`` with ``g`` on the diagonal (the backward of ``diagonal``)."""
    z = _wrap(_zeros(g._data, shape))
    with grad_mode.no_grad():
        diagonal(z, offset, d1, d2)._data[...] = g._data
    if g._rg and grad_mode.enabled:
        record(z, "DiagonalBackwardBackward0", lambda gg: (diagonal(gg, offset, d1, d2),), (g,))
    return z


def _indices_key(self, indices, op):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' must be a tuple of Tensors")
    return tuple(_FULL if i is None else _index_array(self, i, i._data) for i in indices)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``input[indices] = values`` (``+=`` with ``accumulate``, repeats adding up)."""
    key = _indices_key(input, indices, "index_put")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
    return _put(input, key, values, accumulate=accumulate)


def _inplace(fn, name):
    """``x.op_(...)``: the out-of-place result (with its graph) written into x's storage."""
    def method(self, *args, **kwargs):
        return inplace_update(self, fn(self, *args, **kwargs), name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


index_put_ = _inplace(index_put, "index_put_")

__all__ = ["index_put", "index_put_", "take", "nonzero", "argwhere", "diagonal"]

Tensor.__getitem__, Tensor.__setitem__ = getitem, setitem
Tensor.index_put, Tensor.index_put_ = index_put, index_put_
Tensor.take, Tensor.diagonal = take, diagonal
Tensor.nonzero, Tensor.argwhere = nonzero, argwhere

# the gather/scatter family lives in its own module; re-exported here (one import line in zoo_core)
from .scatter import *  # noqa: E402,F401,F403
from .scatter import __all__ as _scatter_all  # noqa: E402

__all__ += _scatter_all
