"""A declarative harness for op tests.

An ``OpCase`` names an op, how to call it on a library (``fn(lib, *inputs)``, where ``lib`` is
``zoo_core`` or ``torch``: the same lambda runs on both), the input shapes, and optionally the expected
forward values. The checks then do the rest: ``check_forward`` (expected values), ``check_gradients``
(float64 ``gradcheck``, and ``gradgradcheck`` where twice differentiable, on any device) and
``check_torch`` (forward and backward against PyTorch, float32 and float64, contiguous and not) and
``check_device`` (on CUDA: forward and backward equal the CPU's, float32 and float64, contiguous and not;
``check_gradients`` runs it first on any device but the CPU).

Example::

    CASES = [OpCase("exp", lambda lib, x: lib.exp(x), [(2, 3)]),
             OpCase("add_bcast", lambda lib, x, y: x + y, [(2, 3), (3,)])]

    @pytest.mark.parametrize("case", CASES, ids=str)
    def test_gradients(case):
        check_gradients(case)
"""
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np


@dataclass
class OpCase:
    name: str                                  # test id
    fn: Callable                               # fn(lib, *inputs) -> Tensor or tuple of Tensors
    shapes: Sequence[tuple] = ()               # shapes of the random float inputs
    low: float = -2.0                          # random inputs are uniform in [low, high) ...
    high: float = 2.0
    avoid: Optional[Sequence[float]] = None    # ... nudged away (by >= 0.1) from these kink points
    arrays: Optional[Sequence[Any]] = None     # explicit inputs (numpy arrays or scalars) instead
    grad_inputs: Optional[Sequence[bool]] = None  # which inputs get requires_grad (default: all float)
    expected: Any = None                       # expected forward output (array-like or tuple of them)
    grad: bool = True                          # run gradcheck
    gradgrad: bool = True                      # run gradgradcheck (twice-differentiable ops)
    torch: bool = True                         # compare with PyTorch when it is installed
    noncontig: bool = True                     # also compare on non-contiguous inputs
    float32: bool = True                       # also compare in float32 with PyTorch
    atol: float = 1e-5                         # tolerances of the PyTorch comparison (float32 scaled)
    rtol: float = 1e-4
    seed: int = 0

    def __str__(self):
        return self.name


def _noncontig(a):
    """The same values in a non-contiguous layout."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        big = np.empty(a.shape[0] * 2, a.dtype)
        big[::2] = a
        return big[::2]
    t = np.ascontiguousarray(np.swapaxes(a, 0, -1))
    return np.swapaxes(t, 0, -1)


def _noncontig_on(t):
    """``_noncontig`` for a zoo_core tensor on any device (no grad yet)."""
    import zoo_core
    if t.ndim == 1:
        big = zoo_core.zeros(t.shape[0] * 2, dtype=t.dtype, device=t.device)
        big[::2] = t
        return big[::2]
    return t.transpose(0, -1).contiguous().transpose(0, -1)


def make_arrays(case):
    """The case's inputs as float64 numpy arrays (or the explicit arrays/scalars)."""
    if case.arrays is not None:
        return [np.array(a) if isinstance(a, (list, np.ndarray)) else a for a in case.arrays]
    rng = np.random.default_rng(case.seed)
    out = []
    for s in case.shapes:
        a = rng.uniform(case.low, case.high, size=s)
        if case.avoid:
            for k in case.avoid:
                close = np.abs(a - k) < 0.1
                a = np.where(close, k + np.where(a >= k, 0.1, -0.1) + 0.05 * np.sign(a - k + 1e-12), a)
        out.append(a)
    return out


def _to_lib(lib, arrays, dtype, device, grad_inputs, noncontig):
    is_torch = lib.__name__ == "torch"
    outs = []
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            outs.append(a)
            continue
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        if noncontig:
            a = _noncontig(a)
        t = lib.from_numpy(a.copy() if not noncontig else a) if is_torch else lib.from_numpy(a)
        if not is_torch and device != "cpu":
            t = t.to(device)
            if noncontig and a.ndim:   # .to() copies into a contiguous array: rebuild the layout there
                t = _noncontig_on(t)
        rg = a.dtype.kind == "f" if grad_inputs is None else grad_inputs[i]
        if rg:
            t.requires_grad_(True)
        outs.append(t)
    return outs


def _outputs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _np(t):
    d = t.detach()
    if hasattr(d, "array"):
        a = d.array
        return a.get() if not isinstance(a, np.ndarray) else a
    return d.cpu().numpy()


def check_forward(case, device="cpu"):
    """Forward values in float64 equal ``case.expected``."""
    import zoo_core
    if case.expected is None:
        return
    inputs = _to_lib(zoo_core, make_arrays(case), np.float64, device, case.grad_inputs, False)
    got = _outputs(case.fn(zoo_core, *inputs))
    want = case.expected if isinstance(case.expected, tuple) else (case.expected,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(_np(g), np.asarray(w), rtol=1e-6, atol=1e-8, err_msg=case.name)


def check_device(case, device):
    """The case on ``device`` matches the CPU: forward values, dtypes and shapes, and the gradients for one
    random output gradient; float64 contiguous and non-contiguous, and float32."""
    import zoo_core
    arrays = make_arrays(case)
    variants = [(np.float64, False)]
    if case.noncontig:
        variants.append((np.float64, True))
    if case.float32:
        variants.append((np.float32, False))
    for dtype, nc in variants:
        where = f"{case.name} on {device} ({np.dtype(dtype).name}{', non-contiguous' if nc else ''})"
        tol = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
        c_in = _to_lib(zoo_core, arrays, dtype, "cpu", case.grad_inputs, nc)
        d_in = _to_lib(zoo_core, arrays, dtype, device, case.grad_inputs, nc)
        zoo_core.manual_seed(case.seed)
        c_out = _outputs(case.fn(zoo_core, *c_in))
        zoo_core.manual_seed(case.seed)
        d_out = _outputs(case.fn(zoo_core, *d_in))
        assert len(c_out) == len(d_out), where
        for co, do in zip(c_out, d_out):
            if not isinstance(co, zoo_core.Tensor):
                assert co == do, where
                continue
            assert tuple(co.shape) == tuple(do.shape), f"{where}: shape {tuple(do.shape)} != {tuple(co.shape)}"
            assert co.dtype == do.dtype, f"{where}: dtype {do.dtype} != {co.dtype}"
            if co.device.type == "cpu" and do.device.type == "cpu":
                pass   # an output that lives on the host for both (e.g. PackedSequence batch sizes)
            else:
                assert do.device.type == zoo_core.device(device).type, f"{where}: output on {do.device}"
            np.testing.assert_allclose(_np(do), _np(co), err_msg=where, equal_nan=True, **tol)
        pairs = [(co, do) for co, do in zip(c_out, d_out)
                 if isinstance(co, zoo_core.Tensor) and co.requires_grad and do.requires_grad]
        if not pairs or not case.grad:
            continue
        rng = np.random.default_rng(1)
        gos = [rng.standard_normal(tuple(co.shape)).astype(_np(co).dtype) for co, _ in pairs]
        c_leaves = [x for x in c_in if getattr(x, "requires_grad", False)]
        d_leaves = [x for x in d_in if getattr(x, "requires_grad", False)]
        cg = zoo_core.autograd.grad([co for co, _ in pairs], c_leaves, [zoo_core.from_numpy(g) for g in gos],
                                    allow_unused=True)
        dg = zoo_core.autograd.grad([do for _, do in pairs], d_leaves,
                                    [zoo_core.from_numpy(g).to(do.device) for g, (_, do) in zip(gos, pairs)],
                                    allow_unused=True)
        for i, (a, b) in enumerate(zip(cg, dg)):
            assert (a is None) == (b is None), f"{where}: grad {i} is None on one device only"
            if a is not None:
                assert b.device.type == zoo_core.device(device).type, f"{where}: grad {i} on {b.device}"
                np.testing.assert_allclose(_np(b), _np(a), err_msg=f"{where}: grad of input {i}", **tol)


def check_gradients(case, device="cpu"):
    """float64 ``gradcheck`` (and ``gradgradcheck``) on the case's inputs; on another device than the CPU,
    first ``check_device`` (forward and gradients equal the CPU's)."""
    import zoo_core
    from zoo_core.autograd import gradcheck, gradgradcheck
    if device != "cpu":
        check_device(case, device)
    if not case.grad:
        return
    inputs = _to_lib(zoo_core, make_arrays(case), np.float64, device, case.grad_inputs, False)

    def f(*xs):
        return case.fn(zoo_core, *xs)
    assert gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3), case.name
    if case.gradgrad:
        assert gradgradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3), case.name


def check_torch(case):
    """Forward and backward match PyTorch (float64 and float32, contiguous and non-contiguous)."""
    import pytest
    torch = pytest.importorskip("torch")
    import zoo_core
    if not case.torch:
        return
    arrays = make_arrays(case)
    variants = [(np.float64, False)]
    if case.noncontig:
        variants.append((np.float64, True))
    if case.float32:
        variants.append((np.float32, False))
    for dtype, nc in variants:
        scale = 1 if dtype == np.float64 else 100
        z_in = _to_lib(zoo_core, arrays, dtype, "cpu", case.grad_inputs, nc)
        t_in = _to_lib(torch, arrays, dtype, "cpu", case.grad_inputs, nc)
        z_out = _outputs(case.fn(zoo_core, *z_in))
        t_out = _outputs(case.fn(torch, *t_in))
        assert len(z_out) == len(t_out), case.name
        where = f"{case.name} ({np.dtype(dtype).name}{', non-contiguous' if nc else ''})"
        for zo, to in zip(z_out, t_out):
            if not hasattr(to, "detach"):
                assert zo == to, where
                continue
            assert tuple(zo.shape) == tuple(to.shape), f"{where}: shape {tuple(zo.shape)} != {tuple(to.shape)}"
            assert str(zo.dtype).split(".")[-1] == str(to.dtype).split(".")[-1], \
                f"{where}: dtype {zo.dtype} != {to.dtype}"
            np.testing.assert_allclose(_np(zo), to.detach().numpy(), rtol=case.rtol * scale,
                                       atol=case.atol * scale, err_msg=where)
        diff = [(zo, to) for zo, to in zip(z_out, t_out)
                if hasattr(to, "requires_grad") and to.requires_grad and zo.requires_grad]
        if not diff or not case.grad:
            continue
        rng = np.random.default_rng(1)
        gos = [rng.standard_normal(tuple(to.shape)).astype(_np(zo).dtype) for zo, to in diff]
        z_leaves = [x for x in z_in if hasattr(x, "requires_grad") and x.requires_grad]
        t_leaves = [x for x in t_in if hasattr(x, "requires_grad") and x.requires_grad]
        zg = zoo_core.autograd.grad([zo for zo, _ in diff], z_leaves, [zoo_core.from_numpy(g) for g in gos],
                                    allow_unused=True)
        tg = torch.autograd.grad([to for _, to in diff], t_leaves, [torch.from_numpy(g) for g in gos],
                                 allow_unused=True)
        for i, (a, b) in enumerate(zip(zg, tg)):
            if b is None:
                assert a is None or not np.any(_np(a)), f"{where}: grad {i} should be zero"
                continue
            assert a is not None, f"{where}: grad of input {i} missing"
            np.testing.assert_allclose(_np(a), b.numpy(), rtol=case.rtol * scale, atol=case.atol * scale,
                                       err_msg=f"{where}: grad of input {i}")


def op_tests(cases):
    """The three standard tests of a list of cases, to assign in a test module::

        test_forward, test_gradients, test_matches_torch = op_tests(CASES)

    ``test_gradients`` takes the ``device`` fixture (tests/conftest.py), so it runs on every device."""
    import pytest
    parametrize = pytest.mark.parametrize("case", cases, ids=str)

    @parametrize
    def test_forward(case):
        check_forward(case)

    @parametrize
    def test_gradients(case, device):
        check_gradients(case, device)

    @parametrize
    def test_matches_torch(case):
        check_torch(case)
    return test_forward, test_gradients, test_matches_torch


def cuda_available():
    try:
        import zoo_core.cuda
        return zoo_core.cuda.is_available()
    except Exception:
        return False


__all__ = ["OpCase", "check_device", "check_forward", "check_gradients", "check_torch", "make_arrays",
           "cuda_available", "op_tests"]

