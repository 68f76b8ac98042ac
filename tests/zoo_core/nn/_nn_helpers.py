"""Shared checks for the layer tests: run a zoo_core module and the equivalent torch module on the same
input with the same weights, and compare outputs, input gradients and parameter gradients."""
import numpy as np

import zoo_core


def to_numpy(t):
    return t.detach().numpy() if hasattr(t, "numpy") else np.asarray(t)


def copy_state(zmod, tmod):
    """Load ``tmod``'s parameters and buffers into ``zmod`` (the state_dict keys must agree)."""
    sd = {k: zoo_core.from_numpy(v.detach().cpu().numpy().copy()) for k, v in tmod.state_dict().items()}
    result = zmod.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys, result


def compare_layer(zmod, tmod, shape=None, *, x=None, dtype="float64", atol=1e-6, rtol=1e-5, grad=True,
                  copy=True, seed=0, call=None):
    """Forward (and backward, with the same random output gradient) of both modules on the same input.

    ``call(module, input)`` overrides how the module is called (default ``module(input)``).
    Returns the two outputs.
    """
    import torch
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.standard_normal(shape)
    x = np.asarray(x)
    if copy:
        copy_state(zmod, tmod)
    if dtype == "float64":
        zmod.double()
        tmod.double()
    if x.dtype.kind == "f":
        x = x.astype(dtype)
    floating = x.dtype.kind == "f"
    zx = zoo_core.from_numpy(x.copy())
    tx = torch.from_numpy(x.copy())
    if grad and floating:
        zx.requires_grad_(True)
        tx.requires_grad_(True)
    call = call or (lambda m, inp: m(inp))
    zo, to = call(zmod, zx), call(tmod, tx)
    zo1 = zo[0] if isinstance(zo, tuple) else zo
    to1 = to[0] if isinstance(to, tuple) else to
    assert tuple(zo1.shape) == tuple(to1.shape), (tuple(zo1.shape), tuple(to1.shape))
    np.testing.assert_allclose(to_numpy(zo1), to_numpy(to1), atol=atol, rtol=rtol, err_msg="forward")
    if isinstance(zo, tuple):
        for a, b in zip(zo[1:], to[1:]):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    if not grad or not to1.requires_grad:
        return zo, to
    go = rng.standard_normal(tuple(to1.shape)).astype(to_numpy(to1).dtype)
    zo1.backward(zoo_core.from_numpy(go.copy()))
    to1.backward(torch.from_numpy(go.copy()))
    if floating:
        np.testing.assert_allclose(to_numpy(zx.grad), tx.grad.numpy(), atol=atol, rtol=rtol, err_msg="input grad")
    tparams = dict(tmod.named_parameters())
    for name, p in zmod.named_parameters():
        tp = tparams[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(to_numpy(p.grad)), name
            continue
        tg = tp.grad.to_dense() if tp.grad.is_sparse else tp.grad   # Embedding(sparse=True): ours are dense
        np.testing.assert_allclose(to_numpy(p.grad), tg.numpy(), atol=atol, rtol=rtol, err_msg=f"grad {name}")
    return zo, to


def build(ctor):
    """``ctor(nn)`` for both libraries: (zoo_core module, torch module)."""
    import torch
    return ctor(zoo_core.nn), ctor(torch.nn)


def repr_matches(ctor):
    z, t = build(ctor)
    assert repr(z) == repr(t).replace("torch.", "zoo_core."), (repr(z), repr(t))
