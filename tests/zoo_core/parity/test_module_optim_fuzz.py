"""Differential tests against PyTorch: nn.Module machinery, containers, layers, optimizers, LR schedulers.

Every case runs the same code on ``zoo_core`` and on ``torch`` (``lib`` below) and compares values,
structure (state_dict keys, module order, repr) and exception types.
"""
import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import zoo_core as zoo  # noqa: E402

LIBS = (zoo, torch)


def _run(fn):
    """``fn(lib)`` on both libraries: ``("ok", value)`` or ``(exception type name, message)``."""
    out = []
    for lib in LIBS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(("ok", fn(lib)))
        except Exception as e:  # noqa: BLE001 - the exception type is what we compare
            out.append((type(e).__name__, str(e)))
    return out


def _same(fn, exact_message=False):
    z, t = _run(fn)
    assert z[0] == t[0], f"zoo: {z}\ntorch: {t}"
    if z[0] == "ok" or exact_message:
        assert str(z[1]).replace("zoo_core", "torch") == str(t[1]), f"zoo: {z}\ntorch: {t}"


def _np(t):
    return t.detach().numpy()


def _dt(t):
    return str(t.dtype).split(".")[-1]


# ==== optimizers ==================================================================================
_RS = np.random.RandomState(0)
_SHAPES = [(3, 4), (5,), ()]          # () : a 0-d parameter (a learnable scale/temperature)
_INIT = [np.asarray(_RS.randn(*s)) for s in _SHAPES]
_GRADS = [[np.asarray(_RS.randn(*s)) for s in _SHAPES] for _ in range(15)]

OPT_CASES = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, maximize=True, momentum=0.5, weight_decay=0.1, foreach=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.6), eps=1e-3, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1)), ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)), ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-3)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()), ("Adamax", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("ASGD", dict()), ("ASGD", dict(lr=0.1, lambd=1e-2, alpha=0.5, t0=3, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()), ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(decoupled_weight_decay=True, weight_decay=0.1, maximize=True)),
    ("RAdam", dict()), ("RAdam", dict(decoupled_weight_decay=True, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()), ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(maximize=True, momentum=0.5, alpha=0.5)),
]


def _optimize(lib, name, kw, dtype, groups):
    ps = [lib.nn.Parameter(lib.tensor(a.copy(), dtype=getattr(lib, dtype))) for a in _INIT]
    params = [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05, "weight_decay": 0.2}] if groups else ps
    opt = getattr(lib.optim, name)(params, **kw)
    for k in range(15):
        for p, g in zip(ps, _GRADS[k]):
            p.grad = lib.tensor(g * (1 + 0.1 * k), dtype=getattr(lib, dtype))
        opt.step()
    return ps, opt


@pytest.mark.parametrize("dtype,groups", [("float64", False), ("float64", True), ("float32", True)],
                         ids=["float64-one_group", "float64-two_groups", "float32-two_groups"])
@pytest.mark.parametrize("name,kw", OPT_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPT_CASES)])
def test_optimizer_15_steps_match_torch(name, kw, dtype, groups):
    # includes a 0-d parameter: Adagrad/Adadelta/NAdam/ASGD used to crash on it (numpy returns scalars
    # from 0-d ufuncs without out=, and the next out= call rejected them)
    zp, zo = _optimize(zoo, name, kw, dtype, groups)
    tp, to = _optimize(torch, name, kw, dtype, groups)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(zp, tp):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(a), _np(b), **tol)
    zs, ts = zo.state_dict(), to.state_dict()
    assert [sorted(g) for g in zs["param_groups"]] == [sorted(g) for g in ts["param_groups"]]
    for k, tst in ts["state"].items():
        assert sorted(zs["state"][k]) == sorted(tst)
        for key, tv in tst.items():
            zv = zs["state"][k][key]
            assert str(zv.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], key
            assert tuple(zv.shape) == tuple(tv.shape), key
            np.testing.assert_allclose(_np(zv), _np(tv), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad", "Adadelta", "NAdam", "ASGD"])
def test_optimizer_zero_dim_param_float16(name):
    out = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.tensor(0.5, dtype=lib.float16))
        opt = getattr(lib.optim, name)([p], lr=0.1)
        for g in (0.3, -0.2, 0.7):
            p.grad = lib.tensor(g, dtype=lib.float16)
            opt.step()
        out.append(float(p.detach()))
    assert out[0] == pytest.approx(out[1], rel=2e-3)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.01, amsgrad=True)), ("SGD", dict(lr=0.1, momentum=0.9)),
                                     ("RMSprop", dict(centered=True, momentum=0.5)), ("ASGD", {}),
                                     ("NAdam", {}), ("Adagrad", {}), ("RAdam", {}), ("Adamax", {})])
def test_optimizer_loads_torch_state_dict_and_continues(name, kw):
    rs = np.random.RandomState(1)
    init, grads = rs.randn(4), [rs.randn(4) for _ in range(6)]
    tp = [torch.nn.Parameter(torch.tensor(init)), torch.nn.Parameter(torch.tensor(init[:2]))]
    zp = [zoo.nn.Parameter(zoo.tensor(init)), zoo.nn.Parameter(zoo.tensor(init[:2]))]
    to = getattr(torch.optim, name)([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.003}], **kw)
    zo = getattr(zoo.optim, name)([{"params": zp[:1]}, {"params": zp[1:]}], **kw)
    for g in grads[:3]:
        tp[0].grad, tp[1].grad = torch.tensor(g), torch.tensor(g[:2])
        to.step()

    def conv(x):
        if isinstance(x, torch.Tensor):
            return zoo.tensor(x.numpy())
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        return [conv(v) for v in x] if isinstance(x, list) else x
    zo.load_state_dict(conv(to.state_dict()))
    assert zo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    for z, t in zip(zp, tp):
        z.data.copy_(zoo.tensor(_np(t)))
    for g in grads[3:]:
        tp[0].grad, tp[1].grad = torch.tensor(g), torch.tensor(g[:2])
        zp[0].grad, zp[1].grad = zoo.tensor(g), zoo.tensor(g[:2])
        to.step()
        zo.step()
    for z, t in zip(zp, tp):
        np.testing.assert_allclose(_np(z), _np(t), rtol=1e-9)


_BAD_OPT = [("Adam", dict(lr="tensor2")), ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-1)), ("SGD", dict(weight_decay=-1)), ("SGD", dict(nesterov=True)),
            ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
            ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)), ("Adadelta", dict(rho=1.5)),
            ("RMSprop", dict(alpha=-1)), ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(weight_decay=-1))]


@pytest.mark.parametrize("name,kw", _BAD_OPT, ids=[f"{n}-{list(k)[0]}" for n, k in _BAD_OPT])
def test_optimizer_invalid_hyperparameters(name, kw):
    def make(lib):
        kw2 = {k: (lib.tensor([0.1, 0.2]) if v == "tensor2" else v) for k, v in kw.items()}
        return getattr(lib.optim, name)([lib.nn.Parameter(lib.zeros(2))], **kw2)
    _same(make, exact_message=True)


# ==== LR schedulers ===============================================================================
def _sched_opt(lib):
    p, q = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(2))
    return lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1, momentum=0.9)


def _S(lib):
    return lib.optim.lr_scheduler


SCHEDULERS = {
    "StepLR": lambda lib, o: _S(lib).StepLR(o, 3, gamma=0.5),
    "MultiStepLR": lambda lib, o: _S(lib).MultiStepLR(o, [2, 5, 5, 9], gamma=0.3),
    "ConstantLR": lambda lib, o: _S(lib).ConstantLR(o, factor=0.25, total_iters=4),
    "LinearLR": lambda lib, o: _S(lib).LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7),
    "ExponentialLR": lambda lib, o: _S(lib).ExponentialLR(o, 0.9),
    "PolynomialLR": lambda lib, o: _S(lib).PolynomialLR(o, total_iters=10, power=2.0),
    "CosineAnnealingLR": lambda lib, o: _S(lib).CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda lib, o: _S(lib).CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=1e-3),
    "LambdaLR": lambda lib, o: _S(lib).LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda lib, o: _S(lib).MultiplicativeLR(o, lambda e: 0.9),
    "OneCycleLR": lambda lib, o: _S(lib).OneCycleLR(o, max_lr=1.0, total_steps=31),
    "OneCycleLR-three-phase": lambda lib, o: _S(lib).OneCycleLR(
        o, max_lr=[1.0, 0.5], epochs=4, steps_per_epoch=8, anneal_strategy="linear", three_phase=True, pct_start=0.2),
    "CyclicLR-triangular2": lambda lib, o: _S(lib).CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=3, step_size_down=5,
                                                             mode="triangular2"),
    "CyclicLR-exp_range": lambda lib, o: _S(lib).CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9),
    "CyclicLR-scale_fn": lambda lib, o: _S(lib).CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 0.5 ** x,
                                                          scale_mode="iterations"),
    "SequentialLR": lambda lib, o: _S(lib).SequentialLR(
        o, [_S(lib).ConstantLR(o, 0.5, total_iters=3), _S(lib).StepLR(o, 2), _S(lib).CosineAnnealingLR(o, 5)],
        milestones=[4, 10]),
    "ChainedScheduler": lambda lib, o: _S(lib).ChainedScheduler(
        [_S(lib).StepLR(o, 3, 0.5), _S(lib).MultiplicativeLR(o, lambda e: 0.97)]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_30_steps_match_torch(name):
    res = []
    for lib in LIBS:
        o = _sched_opt(lib)
        s = SCHEDULERS[name](lib, o)
        rows = []
        for _ in range(30):
            o.step()
            s.step()
            rows.append(list(s.get_last_lr()) + [g["lr"] for g in o.param_groups]
                        + [g["momentum"] for g in o.param_groups])
        res.append((np.array(rows, dtype=float), s.state_dict()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-9, atol=1e-12)
    zsd, tsd = res[0][1], res[1][1]
    assert sorted(zsd) == sorted(tsd)
    for k in ("last_epoch", "base_lrs", "_last_lr", "T_cur", "T_i", "_step_count", "total_steps", "_milestones"):
        if k in tsd:
            assert np.allclose(np.asarray(zsd[k], float), np.asarray(tsd[k], float)), k


_METRICS = list(np.round(np.random.RandomState(0).rand(40) * 3, 1))
_METRICS[10:20] = [1.0] * 10


@pytest.mark.parametrize("kw", [dict(), dict(mode="max"), dict(threshold_mode="abs", threshold=0.1),
                                dict(patience=2, cooldown=2, factor=0.5, min_lr=[0.01, 0.02]),
                                dict(patience=0, eps=0.05, factor=0.3)], ids=str)
def test_reduce_lr_on_plateau(kw):
    res = []
    for lib in LIBS:
        o = _sched_opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(o, **kw)
        rows = []
        for m in _METRICS:
            s.step(m)
            rows.append([g["lr"] for g in o.param_groups] + [s.num_bad_epochs, s.cooldown_counter, s.best])
        res.append(np.array(rows, dtype=float))
    np.testing.assert_allclose(res[0], res[1])


@pytest.mark.parametrize("T0,Tm", [(4, 1), (4, 2), (3, 3)])
def test_cosine_warm_restarts_fractional_epochs(T0, Tm):
    res = []
    for lib in LIBS:
        o = _sched_opt(lib)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=T0, T_mult=Tm, eta_min=0.001)
        rows = []
        for ep in [0.0, 0.5, 1.25, 2.0, 3.99, 4.0, 4.1, 7.3, 11.9, 12.0, 13.0, 27.5, 28.0, 40.2, 3]:
            o.step()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s.step(ep)
            rows.append(s.get_last_lr() + [s.T_cur, s.T_i, s.last_epoch])
        res.append(np.array(rows, dtype=float))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-9)


# ==== Module machinery ============================================================================
def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(3, 4)
            self.b = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(4, 2, bias=False))
            self.c = self.a                                   # a shared submodule
            self.register_buffer("buf", lib.ones(2))
            self.register_buffer("np", lib.zeros(1), persistent=False)
            self.w = lib.nn.Parameter(lib.ones(2))
            self.w2 = self.w                                  # a shared parameter

        def forward(self, x):
            return self.b(self.a(x))
    return Net()


TRAVERSALS = {
    "state_dict": lambda m: list(m.state_dict()),
    "state_dict_prefix": lambda m: list(m.state_dict(prefix="m.")),
    "metadata": lambda m: dict(m.state_dict()._metadata),
    "named_parameters": lambda m: [n for n, _ in m.named_parameters()],
    "named_parameters_dup": lambda m: [n for n, _ in m.named_parameters(remove_duplicate=False)],
    "named_parameters_norecurse": lambda m: [n for n, _ in m.named_parameters(recurse=False)],
    "named_parameters_prefix": lambda m: [n for n, _ in m.named_parameters(prefix="x")],
    "named_buffers": lambda m: [n for n, _ in m.named_buffers()],
    "named_modules": lambda m: [n for n, _ in m.named_modules()],
    "named_modules_dup": lambda m: [n for n, _ in m.named_modules(remove_duplicate=False)],
    "named_children": lambda m: [n for n, _ in m.named_children()],
    "repr": repr,
    "apply": lambda m: (lambda log: (m.apply(lambda x: log.append(type(x).__name__)), log)[1])([]),
}


@pytest.mark.parametrize("what", list(TRAVERSALS))
def test_module_traversal(what):
    _same(lambda lib: TRAVERSALS[what](_net(lib)))


def _load_nonstrict(lib):
    m = _net(lib)
    sd = m.state_dict()
    del sd["a.bias"]
    sd["extra"] = lib.zeros(1)
    r = m.load_state_dict(sd, strict=False)
    return r.missing_keys, r.unexpected_keys, str(r)


def _load_with(lib, edit, **kw):
    m = _net(lib)
    sd = m.state_dict()
    edit(lib, sd)
    return str(m.load_state_dict(sd, **kw))


LOADS = {
    "nonstrict": _load_nonstrict,
    "strict_missing_unexpected": lambda lib: _load_with(lib, lambda lib, sd: (sd.pop("a.bias"), sd.update(x=lib.ones(1)))),
    "size_mismatch": lambda lib: _load_with(lib, lambda lib, sd: sd.update({"a.bias": lib.zeros(5)})),
    "nonpersistent_is_unexpected": lambda lib: _load_with(lib, lambda lib, sd: sd.update(np=lib.zeros(1)), strict=False),
    "not_a_tensor": lambda lib: _load_with(lib, lambda lib, sd: sd.update({"a.bias": 3.0})),
    "all_match": lambda lib: _load_with(lib, lambda lib, sd: None),
    "mapping_proxy": lambda lib: str(_net(lib).load_state_dict(__import__("types").MappingProxyType(_net(lib).state_dict()))),
    "list_is_not_a_mapping": lambda lib: _net(lib).load_state_dict(list(_net(lib).state_dict().items())),
}


@pytest.mark.parametrize("case", list(LOADS))
def test_load_state_dict(case):
    _same(LOADS[case], exact_message=case != "not_a_tensor")


def _setattr_case(code):
    def fn(lib):
        m = lib.nn.Module()
        m.x = lib.nn.Linear(2, 2)
        m.y = lib.nn.ReLU()
        m.register_buffer("b1", lib.ones(1))
        m.register_buffer("b2", lib.ones(1))
        m.p = lib.nn.Parameter(lib.ones(1))
        m.q = lib.nn.Parameter(lib.ones(1))
        exec(code, {"m": m, "lib": lib})
        return list(m._modules), list(m._buffers), list(m._parameters), sorted(m._non_persistent_buffers_set)
    return fn


SETATTRS = {
    # replacing a child or a buffer keeps its place (state_dict / parameters() order), as in PyTorch
    "replace_child_keeps_order": "m.x = lib.nn.Tanh()",
    "replace_buffer_keeps_order": "m.b1 = lib.nn.Buffer(lib.zeros(2), persistent=False)",
    "replace_param_keeps_order": "m.p = lib.nn.Parameter(lib.zeros(3))",
    "param_to_none": "m.p = None",
    "child_to_none": "m.x = None",
    "buffer_to_param": "m.b1 = lib.nn.Parameter(lib.ones(1))",
    "del_param": "del m.p",
    "del_child": "del m.x",
    "param_as_tensor": "m.p = lib.ones(1)",
    "child_as_int": "m.y = 3",
    "buffer_as_int": "m.b1 = 3",
    "register_over_attr": "m.z = 5; m.register_buffer('z', lib.ones(1))",
    "register_dotted": "m.register_buffer('a.b', lib.ones(1))",
    "register_empty": "m.register_parameter('', None)",
    "register_buffer_list": "m.register_buffer('z', [1])",
    "register_param_tensor": "m.register_parameter('z', lib.ones(1))",
    "add_module_int": "m.add_module('z', 3)",
    "del_missing": "del m.nothere",
}


@pytest.mark.parametrize("case", list(SETATTRS))
def test_module_setattr_delattr(case):
    _same(_setattr_case(SETATTRS[case]))


def _zero_grad_in_place(lib):
    m = _net(lib)
    m(lib.ones(1, 3)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    m.zero_grad(set_to_none=False)
    # same grad objects (in place), all +0.0 (no -0.0 from multiplying by zero)
    return ([p.grad is g for p, g in zip(m.parameters(), grads)],
            [None if p.grad is None else np.signbit(_np(p.grad)).any() for p in m.parameters()],
            [None if p.grad is None else float(p.grad.abs().sum()) for p in m.parameters()])


MODULE_MISC = {
    "zero_grad_set_to_none_false": _zero_grad_in_place,
    "zero_grad_default": lambda lib: (lambda m: (m(lib.ones(1, 3)).sum().backward(), m.zero_grad(),
                                                 [p.grad for p in m.parameters()])[2])(_net(lib)),
    "get_parameter_none": lambda lib: _net(lib).get_parameter("b.1.bias"),
    "get_parameter": lambda lib: tuple(_net(lib).get_parameter("b.1.weight").shape),
    "get_submodule_missing": lambda lib: _net(lib).get_submodule("b.5"),
    "get_buffer_wrong": lambda lib: _net(lib).get_buffer("a.weight"),
    "set_submodule": lambda lib: (lambda m: (m.set_submodule("b.1", lib.nn.Tanh()), repr(m))[1])(_net(lib)),
    "set_submodule_strict_missing": lambda lib: _net(lib).set_submodule("b.7", lib.nn.Tanh(), strict=True),
    "to_empty": lambda lib: (lambda m: [(k, tuple(v.shape), _dt(v)) for k, v in
                                        m.to_empty(device="cpu").state_dict().items()])(_net(lib)),
    "share_memory": lambda lib: (lambda m: m.share_memory() is m)(_net(lib)),
    "eval": lambda lib: [x.training for x in _net(lib).eval().modules()],
    "train_non_bool": lambda lib: _net(lib).train("x"),
    "requires_grad_": lambda lib: [p.requires_grad for p in _net(lib).requires_grad_(False).parameters()],
    "half_keeps_int_buffers": lambda lib: (lambda m: (m.register_buffer("i", lib.ones(2, dtype=lib.int64)), m.half(),
                                                      [_dt(t) for t in m.state_dict().values()])[2])(_net(lib)),
    "to_float64": lambda lib: [_dt(t) for t in _net(lib).to(lib.float64).state_dict().values()],
    "to_int_raises": lambda lib: _net(lib).to(lib.int32),
    "deepcopy": lambda lib: repr(copy.deepcopy(_net(lib))),
}


@pytest.mark.parametrize("case", list(MODULE_MISC))
def test_module_misc(case):
    _same(MODULE_MISC[case])


# ---- hooks ---------------------------------------------------------------------------------------
def _fwd_hooks(lib):
    class Net(lib.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale
    m, log = Net(), []
    m.register_forward_pre_hook(lambda mod, a: log.append(("pre1", len(a))))
    m.register_forward_pre_hook(lambda mod, a: log.append(("pre0", len(a))), prepend=True)
    m.register_forward_pre_hook(lambda mod, a, k: (log.append(("prek", sorted(k))), (a, {"scale": 3.0}))[1],
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, a, k, o: log.append(("fk", sorted(k), o.tolist())), with_kwargs=True)
    h = m.register_forward_hook(lambda mod, a, o: o + 1)
    m.register_forward_hook(lambda mod, a, o: log.append(("f0", o.tolist())), prepend=True)
    r = m(lib.ones(2), scale=2.0).tolist()
    h.remove()
    return log, r, m(lib.ones(2)).tolist()


def _always_call(lib):
    class Net(lib.nn.Module):
        def forward(self, x):
            return x * 2
    m, log = Net(), []
    m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
    m.register_forward_hook(lambda mod, a, o: log.append("normal"))
    try:
        m("bad")
    except TypeError:
        pass
    m(lib.ones(1))
    return [x if isinstance(x, str) else (x[0], None if x[1] is None else x[1].tolist()) for x in log]


def _state_dict_hooks(lib):
    lin, log = lib.nn.Linear(2, 2), []
    lin.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre", prefix, keep_vars)))
    lin.register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(("post", prefix, dict(meta))))
    lin.register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, meta, strict, missing, unexpected, errors: log.append(("lpre", type(mod).__name__, prefix)))

    def post(mod, keys):
        log.append(("lpost", list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.missing_keys.clear()            # a post hook may forgive keys before the strict check
    lin.register_load_state_dict_post_hook(post)
    s = lib.nn.Sequential(lin)
    sd = s.state_dict()
    del sd["0.bias"]
    r = s.load_state_dict(sd)
    return log, str(r)


def _extra_state(lib):
    class E(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.v = 3

        def get_extra_state(self):
            return {"v": self.v}

        def set_extra_state(self, st):
            self.v = st["v"] + 1
    m = lib.nn.Sequential(E())
    sd = m.state_dict()
    m.load_state_dict(sd)
    missing = m.load_state_dict({}, strict=False).missing_keys
    return list(sd), m[0].v, missing


def _overridden_train_and_apply(lib):
    class Frozen(lib.nn.Module):          # the usual "keep BatchNorm frozen while fine-tuning" override
        def __init__(self):
            super().__init__()
            self.bn = lib.nn.BatchNorm1d(2)

        def train(self, mode=True):
            super().train(mode)
            self.bn.eval()
            return self

    class Counted(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.ones(2))
            self.calls = 0

        def _apply(self, fn, *args, **kwargs):
            self.calls += 1
            return super()._apply(fn, *args, **kwargs)
    m = lib.nn.Sequential(lib.nn.Sequential(Frozen()), Counted())
    m.eval()
    m.train()
    m.double()
    m.half()
    return m[0][0].training, m[0][0].bn.training, m[1].calls, _dt(m[1].w)


def _global_hooks(lib):
    reg = (torch.nn.modules.module.register_module_forward_hook if lib is torch
           else zoo.nn.register_module_forward_hook)
    log = []
    h1 = reg(lambda m, a, k, o: log.append(("kwargs", type(m).__name__, sorted(k))), with_kwargs=True)
    h2 = reg(lambda m, a, o: log.append(("always", type(m).__name__, o is None)), always_call=True)
    try:
        m = lib.nn.Linear(2, 2)
        m(lib.ones(2))
        try:
            m(lib.ones(3))
        except RuntimeError:
            pass
    finally:
        h1.remove()
        h2.remove()
    m(lib.ones(2))
    return log


HOOKS = {"overridden_train_and_apply": _overridden_train_and_apply, "global_hooks": _global_hooks,
         "forward_hooks": _fwd_hooks, "always_call": _always_call, "state_dict_hooks": _state_dict_hooks,
         "extra_state": _extra_state}


@pytest.mark.parametrize("case", list(HOOKS))
def test_hooks(case):
    _same(HOOKS[case])


@pytest.mark.parametrize("modify", [False, True])
@pytest.mark.parametrize("pre", [False, True])
@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hooks(modify, pre, input_grad):
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
        with lib.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape)) * (i + 1)))
        log = []

        def hook(mod, gi, go):
            log.append((type(mod).__name__, [None if g is None else _np(g).copy() for g in gi],
                        [_np(g).copy() for g in go]))
            if modify and gi[0] is not None:
                return (gi[0] * 2,)

        def prehook(mod, go):
            log.append(("pre-" + type(mod).__name__, [_np(g).copy() for g in go], []))
            if modify:
                return (go[0] * 3,)
        handles = []
        for sub in m:
            handles.append(sub.register_full_backward_hook(hook))
            if pre:
                sub.register_full_backward_pre_hook(prehook)
        m.register_full_backward_hook(hook)
        x = lib.tensor(np.arange(6.).reshape(2, 3) / 5, dtype=lib.float64, requires_grad=input_grad)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.double()(x).pow(2).sum().backward()
            handles[0].remove()                  # a removed hook no longer fires
            m(x).sum().backward()
        return log, None if x.grad is None else _np(x.grad), _np(m[0].weight.grad)
    (zl, zx, zw), (tl, tx, tw) = run(zoo), run(torch)
    assert [(n, len(a), len(b)) for n, a, b in zl] == [(n, len(a), len(b)) for n, a, b in tl]
    for (_, za, zb), (_, ta, tb) in zip(zl, tl):
        for a, b in zip(za + zb, ta + tb):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-10)
    assert (zx is None) == (tx is None)
    if zx is not None:
        np.testing.assert_allclose(zx, tx, rtol=1e-10)
    np.testing.assert_allclose(zw, tw, rtol=1e-10)


def test_full_backward_hook_tuple_output_and_non_tensor_args():
    def run(lib):
        class Split(lib.nn.Module):
            def forward(self, x, k, y):
                return x[:, :k] * y, x[:, k:] * 2, "tag"
        m, log = Split(), []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(
            ([None if g is None else _np(g) for g in gi], [None if g is None else _np(g) for g in go])))
        x = lib.tensor(np.arange(8.).reshape(2, 4), requires_grad=True)
        y = lib.tensor(np.arange(2.).reshape(2, 1) + 1)          # needs no grad
        a, b, tag = m(x, 1, y)
        (a.sum() * 3 + b.sum()).backward()
        return log, _np(x.grad), tag
    (zl, zx, ztag), (tl, tx, ttag) = run(zoo), run(torch)
    assert ztag == ttag
    np.testing.assert_allclose(zx, tx)
    assert len(zl) == len(tl) == 1
    for za, ta in zip(zl[0], tl[0]):
        assert [a is None for a in za] == [a is None for a in ta]
        for a, b in zip(za, ta):
            if a is not None:
                np.testing.assert_allclose(a, b)


# ---- containers ----------------------------------------------------------------------------------
def _seq(lib):
    return lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid(), lib.nn.Identity())


def _desc(m):
    return [type(x).__name__ for x in m], list(m._modules)


CONTAINER_CASES = {}
for _i in [0, -1, -4, 3, 4, -5]:
    CONTAINER_CASES[f"seq[{_i}]"] = lambda lib, i=_i: type(_seq(lib)[i]).__name__
    CONTAINER_CASES[f"mlist[{_i}]"] = lambda lib, i=_i: type(lib.nn.ModuleList(list(_seq(lib)))[i]).__name__
    CONTAINER_CASES[f"del seq[{_i}]"] = lambda lib, i=_i: (lambda s: (s.__delitem__(i), _desc(s))[1])(_seq(lib))
    CONTAINER_CASES[f"del mlist[{_i}]"] = lambda lib, i=_i: (lambda s: (s.__delitem__(i), _desc(s))[1])(
        lib.nn.ModuleList(list(_seq(lib))))
    CONTAINER_CASES[f"seq[{_i}]="] = lambda lib, i=_i: (lambda s: (s.__setitem__(i, lib.nn.ELU()), _desc(s))[1])(_seq(lib))
    CONTAINER_CASES[f"seq.pop({_i})"] = lambda lib, i=_i: (lambda s: (type(s.pop(i)).__name__, _desc(s)))(_seq(lib))
for _i in [0, 2, 4, -1, -4, 5, -5]:
    # Sequential.insert(-1, m) inserts before the last module, as list.insert
    CONTAINER_CASES[f"seq.insert({_i})"] = lambda lib, i=_i: (lambda s: (s.insert(i, lib.nn.ELU()), _desc(s))[1])(_seq(lib))
for _sl in [slice(1, 3), slice(None, None, -1), slice(None, None, 2)]:
    CONTAINER_CASES[f"seq[{_sl}]"] = lambda lib, sl=_sl: _desc(_seq(lib)[sl])
    CONTAINER_CASES[f"mlist[{_sl}]"] = lambda lib, sl=_sl: _desc(lib.nn.ModuleList(list(_seq(lib)))[sl])
    CONTAINER_CASES[f"del seq[{_sl}]"] = lambda lib, sl=_sl: (lambda s: (s.__delitem__(sl), _desc(s))[1])(_seq(lib))


def _od_seq(lib):
    s = lib.nn.Sequential(OrderedDict([("a", lib.nn.ReLU()), ("b", lib.nn.Tanh()), ("c", lib.nn.ELU())]))
    r = [list(s[1:]._modules), list(s[::-1]._modules)]
    s[0] = lib.nn.GELU()
    r.append(repr(s))
    del s[0]
    r.append(list(s._modules))
    s.append(lib.nn.ReLU())
    s.insert(1, lib.nn.GELU())
    r += [list(s._modules), type(s.pop(0)).__name__, list(s._modules)]
    return r


def _pdict(lib):
    d = lib.nn.ParameterDict({"b": lib.ones(2), "a": lib.nn.Parameter(lib.zeros(3))})   # a plain dict: sorted
    d["c"] = lib.ones(1)
    d.update(OrderedDict([("e", lib.ones(1)), ("d", lib.ones(1))]))                      # keeps its order
    d.update([("g", lib.ones(1)), ("f", lib.ones(1))])
    r = [repr(d), list(d), [n for n, _ in d.named_parameters()], type(d.pop("b")).__name__, list(reversed(d))]
    r.append(d.setdefault("z", lib.ones(2)).shape == (2,))
    r.append(list(d.copy()))
    r.append(d.popitem()[0])
    r.append(list(d | lib.nn.ParameterDict({"zz": lib.ones(1)})))
    d |= lib.nn.ParameterDict({"yy": lib.ones(1)})
    r.append(list(d))
    r.append(list(d.fromkeys(["x", "y"], lib.ones(1))))
    d.clear()
    r.append((len(d), list(d.state_dict())))
    return r


CONTAINER_CASES.update({
    "seq_ordered_dict": _od_seq,
    "seq*2": lambda lib: _desc(_seq(lib) * 2),
    "2*seq": lambda lib: _desc(2 * _seq(lib)),
    "seq*=2": lambda lib: (lambda s: (s.__imul__(2), _desc(s))[1])(_seq(lib)),
    "seq*0": lambda lib: _seq(lib) * 0,
    "seq+=seq": lambda lib: (lambda s: (s.__iadd__(_seq(lib)), _desc(s))[1])(_seq(lib)),
    "seq+seq": lambda lib: _desc(_seq(lib) + _seq(lib)),
    "seq[0]=int": lambda lib: _seq(lib).__setitem__(0, 3),
    "mlist.extend(module)": lambda lib: lib.nn.ModuleList().extend(lib.nn.ReLU()),
    "mlist_repr_repeats": lambda lib: repr(lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(5)] + [lib.nn.ReLU()]
                                                             + [lib.nn.Sequential(lib.nn.ReLU()) for _ in range(2)])),
    "mlist_repr_empty": lambda lib: repr(lib.nn.ModuleList()),
    "moduledict": lambda lib: (lambda d: (d.update([("c", lib.nn.ELU())]), d.__setitem__("a", lib.nn.GELU()),
                                          [list(d), repr(d), "a" in d, type(d.pop("b")).__name__, list(d)])[2])(
        lib.nn.ModuleDict({"b": lib.nn.ReLU(), "a": lib.nn.Tanh()})),
    "moduledict_update_int": lambda lib: lib.nn.ModuleDict().update(3),
    "paramlist": lambda lib: (lambda l: (l.append(lib.zeros(2, 2)), l.extend([lib.ones(1)]),
                                         [repr(l), [n for n, _ in l.named_parameters()], type(l[1]).__name__,
                                          len(l[-2:]), l[1].requires_grad])[2])(
        lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.ones(3, dtype=lib.float64)])),
    "paramlist_oob": lambda lib: lib.nn.ParameterList([lib.ones(2)])[1],
    "paramdict": _pdict,
    "paramdict_update_int": lambda lib: lib.nn.ParameterDict().update(3),
})


@pytest.mark.parametrize("case", list(CONTAINER_CASES))
def test_containers(case):
    _same(CONTAINER_CASES[case])


# ==== layers: parameters, buffers, init, repr ==========================================================
LAYERS = [
    ("Linear", (3, 4), {}), ("Linear", (3, 4), dict(bias=False)), ("Bilinear", (2, 3, 4), {}),
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1, dilation=2, groups=2, bias=False)),
    ("Conv2d", (2, 4, (3, 2)), dict(padding="same", padding_mode="reflect")), ("Conv3d", (2, 4, 3), dict(padding="valid")),
    ("ConvTranspose1d", (2, 4, 3), dict(output_padding=1, stride=2)), ("ConvTranspose2d", (4, 2, 3), dict(groups=2, dilation=2)),
    ("BatchNorm1d", (5,), {}), ("BatchNorm2d", (5,), dict(affine=False)), ("BatchNorm2d", (5,), dict(track_running_stats=False)),
    ("BatchNorm3d", (5,), dict(momentum=None, eps=1e-3)), ("InstanceNorm2d", (5,), dict(affine=True, track_running_stats=True)),
    ("LayerNorm", ((4, 5),), dict(elementwise_affine=False)), ("LayerNorm", (5,), dict(bias=False)), ("GroupNorm", (2, 4), {}),
    ("RMSNorm", ([4, 5],), dict(eps=1e-3)), ("LocalResponseNorm", (3,), {}),
    ("Embedding", (10, 3), dict(padding_idx=-2, max_norm=1.0, scale_grad_by_freq=True, sparse=True)),
    ("EmbeddingBag", (10, 3), dict(mode="max")),
    ("RNN", (3, 4, 2), dict(nonlinearity="relu", bias=False, batch_first=True, dropout=0.5, bidirectional=True)),
    ("LSTM", (3, 4, 2), dict(proj_size=2, bidirectional=True)), ("GRU", (3, 4, 3), dict(bidirectional=True, bias=False)),
    ("RNNCell", (3, 4), dict(nonlinearity="relu")), ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), dict(bias=False)),
    ("MultiheadAttention", (8, 2), dict(kdim=3, vdim=5)),
    ("MultiheadAttention", (8, 2), dict(bias=False, add_bias_kv=True, add_zero_attn=True, batch_first=True, dropout=0.1)),
    ("TransformerEncoderLayer", (8, 2, 16), dict(norm_first=True, batch_first=True, activation="gelu", bias=False)),
    ("TransformerDecoderLayer", (8, 2, 16), {}),
    ("Transformer", (), dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)),
    ("PReLU", (3,), dict(init=0.1)), ("LeakyReLU", (0.2, True), {}), ("GELU", (), dict(approximate="tanh")),
    ("Hardtanh", (-2., 2.), {}), ("Softplus", (), dict(beta=2, threshold=10)), ("Threshold", (0.1, 20.), {}),
    ("Softmax", (), dict(dim=1)), ("RReLU", (0.1, 0.3), {}), ("Dropout2d", (), dict(inplace=True)),
    ("MaxPool2d", (3, 2, 1), dict(dilation=2, return_indices=True, ceil_mode=True)),
    ("AvgPool2d", (3,), dict(stride=1, count_include_pad=False, divisor_override=2)), ("AdaptiveAvgPool2d", ((3, None),), {}),
    ("LPPool1d", (2., 3, 2), {}), ("MaxUnpool1d", (2, 1, 0), {}),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear", align_corners=False)), ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("PixelShuffle", (2,), {}), ("Flatten", (0, 2), {}), ("Unflatten", (1, (2, 3)), {}), ("ReflectionPad2d", ((1, 0, 2, 1),), {}),
    ("ConstantPad1d", (2, 3.5), {}), ("CrossEntropyLoss", (), dict(label_smoothing=0.1, ignore_index=3, weight="W")),
    ("BCEWithLogitsLoss", (), dict(pos_weight="W")), ("HuberLoss", (), dict(delta=0.5)), ("KLDivLoss", (), dict(log_target=True)),
]


@pytest.mark.parametrize("name,args,kw", LAYERS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_structure_matches_torch(name, args, kw):
    def describe(lib):
        kw2 = {k: (lib.ones(3) if v == "W" else v) for k, v in kw.items()}
        m = getattr(lib.nn, name)(*args, **kw2)
        return (repr(m), [(k, tuple(v.shape), str(v.dtype).split(".")[-1]) for k, v in m.state_dict().items()],
                [(k, p.requires_grad) for k, p in m.named_parameters()], [k for k, _ in m.named_buffers()])
    _same(describe)


INIT_LAYERS = [("Linear", (300, 200), {}), ("Bilinear", (30, 20, 40), {}), ("Conv1d", (64, 32, 3), dict(groups=4)),
               ("ConvTranspose2d", (64, 32, 3), dict(groups=2)), ("LSTM", (50, 100), dict(proj_size=30)),
               ("GRUCell", (50, 100), {}), ("MultiheadAttention", (64, 4), dict(kdim=32, vdim=16)),
               ("Embedding", (1000, 30), dict(padding_idx=3)), ("PReLU", (100,), {}), ("BatchNorm2d", (100,), {}),
               ("GroupNorm", (4, 100), {})]


@pytest.mark.parametrize("name,args,kw", INIT_LAYERS, ids=[n for n, _, _ in INIT_LAYERS])
def test_default_init_distribution(name, args, kw):
    stats = []
    for lib in LIBS:
        lib.manual_seed(0)
        m = getattr(lib.nn, name)(*args, **kw)
        stats.append({k: (float(v.abs().max()), float(v.std())) for k, v in m.state_dict().items()
                      if v.is_floating_point() and v.numel() > 100})
    assert stats[0].keys() == stats[1].keys()
    for k, (tmax, tstd) in stats[1].items():
        zmax, zstd = stats[0][k]
        assert zmax == pytest.approx(tmax, rel=0.1), k          # same bound (uniform) / tail (normal)
        assert zstd == pytest.approx(tstd, rel=0.1, abs=1e-6), k
    if name == "Embedding":
        for lib in LIBS:
            assert float(getattr(lib.nn, name)(*args, **kw).weight[3].detach().abs().sum()) == 0


def test_lazy_linear_becomes_linear_and_loads_state_dict():
    def run(lib):
        m = lib.nn.LazyLinear(4)
        m(lib.ones(2, 3))
        r = [type(m).__name__, repr(m), tuple(m.weight.shape)]
        lazy = lib.nn.Sequential(lib.nn.LazyLinear(4))
        src = lib.nn.Sequential(lib.nn.Linear(3, 4))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r.append(str(lazy.load_state_dict(src.state_dict())))
        r.append(bool((lazy[0].weight == src[0].weight).all()))
        r.append(tuple(lazy(lib.ones(2, 3)).shape))
        return r
    _same(run)


# ==== layers: forward and backward against torch with the same weights =============================
def _pair(name, *args, **kw):
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kw).double().eval()
    z = getattr(zoo.nn, name)(*args, **kw).double().eval()
    z.load_state_dict({k: zoo.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return z, t


def _flat(o, lib):
    if isinstance(o, lib.Tensor):
        return [o]
    if o is None:
        return []
    return [x for item in o for x in _flat(item, lib)]


def _check_forward(z, t, inputs, kw=None):
    kw = kw or {}
    zi = [zoo.tensor(x, requires_grad=x.dtype == np.float64) for x in inputs]
    ti = [torch.tensor(x, requires_grad=x.dtype == np.float64) for x in inputs]
    zo = z(*zi, **{k: zoo.tensor(v) for k, v in kw.items()})
    to = t(*ti, **{k: torch.tensor(v) for k, v in kw.items()})
    zl, tl = _flat(zo, zoo), _flat(to, torch)
    assert len(zl) == len(tl)
    for a, b in zip(zl, tl):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-9)
    sum((x * (i + 1.5)).sum() for i, x in enumerate(zl)).backward()
    sum((x * (i + 1.5)).sum() for i, x in enumerate(tl)).backward()
    for a, b in zip(zi, ti):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-9)
    zp = dict(z.named_parameters())
    for k, p in t.named_parameters():
        if p.grad is not None:
            np.testing.assert_allclose(_np(zp[k].grad), _np(p.grad), atol=1e-9, err_msg=k)


_R = np.random.RandomState(3)
RNN_CASES = [("RNN", dict(nonlinearity="relu")), ("RNN", dict(num_layers=2, bidirectional=True)),
             ("LSTM", dict(batch_first=True, num_layers=2)), ("LSTM", dict(proj_size=3, num_layers=2, bidirectional=True)),
             ("GRU", dict(bias=False, bidirectional=True))]


@pytest.mark.parametrize("name,kw", RNN_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RNN_CASES)])
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_forward_backward(name, kw, with_h0):
    z, t = _pair(name, 4, 5, **kw)
    D, L, H = 2 if kw.get("bidirectional") else 1, kw.get("num_layers", 1), kw.get("proj_size") or 5
    x = _R.randn(2, 6, 4) if kw.get("batch_first") else _R.randn(6, 2, 4)
    if not with_h0:
        _check_forward(z, t, [x])
        _check_forward(z, t, [_R.randn(6, 4)])             # unbatched
        return
    h0 = _R.randn(D * L, 2, H)
    if name != "LSTM":
        _check_forward(z, t, [x, h0])
        return
    c0 = _R.randn(D * L, 2, 5)
    zo = z(zoo.tensor(x), (zoo.tensor(h0), zoo.tensor(c0)))
    to = t(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    for a, b in zip(_flat(zo, zoo), _flat(to, torch)):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-9)


MHA_CALLS = [dict(), dict(need_weights=False), dict(average_attn_weights=False),
             dict(key_padding_mask=np.array([[False] * 6 + [True], [False] * 7])),
             dict(attn_mask=np.triu(np.ones((5, 7), bool), 1)), dict(attn_mask="float3d", average_attn_weights=False)]


@pytest.mark.parametrize("mkw", [dict(), dict(kdim=3, vdim=6), dict(batch_first=True)], ids=str)
@pytest.mark.parametrize("call", range(len(MHA_CALLS)))
def test_multihead_attention(mkw, call):
    z, t = _pair("MultiheadAttention", 8, 2, **mkw)
    bf = mkw.get("batch_first")
    shape = (lambda L, E: (2, L, E)) if bf else (lambda L, E: (L, 2, E))
    q, k, v = _R.randn(*shape(5, 8)), _R.randn(*shape(7, mkw.get("kdim", 8))), _R.randn(*shape(7, mkw.get("vdim", 8)))
    fkw = dict(MHA_CALLS[call])
    if isinstance(fkw.get("attn_mask"), str):
        fkw["attn_mask"] = _R.randn(4, 5, 7)
    zk = {k2: (zoo.tensor(v2) if isinstance(v2, np.ndarray) else v2) for k2, v2 in fkw.items()}
    tk = {k2: (torch.tensor(v2) if isinstance(v2, np.ndarray) else v2) for k2, v2 in fkw.items()}
    zi = [zoo.tensor(a, requires_grad=True) for a in (q, k, v)]
    ti = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    zo, to = z(*zi, **zk), t(*ti, **tk)
    assert (zo[1] is None) == (to[1] is None)
    for a, b in zip(_flat(zo, zoo), _flat(to, torch)):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-9)
    zo[0].sum().backward()
    to[0].sum().backward()
    for a, b in zip(zi, ti):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), atol=1e-9)


@pytest.mark.parametrize("name,kw", [("TransformerEncoderLayer", dict()),
                                     ("TransformerEncoderLayer", dict(norm_first=True, activation="gelu", batch_first=True)),
                                     ("TransformerDecoderLayer", dict(norm_first=True, batch_first=True))], ids=str)
def test_transformer_layers(name, kw):
    z, t = _pair(name, 8, 2, 16, dropout=0.0, **kw)
    src = _R.randn(2, 5, 8) if kw.get("batch_first") else _R.randn(5, 2, 8)
    if name.startswith("TransformerEncoder"):
        _check_forward(z, t, [src], dict(src_mask=np.triu(np.ones((5, 5), bool), 1),
                                         src_key_padding_mask=np.array([[False] * 4 + [True], [False] * 5])))
    else:
        mem = _R.randn(2, 7, 8)
        _check_forward(z, t, [src, mem], dict(tgt_mask=np.triu(np.full((5, 5), -np.inf), 1),
                                              memory_key_padding_mask=np.array([[False] * 6 + [True], [False] * 7])))


@pytest.mark.parametrize("kw", [dict(), dict(momentum=None), dict(track_running_stats=False),
                                dict(affine=False, momentum=0.5)], ids=str)
def test_batchnorm_running_stats(kw):
    xs = [np.random.RandomState(i).randn(4, 3, 5) for i in range(4)]

    def run(lib):
        m = lib.nn.BatchNorm1d(3, **kw).double()
        outs = []
        for i, x in enumerate(xs):
            if i == 3:
                m.eval()
            outs.append(_np(m(lib.tensor(x))))
        return outs, [(k, _np(v)) for k, v in m.state_dict().items()]
    (zo, zs), (to, ts) = run(zoo), run(torch)
    for a, b in zip(zo, to):
        np.testing.assert_allclose(a, b, atol=1e-10)
    assert [k for k, _ in zs] == [k for k, _ in ts]
    for (_, a), (_, b) in zip(zs, ts):
        np.testing.assert_allclose(a, b, atol=1e-10)


# ==== the fixes on every device (cuda runs under ZOO_FAKE_CUPY=1 or on a GPU) =====================
@pytest.mark.parametrize("name", ["Adagrad", "Adadelta", "NAdam", "ASGD", "Adam", "RMSprop"])
def test_zero_dim_param_on_device(name, device):
    out = []
    for lib, dev in ((zoo, device), (torch, "cpu")):
        p = lib.nn.Parameter(lib.tensor(0.5, dtype=lib.float64, device=dev))
        opt = getattr(lib.optim, name)([p], lr=0.1, weight_decay=0.1)
        for g in (0.3, -0.2, 0.7):
            p.grad = lib.tensor(g, dtype=lib.float64, device=dev)
            opt.step()
        assert p.dim() == 0
        out.append(float(p.detach().cpu()))
    assert out[0] == pytest.approx(out[1], rel=1e-12)


def test_full_backward_hook_on_device(device):
    m = zoo.nn.Sequential(zoo.nn.Linear(3, 2)).double().to(device)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0].device.type, go[0].device.type)))
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    x = zoo.ones(2, 3, dtype=zoo.float64, device=device, requires_grad=True)
    m(x).sum().backward()
    assert seen == [(device, device)]
    w = m[0].weight.detach().cpu().numpy()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * np.ones((2, 2)) @ w)   # pre hook doubled grad_output


def test_to_empty_on_device(device):
    m = zoo.nn.Linear(3, 2).to_empty(device=device)
    assert m.weight.device.type == device and tuple(m.weight.shape) == (2, 3)
    assert isinstance(m.weight, zoo.nn.Parameter) and m.weight.requires_grad


NEW_LAYERS = [("CosineSimilarity", (), dict(dim=0, eps=1e-6), [(3, 4), (3, 4)]),
              ("PairwiseDistance", (), dict(p=1.0, keepdim=True), [(3, 4), (3, 4)]),
              ("Fold", ((4, 5), 2), {}, [(2, 12, 12)]), ("Unfold", (2,), dict(padding=1, stride=2), [(2, 3, 4, 5)]),
              ("LPPool3d", (2, 2), {}, [(1, 2, 4, 4, 4)]), ("InstanceNorm3d", (2,), dict(affine=True), [(2, 2, 3, 3, 3)]),
              ("MultiLabelMarginLoss", (), {}, [(2, 4), "targets"])]


@pytest.mark.parametrize("name,args,kw,shapes", NEW_LAYERS, ids=[n for n, *_ in NEW_LAYERS])
def test_layers_added_for_parity(name, args, kw, shapes):
    import importlib
    zcls = getattr(zoo.nn, name, None)
    for mod in ("distance", "fold"):     # new files; zoo_core.nn re-exports them once the lead adds the imports
        zcls = zcls or getattr(importlib.import_module(f"zoo_core.nn.modules.{mod}"), name, None)
    zm, tm = zcls(*args, **kw).double(), getattr(torch.nn, name)(*args, **kw).double()
    assert repr(zm) == repr(tm)
    zm.load_state_dict({k: zoo.tensor(_np(v)) for k, v in tm.state_dict().items()})
    rs = np.random.RandomState(5)
    ins = [np.array([[3, 0, -1, 1], [1, 2, 3, -1]]) if s == "targets" else np.abs(rs.randn(*s)) + 0.1 for s in shapes]
    zi = [zoo.tensor(x, requires_grad=x.dtype == np.float64) for x in ins]
    ti = [torch.tensor(x, requires_grad=x.dtype == np.float64) for x in ins]
    zo, to = zm(*zi), tm(*ti)
    np.testing.assert_allclose(_np(zo), _np(to), rtol=1e-9, atol=1e-12)
    zo.sum().backward()
    to.sum().backward()
    for a, b in zip(zi, ti):
        if b.grad is not None:
            np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-9, atol=1e-12)
