"""PyTorch's process-level API that ported scripts touch first: finfo/iinfo, bfloat16, backends,
accelerator, amp (autocast, GradScaler), legacy tensor types, out= on products, threads, compile."""
import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
from zoo_core import optim

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "bfloat16"])
def test_finfo_matches_torch(name):
    a, b = zoo_core.finfo(getattr(zoo_core, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(a, field) == getattr(b, field), field


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    a, b = zoo_core.iinfo(getattr(zoo_core, name)), torch.iinfo(getattr(torch, name))
    assert (a.bits, a.max, a.min, a.dtype) == (b.bits, b.max, b.min, b.dtype)


def test_finfo_iinfo_errors_and_default():
    assert zoo_core.finfo().dtype == "float32"
    with pytest.raises(TypeError, match="iinfo"):
        zoo_core.finfo(zoo_core.int32)
    with pytest.raises(TypeError, match="finfo"):
        zoo_core.iinfo(zoo_core.float32)
    with pytest.raises(TypeError, match="bool"):
        zoo_core.iinfo(zoo_core.bool)


def test_bfloat16_is_named_but_not_stored():
    table = {"float32": zoo_core.float32, "bfloat16": zoo_core.bfloat16, "float16": zoo_core.float16}
    assert table["bfloat16"] != zoo_core.float32 and repr(zoo_core.bfloat16) == "zoo_core.bfloat16"
    for make in (lambda: zoo_core.ones(2, dtype=zoo_core.bfloat16), lambda: zoo_core.ones(2).to(zoo_core.bfloat16),
                 lambda: nn.Linear(2, 2).to(dtype=zoo_core.bfloat16), lambda: zoo_core.ones(2).to("bfloat16")):
        with pytest.raises(TypeError, match="cannot store.*bfloat16.*float32"):
            make()
    assert zoo_core.cuda.is_bf16_supported() is False


def test_backends_flags_are_settable():
    import zoo_core.backends.cudnn as cudnn
    cudnn.benchmark = True
    zoo_core.backends.cudnn.deterministic = True
    zoo_core.backends.cuda.matmul.allow_tf32 = True
    zoo_core.backends.cudnn.allow_tf32 = True
    assert zoo_core.backends.cudnn.benchmark and zoo_core.backends.cudnn.deterministic
    assert zoo_core.backends.cudnn.is_available() is False and zoo_core.backends.mps.is_available() is False
    cudnn.benchmark = cudnn.deterministic = False


def test_accelerator_follows_cuda():
    acc = zoo_core.accelerator
    assert acc.is_available() == zoo_core.cuda.is_available()
    assert acc.current_accelerator() == (zoo_core.device("cuda") if acc.is_available() else None)
    assert acc.device_count() == zoo_core.cuda.device_count()


def test_autocast_is_a_context_manager_and_a_decorator():
    x = zoo_core.ones(2, 3)
    with zoo_core.autocast(device_type="cpu", dtype=zoo_core.bfloat16):
        y = x @ x.t()
    assert y.dtype == zoo_core.float32   # precision is not lowered

    @zoo_core.amp.autocast("cuda")
    def f(t):
        return t * 2
    assert f(x).sum().item() == 12.0
    from zoo_core.cuda.amp import autocast
    with autocast(enabled=False):
        pass
    with pytest.raises(RuntimeError, match="device_type"):
        zoo_core.autocast(device_type="tpu-ish")


def _scaler_run(lib, bad_steps):
    lib.manual_seed(0)
    w = lib.nn.Parameter(lib.tensor([[0.5, -0.25], [0.125, 1.0]], dtype=lib.float64))
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 4, growth_interval=2)
    scales = []
    for step in range(7):
        opt.zero_grad()
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64)
        loss = (x @ w).pow(2).sum()
        if step in bad_steps:
            loss = loss * float("inf")
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        lib.nn.utils.clip_grad_norm_([w], 10.0)
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return np.array(w.detach().tolist()), scales, scaler.state_dict()


def test_grad_scaler_matches_torch():
    zw, zs, zsd = _scaler_run(zoo_core, bad_steps={1, 4})
    tw, ts, tsd = _scaler_run(torch, bad_steps={1, 4})
    assert zs == ts and zs[1] == 2.0 ** 3        # backed off after each inf step, grown every 2 clean ones
    np.testing.assert_allclose(zw, tw, rtol=1e-12)
    assert zsd["scale"] == tsd["scale"] and zsd["_growth_tracker"] == tsd["_growth_tracker"]


def test_grad_scaler_disabled_and_misuse():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    off = zoo_core.amp.GradScaler(enabled=False)
    loss = model(zoo_core.ones(1, 2)).sum()
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}
    on = zoo_core.amp.GradScaler("cpu")
    on.scale(model(zoo_core.ones(1, 2)).sum()).backward()
    on.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        on.unscale_(opt)
    on.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        on.step(opt)
    on.update()
    fresh = zoo_core.amp.GradScaler("cpu")
    fresh.load_state_dict(on.state_dict())
    assert fresh.get_scale() == on.get_scale()
    with pytest.raises(RuntimeError, match="No inf checks"):
        fresh.update()


def test_legacy_tensor_types():
    x = zoo_core.ones(2, 3)
    assert x.type() == "torch.FloatTensor" and zoo_core.ones(2, dtype=zoo_core.int64).type() == "torch.LongTensor"
    assert x.type(zoo_core.DoubleTensor).dtype == zoo_core.float64
    assert x.type("torch.LongTensor").dtype == zoo_core.int64
    assert isinstance(x, zoo_core.FloatTensor) and not isinstance(x, zoo_core.LongTensor)
    assert zoo_core.FloatTensor(2, 3).shape == (2, 3) and zoo_core.FloatTensor(2, 3).dtype == zoo_core.float32
    assert zoo_core.LongTensor([1, 2]).tolist() == [1, 2] and zoo_core.FloatTensor().shape == (0,)
    assert zoo_core.ByteTensor(zoo_core.Size([4])).dtype == zoo_core.uint8
    Tensor = zoo_core.cuda.FloatTensor if zoo_core.cuda.is_available() else zoo_core.FloatTensor
    assert Tensor(4, 1).fill_(1.0).tolist() == [[1.0]] * 4
    with pytest.raises(ValueError, match="invalid type"):
        x.type("torch.QuantumTensor")


@pytest.mark.gpu
def test_legacy_cuda_types_and_device_properties():
    t = zoo_core.cuda.FloatTensor(2, 2)
    assert t.is_cuda and t.type() == "torch.cuda.FloatTensor" and isinstance(t, zoo_core.cuda.FloatTensor)
    assert zoo_core.ones(2).type("torch.cuda.DoubleTensor").is_cuda
    props = zoo_core.cuda.get_device_properties(0)
    assert props.major >= 1 and props.total_memory > 0 and props.name


def test_out_arguments_of_products_and_cat():
    t = zoo_core.ones(3, 3)
    y = zoo_core.empty(3, 3)
    assert zoo_core.matmul(t, t.T, out=y) is y and y.tolist() == [[3.0] * 3] * 3
    o = zoo_core.empty(6, 3)
    assert zoo_core.cat([t, t], out=o) is o and o.sum().item() == 18.0
    assert zoo_core.mm(t, t, out=zoo_core.empty(3, 3)).sum().item() == 27.0
    assert zoo_core.bmm(t[None], t[None], out=zoo_core.empty(1, 3, 3)).shape == (1, 3, 3)
    with pytest.raises(RuntimeError, match="out="):
        zoo_core.matmul(t.requires_grad_(), t, out=zoo_core.empty(3, 3))


def test_threads_determinism_and_compile():
    old = zoo_core.get_num_threads()
    zoo_core.set_num_threads(3)
    assert zoo_core.get_num_threads() == 3
    zoo_core.set_num_threads(old)
    with pytest.raises(RuntimeError, match="positive"):
        zoo_core.set_num_threads(0)
    zoo_core.use_deterministic_algorithms(True, warn_only=True)
    assert zoo_core.are_deterministic_algorithms_enabled()
    assert zoo_core.is_deterministic_algorithms_warn_only_enabled()
    zoo_core.use_deterministic_algorithms(False)
    model = nn.Linear(2, 2)
    assert zoo_core.compile(model) is model
    assert zoo_core.compile(mode="max-autotune")(model) is model


@pytest.mark.gpu
def test_grad_scaler_skips_inf_steps_on_cuda():
    w = nn.Parameter(zoo_core.ones(3, device="cuda"))
    opt = optim.SGD([w], lr=0.1)
    scaler = zoo_core.amp.GradScaler("cuda", init_scale=8.0)
    for bad in (True, False):
        opt.zero_grad()
        loss = (w * w).sum() * (float("inf") if bad else 1.0)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 4.0 and w.is_cuda
    np.testing.assert_allclose(w.detach().cpu().numpy(), [0.8] * 3, rtol=1e-6)
