"""EmbeddingBag: sum/mean/max over 2-D inputs and offsets (empty bags, include_last_offset, padding_idx,
per_sample_weights) against PyTorch, gradcheck on every device, scale_grad_by_freq, the module, errors."""
import os
import sys
import types

import numpy as np
import pytest

import zoo_core
from zoo_core.nn._functional.embedding_bag import embedding_bag
from zoo_core.nn.modules.embedding_bag import EmbeddingBag
from zoo_core.testing.ops import OpCase, op_tests

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import compare_layer  # noqa: E402

# (imported from the new modules directly until zoo_core.nn / nn.functional re-export them)
ZNN = types.SimpleNamespace(EmbeddingBag=EmbeddingBag)

IDX2 = np.array([[0, 3, 3, 1], [5, 3, 0, 2], [6, 6, 6, 6]])    # 3 bags of 4
IDX1 = np.array([0, 3, 3, 1, 6, 5, 3, 0, 2, 2])
OFF = np.array([0, 2, 2, 7])                                   # bag 1 is empty
OFF_LAST = np.array([0, 2, 2, 7, 10])                          # include_last_offset: the same bags


def _eb(lib):
    return lib.nn.functional.embedding_bag if lib.__name__ == "torch" else embedding_bag


def _bag(idx, off=None, psw=False, **kw):
    """fn(lib, weight[, per_sample_weights]) for an OpCase."""
    def fn(lib, w, p=None):
        o = lib.tensor(off, device=w.device) if off is not None else None
        return _eb(lib)(lib.tensor(idx, device=w.device), w, o, per_sample_weights=p, **kw)
    return fn


def _case(name, idx, off=None, psw=False, **kw):
    shapes = [(7, 4)] + ([idx.shape] if psw else [])
    return OpCase(name, _bag(idx, off, **kw), shapes)


CASES = [
    _case("sum_2d", IDX2, mode="sum"),
    _case("mean_2d", IDX2, mode="mean"),
    _case("max_2d", IDX2, mode="max"),
    _case("sum_offsets_empty_bag", IDX1, OFF, mode="sum"),
    _case("mean_offsets_empty_bag", IDX1, OFF, mode="mean"),
    _case("max_offsets_empty_bag", IDX1, OFF, mode="max"),
    _case("sum_include_last_offset", IDX1, OFF_LAST, mode="sum", include_last_offset=True),
    _case("max_include_last_offset", IDX1, OFF_LAST, mode="max", include_last_offset=True),
    _case("sum_padding", IDX1, OFF, mode="sum", padding_idx=3),
    _case("mean_padding", IDX2, mode="mean", padding_idx=6),          # bag 2 is all padding: zeros
    _case("mean_padding_negative", IDX1, OFF, mode="mean", padding_idx=-7),
    _case("max_padding", IDX1, OFF, mode="max", padding_idx=3),
    _case("per_sample_weights_2d", IDX2, psw=True, mode="sum"),
    _case("per_sample_weights_offsets_padding", IDX1, OFF, psw=True, mode="sum", padding_idx=2),
    _case("per_sample_weights_last_offset", IDX1, OFF_LAST, psw=True, mode="sum", include_last_offset=True),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_forward_values():
    w = zoo_core.arange(8., dtype=zoo_core.float64).view(4, 2)
    idx, off = zoo_core.tensor([0, 1, 3, 2, 2]), zoo_core.tensor([0, 3, 3])
    assert embedding_bag(idx, w, off, mode="sum").tolist() == [[8.0, 11.0], [0.0, 0.0], [8.0, 10.0]]
    assert embedding_bag(idx, w, off, mode="mean").tolist() == [[8 / 3, 11 / 3], [0.0, 0.0], [4.0, 5.0]]
    assert embedding_bag(idx, w, off, mode="max").tolist() == [[6.0, 7.0], [0.0, 0.0], [4.0, 5.0]]
    # padding entries are left out, and mean divides by the count of the others
    assert embedding_bag(idx, w, off, mode="mean", padding_idx=3).tolist() == [[1.0, 2.0], [0.0, 0.0], [4.0, 5.0]]
    p = zoo_core.tensor([1.0, 2.0, 0.5, -1.0, 1.0], dtype=zoo_core.float64)
    assert embedding_bag(idx, w, off, mode="sum", per_sample_weights=p).tolist() == [[7.0, 10.5], [0.0, 0.0],
                                                                                       [0.0, 0.0]]


def test_max_gradient_goes_to_the_first_maximum():
    w = zoo_core.tensor([[1.0, 5.0], [3.0, 5.0], [3.0, 0.0]], requires_grad=True)
    y = embedding_bag(zoo_core.tensor([[0, 1, 2, 1]]), w, mode="max")
    assert y.tolist() == [[3.0, 5.0]]
    y.backward(zoo_core.tensor([[10.0, 20.0]]))
    assert w.grad.tolist() == [[0.0, 20.0], [10.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_scale_grad_by_freq(mode, padding_idx):
    # PyTorch 2.13's CPU embedding_bag scales by the wrong index's count (pytorch/pytorch#190063); the reference
    # is the documented semantics, which F.embedding(scale_grad_by_freq=True) followed by the bag reduction has
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    wa, go = rng.standard_normal((7, 4)), rng.standard_normal((3, 4))
    z = zoo_core.tensor(wa, requires_grad=True)
    embedding_bag(zoo_core.tensor(IDX2), z, mode=mode, scale_grad_by_freq=True,
                  padding_idx=padding_idx).backward(zoo_core.tensor(go))
    t = torch.tensor(wa, requires_grad=True)
    idx = torch.tensor(IDX2)
    rows = torch.nn.functional.embedding(idx, t, padding_idx=padding_idx, scale_grad_by_freq=True)
    keep = (idx != (padding_idx if padding_idx is not None else -1)).unsqueeze(-1).double()
    ref = (rows * keep).sum(1)
    if mode == "mean":
        ref = ref / keep.sum(1).clamp(min=1)
    ref.backward(torch.tensor(go))
    np.testing.assert_allclose(z.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_scale_grad_by_freq_matches_torch_when_counts_agree():
    # where every index occurs equally often PyTorch's CPU kernel is right: compare directly
    torch = pytest.importorskip("torch")
    idx, wa = np.array([[0, 2], [2, 0], [5, 5]]), np.random.default_rng(1).standard_normal((6, 3))
    grads = []
    for lib in (zoo_core, torch):
        w = lib.tensor(wa, requires_grad=True)
        _eb(lib)(lib.tensor(idx), w, mode="mean", scale_grad_by_freq=True).backward(lib.ones(3, 3, dtype=lib.float64))
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_empty_inputs():
    w = zoo_core.randn(5, 3, requires_grad=True)
    empty = zoo_core.tensor([], dtype=zoo_core.int64)
    y = embedding_bag(empty, w, zoo_core.tensor([0, 0]), mode="max")
    assert y.tolist() == [[0.0] * 3] * 2
    y.sum().backward()
    assert w.grad.tolist() == [[0.0] * 3] * 5
    assert embedding_bag(empty, w, empty, mode="sum").shape == (0, 3)
    assert embedding_bag(zoo_core.tensor([1, 2]), w, zoo_core.tensor([0]), include_last_offset=True).shape == (0, 3)
    assert embedding_bag(zoo_core.zeros(2, 0, dtype=zoo_core.int64), w, mode="mean").tolist() == [[0.0] * 3] * 2


def test_int32_indices_and_offsets_and_float32():
    torch = pytest.importorskip("torch")
    wa = np.random.default_rng(2).standard_normal((7, 4)).astype(np.float32)
    out = [_eb(lib)(lib.tensor(IDX1, dtype=lib.int32), lib.tensor(wa), lib.tensor(OFF, dtype=lib.int32)).numpy()
           for lib in (zoo_core, torch)]
    assert out[0].dtype == np.float32
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


def test_max_norm_renormalises_looked_up_rows():
    torch = pytest.importorskip("torch")
    wa = np.random.default_rng(3).standard_normal((7, 4)) * 2
    res = []
    for lib in (zoo_core, torch):
        w = lib.tensor(wa)
        y = _eb(lib)(lib.tensor(IDX1), w, lib.tensor(OFF), max_norm=1.0, mode="sum")
        res.append((y.numpy(), w.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)   # rows 0-3, 5, 6 renormalised in place, 4 kept


# ---- the module ------------------------------------------------------------------------------------------
def _call_with(offsets=None, psw=None):
    def call(m, x):
        lib = zoo_core if isinstance(x, zoo_core.Tensor) else sys.modules["torch"]
        return m(x, lib.tensor(offsets) if offsets is not None else None,
                 lib.tensor(psw) if psw is not None else None)
    return call


PSW = np.linspace(-1, 1, IDX1.size)
LAYERS = [
    (lambda nn: nn.EmbeddingBag(7, 4), IDX2, None, None),
    (lambda nn: nn.EmbeddingBag(7, 4, mode="sum"), IDX1, OFF, None),
    (lambda nn: nn.EmbeddingBag(7, 4, mode="max"), IDX1, OFF, None),
    (lambda nn: nn.EmbeddingBag(7, 4, mode="sum", padding_idx=3), IDX1, OFF, PSW),
    (lambda nn: nn.EmbeddingBag(7, 4, padding_idx=-1), IDX2, None, None),
    (lambda nn: nn.EmbeddingBag(7, 4, max_norm=1.0, norm_type=1.5), IDX2, None, None),
    (lambda nn: nn.EmbeddingBag(7, 4, mode="sum", include_last_offset=True), IDX1, OFF_LAST, None),
    (lambda nn: nn.EmbeddingBag(7, 4, mode="sum", sparse=True), IDX2, None, None),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: repr(c[0](ZNN)))
def test_module_matches_torch(layer):
    torch = pytest.importorskip("torch")
    ctor, idx, off, psw = layer
    z, t = ctor(ZNN), ctor(torch.nn)
    compare_layer(z, t, x=idx, call=_call_with(off, psw))
    # max_norm renormalises the table in place: the weights must agree afterwards too
    np.testing.assert_allclose(z.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layer", LAYERS + [(lambda nn: nn.EmbeddingBag(5, 2, scale_grad_by_freq=True), 0, 0, 0)],
                         ids=lambda c: repr(c[0](ZNN)))
def test_module_repr_matches_torch(layer):
    torch = pytest.importorskip("torch")
    assert repr(layer[0](ZNN)) == repr(layer[0](torch.nn))


def test_module_init_and_state_dict():
    zoo_core.manual_seed(0)
    bag = EmbeddingBag(2000, 16, padding_idx=5)
    w = bag.weight.detach().numpy()
    assert (w[5] == 0).all() and abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.02
    assert list(bag.state_dict()) == ["weight"] and bag.mode == "mean" and not bag.include_last_offset
    assert EmbeddingBag(10, 2, padding_idx=-1).padding_idx == 9
    assert EmbeddingBag(3, 2, dtype=zoo_core.float64).weight.dtype == zoo_core.float64


def test_from_pretrained():
    table = zoo_core.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    bag = EmbeddingBag.from_pretrained(table, mode="sum")
    assert not bag.weight.requires_grad and bag.weight.tolist() == table.tolist()
    assert (bag.num_embeddings, bag.embedding_dim, bag.mode) == (3, 2, "sum")
    assert bag(zoo_core.tensor([[2, 0]])).tolist() == [[6.0, 8.0]]
    trainable = EmbeddingBag.from_pretrained(table, freeze=False, padding_idx=1, include_last_offset=True)
    assert trainable.weight.requires_grad and trainable.weight.tolist()[1] == [3.0, 4.0]   # kept as given
    y = trainable(zoo_core.tensor([1, 2, 2]), zoo_core.tensor([0, 3]))
    assert y.tolist() == [[5.0, 6.0]]                 # mean over the two non-padding entries
    y.sum().backward()
    assert trainable.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with pytest.raises(AssertionError, match="2-dimensional"):
        EmbeddingBag.from_pretrained(zoo_core.ones(3))


def test_module_on_device(device):
    bag = EmbeddingBag(7, 4, mode="max")
    x, off = zoo_core.tensor(IDX1), zoo_core.tensor(OFF)
    want = bag(x, off)
    bag.to(device)
    got = bag(x.to(device), off.to(device))
    assert got.device.type == zoo_core.device(device).type
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy())


# ---- errors ----------------------------------------------------------------------------------------------
W = zoo_core.randn(5, 3)
I1 = zoo_core.tensor([0, 1, 2, 4, 3])
O1 = zoo_core.tensor([0, 2])
ERRORS = [
    (lambda: embedding_bag(I1, W, O1, padding_idx=5), RuntimeError,
     "padding_idx must be within the number of embeddings, -5 through 4, but got 5"),
    (lambda: embedding_bag(I1, W, zoo_core.tensor([1, 2])), RuntimeError,
     "offsets\\[0\\] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
     "However, got 1"),
    (lambda: embedding_bag(I1, W, zoo_core.tensor([0, 6])), RuntimeError,
     "offsets\\[-1\\] can not be greater than input's length 5 but got offsets\\[-1\\] of 6"),
    (lambda: embedding_bag(I1, W, zoo_core.tensor([0, 3, 2])), RuntimeError,
     "offsets must be non-decreasing, but got \\[0, 3, 2\\]"),
    (lambda: embedding_bag(I1.float(), W, O1), RuntimeError,
     "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
     "but got torch.FloatTensor instead"),
    (lambda: embedding_bag(I1, W, O1.float()), RuntimeError,
     "Expected tensor for argument #2 'offsets' to have one of the following scalar types: Long, Int"),
    (lambda: embedding_bag(zoo_core.tensor([0, 7]), W, O1), RuntimeError,
     "Index 1 of input takes value 7 which is not in the valid range \\[0, 5\\)"),
    (lambda: embedding_bag(zoo_core.tensor([0, -1]), W, O1), RuntimeError,
     "Index 1 of input takes value -1 which is not in the valid range \\[0, 5\\)"),
    (lambda: embedding_bag(I1, W, O1, mode="sum", per_sample_weights=zoo_core.ones(5, dtype=zoo_core.float64)),
     RuntimeError, "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
                   "'per_sample_weights'; but type torch.FloatTensor does not equal torch.DoubleTensor"),
    (lambda: embedding_bag(I1, W, O1, per_sample_weights=zoo_core.ones(5), mode="mean"), NotImplementedError,
     "per_sample_weights is only supported for mode='sum' \\(got mode='mean'\\)"),
    (lambda: embedding_bag(I1, W, O1, per_sample_weights=zoo_core.ones(4), mode="sum"), ValueError,
     "embedding_bag: If per_sample_weights \\(zoo_core.Size\\(\\[4\\]\\)\\) is not None, then it must have the same "
     "shape as the input \\(zoo_core.Size\\(\\[5\\]\\)\\)"),
    (lambda: embedding_bag(I1, W, O1, mode="foo"), ValueError, "mode has to be one of sum, mean or max"),
    (lambda: embedding_bag(I1.view(1, 5, 1), W, O1), ValueError,
     "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"),
    (lambda: embedding_bag(I1, W), ValueError, "offsets has to be a 1D Tensor but got None"),
    (lambda: embedding_bag(I1.view(1, 5), W, zoo_core.tensor([0])), ValueError,
     "if input is 2D, then offsets has to be None"),
    (lambda: embedding_bag(I1, W, zoo_core.tensor([[0]])), ValueError, "offsets has to be a 1D Tensor"),
    (lambda: embedding_bag(I1, W.int(), O1), RuntimeError,
     "Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, BFloat16, Float, "
     "Double; but got torch.IntTensor instead"),
    (lambda: embedding_bag(I1, W[0], O1), ValueError, "weight has to be a 2D Tensor, but got Tensor of dimension 1"),
    (lambda: embedding_bag(I1, W, O1, scale_grad_by_freq=True, mode="max"), ValueError,
     "max mode does not support scaling the gradient by the frequency"),
    (lambda: embedding_bag(I1, W, O1, sparse=True, mode="max"), ValueError, "max mode does not support sparse weights"),
    (lambda: EmbeddingBag(3, 4, padding_idx=3), AssertionError, "padding_idx must be within num_embeddings"),
    (lambda: EmbeddingBag(3, 4, padding_idx=-4), AssertionError, "padding_idx must be within num_embeddings"),
    (lambda: EmbeddingBag(3, 4, _weight=zoo_core.ones(4, 3)), AssertionError,
     "Shape of weight does not match num_embeddings and embedding_dim"),
]


@pytest.mark.parametrize("call,exc,msg", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


@pytest.mark.gpu
def test_device_mismatch():
    w = zoo_core.randn(5, 3, device="cuda")
    with pytest.raises(RuntimeError, match="embedding_bag: expected all tensors to be on the same device"):
        embedding_bag(I1, w, O1)
    with pytest.raises(RuntimeError, match="embedding_bag: expected all tensors to be on the same device"):
        embedding_bag(I1.cuda(), w, O1)
