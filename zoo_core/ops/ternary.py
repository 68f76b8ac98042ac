"""The three-operand pointwise ops: ``lerp``, ``addcmul``, ``addcdiv`` and their in-place forms.

The in-place forms are what optimizers written by users call every step (``exp_avg_sq.addcmul_(g, g,
value=1 - beta2)``): with no graph to record and matching float arrays they write with ``out=``.
Names are re-exported by ``ops/misc.py``.
"""
import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, inplace_update
from ._util import grad_for
from .arith import _bump, _check_inplace_promotion
from .misc import _TORCH_NAMES, _need_tensor, _same_device


def _rg(x):
    return isinstance(x, Tensor) and x._rg


def _arrays3(op, names, xs):
    """The arrays of three tensors promoted to one dtype, and that dtype; raises clear errors for
    non-tensors, devices and shapes."""
    for pos, (name, x) in enumerate(zip(names, xs), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    first = xs[0]
    for x in xs[1:]:
        _same_device(op, first, x)
    dt = _dtype.result_type(*xs).np
    arrs = [x._data if x._data.dtype == dt else x._data.astype(dt) for x in xs]
    shapes = [a.shape for a in arrs]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be broadcast "
                           "together") from None
    return dt, arrs


def lerp(input, end, weight):
    """Linear interpolation ``input + weight * (end - input)`` (``weight`` a number or a tensor; all
    broadcast). Differentiable in all three.

    Example::

        >>> zoo_core.lerp(zoo_core.zeros(2), zoo_core.tensor([2., 4.]), 0.25)
        tensor([0.5000, 1.0000])
    """
    _need_tensor("lerp", "input", 1, input)
    _need_tensor("lerp", "end", 2, end)
    wt = isinstance(weight, Tensor)
    if not wt and not isinstance(weight, (int, float, np.number)):
        raise TypeError(f"lerp(): argument 'weight' (position 3) must be Tensor or a number, not "
                        f"{type(weight).__name__}")
    xs, xe = input._data, end._data
    for name, other in (("end", end), ("weight", weight)) if wt else (("end", end),):
        if other._data.dtype != xs.dtype and not (name == "weight" and other._data.ndim == 0):
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `{name}` but got dtype {other.dtype}")
        _same_device("lerp", input, other)
    w = weight._data if wt else None
    if wt and w.dtype != xs.dtype:   # a 0-d weight of another dtype acts as a number
        w = w.astype(xs.dtype)
    try:
        np.broadcast_shapes(xs.shape, xe.shape, w.shape if wt else ())
    except ValueError:
        raise RuntimeError(f"lerp: shapes {tuple(xs.shape)}, {tuple(xe.shape)}"
                           f"{' and ' + str(tuple(w.shape)) if wt else ''} cannot be broadcast together") from None
    if xs.dtype.kind != "f":
        raise NotImplementedError(f"lerp: not implemented for '{_TORCH_NAMES[xs.dtype.name]}' tensors; convert "
                                  "them to a floating dtype")
    xp = _backend.array_module(xs)
    diff = xe - xs
    if wt:   # PyTorch's formula: the nearer endpoint anchors the result (exact at weight 0 and 1)
        r = xp.where(xp.abs(w) < 0.5, xs + w * diff, xe - diff * (1 - w))
    else:
        w = float(weight)
        r = xs + w * diff if abs(w) < 0.5 else xe - diff * (1 - w)
    y = _wrap(r)
    if grad_mode.enabled and (input._rg or end._rg or _rg(weight)):
        def backward(g):
            return (grad_for(g * (1 - weight), input) if input._rg else None,
                    grad_for(g * weight, end) if end._rg else None,
                    grad_for(g * (end - input), weight) if _rg(weight) else None)
        record(y, "LerpBackward0", backward, (input, end, weight), (input, end, weight) if wt else ())
    return y


def _value_for(value, dt):
    """``value`` in the result's category: integer results take an integer multiplier (as PyTorch)."""
    return value if dt.kind == "f" else int(value)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (broadcast, types promoted).

    Example::

        >>> zoo_core.addcmul(zoo_core.ones(2), zoo_core.tensor([1., 2.]), zoo_core.tensor([3., 4.]), value=0.5)
        tensor([2.5000, 5.0000])
    """
    dt, (x, a, b) = _arrays3("addcmul", ("input", "tensor1", "tensor2"), (input, tensor1, tensor2))
    if dt.kind == "b":
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    value = _value_for(value, dt)
    prod = a * b
    y = _wrap(x + (prod if value == 1 else prod * value))
    if grad_mode.enabled and (input._rg or tensor1._rg or tensor2._rg):
        def backward(g):
            gv = g if value == 1 else g * value
            return (grad_for(g, input) if input._rg else None,
                    grad_for(gv * tensor2, tensor1) if tensor1._rg else None,
                    grad_for(gv * tensor1, tensor2) if tensor2._rg else None)
        record(y, "AddcmulBackward0", backward, (input, tensor1, tensor2), (tensor1, tensor2))
    return y


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (broadcast, types promoted; true division).

    Example::

        >>> zoo_core.addcdiv(zoo_core.ones(2), zoo_core.tensor([1., 2.]), zoo_core.tensor([4., 4.]), value=2)
        tensor([1.5000, 2.0000])
    """
    for name, pos, x in (("tensor1", 2, tensor1), ("tensor2", 3, tensor2)):
        _need_tensor("addcdiv", name, pos, x)
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    dt, (x, a, b) = _arrays3("addcdiv", ("input", "tensor1", "tensor2"), (input, tensor1, tensor2))
    value = _value_for(value, dt)
    with np.errstate(divide="ignore", invalid="ignore"):   # x/0 gives inf/nan, as in PyTorch
        q = a / b
    y = _wrap(x + (q if value == 1 else q * value))
    if grad_mode.enabled and (input._rg or tensor1._rg or tensor2._rg):
        def backward(g):
            gv = g if value == 1 else g * value
            return (grad_for(g, input) if input._rg else None,
                    grad_for(gv / tensor2, tensor1) if tensor1._rg else None,
                    grad_for(-gv * tensor1 / (tensor2 * tensor2), tensor2) if tensor2._rg else None)
        record(y, "AddcdivBackward0", backward, (input, tensor1, tensor2), (tensor1, tensor2))
    return y


def _inplace3(name, op, fast):
    """In-place form: with no graph to record and matching float arrays, ``fast(x, a, b, value)`` writes
    into ``x`` with ``out=`` (the optimizer path); otherwise the out-of-place result is written back."""
    def method(self, tensor1, tensor2, *, value=1):
        if self._data.dtype.kind != "f":
            _check_inplace_promotion(name, self, (tensor1, tensor2))
        if grad_mode.enabled and (self._rg or _rg(tensor1) or _rg(tensor2)):
            return inplace_update(self, op(self.clone(), tensor1, tensor2, value=value), name)
        if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
            x, a, b = self._data, tensor1._data, tensor2._data
            if type(x) is type(a) is type(b) and x.dtype.kind == "f" and x.dtype == a.dtype == b.dtype and \
                    _backend.writeable(x) and (type(x) is np.ndarray or x.device == a.device == b.device):
                try:
                    fast(_backend.array_module(x), x, a, b, value)
                except ValueError:
                    raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the broadcast "
                                       f"shape of {list(a.shape)} and {list(b.shape)}") from None
                _bump(self)
                return self
        return inplace_update(self, op(self, tensor1, tensor2, value=value), name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


def _addcmul_fast(xp, x, a, b, value):
    tmp = a * b
    if value != 1:
        tmp *= value
    if tmp.shape != x.shape and np.broadcast_shapes(tmp.shape, x.shape) != x.shape:
        raise ValueError
    xp.add(x, tmp, out=x)


def _addcdiv_fast(xp, x, a, b, value):
    with np.errstate(divide="ignore", invalid="ignore"):
        tmp = a / b
    if value != 1:
        tmp *= value
    if tmp.shape != x.shape and np.broadcast_shapes(tmp.shape, x.shape) != x.shape:
        raise ValueError
    xp.add(x, tmp, out=x)


addcmul_ = _inplace3("addcmul_", addcmul, _addcmul_fast)
addcdiv_ = _inplace3("addcdiv_", addcdiv, _addcdiv_fast)


def lerp_(self, end, weight):
    """In-place ``lerp``."""
    if grad_mode.enabled and (self._rg or _rg(end) or _rg(weight)):
        return inplace_update(self, lerp(self.clone(), end, weight), "lerp_")
    return inplace_update(self, lerp(self, end, weight), "lerp_")


__all__ = ["lerp", "addcmul", "addcdiv"]

Tensor.lerp, Tensor.lerp_ = lerp, lerp_
Tensor.addcmul, Tensor.addcmul_, Tensor.addcdiv, Tensor.addcdiv_ = addcmul, addcmul_, addcdiv, addcdiv_
