"""``zoo_core.cuda``: CUDA devices through CuPy, with PyTorch's ``torch.cuda`` names.

Importing this module does not import CuPy; the functions do, on first call. ``is_available()`` never
raises: it is False when CuPy is missing, fails to load, or finds no GPU. Seeding works without CuPy:
``manual_seed_all`` records the seed that the CUDA generators (created on first use) start from.

Several GPUs: tensors are created on the device they name (``device="cuda:1"``), but CuPy launches kernels
on the *current* device, so run the ops on ``cuda:1`` tensors inside ``with zoo_core.cuda.device(1):`` (or
after ``set_device(1)``), as in CuPy. Only single-GPU machines have been checked so far.

Example::

    >>> import zoo_core
    >>> dev = "cuda" if zoo_core.cuda.is_available() else "cpu"
    >>> zoo_core.cuda.manual_seed_all(0)   # safe without a GPU
"""
from .. import _backend
from .. import random as _random

_available = None


def is_available():
    """True when CuPy imports and at least one CUDA device is present (cached; never raises)."""
    global _available
    if _available is None:
        try:
            _available = _backend.cupy().cuda.runtime.getDeviceCount() > 0
        except Exception:   # CuPy missing, driver missing, no device: all mean "not available"
            _available = False
    return _available


def _require(op):
    if not is_available():
        raise RuntimeError(
            f"zoo_core.cuda.{op}: no CUDA device is available (CuPy is missing or finds no GPU); "
            "install it with `pip install zoo[cuda]` on a machine with an NVIDIA GPU")
    return _backend.cupy()


def _index(device, op):
    """A device index from None (the current device), an int, a string or a ``device``."""
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    d = _backend.device(device)
    if d.type != "cuda":
        raise ValueError(f"zoo_core.cuda.{op}: expected a cuda device, got {d}")
    return current_device() if d.index is None else d.index


def device_count():
    """The number of CUDA devices (0 without CuPy or a GPU)."""
    return _backend.cupy().cuda.runtime.getDeviceCount() if is_available() else 0


def current_device():
    """The index of the current CUDA device."""
    return _require("current_device").cuda.runtime.getDevice()


def set_device(device):
    """Make ``device`` (an index, ``"cuda:1"`` or a ``device``) the current CUDA device."""
    cp = _require("set_device")
    idx = _index(device, "set_device")
    if idx >= 0:   # PyTorch treats a negative index as a no-op
        cp.cuda.Device(idx).use()


def synchronize(device=None):
    """Wait for all work queued on ``device`` (default: the current one) to finish."""
    cp = _require("synchronize")
    cp.cuda.Device(_index(device, "synchronize")).synchronize()


def get_device_name(device=None):
    """The product name of a CUDA device, e.g. ``'NVIDIA H100 80GB HBM3'``."""
    cp = _require("get_device_name")
    name = cp.cuda.runtime.getDeviceProperties(_index(device, "get_device_name"))["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    """``(major, minor)`` compute capability of a CUDA device."""
    cp = _require("get_device_capability")
    props = cp.cuda.runtime.getDeviceProperties(_index(device, "get_device_capability"))
    return props["major"], props["minor"]


def is_bf16_supported(including_emulation=True):
    """False: zoo has no bfloat16 tensors (numpy has no bfloat16), whatever the GPU supports."""
    return False


def get_device_properties(device=None):
    """Name, compute capability, memory and multiprocessor count of a CUDA device."""
    cp = _require("get_device_properties")
    props = cp.cuda.runtime.getDeviceProperties(_index(device, "get_device_properties"))
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return _DeviceProperties(name, props["major"], props["minor"], props.get("totalGlobalMem", 0),
                             props.get("multiProcessorCount", 0))


class _DeviceProperties:
    def __init__(self, name, major, minor, total_memory, multi_processor_count):
        self.name, self.major, self.minor = name, major, minor
        self.total_memory, self.multi_processor_count = total_memory, multi_processor_count

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2 ** 20}MB, multi_processor_count={self.multi_processor_count})")


class device:
    """Context manager that makes a CUDA device current for the block (``torch.cuda.device``)."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device, "device")
        self.prev = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev = current_device()
            if self.prev != self.idx:
                set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev != self.idx:
            set_device(self.prev)
        return False


def empty_cache():
    """Return the cached blocks of CuPy's memory pools to the driver (a no-op before CuPy is loaded)."""
    cp = _backend._cupy
    if cp is None:
        return
    cp.get_default_memory_pool().free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes held by live arrays in CuPy's memory pool (of the current device)."""
    if _backend._cupy is None:
        return 0
    with _backend._cupy.cuda.Device(_index(device, "memory_allocated")):
        return _backend._cupy.get_default_memory_pool().used_bytes()


def memory_reserved(device=None):
    """Bytes CuPy's memory pool holds from the driver, cached blocks included."""
    if _backend._cupy is None:
        return 0
    with _backend._cupy.cuda.Device(_index(device, "memory_reserved")):
        return _backend._cupy.get_default_memory_pool().total_bytes()


# ---- random number generators ---------------------------------------------------------------------
def manual_seed(seed):
    """Seed the current CUDA device's generator (silently ignored without CUDA, as in PyTorch)."""
    seed = _random._check_seed(seed, "cuda.manual_seed")
    if is_available():
        _random._default_for(_backend.device("cuda", current_device())).manual_seed(seed)


def manual_seed_all(seed):
    """Seed the generators of all CUDA devices, also those not used yet (no CuPy import)."""
    _random._seed_cuda(_random._check_seed(seed, "cuda.manual_seed_all"))


def seed():
    """Seed the current CUDA device's generator from OS entropy."""
    manual_seed(_random._entropy_seed())


def seed_all():
    """Seed all CUDA generators from OS entropy."""
    manual_seed_all(_random._entropy_seed())


def initial_seed():
    """The seed of the current CUDA device's generator."""
    _require("initial_seed")
    return _random._default_for(_backend.device("cuda", current_device())).initial_seed()


def get_rng_state(device="cuda"):
    """The state of a CUDA device's generator, as a uint8 tensor on cpu."""
    _require("get_rng_state")
    return _random._default_for(_backend.device("cuda", _index(device, "get_rng_state"))).get_state()


def set_rng_state(new_state, device="cuda"):
    """Restore a CUDA device's generator from ``get_rng_state``."""
    _require("set_rng_state")
    _random._default_for(_backend.device("cuda", _index(device, "set_rng_state"))).set_state(new_state)


def get_rng_state_all():
    """The states of all CUDA devices' generators, one per device."""
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    """Restore every CUDA generator from ``get_rng_state_all``."""
    for i, s in enumerate(new_states):
        set_rng_state(s, i)


from .memory import (max_memory_allocated, max_memory_reserved, mem_get_info, memory_stats, memory_summary,
                     reset_max_memory_allocated, reset_peak_memory_stats, set_per_process_memory_fraction)
from .streams import Event, Stream, StreamContext, current_stream, default_stream, set_stream, stream


def is_initialized():
    """Whether CuPy has been loaded (Zoo initialises CUDA lazily, on the first CUDA tensor)."""
    return _backend._cupy is not None


def init():
    """Load CuPy now rather than on the first CUDA tensor."""
    _require("init")


def ipc_collect():
    """Nothing to collect: Zoo shares no CUDA memory between processes."""


__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "get_device_name",
           "get_device_capability", "device", "empty_cache", "memory_allocated", "memory_reserved",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
           "set_rng_state", "get_rng_state_all", "set_rng_state_all", "max_memory_allocated", "max_memory_reserved",
           "mem_get_info", "memory_stats", "memory_summary", "reset_max_memory_allocated", "reset_peak_memory_stats",
           "set_per_process_memory_fraction", "Event", "Stream", "StreamContext", "current_stream", "default_stream",
           "set_stream", "stream", "is_initialized", "init", "ipc_collect", "OutOfMemoryError"]


class _NoCudaOutOfMemoryError(MemoryError):
    """``zoo_core.cuda.OutOfMemoryError`` before CuPy is loaded."""


def __getattr__(name):
    from .. import _legacy
    if name in _legacy.NAMES.values():   # torch.cuda.FloatTensor and friends
        return next(c for c in _legacy.CUDA.values() if c.__name__ == name)
    if name == "OutOfMemoryError":
        # CuPy's own class once CuPy is loaded, so `except zoo_core.cuda.OutOfMemoryError` catches what a
        # failed GPU allocation raises; before that, a placeholder nothing raises
        if _backend._cupy is not None:
            return _backend._cupy.cuda.memory.OutOfMemoryError
        return _NoCudaOutOfMemoryError
    if name == "amp":   # ``torch.cuda.amp`` without importing it (or CuPy) with zoo_core.cuda
        import importlib
        return importlib.import_module(".amp", __name__)
    raise AttributeError(f"module 'zoo_core.cuda' has no attribute {name!r}")
