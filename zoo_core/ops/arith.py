"""Binary arithmetic, comparisons, logical ops, ``where``, ``clamp``, ``minimum``/``maximum`` (their in-place
forms are in ``arith_inplace.py``). Each op computes its output, then (only when recording) defines its backward
right below, written with Tensor ops so that higher-order gradients come for free."""
import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, inplace_update
from ._util import apply2, binary_args, binary_arrays, broadcast_error, grad_array, grad_for, wrap_int

_BOOL = np.dtype(np.bool_)

_num = (int, float, bool)
# PyTorch's short dtype names, used in its "not implemented for 'Float'" messages
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _rg(x):
    return x._rg if isinstance(x, Tensor) else False


# ---- arithmetic ---------------------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting."""
    a, b, xa, xb, ra, rb = binary_args(input, other, "add")
    if alpha != 1 or alpha is True:   # (True == 1, but a bool alpha needs a bool result)
        dt = xa.dtype if hasattr(xa, "dtype") else xb.dtype
        xa, xb = _apply_alpha(xa, xb, alpha)
    try:
        r = _wrap(xa + xb)
    except ValueError:
        raise broadcast_error("add", xa, xb) from None
    if alpha != 1 and r._data.dtype != dt and dt.kind == "b":
        r = _wrap(r._data.astype(dt))   # bool + bool * alpha stays bool, as in PyTorch
    if (ra or rb) and grad_mode.enabled:
        def backward(g):
            return (grad_for(g, a) if ra else None,
                    (grad_for(g, b) if alpha == 1 else grad_for(g * alpha, b)) if rb else None)
        record(r, "AddBackward0", backward, (a, b))
    return _out(r, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    a, b, xa, xb, ra, rb = binary_args(input, other, "sub")
    da, db = getattr(xa, "dtype", None), getattr(xb, "dtype", None)
    # a bool operand is refused; it can only hide behind a non-float result, a cast or a Python bool
    if (da is not None and (da.kind != "f" or xa is not a._data)) or type(a) is bool or type(b) is bool \
            or (db is not None and (db.kind != "f" or xb is not b._data)):
        _check_sub_bool(a, b)
    if alpha != 1 or alpha is True:   # (True == 1, but a bool alpha needs a bool result)
        xa, xb = _apply_alpha(xa, xb, alpha)
    try:
        r = _wrap(xa - xb)
    except ValueError:
        raise broadcast_error("sub", xa, xb) from None
    if (ra or rb) and grad_mode.enabled:
        record(r, "SubBackward0",
               lambda g: (grad_for(g, a) if ra else None, grad_for(-g if alpha == 1 else g * -alpha, b) if rb else None),
               (a, b))
    return _out(r, out)


def _check_sub_bool(a, b):
    if _is_bool(a) or _is_bool(b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _apply_alpha(xa, xb, alpha):
    """(xa, alpha * xb) for add/sub: a float alpha needs a floating result (PyTorch's rule); an int
    multiplier keeps the operand's dtype."""
    kind = xa.dtype.kind if hasattr(xa, "dtype") else xb.dtype.kind
    if kind != "f" and isinstance(alpha, float) and not isinstance(xb, float) and not isinstance(xa, float):
        raise RuntimeError(f"For integral input tensors, argument alpha must not be a floating point number "
                           f"(got alpha={alpha}).")
    if type(alpha) is bool and kind != "b":
        raise RuntimeError(f"Boolean alpha only supported for Boolean results (got alpha={alpha}).")
    xb = xb * alpha
    return (xa, wrap_int(xa, xb)) if hasattr(xa, "dtype") else (xa, xb)


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """Elementwise product with broadcasting."""
    a, b, xa, xb, ra, rb = binary_args(input, other, "mul")
    try:
        r = _wrap(xa * xb)
    except ValueError:
        raise broadcast_error("mul", xa, xb) from None
    if (ra or rb) and grad_mode.enabled:
        def backward(g):
            if not grad_mode.enabled:   # plain backward: raw arrays, no Tensor overhead per product
                ga = g._data
                return (grad_array(ga * xb, a) if ra else None, grad_array(ga * xa, b) if rb else None)
            return (grad_for(g * b, a) if ra else None, grad_for(g * a, b) if rb else None)
        record(r, "MulBackward0", backward, (a, b), _saved_for(b if ra else None, a if rb else None))
    return r if out is None else _out(r, out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient (no gradient)."""
    a, b, xa, xb, ra, rb = binary_args(input, other, "div")
    if rounding_mode is not None:
        if rounding_mode == "floor":
            _check_int_division("div_floor", xa, xb)
            return _out(_zero_grad(_wrap(_floordiv(xa, xb)), a, b, "DivBackward0"), out)
        if rounding_mode == "trunc":
            if _check_int_division("div_trunc", xa, xb):
                q = _trunc_div_int(xa, xb)
            else:
                q = xa / xb
                q = _backend.array_module(q).trunc(q)
            return _out(_zero_grad(_wrap(q), a, b, "DivBackward0"), out)
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    if not (_is_float(xa) or _is_float(xb)):
        # integer true division gives the default float dtype; the operands go to float as they are (an
        # int8 0-d divisor of a uint8 tensor keeps its sign, as in PyTorch)
        ft = _dtype.get_default_dtype().np
        xa = a._data.astype(ft) if isinstance(a, Tensor) else a
        xb = b._data.astype(ft) if isinstance(b, Tensor) else b
    try:
        r = _wrap(xa / xb)
    except ValueError:
        raise broadcast_error("div", xa, xb) from None
    if (ra or rb) and grad_mode.enabled:
        def backward(g):
            return (grad_for(g / b, a) if ra else None, grad_for(-g * a / (b * b), b) if rb else None)
        record(r, "DivBackward0", backward, (a, b), _saved_for(b, a if rb else None))
    return _out(r, out)


def _is_float(x):
    return x.dtype.kind == "f" if hasattr(x, "dtype") else isinstance(x, float)


true_divide = divide = div
multiply = mul
subtract = sub


def _floordiv(xa, xb):
    xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
    return apply2(xp.floor_divide, xa, xb, "floor_divide")


def _trunc_div_int(xa, xb):
    """Integer division rounding toward zero, exact for all int64 values (no trip through float)."""
    xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
    q = apply2(xp.floor_divide, xa, xb, "div")
    # floor and trunc differ where the division is inexact and the signs differ
    fix = (q * xb != xa) & ((xa < 0) != (xb < 0))
    return q + fix.astype(q.dtype)


def _check_int_division(name, xa, xb):
    """For integer operands: raise on bool inputs and on a zero divisor (PyTorch's CPU behaviour; on
    CUDA, like PyTorch, no check). Returns True for integer operands."""
    dt = xa.dtype if hasattr(xa, "dtype") else xb.dtype
    if dt.kind == "f":
        return False
    if dt.kind == "b":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')
    if hasattr(xb, "dtype"):
        if type(xb) is np.ndarray and xb.size and not xb.all() and getattr(xa, "size", 1):
            raise RuntimeError(f"ZeroDivisionError: {name}: integer division by zero")
    elif xb == 0 and type(xa) is np.ndarray and xa.size:
        raise RuntimeError(f"ZeroDivisionError: {name}: integer division by zero")
    return True


def floor_divide(input, other):
    """``input // other`` (rounds toward negative infinity, as Python and PyTorch >= 1.13)."""
    a, b, xa, xb = binary_arrays(input, other, "floor_divide")
    _check_int_division("div_floor", xa, xb)
    return _zero_grad(_wrap(_floordiv(xa, xb)), a, b, "FloorDivideBackward0")


def remainder(input, other):
    """Python's modulus: the result has the sign of the divisor."""
    a, b, xa, xb = binary_arrays(input, other, "remainder")
    _check_int_division("remainder", xa, xb)
    xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
    if _is_float(xa) or _is_float(xb):
        # PyTorch's formula: fmod, moved into the divisor's sign (a zero keeps the dividend's sign,
        # where numpy's mod gives the divisor's)
        m = apply2(xp.fmod, xa, xb, "remainder")
        r = _wrap(xp.where((m != 0) & ((m < 0) != (xb < 0)), m + xb, m))
    else:
        r = _wrap(apply2(xp.mod, xa, xb, "remainder"))
    if grad_mode.enabled and (_rg(a) or _rg(b)):
        record(r, "RemainderBackward0",
               lambda g: (grad_for(g, a), grad_for(-g * floor_divide(a, b), b)), (a, b), _saved_for(a, b))
    return r


def fmod(input, other):
    """C's fmod: the result has the sign of the dividend."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a, b, xa, xb = binary_arrays(input, other, "fmod")
    _check_int_division("fmod", xa, xb)
    xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
    r = _wrap(apply2(xp.fmod, xa, xb, "fmod"))
    if grad_mode.enabled and (_rg(a) or _rg(b)):
        record(r, "FmodBackward0",
               lambda g: (grad_for(g, a), grad_for(-g * div(a, b, rounding_mode="trunc"), b)), (a, b),
               _saved_for(a, b))
    return r


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a number)."""
    a, b, xa, xb = binary_arrays(input, exponent, "pow")
    ka = xa.dtype.kind if hasattr(xa, "dtype") else None
    kb = xb.dtype.kind if hasattr(xb, "dtype") else None
    if ka is not None and ka in "iu" and type(b) is int:
        if b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        wrap_int(xa, b, "pow")   # PyTorch refuses an exponent out of the tensor's range
    if (ka == "b" or ka is None and type(xa) is bool) and kb == "b":   # a bool tensor exponent
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    xp = _backend.array_module(xa if ka is not None else xb)
    if kb == "i" and (ka is None or ka in "iu"):
        r = _wrap(_int_pow(xp, xa, xb))
    else:
        r = apply2(xp.power, xa, xb, "pow")
        if ka == "b" and r.dtype != xa.dtype:   # bool ** True stays bool
            r = r.astype(xa.dtype)
        r = _wrap(r)
    if grad_mode.enabled and (_rg(a) or _rg(b)):
        ra, rb = _rg(a), _rg(b)

        def backward(g):
            ga = gb = None
            if ra:
                if isinstance(b, Tensor):   # 0 where the exponent is 0 (not 0 * 0 ** -1 = nan), as PyTorch
                    ga = grad_for(where(b == 0, 0.0, g * b * pow(a, b - 1)), a)
                else:
                    ga = grad_for(g * (0.0 if b == 0 else b * pow(a, b - 1)), a)
            if rb:
                from .unary import log
                if isinstance(a, Tensor):
                    # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0 (as PyTorch)
                    term = where((a == 0) & (b >= 0), 0.0, pow(a, b) * log(a))
                elif a == 0:   # 0 ** b: no change for b >= 0, -inf slope below (PyTorch's values)
                    term = where(b >= 0, 0.0, pow(a, b) * -np.inf)
                else:
                    term = pow(a, b) * (float(np.log(a)) if a > 0 else np.nan)
                gb = grad_for(g * term, b)
            return ga, gb
        record(r, "PowBackward0", backward, (a, b), _saved_for(a, b))
    return _out(r, out)


def _int_pow(xp, xa, xb):
    """Integer powers with a signed integer exponent array: PyTorch gives 1 ** -n = 1, (-1) ** -n = +-1
    and 0 for every other base (numpy raises)."""
    neg = xb < 0
    if type(xb) is np.ndarray and not neg.any():
        return apply2(xp.power, xa, xb, "pow")
    if not hasattr(xa, "dtype"):   # a Python base: the result has the exponent's dtype
        xa = xp.asarray(xa, dtype=xb.dtype)
    r = apply2(xp.power, xa, xp.where(neg, 0, xb), "pow")
    odd = (xb % 2) != 0
    inv = xp.where(xa == 1, 1, xp.where(xa == -1, xp.where(odd, -1, 1), 0)).astype(r.dtype)
    return xp.where(neg, inv, r)


def float_power(input, exponent):
    """``pow`` computed in float64."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    e = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, e)


def neg(input):
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    r = _wrap(-input._data)
    if input._rg and grad_mode.enabled:
        record(r, "NegBackward0", lambda g: (-g,), (input,))
    return r


negative = neg


def positive(input):
    """``+input`` (the tensor itself; bool tensors are refused, as in PyTorch)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _saved_for(x, y):
    """The Tensors among x, y (what a backward reads, to check for in-place changes)."""
    if isinstance(x, Tensor):
        return (x, y) if isinstance(y, Tensor) else (x,)
    return (y,) if isinstance(y, Tensor) else ()


def _zero_grad(r, a, b, name):
    """Ops whose derivative is zero almost everywhere (rounding) still carry a graph, as in PyTorch."""
    if grad_mode.enabled and (_rg(a) or _rg(b)) and r._data.dtype.kind == "f":
        record(r, name, lambda g: (grad_for(g * 0, a), grad_for(g * 0, b)), (a, b))
    return r


def _out(r, out):
    if out is None:
        return r
    if grad_mode.enabled and (r._rg or out._rg):
        raise RuntimeError("out= arguments don't support automatic differentiation, but one of the arguments "
                           "requires grad.")
    return inplace_update(out, r, "out=") if out._data.shape == r._data.shape else _resize_out(out, r)


def _resize_out(out, r):
    out._data = r._data.astype(out._data.dtype)
    return out


# ---- comparisons and logic ----------------------------------------------------------------------
def _compare(name, fn):
    def op(input, other, *, out=None):
        if other is None:
            return False if name == "eq" else True if name == "ne" else _bad_compare(name)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        a, b, xa, xb = binary_arrays(input, other, name)
        return _out(_wrap(apply2(fn, xa, xb, name)), out)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` comparison; returns a bool tensor."
    return op


def _need_tensors(name, input, other):
    for pos, (arg, x) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _bad_compare(name):
    raise TypeError(f"{name}(): cannot compare a Tensor with None")


eq = _compare("eq", lambda x, y: x == y)
ne = _compare("ne", lambda x, y: x != y)
lt = _compare("lt", lambda x, y: x < y)
le = _compare("le", lambda x, y: x <= y)
gt = _compare("gt", lambda x, y: x > y)
ge = _compare("ge", lambda x, y: x >= y)
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _logical(name, fname):
    def op(input, other):
        _need_tensors(name, input, other)
        a, b, xa, xb = binary_arrays(input, other, name)
        xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
        return _wrap(apply2(getattr(xp, fname), xa, xb, name))
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{fname}``; returns a bool tensor."
    return op


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input):
    return _wrap(_backend.array_module(input._data).logical_not(input._data))


def _bitwise(name, fname):
    def op(input, other):
        a, b, xa, xb = binary_arrays(input, other, name)
        for x in (xa, xb):
            if hasattr(x, "dtype") and x.dtype.kind == "f" or type(x) is float:
                dt = x.dtype.name if hasattr(x, "dtype") else _dtype.get_default_dtype().name
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_TORCH_NAMES[dt]}'")
        xp = _backend.array_module(xa if hasattr(xa, "dtype") else xb)
        return _wrap(apply2(getattr(xp, fname), xa, xb, name))
    op.__name__ = name
    return op


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_TORCH_NAMES[input.dtype.name]}'")
    return _wrap(_backend.array_module(input._data).invert(input._data))


# ---- selection ----------------------------------------------------------------------------------
def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``; ``where(cond)`` is ``cond.nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    c = condition._data
    if c.dtype != np.bool_:
        if c.dtype.kind not in "iu":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}")
        c = c.astype(bool)
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        if type(other) is int and isinstance(input, Tensor):   # PyTorch checks that the number fits
            wrap_int(input._data, other, "where")
        elif type(input) is int and isinstance(other, Tensor):
            wrap_int(other._data, input, "where")
        a, b, xa, xb = binary_arrays(input, other, "where")
    else:
        from .creation import tensor
        a = tensor(input, device=condition.device)
        a, b, xa, xb = binary_arrays(a, other, "where")
    xp = _backend.array_module(c)
    try:
        r = xp.where(c, xa, xb)
    except ValueError:
        raise RuntimeError(f"where: condition {tuple(c.shape)}, input {tuple(getattr(xa, 'shape', ()))} and "
                           f"other {tuple(getattr(xb, 'shape', ()))} cannot be broadcast together") from None
    dt = _dtype.result_type(a, b).np
    if r.dtype != dt:
        r = r.astype(dt)
    r = _wrap(r)
    if grad_mode.enabled and (_rg(a) or _rg(b)):
        cond = _wrap(c)

        def backward(g):
            zero = g * 0
            return (None, grad_for(where(cond, g, zero), a), grad_for(where(cond, zero, g), b))
        record(r, "WhereBackward0", backward, (condition, a, b))
    return r


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to ``[min, max]`` (numbers or tensors); the gradient passes where unclipped."""
    if not isinstance(input, Tensor):
        raise TypeError(f"clamp(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input._data
    xp = _backend.array_module(x)
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    if x.dtype.kind == "f" and type(lo) in _SCALAR_BOUND and type(hi) in _SCALAR_BOUND:
        pass   # the common case: a float tensor and number bounds keep the tensor's dtype
    else:
        dt = _dtype.result_type(*(v for v in (input, min, max) if v is not None)).np
        if dt.kind == "b" and not isinstance(min, Tensor) and not isinstance(max, Tensor):
            raise NotImplementedError("\"clamp_scalar_cpu\" not implemented for 'Bool'")
        if x.dtype != dt:
            x = x.astype(dt)
        lo = lo.astype(dt) if hasattr(lo, "dtype") and lo.dtype != dt else wrap_int(x, lo, "clamp")
        hi = hi.astype(dt) if hasattr(hi, "dtype") and hi.dtype != dt else wrap_int(x, hi, "clamp")
    r = x
    try:   # the bound first: on a tie (-0.0 vs 0.0) numpy returns the second argument, PyTorch keeps x
        if lo is not None:
            r = xp.maximum(lo, r)
        if hi is not None:
            r = xp.minimum(hi, r)
    except ValueError:
        raise RuntimeError(f"clamp: input {tuple(x.shape)}, min {tuple(getattr(lo, 'shape', ()))} and max "
                           f"{tuple(getattr(hi, 'shape', ()))} cannot be broadcast together") from None
    r = _wrap(r)
    if grad_mode.enabled and (input._rg or _rg(min) or _rg(max)):
        def backward(g):
            zero = g * 0
            keep = None
            if lo is not None:
                keep = input >= min
            if hi is not None:
                keep = (input <= max) if keep is None else keep & (input <= max)
            gi = where(keep, g, zero) if input._rg else None
            both = lo is not None and hi is not None   # with min > max the result is max (PyTorch's rule)
            gmin = grad_for(where((input < min) & (min < max) if both else input < min, g, zero), min) \
                if _rg(min) else None
            gmax = grad_for(where((input > max) | (max < min) if both else input > max, g, zero), max) \
                if _rg(max) else None
            return gi, gmin, gmax
        record(r, "ClampBackward1", backward, (input, min, max), (input,))
    return _out(r, out)


clip = clamp
_SCALAR_BOUND = (float, int, type(None))


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def maximum(input, other):
    """Elementwise maximum; on ties the gradient is split evenly (as PyTorch)."""
    return _extremum(input, other, "maximum")


def minimum(input, other):
    """Elementwise minimum; on ties the gradient is split evenly (as PyTorch)."""
    return _extremum(input, other, "minimum")


def fmax(input, other):
    """Elementwise maximum that ignores nan (nan only where both are nan); ties send the gradient to
    ``input`` (as PyTorch)."""
    return _extremum(input, other, "fmax")


def fmin(input, other):
    """Elementwise minimum that ignores nan (nan only where both are nan)."""
    return _extremum(input, other, "fmin")


def _extremum(input, other, name):
    _need_tensors(name, input, other)
    a, b, xa, xb = binary_arrays(input, other, name)
    xp = _backend.array_module(xa)
    r = _wrap(apply2(getattr(xp, name), xa, xb, name))
    if grad_mode.enabled and (a._rg or b._rg):
        def backward(g):
            zero = g * 0
            if name in ("fmax", "fmin"):   # PyTorch: input wins ties and where other is nan
                from .unary import isnan
                win = ((a >= b) if name == "fmax" else (a <= b)) | isnan(b)
                return grad_for(where(win, g, zero), a), grad_for(where(win, zero, g), b)
            win = (a > b) if name == "maximum" else (a < b)
            tie = a == b
            half = g * 0.5
            ga = where(win, g, where(tie, half, zero))
            gb = where(win, zero, where(tie, half, g))
            return grad_for(ga, a), grad_for(gb, b)
        record(r, name.capitalize() + "Backward0", backward, (a, b), (a, b))
    return r


def _reflect(fn):
    return lambda self, other: fn(other, self)


def _eq_method(self, other):
    if not isinstance(other, (Tensor, int, float, bool, np.ndarray, np.number, np.bool_)) \
            and not _backend.is_cuda_array(other):
        return NotImplemented if other is not None else False
    return eq(self, other)


def _ne_method(self, other):
    if not isinstance(other, (Tensor, int, float, bool, np.ndarray, np.number, np.bool_)) \
            and not _backend.is_cuda_array(other):
        return NotImplemented if other is not None else True
    return ne(self, other)


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype == np.bool_)


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError(f"~ (operator.invert) is only implemented on integer and Boolean-type tensors (got "
                        f"{self.dtype})")
    return logical_not(self) if self._data.dtype == np.bool_ else bitwise_not(self)


Tensor.add, Tensor.sub, Tensor.mul, Tensor.div = add, sub, mul, div
Tensor.subtract, Tensor.multiply, Tensor.divide, Tensor.true_divide = sub, mul, div, div
Tensor.floor_divide, Tensor.remainder, Tensor.fmod, Tensor.pow = floor_divide, remainder, fmod, pow
Tensor.float_power, Tensor.neg, Tensor.negative = float_power, neg, neg
Tensor.eq, Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge = eq, ne, lt, le, gt, ge
Tensor.less, Tensor.less_equal, Tensor.greater, Tensor.greater_equal, Tensor.not_equal = lt, le, gt, ge, ne
Tensor.logical_and, Tensor.logical_or, Tensor.logical_xor = logical_and, logical_or, logical_xor
Tensor.logical_not = logical_not
Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor = bitwise_and, bitwise_or, bitwise_xor
Tensor.bitwise_not = bitwise_not
Tensor.where = lambda self, condition, other: where(condition, self, other)
Tensor.clamp = Tensor.clip = clamp
Tensor.clamp_min, Tensor.clamp_max = clamp_min, clamp_max
Tensor.maximum, Tensor.minimum, Tensor.fmax, Tensor.fmin = maximum, minimum, fmax, fmin
Tensor.__add__ = Tensor.__radd__ = add
Tensor.__sub__ = sub
Tensor.__rsub__ = _reflect(sub)
Tensor.__mul__ = Tensor.__rmul__ = mul
Tensor.__truediv__ = div
Tensor.__rtruediv__ = _reflect(div)
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _reflect(floor_divide)
Tensor.__mod__ = remainder
Tensor.__rmod__ = _reflect(remainder)
Tensor.__pow__ = pow
Tensor.__rpow__ = _reflect(pow)
Tensor.__neg__ = neg
Tensor.__pos__ = Tensor.positive = positive
Tensor.__eq__, Tensor.__ne__ = _eq_method, _ne_method
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = lt, le, gt, ge
# on bool tensors the bitwise ops are the logical ones (and a Python bool operand keeps them bool)
Tensor.__and__ = Tensor.__rand__ = bitwise_and
Tensor.__or__ = Tensor.__ror__ = bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = bitwise_xor
Tensor.__invert__ = _invert

# the in-place forms live in arith_inplace.py (imported last: it builds on the ops above); re-exported here
# so that `from .arith import add_, _bump` keeps working
from .arith_inplace import (  # noqa: E402,F401
    _bump, _check_inplace_promotion, _detached_result, _inplace, add_, clamp_, clamp_max_, clamp_min_, clip_,
    copy_, div_, fill_, floor_divide_, fmod_, mul_, neg_, pow_, remainder_, sub_, zero_)
