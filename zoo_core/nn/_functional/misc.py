"""Functional layers without a family of their own: ``linear``, ``bilinear``, ``normalize``,
``cosine_similarity``, ``pairwise_distance``.
"""
from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...tensor import _wrap, check_same_device

__all__ = ["linear", "bilinear", "normalize", "cosine_similarity", "pairwise_distance", "pdist"]


def linear(input, weight, bias=None):
    """``y = x @ weight.T + bias`` over the last dimension of ``x``.

    Example::

        >>> F.linear(zoo_core.ones(2, 3), zoo_core.ones(4, 3)).shape
        zoo_core.Size([2, 4])
    """
    x, w = input._data, weight._data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input has {x.shape[-1] if x.ndim else 0} features but the layer expects {w.shape[-1]} "
            f"(x.shape={tuple(x.shape)}, weight.shape={tuple(w.shape)})")
    if type(x) is not type(w):
        check_same_device("linear", input, weight)
    if x.dtype != w.dtype:
        raise RuntimeError(f"linear: mat1 and mat2 must have the same dtype, but got {input.dtype} and {weight.dtype}")
    y = x @ w.T
    if bias is not None:
        y += bias._data
    out = _wrap(y)
    if grad_mode.enabled and (input._rg or weight._rg or (bias is not None and bias._rg)):
        def backward(g):
            gx = g @ weight if input._rg else None
            gw = gb = None
            if weight._rg or (bias is not None and bias._rg):
                g2 = g.reshape(-1, w.shape[0])
                if weight._rg:
                    gw = g2.mT @ input.reshape(-1, w.shape[1])
                if bias is not None and bias._rg:
                    gb = g2.sum(0)
            return gx, gw, gb
        record(out, "AddmmBackward0", backward, (input, weight, bias), (input, weight))
    return out


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1 @ weight[k] @ x2 + bias_k``: weight (out, in1, in2), inputs (..., in1) and (..., in2)."""
    from ...ops.linalg import einsum
    if input1._data.shape[:-1] != input2._data.shape[:-1]:
        raise RuntimeError(f"bilinear: input1 and input2 batch dimensions differ: {tuple(input1.shape)} vs "
                           f"{tuple(input2.shape)}")
    if weight._data.shape[1:] != (input1._data.shape[-1], input2._data.shape[-1]):
        raise RuntimeError(f"bilinear: weight of shape {tuple(weight.shape)} does not match inputs "
                           f"(..., {input1._data.shape[-1]}) and (..., {input2._data.shape[-1]})")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y + bias if bias is not None else y


# ==== distances ==================================================================================
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``dim``.

    Example::

        >>> F.normalize(zoo_core.tensor([[3., 4.]]))
        tensor([[0.6000, 0.8000]])
    """
    y = input / input.norm(p, dim, keepdim=True).clamp_min(eps)
    return y if out is None else out.copy_(y)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 / ||x1|| * x2 / ||x2||)`` along ``dim`` with each norm at least ``eps`` (PyTorch's
    current formula: normalise first, which keeps the result in [-1, 1]).

    Example::

        >>> F.cosine_similarity(zoo_core.tensor([[1., 0.]]), zoo_core.tensor([[1., 1.]]))
        tensor([0.7071])
    """
    from ...ops.shape import broadcast_tensors
    if x1._data.dtype.kind != "f":
        x1 = x1.float()
    if x2._data.dtype.kind != "f":
        x2 = x2.float()
    x1, x2 = broadcast_tensors(x1, x2)

    def unit(x):
        n = x.norm(2, dim, keepdim=True)
        # the clamp changes the value only: PyTorch applies it in place under no_grad. An offset of
        # max(eps - n, 0) (not clamp(n) - n, NaN for an overflowed n = inf) does that
        xp = _backend.array_module(n._data)
        return x / (n + _wrap(xp.maximum(eps - n._data, 0)))
    return (unit(x1) * unit(x2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim."""
    d = max(x1._data.ndim, x2._data.ndim) - 1
    return (x1 - x2 + eps).norm(p, max(d, 0), keepdim=keepdim)


def pdist(input, p=2.0):
    """The p-norm distance between every pair of rows of an (N, M) input: the N*(N-1)/2 entries above the
    diagonal of ``cdist(input, input)``, row by row.

    Example::

        >>> F.pdist(zoo_core.tensor([[0., 0.], [3., 4.], [0., 1.]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    import numpy as np
    xp = _backend.array_module(input._data)
    i, j = (xp.asarray(a) for a in np.triu_indices(input._data.shape[0], 1))
    return (input[i] - input[j]).norm(p, 1)
