import math

import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

X = [(2, 3)]
CASES = [
    OpCase("exp", lambda lib, x: lib.exp(x), X, expected=None),
    OpCase("exp2", lambda lib, x: lib.exp2(x), X),
    OpCase("expm1", lambda lib, x: lib.expm1(x), X),
    OpCase("log", lambda lib, x: lib.log(x), X, low=0.2, high=3.0),
    OpCase("log2", lambda lib, x: lib.log2(x), X, low=0.2, high=3.0),
    OpCase("log10", lambda lib, x: lib.log10(x), X, low=0.2, high=3.0),
    OpCase("log1p", lambda lib, x: lib.log1p(x), X, low=-0.5, high=3.0),
    OpCase("sqrt", lambda lib, x: lib.sqrt(x), X, low=0.2, high=3.0),
    OpCase("rsqrt", lambda lib, x: lib.rsqrt(x), X, low=0.2, high=3.0),
    OpCase("square", lambda lib, x: lib.square(x), X),
    OpCase("reciprocal", lambda lib, x: lib.reciprocal(x), X, low=0.3, high=3.0),
    OpCase("abs", lambda lib, x: lib.abs(x), X, avoid=[0.0]),
    OpCase("sign", lambda lib, x: lib.sign(x), X, avoid=[0.0], gradgrad=False),
    OpCase("neg", lambda lib, x: -x, X),
    OpCase("sin", lambda lib, x: lib.sin(x), X),
    OpCase("cos", lambda lib, x: lib.cos(x), X),
    OpCase("tan", lambda lib, x: lib.tan(x), X, low=-1.2, high=1.2),
    OpCase("asin", lambda lib, x: lib.asin(x), X, low=-0.9, high=0.9),
    OpCase("acos", lambda lib, x: lib.acos(x), X, low=-0.9, high=0.9),
    OpCase("atan", lambda lib, x: lib.atan(x), X),
    OpCase("sinh", lambda lib, x: lib.sinh(x), X),
    OpCase("cosh", lambda lib, x: lib.cosh(x), X),
    OpCase("tanh", lambda lib, x: lib.tanh(x), X),
    OpCase("asinh", lambda lib, x: lib.asinh(x), X),
    OpCase("acosh", lambda lib, x: lib.acosh(x), X, low=1.2, high=3.0),
    OpCase("atanh", lambda lib, x: lib.atanh(x), X, low=-0.9, high=0.9),
    OpCase("sigmoid", lambda lib, x: lib.sigmoid(x), X),
    OpCase("relu", lambda lib, x: lib.relu(x), X, avoid=[0.0]),
    OpCase("gelu", lambda lib, x: lib.nn.functional.gelu(x) if lib.__name__ == "torch" else lib.gelu(x), X),
    OpCase("gelu_tanh", lambda lib, x: (lib.nn.functional.gelu if lib.__name__ == "torch" else lib.gelu)(
        x, approximate="tanh"), X),
    OpCase("silu", lambda lib, x: (lib.nn.functional.silu if lib.__name__ == "torch" else lib.silu)(x), X),
    OpCase("mish", lambda lib, x: (lib.nn.functional.mish if lib.__name__ == "torch" else lib.mish)(x), X),
    OpCase("softplus", lambda lib, x: (lib.nn.functional.softplus if lib.__name__ == "torch" else lib.softplus)(
        x, beta=2.0, threshold=3.0), X, avoid=[1.5]),
    OpCase("erf", lambda lib, x: lib.erf(x), [(3, 4)], low=-4, high=4),
    OpCase("erfc", lambda lib, x: lib.erfc(x), [(3, 4)], low=-4, high=4),
    OpCase("floor", lambda lib, x: lib.floor(x), X, gradgrad=False, avoid=[-1.0, 0.0, 1.0]),
    OpCase("ceil", lambda lib, x: lib.ceil(x), X, gradgrad=False, avoid=[-1.0, 0.0, 1.0]),
    OpCase("round", lambda lib, x: lib.round(x), X, gradgrad=False, avoid=[-1.5, -0.5, 0.5, 1.5]),
    OpCase("trunc", lambda lib, x: lib.trunc(x), X, gradgrad=False, avoid=[-1.0, 0.0, 1.0]),
    OpCase("frac", lambda lib, x: lib.frac(x), X, avoid=[-1.0, 0.0, 1.0]),
    OpCase("erf_values", lambda lib, x: lib.erf(x), arrays=[np.array([0.0, 0.5, -1.5, 3.0, 9.0])],
           expected=[math.erf(v) for v in [0.0, 0.5, -1.5, 3.0, 9.0]]),
    OpCase("sigmoid_extremes", lambda lib, x: lib.sigmoid(x), arrays=[np.array([-800.0, 0.0, 800.0])],
           expected=[0.0, 0.5, 1.0], grad=False),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_int_input_gives_default_float():
    x = zoo_core.tensor([1, 2, 3])
    assert zoo_core.exp(x).dtype == zoo_core.float32
    assert zoo_core.sqrt(x).dtype == zoo_core.float32


def test_predicates():
    x = zoo_core.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    assert zoo_core.isnan(x).tolist() == [False, True, False, False]
    assert zoo_core.isinf(x).tolist() == [False, False, True, True]
    assert zoo_core.isfinite(x).tolist() == [True, False, False, False]


def test_inplace_unary_updates_storage_and_version():
    x = zoo_core.tensor([0.0, 1.0])
    v = x._version
    y = x.exp_()
    assert y is x and x._version == v + 1
    np.testing.assert_allclose(x.numpy(), [1.0, math.e], rtol=1e-6)
