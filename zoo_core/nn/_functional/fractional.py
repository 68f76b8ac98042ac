"""``fractional_max_pool2d/3d`` (Graham 2014, "Fractional Max-Pooling"): max pooling over windows whose start
positions follow a pseudo-random increasing sequence, one per (sample, channel) plane and spatial dim.

The window starts are PyTorch's ``generate_intervals`` formula, computed in the input's dtype (as its kernel
does, so float32 rounding agrees and a given ``_random_samples`` gives exactly PyTorch's output)::

    alpha = (input_size - pool_size) / (output_size - 1)
    start[i] = int((i + u) * alpha) - int(u * alpha)   for i < output_size - 1;   start[-1] = input_size - pool_size

The window maxima are found with array code (their flat per-plane indices), then the values are a
differentiable ``gather`` of those indices: backward scatters the gradient back, double backward works.
"""
import numpy as np

from ... import _backend
from ...ops.conv import _pair, _triple
from ...tensor import Tensor, _wrap
from .loss import _tname

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _starts(xp, u, in_size, out_size, pool):
    """(N, C) samples in [0, 1) -> (N, C, out_size) window starts (PyTorch's ``generate_intervals``)."""
    dt = u.dtype.type
    seq = xp.full(u.shape + (out_size,), in_size - pool, dtype=np.int64)
    if out_size > 1:
        alpha = dt(in_size - pool) / dt(out_size - 1)
        i = xp.arange(out_size - 1).astype(u.dtype)
        first = ((i + u[..., None]) * alpha).astype(np.int64)     # astype truncates toward zero, as static_cast
        seq[..., :-1] = first - (u * alpha).astype(np.int64)[..., None]
    return seq


def _fractional(nd, input, kernel_size, output_size, output_ratio, _random_samples):
    op = f"fractional_max_pool{nd}d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {tuple(input.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{op}\" not implemented for '{_tname(input._data)}'")
    ntuple = _pair if nd == 2 else _triple
    k = ntuple(kernel_size, "kernel_size", op)
    spatial = tuple(input.shape[-nd:])
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        if isinstance(output_ratio, (tuple, list)) and len(output_ratio) > nd:
            raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * nd
        ratio = ratio * nd if len(ratio) == 1 else ratio
        if len(ratio) != nd:
            raise ValueError(f"{op}: output_ratio must be one number or {nd}, got {output_ratio}")
        output_size = [int(s * r) for s, r in zip(spatial, ratio)]
    out = ntuple(output_size, "output_size", op)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c = x.shape[0], x.shape[1]
    if _random_samples is None:
        from ...random import rand
        _random_samples = rand(n, c, nd, dtype=input.dtype, device=input.device)
    u = _random_samples._data if isinstance(_random_samples, Tensor) else _random_samples
    xa = x._data
    xp = _backend.array_module(xa)
    if u.ndim != 3:
        raise RuntimeError(f"{op}(): Expect _random_samples to be 3D, got {u.ndim}D")
    if u.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {u.shape[2]}.")
    if u.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if u.shape[1] != c:
        raise RuntimeError(f"Expect _random_samples.size(1) equals to input channel size ({c}); got {u.shape[1]}.")
    for name, o, kk, s in zip(_DIM_NAMES[nd], out, k, spatial):
        # PyTorch's 3-D kernel demands one element to spare (``<``), the 2-D one allows a tight fit
        if o + kk - 1 > s or (nd == 3 and o + kk - 1 == s):
            suffix = "_out" if nd == 3 else ""
            raise RuntimeError(f"{op}{suffix}(): pool {name} {kk} too large relative to input {name} {s}")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}(): output_size must be positive, got {tuple(out)}")
    u = xp.asarray(u[:n]).astype(xa.dtype)
    # PyTorch's sample order: (W, H) for 2-D, (T, H, W) for 3-D
    which = (1, 0) if nd == 2 else (0, 1, 2)
    flat = None   # (N, C, *out, *k) flat per-plane input position of every window element
    stride = 1
    for d in range(nd - 1, -1, -1):
        pos = _starts(xp, u[:, :, which[d]], spatial[d], out[d], k[d])[..., None] + xp.arange(k[d])  # (N,C,o,k)
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + d], shape[2 + nd + d] = out[d], k[d]
        term = pos.reshape(shape) * stride
        flat = term if flat is None else flat + term
        stride *= spatial[d]
    kk = int(np.prod(k))
    flat = xp.broadcast_to(flat, (n, c) + out + k).reshape(n, c, -1, kk)       # (N, C, O, K)
    planes = xa.reshape(n, c, -1)
    vals = xp.take_along_axis(planes, flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    best = xp.argmax(vals, axis=3)
    isnan = xp.isnan(vals)
    # PyTorch's scan keeps the last NaN of a window (``val > max || isnan(val)``)
    last_nan = kk - 1 - xp.argmax(isnan[..., ::-1], axis=3)
    best = xp.where(isnan.any(axis=3), last_nan, best)
    idx = xp.take_along_axis(flat, best[..., None], axis=3)[..., 0]            # (N, C, O)
    indices = _wrap(idx.reshape((n, c) + out).astype(np.int64))
    values = x.reshape(n, c, -1).gather(2, _wrap(idx)).reshape((n, c) + out)
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """``fractional_max_pool2d`` returning ``(output, indices)``; indices are flat positions in each H*W plane."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    r"""Fractional max pooling over an ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Args:
        kernel_size: the window (an int or a pair)
        output_size: the output ``(oH, oW)`` (an int or a pair), or
        output_ratio: the output size as a fraction of the input size (in (0, 1))
        return_indices: also return the flat ``H * W`` position of each maximum (for ``max_unpool2d``)
        _random_samples: ``(N, C, 2)`` numbers in [0, 1) that place the windows (``[..., 0]`` for W,
            ``[..., 1]`` for H); drawn with ``zoo_core.rand`` when omitted

    Example::

        >>> x = zoo_core.randn(1, 2, 9, 9)
        >>> F.fractional_max_pool2d(x, 2, output_size=5).shape
        zoo_core.Size([1, 2, 5, 5])
    """
    out, idx = _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """``fractional_max_pool3d`` returning ``(output, indices)``; indices are flat positions in each D*H*W volume."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    r"""Fractional max pooling over an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input; arguments as
    ``fractional_max_pool2d`` with triples, ``_random_samples`` of shape ``(N, C, 3)`` (``[..., 0]`` for D,
    ``[..., 1]`` for H, ``[..., 2]`` for W).

    Example::

        >>> x = zoo_core.randn(1, 2, 6, 8, 8)
        >>> F.fractional_max_pool3d(x, 2, output_ratio=0.5).shape
        zoo_core.Size([1, 2, 3, 4, 4])
    """
    out, idx = _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out
