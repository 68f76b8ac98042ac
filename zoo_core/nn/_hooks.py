"""Module hook machinery: removable handles, the global forward hooks, and the identity nodes that run
full backward hooks (PyTorch's ``BackwardHook``)."""
from collections import OrderedDict
import itertools

from ..autograd.graph import record
from ..tensor import Tensor, _wrap

_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_pre_hooks = OrderedDict()
_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks_dict, extra=None):
        self.hooks_dict = hooks_dict
        self.id = next(_hook_ids)
        self.extra = extra

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        if self.extra is not None:
            self.extra.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _Both:
    """Lets one handle unregister a hook id from two side tables."""

    def __init__(self, *dicts):
        self.dicts = dicts

    def pop(self, key, default=None):
        for d in self.dicts:
            d.pop(key, default)


def _add_hook(hooks, kwarg_hooks, hook, prepend, with_kwargs):
    handle = RemovableHandle(hooks, kwarg_hooks)
    hooks[handle.id] = hook
    if with_kwargs:
        kwarg_hooks[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class _BackwardHook:
    """One module call's full backward hooks (PyTorch's ``BackwardHook``): identity nodes on the inputs and
    outputs that need grad; the output node records ``grad_output`` (running the pre-hooks), the input
    node runs the hooks with ``(grad_input, grad_output)`` and may replace ``grad_input``."""

    def __init__(self, module, n_inputs):
        self.module = module
        self.n_inputs = n_inputs
        self.input_idx = None          # positions of the args wrapped by the input node
        self.grad_outputs = None

    def setup_input(self, args):
        from ..ops.creation import zeros_like
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._rg]
        if not idx:
            return args
        self.input_idx = idx
        # tensor args that need no grad get zeros in grad_input, as in PyTorch
        others = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor) and not a._rg]
        ins = tuple(args[i] for i in idx)
        outs = tuple(_wrap(a._data) for a in ins)    # identity: the same storage, a new graph node
        n_inputs, n_outs, module = self.n_inputs, len(outs), self.module

        def backward(grads):          # (captures no output tensor: that would make a reference cycle)
            grads = list(grads) if n_outs > 1 else [grads]
            grad_input = [None] * n_inputs
            for i, a in others:
                grad_input[i] = zeros_like(a)
            for j, i in enumerate(idx):
                grad_input[i] = grads[j]
            for hook in tuple(module._backward_hooks.values()):
                r = hook(module, tuple(grad_input), self.grad_outputs)
                if r is not None:
                    r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
                    if len(r) != n_inputs:
                        raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                           f"{len(r)}, but expected {n_inputs}")
                    grad_input = list(r)
            return tuple(grad_input[i] for i in idx)
        record(outs if len(outs) > 1 else outs[0], "BackwardHookFunctionBackward", backward, ins)
        args = list(args)
        for j, i in enumerate(idx):
            args[i] = outs[j]
        return tuple(args)

    def setup_output(self, out):
        from ..ops.creation import zeros_like
        single = isinstance(out, Tensor)
        if not single and not isinstance(out, (tuple, list)):
            return out
        items = [out] if single else list(out)
        idx = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o._rg]
        if not idx:
            return out
        others = [(i, o) for i, o in enumerate(items) if isinstance(o, Tensor) and not o._rg]
        ins = tuple(items[i] for i in idx)
        outs = tuple(_wrap(o._data) for o in ins)
        n_out, n_outs, module = len(items), len(outs), self.module   # grad_output: one per output (None: non-tensor)

        def backward(grads):
            grads = list(grads) if n_outs > 1 else [grads]
            grad_output = [None] * n_out
            for i, o in others:
                grad_output[i] = zeros_like(o)
            for j, i in enumerate(idx):
                grad_output[i] = grads[j]
            for hook in tuple(module._backward_pre_hooks.values()):
                r = hook(module, tuple(grad_output))
                if r is not None:
                    r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
                    if len(r) != n_out:
                        raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                           f"{len(r)}, but expected {n_out}")
                    grad_output = list(r)
            self.grad_outputs = tuple(grad_output)
            if self.input_idx is None:       # no input needs grad: the hooks run now, with None grad_input
                none = (None,) * self.n_inputs
                for hook in tuple(module._backward_hooks.values()):
                    r = hook(module, none, self.grad_outputs)
                    if r is not None and not all(x is None for x in r):
                        raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                           "always return None or None for all gradients.")
            return tuple(grad_output[i] for i in idx)
        record(outs if len(outs) > 1 else outs[0], "BackwardHookFunctionBackward", backward, ins)
        if single:
            return outs[0]
        for j, i in enumerate(idx):
            items[i] = outs[j]
        if type(out) in (tuple, list):
            return type(out)(items)
        return type(out)(*items)            # a namedtuple


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook on every module (``hook(module, args, output)``; ``with_kwargs``: ``hook(module,
    args, kwargs, output)``; ``always_call``: also when forward raises)."""
    handle = _add_hook(_global_forward_hooks, _global_forward_hooks_with_kwargs, hook, False, with_kwargs)
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
        handle.extra = _Both(_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called)
    return handle


def register_module_forward_pre_hook(hook):
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle
