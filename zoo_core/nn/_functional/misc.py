"""Functional layers without a family of their own (see ``__all__``): ``linear``, ``bilinear``; ``pad``
and ``interpolate`` (both built on ``_AxisMap``, a gather along one axis whose adjoint is a scatter-add);
``pixel_shuffle``, ``channel_shuffle``, ``lp_pool1d``; ``dropout`` and its channel-wise and alpha forms;
``embedding`` and ``one_hot``; ``normalize``, ``cosine_similarity``, ``pairwise_distance``.
"""
import math

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap, check_same_device, inplace_update

__all__ = ["linear", "bilinear", "pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "lp_pool1d", "dropout", "dropout1d", "dropout2d",
           "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "embedding", "one_hot", "normalize", "cosine_similarity", "pairwise_distance"]


def linear(input, weight, bias=None):
    """``y = x @ weight.T + bias`` over the last dimension of ``x``.

    Example::

        >>> F.linear(zoo_core.ones(2, 3), zoo_core.ones(4, 3)).shape
        zoo_core.Size([2, 4])
    """
    x, w = input._data, weight._data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input has {x.shape[-1] if x.ndim else 0} features but the layer expects {w.shape[-1]} "
            f"(x.shape={tuple(x.shape)}, weight.shape={tuple(w.shape)})")
    if type(x) is not type(w):
        check_same_device("linear", input, weight)
    if x.dtype != w.dtype:
        raise RuntimeError(f"linear: mat1 and mat2 must have the same dtype, but got {input.dtype} and {weight.dtype}")
    y = x @ w.T
    if bias is not None:
        y += bias._data
    out = _wrap(y)
    if grad_mode.enabled and (input._rg or weight._rg or (bias is not None and bias._rg)):
        def backward(g):
            gx = g @ weight if input._rg else None
            gw = gb = None
            if weight._rg or (bias is not None and bias._rg):
                g2 = g.reshape(-1, w.shape[0])
                if weight._rg:
                    gw = g2.mT @ input.reshape(-1, w.shape[1])
                if bias is not None and bias._rg:
                    gb = g2.sum(0)
            return gx, gw, gb
        record(out, "AddmmBackward0", backward, (input, weight, bias), (input, weight))
    return out


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1 @ weight[k] @ x2 + bias_k``: weight (out, in1, in2), inputs (..., in1) and (..., in2)."""
    from ...ops.linalg import einsum
    if input1._data.shape[:-1] != input2._data.shape[:-1]:
        raise RuntimeError(f"bilinear: input1 and input2 batch dimensions differ: {tuple(input1.shape)} vs "
                           f"{tuple(input2.shape)}")
    if weight._data.shape[1:] != (input1._data.shape[-1], input2._data.shape[-1]):
        raise RuntimeError(f"bilinear: weight of shape {tuple(weight.shape)} does not match inputs "
                           f"(..., {input1._data.shape[-1]}) and (..., {input2._data.shape[-1]})")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y + bias if bias is not None else y


# ==== gathers along one axis: the primitive behind pad (reflect/replicate/circular) and interpolate ====
def _index_add_axis(xp, out, axis, idx, vals):
    """``out[..., idx[j], ...] += vals[..., j, ...]`` along ``axis``, repeated indices accumulating."""
    key = (slice(None),) * axis
    if xp is not np:
        from ...ops.indexing import _index_add_array
        _index_add_array(xp, out, key + (xp.asarray(idx),), vals)
        return
    # numpy: sort the positions once, sum each run of equal indices with reduceat (much faster than add.at)
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    if not (order == np.arange(len(idx))).all():
        vals = np.take(vals, order, axis=axis)
    starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]])
    out[key + (sidx[starts],)] += np.add.reduceat(vals, starts, axis=axis)


def _segments(idx, most=8):
    """``idx`` as a few strided copies ``[(j0, j_step, i0, i_step, n)]`` (output positions j0 + k*j_step
    read input i0 + k*i_step), or None. Covers padding (runs of source step 1, -1 or 0) and integer nearest
    upsampling (``s`` interleaved phases), whose adjoints are then a few slice-adds instead of a scatter."""
    ids = idx.tolist()
    m = len(ids)
    segs = []
    j = 0
    while j < m:   # maximal runs with source step +1, -1 or 0
        k = j + 1
        step = ids[k] - ids[j] if k < m else 1
        if step in (1, -1, 0):
            while k < m and ids[k] - ids[k - 1] == step:
                k += 1
        else:
            step = 1
        segs.append((j, 1, ids[j], step, k - j))
        if len(segs) > most:
            break
        j = k
    else:
        return segs
    for s in range(2, most + 1):   # interleaved phases: idx[p::s] = i0, i0 + 1, ...
        phases = [idx[p::s] for p in range(s)]
        if all(len(q) and (np.diff(q) == 1).all() for q in phases):
            return [(p, s, int(q[0]), 1, len(q)) for p, q in enumerate(phases)]
    return None


def _matmul_axis(xp, a, m, axis):
    """Apply the matrix ``m`` (p, q) along ``axis`` (of size q) of ``a``. (Both operands contiguous: numpy
    falls off BLAS for a transposed view.)"""
    shape = a.shape
    if axis == a.ndim - 1:   # one 2-D GEMM (a stacked matmul runs one small GEMM per leading index)
        return (a.reshape(-1, shape[-1]) @ xp.ascontiguousarray(m.T)).reshape(shape[:-1] + (m.shape[0],))
    lead, rest = int(np.prod(shape[:axis])), int(np.prod(shape[axis + 1:]))
    r = xp.ascontiguousarray(m) @ a.reshape(lead, shape[axis], rest)  # (lead, p, rest)
    return r.reshape(shape[:axis] + (m.shape[0],) + shape[axis + 1:])


class _AxisMap:
    """A linear map along one ``axis``: ``y[.., j, ..] = sum_k w_k[j] * x[.., idx_k[j], ..]``, and its
    adjoint (a scatter-add). Each is the other's backward, so every order of gradient is available.

    The fast paths, by shape of the map: one unweighted tap (pad, nearest) is a gather, and its adjoint a
    few slice-adds when ``_segments`` finds them; weighted maps over a short axis (<= 256: bilinear,
    bicubic, area) are a matmul with the dense (out, in) matrix both ways (note: a non-finite input then
    spreads along its row, where a gather would keep it local); the rest gathers and scatter-adds."""
    __slots__ = ("axis", "taps", "size", "_segs", "_dense")

    def __init__(self, axis, taps, size):
        self.axis, self.taps, self.size = axis, taps, size   # taps: [(idx int64 array, weights or None)]
        self._segs = 0          # not computed yet
        self._dense = {}        # dtype -> (out, in) matrix

    def _plain(self):
        return len(self.taps) == 1 and self.taps[0][1] is None

    def _matrix(self, xp, dtype):
        if self._plain() or self.size > 256:
            return None
        m = self._dense.get(dtype)
        if m is None:
            rows = np.arange(len(self.taps[0][0]))
            dense = np.zeros((len(rows), self.size))
            for idx, w in self.taps:
                np.add.at(dense, (rows, idx), 1.0 if w is None else w)
            m = self._dense[dtype] = xp.asarray(dense.astype(dtype))
        return m

    def _weights(self, xp, w, ndim, dtype):
        return xp.asarray(w, dtype=dtype).reshape((-1,) + (1,) * (ndim - self.axis - 1))

    def apply(self, x):
        xa = x._data
        xp = _backend.array_module(xa)
        m = self._matrix(xp, xa.dtype)
        if m is not None:
            out = _matmul_axis(xp, xa, m, self.axis)
        else:
            out = None
            for idx, w in self.taps:
                part = xp.take(xa, xp.asarray(idx), axis=self.axis)
                if w is not None:
                    part *= self._weights(xp, w, xa.ndim, xa.dtype)
                if out is None:
                    out = part
                else:
                    out += part
        y = _wrap(out)
        if x._rg and grad_mode.enabled:
            record(y, "UpsampleBackward0", lambda g: (self.adjoint(g),), (x,))
        return y

    def adjoint(self, g):
        ga = g._data
        xp = _backend.array_module(ga)
        m = self._matrix(xp, ga.dtype)
        if m is not None:
            out = _matmul_axis(xp, ga, m.T, self.axis)
        else:
            shape = list(ga.shape)
            shape[self.axis] = self.size
            out = xp.zeros(shape, dtype=ga.dtype)
            if self._segs == 0:
                self._segs = _segments(self.taps[0][0]) if self._plain() else None
            if self._segs is not None:
                lead = (slice(None),) * self.axis
                for j0, js, i0, ist, n in self._segs:
                    src = ga[lead + (slice(j0, j0 + js * n, js),)]
                    if ist == 0:   # n outputs copied one input (replicate padding)
                        out[lead + (slice(i0, i0 + 1),)] += src.sum(axis=self.axis, keepdims=True)
                    else:
                        stop = i0 + ist * n
                        out[lead + (slice(i0, stop if stop >= 0 else None, ist),)] += src
            else:
                for idx, w in self.taps:
                    vals = ga if w is None else ga * self._weights(xp, w, ga.ndim, ga.dtype)
                    _index_add_axis(xp, out, self.axis, idx, vals)
        y = _wrap(out)
        if g._rg and grad_mode.enabled:
            record(y, "UpsampleBackwardBackward0", lambda gg: (self.apply(gg),), (g,))
        return y


# ==== padding ====================================================================================
def _constant_pad(x, pads, value):
    """``pads``: one (before, after) per dim, negative values crop. The adjoint is the same op with the
    pads negated and value 0, which is its backward."""
    xa = x._data
    xp = _backend.array_module(xa)
    shape = tuple(n + a + b for n, (a, b) in zip(xa.shape, pads))
    out = xp.full(shape, value, dtype=xa.dtype)
    src = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(xa.shape, pads))
    dst = tuple(slice(max(a, 0), max(a, 0) + s.stop - s.start) for (a, _), s in zip(pads, src))
    out[dst] = xa[src]
    y = _wrap(out)
    if x._rg and grad_mode.enabled:
        neg = tuple((-a, -b) for a, b in pads)
        record(y, "ConstantPadNdBackward0", lambda g: (_constant_pad(g, neg, 0),), (x,))
    return y


def _pad_index(mode, n, before, after):
    """Source positions of the output positions of one padded dim (negative pads crop)."""
    p = np.arange(-before, n + after)
    if mode == "reflect":
        p = np.abs(p)
        return np.where(p > n - 1, 2 * (n - 1) - p, p)
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    # circular: PyTorch crops first, then wraps around what is left
    lo, hi = max(-before, 0), max(-after, 0)
    return (np.arange(n + before + after) - max(before, 0)) % (n - lo - hi) + lo


_PAD_HELP = ("Supported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last "
             "dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: "
             "padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (last_before, last_after, 2nd_last_before, ...)``.

    ``mode`` is ``"constant"`` (with ``value``; negative pads crop), ``"reflect"``, ``"replicate"`` or
    ``"circular"``; the gradient of the non-constant modes accumulates over the copied positions.

    Example::

        >>> F.pad(zoo_core.tensor([[1., 2.]]), (1, 2), value=9.)
        tensor([[9., 1., 2., 9., 9.]])
    """
    pad = tuple(int(p) for p in pad)
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > x.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {x.ndim}")
    # (before, after) per dim, in dim order
    pads = [(0, 0)] * (x.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k - 1, -1, -1)]
    if mode == "constant":
        for d, (n, (a, b)) in enumerate(zip(x.shape, pads)):
            if n + a + b < 0:
                raise RuntimeError(f"The input size {n}, plus negative padding {a} and {b} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {d} of your input.")
        return _constant_pad(input, tuple(pads), 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor.\n{_PAD_HELP}")
    out = input
    for d in range(x.ndim - k, x.ndim):
        n, (a, b) = x.shape[d], pads[d]
        if a == b == 0:
            continue
        if mode == "reflect" and (a >= n or b >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({a}, {b}) at dimension {d} of input {list(x.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out = _AxisMap(d, [(_pad_index(mode, n, a, b), None)], n).apply(out)
    return input.clone() if out is input else out   # a new tensor even when nothing was padded


# ==== interpolation ==============================================================================
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _scale(dt, in_size, out_size, scale, align_corners):
    """PyTorch's source/destination ratio, in the compute dtype ``dt`` (float32 for float32 inputs)."""
    if align_corners:
        return dt(in_size - 1) / dt(out_size - 1) if out_size > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(in_size) / dt(out_size)


def _taps(mode, n, out, scale, align_corners, dt):
    """[(index, weight)] of one output axis for ``mode`` (PyTorch's CPU index and weight rules)."""
    j = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        if mode == "nearest" and out == n:
            return [(j, None)]
        if mode == "nearest" and out == 2 * n:
            return [(j >> 1, None)]
        s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n) / np.float32(out)
        src = (j.astype(np.float32) + np.float32(0.5 if mode == "nearest-exact" else 0)) * s
        return [(np.minimum(np.floor(src).astype(np.int64), n - 1), None)]
    if mode == "area":   # adaptive average: regions [floor(i*n/out), ceil((i+1)*n/out))
        a, b = (j * n) // out, -((-(j + 1) * n) // out)
        cnt = b - a
        return [(np.minimum(a + k, b - 1), (k < cnt) / cnt) for k in range(int(cnt.max()))]
    r = _scale(dt, n, out, scale, align_corners)
    jd = j.astype(dt)
    cubic = mode == "bicubic"
    if mode != "bicubic" and out == n and not align_corners:
        return [(j, None)]
    src = jd * r if align_corners else (jd + dt(0.5)) * r - dt(0.5)
    if not cubic and not align_corners:
        src = np.maximum(src, dt(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    lam = np.clip(src - i0.astype(dt), dt(0), dt(1)).astype(dt)
    if not cubic:
        return [(i0, dt(1) - lam), (np.minimum(i0 + 1, n - 1), lam)]
    A = dt(-0.75)

    def near(t):   # |t| <= 1
        return ((A + 2) * t - (A + 3)) * t * t + 1

    def far(t):    # 1 < |t| < 2
        return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A
    ws = (far(lam + 1), near(lam), near(1 - lam), far(2 - lam))
    return [(np.clip(i0 - 1 + k, 0, n - 1), w.astype(dt)) for k, w in enumerate(ws)]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of an (N, C, d1[, d2[, d3]]) input to ``size`` or by ``scale_factor``.

    Modes: ``nearest`` (PyTorch's ``floor(dst * scale)`` rule), ``nearest-exact``, ``linear``,
    ``bilinear``, ``bicubic``, ``trilinear`` (``align_corners`` as PyTorch) and ``area``.

    Example::

        >>> F.interpolate(zoo_core.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    x = input._data
    dim = x.ndim - 2
    if mode not in _MODES or dim not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != dim:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR_DIMS[mode] + 2}D input")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | "
                             "bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(sizes) != dim:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {spatial} and output size of {size}. Please provide input tensor in (N, C, d1, d2, "
                "...,dK) format and output size in (o1, o2, ...,oK) format.")
        scales = [None] * dim
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    elif scale_factor is not None:
        scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
        if len(scales) != dim:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please provide input "
                "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
        sizes = [int(math.floor(float(n) * float(s))) for n, s in zip(spatial, scales)]
        if recompute_scale_factor or mode == "area":
            scales = [None] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if x.dtype.kind != "f":
        raise RuntimeError(f'"upsample_{mode}" not implemented for \'{input.dtype.name}\'')
    dt = np.float32 if x.dtype == np.float16 else x.dtype.type
    out = input
    for d in range(dim):
        n, o = spatial[d], int(sizes[d])
        if o <= 0:
            raise RuntimeError(f"interpolate: output size {o} of spatial dim {d} must be positive (input {spatial})")
        taps = _taps(mode, n, o, scales[d], align_corners, dt)
        if len(taps) == 1 and taps[0][1] is None and o == n and (taps[0][0] == np.arange(n)).all():
            continue   # identity along this dim
        out = _AxisMap(2 + d, taps, n).apply(out)
    return input.clone() if out is input else out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r) with ``r = upscale_factor``.

    Example::

        >>> F.pixel_shuffle(zoo_core.randn(1, 8, 3, 3), 2).shape
        zoo_core.Size([1, 2, 6, 6])
    """
    shape = tuple(input.shape)
    r = int(upscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    c, h, w = shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    lead = shape[:-3]
    n = len(lead)
    y = input.reshape(lead + (c // (r * r), r, r, h, w))                    # (*, C, r, r, H, W)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)                   # (*, C, H, r, W, r)
    return y.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of ``pixel_shuffle``."""
    shape = tuple(input.shape)
    r = int(downscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    c, h, w = shape[-3:]
    for name, size, d in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({d})={size} is not divisible by {r}")
    lead = shape[:-3]
    n = len(lead)
    y = input.reshape(lead + (c, h // r, r, w // r, r))                     # (*, C, H, r, W, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)                   # (*, C, r, r, H, W)
    return y.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """(N, g*k, *) -> (N, k*g, *): interleave the channels of ``groups`` groups (ShuffleNet).

    Example::

        >>> F.channel_shuffle(zoo_core.arange(4.).view(1, 4, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(shape)} dimension(s)")
    if groups <= 0 or shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {shape[1]} channels and "
                           f"{groups} groups.")
    y = input.reshape((shape[0], groups, shape[1] // groups) + shape[2:])    # (N, g, C/g, *)
    return y.transpose(1, 2).reshape(shape)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, L): ``(sum x^p)^(1/p)`` over each window."""
    from ...ops.pool import lp_pool2d
    k = kernel_size if isinstance(kernel_size, int) else tuple(kernel_size)[0]
    s = stride if stride is None or isinstance(stride, int) else tuple(stride)[0]
    return lp_pool2d(input.unsqueeze(-2), norm_type, (1, k), None if s is None else (1, s), ceil_mode).squeeze(-2)


# ==== dropout ====================================================================================
def _check_p(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, p, scaled=True):
    """A ``shape`` array of ``1/(1-p)`` (or 1 when not ``scaled``) where kept, with probability ``1-p``,
    and 0 elsewhere, drawn from zoo_core's generator."""
    from ...random import rand
    dt = input._data.dtype
    u = rand(shape, dtype="float64" if dt == np.float64 else "float32", device=input.device)._data
    keep = (u < (1.0 - p)).astype(dt)
    if not scaled:
        return keep
    return keep * dt.type(0.0 if p == 1 else 1.0 / (1.0 - p))


def _masked(input, mask, node):
    """``input * mask`` for a constant mask (broadcast to the input's shape)."""
    y = _wrap(input._data * mask)
    if input._rg and grad_mode.enabled:
        record(y, node, lambda g: (g * _wrap(mask),), (input,))
    return y


def _finish(input, out, inplace, name):
    return inplace_update(input, out, name) if inplace else out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``; identity when not
    ``training``. Uses zoo_core's generator, so ``manual_seed`` makes it reproducible.

    Example::

        >>> y = F.dropout(zoo_core.ones(1000), 0.5)
        >>> sorted(set(y.tolist()))
        [0.0, 2.0]
    """
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, _keep_mask(input, tuple(input._data.shape), p), "NativeDropoutBackward0")
    return _finish(input, out, inplace, "dropout_")


def _feature_dropout(input, p, training, inplace, name, dims):
    """Channel-wise dropout over an (N, C, *spatial) input with ``dims`` spatial dims (or unbatched)."""
    _check_p(p)
    x = input._data
    if x.ndim not in (dims + 1, dims + 2):
        hint = {1: "2D or 3D", 2: "3D or 4D", 3: "4D or 5D"}[dims]
        raise RuntimeError(f"{name}: Expected {hint} input, but received a {x.ndim}D input. Note that {name} "
                           f"exists to provide channel-wise dropout on inputs with {dims} spatial dimension"
                           f"{'s' if dims > 1 else ''}, a channel dimension, and an optional batch dimension "
                           f"(i.e. {hint} inputs).")
    if not training or p == 0 or x.size == 0:
        return input
    batched = x.ndim == dims + 2
    shape = (x.shape[:2] if batched else x.shape[:1]) + (1,) * dims
    if dims == 2 and not batched:   # PyTorch (for now) drops channels of dim 1 of a 3-D input, with a warning
        import warnings
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=3)
        shape = x.shape[:2] + (1,)
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, _keep_mask(input, shape, p), "MulBackward0")
    return _finish(input, out, inplace, name + "_")


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout1d", 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout2d", 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout3d", 3)


_ALPHA = 1.7580993408473766   # -SELU's negative saturation value: dropped units take it


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units are set to SELU's saturation value and the result is
    affinely rescaled so that mean and variance are kept."""
    return _alpha(input, p, training, inplace, tuple(input._data.shape), "alpha_dropout_")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """``alpha_dropout`` of whole channels (dim 1) of an (N, C, *) input."""
    shape = tuple(input._data.shape[:2]) + (1,) * (input._data.ndim - 2)
    return _alpha(input, p, training, inplace, shape, "feature_alpha_dropout_")


def _alpha(input, p, training, inplace, shape, name):
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    x = input._data
    keep = _keep_mask(input, shape, p, scaled=False)
    a = 1.0 / math.sqrt((_ALPHA ** 2 * p + 1) * (1 - p))
    b = _wrap(((keep - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(x.dtype, copy=False))
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, keep * x.dtype.type(a), "MulBackward0") + b
    return _finish(input, out, inplace, name)


# ==== embedding ==================================================================================
class _Rows:
    """Row gathers of an embedding table and their adjoints: ``take`` (``out[i] = s[idx[i]] * w[idx[i]]``)
    and ``add`` (``gw[j] = sum_{idx[i]=j} s[j] * g[i]``), each the other's backward. The forward lookup has
    no ``s``; the gradient's ``s`` zeroes the padding row and divides by the counts of each index."""
    __slots__ = ("idx", "n", "s")

    def __init__(self, idx, n, s):
        self.idx, self.n, self.s = idx, n, s

    def take(self, w, scaled):
        wa = w._data
        xp = _backend.array_module(wa)
        out = xp.take(wa, self.idx, axis=0)
        if scaled and self.s is not None:
            out *= xp.take(self.s, self.idx, axis=0).astype(wa.dtype)[..., None]
        y = _wrap(out)
        if w._rg and grad_mode.enabled:
            record(y, "EmbeddingBackward0", lambda g: (self.add(g),), (w,))
        return y

    def add(self, g):
        ga = g._data
        xp = _backend.array_module(ga)
        d = ga.shape[-1]
        out = xp.zeros((self.n, d), dtype=ga.dtype)
        _index_add_axis(xp, out, 0, self.idx.reshape(-1), ga.reshape(-1, d))
        if self.s is not None:
            out *= self.s.astype(ga.dtype)[:, None]
        y = _wrap(out)
        if g._rg and grad_mode.enabled:
            record(y, "EmbeddingDenseBackward0", lambda gg: (self.take(gg, True),), (g,))
        return y


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Look up rows of ``weight`` (num_embeddings, dim) at the integer indices ``input`` -> (*input.shape, dim).

    ``padding_idx``'s row gets no gradient; repeated indices accumulate; ``scale_grad_by_freq`` divides
    each row's gradient by its count in ``input``; ``max_norm`` renormalises the looked-up rows of
    ``weight`` in place.

    Example::

        >>> F.embedding(zoo_core.tensor([[0, 2]]), zoo_core.eye(3)).shape
        zoo_core.Size([1, 2, 3])
    """
    idx = input._data
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(input)} instead (while checking arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D (got shape {tuple(weight._data.shape)})")
    n = weight._data.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    xp = _backend.array_module(idx)
    s = None
    if padding_idx is not None or scale_grad_by_freq:
        s = xp.ones(n, dtype=np.float64)
        if scale_grad_by_freq:
            counts = xp.bincount(idx.reshape(-1).astype(np.int64), minlength=n)
            s /= xp.maximum(counts, 1)
        if padding_idx is not None:
            s[padding_idx] = 0
    return _Rows(idx.astype(np.int64, copy=False), n, s).take(weight, False)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Scale the rows of ``weight`` used by ``idx`` whose norm exceeds ``max_norm`` (in place, no grad)."""
    from ...ops.arith import _bump
    w = weight._data
    xp = _backend.array_module(w)
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows]
    norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = sel * scale[:, None]
    _bump(weight)   # the table changed in place, as with PyTorch's embedding_renorm_


def _type_name(t):
    from ...tensor import type_name
    return type_name(t).replace("zoo_core.", "torch.")


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: (*) -> (*, num_classes); ``num_classes=-1`` uses ``max + 1``.

    Example::

        >>> F.one_hot(zoo_core.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    x = tensor._data
    if x.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = _backend.array_module(x)
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size:
        if int(x.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(x.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((x[..., None] == xp.arange(num_classes)).astype(np.int64))


# ==== distances ==================================================================================
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``dim``.

    Example::

        >>> F.normalize(zoo_core.tensor([[3., 4.]]))
        tensor([[0.6000, 0.8000]])
    """
    y = input / input.norm(p, dim, keepdim=True).clamp_min(eps)
    return y if out is None else out.copy_(y)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 / ||x1|| * x2 / ||x2||)`` along ``dim`` with each norm at least ``eps`` (PyTorch's
    current formula: normalise first, which keeps the result in [-1, 1]).

    Example::

        >>> F.cosine_similarity(zoo_core.tensor([[1., 0.]]), zoo_core.tensor([[1., 1.]]))
        tensor([0.7071])
    """
    from ...ops.shape import broadcast_tensors
    if x1._data.dtype.kind != "f":
        x1 = x1.float()
    if x2._data.dtype.kind != "f":
        x2 = x2.float()
    x1, x2 = broadcast_tensors(x1, x2)

    def unit(x):
        n = x.norm(2, dim, keepdim=True)
        # the clamp changes the value only: PyTorch applies it in place under no_grad
        return x / (n + (n.detach().clamp_min(eps) - n.detach()))
    return (unit(x1) * unit(x2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim."""
    d = max(x1._data.ndim, x2._data.ndim) - 1
    return (x1 - x2 + eps).norm(p, max(d, 0), keepdim=keepdim)
