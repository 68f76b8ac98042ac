"""GPU memory statistics (``torch.cuda.max_memory_allocated`` and friends) over CuPy's memory pool.

Zoo's arrays come from CuPy's default memory pool, so "allocated" is the pool's bytes in use and
"reserved" the bytes it holds from the driver. CuPy keeps no peak, so the first call to a peak function
(``max_memory_allocated``, ``max_memory_reserved``, ``reset_peak_memory_stats``) installs a thin allocator
that records the peak on every allocation from then on: peaks cover the time since that first call (call
``reset_peak_memory_stats()`` at the start of the part you measure, as PyTorch scripts usually do).
"""
from .. import _backend

_peaks = {}        # device index -> [peak allocated, peak reserved]
_tracking = [False]


def _pool():
    return _backend._cupy.get_default_memory_pool()


def _track():
    """Route CuPy allocations through the pool while recording peaks (once)."""
    if _tracking[0]:
        return
    cp = _backend._cupy
    pool = cp.get_default_memory_pool()

    def malloc(size):
        mem = pool.malloc(size)
        peak = _peaks.setdefault(cp.cuda.runtime.getDevice(), [0, 0])
        used, total = pool.used_bytes(), pool.total_bytes()
        if used > peak[0]:
            peak[0] = used
        if total > peak[1]:
            peak[1] = total
        return mem
    cp.cuda.set_allocator(malloc)
    _tracking[0] = True


def _peak(device, which, op):
    from . import _index, _require
    _require(op)
    idx = _index(device, op)
    _track()
    with _backend._cupy.cuda.Device(idx):
        now = (_pool().used_bytes(), _pool().total_bytes())
    peak = _peaks.setdefault(idx, list(now))
    peak[which] = max(peak[which], now[which])
    return peak[which]


def max_memory_allocated(device=None):
    """The most bytes in use by arrays at once (since peaks are tracked, see the module docstring)."""
    return _peak(device, 0, "max_memory_allocated")


def max_memory_reserved(device=None):
    """The most bytes the memory pool held from the driver at once."""
    return _peak(device, 1, "max_memory_reserved")


def reset_peak_memory_stats(device=None):
    """Restart the peaks from the current usage."""
    from . import _index, _require
    _require("reset_peak_memory_stats")
    idx = _index(device, "reset_peak_memory_stats")
    _track()
    with _backend._cupy.cuda.Device(idx):
        _peaks[idx] = [_pool().used_bytes(), _pool().total_bytes()]


reset_max_memory_allocated = reset_peak_memory_stats


def mem_get_info(device=None):
    """``(free, total)`` bytes of device memory, as the driver reports them."""
    from . import _index, _require
    cp = _require("mem_get_info")
    with cp.cuda.Device(_index(device, "mem_get_info")):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)


def memory_stats(device=None):
    """A few of PyTorch's memory statistics (the ones CuPy's pool can answer)."""
    from . import _index, _require, memory_allocated, memory_reserved
    _require("memory_stats")
    idx = _index(device, "memory_stats")
    return {"allocated_bytes.all.current": memory_allocated(idx),
            "allocated_bytes.all.peak": max_memory_allocated(idx),
            "reserved_bytes.all.current": memory_reserved(idx),
            "reserved_bytes.all.peak": max_memory_reserved(idx),
            "inactive_split_bytes.all.current": _pool().free_bytes(),
            "num_free_blocks": _pool().n_free_blocks()}


def memory_summary(device=None, abbreviated=False):
    """A readable table of ``memory_stats``."""
    stats = memory_stats(device)
    width = max(len(k) for k in stats)
    lines = ["Zoo CUDA memory summary (CuPy memory pool)"]
    lines += [f"  {k:<{width}}  {v:>14,}" for k, v in stats.items()]
    return "\n".join(lines)


def set_per_process_memory_fraction(fraction, device=None):
    """Cap the memory pool at ``fraction`` of the device's memory (allocations beyond it raise)."""
    from . import _index, _require
    cp = _require("set_per_process_memory_fraction")
    if not 0 <= fraction <= 1:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~1")
    with cp.cuda.Device(_index(device, "set_per_process_memory_fraction")):
        _pool().set_limit(fraction=fraction)
