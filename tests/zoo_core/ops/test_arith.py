import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, op_tests

CASES = [
    OpCase("add", lambda lib, x, y: x + y, [(2, 3), (2, 3)]),
    OpCase("add_bcast", lambda lib, x, y: lib.add(x, y, alpha=2.0), [(4, 1, 3), (2, 1)]),
    OpCase("radd_scalar", lambda lib, x: 2.5 + x, [(3,)]),
    OpCase("sub_bcast", lambda lib, x, y: x - y, [(2, 3), (3,)]),
    OpCase("rsub_scalar", lambda lib, x: 1.0 - x, [(3,)]),
    OpCase("mul_bcast", lambda lib, x, y: x * y, [(2, 3), (1, 3)]),
    OpCase("mul_scalar", lambda lib, x: x * 3.0, [(2, 2)]),
    OpCase("div", lambda lib, x, y: x / y, [(2, 3), (2, 3)], low=0.5, high=2.0),
    OpCase("rdiv_scalar", lambda lib, x: 2.0 / x, [(3,)], low=0.5, high=2.0),
    OpCase("pow_scalar", lambda lib, x: x ** 3, [(2, 3)]),
    OpCase("pow_frac", lambda lib, x: x ** 0.5, [(2, 3)], low=0.5, high=2.0),
    OpCase("pow_tensor", lambda lib, x, y: lib.pow(x, y), [(2, 3), (3,)], low=0.5, high=2.0),
    OpCase("rpow", lambda lib, x: 2.0 ** x, [(3,)]),
    OpCase("remainder", lambda lib, x, y: lib.remainder(x, y), [(2, 3), (2, 3)], low=0.3, high=2.0,
           gradgrad=False),
    OpCase("fmod", lambda lib, x, y: lib.fmod(x, y), [(2, 3), (2, 3)], low=0.3, high=2.0, gradgrad=False),
    OpCase("maximum", lambda lib, x, y: lib.maximum(x, y), [(2, 3), (3,)]),
    OpCase("minimum", lambda lib, x, y: lib.minimum(x, y), [(2, 3), (2, 3)]),
    OpCase("maximum_ties", lambda lib, x, y: lib.maximum(x, y),
           arrays=[np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0])], gradgrad=False),
    OpCase("clamp", lambda lib, x: lib.clamp(x, -0.5, 0.7), [(3, 4)], avoid=[-0.5, 0.7]),
    OpCase("clamp_min", lambda lib, x: x.clamp(min=0.1), [(3, 4)], avoid=[0.1]),
    OpCase("clamp_tensor", lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
           arrays=[np.array([-1.0, 0.5, 2.0, 0.0]), np.array([-0.5, -0.5, -0.5, -0.5]),
                   np.array([1.0, 1.0, 1.0, 1.0])]),
    OpCase("where", lambda lib, x, y: lib.where(x > 0, x, y), [(3, 4), (4,)], avoid=[0.0]),
    OpCase("where_scalar", lambda lib, x: lib.where(x > 0, x, 0.0), [(3, 4)], avoid=[0.0]),
    OpCase("floor_divide", lambda lib, x, y: x // y,
           arrays=[np.array([7.0, -7.0, 5.5]), np.array([2.0, 2.0, -2.0])], expected=[3.0, -4.0, -3.0],
           grad=False),
    OpCase("div_trunc", lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"),
           arrays=[np.array([7.0, -7.0]), np.array([2.0, 2.0])], expected=[3.0, -3.0], grad=False),
    OpCase("chain", lambda lib, x, y: ((x * y + 2) * x - y / 3) ** 2, [(3, 2), (3, 2)]),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_type_promotion_follows_torch():
    f32 = zoo_core.ones(2)
    i64 = zoo_core.tensor([1, 2])
    i32 = zoo_core.tensor([1, 2], dtype=zoo_core.int32)
    u8 = zoo_core.tensor([1, 2], dtype=zoo_core.uint8)
    i8 = zoo_core.tensor([1, 2], dtype=zoo_core.int8)
    b = zoo_core.tensor([True, False])
    assert (f32 * 2.0).dtype == zoo_core.float32
    assert (f32 * 2).dtype == zoo_core.float32
    assert (i64 * 0.5).dtype == zoo_core.float32
    assert (i64 / i64).dtype == zoo_core.float32
    assert (i32 + 5).dtype == zoo_core.int32
    assert (u8 + i8).dtype == zoo_core.int16
    assert (b + 1).dtype == zoo_core.int64
    assert (f32 + zoo_core.tensor(1.0, dtype=zoo_core.float64)).dtype == zoo_core.float32
    assert (f32 + zoo_core.ones(2, dtype=zoo_core.float64)).dtype == zoo_core.float64
    assert (i32 + zoo_core.tensor(1.5, dtype=zoo_core.float64)).dtype == zoo_core.float64
    assert (i32 + zoo_core.tensor(5)).dtype == zoo_core.int32
    with zoo_core.no_grad():
        pass


def test_comparisons_and_logic():
    x = zoo_core.tensor([1.0, 2.0, 3.0])
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert zoo_core.logical_xor(x > 1, x > 2).tolist() == [False, True, False]
    assert (x != None) is True  # noqa: E711


def test_inplace_arith_and_version_counter():
    x = zoo_core.ones(3)
    x += 1
    x.mul_(3)
    x.sub_(zoo_core.tensor([1.0, 2.0, 3.0]), alpha=2)
    assert x.tolist() == [4.0, 2.0, 0.0]
    assert x._version == 3
    with pytest.raises(RuntimeError, match="can't be cast"):
        zoo_core.tensor([1, 2]).add_(0.5)


def test_inplace_on_leaf_requiring_grad_raises():
    w = zoo_core.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with zoo_core.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 2.0]


def test_inplace_on_nonleaf_rebases_history():
    x = zoo_core.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(x)        # y = 2x * x
    y.add_(1)
    y.backward(zoo_core.ones_like(y))
    assert x.grad.tolist() == [4.0, 8.0]


def test_device_mismatch_message():
    a = zoo_core.ones(2)
    with pytest.raises(RuntimeError, match="cannot be multiplied|same device|shape"):
        a + zoo_core.ones(3)
