"""Decompositions and solvers (zoo_core/ops/linalg_decomp.py, linalg_solve.py): float64 gradcheck and
gradgradcheck, PyTorch parity of values and gradients (batched, non-contiguous, float32), errors."""
import re

import numpy as np
import pytest

import zoo_core
import zoo_core.linalg  # noqa: F401
from zoo_core.testing import OpCase, op_tests

# torch warns on its legacy names (torch.qr, torch.lu, ...), which these tests call on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:UserWarning")


# Inputs are made well-conditioned inside the lambdas (the same code runs on zoo_core and torch).
def eye(lib, a, n=None):
    n = a.shape[-1] if n is None else n
    return lib.eye(n, dtype=a.dtype, device=a.device)


def spd(lib, a):
    """A symmetric positive-definite matrix from any square ``a``."""
    return a @ a.mT + a.shape[-1] * eye(lib, a)


def sym(a):
    return a + a.mT


def tri(lib, a, upper=False):
    """A well-conditioned triangular matrix (the other triangle of ``a`` is kept as garbage)."""
    return a + 4 * eye(lib, a)


def vsign(v):
    """Fix the sign gauge of singular/eigen vectors: make each column's first entry positive."""
    return v[..., :1, :].sign()


def eigvecs(lib, a, UPLO="L"):
    w, v = lib.linalg.eigh(sym(a), UPLO=UPLO)
    return w, v * vsign(v)


def svd_fixed(lib, a, full=False):
    U, S, Vh = lib.linalg.svd(a, full_matrices=full)
    k = S.shape[-1]
    s = vsign(U[..., :, :k])
    return U[..., :, :k] * s, S, Vh[..., :k, :] * s.mT


def svd_legacy(lib, a):
    U, S, V = lib.svd(a)
    s = vsign(U)
    return U * s, S, V * s


NOF32 = dict(float32=False)

CASES = [
    # cholesky
    OpCase("cholesky", lambda lib, a: lib.linalg.cholesky(spd(lib, a)), [(3, 3)]),
    OpCase("cholesky_batch", lambda lib, a: lib.linalg.cholesky(spd(lib, a)), [(2, 4, 4)]),
    OpCase("cholesky_upper", lambda lib, a: lib.linalg.cholesky(spd(lib, a), upper=True), [(3, 3)]),
    OpCase("cholesky_ex", lambda lib, a: lib.linalg.cholesky_ex(spd(lib, a)), [(2, 3, 3)]),
    OpCase("cholesky_legacy_upper", lambda lib, a: lib.cholesky(spd(lib, a), upper=True), [(3, 3)]),
    OpCase("cholesky_method", lambda lib, a: spd(lib, a).cholesky(), [(3, 3)]),
    OpCase("cholesky_values", lambda lib, a: lib.linalg.cholesky(a),
           arrays=[np.array([[4.0, 2.0], [2.0, 5.0]])], expected=[[2.0, 0.0], [1.0, 2.0]], grad=False),
    # eigh / eigvalsh
    OpCase("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(sym(a)), [(4, 4)]),
    OpCase("eigvalsh_upper_batch", lambda lib, a: lib.linalg.eigvalsh(sym(a), UPLO="U"), [(2, 3, 3)]),
    OpCase("eigh", lambda lib, a: eigvecs(lib, a), [(4, 4)]),
    OpCase("eigh_batch_upper", lambda lib, a: eigvecs(lib, a, "U"), [(2, 3, 3)]),
    OpCase("eigh_values_only", lambda lib, a: lib.linalg.eigh(sym(a)).eigenvalues, [(3, 3)]),
    OpCase("eigh_matrix_function", lambda lib, a: (lambda w, v: (v * w.exp().unsqueeze(-2)) @ v.mT)(
        *lib.linalg.eigh(sym(a))), [(3, 3)], low=-1, high=1),
    OpCase("eigh_values", lambda lib, a: lib.linalg.eigh(a).eigenvalues, arrays=[np.diag([3.0, 1.0, 2.0])],
           expected=[1.0, 2.0, 3.0], grad=False),
    # svd
    OpCase("svd_tall", lambda lib, a: svd_fixed(lib, a), [(4, 3)]),
    OpCase("svd_wide", lambda lib, a: svd_fixed(lib, a), [(3, 5)]),
    OpCase("svd_square_batch", lambda lib, a: svd_fixed(lib, a), [(2, 3, 3)]),
    OpCase("svd_full_matrices", lambda lib, a: svd_fixed(lib, a, full=True), [(4, 3)]),
    OpCase("svd_S", lambda lib, a: lib.linalg.svd(a, full_matrices=False).S, [(2, 4, 3)]),
    OpCase("svd_reconstruct", lambda lib, a: (lambda U, S, Vh: (U * S.unsqueeze(-2)) @ Vh)(
        *lib.linalg.svd(a, full_matrices=False)), [(3, 4)]),
    OpCase("svd_legacy", lambda lib, a: svd_legacy(lib, a), [(4, 3)]),
    OpCase("svd_legacy_no_uv", lambda lib, a: lib.svd(a, compute_uv=False)[1], [(3, 4)]),
    OpCase("svd_legacy_no_uv_zeros", lambda lib, a: lib.svd(a, compute_uv=False), [(3, 4)], grad=False),
    OpCase("svd_method_full", lambda lib, a: a.svd(some=False).S, [(4, 2)]),
    # qr
    OpCase("qr_tall", lambda lib, a: lib.linalg.qr(a), [(4, 3)]),
    OpCase("qr_square_batch", lambda lib, a: lib.linalg.qr(a), [(2, 3, 3)]),
    OpCase("qr_wide", lambda lib, a: lib.linalg.qr(a), [(3, 5)]),
    OpCase("qr_complete_square", lambda lib, a: lib.linalg.qr(a, mode="complete"), [(3, 3)]),
    OpCase("qr_complete_tall_forward", lambda lib, a: lib.linalg.qr(a, mode="complete"), [(4, 2)], grad=False),
    OpCase("qr_r_forward", lambda lib, a: lib.linalg.qr(a, mode="r").R, [(4, 3)], grad=False),
    OpCase("qr_legacy", lambda lib, a: lib.qr(a), [(4, 3)]),
    OpCase("qr_method", lambda lib, a: a.qr(some=False), [(3, 3)]),
    # triangular and Cholesky solves
    OpCase("solve_triangular_upper", lambda lib, a, b: lib.linalg.solve_triangular(tri(lib, a), b, upper=True),
           [(3, 3), (3, 2)]),
    OpCase("solve_triangular_lower_bcast", lambda lib, a, b: lib.linalg.solve_triangular(tri(lib, a), b, upper=False),
           [(2, 1, 3, 3), (4, 3, 2)]),
    OpCase("solve_triangular_right", lambda lib, a, b: lib.linalg.solve_triangular(tri(lib, a), b, upper=True,
                                                                                     left=False), [(3, 3), (2, 3)]),
    OpCase("solve_triangular_unit", lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False,
                                                                                    unitriangular=True),
           [(3, 3), (3, 2)], low=-1, high=1),
    OpCase("triangular_solve_legacy", lambda lib, b, a: lib.triangular_solve(b, tri(lib, a), transpose=True),
           [(3, 2), (3, 3)]),
    OpCase("cholesky_solve", lambda lib, b, a: lib.cholesky_solve(b, lib.linalg.cholesky(spd(lib, a))),
           [(3, 2), (3, 3)]),
    OpCase("cholesky_solve_direct_bcast", lambda lib, b, a: lib.cholesky_solve(b, tri(lib, a).tril()),
           [(2, 3, 2), (3, 3)]),
    OpCase("cholesky_solve_upper", lambda lib, b, a: b.cholesky_solve(tri(lib, a).triu(), upper=True),
           [(3, 1), (2, 3, 3)]),
    OpCase("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(tri(lib, a).tril()), [(3, 3)]),
    OpCase("cholesky_inverse_upper", lambda lib, a: a.triu().add(4 * eye(lib, a)).cholesky_inverse(upper=True),
           [(2, 3, 3)]),
    # least squares, pseudo-inverse, rank
    OpCase("lstsq_tall", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(5, 3), (5, 2)]),
    OpCase("lstsq_batch", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(2, 5, 3), (2, 5, 2)]),
    OpCase("lstsq_wide", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(2, 4), (2, 1)]),
    OpCase("lstsq_vector", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(4, 3), (4,)]),
    OpCase("lstsq_gelsd", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd")[:3], [(5, 3), (5, 2)]),
    OpCase("pinv_tall", lambda lib, a: lib.linalg.pinv(a), [(4, 3)]),
    OpCase("pinv_wide_batch", lambda lib, a: lib.linalg.pinv(a), [(2, 3, 5)]),
    OpCase("pinv_hermitian", lambda lib, a: lib.linalg.pinv(spd(lib, a), hermitian=True), [(3, 3)]),
    OpCase("pinverse", lambda lib, a: a.pinverse(), [(3, 4)]),
    OpCase("pinv_rank_deficient", lambda lib, a: lib.linalg.pinv(a, atol=1e-5), grad=False,
           arrays=[np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])]),
    OpCase("matrix_rank", lambda lib, a: lib.linalg.matrix_rank(a), grad=False,
           arrays=[np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])], expected=[1, 2]),
    OpCase("matrix_rank_hermitian_tol", lambda lib, a: lib.linalg.matrix_rank(a, hermitian=True, atol=1.5),
           grad=False, arrays=[np.diag([3.0, -2.0, 1.0])], expected=2),
    # matrix functions
    OpCase("matrix_power_3", lambda lib, a: lib.linalg.matrix_power(a, 3), [(3, 3)]),
    OpCase("matrix_power_5_batch", lambda lib, a: lib.matrix_power(a, 5), [(2, 2, 2)], low=-1, high=1),
    OpCase("matrix_power_1", lambda lib, a: a.matrix_power(1), [(3, 3)]),
    OpCase("matrix_power_neg", lambda lib, a: lib.linalg.matrix_power(spd(lib, a), -2), [(3, 3)]),
    OpCase("matrix_power_0", lambda lib, a: lib.linalg.matrix_power(a, 0), [(2, 3, 3)], grad=False),
    OpCase("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), [(3, 3)]),
    OpCase("matrix_exp_batch_scaled", lambda lib, a: lib.matrix_exp(a), [(2, 4, 4)], low=-3, high=3),
    OpCase("matrix_exp_method", lambda lib, a: a.matrix_exp(), [(2, 2)]),
    OpCase("matrix_exp_values", lambda lib, a: lib.linalg.matrix_exp(a), arrays=[np.array([[0.0, 1.0], [0.0, 0.0]])],
           expected=[[1.0, 1.0], [0.0, 1.0]]),
    OpCase("multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 5)]),
    OpCase("multi_dot_vectors", lambda lib, a, b, c, d: lib.linalg.multi_dot([a, b, c, d]),
           [(3,), (3, 4), (4, 2), (2,)]),
    OpCase("multi_dot_two", lambda lib, a, b: lib.linalg.multi_dot((a, b)), [(2, 3), (3,)]),
    # inv_ex / solve_ex
    OpCase("inv_ex", lambda lib, a: lib.linalg.inv_ex(spd(lib, a)), [(2, 3, 3)]),
    OpCase("solve_ex", lambda lib, a, b: lib.linalg.solve_ex(spd(lib, a), b), [(3, 3), (3, 2)]),
    OpCase("solve_ex_right", lambda lib, a, b: lib.linalg.solve_ex(spd(lib, a), b, left=False).result,
           [(3, 3), (2, 3)]),
    # condition numbers, tensor inverse/solve, Householder products
    OpCase("cond", lambda lib, a: lib.linalg.cond(a), [(2, 3, 3)]),
    OpCase("cond_rect_neg2", lambda lib, a: lib.linalg.cond(a, -2), [(4, 3)]),
    # (torch's own backward of cond for these orders fails: "modified by an inplace operation")
    OpCase("cond_fro", lambda lib, a: lib.linalg.cond(spd(lib, a), "fro"), [(3, 3)], torch=False),
    OpCase("cond_1_batch", lambda lib, a: lib.linalg.cond(spd(lib, a), 1), [(2, 3, 3)], torch=False),
    OpCase("cond_neg_inf", lambda lib, a: lib.linalg.cond(spd(lib, a), -float("inf")), [(3, 3)], torch=False),
    OpCase("cond_orders_forward", lambda lib, a: tuple(lib.linalg.cond(a, p) for p in ("fro", 1, -1, float("inf"))),
           [(2, 3, 3)], grad=False),
    OpCase("cond_singular", lambda lib, a: lib.linalg.cond(a, 1), arrays=[np.array([[[1.0, 2.0], [2.0, 4.0]],
                                                                                     [[2.0, 0.0], [0.0, 1.0]]])],
           expected=[np.inf, 2.0], grad=False),
    OpCase("tensorinv", lambda lib, a: lib.linalg.tensorinv(spd(lib, a.reshape(6, 6)).reshape(2, 3, 6)), [(2, 3, 6)]),
    OpCase("tensorinv_ind1", lambda lib, a: lib.linalg.tensorinv(a + 3 * eye(lib, a), ind=1), [(3, 3)]),
    OpCase("tensorsolve", lambda lib, a, b: lib.linalg.tensorsolve(spd(lib, a.reshape(6, 6)).reshape(2, 3, 6), b),
           [(6, 6), (2, 3)]),
    OpCase("tensorsolve_dims", lambda lib, a, b: lib.linalg.tensorsolve(
        spd(lib, a.reshape(6, 6)).reshape(6, 2, 3), b, dims=(0,)), [(6, 6), (2, 3)]),
    OpCase("householder_product", lambda lib, a, t: lib.linalg.householder_product(a, t), [(4, 3), (2,)]),
    OpCase("householder_product_batch", lambda lib, a, t: lib.linalg.householder_product(a, t), [(2, 3, 3), (2, 3)]),
    OpCase("orgqr_method", lambda lib, a, t: a.orgqr(t), [(5, 2), (2,)]),
    OpCase("linalg_diagonal", lambda lib, a: lib.linalg.diagonal(a, offset=1), [(2, 3, 4)]),
    # vander
    OpCase("linalg_vander", lambda lib, x: lib.linalg.vander(x), [(2, 3)]),
    OpCase("linalg_vander_N", lambda lib, x: lib.linalg.vander(x, N=5), [(3,)], low=-1, high=1),
    # (torch.vander's own backward fails: "modified by an inplace operation"; gradients checked by gradcheck)
    OpCase("vander_legacy", lambda lib, x: lib.vander(x, N=4), [(3,)], grad=False),
    OpCase("vander_legacy_grad", lambda lib, x: lib.vander(x, N=4), [(3,)], torch=False),
    OpCase("vander_increasing", lambda lib, x: lib.vander(x, increasing=True), [(3,)], grad=False),
    OpCase("vander_at_zero", lambda lib, x: lib.linalg.vander(x), arrays=[np.array([0.0, 2.0])],
           expected=[[1.0, 0.0], [1.0, 2.0]]),
    # LU
    OpCase("lu_factor", lambda lib, a: lib.linalg.lu_factor(a).LU, [(3, 3)]),
    OpCase("lu_factor_batch", lambda lib, a: lib.linalg.lu_factor(a), [(2, 4, 4)]),
    OpCase("lu_factor_rect_forward", lambda lib, a: lib.linalg.lu_factor(a), [(2, 3, 5)], grad=False),
    OpCase("lu_factor_tall_forward", lambda lib, a: lib.linalg.lu_factor_ex(a), [(5, 3)], grad=False),
    OpCase("linalg_lu", lambda lib, a: lib.linalg.lu(a), [(2, 3, 3)]),
    OpCase("lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b), [(3, 3), (3, 2)]),
    OpCase("lu_solve_adjoint", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, adjoint=True),
           [(2, 3, 3), (2, 3, 1)]),
    OpCase("lu_solve_right", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=False),
           [(3, 3), (2, 3)]),
    OpCase("lu_legacy", lambda lib, a, b: lib.lu_solve(b, *lib.lu(a)), [(3, 3), (3, 2)]),
    OpCase("lu_unpack", lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), [(3, 3)]),
    OpCase("lu_method", lambda lib, a: a.lu(get_infos=True), [(3, 3)], grad=False),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


# ---- values, dtypes and structure -----------------------------------------------------------------
def T(a, **kw):
    return zoo_core.tensor(np.asarray(a, np.float64), **kw)


def test_namedtuple_fields_follow_torch():
    a = T(np.eye(3) * 2)
    assert zoo_core.linalg.eigh(a)._fields == ("eigenvalues", "eigenvectors")
    assert zoo_core.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert zoo_core.svd(a)._fields == ("U", "S", "V")
    assert zoo_core.linalg.qr(a)._fields == ("Q", "R")
    assert zoo_core.linalg.cholesky_ex(a)._fields == ("L", "info")
    assert zoo_core.linalg.lstsq(a, a)._fields == ("solution", "residuals", "rank", "singular_values")
    assert zoo_core.linalg.inv_ex(a)._fields == ("inverse", "info")
    assert zoo_core.linalg.solve_ex(a, a)._fields == ("result", "info")
    assert zoo_core.linalg.lu_factor(a)._fields == ("LU", "pivots")
    assert zoo_core.linalg.lu(a)._fields == ("P", "L", "U")
    assert zoo_core.triangular_solve(a, a)._fields == ("solution", "cloned_coefficient")


def test_cholesky_ex_and_inv_ex_report_failures_like_torch(device):
    torch = pytest.importorskip("torch")
    a = np.stack([np.eye(3), [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]], -np.eye(3)])
    L, info = zoo_core.linalg.cholesky_ex(T(a, device=device))
    assert info.dtype == zoo_core.int32 and info.tolist() == torch.linalg.cholesky_ex(torch.tensor(a)).info.tolist()
    assert L.device.type == device.split(":")[0]
    s = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 1.0]]])
    inv, info = zoo_core.linalg.inv_ex(T(s, device=device))
    assert info.tolist() == torch.linalg.inv_ex(torch.tensor(s)).info.tolist() == [0, 2, 1]
    assert inv[0].tolist() == [[1.0, 0.0], [0.0, 1.0]] and np.isnan(inv[1].cpu().numpy()).all()
    r, info = zoo_core.linalg.solve_ex(T(s, device=device), T(np.ones((3, 2)), device=device))
    assert info.tolist() == [0, 2, 1] and r[0].tolist() == [1.0, 1.0]
    _, _, info = zoo_core.linalg.lu_factor_ex(T(s, device=device))
    assert info.tolist() == torch.linalg.lu_factor_ex(torch.tensor(s)).info.tolist()


def test_lstsq_rank_residuals_and_singular_values_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 2))
    a[1, :, 2] = a[1, :, 0]                         # rank 2
    for driver in (None, "gelsy", "gelsd", "gelss", "gels"):
        z = zoo_core.linalg.lstsq(T(a), T(b), driver=driver)
        t = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        assert z.rank.tolist() == t.rank.tolist(), driver
        assert z.rank.dtype == zoo_core.int64
        np.testing.assert_allclose(z.singular_values.numpy(), t.singular_values.numpy(), atol=1e-10)
        assert tuple(z.residuals.shape) == tuple(t.residuals.shape), driver
    full = zoo_core.linalg.lstsq(T(a[:1]), T(b[:1]), driver="gelsd")
    tfull = torch.linalg.lstsq(torch.tensor(a[:1]), torch.tensor(b[:1]), driver="gelsd")
    np.testing.assert_allclose(full.residuals.numpy(), tfull.residuals.numpy(), rtol=1e-10)
    # rank-deficient: the minimum-norm solution, as gelsy's
    np.testing.assert_allclose(zoo_core.linalg.lstsq(T(a[1]), T(b[1])).solution.numpy(),
                               np.linalg.lstsq(a[1], b[1], rcond=None)[0], atol=1e-10)


def test_matrix_exp_large_and_tiny_norms_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = np.stack([rng.standard_normal((5, 5)) * 10, rng.standard_normal((5, 5)) * 1e-3, np.zeros((5, 5))])
    for dt in (np.float64, np.float32):
        z = zoo_core.linalg.matrix_exp(zoo_core.tensor(a.astype(dt))).numpy()
        t = torch.linalg.matrix_exp(torch.tensor(a.astype(dt))).numpy()
        np.testing.assert_allclose(z, t, rtol=1e-9 if dt == np.float64 else 2e-4, atol=1e-12)


def test_matrix_power_of_integer_matrices():
    a = zoo_core.tensor([[1, 1], [1, 0]])
    r = zoo_core.linalg.matrix_power(a, 10)
    assert r.dtype == zoo_core.int64 and r.tolist() == [[89, 55], [55, 34]]
    assert a.matrix_power(0).tolist() == [[1, 0], [0, 1]]


def test_pinv_tolerances_match_torch():
    torch = pytest.importorskip("torch")
    a = np.diag([4.0, 1e-3, 1e-9])
    for kw in ({}, dict(rtol=1e-2), dict(atol=1e-2), dict(atol=1e-6, rtol=1e-2), dict(atol=1e-4, hermitian=True)):
        np.testing.assert_allclose(zoo_core.linalg.pinv(T(a), **kw).numpy(),
                                   torch.linalg.pinv(torch.tensor(a), **kw).numpy(), rtol=1e-12, err_msg=str(kw))
        assert zoo_core.linalg.matrix_rank(T(a), **kw).item() == torch.linalg.matrix_rank(torch.tensor(a), **kw).item()
    np.testing.assert_allclose(zoo_core.linalg.pinv(T(a), 1e-2).numpy(),
                               torch.linalg.pinv(torch.tensor(a), 1e-2).numpy())
    assert zoo_core.linalg.matrix_rank(T(a), 1e-2).item() == torch.linalg.matrix_rank(torch.tensor(a), 1e-2).item() == 1
    assert zoo_core.pinverse(T(a)).numpy()[2, 2] == torch.pinverse(torch.tensor(a)).numpy()[2, 2]


def test_double_backward_through_cholesky_logdet():
    # d^2/dA^2 of 2 * sum(log(diag(chol(A)))) = logdet(A): compare the Hessian-vector product with logdet's
    rng = np.random.default_rng(0)
    m = rng.standard_normal((3, 3))
    a0 = m @ m.T + 3 * np.eye(3)
    v = rng.standard_normal((3, 3))
    v = v + v.T
    out = []
    for f in (lambda A: 2 * zoo_core.linalg.cholesky(A).diagonal(0, -2, -1).log().sum(),
              lambda A: zoo_core.logdet(A)):
        A = T(a0, requires_grad=True)
        (g,) = zoo_core.autograd.grad(f(0.5 * (A + A.mT)), A, create_graph=True)
        (h,) = zoo_core.autograd.grad((g * T(v)).sum(), A)
        out.append(h.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-8)


def test_no_graph_under_no_grad():
    a = T(np.eye(3) * 2, requires_grad=True)
    with zoo_core.no_grad():
        for r in (zoo_core.linalg.cholesky(a), zoo_core.linalg.eigh(a)[1], zoo_core.linalg.svd(a)[0],
                  zoo_core.linalg.qr(a)[0], zoo_core.linalg.matrix_exp(a), zoo_core.linalg.pinv(a),
                  zoo_core.linalg.solve_triangular(a, a, upper=True), zoo_core.linalg.lu_factor(a)[0]):
            assert r.grad_fn is None and not r.requires_grad


def test_results_are_fresh_tensors():
    a = T(np.eye(2) * 4)
    L = zoo_core.linalg.cholesky(a, upper=True)
    L.add_(1.0)
    assert a.tolist() == [[4.0, 0.0], [0.0, 4.0]]


def test_backward_errors_like_torch():
    a = T(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        zoo_core.linalg.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        zoo_core.linalg.qr(a, mode="complete").Q.sum().backward()


# ---- errors -------------------------------------------------------------------------------------
Z = zoo_core.zeros
NOT_PD = T([[1.0, 2.0], [2.0, 1.0]])
PD_MSG = ("The factorization could not be completed because the input is not positive-definite (the leading "
          "minor of order 2 is not positive-definite).")


@pytest.mark.parametrize("fn, msg", [
    (lambda: zoo_core.linalg.cholesky(Z(2, 3)), "linalg.cholesky: A must be batches of square matrices, but they "
                                                 "are 2 by 3 matrices"),
    (lambda: zoo_core.linalg.cholesky(Z(3)), "linalg.cholesky: The input tensor A must have at least 2 dimensions."),
    (lambda: zoo_core.linalg.cholesky(Z(2, 2, dtype=zoo_core.int64)), "linalg.cholesky: Expected a floating point"),
    (lambda: zoo_core.linalg.cholesky(NOT_PD), "linalg.cholesky: " + PD_MSG),
    (lambda: zoo_core.linalg.cholesky(zoo_core.stack([T(np.eye(2)), NOT_PD])),
     "linalg.cholesky: (Batch element 1): " + PD_MSG),
    (lambda: zoo_core.linalg.cholesky_ex(NOT_PD, check_errors=True), "linalg.cholesky_ex: " + PD_MSG),
    (lambda: zoo_core.linalg.eigh(Z(2, 3)), "linalg.eigh: A must be batches of square matrices, but they are 2 by 3"),
    (lambda: zoo_core.linalg.eigh(Z(2, 2), UPLO="X"), "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda: zoo_core.linalg.svd(Z(3)), "linalg.svd: The input tensor A must have at least 2 dimensions."),
    (lambda: zoo_core.linalg.qr(Z(3)), "linalg.qr: The input tensor A must have at least 2 dimensions."),
    (lambda: zoo_core.linalg.qr(Z(3, 3), mode="x"), "qr received unrecognized mode 'x' but expected one of "
                                                     "'reduced' (default), 'r', or 'complete'"),
    (lambda: zoo_core.linalg.solve_triangular(Z(3, 3), Z(2, 2), upper=True),
     "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x2)"),
    (lambda: zoo_core.linalg.solve_triangular(Z(2, 3), Z(2, 2), upper=True),
     "linalg.solve_triangular: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: zoo_core.linalg.solve_triangular(Z(3, 3), Z(3), upper=True),
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda: zoo_core.linalg.solve_triangular(Z(2, 3, 3), Z(4, 3, 1), upper=True),
     "linalg.solve_triangular: batch dimensions (2,) and (4,) cannot be broadcast"),
    (lambda: zoo_core.linalg.lstsq(Z(4, 3), Z(3, 2)), "torch.linalg.lstsq: input.size(-2) should match other.size(-2)"),
    (lambda: zoo_core.linalg.lstsq(Z(4, 3), Z(4, 2), driver="x"), "parameter `driver` should be one of"),
    (lambda: zoo_core.linalg.matrix_power(Z(2, 3), 2), "linalg.matrix_power: A must be batches of square matrices, "
                                                        "but they are 2 by 3 matrices"),
    (lambda: zoo_core.linalg.matrix_exp(Z(2, 3)), "linalg.matrix_exp: A must be batches of square matrices, but "
                                                   "they are 2 by 3 matrices"),
    (lambda: zoo_core.linalg.multi_dot([Z(2, 3)]), "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda: zoo_core.linalg.multi_dot([Z(2, 3), Z(4, 2)]), "multi_dot(): tensors 0 and 1 with shapes [2, 3] and "
                                                             "[4, 2] cannot be multiplied"),
    (lambda: zoo_core.linalg.multi_dot([Z(2, 3, 3), Z(3, 2)]), "multi_dot(): the first tensor must be 1D or 2D "
                                                                "but got 3D"),
    (lambda: zoo_core.cholesky_solve(Z(2, 2), Z(3, 3)), "cholesky_solve: Incompatible matrix sizes"),
    (lambda: zoo_core.linalg.inv_ex(Z(2, 2), check_errors=True), "linalg.inv_ex: The diagonal element 1 is zero"),
    (lambda: zoo_core.linalg.lu_factor(Z(2, 2)), "linalg.lu_factor: U[1,1] is zero, singular U."),
])
def test_errors_name_the_op_and_values(fn, msg):
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        fn()


def test_not_positive_definite_is_a_linalg_error(device):
    with pytest.raises(zoo_core.linalg.LinAlgError, match=re.escape("leading minor of order 3")):
        zoo_core.linalg.cholesky(T(np.diag([1.0, 2.0, -1.0]), device=device))
    with pytest.raises(zoo_core.linalg.LinAlgError, match=re.escape("(Batch element 2)")):
        zoo_core.linalg.cholesky(T(np.stack([np.eye(2), np.eye(2), [[1.0, 3.0], [3.0, 1.0]]]), device=device)
                                 .to(zoo_core.float32))


def test_degenerate_spectrum_gradients_are_finite_when_vectors_are_unused():
    # eigenvalue/singular-value gaps of 0 must not reach the gradient when only the values are used
    a = T(np.eye(3) * 2, requires_grad=True)
    zoo_core.linalg.eigh(a).eigenvalues.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.eye(3))
    a.grad = None
    zoo_core.linalg.svd(a).S.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.eye(3))


def test_cusolver_style_cholesky_failure_is_detected():
    # cuSOLVER returns a partial factor instead of raising: the check must flag it (and only it)
    from zoo_core.ops.linalg_decomp import _cholesky_failed
    x = np.array([[[1.0, 2.0], [2.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 5.0]]])
    r = np.array([[[1.0, 0.0], [2.0, -3.0]], [[1.0, 0.0], [2.0, 1.0]], [[2.0, 0.0], [1.0, 2.0]]])
    assert _cholesky_failed(x, r, np).tolist() == [True, True, False]
    assert _cholesky_failed(x[:1], np.full((1, 2, 2), np.nan), np).tolist() == [True]


def test_out_arguments():
    a = T([[4.0, 2.0], [2.0, 5.0]])
    out = zoo_core.empty(2, 2, dtype=zoo_core.float64)
    r = zoo_core.linalg.cholesky(a, out=out)
    assert r is out and out.tolist() == [[2.0, 0.0], [1.0, 2.0]]
    w, v = zoo_core.empty(0, dtype=zoo_core.float64), zoo_core.empty(0, dtype=zoo_core.float64)
    r = zoo_core.linalg.eigh(T(np.diag([2.0, 1.0])), out=(w, v))
    assert r.eigenvalues is w and w.tolist() == [1.0, 2.0] and v.shape == (2, 2)
