"""``zoo_core.linalg``: the ``torch.linalg`` names: norms and products, inverse/det/solve, the
decompositions (cholesky, qr, svd, eigh, lu), least squares, pseudo-inverse and matrix functions. Complex
results (``eig``, ``eigvals``) are not available: Zoo has no complex dtypes.

Example::

    >>> zoo_core.linalg.norm(zoo_core.tensor([3., 4.]))
    tensor(5.)
"""
from .ops.decomp import LinAlgError, det, inv, slogdet, solve
from .ops.linalg import linalg_norm as norm, matmul, matrix_norm, svdvals, vecdot
from .ops.moments import vector_norm
from .ops.structure import linalg_cross as cross
from .ops.linalg_decomp import (cholesky_ex, cond, eigh, eigvalsh, householder_product, linalg_cholesky as cholesky,
                                linalg_diagonal as diagonal, linalg_qr as qr, linalg_svd as svd, matrix_rank, pinv,
                                tensorinv, tensorsolve)
from .ops.linalg_solve import (inv_ex, linalg_lu as lu, linalg_lu_solve as lu_solve, linalg_vander as vander, lstsq,
                               lu_factor, lu_factor_ex, matrix_exp, matrix_power, multi_dot, solve_ex, solve_triangular)

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "svdvals", "vecdot", "cross", "inv", "det", "slogdet",
           "solve", "LinAlgError", "cholesky", "cholesky_ex", "cond", "diagonal", "eigh", "eigvalsh",
           "householder_product", "qr", "svd", "matrix_rank", "pinv", "tensorinv", "tensorsolve", "inv_ex", "lu",
           "lu_solve", "vander", "lstsq", "lu_factor", "lu_factor_ex", "matrix_exp", "matrix_power", "multi_dot",
           "solve_ex", "solve_triangular"]
