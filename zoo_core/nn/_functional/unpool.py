"""``max_unpool1d/2d/3d``: the partial inverse of ``max_pool1d/2d/3d(return_indices=True)`` — every value goes
back to the flat position (per (N, C) plane) its index names, the rest of the output is zero.

Primitives on (planes, positions) arrays: ``_scatter`` (the unpool) and ``_gather`` (its backward, as in
PyTorch: each input gets the gradient at its index), whose backward is the accumulating ``_scatter``.
"""
import math

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.conv import _pair, _triple
from ...ops.indexing import _ufunc_at
from ...ops.misc import _TORCH_NAMES
from ...tensor import _wrap, check_same_device

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _scatter(x, flat, size, add):
    """(P, K) values -> (P, size): ``out[p, flat[p, k]] = x[p, k]`` (``add``: ``+=``, repeats accumulate;
    otherwise one of the repeated values is kept, as PyTorch)."""
    xa = x._data
    xp = _backend.array_module(xa)
    out = xp.zeros((xa.shape[0], size), dtype=xa.dtype)
    rows = xp.arange(xa.shape[0])[:, None]
    if add:
        _ufunc_at(xp, np.add, out.reshape(-1), ((rows * size + flat).reshape(-1),), xa.reshape(-1))
    else:
        out[rows, flat] = xa
    y = _wrap(out)
    if x._rg and grad_mode.enabled:
        record(y, "MaxUnpool2DBackward0", lambda g: (_gather(g, flat, size),), (x,))
    return y


def _gather(g, flat, size):
    """(P, size) -> (P, K): ``out[p, k] = g[p, flat[p, k]]``."""
    ga = g._data
    y = _wrap(_backend.array_module(ga).take_along_axis(ga, flat, axis=1))
    if g._rg and grad_mode.enabled:
        record(y, "MaxPool2DWithIndicesBackwardBackward0", lambda gg: (_scatter(gg, flat, size, True),), (g,))
    return y


def _output_size(spatial, kernel_size, stride, padding, output_size):
    """PyTorch's ``_unpool_output_size``: the default ``(in - 1) * stride + kernel - 2 * padding``, or
    ``output_size`` (with or without its (N, C) dims) when it is within one stride of the default."""
    default = [(i - 1) * s + k - 2 * p for i, k, s, p in zip(spatial, kernel_size, stride, padding)]
    if output_size is None:
        size = default
    else:
        output_size = [int(v) for v in output_size]
        if len(output_size) == len(kernel_size) + 2:
            output_size = output_size[2:]
        if len(output_size) != len(kernel_size):
            raise ValueError(f"output_size should be a sequence containing {len(kernel_size)} or "
                             f"{len(kernel_size) + 2} elements, but it has a length of '{len(output_size)}'")
        for d, (o, dflt, s) in enumerate(zip(output_size, default, stride)):
            if not dflt - s < o < dflt + s:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {dflt - s} and '
                                 f'{dflt + s})')
        size = output_size
    for d, o in enumerate(size):
        if o < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={o}")
    return size


def _check_dims(op, input, nd):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to {op} should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor with "
                           f"{input.dim()} dimensions.")


def _unpool(input, indices, size):
    """Unpool an (N, C, *spatial) or (C, *spatial) input into ``size`` (the output's spatial dims)."""
    xa, ia = input._data, indices._data
    check_same_device("max_unpool", input, indices)
    if ia.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {_TORCH_NAMES[ia.dtype.name]}")
    if ia.shape != xa.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(xa.shape)}) "
                           f"but got indices tensor with shape: {list(ia.shape)}")
    nd = len(size)
    lead = xa.shape[:xa.ndim - nd]                                        # (N, C) or (C,)
    plane = math.prod(size)
    flat = ia.reshape(math.prod(lead), math.prod(xa.shape[xa.ndim - nd:]))   # (N*C, K) positions per plane
    if flat.size:
        lo, hi = int(flat.min()), int(flat.max())
        if lo < 0 or hi >= plane:
            raise RuntimeError(f"Found an invalid max index: {lo if lo < 0 else hi} (output volumes are of size "
                               f"{'x'.join(map(str, size))})")
    y = _scatter(input.reshape(flat.shape), flat, plane, False)          # (N*C, prod(size))
    return y.reshape(*lead, *size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool2d(..., return_indices=True)``: (N, C, H, W) or (C, H, W) values at their flat
    ``indices`` into a zero (N, C, H_out, W_out) output (``output_size`` picks it when pooling rounded down).

    Example::

        >>> x = zoo_core.tensor([[[[1., 2.], [3., 4.]]]])
        >>> y, i = F.max_pool2d(x, 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2)
        tensor([[[[0., 0.],
                  [0., 4.]]]])
    """
    k = _pair(kernel_size, "kernel_size", "max_unpool2d")
    s = _pair(stride if stride is not None else kernel_size, "stride", "max_unpool2d")
    p = _pair(padding, "padding", "max_unpool2d")
    _check_dims("max_unpooling2d", input, 2)
    return _unpool(input, indices, _output_size(input.shape[-2:], k, s, p, output_size))


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool3d(..., return_indices=True)``: (N, C, D, H, W) or (C, D, H, W) values at their flat
    (D*H*W) ``indices`` into a zero (N, C, D_out, H_out, W_out) output.

    Example::

        >>> y, i = F.max_pool3d(zoo_core.arange(8.).view(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(y, i, 2).flatten().tolist()
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    """
    k = _triple(kernel_size, "kernel_size", "max_unpool3d")
    s = _triple(stride if stride is not None else kernel_size, "stride", "max_unpool3d")
    p = _triple(padding, "padding", "max_unpool3d")
    _check_dims("max_unpooling3d", input, 3)
    return _unpool(input, indices, _output_size(input.shape[-3:], k, s, p, output_size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool1d(..., return_indices=True)``: (N, C, L) or (C, L) values into (N, C, L_out).

    Example::

        >>> y, i = F.max_pool1d(zoo_core.tensor([[[1., 3., 2., 0.]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 3., 2., 0.]]])
    """
    k, s, p = _single(kernel_size), _single(stride if stride is not None else kernel_size), _single(padding)
    _check_dims("max_unpooling1d", input, 1)
    return _unpool(input, indices, _output_size(input.shape[-1:], k, s, p, output_size))


def _single(v):
    return (v,) if isinstance(v, int) else tuple(v)[:1]
