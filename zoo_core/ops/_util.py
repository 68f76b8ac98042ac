"""Helpers shared by the op families: operand conversion with PyTorch promotion, and reducing a
broadcast gradient back to an input's shape."""
import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim as wrap_dim, check_same_device, inplace_update  # noqa: F401

_BY_NP = _dtype.BY_NP


def as_operand(x, like, op):
    """A Tensor for ``x`` (a Tensor, a number, or an array) next to the Tensor ``like``."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple)) or _backend.is_cuda_array(x):
        from .creation import as_tensor
        return as_tensor(x, device=like.device)
    raise TypeError(f"{op}(): expected a Tensor or a number, got {type(x).__name__}")


def binary_arrays(a, b, op):
    """The two raw operands of a binary op (arrays or Python scalars), promoted as PyTorch does.

    ``a`` or ``b`` may be a Python scalar; at least one is a Tensor. Returns (a, b, xa, xb) where
    a/b are the Tensor-or-scalar operands (for backward) and xa/xb what to hand to the array module.
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        xa, xb = a._data, b._data
        if xa.dtype is not xb.dtype and xa.dtype != xb.dtype:
            dt = _dtype.result_type(a, b).np
            if xa.dtype != dt:
                xa = xa.astype(dt)
            if xb.dtype != dt:
                xb = xb.astype(dt)
        if type(xa) is not type(xb) or (type(xa) is not np.ndarray and xa.device != xb.device):
            check_same_device(op, a, b)
        return a, b, xa, xb
    if ta:
        if type(b) is not int and type(b) is not float and type(b) is not bool:
            if not isinstance(b, (int, float, np.number, np.bool_)):
                b = as_operand(b, a, op)
                return binary_arrays(a, b, op)
            b = b.item() if isinstance(b, (np.number, np.bool_)) else b   # numpy scalars are weak too
        xa = a._data
        if xa.dtype.kind == "f":
            return a, b, xa, b
        xa = _scalar_promote(xa, b)
        return a, b, xa, wrap_int(xa, b)
    if type(a) is not int and type(a) is not float and type(a) is not bool:
        if not isinstance(a, (int, float, np.number, np.bool_)):
            a = as_operand(a, b, op)
            return binary_arrays(a, b, op)
        a = a.item() if isinstance(a, (np.number, np.bool_)) else a
    xb = b._data
    if xb.dtype.kind == "f":
        return a, b, a, xb
    xb = _scalar_promote(xb, a)
    return a, b, wrap_int(xb, a), xb


# (low, 2 ** bits) of each integer dtype, for wrapping Python ints into range
_INT_RANGE = {np.dtype(t): (int(np.iinfo(t).min), 1 << np.iinfo(t).bits)
              for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def wrap_int(arr, s, op=None):
    """A Python int scalar ``s`` about to meet the integer array ``arr``, wrapped into the array's range
    the way PyTorch converts it (``uint8_t + -3`` adds 253; numpy would raise OverflowError).

    With ``op`` (the ops where PyTorch checks the conversion: ``clamp``, ``where``, ``fill_``), a value
    out of range raises instead; unsigned types still take negatives down to -max (c10's rule)."""
    if type(s) is not int:
        return s
    rng = _INT_RANGE.get(arr.dtype)
    if rng is None:
        return s
    lo, mod = rng
    if lo <= s < lo + mod:
        return s
    if op is not None and (lo < 0 or s >= mod or s < 1 - mod):
        raise RuntimeError(f"{op}: value {s} cannot be converted to type {arr.dtype.name} without overflow")
    return (s - lo) % mod + lo


_ND = np.ndarray


def binary_args(a, b, op):
    """``binary_arrays`` plus whether each operand requires grad: (a, b, xa, xb, ra, rb).

    The hot path of the arithmetic ops: two same-dtype CPU tensors, or a float tensor and a Python number,
    take a few attribute reads; anything else goes through ``binary_arrays``."""
    if isinstance(a, Tensor):
        xa = a._data
        if isinstance(b, Tensor):
            xb = b._data
            if xa.dtype is xb.dtype and type(xa) is _ND and type(xb) is _ND:
                return a, b, xa, xb, a._rg, b._rg
        elif type(b) is float or type(b) is int:
            if xa.dtype.kind == "f":
                return a, b, xa, b, a._rg, False
    a, b, xa, xb = binary_arrays(a, b, op)
    return (a, b, xa, xb, isinstance(a, Tensor) and a._rg, isinstance(b, Tensor) and b._rg)


def inplace_variant(name, op):
    """The in-place form ``op_`` of an out-of-place op: computed out of place (on a clone when recording,
    so the values its backward reads stay valid), then written into the tensor, history rebased."""
    def method(self, *args, **kwargs):
        src = self.clone() if self._rg and grad_mode.enabled else self
        return inplace_update(self, check_inplace_dtype(name, self, op(src, *args, **kwargs)), name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


def check_inplace_dtype(name, self, result):
    """``result`` if it can be written into ``self`` (PyTorch refuses a higher dtype category: a float
    result into an integer tensor, an integer result into a bool tensor)."""
    rk, sk = result._data.dtype.kind, self._data.dtype.kind
    if rk != sk and (sk == "b" or sk in "iu" and rk == "f"):
        raise RuntimeError(f"{name}: result type {_BY_NP[result._data.dtype].name} can't be cast to the desired "
                           f"output type {_BY_NP[self._data.dtype].name}")
    return result


def _scalar_promote(arr, s):
    """Cast ``arr`` when a Python scalar of a higher category joins it (int tensor * 0.5 -> float32)."""
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    t = type(s)
    if t is float or isinstance(s, np.floating):
        return arr.astype(_dtype.get_default_dtype().np)
    if kind == "b" and t is not bool and not isinstance(s, np.bool_):
        return arr.astype(np.int64)
    return arr


def sum_to(g, shape):
    """Sum a broadcast gradient ``g`` back to ``shape`` (differentiable)."""
    if g._data.shape == shape:
        return g
    return _sum_to(g, shape)


def grad_for(g, x):
    """``g`` shaped and typed for the input ``x`` (undoing broadcasting and type promotion)."""
    if not isinstance(x, Tensor):
        return None
    if g._data.shape != x._data.shape:
        g = _sum_to(g, x._data.shape)
    if g._data.dtype != x._data.dtype:
        g = g.to(_BY_NP[x._data.dtype])
    return g


def grad_array(arr, x):
    """A gradient computed on raw arrays (plain backward, no graph of it needed), shaped and typed for
    the input ``x``; None when ``x`` is not a Tensor."""
    if not isinstance(x, Tensor):
        return None
    xd = x._data
    if arr.shape != xd.shape:
        gs = arr.shape
        lead = len(gs) - len(xd.shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(xd.shape) if n == 1 and gs[i + lead] != 1)
        arr = (arr.sum(axis=axes) if axes else arr).reshape(xd.shape)
    if arr.dtype != xd.dtype:
        arr = arr.astype(xd.dtype)
    return _wrap(arr)


def _sum_to(g, shape):
    xg = g._data
    gs = xg.shape
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1)
    # (integer sums keep int64: numpy would give uint8 sums as uint64, which has no zoo dtype)
    r = (xg.sum(axis=axes, dtype=xg.dtype if xg.dtype.kind == "f" else "int64") if axes else xg)
    out = _wrap(r.reshape(shape))
    if g._rg and grad_mode.enabled:
        record(out, "SumToBackward", lambda gg: (broadcast_to(gg, gs),), (g,))
    return out


def broadcast_to(g, shape):
    """``g`` broadcast to ``shape`` (a read-only view; differentiable)."""
    xp = _backend.array_module(g._data)
    src = g._data.shape
    out = _wrap(xp.broadcast_to(g._data, shape))
    if g._rg and grad_mode.enabled:
        record(out, "ExpandBackward0", lambda gg: (_sum_to(gg, src),), (g,))
    return out


def float_array(x):
    """The array of ``x`` in a floating dtype (ints and bools become the default float dtype)."""
    a = x._data
    if a.dtype.kind != "f":
        a = a.astype(_dtype.get_default_dtype().np)
    return a


def broadcast_error(op, xa, xb):
    """PyTorch's message for operands whose shapes do not broadcast."""
    sa, sb = getattr(xa, "shape", ()), getattr(xb, "shape", ())
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"{op}: The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i} (shapes {tuple(sa)} and {tuple(sb)})")
    return RuntimeError(f"{op}: shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together")


def apply2(fn, xa, xb, op):
    """``fn(xa, xb)`` with a clear error when the shapes do not broadcast."""
    try:
        return fn(xa, xb)
    except ValueError:
        raise broadcast_error(op, xa, xb) from None
