"""``nn.init``: PyTorch's gains, fans and bounds (exact), the distributions (statistics on large tensors),
in-place semantics on parameters, generators and seeding, and the default init of Linear/Conv2d."""
import math
import warnings

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t, dtype=np.float64)


def _spy(monkeypatch, cls, name):
    """Record the arguments of ``cls.name`` calls (the bounds/std an initialiser passes on)."""
    calls, orig = [], getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        calls.append(args)
        return orig(self, *args, **kwargs)
    monkeypatch.setattr(cls, name, wrapper)
    return calls


# ---- calculate_gain and fans ---------------------------------------------------------------------
@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))


@pytest.mark.parametrize("param", [None, 0, 1, 3, 0.2, math.sqrt(5), -0.5])
def test_calculate_gain_leaky_relu_param(param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain("leaky_relu", param)


@pytest.mark.parametrize("param", [True, "0.1", [0.1]])
def test_calculate_gain_bad_slope(param):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.nn.init.calculate_gain("leaky_relu", param)
    with pytest.raises(ValueError) as ours:
        init.calculate_gain("leaky_relu", param)
    assert str(ours.value) == str(theirs.value)


def test_calculate_gain_unsupported():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 3, 2, 2), (6, 2, 5), (2, 3, 1, 2, 4), (0, 7), (7, 0, 3)])
def test_fan_in_and_fan_out_matches_torch(shape):
    torch = pytest.importorskip("torch")
    ours = init._calculate_fan_in_and_fan_out(zoo_core.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert all(type(f) is int for f in ours)


def test_fan_in_and_fan_out_conv_shape():
    # Conv2d(3 -> 8, 5x5): fan_in = 3 * 25, fan_out = 8 * 25
    assert init._calculate_fan_in_and_fan_out(zoo_core.empty(8, 3, 5, 5)) == (75, 200)
    assert init._calculate_fan_in_and_fan_out(zoo_core.empty(4, 6)) == (6, 4)


@pytest.mark.parametrize("shape", [(5,), ()])
def test_fan_needs_two_dims(shape):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(zoo_core.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(zoo_core.empty(*shape))


# ---- uniform, normal, trunc_normal ------------------------------------------------------------------
def test_uniform_statistics():
    w = init.uniform_(zoo_core.empty(200, 500), -3.0, 5.0)
    x = _np(w)
    assert x.min() >= -3.0 and x.max() < 5.0
    assert x.min() < -2.99 and x.max() > 4.99
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.std() - 8 / math.sqrt(12)) < 0.02
    d = _np(init.uniform_(zoo_core.empty(1000)))   # default U(0, 1)
    assert d.min() >= 0 and d.max() < 1


def test_normal_statistics():
    x = _np(init.normal_(zoo_core.empty(200, 500), 2.0, 0.5))
    assert abs(x.mean() - 2.0) < 0.01
    assert abs(x.std() - 0.5) < 0.01
    y = _np(init.normal_(zoo_core.empty(100000)))   # default N(0, 1)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def _check_normal(x, std):
    """Sample mean and std within 5 standard errors of N(0, std^2) (fixed seeds: this never flakes)."""
    n = x.size
    assert abs(x.mean()) < 5 * std / math.sqrt(n)
    assert abs(x.std() - std) < 5 * std * math.sqrt(0.5 / n)


def _truncnorm_moments(mean, std, a, b):
    phi = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)   # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))            # noqa: E731
    al, be = (a - mean) / std, (b - mean) / std
    z = cdf(be) - cdf(al)
    m = mean + std * (phi(al) - phi(be)) / z
    var = std ** 2 * (1 + (al * phi(al) - be * phi(be)) / z - ((phi(al) - phi(be)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [
    (0.0, 1.0, -2.0, 2.0),      # the defaults
    (0.0, 0.02, -0.04, 0.04),   # the ViT / timm usage
    (1.0, 2.0, -1.0, 2.0),      # asymmetric window
    (0.0, 1.0, 0.5, 1.0),       # little mass inside: the rejection-from-uniform path
    (0.0, 1.0, 3.0, 4.0),       # far in the tail (warns)
])
@pytest.mark.parametrize("dtype", [zoo_core.float32, zoo_core.float64])
def test_trunc_normal_in_bounds_and_moments(mean, std, a, b, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        w = init.trunc_normal_(zoo_core.empty(100000, dtype=dtype), mean, std, a, b)
    assert w.dtype == dtype
    x = _np(w)
    assert x.min() >= a and x.max() <= b
    # nothing is clipped onto the bounds (the old clamp piled mass at a/b)
    assert (x == np.float64(np.array(a, dtype=x.dtype))).sum() <= 2
    assert (x == np.float64(np.array(b, dtype=x.dtype))).sum() <= 2
    m, s = _truncnorm_moments(mean, std, a, b)
    assert abs(x.mean() - m) < 0.02 * s + 1e-6
    assert abs(x.std() - s) < 0.02 * s


def test_trunc_normal_bounds_in_low_precision():
    x = init.trunc_normal_(zoo_core.empty(20000, dtype=zoo_core.float16), 0.0, 1.0, -0.1, 0.3)
    assert x.dtype == zoo_core.float16
    assert float(x.min()) >= float(np.float16(-0.1)) and float(x.max()) <= float(np.float16(0.3))


def test_trunc_normal_warns_far_mean_and_rejects_bad_args():
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(zoo_core.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(zoo_core.empty(10), mean=3.0, std=1.0)   # within 2 std of b: no warning
    with pytest.raises(RuntimeError, match="std > 0.0"):
        init.trunc_normal_(zoo_core.empty(3), std=0.0)
    with pytest.raises(RuntimeError, match="a=2.0 > b=1.0"):
        init.trunc_normal_(zoo_core.empty(3), a=2.0, b=1.0)
    x = init.trunc_normal_(zoo_core.empty(5), mean=0.0, std=1.0, a=0.5, b=0.5)   # a point
    assert x.tolist() == [0.5] * 5


# ---- constant, ones, zeros, eye -----------------------------------------------------------------
def test_constant_ones_zeros():
    w = zoo_core.empty(3, 4)
    assert init.constant_(w, 0.25).tolist() == [[0.25] * 4] * 3
    assert init.ones_(w).tolist() == [[1.0] * 4] * 3
    assert init.zeros_(w).tolist() == [[0.0] * 4] * 3
    i = init.constant_(zoo_core.empty(2, dtype=zoo_core.int64), 7)
    assert i.dtype == zoo_core.int64 and i.tolist() == [7, 7]


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1)])
def test_eye_matches_torch(shape):
    torch = pytest.importorskip("torch")
    ours = init.eye_(zoo_core.empty(*shape))
    np.testing.assert_array_equal(_np(ours), _np(torch.nn.init.eye_(torch.empty(*shape))))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_eye_needs_2d(shape):
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(zoo_core.empty(*shape))


# ---- dirac ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [
    ((4, 4, 3), 1), ((6, 3, 5), 1), ((2, 5, 3), 1), ((4, 2, 3, 3), 1), ((3, 4, 2, 4), 1), ((6, 2, 3, 3), 3),
    ((4, 3, 3, 3), 2), ((4, 4, 3, 3, 3), 1), ((4, 2, 1, 3, 2), 2)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    ours = init.dirac_(zoo_core.empty(*shape), groups=groups)
    np.testing.assert_array_equal(_np(ours), _np(torch.nn.init.dirac_(torch.empty(*shape), groups=groups)))


@pytest.mark.parametrize("channels,groups", [(3, 1), (4, 2), (6, 3), (4, 4)])
def test_dirac_conv2d_is_identity(channels, groups):
    w = init.dirac_(zoo_core.empty(channels, channels // groups, 3, 5), groups=groups)
    x = zoo_core.randn(2, channels, 6, 7)
    y = F.conv2d(x, w, padding=(1, 2), groups=groups)
    np.testing.assert_allclose(_np(y), _np(x), atol=1e-6)


def test_dirac_conv1d_is_identity():
    w = init.dirac_(zoo_core.empty(4, 4, 3))
    x = zoo_core.randn(2, 4, 9)
    np.testing.assert_allclose(_np(F.conv1d(x, w, padding=1)), _np(x), atol=1e-6)


def test_dirac_errors():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(zoo_core.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(zoo_core.empty(5, 2, 3, 3), groups=2)


# ---- xavier and kaiming --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, init.calculate_gain("relu")])
def test_xavier_uniform(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(zoo_core.empty(*shape))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    x = _np(init.xavier_uniform_(zoo_core.empty(*shape), gain=gain))
    assert np.abs(x).max() <= bound * (1 + 1e-6)
    assert np.abs(x).max() > 0.99 * bound
    assert abs(x.std() - bound / math.sqrt(3)) < 0.02 * bound


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 5.0 / 3])
def test_xavier_normal(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(zoo_core.empty(*shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    _check_normal(_np(init.xavier_normal_(zoo_core.empty(*shape), gain=gain)), std)


KAIMING = [dict(), dict(a=math.sqrt(5)), dict(a=0.2, mode="fan_out"), dict(mode="fan_out", nonlinearity="relu"),
           dict(mode="FAN_IN", nonlinearity="tanh"), dict(nonlinearity="linear"), dict(nonlinearity="selu")]


@pytest.mark.parametrize("kwargs", KAIMING)
@pytest.mark.parametrize("shape", [(256, 300), (64, 16, 3, 3)])
def test_kaiming_uniform(kwargs, shape):
    w = zoo_core.empty(*shape)
    fan = init._calculate_fan_in_and_fan_out(w)[kwargs.get("mode", "fan_in").lower() == "fan_out"]
    gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    bound = gain * math.sqrt(3.0 / fan)
    x = _np(init.kaiming_uniform_(w, **kwargs))
    assert np.abs(x).max() <= bound * (1 + 1e-6)
    assert np.abs(x).max() > 0.99 * bound
    assert abs(x.std() - bound / math.sqrt(3)) < 0.02 * bound


@pytest.mark.parametrize("kwargs", KAIMING)
@pytest.mark.parametrize("shape", [(256, 300), (64, 16, 3, 3)])
def test_kaiming_normal(kwargs, shape):
    w = zoo_core.empty(*shape)
    fan = init._calculate_fan_in_and_fan_out(w)[kwargs.get("mode", "fan_in").lower() == "fan_out"]
    std = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0)) / math.sqrt(fan)
    _check_normal(_np(init.kaiming_normal_(w, **kwargs)), std)


@pytest.mark.parametrize("name,method,kwargs", [
    ("xavier_uniform_", "uniform_", dict(gain=1.3)), ("kaiming_uniform_", "uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", "uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("xavier_normal_", "normal_", dict(gain=0.7)), ("kaiming_normal_", "normal_", dict(a=0.1, mode="fan_out")),
    ("uniform_", "uniform_", dict(a=-2, b=3)), ("normal_", "normal_", dict(mean=1, std=3))])
@pytest.mark.parametrize("shape", [(7, 5), (6, 4, 3, 2)])
def test_bounds_passed_to_sampler_equal_torch(monkeypatch, name, method, kwargs, shape):
    """The exact bounds / std each initialiser hands to ``uniform_`` / ``normal_``, against PyTorch's."""
    torch = pytest.importorskip("torch")
    ours = _spy(monkeypatch, zoo_core.Tensor, method)
    theirs = _spy(monkeypatch, torch.Tensor, method)
    getattr(init, name)(zoo_core.empty(*shape), **kwargs)
    getattr(torch.nn.init, name)(torch.empty(*shape), **kwargs)
    assert len(ours) == len(theirs) == 1
    assert [float(v) for v in ours[0]] == [float(v) for v in theirs[0]]


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("shape", [(0, 3), (4, 0, 3, 3)])
def test_kaiming_zero_element_warns(fn, shape):
    w = zoo_core.empty(*shape)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert fn(w) is w


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_errors(fn):
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        fn(zoo_core.empty(3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        fn(zoo_core.empty(3, 4), nonlinearity="swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fn(zoo_core.empty(3))


# ---- orthogonal ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 3), (20, 2, 2), (1, 7), (7, 1)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("dtype,tol", [(zoo_core.float64, 1e-10), (zoo_core.float32, 1e-5)])
def test_orthogonal(shape, gain, dtype, tol):
    w = init.orthogonal_(zoo_core.empty(*shape, dtype=dtype), gain=gain)
    assert tuple(w.shape) == shape and w.dtype == dtype
    m = _np(w).reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=tol * gain ** 2)


def test_orthogonal_is_not_degenerate():
    # the sign fix keeps Q Haar-distributed: entries are spread, not a permutation matrix or the identity
    x = _np(init.orthogonal_(zoo_core.empty(64, 64)))
    assert abs(x.std() - 1 / 8) < 0.01
    assert (np.abs(x) > 1e-3).mean() > 0.95


def test_orthogonal_errors_and_empty():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(zoo_core.empty(4))
    e = zoo_core.empty(0, 3)
    assert init.orthogonal_(e) is e


# ---- sparse --------------------------------------------------------------------------------------
@pytest.mark.parametrize("rows,cols,sparsity", [(10, 6, 0.1), (10, 6, 0.25), (7, 3, 0.5), (50, 40, 0.9),
                                                (5, 4, 0.0), (5, 4, 1.0)])
def test_sparse_zeros_per_column(rows, cols, sparsity):
    torch = pytest.importorskip("torch")
    x = _np(init.sparse_(zoo_core.empty(rows, cols), sparsity, std=0.5))
    expected = math.ceil(sparsity * rows)
    assert (x == 0).sum(axis=0).tolist() == [expected] * cols
    ref = _np(torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=0.5))
    assert (ref == 0).sum(axis=0).tolist() == [expected] * cols


def test_sparse_zero_rows_differ_between_columns_and_values_are_normal():
    x = _np(init.sparse_(zoo_core.empty(100, 300), 0.3, std=0.05))
    zero_rows = (x == 0)
    assert len({tuple(np.flatnonzero(c)) for c in zero_rows.T}) > 250   # independent per column
    # every row is zeroed about 30% of the time
    assert np.all(np.abs(zero_rows.mean(axis=1) - 0.3) < 0.15)
    nz = x[x != 0]
    assert abs(nz.mean()) < 0.003 and abs(nz.std() - 0.05) < 0.002


def test_sparse_errors():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.sparse_(zoo_core.empty(3, 3, 3), 0.1)
    with pytest.raises(ValueError, match="sparsity must be in"):
        init.sparse_(zoo_core.empty(3, 3), -0.5)


# ---- common behaviour: parameters, versions, generators, seeding -----------------------------------
RANDOM_INITS = {
    "uniform_": lambda t, **g: init.uniform_(t, -1, 1, **g),
    "normal_": lambda t, **g: init.normal_(t, 0.5, 2.0, **g),
    "trunc_normal_": lambda t, **g: init.trunc_normal_(t, **g),
    "trunc_normal_tail": lambda t, **g: init.trunc_normal_(t, 0.0, 1.0, 1.0, 1.5, **g),
    "xavier_uniform_": lambda t, **g: init.xavier_uniform_(t, **g),
    "xavier_normal_": lambda t, **g: init.xavier_normal_(t, **g),
    "kaiming_uniform_": lambda t, **g: init.kaiming_uniform_(t, a=math.sqrt(5), **g),
    "kaiming_normal_": lambda t, **g: init.kaiming_normal_(t, mode="fan_out", **g),
    "orthogonal_": lambda t, **g: init.orthogonal_(t, **g),
    "sparse_": lambda t, **g: init.sparse_(t, 0.5, **g),
}
FIXED_INITS = {
    "constant_": lambda t: init.constant_(t, 0.3),
    "ones_": init.ones_,
    "zeros_": init.zeros_,
    "eye_": init.eye_,
    "dirac_": init.dirac_,
}
ALL_INITS = {**RANDOM_INITS, **FIXED_INITS}
EXTRA_DIMS = {"dirac_": (1,)}   # dirac_ takes conv weights: (out, in, k)


@pytest.mark.parametrize("name", list(ALL_INITS))
def test_in_place_on_parameter(name, device):
    shape = (8, 6) + EXTRA_DIMS.get(name, ())
    p = nn.Parameter(zoo_core.full(shape, 9.0, device=device))
    v = p._version
    assert ALL_INITS[name](p) is p
    assert p._version > v
    assert p.requires_grad and p.is_leaf and p.grad_fn is None and p.grad is None
    assert isinstance(p, nn.Parameter) and p.dtype == zoo_core.float32
    assert not (_np(p) == 9.0).any()   # every element was written
    (p * 2).sum().backward()           # still an ordinary leaf for autograd
    np.testing.assert_array_equal(_np(p.grad), np.full(shape, 2.0))


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_generator(name, device):
    def draw(seed):
        g = zoo_core.Generator(device).manual_seed(seed)
        return _np(RANDOM_INITS[name](zoo_core.empty(8, 6, device=device), generator=g))
    a, b, c = draw(1), draw(1), draw(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # the generator is used instead of the global one: reseeding the global one changes nothing
    zoo_core.manual_seed(5)
    d = draw(1)
    np.testing.assert_array_equal(a, d)


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_manual_seed_reproducible(name):
    zoo_core.manual_seed(123)
    a = _np(RANDOM_INITS[name](zoo_core.empty(8, 6)))
    b = _np(RANDOM_INITS[name](zoo_core.empty(8, 6)))
    zoo_core.manual_seed(123)
    c = _np(RANDOM_INITS[name](zoo_core.empty(8, 6)))
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", list(ALL_INITS))
def test_writes_through_a_non_contiguous_view(name):
    base = zoo_core.full((6, 16) + EXTRA_DIMS.get(name, ()), 9.0)
    view = base[:, ::2]   # (6, 8, ...), shares storage with base
    ALL_INITS[name](view)
    b = _np(base)
    assert not (b[:, ::2] == 9.0).any()
    assert (b[:, 1::2] == 9.0).all()
    np.testing.assert_array_equal(_np(view), b[:, ::2])


def test_float64_tensors_stay_float64():
    for name, fn in ALL_INITS.items():
        w = fn(zoo_core.empty((8, 6) + EXTRA_DIMS.get(name, ()), dtype=zoo_core.float64))
        assert w.dtype == zoo_core.float64, name


@pytest.mark.parametrize("old,args", [("uniform", ()), ("normal", ()), ("constant", (1.0,)), ("eye", ()),
                                      ("xavier_uniform", ()), ("xavier_normal", ()), ("kaiming_uniform", ()),
                                      ("kaiming_normal", ()), ("orthogonal", ()), ("sparse", (0.5,))])
def test_deprecated_aliases_warn(old, args):
    w = zoo_core.empty(4, 4)
    with pytest.warns(FutureWarning, match=f"nn.init.{old}` is now deprecated in favor of `nn.init.{old}_"):
        assert getattr(init, old)(w, *args) is w
    with pytest.warns(FutureWarning):
        init.dirac(zoo_core.empty(2, 2, 3))


def test_public_names_match_torch():
    torch = pytest.importorskip("torch")
    assert sorted(init.__all__) == sorted(torch.nn.init.__all__)
    for name in init.__all__:
        assert callable(getattr(init, name)), name


# ---- default initialisation of layers -------------------------------------------------------------
@pytest.mark.parametrize("make,fan_in", [
    (lambda nn: nn.Linear(64, 300), 64),
    (lambda nn: nn.Linear(3, 500), 3),
    (lambda nn: nn.Conv2d(8, 64, 3), 8 * 9),
    (lambda nn: nn.Conv2d(6, 42, (3, 2), groups=3), 2 * 6),
])
def test_default_layer_init_within_torch_bounds(make, fan_in):
    """PyTorch documents U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight and the bias of both layers."""
    torch = pytest.importorskip("torch")
    bound = 1 / math.sqrt(fan_in)
    ours, theirs = make(nn), make(torch.nn)
    for name in ("weight", "bias"):
        x, ref = _np(getattr(ours, name)), _np(getattr(theirs, name))
        assert x.shape == ref.shape
        assert np.abs(x).max() <= bound * (1 + 1e-6)
        assert np.abs(ref).max() <= bound * (1 + 1e-6)
        # spread over the whole interval, like PyTorch's, not a narrower one
        assert np.abs(x).max() > 0.9 * bound
        if x.size >= 1000:
            assert abs(x.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert ours.weight.requires_grad and ours.bias.requires_grad
