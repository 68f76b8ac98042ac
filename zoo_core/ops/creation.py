"""Tensor creation: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros``/``ones``/``full``/``empty`` (and
``_like``), ``arange``, ``linspace``, ``eye``. Every function takes ``dtype=``, ``device=`` and
``requires_grad=``."""
import numbers

import numpy as np

from .. import _backend, _dtype
from ..tensor import Tensor, _wrap


def _size(size, op):
    """Sizes given as ``f(2, 3)`` or ``f((2, 3))``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}(): size must be ints or a tuple of ints, got {size!r}") from None
    for s in size:
        if s < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _on(dev, make):
    """Run ``make(xp)`` with the array module (and CUDA device) of ``dev``."""
    if dev.type == "cpu":
        return make(np)
    cp = _backend.cupy()
    with cp.cuda.Device(dev.index):
        return make(cp)


def _finish(arr, requires_grad):
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _zeros_array(shape, np_dtype, dev):
    return _on(dev, lambda xp: xp.zeros(shape, dtype=np_dtype))


def _infer_dtype(arr, from_python):
    """PyTorch's inference: Python floats give the default dtype, ints int64; arrays keep theirs."""
    kind = arr.dtype.kind
    if kind == "f":
        return _dtype.get_default_dtype() if from_python else _dtype.to_dtype(arr.dtype)
    if kind in "iu":
        return _dtype.int64 if from_python else _dtype.to_dtype(arr.dtype)
    if kind == "b":
        return _dtype.bool
    if kind == "O":
        raise TypeError("tensor(): could not infer dtype from a ragged or non-numeric sequence")
    raise TypeError(f"tensor(): unsupported data type {arr.dtype} (complex and strings are not supported)")


def _to_array(data):
    """(array, came_from_python) for data that may nest Tensors, lists, numpy or CuPy arrays."""
    if isinstance(data, Tensor):
        return data._data, False
    if isinstance(data, np.ndarray) or _backend.is_cuda_array(data):
        return data, False
    if isinstance(data, np.generic):
        return np.asarray(data), False
    if isinstance(data, (list, tuple)):
        if any((isinstance(x, Tensor) and x.is_cuda) or _backend.is_cuda_array(x) for x in _flat(data)):
            cp = _backend.cupy()
            return cp.stack([cp.asarray(_to_array(x)[0]) for x in data]), False
        try:
            arr = np.array([x._data if isinstance(x, Tensor) else x for x in data]
                           if any(isinstance(x, Tensor) for x in data) else data)
        except ValueError as e:
            raise ValueError(f"tensor(): expected a regular (non-ragged) nested sequence: {e}") from None
        py = not any(isinstance(x, (Tensor, np.ndarray, np.generic)) for x in _flat(data))
        return arr, py
    if isinstance(data, numbers.Number):
        return np.asarray(data), True
    if hasattr(data, "__dlpack__"):
        from .. import dlpack
        return dlpack.from_dlpack(data)._data, False
    if hasattr(data, "__array__"):
        return np.asarray(data), False
    raise TypeError(f"tensor(): could not convert object of type {type(data).__name__} to a tensor")


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor that copies ``data`` (nested lists, numbers, arrays or tensors).

    Example::

        >>> zoo_core.tensor([[1, 2], [3, 4]], dtype=zoo_core.float32)
        tensor([[1., 2.],
                [3., 4.]])
    """
    arr, py = _to_array(data)
    dt = _infer_dtype(arr, py) if dtype is None else _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device) if device is not None else _backend.default_device_for(arr)
    arr = _backend.to_device(arr, dev)
    xp = _backend.array_module(arr)
    out = xp.array(arr, dtype=dt.np, copy=True)
    return _finish(out, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when dtype and device already match."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    arr, py = _to_array(data)
    dt = _infer_dtype(arr, py) if dtype is None else _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device) if device is not None else _backend.default_device_for(arr)
    arr = _backend.to_device(arr, dev)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return _wrap(arr)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(ndarray):
    """A tensor sharing memory with a numpy array (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype not in _dtype.BY_NP:
        raise TypeError(
            f"from_numpy(): can't convert np.ndarray of type {ndarray.dtype}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return _wrap(ndarray)


def _factory(name, fill):
    def make(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
             memory_format=None):
        shape = _size(size, name)
        dt = _dtype.to_dtype(dtype)
        dev = _backend.resolve_device(device)
        return _finish(_on(dev, lambda xp: fill(xp, shape, dt.np)), requires_grad)
    make.__name__ = name
    make.__doc__ = f"A tensor of the given size filled by ``{name}``; e.g. ``{name}(2, 3)``."
    return make


zeros = _factory("zeros", lambda xp, s, d: xp.zeros(s, dtype=d))
ones = _factory("ones", lambda xp, s, d: xp.ones(s, dtype=d))
empty = _factory("empty", lambda xp, s, d: xp.empty(s, dtype=d))


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value when not given)."""
    shape = _size((size,), "full")
    if dtype is None:
        dt = _dtype.result_type(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype
    else:
        dt = _dtype.to_dtype(dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dev = _backend.resolve_device(device)
    return _finish(_on(dev, lambda xp: xp.full(shape, fill_value, dtype=dt.np)), requires_grad)


def _like(fn):
    def make(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
        return fn(input._data.shape, dtype=input.dtype if dtype is None else dtype,
                  device=input.device if device is None else device, requires_grad=requires_grad)
    make.__name__ = fn.__name__ + "_like"
    make.__doc__ = f"``{fn.__name__}`` with the shape (and, by default, dtype and device) of ``input``."
    return make


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(input._data.shape, fill_value, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """``arange(5)``, ``arange(1, 4)``, ``arange(0, 1, 0.25)``: integers give int64, floats the default dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(
            f"arange(): upper bound and larger bound inconsistent with step sign (start={vals[0]}, "
            f"end={vals[1]}, step={vals[2]})")
    dt = _dtype.result_type(*vals) if dtype is None else _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    # computed as start + i*step in float64 then cast, like PyTorch, so 0.1-steps do not drift
    wide = np.float64 if dt.is_floating_point else np.int64
    return _finish(_on(dev, lambda xp: (vals[0] + xp.arange(n, dtype=wide) * vals[2]).astype(dt.np)),
                   requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dt = _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device)
    return _finish(_on(dev, lambda xp: xp.linspace(float(start), float(end), int(steps), dtype=np.float64)
                       .astype(dt.np)), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    dt = _dtype.to_dtype(dtype)
    return _finish(_on(_backend.resolve_device(device), lambda xp: xp.logspace(
        float(start), float(end), int(steps), base=base).astype(dt.np)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The ``n`` x ``m`` identity matrix."""
    dt = _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device)
    return _finish(_on(dev, lambda xp: xp.eye(n, n if m is None else m, dtype=dt.np)), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A 0-d tensor holding the number ``s`` (the default float dtype unless ``dtype`` is given)."""
    return full((), s, dtype=_dtype.get_default_dtype() if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Deprecated in PyTorch: like ``arange`` but ``end`` is included and the dtype is the default float."""
    if end is None:
        start, end = 0, start
    n = int(np.floor((end - start) / step)) + 1 if step != 0 else -1
    if n < 0:
        raise RuntimeError(f"range(): upper bound and larger bound inconsistent with step sign (start={start}, "
                           f"end={end}, step={step})")
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    return _finish(_on(_backend.resolve_device(device),
                       lambda xp: (start + xp.arange(n, dtype=np.float64) * step).astype(dt.np)), requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor with the given ``stride`` (in elements) over a buffer just large enough."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape ({len(size)} sizes, "
                           f"{len(stride)} strides)")
    dt = _dtype.to_dtype(dtype)
    extent = 1 + sum((n - 1) * st for n, st in zip(size, stride)) if all(size) else 0

    def make(xp):
        buf = xp.empty(extent, dtype=dt.np)
        return xp.lib.stride_tricks.as_strided(buf, size, tuple(st * buf.itemsize for st in stride))
    return _finish(_on(_backend.resolve_device(device), make), requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D CPU tensor sharing memory with an object that exposes the buffer protocol."""
    dt = _dtype.to_dtype(dtype)
    try:
        arr = np.frombuffer(buffer, dtype=dt.np, count=count, offset=offset)
    except (TypeError, ValueError) as e:
        raise ValueError(f"frombuffer: cannot read {count} elements of {dt} at offset {offset} from a "
                         f"{type(buffer).__name__} ({e})") from None
    return _finish(arr, requires_grad)
