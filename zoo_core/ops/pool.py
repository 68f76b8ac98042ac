"""Pooling: ``max_pool1d/2d/3d`` (``ceil_mode``, ``return_indices``), ``avg_pool1d/2d/3d``, adaptive pools.

Windows are strided views of the (padded) input, as in ``conv.py``, over any number of spatial dims.
Max pooling finds the argmax per window once; the output is then a *pick* at those positions, and its
backward a *place* (scatter-add) — two linear primitives that are each other's backward, so double
backward works. Average pooling is a window sum and its adjoint, likewise.
"""
import itertools
import math

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import _wrap
from .conv import _ntuple
from .pool_geometry import _ALL, _Geom

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool2d", "lp_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]

def _pick(x, pos, geom):
    """out[n, c, *a] = window ``a`` of x at flat window position pos[n, c, *a]."""
    xa = x._data
    xp = _backend.array_module(xa)
    xpad = geom.padded(xp, xa, 0)
    out = xp.zeros(pos.shape, dtype=xa.dtype)
    for idx, sl in geom.offsets(xpad):
        xp.copyto(out, sl, where=pos == idx)
    out = _wrap(out)
    if x._rg and grad_mode.enabled:
        shape = xa.shape
        record(out, f"MaxPool{geom.nd}DWithIndicesBackward0", lambda g: (_place(g, pos, geom, shape),), (x,))
    return out


def _place(g, pos, geom, shape):
    xp = _backend.array_module(g._data)
    out = _wrap(geom.place(xp, g._data, shape, pos))
    if g._rg and grad_mode.enabled:
        record(out, f"MaxPool{geom.nd}DWithIndicesBackwardBackward0", lambda gg: (_pick(gg, pos, geom),), (g,))
    return out


def _check_input(op, input, nd):
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for input, got shape "
                           f"{tuple(input._data.shape)}")


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    """``max_pool2d``/``max_pool3d`` of (N, C, *spatial) or (C, *spatial)."""
    _check_input(op, input, nd)
    unbatched = input._data.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    xa = x._data
    xp = _backend.array_module(xa)
    geom = _Geom(op, xa.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    if xa.dtype.kind == "b":
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for 'bool'")
    fill = -xp.inf if xa.dtype.kind == "f" else xp.iinfo(xa.dtype).min
    xpad = geom.padded(xp, xa, fill)
    if (return_indices or x._rg and grad_mode.enabled) and geom.disjoint and geom.unpadded:
        # the positions are cheap alongside the max here, and make the backward a plain scatter
        best, pos = geom.max_first(xp, xa)
    else:
        best = geom.window_max(xp, xpad)
        # where each max came from is only needed for indices or the backward: found then, by comparison
        pos = geom.first_max(xp, xpad, best, geom.valid(xp)) if return_indices else None
    out = _wrap(best)
    if x._rg and grad_mode.enabled:
        shape = xa.shape

        def backward(g):
            if pos is not None:
                return (_place(g, pos, geom, shape),)
            xpad = geom.padded(xp, x._data, fill)
            valid = geom.valid(xp)
            if (not grad_mode.enabled and geom.disjoint
                    and not (best.dtype.kind == "f" and bool(xp.isnan(best).any()))):
                return (_wrap(geom.place_first_max(xp, g._data, xpad, best, shape, valid)),)
            return (_place(g, geom.first_max(xp, xpad, best, valid), geom, shape),)
        record(out, f"MaxPool{nd}DWithIndicesBackward0", backward, (x,), (x,))
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    # flat index into the unpadded spatial volume, as PyTorch reports it: per dim, the window's start
    # plus the (dilated) offset of ``pos`` in it, accumulated row-major
    rest = pos.astype(xp.int64)
    idx = 0
    for dim in range(nd):
        inner = math.prod(geom.k[dim + 1:])
        start = xp.arange(geom.out[dim]).reshape((-1,) + (1,) * (nd - 1 - dim)) * geom.s[dim] - geom.p[dim]
        idx = idx * xa.shape[2 + dim] + start + (rest // inner) * geom.d[dim]
        rest = rest % inner
    idx = _wrap(idx.astype(xp.int64, copy=False))
    return out, (idx.squeeze(0) if unbatched else idx)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``return_indices`` gives flat H*W positions.

    Example::

        >>> F.max_pool2d(zoo_core.arange(16.).view(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W); ``return_indices`` gives flat D*H*W positions.

    Example::

        >>> y, i = F.max_pool3d(zoo_core.arange(8.).view(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> y.flatten().tolist(), i.flatten().tolist()
        ([7.0], [7])
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L)."""
    r = max_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), (1, _one(stride if stride is not None else kernel_size)),
                   (0, _one(padding)), (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def _one(v):
    return v if isinstance(v, int) else tuple(v)[0]


# ---- average pooling ----------------------------------------------------------------------------
def _divisor(xp, geom, count_include_pad, divisor_override, dtype):
    if divisor_override:
        return divisor_override
    # counting window: the input's ones, plus the zero padding when it counts (the ceil-mode overhang
    # past the padding never counts)
    count = xp.zeros(geom.padded_shape((1, 1) + tuple(geom.hw)), dtype=dtype)
    if count_include_pad:
        count[(_ALL, _ALL) + tuple(slice(0, h + 2 * p) for h, p in zip(geom.hw, geom.p))] = 1
    else:
        geom.interior(count)[...] = 1
    return geom.windows(xp, count).sum(axis=tuple(range(2, 2 + geom.nd)))[0, 0]


def _avg(x, geom, div):
    xa = x._data
    xp = _backend.array_module(xa)
    s = geom.windows(xp, geom.padded(xp, xa, 0)).sum(axis=tuple(range(2, 2 + geom.nd)))
    out = _wrap((s / div).astype(xa.dtype, copy=False))
    if x._rg and grad_mode.enabled:
        shape = xa.shape
        record(out, f"AvgPool{geom.nd}DBackward0", lambda g: (_avg_t(g, geom, div, shape),), (x,))
    return out


def _avg_t(g, geom, div, shape):
    ga = g._data
    xp = _backend.array_module(ga)
    out = _wrap(geom.place(xp, (ga / div).astype(ga.dtype, copy=False), shape))
    if g._rg and grad_mode.enabled:
        record(out, f"AvgPool{geom.nd}DBackwardBackward0", lambda gg: (_avg(gg, geom, div),), (g,))
    return out


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """``avg_pool2d``/``avg_pool3d`` of (N, C, *spatial) or (C, *spatial)."""
    _check_input(op, input, nd)
    unbatched = input._data.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    xa = x._data
    if xa.dtype.kind != "f" and xa.dtype != "int64":   # int64 averages with truncating division, as in torch
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for '{x.dtype.name}'")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    xp = _backend.array_module(xa)
    geom = _Geom(op, xa.shape[2:], kernel_size, stride, padding, 1, ceil_mode)
    div = _divisor(xp, geom, count_include_pad, divisor_override, xa.dtype)
    out = _avg(x, geom, div)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W).

    Example::

        >>> F.avg_pool2d(zoo_core.arange(16.).view(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W); ``count_include_pad`` counts the zero
    padding in the divisor, ``divisor_override`` replaces it.

    Example::

        >>> F.avg_pool3d(zoo_core.arange(8.).view(1, 1, 2, 2, 2), 2).flatten().tolist()
        [3.5]
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L)."""
    return avg_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)),
                      (1, _one(stride if stride is not None else kernel_size)), (0, _one(padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _ntuple(kernel_size, nd, "kernel_size", f"lp_pool{nd}d")
    maxp, avgp = (max_pool2d, avg_pool2d) if nd == 2 else (max_pool3d, avg_pool3d)
    if norm_type == math.inf:    # the limit p -> inf is the max of |x| (and -inf: the min)
        return maxp(input.abs(), k, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -maxp(-input.abs(), k, stride, 0, 1, ceil_mode)
    s = avgp(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (s.sign() * s.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum x^p)^(1/p)`` over each window.

    Example::

        >>> F.lp_pool2d(zoo_core.ones(1, 1, 2, 2), 2, 2).flatten().tolist()
        [2.0]
    """
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, D, H, W): ``(sum x^p)^(1/p)`` over each window.

    Example::

        >>> F.lp_pool3d(zoo_core.ones(1, 1, 2, 2, 2), 1, 2).flatten().tolist()
        [8.0]
    """
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---- adaptive pooling ---------------------------------------------------------------------------
def _adaptive_sizes(op, sizes, output_size):
    """The output size per spatial dim (``None`` keeps the input's)."""
    out = _ntuple(output_size, len(sizes), "output_size", op)
    return tuple(sizes[i] if o is None else int(o) for i, o in enumerate(out))


def _region(i, size, out):
    return (i * size) // out, -((-(i + 1) * size) // out)


def _pool_matrix(xp, size, out, dtype):
    """(out, size) averaging matrix of PyTorch's adaptive regions [floor(i*size/out), ceil((i+1)*size/out))."""
    m = xp.zeros((out, size), dtype=dtype)
    for i in range(out):
        a, b = _region(i, size, out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def _adaptive_avg(op, nd, input, output_size):
    """Adaptive average pooling of the last ``nd`` (2 or 3) dims: an exact average pool when the sizes
    divide, else one averaging matrix per dim, applied by matmuls."""
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: Expected {nd + 1}D or {nd + 2}D tensor, got shape {tuple(input._data.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for '{input.dtype.name}'")
    sizes = input._data.shape[-nd:]
    out = _adaptive_sizes(op, sizes, output_size)
    if all(o and h % o == 0 for h, o in zip(sizes, out)):
        pool = avg_pool2d if nd == 2 else avg_pool3d
        return pool(input, tuple(h // o for h, o in zip(sizes, out)))
    xp = _backend.array_module(input._data)
    dt = input._data.dtype
    ph, pw = (_wrap(_pool_matrix(xp, h, o, dt)) for h, o in zip(sizes[-2:], out[-2:]))
    y = ph @ input @ pw.mT                                     # (..., [D,] oh, ow)
    if nd == 3:
        pd = _wrap(_pool_matrix(xp, sizes[0], out[0], dt))
        y = (pd @ y.flatten(-2)).unflatten(-1, out[1:])        # (..., od, oh, ow)
    return y


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (regions as PyTorch computes them).

    Example::

        >>> F.adaptive_avg_pool2d(zoo_core.ones(1, 2, 5, 7), (2, 3)).shape
        zoo_core.Size([1, 2, 2, 3])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to a fixed (D_out, H_out, W_out); ``None`` keeps a dim.

    Example::

        >>> F.adaptive_avg_pool3d(zoo_core.ones(1, 2, 5, 4, 7), (2, None, 3)).shape
        zoo_core.Size([1, 2, 2, 4, 3])
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def _adaptive_max(op, nd, input, output_size, return_indices):
    """Adaptive max pooling of the last ``nd`` dims: an exact max pool when the sizes divide, else the
    argmax of every region (flat positions in the input's spatial volume) and a gather there."""
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: Expected {nd + 1}D or {nd + 2}D tensor, got shape {tuple(input._data.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for '{input.dtype.name}'")
    sizes = input._data.shape[-nd:]
    out = _adaptive_sizes(op, sizes, output_size)
    if all(o and h % o == 0 for h, o in zip(sizes, out)):
        pool = max_pool2d if nd == 2 else max_pool3d
        return pool(input, tuple(h // o for h, o in zip(sizes, out)), return_indices=return_indices)
    xa = input._data
    xp = _backend.array_module(xa)
    lead = xa.shape[:-nd]
    idx = xp.empty(lead + out, dtype=xp.int64)
    nans = bool(xp.isnan(xa).any())
    for cell in itertools.product(*map(range, out)):
        bounds = [_region(i, h, o) for i, h, o in zip(cell, sizes, out)]
        region = xa[(Ellipsis,) + tuple(slice(a, b) for a, b in bounds)].reshape(lead + (-1,))
        k = region.argmax(axis=-1)
        if nans:   # a NaN is the max, and torch picks a region's last NaN (argmax: the first)
            isnan = xp.isnan(region)
            k = xp.where(isnan.any(axis=-1), region.shape[-1] - 1 - isnan[..., ::-1].argmax(axis=-1), k)
        lens = [b - a for a, b in bounds]
        flat = 0
        for j, ((a, _), h) in enumerate(zip(bounds, sizes)):
            flat = flat * h + a + (k // math.prod(lens[j + 1:])) % lens[j]   # row-major in the input
        idx[(Ellipsis,) + cell] = flat
    index = _wrap(idx)
    y = input.flatten(-nd).gather(-1, index.flatten(-nd)).unflatten(-1, out)
    return (y, index) if return_indices else y


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; ``return_indices`` gives flat H*W positions.

    Example::

        >>> F.adaptive_max_pool2d(zoo_core.arange(9.).view(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to a fixed size; ``return_indices`` gives flat D*H*W
    positions.

    Example::

        >>> F.adaptive_max_pool3d(zoo_core.arange(27.).view(1, 1, 3, 3, 3), 2).flatten().tolist()
        [13.0, 14.0, 16.0, 17.0, 22.0, 23.0, 25.0, 26.0]
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(output_size)), return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


# ---- torch's ``*_with_indices`` names: the pools with ``return_indices=True`` ------------------------
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)
