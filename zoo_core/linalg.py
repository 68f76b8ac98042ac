"""``zoo_core.linalg``: the ``torch.linalg`` names (norms, products, singular values, inverse, det, solve).

Example::

    >>> zoo_core.linalg.norm(zoo_core.tensor([3., 4.]))
    tensor(5.)
"""
from .ops.decomp import LinAlgError, det, inv, slogdet, solve
from .ops.linalg import linalg_norm as norm, matmul, matrix_norm, svdvals, vecdot
from .ops.moments import vector_norm
from .ops.structure import linalg_cross as cross

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "svdvals", "vecdot", "cross", "inv", "det", "slogdet",
           "solve", "LinAlgError"]
