"""``Module``: the base class of layers and models, as PyTorch users know it.

Assigning a ``Parameter``, a ``Module`` or a registered buffer name as an attribute registers it; the
registries (``_parameters``, ``_buffers``, ``_modules``) drive ``parameters()``, ``state_dict()``, ``to()``
and ``repr``. Calling a module runs forward (with hooks when there are any); an exception raised inside
gets a note naming the module path, e.g. ``features.3 (Conv2d(32, 64, kernel_size=(3, 3)))``.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
import itertools
import types
import warnings

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap
from ._hooks import (RemovableHandle, _BackwardHook, _Both, _add_hook, _global_forward_hooks,  # noqa: F401
                     _global_forward_hooks_always_called, _global_forward_hooks_with_kwargs,
                     _global_forward_pre_hooks, register_module_forward_hook, register_module_forward_pre_hook)
from .parameter import Buffer, Parameter

_MISSING = object()


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
    # full backward (pre) hooks: an instance dict is made by the first registration
    _backward_hooks = types.MappingProxyType({})
    _backward_pre_hooks = types.MappingProxyType({})
    _forward_hooks_always_called = types.MappingProxyType({})
    _load_state_dict_post_hooks = types.MappingProxyType({})
    _state_dict_pre_hooks = types.MappingProxyType({})

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
        if (self._forward_hooks or self._forward_pre_hooks or _global_forward_hooks or _global_forward_pre_hooks
                or self._backward_hooks or self._backward_pre_hooks):
            return self._call_with_hooks(args, kwargs)
        try:
            return self.forward(*args, **kwargs)
        except Exception as e:
            _annotate(e, self)
            raise

    def _call_with_hooks(self, args, kwargs):
        called = set()     # forward hooks already run (an always_call hook runs once, even on error)
        out = None
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
            bw = None
            if (self._backward_hooks or self._backward_pre_hooks) and grad_mode.enabled:
                bw = _BackwardHook(self, len(args))
                args = bw.setup_input(args)
            out = self.forward(*args, **kwargs)
            for hid, hook in itertools.chain(_global_forward_hooks.items(), self._forward_hooks.items()):
                called.add(hid)
                if hid in self._forward_hooks_with_kwargs or hid in _global_forward_hooks_with_kwargs:
                    r = hook(self, args, kwargs, out)
                else:
                    r = hook(self, args, out)
                if r is not None:
                    out = r
            if bw is not None:
                out = bw.setup_output(out)
            return out
        except Exception as e:
            for hid in itertools.chain(_global_forward_hooks_always_called, self._forward_hooks_always_called):
                hook = self._forward_hooks.get(hid) or _global_forward_hooks.get(hid)
                if hook is None or hid in called:
                    continue
                try:
                    if hid in self._forward_hooks_with_kwargs or hid in _global_forward_hooks_with_kwargs:
                        hook(self, args, kwargs, out)
                    else:
                        hook(self, args, out)
                except Exception as hook_exc:
                    warnings.warn("forward hook with ``always_call=True`` raised an exception that was silenced "
                                  f"as another error was raised in forward: {hook_exc}")
            _annotate(e, self)
            raise

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args) -> None or new args`` (``with_kwargs``: ``hook(module, args, kwargs)``)."""
        return _add_hook(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output) -> None or new output`` (``with_kwargs``: ``hook(module, args,
        kwargs, output)``); ``always_call=True`` runs it even when forward raises (output None)."""
        if not always_call:
            return _add_hook(self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend, with_kwargs)
        always = self._own_hooks("_forward_hooks_always_called")
        handle = _add_hook(self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend, with_kwargs)
        always[handle.id] = True
        handle.extra = _Both(self._forward_hooks_with_kwargs, always)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output) -> None or new grad_input`` runs when the gradients
        with respect to the module's positional inputs are computed (tuples; None for non-tensors and
        inputs that need no grad). Returns a handle whose ``remove()`` unregisters it."""
        return _add_hook(self._own_hooks("_backward_hooks"), {}, hook, prepend, False)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output) -> None or new grad_output`` runs when the gradients with respect
        to the module's outputs are computed, before they flow into the module."""
        return _add_hook(self._own_hooks("_backward_pre_hooks"), {}, hook, prepend, False)

    def _own_hooks(self, name):
        d = self.__dict__
        if name not in d:
            d[name] = OrderedDict()
        return d[name]

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
            self._forget(name, keep="_modules")   # a replaced child keeps its place in the order
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
            self._forget(name, keep="_buffers")
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

    def _forget(self, name, keep=None):
        """Drop ``name`` from the instance dict and from every registry but ``keep``."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep:
                d[key].pop(name, None)
        if keep != "_buffers":
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

    def set_submodule(self, target, module, strict=False):
        """Replace (or, unless ``strict``, add) the submodule at dotted path ``target``."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        if strict and name not in parent._modules:
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if name not in parent._modules and hasattr(parent, name):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if mod._parameters.get(name) is None:
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
        """Set training mode here and, through each child's own ``train`` (which subclasses may
        override, e.g. to keep a BatchNorm frozen), in every submodule."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.__dict__["training"] = mode
        for m in self.children():
            m.train(mode)
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
                continue
            g = p.grad        # zeroed in place (keeps its identity, +0.0 everywhere), as in PyTorch
            if g.grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            g.zero_()

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on ``self``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply(self, fn, recurse=True):
        """Convert every parameter and buffer in place with ``fn(tensor) -> tensor`` (keeps identities).
        Children convert through their own ``_apply`` (subclasses may override it, as in PyTorch)."""
        if recurse:
            for m in self.children():
                m._apply(fn)
        for reg in (self._parameters, self._buffers):
            for k, t in reg.items():
                if t is None:
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

    def to_empty(self, *, device=None, recurse=True):
        """Replace every parameter and buffer with uninitialised storage on ``device`` (same shapes and
        dtypes); the module is then re-initialised by the caller (``reset_parameters()`` or a state dict)."""
        from ..ops.creation import empty_like
        if not recurse:
            raise NotImplementedError("to_empty(recurse=False) is not supported; use recurse=True")
        return self._apply(lambda t: empty_like(t, device=device))

    def share_memory(self):
        """Accepted for compatibility: storage is process-local here (no torch.multiprocessing)."""
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cpu(self):
        return self.to("cpu")

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    # ---- state dict -----------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def get_extra_state(self):
        """Override (with ``set_extra_state``) to save non-tensor state under ``<prefix>_extra_state``."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. Please "
                           "file an issue if you see this error.")

    def set_extra_state(self, state):
        """Restore what ``get_extra_state`` returned."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. Please "
                           "file an issue if you see this error.")

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
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            r = hook(self, destination, prefix, local_metadata)
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
        if type(self).set_extra_state is not Module.set_extra_state:
            key = prefix + "_extra_state"
            if key in state_dict:
                self.set_extra_state(state_dict[key])
            elif strict:
                missing_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict``; returns the keys that did not match.

        The report has ``missing_keys``, ``unexpected_keys`` and ``mismatched_keys`` (key, checkpoint
        shape, model shape). With ``strict=True`` (default) any of them raises a RuntimeError listing all;
        with ``strict=False`` shape-mismatched entries are skipped and reported (PyTorch raises on those).
        """
        if not isinstance(state_dict, Mapping):
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
        expected = OrderedDict()      # the keys state_dict() would save (without running its hooks)
        for name, m in self.named_modules(remove_duplicate=False):
            m._save_to_state_dict(expected, name + "." if name else "", True)
        unexpected.extend(k for k in state_dict if k not in expected)
        report = _IncompatibleKeys(missing, unexpected)
        report.mismatched_keys = mismatched
        for m in _post_order(self):
            for hook in m._load_state_dict_post_hooks.values():
                if hook(m, report) is not None:
                    raise RuntimeError("load_state_dict post hooks should return None")
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
        return report

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` runs before this module loads its entries; it may edit ``state_dict``."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """PyTorch's private form: without ``with_module`` the hook gets no module argument."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = (lambda *a: hook(self, *a)) if with_module else hook
        return handle

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` runs after ``load_state_dict``; it may edit the
        ``missing_keys``/``unexpected_keys`` lists in place (before ``strict`` checks them)."""
        handle = RemovableHandle(self._own_hooks("_load_state_dict_post_hooks"))
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` runs before ``state_dict`` saves this module."""
        handle = RemovableHandle(self._own_hooks("_state_dict_pre_hooks"))
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` runs after this module's entries are saved."""
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    _register_state_dict_hook = register_state_dict_post_hook

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


def _post_order(module):
    """Every submodule once, children before their parent (the order PyTorch runs load post hooks)."""
    seen = set()

    def walk(m):
        if id(m) in seen:
            return
        seen.add(id(m))
        for c in m._modules.values():
            if c is not None:
                yield from walk(c)
        yield m
    yield from walk(module)


def _size(shape):
    return f"zoo_core.Size([{', '.join(str(s) for s in shape)}])"
