"""nn.utils: packing/padding helpers (torch parity, round trips, gradients, errors), gradient clipping
and parameter vectors."""
import math

import numpy as np
import pytest
import torch

import zoo_core
from zoo_core import nn
from zoo_core.autograd import gradcheck
from zoo_core.nn.utils import rnn as zrnn

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
trnn = torch.nn.utils.rnn


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.detach().cpu())


def _same_packed(z, t):
    np.testing.assert_array_equal(_np(z.data), _np(t.data))
    assert z.batch_sizes.tolist() == t.batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(z, name), getattr(t, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.tolist() == b.tolist() and a.dtype == zoo_core.int64


# ---- pack_padded_sequence / pad_packed_sequence ----------------------------------------------------
@pytest.mark.parametrize("trailing", [(), (2,), (2, 3)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2, 2, 1], [1, 4, 2, 3], [3]])
def test_pack_pad_roundtrip_matches_torch(lengths, batch_first, trailing, device):
    B, T = len(lengths), max(lengths)
    shape = ((B, T) if batch_first else (T, B)) + trailing
    x = np.random.default_rng(0).standard_normal(shape)
    sorted_ = all(a >= b for a, b in zip(lengths, lengths[1:]))
    for enforce in ([True, False] if sorted_ else [False]):
        zp = zrnn.pack_padded_sequence(zoo_core.tensor(x, device=device), lengths, batch_first, enforce)
        tp = trnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce)
        _same_packed(zp, tp)
        assert zp.data.device.type == device and zp.batch_sizes.device.type == "cpu"
        for total in (None, T + 2):
            zpad, zl = zrnn.pad_packed_sequence(zp, batch_first, padding_value=-7.0, total_length=total)
            tpad, tl = trnn.pad_packed_sequence(tp, batch_first, padding_value=-7.0, total_length=total)
            np.testing.assert_array_equal(_np(zpad), _np(tpad))
            assert zl.tolist() == tl.tolist() == lengths and zl.dtype == zoo_core.int64
            assert zl.device.type == "cpu"


def test_pack_lengths_as_tensor_and_docstring_example():
    x = zoo_core.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    p = zrnn.pack_padded_sequence(x, zoo_core.tensor([2, 1, 3]), batch_first=True, enforce_sorted=False)
    assert p.data.tolist() == [4, 1, 3, 5, 2, 6] and p.batch_sizes.tolist() == [3, 2, 1]
    assert p.sorted_indices.tolist() == [2, 0, 1] and p.unsorted_indices.tolist() == [1, 2, 0]
    padded, lengths = zrnn.pad_packed_sequence(p, batch_first=True)
    assert padded.tolist() == [[1, 2, 0], [3, 0, 0], [4, 5, 6]] and lengths.tolist() == [2, 1, 3]
    assert padded.dtype == zoo_core.int64
    assert "PackedSequence(data=tensor([4, 1, 3, 5, 2, 6]), batch_sizes=tensor([3, 2, 1])" in repr(p)


def test_pack_and_pad_are_differentiable():
    x = zoo_core.randn(4, 3, 2, dtype=zoo_core.float64, requires_grad=True)
    lengths = [2, 4, 1]

    def roundtrip(x):
        p = zrnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        return zrnn.pad_packed_sequence(zrnn.PackedSequence(p.data * p.data, p.batch_sizes, p.sorted_indices,
                                                            p.unsorted_indices), total_length=5)[0]
    assert gradcheck(roundtrip, (x,))
    # padding positions get no gradient, as in torch
    out = roundtrip(x)
    out.sum().backward()
    tx = torch.tensor(_np(x), requires_grad=True)
    tp = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    trnn.pad_packed_sequence(trnn.PackedSequence(tp.data * tp.data, tp.batch_sizes, tp.sorted_indices,
                                                 tp.unsorted_indices), total_length=5)[0].sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad))
    assert float(x.grad[3, 0].abs().sum()) == 0.0


def test_pack_errors():
    x = zoo_core.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        zrnn.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        zrnn.pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        zrnn.pack_padded_sequence(x, [0, 3, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 "
                                           r"\(batch_size=3\)"):
        zrnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor, but got 2D"):
        zrnn.pack_padded_sequence(x, zoo_core.tensor([[3, 2, 1]]))
    with pytest.raises(RuntimeError, match="longest length 5 exceeds the padded input's 4 time steps"):
        zrnn.pack_padded_sequence(x, [5, 2, 1])
    p = zrnn.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest sequence "
                                         "in input, but got total_length=2 and max sequence length being 3"):
        zrnn.pad_packed_sequence(p, total_length=2)


@pytest.mark.gpu
def test_lengths_on_gpu_rejected():
    x = zoo_core.randn(4, 3, 2, device="cuda")
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor, but got 1D cuda"):
        zrnn.pack_padded_sequence(x, zoo_core.tensor([3, 2, 1], device="cuda"))
    p = zrnn.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="batch_sizes should always be on CPU"):
        zrnn.PackedSequence(p.data, p.batch_sizes.to("cuda"))


# ---- pad_sequence / pack_sequence / unpad / unpack -------------------------------------------------
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (3,)])
def test_pad_sequence_matches_torch(trailing, batch_first, padding_side):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n,) + trailing) for n in (2, 5, 1)]
    z = zrnn.pad_sequence([zoo_core.tensor(s, requires_grad=True) for s in seqs], batch_first, 1.5, padding_side)
    t = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 1.5, padding_side)
    np.testing.assert_array_equal(_np(z), _np(t))
    zs = [zoo_core.tensor(s, requires_grad=True) for s in seqs]
    assert gradcheck(lambda *a: zrnn.pad_sequence(list(a), batch_first, 0.0, padding_side), zs)


def test_pad_sequence_dtypes_and_errors():
    out = zrnn.pad_sequence([zoo_core.ones(2, dtype=zoo_core.int64), zoo_core.ones(3, dtype=zoo_core.int64)],
                            padding_value=-1.5)
    assert out.dtype == zoo_core.int64 and out.tolist() == [[1, 1], [1, 1], [-1, 1]]   # truncated like torch
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        zrnn.pad_sequence([])
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got x."):
        zrnn.pad_sequence([zoo_core.ones(2)], padding_side="x")
    with pytest.raises(RuntimeError, match=r"sequence 1 has shape \(3, 4\) but sequence 0 has trailing dims \(3,\)"):
        zrnn.pad_sequence([zoo_core.ones(2, 3), zoo_core.ones(3, 4)])
    with pytest.raises(RuntimeError, match="sequence 0 is 0-dimensional"):
        zrnn.pad_sequence([zoo_core.tensor(1.0)])


def test_pack_sequence_unpack_unpad_roundtrip():
    seqs = [zoo_core.tensor([1, 2, 3]), zoo_core.tensor([4, 5]), zoo_core.tensor([6])]
    p = zrnn.pack_sequence(seqs)
    _same_packed(p, trnn.pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([6])]))
    assert [s.tolist() for s in zrnn.unpack_sequence(p)] == [[1, 2, 3], [4, 5], [6]]
    unsorted = [seqs[1], seqs[2], seqs[0]]
    with pytest.raises(RuntimeError, match="enforce_sorted"):
        zrnn.pack_sequence(unsorted)
    p = zrnn.pack_sequence(unsorted, enforce_sorted=False)
    assert [s.tolist() for s in zrnn.unpack_sequence(p)] == [[4, 5], [6], [1, 2, 3]]
    for batch_first in (False, True):
        padded = zrnn.pad_sequence(unsorted, batch_first=batch_first)
        before = padded.tolist()
        back = zrnn.unpad_sequence(padded, zoo_core.tensor([2, 1, 3]), batch_first=batch_first)
        assert [s.tolist() for s in back] == [[4, 5], [6], [1, 2, 3]]
        assert padded.tolist() == before            # torch's version transposes its input in place; ours doesn't


def test_packed_sequence_conversions():
    p = zrnn.pack_sequence([zoo_core.randn(3, 2), zoo_core.randn(1, 2)], enforce_sorted=False)
    assert p.to(zoo_core.float32) is p
    d = p.double()
    assert d.data.dtype == zoo_core.float64 and d.batch_sizes is p.batch_sizes and isinstance(d, zrnn.PackedSequence)
    assert d.sorted_indices.tolist() == p.sorted_indices.tolist()
    assert p.cpu() is p and not p.is_cuda and not p.is_pinned()
    data, batch_sizes, sorted_indices, unsorted_indices = p          # unpacks like torch's namedtuple
    assert zrnn.invert_permutation(sorted_indices).tolist() == unsorted_indices.tolist()
    assert zrnn.invert_permutation(None) is None
    q = zrnn.PackedSequence((data, batch_sizes))
    assert q.sorted_indices is None and q.data is data


# ---- clip_grad ------------------------------------------------------------------------------------
def _params(lib, arrays, grads):
    ps = []
    for a, g in zip(arrays, grads):
        p = lib.tensor(a, requires_grad=True)
        if g is not None:
            p.grad = lib.tensor(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 0.5, 3.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (5,), (2, 2, 2)]]
    grads = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]
    grads[1] = None                                                    # a parameter without a gradient
    zp, tp = _params(zoo_core, arrays, grads), _params(torch, arrays, grads)
    zt = nn.utils.clip_grad_norm_(zp, max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert zt.dtype == getattr(zoo_core, dtype) and zt.shape == ()
    np.testing.assert_allclose(_np(zt), _np(tt), rtol=tol)
    for a, b in zip(zp, tp):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=tol, atol=tol)


def test_clip_grad_norm_single_tensor_empty_and_nonfinite():
    p = zoo_core.tensor([3.0, 4.0], requires_grad=True)
    p.grad = zoo_core.tensor([3.0, 4.0])
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert math.isclose(float(total), 5.0) and np.allclose(_np(p.grad), [0.6, 0.8], atol=1e-6)
    assert total.grad_fn is None
    empty = nn.utils.clip_grad_norm_([], 1.0)
    assert float(empty) == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((q for q in []), 1.0)
    p.grad = zoo_core.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p.grad = zoo_core.tensor([float("inf"), 1.0])
    with np.errstate(invalid="ignore"):              # inf * 0 -> nan in the scaled grads, as torch
        assert math.isinf(float(nn.utils.clip_grad_norm_([p], 1.0)))


def test_get_total_norm_and_clip_grads_with_norm():
    grads = [zoo_core.tensor([3.0]), zoo_core.tensor([4.0])]
    assert math.isclose(float(nn.utils.get_total_norm(grads)), 5.0)
    assert math.isclose(float(nn.utils.get_total_norm(grads, "inf")), 4.0)
    p = zoo_core.ones(2, requires_grad=True)
    p.grad = zoo_core.tensor([6.0, 8.0])
    nn.utils.clip_grads_with_norm_([p], 5.0, zoo_core.tensor(10.0))
    np.testing.assert_allclose(_np(p.grad), [3.0, 4.0], rtol=1e-6)


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, 3)), rng.standard_normal(4)]
    grads = [rng.standard_normal(a.shape) * 3 for a in arrays]
    zp, tp = _params(zoo_core, arrays, grads), _params(torch, arrays, grads)
    assert nn.utils.clip_grad_value_(zp, 1.25) is None
    torch.nn.utils.clip_grad_value_(tp, 1.25)
    for a, b in zip(zp, tp):
        np.testing.assert_array_equal(_np(a.grad), _np(b.grad))
    single = zoo_core.ones(2, requires_grad=True)
    single.grad = zoo_core.tensor([-5.0, 0.5])
    nn.utils.clip_grad_value_(single, 1)
    assert single.grad.tolist() == [-1.0, 0.5]


def test_clip_in_a_training_step():
    m = nn.LSTM(3, 4)
    out, _ = m(zoo_core.randn(5, 2, 3))
    (out * 100).sum().backward()
    total = nn.utils.clip_grad_norm_(m.parameters(), 0.5)
    assert float(total) > 0.5
    after = nn.utils.get_total_norm([p.grad for p in m.parameters()])
    assert math.isclose(float(after), 0.5, rel_tol=1e-4)


# ---- parameters_to_vector / vector_to_parameters ----------------------------------------------------
def test_parameters_vector_roundtrip_matches_torch():
    tm = torch.nn.Linear(3, 2)
    zm = nn.Linear(3, 2)
    zm.load_state_dict({k: zoo_core.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    zv = nn.utils.parameters_to_vector(zm.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_allclose(_np(zv), _np(tv))
    assert zv.requires_grad                                        # differentiable, like torch
    zv.sum().backward()
    assert zm.weight.grad.tolist() == [[1.0] * 3] * 2
    new = zoo_core.arange(8, dtype=zoo_core.float32)
    nn.utils.vector_to_parameters(new, zm.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8, dtype=torch.float32), tm.parameters())
    np.testing.assert_array_equal(_np(zm.weight), _np(tm.weight))
    np.testing.assert_array_equal(_np(zm.bias), _np(tm.bias))
    assert zm.weight.requires_grad and zm.weight.grad_fn is None
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], zm.parameters())
