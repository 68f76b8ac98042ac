"""Differential tests of the elementwise ops against PyTorch: result dtypes over every dtype pair (and
Python/numpy scalars, 0-d tensors), values at inf/nan/-0.0 and integer edges, the exception type where
PyTorch refuses, in-place dtype rules, and float64 gradients at kinks (abs at 0, clamp at its bounds,
max/min ties, pow at 0)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import zoo_core as zoo  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [2, -3, 300, 2.5, True, 0]


def _lib_f(lib):
    return TF if lib is torch else zoo.nn.functional


def _arr(dt, shape, rs):
    if dt == "bool":
        a = rs.rand(*shape) > 0.5
    elif dt == "uint8":
        a = rs.randint(0, 20, shape)
    elif dt.startswith("int"):
        a = rs.randint(-10, 10, shape)
    else:
        a = rs.randn(*shape) * 3
    return np.asarray(a).astype(dt)


def _conv(lib, x):
    return lib.tensor(x.copy()) if isinstance(x, np.ndarray) else x


def _run(lib, fn, args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib, *[_conv(lib, a) for a in args]), None
    except Exception as e:   # the exception type is compared with PyTorch's
        return None, e


def _mismatch(fn, args, signed_zeros=True):
    """None when zoo and torch agree on ``fn(lib, *args)``: same exception type, or same result type,
    dtype, shape and values (nan == nan, and with ``signed_zeros`` the sign of float32/64 zeros); else a
    description."""
    tr, te = _run(torch, fn, args)
    zr, ze = _run(zoo, fn, args)
    if te is not None or ze is not None:
        if te is None or ze is None or type(te) is not type(ze):
            return f"torch: {te!r:.120}, zoo: {ze!r:.120}"
        return None
    trs, zrs = (tr, zr) if isinstance(tr, (tuple, list)) else ((tr,), (zr,))
    for t, z in zip(trs, zrs):
        if not isinstance(t, torch.Tensor):
            if t != z or type(t) is not type(z):
                return f"torch {t!r}, zoo {z!r}"
            continue
        if not isinstance(z, zoo.Tensor):
            return f"zoo returned {type(z).__name__}"
        if str(t.dtype) != str(z.dtype).replace("zoo_core", "torch"):
            return f"dtype torch {t.dtype}, zoo {z.dtype}"
        if tuple(t.shape) != tuple(z.shape):
            return f"shape torch {tuple(t.shape)}, zoo {tuple(z.shape)}"
        tn = t.detach().numpy().astype(np.float64)
        zn = z.detach().numpy().astype(np.float64)
        tol = 2e-3 if t.dtype == torch.float16 else 1e-5
        ok = np.isclose(tn, zn, rtol=tol, atol=tol, equal_nan=True)
        if signed_zeros and t.dtype in (torch.float32, torch.float64):
            ok &= (np.signbit(tn) == np.signbit(zn)) | np.isnan(tn) | (tn != 0)
        if not ok.all():
            return f"values torch {tn[~ok][:4]}, zoo {zn[~ok][:4]}"
    return None


def _check_all(cases):
    bad = [f"{name}: {m}" for name, fn, args in cases if (m := _mismatch(fn, args)) is not None]
    assert not bad, f"{len(bad)} of {len(cases)} cases differ from torch:\n" + "\n".join(bad[:25])


# ---- binary ops over the dtype matrix ---------------------------------------------------------------
BINARY = {
    "add": lambda l, a, b: l.add(a, b),
    "add_alpha": lambda l, a, b: l.add(a, b, alpha=2),
    "sub": lambda l, a, b: l.sub(a, b),
    "mul": lambda l, a, b: l.mul(a, b),
    "div": lambda l, a, b: l.div(a, b),
    "div_floor": lambda l, a, b: l.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda l, a, b: l.div(a, b, rounding_mode="trunc"),
    "floor_divide": lambda l, a, b: l.floor_divide(a, b),
    "remainder": lambda l, a, b: l.remainder(a, b),
    "fmod": lambda l, a, b: l.fmod(a, b),
    "pow": lambda l, a, b: l.pow(a, b),
    "eq": lambda l, a, b: l.eq(a, b),
    "lt": lambda l, a, b: l.lt(a, b),
    "logical_and": lambda l, a, b: l.logical_and(a, b),
    "logical_xor": lambda l, a, b: l.logical_xor(a, b),
    "bitwise_and": lambda l, a, b: l.bitwise_and(a, b),
    "bitwise_or": lambda l, a, b: l.bitwise_or(a, b),
    "maximum": lambda l, a, b: l.maximum(a, b),
    "fmin": lambda l, a, b: l.fmin(a, b),
    "atan2": lambda l, a, b: l.atan2(a, b),
    "float_power": lambda l, a, b: l.float_power(a, b),
    "where": lambda l, a, b: l.where(l.tensor([True, False, True, False]), a, b),
    "clamp_min_t": lambda l, a, b: l.clamp(a, min=b),
    "clamp_max_t": lambda l, a, b: l.clamp(a, max=b),
    "rsub": lambda l, a, b: l.rsub(a, b),
    "op+": lambda l, a, b: a + b,
    "op-": lambda l, a, b: a - b,
    "op*": lambda l, a, b: a * b,
    "op/": lambda l, a, b: a / b,
    "op//": lambda l, a, b: a // b,
    "op%": lambda l, a, b: a % b,
    "op**": lambda l, a, b: a ** b,
    "op&": lambda l, a, b: a & b,
    "op^": lambda l, a, b: a ^ b,
    "op<": lambda l, a, b: a < b,
    "op==": lambda l, a, b: a == b,
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_dtype_matrix(name):
    """Every dtype pair (broadcast), tensor with a 0-d tensor, and both orders of tensor and scalar."""
    fn = BINARY[name]
    rs = np.random.RandomState(0)
    cases = []
    for d1 in DTYPES:
        for d2 in DTYPES:
            cases.append((f"[{d1},{d2}]", fn, [_arr(d1, (3, 4), rs), _arr(d2, (4,), rs)]))
            cases.append((f"[{d1},0d-{d2}]", fn, [_arr(d1, (4,), rs), _arr(d2, (), rs)]))
        for s in SCALARS:
            cases.append((f"[{d1},{s!r}]", fn, [_arr(d1, (4,), rs), s]))
            cases.append((f"[{s!r},{d1}]", fn, [s, _arr(d1, (4,), rs)]))
    _check_all(cases)


# ---- in-place binary ops: the promoted result type must fit the tensor ---------------------------------
INPLACE = {
    "add_": lambda l, a, b: a.add_(b), "add_(alpha=2)": lambda l, a, b: a.add_(b, alpha=2),
    "sub_": lambda l, a, b: a.sub_(b), "mul_": lambda l, a, b: a.mul_(b), "div_": lambda l, a, b: a.div_(b),
    "div_(floor)": lambda l, a, b: a.div_(b, rounding_mode="floor"), "pow_": lambda l, a, b: a.pow_(b),
    "remainder_": lambda l, a, b: a.remainder_(b), "floor_divide_": lambda l, a, b: a.floor_divide_(b),
    "fmod_": lambda l, a, b: a.fmod_(b), "clamp_min_": lambda l, a, b: a.clamp_min_(b),
    "atan2_": lambda l, a, b: a.atan2_(b), "copy_": lambda l, a, b: a.copy_(b),
    "&=": lambda l, a, b: a.__iand__(b), "|=": lambda l, a, b: a.__ior__(b), "^=": lambda l, a, b: a.__ixor__(b),
    "*=": lambda l, a, b: a.__imul__(b), "/=": lambda l, a, b: a.__itruediv__(b),
    "//=": lambda l, a, b: a.__ifloordiv__(b), "%=": lambda l, a, b: a.__imod__(b), "**=": lambda l, a, b: a.__ipow__(b),
    "-=": lambda l, a, b: a.__isub__(b),
}
_INPLACE_DTYPES = ["bool", "uint8", "int8", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_dtype_matrix(name):
    fn = INPLACE[name]
    rs = np.random.RandomState(1)
    cases = []
    for d1 in _INPLACE_DTYPES:
        for d2 in _INPLACE_DTYPES:
            cases.append((f"[{d1},{d2}]", fn, [_arr(d1, (3, 4), rs), _arr(d2, (4,), rs)]))
        for s in (2, -3, 2.5, True):
            cases.append((f"[{d1},{s!r}]", fn, [_arr(d1, (3, 4), rs), s]))
    _check_all(cases)


# ---- unary ops on special values ---------------------------------------------------------------------
_SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 1e-30, 100., -100.,
                     3.7, 2.5, 0.9999, 1e4, -1e4])
_INTS = {"bool": [True, False, True], "uint8": [0, 1, 2, 200, 255]}


def _special(dt):
    if dt in _INTS:
        return np.array(_INTS[dt]).astype(dt)
    if dt.startswith("int"):
        return np.array([0, 1, -1, 5, -7, 100, -100]).astype(dt)
    return _SPECIAL.astype(dt)


UNARY = {n: (lambda n: lambda l, a: getattr(l, n)(a))(n) for n in (
    "abs neg exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sign sgn sin cos tan asin acos "
    "atan sinh cosh tanh asinh acosh atanh sigmoid relu erf erfc erfinv lgamma digamma floor ceil trunc frac "
    "round isnan isinf isfinite isposinf isneginf nan_to_num logical_not bitwise_not fix").split()}
UNARY.update({
    "round_dec2": lambda l, a: l.round(a, decimals=2),
    "round_dec-1": lambda l, a: l.round(a, decimals=-1),
    "nan_to_num_args": lambda l, a: l.nan_to_num(a, nan=1.5, posinf=2.0, neginf=-3.0),
    "logit": lambda l, a: l.logit(a),
    "logit_eps": lambda l, a: l.logit(a, eps=0.1),
    "clamp": lambda l, a: l.clamp(a, -1, 2),
    "clamp_float_bounds": lambda l, a: l.clamp(a, -1.5, 2.5),
    "clamp_reversed": lambda l, a: l.clamp(a, 3, 1),
    "clamp_max0": lambda l, a: l.clamp_max(a, 0),
    "clamp_min0": lambda l, a: l.clamp_min(a, 0.0),
    "polygamma1_pos": lambda l, a: l.polygamma(1, l.abs(a) + 0.5),
    "mvlgamma_p1": lambda l, a: l.mvlgamma(l.abs(a) + 0.5, 1),
    # gelu(inf): torch's float32 kernel gives nan, zoo the limit inf
    "gelu": lambda l, a: _lib_f(l).gelu(a[~l.isinf(a)]),
    "gelu_tanh": lambda l, a: _lib_f(l).gelu(a, approximate="tanh"),
    "silu": lambda l, a: _lib_f(l).silu(a),
    "mish": lambda l, a: _lib_f(l).mish(a),
    "softplus": lambda l, a: _lib_f(l).softplus(a),
    "softplus_beta": lambda l, a: _lib_f(l).softplus(a, beta=2, threshold=5),
    "pow0.5": lambda l, a: l.pow(a, 0.5),
    "pow2": lambda l, a: l.pow(a, 2),
    "pow-1.0": lambda l, a: l.pow(a, -1.0),
    "pow-1": lambda l, a: l.pow(a, -1),
    "op**3": lambda l, a: a ** 3,
    "op**0": lambda l, a: a ** 0,
    "op**True": lambda l, a: a ** True,
    "2**op": lambda l, a: 2 ** a,
    "2.0**op": lambda l, a: 2.0 ** a,
    "0**op": lambda l, a: 0 ** a,
    "special.expit": lambda l, a: l.special.expit(a),
    "special.gammaln": lambda l, a: l.special.gammaln(a),
    "special.erfinv": lambda l, a: l.special.erfinv(a),
    "op+": lambda l, a: +a,
    "op~": lambda l, a: ~a,
    "op-": lambda l, a: -a,
})


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_special_values(name):
    fn = UNARY[name]
    cases = [(f"[{d}]", fn, [_special(d)]) for d in DTYPES]
    cases += [("[0d]", fn, [np.array(0.5, np.float32)]), ("[0d-f64]", fn, [np.array(-2.0)]),
              ("[empty]", fn, [np.zeros((0, 3), np.float32)])]
    _check_all(cases)


# ---- one-off cases: scalars, 0-d tensors, numpy scalars, rounding, in-place dtype rules -------------------
def _t(lib, x, dtype=None):
    return lib.tensor(x, dtype=None if dtype is None else getattr(lib, dtype))


MISC = {
    # numpy scalars are weak like Python numbers (NEP 50 would upcast float32 to float64)
    "f32*np.float64": lambda l: _t(l, [1., 2.]) * np.float64(3.3),
    "np.float64*f32": lambda l: np.float64(3.3) * _t(l, [1., 2.]),
    "u8+np.int64": lambda l: _t(l, [1, 2], "uint8") + np.int64(3),
    "u8+np.int64(-3)": lambda l: _t(l, [1, 2], "uint8") + np.int64(-3),
    "i64*np.float32": lambda l: _t(l, [1, 2]) * np.float32(1.5),
    "f16/np.int64": lambda l: _t(l, [1., 2.], "float16") / np.int64(3),
    "f32.add_(np.float64)": lambda l: _t(l, [1., 2.]).add_(np.float64(1.5)),
    "f32**np.float64": lambda l: _t(l, [1., 2.]) ** np.float64(2),
    "np.float64**f32": lambda l: np.float64(2) ** _t(l, [1., 2.]),
    "f32<np.float64": lambda l: _t(l, [1., 2.]) < np.float64(2),
    "where(f32, np.float64)": lambda l: l.where(_t(l, [True, False]), _t(l, [1., 2.]), np.float64(0.5)),
    # Python ints out of an integer dtype's range wrap (two's complement), as PyTorch converts them
    "u8+-3": lambda l: _t(l, [1, 5, 200], "uint8") + -3,
    "u8*-1": lambda l: _t(l, [1, 5, 200], "uint8") * -1,
    "u8+1000": lambda l: _t(l, [1, 5, 200], "uint8") + 1000,
    "i8*1000": lambda l: _t(l, [1, -5, 100], "int8") * 1000,
    "u8<-3": lambda l: _t(l, [1, 5, 200], "uint8") < -3,
    "u8==257": lambda l: _t(l, [1, 5, 200], "uint8") == 257,
    "i8<200": lambda l: _t(l, [1, -5, 100], "int8") < 200,
    "u8//-3": lambda l: _t(l, [1, 5, 200], "uint8") // -3,
    "u8 div trunc -3": lambda l: l.div(_t(l, [1, 5, 200], "uint8"), -3, rounding_mode="trunc"),
    "u8/-3 (true div uses the value)": lambda l: _t(l, [1, 5, 200], "uint8") / -3,
    "i64+2**63": lambda l: _t(l, [1, 2]) + 2 ** 63,
    "u8.add_(-3)": lambda l: _t(l, [1, 2], "uint8").add_(-3),
    "i8.mul_(1000)": lambda l: _t(l, [1, 2], "int8").mul_(1000),
    "add(u8, 2, alpha=-1)": lambda l: l.add(_t(l, [1, 5], "uint8"), 2, alpha=-1),
    "clamp(u8, -3)": lambda l: l.clamp(_t(l, [1, 5], "uint8"), -3),
    "clamp(u8, 256)": lambda l: l.clamp(_t(l, [1, 5], "uint8"), 256),
    "clamp(i8, 200)": lambda l: l.clamp(_t(l, [1, 5], "int8"), 200),
    "where(u8, -3)": lambda l: l.where(_t(l, [True, False]), _t(l, [1, 5], "uint8"), -3),
    "where(u8, 300)": lambda l: l.where(_t(l, [True, False]), _t(l, [1, 5], "uint8"), 300),
    "i8.fill_(300)": lambda l: l.zeros(2, dtype=l.int8).fill_(300),
    "u8.fill_(-1)": lambda l: l.zeros(2, dtype=l.uint8).fill_(-1),
    # integer division: exact, PyTorch's rounding, ZeroDivisionError on CPU
    "i64 // by 0": lambda l: _t(l, [1, 2]) // 0,
    "i64 % tensor with 0": lambda l: _t(l, [1, 2]) % _t(l, [1, 0]),
    "fmod(i64, 0)": lambda l: l.fmod(_t(l, [1, 2]), 0),
    "div trunc by 0": lambda l: l.div(_t(l, [1, 2]), 0, rounding_mode="trunc"),
    "u8 // 0-d 0": lambda l: _t(l, [2, 1], "uint8") // _t(l, 0),
    "empty % 0": lambda l: l.zeros(0, dtype=l.int64) % 0,
    "i64 / 0": lambda l: _t(l, [1, 0, -1]) / 0,
    "f32 // 0": lambda l: _t(l, [1., 0., -1.]) // 0,
    "f32 % 0": lambda l: _t(l, [1., 0., -1.]) % 0,
    "int floor/rem/fmod signs": lambda l: (_t(l, [7, -7, 7, -7]) // _t(l, [2, 2, -2, -2]),
                                           _t(l, [7, -7, 7, -7]) % _t(l, [2, 2, -2, -2]),
                                           l.fmod(_t(l, [7, -7, 7, -7]), _t(l, [2, 2, -2, -2]))),
    "div trunc exact int64": lambda l: l.div(_t(l, [2 ** 62 + 1, -(2 ** 62) - 3]), 3, rounding_mode="trunc"),
    "float rem/fmod -0.0": lambda l: (_t(l, [-0.0, 0.0, -3., 3., 5.5]) % -2,
                                      l.fmod(_t(l, [-0.0, 0.0, -3., 3., 5.5]), -2)),
    "remainder inf": lambda l: l.remainder(_t(l, [3., -3., np.inf]), _t(l, [np.inf, np.inf, 2.])),
    "div floor/trunc float": lambda l: (l.div(_t(l, [3., -3., 7.5, -0.0]), _t(l, [2., 2., -2., 3.]),
                                              rounding_mode="floor"),
                                        l.div(_t(l, [3., -3., 7.5, -0.0, 1.]), _t(l, [2., 2., -2., 3., 0]),
                                              rounding_mode="trunc")),
    "u8 / 0-d i8 (true div of the values)": lambda l: _t(l, [10, 20], "uint8") / _t(l, -3, "int8"),
    "atan2(u8, 0-d i32)": lambda l: l.atan2(_t(l, [10, 20], "uint8"), _t(l, -3, "int32")),
    # integer pow
    "int ** negative int tensor": lambda l: _t(l, [0, 1, -1, 2, -2, 3]) ** _t(l, [-1, -1, -3, -1, -3, -2]),
    "u8 ** i8 negative": lambda l: _t(l, [0, 1, 255, 2], "uint8") ** _t(l, [-1, -1, -2, -1], "int8"),
    "2 ** int tensor": lambda l: l.pow(2, _t(l, [-1, 2])),
    "int ** -1": lambda l: _t(l, [1, 2]) ** -1,
    "u8 ** -3": lambda l: _t(l, [1, 2], "uint8") ** -3,
    "bool ** bool": lambda l: _t(l, [True]) ** _t(l, [True]),
    "pow(True, bool)": lambda l: l.pow(True, _t(l, [True])),
    "i8 ** 5 wraps": lambda l: _t(l, [3], "int8") ** 5,
    "0 ** (0, -1)": lambda l: _t(l, [0., 0.]) ** _t(l, [0., -1.]),
    "int ** 0-d f64": lambda l: _t(l, [2, 3]) ** _t(l, 0.5, "float64"),
    "f16 ** 2.5": lambda l: _t(l, [2., 3.], "float16") ** 2.5,
    "2.5 ** i64": lambda l: 2.5 ** _t(l, [2, 3]),
    "float_power(i8, f32)": lambda l: l.float_power(_t(l, [2, 3], "int8"), _t(l, [2., -1.])),
    # add/sub alpha and bool rules
    "add(bool, bool, alpha=2)": lambda l: l.add(_t(l, [True, False]), _t(l, [True, False]), alpha=2),
    "add(True, bool, alpha=2)": lambda l: l.add(True, _t(l, [True, False]), alpha=2),
    "add(i64, i64, alpha=2.5)": lambda l: l.add(_t(l, [1, 2]), _t(l, [1, 2]), alpha=2.5),
    "add(i64, 2.5, alpha=2)": lambda l: l.add(_t(l, [1, 2]), 2.5, alpha=2),
    "add(i64, i64, alpha=True)": lambda l: l.add(_t(l, [5]), _t(l, [5]), alpha=True),
    "sub(i64, i64, alpha=0.5)": lambda l: l.sub(_t(l, [1, 2]), _t(l, [1, 2]), alpha=0.5),
    "bool - 2": lambda l: _t(l, [True]) - 2,
    "f32 - bool": lambda l: _t(l, [1.]) - _t(l, [True]),
    "bool - True": lambda l: _t(l, [True]) - True,
    "f32 - True": lambda l: _t(l, [1.]) - True,
    "bool * True": lambda l: _t(l, [True, False]) * True,
    "bool + True": lambda l: _t(l, [True, False]) + True,
    "bool / bool": lambda l: _t(l, [True, False]) / _t(l, [True, True]),
    "-bool": lambda l: -_t(l, [True]),
    "+bool": lambda l: +_t(l, [True]),
    "True & bool": lambda l: True & _t(l, [True, False]),
    "bool | True": lambda l: _t(l, [True, False]) | True,
    "bool | 2": lambda l: _t(l, [True, False]) | 2,
    "u8 ^ 300": lambda l: _t(l, [5], "uint8") ^ 300,
    "u8 & i8": lambda l: _t(l, [5, 3], "uint8") & _t(l, [1, -1], "int8"),
    "f32 & 1": lambda l: _t(l, [1.]) & 1,
    # in-place ops: the result type must fit the tensor
    "i64.mul_(1.5)": lambda l: _t(l, [1, 2]).mul_(1.5),
    "i64.add_(f32 tensor)": lambda l: l.zeros(3, dtype=l.int64).add_(l.ones(3)),
    "i64.mul_(0-d f32)": lambda l: l.zeros(3, dtype=l.int64).mul_(_t(l, 1.5)),
    "i64.div_(2)": lambda l: _t(l, [1, 2]).div_(2),
    "i64.div_(2, floor)": lambda l: _t(l, [5, -7]).div_(2, rounding_mode="floor"),
    "i64.div_(2, trunc)": lambda l: _t(l, [5, -7]).div_(2, rounding_mode="trunc"),
    "i64.pow_(0.5)": lambda l: _t(l, [1, 2]).pow_(0.5),
    "i64.sqrt_()": lambda l: _t(l, [1, 4]).sqrt_(),
    "i64 += 0.5": lambda l: _t(l, [1, 2]).__iadd__(0.5),
    "bool.add_(bool)": lambda l: _t(l, [True, False]).add_(_t(l, [True, True])),
    "bool.add_(1)": lambda l: _t(l, [True, False]).add_(1),
    "bool.mul_(i64 tensor)": lambda l: _t(l, [True, False]).mul_(_t(l, [1, 0])),
    "bool.square_()": lambda l: _t(l, [True]).square_(),
    "bool.abs_()": lambda l: _t(l, [True]).abs_(),
    "i64.mul_(bool tensor)": lambda l: _t(l, [3, 2]).mul_(_t(l, [True, False])),
    "f16.mul_(f64 tensor)": lambda l: l.ones(3, dtype=l.float16).mul_(_t(l, [1e5, 1., 2.], "float64")),
    "u8.add_(i8 tensor)": lambda l: l.ones(3, dtype=l.uint8).add_(_t(l, [-2, 1, 2], "int8")),
    "i64.pow_(negative ints)": lambda l: _t(l, [2, 1, -1]).pow_(_t(l, [-1, -2, -3])),
    "expanded.add_": lambda l: l.zeros(3).expand(2, 3).add_(1),
    "view.add_ writes the base": lambda l: (lambda b: (b[1:].add_(5), b)[1])(l.arange(4.)),
    "strided view.div_ floor": lambda l: (lambda b: (b[::2].div_(2, rounding_mode="floor"), b)[1])(l.arange(6)),
    "add_ broadcast error": lambda l: l.zeros(3).add_(l.ones(2, 3)),
    # clamp / where / nan_to_num / lerp / addcmul
    "clamp(bool, -1, 2)": lambda l: l.clamp(_t(l, [True, False]), -1, 2),
    "clamp(bool, True)": lambda l: l.clamp(_t(l, [True, False]), True),
    "clamp(i64, 0.5)": lambda l: l.clamp(_t(l, [1, 2]), 0.5),
    "clamp(i32, 0-d f32)": lambda l: l.clamp(_t(l, [1, 2], "int32"), _t(l, 0.5)),
    "clamp(i16, f16 tensor)": lambda l: l.clamp(_t(l, [1, 2], "int16"), _t(l, [0.5, 3.], "float16")),
    "clamp(f16, f64 tensor)": lambda l: l.clamp(_t(l, [1., 5.], "float16"), _t(l, [0., 2.], "float64")),
    "clamp(f32, 0-d f64)": lambda l: l.clamp(_t(l, [1., 5.]), _t(l, 2., "float64")),
    "clamp nan": lambda l: l.clamp(_t(l, [np.nan, 1., 5.]), 0, 2),
    "clamp -0.0": lambda l: (l.clamp(_t(l, [-0., 0.]), min=0.), l.clamp(_t(l, [-0., 0.]), max=-0.)),
    "clamp(int, 2)": lambda l: l.clamp(2, 0, 1),
    "where scalars": lambda l: (l.where(_t(l, [True, False]), 1.0, 0), l.where(_t(l, [True, False]), 1, 0),
                                l.where(_t(l, [True, False]), True, False)),
    "where(f16, 2.5)": lambda l: l.where(_t(l, [True, False]), _t(l, [1., 2.], "float16"), 2.5),
    "where(u8 condition)": lambda l: l.where(_t(l, [1, 0], "uint8"), 1., 0.),
    "where(0-d, ...)": lambda l: l.where(_t(l, True), _t(l, 1.), _t(l, [2., 3.])),
    "nan_to_num f16": lambda l: l.nan_to_num(_t(l, [np.nan, np.inf, -np.inf, 1.], "float16")),
    "nan_to_num int": lambda l: l.nan_to_num(_t(l, [1, 2])),
    "lerp 0-d f64 weight": lambda l: l.lerp(_t(l, [1., 2.]), _t(l, [3., 4.]), _t(l, 0.5, "float64")),
    "lerp 1-d f64 weight": lambda l: l.lerp(_t(l, [1., 2.]), _t(l, [3., 4.]), _t(l, [0.5], "float64")),
    "lerp f64 end": lambda l: l.lerp(_t(l, [1., 2.]), _t(l, [3., 4.], "float64"), 0.5),
    "lerp f16": lambda l: l.lerp(_t(l, [1., 2.], "float16"), _t(l, [3., 4.], "float16"), 0.3),
    "addcmul int": lambda l: l.addcmul(_t(l, [1, 2]), _t(l, [1, 2]), _t(l, [3, 4]), value=2),
    "addcmul mixed": lambda l: l.addcmul(_t(l, [1, 2]), _t(l, [1., 2.]), _t(l, [3, 4], "int8"), value=0.5),
    "addcmul bool": lambda l: l.addcmul(_t(l, [True]), _t(l, [True]), _t(l, [True])),
    "addcdiv int": lambda l: l.addcdiv(_t(l, [1, 2]), _t(l, [1, 2]), _t(l, [3, 4])),
    "addcdiv f16": lambda l: l.addcdiv(_t(l, [1., 2.], "float16"), _t(l, [1., 2.]), _t(l, [3., 4.]), value=2),
    # comparisons, isclose, equal
    "eq(2, tensor)": lambda l: l.eq(2, _t(l, [2])),
    "logical_and(tensor, 2)": lambda l: l.logical_and(_t(l, [True]), 2),
    "maximum(2, tensor)": lambda l: l.maximum(2, _t(l, [1])),
    "fmax nan": lambda l: l.fmax(_t(l, [np.nan, 1., np.nan]), _t(l, [2., np.nan, np.nan])),
    "fmin vs minimum nan": lambda l: (l.fmin(_t(l, [np.nan, 1.]), _t(l, [2., 0.])),
                                      l.minimum(_t(l, [np.nan, 1.]), _t(l, [2., 0.]))),
    "tensor == None": lambda l: _t(l, [1]) == None,  # noqa: E711
    "i64 == 2**53": lambda l: _t(l, [2 ** 53 + 1]) == 2 ** 53,
    "isclose int": lambda l: l.isclose(_t(l, [1, 2]), _t(l, [1, 3])),
    "isclose inf/nan": lambda l: l.isclose(_t(l, [np.inf, -np.inf, np.nan, 1.]),
                                           _t(l, [np.inf, np.inf, np.nan, 1. + 1e-9]), equal_nan=True),
    "isclose mixed dtypes": lambda l: l.isclose(_t(l, [1, 2]), _t(l, [1., 3.])),
    "isclose u8": lambda l: l.isclose(_t(l, [1, 200], "uint8"), _t(l, [2, 190], "uint8"), rtol=0, atol=1),
    "allclose broadcast": lambda l: l.allclose(_t(l, [1., 1.]), _t(l, 1.)),
    "equal": lambda l: (l.equal(_t(l, [1, 2]), _t(l, [1., 2.])), l.equal(_t(l, [np.nan]), _t(l, [np.nan])),
                        l.equal(_t(l, [1.]), _t(l, 1.))),
    # unary corner cases
    "sign nan / -0.0": lambda l: _t(l, [np.nan, -0.0, 0.0, -2.]).sign(),
    "abs(i8 min)": lambda l: _t(l, [-128], "int8").abs(),
    "round half even": lambda l: _t(l, [0.5, 1.5, 2.5, -0.5, -2.5]).round(),
    "round(decimals) f16": lambda l: _t(l, [1e4, 0.125], "float16").round(decimals=2),
    "round(i64)": lambda l: _t(l, [1, 2]).round(),
    "floor(bool)": lambda l: _t(l, [True]).floor(),
    "square(bool)": lambda l: _t(l, [True]).square(),
    "relu(bool)": lambda l: l.relu(_t(l, [True])),
    "relu(-0.0)": lambda l: l.relu(_t(l, [-0.0, 0.0])),
    "frac(i64)": lambda l: _t(l, [1]).frac(),
    "logit(i64)": lambda l: l.logit(_t(l, [0, 1, 2])),
    "sigmoid(0-d)": lambda l: _t(l, 0.3).sigmoid(),
    "silu(0-d)": lambda l: _lib_f(l).silu(_t(l, 0.3)),
    "sigmoid f16": lambda l: _t(l, [-20., 0., 20.], "float16").sigmoid(),
    "gelu f16": lambda l: _lib_f(l).gelu(_t(l, [-3., 0., 3.], "float16")),
    "gelu bad approximate": lambda l: _lib_f(l).gelu(_t(l, [1.]), approximate="foo"),
    "gelu(i64)": lambda l: _lib_f(l).gelu(_t(l, [1])),
    "softplus(i64)": lambda l: _lib_f(l).softplus(_t(l, [1])),
    "erf/erfc inf": lambda l: (l.erf(_t(l, [np.inf, -np.inf])), l.erfc(_t(l, [np.inf, -np.inf]))),
    "gelu -inf": lambda l: _lib_f(l).gelu(_t(l, [-np.inf], "float64")),
    "bitwise_not f32": lambda l: l.bitwise_not(_t(l, [1.])),
    "mvlgamma(bool)": lambda l: l.mvlgamma(_t(l, [True]), 1),
    "polygamma(-1)": lambda l: l.polygamma(-1, _t(l, [1.])),
    "atan2 signed zeros": lambda l: l.atan2(_t(l, [0.0, -0.0, 0.0, -0.0]), _t(l, [-0.0, -0.0, 0.0, 0.0])),
    "atan2(2, tensor)": lambda l: l.atan2(2, _t(l, [1.])),
    "fmod(2, tensor)": lambda l: l.fmod(2, _t(l, [1.])),
    "rsub(2, tensor)": lambda l: l.rsub(2, _t(l, [1.])),
}


@pytest.mark.parametrize("name", list(MISC))
def test_misc_case(name):
    m = _mismatch(lambda lib: MISC[name](lib), [])
    assert m is None, f"{name}: {m}"


# ---- float64 gradients, at kinks and edges ---------------------------------------------------------------
_X = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 3.0])
_Y = np.array([-2.0, 1.0, 0.0, -0.0, 0.5, 2.0, 2.0, -1.0])

GRAD1 = {
    "abs": lambda l, a: a.abs(), "relu": lambda l, a: l.relu(a), "clamp": lambda l, a: a.clamp(-1, 2),
    "clamp_min": lambda l, a: a.clamp(min=0.), "clamp_max": lambda l, a: a.clamp(max=0.),
    "clamp_reversed": lambda l, a: a.clamp(2, -1), "pow2": lambda l, a: a ** 2, "pow0": lambda l, a: a ** 0,
    "pow0.5": lambda l, a: a.abs() ** 0.5, "pow-1": lambda l, a: a ** -1, "pow3": lambda l, a: a ** 3,
    "pow1.5": lambda l, a: a ** 1.5, "2**x": lambda l, a: 2 ** a, "0**x": lambda l, a: 0 ** a,
    "0.0**x": lambda l, a: 0.0 ** a, "(-2.0)**x": lambda l, a: (-2.0) ** a, "|x|**x": lambda l, a: a.abs() ** a,
    "sqrt": lambda l, a: a.abs().sqrt(), "sign": lambda l, a: a.sign(), "floor": lambda l, a: a.floor(),
    "round": lambda l, a: a.round(), "frac": lambda l, a: a.frac(), "trunc": lambda l, a: a.trunc(),
    "sigmoid": lambda l, a: a.sigmoid(), "tanh": lambda l, a: a.tanh(), "gelu": lambda l, a: _lib_f(l).gelu(a),
    "gelu_tanh": lambda l, a: _lib_f(l).gelu(a, approximate="tanh"), "silu": lambda l, a: _lib_f(l).silu(a),
    "mish": lambda l, a: _lib_f(l).mish(a), "softplus": lambda l, a: _lib_f(l).softplus(a, beta=2, threshold=1),
    "erf": lambda l, a: a.erf(), "erfc": lambda l, a: a.erfc(), "exp2": lambda l, a: a.exp2(),
    "expm1": lambda l, a: a.expm1(), "log1p": lambda l, a: a.abs().log1p(),
    "atan2(x, 1)": lambda l, a: l.atan2(a, l.ones_like(a)), "remainder": lambda l, a: a.remainder(1.5),
    "fmod": lambda l, a: a.fmod(1.5), "div_trunc": lambda l, a: l.div(a, 1.5, rounding_mode="trunc"),
    "where": lambda l, a: l.where(a > 0, a, 0.), "where_scalar_first": lambda l, a: l.where(a > 0, 1.0, a),
    "logit_eps": lambda l, a: l.logit(a.sigmoid(), eps=0.3), "lerp": lambda l, a: l.lerp(a, l.ones_like(a), 0.3),
    "lerp_tensor_weight": lambda l, a: l.lerp(a, l.ones_like(a), a),
    "addcmul": lambda l, a: l.addcmul(a, a, a, value=0.5), "addcdiv": lambda l, a: l.addcdiv(a, a, a * a + 1, value=2),
    "square": lambda l, a: a.square(), "reciprocal": lambda l, a: (a + 10).reciprocal(),
    "rsqrt": lambda l, a: (a + 10).rsqrt(), "lgamma": lambda l, a: (a + 3.1).lgamma(),
    "digamma": lambda l, a: (a + 3.1).digamma(), "erfinv": lambda l, a: (a / 4).erfinv(),
    "polygamma": lambda l, a: l.polygamma(1, a.abs() + 1), "mvlgamma": lambda l, a: l.mvlgamma(a.abs() + 2, 2),
    "float_power": lambda l, a: l.float_power(a, 2), "1-x": lambda l, a: 1 - a, "1/x": lambda l, a: 1 / (a + 10),
    "add_alpha": lambda l, a: l.add(a, a, alpha=3), "sub_alpha": lambda l, a: l.sub(a, a * a, alpha=2),
    "clamp_tensor_bounds": lambda l, a: a.clamp(l.zeros_like(a), l.ones_like(a)),
    "mul_(2)": lambda l, a: (a * 1).mul_(2), "add_(alpha)": lambda l, a: (a * 1).add_(a, alpha=2),
    "clamp_": lambda l, a: (a * 1).clamp_(-1, 1), "sigmoid_": lambda l, a: (a * 1).sigmoid_(),
    "pow_": lambda l, a: (a * 1).pow_(2), "lerp_": lambda l, a: (a * 1).lerp_(a * 0, 0.5),
    "addcmul_": lambda l, a: (a * 1).addcmul_(a, a, value=2), "fmod_": lambda l, a: (a * 1).fmod_(1.5),
}

GRAD2 = {
    "maximum": lambda l, a, b: l.maximum(a, b), "minimum": lambda l, a, b: l.minimum(a, b),
    "fmax": lambda l, a, b: l.fmax(a, b), "fmin": lambda l, a, b: l.fmin(a, b),
    "pow": lambda l, a, b: a.abs() ** b, "0**y": lambda l, a, b: (a * 0) ** b.abs(),
    "div": lambda l, a, b: a / (b + 5), "atan2": lambda l, a, b: l.atan2(a, b),
    "clamp(min=t)": lambda l, a, b: a.clamp(min=b), "clamp(max=t)": lambda l, a, b: a.clamp(max=b),
    "clamp(t, t+1)": lambda l, a, b: a.clamp(b, b + 1), "where": lambda l, a, b: l.where(a > b, a, b),
    "remainder": lambda l, a, b: l.remainder(a, b + 5), "fmod": lambda l, a, b: l.fmod(a, b + 5),
    "lerp": lambda l, a, b: l.lerp(a, b, a), "addcdiv": lambda l, a, b: l.addcdiv(a, a, b + 5, value=0.5),
    "mul": lambda l, a, b: a * b, "sub": lambda l, a, b: a - b,
    "float_power": lambda l, a, b: l.float_power(a.abs(), b), "copy_": lambda l, a, b: (a * 1).copy_(b),
    "add_(alpha=-2)": lambda l, a, b: (a * 1).add_(b, alpha=-2), "clamp_(t)": lambda l, a, b: (a * 1).clamp_(b),
}


def _grads(f, nargs):
    def run(lib):
        xs = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (_X, _Y)[:nargs]]
        out = f(lib, *xs)
        out.sum().backward()
        return (out,) + tuple(x.grad for x in xs)
    return run


@pytest.mark.parametrize("name", list(GRAD1))
def test_unary_gradient(name):
    m = _mismatch(lambda lib: _grads(GRAD1[name], 1)(lib), [], signed_zeros=False)
    assert m is None, f"{name}: {m}"


@pytest.mark.parametrize("name", list(GRAD2))
def test_binary_gradient(name):
    m = _mismatch(lambda lib: _grads(GRAD2[name], 2)(lib), [], signed_zeros=False)
    assert m is None, f"{name}: {m}"


def _grads_of(f, *vals):
    def run(lib):
        xs = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in vals]
        out = f(lib, *xs)
        out.backward(lib.ones_like(out) if out.dim() else None)
        return (out,) + tuple(x.grad for x in xs)
    return run


GRAD_CASES = {
    "nan_to_num": _grads_of(lambda l, a: l.nan_to_num(a / (a - 1)), [0., 1., 2.]),
    "where broadcast": _grads_of(lambda l, a, b: l.where(a > 0, a, b), [[1., -1.], [2., -3.]], [5.]),
    "where 0-d": _grads_of(lambda l, a: l.where(a > 0, a, 0.), 3.),
    "lerp broadcast": _grads_of(lambda l, a, b, w: l.lerp(a, b, w), [[1.], [2.]], [3., 4., 5.], [0.2]),
    "addcmul broadcast": _grads_of(lambda l, a, b, c: l.addcmul(a, b, c, value=3), [1.], [[1.], [2.]], [3., 4.]),
    "addcdiv broadcast": _grads_of(lambda l, a, b, c: l.addcdiv(a, b, c, value=-2), [1.], [[1.], [2.]], [3., 4.]),
    "clamp(min > max tensors)": _grads_of(lambda l, a, lo, hi: l.clamp(a, lo, hi), [0., 1., 2., 3.], [1., 1., 3., 0.],
                                          [2., 1., 2., 1.]),
    "maximum broadcast tie": _grads_of(lambda l, a, b: l.maximum(a, b), [[1., 2.], [3., 0.]], [2.]),
    "pow broadcast, exponent 0": _grads_of(lambda l, a, b: a ** b, [[1., 2.], [3., 0.5]], [2., 0.]),
    "pow 0-d exponent": _grads_of(lambda l, a, b: a ** b, [1., 2., 0.], 2.5),
    "2.5 ** x": _grads_of(lambda l, a: 2.5 ** a, [0., -1., 3.]),
    "lgamma/digamma negative": _grads_of(lambda l, a: l.lgamma(a) + l.digamma(a), [-0.5, -1.5, 0.3]),
    "erfinv near 1": _grads_of(lambda l, a: l.erfinv(a), [0.999, -0.999, 0.]),
    "abs/sqrt/relu at 0": _grads_of(lambda l, a: l.abs(a) + l.sqrt(a.abs() + 1) + l.relu(a), [0., -0., 1.]),
    "softplus threshold": _grads_of(lambda l, a: _lib_f(l).softplus(a, beta=1, threshold=2), [2., 2.5, 1.9]),
    "float_power 0 ** 0": _grads_of(lambda l, a, b: l.float_power(a, b), [0., 2.], [0., 3.]),
    "fmod/remainder": _grads_of(lambda l, a, b: l.fmod(a, b) + l.remainder(a, b), [5., -5.], [3., 3.]),
    "atan2(0, 0)": _grads_of(lambda l, a, b: l.atan2(a, b), 0., 0.),
    "saturating activations": _grads_of(lambda l, a: l.sigmoid(a) + l.tanh(a) + _lib_f(l).silu(a)
                                        + _lib_f(l).softplus(a) + _lib_f(l).mish(a[1:]), [-800., 800.]),
    "erfc/gelu tails": _grads_of(lambda l, a: l.erfc(a) + _lib_f(l).gelu(a), [-30., 30.]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradient_case(name):
    m = _mismatch(lambda lib: GRAD_CASES[name](lib), [], signed_zeros=False)
    assert m is None, f"{name}: {m}"


def test_error_messages_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"floor_divide|div_floor.*division by zero"):
        zoo.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match=r"alpha=2\.5"):
        zoo.add(zoo.tensor([1]), zoo.tensor([1]), alpha=2.5)
    with pytest.raises(RuntimeError, match=r"clamp: value 200 cannot be converted to type int8"):
        zoo.clamp(zoo.tensor([1], dtype=zoo.int8), 200)
    with pytest.raises(RuntimeError, match=r"add_: result type Long can't be cast to the desired output type Bool"):
        zoo.tensor([True]).add_(1)
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'input' \(position 1\) must be Tensor, not int"):
        zoo.maximum(2, zoo.tensor([1]))


# ---- the fixed paths on every device (cuda runs under ZOO_FAKE_CUPY=1 or on a GPU) ----------------------
ON_DEVICE = {
    "int ** negative int tensor": lambda l, d: l.tensor([0, 1, -1, 2, -2, 3], device=d) ** l.tensor(
        [-1, -1, -3, -1, -3, -2], device=d),
    "2 ** int tensor": lambda l, d: l.pow(2, l.tensor([-1, 2], device=d)),
    "remainder signs": lambda l, d: (l.tensor([-0.0, 0.0, -3., 3., 5.5], device=d) % -2,
                                     l.tensor([-3., 3., 5.5], device=d) % l.tensor([2., -2., 0.5], device=d)),
    "sign nan": lambda l, d: l.tensor([np.nan, -0.0, 2.], device=d).sign(),
    "sigmoid 0-d": lambda l, d: (l.tensor(0.3, device=d).sigmoid(), _lib_f(l).silu(l.tensor(0.3, device=d))),
    "erf inf": lambda l, d: (l.tensor([np.inf, -np.inf, 0.5], device=d).erf(),
                             l.tensor([np.inf, -np.inf, 0.5], device=d).erfc()),
    "clamp promotion": lambda l, d: l.clamp(l.tensor([1, 5], dtype=l.int16, device=d),
                                            l.tensor([0.5, 3.], dtype=l.float16, device=d)),
    "fmax nan": lambda l, d: l.fmax(l.tensor([np.nan, 1.], device=d), l.tensor([2., np.nan], device=d)),
    "u8 + -3": lambda l, d: (l.tensor([1, 5, 200], dtype=l.uint8, device=d) + -3,
                             l.tensor([1, 5, 200], dtype=l.uint8, device=d) < -3),
    "div trunc int": lambda l, d: (l.div(l.tensor([7, -7, 2 ** 62 + 1], device=d), 3, rounding_mode="trunc"),
                                   l.div(7, l.tensor([2, -2], device=d), rounding_mode="trunc")),
    "u8 / 0-d i8": lambda l, d: l.tensor([10, 20], dtype=l.uint8, device=d) / l.tensor(-3, dtype=l.int8, device=d),
    "round f16": lambda l, d: l.round(l.tensor([1e4, 0.125], dtype=l.float16, device=d), decimals=2),
    "gelu f16": lambda l, d: _lib_f(l).gelu(l.tensor([-3., 0., 3.], dtype=l.float16, device=d)),
    "bool rules": lambda l, d: (l.tensor([True, False], device=d) ** True,
                                l.add(l.tensor([True, False], device=d), l.tensor([True, False], device=d), alpha=2)),
    "u8.add_(-3)": lambda l, d: l.tensor([1, 2], dtype=l.uint8, device=d).add_(-3),
    "pow/atan2/fmax/0**x gradients": lambda l, d: _device_grads(l, d),
}


def _device_grads(lib, d):
    a = lib.tensor([0., 1., -1., 0.], dtype=lib.float64, device=d, requires_grad=True)
    b = lib.tensor([0., 1., -1., 0.], dtype=lib.float64, device=d, requires_grad=True)
    (a.abs() ** b + lib.atan2(a, b) + lib.fmax(a, b) + (0 ** a)).sum().backward()
    return a.grad, b.grad


@pytest.mark.parametrize("name", list(ON_DEVICE))
def test_fixed_paths_on_device(name, device):
    def fn(lib):
        r = ON_DEVICE[name](lib, "cpu" if lib is torch else device)
        return tuple(x.cpu() for x in r) if isinstance(r, tuple) else r.cpu()
    m = _mismatch(fn, [])
    assert m is None, f"{name} on {device}: {m}"
