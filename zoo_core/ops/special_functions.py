"""``torch.special`` functions numpy lacks: Bessel functions (``i0``/``i1``/``k0``/``k1``, ``j0``/``j1``/
``y0``/``y1``), ``airy_ai``, the normal distribution (``ndtr``, ``ndtri``, ``log_ndtr``), ``erfcx``,
``entr``, Hurwitz ``zeta`` and the regularized incomplete gamma functions (the orthogonal polynomials are in
``special_polynomials.py``).

They follow PyTorch's own implementations (ATen/native/Math.h, from the Cephes Math Library and, for
``erfcx``, Cephes' ``erfc`` rational approximations), vectorised: each branch is evaluated on inputs clamped
into its domain and the results are selected with ``where``, so the same array code runs on numpy and CuPy.
Everything is computed in float64 and cast back (float32 results are then correctly rounded rather than
PyTorch's float32 arithmetic: the two agree to float32 precision).

Gradients follow PyTorch's ``derivatives.yaml`` (``i0' = i1``, ...); the Bessel functions of the
``special.bessel_*``/``modified_bessel_*`` family and ``airy_ai`` have no gradient in PyTorch, nor here.
"""
import math

import numpy as np

from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap
from . import _special_coefs as C
from ._util import grad_for, inplace_variant
from .arith import _out, _rg, where
from .binary_math import _arrays, _need_tensor
from .unary import _unary, erf_array, erfc_array, exp, sign

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_MACHEP = 1.11022302462515654042E-16


def _in64(fn):
    """``fn(xp, x64)`` on float64 arrays, cast back to the input's float dtype."""
    def forward(xp, x):
        if x.dtype == np.float64:
            return fn(xp, x)
        return fn(xp, x.astype(np.float64)).astype(x.dtype)
    return forward


def _horner(w, coefs):
    r = w * 0 + coefs[0]
    for c in coefs[1:]:
        r = r * w + c
    return r


def _chbevl(x, coefs):
    """Clenshaw's recurrence for a Chebyshev series (Cephes ``chbevl``)."""
    b0, b1, b2 = x * 0 + coefs[0], x * 0, x * 0
    for c in coefs[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


# ---- modified Bessel functions of the first kind ---------------------------------------------------
def _i0e_array(xp, x):
    ax = xp.abs(x)
    small = ax <= 8.0
    a, b = xp.where(small, ax, 8.0), xp.where(small, 8.0, ax)
    return xp.where(small, _chbevl(a / 2.0 - 2.0, C.I0_A), _chbevl(32.0 / b - 2.0, C.I0_B) / xp.sqrt(b))


def _i1e_array(xp, x):
    ax = xp.abs(x)
    small = ax <= 8.0
    a, b = xp.where(small, ax, 8.0), xp.where(small, 8.0, ax)
    r = xp.where(small, _chbevl(a / 2.0 - 2.0, C.I1_A) * a, _chbevl(32.0 / b - 2.0, C.I1_B) / xp.sqrt(b))
    return xp.where(x < 0, -r, r)


def _i0_array(xp, x):
    return xp.exp(xp.abs(x)) * _i0e_array(xp, x)


def _i1_array(xp, x):
    return xp.exp(xp.abs(x)) * _i1e_array(xp, x)


def _i1_grad(g, x, y):
    # i1'(x) = i0(x) - i1(x) / x, and 1/2 at 0
    zero = x == 0
    safe = where(zero, 1.0, x)
    return g * where(zero, 0.5, i0(x) - i1(x) / safe)


def _i1e_grad(g, x, y):
    zero = x == 0
    safe = where(zero, 1.0, x)
    return g * where(zero, 0.5, i0e(x) - i1e(x) * (sign(x) + 1 / safe))


i0 = _unary("i0", _in64(_i0_array), lambda g, x, y: g * i1(x))
i0e = _unary("special_i0e", _in64(_i0e_array), lambda g, x, y: g * (i1e(x) - sign(x) * i0e(x)),
             node="SpecialI0EBackward0")
i1 = _unary("special_i1", _in64(_i1_array), _i1_grad, node="SpecialI1Backward0")
i1e = _unary("special_i1e", _in64(_i1e_array), _i1e_grad, node="SpecialI1EBackward0")
modified_bessel_i0 = _unary("special_modified_bessel_i0", _in64(_i0_array))
modified_bessel_i1 = _unary("special_modified_bessel_i1", _in64(_i1_array))


# ---- modified Bessel functions of the second kind (x > 0; inf at 0, nan below) ----------------------
def _k_array(xp, x, order, scaled):
    small = x <= 2.0
    a = xp.where(small, x, 1.0)
    b = xp.where(small, 4.0, x)
    if order == 0:
        near = _chbevl(a * a - 2.0, C.K0_A) - xp.log(0.5 * a) * _i0_array(xp, a)
        far = _chbevl(8.0 / b - 2.0, C.K0_B) / xp.sqrt(b)
    else:
        near = xp.log(0.5 * a) * _i1_array(xp, a) + _chbevl(a * a - 2.0, C.K1_A) / a
        far = _chbevl(8.0 / b - 2.0, C.K1_B) / xp.sqrt(b)
    r = xp.where(small, near * xp.exp(a) if scaled else near, far if scaled else far * xp.exp(-b))
    return xp.where(x == 0, np.inf, xp.where(x < 0, np.nan, r))


modified_bessel_k0 = _unary("special_modified_bessel_k0", _in64(lambda xp, x: _k_array(xp, x, 0, False)))
modified_bessel_k1 = _unary("special_modified_bessel_k1", _in64(lambda xp, x: _k_array(xp, x, 1, False)))
scaled_modified_bessel_k0 = _unary("special_scaled_modified_bessel_k0",
                                   _in64(lambda xp, x: _k_array(xp, x, 0, True)))
scaled_modified_bessel_k1 = _unary("special_scaled_modified_bessel_k1",
                                   _in64(lambda xp, x: _k_array(xp, x, 1, True)))


# ---- Bessel functions of the first and second kind -------------------------------------------------
_TWO_OVER_PI = 0.636619772367581343075535053490057448
_SQRT_2_OVER_PI = 0.797884560802865355879892119868763737


def _bessel_far(xp, x, order, pp, pq, qp, qq, second):
    """The asymptotic form for x > 5: sqrt(2/(pi x)) (P cos(x - phase) - 5/x Q sin(x - phase))."""
    w = 25.0 / (x * x)
    p = _horner(w, pp) / _horner(w, pq)
    q = _horner(w, qp) / _horner(w, qq)
    t = x - (0.785398163397448309615660845819875721 if order == 0 else 2.356194490192344928846982537459627163)
    if second:
        r = p * xp.sin(t) + 5.0 / x * q * xp.cos(t)
    else:
        r = p * xp.cos(t) - 5.0 / x * q * xp.sin(t)
    return r * _SQRT_2_OVER_PI / xp.sqrt(x)


def _j0_array(xp, x):
    ax = xp.abs(x)
    small = ax <= 5.0
    a, b = xp.where(small, ax, 1.0), xp.where(small, 6.0, ax)
    z = a * a
    near = (z - 5.78318596294678452118e+00) * (z - 3.04712623436620863991e+01) * _horner(z, C.J0_RP) / \
        _horner(z, C.J0_RQ)
    near = xp.where(a < 1e-5, 1.0 - z / 4.0, near)
    return xp.where(small, near, _bessel_far(xp, b, 0, C.J0_PP, C.J0_PQ, C.J0_QP, C.J0_QQ, False))


def _j1_array(xp, x):
    ax = xp.abs(x)
    small = ax <= 5.0
    a, b = xp.where(small, ax, 1.0), xp.where(small, 6.0, ax)
    z = a * a
    near = _horner(z, C.J1_RP) / _horner(z, C.J1_RQ) * a * (z - 1.46819706421238932572e+01) * \
        (z - 4.92184563216946036703e+01)
    r = xp.where(small, near, _bessel_far(xp, b, 1, C.J1_PP, C.J1_PQ, C.J1_QP, C.J1_QQ, False))
    return xp.where(x < 0, -r, r)


def _y0_array(xp, x):
    small = x <= 5.0
    a, b = xp.where(small & (x > 0), x, 1.0), xp.where(small, 6.0, x)
    z = a * a
    near = _horner(z, C.Y0_YP) / _horner(z, C.Y0_YQ) + _TWO_OVER_PI * xp.log(a) * _j0_array(xp, a)
    near = xp.where(x == 0, -np.inf, xp.where(x < 0, np.nan, near))
    return xp.where(small, near, _bessel_far(xp, b, 0, C.J0_PP, C.J0_PQ, C.J0_QP, C.J0_QQ, True))


def _y1_array(xp, x):
    small = x <= 5.0
    a, b = xp.where(small & (x > 0), x, 1.0), xp.where(small, 6.0, x)
    z = a * a
    near = a * (_horner(z, C.Y1_YP) / _horner(z, C.Y1_YQ)) + \
        _TWO_OVER_PI * (_j1_array(xp, a) * xp.log(a) - 1.0 / a)
    near = xp.where(x == 0, -np.inf, xp.where(x < 0, np.nan, near))
    return xp.where(small, near, _bessel_far(xp, b, 1, C.J1_PP, C.J1_PQ, C.J1_QP, C.J1_QQ, True))


bessel_j0 = _unary("special_bessel_j0", _in64(_j0_array))
bessel_j1 = _unary("special_bessel_j1", _in64(_j1_array))
bessel_y0 = _unary("special_bessel_y0", _in64(_y0_array))
bessel_y1 = _unary("special_bessel_y1", _in64(_y1_array))


def _spherical_j0_array(xp, x):
    small = xp.abs(x) < 0.5
    z = x * x
    series = 1.0 + z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (
        1.0 / 362880.0 + z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0))))))
    safe = xp.where(small | xp.isinf(x), 1.0, x)
    return xp.where(xp.isinf(x), 0.0, xp.where(small, series, xp.sin(safe) / safe))


spherical_bessel_j0 = _unary("special_spherical_bessel_j0", _in64(_spherical_j0_array))


# ---- Airy function Ai -------------------------------------------------------------------------------
def _airy_ai_array(xp, x):
    # x < -2.09: oscillating asymptotic form
    neg = x < -2.09
    xn = xp.where(neg, x, -3.0)
    zeta = -2.0 * xn * xp.sqrt(-xn) / 3.0
    z = 1.0 / zeta
    zz = z * z
    t = zeta + 0.25 * math.pi
    r_neg = 5.64189583547756286948e-01 / xp.sqrt(xp.sqrt(-xn)) * (
        xp.sin(t) * (1.0 + zz * _horner(zz, C.AIRY_AFN) / _horner(zz, C.AIRY_AFD))
        - xp.cos(t) * (z * _horner(zz, C.AIRY_AGN) / _horner(zz, C.AIRY_AGD)))
    # x >= 2.09: decaying asymptotic form
    pos = x >= 2.09
    xq = xp.where(pos & (x <= 103.892), x, 3.0)
    zp = 2.0 * xq * xp.sqrt(xq) / 3.0
    r_pos = 5.64189583547756286948e-01 * (_horner(1.0 / zp, C.AIRY_AN) / _horner(1.0 / zp, C.AIRY_AD)) / (
        2.0 * xp.sqrt(xp.sqrt(xq)) * xp.exp(zp))
    # |x| < 2.09: the Maclaurin series, Ai = c1 f - c2 g (40 terms reach float64 precision for |x| < 2.09)
    xs = xp.where(neg | pos, 0.0, x)
    z3 = xs * xs * xs
    f, g, m, n, k = xs * 0 + 1.0, xs, xs * 0 + 1.0, xs, 1.0
    for _ in range(40):
        m = m * z3
        k += 1.0
        m = m / k
        n = n * z3
        k += 1.0
        n = n / k
        m = m / k
        f = f + m
        k += 1.0
        n = n / k
        g = g + n
    r_mid = 0.355028053887817239260 * f - 0.258819403792806798405 * g
    r = xp.where(neg, r_neg, xp.where(pos, xp.where(x > 103.892, 0.0, r_pos), r_mid))
    return xp.where(xp.isinf(x), np.nan, r)


airy_ai = _unary("special_airy_ai", _in64(_airy_ai_array))


# ---- the normal distribution and erfcx ---------------------------------------------------------------
def _ndtr_array(xp, x):
    return (1.0 + erf_array(xp, x * _SQRT1_2)) * 0.5   # (PyTorch's formula: 0 below about -8.3)


def _erfcx_array(xp, x):
    """exp(x^2) erfc(x): Cephes' erfc is exp(-x^2) P(x)/Q(x) for x >= 1, so erfcx is P/Q itself there."""
    ax = xp.abs(x)
    inner = ax < 1.0
    mid = (ax >= 1.0) & (ax < 8.0)
    xi = xp.where(inner, x, 0.0)
    xm = xp.where(mid, ax, 1.0)
    xl = xp.where(inner | mid, 8.0, xp.minimum(ax, 1e50))
    from .unary import _P, _Q, _R, _S
    pos = xp.where(mid, _horner(xm, _P) / _horner(xm, _Q), _horner(xl, _R) / _horner(xl, _S))
    pos = xp.where(ax > 1e50, _INV_SQRT_PI / ax, pos)
    # erfcx(-a) = 2 exp(a^2) - erfcx(a)
    xn = xp.where(x < 0, xp.maximum(x, -27.0), 0.0)
    neg = 2.0 * xp.exp(xn * xn) - pos
    r = xp.where(x < 0, xp.where(x < -26.7, np.inf, neg), pos)
    return xp.where(inner, xp.exp(xi * xi) * erfc_array(xp, xi), r)


def _log_ndtr_array(xp, x):
    t = x * _SQRT1_2
    low = x < -1.0
    tl = xp.where(low, t, -1.0)
    th = xp.where(low, 0.0, t)
    return xp.where(low, xp.log(_erfcx_array(xp, -tl) / 2.0) - tl * tl, xp.log1p(-erfc_array(xp, th) / 2.0))


def _ndtri_array(xp, y0):
    flip = y0 > 1.0 - 0.13533528323661269189
    y = xp.where(flip, 1.0 - y0, y0)
    central = y > 0.13533528323661269189
    yc = xp.where(central, y - 0.5, 0.0)
    y2 = yc * yc
    r_c = (yc + yc * (y2 * _horner(y2, C.NDTRI_P0) / _horner(y2, C.NDTRI_Q0))) * 2.50662827463100050242
    yt = xp.where(central | (y <= 0), 0.1, y)
    x = xp.sqrt(-2.0 * xp.log(yt))
    x0 = x - xp.log(x) / x
    z = 1.0 / x
    x1 = xp.where(x < 8.0, z * _horner(z, C.NDTRI_P1) / _horner(z, C.NDTRI_Q1),
                  z * _horner(z, C.NDTRI_P2) / _horner(z, C.NDTRI_Q2))
    r_t = x0 - x1
    r = xp.where(central, r_c, xp.where(flip, r_t, -r_t))
    r = xp.where(y0 == 0, -np.inf, xp.where(y0 == 1, np.inf, r))
    return xp.where((y0 < 0) | (y0 > 1), np.nan, r)


def _entr_array(xp, x):
    pos = x > 0
    safe = xp.where(pos, x, 1.0)
    return xp.where(pos, -safe * xp.log(safe), xp.where(x == 0, 0.0, xp.where(x < 0, -np.inf, x)))


ndtr = _unary("special_ndtr", _in64(_ndtr_array), lambda g, x, y: g * _INV_SQRT_2PI * exp(-0.5 * x * x),
              node="SpecialNdtrBackward0")
ndtri = _unary("special_ndtri", _in64(_ndtri_array), lambda g, x, y: g * _SQRT_2PI * exp(0.5 * y * y),
               uses_output=True, node="SpecialNdtriBackward0")
log_ndtr = _unary("special_log_ndtr", _in64(_log_ndtr_array),
                  lambda g, x, y: g * _INV_SQRT_2PI * exp(-0.5 * x * x - y), uses_output=True,
                  node="SpecialLogNdtrBackward0")
erfcx = _unary("special_erfcx", _in64(_erfcx_array), lambda g, x, y: g * (2 * x * y - 2 * _INV_SQRT_PI),
               uses_output=True, node="SpecialErfcxBackward0")


def _entr_grad(g, x, y):
    from .unary import log
    return g * -(1 + log(x))


entr = _unary("special_entr", _in64(_entr_array), _entr_grad, node="SpecialEntrBackward0")


# ---- Hurwitz zeta ---------------------------------------------------------------------------------
def _zeta_arrays(xp, x, q):
    """Cephes' ``zeta(x, q)``: sum the first terms until q + i > 9 (and at least 9), then the
    Euler-Maclaurin tail; each element stops where its next term is below machine precision."""
    x, q = xp.broadcast_arrays(x, q)
    bad = (x <= 1.0) | ((q <= 0) & ((q == xp.floor(q)) | (x != xp.floor(x)))) | xp.isnan(x) | xp.isnan(q)
    xs = xp.where(bad, 2.0, x)
    qs = xp.where(bad, 1.0, q)
    s = qs ** -xs
    a = qs
    b = xs * 0.0
    done = xp.zeros(xs.shape, bool)
    steps = max(9, int(math.ceil(9.0 - float(xp.min(qs)))) + 1) if qs.size else 0
    for i in range(1, steps + 1):
        active = ~done & ((i <= 9) | (a <= 9.0))
        a = xp.where(active, a + 1.0, a)
        bn = a ** -xs
        b = xp.where(active, bn, b)
        s = xp.where(active, s + bn, s)
        done = done | (active & (-_MACHEP * s < bn) & (bn < _MACHEP * s))
    w = a
    s = xp.where(done, s, s + b * w / (xs - 1.0) - 0.5 * b)
    aa = xs * 0 + 1.0
    k = 0.0
    for coef in C.ZETA_A:
        aa = aa * (xs + k)
        b = b / w
        t = aa * b / coef
        s = xp.where(done, s, s + t)
        done = done | (xp.abs(t / s) < _MACHEP)
        k += 1.0
        aa = aa * (xs + k)
        b = b / w
        k += 1.0
    r = xp.where(x == 1.0, np.inf, xp.where(x < 1.0, np.nan, s))
    r = xp.where((x > 1.0) & (q <= 0) & (q == xp.floor(q)), np.inf, r)
    r = xp.where((x > 1.0) & (q <= 0) & (q != xp.floor(q)) & (x != xp.floor(x)), np.nan, r)
    return xp.where(xp.isnan(x) | xp.isnan(q), np.nan, r)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum_k (k + other) ** -input`` (the Riemann zeta at ``other = 1``).

    >>> import zoo_core as torch
    >>> torch.special.zeta(torch.tensor([2.0, 4.0]), 1.0)
    tensor([1.6449, 1.0823])
    """
    a, b, xa, xb, xp = _arrays(input, other, "zeta", floating=True)
    dt = (xa if hasattr(xa, "dtype") else xb).dtype
    f64 = np.float64
    ax = xa.astype(f64) if hasattr(xa, "dtype") else xp.asarray(xa, dtype=f64)
    bx = xb.astype(f64) if hasattr(xb, "dtype") else xp.asarray(xb, dtype=f64)
    r = _wrap(_zeta_arrays(xp, ax, bx).astype(dt))
    if grad_mode.enabled and (_rg(a) or _rg(b)):
        def backward(g):
            if _rg(a):
                raise NotImplementedError("the derivative for 'zeta' is not implemented.")
            return None, grad_for(g * -a * zeta(a + 1, b), b)   # d/dq zeta(x, q) = -x zeta(x + 1, q)
        record(r, "SpecialZetaBackward0", backward, (a, b), [t for t in (a, b) if isinstance(t, Tensor)])
    return _out(r, out)


# ---- regularized incomplete gamma functions -----------------------------------------------------------
def _igamma_arrays(xp, a, x, upper):
    """P(a, x) (or Q = 1 - P with ``upper``): the power series where x < a + 1, Legendre's continued
    fraction (modified Lentz) elsewhere, each run until every element has converged."""
    from .special import _lgamma_array
    a, x = xp.broadcast_arrays(a, x)
    ok = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    aa, xx = xp.where(ok, a, 1.0), xp.where(ok, x, 1.0)
    pref = xp.exp(aa * xp.log(xx) - xx - _lgamma_array(xp, aa))   # x^a e^-x / Gamma(a)
    series = xx < aa + 1.0
    # series: P = pref / a * sum_n x^n / ((a + 1) ... (a + n))
    xs = xp.where(series, xx, 0.0)
    term = 1.0 / aa
    total = term
    # continued fraction for Q (Numerical Recipes' gcf), on the other elements
    xc = xp.where(series, aa + 2.0, xx)
    b = xc + 1.0 - aa
    tiny = 1e-300
    c = b * 0 + 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        term = term * xs / (aa + i)
        total = total + term
        an = -i * (i - aa)
        b = b + 2.0
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if i % 16 == 0:
            err = xp.where(series, xp.abs(term) / xp.abs(total), xp.abs(delta - 1.0))
            if not err.size or not float(xp.max(err)) > 3e-16:
                break
    p_series = pref * total
    q_cf = pref * h
    r = xp.where(series, 1.0 - p_series if upper else p_series, q_cf if upper else 1.0 - q_cf)
    # PyTorch's special values
    lo, hi = (1.0, 0.0) if upper else (0.0, 1.0)
    r = xp.where(x == 0, lo, r)
    r = xp.where(xp.isinf(x), hi, r)
    r = xp.where(xp.isinf(a), xp.where(xp.isinf(x), np.nan, lo), r)
    r = xp.where(a == 0, xp.where(x > 0, hi, np.nan), r)
    return xp.where((a < 0) | (x < 0) | xp.isnan(a) | xp.isnan(x), np.nan, r)


def _igamma(name, input, other, out, upper):
    _need_tensor("special_" + name, "input", input, 1)
    _need_tensor("special_" + name, "other", other, 2)
    a, b, xa, xb, xp = _arrays(input, other, "igamma" + ("c" if upper else ""), reject="biu")
    dt = xa.dtype
    r = _wrap(_igamma_arrays(xp, xa.astype(np.float64), xb.astype(np.float64), upper).astype(dt))
    if grad_mode.enabled and (a._rg or b._rg):
        def backward(g):
            if a._rg:
                raise NotImplementedError(f"the derivative for 'igamma{'c' if upper else ''}: input' is not "
                                          f"implemented.")
            from .special import lgamma
            from .unary import log
            d = exp((a - 1) * log(b) - b - lgamma(a))   # x^(a-1) e^-x / Gamma(a)
            return None, grad_for(-g * d if upper else g * d, b)
        record(r, "IgammacBackward0" if upper else "IgammaBackward0", backward, (a, b), (a, b))
    return _out(r, out)


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(input, other) (``torch.igamma``).

    >>> import zoo_core as torch
    >>> torch.special.gammainc(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    tensor([0.6321, 0.2642])
    """
    return _igamma("gammainc", input, other, out, False)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P (``torch.igammac``).

    >>> import zoo_core as torch
    >>> torch.special.gammaincc(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    tensor([0.3679, 0.7358])
    """
    return _igamma("gammaincc", input, other, out, True)


igamma, igammac = gammainc, gammaincc
igamma_ = inplace_variant("igamma_", gammainc)
igammac_ = inplace_variant("igammac_", gammaincc)
Tensor.igamma, Tensor.igammac, Tensor.igamma_, Tensor.igammac_ = igamma, igammac, igamma_, igammac_


# ---- docstrings of the table-built ops ----------------------------------------------------------------
_DOCS = {
    "i0": ("The modified Bessel function of the first kind of order 0.", "torch.i0", "[0.0, 1.0]",
           "tensor([1.0000, 1.2661])"),
    "i0e": ("The exponentially scaled ``exp(-|x|) i0(x)``.", "torch.special.i0e", "[0.0, 1.0]",
            "tensor([1.0000, 0.4658])"),
    "i1": ("The modified Bessel function of the first kind of order 1.", "torch.special.i1", "[0.0, 1.0]",
           "tensor([0.0000, 0.5652])"),
    "i1e": ("The exponentially scaled ``exp(-|x|) i1(x)``.", "torch.special.i1e", "[0.0, 1.0]",
            "tensor([0.0000, 0.2079])"),
    "modified_bessel_i0": ("The modified Bessel function I0 (no gradient, as in PyTorch).",
                           "torch.special.modified_bessel_i0", "[0.0, 1.0]", "tensor([1.0000, 1.2661])"),
    "modified_bessel_i1": ("The modified Bessel function I1 (no gradient, as in PyTorch).",
                           "torch.special.modified_bessel_i1", "[0.0, 1.0]", "tensor([0.0000, 0.5652])"),
    "modified_bessel_k0": ("The modified Bessel function of the second kind K0 (inf at 0, nan below).",
                           "torch.special.modified_bessel_k0", "[1.0, 2.0]", "tensor([0.4210, 0.1139])"),
    "modified_bessel_k1": ("The modified Bessel function of the second kind K1 (inf at 0, nan below).",
                           "torch.special.modified_bessel_k1", "[1.0, 2.0]", "tensor([0.6019, 0.1399])"),
    "scaled_modified_bessel_k0": ("``exp(x) K0(x)``.", "torch.special.scaled_modified_bessel_k0", "[1.0, 2.0]",
                                  "tensor([1.1445, 0.8416])"),
    "scaled_modified_bessel_k1": ("``exp(x) K1(x)``.", "torch.special.scaled_modified_bessel_k1", "[1.0, 2.0]",
                                  "tensor([1.6362, 1.0335])"),
    "bessel_j0": ("The Bessel function of the first kind J0.", "torch.special.bessel_j0", "[0.0, 1.0]",
                  "tensor([1.0000, 0.7652])"),
    "bessel_j1": ("The Bessel function of the first kind J1.", "torch.special.bessel_j1", "[0.0, 1.0]",
                  "tensor([0.0000, 0.4401])"),
    "bessel_y0": ("The Bessel function of the second kind Y0 (-inf at 0, nan below).", "torch.special.bessel_y0",
                  "[1.0, 2.0]", "tensor([0.0883, 0.5104])"),
    "bessel_y1": ("The Bessel function of the second kind Y1 (-inf at 0, nan below).", "torch.special.bessel_y1",
                  "[1.0, 2.0]", "tensor([-0.7812, -0.1070])"),
    "spherical_bessel_j0": ("The spherical Bessel function ``j0(x) = sin(x) / x``.",
                            "torch.special.spherical_bessel_j0", "[0.0, 3.0]", "tensor([1.0000, 0.0470])"),
    "airy_ai": ("The Airy function Ai.", "torch.special.airy_ai", "[0.0, 1.0]", "tensor([0.3550, 0.1353])"),
    "ndtr": ("The standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``.", "torch.special.ndtr", "[0.0, 1.0]",
             "tensor([0.5000, 0.8413])"),
    "ndtri": ("The inverse of ``ndtr`` (the normal quantile function).", "torch.special.ndtri", "[0.5, 0.975]",
              "tensor([0.0000, 1.9600])"),
    "log_ndtr": ("``log(ndtr(x))``, accurate far into the lower tail.", "torch.special.log_ndtr", "[0.0, -10.0]",
                 "tensor([ -0.6931, -53.2313])"),
    "erfcx": ("The scaled complementary error function ``exp(x ** 2) erfc(x)``.", "torch.special.erfcx",
              "[0.0, 30.0]", "tensor([1.0000, 0.0188])"),
    "entr": ("The entropy term ``-x log(x)`` (0 at 0, -inf below).", "torch.special.entr", "[0.0, 0.5]",
             "tensor([0.0000, 0.3466])"),
}
for _name, (_summary, _call, _arg, _result) in _DOCS.items():
    globals()[_name].__doc__ = (f"{_summary}\n\n    >>> import zoo_core as torch\n"
                                f"    >>> {_call}(torch.tensor({_arg}))\n    {_result}\n")


i0_ = inplace_variant("i0_", i0)
Tensor.i0, Tensor.i0_ = i0, i0_

__all__ = ["i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "bessel_j0", "bessel_j1",
           "bessel_y0", "bessel_y1", "spherical_bessel_j0", "airy_ai", "ndtr", "ndtri", "log_ndtr", "erfcx", "entr",
           "zeta", "gammainc", "gammaincc"]
