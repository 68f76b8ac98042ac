"""Zero-copy exchange with other array libraries through DLPack.

``from_dlpack(obj)`` wraps anything that exports DLPack (numpy and CuPy arrays, PyTorch/JAX tensors, or a
legacy ``"dltensor"`` capsule) without copying: CPU memory becomes a numpy array, CUDA memory a CuPy
array. ``Tensor.__dlpack__`` / ``__dlpack_device__`` delegate to the tensor's array, so
``torch.from_dlpack(t)`` and ``np.from_dlpack(t)`` share ``t``'s memory.

Example::

    >>> import numpy as np
    >>> a = np.arange(3.0)
    >>> t = zoo_core.from_dlpack(a)
    >>> a[0] = 7.0
    >>> t
    tensor([7., 1., 2.], dtype=zoo_core.float64)
"""
import ctypes

import numpy as np

from . import _backend, _dtype
from .tensor import Tensor, _wrap

# DLPack device types (dlpack.h, DLDeviceType)
_CPU, _CUDA, _CUDA_HOST, _CUDA_MANAGED = 1, 2, 3, 13


class _Capsule:
    """Gives a legacy capsule the ``__dlpack__`` protocol that ``np.from_dlpack`` / ``cupy.from_dlpack`` want."""

    def __init__(self, capsule, device):
        self.capsule, self.device = capsule, device

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return self.capsule

    def __dlpack_device__(self):
        return self.device


def _capsule_device(capsule):
    """The ``(device_type, device_id)`` of a legacy ``"dltensor"`` capsule, read from its DLTensor:
    ``DLManagedTensor`` starts with ``DLTensor {void *data; DLDevice device {int32 type; int32 id}; ...}``."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    is_valid = ctypes.pythonapi.PyCapsule_IsValid
    is_valid.restype, is_valid.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
    if not is_valid(capsule, b"dltensor"):
        raise BufferError("from_dlpack: the capsule is not an unconsumed 'dltensor' DLPack capsule "
                          "(a capsule can be imported once)")
    dev = (ctypes.c_int32 * 2).from_address(get(capsule, b"dltensor") + ctypes.sizeof(ctypes.c_void_p))
    return int(dev[0]), int(dev[1])


def from_dlpack(ext_tensor):
    """A Tensor sharing memory with ``ext_tensor`` (any DLPack exporter, or a legacy DLPack capsule).

    Example::

        >>> import torch
        >>> src = torch.arange(4)
        >>> t = zoo_core.from_dlpack(src)
        >>> src[0] = 9
        >>> t.tolist()
        [9, 1, 2, 3]
    """
    if isinstance(ext_tensor, Tensor):
        return _wrap(ext_tensor._data)
    if hasattr(ext_tensor, "__dlpack_device__"):
        obj = ext_tensor
        dev_type, dev_id = (int(x) for x in ext_tensor.__dlpack_device__())
    elif type(ext_tensor).__name__ == "PyCapsule":
        dev_type, dev_id = _capsule_device(ext_tensor)
        obj = _Capsule(ext_tensor, (dev_type, dev_id))
    else:
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, got "
                        f"{type(ext_tensor).__name__}")
    if dev_type in (_CPU, _CUDA_HOST):
        arr = np.from_dlpack(obj)
    elif dev_type in (_CUDA, _CUDA_MANAGED):
        cp = _backend.cupy()
        with cp.cuda.Device(dev_id):
            arr = cp.from_dlpack(obj)
    else:
        raise RuntimeError(f"from_dlpack: unsupported DLPack device type {dev_type} (zoo_core handles CPU "
                           "and CUDA memory)")
    if arr.dtype not in _dtype.BY_NP:
        raise TypeError(f"from_dlpack: unsupported dtype {arr.dtype}; zoo_core supports "
                        f"{', '.join(d.name for d in _dtype.ALL)}")
    return _wrap(arr)


def to_dlpack(tensor):
    """A legacy DLPack capsule of ``tensor`` (``torch.utils.dlpack.to_dlpack``); prefer passing the tensor
    itself to the consumer's ``from_dlpack``."""
    _check_export(tensor)
    return tensor._data.__dlpack__()


def _check_export(t):
    if t._rg:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")


def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor's memory as a DLPack capsule (the array's own ``__dlpack__``)."""
    _check_export(self)
    kwargs = {}   # pass only what the caller set: older numpy/CuPy accept fewer keywords
    if stream is not None:
        kwargs["stream"] = stream
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return self._data.__dlpack__(**kwargs)


def __dlpack_device__(self):
    """``(device_type, device_id)`` of this tensor's memory, as DLPack numbers it."""
    dev_type, dev_id = self._data.__dlpack_device__()
    return int(dev_type), int(dev_id)


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__

__all__ = ["from_dlpack", "to_dlpack"]
