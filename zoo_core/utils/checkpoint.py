"""Activation checkpointing (``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` without recording its graph, keeping only the inputs; backward runs
``fn`` again with grad on and backpropagates through that fresh graph. Random ops inside ``fn`` (dropout)
draw the same numbers both times, because the generators' states are saved before the first run and
restored for the second (``preserve_rng_state=True``).

Example::

    >>> lin = zoo_core.nn.Linear(4, 4)
    >>> x = zoo_core.randn(2, 4, requires_grad=True)
    >>> y = checkpoint(lambda t: lin(t).relu(), x, use_reentrant=False)
    >>> y.sum().backward()
    >>> x.grad.shape, lin.weight.grad.shape
    (zoo_core.Size([2, 4]), zoo_core.Size([4, 4]))

As in PyTorch's reentrant variant, the parameters used inside ``fn`` get their gradients from a backward
pass run inside the outer one: they land in ``.grad`` (``Tensor.backward``/``loss.backward()``), not in the
result of ``autograd.grad``, which sees only the gradients of ``fn``'s tensor arguments (and
``autograd.grad`` through a checkpoint still accumulates those parameters' ``.grad``).
Limitations: no double backward through a checkpoint (``create_graph=True`` sees the recomputed graph
only as a constant); a reentrant checkpoint whose inputs all don't require grad still records a node
(PyTorch's output would not require grad; ours lets the parameters inside get gradients).
"""
from .. import random as _random
from ..autograd import grad_mode
from ..autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential"]


def _rng_snapshot(args):
    from ..tensor import Tensor
    for a in args:   # make the generators of the argument devices exist, so their states are kept
        if isinstance(a, Tensor) and a.device.type == "cuda":
            _random._default_for(a.device)
    return (_random.default_generator.get_state(),
            [(g, g._snapshot()) for g in _random._cuda_generators.values()])


def _rng_restore(snapshot):
    cpu, cuda = snapshot
    _random.default_generator.set_state(cpu)
    for g, s in cuda:
        g._restore(s)


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, run_fn, preserve_rng_state, kwargs, *args):
        from ..tensor import Tensor
        ctx.run_fn, ctx.kwargs = run_fn, kwargs
        ctx.rng = _rng_snapshot(args) if preserve_rng_state else None
        ctx.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_pos])
        return run_fn(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import backward as _backward
        from ..tensor import Tensor
        args = list(ctx.others)
        for i, t in zip(ctx.tensor_pos, ctx.saved_tensors):
            args[i] = t.detach().requires_grad_(t.requires_grad)
        with _random.fork_rng(enabled=ctx.rng is not None):
            if ctx.rng is not None:
                _rng_restore(ctx.rng)
            with grad_mode.enable_grad():
                outputs = ctx.run_fn(*args, **ctx.kwargs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in args)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its intermediate activations; recomputed in backward.

    ``use_reentrant``, ``context_fn``, ``determinism_check`` and ``debug`` are accepted for PyTorch
    compatibility; both variants behave as described in the module docstring.
    """
    from ..tensor import Tensor
    if context_fn is not None and not callable(context_fn):
        raise TypeError(f"checkpoint: context_fn must be callable, got {type(context_fn).__name__}")
    if not grad_mode.enabled:
        return function(*args, **kwargs)
    from ..func import _leaves, _rebuild
    shape = []   # the output structure (nested lists/tuples/dicts): the node sees a flat tuple

    def flat(*xs, **kw):
        out = function(*xs, **kw)
        shape[:] = [out]
        return tuple(_leaves(out)) if isinstance(out, (tuple, list, dict)) else out

    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        # the parameters inside still need their gradients: give the node an input that requires grad
        from ..ops.creation import zeros
        anchor = zeros((), requires_grad=True)
        out = _Checkpoint.apply(lambda _a, *xs, **kw: flat(*xs, **kw), preserve_rng_state, kwargs,
                                anchor, *args)
    else:
        out = _Checkpoint.apply(flat, preserve_rng_state, kwargs, *args)
    return _rebuild(shape[0], iter(out)) if isinstance(shape[0], (tuple, list, dict)) else out


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a ``Sequential`` (or list of modules) in ``segments`` chunks, checkpointing all but the last."""
    from ..nn import Sequential
    functions = list(functions.children()) if isinstance(functions, Sequential) else list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be >= 1, got {segments}")
    size = max(len(functions) // segments, 1)

    def run(start, end):   # functions[start..end], both inclusive (PyTorch's convention)
        def forward(x):
            for f in functions[start:end + 1]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1)(input)
