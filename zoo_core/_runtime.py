"""Process-wide switches PyTorch code sets at startup: threads, determinism, ``compile``.

Example::

    >>> zoo_core.set_num_threads(1)
    >>> zoo_core.get_num_threads()
    1
    >>> model = zoo_core.compile(zoo_core.nn.Linear(2, 2))   # eager: the model itself
"""
import os

_threads = [None]
_deterministic = [False, False]   # mode, warn_only


def set_num_threads(n):
    """Record the intra-op thread count. numpy's BLAS fixes its threads when it loads: set
    ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` before starting Python to change them."""
    n = int(n)
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    _threads[0] = n


def get_num_threads():
    """The recorded thread count, else the BLAS thread setting of the environment, else the CPU count."""
    if _threads[0] is not None:
        return _threads[0]
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def set_num_interop_threads(n):
    set_num_threads(n)


def get_num_interop_threads():
    return get_num_threads()


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record the flag (``torch.use_deterministic_algorithms``). Zoo's CPU ops are deterministic; on CUDA,
    scatter-adds use atomics whose summation order varies, as PyTorch's do."""
    _deterministic[0], _deterministic[1] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic[0]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic[1]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """``torch.compile`` in eager mode: returns ``model`` (or, without one, a decorator that does)."""
    if model is None:
        return lambda m: m
    return model


_matmul_precision = ["highest"]
_warn_always = [False]


def set_float32_matmul_precision(precision):
    """Record the float32 matmul precision (``"highest"``, ``"high"`` or ``"medium"``). numpy and CuPy
    compute float32 matmuls in full float32 either way (no TF32), so results are those of ``"highest"``."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', "
                           f"got {precision!r}")
    _matmul_precision[0] = precision


def get_float32_matmul_precision():
    return _matmul_precision[0]


def set_warn_always(b):
    """Record ``torch.set_warn_always``; Zoo's warnings go through Python's ``warnings`` filters."""
    _warn_always[0] = bool(b)


def is_warn_always_enabled():
    return _warn_always[0]


def set_flush_denormal(mode):
    """Denormal flushing is not controllable from numpy/CuPy: returns False (unsupported), as PyTorch does
    on CPUs without the feature."""
    return False
