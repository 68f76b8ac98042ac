"""``torch.nn.attention``: choosing a scaled-dot-product-attention backend.

Zoo has one implementation of ``F.scaled_dot_product_attention`` (the math one, on numpy or CuPy), so
``sdpa_kernel`` only checks its arguments and runs the block; code written for PyTorch's fused kernels
runs unchanged and gives the same values.

Example::

    >>> from zoo_core.nn.attention import SDPBackend, sdpa_kernel
    >>> with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
    ...     pass
"""
import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """PyTorch's attention backends (values as in PyTorch)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Accepts a backend or a list of them and runs the block (Zoo always uses its math implementation)."""
    items = backends if isinstance(backends, (list, tuple, set)) else [backends]
    for b in items:
        if not isinstance(b, SDPBackend):
            raise AssertionError(f"Backend must be an instance of SDPBackend, got {b!r}")
    yield
