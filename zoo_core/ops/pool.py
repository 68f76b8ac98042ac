"""Pooling: ``max_pool1d/2d`` (``ceil_mode``, ``return_indices``), ``avg_pool1d/2d``, adaptive pools.

Windows are strided views of the (padded) input, as in ``conv.py``. Max pooling finds the argmax per
window once; the output is then a *pick* at those positions, and its backward a *place* (scatter-add) —
two linear primitives that are each other's backward, so double backward works. Average pooling is a
window sum and its adjoint, likewise.
"""
from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import _wrap
from .conv import _pair, _windows

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "lp_pool2d"]


class _Geom:
    """Window geometry of a 2-D pool over an (N, C, H, W) input."""
    __slots__ = ("k", "s", "p", "d", "hw", "out", "extra")

    def __init__(self, op, hw, kernel_size, stride, padding, dilation, ceil_mode):
        self.k = _pair(kernel_size, "kernel_size", op)
        self.s = _pair(stride if stride is not None and stride != [] else kernel_size, "stride", op)
        self.p = _pair(padding, "padding", op)
        self.d = _pair(dilation, "dilation", op)
        self.hw = hw
        for p, k in zip(self.p, self.k):
            if p > k // 2:
                raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got "
                                   f"pad={p}, kernel_size={k}")
        out, extra = [], []
        for size, k, s, p, d in zip(hw, self.k, self.s, self.p, self.d):
            eff = d * (k - 1) + 1
            o = (size + 2 * p - eff + ((s - 1) if ceil_mode else 0)) // s + 1
            if ceil_mode and (o - 1) * s >= size + p:
                o -= 1   # the last window must start inside the input or its left padding
            if o <= 0:
                raise RuntimeError(f"{op}: Given input size {tuple(hw)}, calculated output size is too small "
                                   f"({o}) for kernel_size={self.k}, stride={self.s}, padding={self.p}")
            out.append(o)
            extra.append(max(0, (o - 1) * s + eff - size - 2 * p))
        self.out = tuple(out)
        self.extra = tuple(extra)   # ceil_mode overhang past the right/bottom padding

    def padded(self, xp, x, fill):
        (ph, pw), (eh, ew) = self.p, self.extra
        if ph == pw == eh == ew == 0:
            return x
        n, c, h, w = x.shape
        out = xp.full((n, c, h + 2 * ph + eh, w + 2 * pw + ew), fill, dtype=x.dtype)
        out[:, :, ph:ph + h, pw:pw + w] = x
        return out

    def windows(self, xp, xpad):
        return _windows(xp, xpad, self.k[0], self.k[1], self.out[0], self.out[1], self.s, self.d)

    def offsets(self, a):
        """(flat window position, strided view of ``a`` (padded) at that window offset) pairs."""
        (kh, kw), (sh, sw), (dh, dw), (ho, wo) = self.k, self.s, self.d, self.out
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, a[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw]

    def window_max(self, xp, xpad):
        """The max of every window: one elementwise maximum per kernel offset over strided views
        (several times faster than copying windows out and reducing them)."""
        best = None
        for _, sl in self.offsets(xpad):
            if best is None:
                best = sl.copy()
            else:
                xp.maximum(best, sl, out=best)
        return best

    def first_max(self, xp, xpad, best):
        """The flat window position of the first maximum of every window (PyTorch's choice on ties)."""
        pos = xp.zeros(best.shape, dtype=xp.uint8 if self.k[0] * self.k[1] < 256 else xp.int64)
        for idx, sl in reversed(list(self.offsets(xpad))):
            pos = xp.where(sl == best, pos.dtype.type(idx), pos)
        return pos

    @property
    def disjoint(self):
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        return sh >= (kh - 1) * dh + 1 and sw >= (kw - 1) * dw + 1

    def place_first_max(self, xp, g, xpad, best, shape):
        """``place`` for disjoint windows without materialising positions: each window's gradient goes
        to its first maximum, found by comparison on the fly (the plain-backward fast path)."""
        n, c, h, w = shape
        (ph, pw), (eh, ew) = self.p, self.extra
        (kh, kw), (sh, sw), (dh, dw), (ho, wo) = self.k, self.s, self.d, self.out
        hp, wp = h + 2 * ph + eh, w + 2 * pw + ew
        # windows that tile the input exactly write every cell below: no need to zero it first
        tiles = (sh, sw, dh, dw, hp, wp) == (kh, kw, 1, 1, ho * kh, wo * kw)
        out = (xp.empty if tiles else xp.zeros)((n, c, hp, wp), dtype=g.dtype)
        free = None   # windows whose maximum has not been claimed yet
        last = self.k[0] * self.k[1] - 1
        for (idx, sl), (_, osl) in zip(self.offsets(xpad), self.offsets(out)):
            hit = sl == best
            if free is None:
                free = ~hit
            else:
                hit &= free
                if idx < last:
                    free ^= hit   # hit is a subset of free: xor clears the claimed windows
            xp.multiply(g, hit, out=osl)
        return out[:, :, ph:ph + h, pw:pw + w]

    def place(self, xp, g, shape, pos=None):
        """Scatter-add g (N, C, Ho, Wo) into the padded input: into window element ``pos`` (an
        (N, C, Ho, Wo) array of flat window positions) or, with ``pos=None``, into every element."""
        n, c, h, w = shape
        (ph, pw), (eh, ew) = self.p, self.extra
        out = xp.zeros((n, c, h + 2 * ph + eh, w + 2 * pw + ew), dtype=g.dtype)
        disjoint = self.disjoint
        for idx, sl in self.offsets(out):
            if pos is None:
                sl += g
            elif disjoint:   # windows don't overlap: each input cell gets at most one gradient
                xp.multiply(g, pos == idx, out=sl)
            else:
                sl += g * (pos == idx)
        return out[:, :, ph:ph + h, pw:pw + w]


def _pick(x, pos, geom):
    """out[n, c, a, b] = window (a, b) of x at flat window position pos[n, c, a, b]."""
    xa = x._data
    xp = _backend.array_module(xa)
    xpad = geom.padded(xp, xa, 0)
    out = xp.zeros(pos.shape, dtype=xa.dtype)
    for idx, sl in geom.offsets(xpad):
        xp.copyto(out, sl, where=pos == idx)
    out = _wrap(out)
    if x._rg and grad_mode.enabled:
        shape = xa.shape
        record(out, "MaxPool2DWithIndicesBackward0", lambda g: (_place(g, pos, geom, shape),), (x,))
    return out


def _place(g, pos, geom, shape):
    xp = _backend.array_module(g._data)
    out = _wrap(geom.place(xp, g._data, shape, pos))
    if g._rg and grad_mode.enabled:
        record(out, "MaxPool2DWithIndicesBackwardBackward0", lambda gg: (_pick(gg, pos, geom),), (g,))
    return out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``return_indices`` gives flat H*W positions.

    Example::

        >>> F.max_pool2d(zoo_core.arange(16.).view(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"max_pool2d: Expected 3D or 4D (batch mode) tensor for input, got shape "
                           f"{tuple(input._data.shape)}")
    unbatched = input._data.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    xa = x._data
    xp = _backend.array_module(xa)
    geom = _Geom("max_pool2d", xa.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    fill = -xp.inf if xa.dtype.kind == "f" else xp.iinfo(xa.dtype).min
    xpad = geom.padded(xp, xa, fill)
    best = geom.window_max(xp, xpad)
    # where each max came from is only needed for indices or the backward: found then, by comparison
    pos = geom.first_max(xp, xpad, best) if return_indices else None
    out = _wrap(best)
    if x._rg and grad_mode.enabled:
        shape = xa.shape

        def backward(g):
            xpad = geom.padded(xp, x._data, fill)
            if pos is None and not grad_mode.enabled and geom.disjoint:
                return (_wrap(geom.place_first_max(xp, g._data, xpad, best, shape)),)
            p = pos if pos is not None else geom.first_max(xp, xpad, best)
            return (_place(g, p, geom, shape),)
        record(out, "MaxPool2DWithIndicesBackward0", backward, (x,), (x,))
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    # flat index into the unpadded H*W plane, as PyTorch reports it
    kw = geom.k[1]
    p64 = pos.astype(xp.int64)
    rows = xp.arange(geom.out[0]).reshape(-1, 1) * geom.s[0] - geom.p[0] + (p64 // kw) * geom.d[0]
    cols = xp.arange(geom.out[1]).reshape(1, -1) * geom.s[1] - geom.p[1] + (p64 % kw) * geom.d[1]
    idx = _wrap((rows * xa.shape[3] + cols).astype(xp.int64))
    return out, (idx.squeeze(0) if unbatched else idx)


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
    h, w = geom.hw
    ones = xp.ones((1, 1, h, w), dtype=dtype)
    (ph, pw), (eh, ew) = geom.p, geom.extra
    # counting window: the input's ones, plus the zero padding when it counts (the ceil-mode overhang
    # past the padding never counts)
    count = xp.zeros((1, 1, h + 2 * ph + eh, w + 2 * pw + ew), dtype=dtype)
    if count_include_pad:
        count[:, :, :h + 2 * ph, :w + 2 * pw] = 1
    else:
        count[:, :, ph:ph + h, pw:pw + w] = 1
    return geom.windows(xp, count).sum(axis=(2, 3))[0, 0]


def _avg(x, geom, div):
    xa = x._data
    xp = _backend.array_module(xa)
    s = geom.windows(xp, geom.padded(xp, xa, 0)).sum(axis=(2, 3))
    out = _wrap((s / div).astype(xa.dtype, copy=False))
    if x._rg and grad_mode.enabled:
        shape = xa.shape
        record(out, "AvgPool2DBackward0", lambda g: (_avg_t(g, geom, div, shape),), (x,))
    return out


def _avg_t(g, geom, div, shape):
    ga = g._data
    xp = _backend.array_module(ga)
    out = _wrap(geom.place(xp, (ga / div).astype(ga.dtype, copy=False), shape))
    if g._rg and grad_mode.enabled:
        record(out, "AvgPool2DBackwardBackward0", lambda gg: (_avg(gg, geom, div),), (g,))
    return out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W)."""
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"avg_pool2d: Expected 3D or 4D (batch mode) tensor for input, got shape "
                           f"{tuple(input._data.shape)}")
    unbatched = input._data.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    xa = x._data
    if xa.dtype.kind != "f":
        raise RuntimeError(f"avg_pool2d: \"avg_pool2d\" not implemented for '{x.dtype.name}'")
    xp = _backend.array_module(xa)
    geom = _Geom("avg_pool2d", xa.shape[2:], kernel_size, stride, padding, 1, ceil_mode)
    div = _divisor(xp, geom, count_include_pad, divisor_override, xa.dtype)
    out = _avg(x, geom, div)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L)."""
    return avg_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)),
                      (1, _one(stride if stride is not None else kernel_size)), (0, _one(padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum x^p)^(1/p)`` over each window."""
    k = _pair(kernel_size, "kernel_size", "lp_pool2d")
    s = avg_pool2d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (s.sign() * s.abs().relu()).mul(k[0] * k[1]).pow(1.0 / norm_type)


# ---- adaptive pooling ---------------------------------------------------------------------------
def _adaptive_sizes(op, hw, output_size):
    out = _pair(output_size, "output_size", op) if not isinstance(output_size, int) else (output_size, output_size)
    return tuple(hw[i] if o is None else int(o) for i, o in enumerate(out))


def _region(i, size, out):
    return (i * size) // out, -((-(i + 1) * size) // out)


def _pool_matrix(xp, size, out, dtype):
    """(out, size) averaging matrix of PyTorch's adaptive regions [floor(i*size/out), ceil((i+1)*size/out))."""
    m = xp.zeros((out, size), dtype=dtype)
    for i in range(out):
        a, b = _region(i, size, out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (regions as PyTorch computes them)."""
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: Expected 3D or 4D tensor, got shape {tuple(input._data.shape)}")
    h, w = input._data.shape[-2:]
    oh, ow = _adaptive_sizes("adaptive_avg_pool2d", (h, w), output_size)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    xp = _backend.array_module(input._data)
    dt = input._data.dtype
    ph = _wrap(_pool_matrix(xp, h, oh, dt))
    pw = _wrap(_pool_matrix(xp, w, ow, dt))
    return ph @ input @ pw.mT   # (oh, h) @ (..., h, w) @ (w, ow)


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; ``return_indices`` gives flat H*W positions."""
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d: Expected 3D or 4D tensor, got shape {tuple(input._data.shape)}")
    h, w = input._data.shape[-2:]
    oh, ow = _adaptive_sizes("adaptive_max_pool2d", (h, w), output_size)
    if h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    xa = input._data
    xp = _backend.array_module(xa)
    idx = xp.empty(xa.shape[:-2] + (oh, ow), dtype=xp.int64)
    for i in range(oh):
        a, b = _region(i, h, oh)
        for j in range(ow):
            c, d = _region(j, w, ow)
            region = xa[..., a:b, c:d].reshape(xa.shape[:-2] + (-1,))
            k = region.argmax(axis=-1)
            idx[..., i, j] = (a + k // (d - c)) * w + c + k % (d - c)
    index = _wrap(idx)
    out = input.flatten(-2).gather(-1, index.flatten(-2)).unflatten(-1, (oh, ow))
    return (out, index) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(output_size)), return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)
