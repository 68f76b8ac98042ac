"""Lazy modules, AdaptiveLogSoftmaxWithLoss, SyncBatchNorm, Container and the conv/linear-BN fusion helpers,
against PyTorch with the same weights."""
import pickle
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core.nn.modules.lazy import is_lazy

torch = pytest.importorskip("torch")


def _z(t):
    return zoo_core.from_numpy(t.detach().numpy().copy())


# ---- lazy modules ------------------------------------------------------------------------------------
LAZY = [("LazyConv1d", (4, 3), (2, 3, 9)), ("LazyConv2d", (4, 3), (2, 3, 7, 7)), ("LazyConv2d", (4, 3), (3, 7, 7)),
        ("LazyConv3d", (4, 2), (1, 2, 4, 5, 5)), ("LazyConvTranspose1d", (4, 3), (2, 3, 6)),
        ("LazyConvTranspose2d", (4, 3), (2, 6, 5, 5)), ("LazyConvTranspose3d", (4, 2), (1, 2, 3, 3, 3)),
        ("LazyBatchNorm1d", (), (4, 3)), ("LazyBatchNorm2d", (), (4, 3, 5, 5)), ("LazyBatchNorm3d", (), (2, 3, 2, 3, 3)),
        ("LazyInstanceNorm1d", (), (4, 3, 5)), ("LazyInstanceNorm2d", (), (4, 3, 5, 5)),
        ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 3)), ("LazyLinear", (5,), (2, 7))]


@pytest.mark.parametrize("name, args, shape", LAZY, ids=[f"{n}-{len(s)}d" for n, _, s in LAZY])
def test_lazy_module_like_torch(name, args, shape):
    t, z = getattr(torch.nn, name)(*args), getattr(zoo_core.nn, name)(*args)
    assert list(dict(t.named_parameters())) == list(dict(z.named_parameters()))
    assert list(t.state_dict()) == list(z.state_dict())
    assert all(is_lazy(p) for p in z.parameters()) and z.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    to, zo = t(torch.from_numpy(x.copy())), z(zoo_core.from_numpy(x.copy()))
    assert type(z).__name__ == type(t).__name__ and repr(z) == repr(t)
    assert tuple(zo.shape) == tuple(to.shape)
    assert not any(is_lazy(p) for p in z.parameters()) and type(z.weight) is zoo_core.nn.Parameter
    assert [tuple(v.shape) for v in z.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
    # the materialised module computes what torch's computes with the same weights
    z.load_state_dict({k: _z(v) for k, v in t.state_dict().items()})
    t.eval(), z.eval()
    np.testing.assert_allclose(z(zoo_core.from_numpy(x.copy())).detach().numpy(),
                               t(torch.from_numpy(x.copy())).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, args, shape", LAZY[:2] + LAZY[4:5] + LAZY[8:9] + LAZY[13:],
                         ids=["conv1d", "conv2d", "convT1d", "bn2d", "linear"])
def test_lazy_module_loads_checkpoint_before_forward(name, args, shape):
    src = getattr(torch.nn, name)(*args)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    src(torch.from_numpy(x.copy()))
    src.eval()
    z = getattr(zoo_core.nn, name)(*args)
    z.load_state_dict({k: _z(v) for k, v in src.state_dict().items()})
    z.eval()
    np.testing.assert_allclose(z(zoo_core.from_numpy(x.copy())).detach().numpy(),
                               src(torch.from_numpy(x.copy())).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert repr(z) == repr(src)


def test_lazy_conv_options_and_errors():
    m = zoo_core.nn.LazyConv2d(6, 3, stride=2, padding=1, groups=2, bias=False, dtype=zoo_core.float64)
    assert m.bias is None and m.weight.dtype == zoo_core.float64
    m(zoo_core.randn(1, 4, 8, 8, dtype=zoo_core.float64))
    assert tuple(m.weight.shape) == (6, 2, 3, 3) and m.in_channels == 4
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        zoo_core.nn.LazyConv2d(4, 3)(zoo_core.randn(3, 5))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        zoo_core.nn.LazyConv2d(4, 3, groups=2)(zoo_core.randn(1, 3, 5, 5))
    m = zoo_core.nn.LazyConvTranspose2d(4, 3, stride=2, groups=2)
    m(zoo_core.randn(1, 6, 4, 4))
    assert tuple(m.weight.shape) == (6, 2, 3, 3)


def test_uninitialized_parameter_and_buffer():
    p = zoo_core.nn.UninitializedParameter(dtype=zoo_core.float64)
    b = zoo_core.nn.UninitializedBuffer()
    assert is_lazy(p) and is_lazy(b) and not is_lazy(zoo_core.nn.Parameter(zoo_core.zeros(2)))
    assert repr(p) == repr(torch.nn.UninitializedParameter()) == "<UninitializedParameter>"
    assert p.requires_grad and not b.requires_grad
    p.materialize((2, 3))
    b.materialize((4,))
    assert type(p) is zoo_core.nn.Parameter and tuple(p.shape) == (2, 3) and p.dtype == zoo_core.float64
    assert type(b) is zoo_core.Tensor and tuple(b.shape) == (4,) and not is_lazy(p)
    q = pickle.loads(pickle.dumps(zoo_core.nn.UninitializedParameter()))
    assert is_lazy(q)


def test_lazy_module_moves_and_trains():
    m = zoo_core.nn.Sequential(zoo_core.nn.LazyConv2d(4, 3), zoo_core.nn.LazyBatchNorm2d(), zoo_core.nn.ReLU(),
                               zoo_core.nn.Flatten(), zoo_core.nn.LazyLinear(2)).double()
    out = m(zoo_core.randn(2, 3, 6, 6, dtype=zoo_core.float64))
    out.sum().backward()
    assert [type(c).__name__ for c in m] == ["Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear"]
    assert all(p.grad is not None and p.dtype == zoo_core.float64 for p in m.parameters())
    assert m[1].num_features == 4 and m[4].in_features == 64


# ---- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------------------
@pytest.mark.parametrize("head_bias, batched", [(False, True), (True, True), (False, False)])
def test_adaptive_log_softmax_matches_torch(head_bias, batched):
    rng = np.random.default_rng(2)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 9, 15], div_value=2.0, head_bias=head_bias).double()
    z = zoo_core.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 9, 15], div_value=2.0, head_bias=head_bias).double()
    assert list(t.state_dict()) == list(z.state_dict()) and repr(t) == repr(z)
    z.load_state_dict({k: _z(v) for k, v in t.state_dict().items()})
    x = rng.standard_normal((6, 16) if batched else (16,))
    y = np.array([0, 3, 5, 12, 19, 9]) if batched else np.array(12)
    tx, zx = torch.from_numpy(x).requires_grad_(), zoo_core.from_numpy(x.copy()).requires_grad_()
    to, zo = t(tx, torch.from_numpy(y)), z(zx, zoo_core.from_numpy(y))
    assert zo._fields == ("output", "loss") and tuple(zo.output.shape) == tuple(to.output.shape)
    np.testing.assert_allclose(zo.output.detach().numpy(), to.output.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(float(zo.loss.detach()), float(to.loss.detach()), rtol=1e-10)
    to.loss.backward()
    zo.loss.backward()
    np.testing.assert_allclose(zx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (k, a), (_, b) in zip(z.named_parameters(), t.named_parameters()):
        assert (a.grad is None) == (b.grad is None), k
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)
    xx = rng.standard_normal((50, 16))
    np.testing.assert_allclose(z.log_prob(zoo_core.from_numpy(xx)).detach().numpy(),
                               t.log_prob(torch.from_numpy(xx)).detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(z.predict(zoo_core.from_numpy(xx)).numpy(), t.predict(torch.from_numpy(xx)).numpy())
    assert int(z.predict(zoo_core.from_numpy(xx[0]))) == int(t.predict(torch.from_numpy(xx[:1]))[0])


@pytest.mark.parametrize("call, match, exc", [
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, []), "cutoffs should be a sequence of length larger than 0",
     ValueError),
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3]), "cutoffs should be a sequence of unique", ValueError),
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10]), "cutoffs should be a sequence of unique",
     ValueError),
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(lib.randn(2, 8), lib.tensor([1, 10])),
     r"Target values should be in \[0, 9\]", RuntimeError),
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(lib.randn(3, 8), lib.tensor([1, 2])),
     "Input and target should have the same size in the batch dimension", RuntimeError),
    (lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(lib.randn(2, 8), lib.tensor([[1, 2]])),
     "0D or 1D target tensor expected", RuntimeError),
])
def test_adaptive_log_softmax_errors(call, match, exc):
    for lib in (torch, zoo_core):
        with pytest.raises(exc, match=match):
            call(lib)


# ---- SyncBatchNorm, Container ------------------------------------------------------------------------------
def test_sync_batchnorm_is_batchnorm_on_one_process():
    rng = np.random.default_rng(3)
    t, z = torch.nn.SyncBatchNorm(3), zoo_core.nn.SyncBatchNorm(3)
    assert repr(t) == repr(z) and list(t.state_dict()) == list(z.state_dict())
    x = rng.standard_normal((4, 3, 2, 2, 2, 2)).astype(np.float32)   # any (N, C, *) input
    for _ in range(2):
        np.testing.assert_allclose(z(zoo_core.from_numpy(x)).detach().numpy(),
                                   t(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(z.running_var.numpy(), t.running_var.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        z(zoo_core.randn(3))


def test_convert_sync_batchnorm():
    names = []
    for lib in (torch, zoo_core):
        net = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 1), lib.nn.BatchNorm2d(4),
                                lib.nn.Sequential(lib.nn.BatchNorm1d(4)))
        net.eval()
        w, rm = net[1].weight, net[1].running_mean
        out = lib.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        assert out[1].weight is w and out[1].running_mean is rm and not out[1].training
        names.append([type(m).__name__ for m in out.modules()])
    assert names[0] == names[1] == ["Sequential", "Conv2d", "SyncBatchNorm", "Sequential", "SyncBatchNorm"]
    single = zoo_core.nn.SyncBatchNorm.convert_sync_batchnorm(zoo_core.nn.BatchNorm1d(5))
    assert type(single) is zoo_core.nn.SyncBatchNorm


def test_container_and_parameter_containers():
    with pytest.warns(UserWarning, match="nn.Container is deprecated"):
        c = zoo_core.nn.Container(fc=zoo_core.nn.Linear(2, 3), act=zoo_core.nn.ReLU())
    assert [n for n, _ in c.named_children()] == ["fc", "act"] and isinstance(c, zoo_core.nn.Module)
    assert len(zoo_core.nn.ParameterList([zoo_core.nn.Parameter(zoo_core.zeros(2))])) == 1
    assert list(zoo_core.nn.ParameterDict({"a": zoo_core.nn.Parameter(zoo_core.zeros(2))})) == ["a"]


# ---- fusion ------------------------------------------------------------------------------------------
def _trained_bn(bn, make_input, conv):
    bn.train()
    for _ in range(3):
        bn(conv(make_input()))
    return bn


@pytest.mark.parametrize("kind", ["conv2d", "conv1d_nobias_noaffine", "conv_transpose2d", "conv3d", "linear",
                                  "linear_bn1"])
def test_fusion_equals_unfused_eval(kind):
    nn = zoo_core.nn
    zoo_core.manual_seed(0)
    f64 = zoo_core.float64
    layer, bn, shape, transpose = {
        "conv2d": (nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), (2, 3, 6, 6), False),
        "conv1d_nobias_noaffine": (nn.Conv1d(3, 4, 3, bias=False), nn.BatchNorm1d(4, affine=False), (2, 3, 6), False),
        "conv_transpose2d": (nn.ConvTranspose2d(4, 6, 3, stride=2), nn.BatchNorm2d(6), (2, 4, 5, 5), True),
        "conv3d": (nn.Conv3d(2, 3, 2), nn.BatchNorm3d(3), (1, 2, 4, 4, 4), False),
        "linear": (nn.Linear(5, 4), nn.BatchNorm1d(4), (3, 5), None),
        "linear_bn1": (nn.Linear(5, 4), nn.BatchNorm1d(1), (3, 1, 5), None),
    }[kind]
    layer, bn = layer.double(), bn.double()
    with zoo_core.no_grad():
        if bn.affine:
            bn.weight.uniform_(0.5, 2.0)
            bn.bias.uniform_(-1, 1)
    _trained_bn(bn, lambda: zoo_core.randn(*shape, dtype=f64) * 3 + 1, layer)
    layer.eval(), bn.eval()
    if transpose is None:
        fused = nn.utils.fusion.fuse_linear_bn_eval(layer, bn)
    else:
        fused = nn.utils.fuse_conv_bn_eval(layer, bn, transpose=transpose)
    x = zoo_core.randn(*shape, dtype=f64)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(layer(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    assert type(fused) is type(layer) and fused.weight is not layer.weight and fused.bias is not None
    assert fused.weight.requires_grad and fused.weight.grad_fn is None
    # the same weights as torch's helpers
    tw, tb = torch.nn.utils.fusion.fuse_conv_bn_weights(
        torch.from_numpy(layer.weight.detach().numpy()),
        None if layer.bias is None else torch.from_numpy(layer.bias.detach().numpy()),
        torch.from_numpy(bn.running_mean.numpy()), torch.from_numpy(bn.running_var.numpy()), bn.eps,
        None if bn.weight is None else torch.from_numpy(bn.weight.detach().numpy()),
        None if bn.bias is None else torch.from_numpy(bn.bias.detach().numpy()), bool(transpose)) \
        if transpose is not None else torch.nn.utils.fusion.fuse_linear_bn_weights(
        torch.from_numpy(layer.weight.detach().numpy()), torch.from_numpy(layer.bias.detach().numpy()),
        torch.from_numpy(bn.running_mean.numpy()), torch.from_numpy(bn.running_var.numpy()), bn.eps,
        torch.from_numpy(bn.weight.detach().numpy()), torch.from_numpy(bn.bias.detach().numpy()))
    np.testing.assert_allclose(fused.weight.detach().numpy(), tw.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(fused.bias.detach().numpy(), tb.detach().numpy(), rtol=1e-14, atol=1e-15)


def test_fusion_needs_eval():
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        zoo_core.nn.utils.fusion.fuse_conv_bn_eval(zoo_core.nn.Conv2d(1, 2, 1), zoo_core.nn.BatchNorm2d(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lin, bn = zoo_core.nn.Linear(3, 4).eval(), zoo_core.nn.BatchNorm1d(5).eval()
        with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
            zoo_core.nn.utils.fusion.fuse_linear_bn_eval(lin, bn)


def test_lazy_adaptive_and_fusion_on_device(device):
    nn = zoo_core.nn
    zoo_core.manual_seed(0)
    m = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(3)).to(device)
    out = m(zoo_core.randn(2, 3, 5, 5, device=device))
    out.sum().backward()
    assert all(p.device.type == zoo_core.device(device).type and p.grad is not None for p in m.parameters())
    assert m[1].running_mean.device.type == zoo_core.device(device).type
    m.eval()
    fused = nn.utils.fuse_conv_bn_eval(m[0], m[1])
    x = zoo_core.randn(1, 3, 5, 5, device=device)
    np.testing.assert_allclose(fused(x).detach().cpu().numpy(), m[1](m[0](x)).detach().cpu().numpy(),
                               rtol=1e-5, atol=1e-5)
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])
    cpu_out = asm(zoo_core.ones(3, 16), zoo_core.tensor([0, 4, 9]))
    asm.to(device)
    dev_out = asm(zoo_core.ones(3, 16, device=device), zoo_core.tensor([0, 4, 9], device=device))
    np.testing.assert_allclose(dev_out.output.detach().cpu().numpy(), cpu_out.output.detach().numpy(), rtol=1e-5)
    assert int(asm.predict(zoo_core.ones(16, device=device)).cpu()) == int(
        asm.predict(zoo_core.ones(1, 16, device=device))[0].cpu())
