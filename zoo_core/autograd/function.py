"""Custom differentiable ops: subclass ``Function`` with static ``forward(ctx, ...)`` and ``backward(ctx, ...)``.

Example::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)
"""
import weakref

from . import grad_mode
from .graph import record


class FunctionCtx:
    """The ``ctx`` handed to ``forward`` and ``backward``; attributes set on it are kept."""

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        saved = getattr(self, "_saved", ())
        if saved and any(type(t) is _SavedOutput for t in saved):
            saved = tuple(t.get() if type(t) is _SavedOutput else t for t in saved)
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Specify retain_graph=True if you need to backward through "
                "the graph a second time or if you need to access saved tensors after calling backward.")
        return saved

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _SavedOutput:
    """A saved output: the output itself while it lives (so double backward sees its history), else a
    detached alias of its storage. Holding it weakly avoids the cycle output -> node -> ctx -> output."""
    __slots__ = ("ref", "alias")

    def __init__(self, t, alias):
        self.ref, self.alias = weakref.ref(t), alias

    def get(self):
        t = self.ref()
        return self.alias if t is None else t


class Function:
    """Base class of custom autograd ops; call them with ``MyFn.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override (with a ``forward`` that takes no ctx) to save what backward needs from the inputs and
        output, as in PyTorch 2; the classic style is a ``forward(ctx, ...)`` and no ``setup_context``."""
        raise NotImplementedError("setup_context is not overridden")


    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor, _wrap
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with grad_mode.no_grad():
            if cls.setup_context is Function.setup_context:
                out = cls.forward(ctx, *args, **kwargs)
            else:   # the PyTorch 2 style: forward(*args) without ctx, then setup_context(ctx, inputs, output)
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
        if not (grad_mode.enabled and any(ctx.needs_input_grad)):
            return out
        is_tuple = isinstance(out, tuple)
        outs = out if is_tuple else (out,)
        non_diff = getattr(ctx, "_non_diff", ())
        # fresh output tensors (an input returned as is gets a new wrapper, as in PyTorch)
        fresh = tuple(_wrap(o._data) if isinstance(o, Tensor) and o.grad_fn is None and o._base is None
                      and any(o is a for a in args) else o for o in outs)
        diff = [o for o in fresh if isinstance(o, Tensor) and id(o) not in non_diff
                and o._data.dtype.kind == "f"]
        # a saved output would make a cycle (output -> node -> ctx -> output): keep a detached alias of its
        # storage for backward, and the output itself only weakly for the in-place check
        saved, kept = [], []
        for t in getattr(ctx, "_saved", ()) or ():
            if isinstance(t, Tensor) and any(t is o for o in fresh):
                saved.append(weakref.ref(t))
                t = _SavedOutput(t, _wrap(t._data))
            elif isinstance(t, Tensor):
                saved.append(t)
            kept.append(t)
        if hasattr(ctx, "_saved"):
            ctx._saved = tuple(kept)
        positions = [i for i, o in enumerate(fresh) if any(o is d for d in diff)]
        meta = [(o._data.shape, o.dtype, o.device) if isinstance(o, Tensor) else None for o in fresh]
        n_out = len(fresh)   # the closure must not hold the outputs (a cycle through their grad_fn)

        def backward(grads):
            from ..ops.creation import zeros
            grads = grads if isinstance(grads, list) else [grads]
            full = [None] * n_out
            for p, g in zip(positions, grads):
                full[p] = g
            if getattr(ctx, "materialize_grads", True):
                full = [zeros(m[0], dtype=m[1], device=m[2]) if g is None and m is not None else g
                        for g, m in zip(full, meta)]
            r = cls.backward(ctx, *full)
            r = r if isinstance(r, tuple) else (r,)
            if len(r) != len(args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(args)}, got {len(r)})")
            return tuple(g if n else None for g, n in zip(r, ctx.needs_input_grad))

        if diff:
            record(tuple(diff) if len(diff) > 1 else diff[0], f"{cls.__name__}Backward", backward, args,
                   tuple(saved))
        return fresh if is_tuple else fresh[0]


def once_differentiable(fn):
    """Decorator for ``backward`` methods that are not themselves differentiable."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
