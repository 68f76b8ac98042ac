"""Higher-level autograd (``torch.autograd.functional``): Jacobians, Hessians and their products.

Each function takes ``func`` and ``inputs`` (a Tensor or a tuple of Tensors) and differentiates ``func`` at
``inputs`` with the reverse-mode engine: a Jacobian is one backward pass per output element, a
Jacobian-vector product is the double-backward trick (the VJP of a VJP), a Hessian is the Jacobian of
the gradient. Results are detached unless ``create_graph=True``.

Example::

    >>> from zoo_core.autograd.functional import jacobian, hessian
    >>> jacobian(lambda x: x ** 2, zoo_core.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    >>> hessian(lambda x: (x ** 3).sum(), zoo_core.tensor([1., 2.]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""
from . import grad_mode
from . import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg, fn):
    from ..tensor import Tensor
    single = isinstance(x, Tensor)
    xs = (x,) if single else tuple(x)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: the {arg} must be a Tensor or a tuple of Tensors, but element {i} is a "
                            f"{type(t).__name__}")
    return single, xs


def _prepare(inputs, create_graph):
    # a fresh leaf (or, to differentiate through, a view keeping the caller's graph) that requires grad
    if create_graph:
        return tuple(t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True) for t in inputs)
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _finish(ts, create_graph):
    return tuple(t if t is None or create_graph else t.detach() for t in ts)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, fn, what):
    from ..ops.creation import zeros_like
    needs = [o for o in outputs if o.requires_grad]
    if not needs:
        got = [None] * len(inputs)
    else:
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
        got = _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                    create_graph=create_graph, allow_unused=True)
    out = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output of the user-provided function is independent of input "
                                   f"{i}. This is not allowed in strict mode ({what}).")
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def _check_v(v, like, fn):
    if len(v) != len(like):
        raise RuntimeError(f"{fn}: v has {len(v)} tensors but {len(like)} were expected")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{fn}: v[{i}] has shape {tuple(a.shape)} but the corresponding tensor has "
                               f"shape {tuple(b.shape)}")


def _call(func, inputs, fn):
    single, outs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    return single, outs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    in_single, inputs = _as_tuple(inputs, "inputs", "vjp")
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out_single, outs = _call(func, xs, "vjp")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("vjp: the vector v can only be None if the user-provided function returns "
                                   "a single Tensor with a single element")
            from ..ops.creation import ones_like
            v = (ones_like(outs[0]),)
        else:
            v = _as_tuple(v, "v", "vjp")[1]
            _check_v(v, outs, "vjp")
        res = _grads(outs, xs, v, create_graph, strict, "vjp", "vjp")
    outs = _finish(outs, create_graph)
    res = _finish(res, create_graph)
    return (outs[0] if out_single else outs), (res[0] if in_single else res)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by differentiating a VJP (double backward)."""
    from ..ops.creation import zeros_like
    in_single, inputs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("jvp: the vector v can only be None if the input to the user-provided function "
                               "is a single Tensor with a single element")
        from ..ops.creation import ones_like
        v = (ones_like(inputs[0]),)
    else:
        v = _as_tuple(v, "v", "jvp")[1]
        _check_v(v, inputs, "jvp")
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out_single, outs = _call(func, xs, "jvp")
        # u is a dummy cotangent: g(u) = u^T J is linear in u, so d(g(u) . v)/du = J v
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        g = _grads(outs, xs, us, True, strict, "jvp", "jvp")
        res = _grads(g, us, v, create_graph, strict, "jvp", "jvp (double backward)")
    outs = _finish(outs, create_graph)
    res = _finish(res, create_graph)
    return (outs[0] if out_single else outs), (res[0] if out_single else res)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``output.shape + input.shape`` per (output, input) pair.

    ``vectorize`` is accepted (rows are computed one backward pass each); ``strategy`` must be
    ``"reverse-mode"`` or ``"forward-mode"`` (both computed in reverse mode here).
    """
    from ..ops.creation import zeros_like
    from ..ops.join import stack
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'jacobian: expected strategy to be either "forward-mode" or "reverse-mode", '
                         f'got {strategy!r}')
    in_single, inputs = _as_tuple(inputs, "inputs", "jacobian")
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out_single, outs = _call(func, xs, "jacobian")
        jac = []
        for o in outs:
            flat = o.reshape(-1)
            rows = [[] for _ in xs]
            for k in range(flat.shape[0]):
                cot = zeros_like(flat)
                cot[k] = 1
                g = _grads((flat,), xs, (cot,), create_graph, strict, "jacobian",
                           f"output element {k}")
                for r, gi in zip(rows, g):
                    r.append(gi)
            per_input = []
            for r, x in zip(rows, xs):
                j = stack(r) if r else zeros_like(x).reshape((0,) + tuple(x.shape))
                per_input.append(j.reshape(tuple(o.shape) + tuple(x.shape)))
            jac.append(_finish(per_input, create_graph))
    if in_single:
        jac = [j[0] for j in jac]
    else:
        jac = [tuple(j) for j in jac]
    return jac[0] if out_single else tuple(jac)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: ``input.shape + input.shape`` (a tuple of tuples for
    several inputs)."""
    in_single, inputs = _as_tuple(inputs, "inputs", "hessian")

    def grad_fn(*xs):
        out_single, outs = _call(func, xs, "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single Tensor with a "
                               f"single element, got {len(outs)} tensors of shapes "
                               f"{[tuple(o.shape) for o in outs]}")
        g = _grads((outs[0].reshape(()),), xs, (None,), True, strict, "hessian", "gradient")
        return g[0] if in_single else g

    return jacobian(grad_fn, inputs[0] if in_single else inputs, create_graph=create_graph, strict=strict)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    in_single, inputs = _as_tuple(inputs, "inputs", "vhp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("vhp: the vector v can only be None if the input to the user-provided function "
                               "is a single Tensor with a single element")
        from ..ops.creation import ones_like
        v = (ones_like(inputs[0]),)
    else:
        v = _as_tuple(v, "v", "vhp")[1]
        _check_v(v, inputs, "vhp")
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        _, outs = _call(func, xs, "vhp")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("vhp: the function given to vhp should return a single Tensor with a single "
                               "element")
        g = _grads((outs[0].reshape(()),), xs, (None,), True, strict, "vhp", "gradient")
        res = _grads(g, xs, v, create_graph, strict, "vhp", "double backward")
    out = _finish(outs, create_graph)[0]
    res = _finish(res, create_graph)
    return out, (res[0] if in_single else res)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func`` (equal to ``vhp`` for the symmetric Hessian of a
    twice continuously differentiable function)."""
    return vhp(func, inputs, v, create_graph, strict)
