"""Tensor printing: the same values print exactly as PyTorch prints them (with ``zoo_core.`` for ``torch.``)."""
import numpy as np
import pytest

import zoo_core
from zoo_core import _tensor_str
from zoo_core._tensor_str import set_printoptions

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
nan, inf = float("nan"), float("inf")

ARRAYS = {
    "floats": np.array([1.0, 2.0, 3.0], np.float32),
    "matrix": np.array([[0.1234, -1.5], [2.0, 3.0]], np.float32),
    "ints": np.array([1, 2, 3]),
    "neg_ints": np.array([-120, 5, 33000]),
    "int32": np.array([[1, -2], [30, 4]], np.int32),
    "int16": np.array([7, -8], np.int16),
    "int8": np.array([-128, 127], np.int8),
    "uint8": np.array([0, 255, 7], np.uint8),
    "bools": np.array([True, False]),
    "bool_matrix": np.array([[True, False, True], [False, False, True]]),
    "small_sci": np.array([1e-5, 1.0], np.float32),
    "big_sci": np.array([1e10, 1.0], np.float32),
    "ratio_sci": np.array([0.5, 2000.0], np.float32),
    "ratio_not_sci": np.array([0.5, 400.0], np.float32),
    "above_1e8": np.array([3e8, 2.0], np.float32),
    "int_valued": np.array([100.0, -2.0, 0.0], np.float32),
    "int_valued_sci": np.array([1e9, 1.0], np.float32),
    "nan_inf": np.array([nan, inf, -inf, 0.0], np.float32),
    "nan_and_values": np.array([1.5, nan, -2.25], np.float32),
    "nan_and_ints": np.array([1.0, nan, -inf], np.float32),
    "only_nan": np.array([nan], np.float32),
    "zeros": np.zeros((2, 3), np.float32),
    "neg_zero": np.array([-0.0, 0.0, 1.5], np.float32),
    "rounding_up": np.array([9.99996, 1.0], np.float32),
    "mixed_widths": np.array([123.456, -1.5, 0.001], np.float32),
    "float64": np.array([1.5, -2.0], np.float64),
    "float64_ints": np.array([[1.0, 2.0]], np.float64),
    "float16": np.array([1.0, 2.5, -3.0], np.float16),
    "float16_big": np.array([60000.0, 0.5], np.float16),
    "big_ints": np.array([2 ** 40, -5]),
    "randn_row": _rng.standard_normal(30).astype(np.float32),
    "randn_row64": _rng.standard_normal(7),
    "arange_row": np.arange(40),
    "randn_3d": _rng.standard_normal((2, 3, 4)).astype(np.float32),
    "randn_4d": _rng.standard_normal((2, 2, 2, 2)).astype(np.float32),
    "wide_matrix": (_rng.standard_normal((3, 12)) * 100).astype(np.float32),
    "summarised_1d": np.arange(2000.0, dtype=np.float32),
    "summarised_ints": np.arange(1001),
    "summarised_2d": _rng.standard_normal((50, 50)).astype(np.float32),
    "summarised_3d": _rng.standard_normal((10, 10, 20)).astype(np.float32),
    "summarised_narrow": _rng.standard_normal((1200, 2)).astype(np.float32),
    "summarised_sci": np.concatenate([np.full(600, 1e-6), np.full(600, 5.0)]).astype(np.float32),
    "scalar": np.array(3.5, np.float32),
    "scalar_int_valued": np.array(3.0, np.float32),
    "scalar_int": np.array(-2),
    "scalar_bool": np.array(True),
    "scalar_nan": np.array(nan, np.float32),
    "scalar_float64": np.array(0.125, np.float64),
    "scalar_small": np.array(1e-7, np.float32),
    "empty": np.zeros(0, np.float32),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_3d_int32": np.zeros((2, 0, 3), np.int32),
    "empty_int64": np.zeros(0, np.int64),
    "empty_bool": np.zeros((0,), np.bool_),
    "empty_float64": np.zeros((3, 0), np.float64),
}


def _pair(a):
    return zoo_core.from_numpy(a.copy()), torch.from_numpy(a.copy())


def _expected(t):
    return repr(t).replace("torch.", "zoo_core.")


@pytest.fixture(autouse=True)
def _default_options():
    yield
    set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    zoo_core.set_default_dtype(zoo_core.float32) if hasattr(zoo_core, "set_default_dtype") else None
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", list(ARRAYS))
def test_repr_matches_torch(name):
    z, t = _pair(ARRAYS[name])
    assert repr(z) == _expected(t)
    assert str(z) == repr(z)


def test_known_layouts():
    assert repr(zoo_core.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(zoo_core.tensor([[0.1234, -1.5], [2.0, 3.0]])) == (
        "tensor([[ 0.1234, -1.5000],\n        [ 2.0000,  3.0000]])")
    assert repr(zoo_core.tensor([True, False])) == "tensor([ True, False])"
    assert repr(zoo_core.tensor(3.5)) == "tensor(3.5000)"
    assert repr(zoo_core.tensor([])) == "tensor([])"
    assert repr(zoo_core.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(zoo_core.tensor([1, 2], dtype=zoo_core.float64)) == "tensor([1., 2.], dtype=zoo_core.float64)"


OPTIONS = [
    dict(precision=2),
    dict(precision=6),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=40),
    dict(linewidth=20),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("name", ["matrix", "randn_row", "arange_row", "small_sci", "summarised_2d",
                                  "randn_3d", "scalar", "bools", "float64", "empty_2d"])
def test_print_options_match_torch(opts, name):
    set_printoptions(**opts)
    torch.set_printoptions(**opts)
    z, t = _pair(ARRAYS[name])
    assert repr(z) == _expected(t)


def test_print_options_get_and_context():
    with _tensor_str.printoptions(precision=1):
        assert repr(zoo_core.tensor([1.25])) == "tensor([1.2])"
        assert _tensor_str.get_printoptions()["precision"] == 1
    assert _tensor_str.get_printoptions()["precision"] == 4
    with pytest.raises(ValueError, match="profile"):
        set_printoptions(profile="tiny")


def test_requires_grad_and_grad_fn_suffixes():
    a = np.array([[1.5, -2.0], [0.25, 4.0]], np.float32)
    z = zoo_core.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    assert repr(z) == _expected(t)
    assert repr(z).endswith("requires_grad=True)")
    assert repr(z * 2) == _expected(t * 2)
    assert repr(z * 2).endswith("grad_fn=<MulBackward0>)")
    assert repr(z + 1) == _expected(t + 1)
    z64 = zoo_core.tensor(a.astype(np.float64), requires_grad=True)
    t64 = torch.tensor(a.astype(np.float64), requires_grad=True)
    assert repr(z64) == _expected(t64)          # dtype, then requires_grad
    assert repr(z64 * 3) == _expected(t64 * 3)


def test_suffix_wraps_past_linewidth():
    # the last line plus ", dtype=..." is longer than 80 characters: the suffix goes on its own line
    a = np.array([-1.234567, 2.5, -3.75, 4.125, -5.0625, 6.03125, -7.5, 8.25], np.float64)
    z, t = _pair(a)
    assert repr(z) == _expected(t)
    assert ",\n       dtype=zoo_core.float64)" in repr(z)
    zr = zoo_core.tensor(a, requires_grad=True)
    tr = torch.tensor(a, requires_grad=True)
    assert repr(zr) == _expected(tr)


def test_default_dtype_float64_changes_suffixes():
    zoo_core.set_default_dtype(zoo_core.float64)
    torch.set_default_dtype(torch.float64)
    for a in (np.array([1.5, 2.0]), np.array([1.5, 2.0], np.float32), np.zeros(0), np.zeros(0, np.float32)):
        z, t = _pair(a)
        assert repr(z) == _expected(t)


def test_random_values_match_torch():
    rng = np.random.default_rng(1)
    for scale in (1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9):
        for shape in ((5,), (3, 4), (2, 2, 3)):
            a = (rng.standard_normal(shape) * scale).astype(np.float32)
            z, t = _pair(a)
            assert repr(z) == _expected(t), (scale, shape)


def test_non_contiguous_and_views():
    a = np.arange(24.0, dtype=np.float32).reshape(4, 6)
    z, t = _pair(a)
    assert repr(zoo_core.from_numpy(a.T.copy()).data) == _expected(torch.from_numpy(a.T.copy()))
    zt = zoo_core.from_numpy(a.T)   # a strided numpy view
    assert repr(zt) == _expected(torch.from_numpy(a).T)


def test_subclass_prefix():
    class Buffer(zoo_core.Tensor):
        pass
    b = Buffer([1.0, 2.0])
    assert repr(b) == "Buffer([1., 2.])"


@pytest.mark.gpu
def test_cuda_repr_shows_device():
    z = zoo_core.tensor([[1.5, -2.0], [3.0, 4.25]], device="cuda")
    t = torch.tensor([[1.5, -2.0], [3.0, 4.25]])
    assert repr(z) == _expected(t)[:-1] + ", device='cuda:0')"
    big = zoo_core.arange(5000.0, device="cuda")
    assert repr(big) == _expected(torch.arange(5000.0))[:-1] + ", device='cuda:0')"
    zi = zoo_core.tensor([1, 2], dtype=zoo_core.int32, device="cuda")
    assert repr(zi) == "tensor([1, 2], device='cuda:0', dtype=zoo_core.int32)"
