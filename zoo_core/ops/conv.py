"""Convolutions: ``conv2d``, ``conv_transpose2d`` (and 1-d forms), ``unfold``/``fold``.

CPU and GPU share one im2col path: a strided window view of the padded input is copied into columns
``(N, groups, C/g*kh*kw, Ho*Wo)`` and multiplied by the weight matrix in one batched GEMM, which yields
NCHW output directly. Three primitives are adjoint pieces of one bilinear form ``<conv(x, w), y>``:

- ``conv2d(x, w)``            backward: ``conv_transpose2d(gy, w)`` and ``conv2d_weight(x, gy)``
- ``conv_transpose2d(y, w)``  backward: ``conv2d(gx, w)`` and ``conv2d_weight(gx, y)``
- ``conv2d_weight(x, gy)``    backward: ``conv_transpose2d(gy, ggw)`` and ``conv2d(x, ggw)``

so every gradient is itself a differentiable conv, and higher-order gradients need no extra code.
"""
from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, check_same_device

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]

_KEEP_COLS_BYTES = 64 << 20   # forward columns up to this size are kept for the weight gradient


def _pair(v, name, op):
    if isinstance(v, int):
        return (v, v)
    v = tuple(v)
    if len(v) == 1:
        return (v[0], v[0])
    if len(v) != 2:
        raise ValueError(f"{op}: expected {name} to be a single int or a pair, got {v}")
    return v


def _out_size(size, k, s, p0, p1, d):
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


def _windows(xp, xpad, kh, kw, Ho, Wo, s, d):
    """A (N, C, kh, kw, Ho, Wo) strided view of the padded input: window element (i, j) of output (a, b)."""
    n, c, _, _ = xpad.shape
    sn, sc, sh, sw = xpad.strides
    return xp.lib.stride_tricks.as_strided(
        xpad, (n, c, kh, kw, Ho, Wo), (sn, sc, sh * d[0], sw * d[1], sh * s[0], sw * s[1]))


def _pad(xp, x, pads):
    (t, b), (l, r) = pads
    if t == b == l == r == 0:
        return x
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + t + b, w + l + r), dtype=x.dtype)
    out[:, :, t:t + h, l:l + w] = x
    return out


def _im2col(x, kh, kw, s, pads, d):
    """Columns (C*kh*kw, N*Ho*Wo): one row per (channel, kernel offset), one column per output pixel.

    This layout makes every conv GEMM a single large matrix product (forward, input and weight grads)."""
    xp = _backend.array_module(x)
    n, c, h, w = x.shape
    Ho = _out_size(h, kh, s[0], pads[0][0], pads[0][1], d[0])
    Wo = _out_size(w, kw, s[1], pads[1][0], pads[1][1], d[1])
    win = _windows(xp, _pad(xp, x, pads), kh, kw, Ho, Wo, s, d)      # (N, C, kh, kw, Ho, Wo) view
    cols = xp.ascontiguousarray(win.transpose(1, 2, 3, 0, 4, 5))      # (C, kh, kw, N, Ho, Wo)
    return cols.reshape(c * kh * kw, n * Ho * Wo), Ho, Wo


def _col2im(cols, shape, kh, kw, s, pads, d, Ho, Wo):
    """The adjoint of ``_im2col``: sum columns (C*kh*kw, N*Ho*Wo) back into an (N, C, H, W) image.

    Sums in (C, N, H, W) order, the columns' own, and transposes once at the end: faster than adding
    transposed slices."""
    xp = _backend.array_module(cols)
    n, c, h, w = shape
    (t, b), (l, r) = pads
    out = xp.zeros((c, n, h + t + b, w + l + r), dtype=cols.dtype)
    cols = cols.reshape(c, kh, kw, n, Ho, Wo)
    for i in range(kh):
        hi = i * d[0]
        for j in range(kw):
            wj = j * d[1]
            out[:, :, hi:hi + s[0] * (Ho - 1) + 1:s[0], wj:wj + s[1] * (Wo - 1) + 1:s[1]] += cols[:, i, j]
    return xp.ascontiguousarray(out[:, :, t:t + h, l:l + w].transpose(1, 0, 2, 3))


def _to_rows(y, g):
    """(N, O, Ho, Wo) -> (g, O/g, N*Ho*Wo): channels first, as the GEMMs want them."""
    xp = _backend.array_module(y)
    n, o = y.shape[:2]
    return xp.ascontiguousarray(y.transpose(1, 0, 2, 3)).reshape(g, o // g, -1)


def _from_rows(rows, n, Ho, Wo):
    """(g, O/g, N*Ho*Wo) -> contiguous (N, O, Ho, Wo)."""
    xp = _backend.array_module(rows)
    o = rows.shape[0] * rows.shape[1]
    return xp.ascontiguousarray(rows.reshape(o, n, Ho, Wo).transpose(1, 0, 2, 3))


# ---- the three primitives -----------------------------------------------------------------------
def _conv(x, w, s, pads, d, g):
    """y = conv(x, w): x (N, C, H, W), w (O, C/g, kh, kw) -> (N, O, Ho, Wo)."""
    xa, wa = x._data, w._data
    n = xa.shape[0]
    o, cg, kh, kw = wa.shape
    cols, Ho, Wo = _im2col(xa, kh, kw, s, pads, d)
    rows = wa.reshape(g, o // g, cg * kh * kw) @ cols.reshape(g, cg * kh * kw, -1)
    y = _wrap(_from_rows(rows, n, Ho, Wo))
    if grad_mode.enabled and (x._rg or w._rg):
        in_hw = xa.shape[2:]
        # the weight gradient needs these columns again: keep them when they are small, else recompute
        keep = cols if w._rg and cols.nbytes <= _KEEP_COLS_BYTES else None

        def backward(gy):
            gx = _conv_t(gy, w, s, pads, d, g, in_hw) if x._rg else None
            gw = _conv_w(x, gy, s, pads, d, g, (kh, kw), keep) if w._rg else None
            return gx, gw
        record(y, "ConvolutionBackward0", backward, (x, w), (x, w))
    return y


def _conv_t(y, w, s, pads, d, g, in_hw):
    """x = conv^T(y, w): the adjoint of ``_conv`` in its input, (N, O, Ho, Wo) -> (N, C, *in_hw)."""
    ya, wa = y._data, w._data
    n, o, Ho, Wo = ya.shape
    _, cg, kh, kw = wa.shape
    wt = wa.reshape(g, o // g, cg * kh * kw).transpose(0, 2, 1)      # (g, K/g, O/g)
    cols = wt @ _to_rows(ya, g)                                       # (g, K/g, N*L)
    x = _wrap(_col2im(cols.reshape(g * cg * kh * kw, -1), (n, g * cg) + tuple(in_hw), kh, kw, s, pads, d, Ho, Wo))
    if grad_mode.enabled and (y._rg or w._rg):
        def backward(gx):
            gy = _conv(gx, w, s, pads, d, g) if y._rg else None
            gw = _conv_w(gx, y, s, pads, d, g, (kh, kw)) if w._rg else None
            return gy, gw
        record(x, "ConvolutionBackward0", backward, (y, w), (y, w))
    return x


def _conv_w(x, y, s, pads, d, g, k, cols=None):
    """gw = d<conv(x, w), y>/dw: (N, C, H, W) and (N, O, Ho, Wo) -> (O, C/g, kh, kw); ``cols``: x's
    columns when the forward kept them."""
    xa, ya = x._data, y._data
    c = xa.shape[1]
    o = ya.shape[1]
    kh, kw = k
    cg = c // g
    if cols is None:
        cols, Ho, Wo = _im2col(xa, kh, kw, s, pads, d)
    cols = cols.reshape(g, cg * kh * kw, -1)
    gw = _wrap((_to_rows(ya, g) @ cols.transpose(0, 2, 1)).reshape(o, cg, kh, kw))
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
    if bias is not None and bias._data.shape != (weight._data.shape[1] * groups if transposed else weight._data.shape[0],):
        raise RuntimeError(f"{op}: bias of shape {tuple(bias._data.shape)} does not match the output channels")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw).

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"`` (stride 1; extra padding goes right/bottom).

    Example::

        >>> F.conv2d(zoo_core.randn(1, 3, 8, 8), zoo_core.randn(4, 3, 3, 3), padding=1).shape
        zoo_core.Size([1, 4, 8, 8])
    """
    _check("conv2d", input, weight, bias, groups, 2)
    unbatched = input._data.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    s, d = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    kh, kw = weight._data.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if s != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = (_same_pads(kh, d[0]), _same_pads(kw, d[1]))
        else:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        p = _pair(padding, "padding", "conv2d")
        pads = ((p[0], p[0]), (p[1], p[1]))
    h, w = x._data.shape[2:]
    if h + sum(pads[0]) < d[0] * (kh - 1) + 1 or w + sum(pads[1]) < d[1] * (kw - 1) + 1:
        raise RuntimeError(
            f"conv2d: Calculated padded input size per channel: ({h + sum(pads[0])} x {w + sum(pads[1])}). "
            f"Kernel size: ({d[0] * (kh - 1) + 1} x {d[1] * (kw - 1) + 1}). Kernel size can't be greater than "
            "actual input size")
    y = _conv(x, weight, s, pads, d, groups)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution: ``weight`` is (C_in, C_out/groups, kh, kw), as in PyTorch."""
    _check("conv_transpose2d", input, weight, bias, groups, 2, transposed=True)
    unbatched = input._data.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    s, d = _pair(stride, "stride", "conv_transpose2d"), _pair(dilation, "dilation", "conv_transpose2d")
    p = _pair(padding, "padding", "conv_transpose2d")
    op = _pair(output_padding, "output_padding", "conv_transpose2d")
    for a, b_ in zip(op, s):
        if a >= b_ and a >= max(d):
            raise RuntimeError("conv_transpose2d: output padding must be smaller than either stride or dilation")
    kh, kw = weight._data.shape[2:]
    hi, wi = x._data.shape[2:]
    ho = (hi - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    wo = (wi - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    # the adjoint of a conv whose input is (ho, wo): its padding is p on the top/left and p - op on the
    # bottom/right rows that the forward conv would never reach
    pads = ((p[0], p[0]), (p[1], p[1]))
    y = _conv_t(x, weight, s, pads, d, groups, (ho, wo))
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of ``input`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    _check("conv1d", input, weight, bias, groups, 1)
    unbatched = input._data.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride)), pad, (1, _single(dilation)),
               groups).squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution."""
    _check("conv_transpose1d", input, weight, bias, groups, 1, transposed=True)
    unbatched = input._data.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    y = conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride)), (0, _single(padding)),
                         (0, _single(output_padding)), groups, (1, _single(dilation))).squeeze(2)
    return y.squeeze(0) if unbatched else y


def _single(v):
    return v if isinstance(v, int) else tuple(v)[0]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L), as ``torch.nn.functional.unfold``."""
    if input._data.ndim != 4:
        raise RuntimeError(f"unfold: Input Error: Only 4D input Tensors are supported (got {input._data.ndim}D)")
    k, d = _pair(kernel_size, "kernel_size", "unfold"), _pair(dilation, "dilation", "unfold")
    p, s = _pair(padding, "padding", "unfold"), _pair(stride, "stride", "unfold")
    pads = ((p[0], p[0]), (p[1], p[1]))
    return _Unfold.forward(input, k, d, pads, s)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks (N, C*kh*kw, L) into (N, C, H, W), summing overlaps; adjoint of ``unfold``."""
    if input._data.ndim != 3:
        raise RuntimeError(f"fold: Input Error: Only 3D input Tensors are supported (got {input._data.ndim}D)")
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
        cols, Ho, Wo = _im2col(xa, k[0], k[1], s, pads, d)
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
        out = _wrap(_col2im(ca, (n, c) + tuple(out_hw), k[0], k[1], s, pads, d, Ho, Wo))
        if cols._rg and grad_mode.enabled:
            record(out, "Col2ImBackward0", lambda g: (_Unfold.forward(g, k, d, pads, s),), (cols,))
        return out
