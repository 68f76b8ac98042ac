"""Dropout: ``dropout``, the channel-wise ``dropout1d/2d/3d``, and the alpha forms (masks from zoo_core's RNG).
"""
import math

import numpy as np

from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap, inplace_update

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


# ==== dropout ====================================================================================
def _check_p(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, p, scaled=True):
    """A ``shape`` array of ``1/(1-p)`` (or 1 when not ``scaled``) where kept, with probability ``1-p``,
    and 0 elsewhere, drawn from zoo_core's generator."""
    from ...random import rand
    dt = input._data.dtype
    u = rand(shape, dtype="float64" if dt == np.float64 else "float32", device=input.device)._data
    keep = (u < (1.0 - p)).astype(dt)
    if not scaled:
        return keep
    return keep * dt.type(0.0 if p == 1 else 1.0 / (1.0 - p))


def _masked(input, mask, node):
    """``input * mask`` for a constant mask (broadcast to the input's shape)."""
    y = _wrap(input._data * mask)
    if input._rg and grad_mode.enabled:
        record(y, node, lambda g: (g * _wrap(mask),), (input,))
    return y


def _finish(input, out, inplace, name):
    return inplace_update(input, out, name) if inplace else out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``; identity when not
    ``training``. Uses zoo_core's generator, so ``manual_seed`` makes it reproducible.

    Example::

        >>> y = F.dropout(zoo_core.ones(1000), 0.5)
        >>> sorted(set(y.tolist()))
        [0.0, 2.0]
    """
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, _keep_mask(input, tuple(input._data.shape), p), "NativeDropoutBackward0")
    return _finish(input, out, inplace, "dropout_")


def _feature_dropout(input, p, training, inplace, name, dims):
    """Channel-wise dropout over an (N, C, *spatial) input with ``dims`` spatial dims (or unbatched)."""
    _check_p(p)
    x = input._data
    if x.ndim not in (dims + 1, dims + 2):
        hint = {1: "2D or 3D", 2: "3D or 4D", 3: "4D or 5D"}[dims]
        raise RuntimeError(f"{name}: Expected {hint} input, but received a {x.ndim}D input. Note that {name} "
                           f"exists to provide channel-wise dropout on inputs with {dims} spatial dimension"
                           f"{'s' if dims > 1 else ''}, a channel dimension, and an optional batch dimension "
                           f"(i.e. {hint} inputs).")
    if not training or p == 0 or x.size == 0:
        return input
    batched = x.ndim == dims + 2
    shape = (x.shape[:2] if batched else x.shape[:1]) + (1,) * dims
    if dims == 2 and not batched:   # PyTorch (for now) drops channels of dim 1 of a 3-D input, with a warning
        import warnings
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=3)
        shape = x.shape[:2] + (1,)
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, _keep_mask(input, shape, p), "MulBackward0")
    return _finish(input, out, inplace, name + "_")


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout1d", 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout2d", 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout3d", 3)


_ALPHA = 1.7580993408473766   # -SELU's negative saturation value: dropped units take it


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units are set to SELU's saturation value and the result is
    affinely rescaled so that mean and variance are kept."""
    return _alpha(input, p, training, inplace, tuple(input._data.shape), "alpha_dropout_")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """``alpha_dropout`` of whole channels (dim 1) of an (N, C, *) input."""
    shape = tuple(input._data.shape[:2]) + (1,) * (input._data.ndim - 2)
    return _alpha(input, p, training, inplace, shape, "feature_alpha_dropout_")


def _alpha(input, p, training, inplace, shape, name):
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    x = input._data
    if p == 1:   # everything dropped: torch returns zeros (the affine rescale below divides by 1 - p)
        return _finish(input, input * 0.0, inplace, name)
    keep = _keep_mask(input, shape, p, scaled=False)
    a = 1.0 / math.sqrt((_ALPHA ** 2 * p + 1) * (1 - p))
    b = _wrap(((keep - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(x.dtype, copy=False))
    src = input.clone() if inplace and input._rg and grad_mode.enabled else input
    out = _masked(src, keep * x.dtype.type(a), "MulBackward0") + b
    return _finish(input, out, inplace, name)
