"""Finite-difference checks of backward formulas (use float64 inputs).

``gradcheck`` compares the Jacobian that autograd computes (one vector-Jacobian product per output
element) with central differences; ``gradgradcheck`` runs the same check on the backward pass itself.
"""
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float_outputs(out):
    from ..tensor import Tensor
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _to_np(a):
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)


def _numerical_jacobian(func, inputs, index, eps):
    """d(outputs)/d(inputs[index]) by central differences: one (n_out_elems, n_in_elems) per output.

    ``func`` runs with grad mode as the caller has it: gradgradcheck's function differentiates inside."""
    x = inputs[index]
    arr = x._data
    n = arr.size
    cols = []
    for j in range(n):
        pos = np.unravel_index(j, arr.shape) if arr.ndim else ()
        orig = arr[pos].copy() if arr.ndim else arr.copy()
        arr[pos] = orig + eps
        plus = [_to_np(o._data).astype(np.float64).ravel().copy() for o in _float_outputs(func(*inputs))]
        arr[pos] = orig - eps
        minus = [_to_np(o._data).astype(np.float64).ravel().copy() for o in _float_outputs(func(*inputs))]
        arr[pos] = orig
        cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    n_out = len(cols[0]) if cols else len(_float_outputs(func(*inputs)))
    if not cols:
        return [np.zeros((o._data.size, 0)) for o in _float_outputs(func(*inputs))]
    return [np.stack([c[k] for c in cols], axis=1) for k in range(n_out)]


def _analytical_jacobian(func, inputs, diff_idx):
    """One vector-Jacobian product per output element: rows of the Jacobian."""
    from . import grad as autograd_grad
    from ..ops.creation import zeros_like
    outputs = _float_outputs(func(*inputs))
    diff_inputs = [inputs[i] for i in diff_idx]
    jacs = []   # jacs[k][i]: output k, input i
    for o in outputs:
        rows = [np.zeros((o._data.size, inputs[i]._data.size)) for i in diff_idx]
        if o._rg:
            for r in range(o._data.size):
                go = zeros_like(o)
                go._data.reshape(-1)[r] = 1
                grads = autograd_grad((o,), diff_inputs, (go,), retain_graph=True, allow_unused=True)
                for i, g in enumerate(grads):
                    if g is not None:
                        rows[i][r] = _to_np(g._data).astype(np.float64).ravel()
        jacs.append(rows)
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False, fast_mode=False,
              masked=None):
    """Check the gradients of ``func(*inputs)`` against finite differences; True when they match.

    Example::

        >>> x = zoo_core.randn(3, dtype=zoo_core.float64, requires_grad=True)
        >>> zoo_core.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision floating point.")
    analytical = _analytical_jacobian(func, inputs, diff_idx)
    for pos, i in enumerate(diff_idx):
        numerical = _numerical_jacobian(func, inputs, i, eps)
        if len(numerical) != len(analytical):
            if not raise_exception:
                return False
            raise GradcheckError(
                f"gradcheck: the function returned {len(analytical)} differentiable outputs with autograd but "
                f"{len(numerical)} when re-evaluated for finite differences")
        for k, (num, ana_rows) in enumerate(zip(numerical, analytical)):
            ana = ana_rows[pos]
            if num.shape != ana.shape or not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                diff = np.abs(ana - num).max() if num.shape == ana.shape else float("nan")
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i} (max abs diff {diff:.3g}),\n"
                    f"numerical:{num}\nanalytical:{ana}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  fast_mode=False, masked=False):
    """Check second derivatives: ``gradcheck`` applied to the backward pass of ``func``."""
    from . import grad as autograd_grad
    from ..tensor import Tensor, _wrap
    inputs = _as_tuple(inputs)
    n_in = len(inputs)
    outputs = _float_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = []
        for o in outputs:
            a = rng.standard_normal(o._data.shape)
            g = _wrap(a).to(o.device).to(o.dtype)
            g.requires_grad_(True)
            grad_outputs.append(g)
    grad_outputs = _as_tuple(grad_outputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg]

    def new_func(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _float_outputs(func(*ins)) if o._rg]
        grads = autograd_grad(outs, [ins[i] for i in diff_idx], gos[:len(outs)], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
