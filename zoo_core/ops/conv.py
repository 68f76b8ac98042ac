"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold``/``fold``.

CPU and GPU share one im2col path for any number of spatial dims: a strided window view of the padded
input is copied into columns ``(C*prod(k), N*prod(out))`` and multiplied by the weight matrix in one
batched GEMM per group. Three primitives are adjoint pieces of one bilinear form ``<conv(x, w), y>``:

- ``conv(x, w)``            backward: ``conv_transpose(gy, w)`` and ``conv_weight(x, gy)``
- ``conv_transpose(y, w)``  backward: ``conv(gx, w)`` and ``conv_weight(gx, y)``
- ``conv_weight(x, gy)``    backward: ``conv_transpose(gy, ggw)`` and ``conv(x, ggw)``

so every gradient is itself a differentiable conv, and higher-order gradients need no extra code.
``conv1d`` is ``conv2d`` on a height-1 image; ``conv2d`` and ``conv3d`` run the same N-d primitives.
"""
import itertools
import math

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, check_same_device

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold"]

_KEEP_COLS_BYTES = 64 << 20   # forward columns up to this size are kept for the weight gradient
_ARITY = {2: "a pair", 3: "a triple"}


class ArgumentError(RuntimeError, ValueError):
    """A malformed argument (a size tuple of the wrong length, a bad padding string). torch raises
    RuntimeError; it is also a ValueError, which zoo raised before and callers may catch."""


def _ntuple(v, n, name, op):
    """An int or a sequence of 1 or ``n`` ints -> an ``n``-tuple."""
    if isinstance(v, int):
        return (v,) * n
    if isinstance(v, str):
        raise TypeError(f"{op}: argument '{name}' must be tuple of ints, not str")
    v = tuple(v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ArgumentError(f"{op}: expected {name} to be a single int or {_ARITY.get(n, f'{n} values')}, got {v}")
    return v


def _pair(v, name, op):
    return _ntuple(v, 2, name, op)


def _triple(v, name, op):
    return _ntuple(v, 3, name, op)


def _out_size(size, k, s, p0, p1, d):
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


def _windows(xp, xpad, k, out, s, d):
    """A (N, C, *k, *out) strided view of the padded input: window element ``i`` of output ``a``."""
    n, c = xpad.shape[:2]
    sn, sc, *sp = xpad.strides
    return xp.lib.stride_tricks.as_strided(
        xpad, (n, c, *k, *out),
        (sn, sc, *(st * di for st, di in zip(sp, d)), *(st * si for st, si in zip(sp, s))))


def _offset_slices(k, s, d, out):
    """Per kernel offset (in row-major order), the strided slices of the padded input that it meets:
    the elements that offset contributes to each of the ``out`` windows."""
    return itertools.product(*([slice(i * dd, i * dd + ss * (o - 1) + 1, ss) for i in range(kk)]
                               for kk, ss, dd, o in zip(k, s, d, out)))


def _pad(xp, x, pads):
    if not any(a or b for a, b in pads):
        return x
    out = xp.zeros(x.shape[:2] + tuple(h + a + b for h, (a, b) in zip(x.shape[2:], pads)), dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(a, a + h) for h, (a, _) in zip(x.shape[2:], pads))] = x
    return out


def _im2col(x, k, s, pads, d):
    """Columns (C*prod(k), N*prod(out)): one row per (channel, kernel offset), one column per output
    position, and the output's spatial size ``out``.

    This layout makes every conv GEMM a single large matrix product (forward, input and weight grads)."""
    xp = _backend.array_module(x)
    n, c = x.shape[:2]
    nd = len(k)
    out = tuple(_out_size(h, kk, ss, a, b, dd) for h, kk, ss, (a, b), dd in zip(x.shape[2:], k, s, pads, d))
    win = _windows(xp, _pad(xp, x, pads), k, out, s, d)                  # (N, C, *k, *out) view
    cols = xp.ascontiguousarray(win.transpose(1, *range(2, 2 + nd), 0, *range(2 + nd, 2 + 2 * nd)))
    return cols.reshape(c * math.prod(k), n * math.prod(out)), out     # from (C, *k, N, *out)


def _col2im(cols, shape, k, s, pads, d, out):
    """The adjoint of ``_im2col``: sum columns (C*prod(k), N*prod(out)) back into an (N, C, *spatial) image.

    Sums in (C, N, *spatial) order, the columns' own, and transposes once at the end: faster than adding
    transposed slices."""
    xp = _backend.array_module(cols)
    n, c, *sp = shape
    img = xp.zeros((c, n) + tuple(h + a + b for h, (a, b) in zip(sp, pads)), dtype=cols.dtype)
    cols = cols.reshape(c, math.prod(k), n, *out)
    every = (slice(None), slice(None))
    for idx, win in enumerate(_offset_slices(k, s, d, out)):
        img[every + win] += cols[:, idx]
    img = img[every + tuple(slice(a, a + h) for h, (a, _) in zip(sp, pads))]
    return xp.ascontiguousarray(img.transpose(1, 0, *range(2, img.ndim)))


def _to_rows(y, g):
    """(N, O, *out) -> (g, O/g, N*prod(out)): channels first, as the GEMMs want them."""
    xp = _backend.array_module(y)
    o = y.shape[1]
    return xp.ascontiguousarray(y.transpose(1, 0, *range(2, y.ndim))).reshape(g, o // g, y.size // max(o, 1))


def _from_rows(rows, n, out):
    """(g, O/g, N*prod(out)) -> contiguous (N, O, *out)."""
    xp = _backend.array_module(rows)
    o = rows.shape[0] * rows.shape[1]
    return xp.ascontiguousarray(rows.reshape(o, n, *out).transpose(1, 0, *range(2, 2 + len(out))))


# ---- the three primitives -----------------------------------------------------------------------
def _conv(x, w, s, pads, d, g):
    """y = conv(x, w): x (N, C, *spatial), w (O, C/g, *k) -> (N, O, *out)."""
    xa, wa = x._data, w._data
    n = xa.shape[0]
    o, cg, *k = wa.shape
    kk = cg * math.prod(k)
    cols, out = _im2col(xa, k, s, pads, d)
    rows = wa.reshape(g, o // g, kk) @ cols.reshape(g, kk, cols.shape[1])
    y = _wrap(_from_rows(rows, n, out))
    if grad_mode.enabled and (x._rg or w._rg):
        in_sp = xa.shape[2:]
        # the weight gradient needs these columns again: keep them when they are small, else recompute
        keep = cols if w._rg and cols.nbytes <= _KEEP_COLS_BYTES else None

        def backward(gy):
            gx = _conv_t(gy, w, s, pads, d, g, in_sp) if x._rg else None
            gw = _conv_w(x, gy, s, pads, d, g, k, keep) if w._rg else None
            return gx, gw
        record(y, "ConvolutionBackward0", backward, (x, w), (x, w))
    return y


def _conv_t(y, w, s, pads, d, g, in_sp):
    """x = conv^T(y, w): the adjoint of ``_conv`` in its input, (N, O, *out) -> (N, C, *in_sp)."""
    ya, wa = y._data, w._data
    n, o, *out = ya.shape
    _, cg, *k = wa.shape
    kk = cg * math.prod(k)
    wt = wa.reshape(g, o // g, kk).transpose(0, 2, 1)                # (g, K/g, O/g)
    cols = wt @ _to_rows(ya, g)                                       # (g, K/g, N*L)
    x = _wrap(_col2im(cols.reshape(g * kk, cols.shape[-1]), (n, g * cg) + tuple(in_sp), k, s, pads, d, out))
    if grad_mode.enabled and (y._rg or w._rg):
        def backward(gx):
            gy = _conv(gx, w, s, pads, d, g) if y._rg else None
            gw = _conv_w(gx, y, s, pads, d, g, k) if w._rg else None
            return gy, gw
        record(x, "ConvolutionBackward0", backward, (y, w), (y, w))
    return x


def _conv_w(x, y, s, pads, d, g, k, cols=None):
    """gw = d<conv(x, w), y>/dw: (N, C, *spatial) and (N, O, *out) -> (O, C/g, *k); ``cols``: x's
    columns when the forward kept them."""
    xa, ya = x._data, y._data
    c = xa.shape[1]
    o = ya.shape[1]
    cg = c // g
    if cols is None:
        cols, _ = _im2col(xa, k, s, pads, d)
    cols = cols.reshape(g, cg * math.prod(k), cols.shape[-1])
    gw = _wrap((_to_rows(ya, g) @ cols.transpose(0, 2, 1)).reshape(o, cg, *k))
    if grad_mode.enabled and (x._rg or y._rg):
        def backward(ggw):
            gx = _conv_t(y, ggw, s, pads, d, g, xa.shape[2:]) if x._rg else None
            gy = _conv(x, ggw, s, pads, d, g) if y._rg else None
            return gx, gy
        record(gw, "ConvolutionBackwardBackward0", backward, (x, y), (x, y))
    return gw


# ---- public functions ---------------------------------------------------------------------------
def _same_pads(k, d):
    total = d * (k - 1)
    return (total // 2, total - total // 2)


def _check(op, input, weight, bias, groups, dims, transposed=False):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be Tensors")
    if input._data.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{op}: Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input, but got input of size: "
            f"{list(input._data.shape)}")
    if weight._data.ndim != dims + 2:
        raise RuntimeError(f"{op}: weight must be {dims + 2}-D, got shape {tuple(weight._data.shape)}")
    check_same_device(op, input, weight)
    c = input._data.shape[-dims - 1]
    if transposed:
        if weight._data.shape[0] != c:
            raise RuntimeError(
                f"{op}: Given transposed=1, weight of size {list(weight._data.shape)}, expected input"
                f"{list(input._data.shape)} to have {weight._data.shape[0]} channels, but got {c} channels instead")
    elif weight._data.shape[1] * groups != c:
        raise RuntimeError(
            f"{op}: Given groups={groups}, weight of size {list(weight._data.shape)}, expected input"
            f"{list(input._data.shape)} to have {weight._data.shape[1] * groups} channels, but got {c} "
            "channels instead")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"{op}: Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same")
    if weight._data.shape[0] == 0:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be at least 1 at dimension 0, but got "
                           f"weight of size {list(weight._data.shape)} instead")
    if bias is not None and bias._data.shape != (weight._data.shape[1] * groups if transposed else weight._data.shape[0],):
        raise RuntimeError(f"{op}: bias of shape {tuple(bias._data.shape)} does not match the output channels")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}: Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")


def _check_params(op, s, p, d, groups):
    """torch's RuntimeErrors for non-positive stride/dilation/groups and negative padding (else these
    surface as numpy errors deep in im2col)."""
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got stride={s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation={d}")
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={p}")


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    """``conv2d``/``conv3d``: an ``nd``-d convolution of (N, C, *spatial) or (C, *spatial)."""
    _check(op, input, weight, bias, groups, nd)
    unbatched = input._data.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    s, d = _ntuple(stride, nd, "stride", op), _ntuple(dilation, nd, "dilation", op)
    k = weight._data.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(v != 1 for v in s):
                raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions")
            pads = tuple(_same_pads(kk, dd) for kk, dd in zip(k, d))
        else:
            raise ArgumentError(f"{op}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        pads = tuple((p, p) for p in _ntuple(padding, nd, "padding", op))
    _check_params(op, s, [a for a, _ in pads], d, groups)
    if 0 in x._data.shape[2:] and x._data.shape[0] and x._data.shape[1]:
        raise RuntimeError(f"{op}: Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(x._data.shape)}")
    padded = [h + a + b for h, (a, b) in zip(x._data.shape[2:], pads)]
    eff = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    if any(h < e for h, e in zip(padded, eff)):
        raise RuntimeError(
            f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    y = _conv(x, weight, s, pads, d, groups)
    if bias is not None:
        y = y + bias.reshape(1, -1, *(1,) * nd)
    return y.squeeze(0) if unbatched else y


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """``conv_transpose2d``/``conv_transpose3d``: the adjoint of ``_convnd`` in its input."""
    _check(op, input, weight, bias, groups, nd, transposed=True)
    unbatched = input._data.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    s, d = _ntuple(stride, nd, "stride", op), _ntuple(dilation, nd, "dilation", op)
    p = _ntuple(padding, nd, "padding", op)
    opad = _ntuple(output_padding, nd, "output_padding", op)
    _check_params(op, s, p, d, groups)
    if weight._data.shape[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight._data.shape)} instead")
    for a, b_, dd in zip(opad, s, d):
        if a >= b_ and a >= dd:
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                               f"output_padding={opad}, stride={s}, dilation={d}")
    out = tuple((i - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
                for i, ss, pp, dd, kk, oo in zip(x._data.shape[2:], s, p, d, weight._data.shape[2:], opad))
    # the adjoint of a conv whose input is ``out`` with padding p before and p - op after (the conv
    # reads no further). When op > p (possible with op >= stride, allowed when op < dilation), the last
    # op - p rows are beyond any window: compute without them, then append them as zeros
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: Given input size per channel: {list(x._data.shape[2:])}. Calculated output size "
                           f"per channel: {list(out)}. Output size is too small")
    tail = tuple(max(oo - pp, 0) for oo, pp in zip(opad, p))
    pads = tuple((pp, max(pp - oo, 0)) for oo, pp in zip(opad, p))
    y = _conv_t(x, weight, s, pads, d, groups, tuple(o - t for o, t in zip(out, tail)))
    if any(tail):
        from ..nn._functional.resize import pad as _pad_fn   # lazy: nn imports ops
        y = _pad_fn(y, [v for t in reversed(tail) for v in (0, t)])
    if bias is not None:
        y = y + bias.reshape(1, -1, *(1,) * nd)
    return y.squeeze(0) if unbatched else y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw).

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"`` (stride 1; extra padding goes right/bottom).

    Example::

        >>> F.conv2d(zoo_core.randn(1, 3, 8, 8), zoo_core.randn(4, 3, 3, 3), padding=1).shape
        zoo_core.Size([1, 4, 8, 8])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of ``input`` (N, C, D, H, W) or (C, D, H, W) with ``weight`` (O, C/groups, kd, kh, kw).

    ``padding`` is an int, a triple, ``"valid"`` or ``"same"`` (stride 1; extra padding goes last).

    Example::

        >>> conv3d(zoo_core.randn(1, 2, 4, 6, 6), zoo_core.randn(3, 2, 3, 3, 3), padding=(0, 1, 1)).shape
        zoo_core.Size([1, 3, 2, 6, 6])
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution: ``weight`` is (C_in, C_out/groups, kh, kw), as in PyTorch.

    Example::

        >>> F.conv_transpose2d(zoo_core.randn(1, 4, 5, 5), zoo_core.randn(4, 2, 3, 3), stride=2).shape
        zoo_core.Size([1, 2, 11, 11])
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-D convolution of (N, C_in, D, H, W); ``weight`` is (C_in, C_out/groups, kd, kh, kw).

    Example::

        >>> conv_transpose3d(zoo_core.randn(1, 4, 2, 3, 3), zoo_core.randn(4, 2, 2, 2, 2), stride=2).shape
        zoo_core.Size([1, 2, 4, 6, 6])
    """
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of ``input`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    _check("conv1d", input, weight, bias, groups, 1)
    unbatched = input._data.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride, "stride")), pad,
               (1, _single(dilation, "dilation")),
               groups).squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution."""
    _check("conv_transpose1d", input, weight, bias, groups, 1, transposed=True)
    unbatched = input._data.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    op = "conv_transpose1d"
    y = conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride, "stride", op)),
                         (0, _single(padding, "padding", op)), (0, _single(output_padding, "output_padding", op)),
                         groups, (1, _single(dilation, "dilation", op))).squeeze(2)
    return y.squeeze(0) if unbatched else y


def _single(v, name="", op="conv1d"):
    return _ntuple(v, 1, name, op)[0]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L) (or unbatched (C, H, W) -> (C*kh*kw, L)),
    as ``torch.nn.functional.unfold``.

    Example::

        >>> F.unfold(zoo_core.ones(1, 2, 3, 3), 2).shape
        zoo_core.Size([1, 8, 4])
    """
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"unfold: Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input._data.shape)}")
    k, d = _pair(kernel_size, "kernel_size", "unfold"), _pair(dilation, "dilation", "unfold")
    p, s = _pair(padding, "padding", "unfold"), _pair(stride, "stride", "unfold")
    pads = ((p[0], p[0]), (p[1], p[1]))
    blocks = [_out_size(h, kk, ss, pp, pp, dd) for h, kk, ss, pp, dd in zip(input._data.shape[-2:], k, s, p, d)]
    if min(k + d + s) <= 0 or min(p) < 0 or min(blocks) < 1:
        raise RuntimeError(f"unfold: Given input with spatial size {tuple(input._data.shape[-2:])}, kernel_size={k}, "
                           f"dilation={d}, padding={p}, stride={s}, calculated shape of the array of sliding blocks "
                           f"as {tuple(blocks)}, but its components must be at least one.")
    if input._data.ndim == 3:
        return _Unfold.forward(input.unsqueeze(0), k, d, pads, s).squeeze(0)
    return _Unfold.forward(input, k, d, pads, s)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks (N, C*kh*kw, L) into (N, C, H, W) (or unbatched (C*kh*kw, L) into (C, H, W)),
    summing overlaps; the adjoint of ``unfold``.

    Example::

        >>> F.fold(zoo_core.ones(1, 8, 4), (3, 3), 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"fold: Expected 2D or 3D (batch mode) input tensor with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input._data.shape)}")
    if input._data.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    k, d = _pair(kernel_size, "kernel_size", "fold"), _pair(dilation, "dilation", "fold")
    p, s = _pair(padding, "padding", "fold"), _pair(stride, "stride", "fold")
    out = _pair(output_size, "output_size", "fold")
    pads = ((p[0], p[0]), (p[1], p[1]))
    return _Unfold.adjoint(input, out, k, d, pads, s)


class _Unfold:
    """``unfold`` and ``fold`` are each other's adjoint: each one's backward is the other."""

    @staticmethod
    def forward(x, k, d, pads, s):
        xa = x._data
        n = xa.shape[0]
        cols, (Ho, Wo) = _im2col(xa, k, s, pads, d)
        xp = _backend.array_module(cols)
        out = _wrap(xp.ascontiguousarray(cols.reshape(-1, n, Ho * Wo).transpose(1, 0, 2)))
        if x._rg and grad_mode.enabled:
            hw = x._data.shape[2:]
            record(out, "Im2ColBackward0", lambda g: (_Unfold.adjoint(g, hw, k, d, pads, s),), (x,))
        return out

    @staticmethod
    def adjoint(cols, out_hw, k, d, pads, s):
        n, ck, L = cols._data.shape
        c = ck // (k[0] * k[1])
        Ho = _out_size(out_hw[0], k[0], s[0], pads[0][0], pads[0][1], d[0])
        Wo = _out_size(out_hw[1], k[1], s[1], pads[1][0], pads[1][1], d[1])
        if c * k[0] * k[1] != ck or Ho * Wo != L:
            raise RuntimeError(
                f"fold: expected input of size (N, C*{k[0]}*{k[1]}, {Ho * Wo}) for output_size {tuple(out_hw)}, "
                f"got {tuple(cols._data.shape)}")
        ca = cols._data.transpose(1, 0, 2).reshape(ck, n * L)
        out = _wrap(_col2im(ca, (n, c) + tuple(out_hw), k, s, pads, d, (Ho, Wo)))
        if cols._rg and grad_mode.enabled:
            record(out, "Col2ImBackward0", lambda g: (_Unfold.forward(g, k, d, pads, s),), (cols,))
        return out
