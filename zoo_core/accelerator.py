"""``zoo_core.accelerator``: PyTorch's device-agnostic accelerator API (``torch.accelerator``), over CUDA.

Example::

    >>> dev = zoo_core.accelerator.current_accelerator() if zoo_core.accelerator.is_available() else "cpu"
    >>> zoo_core.ones(2, device=dev).device.type in ("cpu", "cuda")
    True
"""
from . import cuda as _cuda
from ._backend import device as _device


def is_available():
    """True when a CUDA device is usable (through CuPy)."""
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """``device('cuda')`` when zoo has an accelerator, else None (with ``check_available``, also None
    when no device is present)."""
    if check_available and not is_available():
        return None
    return _device("cuda") if _cuda.is_available() else None


def device_count():
    return _cuda.device_count()


def current_device_index():
    return _cuda.current_device()


def set_device_index(device):
    _cuda.set_device(device)


def synchronize(device=None):
    _cuda.synchronize(device)
