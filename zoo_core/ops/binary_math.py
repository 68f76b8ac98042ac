"""More elementwise math: ``xlogy``, ``hypot``, ``copysign``, ``heaviside``, ``gcd``/``lcm``, ``ldexp``,
``frexp``, ``signbit``, ``sinc``, ``deg2rad``/``rad2deg``, ``nextafter``, ``logaddexp``/``logaddexp2``,
``isreal``, the bit shifts (and ``<<``/``>>``), with their in-place forms.

Each op computes on the arrays of the promoted operands (PyTorch's type promotion, via ``binary_arrays``)
and, when recording, defines its backward right below with Tensor ops (double backward comes for free).
"""
import math
from collections import namedtuple

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from ._util import apply2, binary_arrays, grad_for, inplace_variant
from .arith import _TORCH_NAMES, _out, _rg, mul, pow, where
from .unary import cos, sin

_LN2 = math.log(2.0)


def _xp(x):
    return np if type(x) is np.ndarray else _backend.array_module(x)


def _arrays(input, other, op, floating=False, reject=""):
    """Promoted raw operands (xa, xb), their array module, and the result dtype kind checks of ``op``.

    ``floating`` computes integer/bool results in the default float dtype (PyTorch's rule for ops such
    as ``xlogy``); ``reject`` lists dtype kinds PyTorch has no kernel for (it raises NotImplementedError)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b, xa, xb = binary_arrays(input, other, op)
    arr = xa if hasattr(xa, "dtype") else xb
    kind = _dtype.result_type(a, b).np.kind
    if kind in reject:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{_TORCH_NAMES[_dtype.result_type(a, b).name]}'")
    if floating and kind != "f":
        dt = _dtype.get_default_dtype().np
        xa = xa.astype(dt) if hasattr(xa, "dtype") else float(xa)
        xb = xb.astype(dt) if hasattr(xb, "dtype") else float(xb)
        arr = xa if hasattr(xa, "dtype") else xb
    return a, b, xa, xb, _xp(arr)


def not_differentiable(r, node, message, exc, inputs):
    """Record a node whose backward raises (PyTorch lets the forward run and fails in backward)."""
    def backward(g):
        raise exc(message)
    record(r, node, backward, inputs)
    return r


def _need_tensor(op, name, x, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


# ---- logarithmic products ---------------------------------------------------------------------------
def xlogy(input, other, *, out=None):
    """``input * log(other)``, and 0 where ``input == 0`` (unless ``other`` is nan).

    >>> import zoo_core as torch
    >>> torch.xlogy(torch.tensor([0.0, 2.0]), torch.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    a, b, xa, xb, xp = _arrays(input, other, "xlogy", floating=True)
    r = _wrap(apply2(lambda u, v: xp.where((u == 0) & ~xp.isnan(v), 0.0, u * xp.log(v)).astype(
        u.dtype if hasattr(u, "dtype") else v.dtype), xa, xb, "xlogy"))
    if (_rg(a) or _rg(b)) and grad_mode.enabled:
        def backward(g):
            ga = grad_for(g * xlogy(a != 0, b), a) if _rg(a) else None
            gb = grad_for(g * a / b, b) if _rg(b) else None
            return ga, gb
        record(r, "XlogyBackward0", backward, (a, b), [t for t in (a, b) if isinstance(t, Tensor)])
    return _out(r, out)


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, and 0 where ``input == 0`` (unless ``other`` is nan).

    >>> import zoo_core as torch
    >>> torch.special.xlog1py(torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    a, b, xa, xb, xp = _arrays(input, other, "xlog1py", floating=True)
    r = _wrap(apply2(lambda u, v: xp.where((u == 0) & ~xp.isnan(v), 0.0, u * xp.log1p(v)).astype(
        u.dtype if hasattr(u, "dtype") else v.dtype), xa, xb, "xlog1py"))
    if (_rg(a) or _rg(b)) and grad_mode.enabled:
        def backward(g):
            ga = grad_for(g * xlog1py(a != 0, b), a) if _rg(a) else None
            gb = grad_for(g * a / (b + 1), b) if _rg(b) else None
            return ga, gb
        record(r, "SpecialXlog1PyBackward0", backward, (a, b), [t for t in (a, b) if isinstance(t, Tensor)])
    return _out(r, out)


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))`` without overflow.

    >>> import zoo_core as torch
    >>> torch.logaddexp(torch.tensor([0.0, 1000.0]), torch.tensor([0.0, 0.0]))
    tensor([6.9315e-01, 1.0000e+03])
    """
    return _logaddexp("logaddexp", input, other, out, 1.0)


def logaddexp2(input, other, *, out=None):
    """``log2(2 ** input + 2 ** other)`` without overflow.

    >>> import zoo_core as torch
    >>> torch.logaddexp2(torch.tensor([3.0]), torch.tensor([3.0]))
    tensor([4.])
    """
    return _logaddexp("logaddexp2", input, other, out, _LN2)


def _logaddexp(name, input, other, out, scale):
    _need_tensor(name, "input", input, 1)
    _need_tensor(name, "other", other, 2)
    a, b, xa, xb, xp = _arrays(input, other, name, reject="biu")
    r = _wrap(apply2(getattr(xp, name), xa, xb, name))
    if (a._rg or b._rg) and grad_mode.enabled:
        def backward(g):
            # d/da = 1 / (1 + base ** (b - a)), computed as a sigmoid so it never overflows
            from .unary import sigmoid
            s = sigmoid((a - b) * scale)
            return (grad_for(g * s, a) if a._rg else None, grad_for(g * (1 - s), b) if b._rg else None)
        record(r, name.capitalize() + "Backward0", backward, (a, b), (a, b))
    return _out(r, out)


# ---- magnitudes and signs -------------------------------------------------------------------------
def hypot(input, other, *, out=None):
    """``sqrt(input ** 2 + other ** 2)`` without overflow.

    >>> import zoo_core as torch
    >>> torch.hypot(torch.tensor([3.0]), torch.tensor([4.0]))
    tensor([5.])
    """
    _need_tensor("hypot", "input", input, 1)
    _need_tensor("hypot", "other", other, 2)
    a, b, xa, xb, xp = _arrays(input, other, "hypot", reject="biu")
    r = _wrap(apply2(xp.hypot, xa, xb, "hypot"))
    if (a._rg or b._rg) and grad_mode.enabled:
        def backward(g):
            h = hypot(a, b)
            return (grad_for(g * a / h, a) if a._rg else None, grad_for(g * b / h, b) if b._rg else None)
        record(r, "HypotBackward0", backward, (a, b), (a, b))
    return _out(r, out)


def copysign(input, other, *, out=None):
    """``|input|`` with the sign of ``other`` (a float result; -0.0 counts as negative).

    >>> import zoo_core as torch
    >>> torch.copysign(torch.tensor([1.0, -2.0]), -0.0)
    tensor([-1., -2.])
    """
    _need_tensor("copysign", "input", input, 1)
    a, b, xa, xb, xp = _arrays(input, other, "copysign", floating=True)
    r = _wrap(apply2(xp.copysign, xa, xb, "copysign"))
    if _rg(a) and grad_mode.enabled:
        # d/da = sign(a) * sign(b) = result / a, and 0 at a == 0 (PyTorch's choice); b gets a zero gradient
        ratio = _wrap(xp.where(xa == 0, 0.0, r._data / xp.where(xa == 0, 1.0, xa)).astype(r._data.dtype))
        record(r, "CopysignBackward0", lambda g: (grad_for(g * ratio, a), grad_for(g * 0, b)), (a, b), (a,))
    return _out(r, out)


def signbit(input, *, out=None):
    """True where the sign bit is set (negative numbers, -0.0 and -nan).

    >>> import zoo_core as torch
    >>> torch.signbit(torch.tensor([-1.0, -0.0, 2.0]))
    tensor([ True,  True, False])
    """
    x = input._data
    xp = _xp(x)
    r = xp.signbit(x) if x.dtype.kind == "f" else (x < 0) if x.dtype.kind == "i" else xp.zeros(x.shape, bool)
    return _out(_wrap(r), out)


def heaviside(input, values, *, out=None):
    """The step function: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``.

    >>> import zoo_core as torch
    >>> torch.heaviside(torch.tensor([-1.0, 0.0, 3.0]), torch.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _need_tensor("heaviside", "input", input, 1)
    _need_tensor("heaviside", "values", values, 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"(input {input.dtype}, values {values.dtype}).")
    a, b, xa, xb, xp = _arrays(input, values, "heaviside")
    r = apply2(lambda u, v: xp.where(u == 0, v, (u > 0).astype(u.dtype)), xa, xb, "heaviside")
    r = _wrap(r.astype(xa.dtype, copy=False))
    if (a._rg or b._rg) and grad_mode.enabled:
        not_differentiable(r, "NotImplemented", "derivative for aten::heaviside is not implemented", RuntimeError,
                           (a, b))
    return _out(r, out)


# ---- integers -------------------------------------------------------------------------------------
def gcd(input, other, *, out=None):
    """Greatest common divisor (non-negative; ``gcd(0, 0) = 0``) of integer tensors.

    >>> import zoo_core as torch
    >>> torch.gcd(torch.tensor([12, -9, 0]), torch.tensor([18, 6, 0]))
    tensor([6, 3, 0])
    """
    return _int_binary("gcd", input, other, out)


def lcm(input, other, *, out=None):
    """Least common multiple (non-negative; 0 when either is 0) of integer tensors.

    >>> import zoo_core as torch
    >>> torch.lcm(torch.tensor([4, -6, 0]), torch.tensor([6, 4, 5]))
    tensor([12, 12,  0])
    """
    return _int_binary("lcm", input, other, out)


def _int_binary(name, input, other, out):
    _need_tensor(name, "input", input, 1)
    _need_tensor(name, "other", other, 2)
    a, b, xa, xb, xp = _arrays(input, other, name, reject="bf")
    return _out(_wrap(apply2(getattr(xp, name), xa, xb, name)), out)


def _shift_arrays(name, input, other):
    if isinstance(input, bool) or isinstance(other, bool) or isinstance(input, float) or isinstance(other, float):
        raise TypeError(f"{name}(): the shift operands must be integer tensors or ints, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return _arrays(input, other, "lshift" if "left" in name else "rshift", reject="bf")


def bitwise_left_shift(input, other, *, out=None):
    """``input << other``; shifts of the bit width or more (or negative) give 0, as in PyTorch.

    >>> import zoo_core as torch
    >>> torch.bitwise_left_shift(torch.tensor([1, 3]), 2)
    tensor([ 4, 12])
    """
    a, b, xa, xb, xp = _shift_arrays("bitwise_left_shift", input, other)
    arr = xa if hasattr(xa, "dtype") else xb
    bits = arr.dtype.itemsize * 8
    ok = (xb >= 0) & (xb < bits)
    if not hasattr(ok, "shape"):   # a Python shift count: CuPy's where wants an array condition
        ok = xp.asarray(ok)
    r = apply2(lambda u, v: xp.left_shift(u, xp.where(ok, v, 0)), xa, xb, "bitwise_left_shift")
    return _out(_wrap(xp.where(ok, r, 0).astype(arr.dtype, copy=False)), out)


def bitwise_right_shift(input, other, *, out=None):
    """``input >> other`` (arithmetic for signed types); out-of-range shifts fill with the sign bit.

    >>> import zoo_core as torch
    >>> torch.bitwise_right_shift(torch.tensor([-8, 8]), 2)
    tensor([-2,  2])
    """
    a, b, xa, xb, xp = _shift_arrays("bitwise_right_shift", input, other)
    arr = xa if hasattr(xa, "dtype") else xb
    bits = arr.dtype.itemsize * 8
    ok = (xb >= 0) & (xb < bits)
    if not hasattr(ok, "shape"):   # a Python shift count: CuPy's where wants an array condition
        ok = xp.asarray(ok)
    r = apply2(lambda u, v: xp.right_shift(u, xp.where(ok, v, bits - 1)), xa, xb, "bitwise_right_shift")
    if arr.dtype.kind == "u":   # unsigned: shifting out everything leaves 0
        r = xp.where(ok, r, 0)
    return _out(_wrap(r.astype(arr.dtype, copy=False)), out)


# ---- floating-point representation ----------------------------------------------------------------
def ldexp(input, other, *, out=None):
    """``input * 2 ** other``, in the promoted floating dtype.

    >>> import zoo_core as torch
    >>> torch.ldexp(torch.tensor([1.0, 3.0]), torch.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    _need_tensor("ldexp", "input", input, 1)
    _need_tensor("ldexp", "other", other, 2)
    dt = _dtype.result_type(input, other)
    if dt.np.kind != "f":
        dt = _dtype.get_default_dtype()
    return _out(mul(input, pow(2.0, other.to(dt))), out)   # 2 ** other in the result's dtype (no early inf)


frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input, *, out=None):
    """Split ``input`` into a mantissa in (-1, -0.5] or [0.5, 1) and an int32 exponent:
    ``input = mantissa * 2 ** exponent``.

    >>> import zoo_core as torch
    >>> torch.frexp(torch.tensor([8.0, -3.0]))
    frexp(mantissa=tensor([ 0.5000, -0.7500]), exponent=tensor([4, 2], dtype=zoo_core.int32))
    """
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes (got {input.dtype})")
    m, e = _xp(x).frexp(x)
    mant, expo = _wrap(m.astype(x.dtype, copy=False)), _wrap(e.astype(np.int32, copy=False))
    if input._rg and grad_mode.enabled:
        # mantissa = input / 2 ** exponent (the exponent is piecewise constant, not differentiable)
        scale = _wrap(_xp(x).ldexp(_xp(x).ones_like(x), -e).astype(x.dtype, copy=False))
        record(mant, "FrexpBackward0", lambda g: (g * scale,), (input,))
    if out is not None:
        _out(mant, out[0])
        _out(expo, out[1])
        return frexp_result(out[0], out[1])
    return frexp_result(mant, expo)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` towards ``other``.

    >>> import zoo_core as torch
    >>> torch.nextafter(torch.tensor([1.0], dtype=torch.float64), torch.tensor([2.0], dtype=torch.float64)) - 1
    tensor([2.2204e-16], dtype=zoo_core.float64)
    """
    _need_tensor("nextafter", "input", input, 1)
    _need_tensor("nextafter", "other", other, 2)
    a, b, xa, xb, xp = _arrays(input, other, "nextafter", reject="biu")
    r = _wrap(apply2(xp.nextafter, xa, xb, "nextafter"))
    if (a._rg or b._rg) and grad_mode.enabled:
        not_differentiable(r, "NextafterBackward0", "the derivative for 'nextafter' is not implemented.",
                           NotImplementedError, (a, b))
    return _out(r, out)


def isreal(input):
    """True for every element of a real tensor (zoo_core has no complex dtypes).

    >>> import zoo_core as torch
    >>> torch.isreal(torch.tensor([1.0, float("nan")]))
    tensor([True, True])
    """
    return _wrap(_xp(input._data).ones(input._data.shape, dtype=bool))


# ---- angles and sinc ------------------------------------------------------------------------------
def _float_unary(input):
    x = input._data
    return x if x.dtype.kind == "f" else x.astype(_dtype.get_default_dtype().np)


def deg2rad(input, *, out=None):
    """Degrees to radians.

    >>> import zoo_core as torch
    >>> torch.deg2rad(torch.tensor([180.0]))
    tensor([3.1416])
    """
    return _out(_scaled(input, math.pi / 180.0, "Deg2RadBackward0"), out)


def rad2deg(input, *, out=None):
    """Radians to degrees.

    >>> import zoo_core as torch
    >>> torch.rad2deg(torch.tensor([3.141592653589793]))
    tensor([180.])
    """
    return _out(_scaled(input, 180.0 / math.pi, "Rad2DegBackward0"), out)


def _scaled(input, c, node):
    x = _float_unary(input)
    r = _wrap(x * x.dtype.type(c))
    if input._rg and grad_mode.enabled:
        record(r, node, lambda g: (g * c,), (input,))
    return r


def sinc(input, *, out=None):
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0.

    >>> import zoo_core as torch
    >>> torch.sinc(torch.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """
    x = _float_unary(input)
    xp = _xp(x)
    px = x * x.dtype.type(math.pi)
    r = _wrap(xp.where(x == 0, x.dtype.type(1), xp.sin(px) / xp.where(x == 0, x.dtype.type(1), px)))
    if input._rg and grad_mode.enabled:
        def backward(g):
            zero = input == 0
            safe = where(zero, 1.0, input)
            p = safe * math.pi
            return (g * where(zero, 0.0, (p * cos(p) - sin(p)) / (p * safe)),)
        record(r, "SincBackward0", backward, (input,), (input,))
    return _out(r, out)


# ---- in-place forms and methods -------------------------------------------------------------------
def float_power_(self, exponent):
    """In-place ``float_power`` (``self`` must be float64, the dtype of the result)."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_TORCH_NAMES[self._data.dtype.name]} but "
                           f"the operation's result requires dtype Double")
    return _float_power_inplace(self, exponent)


xlogy_ = inplace_variant("xlogy_", xlogy)
hypot_ = inplace_variant("hypot_", hypot)
copysign_ = inplace_variant("copysign_", copysign)
heaviside_ = inplace_variant("heaviside_", heaviside)
gcd_ = inplace_variant("gcd_", gcd)
lcm_ = inplace_variant("lcm_", lcm)
ldexp_ = inplace_variant("ldexp_", ldexp)
sinc_ = inplace_variant("sinc_", sinc)
deg2rad_ = inplace_variant("deg2rad_", deg2rad)
rad2deg_ = inplace_variant("rad2deg_", rad2deg)
nextafter_ = inplace_variant("nextafter_", nextafter)
bitwise_left_shift_ = inplace_variant("bitwise_left_shift_", bitwise_left_shift)
bitwise_right_shift_ = inplace_variant("bitwise_right_shift_", bitwise_right_shift)
_float_power_inplace = None   # set below (float_power lives in arith)


def _setup():
    global _float_power_inplace
    from .arith import float_power
    _float_power_inplace = inplace_variant("float_power_", float_power)
    for fn in (xlogy, hypot, copysign, heaviside, gcd, lcm, ldexp, frexp, signbit, sinc, deg2rad, rad2deg,
               nextafter, logaddexp, logaddexp2, isreal, bitwise_left_shift, bitwise_right_shift):
        setattr(Tensor, fn.__name__, fn)
    for fn in (xlogy_, hypot_, copysign_, heaviside_, gcd_, lcm_, ldexp_, sinc_, deg2rad_, rad2deg_, nextafter_,
               bitwise_left_shift_, bitwise_right_shift_, float_power_):
        setattr(Tensor, fn.__name__, fn)
    Tensor.__lshift__ = bitwise_left_shift
    Tensor.__rshift__ = bitwise_right_shift
    Tensor.__rlshift__ = lambda self, other: bitwise_left_shift(other, self)
    Tensor.__rrshift__ = lambda self, other: bitwise_right_shift(other, self)
    Tensor.__ilshift__ = bitwise_left_shift_
    Tensor.__irshift__ = bitwise_right_shift_


_setup()

# ``torch.exp_(x)`` and friends: the in-place Tensor methods, also at the top level as in PyTorch
_TORCH_INPLACE = ("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
                  "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_",
                  "cos_", "cosh_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_",
                  "log10_", "log1p_", "log2_", "log_", "logit_", "neg_", "negative_", "reciprocal_",
                  "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_",
                  "zero_")
globals().update({_n: getattr(Tensor, _n) for _n in _TORCH_INPLACE})
nan_to_num_ = Tensor.nan_to_num_ = inplace_variant("nan_to_num_", Tensor.nan_to_num)

__all__ = [*_TORCH_INPLACE, "nan_to_num_", "xlogy", "xlogy_", "hypot", "copysign", "heaviside", "gcd", "gcd_", "lcm",
           "lcm_", "ldexp", "ldexp_", "frexp", "signbit", "sinc", "sinc_", "deg2rad", "deg2rad_", "rad2deg", "rad2deg_",
           "nextafter", "logaddexp", "logaddexp2", "isreal", "bitwise_left_shift", "bitwise_right_shift"]
