"""nn.Module itself and the containers: registration, traversal, state_dict/load_state_dict, modes,
conversion, hooks, repr (compared with PyTorch's text), submodule lookup and error notes."""
from collections import OrderedDict

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn


def make_net(nn):
    """A small nested model, built the same way with either library."""
    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(c)
            self.act = nn.ReLU(inplace=True)

        def forward(self, x):
            return self.act(self.bn(self.conv(x))) + x

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), Block(8), nn.MaxPool2d(2),
                                          nn.Conv2d(8, 16, 3, stride=2))
            self.heads = nn.ModuleDict({"cls": nn.Linear(16, 4), "reg": nn.Sequential(nn.Linear(16, 2), nn.Tanh())})
            self.extra = nn.ModuleList([nn.Dropout(0.1), nn.Identity()])
            self.register_buffer("scale", nn.Parameter(zoo_or_torch(nn).ones(1)).detach() * 2)
            self.register_buffer("step", zoo_or_torch(nn).zeros(1), persistent=False)

        def forward(self, x):
            f = self.features(x).mean((2, 3)) * self.scale
            return self.heads["cls"](self.extra[0](f)), self.heads["reg"](f)
    return Net()


def zoo_or_torch(nn_module):
    return zoo_core if nn_module is nn else __import__("torch")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# ---- registration -------------------------------------------------------------------------------
def test_attributes_register_parameters_modules_and_buffers():
    m = nn.Module()
    m.w = nn.Parameter(zoo_core.ones(2))
    m.sub = nn.Linear(2, 3)
    m.register_buffer("running", zoo_core.zeros(2))
    m.plain = zoo_core.ones(1)                      # a plain tensor is just an attribute
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["running"]
    assert "plain" not in dict(m.named_buffers())
    m.register_parameter("nothing", None)
    assert m.nothing is None and [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    m.w = None
    assert m.w is None and "w" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'zoo_core.Tensor'|cannot assign 'Tensor'"):
        m.sub.weight = zoo_core.ones(3, 2)
    m.b = nn.Buffer(zoo_core.ones(3), persistent=False)
    assert "b" in m._buffers and "b" not in m.state_dict()
    del m.sub
    assert "sub" not in m._modules


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(zoo_core.ones(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__\\(\\) call"):
        Early()
    m = nn.Module()
    with pytest.raises(KeyError, match="parameter name can.*t contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", zoo_core.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'x'"):
        m.register_buffer("x", [1, 2])
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing


def test_replacing_a_parameter_keeps_its_position():
    m = nn.Linear(2, 2)
    m.weight = nn.Parameter(zoo_core.ones(2, 2))
    assert list(m.state_dict()) == ["weight", "bias"]


def test_buffer_name_clashing_with_a_parameter_is_rejected():
    m = nn.Module()
    m.register_parameter("x", nn.Parameter(zoo_core.ones(1)))
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", zoo_core.ones(1))


# ---- traversal ----------------------------------------------------------------------------------
def test_named_members_match_torch(torch):
    z, t = make_net(nn), make_net(torch.nn)
    assert [n for n, _ in z.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in z.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in z.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in z.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in z.named_parameters(prefix="model")] == [n for n, _ in t.named_parameters(prefix="model")]
    assert [n for n, _ in z.named_modules(prefix="m")] == [n for n, _ in t.named_modules(prefix="m")]
    assert [n for n, _ in z.features.named_parameters(recurse=False)] == []
    assert [n for n, _ in z.named_buffers(recurse=False)] == ["scale", "step"]
    assert len(list(z.parameters())) == len(list(t.parameters()))
    assert len(list(z.modules())) == len(list(t.modules()))


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "2.weight",
                                                                           "2.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in seq.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    seq.append(nn.Linear(2, 2))
    seq[3].weight = seq[0].weight                   # tied weights
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "3.bias"]


# ---- state dict ---------------------------------------------------------------------------------
def test_state_dict_keys_order_and_metadata_match_torch(torch):
    z, t = make_net(nn), make_net(torch.nn)
    zs, ts = z.state_dict(), t.state_dict()
    assert list(zs) == list(ts)
    assert dict(zs._metadata) == {k: dict(v) for k, v in ts._metadata.items()}
    assert "step" not in zs                          # non-persistent buffer
    assert all(not v.requires_grad for v in zs.values())
    kv = z.state_dict(keep_vars=True)
    assert kv["features.0.weight"] is z.features[0].weight
    assert list(z.heads.state_dict(prefix="h.")) == list(t.heads.state_dict(prefix="h."))


def test_state_dict_round_trip_with_torch(torch):
    z, t = make_net(nn), make_net(torch.nn)
    t.eval(), z.eval()
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in z.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    with torch.no_grad():
        to = t(torch.from_numpy(x))
    zo = z(zoo_core.from_numpy(x))
    for a, b in zip(zo, to):
        np.testing.assert_allclose(a.detach().numpy(), b.numpy(), atol=1e-5)


def test_load_state_dict_copies_in_place():
    m = nn.Linear(2, 3)
    w = m.weight
    r = m.load_state_dict({"weight": zoo_core.ones(3, 2), "bias": zoo_core.zeros(3)})
    assert m.weight is w and w.tolist() == [[1.0, 1.0]] * 3 and w.requires_grad
    assert repr(r) == "<All keys matched successfully>" and r.missing_keys == [] and r.unexpected_keys == []


def test_load_state_dict_reports_missing_unexpected_and_mismatched():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = OrderedDict([("0.weight", zoo_core.ones(3, 2)), ("1.weight", zoo_core.ones(1, 4)),
                      ("1.bias", zoo_core.ones(1)), ("extra.w", zoo_core.ones(1))])
    r = m.load_state_dict(sd, strict=False)
    assert r.missing_keys == ["0.bias"] and r.unexpected_keys == ["extra.w"]
    assert list(r.mismatched_keys) == [("1.weight", (1, 4), (1, 3))]
    assert m[0].weight.tolist() == [[1.0, 1.0]] * 3 and m[1].bias.tolist() == [1.0]
    assert m[1].weight.shape == (1, 3)              # the mismatched entry was skipped
    missing, unexpected = r                          # still unpacks like PyTorch's namedtuple
    assert missing == ["0.bias"]


def test_load_state_dict_strict_error_lists_everything():
    m = nn.Sequential(nn.Linear(2, 3))
    sd = {"0.weight": zoo_core.ones(3, 4), "1.bias": zoo_core.ones(1)}
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "1.bias".' in msg
    assert ("size mismatch for 0.weight: copying a param with shape zoo_core.Size([3, 4]) from checkpoint, the "
            "shape in current model is zoo_core.Size([3, 2]).") in msg


def test_load_state_dict_assign():
    m = nn.Linear(2, 1)
    new_w = zoo_core.full((1, 2), 5.0)
    m.load_state_dict({"weight": new_w, "bias": zoo_core.zeros(1)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad and m.weight.tolist() == [[5.0, 5.0]]


# ---- modes, conversion, utilities ---------------------------------------------------------------
def test_train_eval_recursive():
    m = make_net(nn)
    assert all(s.training for s in m.modules())
    assert m.eval() is m and not any(s.training for s in m.modules())
    m.train()
    assert all(s.training for s in m.modules())
    m.features.train(False)
    assert m.training and not m.features[2].bn.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_to_double_half_keep_identity_and_int_buffers():
    m = make_net(nn)
    w = m.features[0].weight
    assert m.double() is m and m.features[0].weight is w and w.dtype == zoo_core.float64
    bn = m.features[2].bn
    assert bn.running_mean.dtype == zoo_core.float64 and bn.num_batches_tracked.dtype == zoo_core.int64
    m.half()
    assert w.dtype == zoo_core.float16
    m.to(zoo_core.float32)
    assert w.dtype == zoo_core.float32 and w.requires_grad
    m.to("cpu")
    assert w.device.type == "cpu"
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point dtypes"):
        m.to(zoo_core.int32)


def test_to_converts_existing_grads():
    m = nn.Linear(2, 2)
    m(zoo_core.ones(1, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == zoo_core.float64


def test_apply_visits_children_first():
    seen = []
    net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_apply_for_custom_init():
    net = nn.Sequential(nn.Linear(3, 3), nn.Conv2d(1, 1, 1))

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
    net.apply(init_weights)
    assert net[0].weight.tolist() == [[0.5] * 3] * 3 and net[1].weight.tolist() != [[[[0.5]]]]


def test_zero_grad_and_requires_grad():
    m = nn.Linear(2, 2)
    m(zoo_core.ones(1, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.tolist() == [[0.0, 0.0]] * 2
    m.zero_grad()
    assert m.weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert not m(zoo_core.ones(1, 2)).requires_grad
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


# ---- hooks --------------------------------------------------------------------------------------
def test_forward_hooks_modify_and_remove():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(zoo_core.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(zoo_core.zeros(1, 2)).detach().numpy(), m.bias.detach().numpy()[None], rtol=1e-6)


def test_hook_kwargs_prepend_and_context_manager():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    m(zoo_core.ones(1))
    assert order == ["b", "a"]
    seen = {}

    def pre(mod, args, kwargs):
        seen.update(kwargs)
        return args, kwargs
    with m.register_forward_pre_hook(pre, with_kwargs=True):
        m(zoo_core.ones(1))
    assert seen == {}
    out = []
    with nn.register_module_forward_hook(lambda mod, args, o: out.append(type(mod).__name__)):
        nn.Sequential(nn.ReLU())(zoo_core.ones(1))
    nn.ReLU()(zoo_core.ones(1))
    assert out == ["ReLU", "Sequential"]


def test_forward_hook_capturing_features():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    feats = {}
    net[1].register_forward_hook(lambda m, a, o: feats.__setitem__("relu", o.detach()))
    net(zoo_core.randn(5, 4))
    assert feats["relu"].shape == (5, 3) and (feats["relu"].numpy() >= 0).all()


# ---- repr ---------------------------------------------------------------------------------------
def test_repr_matches_torch_for_a_nested_model(torch):
    assert repr(make_net(nn)) == repr(make_net(torch.nn))


def test_repr_of_containers_matches_torch(torch):
    for ctor in [lambda nn: nn.Sequential(), lambda nn: nn.ModuleList(),
                 lambda nn: nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.GELU())])),
                 lambda nn: nn.ModuleDict({"a": nn.ReLU(), "b": nn.ModuleList([nn.Linear(1, 1)])})]:
        assert repr(ctor(nn)) == repr(ctor(torch.nn))


def test_repr_of_parameter_list_matches_torch(torch):
    z = nn.ParameterList([nn.Parameter(zoo_core.ones(2, 3)), nn.Parameter(zoo_core.ones(4))])
    t = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.nn.Parameter(torch.ones(4))])
    assert repr(z) == repr(t).replace("torch.", "zoo_core.")


def test_repr_of_parameter_dict_matches_torch(torch):
    z = nn.ParameterDict({"w": nn.Parameter(zoo_core.ones(2))})
    t = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.ones(2))})
    assert repr(z) == repr(t).replace("torch.", "zoo_core.")


def test_extra_repr_multiline():
    class M(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"
    assert repr(M()) == "M(\n  a=1\n  b=2\n)"


# ---- lookup and error notes ---------------------------------------------------------------------
def test_get_submodule_parameter_buffer():
    m = make_net(nn)
    assert m.get_submodule("features.2.bn") is m.features[2].bn
    assert m.get_submodule("") is m
    assert m.get_parameter("heads.cls.weight") is m.heads["cls"].weight
    assert m.get_buffer("features.2.bn.running_mean") is m.features[2].bn.running_mean
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_submodule("features.nope")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        m.get_parameter("features.2.bn.running_mean")


def test_error_note_names_the_module_path():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(32, 64, kernel_size=3))

        def forward(self, x):
            return self.features(x)
    net = Net()
    net.features[3] = nn.Conv2d(16, 64, kernel_size=3)   # wrong in_channels: fails inside features.3
    with pytest.raises(RuntimeError) as e:
        net(zoo_core.randn(1, 3, 16, 16))
    notes = getattr(e.value, "__notes__", [])
    assert any("features.3 (Conv2d(16, 64, kernel_size=(3, 3), stride=(1, 1)))" in n for n in notes), notes
    assert len(notes) == 1                            # one note, rewritten by each enclosing module


def test_error_note_at_the_top_level_module():
    with pytest.raises(RuntimeError) as e:
        nn.Linear(4, 2)(zoo_core.randn(3, 5))
    assert any("Linear(in_features=4, out_features=2, bias=True)" in n for n in e.value.__notes__)


def test_missing_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(zoo_core.ones(1))


# ---- containers ---------------------------------------------------------------------------------
def test_sequential_operations():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b and list(s) == [a, b]
    assert isinstance(s[0:1], nn.Sequential) and list(s[0:1]) == [a]
    s.append(c)
    assert list(s._modules) == ["0", "1", "2"]
    s.insert(1, nn.Identity())
    assert [type(m).__name__ for m in s] == ["ReLU", "Identity", "Tanh", "Sigmoid"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and s[1] is b
    assert s.pop(0) is a and len(s) == 2
    s[0] = nn.ELU()
    assert type(s[0]).__name__ == "ELU"
    s.extend([nn.ReLU()])
    assert len(s + nn.Sequential(nn.ReLU())) == 4
    with pytest.raises(IndexError):
        s[10]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert named.fc is named[0] and [n for n, _ in named.named_children()] == ["fc", "act"]
    assert nn.Sequential(nn.Linear(2, 3), nn.ReLU())(zoo_core.ones(1, 2)).shape == (1, 3)


def test_module_list_operations():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear", "Linear", "ReLU", "Tanh"]
    assert type(ml[-1]).__name__ == "Tanh" and isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(5)]
    ml += [nn.ReLU()]
    assert len(ml) == 6 and type(ml.pop()).__name__ == "ReLU"


def test_module_dict_operations():
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Linear(2, 2)
    md.update([("c", nn.Tanh())])
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["b.weight", "b.bias"]
    assert type(md.pop("a")).__name__ == "ReLU" and list(md) == ["b", "c"]
    del md["c"]
    assert list(md.items())[0][0] == "b"
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(zoo_core.ones(2)), zoo_core.zeros(3)])
    assert isinstance(pl[1], nn.Parameter) and pl[1].requires_grad        # plain tensors are wrapped
    pl.append(nn.Parameter(zoo_core.ones(1)))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"] and len(pl) == 3
    owner = nn.Module()
    owner.params = pl
    assert [n for n, _ in owner.named_parameters()] == ["params.0", "params.1", "params.2"]
    pd = nn.ParameterDict({"w": nn.Parameter(zoo_core.ones(2))})
    pd["b"] = zoo_core.zeros(1)
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["b"], nn.Parameter) and "w" in pd
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    assert list(pd.state_dict()) == ["w", "b"]
    assert pd.pop("w").shape == (2,) and list(pd) == ["b"]


def test_parameter_basics():
    p = nn.Parameter(zoo_core.ones(2))
    assert p.requires_grad and p.is_leaf and repr(p).startswith("Parameter containing:\n")
    assert not nn.Parameter(zoo_core.ones(1), requires_grad=False).requires_grad


def test_data_parallel_wraps_like_torch():
    torch = pytest.importorskip("torch")
    zp, tp = nn.DataParallel(nn.Linear(3, 2)), torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(zp.state_dict()) == list(tp.state_dict()) == ["module.weight", "module.bias"]
    zp.load_state_dict({k: zoo_core.tensor(v.detach().numpy()) for k, v in tp.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    # (torch's weights are unseeded: an output near 0 needs the absolute tolerance)
    np.testing.assert_allclose(zp(zoo_core.tensor(x)).detach().numpy(), tp(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    assert isinstance(zp.module, nn.Linear) and zp.dim == 0
