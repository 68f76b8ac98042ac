import re

import numpy as np
import pytest

import zoo_core
import zoo_core.linalg  # noqa: F401  (the namespace module; zoo_core/__init__ imports it too)
from zoo_core.testing import OpCase, op_tests

INF = float("inf")
NOGG = dict(gradgrad=False)   # SVD-based norms: the singular vectors are constants in the backward

CASES = [
    # matmul: every rank combination PyTorch defines, and broadcast batch dims
    OpCase("matmul_2d_2d", lambda lib, a, b: a @ b, [(2, 3), (3, 4)]),
    OpCase("matmul_1d_1d", lambda lib, a, b: lib.matmul(a, b), [(3,), (3,)]),
    OpCase("matmul_1d_2d", lambda lib, a, b: a @ b, [(3,), (3, 4)]),
    OpCase("matmul_2d_1d", lambda lib, a, b: a @ b, [(2, 3), (3,)]),
    OpCase("matmul_3d_3d", lambda lib, a, b: a @ b, [(2, 3, 4), (2, 4, 5)]),
    OpCase("matmul_3d_2d", lambda lib, a, b: a.matmul(b), [(2, 3, 4), (4, 5)]),
    OpCase("matmul_2d_3d", lambda lib, a, b: a @ b, [(3, 4), (2, 4, 5)]),
    OpCase("matmul_bcast_batch", lambda lib, a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)]),
    OpCase("matmul_bcast_batch_size1", lambda lib, a, b: a @ b, [(1, 3, 4), (3, 4, 2)]),
    OpCase("matmul_1d_3d", lambda lib, a, b: a @ b, [(4,), (2, 4, 3)]),
    OpCase("matmul_3d_1d", lambda lib, a, b: a @ b, [(2, 3, 4), (4,)]),
    OpCase("matmul_4d_1d", lambda lib, a, b: a @ b, [(2, 2, 3, 4), (4,)]),
    OpCase("matmul_one_grad", lambda lib, a, b: a @ b, [(2, 3), (3, 4)], grad_inputs=[False, True]),
    OpCase("matmul_same_operand", lambda lib, a: a @ a, [(3, 3)]),
    OpCase("matmul_values", lambda lib, a, b: a @ b, arrays=[np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0])],
           expected=[3.0, 7.0]),
    OpCase("mm", lambda lib, a, b: lib.mm(a, b), [(2, 3), (3, 4)]),
    OpCase("mm_method", lambda lib, a, b: a.mm(b), [(4, 3), (3, 1)]),
    OpCase("bmm", lambda lib, a, b: lib.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    OpCase("dot", lambda lib, a, b: lib.dot(a, b), [(5,), (5,)]),
    OpCase("vdot", lambda lib, a, b: a.vdot(b), [(5,), (5,)]),
    OpCase("outer", lambda lib, a, b: lib.outer(a, b), [(3,), (4,)]),
    OpCase("ger", lambda lib, a, b: a.outer(b), [(2,), (3,)]),
    OpCase("addmm", lambda lib, c, a, b: lib.addmm(c, a, b), [(4,), (2, 3), (3, 4)]),
    OpCase("addmm_scaled", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0), [(2, 4), (2, 3), (3, 4)]),
    OpCase("addmm_beta0", lambda lib, c, a, b: c.addmm(a, b, beta=0), [(2, 4), (2, 3), (3, 4)]),
    OpCase("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, alpha=0.5), [(1, 3, 5), (2, 3, 4), (2, 4, 5)]),
    OpCase("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, beta=2.0), [(2,), (2, 3), (3,)]),
    OpCase("tensordot_int", lambda lib, a, b: lib.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 5)]),
    OpCase("tensordot_lists", lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)]),
    # einsum
    OpCase("einsum_mm", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    OpCase("einsum_list", lambda lib, a, b: lib.einsum("ij,jk->ik", [a, b]), [(2, 3), (3, 4)]),
    OpCase("einsum_implicit", lambda lib, a, b: lib.einsum("ij,jk", a, b), [(2, 3), (3, 4)]),
    OpCase("einsum_implicit_order", lambda lib, a: lib.einsum("ba", a), [(2, 3)]),
    OpCase("einsum_bmm", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
    OpCase("einsum_attention", lambda lib, q, k: lib.einsum("bhqd,bhkd->bhqk", q, k), [(2, 2, 3, 4), (2, 2, 5, 4)]),
    OpCase("einsum_diag", lambda lib, a: lib.einsum("ii->i", a), [(3, 3)]),
    OpCase("einsum_trace", lambda lib, a: lib.einsum("ii", a), [(3, 3)]),
    OpCase("einsum_partial_diag", lambda lib, a: lib.einsum("iij->ij", a), [(3, 3, 2)]),
    OpCase("einsum_diag_mul", lambda lib, a, b: lib.einsum("ii,i->i", a, b), [(3, 3), (3,)]),
    OpCase("einsum_sum", lambda lib, a: lib.einsum("ij->", a), [(2, 3)]),
    OpCase("einsum_row_sum", lambda lib, a, b: lib.einsum("ij,j->j", a, b), [(2, 3), (3,)]),
    OpCase("einsum_transpose", lambda lib, a: lib.einsum("ijk->kji", a), [(2, 3, 4)]),
    OpCase("einsum_outer", lambda lib, a, b: lib.einsum("i,j->ij", a, b), [(3,), (2,)]),
    OpCase("einsum_three", lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    OpCase("einsum_same_twice", lambda lib, a: lib.einsum("i,i->", a, a), [(4,)]),
    OpCase("einsum_ellipsis", lambda lib, a, b: lib.einsum("...ij,...jk->...ik", a, b), [(2, 1, 3, 4), (5, 4, 2)]),
    OpCase("einsum_ellipsis_middle", lambda lib, a: lib.einsum("i...j->j...i", a), [(2, 3, 4, 5)]),
    OpCase("einsum_ellipsis_summed", lambda lib, a, b: lib.einsum("ba,...->ab", a, b), [(2, 3), (4,)]),
    OpCase("einsum_label_bcast", lambda lib, a, b: lib.einsum("ij,ij->ij", a, b), [(2, 1), (2, 3)]),
    OpCase("einsum_spaces", lambda lib, a, b: lib.einsum("b i, i j -> b j", a, b), [(2, 3), (3, 4)]),
    OpCase("einsum_values", lambda lib, a: lib.einsum("ii", a), arrays=[np.array([[1.0, 2.0], [3.0, 4.0]])],
           expected=5.0),
    # norms
    OpCase("linalg_norm", lambda lib, a: lib.linalg.norm(a), [(2, 3, 4)]),
    OpCase("linalg_norm_dim", lambda lib, a: lib.linalg.norm(a, dim=1, keepdim=True), [(2, 3, 4)]),
    OpCase("linalg_norm_vec_inf", lambda lib, a: lib.linalg.norm(a, ord=INF), [(5,)]),
    OpCase("linalg_norm_vec_ord3", lambda lib, a: lib.linalg.norm(a, 3, dim=-1), [(2, 5)]),
    OpCase("linalg_norm_fro", lambda lib, a: lib.linalg.norm(a, "fro"), [(3, 4)]),
    OpCase("linalg_norm_nuc", lambda lib, a: lib.linalg.norm(a, "nuc"), [(3, 4)], **NOGG),
    OpCase("linalg_norm_2", lambda lib, a: lib.linalg.norm(a, 2), [(4, 3)], **NOGG),
    OpCase("linalg_norm_neg2", lambda lib, a: lib.linalg.norm(a, -2), [(3, 3)], **NOGG),
    OpCase("linalg_norm_inf_matrix", lambda lib, a: lib.linalg.norm(a, INF), [(3, 4)]),
    OpCase("linalg_norm_dims_ord1", lambda lib, a: lib.linalg.norm(a, 1, dim=(2, 0)), [(2, 3, 4)]),
    OpCase("vector_norm", lambda lib, a: lib.linalg.vector_norm(a, ord=3, dim=(0, 1), keepdim=True), [(2, 3, 2)]),
    OpCase("vector_norm_neg_inf", lambda lib, a: lib.linalg.vector_norm(a, ord=-INF, dim=1), [(2, 3)]),
    OpCase("matrix_norm_fro_batch", lambda lib, a: lib.linalg.matrix_norm(a), [(2, 3, 4)]),
    OpCase("matrix_norm_dims", lambda lib, a: lib.linalg.matrix_norm(a, dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    OpCase("matrix_norm_neg1_keepdim", lambda lib, a: lib.linalg.matrix_norm(a, -1, keepdim=True), [(2, 3, 4)]),
    OpCase("matrix_norm_neg_inf", lambda lib, a: lib.linalg.matrix_norm(a, -INF), [(2, 3, 4)]),
    OpCase("matrix_norm_nuc_dims", lambda lib, a: lib.linalg.matrix_norm(a, "nuc", dim=(2, 0)), [(3, 2, 4)], **NOGG),
    OpCase("matrix_norm_2_batch", lambda lib, a: lib.linalg.matrix_norm(a, 2), [(2, 3, 3)], **NOGG),
    OpCase("tensor_norm_nuc", lambda lib, a: a.norm(p="nuc"), [(3, 4)], **NOGG),
    OpCase("svdvals", lambda lib, a: lib.linalg.svdvals(a), [(2, 4, 3)], **NOGG),
    OpCase("vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b), [(2, 3), (3,)]),
    OpCase("chain", lambda lib, a, b: lib.linalg.norm(lib.einsum("ik,kj->ij", a @ b.T, b), dim=1), [(2, 3), (4, 3)]),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


# ---- dtypes and shapes --------------------------------------------------------------------------
def test_integer_matmul():
    a = zoo_core.tensor([[1, 2], [3, 4]])
    r = a @ zoo_core.tensor([[1], [1]])
    assert r.dtype == zoo_core.int64 and r.tolist() == [[3], [7]]
    assert zoo_core.dot(zoo_core.tensor([1, 2]), zoo_core.tensor([3, 4])).item() == 11
    assert zoo_core.einsum("ij,j->i", a, zoo_core.tensor([1, 1])).tolist() == [3, 7]


def test_matmul_shapes_follow_torch():
    z = zoo_core.zeros
    assert (z(3) @ z(3)).shape == ()
    assert (z(3) @ z(3, 4)).shape == (4,)
    assert (z(2, 3) @ z(3)).shape == (2,)
    assert (z(5, 2, 3) @ z(3)).shape == (5, 2)
    assert (z(3) @ z(5, 3, 4)).shape == (5, 4)
    assert (z(2, 1, 3, 4) @ z(5, 4, 2)).shape == (2, 5, 3, 2)


def test_matmul_with_numpy_operand():
    a = zoo_core.ones(2, 3)
    f32 = np.float32
    assert (a @ np.ones((3, 2), f32)).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert (np.ones((2, 2), f32) @ a).shape == (2, 3)


def test_matmul_gradient_reduces_broadcast_batch():
    a = zoo_core.ones(3, 4, dtype=zoo_core.float64, requires_grad=True)
    b = zoo_core.ones(5, 4, 2, dtype=zoo_core.float64, requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.shape == (3, 4) and np.all(a.grad.numpy() == 10.0)
    assert b.grad.shape == (5, 4, 2) and np.all(b.grad.numpy() == 3.0)


def test_einsum_output_does_not_alias_input():
    a = zoo_core.tensor([[1.0, 2.0], [3.0, 4.0]])
    t = zoo_core.einsum("ij->ji", a)
    t.add_(1.0)
    assert a.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_no_graph_under_no_grad():
    a = zoo_core.ones(2, 2, requires_grad=True)
    with zoo_core.no_grad():
        assert (a @ a).grad_fn is None
        assert zoo_core.einsum("ij,jk", a, a).grad_fn is None


# ---- errors -------------------------------------------------------------------------------------
Z = zoo_core.zeros


@pytest.mark.parametrize("fn, msg", [
    (lambda: Z(2, 3) @ Z(4, 5), "matmul: shapes (2, 3) and (4, 5) cannot be multiplied (3 != 4)"),
    (lambda: Z(3) @ Z(4), "matmul: shapes (3,) and (4,) cannot be multiplied (3 != 4)"),
    (lambda: Z(2, 2, 3) @ Z(3, 3, 4), "matmul: batch dimensions (2,) and (3,) cannot be broadcast"),
    (lambda: zoo_core.matmul(Z(()), Z(3)), "matmul: both arguments need to be at least 1D, but they are 0D and 1D"),
    (lambda: Z(2, 3) @ Z(3, 2, dtype=zoo_core.float64), "matmul: expected both operands to have the same dtype, "
                                                          "but got float32 and float64"),
    (lambda: zoo_core.mm(Z(2, 3), Z(3)), "mm: expected 2-D tensors, got 2-D and 1-D"),
    (lambda: zoo_core.mm(Z(2, 3), Z(4, 5)), "mm: shapes (2, 3) and (4, 5) cannot be multiplied (3 != 4)"),
    (lambda: zoo_core.bmm(Z(2, 3), Z(3, 4)), "bmm: expected 3-D tensors, got 2-D and 2-D"),
    (lambda: zoo_core.bmm(Z(2, 2, 3), Z(3, 3, 4)), "bmm: batch sizes 2 and 3 do not match"),
    (lambda: zoo_core.bmm(Z(2, 2, 3), Z(2, 4, 4)), "bmm: shapes (2, 2, 3) and (2, 4, 4) cannot be multiplied (3 != 4)"),
    (lambda: zoo_core.dot(Z(2, 3), Z(3)), "dot: 1D tensors expected, but got 2D and 1D tensors"),
    (lambda: zoo_core.dot(Z(3), Z(4)), "dot: inconsistent tensor size"),
    (lambda: zoo_core.outer(Z(2, 2), Z(3)), "outer: expected 1-D tensors"),
    (lambda: zoo_core.einsum("ij,jk->ik", Z(2, 3)), "einsum(): fewer operands were provided"),
    (lambda: zoo_core.einsum("ij->ij", Z(2, 3), Z(2)), "einsum(): more operands were provided"),
    (lambda: zoo_core.einsum("ij->i", Z(2, 3, 4)), "einsum(): the number of subscripts in the equation (2) does not "
                                                   "match the number of dimensions (3) for operand 0"),
    (lambda: zoo_core.einsum("ij,jk->ik", Z(2, 3), Z(4, 5)), "subscript j has size 4 for operand 1"),
    (lambda: zoo_core.einsum("ij->k", Z(2, 3)), "output subscript k does not appear"),
    (lambda: zoo_core.einsum("ij->ii", Z(2, 3)), "output subscript i appears more than once"),
    (lambda: zoo_core.einsum("i1->i", Z(2, 3)), "invalid subscript given at index 1"),
    (lambda: zoo_core.einsum("ii->i", Z(2, 3)), "subscript i is repeated for operand 0 but the sizes don't match"),
    (lambda: zoo_core.einsum("i,i->i", Z(2), Z(2, dtype=zoo_core.float64)), "same dtype"),
    (lambda: zoo_core.linalg.norm(Z(2, 3, 4), 2), "linalg.norm: If dim is not specified but ord is, the input must "
                                                   "be 1D or 2D. Got 3D."),
    (lambda: zoo_core.linalg.matrix_norm(Z(3)), "at least 2 dimensions"),
    (lambda: zoo_core.linalg.matrix_norm(Z(3, 3), 3), "Order 3 not supported"),
    (lambda: zoo_core.linalg.vector_norm(zoo_core.tensor([1, 2])), "Expected a floating point"),
])
def test_errors_name_the_op_and_values(fn, msg):
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        fn()
