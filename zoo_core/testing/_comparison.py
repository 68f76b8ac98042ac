"""``torch.testing.assert_close`` and ``make_tensor`` for tests written against PyTorch.

``assert_close`` compares tensors, numbers, and sequences/mappings of them; tensors must agree in shape and
(by default) dtype and device, and values within ``atol + rtol * |expected|`` with PyTorch's default
tolerances per dtype. The failure message says how many elements differ and where the largest
differences are, as PyTorch's does.

Example::

    >>> assert_close(zoo_core.tensor([1.0, 2.0]), zoo_core.tensor([1.0, 2.0000001]))
    >>> assert_close({"a": [1, 2]}, {"a": [1, 2]})
"""
import math

import numpy as np

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# PyTorch's defaults: (rtol, atol) by dtype name
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


def _tensorish(x):
    from ..tensor import Tensor
    return isinstance(x, (Tensor, np.ndarray))


def _fail(msg, extra, path):
    where = f"\n\nThe failure occurred for item {path}" if path else ""
    raise AssertionError(extra(msg) if callable(extra) else (extra or msg + where))


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg, path):
    from ..tensor import Tensor
    a = actual if isinstance(actual, Tensor) else None
    e = expected if isinstance(expected, Tensor) else None
    if a is not None and e is not None:
        if tuple(a.shape) != tuple(e.shape):
            _fail(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.", msg, path)
        if check_device and a.device != e.device:
            _fail(f"The values for attribute 'device' do not match: {a.device} != {e.device}.", msg, path)
        if check_dtype and a.dtype != e.dtype:
            _fail(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.", msg, path)
        if check_stride and a.stride() != e.stride():
            _fail(f"The values for attribute 'stride()' do not match: {a.stride()} != {e.stride()}.", msg, path)
    av = a.detach().cpu().numpy() if a is not None else np.asarray(actual)
    ev = e.detach().cpu().numpy() if e is not None else np.asarray(expected)
    if av.shape != ev.shape:
        _fail(f"The values for attribute 'shape' do not match: {av.shape} != {ev.shape}.", msg, path)
    dtype_name = np.result_type(av.dtype, ev.dtype).name if not check_dtype else av.dtype.name
    if rtol is None:
        rtol, atol = _TOLERANCES.get(dtype_name, (0.0, 0.0))
    _compare_values(av, ev, rtol, atol, equal_nan, "Tensor-likes", msg, path)


def _compare_values(av, ev, rtol, atol, equal_nan, kind, msg, path):
    if av.dtype == bool or ev.dtype == bool:
        av, ev = av.astype(np.int64), ev.astype(np.int64)
    a64, e64 = av.astype(np.float64), ev.astype(np.float64)
    with np.errstate(all="ignore"):
        diff = np.abs(a64 - e64)
        # as torch.isclose: a non-finite difference (inf vs -inf, inf vs a number) is never close
        ok = (np.isfinite(diff) & (diff <= atol + rtol * np.abs(e64))) | (a64 == e64)
        if equal_nan:
            ok |= np.isnan(a64) & np.isnan(e64)
    if ok.all():
        return
    n_bad, total = int((~ok).sum()), ok.size
    with np.errstate(all="ignore"):
        d = np.where(ok, 0.0, np.nan_to_num(diff, nan=np.inf, posinf=np.inf))
        rel = np.where(ok, 0.0, np.nan_to_num(diff / np.abs(e64), nan=np.inf, posinf=np.inf))
    ia = np.unravel_index(int(np.argmax(d)), d.shape) if d.ndim else ()
    ir = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.ndim else ()
    verb = "equal" if rtol == 0 and atol == 0 else "close"
    if av.ndim == 0:   # 0-d tensors and numbers: PyTorch reports them as scalars
        e0, a0 = ev.item(), av.item()
        text = (f"Scalars are not {verb}!\n\nExpected {e0} but got {a0}.\n"
                f"Absolute difference: {float(d)} (up to {atol} allowed)\n"
                f"Relative difference: {float(rel)} (up to {rtol} allowed)")
    else:
        text = (f"{kind} are not {verb}!\n\nMismatched elements: {n_bad} / {total} "
                f"({100.0 * n_bad / total:.1f}%)\n"
                f"Greatest absolute difference: {float(d[ia])} at index {tuple(int(i) for i in ia)} "
                f"(up to {atol} allowed)\n"
                f"Greatest relative difference: {float(rel[ir])} at index {tuple(int(i) for i in ir)} "
                f"(up to {rtol} allowed)")
    _fail(text, msg, path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (see the module docstring)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    _assert(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg, "")


def _assert(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg, path):
    if _tensorish(actual) or _tensorish(expected):
        if not (_tensorish(actual) and _tensorish(expected)):
            raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                            f"{type(expected)}.")
        return _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
                                check_stride, msg, path)
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match:\nMissing keys: {sorted(set(expected) - set(actual))}\n"
                  f"Additional keys: {sorted(set(actual) - set(expected))}", msg, path)
        for k in expected:
            _assert(actual[k], expected[k], rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg,
                    f"{path}[{k!r}]")
        return
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", msg, path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert(a, e, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg, f"{path}[{i}]")
        return
    if isinstance(actual, (bool, int, float)) and isinstance(expected, (bool, int, float)):
        if check_dtype and type(actual) is not type(expected):
            _fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.", msg, path)
        r, a = (rtol, atol) if rtol is not None else (
            _TOLERANCES["float64"] if isinstance(actual, float) or isinstance(expected, float) else (0.0, 0.0))
        if math.isnan(actual) and math.isnan(expected) and equal_nan:
            return
        return _compare_values(np.asarray(actual), np.asarray(expected), r, a, equal_nan, "Scalars", msg, path)
    if actual != expected:
        _fail(f"Objects are not equal: {actual!r} != {expected!r}", msg, path)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """The deprecated spelling: like ``assert_close`` without dtype/device checks."""
    from ..ops.creation import as_tensor
    a = actual if _tensorish(actual) else as_tensor(actual)
    e = expected if _tensorish(expected) else as_tensor(expected)
    if rtol is None and atol is None:
        rtol, atol = _TOLERANCES.get(np.result_type(a.numpy().dtype, e.numpy().dtype).name, (0.0, 0.0))
    assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=False, check_dtype=False,
                 msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of random values in ``[low, high)`` (defaults by dtype, as PyTorch: floats in [-9, 9],
    integers in [-9, 10), bools either); ``noncontiguous`` gives a strided view of the same values."""
    from .. import _dtype, random
    from ..ops.creation import tensor
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = _dtype.to_dtype(dtype)
    kind = np.dtype(dt.np).kind
    if kind == "b":
        t = random.randint(0, 2, shape, device=device).to(dt)
    elif kind in "iu":
        lo = 0 if kind == "u" else (-9 if low is None else int(low))
        hi = 10 if high is None else int(high)
        lo = max(lo, 0) if kind == "u" else lo
        t = random.randint(lo, hi, shape, device=device, dtype=dt)
    else:
        lo, hi = (-9.0 if low is None else float(low)), (9.0 if high is None else float(high))
        if lo > hi:
            raise ValueError(f"make_tensor: low must be less than or equal to high, got low={lo}, high={hi}")
        t = (random.rand(shape, device=device, dtype=_dtype.float64) * (hi - lo) + lo).to(dt)
    if exclude_zero:
        repl = 1 if kind in "iub" else float(np.finfo(dt.np).tiny)
        t = t.masked_fill(t == 0, repl)
    if noncontiguous and t.numel() > 1:
        wide = tensor(np.repeat(t.cpu().numpy()[..., None], 2, axis=-1), device=t.device)
        t = wide[..., 0]
    if requires_grad:
        t.requires_grad_(True)
    return t
