"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``.

All run under ``no_grad`` and scale or clamp the ``.grad`` tensors in place, as PyTorch's do.

Example::

    >>> model = nn.Linear(4, 2)
    >>> model(zoo_core.randn(8, 4)).sum().backward()
    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""
import functools
import types
import warnings

from ...autograd.grad_mode import no_grad
from ...ops.creation import tensor
from ...ops.join import stack
from ...ops.moments import vector_norm
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _no_grad(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with no_grad():
            return fn(*args, **kwargs)
    return wrapper


def _check_foreach(foreach, op):
    # Zoo has no separate foreach kernels: foreach=None/False/True all take the same path
    if foreach not in (None, True, False):
        raise TypeError(f"{op}: foreach should be None or a bool, got {foreach!r}")


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector
    (``inf`` for the max-abs norm); a 0-d tensor on the first tensor's device.

    Example::

        >>> nn.utils.get_total_norm([zoo_core.tensor([3.0]), zoo_core.tensor([4.0])])
        tensor(5.)
    """
    _check_foreach(foreach, "get_total_norm")
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    first = tensors[0].device
    norms = [vector_norm(t, norm_type).to(first) for t in tensors]
    total = vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    return total


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the parameters' gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``."""
    _check_foreach(foreach, "clip_grads_with_norm_")
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef.to(g.device))


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients of ``parameters`` in place so that their total ``norm_type``-norm is at most
    ``max_norm``; returns the total norm before clipping (a 0-d tensor).

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` gets clipped
        max_norm: the largest total norm kept
        norm_type: the p of the p-norm; ``float('inf')`` for the max-abs norm (default 2)
        error_if_nonfinite: raise when the total norm is nan or inf (default False)
        foreach: accepted for PyTorch compatibility; there is one implementation

    Example::

        >>> w = zoo_core.ones(3, requires_grad=True)
        >>> (w * 10).sum().backward()
        >>> nn.utils.clip_grad_norm_([w], 1.0)
        tensor(17.3205)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    Example::

        >>> w = zoo_core.ones(2, requires_grad=True)
        >>> (w * 5).sum().backward()
        >>> nn.utils.clip_grad_value_([w], 0.5)
        >>> w.grad
        tensor([0.5000, 0.5000])
    """
    _check_foreach(foreach, "clip_grad_value_")
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
