"""Normalisation: functional gradcheck/gradgradcheck and PyTorch parity (incl. double backward), BatchNorm
running statistics over several steps, eval mode, state_dict versions, layer repr."""
import os
import sys
from collections import OrderedDict

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, check_gradients, check_torch

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, copy_state, repr_matches, to_numpy  # noqa: E402


def _bn_eval(lib, x, w, b):
    rm = lib.tensor([0.2, -0.1, 0.5], dtype=x.dtype, device=x.device)
    rv = lib.tensor([1.5, 0.7, 2.0], dtype=x.dtype, device=x.device)
    return lib.nn.functional.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-3)


CASES = [
    OpCase("batch_norm_train", lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, True),
           [(4, 3, 2, 2), (3,), (3,)]),
    OpCase("batch_norm_train_2d", lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True,
                                                                              eps=1e-3), [(5, 3)]),
    OpCase("batch_norm_eval", _bn_eval, [(4, 3, 2), (3,), (3,)]),
    OpCase("layer_norm", lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    OpCase("layer_norm_2dims", lambda lib, x, w: lib.nn.functional.layer_norm(x, (3, 4), w, eps=1e-3),
           [(2, 3, 4), (3, 4)]),
    OpCase("layer_norm_plain", lambda lib, x: lib.nn.functional.layer_norm(x, [5]), [(3, 5)]),
    OpCase("group_norm", lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    OpCase("group_norm_4d", lambda lib, x: lib.nn.functional.group_norm(x, 3), [(2, 6, 2, 2)]),
    OpCase("instance_norm", lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b),
           [(2, 3, 5), (3,), (3,)]),
    OpCase("rms_norm", lambda lib, x, w: lib.nn.functional.rms_norm(x, (4,), w, 1e-5), [(2, 3, 4), (4,)]),
    OpCase("rms_norm_default_eps", lambda lib, x: lib.nn.functional.rms_norm(x, [2, 3]), [(2, 2, 3)]),
    OpCase("local_response_norm_3d", lambda lib, x: lib.nn.functional.local_response_norm(x, 3, 0.1, 0.7, 1.5),
           [(2, 5, 3)]),
    OpCase("local_response_norm_4d", lambda lib, x: lib.nn.functional.local_response_norm(x, 2), [(2, 4, 2, 3)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in ("local_response_norm_3d",
                                                                     "local_response_norm_4d")], ids=str)
def test_double_backward_matches_torch(case):
    """The Tensor-op backward used under create_graph gives PyTorch's first and second derivatives."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    arrays = [rng.uniform(-2, 2, s) for s in case.shapes]
    results = []
    for lib in (zoo_core, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = case.fn(lib, *xs)
        go = lib.tensor(rng.standard_normal(tuple(y.shape)) if lib is zoo_core else results[0][0])
        grads = lib.autograd.grad(y, xs, go, create_graph=True)
        v = [lib.tensor(np.cos(np.arange(np.prod(a.shape))).reshape(a.shape)) for a in arrays]
        s = sum((g * vi).sum() for g, vi in zip(grads, v))
        second = lib.autograd.grad(s, xs + [go] if go.requires_grad else xs, allow_unused=True)
        results.append((go.numpy(), [g.detach().numpy() for g in grads],
                        [None if g is None else g.numpy() for g in second]))
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, atol=1e-9, rtol=1e-7)
    for a, b in zip(results[0][2], results[1][2]):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_allclose(a, b, atol=1e-8, rtol=1e-6)


# ---- BatchNorm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("ctor,shape", [
    (lambda nn: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    (lambda nn: nn.BatchNorm2d(3, momentum=None), (4, 3, 2, 3)),
    (lambda nn: nn.BatchNorm2d(3, momentum=0.3, eps=1e-3, affine=False), (2, 3, 4, 4)),
    (lambda nn: nn.BatchNorm1d(4), (6, 4)),
    (lambda nn: nn.BatchNorm1d(4, momentum=None), (3, 4, 5)),
    (lambda nn: nn.BatchNorm3d(2), (2, 2, 3, 2, 2)),
], ids=["bn2d", "bn2d_cumulative", "bn2d_noaffine", "bn1d", "bn1d_cumulative", "bn3d"])
def test_batchnorm_running_stats_match_torch_over_steps(ctor, shape):
    pytest.importorskip("torch")
    z, t = build(ctor)
    copy_state(z, t)
    z.double(), t.double()
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal(shape) * (1 + step) + step
        compare_layer(z, t, x=x, copy=False, seed=step)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(to_numpy(getattr(z, name)), to_numpy(getattr(t, name)), rtol=1e-10, atol=1e-12)
    assert int(z.num_batches_tracked) == int(t.num_batches_tracked) == 4
    z.eval(), t.eval()
    compare_layer(z, t, x=rng.standard_normal(shape), copy=False)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    pytest.importorskip("torch")
    z, t = build(lambda nn: nn.BatchNorm2d(3, track_running_stats=False))
    assert z.running_mean is None and z.num_batches_tracked is None
    assert list(z.state_dict()) == ["weight", "bias"]
    z.eval(), t.eval()
    compare_layer(z, t, (4, 3, 2, 2))


def test_batchnorm_eval_ignores_batch_and_keeps_buffers():
    bn = nn.BatchNorm1d(2).eval()
    before = bn.running_mean.numpy().copy()
    y = bn(zoo_core.tensor([[1.0, 2.0], [3.0, 6.0]]))
    np.testing.assert_allclose(y.detach().numpy(), np.array([[1.0, 2.0], [3.0, 6.0]]) / np.sqrt(1 + 1e-5), rtol=1e-6)
    assert (bn.running_mean.numpy() == before).all() and int(bn.num_batches_tracked) == 0


def test_batchnorm_float32_training_matches_torch():
    pytest.importorskip("torch")
    z, t = build(lambda nn: nn.BatchNorm2d(4))
    compare_layer(z, t, (8, 4, 3, 3), dtype="float32", atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(to_numpy(z.running_var), to_numpy(t.running_var), rtol=1e-5)


def test_batchnorm_state_dict_version_and_old_checkpoints():
    bn = nn.BatchNorm2d(3)
    sd = bn.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd._metadata[""] == {"version": 2}
    assert sd["num_batches_tracked"].dtype == zoo_core.int64 and sd["num_batches_tracked"].dim() == 0
    # a version-1 checkpoint has no num_batches_tracked: loading it is not an error
    old = OrderedDict((k, v.clone()) for k, v in sd.items() if k != "num_batches_tracked")
    old._metadata = OrderedDict({"": {"version": 1}})
    old["running_mean"] = zoo_core.tensor([1.0, 2.0, 3.0])
    fresh = nn.BatchNorm2d(3)
    fresh.load_state_dict(old)
    assert fresh.running_mean.tolist() == [1.0, 2.0, 3.0] and int(fresh.num_batches_tracked) == 0
    # at version 2 the key is required as usual
    old2 = OrderedDict((k, v.clone()) for k, v in sd.items() if k != "num_batches_tracked")
    old2._metadata = OrderedDict({"": {"version": 2}})
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
        nn.BatchNorm2d(3).load_state_dict(old2)


def test_loading_an_old_checkpoint_leaves_the_callers_dict_alone():
    old = OrderedDict((k, v.clone()) for k, v in nn.BatchNorm2d(3).state_dict().items()
                      if k != "num_batches_tracked")
    old._metadata = OrderedDict({"": {"version": 1}})
    nn.BatchNorm2d(3).load_state_dict(old)
    assert "num_batches_tracked" not in old


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.BatchNorm2d(3)(zoo_core.randn(2, 3, 4))
    with pytest.raises(ValueError, match="expected 2D or 3D input \\(got 4D input\\)"):
        nn.BatchNorm1d(3)(zoo_core.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(zoo_core.randn(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(zoo_core.randn(2, 3), zoo_core.zeros(4), zoo_core.ones(4))


def test_reset_running_stats():
    bn = nn.BatchNorm1d(2)
    bn(zoo_core.randn(5, 2) + 3)
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.running_var.tolist() == [1.0, 1.0]
    assert int(bn.num_batches_tracked) == 0


# ---- the other layers ---------------------------------------------------------------------------
LAYERS = [
    (lambda nn: nn.LayerNorm(6), (2, 3, 6)),
    (lambda nn: nn.LayerNorm((3, 6), eps=1e-3, bias=False), (2, 3, 6)),
    (lambda nn: nn.LayerNorm([6], elementwise_affine=False), (4, 6)),
    (lambda nn: nn.GroupNorm(2, 6), (2, 6, 3, 3)),
    (lambda nn: nn.GroupNorm(3, 6, eps=1e-3, affine=False), (2, 6, 4)),
    (lambda nn: nn.GroupNorm(1, 4, bias=False), (3, 4)),
    (lambda nn: nn.RMSNorm(6), (2, 3, 6)),
    (lambda nn: nn.RMSNorm([3, 6], eps=1e-4, elementwise_affine=False), (2, 3, 6)),
    (lambda nn: nn.LocalResponseNorm(3), (2, 5, 3, 3)),
    (lambda nn: nn.LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0), (2, 4, 5)),
    (lambda nn: nn.InstanceNorm2d(3), (2, 3, 4, 4)),
    (lambda nn: nn.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    (lambda nn: nn.InstanceNorm1d(3, affine=True), (3, 5)),
    (lambda nn: nn.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
]


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_matches_torch(case):
    pytest.importorskip("torch")
    ctor, shape = case
    z, t = build(ctor)
    rng = np.random.default_rng(1)
    with zoo_core.no_grad():   # non-trivial affine parameters
        for p in z.parameters():
            p.copy_(zoo_core.tensor(rng.uniform(0.5, 1.5, tuple(p.shape)).astype(np.float32)))
    t.load_state_dict({k: __import__("torch").from_numpy(v.numpy().copy()) for k, v in z.state_dict().items()})
    compare_layer(z, t, shape)


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])


def test_layer_norm_init_and_errors():
    ln = nn.LayerNorm((2, 3))
    assert ln.normalized_shape == (2, 3)
    assert ln.weight.tolist() == [[1.0] * 3] * 2 and ln.bias.tolist() == [[0.0] * 3] * 2
    with pytest.raises(RuntimeError, match="Given normalized_shape=\\[4\\], expected input with shape \\[\\*, 4\\], "
                                           "but got input of size\\[3, 5\\]"):
        F.layer_norm(zoo_core.randn(3, 5), (4,))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(zoo_core.randn(3, 5), 2)
    with pytest.raises(ValueError, match="num_channels \\(5\\) must be divisible by num_groups \\(2\\)"):
        nn.GroupNorm(2, 5)


def test_float32_statistics_of_layer_norm():
    x = zoo_core.randn(4, 64) * 10 + 100
    y = F.layer_norm(x, (64,))
    assert y.dtype == zoo_core.float32
    np.testing.assert_allclose(y.mean(-1).numpy(), 0, atol=1e-4)
    np.testing.assert_allclose(y.var(-1, unbiased=False).numpy(), 1, atol=1e-3)
