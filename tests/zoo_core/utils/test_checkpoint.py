"""zoo_core.utils.checkpoint: recomputation gives the same outputs and gradients as the plain run."""
import numpy as np
import pytest

import zoo_core as zoo
import zoo_core.nn as nn
from zoo_core.utils.checkpoint import checkpoint, checkpoint_sequential


def _model():
    zoo.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(),
                         nn.Linear(8, 2))


def _run(model, x, how):
    zoo.manual_seed(123)
    if how == "plain":
        y = model(x)
    elif how == "checkpoint":
        y = checkpoint(model, x, use_reentrant=False)
    else:
        y = checkpoint_sequential(model, how, x, use_reentrant=False)
    (y * zoo.arange(2.0)).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    return y.detach().numpy(), x.grad.numpy().copy(), grads


@pytest.mark.parametrize("how", ["checkpoint", 1, 2, 3, 6])
def test_same_values_and_gradients_with_dropout(how):
    model = _model()
    x = zoo.randn(5, 4, requires_grad=True)
    ref = _run(model, x, "plain")
    x.grad = None
    model.zero_grad()
    got = _run(model, x, how)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6)
    for a, b in zip(got[2], ref[2]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_input_without_grad_still_trains_parameters():
    lin = nn.Linear(3, 2)
    y = checkpoint(lin, zoo.ones(4, 3), use_reentrant=False)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(lin.bias.grad.numpy(), [4.0, 4.0])


def test_kwargs_multiple_outputs_and_no_grad_mode():
    x = zoo.tensor([1.0, 2.0], requires_grad=True)
    a, b = checkpoint(lambda t, scale=1.0: (t * scale, t.exp()), x, scale=3.0, use_reentrant=False)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 + np.exp([1.0, 2.0]), rtol=1e-6)
    with zoo.no_grad():
        assert not checkpoint(lambda t: t * 2, x).requires_grad


def test_forward_keeps_no_intermediate_graph():
    x = zoo.randn(3, requires_grad=True)
    y = checkpoint(lambda t: t.sin().exp(), x, use_reentrant=False)
    assert y.grad_fn.name() == "_CheckpointBackward"
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions if f is not None] == ["AccumulateGrad"]


def test_review_checkpoint_dict_and_list_outputs():
    import zoo_core
    from zoo_core.utils.checkpoint import checkpoint
    x = zoo_core.ones(2, 3, requires_grad=True)
    out = checkpoint(lambda a: {"k": a * 2, "n": "tag"}, x, use_reentrant=False)
    assert out["n"] == "tag"
    out["k"].sum().backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2
    lst = checkpoint(lambda a: [a * 3], x, use_reentrant=False)
    assert isinstance(lst, list) and lst[0].shape == (2, 3)
