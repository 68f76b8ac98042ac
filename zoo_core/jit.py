"""``torch.jit`` for code that scripts or traces models: Zoo runs eagerly, so ``script`` and ``trace``
return what they are given (a traced function still runs its Python each call), the decorators and
annotations model files use (``ignore``, ``unused``, ``export``, ``Final``, ``is_scripting``...) behave as
they do outside TorchScript, and saving a TorchScript archive is refused with advice.

Example::

    >>> m = zoo_core.jit.script(zoo_core.nn.Linear(2, 2))   # the module itself
    >>> zoo_core.jit.is_scripting()
    False
"""
import typing

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "script_if_tracing", "interface", "Final", "Attribute", "annotate", "fork", "wait", "freeze",
           "optimize_for_inference", "save", "load", "ScriptModule", "ScriptFunction"]

Final = typing.Final


class ScriptModule:
    """Never instantiated: ``isinstance(m, jit.ScriptModule)`` is False for Zoo's eager modules."""


class ScriptFunction:
    """Never instantiated (see ``ScriptModule``)."""


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Eager Zoo: returns ``obj`` (a module, function or class) unchanged."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """Eager Zoo: returns ``func`` unchanged (it keeps running its Python, data-dependent branches included)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def _passthrough_decorator(drop=False):
    def decorator(fn=None, **kwargs):
        if fn is None:   # used as @ignore(drop=True)
            return lambda f: f
        return fn
    return decorator


ignore = _passthrough_decorator()
unused = _passthrough_decorator()


def export(fn):
    return fn


def interface(obj):
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting():
    """False: Zoo code never runs under TorchScript."""
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def Attribute(value, type=None):
    return value


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    """Runs ``func`` now (no inter-op parallelism); ``wait`` returns its result."""
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def save(m, f, _extra_files=None):
    raise RuntimeError("jit.save: Zoo has no TorchScript archives; save the weights with "
                       "zoo_core.save(model.state_dict(), path) and rebuild the model in Python")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise RuntimeError(f"jit.load: {f!r} would be a TorchScript archive, which Zoo cannot run (it holds "
                       "TorchScript code); save a state dict from PyTorch and load it with zoo_core.load")
