"""Copies that rearrange elements: ``repeat``, ``tile``, ``flip`` (``fliplr``/``flipud``), ``roll``.

Part of the shape family (see ``shape.py``, which re-exports these names). Unlike the views there, these
return new storage, as in PyTorch.
"""
from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from ._util import sum_to
from .shape import _dim_list, _ints


def repeat(input, *sizes):
    """A copy tiled ``sizes[i]`` times along each dim (extra leading sizes add dims).

    Example::

        >>> zoo_core.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    arr = input._data
    sizes = _ints(sizes, "repeat")
    if len(sizes) < arr.ndim:
        raise RuntimeError(
            f"repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            f"tensor (repeat dims {list(sizes)}, tensor shape {list(arr.shape)})")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension: {list(sizes)}")
    shp = arr.shape
    src = (1,) * (len(sizes) - arr.ndim) + shp   # the input with the new leading dims
    y = _wrap(_backend.array_module(arr).tile(arr.reshape(src), sizes))
    if input._rg and grad_mode.enabled:
        k = len(sizes)
        split = tuple(v for r, s in zip(sizes, src) for v in (r, s))
        order = tuple(range(0, 2 * k, 2)) + tuple(range(1, 2 * k, 2))

        def backward(g):   # (r0*s0, r1*s1, ..) -> (r0, s0, r1, s1, ..) -> (r0, r1, .., s0, s1, ..) -> sum
            return (sum_to(g.reshape(split).permute(order), src).reshape(shp),)
        record(y, "RepeatBackward0", backward, (input,))
    return y


def tile(input, *dims):
    """``repeat`` where missing leading ``dims`` count as 1.

    Example::

        >>> zoo_core.ones(2, 3).tile(2).shape
        zoo_core.Size([2, 6])
    """
    dims = _ints(dims, "tile", "dims")
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def flip(input, *dims):
    """A copy with the order of elements reversed along ``dims``.

    Example::

        >>> zoo_core.tensor([1, 2, 3]).flip(0)
        tensor([3, 2, 1])
    """
    arr = input._data
    dims = tuple(_wrap_dim(d, arr.ndim, "flip") for d in _ints(dims, "flip", "dims"))
    if len(set(dims)) != len(dims):
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"flip: dim {d} appears multiple times in the list of dims {list(dims)}")
    xp = _backend.array_module(arr)
    y = _wrap(xp.ascontiguousarray(xp.flip(arr, axis=dims)) if dims and arr.ndim else arr.copy())
    if input._rg and grad_mode.enabled:
        record(y, "FlipBackward0", lambda g: (flip(g, dims),), (input,))
    return y


def fliplr(input):
    """Flip dim 1 (left/right) of a tensor with at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d (got shape {list(input._data.shape)}).")
    return flip(input, 1)


def flipud(input):
    """Flip dim 0 (up/down) of a tensor with at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, 0)


def roll(input, shifts, dims=None):
    """A copy with elements shifted circularly by ``shifts`` along ``dims`` (flattened when None).

    Example::

        >>> zoo_core.tensor([1, 2, 3, 4]).roll(1)
        tensor([4, 1, 2, 3])
    """
    arr = input._data
    shifts = _ints((shifts,), "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts must be a single int when dims is None (got {list(shifts)})")
        axis = None
    else:
        if arr.ndim == 0:
            raise IndexError(f"roll: Dimension specified as {dims} but tensor has no dimensions")
        axis = tuple(_dim_list(dims, arr.ndim, "roll"))
        if len(axis) != len(shifts):
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(axis)}")
    xp = _backend.array_module(arr)
    y = _wrap(xp.roll(arr, shifts if axis is not None else shifts[0], axis=axis))
    if input._rg and grad_mode.enabled:
        back = tuple(-s for s in shifts)
        record(y, "RollBackward0", lambda g: (roll(g, back, axis),), (input,))
    return y


__all__ = ["repeat", "tile", "flip", "fliplr", "flipud", "roll"]

Tensor.repeat, Tensor.tile = repeat, tile
Tensor.flip, Tensor.fliplr, Tensor.flipud, Tensor.roll = flip, fliplr, flipud, roll
