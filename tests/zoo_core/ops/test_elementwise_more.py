"""More elementwise ops (ops/binary_math.py), in-place forms (ops/arith_inplace.py) and torch.special
functions (ops/special_functions.py), against PyTorch."""
import math

import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

X = [(2, 3)]
XY = [(2, 3), (2, 3)]
BC = [(3, 1), (1, 4)]
INTS = np.array([3, -5, 0, 7, 12, -8], dtype=np.int64)


def _sp(lib):
    return lib.special


CASES = [
    OpCase("xlogy", lambda lib, x, y: lib.xlogy(x, y), XY, low=0.2, high=3.0),
    OpCase("xlogy_broadcast", lambda lib, x, y: lib.xlogy(x, y), BC, low=0.2, high=3.0),
    OpCase("xlogy_scalar", lambda lib, x: lib.xlogy(x, 2.5), X),
    OpCase("xlogy_zero", lambda lib, x, y: lib.xlogy(x, y),
           arrays=[np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, np.nan, 0.0, 3.0])],
           expected=[0.0, np.nan, -np.inf, 0.0], grad=False),
    OpCase("special_xlogy", lambda lib, x, y: lib.special.xlogy(x, y), XY, low=0.2, high=3.0),
    OpCase("xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y), XY, low=-0.5, high=3.0),
    OpCase("hypot", lambda lib, x, y: lib.hypot(x, y), BC, avoid=[0.0]),
    OpCase("logaddexp", lambda lib, x, y: lib.logaddexp(x, y), BC),
    OpCase("logaddexp2", lambda lib, x, y: lib.logaddexp2(x, y), XY),
    OpCase("copysign", lambda lib, x, y: lib.copysign(x, y), XY, avoid=[0.0], grad_inputs=[True, False]),
    OpCase("copysign_scalar", lambda lib, x: lib.copysign(x, -1.0), X, avoid=[0.0]),
    OpCase("sinc", lambda lib, x: lib.sinc(x), X, low=-3, high=3, avoid=[0.0]),
    OpCase("special_sinc", lambda lib, x: lib.special.sinc(x), X),
    OpCase("deg2rad", lambda lib, x: lib.deg2rad(x), X),
    OpCase("rad2deg", lambda lib, x: lib.rad2deg(x), X),
    # (PyTorch's gradient is 0 for a negative integer exponent: 2 ** -2 in integer arithmetic)
    OpCase("ldexp", lambda lib, x: lib.ldexp(x, lib.tensor([[1, 0, 3]], device=x.device)), X),
    OpCase("frexp", lambda lib, x: lib.frexp(x), X, low=-9, high=9, avoid=[-8, -4, -2, -1, 0, 1, 2, 4, 8]),
    OpCase("i0", lambda lib, x: lib.i0(x), [(3, 4)], low=-10, high=10),
    OpCase("special_i0", lambda lib, x: lib.special.i0(x), X, low=-4, high=4),
    OpCase("i0e", lambda lib, x: lib.special.i0e(x), [(3, 4)], low=-10, high=10, avoid=[0.0]),
    OpCase("i1", lambda lib, x: lib.special.i1(x), [(3, 4)], low=-10, high=10, avoid=[0.0]),
    OpCase("i1e", lambda lib, x: lib.special.i1e(x), [(3, 4)], low=-10, high=10, avoid=[0.0]),
    OpCase("ndtr", lambda lib, x: lib.special.ndtr(x), [(3, 4)], low=-4, high=4),
    OpCase("ndtri", lambda lib, x: lib.special.ndtri(x), [(3, 4)], low=0.02, high=0.98),
    OpCase("log_ndtr", lambda lib, x: lib.special.log_ndtr(x), [(3, 4)], low=-6, high=4),
    OpCase("erfcx", lambda lib, x: lib.special.erfcx(x), [(3, 4)], low=-3, high=10),
    OpCase("entr", lambda lib, x: lib.special.entr(x), X, low=0.1, high=3),
    OpCase("zeta_q", lambda lib, x, q: lib.special.zeta(x, q), XY, low=1.5, high=4.0,
           grad_inputs=[False, True]),
    OpCase("gammainc_x", lambda lib, a, x: lib.special.gammainc(a, x), XY, low=0.5, high=4.0,
           grad_inputs=[False, True]),
    OpCase("gammaincc_x", lambda lib, a, x: lib.special.gammaincc(a, x), BC, low=0.5, high=4.0,
           grad_inputs=[False, True]),
    OpCase("igamma", lambda lib, a, x: lib.igamma(a, x), XY, low=0.5, high=30.0, grad=False),
    # no gradient in PyTorch: forward parity (and cuda vs cpu) only
    *[OpCase(n, (lambda n: lambda lib, x: getattr(lib.special, n)(x))(n), [(4, 5)], low=lo, high=hi, grad=False)
      for n, lo, hi in [("bessel_j0", -20, 20), ("bessel_j1", -20, 20), ("bessel_y0", 0.1, 20),
                        ("bessel_y1", 0.1, 20), ("modified_bessel_i0", -12, 12), ("modified_bessel_i1", -12, 12),
                        ("modified_bessel_k0", 0.1, 12), ("modified_bessel_k1", 0.1, 12),
                        ("scaled_modified_bessel_k0", 0.1, 12), ("scaled_modified_bessel_k1", 0.1, 12),
                        ("spherical_bessel_j0", -10, 10), ("airy_ai", -8, 8)]],
    *[OpCase(n + f"_{deg}", (lambda n, deg: lambda lib, x: getattr(lib.special, n)(x, deg))(n, deg), [(3, 5)],
             low=lo, high=hi, grad=False, atol=1e-7, rtol=1e-7)
      for deg in (0, 3, 11)
      for n, lo, hi in [("chebyshev_polynomial_t", -1, 1), ("chebyshev_polynomial_u", -1, 1),
                        ("chebyshev_polynomial_v", -1, 1), ("chebyshev_polynomial_w", -1, 1),
                        ("shifted_chebyshev_polynomial_t", 0, 1), ("shifted_chebyshev_polynomial_u", 0, 1),
                        ("shifted_chebyshev_polynomial_v", 0, 1), ("shifted_chebyshev_polynomial_w", 0, 1),
                        ("hermite_polynomial_h", -2, 2), ("hermite_polynomial_he", -2, 2),
                        ("laguerre_polynomial_l", -2, 3), ("legendre_polynomial_p", -1, 1)]],
    OpCase("zeta", lambda lib, x, q: lib.special.zeta(x, q), XY, low=1.2, high=6.0, grad=False),
    OpCase("nextafter", lambda lib, x, y: lib.nextafter(x, y), XY, grad=False),
    OpCase("signbit", lambda lib, x: lib.signbit(x), X, grad=False),
    OpCase("heaviside", lambda lib, x: lib.heaviside(x, lib.tensor(0.5, dtype=x.dtype, device=x.device)),
           arrays=[np.array([-1.0, 0.0, 2.0, np.nan])], expected=[0.0, 0.5, 1.0, 0.0], grad=False),
    OpCase("gcd", lambda lib, a, b: lib.gcd(a, b), arrays=[INTS, np.array([6, 10, 0, -21, 18, 4])],
           expected=[3, 5, 0, 7, 6, 4], grad=False),
    OpCase("lcm", lambda lib, a, b: lib.lcm(a, b), arrays=[INTS, np.array([6, 10, 0, -21, 18, 4])],
           expected=[6, 10, 0, 21, 36, 8], grad=False),
    OpCase("lshift", lambda lib, a, b: a << b, arrays=[INTS, np.array([1, 2, 70, -1, 63, 3])], grad=False),
    OpCase("rshift", lambda lib, a, b: a >> b, arrays=[INTS, np.array([1, 2, 70, -1, 63, 1])], grad=False),
    OpCase("rlshift", lambda lib, a: 1 << a, arrays=[np.array([0, 3, 62])], expected=[1, 8, 1 << 62], grad=False),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


# ---- values PyTorch gives at the edges ---------------------------------------------------------------
EDGE = np.array([0.0, -0.0, 1e-300, 1e-8, 2.0, 5.0, 8.0, -8.0, 30.0, 110.0, 710.0, -710.0, np.inf, -np.inf, np.nan])
UNARY_SPECIAL = ["i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
                 "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "bessel_j0",
                 "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0", "airy_ai", "log_ndtr", "erfcx",
                 "entr", "ndtr"]


@pytest.mark.parametrize("name", UNARY_SPECIAL)
def test_special_edges_match_torch(name):
    torch = pytest.importorskip("torch")
    x = np.concatenate([EDGE, -EDGE, np.linspace(-40, 40, 161)])
    ours = getattr(zoo_core.special, name)(zoo_core.tensor(x)).numpy()
    ref = getattr(torch.special, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-300 if name != "ndtr" else 1e-15, err_msg=name)


def test_ndtri_and_zeta_edges_match_torch():
    torch = pytest.importorskip("torch")
    y = np.array([0.0, 1.0, -0.5, 1.5, 1e-300, 1e-20, 0.5, math.exp(-2), 1 - 1e-12, np.nan])
    np.testing.assert_allclose(zoo_core.special.ndtri(zoo_core.tensor(y)).numpy(),
                               torch.special.ndtri(torch.tensor(y)).numpy(), rtol=1e-13)
    s = np.array([1.0, 0.5, 2.0, 3.0, 2.0, 2.5, 40.0, np.nan])
    q = np.array([1.0, 1.0, -1.0, -1.5, -1.5, -2.5, 0.3, 1.0])
    np.testing.assert_allclose(zoo_core.special.zeta(zoo_core.tensor(s), zoo_core.tensor(q)).numpy(),
                               torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy(), rtol=1e-13)


def test_gammainc_edges_and_accuracy():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(0.01, 20, 300), [0, 0, 1, np.inf, -1, 2, np.inf, 2]])
    x = np.concatenate([rng.uniform(0, 40, 300), [0, 1, 0, 1, 1, np.inf, np.inf, np.nan]])
    for name in ("gammainc", "gammaincc"):
        ours = getattr(zoo_core.special, name)(zoo_core.tensor(a), zoo_core.tensor(x)).numpy()
        ref = getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-300, err_msg=name)


def test_polynomials_large_degree_and_tensor_n():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.uniform(-0.99, 0.99, 50)
    n = rng.integers(-2, 40, 50)
    for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "legendre_polynomial_p",
                 "hermite_polynomial_he", "laguerre_polynomial_l"):
        ours = getattr(zoo_core.special, name)(zoo_core.tensor(x), zoo_core.tensor(n)).numpy()
        ref = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12, err_msg=name)
    x3 = [0.3, 1.0, -1.0]
    assert zoo_core.special.chebyshev_polynomial_t(zoo_core.tensor(x3, dtype=zoo_core.float64), 500).tolist() == \
        pytest.approx(torch.special.chebyshev_polynomial_t(torch.tensor(x3, dtype=torch.float64), 500).tolist())
    assert math.isnan(zoo_core.special.hermite_polynomial_h(zoo_core.tensor([0.5], dtype=zoo_core.float64),
                                                             600).item())


# ---- dtypes, in-place forms, errors ----------------------------------------------------------------
def _same(ours, ref):
    assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1], (ours.dtype, ref.dtype)
    np.testing.assert_allclose(ours.numpy().astype(np.float64), ref.numpy().astype(np.float64), rtol=1e-6)


@pytest.mark.parametrize("expr", [
    "lib.xlogy(i, i)", "lib.xlogy(2, f)", "lib.xlogy(b, b)", "lib.copysign(i, -1)", "lib.copysign(b, b)",
    "lib.ldexp(i, i)", "lib.signbit(i)", "lib.signbit(b)", "lib.sinc(i)", "lib.deg2rad(i)", "lib.rad2deg(b)",
    "lib.nextafter(f, d0)", "lib.heaviside(i, i)", "lib.isreal(i)", "lib.i0(i)", "lib.special.entr(i)",
    "lib.special.chebyshev_polynomial_t(i, i)", "lib.special.chebyshev_polynomial_t(2, i)",
    "lib.special.zeta(i, i)", "lib.special.xlog1py(i, f)", "lib.bitwise_left_shift(u8, 9)",
    "lib.bitwise_right_shift(i8, 9)", "lib.bitwise_left_shift(i8, 7)", "lib.special.round(f)",
    "lib.special.logsumexp(f, 0)", "lib.frexp(f).exponent", "lib.frexp(f).mantissa",
    "lib.ldexp(f.double(), lib.tensor([200, 1, -3]))", "lib.special.zeta(2.0, f + 3)",
    "lib.special.legendre_polynomial_p(0.3, i)",
])
def test_dtypes_match_torch(expr):
    torch = pytest.importorskip("torch")
    vals = {}
    for lib in (zoo_core, torch):
        env = dict(lib=lib, i=lib.tensor([1, 2, -3]), f=lib.tensor([1.0, 0.0, -2.5]), b=lib.tensor([True, False, True]),
                   d0=lib.tensor(1.0, dtype=lib.float64), u8=lib.tensor([1, 2], dtype=lib.uint8),
                   i8=lib.tensor([-128, 1], dtype=lib.int8))
        vals[lib.__name__] = eval(expr, env)
    _same(vals["zoo_core"], vals["torch"])


INPLACE = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
           "not_equal_", "logical_and_", "logical_or_", "logical_xor_"]


@pytest.mark.parametrize("name", INPLACE)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_predicate_inplace_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    res = []
    for lib in (zoo_core, torch):
        t = lib.tensor([1.0, 0.0, -2.0, 3.0]).to(getattr(lib, dtype))
        r = getattr(t, name)(lib.tensor([1.0, 2.0, -2.0, 0.0]).to(getattr(lib, dtype)))
        assert r is t
        res.append(t)
    _same(*res)


def test_inplace_forms(device):
    torch = pytest.importorskip("torch")
    x = np.array([0.5, -1.5, 2.0, 0.0])
    for name, args in [("xlogy_", (2.0,)), ("hypot_", "T"), ("copysign_", (-1.0,)), ("sinc_", ()), ("deg2rad_", ()),
                       ("rad2deg_", ()), ("nextafter_", "T"), ("i0_", ()), ("logical_not_", ()), ("ldexp_", "I"),
                       ("igamma_", "A"), ("igammac_", "A"), ("nan_to_num_", ())]:
        res = []
        for lib, dev in ((zoo_core, device), (torch, "cpu")):
            t = lib.tensor(np.abs(x) if name.startswith("igamma") else x, dtype=lib.float64, device=dev)
            a = {"T": (lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, device=dev),),
                 "I": (lib.tensor([1, 2, 3, 4], device=dev),),
                 "A": (lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, device=dev),)}.get(args, args)
            assert getattr(t, name)(*a) is t
            res.append(t.cpu())
        _same(*res)
    for name in ("bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_", "bitwise_right_shift_",
                 "gcd_", "lcm_"):
        res = []
        for lib, dev in ((zoo_core, device), (torch, "cpu")):
            t = lib.tensor([12, 5, -7], device=dev)
            getattr(t, name)(lib.tensor([8, 3, 2], device=dev))
            res.append(t.cpu())
        _same(*res)
    t = zoo_core.tensor([5, 6], device=device)
    t <<= 2
    t >>= 1
    assert t.tolist() == [10, 12]
    t = zoo_core.tensor([5, -6], device=device)
    t.bitwise_not_()
    assert t.tolist() == [-6, 5]


def test_float_power_inplace():
    x = zoo_core.tensor([2.0, 3.0], dtype=zoo_core.float64)
    assert x.float_power_(2).tolist() == [4.0, 9.0]
    with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
        zoo_core.tensor([2.0]).float_power_(2)


def test_torch_level_inplace_functions():
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch) if n.endswith("_") and not n.startswith("_")]
    elementwise = ["abs_", "acos_", "asin_", "atan_", "ceil_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp_",
                   "exp2_", "expm1_", "fix_", "floor_", "frac_", "i0_", "log_", "log10_", "log1p_", "log2_", "neg_",
                   "rad2deg_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
                   "square_", "tan_", "tanh_", "trunc_", "nan_to_num_", "relu_"]
    for n in elementwise:
        assert n in names
        res = []
        for lib in (zoo_core, torch):
            t = lib.tensor([0.3, 0.7, 0.9], dtype=lib.float64)
            assert getattr(lib, n)(t) is t, n
            res.append(t)
        _same(*res)
    for n in ("clamp_", "clamp_min_", "clamp_max_", "xlogy_", "gcd_", "lcm_", "ldexp_", "logit_", "zero_", "fill_"):
        assert callable(getattr(zoo_core, n)), n


def test_gradients_of_frexp_and_sinc_at_zero():
    x = zoo_core.tensor([0.0, 3.0], dtype=zoo_core.float64, requires_grad=True)
    zoo_core.sinc(x).sum().backward()
    assert x.grad[0].item() == 0.0
    x = zoo_core.tensor([3.0], dtype=zoo_core.float64, requires_grad=True)
    zoo_core.frexp(x).mantissa.sum().backward()
    assert x.grad.item() == 0.25


@pytest.mark.parametrize("call, exc, match", [
    (lambda: zoo_core.hypot(zoo_core.tensor([1, 2]), zoo_core.tensor([1, 2])), NotImplementedError, "hypot_cpu.*Long"),
    (lambda: zoo_core.hypot(zoo_core.tensor([1.0]), 2.0), TypeError, "must be Tensor, not float"),
    (lambda: zoo_core.copysign(2, zoo_core.tensor([1.0])), TypeError, "must be Tensor, not int"),
    (lambda: zoo_core.gcd(zoo_core.tensor([1.0]), zoo_core.tensor([2.0])), NotImplementedError, "gcd_cpu.*Float"),
    (lambda: zoo_core.heaviside(zoo_core.tensor([1.0]), zoo_core.tensor(0.5, dtype=zoo_core.float64)), RuntimeError,
     "different dtypes"),
    (lambda: zoo_core.frexp(zoo_core.tensor([1, 2])), RuntimeError, "floating-point"),
    (lambda: zoo_core.logaddexp(zoo_core.tensor([1]), zoo_core.tensor([1])), NotImplementedError, "logaddexp_cpu"),
    (lambda: zoo_core.bitwise_left_shift(zoo_core.tensor([1.0]), 1), NotImplementedError, "lshift_cpu.*Float"),
    (lambda: zoo_core.tensor([1.0]).bitwise_and_(1), NotImplementedError, "bitwise_and"),
    (lambda: zoo_core.special.gammainc(zoo_core.tensor([1, 2]), zoo_core.tensor([1, 2])), NotImplementedError,
     "igamma_cpu.*Long"),
    (lambda: zoo_core.tensor([1, 2]).xlogy_(2), RuntimeError, "can't be cast"),
    (lambda: zoo_core.heaviside(zoo_core.tensor([1.0], requires_grad=True), zoo_core.tensor([0.5])).sum().backward(),
     RuntimeError, "heaviside is not implemented"),
    (lambda: zoo_core.special.zeta(zoo_core.tensor([2.0], requires_grad=True), 1.0).sum().backward(),
     NotImplementedError, "zeta"),
    (lambda: zoo_core.special.gammainc(zoo_core.tensor([2.0], requires_grad=True), zoo_core.tensor([1.0])).sum()
     .backward(), NotImplementedError, "igamma: input"),
    (lambda: zoo_core.nextafter(zoo_core.tensor([2.0], requires_grad=True), zoo_core.tensor([1.0])).sum().backward(),
     NotImplementedError, "nextafter"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
