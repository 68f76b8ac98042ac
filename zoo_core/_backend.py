"""Array backends: numpy on ``cpu``, CuPy on ``cuda:N``.

Every op asks ``array_module(arr)`` once and runs the same code on both. CuPy is imported only when
a CUDA tensor is first made (``cupy()``), so ``import zoo_core`` stays light.
"""
import numpy as np

ndarray = np.ndarray
_cupy = None


def cupy():
    """Import CuPy on first use; raise a clear error when it is missing."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "CUDA tensors need CuPy: install it with `pip install zoo[cuda]` "
                f"(import failed: {e})") from None
        _cupy = cp
    return _cupy


def array_module(arr):
    """numpy for numpy arrays, cupy for CuPy arrays."""
    if type(arr) is ndarray:
        return np
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _cupy
    return np


def writeable(arr):
    """Whether writing into ``arr`` is safe: numpy marks broadcast views read-only; CuPy has no such
    flag, so an expanded array (a zero stride on a dimension of size > 1) counts as read-only."""
    if type(arr) is ndarray:
        return arr.flags.writeable
    return not any(st == 0 and sh > 1 for st, sh in zip(arr.strides, arr.shape))


def is_cuda_array(arr):
    return _cupy is not None and isinstance(arr, _cupy.ndarray)


class device:
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)``, ``device("cuda:1")``."""
    __slots__ = ("type", "index")

    def __new__(cls, type, index=None):
        if isinstance(type, device):
            return type
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string, an int or a device, got {type!r}")
        key = (type, index)
        cached = _DEVICES.get(key)
        if cached is not None:
            return cached
        t, i = type, index
        if ":" in t:
            if index is not None:
                raise ValueError(f"device: type {t!r} already has an index; got index={index} too")
            t, _, s = t.partition(":")
            if not s.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}")
            i = int(s)
        if t not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type!r}")
        if t == "cpu" and i not in (None, 0):
            raise RuntimeError(f"device: cpu has no index {i}")
        if t == "cpu":
            i = None
        self = object.__new__(cls)
        object.__setattr__(self, "type", t)
        object.__setattr__(self, "index", i)
        _DEVICES[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError("device is immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    # ``with device("cuda"):`` makes factory functions default to it, as in PyTorch 2
    def __enter__(self):
        _default_device.append(self)
        return self

    def __exit__(self, *exc):
        _default_device.pop()


_DEVICES = {}
CPU = device("cpu")
_default_device = [CPU]   # a stack: set_default_device replaces the bottom, ``with device`` pushes


def set_default_device(dev):
    """Make factory functions (``zeros``, ``randn``, ``tensor`` of Python data...) create tensors on
    ``dev`` when no ``device=`` is given; ``None`` restores cpu."""
    _default_device[0] = CPU if dev is None else device(dev)


def get_default_device():
    """The device factory functions use when no ``device=`` is given."""
    return resolve_device(None)


def default_device_for(arr):
    """Where ``tensor(data)`` puts data when no device is given: the default device once one is set (as
    PyTorch's device context does for every factory function), else where the data already is."""
    if _default_device[-1] is not CPU:
        return resolve_device(None)
    return device_of(arr)


def device_of(arr):
    """The ``device`` an array lives on."""
    if type(arr) is ndarray:
        return CPU
    if is_cuda_array(arr):
        return device("cuda", arr.device.id)
    return CPU


def resolve_device(dev):
    """A ``device`` for user input (None, str, int or device); ``cuda`` means the current CUDA device and
    None the default device (``set_default_device``, ``with device(...)``; cpu unless changed)."""
    if dev is None:
        dev = _default_device[-1]
        if dev is CPU:
            return CPU
    d = device(dev)
    if d.type == "cuda" and d.index is None:
        return device("cuda", cupy().cuda.runtime.getDevice())
    return d


def to_device(arr, dev):
    """Copy ``arr`` to device ``dev`` (a resolved ``device``); no copy when it is already there."""
    if dev.type == "cpu":
        if type(arr) is ndarray:
            return arr
        if is_cuda_array(arr):
            return arr.get()
        return np.asarray(arr)
    cp = cupy()
    if isinstance(arr, cp.ndarray) and arr.device.id == dev.index:
        return arr
    with cp.cuda.Device(dev.index):
        return cp.asarray(arr)


def xp_for(dev):
    """The array module of a resolved device."""
    return np if dev.type == "cpu" else cupy()
