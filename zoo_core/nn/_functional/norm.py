"""Normalisation: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``, ``rms_norm``,
``local_response_norm``.

Batch, layer, group and instance norm share one fused node, ``_standardize``: it standardises ``x`` over
``axes`` (biased variance) and applies ``weight``/``bias`` broadcast as ``wshape``, in a few array passes.
Its backward is the textbook formula

    gx = invstd * (gxh - mean(gxh) - xhat * mean(gxh * xhat)),   gxh = g * weight

computed on raw arrays for a plain backward, and with Tensor ops (re-deriving ``xhat`` and ``invstd``
from ``x``) when a graph of the backward is being built, so double backward works.
"""
import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]


def _wide(x):
    """float16 statistics accumulate in float32 (as PyTorch)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _reduced(shape, wshape):
    """The axes a ``wshape``-broadcast parameter's gradient sums over."""
    return tuple(i for i, (s, w) in enumerate(zip(shape, wshape)) if w == 1 and s != 1)


def _standardize(input, axes, weight, bias, wshape, eps, node):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with mean/var over ``axes``; one graph node.
    Returns the output and the (keepdim) mean and biased variance arrays."""
    x = input._data
    xp = _backend.array_module(x)
    xc = _wide(x)
    mean = xc.mean(axis=axes, keepdims=True)
    xhat = xc - mean
    var = xp.square(xhat).mean(axis=axes, keepdims=True)
    invstd = 1 / xp.sqrt(var + xc.dtype.type(eps))
    xhat *= invstd
    if weight is not None:
        xhat *= _wide(weight._data).reshape(wshape)
    if bias is not None:
        xhat += _wide(bias._data).reshape(wshape)
    out = _wrap(xhat.astype(x.dtype, copy=False))
    if grad_mode.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        def backward(g):
            if grad_mode.enabled:   # building a graph of the backward: derive everything from x
                return _backward_graph(g, input, weight, bias, axes, wshape, eps)
            return _backward_arrays(g, input, weight, bias, axes, wshape, mean, invstd)
        record(out, node, backward, (input, weight, bias), (input,) if weight is None else (input, weight))
    return out, mean, var


def _backward_arrays(g, input, weight, bias, axes, wshape, mean, invstd):
    ga = _wide(g._data)
    dt = g._data.dtype
    xhat = (_wide(input._data) - mean) * invstd
    raxes = _reduced(xhat.shape, wshape)
    gw = gb = gx = None
    if weight is not None and weight._rg:
        gw = _wrap((ga * xhat).sum(axis=raxes).reshape(weight._data.shape).astype(dt, copy=False))
    if bias is not None and bias._rg:
        gb = _wrap(ga.sum(axis=raxes).reshape(bias._data.shape).astype(dt, copy=False))
    if input._rg:
        gxh = ga * _wide(weight._data).reshape(wshape) if weight is not None else ga.copy()
        m1 = gxh.mean(axis=axes, keepdims=True)
        m2 = (gxh * xhat).mean(axis=axes, keepdims=True)
        xhat *= m2
        gxh -= m1
        gxh -= xhat
        gxh *= invstd
        gx = _wrap(gxh.astype(dt, copy=False))
    return gx, gw, gb


def _backward_graph(g, input, weight, bias, axes, wshape, eps):
    centered = input - input.mean(axes, keepdim=True)
    invstd = ((centered * centered).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = centered * invstd
    raxes = _reduced(tuple(input.shape), wshape)
    gw = gb = gx = None
    if weight is not None and weight._rg:
        gw = _sum(g * xhat, raxes).reshape(weight.shape)
    if bias is not None and bias._rg:
        gb = _sum(g, raxes).reshape(bias.shape)
    if input._rg:
        gxh = g * weight.reshape(wshape) if weight is not None else g
        gx = invstd * (gxh - gxh.mean(axes, keepdim=True) - xhat * (gxh * xhat).mean(axes, keepdim=True))
    return gx, gw, gb


def _sum(t, axes):
    return t.sum(axes) if axes else t


def _check_param(op, name, p, n, input):
    if p is None:
        return
    if p._data.size != n:
        raise RuntimeError(f"{op}: {name} should contain {n} elements not {p._data.size}")
    if type(p._data) is not type(input._data) or (type(p._data) is not np.ndarray and p.device != input.device):
        raise RuntimeError(f"{op}: expected {name} on the input's device {input.device}, got {p.device}; "
                           "move the module or the tensor with .to()")


# ---- batch norm ---------------------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) of ``input`` (N, C, *) over the batch and spatial dims.

    ``training=True`` uses the batch statistics and, when given, updates ``running_mean``/``running_var``
    in place (``running = (1 - momentum) * running + momentum * batch``, the variance unbiased);
    ``training=False`` uses the running statistics.

    Example::

        >>> x = zoo_core.randn(8, 3, 4, 4)
        >>> y = F.batch_norm(x, None, None, training=True)
        >>> bool(y.mean((0, 2, 3)).abs().max() < 1e-5)
        True
    """
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected at least 2D input (got {x.ndim}D input)")
    c = x.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_param("batch_norm", name, p, c, input)
    wshape = (1, c) + (1,) * (x.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        return _affine_eval(input, running_mean, running_var, weight, bias, wshape, eps)
    n = x.size // c
    if n <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(x.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))
    out, mean, var = _standardize(input, axes, weight, bias, wshape, eps, "NativeBatchNormBackward0")
    if running_mean is not None:
        _update(running_mean, mean.reshape(c), momentum)
    if running_var is not None:
        _update(running_var, var.reshape(c) * (n / (n - 1)), momentum)
    return out


def _update(buf, batch, momentum):
    """``buf = (1 - momentum) * buf + momentum * batch``, in place and outside autograd."""
    from ...autograd.grad_mode import no_grad
    b = buf._data
    with no_grad():
        buf.copy_(_wrap((b * (1 - momentum) + batch.astype(b.dtype, copy=False) * momentum).astype(b.dtype)))


def _affine_eval(input, mean, var, weight, bias, wshape, eps):
    """Eval-mode batch norm: ``x * scale + shift`` with per-channel ``scale = weight / sqrt(var + eps)``."""
    xp = _backend.array_module(input._data)
    dt = input._data.dtype
    inv = _wrap((1 / xp.sqrt(_wide(var._data) + eps)).astype(dt, copy=False))
    m = _wrap(mean._data.astype(dt, copy=False))
    scale = inv if weight is None else weight * inv
    shift = -m * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(wshape) + shift.reshape(wshape)


# ---- layer / group / instance norm --------------------------------------------------------------
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims, then ``* weight + bias`` (of that shape).

    Example::

        >>> y = F.layer_norm(zoo_core.randn(2, 5), (5,))
        >>> bool(y.mean(-1).abs().max() < 1e-5)
        True
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    x = input._data
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in ns)}], but got input of size{list(x.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p._data.shape) != ns:
            raise RuntimeError(f"layer_norm: Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p._data.shape)} and normalized_shape = {list(ns)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    wshape = (1,) * (x.ndim - k) + ns
    return _standardize(input, axes, weight, bias, wshape, eps, "NativeLayerNormBackward0")[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group of each sample.

    Example::

        >>> F.group_norm(zoo_core.randn(2, 6, 4), 3).shape
        zoo_core.Size([2, 6, 4])
    """
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(x.shape)} and num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        _check_param("group_norm", name, p, c, input)
    grouped = input.reshape(n, num_groups, c // num_groups, -1)   # (N, G, C/G, spatial)
    wshape = (1, num_groups, c // num_groups, 1)
    out = _standardize(grouped, (2, 3), weight, bias, wshape, eps, "NativeGroupNormBackward0")[0]
    return out.reshape(x.shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dims (``(N, C, *)`` input)."""
    x = input._data
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected at least 3D input (got {x.ndim}D input)")
    c = x.shape[1]
    wshape = (1, c) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        return _affine_eval(input, running_mean, running_var, weight, bias, wshape, eps)
    n = x.size // (x.shape[0] * c)
    if n <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
    axes = tuple(range(2, x.ndim))
    out, mean, var = _standardize(input, axes, weight, bias, wshape, eps, "NativeBatchNormBackward0")
    if running_mean is not None:
        _update(running_mean, mean.reshape(x.shape[0], c).mean(0), momentum)
    if running_var is not None:
        _update(running_var, var.reshape(x.shape[0], c).mean(0) * (n / (n - 1)), momentum)
    return out


# ---- RMS norm -----------------------------------------------------------------------------------
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last ``len(normalized_shape)`` dims;
    ``eps=None`` means ``finfo(input.dtype).eps``.

    Example::

        >>> F.rms_norm(zoo_core.tensor([[3., 4.]]), (2,))
        tensor([[0.8485, 1.1314]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    x = input._data
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in ns)}], but got input of size{list(x.shape)}")
    if weight is not None and tuple(weight._data.shape) != ns:
        raise RuntimeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, but got weight "
                           f"of shape {list(weight._data.shape)} and normalized_shape = {list(ns)}")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    xp = _backend.array_module(x)
    axes = tuple(range(x.ndim - k, x.ndim))
    xc = _wide(x)
    r = 1 / xp.sqrt(xp.square(xc).mean(axis=axes, keepdims=True) + xc.dtype.type(eps))
    y = xc * r
    if weight is not None:
        y *= _wide(weight._data)
    out = _wrap(y.astype(x.dtype, copy=False))
    if grad_mode.enabled and (input._rg or (weight is not None and weight._rg)):
        def backward(g):
            rr = (input * input).mean(axes, keepdim=True).add(eps).rsqrt() if grad_mode.enabled else _wrap(r)
            xn = input * rr
            gw = gx = None
            if weight is not None and weight._rg:
                gw = (g * xn).sum(tuple(range(x.ndim - k))) if x.ndim > k else g * xn
            if input._rg:
                gxn = g * weight if weight is not None else g
                gx = rr * (gxn - xn * (gxn * xn).mean(axes, keepdim=True))
            return gx, gw
        record(out, "RmsNormBackward0", backward, (input, weight), (input,) if weight is None else (input, weight))
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise each element by the squares of its ``size`` neighbours across channels (AlexNet)."""
    from ...ops.pool import avg_pool2d
    from .resize import pad
    dim = input._data.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input._data.size == 0:
        return input
    sizes = tuple(input.shape)
    div = (input * input).reshape(sizes[0], 1, sizes[1], -1)             # (N, 1, C, rest)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(sizes)
    return input / (div * alpha + k).pow(beta)

