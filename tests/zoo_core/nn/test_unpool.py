"""MaxUnpool1d/2d/3d: the inverse of max pooling's indices against PyTorch (values, output_size, gradients),
gradcheck on every device, the modules, errors."""
import os
import sys
import types

import numpy as np
import pytest

import zoo_core
from zoo_core.nn._functional.unpool import max_unpool1d, max_unpool2d, max_unpool3d
from zoo_core.nn.modules.unpool import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from zoo_core.testing.ops import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import compare_layer  # noqa: E402

# (imported from the new modules directly until zoo_core.nn / nn.functional re-export them)
ZF = types.SimpleNamespace(max_unpool1d=max_unpool1d, max_unpool2d=max_unpool2d, max_unpool3d=max_unpool3d)
ZNN = types.SimpleNamespace(MaxUnpool1d=MaxUnpool1d, MaxUnpool2d=MaxUnpool2d, MaxUnpool3d=MaxUnpool3d)


def _F(lib):
    return lib.nn.functional if lib.__name__ == "torch" else ZF


def _unpool(nd, shape, kernel, stride=None, padding=0, output_size=None, seed=0):
    """fn(lib, values): unpool ``values`` at the indices that max pooling a fixed random input gives."""
    src = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)

    def fn(lib, v):
        pool = getattr(lib.nn.functional, f"max_pool{nd}d")
        _, idx = pool(lib.tensor(src, device=v.device), kernel, stride, padding, return_indices=True)
        unpool = getattr(_F(lib), f"max_unpool{nd}d")
        return unpool(v, idx, kernel, stride, padding, output_size)
    return fn


def _round_trip(nd, kernel, stride=None, padding=0, output_size=None):
    """fn(lib, x): unpool(max_pool(x)) (gradients flow through both)."""
    def fn(lib, x):
        pool = getattr(lib.nn.functional, f"max_pool{nd}d")
        unpool = getattr(_F(lib), f"max_unpool{nd}d")
        y, idx = pool(x, kernel, stride, padding, return_indices=True)
        return unpool(y, idx, kernel, stride, padding, output_size)
    return fn


CASES = [
    OpCase("unpool2d_k2", _unpool(2, (2, 3, 6, 8), 2), [(2, 3, 3, 4)]),
    OpCase("unpool2d_k3_s3_p1_output_size", _unpool(2, (2, 2, 7, 6), 3, 3, 1, (7, 6)), [(2, 2, 3, 2)]),
    OpCase("unpool2d_rect_full_output_size", _unpool(2, (1, 2, 5, 9), (2, 3), (2, 3), 0, [1, 2, 5, 9]),
           [(1, 2, 2, 3)]),
    OpCase("unpool2d_unbatched", _unpool(2, (3, 4, 4), 2), [(3, 2, 2)]),
    OpCase("unpool1d_k2_odd_length", _unpool(1, (2, 3, 9), 2, output_size=(9,)), [(2, 3, 4)]),
    OpCase("unpool1d_k3_s3_p1", _unpool(1, (2, 3, 10), 3, 3, 1), [(2, 3, 4)]),
    OpCase("unpool1d_unbatched", _unpool(1, (3, 8), 4), [(3, 2)]),
    OpCase("unpool3d_k2", _unpool(3, (1, 2, 4, 4, 6), 2), [(1, 2, 2, 2, 3)]),
    OpCase("unpool3d_k3_s3_p1_output_size", _unpool(3, (1, 2, 5, 4, 5), 3, 3, 1, (5, 4, 5)), [(1, 2, 2, 2, 2)]),
    OpCase("unpool3d_unbatched", _unpool(3, (2, 4, 2, 4), (2, 1, 2)), [(2, 2, 2, 2)]),
    OpCase("round_trip2d", _round_trip(2, 2), [(2, 2, 4, 6)]),
    OpCase("round_trip3d", _round_trip(3, (2, 2, 1), output_size=[1, 2, 5, 4, 3]), [(1, 2, 5, 4, 3)]),
    OpCase("round_trip1d_padding", _round_trip(1, 3, 3, 1, [9]), [(2, 2, 9)]),
    # overlapping windows can pick one input twice: the forward keeps it once but the backward (a gather,
    # as PyTorch's) sends the gradient along both windows, so this is compared with PyTorch, not gradcheck
    OpCase("round_trip2d_overlapping", _round_trip(2, 3, 1, 1), [(1, 2, 5, 5)], grad=False),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_forward_values():
    x = zoo_core.tensor([[[1.0, 5.0, 3.0, 2.0, 0.0]]])
    y, i = zoo_core.nn.functional.max_pool1d(x, 2, return_indices=True)
    assert max_unpool1d(y, i, 2).tolist() == [[[0.0, 5.0, 3.0, 0.0]]]
    assert max_unpool1d(y, i, 2, output_size=[1, 1, 5]).tolist() == [[[0.0, 5.0, 3.0, 0.0, 0.0]]]
    v = zoo_core.tensor([[[10.0, 20.0], [30.0, 40.0]]])
    idx = zoo_core.tensor([[[0, 5], [10, 15]]])
    want = np.zeros((4, 4))
    want.flat[[0, 5, 10, 15]] = [10, 20, 30, 40]
    assert max_unpool2d(v, idx, 2).tolist() == [want.tolist()]


@pytest.mark.parametrize("pool,unpool,shape", [("max_pool2d", max_unpool2d, (2, 3, 6, 6)),
                                                ("max_pool1d", max_unpool1d, (2, 3, 8)),
                                                ("max_pool3d", max_unpool3d, (2, 3, 4, 4, 2))])
def test_round_trip_keeps_the_maxima_in_place(pool, unpool, shape):
    x = zoo_core.tensor(np.random.default_rng(0).standard_normal(shape))
    y, i = getattr(zoo_core.nn.functional, pool)(x, 2, return_indices=True)
    u = unpool(y, i, 2).numpy()
    kept = u != 0
    assert kept.sum() == y.numel()
    np.testing.assert_array_equal(u[kept], x.numpy()[kept])


def test_double_backward_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    src, va, ga = rng.permutation(48).reshape(1, 2, 4, 6) * 1.0, rng.standard_normal((1, 2, 2, 3)), \
        rng.standard_normal((1, 2, 4, 6))
    out = []
    for lib in (zoo_core, torch):
        _, idx = lib.nn.functional.max_pool2d(lib.tensor(src), 2, return_indices=True)
        v = lib.tensor(va, requires_grad=True)
        go = lib.tensor(ga, requires_grad=True)
        (gv,) = lib.autograd.grad(_F(lib).max_unpool2d(v, idx, 2), v, go, create_graph=True)
        (ggo,) = lib.autograd.grad((gv * gv).sum(), go)
        out.append((gv.detach().numpy(), ggo.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])


# ---- the modules -----------------------------------------------------------------------------------------
def _pool_then(kernel, stride=None, padding=0, output_size=None):
    def call(m, x):
        lib = zoo_core if isinstance(x, zoo_core.Tensor) else sys.modules["torch"]
        pool = getattr(lib.nn.functional, f"max_pool{type(m).__name__[-2:]}")
        return m(*pool(x, kernel, stride, padding, return_indices=True), output_size=output_size)
    return call


LAYERS = [
    (lambda nn: nn.MaxUnpool2d(2), (2, 3, 6, 8), _pool_then(2)),
    (lambda nn: nn.MaxUnpool2d(3, stride=2, padding=1), (2, 2, 7, 7), _pool_then(3, 2, 1, (7, 7))),
    (lambda nn: nn.MaxUnpool2d((2, 3)), (3, 4, 6), _pool_then((2, 3))),
    (lambda nn: nn.MaxUnpool3d(2), (1, 2, 4, 4, 6), _pool_then(2)),
    (lambda nn: nn.MaxUnpool3d((3, 2, 2), stride=2, padding=(1, 0, 1)), (2, 5, 4, 5), _pool_then((3, 2, 2), 2, (1, 0, 1),
                                                                                             (5, 4, 5))),
    (lambda nn: nn.MaxUnpool1d(2), (2, 3, 9), _pool_then(2, output_size=[2, 3, 9])),
    (lambda nn: nn.MaxUnpool1d(3, stride=2, padding=1), (3, 9), _pool_then(3, 2, 1)),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: f"{c[0](ZNN)!r}-{c[1]}")
def test_module_matches_torch(layer):
    torch = pytest.importorskip("torch")
    ctor, shape, call = layer
    x = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) / 10.0
    compare_layer(ctor(ZNN), ctor(torch.nn), x=x, call=call)


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: f"{c[0](ZNN)!r}-{c[1]}")
def test_module_repr_matches_torch(layer):
    torch = pytest.importorskip("torch")
    assert repr(layer[0](ZNN)) == repr(layer[0](torch.nn))


def test_module_on_device(device):
    x = zoo_core.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)), device=device, requires_grad=True)
    y, i = zoo_core.nn.functional.max_pool2d(x, 2, return_indices=True)
    u = MaxUnpool2d(2)(y, i)
    assert u.device.type == zoo_core.device(device).type and u.shape == (2, 3, 6, 6)
    u.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), (u.detach().cpu().numpy() != 0).astype(float))


# ---- errors ----------------------------------------------------------------------------------------------
V = zoo_core.ones(1, 1, 4)
I = zoo_core.tensor([[[1, 3, 5, 7]]])
ERRORS = [
    (lambda: max_unpool1d(V, I.int(), 2), RuntimeError, "elements in indices should be type int64 but got: Int"),
    (lambda: max_unpool1d(V, I[..., :3], 2), RuntimeError,
     "Expected shape of indices to be same as that of the input tensor \\(\\[1, 1, 4\\]\\) but got indices tensor "
     "with shape: \\[1, 1, 3\\]"),
    (lambda: max_unpool1d(V, I + 1, 2), RuntimeError,
     "Found an invalid max index: 8 \\(output volumes are of size 8\\)"),
    (lambda: max_unpool1d(V, I - 2, 2), RuntimeError, "Found an invalid max index: -1"),
    (lambda: max_unpool1d(V, I, 2, output_size=[10]), ValueError,
     'invalid output_size "\\[10\\]" \\(dim 0 must be between 6 and 10\\)'),
    (lambda: max_unpool1d(V, I, 2, output_size=[1, 7]), ValueError,
     "output_size should be a sequence containing 1 or 3 elements, but it has a length of '2'"),
    (lambda: max_unpool1d(V, I, 2, output_size=[7]), RuntimeError,
     "Found an invalid max index: 7 \\(output volumes are of size 7\\)"),
    (lambda: max_unpool1d(V[0, 0], I[0, 0], 2), RuntimeError,
     "Input to max_unpooling1d should be a 2d or 3d Tensor, but got a tensor with 1 dimensions"),
    (lambda: max_unpool2d(V[None, None], I[None, None], 2), RuntimeError,
     "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 5 dimensions"),
    (lambda: max_unpool2d(V, I, (1, 2), output_size=[1, 8, 9]), ValueError,
     "output_size should be a sequence containing 2 or 4 elements, but it has a length of '3'"),
    (lambda: max_unpool2d(V, I, (2, 3, 4)), ValueError,
     "max_unpool2d: expected kernel_size to be a single int or a pair"),
    (lambda: max_unpool3d(V, I, 2), RuntimeError,
     "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions"),
    (lambda: max_unpool3d(V[None, None], I[None, None], 2, output_size=[2, 2]), ValueError,
     "output_size should be a sequence containing 3 or 5 elements, but it has a length of '2'"),
    (lambda: max_unpool3d(V[None, None], I[None, None] + 1, (1, 1, 2)), RuntimeError,
     "Found an invalid max index: 8 \\(output volumes are of size 1x1x8\\)"),
]


@pytest.mark.parametrize("call,exc,msg", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


@pytest.mark.gpu
def test_device_mismatch():
    with pytest.raises(RuntimeError, match="max_unpool: expected all tensors to be on the same device"):
        max_unpool1d(V.cuda(), I, 2)
