"""Parametrizations (``torch.nn.utils.parametrize``): compute a parameter from others on every access.

``register_parametrization(module, "weight", P())`` moves ``module.weight`` to
``module.parametrizations.weight.original`` and makes ``module.weight`` a property returning
``P()(original)``, recomputed (and differentiated) on each access. As in PyTorch, the module's class is
swapped for a generated subclass that carries the property, state dict keys become
``parametrizations.weight.original`` (``original0``, ``original1``... when ``right_inverse`` returns a
tuple), and assigning to ``module.weight`` stores ``right_inverse(value)`` into the originals.

Example::

    >>> class Symmetric(zoo_core.nn.Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).mT
    >>> m = zoo_core.nn.Linear(3, 3)
    >>> _ = register_parametrization(m, "weight", Symmetric())
    >>> bool((m.weight == m.weight.T).all())
    True
"""
import contextlib

from ..container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
           "type_before_parametrizations", "transfer_parametrizations_and_params", "ParametrizationList"]

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Within the block, each parametrized tensor is computed once and reused (e.g. a weight used at
    every step of an RNN)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the ``original`` tensor(s) they read."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        new = original
        with _no_grad():
            if hasattr(first, "right_inverse"):
                new = first.right_inverse(original)
        self.is_tensor = not isinstance(new, (tuple, list))
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            _check_like(new, original, "right_inverse", unsafe)
            self._set_original("original", original, new)
        else:
            for i, t in enumerate(new):
                self._set_original(f"original{i}", original, t)

    def _set_original(self, name, original, value):
        from ...tensor import Tensor
        if not isinstance(value, Tensor):
            raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(value).__name__}")
        if isinstance(original, Parameter):
            self.register_parameter(name, Parameter(value.detach().clone(), original.requires_grad))
        else:
            self.register_buffer(name, value.detach().clone())

    def right_inverse(self, value):
        """Store ``value`` into the originals by running the parametrizations' inverses backwards."""
        with _no_grad():
            for p in reversed(list(self)):
                if not hasattr(p, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(p).__name__} does not implement right_inverse.")
                value = p.right_inverse(value)
            if self.is_tensor:
                _check_like(value, self.original, "right_inverse", self.unsafe)
                self.original.copy_(value)
            else:
                if len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors, "
                                     f"got {len(value)}")
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for p in list(self)[1:]:
            x = p(x)
        return x


def _no_grad():
    from ...autograd import grad_mode
    return grad_mode.no_grad()


def _check_like(new, original, what, unsafe):
    if unsafe:
        return
    if new.dtype != original.dtype or tuple(new.shape) != tuple(original.shape):
        raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype or shape.\n"
                         f"original.dtype: {original.dtype}, {what}(original).dtype: {new.dtype}\n"
                         f"original.shape: {tuple(original.shape)}, {what}(original).shape: {tuple(new.shape)}")


def _getter(name):
    def get(self):
        plist = self.parametrizations[name]
        if _cache_enabled:
            key = (id(self), name)
            hit = _cache.get(key)
            if hit is None:
                hit = _cache[key] = plist()
            return hit
        return plist()
    return get


def _setter(name):
    def set(self, value):
        self.parametrizations[name].right_inverse(value)
    return set


def _inject_class(module):
    cls = module.__class__
    param_cls = type(f"Parametrized{cls.__name__}", (cls,), {"_zoo_parametrized_from": cls})
    module.__class__ = param_cls


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Parametrize ``module.<tensor_name>`` (a parameter or buffer) by the module ``parametrization``; a
    second call on the same name chains parametrizations. Returns ``module``."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be an nn.Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            _check_like(x, y, "parametrization", False)
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{type(module).__name__}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    original = getattr(module, tensor_name)
    if not unsafe:
        with _no_grad():
            y = parametrization(original)
        _check_like(y, original, "parametrization", False)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    setattr(module.__class__, tensor_name, property(_getter(tensor_name), _setter(tensor_name)))
    return module


def is_parametrized(module, tensor_name=None):
    plist = module.__dict__.get("_modules", {}).get("parametrizations")
    if plist is None or not isinstance(plist, ModuleDict):
        return False
    return tensor_name is None or tensor_name in plist


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo ``register_parametrization``: ``module.<tensor_name>`` becomes a plain parameter again, holding
    the parametrized value (``leave_parametrized=True``) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {type(module).__name__} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with _no_grad():
            value = getattr(module, tensor_name)
    elif plist.is_tensor:
        value = plist.original
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                         "parametrized in terms of a sequence of tensors.")
    orig = plist.original if plist.is_tensor else plist.original0
    was_param = isinstance(orig, Parameter)
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if was_param:
        module.register_parameter(tensor_name, Parameter(value.detach().clone(), orig.requires_grad))
    else:
        module.register_buffer(tensor_name, value.detach().clone())
    if not len(module.parametrizations):
        del module.parametrizations
        module.__class__ = module.__class__._zoo_parametrized_from
    return module


def type_before_parametrizations(module):
    """The class ``module`` had before it was parametrized."""
    return module.__class__._zoo_parametrized_from if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Copy the parametrizations (and their originals) of ``from_module`` onto ``to_module``."""
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        src = from_module.parametrizations[name]
        if not is_parametrized(to_module, name):
            for p in src:
                register_parametrization(to_module, name, p, unsafe=True)
        dst = to_module.parametrizations[name]
        with _no_grad():
            if src.is_tensor:
                dst.original.copy_(src.original)
            else:
                for i in range(src.ntensors):
                    getattr(dst, f"original{i}").copy_(getattr(src, f"original{i}"))
    return to_module
