"""``Module``: the base class of layers and models, as PyTorch users know it.

Assigning a ``Parameter``, a ``Module`` or a registered buffer name as an attribute registers it; the
registries (``_parameters``, ``_buffers``, ``_modules``) drive ``parameters()``, ``state_dict()``, ``to()``
and ``repr``. Calling a module runs forward (with hooks when there are any); an exception raised inside
gets a note naming the module path, e.g. ``features.3 (Conv2d(32, 64, kernel_size=(3, 3)))``.
"""
from collections import OrderedDict, namedtuple
import itertools

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap
from .parameter import Buffer, Parameter

_MISSING = object()
_global_forward_hooks = OrderedDict()
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


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` found: ``missing_keys``, ``unexpected_keys`` and ``mismatched_keys``
    (``(key, checkpoint_shape, model_shape)`` triples that were not loaded)."""
    mismatched_keys = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys and not self.mismatched_keys:
            return "<All keys matched successfully>"
        s = f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys}"
        if self.mismatched_keys:
            s += f", mismatched_keys={list(self.mismatched_keys)}"
        return s + ")"

    __str__ = __repr__


def _add_hook(hooks, kwarg_hooks, hook, prepend, with_kwargs):
    handle = RemovableHandle(hooks, kwarg_hooks)
    hooks[handle.id] = hook
    if with_kwargs:
        kwarg_hooks[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _add_indent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _annotate(exc, module):
    """Name the module path on an exception raised inside ``module``'s forward (relative to the
    outermost module it passes through: each enclosing module call rewrites the note)."""
    target = getattr(exc, "_zoo_module", None)
    if target is None:
        exc._zoo_module = target = module
        path = ""
    else:
        path = next((name for name, m in module.named_modules() if m is target), None)
        if path is None:
            return
    desc = repr(target).split("\n")[0].rstrip("(") if "\n" in repr(target) else repr(target)
    note = f"raised in module {path or '<root>'} ({desc})" if path else f"raised in module ({desc})"
    notes = getattr(exc, "__notes__", None)
    prev = getattr(exc, "_zoo_note", None)
    if notes is not None and prev in notes:
        notes[notes.index(prev)] = note
    elif hasattr(exc, "add_note"):
        exc.add_note(note)
    exc._zoo_note = note


class Module:
    """Base class for all neural-network modules; subclass it and define ``forward``.

    Example::

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x).relu()
    """
    _version = 1
    training: bool
    dump_patches = False
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments (Module takes none)")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = OrderedDict()
        d["_state_dict_hooks"] = OrderedDict()
        d["_load_state_dict_pre_hooks"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- calling --------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self._forward_hooks or self._forward_pre_hooks or _global_forward_hooks or _global_forward_pre_hooks:
            return self._call_with_hooks(args, kwargs)
        try:
            return self.forward(*args, **kwargs)
        except Exception as e:
            _annotate(e, self)
            raise

    def _call_with_hooks(self, args, kwargs):
        try:
            for hid, hook in itertools.chain(_global_forward_pre_hooks.items(), self._forward_pre_hooks.items()):
                if hid in self._forward_pre_hooks_with_kwargs:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        args, kwargs = r
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
            out = self.forward(*args, **kwargs)
            for hid, hook in itertools.chain(_global_forward_hooks.items(), self._forward_hooks.items()):
                if hid in self._forward_hooks_with_kwargs:
                    r = hook(self, args, kwargs, out)
                else:
                    r = hook(self, args, out)
                if r is not None:
                    out = r
            return out
        except Exception as e:
            _annotate(e, self)
            raise

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args) -> None or new args`` (``with_kwargs``: ``hook(module, args, kwargs)``)."""
        return _add_hook(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output) -> None or new output``."""
        return _add_hook(self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend, with_kwargs)

    # ---- registration ---------------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            if name not in params:   # a replaced parameter keeps its place in the order
                self._forget(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
            return
        if isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            d["_modules"][name] = value
            return
        modules = d.get("_modules")
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = None
            return
        if isinstance(value, Buffer):
            self._forget(name)
            self.register_buffer(name, _wrap(value._data), persistent=value.persistent)
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name):
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            d[key].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d.get(key)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def _check_name(self, name, kind, registry=None):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and (registry is None or name not in registry):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a parameter (a ``Parameter`` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             "created explicitly. To express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is not learnable (e.g. running means); ``persistent=False`` keeps
        it out of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module", self._modules)
        self._modules[name] = module

    register_module = add_module

    # ---- traversal ------------------------------------------------------------------------------
    def _named_members(self, get, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get(mod):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (mod_prefix + "." + k if mod_prefix else k), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target):
        """The module at dotted path ``target`` (``"features.3"``)."""
        if target == "":
            return self
        mod = self
        for i, item in enumerate(target.split(".")):
            if item not in mod._modules:
                raise AttributeError(
                    f"{type(mod).__name__} has no attribute `{item}` (looking up '{target}')")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"`{name}` is not an nn.Parameter (looking up '{target}')")
        return mod._parameters[name]

    def get_buffer(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer (looking up '{target}')")
        return mod._buffers[name]

    # ---- modes and conversion -------------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = _wrap(p.grad._data * 0)

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on ``self``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply(self, fn, floating_only=False):
        """Convert every parameter and buffer in place with ``fn(tensor) -> tensor`` (keeps identities)."""
        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for k, t in reg.items():
                    if t is None or (floating_only and not t.is_floating_point()):
                        continue
                    with grad_mode.no_grad():
                        new = fn(t)
                    if new is t:
                        continue
                    t._data = new._data
                    if t.grad is not None:
                        t.grad._data = fn(t.grad)._data
        return self

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)`` (floating parameters only), ``to(device, dtype)``, ``to(tensor)``."""
        from ..tensor import _parse_to
        dev, dt, _ = _parse_to(args, kwargs)
        if dt is not None and not dt.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dt}")

        def convert(t):
            if dt is not None and t.is_floating_point():
                t = t.to(dt)
            if dev is not None:
                t = t.to(dev)
            return t
        return self._apply(convert)

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cpu(self):
        return self.to("cpu")

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    def float(self):
        return self._apply(lambda t: t.float(), floating_only=True)

    def double(self):
        return self._apply(lambda t: t.double(), floating_only=True)

    def half(self):
        return self._apply(lambda t: t.half(), floating_only=True)

    # ---- state dict -----------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of parameters and persistent buffers by dotted name, with per-module
        ``_metadata`` (``{"": {"version": 1}, "fc": {"version": 1}}``) as in PyTorch."""
        if args:  # the deprecated positional form state_dict(destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            r = hook(self, destination, prefix, {})
            if r is not None:
                destination = r
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, mismatched=None, assign=False):
        """Copy this module's own entries from ``state_dict``; subclasses may override to convert old
        formats (``local_metadata["version"]`` is the saved ``_version``)."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local = itertools.chain(self._parameters.items(), persistent.items())
        for name, t in local:
            key = prefix + name
            if t is None:
                continue
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                                  f"Tensor-like object from checkpoint but received {type(value)}")
                continue
            if tuple(value._data.shape) != tuple(t._data.shape):
                if mismatched is not None:
                    mismatched.append((key, tuple(value._data.shape), tuple(t._data.shape)))
                continue
            with grad_mode.no_grad():
                if assign:
                    if isinstance(t, Parameter):
                        new = Parameter(value.to(t.device), requires_grad=t._rg)
                        self._parameters[name] = new
                    else:
                        self._buffers[name] = value
                else:
                    t.copy_(value)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict``; returns the keys that did not match.

        The report has ``missing_keys``, ``unexpected_keys`` and ``mismatched_keys`` (key, checkpoint
        shape, model shape). With ``strict=True`` (default) any of them raises a RuntimeError listing all;
        with ``strict=False`` shape-mismatched entries are skipped and reported (PyTorch raises on those).
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)   # hooks may edit it: leave the caller's dict alone
        missing, unexpected, errors, mismatched = [], [], [], []

        def load(module, prefix=""):
            local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
            module._load_from_state_dict(state_dict, prefix, local_meta, True, missing, unexpected, errors,
                                         mismatched, assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")
        load(self)
        expected = self.state_dict(keep_vars=True)
        unexpected = [k for k in state_dict if k not in expected]
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        for key, ck, mine in mismatched:
            msg = (f"size mismatch for {key}: copying a param with shape {_size(ck)} from checkpoint, the "
                   f"shape in current model is {_size(mine)}.")
            if strict:
                errors.append(msg)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        report = _IncompatibleKeys(missing, unexpected)
        report.mismatched_keys = mismatched
        return report

    def register_load_state_dict_pre_hook(self, hook):
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook):
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    # ---- printing -------------------------------------------------------------------------------
    def extra_repr(self):
        """Extra text inside ``Name(...)``; layers override it (``in_features=4, out_features=2``)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        children = [f"({k}): " + _add_indent(repr(m), 2) for k, m in self._modules.items()]
        s = self._get_name() + "("
        if lines or children:
            if len(lines) == 1 and not children:
                s += lines[0]
            else:
                s += "\n  " + "\n  ".join(lines + children) + "\n"
        return s + ")"

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


def _size(shape):
    return f"zoo_core.Size([{', '.join(str(s) for s in shape)}])"


def register_module_forward_hook(hook):
    """A forward hook on every module (``hook(module, args, output)``)."""
    handle = RemovableHandle(_global_forward_hooks)
    _global_forward_hooks[handle.id] = hook
    return handle


def register_module_forward_pre_hook(hook):
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle
