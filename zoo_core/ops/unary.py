"""Elementwise math and activations: ``exp``, ``log``, trig, ``sigmoid``, ``relu``, ``gelu``, ``erf``...

Each op is one row of ``_unary(name, forward, backward)``: ``forward(xp, x)`` on arrays, and
``backward(g, x, y)`` with Tensor ops (``y`` is the output, recomputed from ``x`` when building a
higher-order graph, so that double backward sees its dependence on ``x``).
"""
import math
import weakref

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from ._util import inplace_variant


# PyTorch's short dtype names, used in its "not implemented for 'Bool'" messages
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _not_implemented(kernel, x):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_TORCH_NAMES[x.dtype.name]}'")


def _unary(name, forward, backward=None, uses_output=False, float_only=True, node=None, fast=None, reject=""):
    """Build ``op(input)``; ``backward=None`` marks an op with no gradient (rounding, tests).

    ``float_only`` computes integer inputs in the default float dtype; ``reject`` lists the dtype kinds
    ("b", "iu") PyTorch has no kernel for (it raises NotImplementedError, and so do we).

    ``fast(g, x, y)`` optionally gives the same backward on raw arrays, used for a plain backward (no
    ``create_graph``): it saves the per-op Tensor overhead of the hottest activations."""
    node = node or name.capitalize() + "Backward0"

    def op(input, *, out=None):
        x = input._data
        if x.dtype.kind != "f":
            if x.dtype.kind in reject:
                raise _not_implemented(f"{name}_cpu", x)
            if float_only:
                x = x.astype(_dtype.get_default_dtype().np)
        y = _wrap(forward(np if type(x) is np.ndarray else _backend.array_module(x), x))
        if backward is not None and input._rg and grad_mode.enabled:
            if uses_output:
                # the output is held weakly (no cycle) and only it is saved, as in PyTorch; a graph of the
                # backward (create_graph) needs the output's own history: the output itself while alive,
                # else recomputed from the input
                y_data, y_ref = y._data, weakref.ref(y)

                def bwd(g):
                    if grad_mode.enabled:
                        yy = y_ref()
                        if yy is None:
                            yy = op(input)
                    elif fast is not None:
                        return (_wrap(fast(g._data, input._data, y_data)),)
                    else:
                        yy = _wrap(y_data)
                    return (backward(g, input, yy),)
                record(y, node, bwd, (input,), (y_ref,))
            elif fast is not None:
                def bwd(g):
                    if grad_mode.enabled:
                        return (backward(g, input, None),)
                    return (_wrap(fast(g._data, input._data, None)),)
                record(y, node, bwd, (input,), (input,))
            else:
                record(y, node, lambda g: (backward(g, input, None),), (input,), (input,))
        if out is not None:
            from .arith import _out
            return _out(y, out)
        return y
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``."
    return op


def _zero(g, x, y):
    return g * 0


# ---- the error function (Cephes' rational approximations: full double precision) -----------------
_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
      7.00332514112805075473E3, 5.55923013010394962768E4)
_U = (1.0, 3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
      2.26290000613890934246E4, 4.92673942608635921086E4)
_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
      4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
      9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_Q = (1.0, 1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
      9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
      1.65666309194161350182E3, 5.57535340817727675546E2)
_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
      6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_S = (1.0, 2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
      1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0)


def _polevl(x, coefs):
    r = x * 0 + coefs[0]
    for c in coefs[1:]:
        r = r * x + c
    return r


def _erfc_large(xp, ax):
    """erfc(|x|) for |x| >= 1 (the caller picks the branch)."""
    z = xp.exp(-ax * ax)
    small = ax < 8.0
    axs = xp.where(small, ax, 1.0)
    axl = xp.where(small, 8.0, xp.minimum(ax, 30.0))   # erfc(30) underflows to 0; inf would give inf/inf
    p = xp.where(small, _polevl(axs, _P) / _polevl(axs, _Q), _polevl(axl, _R) / _polevl(axl, _S))
    return z * p


def _cupy_special(xp, name, x):
    """``cupyx.scipy.special.<name>`` on a CuPy array in its own precision (float16 through float32): one
    kernel instead of the ~100 that the polynomial evaluation below launches."""
    from cupyx.scipy import special
    y = getattr(special, name)(x.astype(np.float32) if x.dtype == np.float16 else x)
    return y.astype(x.dtype, copy=False)


def erf_array(xp, x):
    """erf on an array, accurate to ~1e-16 in float64 (numpy has no erf; CuPy's cupyx has one)."""
    if xp is not np:
        return _cupy_special(xp, "erf", x)
    x64 = x.astype(np.float64) if x.dtype != np.float64 else x
    ax = xp.abs(x64)
    inner = ax < 1.0
    xi = xp.where(inner, x64, 0.0)
    zi = xi * xi
    r_in = xi * _polevl(zi, _T) / _polevl(zi, _U)
    r_out = 1.0 - _erfc_large(xp, xp.where(inner, 1.0, ax))
    r = xp.where(inner, r_in, xp.sign(x64) * r_out)
    return r.astype(x.dtype) if x.dtype != np.float64 else r


def erfc_array(xp, x):
    if xp is not np:
        return _cupy_special(xp, "erfc", x)
    x64 = x.astype(np.float64) if x.dtype != np.float64 else x
    ax = xp.abs(x64)
    inner = ax < 1.0
    r_in = 1.0 - erf_array(xp, xp.where(inner, x64, 0.0))
    big = _erfc_large(xp, xp.where(inner, 1.0, ax))
    r_out = xp.where(x64 < 0, 2.0 - big, big)
    r = xp.where(inner, r_in, r_out)
    return r.astype(x.dtype) if x.dtype != np.float64 else r


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _sigmoid_array(xp, x):
    """1 / (1 + exp(-x)): exp overflows to inf for very negative x and the result is 0, as PyTorch's (numpy's
    overflow warning is silenced for zoo_core's modules in zoo_core/__init__.py)."""
    if x.dtype.itemsize < 4:   # float16: compute in float32, as PyTorch does
        return _sigmoid_array(xp, x.astype(xp.float32)).astype(x.dtype)
    t = xp.empty_like(x)   # (a 0-d input: xp.negative(x) would return a scalar, useless with out=)
    xp.negative(x, out=t)
    xp.exp(t, out=t)
    t += 1
    return xp.reciprocal(t, out=t)


def _softplus_array(xp, x):
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


exp = _unary("exp", lambda xp, x: xp.exp(x), lambda g, x, y: g * y, uses_output=True,
             fast=lambda g, x, y: g * y)
exp2 = _unary("exp2", lambda xp, x: xp.exp2(x), lambda g, x, y: g * y * math.log(2.0), uses_output=True)
expm1 = _unary("expm1", lambda xp, x: xp.expm1(x), lambda g, x, y: g * (y + 1), uses_output=True)
log = _unary("log", lambda xp, x: xp.log(x), lambda g, x, y: g / x)
log2 = _unary("log2", lambda xp, x: xp.log2(x), lambda g, x, y: g / (x * math.log(2.0)))
log10 = _unary("log10", lambda xp, x: xp.log10(x), lambda g, x, y: g / (x * math.log(10.0)))
log1p = _unary("log1p", lambda xp, x: xp.log1p(x), lambda g, x, y: g / (x + 1))
sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), lambda g, x, y: g / (2 * y), uses_output=True)
rsqrt = _unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda g, x, y: g * -0.5 * y * y * y, uses_output=True)
square = _unary("square", lambda xp, x: x * x if x.dtype.kind != "b" else x.astype(np.int64),
                lambda g, x, y: g * 2 * x, float_only=False, node="PowBackward0")
reciprocal = _unary("reciprocal", lambda xp, x: 1 / x, lambda g, x, y: -g * y * y, uses_output=True)
abs = absolute = _unary("abs", lambda xp, x: xp.abs(x), lambda g, x, y: g * sign(x), float_only=False, reject="b")


def _sign_array(xp, x):
    if x.dtype.kind == "b":
        return x.copy()
    r = xp.sign(x)
    if x.dtype.kind == "f":   # PyTorch: sign(nan) = 0
        r = xp.where(r != r, xp.zeros((), r.dtype), r)
    return r


sign = _unary("sign", _sign_array, _zero, float_only=False)
sgn = sign
sin = _unary("sin", lambda xp, x: xp.sin(x), lambda g, x, y: g * cos(x))
cos = _unary("cos", lambda xp, x: xp.cos(x), lambda g, x, y: -g * sin(x))
tan = _unary("tan", lambda xp, x: xp.tan(x), lambda g, x, y: g * (1 + y * y), uses_output=True)
asin = _unary("asin", lambda xp, x: xp.arcsin(x), lambda g, x, y: g * rsqrt(1 - x * x))
acos = _unary("acos", lambda xp, x: xp.arccos(x), lambda g, x, y: -g * rsqrt(1 - x * x))
atan = _unary("atan", lambda xp, x: xp.arctan(x), lambda g, x, y: g / (1 + x * x))
sinh = _unary("sinh", lambda xp, x: xp.sinh(x), lambda g, x, y: g * cosh(x))
cosh = _unary("cosh", lambda xp, x: xp.cosh(x), lambda g, x, y: g * sinh(x))
tanh = _unary("tanh", lambda xp, x: xp.tanh(x), lambda g, x, y: g * (1 - y * y), uses_output=True,
              fast=lambda g, x, y: g * (1 - y * y))
asinh = _unary("asinh", lambda xp, x: xp.arcsinh(x), lambda g, x, y: g * rsqrt(x * x + 1))
acosh = _unary("acosh", lambda xp, x: xp.arccosh(x), lambda g, x, y: g * rsqrt(x * x - 1))
atanh = _unary("atanh", lambda xp, x: xp.arctanh(x), lambda g, x, y: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
sigmoid = _unary("sigmoid", _sigmoid_array, lambda g, x, y: g * y * (1 - y), uses_output=True,
                 fast=lambda g, x, y: g * y * (1 - y))
# the gradient passes where not x <= 0, so NaN inputs pass it on (as PyTorch's threshold_backward)
_relu = _unary("relu", lambda xp, x: xp.maximum(0, x), lambda g, x, y: g * ~(x <= 0), float_only=False,
               fast=lambda g, x, y: g * ~(x <= 0))


def relu(input, *, out=None):
    """``max(x, 0)`` elementwise (bool tensors are refused, as in PyTorch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _relu(input, out=out)


silu = _unary("silu", lambda xp, x: x * _sigmoid_array(xp, x),
              lambda g, x, y: g * _silu_grad(x), reject="biu")
mish = _unary("mish", lambda xp, x: x * xp.tanh(_softplus_array(xp, x)),
              lambda g, x, y: g * _mish_grad(x), reject="biu")
erf = _unary("erf", erf_array, lambda g, x, y: g * _TWO_OVER_SQRT_PI * exp(-x * x))
erfc = _unary("erfc", erfc_array, lambda g, x, y: -g * _TWO_OVER_SQRT_PI * exp(-x * x))
floor = _unary("floor", lambda xp, x: xp.floor(x), _zero, float_only=False, reject="b")
ceil = _unary("ceil", lambda xp, x: xp.ceil(x), _zero, float_only=False, reject="b")
trunc = _unary("trunc", lambda xp, x: xp.trunc(x), _zero, float_only=False, reject="b")
fix = trunc
frac = _unary("frac", lambda xp, x: x - xp.trunc(x), lambda g, x, y: g, reject="biu")


def _silu_grad(x):
    s = sigmoid(x)   # exactly 0 far left: the gradient is -0.0 there and NaN at -inf, as PyTorch's
    return s * (1 + x * (1 - s))


def _mish_grad(x):
    t = tanh(softplus(x))
    return t + x * sigmoid(x) * (1 - t * t)


def round(input, *, decimals=0):
    """Round half to even (as PyTorch); ``decimals`` rounds to that many decimal places."""
    if decimals == 0:
        return _round0(input)
    if input._data.dtype.kind != "f":
        raise _not_implemented("round_cpu", input._data)
    return _unary("round", _round_decimals(decimals), _zero)(input)


def _round_decimals(decimals):
    def fwd(xp, x):
        if x.dtype == np.float16:   # x * 10**decimals would overflow float16
            return xp.round(x.astype(np.float32), decimals).astype(np.float16)
        return xp.round(x, decimals)
    return fwd


_round0 = _unary("round", lambda xp, x: xp.round(x), _zero, float_only=False, reject="b")


def gelu(input, approximate="none"):
    """Gaussian error linear unit: ``x * Phi(x)``; ``approximate="tanh"`` uses the tanh formula."""
    if approximate == "none":
        return _gelu(input)
    if approximate == "tanh":
        return _gelu_tanh(input)
    raise RuntimeError(f"gelu: approximate argument must be either none or tanh (got {approximate!r}).")


def _gelu_grad(g, x, y):
    cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
    return g * (cdf + x * _INV_SQRT_2PI * exp(-0.5 * x * x))


def _gelu_tanh_fwd(xp, x):
    return 0.5 * x * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))


def _gelu_tanh_grad(g, x, y):
    inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
    t = tanh(inner)
    d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)


def _in_float32(fwd):
    """``fwd`` computed in float32 for float16 inputs (PyTorch's CPU kernels do the same)."""
    def f(xp, x):
        if x.dtype == np.float16:
            return fwd(xp, x.astype(np.float32)).astype(np.float16)
        return fwd(xp, x)
    return f


_gelu = _unary("gelu", _in_float32(lambda xp, x: 0.5 * x * (1 + erf_array(xp, x * _INV_SQRT_2))), _gelu_grad,
               node="GeluBackward0", reject="biu")
_gelu_tanh = _unary("gelu", _in_float32(_gelu_tanh_fwd), _gelu_tanh_grad, node="GeluBackward0", reject="biu")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""
    if input._data.dtype.kind != "f":
        raise _not_implemented("softplus_cpu", input._data)
    x = input._data
    xp = _backend.array_module(x)
    bx = x * beta
    y = _wrap(xp.where(bx > threshold, x, _softplus_array(xp, bx) / beta).astype(x.dtype, copy=False))
    if input._rg and grad_mode.enabled:
        def backward(g):
            z = input * beta
            from .arith import where
            return (where(z > threshold, g, g * sigmoid(z)),)
        record(y, "SoftplusBackward0", backward, (input,), (input,))
    return y


def logit(input, eps=None):
    """``log(x / (1 - x))``; with ``eps``, x is first clamped to ``[eps, 1 - eps]``."""
    x = input if input._data.dtype.kind == "f" else input.to(_dtype.get_default_dtype())
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return log(x / (1 - x))


def isnan(input):
    return _wrap(_backend.array_module(input._data).isnan(input._data))


def isinf(input):
    return _wrap(_backend.array_module(input._data).isinf(input._data))


def isfinite(input):
    return _wrap(_backend.array_module(input._data).isfinite(input._data))


def isposinf(input):
    return _wrap(_backend.array_module(input._data).isposinf(input._data))


def isneginf(input):
    return _wrap(_backend.array_module(input._data).isneginf(input._data))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    from .arith import where
    x = input._data
    xp = _backend.array_module(x)
    info = xp.finfo(x.dtype) if x.dtype.kind == "f" else None
    if info is None:
        return input.clone()
    out = where(_wrap(xp.isnan(x)), nan, input)
    out = where(_wrap(xp.isposinf(x)), info.max if posinf is None else posinf, out)
    return where(_wrap(xp.isneginf(x)), info.min if neginf is None else neginf, out)


def atan2(input, other):
    """``atan(input / other)`` with the quadrant of (other, input)."""
    from ._util import binary_arrays, grad_for
    for pos, (arg, x) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"atan2(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")
    a, b, xa, xb = binary_arrays(input, other, "atan2")
    xp = _backend.array_module(xa)
    if xa.dtype.kind != "f":   # integers go to float as they are (not through the promoted int type)
        ft = _dtype.get_default_dtype().np
        xa, xb = a._data.astype(ft), b._data.astype(ft)
    r = _wrap(xp.arctan2(xa, xb))
    if grad_mode.enabled and (a._rg or getattr(b, "_rg", False)):
        def backward(g):
            from .arith import where
            den = a * a + b * b
            # at (0, 0) the gradient is 0, as in PyTorch (not 0 / 0)
            scale = where(den == 0, 0.0, g / where(den == 0, 1.0, den))
            return grad_for(scale * b, a), grad_for(-scale * a, b)
        record(r, "Atan2Backward0", backward, (a, b), (a, b) if isinstance(b, Tensor) else (a,))
    return r


arctan2 = atan2


_METHODS = {
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10, "log1p": log1p,
    "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal, "abs": abs, "absolute": abs,
    "sign": sign, "sgn": sign, "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "sinh": sinh, "cosh": cosh, "tanh": tanh,
    "asinh": asinh, "acosh": acosh, "atanh": atanh, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh,
    "sigmoid": sigmoid, "relu": relu, "erf": erf, "erfc": erfc, "floor": floor, "ceil": ceil,
    "trunc": trunc, "fix": trunc, "frac": frac, "round": round, "logit": logit, "atan2": atan2,
    "arctan2": atan2,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", inplace_variant(_name + "_", _fn))
Tensor.isnan, Tensor.isinf, Tensor.isfinite = isnan, isinf, isfinite
Tensor.isposinf, Tensor.isneginf, Tensor.nan_to_num = isposinf, isneginf, nan_to_num
Tensor.__abs__ = abs

silu_ = inplace_variant("silu_", silu)
mish_ = inplace_variant("mish_", mish)
