"""``torch.special``'s orthogonal polynomials: Chebyshev (T, U, V, W, and shifted), Hermite (H, He),
Laguerre and Legendre, at ``input`` for an integer degree ``n`` (tensors or numbers, broadcast together).

As PyTorch (ATen/native/Math.h): special values at the interval ends, the trigonometric form of the
Chebyshev polynomials for |x| < 1 and large n, the three-term recurrence elsewhere, run here on whole arrays
up to the largest degree present. ``n`` is truncated to an integer; a negative degree gives 0. No gradient,
as in PyTorch.
"""
import numpy as np

from ..tensor import _wrap
from .arith import _out
from .binary_math import _arrays


def _poly_arrays(name, input, n):
    a, b, xa, xb, xp = _arrays(input, n, name, floating=True)
    dt = (xa if hasattr(xa, "dtype") else xb).dtype
    x = xa.astype(np.float64) if hasattr(xa, "dtype") else xp.asarray(xa, dtype=np.float64)
    nf = xb.astype(np.float64) if hasattr(xb, "dtype") else xp.asarray(xb, dtype=np.float64)
    x, nf = xp.broadcast_arrays(x, nf)
    nf = xp.where(xp.isfinite(nf), xp.trunc(nf), -1.0)   # C++'s int64 cast (nan/inf mapped to -1)
    return xp, x, nf, dt


def _recurrence(xp, n, q1, step, nmax, out):
    """``out`` where a three-term recurrence with p0 = 1, p1 = q1 reaches degree n (for n in 0..nmax)."""
    out = xp.where(n == 0, 1.0, xp.where(n == 1, q1, out))
    p, q = q1 * 0 + 1.0, q1
    for s in range(1, nmax):
        p, q = q, step(s, p, q)
        out = xp.where(n == s + 1, q, out)
    return out


def _nmax(xp, n, mask):
    sel = xp.where(mask, n, 0.0)
    return int(xp.max(sel)) if sel.size else 0


def _chebyshev(kind, shifted):
    """The four kinds of Chebyshev polynomials on u = x (or u = 2x - 1 when shifted): special values at
    u = +-1, the trigonometric form for |u| < 1 and large n, the recurrence elsewhere."""
    thr = {"t": 6, "u": 8, "v": 8, "w": 8}[kind] if not shifted else {"t": 6, "u": 6, "v": 6, "w": 4}[kind]
    name = ("shifted_" if shifted else "") + "chebyshev_polynomial_" + kind

    def op(input, n, *, out=None):
        xp, x, nf, dt = _poly_arrays("special_" + name, input, n)
        u = x + x - 1.0 if shifted else x
        odd = xp.fmod(nf, 2.0) != 0
        sgn = xp.where(odd, -1.0, 1.0)
        at_one = {"t": 1.0, "u": nf + 1, "v": 1.0, "w": nf + nf + 1}[kind]
        at_minus = {"t": sgn, "u": sgn * (nf + 1), "v": sgn * (nf + nf + 1), "w": sgn}[kind]
        theta = xp.arccos(xp.clip(u, -1.0, 1.0))
        trig = {"t": lambda: xp.cos(nf * theta),
                "u": lambda: xp.sin((nf + 1) * theta) / xp.sin(theta),
                "v": lambda: xp.cos((nf + 0.5) * theta) / xp.cos(theta / 2.0),
                "w": lambda: xp.sin((nf + 0.5) * theta) / xp.sin(theta / 2.0)}[kind]()
        q1 = {"t": u, "u": u + u, "v": u + u - 1.0, "w": u + u + 1.0}[kind]
        use_trig = (nf > thr) & (xp.abs(u) < 1.0)
        r = _recurrence(xp, nf, q1, lambda s, p, q: (u + u) * q - p,
                        _nmax(xp, nf, ~use_trig & (xp.abs(u) != 1.0)), xp.zeros_like(u))
        r = xp.where(use_trig, trig, r)
        r = xp.where(u == 1.0, at_one, xp.where(u == -1.0, at_minus, r))
        return _out(_wrap(xp.where(nf < 0, 0.0, r).astype(dt)), out)
    op.__name__ = name
    op.__doc__ = (f"The {'shifted ' if shifted else ''}Chebyshev polynomial of the {kind.upper()} kind of degree "
                  f"``n`` at ``input`` (elementwise; ``n`` is truncated to an integer, negative gives 0).\n\n"
                  f"    >>> import zoo_core as torch\n"
                  f"    >>> torch.special.{name}(torch.tensor([{'0.75' if shifted else '0.5'}]), 2)\n"
                  f"    tensor([{ {'t': '-0.5000', 'u': '0.', 'v': '-1.', 'w': '1.'}[kind] }])\n")
    return op


chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w = (
    _chebyshev(k, False) for k in "tuvw")
(shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
 shifted_chebyshev_polynomial_w) = (_chebyshev(k, True) for k in "tuvw")


def hermite_polynomial_h(input, n, *, out=None):
    """The physicists' Hermite polynomial H_n at ``input`` (nan above degree 512, as PyTorch in float64).

    >>> import zoo_core as torch
    >>> torch.special.hermite_polynomial_h(torch.tensor([0.5, 1.0]), 3)
    tensor([-5., -4.])
    """
    return _hermite("special_hermite_polynomial_h", input, n, out, True)


def hermite_polynomial_he(input, n, *, out=None):
    """The probabilists' Hermite polynomial He_n at ``input``.

    >>> import zoo_core as torch
    >>> torch.special.hermite_polynomial_he(torch.tensor([0.5, 2.0]), 3)
    tensor([-1.3750,  2.0000])
    """
    return _hermite("special_hermite_polynomial_he", input, n, out, False)


def _hermite(name, input, n, out, physicists):
    xp, x, nf, dt = _poly_arrays(name, input, n)
    limit = 512 if dt == np.float64 else 128
    if physicists:
        q1, step = x + x, (lambda s, p, q: (x + x) * q - (2 * s) * p)
    else:
        q1, step = x, (lambda s, p, q: x * q - s * p)
    r = _recurrence(xp, nf, q1, step, _nmax(xp, nf, nf <= limit), xp.zeros_like(x))
    r = xp.where(nf > limit, np.nan, r)
    return _out(_wrap(xp.where(nf < 0, 0.0, r).astype(dt)), out)


def laguerre_polynomial_l(input, n, *, out=None):
    """The Laguerre polynomial L_n at ``input``.

    >>> import zoo_core as torch
    >>> torch.special.laguerre_polynomial_l(torch.tensor([1.0, 2.0]), 2)
    tensor([-0.5000, -1.0000])
    """
    xp, x, nf, dt = _poly_arrays("special_laguerre_polynomial_l", input, n)
    r = _recurrence(xp, nf, 1.0 - x, lambda s, p, q: ((2 * s + (1.0 - x)) * q - s * p) / (s + 1),
                    _nmax(xp, nf, x != 0), xp.zeros_like(x))
    r = xp.where(x == 0, 1.0, r)
    return _out(_wrap(xp.where(nf < 0, 0.0, r).astype(dt)), out)


def legendre_polynomial_p(input, n, *, out=None):
    """The Legendre polynomial P_n at ``input``.

    >>> import zoo_core as torch
    >>> torch.special.legendre_polynomial_p(torch.tensor([0.5, 1.0]), 2)
    tensor([-0.1250,  1.0000])
    """
    xp, x, nf, dt = _poly_arrays("special_legendre_polynomial_p", input, n)
    r = _recurrence(xp, nf, x, lambda s, p, q: ((2 * s + 1) * x * q - s * p) / (s + 1),
                    _nmax(xp, nf, xp.abs(x) != 1.0), xp.zeros_like(x))
    odd = xp.fmod(nf, 2.0) != 0
    r = xp.where(x == 1.0, 1.0, xp.where(x == -1.0, xp.where(odd, -1.0, 1.0), r))
    return _out(_wrap(xp.where(nf < 0, 0.0, r).astype(dt)), out)


__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p"]
