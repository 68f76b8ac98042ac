"""``zoo_core.backends``: PyTorch's backend switches, so setup code written for ``torch.backends`` runs.

Zoo has no cuDNN, MPS or MKL-DNN backend; the flags are kept (and read back) so that seeding and
configuration lines like ``torch.backends.cudnn.deterministic = True`` work unchanged. Zoo's ops are
deterministic on the CPU; on CUDA, CuPy's atomics make scatter-adds (index_add, embedding backward)
order-dependent in the last bits, as PyTorch's are.

Example::

    >>> import zoo_core.backends.cudnn as cudnn
    >>> cudnn.benchmark = True
    >>> zoo_core.backends.cudnn.is_available()
    False
"""
from . import cuda, cudnn, mps  # noqa: F401

__all__ = ["cuda", "cudnn", "mps"]
