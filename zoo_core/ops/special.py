"""Special functions numpy lacks: ``erfinv``, ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``.

Everything is computed in float64 (float32/float16 inputs are cast up and the result cast back), on the
array module of the input, so the same code runs on CuPy:

- ``erfinv``: Giles' single-precision approximation as a start, then Halley steps on ``erf`` (on
  ``log erfc`` near +-1, where ``erf`` cancels), which reach float64 precision.
- ``lgamma``: Cephes' method for x >= 0.5 (a rational approximation on [2, 3) reached by the recurrence,
  Stirling's series from 13; ~1e-16, exactly 0 at 1 and 2), the reflection formula
  ``log|pi / sin(pi x)| - lgamma(1 - x)`` below (so negative non-integers give ``log|Gamma|``).
- ``digamma``/``polygamma``: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 20, then the asymptotic
  series; reflection for x < 0.5 through derivatives of ``cot``.

Gradients: ``lgamma' = digamma``, ``digamma' = polygamma(1)``, ``polygamma(n)' = polygamma(n + 1)``, so all
of them are differentiable any number of times.
"""
import math

import numpy as np

from .. import _backend, _dtype
from ..tensor import Tensor
from .unary import _unary, erf_array, erfc_array, exp

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _f64(x):
    return x.astype(np.float64) if x.dtype != np.float64 else x


def _back(r, x):
    return r.astype(x.dtype) if x.dtype != np.float64 else r


def _horner(w, coefs):
    r = w * 0 + coefs[0]
    for c in coefs[1:]:
        r = r * w + c
    return r


# ---- erfinv ---------------------------------------------------------------------------------------
# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                   -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _erfinv_array(xp, y):
    y64 = _f64(y)
    a = xp.abs(y64)
    inside = a < 1.0
    ai = xp.where(inside, a, 0.0)                    # keep log/sqrt finite; the edges are patched below
    q = 1.0 - ai                                     # exact for ai >= 0.5 (Sterbenz)
    w = -xp.log(q * (1.0 + ai))
    central = w < 5.0
    wc = xp.where(central, w, 5.0) - 2.5
    wt = xp.sqrt(xp.where(central, 5.0, w)) - 3.0
    x = xp.where(central, _horner(wc, _ERFINV_CENTRAL), _horner(wt, _ERFINV_TAIL)) * ai
    # Halley steps: on erf(x) - a in the centre; on log(erfc(x)) - log(1 - a) for a > 0.5, which keeps
    # relative accuracy next to 1 and is nearly quadratic in x, so the rougher tail start converges
    # (3 steps: 12% -> 4e-4 -> 2e-11 -> 1e-16 at 1 - a = 1e-16)
    tail = ai > 0.5
    log_q = xp.log(q)
    for _ in range(3):
        d = _TWO_OVER_SQRT_PI * xp.exp(-x * x)       # erf'(x)
        u_c = (erf_array(xp, x) - ai) / d            # f''/f' = -2x
        ec = erfc_array(xp, x)
        hp = -d / ec                                 # h'(x); h''/h' = -2x - h'
        u_t = (xp.log(ec) - log_q) / hp
        x = xp.where(tail, x - u_t / (1.0 + 0.5 * u_t * (2.0 * x + hp)), x - u_c / (1.0 + x * u_c))
    r = xp.where(inside, x, xp.where(a == 1.0, np.inf, np.nan))
    r = xp.copysign(r, y64)                          # erfinv is odd; also keeps -0.0 and propagates nan
    return _back(r, y)


erfinv = _unary("erfinv", _erfinv_array, lambda g, x, y: g * _SQRT_PI_2 * exp(y * y), uses_output=True)
erfinv.__doc__ = """The inverse error function: ``erf(erfinv(x)) == x`` on (-1, 1), +-inf at +-1, nan outside.

Example::

    >>> zoo_core.erfinv(zoo_core.tensor([0., 0.5, -1.]))
    tensor([0.0000, 0.4769,   -inf])
"""
erfinv.__module__ = __name__


# ---- lgamma ----------------------------------------------------------------------------------------
# Cephes' lgam: a rational approximation on [2, 3) reached by the recurrence Gamma(x+1) = x Gamma(x) (exact
# zeros at 1 and 2), Stirling's series from 13 on
_LG_A = (8.11614167470508450300E-4, -5.95061904284301438324E-4, 7.93650340457716943945E-4,
         -2.77777777730099687205E-3, 8.33333333333331927722E-2)
_LG_B = (-1.37825152569120859100E3, -3.88016315134637840924E4, -3.31612992738871184744E5,
         -1.16237097492762307383E6, -1.72173700820839662146E6, -8.53555664245765465627E5)
_LG_C = (1.0, -3.51815701436523470549E2, -1.70642106651881159223E4, -2.20528590553854454839E5,
         -1.13933444367982507207E6, -2.53252307177582951285E6, -2.01889141433532773231E6)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PI = math.log(math.pi)


def _lgamma_pos(xp, x):
    """log Gamma(x) for x >= 0.5 (finite)."""
    mid = x < 13.0
    u = xp.where(mid, x, 2.5)
    z = u * 0 + 1.0
    for _ in range(11):                               # down into [2, 3): z = (x-1)(x-2)...u
        m = u >= 3.0
        u = xp.where(m, u - 1.0, u)
        z = xp.where(m, z * u, z)
    for _ in range(2):                                # up from [0.5, 2): z = 1 / (x (x+1) ...)
        m = u < 2.0
        z = xp.where(m, z / u, z)
        u = xp.where(m, u + 1.0, u)
    t = u - 2.0
    r_mid = xp.log(z) + t * _horner(t, _LG_B) / _horner(t, _LG_C)
    xl = xp.where(mid, 13.0, x)
    r_big = (xl - 0.5) * xp.log(xl) - xl + _HALF_LOG_2PI + _horner(1.0 / (xl * xl), _LG_A) / xl
    return xp.where(mid, r_mid, r_big)


def _abs_sin_pi(xp, x):
    """|sin(pi x)|, the argument reduced exactly to [-1/2, 1/2] first: exactly 0 at the integers, and
    accurate next to them (pi * x itself would be rounded)."""
    return xp.abs(xp.sin(math.pi * (x - xp.rint(x))))


def _lgamma_array(xp, x):
    x64 = _f64(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = x64 < 0.5
        xs = xp.where(small, 1.0 - x64, x64)          # >= 0.5 everywhere (nan stays nan)
        xs_f = xp.where(xp.isinf(xs), 1.0, xs)        # inf is patched below (Stirling gives inf - inf)
        lg = _lgamma_pos(xp, xs_f)
        refl = _LOG_PI - xp.log(_abs_sin_pi(xp, xp.where(small, x64, 0.5))) - lg
        r = xp.where(small, refl, lg)
        r = xp.where(xp.isinf(x64), np.inf, r)
    return _back(r, x)


def _lgamma_grad(g, x, y):
    return g * digamma(x)


lgamma = _unary("lgamma", _lgamma_array, _lgamma_grad)
lgamma.__doc__ = """``log|Gamma(x)|``; +inf at the poles (0, -1, -2, ...).

Example::

    >>> zoo_core.lgamma(zoo_core.tensor([1., 5., 0.5]))
    tensor([0.0000, 3.1781, 0.5724])
"""
lgamma.__module__ = __name__


# ---- digamma / polygamma ---------------------------------------------------------------------------
# Bernoulli numbers B_2k, k = 1..10
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330)
_SHIFT_TO = 20.0     # the asymptotic series is used from here on (10 terms: float64 precision for n <= 20)


def _psi_series(xp, n, x):
    """psi^(n)(x) for x >= _SHIFT_TO by the asymptotic series."""
    if n == 0:
        inv2 = 1.0 / (x * x)
        s = x * 0
        for k in range(len(_B2K), 0, -1):
            s = (s + _B2K[k - 1] / (2 * k)) * inv2
        return xp.log(x) - 0.5 / x - s
    # (-1)^(n+1) [ (n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! x^(2k+n)) ]
    inv = 1.0 / x
    inv2 = inv * inv
    s = x * 0
    for k in range(len(_B2K), 0, -1):
        c = _B2K[k - 1] * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        s = (s + c) * inv2
    lead = math.factorial(n - 1) + math.factorial(n) * 0.5 * inv
    r = (lead + s) * inv ** n
    return r if n % 2 else -r


def _psi_pos(xp, n, x):
    """psi^(n)(x) for x >= 0.5 (or nan/inf): shift up with psi^(n)(x) = psi^(n)(x+1) + (-1)^(n+1) n!/x^(n+1)."""
    xf = xp.where(xp.isfinite(x), x, _SHIFT_TO)
    steps = int(math.ceil(_SHIFT_TO - float(xf.min()))) if xf.size else 0
    acc = x * 0
    cur = xf
    c = math.factorial(n) * (1 if n % 2 else -1)
    for _ in range(max(steps, 0)):
        low = cur < _SHIFT_TO
        term = -1.0 / cur if n == 0 else c / cur ** (n + 1)
        acc = acc + xp.where(low, term, 0.0)
        cur = xp.where(low, cur + 1.0, cur)
    r = _psi_series(xp, n, cur) + acc
    if n == 0:
        return xp.where(x == np.inf, np.inf, xp.where(xp.isnan(x), np.nan, r))
    return xp.where(x == np.inf, 0.0, xp.where(xp.isnan(x), np.nan, r))


def _cot_derivative(xp, n, x):
    """d^n/dx^n cot(pi x): pi^n Q_n(c) with c = cot(pi x), Q_0 = c, Q_{k+1} = -(1 + c^2) Q_k'(c)."""
    r = x - xp.rint(x)                                # cot has period 1; exact reduction to [-1/2, 1/2]
    c = xp.cos(math.pi * r) / xp.sin(math.pi * r)
    q = [0.0, 1.0]                                    # coefficients of Q (lowest degree first)
    for _ in range(n):
        dq = [i * q[i] for i in range(1, len(q))] or [0.0]
        nq = [0.0] * (len(dq) + 2)
        for i, v in enumerate(dq):                    # -(1 + c^2) * dq
            nq[i] -= v
            nq[i + 2] -= v
        q = nq
    val = x * 0
    for coef in reversed(q):
        val = val * c + coef
    return val * math.pi ** n


def _polygamma_array(n, xp, x):
    x64 = _f64(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = x64 < 0.5
        direct = _psi_pos(xp, n, xp.where(small, 1.0 - x64, x64))
        # reflection: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x)
        xs = xp.where(small, x64, 0.25)
        refl = (direct if n % 2 == 0 else -direct) - math.pi * _cot_derivative(xp, n, xs)
        r = xp.where(small, refl, direct)
        pole = small & (x64 == xp.floor(x64))
        if n == 0:   # as PyTorch: -inf at 0, +inf at -0.0, nan at the negative integers and -inf
            zero = xp.where(xp.signbit(x64), np.inf, -np.inf)
            r = xp.where(pole, xp.where(x64 == 0, zero, np.nan), r)
        else:        # the poles of psi^(n): +inf for odd n, -inf for even n (from both sides)
            r = xp.where(pole, np.inf if n % 2 else -np.inf, r)
        r = xp.where(x64 == -np.inf, np.nan, r)
    return _back(r, x)


_POLYGAMMA = {}


def _polygamma_op(n):
    op = _POLYGAMMA.get(n)
    if op is None:
        op = _unary("polygamma" if n else "digamma", lambda xp, x: _polygamma_array(n, xp, x),
                    lambda g, x, y: g * _polygamma_op(n + 1)(x),
                    node="PolygammaBackward0" if n else "DigammaBackward0")
        _POLYGAMMA[n] = op
    return op


def digamma(input, *, out=None):
    """The logarithmic derivative of Gamma, ``psi(x)``: -inf at 0, nan at the negative integers.

    Example::

        >>> zoo_core.digamma(zoo_core.tensor([1., 2.]))
        tensor([-0.5772,  0.4228])
    """
    return _polygamma_op(0)(input, out=out)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of ``digamma`` (``polygamma(0, x)`` is ``digamma(x)``).

    Example::

        >>> zoo_core.polygamma(1, zoo_core.tensor([1.]))   # pi^2 / 6
        tensor([1.6449])
    """
    if isinstance(n, Tensor):
        n = n.item()
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n}).")
    return _polygamma_op(int(n))(input, out=out)


def mvlgamma(input, p):
    """The multivariate log-gamma of dimension ``p``:
    ``p (p - 1) / 4 * log(pi) + sum_{i<p} lgamma(x - i / 2)``; every element must exceed ``(p - 1) / 2``.

    Example::

        >>> zoo_core.mvlgamma(zoo_core.tensor([2.5]), 2)
        tensor([0.8570])
    """
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p})")
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("mvlgamma: The input tensor may not be a boolean tensor.")
    if x.dtype.kind != "f":
        input = input.to(_dtype.get_default_dtype())
    # PyTorch 2 no longer checks the domain (elements <= (p-1)/2 give lgamma's values at negative points)
    r = lgamma(input)
    for i in range(1, p):
        r = r + lgamma(input - 0.5 * i)
    return r + p * (p - 1) / 4.0 * _LOG_PI


def _method_polygamma(self, n):
    return polygamma(n, self)


def _polygamma_(self, n):
    from ._util import inplace_variant as _inplace
    return _inplace("polygamma_", lambda t: polygamma(n, t))(self)


def _mvlgamma_(self, p):
    from ._util import inplace_variant as _inplace
    return _inplace("mvlgamma_", lambda t: mvlgamma(t, p))(self)


__all__ = ["erfinv", "lgamma", "digamma", "polygamma", "mvlgamma"]


def _attach():
    from ._util import inplace_variant as _inplace
    for name, fn in (("erfinv", erfinv), ("lgamma", lgamma), ("digamma", digamma)):
        setattr(Tensor, name, fn)
        setattr(Tensor, name + "_", _inplace(name + "_", fn))
    Tensor.polygamma, Tensor.polygamma_ = _method_polygamma, _polygamma_
    Tensor.mvlgamma, Tensor.mvlgamma_ = mvlgamma, _mvlgamma_


_attach()
