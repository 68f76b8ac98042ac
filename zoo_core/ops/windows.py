"""Window functions for spectral analysis (``torch.hann_window`` and friends).

Each returns a 1-D float tensor of ``window_length`` values. ``periodic=True`` (the default, for use
with an FFT) computes the symmetric window of length ``window_length + 1`` and drops its last value.

Example::

    >>> zoo_core.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
"""
import math

import numpy as np

from .. import _backend, _dtype
from .creation import _finish

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _window(name, window_length, periodic, dtype, device, requires_grad, formula):
    if int(window_length) != window_length or window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window length, got window_length={window_length}")
    dt = _dtype.to_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    n = int(window_length)
    if n <= 1:
        w = np.ones(n)
    else:
        m = n + 1 if periodic else n
        w = formula(np.arange(m, dtype=np.float64), m - 1)[:n]   # m - 1: the symmetric window's span
    dev = _backend.resolve_device(device)
    return _finish(_backend.to_device(w.astype(dt.np), dev), requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """``0.5 - 0.5 cos(2 pi n / N)``."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 0.5 - 0.5 * np.cos(2 * math.pi * k / N))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """``alpha - beta cos(2 pi n / N)``."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: alpha - beta * np.cos(2 * math.pi * k / N))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 0.42 - 0.5 * np.cos(2 * math.pi * k / N) + 0.08 * np.cos(4 * math.pi * k / N))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangular window ``1 - |2n / N - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: 1 - np.abs(2 * k / N - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """``I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta)``."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, N: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / N - 1) ** 2, 0, None))) / np.i0(beta))
