"""Automatic differentiation: ``backward``, ``grad``, grad modes, custom ``Function`` and gradient checks."""
from . import grad_mode, graph
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                        is_grad_enabled, no_grad, set_detect_anomaly, set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "set_detect_anomaly", "detect_anomaly", "gradcheck",
           "gradgradcheck", "is_grad_enabled", "is_anomaly_enabled", "graph", "grad_mode"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grad_outputs):
    from ..ops.creation import ones_like
    from ..tensor import Tensor, _wrap
    grads = []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs or (None,) * len(outputs))):
        if g is None:
            if o._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                    f"{tuple(o._data.shape)}); pass gradient=/grad_outputs= explicitly")
            if o._data.dtype.kind != "f":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs, got {o.dtype}")
            g = ones_like(o)
        else:
            if not isinstance(g, Tensor):
                from ..ops.creation import tensor
                g = tensor(g, dtype=o.dtype, device=o.device)
            if g._data.shape != o._data.shape:
                from ..tensor import Size
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g._data.shape)!r} and "
                    f"output[{i}] has a shape of {Size(o._data.shape)!r}.")
            if g.device != o.device:
                raise RuntimeError(
                    f"invalid gradient at index {i} - expected device {o.device} but got {g.device}")
            if g._data.dtype != o._data.dtype:
                g = _wrap(g._data.astype(o._data.dtype))
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Sum the gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs`` only)."""
    from .engine import run_backward
    tensors = _as_tuple(tensors)
    grads = _make_grads(tensors, _as_tuple(grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        run_backward(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    got = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=False,
                       allow_unused=True)
    from .engine import _accumulate
    with set_grad_enabled(create_graph):
        for t, g in zip(inputs, got):
            if g is not None:
                if t.grad_fn is not None and not t._retains_grad:
                    t.grad = g if t.grad is None else t.grad + g
                else:
                    _accumulate(t, g, create_graph, run_hooks=False)   # grad() already ran them


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple), without touching ``.grad``."""
    from .engine import run_backward
    from ..ops.creation import zeros_like
    outputs = _as_tuple(outputs)
    single = not isinstance(inputs, (tuple, list))
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_tuple(grad_outputs), retain_graph, create_graph,
                             allow_unused, materialize_grads)
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    got = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False,
                       allow_unused=allow_unused)
    if materialize_grads:
        got = [zeros_like(t) if g is None else g for t, g in zip(inputs, got)]
    return tuple(got)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched=True``: the first dim of every grad_output is a batch of vectors; one backward
    pass per vector (PyTorch vectorises this with vmap; the results are the same)."""
    from ..ops.join import stack
    if not grad_outputs or any(g is None for g in grad_outputs):
        raise RuntimeError("grad: is_grads_batched=True needs a batched tensor for every grad_output")
    n = grad_outputs[0].shape[0]
    for g, o in zip(grad_outputs, outputs):
        if g.shape[0] != n or tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(f"grad: with is_grads_batched=True each grad_output must have shape (B, "
                               f"*output.shape); got {tuple(g.shape)} for an output of shape {tuple(o.shape)}")
    rows = [grad(outputs, inputs, [g[i] for g in grad_outputs], retain_graph=True if i < n - 1 else retain_graph,
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for i in range(n)]
    return tuple(None if rows[0][j] is None else stack([r[j] for r in rows]) for j in range(len(inputs)))


from . import functional  # noqa: E402  (uses grad, defined above)


def __getattr__(name):
    if name == "profiler":   # loaded on first use: nothing is hooked until a profile starts
        import importlib
        return importlib.import_module(".profiler", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
