"""``zoo_core.linalg``: the ``torch.linalg`` names (norms, products, singular values).

Example::

    >>> zoo_core.linalg.norm(zoo_core.tensor([3., 4.]))
    tensor(5.)
"""
from .ops.linalg import linalg_norm as norm, matmul, matrix_norm, svdvals, vecdot
from .ops.moments import vector_norm
from .ops.structure import linalg_cross as cross

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "svdvals", "vecdot", "cross"]
