"""``Optimizer``: the base class of optimizers, with PyTorch's parameter groups, state and state dicts.

Subclasses implement ``step``. Their update math runs on the raw arrays (``p._data``) in place: it is the
hot loop of training, it records no graph, and it runs unchanged on numpy and CuPy. Helpers shared by the
optimizers (state creation, in-place lerp, scalar conversion) live at the bottom of this file.
"""
from collections import OrderedDict, defaultdict
from copy import deepcopy
import functools
from itertools import chain
import warnings

import numpy as np

from .. import _backend, _dtype
from .._backend import writeable
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook", "required"]

_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


class _RequiredParameter:
    """Marks a hyperparameter that every parameter group must give (``optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _handle(hooks, hook, prepend=False):
    from ..nn.module import RemovableHandle
    h = RemovableHandle(hooks)
    hooks[h.id] = hook
    if prepend:
        hooks.move_to_end(h.id, last=False)
    return h


def register_optimizer_step_pre_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs before every optimizer's ``step``; may return new
    ``(args, kwargs)``. Returns a handle whose ``remove()`` unregisters it."""
    return _handle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs after every optimizer's ``step``."""
    return _handle(_global_step_post_hooks, hook)


def _hooked(step):
    """Wrap a subclass's ``step`` so that step hooks run around it (once, even through ``super().step()``)."""
    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        if self._in_step or not (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks
                                 or _global_step_pre_hooks or _global_step_post_hooks):
            return step(self, *args, **kwargs)
        self._in_step = True
        try:
            for hook in chain(_global_step_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {r}.")
                    args, kwargs = r
            out = step(self, *args, **kwargs)
            for hook in chain(self._optimizer_step_post_hooks.values(), _global_step_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        finally:
            self._in_step = False
    hooked_step._hooked = True
    return hooked_step


class Optimizer:
    """Base class for optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter groups: a
            ``"params"`` entry plus options that override ``defaults`` for that group).
        defaults: the default value of each hyperparameter.

    Example::

        >>> opt = optim.SGD([{"params": model.base.parameters()},   # doctest: +SKIP
        ...                  {"params": model.head.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()   # doctest: +SKIP
    """
    _in_step = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {_typename(params)}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ---- parameter groups -----------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``"params"`` and optional per-group options), e.g. to train
        layers that were frozen so far."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        ids = {id(p) for p in tensors}
        if len(ids) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- stepping -------------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients: set them to None (default), or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                if writeable(g._data):
                    g._data.fill(0)
                    _bump(g)
                else:
                    g.zero_()

    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _closure_loss(self, closure):
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    def _with_grads(self, group):
        """``(param, data, grad data, array module, state)`` for every parameter of ``group`` that has a
        gradient: the start of every optimizer's update loop."""
        from .. import _backend
        state = self.state
        for p in group["params"]:
            if p.grad is None:
                continue
            d = p._data
            yield p, d, p.grad._data, _backend.array_module(d), state[p]

    # ---- hooks ----------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` before ``step``; may return new ``(args, kwargs)``."""
        return _handle(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` after ``step``."""
        return _handle(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer)`` before ``state_dict()`` builds the dict."""
        return _handle(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict)`` after; may return a replacement dict."""
        return _handle(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict)`` before loading; may return a replacement dict."""
        return _handle(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer)`` after loading."""
        return _handle(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state dicts ----------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer state as PyTorch lays it out: ``{"state": {0: {...}, ...}, "param_groups":
        [{"lr": ..., "params": [0, 1, ...]}, ...]}``, parameters replaced by their index in group order.

        Like PyTorch, the state tensors are the live ones (not copies).
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping = {}
        start = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": packed_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()`` (ours or PyTorch's layout). Tensors are copied, floating
        state cast to its parameter's dtype and device (``step`` kept as saved)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        special = {}   # saved param id -> True when its group is fused/capturable (step lives on device)
        for g in state_dict["param_groups"]:
            for i in g["params"]:
                special.setdefault(i, bool(g.get("fused") or g.get("capturable")))

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, v, special.get(k, False), None)
            else:
                state[k] = v
        param_groups = []
        for g, ng in zip(groups, saved_groups):
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            param_groups.append(ng)
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _cast_state(param, value, special, key):
    """A copy of a saved state value with its tensors moved to ``param``'s device (and floating dtype)."""
    if isinstance(value, Tensor):
        if key == "step":
            if special:
                return _copy_to(value, param.device, _dtype.float32)
            return _copy_to(value, None, None)
        dt = param.dtype if param.is_floating_point() else None
        return _copy_to(value, param.device, dt)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, special, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, special, None) for v in value)
    return deepcopy(value)


def _copy_to(t, device, dtype):
    out = t.detach().to(device=device, dtype=dtype) if (device is not None or dtype is not None) else t
    if out is t or out._data is t._data:
        out = _wrap(out._data.copy())
    else:
        out = _wrap(out._data)
    return out


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "") or ""
    name = type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


# ---- helpers for the update loops ---------------------------------------------------------------
def _bump(t):
    """Bump the version counter after writing a tensor's storage (autograd's in-place check)."""
    b = t._base
    if b is None:
        t._ver += 1
    else:
        b._ver += 1


def _zeros_like(arr):
    """A zero array shaped like ``arr`` on its device (state buffers)."""
    xp = _backend.array_module(arr)
    if xp is np:
        return _wrap(np.zeros_like(arr))
    with arr.device:
        return _wrap(xp.zeros_like(arr))


def _step_tensor(value=0.0, device_arr=None):
    """The ``step`` counter: a 0-d float32 tensor on the CPU, as PyTorch (float64 under a float64
    default dtype); on the parameter's device for ``capturable``/``fused`` groups."""
    dt = np.float64 if _dtype.get_default_dtype().np == np.float64 and device_arr is None else np.float32
    arr = np.array(value, dtype=dt)
    if device_arr is not None and _backend.array_module(device_arr) is not np:
        xp = _backend.array_module(device_arr)
        with device_arr.device:
            arr = xp.asarray(arr)
    return _wrap(arr)


def _fix_steps(optimizer, device_step=lambda group: False):
    """After loading an old checkpoint: turn Python-number ``step`` entries into step tensors."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            if st and "step" in st and not isinstance(st["step"], Tensor):
                st["step"] = _step_tensor(float(st["step"]), p._data if device_step(group) else None)


def _regularized(g, d, maximize, wd, lr=0.0, decoupled=False):
    """The gradient an update uses: negated for ``maximize``, plus L2 weight decay ``wd * d``; with
    ``decoupled`` (AdamW-style) the decay shrinks the parameter ``d`` in place instead."""
    if maximize:
        g = -g
    if wd != 0:
        if decoupled:
            d *= 1.0 - lr * wd
        else:
            g = g + wd * d
    return g


def _check_nonnegative(*labelled):
    """PyTorch's error for a negative (or NaN) hyperparameter: ``_check_nonnegative(("learning rate", lr))``
    raises ``ValueError("Invalid learning rate: -1")``; checked in the order given."""
    for label, value in labelled:
        if not 0.0 <= value:
            raise ValueError(f"Invalid {label}: {value}")


def _check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _set_group_defaults(optimizer, **defaults):
    """Fill options that older pickles/state dicts lack into every param group (``__setstate__``)."""
    for group in optimizer.param_groups:
        for key, value in defaults.items():
            group.setdefault(key, value)


def _scalar(x):
    """A hyperparameter as a Python float (weak in numpy 2 promotion, so float32 math stays float32)."""
    return x if type(x) is float else float(x)


def _lerp_(acc, end, weight, tmp):
    """``acc.lerp_(end, weight)`` on arrays, with PyTorch's formula (exact at both ends); ``tmp`` is scratch."""
    xp = _backend.array_module(acc)
    xp.subtract(end, acc, out=tmp)
    if weight < 0.5:
        tmp *= weight
        acc += tmp
    else:
        tmp *= 1.0 - weight
        xp.subtract(end, tmp, out=acc)


def _check_differentiable(differentiable):
    if differentiable:
        raise NotImplementedError(
            "differentiable=True is not supported: zoo optimizers update the raw arrays in place and record "
            "no graph; compute a differentiable update with tensor ops instead")
