"""Window geometry of N-d max/avg pooling (``_Geom``): output sizes, padding, the strided views of each
kernel offset, and the max-pool kernels built on them (window max, first-max positions, scatters).

Numpy runs elementwise ops on strided views several times slower than on contiguous arrays, so the
kernels here touch the (padded) input and the gradient buffer once per kernel offset and do the rest of
their work on contiguous (N, C, *out) arrays.
"""
from .conv import _ntuple, _offset_slices, _windows

_ALL = slice(None)


class _Geom:
    """Window geometry of an N-d pool over an (N, C, *spatial) input."""
    __slots__ = ("k", "s", "p", "d", "hw", "out", "extra", "nd", "slices")

    def __init__(self, op, hw, kernel_size, stride, padding, dilation, ceil_mode):
        nd = self.nd = len(hw)
        self.k = _ntuple(kernel_size, nd, "kernel_size", op)
        self.s = _ntuple(stride if stride is not None and stride != [] else kernel_size, nd, "stride", op)
        self.p = _ntuple(padding, nd, "padding", op)
        self.d = _ntuple(dilation, nd, "dilation", op)
        self.hw = hw
        if any(s <= 0 for s in self.s):
            raise RuntimeError(f"{op}: stride should not be zero, got stride={self.s}")
        for p, k, d in zip(self.p, self.k, self.d):
            if p > k // 2:
                raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got "
                                   f"pad={p}, kernel_size={k} and dilation={d}")
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
        self.extra = tuple(extra)   # ceil_mode overhang past the trailing padding
        self.slices = [(_ALL, _ALL) + win for win in _offset_slices(self.k, self.s, self.d, self.out)]

    @property
    def window(self):
        return len(self.slices)

    def padded_shape(self, shape):
        return tuple(shape[:2]) + tuple(h + 2 * p + e for h, p, e in zip(shape[2:], self.p, self.extra))

    def interior(self, a):
        """The unpadded input inside a padded array."""
        return a[(_ALL, _ALL) + tuple(slice(p, p + h) for p, h in zip(self.p, self.hw))]

    def padded(self, xp, x, fill):
        if self.unpadded:
            return x
        out = xp.full(self.padded_shape(x.shape), fill, dtype=x.dtype)
        out[(_ALL, _ALL) + tuple(slice(p, p + h) for p, h in zip(self.p, x.shape[2:]))] = x
        return out

    def windows(self, xp, xpad):
        return _windows(xp, xpad, self.k, self.out, self.s, self.d)

    def offsets(self, a):
        """(flat window position, strided view of ``a`` (padded) at that window offset) pairs."""
        for idx, win in enumerate(self.slices):
            yield idx, a[win]

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

    def valid(self, xp):
        """A padded (1, 1, *spatial) mask of the real input cells, or None without padding: a window
        whose max equals the padding fill (-inf, or an int dtype's min) must point at a real cell."""
        if self.unpadded:
            return None
        return self.padded(xp, xp.ones((1, 1) + tuple(self.hw), dtype=bool), False)

    def first_max(self, xp, xpad, best, valid=None):
        """The flat window position of the first maximum of every window (PyTorch's choice on ties;
        for a NaN maximum, PyTorch's is the last NaN)."""
        pos = xp.zeros(best.shape, dtype=xp.uint8 if self.window < 256 else xp.int64)
        for idx, sl in reversed(list(self.offsets(xpad))):
            hit = sl == best
            if valid is not None:
                hit &= valid[self.slices[idx]]
            pos = xp.where(hit, pos.dtype.type(idx), pos)
        if best.dtype.kind == "f" and bool(xp.isnan(best).any()):
            for idx, sl in self.offsets(xpad):
                pos = xp.where(xp.isnan(sl), pos.dtype.type(idx), pos)
        return pos

    def max_first(self, xp, x):
        """``(window_max, first_max)`` in one pass, for disjoint windows of an unpadded input: every
        kernel offset's strided view is copied once into a contiguous (window, N, C, *out) buffer, and
        the max and the positions are found on that (a strided view costs several contiguous passes).
        Same values and the same rules as ``window_max`` and ``first_max``."""
        k = self.window
        cols = xp.empty((k,) + tuple(x.shape[:2]) + self.out, dtype=x.dtype)
        for idx, sl in self.offsets(x):
            cols[idx] = sl
        best = xp.maximum(cols[0], cols[1]) if k > 1 else cols[0].copy()
        for idx in range(2, k):
            xp.maximum(best, cols[idx], out=best)   # same order as window_max: same signed zeros
        # the first maximum's position counts the leading misses: add 1 for every offset before it
        small = k < 256
        pos = xp.zeros(best.shape, dtype=xp.uint8 if small else xp.int64)
        free = xp.not_equal(cols[0], best)   # no maximum found yet
        count = free.view(xp.uint8) if small else free   # uint8 + uint8: no casting loop
        miss = xp.empty(best.shape, dtype=bool)
        for idx in range(1, k):
            xp.add(pos, count, out=pos)
            if idx < k - 1:
                xp.not_equal(cols[idx], best, out=miss)
                free &= miss
        if best.dtype.kind == "f" and bool(xp.isnan(best).any()):
            for idx in range(k):
                pos = xp.where(xp.isnan(cols[idx]), pos.dtype.type(idx), pos)
        return best, pos

    @property
    def disjoint(self):
        return all(s >= (k - 1) * d + 1 for k, s, d in zip(self.k, self.s, self.d))

    @property
    def unpadded(self):
        return not any(self.p) and not any(self.extra)

    def tiles(self, padded):
        """Whether the windows cover the padded shape exactly, each cell once."""
        return self.s == self.k and all(d == 1 for d in self.d) and tuple(padded[2:]) == tuple(
            o * k for o, k in zip(self.out, self.k))

    def place_first_max(self, xp, g, xpad, best, shape, valid=None):
        """``place`` for disjoint windows without materialising positions: each window's gradient goes
        to its first maximum, found by comparison on the fly (the plain-backward fast path)."""
        padded = self.padded_shape(shape)
        # windows that tile the input exactly write every cell below: no need to zero it first
        out = (xp.empty if self.tiles(padded) else xp.zeros)(padded, dtype=g.dtype)
        free = None   # windows whose maximum has not been claimed yet
        last = self.window - 1
        for (idx, sl), (_, osl) in zip(self.offsets(xpad), self.offsets(out)):
            hit = sl == best
            if valid is not None:
                hit &= valid[self.slices[idx]]
            if free is None:
                free = ~hit
            else:
                hit &= free
                if idx < last:
                    free ^= hit   # hit is a subset of free: xor clears the claimed windows
            xp.multiply(g, hit, out=osl)
        return self.interior(out)

    def place(self, xp, g, shape, pos=None):
        """Scatter-add g (N, C, *out) into the padded input: into window element ``pos`` (an
        (N, C, *out) array of flat window positions) or, with ``pos=None``, into every element."""
        padded = self.padded_shape(shape)
        # with positions, exactly tiling windows write every cell below (pos == idx is 0 or 1)
        out = (xp.empty if pos is not None and self.tiles(padded) else xp.zeros)(padded, dtype=g.dtype)
        disjoint = self.disjoint
        for idx, sl in self.offsets(out):
            if pos is None:
                sl += g
            elif disjoint:   # windows don't overlap: each input cell gets at most one gradient
                xp.multiply(g, pos == idx, out=sl)
            else:
                sl += g * (pos == idx)
        return self.interior(out)
