"""Memory formats, resize_, share_memory_, apply_/map_, dim_order, as_subclass, H/real/imag."""
import multiprocessing as mp
import pickle
import sys

import numpy as np
import pytest

import zoo_core as zoo


def test_memory_format_constants_and_is_contiguous():
    x = zoo.zeros(2, 3, 4, 5)
    assert x.is_contiguous() and x.is_contiguous(memory_format=zoo.contiguous_format)
    assert not x.is_contiguous(memory_format=zoo.channels_last)
    nhwc = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert nhwc.is_contiguous(memory_format=zoo.channels_last) and not nhwc.is_contiguous()
    assert not x.is_contiguous(memory_format=zoo.channels_last_3d)
    assert repr(zoo.channels_last) == "torch.channels_last"
    assert pickle.loads(pickle.dumps(zoo.channels_last)) is zoo.channels_last
    y = x.to(memory_format=zoo.channels_last)
    assert y.shape == x.shape
    assert x.clone(memory_format=zoo.preserve_format).shape == x.shape


def test_is_contiguous_channels_last_matches_torch():
    torch = pytest.importorskip("torch")
    for shape, perm in [((2, 3, 4, 5), (0, 2, 3, 1)), ((1, 3, 1, 5), (0, 2, 3, 1)), ((2, 1, 4, 4), (0, 1, 2, 3))]:
        for lib in (zoo, torch):
            t = lib.zeros(*shape).permute(*perm).contiguous()
            inv = np.argsort(perm).tolist()
            t = t.permute(*inv)
            if lib is zoo:
                ours = (t.is_contiguous(memory_format=zoo.channels_last), t.dim_order())
            else:
                ref = (t.is_contiguous(memory_format=torch.channels_last), t.dim_order())
        assert ours == ref, (shape, perm)


def test_resize_():
    x = zoo.arange(6.0)
    x.resize_(2, 2)
    assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    x.resize_((3, 2))
    assert x.shape == (3, 2) and x[:2].tolist() == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(RuntimeError, match="require grad"):
        zoo.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="view"):
        zoo.ones(4)[:2].resize_(3)
    x.resize_as_(zoo.ones(1, 1))
    assert x.tolist() == [[0.0]]


def _child_writes(t):
    t[1] = 42.0


@pytest.mark.skipif(sys.platform == "win32" or "fork" not in mp.get_all_start_methods(), reason="needs fork")
def test_share_memory_is_seen_by_forked_process():
    t = zoo.zeros(3)
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    p = mp.get_context("fork").Process(target=_child_writes, args=(t,))
    p.start()
    p.join(30)
    assert p.exitcode == 0
    assert t.tolist() == [0.0, 42.0, 0.0]


def test_apply_and_map_():
    x = zoo.tensor([1.0, 2.0, 3.0])
    assert x.apply_(lambda v: v * 10) is x and x.tolist() == [10.0, 20.0, 30.0]
    y = zoo.tensor([[1, 2], [3, 4]])
    y.t().apply_(lambda v: -v)   # a non-contiguous view writes through to its base
    assert y.tolist() == [[-1, -2], [-3, -4]]
    x.map_(zoo.tensor([1.0, 2.0, 3.0]), lambda a, b: a + b)
    assert x.tolist() == [11.0, 22.0, 33.0]


def test_dim_order_as_subclass_and_real_forms():
    assert zoo.zeros(2, 3, 4).permute(2, 0, 1).dim_order() == (1, 2, 0)

    class Sub(zoo.Tensor):
        pass
    a = zoo.ones(2, requires_grad=True)
    s = (a * 2).as_subclass(Sub)
    assert isinstance(s, Sub) and s.grad_fn is not None
    s.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    m = zoo.arange(6.0).reshape(2, 3)
    assert m.H.shape == (3, 2) and m.mH.shape == (3, 2) and m.adjoint().shape == (3, 2)
    assert m.real is m
    with pytest.raises(RuntimeError, match="non-complex"):
        m.imag
    assert not m.is_pinned()
    if zoo.cuda.is_available():
        p = m.pin_memory()
        assert p.is_pinned() and p.tolist() == m.tolist() and not p.is_cuda
        with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
            m.cuda().pin_memory()
    else:
        with pytest.raises(RuntimeError, match="Cannot access accelerator"):
            m.pin_memory()


def test_python_protocol_messages():
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(zoo.ones(0))
    with pytest.raises(ValueError, match="only one element tensors"):
        float(zoo.ones(2))
    assert zoo.Tensor().shape == (0,)


def test_dataloader_pin_memory():
    from zoo_core.utils.data import DataLoader, TensorDataset
    ds = TensorDataset(zoo.arange(8.0).reshape(4, 2), zoo.arange(4))
    if zoo.cuda.is_available():
        batches = list(DataLoader(ds, batch_size=2, pin_memory=True))
        assert all(t.is_pinned() for b in batches for t in b)
    else:
        with pytest.warns(UserWarning, match="no accelerator is found"):
            batches = list(DataLoader(ds, batch_size=2, pin_memory=True))
        assert batches[1][0].tolist() == [[4.0, 5.0], [6.0, 7.0]]


AS_STRIDED = [
    ("windows", lambda x: x.as_strided((4, 3), (2, 1))),                       # overlapping windows
    ("transpose", lambda x: x.as_strided((3, 4), (1, 3))),
    ("offset", lambda x: x.as_strided((2, 2), (3, 1), 2)),
    ("of_view", lambda x: x.view(3, 4)[1:].as_strided((2, 3), (1, 2), 5)),
    ("outside_view", lambda x: x.view(3, 4)[1:].as_strided((2, 3), (1, 2), 1)),   # reads outside: no grad
    ("broadcast", lambda x: x.as_strided((3, 2), (0, 1))),
]


@pytest.mark.parametrize("name,fn", AS_STRIDED)
def test_as_strided_matches_torch(name, fn):
    torch = pytest.importorskip("torch")
    res = []
    for lib in (zoo, torch):
        x = lib.arange(12.0, dtype=lib.float64).requires_grad_()
        y = fn(x)
        w = lib.arange(float(y.numel()), dtype=lib.float64).view(y.shape)
        (y * w).sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), y.stride(), y.storage_offset()))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1])
    assert res[0][2:] == res[1][2:]


def test_as_strided_gradcheck_views_and_errors(device):
    x = zoo.randn(12, dtype=zoo.float64, device=device, requires_grad=True)
    for name, fn in AS_STRIDED:
        if name == "outside_view":   # elements outside the input get no gradient (as PyTorch)
            continue
        assert zoo.autograd.gradcheck(fn, (x,))
        assert zoo.autograd.gradgradcheck(fn, (x,))
    base = zoo.zeros(6, device=device)
    v = base.as_strided((2, 2), (1, 2), 1)
    v[0, 0] = 5.0                       # writes through to the storage
    assert base.tolist()[1] == 5.0
    with pytest.raises(RuntimeError, match="out of bounds for storage"):
        zoo.as_strided(base, (3, 3), (3, 1))
    with pytest.raises(RuntimeError, match="mismatch in length"):
        base.as_strided((2,), (1, 1))


def test_real_dtype_compat_forms_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda L, x: L.conj(x), lambda L, x: x.conj_physical(), lambda L, x: L.resolve_conj(x),
        lambda L, x: L.resolve_neg(x), lambda L, x: L.is_conj(x), lambda L, x: x.is_neg(),
        lambda L, x: L.narrow_copy(x, 1, 1, 2), lambda L, x: L.nonzero_static(x > 0, size=4),
        lambda L, x: L.nonzero_static(x > 0, size=30, fill_value=7),
        lambda L, x: L.unsafe_chunk(x, 2, 1), lambda L, x: x.unsafe_split(2), lambda L, x: x.unsafe_split_with_sizes([1, 2]),
        lambda L, x: x.to_dense(), lambda L, x: x.new_empty_strided((2, 2), (1, 2)).stride(),
    ]
    data = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    for fn in cases:
        ours, ref = fn(zoo, zoo.tensor(data)), fn(torch, torch.tensor(data))
        if isinstance(ours, (tuple, list)) and hasattr(ours[0], "tolist"):
            assert [o.tolist() for o in ours] == [r.tolist() for r in ref]
        elif hasattr(ours, "tolist"):
            assert ours.tolist() == ref.tolist()
        else:
            assert ours == ref
    x = zoo.ones(2)
    x.record_stream(None)
    assert zoo.conj(x) is x


def test_fill_diagonal_angle_and_device_flags():
    torch = pytest.importorskip("torch")
    for shape, kw in [((5, 3), {"wrap": True}), ((7, 3), {"wrap": True}), ((5, 3), {}), ((2, 4), {}),
                      ((3, 3, 3), {})]:
        a, b = zoo.zeros(*shape), torch.zeros(*shape)
        a.fill_diagonal_(2.5, **kw)
        b.fill_diagonal_(2.5, **kw)
        assert a.tolist() == b.tolist(), (shape, kw)
    with pytest.raises(RuntimeError, match="equal length"):
        zoo.zeros(2, 3, 3).fill_diagonal_(1)
    vals = [-2.0, 0.0, 3.0, float("nan"), float("-inf"), float("inf")]
    np.testing.assert_allclose(zoo.angle(zoo.tensor(vals)).numpy(), torch.angle(torch.tensor(vals)).numpy())
    assert zoo.tensor([-1, 2]).angle().dtype == zoo.float32
    x = zoo.tensor([-1.0, 2.0], requires_grad=True)
    x.angle().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    t = zoo.ones(2)
    assert not t.is_mps and not t.is_xpu and not t.is_distributed() and t.const_data_ptr() == t.data_ptr()
    assert t.is_set_to(t) and not t.is_set_to(t.clone())
    assert t.hardshrink(2.0).tolist() == [0.0, 0.0] and t.prelu(zoo.tensor([0.1])).tolist() == [1.0, 1.0]


def test_review_inplace_on_as_strided_of_transposed_view_matches_torch(device):
    import zoo_core
    a = zoo_core.arange(6., device=device, requires_grad=True)
    x = a.clone().reshape(2, 3).t()
    x.as_strided((2,), (1,), 1).mul_(10)
    x.sum().backward()
    assert x.tolist() == [[0.0, 3.0], [10.0, 4.0], [20.0, 5.0]]
    assert a.grad.tolist() == [1.0, 10.0, 10.0, 1.0, 1.0, 1.0]


def test_review_resize_to_same_shape_is_noop_on_views():
    import zoo_core
    base = zoo_core.arange(6.).reshape(2, 3)
    x = base.t()
    assert x.resize_(3, 2) is x and x.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    x[0, 0] = 7.0
    assert base[0, 0].item() == 7.0   # still a view
