"""Ops that build or read structured layouts: ``repeat_interleave``, ``diag``/``diag_embed``/``diagflat``/
``trace``, ``tril_indices``/``triu_indices``, ``unravel_index``, ``meshgrid``, ``rot90`` and ``cross``
(also ``linalg.cross``).

Gradients reuse the differentiable primitives of the indexing family: ``repeat_interleave`` is a gather
(its backward a scatter-add), ``diag_embed``'s backward is ``diagonal``, ``meshgrid`` returns expanded
views. Names are re-exported by ``ops/misc.py``.
"""
import operator
import warnings

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Size, Tensor, _wrap, _wrap_dim, check_same_device
from ._util import broadcast_error, grad_for
from .creation import _on
from .indexing import _FULL, _take, diagonal
from .misc import _need_tensor

_index = operator.index


# ---- repeat_interleave ---------------------------------------------------------------------------
def _repeat_index(xp, n, repeats, op):
    """The gather index that repeats each of ``n`` positions ``repeats`` times (int or int array)."""
    if not hasattr(repeats, "ndim"):
        return xp.repeat(xp.arange(n, dtype=np.int64), repeats)
    if repeats.size and bool((repeats < 0).any()):
        raise RuntimeError(f"{op}: repeats can not be negative (got {repeats.tolist()})")
    # searchsorted over the running total instead of xp.repeat: CuPy's repeat takes no array of counts
    ends = xp.cumsum(repeats.astype(np.int64))
    total = int(ends[-1]) if n else 0
    return xp.searchsorted(ends, xp.arange(total, dtype=np.int64), side="right")


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or each slice along ``dim``) ``repeats`` times: an int, or a 1-D integer
    tensor of per-position counts. Without ``dim`` the input is flattened first. With only a 1-D tensor
    ``r`` (``repeat_interleave(r)``) the result is ``[0]*r[0] + [1]*r[1] + ...``.

    Example::

        >>> zoo_core.tensor([[1, 2], [3, 4]]).repeat_interleave(zoo_core.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
    """
    _need_tensor("repeat_interleave", "input", 1, input)
    if repeats is None:
        r = input._data
        if r.ndim != 1:
            raise RuntimeError(f"repeat_interleave only accept 1D vector as repeat (got shape {list(r.shape)})")
        if r.dtype.kind not in "iu":
            raise NotImplementedError(f"repeat_interleave: repeats must be an integer tensor, got {input.dtype}")
        xp = _backend.array_module(r)
        return _wrap(_repeat_index(xp, r.shape[0], r, "repeat_interleave"))
    if dim is None or input._data.ndim == 0:
        if dim is not None:
            _wrap_dim(dim, 0, "repeat_interleave")
        input = input.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, input._data.ndim, "repeat_interleave")
    x = input._data
    xp = _backend.array_module(x)
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        ra = repeats._data
        if ra.dtype.kind not in "iu":
            raise NotImplementedError(f"repeat_interleave: repeats must be an integer tensor, got {repeats.dtype}")
        if ra.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor (got shape "
                               f"{list(ra.shape)})")
        if type(ra) is not type(x):
            check_same_device("repeat_interleave", input, repeats)
        if ra.size == 1:
            repeats = int(ra.reshape(()))
        elif ra.shape[0] != n:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {ra.shape[0]} and input.size({d}) = {n}")
        else:
            repeats = ra
    if not hasattr(repeats, "ndim"):
        repeats = _index(repeats)
        if repeats < 0:
            raise RuntimeError(f"repeat_interleave: Repeats must be non-negative (got {repeats})")
    idx = _repeat_index(xp, n, repeats, "repeat_interleave")
    if output_size is not None and _index(output_size) != idx.shape[0]:
        raise RuntimeError(f"repeat_interleave: allocated size does not match required size (output_size="
                           f"{output_size}, but the repeats sum to {idx.shape[0]})")
    return _take(input, (_FULL,) * d + (idx,))


# ---- diagonals -----------------------------------------------------------------------------------
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (``offset``, in the plane of ``dim1``/``dim2``) hold the last dim of
    ``input``; zeros elsewhere.

    Example::

        >>> zoo_core.diag_embed(zoo_core.tensor([[1, 2], [3, 4]]))
        tensor([[[1, 0],
                 [0, 2]],
        <BLANKLINE>
                [[3, 0],
                 [0, 4]]])
    """
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("diag_embed: expected a tensor with at least 1 dimension, got a 0-d tensor")
    nd = x.ndim + 1
    d1 = _wrap_dim(dim1, nd, "diag_embed")
    d2 = _wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _index(offset)
    n = x.shape[-1] + abs(offset)
    rest = list(x.shape[:-1])
    shape = tuple(n if i in (d1, d2) else rest.pop(0) for i in range(nd))
    z = _backend.array_module(x).zeros(shape, dtype=x.dtype)
    with grad_mode.no_grad():
        diagonal(_wrap(z), offset, d1, d2)._data[...] = x
    y = _wrap(z)
    if input._rg and grad_mode.enabled:
        record(y, "DiagEmbedBackward0", lambda g: (diagonal(g, offset, d1, d2),), (input,))
    return y


def diag(input, diagonal=0):
    """1-D input: the square matrix with ``input`` on its ``diagonal``-th diagonal. 2-D input: that
    diagonal as a new 1-D tensor (``diagonal`` > 0 is above the main one).

    Example::

        >>> zoo_core.diag(zoo_core.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
    """
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return _diagonal(input, _index(diagonal), 0, 1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D (shape {list(input._data.shape)})")


_diagonal = diagonal


def trace(input):
    """The sum of the main diagonal of a matrix (integers sum to int64).

    Example::

        >>> zoo_core.trace(zoo_core.tensor([[1., 2.], [3., 4.]]))
        tensor(5.)
    """
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim} (shape {list(x.shape)})")
    if x.dtype == np.bool_:
        raise NotImplementedError("trace: not implemented for 'Bool'; convert the tensor to an integer dtype")
    return _diagonal(input, 0, 0, 1).sum()


def _tri_indices(name, row, col, offset, dtype, device):
    row, col, offset = _index(row), _index(col), _index(offset)
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}: row and col must be non-negative, got row={row}, col={col}")
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    fn = "tril_indices" if name == "tril_indices" else "triu_indices"
    return _wrap(_on(_backend.resolve_device(device),
                     lambda xp: xp.stack(getattr(xp, fn)(row, offset, col)).astype(dt.np).reshape(2, -1)))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle (on and below diagonal ``offset``) of a
    ``row`` x ``col`` matrix, row by row.

    Example::

        >>> zoo_core.tril_indices(3, 3)
        tensor([[0, 1, 1, 2, 2, 2],
                [0, 0, 1, 0, 1, 2]])
    """
    return _tri_indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle (on and above diagonal ``offset``), row by row.

    Example::

        >>> zoo_core.triu_indices(3, 3)
        tensor([[0, 0, 0, 1, 1, 2],
                [0, 1, 2, 1, 2, 2]])
    """
    return _tri_indices("triu_indices", row, col, offset, dtype, device)


def diagflat(input, offset=0):
    """The square matrix with the flattened ``input`` on its ``offset``-th diagonal.

    Example::

        >>> zoo_core.diagflat(zoo_core.tensor([[1, 2]]))
        tensor([[1, 0],
                [0, 2]])
    """
    _need_tensor("diagflat", "input", 1, input)
    return diag_embed(input.reshape(-1), _index(offset), 0, 1)


def unravel_index(indices, shape):
    """The coordinates in a tensor of ``shape`` of the flat ``indices`` (C order), as a tuple of int64
    tensors shaped like ``indices``. Like PyTorch, out-of-range and negative indices wrap around.

    Example::

        >>> zoo_core.unravel_index(zoo_core.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): expected 'indices' to be a Tensor, got {type(indices).__name__}")
    a = indices._data
    if a.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    elif isinstance(shape, (list, tuple, Size)):
        shape = tuple(_index(s) for s in shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape).__name__}")
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    xp = _backend.array_module(a)
    a = a.astype(np.int64)
    out, stride = [], 1
    for s in reversed(shape):     # floor division and modulo wrap negative indices, as PyTorch
        out.append(_wrap((a // stride) % s if s else xp.zeros(a.shape, np.int64)))
        stride *= s
    return tuple(reversed(out))


def rot90(input, k=1, dims=(0, 1)):
    """``input`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the
    second dim (a copy; differentiable).

    Example::

        >>> zoo_core.rot90(zoo_core.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    _need_tensor("rot90", "input", 1, input)
    dims = list(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _wrap_dim(dims[0], nd, "rot90"), _wrap_dim(dims[1], nd, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k = _index(k) % 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


# ---- meshgrid ------------------------------------------------------------------------------------
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with ``indexing="ij"`` output ``i`` varies along dim ``i``;
    ``"xy"`` swaps the first two dims (Cartesian). The outputs are expanded views of the inputs.

    Like PyTorch it warns when ``indexing`` is not given, and then uses ``"ij"``.

    Example::

        >>> gx, gy = zoo_core.meshgrid(zoo_core.tensor([1, 2]), zoo_core.tensor([3, 4, 5]), indexing="ij")
        >>> gx.shape
        zoo_core.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument. (zoo_core uses indexing='ij', as PyTorch does today)", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    first = tensors[0]
    for i, t in enumerate(tensors):
        _need_tensor("meshgrid", f"tensors[{i}]", 1, t)
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor "
                               f"of shape {list(t._data.shape)} at position {i}")
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype (got {first.dtype} at "
                               f"position 0 and {t.dtype} at position {i})")
        if type(t._data) is not type(first._data) or t.device != first.device:
            check_same_device("meshgrid", first, t)
    sizes = [t._data.size for t in tensors]
    n = len(tensors)
    swap = indexing == "xy" and n >= 2
    shape = list(sizes)
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        pos = 1 - i if swap and i < 2 else i
        view_shape = [1] * n
        view_shape[pos] = sizes[i]
        out.append(t.reshape(view_shape).expand(shape))
    return tuple(out)


# ---- cross ---------------------------------------------------------------------------------------
_ROT1, _ROT2 = [1, 2, 0], [2, 0, 1]


def _cross_core(a, b, d):
    """``a x b`` along dim ``d`` for validated, broadcastable tensors (differentiable)."""
    xa, xb = a._data, b._data
    xp = _backend.array_module(xa)
    r1 = xp.asarray(_ROT1) if xp is not np else _ROT1
    r2 = xp.asarray(_ROT2) if xp is not np else _ROT2
    y = _wrap(xp.take(xa, r1, axis=d) * xp.take(xb, r2, axis=d) - xp.take(xa, r2, axis=d) * xp.take(xb, r1, axis=d))
    if grad_mode.enabled and (a._rg or b._rg):
        def backward(g):   # d(a x b) . g: a gets b x g, b gets g x a
            return (grad_for(_cross_core(b, g, d), a) if a._rg else None,
                    grad_for(_cross_core(g, a, d), b) if b._rg else None)
        record(y, "LinalgCrossBackward0", backward, (a, b), (a, b))
    return y


def _cross(input, other, dim, op):
    _need_tensor(op, "input", 1, input)
    _need_tensor(op, "other", 2, other)
    xa, xb = input._data, other._data
    if xa.ndim != xb.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions (got shapes {list(xa.shape)} "
                           f"and {list(xb.shape)})")
    if xa.dtype != xb.dtype:
        raise RuntimeError(f"{op}: expected input and other to have the same dtype, but got {input.dtype} and "
                           f"{other.dtype}")
    if type(xa) is not type(xb) or input.device != other.device:
        check_same_device(op, input, other)
    if xa.dtype.kind == "b":
        raise NotImplementedError(f"\"{op}\" not implemented for 'Bool'")
    if xa.ndim == 0:
        raise RuntimeError(f"{op}: inputs must have at least 1 dimension (got 0-d tensors)")
    d = _wrap_dim(dim, xa.ndim, op)
    if xa.shape[d] != 3 or xb.shape[d] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got {xa.shape[d]} and {xb.shape[d]}")
    try:
        np.broadcast_shapes(xa.shape, xb.shape)
    except ValueError:
        raise broadcast_error(op, xa, xb) from None
    return _cross_core(input, other, d)


def cross(input, other, dim=None):
    """The 3-D cross product along ``dim`` (batch dims broadcast). Without ``dim``, as PyTorch (with a
    deprecation warning), the first dim of size 3 of ``input``; ``linalg.cross`` defaults to -1.

    Example::

        >>> zoo_core.cross(zoo_core.tensor([1., 0., 0.]), zoo_core.tensor([0., 1., 0.]), dim=0)
        tensor([0., 0., 1.])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
                      "agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = input._data.shape if isinstance(input, Tensor) else ()
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shape {list(shape)}); pass dim=")
    return _cross(input, other, dim, "linalg.cross")


def linalg_cross(input, other, *, dim=-1):
    """``zoo_core.linalg.cross``: the cross product along ``dim`` (default the last)."""
    return _cross(input, other, dim, "linalg.cross")


__all__ = ["repeat_interleave", "diag", "diag_embed", "trace", "tril_indices", "triu_indices", "meshgrid",
           "cross", "diagflat", "unravel_index", "rot90"]

Tensor.repeat_interleave, Tensor.diag, Tensor.diag_embed, Tensor.trace = repeat_interleave, diag, diag_embed, trace
Tensor.diagflat, Tensor.rot90 = diagflat, rot90
Tensor.cross = cross
