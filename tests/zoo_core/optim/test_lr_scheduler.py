"""Learning-rate schedulers against PyTorch: the same factory builds the scheduler on both sides (``lib`` is
``zoo_core.optim.lr_scheduler`` or ``torch.optim.lr_scheduler``); learning rates (and cycled momentum)
compared step by step for 40 steps; state dicts resume identically."""
import copy
import math
import warnings

import numpy as np
import pytest

import zoo_core
import zoo_core.optim as optim
from zoo_core.nn.parameter import Parameter

torch = pytest.importorskip("torch")

STEPS = 40


def make_opt(lib, kind="SGD"):
    """Two parameter groups with different lrs; no gradients, so optimizer.step() changes nothing."""
    if lib is torch:
        ps = [torch.nn.Parameter(torch.ones(2)) for _ in range(2)]
        mod = torch.optim
    else:
        ps = [Parameter(zoo_core.ones(2)) for _ in range(2)]
        mod = optim
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    if kind == "SGD":
        return mod.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(mod, kind)(groups, lr=0.1)


class Scale:
    """A callable object: LambdaLR saves its __dict__ in state_dict."""

    def __init__(self, base):
        self.base = base

    def __call__(self, epoch):
        return self.base ** epoch


CASES = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=3, gamma=0.5),
    "StepLR-1": lambda L, o: L.StepLR(o, step_size=1, gamma=0.9),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingLR-eta_min": lambda L, o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.25, total_iters=8),
    "LinearLR-decay": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=10, power=2.0),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, [lambda e: 1.0 / (e + 1), Scale(0.9)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-3": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.CosineAnnealingLR(o, T_max=8),
            L.StepLR(o, step_size=4, gamma=0.5)], milestones=[4, 12]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, gamma=0.95)]),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 5),
    "OneCycleLR-linear": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1,
                                                   anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three_phase": lambda L, o: L.OneCycleLR(o, max_lr=0.5, epochs=5, steps_per_epoch=9,
                                                        three_phase=True, base_momentum=0.8),
    "OneCycleLR-no_momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=STEPS + 2,
                                                        cycle_momentum=False, div_factor=10.0),
    "CyclicLR": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                                                  gamma=0.95),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7),
}
ADAM_CASES = {"OneCycleLR", "OneCycleLR-three_phase", "CyclicLR"}   # also run with Adam (cycles beta1)


def trajectory(lib, factory, kind, steps=STEPS):
    mod = torch.optim.lr_scheduler if lib is torch else optim.lr_scheduler
    opt = make_opt(lib, kind)
    sched = factory(mod, opt)
    out = [_snapshot(sched, opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(_snapshot(sched, opt))
    return out, sched, opt


def _snapshot(sched, opt):
    groups = [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]
    return [float(v) for v in sched.get_last_lr()], groups


def _assert_same(z, t):
    assert len(z) == len(t)
    for i, (a, b) in enumerate(zip(z, t)):
        assert a[0] == pytest.approx(b[0], rel=1e-12, abs=1e-15), f"step {i}: lr {a[0]} != {b[0]}"
        _same_groups(a[1], b[1])


def _same_groups(a, b):
    for (lr1, m1, b1), (lr2, m2, b2) in zip(a, b):
        assert lr1 == pytest.approx(lr2, rel=1e-12, abs=1e-15)
        assert (m1 is None) == (m2 is None) and (m1 is None or m1 == pytest.approx(m2, rel=1e-12))
        assert (b1 is None) == (b2 is None) and (b1 is None or list(b1) == pytest.approx(list(b2), rel=1e-12))


PARAMS = [(name, "SGD") for name in CASES] + [(name, "Adam") for name in sorted(ADAM_CASES)]


@pytest.mark.parametrize("name,kind", PARAMS, ids=[f"{n}-{k}" for n, k in PARAMS])
def test_matches_torch_step_by_step(name, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z, zs, zo = trajectory(zoo_core, CASES[name], kind)
        t, ts, to = trajectory(torch, CASES[name], kind)
    _assert_same(z, t)
    assert getattr(zs, "last_epoch", None) == getattr(ts, "last_epoch", None)
    assert set(zs.state_dict()) == set(ts.state_dict())
    assert [g.get("initial_lr") for g in zo.param_groups] == pytest.approx(
        [g.get("initial_lr") for g in to.param_groups])


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_resumes_identically(name):
    factory = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, _, _ = trajectory(zoo_core, factory, "SGD", 30)
        # 15 steps, save, rebuild, load (scheduler first, then the optimizer's lrs), 15 more
        opt = make_opt(zoo_core)
        sched = factory(optim.lr_scheduler, opt)
        for _ in range(15):
            opt.step()
            sched.step()
        sched_sd = copy.deepcopy(sched.state_dict())
        opt_sd = copy.deepcopy(opt.state_dict())
        assert "optimizer" not in sched_sd
        opt2 = make_opt(zoo_core)
        sched2 = factory(optim.lr_scheduler, opt2)
        opt2.load_state_dict(opt_sd)
        sched2.load_state_dict(sched_sd)
        got = [_snapshot(sched2, opt2)]
        for _ in range(15):
            opt2.step()
            sched2.step()
            got.append(_snapshot(sched2, opt2))
    _assert_same(got, want[15:])


def test_lambda_state_dict_saves_only_callable_objects():
    opt = make_opt(zoo_core)
    sched = optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Scale(0.5)])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [None, {"base": 0.5}]
    opt2 = make_opt(zoo_core)
    s2 = optim.lr_scheduler.LambdaLR(opt2, [lambda e: 1.0, Scale(0.9)])
    s2.load_state_dict(sd)
    assert s2.lr_lambdas[1].base == 0.5
    assert "lr_lambdas" in sd                                  # the caller's dict is left as it was


def _plateau(lib, metrics, **kwargs):
    opt = make_opt(lib)
    mod = torch.optim.lr_scheduler if lib is torch else optim.lr_scheduler
    sched = mod.ReduceLROnPlateau(opt, **kwargs)
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append([float(v) for v in sched.get_last_lr()] + [g["lr"] for g in opt.param_groups]
                   + [sched.num_bad_epochs, sched.cooldown_counter, sched.best])
    return lrs, sched


_rng = np.random.default_rng(0)
NOISY = list(1.0 / (1 + np.arange(40) * 0.1) + _rng.uniform(0, 0.2, 40))
PLATEAU = [1.0, 0.9, 0.9, 0.9, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] * 2


@pytest.mark.parametrize("metrics,kwargs", [
    (PLATEAU, dict(patience=2)),
    (PLATEAU, dict(patience=1, cooldown=2, factor=0.5)),
    (PLATEAU, dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.02)),
    (PLATEAU, dict(patience=1, min_lr=[0.01, 0.04], factor=0.3)),
    (NOISY, dict(patience=2, threshold=0.01)),
    ([-m for m in NOISY], dict(mode="max", patience=1, cooldown=1)),
    ([-m for m in PLATEAU], dict(mode="max", patience=1, threshold=0.05, threshold_mode="abs")),
    (PLATEAU, dict(patience=0, factor=0.999999, eps=1e-3)),  # reductions smaller than eps are skipped
], ids=["patience", "cooldown", "abs-min_lr", "min_lr-list", "noisy", "max", "max-abs", "eps"])
def test_reduce_lr_on_plateau_matches_torch(metrics, kwargs):
    z, zs = _plateau(zoo_core, metrics, **kwargs)
    t, ts = _plateau(torch, metrics, **kwargs)
    for a, b in zip(z, t, strict=True):
        assert a == pytest.approx(b, rel=1e-12)
    assert set(zs.state_dict()) == set(ts.state_dict())


def test_reduce_lr_on_plateau_state_dict_and_errors():
    z, zs = _plateau(zoo_core, PLATEAU[:10], patience=1)
    sd = copy.deepcopy(zs.state_dict())
    opt2 = make_opt(zoo_core)
    opt2.load_state_dict(zs.optimizer.state_dict())
    s2 = optim.lr_scheduler.ReduceLROnPlateau(opt2)
    s2.load_state_dict(sd)
    for m in PLATEAU[10:]:
        zs.optimizer.step(), zs.step(m), s2.step(m)
        assert s2.get_last_lr() == zs.get_last_lr()
    s2.step(zoo_core.tensor(0.1))                                    # a one-element tensor metric
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        optim.lr_scheduler.ReduceLROnPlateau(opt2, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        optim.lr_scheduler.ReduceLROnPlateau(opt2, mode="avg")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        optim.lr_scheduler.ReduceLROnPlateau(opt2, min_lr=[0, 0, 0])


def test_closed_form_step_with_epoch_matches_torch():
    out = []
    for lib in (zoo_core, torch):
        opt = make_opt(lib)
        mod = torch.optim.lr_scheduler if lib is torch else optim.lr_scheduler
        sched = mod.StepLR(opt, step_size=3, gamma=0.5)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (5, 9, 2, 20):
                opt.step()
                sched.step(epoch)
                lrs += sched.get_last_lr()
            cw = mod.CosineAnnealingWarmRestarts(make_opt(lib), T_0=3, T_mult=2)
            for epoch in (0.5, 4.2, 10.0, 25.7):
                cw.step(epoch)
                lrs += cw.get_last_lr()
        out.append(lrs)
    assert out[0] == pytest.approx(out[1], rel=1e-12)


def test_cosine_recursive_form_differs_from_closed_form_as_in_torch():
    """After an external lr change, CosineAnnealingLR.step() follows the recursive form (as PyTorch)."""
    res = []
    for lib in (zoo_core, torch):
        opt = make_opt(lib)
        mod = torch.optim.lr_scheduler if lib is torch else optim.lr_scheduler
        sched = mod.CosineAnnealingLR(opt, T_max=10)
        lrs = []
        for i in range(12):
            opt.step()
            if i == 4:
                opt.param_groups[0]["lr"] *= 0.5
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        res.append(lrs)
    assert res[0] == pytest.approx(res[1], rel=1e-12)
    closed = 0.1 * (1 + math.cos(math.pi * 6 / 10)) / 2
    assert res[0][5] != pytest.approx(closed)


def test_initial_lr_and_resume_errors():
    opt = make_opt(zoo_core)
    optim.lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.StepLR(make_opt(zoo_core), step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        optim.lr_scheduler.StepLR([], step_size=2)
    assert optim.lr_scheduler._LRScheduler.__mro__[1] is optim.lr_scheduler.LRScheduler


def test_resume_with_last_epoch():
    for_each = []
    for lib in (zoo_core, torch):
        opt = make_opt(lib)
        mod = torch.optim.lr_scheduler if lib is torch else optim.lr_scheduler
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        sched = mod.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        lrs = [list(sched.get_last_lr())]
        for _ in range(5):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        for_each.append(sum(lrs, []))
    assert for_each[0] == pytest.approx(for_each[1], rel=1e-12)


def test_warnings():
    opt = make_opt(zoo_core)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    opt = make_opt(zoo_core)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.05, 0.025]


def test_tensor_lr_is_updated_in_place():
    p = Parameter(zoo_core.ones(2))
    lr = zoo_core.tensor(0.1)
    opt = optim.SGD([p], lr=lr)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)
    assert isinstance(sched.get_last_lr()[0], zoo_core.Tensor) and sched.get_last_lr()[0] is not lr


def test_errors_match_torch():
    opt = make_opt(zoo_core)
    L = optim.lr_scheduler
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        L.LambdaLR(opt, [lambda e: 1] * 3)
    with pytest.raises(ValueError, match="Starting multiplicative factor expected"):
        L.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        L.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        s = L.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(4):
            opt.step()
            s.step()
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one more"):
        L.SequentialLR(opt, [L.ExponentialLR(opt, 0.9)], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        L.SequentialLR(opt, [L.ExponentialLR(opt, 0.9), L.ReduceLROnPlateau(opt)], milestones=[3])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        L.OneCycleLR(optim.Adagrad([Parameter(zoo_core.ones(2))]), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
