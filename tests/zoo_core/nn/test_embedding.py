"""Embedding: lookup and gradients (accumulation, padding_idx, scale_grad_by_freq, max_norm) against
PyTorch, gradcheck, init, from_pretrained, repr, errors."""
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.autograd import gradcheck, gradgradcheck

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402

IDX = np.array([[0, 3, 3, 1], [5, 3, 0, 2]])

LAYERS = [
    lambda nn: nn.Embedding(7, 4),
    lambda nn: nn.Embedding(7, 4, padding_idx=3),
    lambda nn: nn.Embedding(7, 4, padding_idx=-2),
    lambda nn: nn.Embedding(7, 4, scale_grad_by_freq=True),
    lambda nn: nn.Embedding(7, 4, padding_idx=0, scale_grad_by_freq=True),
    lambda nn: nn.Embedding(7, 4, max_norm=1.0),
    lambda nn: nn.Embedding(7, 4, max_norm=1.5, norm_type=1.0),
    lambda nn: nn.Embedding(7, 4, sparse=True),
]


@pytest.mark.parametrize("ctor", LAYERS, ids=lambda c: repr(c(nn)))
def test_matches_torch(ctor):
    pytest.importorskip("torch")
    z, t = build(ctor)
    compare_layer(z, t, x=IDX)
    # max_norm renormalises the table in place: the weights must agree afterwards too
    np.testing.assert_allclose(z.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("ctor", LAYERS, ids=lambda c: repr(c(nn)))
def test_repr_matches_torch(ctor):
    pytest.importorskip("torch")
    repr_matches(ctor)


def test_gradient_accumulates_repeated_indices_and_skips_padding():
    w = zoo_core.ones(4, 2, requires_grad=True)
    F.embedding(zoo_core.tensor([1, 1, 2, 1, 0]), w, padding_idx=0).sum().backward()
    assert w.grad.tolist() == [[0.0, 0.0], [3.0, 3.0], [1.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True, "padding_idx": 2}])
def test_gradcheck_weight(kwargs):
    w = zoo_core.randn(5, 3, dtype=zoo_core.float64, requires_grad=True)
    idx = zoo_core.tensor([[0, 1, 1], [4, 2, 1]])
    f = lambda w: F.embedding(idx, w, **kwargs)  # noqa: E731
    if not kwargs:
        assert gradcheck(f, (w,))
    assert gradgradcheck(f, (w,))


def test_double_backward_matches_torch():
    # (with scale_grad_by_freq PyTorch's double backward ignores the scaling; ours is the exact derivative,
    # which gradgradcheck verifies above, so that case is not compared)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    wa = rng.standard_normal((5, 3))
    out = []
    for lib in (zoo_core, torch):
        w = lib.tensor(wa, requires_grad=True)
        idx = lib.tensor([[0, 1, 1], [4, 2, 1]])
        y = lib.nn.functional.embedding(idx, w, padding_idx=2)
        go = lib.tensor(np.arange(18.0).reshape(2, 3, 3), requires_grad=True)
        (gw,) = lib.autograd.grad(y, w, go, create_graph=True)
        (ggo,) = lib.autograd.grad((gw * gw).sum(), go)
        out.append((gw.detach().numpy(), ggo.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])


def test_int32_indices_and_shapes():
    emb = nn.Embedding(10, 3)
    y = emb(zoo_core.tensor([[1, 2], [3, 4]], dtype=zoo_core.int32))
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(y.detach().numpy()[1, 0], emb.weight.detach().numpy()[3])
    assert emb(zoo_core.tensor(4)).shape == (3,)


def test_errors():
    w = zoo_core.randn(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(zoo_core.tensor([0, 3]), w)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(zoo_core.tensor([-1]), w)
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int; but got torch.FloatTensor instead"):
        F.embedding(zoo_core.tensor([1.0]), w)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 4, padding_idx=3)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 4, padding_idx=-4)


def test_default_init_is_standard_normal_with_zero_padding_row():
    zoo_core.manual_seed(0)
    emb = nn.Embedding(2000, 16, padding_idx=5)
    w = emb.weight.detach().numpy()
    assert (w[5] == 0).all()
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.02
    assert emb.padding_idx == 5 and nn.Embedding(10, 2, padding_idx=-1).padding_idx == 9


def test_from_pretrained():
    table = zoo_core.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb.weight.tolist() == table.tolist()
    assert (emb.num_embeddings, emb.embedding_dim) == (3, 2)
    assert emb(zoo_core.tensor([2, 0])).tolist() == [[5.0, 6.0], [1.0, 2.0]]
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    assert trainable.weight.tolist()[1] == [3.0, 4.0]            # the padding row is kept as given
    trainable(zoo_core.tensor([1, 2])).sum().backward()
    assert trainable.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(zoo_core.ones(3))


def test_state_dict():
    emb = nn.Embedding(4, 2)
    assert list(emb.state_dict()) == ["weight"] and emb.state_dict()["weight"].shape == (4, 2)


def test_embedding_of_no_indices_backpropagates_zeros(device):
    w = zoo_core.randn(3, 2, requires_grad=True, device=device)
    out = zoo_core.nn.functional.embedding(zoo_core.tensor([], dtype=zoo_core.int64, device=device), w)
    out.sum().backward()
    assert out.shape == (0, 2) and w.grad.tolist() == [[0.0, 0.0]] * 3


@pytest.mark.gpu
def test_embedding_names_both_devices_when_they_differ():
    with pytest.raises(RuntimeError, match="embedding: .*cpu and cuda:0"):
        F.embedding(zoo_core.tensor([0, 1], device="cuda"), zoo_core.randn(3, 2))
