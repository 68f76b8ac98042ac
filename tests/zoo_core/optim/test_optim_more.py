"""Rprop, Adafactor, SparseAdam, Muon, swa_utils and the lr_scheduler inventory against PyTorch.

The optimizers run 20 float64 steps from the same weights (matrices, a vector, a 0-d scalar, 3-D and 4-D
tensors) with gradients computed in numpy from each side's own current weights plus a fixed per-step noise
(so gradient signs flip, which Rprop needs), and compare parameters and every state entry with torch's.
"""
import copy

import numpy as np
import pytest

import zoo_core
import zoo_core.optim as optim
from zoo_core.nn.parameter import Parameter

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(7)
SHAPES = [(5, 8), (8,), (), (2, 3, 4), (2, 2, 3, 3)]
W0 = [_rng.standard_normal(s) * 0.5 for s in SHAPES]
NOISE = [[_rng.standard_normal(s) * 0.3 for s in SHAPES] for _ in range(20)]


def _np(t):
    return t.detach().cpu().numpy()


def grads_of(ws, k):
    """A smooth gradient of each weight plus step k's noise."""
    return [np.sin(3 * w) + 0.2 * w + n.astype(w.dtype) for w, n in zip(ws, NOISE[k % 20])]


def zoo_params(device="cpu", dtype=np.float64, w0=W0):
    return [Parameter(zoo_core.tensor(w.astype(dtype), device=device)) for w in w0]


def torch_params(dtype=torch.float64, w0=W0):
    return [torch.nn.Parameter(torch.tensor(w).to(dtype)) for w in w0]


def run(opt, params, lib, steps, device=None, start=0):
    for k in range(start, start + steps):
        opt.zero_grad()
        for p, g in zip(params, grads_of([_np(p) for p in params], k)):
            p.grad = zoo_core.tensor(g, device=device) if lib is zoo_core else torch.tensor(g)
        opt.step()
    return [_np(p) for p in params]


def assert_close(a, b, rtol=1e-9, atol=1e-10):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def assert_same_state(zopt, topt, rtol=1e-9, atol=1e-10):
    zs, ts = zopt.state_dict(), topt.state_dict()
    assert zs["param_groups"] == ts["param_groups"]
    assert zs["state"].keys() == ts["state"].keys()
    for i, tstate in ts["state"].items():
        assert list(zs["state"][i]) == list(tstate), i
        for k, v in tstate.items():
            z = zs["state"][i][k]
            if isinstance(v, torch.Tensor):
                assert isinstance(z, zoo_core.Tensor) and z.shape == tuple(v.shape), k
                assert str(z.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], (k, z.dtype, v.dtype)
                np.testing.assert_allclose(_np(z), v.numpy(), rtol=rtol, atol=atol, err_msg=k)
            else:
                assert z == v, k


def _to_zoo(value):
    if isinstance(value, torch.Tensor):
        return zoo_core.tensor(value.numpy())
    return copy.deepcopy(value)


def _convert(tsd):
    return {"state": {i: {k: _to_zoo(v) for k, v in s.items()} for i, s in tsd["state"].items()},
            "param_groups": copy.deepcopy(tsd["param_groups"])}


def _id(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


CONFIGS = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("Rprop", dict(lr=0.05, foreach=False)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.5, maximize=True, eps=(None, 1e-3))),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[_id(c) for c in CONFIGS])
def test_matches_torch_float64(config, device):
    name, kwargs = config
    zp, tp = zoo_params(device), torch_params()
    zopt = getattr(optim, name)(zp, **kwargs)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    z = run(zopt, zp, zoo_core, 20, device)
    t = run(topt, tp, torch, 20)
    assert_close(z, t)
    assert not np.allclose(z[0], W0[0], atol=1e-3)          # the parameters did move
    assert all(p.dtype == zoo_core.float64 and p.device.type == device for p in zp)
    assert_same_state(zopt, topt)


def test_rprop_capturable_keeps_step_on_device(device):
    # torch allows capturable only on accelerators; the trajectory is the same as without it
    zp, ref = zoo_params(device), zoo_params(device)
    opt = optim.Rprop(zp, lr=0.05, capturable=True)
    assert_close(run(opt, zp, zoo_core, 5, device), run(optim.Rprop(ref, lr=0.05), ref, zoo_core, 5, device), 0, 0)
    assert opt.state[zp[0]]["step"].device.type == device and opt.state[zp[0]]["step"].item() == 5


FLOAT32 = [("Rprop", dict(lr=0.05)), ("Adafactor", dict(lr=0.05))]


@pytest.mark.parametrize("config", FLOAT32, ids=[_id(c) for c in FLOAT32])
def test_float32_stays_float32(config):
    name, kwargs = config
    zp, tp = zoo_params(dtype=np.float32), torch_params(torch.float32)
    zopt = getattr(optim, name)(zp, **kwargs)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    assert_close(run(zopt, zp, zoo_core, 20), run(topt, tp, torch, 20), rtol=1e-5, atol=1e-5)
    assert all(p._data.dtype == np.float32 for p in zp)
    assert_same_state(zopt, topt, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["Rprop", "Adafactor"])
def test_param_groups_with_own_options(name):
    def groups(ps):
        extra = dict(etas=(0.4, 1.3)) if name == "Rprop" else dict(weight_decay=0.1, beta2_decay=-0.6)
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003, **extra}]
    zp, tp = zoo_params(), torch_params()
    zopt = getattr(optim, name)(groups(zp), lr=0.05)
    topt = getattr(torch.optim, name)(groups(tp), lr=0.05)
    assert_close(run(zopt, zp, zoo_core, 20), run(topt, tp, torch, 20))
    assert_same_state(zopt, topt)
    assert repr(zopt) == repr(topt)


ROUND_TRIP = [("Rprop", dict(lr=0.05)), ("Adafactor", dict(lr=0.05, weight_decay=0.1))]


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[_id(c) for c in ROUND_TRIP])
def test_state_dict_round_trip_and_torch_layout(config):
    name, kwargs = config
    cls = getattr(optim, name)
    straight = zoo_params()
    want = run(cls(straight, **kwargs), straight, zoo_core, 20)
    # ours, saved after 10 steps and loaded into a fresh optimizer (options come back from the state dict)
    first = zoo_params()
    opt = cls(first, **kwargs)
    run(opt, first, zoo_core, 10)
    sd = copy.deepcopy(opt.state_dict())
    resumed = [Parameter(zoo_core.tensor(_np(p).copy())) for p in first]
    opt2 = cls(resumed, lr=0.123)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    np.testing.assert_array_equal(run(opt2, resumed, zoo_core, 10, start=10)[0], want[0])
    # torch's, converted: continues like torch does
    tp = torch_params()
    topt = getattr(torch.optim, name)(tp, **kwargs)
    run(topt, tp, torch, 10)
    zp = [Parameter(zoo_core.tensor(_np(p).copy())) for p in tp]
    zopt = cls(zp, **kwargs)
    zopt.load_state_dict(_convert(topt.state_dict()))
    assert_close(run(zopt, zp, zoo_core, 10, start=10), run(topt, tp, torch, 10, start=10))
    assert_same_state(zopt, topt)


def test_rprop_adafactor_validation_matches_torch():
    p, tp = [Parameter(zoo_core.zeros(2))], [torch.nn.Parameter(torch.zeros(2))]
    cases = [("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
             ("Adafactor", dict(lr=-1.0)), ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(-1.0, 1e-3))),
             ("Adafactor", dict(eps=(None, -1.0))), ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1.0)),
             ("Muon", dict(lr=-1.0)), ("Muon", dict(momentum=-1.0)), ("Muon", dict(weight_decay=-1.0)),
             ("Muon", dict(adjust_lr_fn="foo")), ("SparseAdam", dict(lr=0.0)), ("SparseAdam", dict(eps=0.0)),
             ("SparseAdam", dict(betas=(1.0, 0.9))), ("SparseAdam", dict(betas=(0.9, -0.1)))]
    for name, kwargs in cases:
        with pytest.raises(ValueError) as want:
            getattr(torch.optim, name)(tp, **kwargs)
        with pytest.raises(ValueError) as got:
            getattr(optim, name)(p, **kwargs)
        assert str(got.value) == str(want.value)


def test_adafactor_eps1_defaults_to_dtype_epsilon():
    # with eps1 None the clamp floor is finfo(dtype).eps: a zero gradient row stays finite and matches torch
    w0 = [np.zeros((3, 4)), np.ones(4)]
    zp, tp = zoo_params(w0=w0), torch_params(w0=w0)
    zopt, topt = optim.Adafactor(zp), torch.optim.Adafactor(tp)
    for params, opt, lib in ((zp, zopt, zoo_core), (tp, topt, torch)):
        params[0].grad = lib.tensor(np.outer([0.0, 1.0, 2.0], [1.0, 0.0, 3.0, 1.0]))
        params[1].grad = lib.tensor(np.array([0.0, 1e-9, 1.0, -2.0]))
        opt.step()
    assert_close([_np(p) for p in zp], [_np(p) for p in tp])
    assert np.isfinite(_np(zp[0])).all()


# ---- Muon -----------------------------------------------------------------------------------------------
MUON_W0 = [_rng.standard_normal(s) * 0.5 for s in [(5, 8), (8, 3), (4, 4)]]
MUON_NOISE = [[_rng.standard_normal(w.shape) * 0.3 for w in MUON_W0] for _ in range(20)]


def run_muon(opt, params, lib, steps, device="cpu"):
    # gradients that do not depend on the weights: both sides orthogonalise bit-identical momentum updates,
    # so a rare flipped bfloat16 rounding (see _assert_muon_close) cannot feed back into later steps
    for k in range(steps):
        for p, n, w0 in zip(params, MUON_NOISE[k], MUON_W0):
            p.grad = lib.tensor((np.sin(3 * w0) + n).astype(_np(p).dtype), device=device)
        opt.step()
    return [_np(p) for p in params]


MUON_CONFIGS = [dict(), dict(lr=0.02, nesterov=False, weight_decay=0.0),
                dict(lr=0.02, adjust_lr_fn="match_rms_adamw", momentum=0.9),
                dict(lr=0.05, ns_steps=3, eps=1e-5, adjust_lr_fn="original")]


def _assert_muon_close(z, t, exact):
    """Equal to rounding almost everywhere; where float32 accumulation flipped a bfloat16 rounding of the
    Newton-Schulz iteration (rare on these small matrices) the step differs by lr * one bfloat16 ulp."""
    z, t = np.concatenate([a.ravel() for a in z]), np.concatenate([a.ravel() for a in t])
    np.testing.assert_allclose(z, t, rtol=0, atol=1e-4)
    assert (np.abs(z - t) <= exact).mean() >= 0.9


@pytest.mark.parametrize("kwargs", MUON_CONFIGS, ids=[_id(("Muon", c)) for c in MUON_CONFIGS])
def test_muon_matches_torch(kwargs, device):
    for dtype, tdtype, exact in ((np.float64, torch.float64, 1e-12), (np.float32, torch.float32, 1e-6)):
        zp = zoo_params(device, dtype, MUON_W0)
        tp = torch_params(tdtype, MUON_W0)
        zopt, topt = optim.Muon(zp, **kwargs), torch.optim.Muon(tp, **kwargs)
        _assert_muon_close(run_muon(zopt, zp, zoo_core, 20, device), run_muon(topt, tp, torch, 20), exact)
        zs, ts = zopt.state_dict(), topt.state_dict()
        assert zs["param_groups"] == ts["param_groups"]
        assert [list(s) for s in zs["state"].values()] == [list(s) for s in ts["state"].values()]
        _assert_muon_close([_np(s["momentum_buffer"]) for s in zs["state"].values()],
                           [s["momentum_buffer"].numpy() for s in ts["state"].values()], exact)
        assert all(str(p.dtype).endswith(str(tdtype).split(".")[1]) for p in zp)


def test_muon_newton_schulz_large_matrix_within_bfloat16_rounding():
    from torch.optim._muon import _zeropower_via_newtonschulz as torch_ns
    from zoo_core.optim.muon import _zeropower_via_newtonschulz as zoo_ns
    g = np.random.default_rng(0).standard_normal((48, 20))
    want = torch_ns(torch.tensor(g), (3.4445, -4.7750, 2.0315), 5, 1e-7).float().numpy()
    got = zoo_ns(g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert got.shape == (48, 20)
    # float32 accumulation order may flip a bfloat16 rounding here and there: at most one bfloat16 step
    np.testing.assert_allclose(got, want, rtol=2 ** -7, atol=2 ** -12)
    assert (got == want).mean() > 0.95


def test_muon_groups_state_dict_and_errors():
    def groups(ps):
        return [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.003, "weight_decay": 0.0, "nesterov": False}]
    zp, tp = zoo_params(w0=MUON_W0), torch_params(w0=MUON_W0)
    zopt, topt = optim.Muon(groups(zp), lr=0.02), torch.optim.Muon(groups(tp), lr=0.02)
    run_muon(zopt, zp, zoo_core, 10)
    run_muon(topt, tp, torch, 10)
    assert repr(zopt) == repr(topt)
    _assert_muon_close([_np(p) for p in zp], [_np(p) for p in tp], 1e-12)
    assert zopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    # torch's state dict, converted, continues like torch
    zp2 = [Parameter(zoo_core.tensor(_np(p).copy())) for p in tp]
    zopt2 = optim.Muon(groups(zp2), lr=0.5)
    zopt2.load_state_dict(_convert(topt.state_dict()))
    assert zopt2.param_groups[0]["lr"] == 0.02
    _assert_muon_close(run_muon(zopt2, zp2, zoo_core, 5), run_muon(topt, tp, torch, 5), 1e-12)
    # ours round-trips: a reloaded copy continues bit for bit
    zp3 = [Parameter(zoo_core.tensor(_np(p).copy())) for p in zp]
    zopt3 = optim.Muon(groups(zp3), lr=0.5)
    zopt3.load_state_dict(copy.deepcopy(zopt.state_dict()))
    for a, b in zip(run_muon(zopt3, zp3, zoo_core, 5), run_muon(zopt, zp, zoo_core, 5)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters .* size: .*\[2, 3, 4\]"):
        optim.Muon([Parameter(zoo_core.zeros(2, 3, 4))])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        optim.Muon([Parameter(zoo_core.zeros(()))])


# ---- SparseAdam -----------------------------------------------------------------------------------------
def test_sparse_adam_rejects_dense_gradients_like_torch(device):
    zp, tp = Parameter(zoo_core.zeros(4, 3, device=device)), torch.nn.Parameter(torch.zeros(4, 3))
    zopt, topt = optim.SparseAdam([zp], lr=0.1), torch.optim.SparseAdam([tp], lr=0.1)
    assert repr(zopt) == repr(topt)
    zopt.step()                                   # no gradient: nothing to do
    zp.grad, tp.grad = zoo_core.ones(4, 3, device=device), torch.ones(4, 3)
    with pytest.raises(RuntimeError) as want:
        topt.step()
    with pytest.raises(RuntimeError) as got:
        zopt.step()
    assert str(got.value) == str(want.value)
    assert zopt.state_dict() == {"state": {}, "param_groups": topt.state_dict()["param_groups"]}


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=0.05, betas=(0.5, 0.9), eps=1e-4, maximize=True)])
def test_sparse_adam_masked_update_matches_torch(kwargs):
    """The masked update, fed torch's coalesced sparse gradients, follows torch for 20 steps."""
    from zoo_core.optim.sparse_adam import _sparse_adam_
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal((10, 4))
    zp, tp = Parameter(zoo_core.tensor(w0.copy())), torch.nn.Parameter(torch.tensor(w0.copy()))
    zopt, topt = optim.SparseAdam([zp], **kwargs), torch.optim.SparseAdam([tp], **kwargs)
    group = zopt.param_groups[0]
    state = {"step": 0, "exp_avg": zoo_core.zeros(10, 4, dtype=zoo_core.float64),
             "exp_avg_sq": zoo_core.zeros(10, 4, dtype=zoo_core.float64)}
    for _ in range(20):
        rows = rng.integers(0, 10, size=6)                  # repeated rows: coalescing sums them
        grad = torch.sparse_coo_tensor(torch.tensor(rows)[None], torch.tensor(rng.standard_normal((6, 4))), (10, 4),
                                       check_invariants=True).coalesce()
        tp.grad = grad
        topt.step()
        state["step"] += 1
        _sparse_adam_(zp._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, state["step"],
                      grad.indices().numpy(), grad.values().numpy(), lr=group["lr"], beta1=group["betas"][0],
                      beta2=group["betas"][1], eps=group["eps"], maximize=group["maximize"])
    np.testing.assert_allclose(_np(zp), _np(tp), rtol=1e-12, atol=1e-12)
    tstate = topt.state[tp]
    assert list(tstate) == list(state) and tstate["step"] == state["step"] == 20
    for k in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(_np(state[k]), tstate[k].numpy(), rtol=1e-12, atol=1e-14)
    # torch's state dict (a Python int step) loads, and ours saves it back in the same layout
    zopt.load_state_dict(_convert(topt.state_dict()))
    zsd, tsd = zopt.state_dict(), topt.state_dict()
    assert zsd["param_groups"] == tsd["param_groups"] and list(zsd["state"][0]) == list(tsd["state"][0])
    assert zsd["state"][0]["step"] == 20 and type(zsd["state"][0]["step"]) is int
    np.testing.assert_array_equal(_np(zsd["state"][0]["exp_avg"]), tsd["state"][0]["exp_avg"].numpy())


# ---- swa_utils ------------------------------------------------------------------------------------------
from zoo_core.optim import swa_utils  # noqa: E402


def make_models(device="cpu"):
    """The same Linear-BatchNorm-Linear model in zoo and torch (float64)."""
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2)).double()
    zm = zoo_core.nn.Sequential(zoo_core.nn.Linear(3, 4), zoo_core.nn.BatchNorm1d(4), zoo_core.nn.ReLU(),
                                zoo_core.nn.Linear(4, 2)).double()
    zm.load_state_dict({k: zoo_core.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return zm.to(device), tm


def perturb(zm, tm, k):
    """Move both models' weights and BatchNorm statistics the same way (a stand-in for training)."""
    rng = np.random.default_rng(100 + k)
    with torch.no_grad(), zoo_core.no_grad():
        for (name, zp), tp in zip(zm.named_parameters(), tm.parameters()):
            delta = rng.standard_normal(tuple(tp.shape)) * 0.1
            tp.add_(torch.tensor(delta))
            zp.add_(zoo_core.tensor(delta, device=zp.device))
        x = rng.standard_normal((8, 3))
        zm(zoo_core.tensor(x, device=next(zm.parameters()).device))
        tm(torch.tensor(x))


def assert_same_module_state(zsd, tsd, rtol=1e-12):
    assert list(zsd) == list(tsd)
    for k, v in tsd.items():
        assert str(zsd[k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1], k
        np.testing.assert_allclose(_np(zsd[k]), v.numpy(), rtol=rtol, atol=1e-14, err_msg=k)


AVERAGING = {
    "swa": lambda m: dict(),
    "swa-buffers": lambda m: dict(use_buffers=True),
    "ema-multi": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.9)),
    "ema-multi-buffers": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.7), use_buffers=True),
    "swa-multi": lambda m: dict(multi_avg_fn=m.get_swa_multi_avg_fn()),
    "ema-avg": lambda m: dict(avg_fn=m.get_ema_avg_fn(0.8)),
    "swa-avg-buffers": lambda m: dict(avg_fn=m.get_swa_avg_fn(), use_buffers=True),
}


@pytest.mark.parametrize("kind", list(AVERAGING))
def test_averaged_model_matches_torch(kind, device):
    zm, tm = make_models(device)
    zavg = swa_utils.AveragedModel(zm, **AVERAGING[kind](swa_utils))
    tavg = torch.optim.swa_utils.AveragedModel(tm, **AVERAGING[kind](torch.optim.swa_utils))
    for k in range(6):
        perturb(zm, tm, k)
        zavg.update_parameters(zm)
        tavg.update_parameters(tm)
    zsd, tsd = zavg.state_dict(), tavg.state_dict()
    # the default average on an accelerator is PyTorch's foreach lerp, whose weight 1/(n+1) is a float32 number
    # (torch's CPU path divides exactly): agreement to float32 rounding of the weight there
    on_accelerator_lerp = device == "cuda" and kind in ("swa", "swa-buffers")
    rtol = 1e-6 if on_accelerator_lerp else 1e-12
    assert_same_module_state(zsd, tsd, rtol=rtol)
    assert int(zavg.n_averaged) == 6 and zavg.n_averaged.device.type == "cpu"   # on `device` (None), as torch
    # the averaged copy is independent of the model, and its forward is the module's
    assert not np.allclose(_np(zavg.module[0].weight), _np(zm[0].weight))
    x = np.random.default_rng(0).standard_normal((5, 3))
    zavg.eval()
    tavg.eval()
    np.testing.assert_allclose(_np(zavg(zoo_core.tensor(x, device=device))), tavg(torch.tensor(x)).detach().numpy(),
                               rtol=rtol, atol=1e-14)
    # a torch AveragedModel's state dict loads into ours
    fresh = swa_utils.AveragedModel(make_models()[0])
    fresh.load_state_dict({k: zoo_core.tensor(v.numpy().copy()) for k, v in tsd.items()})
    assert int(fresh.n_averaged) == 6
    assert_same_module_state(fresh.state_dict(), tsd)


def test_averaged_model_device_and_errors():
    zm, _ = make_models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(zm, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for fn in (swa_utils.get_ema_avg_fn, swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
            fn(1.5)
    avg = swa_utils.AveragedModel(zm, device="cpu")
    avg.update_parameters(zm)
    assert int(avg.n_averaged) == 1 and avg.module[0].weight is not zm[0].weight
    np.testing.assert_array_equal(_np(avg.module[0].weight), _np(zm[0].weight))
    assert avg.module[0].weight.requires_grad and avg.module[0].weight.grad_fn is None


def test_update_bn_matches_torch(device):
    zm, tm = make_models(device)
    zm.add_module("bn2", zoo_core.nn.BatchNorm1d(2, momentum=0.3).double().to(device))
    tm.add_module("bn2", torch.nn.BatchNorm1d(2, momentum=0.3).double())
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((n, 3)) * 2 + 1 for n in (8, 5, 11)]
    zm.eval()
    tm.eval()
    # batches as (input, target) tuples: update_bn uses the first element; the device argument moves them
    swa_utils.update_bn([(zoo_core.tensor(b), None) for b in batches], zm, device=device)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), None) for b in batches], tm)
    assert_same_module_state(zm.state_dict(), tm.state_dict())
    assert int(zm[1].num_batches_tracked) == 3
    assert not zm.training and not zm[1].training                 # training mode restored
    assert zm[1].momentum == 0.1 and zm.bn2.momentum == 0.3       # momenta restored
    # plain tensor batches, and a model without BatchNorm is left alone
    swa_utils.update_bn([zoo_core.tensor(b, device=device) for b in batches], zm)
    assert_same_module_state(zm.state_dict(), tm.state_dict())
    lin = zoo_core.nn.Linear(2, 2)
    swa_utils.update_bn([zoo_core.zeros(1, 3)], lin)              # never called: no BatchNorm


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.2], anneal_epochs=5,
                                                                  anneal_strategy="linear"),
                                    dict(swa_lr=0.01, anneal_epochs=0), dict(swa_lr=[0.3, 0.02], anneal_epochs=7)])
def test_swalr_matches_torch_30_steps(kwargs):
    def opt_for(lib, mod):
        w = [lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))]
        return mod.SGD([{"params": w[:1]}, {"params": w[1:], "lr": 0.5}], lr=0.1)
    zopt, topt = opt_for(zoo_core, optim), opt_for(torch, torch.optim)
    zs, ts = swa_utils.SWALR(zopt, **kwargs), torch.optim.swa_utils.SWALR(topt, **kwargs)
    assert zs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)
    for k in range(30):
        zopt.step()
        topt.step()
        zs.step()
        ts.step()
        assert zs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13, abs=1e-15), k
        if k == 12:   # state dict round trip mid-way (the anneal function is rebuilt, not saved)
            sd = zs.state_dict()
            assert set(sd) == set(ts.state_dict()) and "anneal_func" not in sd
            zs = swa_utils.SWALR(zopt, swa_lr=9.0, anneal_strategy="linear" if
                                 kwargs.get("anneal_strategy") != "linear" else "cos")
            zs.load_state_dict(sd)
            for g, swa_lr in zip(zopt.param_groups, [g["swa_lr"] for g in topt.param_groups]):
                g["swa_lr"] = swa_lr
    assert [g["swa_lr"] for g in zopt.param_groups] == [g["swa_lr"] for g in topt.param_groups]


def test_swalr_errors_like_torch():
    zopt = optim.SGD([Parameter(zoo_core.zeros(2))], lr=0.1)
    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    for kwargs in (dict(swa_lr=0.1, anneal_strategy="exp"), dict(swa_lr=0.1, anneal_epochs=-1),
                   dict(swa_lr=0.1, anneal_epochs=1.5), dict(swa_lr=[0.1, 0.2])):
        with pytest.raises(ValueError) as want:
            torch.optim.swa_utils.SWALR(topt, **kwargs)
        with pytest.raises(ValueError) as got:
            swa_utils.SWALR(zopt, **kwargs)
        assert str(got.value) == str(want.value)


def test_swa_utils_and_lr_scheduler_inventories_match_torch():
    assert set(swa_utils.__all__) == set(torch.optim.swa_utils.__all__)
    import zoo_core.optim.lr_scheduler as zsched
    public = [n for n, v in vars(torch.optim.lr_scheduler).items()
              if isinstance(v, type) and v.__module__ == "torch.optim.lr_scheduler" and not n.startswith("__")
              and (issubclass(v, torch.optim.lr_scheduler.LRScheduler) or n == "ReduceLROnPlateau")]
    assert len(public) >= 17
    assert [n for n in public if not hasattr(zsched, n)] == []
    assert issubclass(zsched._LRScheduler, zsched.LRScheduler)
    names = [n for n in dir(torch.optim) if isinstance(getattr(torch.optim, n), type)]
    assert [n for n in names if not hasattr(optim, n)] == []
