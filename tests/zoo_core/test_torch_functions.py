"""torch.result_type/can_cast/gradient/empty_permuted/*_copy and friends, against PyTorch."""
import numpy as np
import pytest

import zoo_core as zoo

torch = pytest.importorskip("torch")


GRADIENTS = [
    ((6,), {}), ((6,), {"edge_order": 2}), ((5, 4), {}), ((5, 4), {"dim": 1}), ((5, 4), {"dim": [0, 1], "spacing": 2.0}),
    ((5, 4), {"spacing": [0.5, 3.0], "edge_order": 2}), ((4, 3, 5), {"dim": -1, "spacing": 0.1}),
    ((7,), {"spacing": "coords"}), ((7,), {"spacing": "coords", "edge_order": 2}),
    ((6, 5), {"dim": 0, "spacing": "coords", "edge_order": 2}),
]


@pytest.mark.parametrize("shape,kw", GRADIENTS)
def test_gradient_matches_torch(shape, kw):
    rs = np.random.RandomState(0)
    f = rs.randn(*shape)
    coords = np.cumsum(rs.rand(shape[kw.get("dim", 0) if isinstance(kw.get("dim", 0), int) else 0]) + 0.2)
    res = []
    for lib in (zoo, torch):
        args = dict(kw)
        if args.get("spacing") == "coords":
            args["spacing"] = [lib.tensor(coords)]
        x = lib.tensor(f, requires_grad=True)
        out = lib.gradient(x, **args)
        sum(o.sum() * (i + 1) for i, o in enumerate(out)).backward()
        res.append(([o.detach().numpy() for o in out], x.grad.numpy()))
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10, atol=1e-12)


def test_gradient_errors_and_ints():
    assert zoo.gradient(zoo.tensor([1, 4, 9]))[0].dtype == torch_dtype_name("float32")
    with pytest.raises(RuntimeError, match="edge_order=1 and edge_order=2"):
        zoo.gradient(zoo.ones(4), edge_order=3)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        zoo.gradient(zoo.ones(2), edge_order=2)


def torch_dtype_name(name):
    return getattr(zoo, name)


def test_dtype_queries_match_torch():
    dts = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
    for a in dts:
        for b in dts:
            assert zoo.can_cast(getattr(zoo, a), getattr(zoo, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))
            za, zb = zoo.ones(2, dtype=getattr(zoo, a)), zoo.ones((), dtype=getattr(zoo, b))
            ta, tb = torch.ones(2, dtype=getattr(torch, a)), torch.ones((), dtype=getattr(torch, b))
            assert str(zoo.result_type(za, zb)).split(".")[1] == str(torch.result_type(ta, tb)).split(".")[1]
        for scalar in (True, 2, 2.5):
            z = zoo.result_type(zoo.ones(2, dtype=getattr(zoo, a)), scalar)
            t = torch.result_type(torch.ones(2, dtype=getattr(torch, a)), scalar)
            assert str(z).split(".")[1] == str(t).split(".")[1]
        assert zoo.is_signed(zoo.ones(1, dtype=getattr(zoo, a))) == torch.is_signed(torch.ones(1, dtype=getattr(torch, a)))


def test_copies_utilities_and_modes():
    x = np.arange(24.0).reshape(2, 3, 4)
    forms = [("view_copy", ((6, 4),)), ("permute_copy", ((2, 0, 1),)), ("t_copy", ()), ("transpose_copy", (0, 2)),
             ("unsqueeze_copy", (1,)), ("squeeze_copy", ()), ("select_copy", (1, 2)), ("split_copy", (2, 2)),
             ("unbind_copy", (1,)), ("unfold_copy", (2, 2, 1)), ("expand_copy", ((3, 2, 3, 4),)),
             ("diagonal_copy", ()), ("detach_copy", ()), ("slice_copy", (2, 1, 3)), ("narrow_copy", (1, 0, 2))]
    for name, args in forms:
        src_z, src_t = zoo.tensor(x), torch.tensor(x)
        if name == "t_copy":
            src_z, src_t = src_z[0], src_t[0]
        oz, ot = getattr(zoo, name)(src_z, *args), getattr(torch, name)(src_t, *args)
        if isinstance(oz, tuple):
            assert [o.tolist() for o in oz] == [o.tolist() for o in ot], name
        else:
            assert oz.tolist() == ot.tolist(), name
            assert oz.data_ptr() != src_z.data_ptr() or oz.numel() == 0, name
    e = zoo.empty_permuted((2, 3, 4), (0, 2, 1))
    assert e.shape == (2, 3, 4) and e.stride() == torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride()
    assert zoo.typename(zoo.ones(1)) == torch.typename(torch.ones(1)) == "torch.FloatTensor"
    assert zoo.fill(zoo.zeros(2), 3.0).tolist() == [3.0, 3.0]
    assert zoo.get_device(zoo.ones(1)) == -1 and not zoo.is_storage(zoo.ones(1))
    assert zoo.get_device_module("cuda") is zoo.cuda
    zoo.set_deterministic_debug_mode("warn")
    assert zoo.get_deterministic_debug_mode() == 1
    zoo.set_deterministic_debug_mode(0)
    try:
        zoo.set_default_tensor_type(zoo.DoubleTensor)
        assert zoo.ones(1).dtype == zoo.float64
        zoo.set_default_tensor_type("torch.FloatTensor")
        assert zoo.ones(1).dtype == zoo.float32
    finally:
        zoo.set_default_dtype(zoo.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        zoo.set_default_tensor_type(zoo.LongTensor)


def test_review_is_anomaly_check_nan_enabled_is_the_check_nan_flag():
    import zoo_core
    assert zoo_core.is_anomaly_check_nan_enabled()
    zoo_core.set_anomaly_enabled(True, False)
    try:
        assert not zoo_core.is_anomaly_check_nan_enabled()
    finally:
        zoo_core.set_anomaly_enabled(False)
    assert zoo_core.is_anomaly_check_nan_enabled() and not zoo_core.is_anomaly_enabled()
