"""Optimizers against PyTorch: the same 2-layer MLP problem from the same float32 weights, gradients computed
from each side's own current weights, 20 steps, parameters compared to 1e-5."""
import copy
import warnings

import numpy as np
import pytest

import zoo_core
import zoo_core.optim as optim
from zoo_core.nn.parameter import Parameter

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((16, 5)).astype(np.float32)
Y = _rng.standard_normal((16, 3)).astype(np.float32)
W0 = [(_rng.standard_normal(s) * 0.5).astype(np.float32) for s in [(5, 8), (8,), (8, 3), (3,)]]


def mlp_grads(ws):
    """Gradients of 0.5 * mean((tanh(X W1 + b1) W2 + b2 - Y)^2) in float32 numpy (deterministic)."""
    w1, b1, w2, b2 = ws
    h = np.tanh(X @ w1 + b1)
    g_out = (h @ w2 + b2 - Y) / np.float32(Y.size)
    gh = (g_out @ w2.T) * (1 - h * h)
    return [X.T @ gh, gh.sum(0), h.T @ g_out, g_out.sum(0)]


def _np(t):
    return t.detach().cpu().numpy()


def zoo_params(device="cpu", dtype=np.float32):
    return [Parameter(zoo_core.tensor(w.astype(dtype), device=device)) for w in W0]


def torch_params(dtype=torch.float32):
    return [torch.nn.Parameter(torch.tensor(w).to(dtype)) for w in W0]


def set_grads(params, lib, device=None):
    grads = mlp_grads([_np(p) for p in params])
    for p, g in zip(params, grads):
        g = g.astype(_np(p).dtype)
        p.grad = zoo_core.tensor(g, device=device) if lib is zoo_core else torch.tensor(g)


def run(opt, params, lib, steps, device=None):
    for _ in range(steps):
        opt.zero_grad()
        set_grads(params, lib, device)
        opt.step()
    return [_np(p) for p in params]


def assert_close_params(a, b, atol=1e-5):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=atol)


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9))),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True, eps=1e-3)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, momentum=0.9)),
    ("RMSprop", dict(lr=0.001, centered=True)),
    ("RMSprop", dict(lr=0.001, centered=True, momentum=0.5, weight_decay=0.1)),
    # alpha < 0.5 takes lerp's other branch; eps keeps the centered variance (near 0 with alpha=0.3) from
    # amplifying torch's FMA rounding into differences above 1e-5
    ("RMSprop", dict(lr=0.001, alpha=0.3, centered=True, eps=1e-2)),
    ("RMSprop", dict(lr=0.001, maximize=True, eps=1e-4)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
]


def _id(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("config", CONFIGS, ids=[_id(c) for c in CONFIGS])
def test_matches_torch(config, device):
    name, kwargs = config
    zp, tp = zoo_params(device), torch_params()
    zopt = getattr(optim, name)(zp, **kwargs)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    z = run(zopt, zp, zoo_core, 20, device)
    t = run(topt, tp, torch, 20)
    assert_close_params(z, t)
    assert not np.allclose(z[0], W0[0], atol=1e-4)          # the parameters did move
    for p in zp:
        assert p.dtype == zoo_core.float32
        for k, v in zopt.state.get(p, {}).items():
            want = zoo_core.float32 if k == "step" else p.dtype
            assert v.dtype == want, (k, v.dtype)
    # same state entries, same values
    zs, ts = zopt.state_dict(), topt.state_dict()
    assert zs["param_groups"] == ts["param_groups"]
    assert zs["state"].keys() == ts["state"].keys()
    for i in ts["state"]:
        assert zs["state"][i].keys() == ts["state"][i].keys()
        for k, v in ts["state"][i].items():
            np.testing.assert_allclose(_np(zs["state"][i][k]), v.numpy(), rtol=1e-5, atol=1e-5)
            assert zs["state"][i][k].shape == tuple(v.shape)


@pytest.mark.parametrize("name", ["Adam", "SGD", "RMSprop", "Adagrad"])
def test_float64_params_stay_float64(name):
    kwargs = dict(lr=0.01, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.01)
    zp, tp = zoo_params(dtype=np.float64), torch_params(torch.float64)
    z = run(getattr(optim, name)(zp, **kwargs), zp, zoo_core, 20)
    t = run(getattr(torch.optim, name)(tp, **kwargs), tp, torch, 20)
    assert all(x.dtype == np.float64 for x in z)
    assert_close_params(z, t, atol=1e-10)


def test_numpy_float64_hyperparameters_keep_float32_math():
    zp = zoo_params()
    opt = optim.Adam(zp, lr=np.float64(0.01), betas=(np.float64(0.9), np.float64(0.999)), eps=np.float64(1e-8),
                     weight_decay=np.float64(0.1))
    run(opt, zp, zoo_core, 3)
    assert all(p._data.dtype == np.float32 for p in zp)
    assert all(v._data.dtype == np.float32 for s in opt.state.values() for v in s.values())


def test_tensor_lr_matches_torch():
    zp, tp = zoo_params(), torch_params()
    z = run(optim.SGD(zp, lr=zoo_core.tensor(0.1), momentum=0.9), zp, zoo_core, 10)
    t = run(torch.optim.SGD(tp, lr=torch.tensor(0.1), momentum=0.9), tp, torch, 10)
    assert_close_params(z, t)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(momentum=0.9)), ("Adam", dict()), ("RMSprop", dict()),
                                         ("Adagrad", dict())])
def test_param_groups_with_own_options(name, kwargs):
    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003, "weight_decay": 0.1}]
    zp, tp = zoo_params(), torch_params()
    zopt = getattr(optim, name)(groups(zp), lr=0.05, **kwargs)
    topt = getattr(torch.optim, name)(groups(tp), lr=0.05, **kwargs)
    assert_close_params(run(zopt, zp, zoo_core, 20), run(topt, tp, torch, 20))
    assert zopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert repr(zopt) == repr(topt)


def test_params_without_grad_are_skipped():
    zp, tp = zoo_params(), torch_params()
    zopt, topt = optim.Adam(zp, lr=0.1), torch.optim.Adam(tp, lr=0.1)
    for params, opt, lib in ((zp, zopt, zoo_core), (tp, topt, torch)):
        set_grads(params, lib)
        params[1].grad = None
        opt.step()
    np.testing.assert_array_equal(_np(zp[1]), W0[1])
    assert zp[1] not in zopt.state
    assert zopt.state_dict()["state"].keys() == topt.state_dict()["state"].keys() == {0, 2, 3}
    assert_close_params([_np(p) for p in zp], [_np(p) for p in tp])


def test_step_state_is_float32_cpu_scalar_like_torch():
    zp = zoo_params()
    opt = optim.Adam(zp)
    run(opt, zp, zoo_core, 3)
    step = opt.state[zp[0]]["step"]
    assert step.shape == () and step.dtype == zoo_core.float32 and str(step.device) == "cpu"
    assert step.item() == 3.0


def test_version_counter_bumped():
    zp = zoo_params()
    before = [p._version for p in zp]
    run(optim.SGD(zp, lr=0.1), zp, zoo_core, 2)
    assert [p._version for p in zp] == [v + 2 for v in before]


# ---- state dicts ----------------------------------------------------------------------------------------
ROUND_TRIP = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01, amsgrad=True)),
              ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
              ("Adagrad", dict(lr=0.1, lr_decay=0.01))]


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[_id(c) for c in ROUND_TRIP])
def test_state_dict_round_trip_resumes_identically(config):
    name, kwargs = config
    cls = getattr(optim, name)
    straight = zoo_params()
    want = run(cls(straight, **kwargs), straight, zoo_core, 20)

    first = zoo_params()
    opt = cls(first, **kwargs)
    run(opt, first, zoo_core, 10)
    sd = copy.deepcopy(opt.state_dict())
    resumed = [Parameter(zoo_core.tensor(_np(p).copy())) for p in first]
    opt2 = cls(resumed, lr=123.0)        # options come back from the state dict
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    got = run(opt2, resumed, zoo_core, 10)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[_id(c) for c in ROUND_TRIP])
def test_loads_torch_state_dict(config):
    """A torch optimizer state (tensors converted) loads into ours and continues the same trajectory."""
    name, kwargs = config
    tp = torch_params()
    topt = getattr(torch.optim, name)(tp, **kwargs)
    run(topt, tp, torch, 10)
    tsd = topt.state_dict()
    sd = {"state": {i: {k: zoo_core.tensor(v.numpy()) for k, v in s.items()} for i, s in tsd["state"].items()},
          "param_groups": copy.deepcopy(tsd["param_groups"])}
    zp = [Parameter(zoo_core.tensor(_np(p).copy())) for p in tp]
    zopt = getattr(optim, name)(zp, **kwargs)
    zopt.load_state_dict(sd)
    assert_close_params(run(zopt, zp, zoo_core, 10), run(topt, tp, torch, 10))


def test_load_state_dict_copies_and_casts():
    src = zoo_params(dtype=np.float64)
    opt = optim.Adam(src)
    run(opt, src, zoo_core, 2)
    sd = opt.state_dict()
    dst = zoo_params()
    opt2 = optim.Adam(dst)
    opt2.load_state_dict(sd)
    st = opt2.state[dst[0]]
    assert st["exp_avg"].dtype == zoo_core.float32          # cast to the parameter's dtype
    assert st["step"].dtype == sd["state"][0]["step"].dtype  # step kept as saved
    assert st["exp_avg"]._data is not sd["state"][0]["exp_avg"]._data
    st["step"]._data += 5
    assert sd["state"][0]["step"].item() == 2.0               # no aliasing with the loaded dict
    assert opt2.param_groups[0]["params"][0] is dst[0]


def test_load_state_dict_old_python_number_step():
    zp = zoo_params()
    opt = optim.Adam(zp)
    run(opt, zp, zoo_core, 2)
    sd = opt.state_dict()
    for s in sd["state"].values():
        s["step"] = 2
    opt2 = optim.Adam(zoo_params())
    opt2.load_state_dict(sd)
    step = next(iter(opt2.state.values()))["step"]
    assert isinstance(step, zoo_core.Tensor) and step.item() == 2.0


def test_load_state_dict_errors():
    zp = zoo_params()
    opt = optim.SGD([{"params": zp[:2]}, {"params": zp[2:]}], lr=0.1)
    other = optim.SGD(zoo_params(), lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        other.load_state_dict(opt.state_dict())
    two = optim.SGD([{"params": zp[:1]}, {"params": zp[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the "
                                         "size of optimizer's group"):
        two.load_state_dict(opt.state_dict())


def test_state_dict_format_and_hooks():
    zp = zoo_params()
    opt = optim.SGD(zp, lr=0.1, momentum=0.9)
    run(opt, zp, zoo_core, 1)
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    assert calls == ["pre"] and sd["extra"] == 1
    assert list(sd["state"]) == [0, 1, 2, 3] and list(sd["state"][0]) == ["momentum_buffer"]
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    opt.register_load_state_dict_post_hook(lambda o: calls.append("post"))
    opt.load_state_dict(sd)
    assert calls[-1] == "post"


# ---- construction and the base class -------------------------------------------------------------------
def test_validation_errors():
    ps = zoo_params()
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD(ps, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD(ps, lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.Adam(ps, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid alpha value: -0.1"):
        optim.RMSprop(ps, alpha=-0.1)
    with pytest.raises(ValueError, match="Invalid lr_decay value: -1"):
        optim.Adagrad(ps, lr_decay=-1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got torch.FloatTensor"):
        optim.SGD(ps[0], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        optim.SGD([ps[0], 3], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {ps[0]}}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([ps[0] * 2], lr=0.1)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam(ps, differentiable=True)


def test_add_param_group():
    ps = zoo_params()
    opt = optim.SGD(ps[:2], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": ps[2], "lr": 0.01})
    g = opt.param_groups[1]
    assert len(g["params"]) == 1 and g["params"][0] is ps[2]
    assert g["lr"] == 0.01 and g["momentum"] == 0.9            # defaults filled in
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [ps[3], ps[0]]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([ps[3]])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([ps[3], ps[3]], lr=0.1)


def test_required_hyperparameter_and_named_params():
    from zoo_core.optim.optimizer import required

    class Plain(optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            return None
    ps = zoo_params()
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Plain(ps)
    opt = optim.SGD([("w1", ps[0]), ("b1", ps[1])], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w1", "b1"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w1", "b1"]


def test_repr_matches_torch():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        assert repr(getattr(optim, name)(zoo_params())) == repr(getattr(torch.optim, name)(torch_params()))


def test_zero_grad():
    ps = zoo_params()
    opt = optim.SGD(ps, lr=0.1)
    set_grads(ps, zoo_core)
    g = ps[0].grad
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is g and not g._data.any()
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_closure_runs_with_grad_enabled_and_returns_loss():
    ps = zoo_params()
    opt = optim.Adam(ps)
    seen = []

    def closure():
        seen.append(zoo_core.is_grad_enabled())
        set_grads(ps, zoo_core)
        return 1.5
    with zoo_core.no_grad():
        assert opt.step(closure) == 1.5
    assert seen == [True]
    assert opt.state[ps[0]]["step"].item() == 1.0


def test_step_hooks():
    from zoo_core.optim.optimizer import register_optimizer_step_post_hook
    ps = zoo_params()
    opt = optim.SGD(ps, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    h3 = register_optimizer_step_post_hook(lambda o, args, kwargs: calls.append("global"))
    try:
        opt.step()
        assert calls == ["pre", "post", "global"]
    finally:
        h1.remove(), h2.remove(), h3.remove()
    opt.step()
    assert len(calls) == 3


def test_subclass_calling_super_step_runs_hooks_once():
    class MySGD(optim.SGD):
        def step(self, closure=None):
            return super().step(closure)
    ps = zoo_params()
    opt = MySGD(ps, lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append(1))
    opt.step()
    assert calls == [1]


def test_pickle_round_trip():
    import pickle
    ps = zoo_params()
    opt = optim.Adam(ps, lr=0.01)
    run(opt, ps, zoo_core, 2)
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_groups[0]["lr"] == 0.01 and len(opt2.state) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.zero_grad()
