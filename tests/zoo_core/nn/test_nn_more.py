"""CTC loss and fractional max pooling: forward and gradients against PyTorch, gradcheck, errors, devices."""
import numpy as np
import pytest

import zoo_core
import zoo_core.nn.functional as ZF
from zoo_core.testing import OpCase, op_tests

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

LIBS = ((torch, TF), (zoo_core, ZF))


def _ctc(lib, x, targets, il, tl, **kw):
    """ctc_loss of log_softmax(x) (PyTorch's gradient is the gradient through a log-softmax)."""
    return lib.nn.functional.ctc_loss(x.log_softmax(-1), lib.tensor(targets), lib.tensor(il), lib.tensor(tl), **kw)


CTC_T = [[1, 2, 2], [3, 1, 0], [2, 0, 0]]
CASES = [
    OpCase("ctc_none", lambda lib, x: _ctc(lib, x, CTC_T, [6, 5, 4], [3, 2, 1], reduction="none"), [(6, 3, 4)],
           gradgrad=False),
    OpCase("ctc_mean_blank2", lambda lib, x: _ctc(lib, x, [[1, 3, 3], [0, 1, 0]], [7, 7], [3, 2], blank=2),
           [(7, 2, 4)], gradgrad=False),
    OpCase("ctc_sum_concat", lambda lib, x: _ctc(lib, x, [1, 2, 2, 3, 1, 2], [6, 5, 4], [3, 2, 1],
                                                 reduction="sum"), [(6, 3, 4)], gradgrad=False),
    OpCase("ctc_unbatched", lambda lib, x: _ctc(lib, x, [1, 1, 2], 6, 3, reduction="none"), [(6, 4)],
           gradgrad=False),
    OpCase("fractional_max_pool2d", lambda lib, x: lib.nn.functional.fractional_max_pool2d(
        x, 2, output_size=(3, 4), _random_samples=lib.tensor([[[0.3, 0.7], [0.9, 0.1]]], dtype=x.dtype)),
        [(1, 2, 6, 7)]),
    OpCase("fractional_max_pool3d", lambda lib, x: lib.nn.functional.fractional_max_pool3d(
        x, (2, 1, 2), output_size=(2, 3, 3), _random_samples=lib.tensor([[[0.3, 0.7, 0.5]]], dtype=x.dtype)),
        [(1, 1, 4, 4, 5)]),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


# ---- CTC ---------------------------------------------------------------------------------------------
def _ctc_both(x, targets, il, tl, dtype=np.float64, **kw):
    """Losses and input gradients of both libraries (one random-ish output gradient)."""
    res = []
    for lib, F in LIBS:
        xx = lib.from_numpy(x.astype(dtype)).requires_grad_()
        loss = F.ctc_loss(xx.log_softmax(2), lib.from_numpy(np.asarray(targets)), il, tl, **kw)
        go = np.linspace(0.5, 1.5, max(loss.numel(), 1)).reshape(tuple(loss.shape)).astype(dtype)
        g, = lib.autograd.grad(loss, xx, lib.from_numpy(go))
        res.append((loss.detach().numpy(), g.numpy()))
    return res


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("concat", [False, True])
def test_ctc_matches_torch(dtype, reduction, concat):
    rng = np.random.default_rng(3)
    t, n, c = 20, 5, 6
    tl = [5, 7, 0, 9, 3]
    il = [20, 18, 15, 20, 4]
    tg = rng.integers(1, c, size=(n, 9))
    tg[1, :4] = 2                          # repeated labels need a blank between them
    targets = np.concatenate([tg[i, :tl[i]] for i in range(n)]) if concat else tg
    il_arg = il if concat else torch.tensor(il)   # lists and tensors
    (tl_, tg_), (zl, zg) = _ctc_both(rng.standard_normal((t, n, c)), targets, il, tl, dtype, reduction=reduction)
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(zl, tl_, **tol)
    np.testing.assert_allclose(zg, tg_, **tol)
    assert il_arg is not None


def test_ctc_blank_elsewhere_and_tensor_lengths():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((9, 3, 5))
    targets = np.array([[0, 1, 3], [4, 4, 0], [1, 0, 1]])
    res = []
    for lib, F in LIBS:
        xx = lib.from_numpy(x.copy()).requires_grad_()
        loss = F.ctc_loss(xx.log_softmax(2), lib.from_numpy(targets), lib.tensor([9, 8, 9], dtype=lib.int32),
                          lib.tensor([3, 2, 3]), blank=2, reduction="mean")
        loss.backward()
        res.append((float(loss.detach()), xx.grad.numpy()))
    assert res[1][0] == pytest.approx(res[0][0], rel=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_infeasible(zero_infinity):
    # sample 0: 3 repeated labels need >= 5 frames but gets 3; sample 1: length 0 input with a label
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3, 4))
    targets = np.array([[2, 2, 2], [1, 0, 0], [3, 1, 0]])
    (tl_, tg_), (zl, zg) = _ctc_both(x, targets, [3, 0, 6], [3, 1, 2], reduction="none",
                                     zero_infinity=zero_infinity)
    np.testing.assert_allclose(zl, tl_, rtol=1e-10)
    assert np.isinf(zl[0]) != zero_infinity and zl[2] > 0
    np.testing.assert_allclose(zg, tg_, rtol=1e-9, atol=1e-12)   # NaN where torch has NaN
    if zero_infinity:
        assert zl[0] == 0 and not zg[:, 0].any() and not zg[:, 1].any()


def test_ctc_empty_targets_and_lengths():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 2, 3))
    (tl_, tg_), (zl, zg) = _ctc_both(x, np.zeros((2, 0), np.int64), [5, 0], [0, 0], reduction="none")
    np.testing.assert_allclose(zl, tl_, rtol=1e-10)
    np.testing.assert_allclose(zg, tg_, rtol=1e-9, atol=1e-12)


def test_ctc_module_and_double_backward():
    lp = zoo_core.randn(8, 2, 5, dtype=zoo_core.float64).log_softmax(2).detach().requires_grad_()
    ctc = zoo_core.nn.CTCLoss(blank=4, reduction="sum")
    loss = ctc(lp, zoo_core.tensor([[1, 2, 2], [3, 0, 0]]), [8, 7], [3, 2])
    want = ZF.ctc_loss(lp, zoo_core.tensor([[1, 2, 2], [3, 0, 0]]), [8, 7], [3, 2], blank=4, reduction="sum")
    assert float(loss) == float(want)
    g, = zoo_core.autograd.grad(loss, lp, create_graph=True)
    with pytest.raises(RuntimeError, match="_ctc_loss_backward is not implemented"):
        zoo_core.autograd.grad(g.sum(), lp)


@pytest.mark.parametrize("kwargs, match, exc", [
    (dict(il=[6, 5], tl=[2, 2]), "Expected input_lengths to have value at most 5, but got value 6", RuntimeError),
    (dict(tl=[3, 2]), "Expected tensor to have size at least 3 at dimension 1, but got size 2", RuntimeError),
    (dict(tl=[-1, 2]), "Expected target_lengths to have value at least 0, but got value -1", RuntimeError),
    (dict(il=[5]), "input_lengths must be of size batch_size", RuntimeError),
    (dict(blank=4), "blank must be in label range", RuntimeError),
    (dict(targets=[1, 2, 1]), "Expected tensor to have size 4 at dimension 0, but got size 3", RuntimeError),
    (dict(reduction="foo"), "foo is not a valid value for reduction", ValueError),
    (dict(lp_dtype="int64"), "not implemented for 'Long'", NotImplementedError),
])
def test_ctc_errors(kwargs, match, exc):
    for lib, F in LIBS:
        lp = lib.randn(5, 2, 4).log_softmax(2)
        if "lp_dtype" in kwargs:
            lp = lp.long()
        targets = lib.tensor(kwargs.get("targets", [[1, 2], [1, 1]]))
        with pytest.raises(exc, match=match):
            F.ctc_loss(lp, targets, kwargs.get("il", [5, 5]), kwargs.get("tl", [2, 2]), blank=kwargs.get("blank", 0),
                       reduction=kwargs.get("reduction", "mean"))


def test_ctc_label_out_of_range():
    with pytest.raises(IndexError, match=r"target labels must be in \[0, 4\)"):
        ZF.ctc_loss(zoo_core.randn(5, 1, 4).log_softmax(2), zoo_core.tensor([[1, 7]]), [5], [2])


def test_ctc_on_device(device):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((7, 2, 4))
    out = []
    for dev in ("cpu", device):
        xx = zoo_core.from_numpy(x.copy()).to(dev).requires_grad_()
        loss = ZF.ctc_loss(xx.log_softmax(2), zoo_core.tensor([[1, 1, 3], [2, 0, 0]], device=dev),
                           zoo_core.tensor([7, 3], device=dev), zoo_core.tensor([3, 2], device=dev),
                           reduction="none", zero_infinity=True)
        loss.sum().backward()
        out.append((loss.detach().cpu().numpy(), xx.grad.cpu().numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-12, atol=1e-14)


# ---- fractional max pooling ------------------------------------------------------------------------------
@pytest.mark.parametrize("nd, shape, k, kw, dtype", [
    (2, (2, 3, 7, 9), 2, dict(output_size=(4, 5)), np.float32),
    (2, (2, 3, 17, 13), (3, 2), dict(output_size=(9, 7)), np.float32),
    (2, (3, 17, 13), 2, dict(output_ratio=(0.5, 0.5)), np.float32),
    (2, (2, 3, 7, 9), 2, dict(output_size=(6, 8)), np.float64),
    (2, (1, 2, 101, 77), 3, dict(output_size=(50, 31)), np.float32),
    (3, (2, 3, 5, 7, 9), 2, dict(output_size=(3, 4, 5)), np.float32),
    (3, (2, 3, 9, 7, 11), (2, 3, 2), dict(output_ratio=(0.6, 0.5, 0.7)), np.float32),
    (3, (3, 9, 7, 11), 2, dict(output_size=(7, 1, 9)), np.float64),
])
def test_fractional_max_pool_equals_torch(nd, shape, k, kw, dtype):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(dtype)
    n = shape[0] if len(shape) == nd + 2 else 1
    samples = rng.random((n, shape[-nd - 1], nd)).astype(dtype)
    go = None
    res = []
    for lib, F in LIBS:
        xx = lib.from_numpy(x.copy()).requires_grad_()
        f = getattr(F, f"fractional_max_pool{nd}d")
        out, idx = f(xx, k, return_indices=True, _random_samples=lib.from_numpy(samples.copy()), **kw)
        go = rng.standard_normal(tuple(out.shape)).astype(dtype) if go is None else go
        g, = lib.autograd.grad(out, xx, lib.from_numpy(go))
        res.append((out.detach().numpy(), idx.numpy(), g.numpy()))
    for a, b in zip(res[1], res[0]):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)      # exactly PyTorch's windows


def test_fractional_max_pool_random_and_module():
    zoo_core.manual_seed(0)
    x = zoo_core.randn(2, 3, 10, 12)
    m = zoo_core.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    out, idx = m(x)
    assert tuple(out.shape) == (2, 3, 5, 6) and str(idx.dtype).endswith("int64")
    # every output is the input value at its index, and the windows differ between calls
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(x.numpy().reshape(2, 3, -1),
                                                                  idx.numpy().reshape(2, 3, -1), 2).reshape(out.shape))
    assert any(not np.array_equal(m(x)[1].numpy(), idx.numpy()) for _ in range(5))
    zoo_core.manual_seed(1)
    a = ZF.fractional_max_pool3d(zoo_core.randn(1, 2, 6, 6, 6), 2, output_size=3)
    assert tuple(a.shape) == (1, 2, 3, 3, 3)
    fixed = zoo_core.nn.FractionalMaxPool2d(2, output_size=4, _random_samples=zoo_core.rand(2, 3, 2))
    assert np.array_equal(fixed(x).numpy(), fixed(x).numpy())
    assert repr(fixed) == repr(torch.nn.FractionalMaxPool2d(2, output_size=4)) == "FractionalMaxPool2d()"


def test_fractional_max_pool_nan_like_torch():
    x = np.arange(36, dtype=np.float64).reshape(1, 1, 6, 6)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 1, 0] = np.nan
    samples = np.array([[[0.25, 0.5]]])
    res = [F.fractional_max_pool2d(lib.from_numpy(x.copy()), 2, output_size=3, return_indices=True,
                                   _random_samples=lib.from_numpy(samples))[1].numpy() for lib, F in LIBS]
    np.testing.assert_array_equal(res[1], res[0])


@pytest.mark.parametrize("call, match, exc", [
    (lambda lib: lib.nn.functional.fractional_max_pool2d(lib.randn(2, 3, 7, 9), 3, output_size=(6, 8)),
     "pool height 3 too large relative to input height 7", RuntimeError),
    (lambda lib: lib.nn.functional.fractional_max_pool3d(lib.randn(1, 1, 9, 7, 11), 2, output_size=(8, 2, 2)),
     "pool time 2 too large relative to input time 9", RuntimeError),
    (lambda lib: lib.nn.functional.fractional_max_pool2d(lib.randn(2, 3, 7, 9), 2, output_size=3,
                                                         _random_samples=lib.rand(2, 3, 3)),
     r"Expect _random_samples.size\(2\) equals to 2; got 3", RuntimeError),
    (lambda lib: lib.nn.functional.fractional_max_pool2d(lib.randn(2, 3, 7, 9), 2, output_size=3,
                                                         _random_samples=lib.rand(1, 3, 2)),
     "no less then input batch size", RuntimeError),
    (lambda lib: lib.nn.functional.fractional_max_pool2d(lib.randn(2, 3, 7, 9), 3),
     "requires specifying either an output_size or an output_ratio", ValueError),
    (lambda lib: lib.nn.FractionalMaxPool2d(2, output_ratio=1.5), r"output_ratio must be between 0 and 1 \(got 1.5\)",
     ValueError),
    (lambda lib: lib.nn.FractionalMaxPool2d(2), "requires specifying either an output size, or a pooling ratio",
     ValueError),
    (lambda lib: lib.nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5),
     "only one of output_size and output_ratio may be specified", ValueError),
])
def test_fractional_max_pool_errors(call, match, exc):
    for lib, _ in LIBS:
        with pytest.raises(exc, match=match):
            call(lib)


def test_fractional_max_pool_on_device(device):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    s = rng.random((2, 3, 2)).astype(np.float32)
    res = []
    for dev in ("cpu", device):
        xx = zoo_core.from_numpy(x.copy()).to(dev).requires_grad_()
        out, idx = ZF.fractional_max_pool2d(xx, 2, output_size=(5, 4), return_indices=True,
                                            _random_samples=zoo_core.from_numpy(s).to(dev))
        out.sum().backward()
        res.append((out.detach().cpu().numpy(), idx.cpu().numpy(), xx.grad.cpu().numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_array_equal(a, b)
