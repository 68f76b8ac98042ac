"""Spatial-transformer sampling: ``affine_grid`` (the sampling positions of a batch of affine maps) and
``grid_sample`` (read an input at arbitrary normalised positions, bilinear / nearest / bicubic).

How ``grid_sample`` is built: along each spatial dim an output point reads ``k`` taps (nearest 1,
bilinear 2, bicubic 4) with weights that depend on the point's fractional position; the taps of all dims
form ``K = k ** dims`` flat positions per point, read with one gather (``ops.indexing._take``, whose
backward is a scatter-add and vice versa). Everything else (coordinate maps, tap weights, their outer
product, the weighted sum) is Tensor ops, so gradients with respect to ``input`` and ``grid`` of every
order come from the engine. The one hand-written piece is ``_remap``: the border/reflection padding of
a coordinate, whose value and derivative follow PyTorch's CPU kernel (the derivative is 0 on the border
itself and the sign flips on reflected stretches).
"""
import warnings

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.arith import where
from ...ops.indexing import _take
from ...ops.linalg import matmul
from ...ops.join import stack
from ...tensor import _wrap

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


# ==== affine_grid ================================================================================
def _linspace_from_neg_one(n, align_corners, dtype):
    """PyTorch's base-grid coordinates along one dim of size ``n`` (its symmetric linspace, in ``dtype``)."""
    if n <= 1:
        return np.zeros(1, dtype)
    dt = dtype.type
    step = (dt(1) - dt(-1)) / dt(n - 1)
    i = np.arange(n)
    r = np.where(i < n // 2, dt(-1) + step * i.astype(dtype), dt(1) - step * (n - 1 - i).astype(dtype))
    r = r.astype(dtype)
    if not align_corners:
        r = (r * dt(n - 1) / dt(n)).astype(dtype)
    return r


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), dims + 1) rows ``[x, y, (z,) 1]`` with x along the last spatial dim."""
    axes = [_linspace_from_neg_one(n, align_corners, dtype) for n in spatial]   # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")                                      # each (D,) H, W
    cols = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(int(np.prod(spatial)), dtype)]
    return np.stack(cols, axis=1)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps, for ``grid_sample``.

    ``theta`` (N, 2, 3) maps output positions ``[x, y, 1]`` (normalised to [-1, 1]) to input positions,
    giving a grid of shape (N, H, W, 2) for ``size = (N, C, H, W)``; (N, 3, 4) and ``size = (N, C, D, H,
    W)`` give (N, D, H, W, 3). ``align_corners`` as in ``grid_sample`` (``None`` means ``False`` and warns,
    as PyTorch).

    Example::

        >>> from zoo_core.nn._functional.grid import affine_grid
        >>> theta = zoo_core.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> affine_grid(theta, (1, 1, 2, 2), align_corners=False)[0]
        tensor([[[-0.5000, -0.5000],
                 [ 0.5000, -0.5000]],
        <BLANKLINE>
                [[-0.5000,  0.5000],
                 [ 0.5000,  0.5000]]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    t = theta._data
    if t.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if t.ndim != 3 or t.shape[-2:] != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {tuple(t.shape)}.")
    elif len(size) == 5:
        if t.ndim != 3 or t.shape[-2:] != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {tuple(t.shape)}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if t.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {t.shape[0]} matrices but size asks for a batch of "
                           f"{size[0]} (theta.shape={tuple(t.shape)}, size={size})")
    xp = _backend.array_module(t)
    base = _wrap(xp.asarray(_base_grid(spatial, align_corners, t.dtype)))   # (S, dims + 1)
    grid = matmul(base, theta.transpose(1, 2))                               # (N, S, dims)
    return grid.reshape(size[:1] + spatial + (len(spatial),))


# ==== grid_sample: coordinates ===================================================================
def _remap(c, value, slope):
    """A tensor with the values ``value`` whose derivative with respect to ``c`` is ``slope`` (both arrays
    shaped like ``c``): a piecewise-linear map of ``c`` (clipping, reflection) given by its pieces."""
    y = _wrap(value)
    if c._rg and grad_mode.enabled:
        s = _wrap(slope)
        record(y, "GridSamplerPaddingBackward0", lambda g: (g * s,), (c,))
    return y


def _clip(xp, c, size):
    """Clip to [0, size - 1]; PyTorch's derivative: 1 strictly inside, 0 on and beyond the border."""
    hi = size - 1
    return xp.clip(c, 0, hi), ((c > 0) & (c < hi)).astype(c.dtype)


def _reflect(xp, c, size, align_corners):
    """Reflect about the border (the corner pixels' centres, or their outer edges when not
    ``align_corners``) until inside, then clip; the derivative flips sign on odd reflections."""
    if align_corners:
        if size == 1:
            return xp.zeros_like(c), xp.zeros_like(c)
        span2, shifted = 2 * (size - 1), c
    else:
        span2, shifted = 2 * size, c + 0.5
    a = xp.abs(shifted)
    extra = a - xp.trunc(a / span2) * span2
    back = span2 - extra
    flip = extra > back
    v = xp.where(flip, back, extra)
    if not align_corners:
        v = v - 0.5
    sign = 1 - 2 * (flip ^ (shifted < 0)).astype(c.dtype)
    v, inside = _clip(xp, v, size)
    return v, sign * inside


def _pad_values(xp, c, size, padding_mode, align_corners):
    """(value, slope) of the padded coordinate array ``c``."""
    if padding_mode == "border":
        return _clip(xp, c, size)
    return _reflect(xp, c, size, align_corners)


def _unnormalize(g, size, align_corners, dims):
    """Grid values in [-1, 1] to pixel coordinates, in the op order of PyTorch's CPU kernels (the
    vectorised 2-D one and the generic 3-D one round differently)."""
    if dims == 2:
        if align_corners:
            return (g + 1) * ((size - 1) / 2)
        return (g + 1) * (size / 2) - 0.5
    if align_corners:
        return (g + 1) / 2 * (size - 1)
    return ((g + 1) * size - 1) / 2


_A = -0.75   # the cubic convolution constant (PyTorch's, OpenCV's)


def _cubic_weights(t):
    """The 4 cubic-convolution weights of taps at offsets -1, 0, 1, 2 from ``floor``, for fraction ``t``."""
    def near(x):   # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(xp, g, size, mode, padding_mode, align_corners, dims):
    """One spatial dim's taps for grid component ``g`` (N, P): integer positions (N, k, P), whether each
    is inside the input (N, k, P), and the weights as a Tensor (N, k, P) (None for nearest)."""
    c = _unnormalize(g, size, align_corners, dims)
    if mode != "bicubic" and padding_mode != "zeros":
        c = _remap(c, *_pad_values(xp, c._data, size, padding_mode, align_corners))
    ca = c._data
    if mode == "nearest":
        pos, w = xp.rint(ca)[:, None, :], None
    else:
        base = xp.floor(ca)
        t = c - _wrap(base)
        offsets = (0, 1) if mode == "bilinear" else (-1, 0, 1, 2)
        w = stack([1 - t, t] if mode == "bilinear" else _cubic_weights(t), 1)
        pos = base[:, None, :] + xp.asarray(offsets, dtype=ca.dtype)[None, :, None]
        if mode == "bicubic" and padding_mode != "zeros":   # bicubic pads its tap positions instead
            pos = _pad_values(xp, pos, size, padding_mode, align_corners)[0]
    valid = (pos >= 0) & (pos <= size - 1)                   # False for nan
    return xp.where(valid, pos, 0).astype(np.int64), valid, w


# ==== grid_sample ================================================================================
def _check(input, grid, mode):
    x, g = input._data, grid._data
    xs, gs = list(x.shape), list(g.shape)
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                           f"{input.device} and grid is on {grid.device}")
    if x.dtype.kind != "f" or g.dtype.kind != "f":
        raise NotImplementedError(f"grid_sampler(): expected floating-point input and grid, but got input of dtype "
                                  f"{input.dtype} and grid of dtype {grid.dtype}")
    if x.dtype != g.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, but got input with "
                           f"dtype {input.dtype} and grid with dtype {grid.dtype}")
    dims = 2 if x.ndim == 4 else 3
    if x.ndim != g.ndim or x.ndim not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected {dims + 2}D input and grid with same number of dimensions, "
                           f"but got input with sizes {xs} and grid with sizes {gs}")
    if xs[0] != gs[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {xs} and grid with sizes {gs}")
    if gs[-1] != dims:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {dims} in last dimension, but got grid "
                           f"with sizes {gs}")
    for d in range(2, x.ndim):
        if xs[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                               f"has sizes {xs} with dimension {d} being empty")
    if mode == "bicubic" and dims != 2:
        raise RuntimeError(f"grid_sampler(): bicubic interpolation only supports 4D input (got input with sizes "
                           f"{xs})")
    return dims


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at the positions ``grid`` (N, Ho, Wo, 2) gives, output (N, C, Ho, Wo);
    or (N, C, D, H, W) at (N, Do, Ho, Wo, 3) giving (N, C, Do, Ho, Wo).

    ``grid[..., 0]`` is x (along W), ``grid[..., 1]`` y, ``grid[..., 2]`` z, normalised so that -1 and 1 are
    the centres of the corner pixels (``align_corners=True``) or their outer edges (``False``, the default;
    ``None`` means ``False`` and warns, as PyTorch). ``mode``: ``'bilinear'`` (trilinear for 5-D),
    ``'nearest'`` (round half to even; its gradient for ``grid`` is zero) or ``'bicubic'`` (4-D only, cubic
    convolution with a = -0.75). ``padding_mode`` for positions outside: ``'zeros'``, ``'border'`` (clip
    to the edge) or ``'reflection'`` (mirror about the border).

    Example::

        >>> from zoo_core.nn._functional.grid import grid_sample
        >>> x = zoo_core.arange(4.).view(1, 1, 2, 2)
        >>> grid = zoo_core.tensor([[[[-1., -1.], [0., 0.], [3., 1.]]]])   # (1, 1, 3, 2)
        >>> grid_sample(x, grid, align_corners=True)
        tensor([[[[0.0000, 1.5000, 0.0000]]]])
        >>> grid_sample(x, grid, padding_mode="border", align_corners=True)
        tensor([[[[0.0000, 1.5000, 3.0000]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    dims = _check(input, grid, mode)
    x = input._data
    xp = _backend.array_module(x)
    n, ch, spatial = x.shape[0], x.shape[1], x.shape[2:]
    out_spatial = tuple(grid._data.shape[1:-1])
    p = int(np.prod(out_spatial))
    g = grid.reshape(n, p, dims)                                        # (N, P, dims)
    idx = valid = w = None
    stride = 1
    for i in reversed(range(dims)):          # the last spatial dim (x) first: it is grid[..., 0]
        size = spatial[i]
        pos, ok, wi = _taps(xp, g[:, :, dims - 1 - i], size, mode, padding_mode, align_corners, dims)
        k = pos.shape[1]
        shape = (n,) + (1,) * i + (k,) + (1,) * (dims - 1 - i) + (p,)  # this dim's taps on their own axis
        pos, ok = pos.reshape(shape) * stride, ok.reshape(shape)
        idx = pos if idx is None else idx + pos
        valid = ok if valid is None else valid & ok
        if wi is not None:
            wi = wi.reshape(shape)
            w = wi if w is None else w * wi
        stride *= size
    kk = int(np.prod(idx.shape[1:-1]))      # taps per point (k ** dims)
    flat = input.reshape(n, ch, stride)                                 # (N, C, S)
    key = (xp.arange(n)[:, None, None], xp.arange(ch)[None, :, None], idx.reshape(n, 1, kk * p))
    vals = where(_wrap(valid.reshape(n, 1, kk * p)), _take(flat, key), 0.0)   # (N, C, K*P)
    if w is None:                            # nearest: one tap
        out = vals.reshape((n, ch) + out_spatial)
        if grid._rg and grad_mode.enabled:   # PyTorch gives grid a zero gradient, not none
            y = _wrap(out._data)
            gshape, gdtype = grid._data.shape, grid._data.dtype
            record(y, f"GridSampler{dims}DBackward0", lambda gy: (gy, _wrap(xp.zeros(gshape, gdtype))), (out, grid))
            return y
        return out
    out = (vals.reshape(n, ch, kk, p) * w.reshape(n, 1, kk, p)).sum(2)  # (N, C, P)
    return out.reshape((n, ch) + out_spatial)
