"""Function transforms (``torch.func``): ``functional_call``, ``grad``, ``vmap``, ``jacrev``...

They are built on the same define-by-run engine as everything else: ``grad`` differentiates with
``autograd.grad(create_graph=True)`` (so transforms nest: ``grad(grad(f))``), ``vmap`` runs the function
once per batch element and stacks the results (the semantics of PyTorch's vmap, without its
batching-rule speedup; random ops draw different numbers per element, as ``randomness="different"``).

Example::

    >>> from zoo_core.func import grad, vmap
    >>> grad(lambda x: (x ** 3).sum())(zoo_core.tensor([1., 2.]))
    tensor([ 3., 12.])
    >>> vmap(lambda v: v.dot(v))(zoo_core.tensor([[1., 2.], [3., 4.]]))
    tensor([ 5., 25.])
"""
import contextlib

from .autograd import grad_mode
from .autograd import grad as _autograd_grad

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jacrev", "jacfwd", "hessian", "vmap"]


# ---- functional_call ------------------------------------------------------------------------------
@contextlib.contextmanager
def _swapped(module, tensors, strict):
    """Temporarily make ``module``'s parameters/buffers the given tensors (dotted names)."""
    saved = []
    known = set(dict(module.named_parameters(remove_duplicate=False)))
    known |= set(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing, unexpected = sorted(known - set(tensors)), sorted(set(tensors) - known)
        if missing or unexpected:
            raise RuntimeError(f"functional_call: strict mode: missing keys {missing}, unexpected keys "
                               f"{unexpected}")
    try:
        for name, value in tensors.items():
            *path, leaf = name.split(".")
            mod = module
            for p in path:
                mod = getattr(mod, p)
            reg = "_parameters" if leaf in mod._parameters else "_buffers" if leaf in mod._buffers else None
            if reg is None:
                if name not in known:
                    raise AttributeError(f"functional_call: {type(module).__name__} has no parameter or "
                                         f"buffer named {name!r}")
                continue
            saved.append((getattr(mod, reg), leaf, getattr(mod, reg)[leaf]))
            getattr(mod, reg)[leaf] = value
        yield
    finally:
        for reg, leaf, old in reversed(saved):
            reg[leaf] = old


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True,
                    strict=False):
    """Call ``module`` with its parameters and buffers replaced by the tensors in the dict(s)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            clash = set(merged) & set(d)
            if clash:
                raise ValueError(f"functional_call: {sorted(clash)} appeared in multiple dictionaries")
            merged.update(d)
        dicts = merged
    args = args if isinstance(args, tuple) else (args,)
    with _swapped(module, dict(dicts), strict):
        return module(*args, **(kwargs or {}))


# ---- grad and friends -----------------------------------------------------------------------------
def _argnums(argnums, n, fn):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"{fn}: Got argnums={argnums}, but only {n} positional inputs")
    return nums, isinstance(argnums, int)


def _track(x):
    # keep the caller's graph (so transforms nest), else start a fresh leaf
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def _nested(*trees):
    """Whether an input already requires grad (an outer transform or graph): results keep their graph
    only then, as in PyTorch, so a top-level ``grad(f)(x)`` returns plain tensors."""
    return any(getattr(x, "requires_grad", False) for t in trees for x in _leaves(t))


def _plain(tree, keep):
    return tree if keep else _tree_map(lambda t: t.detach() if hasattr(t, "detach") else t, tree)


def _tree_map(fn, tree):
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [x for t in tree for x in _leaves(t)]
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _leaves(v)]
    return [tree]


def _rebuild(tree, it):
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(t, it) for t in tree)
    if isinstance(tree, dict):
        return {k: _rebuild(v, it) for k, v in tree.items()}
    return next(it)


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning ``(gradient, value)`` of scalar ``func`` w.r.t. ``args[argnums]`` (tensors
    or nested tuples/lists/dicts of tensors)."""
    def wrapper(*args, **kwargs):
        from .ops.creation import zeros_like
        nums, single = _argnums(argnums, len(args), "grad_and_value")
        keep = _nested(args, kwargs)
        with grad_mode.enable_grad():
            args = list(args)
            for a in nums:
                args[a] = _tree_map(_track, args[a])
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                out, aux = out
            if not hasattr(out, "numel"):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.numel() != 1:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                                   f"got tensor with {out.dim()} dims. Maybe you wanted to use the vjp or "
                                   "jacrev APIs instead?")
            leaves = [x for a in nums for x in _leaves(args[a])]
            gs = _autograd_grad(out, leaves, create_graph=True, allow_unused=True)
            gs = iter([zeros_like(x) if g is None else g for g, x in zip(gs, leaves)])
            grads = tuple(_rebuild(args[a], gs) for a in nums)
        result = _plain(grads[0] if single else grads, keep)
        out, aux = _plain(out, keep), _plain(aux, keep)
        return (result, (out, aux)) if has_aux else (result, out)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of scalar ``func`` w.r.t. ``args[argnums]`` as a function (``torch.func.grad``)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)`` where ``vjp_fn(cotangents)`` returns one gradient per primal."""
    from .ops.creation import zeros_like
    keep = _nested(primals)
    with grad_mode.enable_grad():
        tracked = [_tree_map(_track, p) for p in primals]
        out = func(*tracked)
        aux = None
        if has_aux:
            out, aux = out
    leaves = [x for p in tracked for x in _leaves(p)]
    outs = _leaves(out)

    def vjp_fn(cotangents):
        cts = _leaves(cotangents)
        if len(cts) != len(outs):
            raise RuntimeError(f"vjp_fn: expected {len(outs)} cotangents (one per output), got {len(cts)}")
        with grad_mode.enable_grad():
            gs = _autograd_grad(outs, leaves, cts, retain_graph=True, create_graph=True, allow_unused=True)
        it = iter([zeros_like(x) if g is None else g for g, x in zip(gs, leaves)])
        return _plain(tuple(_rebuild(p, it) for p in tracked), keep or _nested(cotangents))
    shown = _plain(out, keep)
    return (shown, vjp_fn, _plain(aux, keep)) if has_aux else (shown, vjp_fn)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The Jacobian of ``func`` w.r.t. ``args[argnums]``: ``output.shape + input.shape``."""
    def wrapper(*args, **kwargs):
        from .ops.creation import zeros_like
        from .ops.join import stack
        nums, single = _argnums(argnums, len(args), "jacrev")
        keep = _nested(args, kwargs)
        with grad_mode.enable_grad():
            args = list(args)
            for a in nums:
                args[a] = _tree_map(_track, args[a])
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                out, aux = out
            xs = [x for a in nums for x in _leaves(args[a])]
            outs = _leaves(out)
            flat = [o.reshape(-1) for o in outs]
            jac_out = []
            for o, f in zip(outs, flat):
                rows = []
                for k in range(f.shape[0]):
                    cot = zeros_like(f)
                    cot[k] = 1
                    gs = _autograd_grad(f, xs, cot, retain_graph=True, create_graph=True, allow_unused=True)
                    rows.append([zeros_like(x) if g is None else g for g, x in zip(gs, xs)])
                js = iter([(stack([r[i] for r in rows]) if rows else zeros_like(x).reshape((0,) + x.shape))
                           .reshape(tuple(o.shape) + tuple(x.shape)) for i, x in enumerate(xs)])
                per_arg = tuple(_rebuild(args[a], js) for a in nums)
                jac_out.append(per_arg[0] if single else per_arg)
            jacs = _rebuild(out, iter(jac_out))
        result = _plain(jacs, keep)
        return (result, _plain(aux, keep)) if has_aux else result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """``jacrev``'s result (computed in reverse mode here; the values are the same)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """The Hessian of scalar ``func``: ``jacrev(jacrev(func))``."""
    return jacrev(jacrev(func, argnums), argnums)


# ---- vmap -----------------------------------------------------------------------------------------
def _batch_size(args, in_dims):
    from .tensor import Tensor
    sizes = set()
    for a, d in zip(args, in_dims):
        for x, dd in zip(_leaves(a), _leaves(_broadcast_dims(d, a))):
            if dd is not None:
                if not isinstance(x, Tensor):
                    raise ValueError(f"vmap: in_dim={dd} given for an input of type {type(x).__name__}; "
                                     "use None for non-tensor inputs")
                sizes.add(x.shape[dd])
    if not sizes:
        raise ValueError("vmap: at least one input must be mapped over (every in_dim is None)")
    if len(sizes) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
                         f"sizes {sorted(sizes)} for the mapped dimension")
    return sizes.pop()


def _broadcast_dims(d, a):
    """Expand the (prefix) dims tree ``d`` to the structure of ``a``, as PyTorch's in_dims/out_dims."""
    if isinstance(d, (tuple, list)) and isinstance(a, (tuple, list)):
        if len(d) != len(a):
            raise ValueError(f"vmap: in_dims/out_dims {d} does not match the structure of the inputs/outputs "
                             f"(a {type(a).__name__} of {len(a)} entries)")
        return type(a)(_broadcast_dims(dd, aa) for dd, aa in zip(d, a))
    if isinstance(d, dict) and isinstance(a, dict):
        return {k: _broadcast_dims(d[k], v) for k, v in a.items()}
    if d is not None and not isinstance(d, int):
        raise ValueError(f"vmap: in_dims/out_dims must be int, None or a (nested) tuple matching the "
                         f"structure of the inputs/outputs, got {d!r}")
    return _tree_map(lambda _: d, a)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Map ``func`` over dimension ``in_dims`` of its inputs and stack the results at ``out_dims``."""
    def wrapper(*args, **kwargs):
        from .ops.join import stack
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims is a tuple of {len(dims)} entries but the function got "
                             f"{len(args)} positional inputs")
        n = _batch_size(args, dims)
        results = []
        for i in range(n):
            sliced = []
            for a, d in zip(args, dims):
                dd = _broadcast_dims(d, a)
                it = iter(_leaves(dd))
                sliced.append(_tree_map(lambda x: x if (k := next(it)) is None else x.select(k, i), a))
            results.append(func(*sliced, **kwargs))
        first = results[0]
        outs = _leaves(first)
        from .tensor import Tensor
        odims = _leaves(_broadcast_dims(out_dims, first))
        for o, od in zip(outs, odims):
            if od is not None and not isinstance(o, Tensor):
                raise ValueError(f"vmap({getattr(func, '__name__', 'func')}, ...): `func` must only return "
                                 f"Tensors, got type {type(o)}. Did you mean to set out_dims= to None for "
                                 "output?")
        stacked = [stack([_leaves(r)[j] for r in results], dim=od) if od is not None else outs[j]
                   for j, od in enumerate(odims)]
        return _rebuild(first, iter(stacked))
    return wrapper
