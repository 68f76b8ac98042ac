"""Adadelta, Adamax, NAdam, RAdam, ASGD and LBFGS against PyTorch.

The first-order optimizers run the same 2-layer MLP problem as test_optimizers.py, in float64, from the same
weights with gradients computed in numpy from each side's own current weights: 20 steps, parameters and every
state entry compared. LBFGS runs on the Rosenbrock function and on the MLP with closures that compute the loss
and gradient in numpy, so the two sides see bit-identical function values.
"""
import copy

import numpy as np
import pytest

import zoo_core
import zoo_core.optim as optim
from zoo_core.nn.parameter import Parameter

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(1)
X = _rng.standard_normal((16, 5))
Y = _rng.standard_normal((16, 3))
W0 = [_rng.standard_normal(s) * 0.5 for s in [(5, 8), (8,), (8, 3), (3,)]]


def mlp_loss_grads(ws):
    """0.5 * mean((tanh(X W1 + b1) W2 + b2 - Y)^2) and its gradients, in the weights' dtype."""
    w1, b1, w2, b2 = ws
    x, y = X.astype(w1.dtype), Y.astype(w1.dtype)
    h = np.tanh(x @ w1 + b1)
    r = h @ w2 + b2 - y
    g_out = r / y.size
    gh = (g_out @ w2.T) * (1 - h * h)
    return 0.5 * float((r * r).mean()), [x.T @ gh, gh.sum(0), h.T @ g_out, g_out.sum(0)]


def _np(t):
    return t.detach().cpu().numpy()


def zoo_params(device="cpu", dtype=np.float64):
    return [Parameter(zoo_core.tensor(w.astype(dtype), device=device)) for w in W0]


def torch_params(dtype=torch.float64):
    return [torch.nn.Parameter(torch.tensor(w).to(dtype)) for w in W0]


def set_grads(params, lib, device=None):
    loss, grads = mlp_loss_grads([_np(p) for p in params])
    for p, g in zip(params, grads):
        p.grad = zoo_core.tensor(g, device=device) if lib is zoo_core else torch.tensor(g)
    return loss


def run(opt, params, lib, steps, device=None):
    for _ in range(steps):
        opt.zero_grad()
        set_grads(params, lib, device)
        opt.step()
    return [_np(p) for p in params]


def assert_close(a, b, atol=1e-10):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=atol)


def assert_same_state(zopt, topt, atol=1e-10):
    zs, ts = zopt.state_dict(), topt.state_dict()
    assert zs["param_groups"] == ts["param_groups"]
    assert zs["state"].keys() == ts["state"].keys()
    for i, tstate in ts["state"].items():
        assert list(zs["state"][i]) == list(tstate), i
        for k, v in tstate.items():
            z = zs["state"][i][k]
            if isinstance(v, torch.Tensor):
                assert isinstance(z, zoo_core.Tensor) and z.shape == tuple(v.shape), k
                assert z.dtype.is_floating_point and str(z.dtype)[-7:] == str(v.dtype)[-7:], (k, z.dtype, v.dtype)
                np.testing.assert_allclose(_np(z), v.numpy(), rtol=1e-9, atol=atol, err_msg=k)
            else:
                assert z == v, k


CONFIGS = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.9))),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, eps=1e-3)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.1, betas=(0.3, 0.9))),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True, eps=1e-3)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5))),               # rho_t > 5 from step 1 on: rectified steps
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.8, 0.7))),
    ("RAdam", dict(lr=0.01, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.1, t0=5)),                             # averaging starts within the 20 steps
    ("ASGD", dict(lr=0.1, lambd=0.1, alpha=0.5, t0=0, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
]


def _id(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("config", CONFIGS, ids=[_id(c) for c in CONFIGS])
def test_matches_torch_float64(config, device):
    name, kwargs = config
    zp, tp = zoo_params(device), torch_params()
    zopt = getattr(optim, name)(zp, **kwargs)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    z = run(zopt, zp, zoo_core, 20, device)
    t = run(topt, tp, torch, 20)
    assert_close(z, t)
    assert not np.allclose(z[0], W0[0], atol=1e-4)          # the parameters did move
    assert all(p.dtype == zoo_core.float64 and p.device.type == device for p in zp)
    assert_same_state(zopt, topt)
    if name == "ASGD":                                      # its scalar state lives on the parameter's device
        assert zopt.state[zp[0]]["eta"].device.type == device


FLOAT32 = [("Adadelta", dict(lr=0.5)), ("Adamax", dict(lr=0.01)), ("NAdam", dict(lr=0.01)),
           ("RAdam", dict(lr=0.01, betas=(0.9, 0.5))), ("ASGD", dict(lr=0.1, t0=5))]


@pytest.mark.parametrize("config", FLOAT32, ids=[_id(c) for c in FLOAT32])
def test_float32_stays_float32(config):
    name, kwargs = config
    zp, tp = zoo_params(dtype=np.float32), torch_params(torch.float32)
    zopt = getattr(optim, name)(zp, **kwargs)
    topt = getattr(torch.optim, name)(tp, **kwargs)
    assert_close(run(zopt, zp, zoo_core, 20), run(topt, tp, torch, 20), atol=1e-5)
    assert all(p._data.dtype == np.float32 for p in zp)
    assert_same_state(zopt, topt, atol=1e-5)                # includes the state dtypes (float32 everywhere)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"])
def test_param_groups_with_own_options(name):
    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003, "weight_decay": 0.1}]
    zp, tp = zoo_params(), torch_params()
    zopt = getattr(optim, name)(groups(zp), lr=0.05)
    topt = getattr(torch.optim, name)(groups(tp), lr=0.05)
    assert_close(run(zopt, zp, zoo_core, 20), run(topt, tp, torch, 20))
    assert_same_state(zopt, topt)
    assert repr(zopt) == repr(topt)


def test_params_without_grad_are_skipped():
    zp, tp = zoo_params(), torch_params()
    zopt, topt = optim.NAdam(zp, lr=0.1), torch.optim.NAdam(tp, lr=0.1)
    for params, opt, lib in ((zp, zopt, zoo_core), (tp, topt, torch)):
        set_grads(params, lib)
        params[1].grad = None
        opt.step()
    np.testing.assert_array_equal(_np(zp[1]), W0[1])
    assert zopt.state_dict()["state"].keys() == topt.state_dict()["state"].keys() == {0, 2, 3}
    assert_close([_np(p) for p in zp], [_np(p) for p in tp])


# ---- state dicts ----------------------------------------------------------------------------------------
ROUND_TRIP = [("Adadelta", dict(lr=0.5, weight_decay=0.1)), ("Adamax", dict(lr=0.01)),
              ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
              ("RAdam", dict(lr=0.01, betas=(0.9, 0.5))), ("ASGD", dict(lr=0.1, t0=5))]


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[_id(c) for c in ROUND_TRIP])
def test_state_dict_round_trip_resumes_identically(config):
    # float32: loading casts the 0-d float32 state (NAdam's mu_product, ASGD's eta and mu) to the parameters'
    # dtype, as PyTorch does, so only with float32 parameters is the continuation bit-identical
    name, kwargs = config
    cls = getattr(optim, name)
    straight = zoo_params(dtype=np.float32)
    want = run(cls(straight, **kwargs), straight, zoo_core, 20)

    first = zoo_params(dtype=np.float32)
    opt = cls(first, **kwargs)
    run(opt, first, zoo_core, 10)
    sd = copy.deepcopy(opt.state_dict())
    resumed = [Parameter(zoo_core.tensor(_np(p).copy())) for p in first]
    opt2 = cls(resumed, lr=123.0)                          # options come back from the state dict
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    got = run(opt2, resumed, zoo_core, 10)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def _to_zoo(value):
    if isinstance(value, torch.Tensor):
        return zoo_core.tensor(value.numpy())
    if isinstance(value, list):
        return [_to_zoo(v) for v in value]
    return copy.deepcopy(value)


def _convert(tsd):
    return {"state": {i: {k: _to_zoo(v) for k, v in s.items()} for i, s in tsd["state"].items()},
            "param_groups": copy.deepcopy(tsd["param_groups"])}


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[_id(c) for c in ROUND_TRIP])
def test_loads_torch_state_dict(config):
    """A torch optimizer state (tensors converted) loads into ours and continues the same trajectory."""
    name, kwargs = config
    tp = torch_params()
    topt = getattr(torch.optim, name)(tp, **kwargs)
    run(topt, tp, torch, 10)
    zp = [Parameter(zoo_core.tensor(_np(p).copy())) for p in tp]
    zopt = getattr(optim, name)(zp, **kwargs)
    zopt.load_state_dict(_convert(topt.state_dict()))
    # torch's own reload casts the 0-d state to the parameters' dtype too: continue from a reloaded copy
    topt2 = getattr(torch.optim, name)(tp, **kwargs)
    topt2.load_state_dict(topt.state_dict())
    assert_close(run(zopt, zp, zoo_core, 10), run(topt2, tp, torch, 10))
    assert_same_state(zopt, topt2)


@pytest.mark.parametrize("name,keys", [("NAdam", ("step", "mu_product")), ("ASGD", ("step", "eta", "mu"))])
def test_old_checkpoints_with_python_number_state(name, keys):
    zp = zoo_params()
    opt = getattr(optim, name)(zp, lr=0.01)
    run(opt, zp, zoo_core, 3)
    sd = copy.deepcopy(opt.state_dict())
    for s in sd["state"].values():
        for k in keys:
            s[k] = s[k].item()
    opt2 = getattr(optim, name)(zoo_params(), lr=0.01)
    opt2.load_state_dict(sd)
    st = next(iter(opt2.state.values()))
    assert all(isinstance(st[k], zoo_core.Tensor) for k in keys)
    assert st["step"].item() == 3.0


# ---- LBFGS ---------------------------------------------------------------------------------------------
X_ROSEN = np.array([-1.2, 1.0, -0.5, 0.8, 1.3, -0.7])


def rosenbrock(x):
    """The chained Rosenbrock function and its gradient."""
    a, b = x[:-1], x[1:]
    f = float(np.sum(100.0 * (b - a * a) ** 2 + (1 - a) ** 2))
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * (b - a * a) - 2 * (1 - a)
    g[1:] += 200.0 * (b - a * a)
    return f, g


def lbfgs_problem(lib, problem, device=None):
    """Parameters and a closure that sets their gradients from numpy (identical values on both sides)."""
    mk = ((lambda a: Parameter(zoo_core.tensor(a, device=device))) if lib is zoo_core
          else (lambda a: torch.nn.Parameter(torch.tensor(a))))
    if problem == "rosenbrock":                 # split over two parameters, to exercise the flat views
        params = [mk(X_ROSEN[:4].copy()), mk(X_ROSEN[4:].reshape(1, 2).copy())]

        def loss_grads(ws):
            f, g = rosenbrock(np.concatenate([w.ravel() for w in ws]))
            return f, [g[:4], g[4:].reshape(1, 2)]
    else:
        params = [mk(w.copy()) for w in W0]
        loss_grads = mlp_loss_grads

    def closure():
        loss, grads = loss_grads([_np(p) for p in params])
        for p, g in zip(params, grads):
            p.grad = zoo_core.tensor(g, device=device) if lib is zoo_core else torch.tensor(g)
        return lib.tensor(loss)
    return params, closure


# (problem, options, steps). The two sides agree to rounding (PyTorch adds ``t * d`` with a fused multiply-add,
# and its BLAS sums dot products in another order); the ill-conditioned Rosenbrock valley amplifies that
# rounding by orders of magnitude within some 20 iterations, so those cases run one step.
LBFGS_CASES = [
    ("rosenbrock", dict(), 1),
    ("rosenbrock", dict(lr=0.5, history_size=3, max_iter=7), 2),
    ("rosenbrock", dict(line_search_fn="strong_wolfe"), 1),
    ("rosenbrock", dict(history_size=4, line_search_fn="strong_wolfe", max_iter=10), 1),
    ("mlp", dict(), 3),
    ("mlp", dict(line_search_fn="strong_wolfe", history_size=5), 3),
]


@pytest.mark.parametrize("problem,kwargs,steps", LBFGS_CASES,
                         ids=[f"{p}-{_id(('', k))}" for p, k, _ in LBFGS_CASES])
def test_lbfgs_matches_torch(problem, kwargs, steps):
    zp, zclosure = lbfgs_problem(zoo_core, problem)
    tp, tclosure = lbfgs_problem(torch, problem)
    zopt, topt = optim.LBFGS(zp, **kwargs), torch.optim.LBFGS(tp, **kwargs)
    for _ in range(steps):
        zl, tl = zopt.step(zclosure), topt.step(tclosure)
        assert zl.item() == pytest.approx(tl.item(), rel=1e-9)    # the loss of the step's first evaluation
        assert_close([_np(p) for p in zp], [_np(p) for p in tp], atol=1e-8)
    assert zopt.state[zp[0]]["n_iter"] == topt.state[tp[0]]["n_iter"] >= 7
    assert zopt.state[zp[0]]["func_evals"] == topt.state[tp[0]]["func_evals"]
    _assert_lbfgs_state(zopt.state_dict(), topt.state_dict())


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_rosenbrock_converges_like_torch(line_search_fn):
    kwargs = dict(lr=1 if line_search_fn else 0.2, max_iter=500, max_eval=1000, line_search_fn=line_search_fn,
                  tolerance_grad=1e-10, tolerance_change=1e-12)
    zp, zclosure = lbfgs_problem(zoo_core, "rosenbrock")
    tp, tclosure = lbfgs_problem(torch, "rosenbrock")
    zopt, topt = optim.LBFGS(zp, **kwargs), torch.optim.LBFGS(tp, **kwargs)
    zopt.step(zclosure)
    topt.step(tclosure)
    for z, t in zip(zp, tp):
        np.testing.assert_allclose(_np(z), _np(t), atol=1e-6)
    # a stationary point: the minimum (1, ..., 1), or the chained function's local minimum near (-1, 1, ...)
    _, grads = rosenbrock(np.concatenate([_np(p).ravel() for p in zp]))
    assert np.abs(grads).max() < (1e-5 if line_search_fn else 1e-2)
    if line_search_fn:
        np.testing.assert_allclose(_np(zp[0]), np.ones(4), atol=1e-5)
    n_z, n_t = zopt.state[zp[0]]["n_iter"], topt.state[tp[0]]["n_iter"]
    assert abs(n_z - n_t) <= 0.1 * n_t


def _assert_lbfgs_state(zs, ts):
    assert zs["param_groups"] == ts["param_groups"]
    z, t = zs["state"][0], ts["state"][0]
    assert set(z) == set(t)
    for k, v in t.items():
        if isinstance(v, list):
            assert len(z[k]) == len(v), k
            for a, b in zip(z[k], v):
                assert (a is None) == (b is None), k
                if b is not None:
                    np.testing.assert_allclose(_np(a), b.numpy(), rtol=1e-7, atol=1e-9, err_msg=k)
        elif isinstance(v, torch.Tensor) or isinstance(z[k], zoo_core.Tensor):   # t, H_diag: number or 0-d
            np.testing.assert_allclose(_np(z[k]) if isinstance(z[k], zoo_core.Tensor) else z[k],
                                       v.numpy() if isinstance(v, torch.Tensor) else v, rtol=1e-7, atol=1e-9,
                                       err_msg=k)
        else:
            assert z[k] == pytest.approx(v, rel=1e-9), k


def test_lbfgs_state_dict_round_trip_and_torch_state():
    kwargs = dict(history_size=4, max_iter=5, line_search_fn="strong_wolfe")
    straight, closure = lbfgs_problem(zoo_core, "mlp")
    opt = optim.LBFGS(straight, **kwargs)
    for _ in range(4):
        opt.step(closure)
    want = [_np(p) for p in straight]

    for source in ("zoo", "torch"):
        if source == "zoo":
            first, closure = lbfgs_problem(zoo_core, "mlp")
            o = optim.LBFGS(first, **kwargs)
            for _ in range(2):
                o.step(closure)
            sd = copy.deepcopy(o.state_dict())
        else:
            first, closure = lbfgs_problem(torch, "mlp")
            o = torch.optim.LBFGS(first, **kwargs)
            for _ in range(2):
                o.step(closure)
            sd = _convert(o.state_dict())
        resumed, closure = lbfgs_problem(zoo_core, "mlp")
        for p, q in zip(resumed, first):
            p.data = zoo_core.tensor(_np(q).copy())
        opt2 = optim.LBFGS(resumed, lr=123.0)
        opt2.load_state_dict(sd)
        assert opt2.param_groups[0]["lr"] == 1
        for _ in range(2):
            opt2.step(closure)
        assert_close([_np(p) for p in resumed], want, atol=1e-9)


def test_lbfgs_autograd_closure_converges_and_float32():
    for dtype, tol in ((zoo_core.float64, 1e-5), (zoo_core.float32, 1e-3)):
        x = Parameter(zoo_core.tensor([-1.5, 2.0], dtype=dtype))
        opt = optim.LBFGS([x], max_iter=200, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            return loss
        with zoo_core.no_grad():                         # the closure still records its graph
            opt.step(closure)
        np.testing.assert_allclose(_np(x), [1.0, 1.0], atol=tol)
        assert x.dtype == dtype and opt.state[x]["d"].dtype == dtype


def test_lbfgs_float32_matches_torch():
    zx = Parameter(zoo_core.tensor(X_ROSEN.astype(np.float32)))
    tx = torch.nn.Parameter(torch.tensor(X_ROSEN.astype(np.float32)))

    def closure(lib, p):
        def f():
            loss, g = rosenbrock(_np(p).astype(np.float64))
            p.grad = lib.tensor(g.astype(np.float32))
            return lib.tensor(loss, dtype=lib.float32)
        return f
    zopt = optim.LBFGS([zx], history_size=5, max_iter=10)
    topt = torch.optim.LBFGS([tx], history_size=5, max_iter=10)
    zopt.step(closure(zoo_core, zx))
    topt.step(closure(torch, tx))
    np.testing.assert_allclose(_np(zx), _np(tx), rtol=1e-4, atol=1e-5)
    assert zx._data.dtype == np.float32 and zopt.state[zx]["ro"][0].dtype == zoo_core.float32


@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe")])
def test_lbfgs_on_device_matches_cpu(kwargs, device):
    cp, cclosure = lbfgs_problem(zoo_core, "mlp")
    dp, dclosure = lbfgs_problem(zoo_core, "mlp", device)
    copt, dopt = optim.LBFGS(cp, **kwargs), optim.LBFGS(dp, **kwargs)
    for _ in range(2):
        assert copt.step(cclosure).item() == dopt.step(dclosure).item()
    assert all(p.device.type == device for p in dp)
    assert dopt.state[dp[0]]["d"].device.type == device
    # (a GPU sums float64 dot products in another order: LBFGS's line search amplifies that to ~1e-9)
    for x, y in zip([_np(p) for p in dp], [_np(p) for p in cp]):
        np.testing.assert_allclose(x, y, rtol=1e-7, atol=1e-12)


def test_lbfgs_stops_at_a_stationary_point_and_without_grads():
    x = Parameter(zoo_core.zeros(3))
    opt = optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        x.grad = zoo_core.zeros(3)
        return zoo_core.tensor(0.0)
    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and opt.state[x] == {"func_evals": 1, "n_iter": 0}


# ---- construction ----------------------------------------------------------------------------------
ERRORS = [
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1e-6), "Invalid epsilon value: -1e-06"),
    ("Adadelta", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
    ("NAdam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("ASGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("ASGD", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
]


@pytest.mark.parametrize("name,kwargs,msg", ERRORS, ids=[f"{e[0]}-{_id(('', e[1]))}" for e in ERRORS])
def test_invalid_hyperparameters_like_torch(name, kwargs, msg):
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, name)(torch_params(), **kwargs)
    assert str(want.value) == msg
    with pytest.raises(ValueError) as got:
        getattr(optim, name)(zoo_params(), **kwargs)
    assert str(got.value) == msg


def test_lbfgs_errors():
    ps = zoo_params()
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter groups\)"):
        optim.LBFGS([{"params": ps[:2]}, {"params": ps[2:]}])
    opt = optim.LBFGS(ps[:2])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": ps[2:]})
    assert len(opt.param_groups) == 1
    _, closure = lbfgs_problem(zoo_core, "mlp")
    zp, closure = lbfgs_problem(zoo_core, "mlp")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS(zp, line_search_fn="wolfe").step(closure)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.NAdam(ps, differentiable=True)


def test_defaults_and_repr_match_torch():
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "LBFGS"):
        z, t = getattr(optim, name)(zoo_params()), getattr(torch.optim, name)(torch_params())
        assert z.defaults == t.defaults, name
        assert repr(z) == repr(t), name


def test_pickle_round_trip():
    import pickle
    for name in ("ASGD", "LBFGS"):
        ps, closure = lbfgs_problem(zoo_core, "mlp")
        opt = getattr(optim, name)(ps)
        opt.step(closure)
        opt2 = pickle.loads(pickle.dumps(opt))
        ps2 = opt2.param_groups[0]["params"]
        assert len(opt2.state) == (1 if name == "LBFGS" else 4)
        if name == "LBFGS":
            assert opt2._params is ps2 and opt2._numel() == sum(p.numel() for p in ps2)
