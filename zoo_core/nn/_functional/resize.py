"""Resizing layers: ``pad``, ``interpolate`` (both built on gathers along one axis whose adjoint is a
scatter-add), ``pixel_shuffle``/``pixel_unshuffle``, ``channel_shuffle``, ``lp_pool1d``.
"""
import math

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "lp_pool1d"]


# ==== gathers along one axis: the primitive behind pad (reflect/replicate/circular) and interpolate ====
def _index_add_axis(xp, out, axis, idx, vals):
    """``out[..., idx[j], ...] += vals[..., j, ...]`` along ``axis``, repeated indices accumulating."""
    if len(idx) == 0:
        return
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
    if 0 in (x.shape[1:] if x.ndim == k + 2 else x.shape):
        raise RuntimeError(f"pad ({mode}): Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch "
                           f"size and other non-zero dimensions for input, but got: {list(x.shape)}")
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


def _taps(mode, n, out, scale, align_corners, dt, dims=2):
    """[(index, weight)] of one output axis for ``mode`` (PyTorch's CPU index and weight rules)."""
    j = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        # torch's 2-d nearest copies (out == n) and doubles (out == 2n) whatever the scale; 1-d and 3-d
        # map with 1/scale_factor then too
        exact = scale is None or dims == 2
        if mode == "nearest" and out == n and (exact or scale == 1):
            return [(j, None)]
        if mode == "nearest" and out == 2 * n and (exact or scale == 2):
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
    if mode != "bicubic" and out == n and not align_corners:   # torch copies here, whatever the scale
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


# ==== antialiased resampling: PIL's filters, as PyTorch's _upsample_{bilinear2d,bicubic2d,lanczos2d}_aa ====
_AA_SUPPORT = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}   # half-width of each filter at scale 1


def _aa_filter(mode, t):
    """The filter of ``mode`` at offsets ``t`` (in t's dtype): a triangle, the Keys cubic with a = -0.5
    (PIL's choice, where plain bicubic uses -0.75), or Lanczos-3."""
    t = np.abs(t)
    if mode == "bilinear":
        return np.maximum(1 - t, 0)
    if mode == "bicubic":
        a = t.dtype.type(-0.5)
        near = ((a + 2) * t - (a + 3)) * t * t + 1
        far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
        return np.where(t < 1, near, np.where(t < 2, far, 0)).astype(t.dtype)
    t64 = t.astype(np.float64)
    return np.where(t64 < 3, np.sinc(t64) * np.sinc(t64 / 3), 0).astype(t.dtype)


def _aa_taps(mode, n, out, scale, align_corners, dt):
    """[(index, weight)] of one output axis of an antialiased resize (PyTorch's CPU rule, as PIL).

    Output pixel ``j`` centres the filter at ``r * (j + 0.5)`` in input coordinates (``r`` = in/out, also
    under align_corners, whose only effect is PyTorch's ``r = (n - 1) / (out - 1)``). Downsampling (r > 1)
    stretches the filter by ``r`` so that it averages every input it covers; the inputs it reaches are
    clipped at the borders and each output's weights renormalised to sum to 1. The arithmetic follows
    PyTorch's float/double steps in the compute dtype ``dt``: in float32 the centres of a long axis are only
    good to ~1e-5, and matching that keeps the results within float32 rounding of PyTorch's."""
    f64 = np.float64
    r = _scale(dt, n, out, scale, align_corners)
    big = r >= 1
    support = dt(_AA_SUPPORT[mode] * f64(r)) if big else dt(_AA_SUPPORT[mode])
    inv = dt(1.0 / f64(r)) if big else dt(1)
    width = 2 * math.ceil(support) + 1                                   # the most inputs one output reaches
    centre = (f64(r) * (np.arange(out) + 0.5)).astype(dt)
    lo = np.maximum(np.trunc((centre - support).astype(f64) + 0.5), 0).astype(np.int64)  # C++ int cast
    hi = np.minimum(np.trunc((centre + support).astype(f64) + 0.5).astype(np.int64), n)
    count = np.clip(hi - lo, 0, width)
    width = max(int(count.max()), 1)
    idx = lo[:, None] + np.arange(width)                                 # (out, width)
    t = (((idx.astype(dt) - centre[:, None]).astype(f64) + 0.5) * f64(inv)).astype(dt)
    w = np.where(np.arange(width) < count[:, None], _aa_filter(mode, t), dt(0))
    total = w[:, 0].copy()
    for k in range(1, width):   # summed in order, as PyTorch does
        total += w[:, k]
    w = (w / np.where(total == 0, dt(1), total)[:, None]).astype(dt)
    idx = np.minimum(idx, n - 1)
    return [(idx[:, k], w[:, k]) for k in range(width)]


def _interpolate_aa(input, mode, sizes, scales, align_corners):
    """The separable antialiased resize of a 4-D input: along W, then along H (PyTorch's order, so that
    float32 rounds alike), each a constant linear map whose backward is its adjoint."""
    h, w = input.shape[2:]
    oh, ow = (int(o) for o in sizes)
    if min(h, w, oh, ow) <= 0:
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input (H: {h}, W: {w}) "
                           f"output (H: {oh}, W: {ow})")
    if input._data.dtype.kind != "f" or input._data.dtype == np.float16:
        from ...ops.misc import _TORCH_NAMES
        raise NotImplementedError(f"\"compute_index_ranges_weights\" not implemented for "
                                  f"'{_TORCH_NAMES.get(input.dtype.name, input.dtype.name)}' (interpolate with "
                                  f"antialias=True, mode='{mode}'); convert the input to float32 or float64")
    dt = input._data.dtype.type
    out = input
    for d, n, o in ((3, w, ow), (2, h, oh)):
        if o != n:   # PyTorch skips an unchanged axis even when scale_factor says otherwise
            out = _AxisMap(d, _aa_taps(mode, n, o, scales[d - 2], align_corners, dt), n).apply(out)
    return input.clone() if out is input else out


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of an (N, C, d1[, d2[, d3]]) input to ``size`` or by ``scale_factor``.

    Modes: ``nearest`` (PyTorch's ``floor(dst * scale)`` rule), ``nearest-exact``, ``linear``,
    ``bilinear``, ``bicubic``, ``trilinear`` (``align_corners`` as PyTorch) and ``area``.
    ``antialias=True`` (4-D input; ``bilinear``, ``bicubic`` or ``lanczos``, which requires it) resamples
    with PIL's filters, stretched when downsampling so that no input pixel is skipped.

    Example::

        >>> F.interpolate(zoo_core.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
        >>> F.interpolate(zoo_core.ones(1, 1, 4, 4), size=2, mode="bilinear", antialias=True)
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """
    x = input._data
    dim = x.ndim - 2
    # PyTorch's order of checks: align_corners, size / scale_factor, antialias, then mode against dims
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | "
                             "bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
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
    if antialias and not (mode in _AA_SUPPORT and x.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    if mode == "lanczos" and x.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if antialias:
        return _interpolate_aa(input, mode, sizes, scales, align_corners)
    if mode not in _MODES or dim not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != dim:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR_DIMS[mode] + 2}D input")
    # torch resizes uint8 images too; nearest is a gather and exact (its linear modes round in fixed point)
    if x.dtype.kind != "f" and not (x.dtype == np.uint8 and mode in ("nearest", "nearest-exact")):
        raise NotImplementedError(f'"upsample_{mode}" not implemented for \'{input.dtype.name}\'')
    dt = np.float32 if x.dtype == np.float16 else x.dtype.type
    out = input
    for d in range(dim):
        n, o = spatial[d], int(sizes[d])
        if o <= 0:
            raise RuntimeError(f"interpolate: output size {o} of spatial dim {d} must be positive (input {spatial})")
        taps = _taps(mode, n, o, scales[d], align_corners, dt, dim)
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
