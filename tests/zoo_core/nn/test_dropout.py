"""Dropout: masks and scaling, channel-wise forms, eval identity, reproducibility, gradients."""
import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.autograd import gradcheck, gradgradcheck


def test_dropout_zeroes_and_scales():
    zoo_core.manual_seed(0)
    x = zoo_core.ones(20000)
    y = F.dropout(x, 0.3).numpy()
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert abs(y.mean() - 1.0) < 0.03            # unbiased in expectation


def test_dropout_gradient_is_the_mask():
    x = zoo_core.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.backward(zoo_core.ones_like(y))
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 2.0, 0.0))
    np.testing.assert_allclose(y.detach().numpy(), np.where(kept, 2 * x.detach().numpy(), 0.0), rtol=1e-6)


@pytest.mark.parametrize("fn,shape", [(F.dropout, (3, 4)), (F.dropout2d, (2, 3, 2, 2)), (F.dropout1d, (2, 3, 4)),
                                      (F.alpha_dropout, (3, 4))])
def test_gradcheck_with_a_fixed_mask(fn, shape):
    x = zoo_core.randn(*shape, dtype=zoo_core.float64, requires_grad=True)

    def f(x):
        zoo_core.manual_seed(7)       # the same mask on every call
        return fn(x, 0.4, True)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_reproducible_with_manual_seed():
    x = zoo_core.randn(100)
    zoo_core.manual_seed(42)
    a = F.dropout(x, 0.5)
    zoo_core.manual_seed(42)
    b = F.dropout(x, 0.5)
    c = F.dropout(x, 0.5)
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()


def test_identity_when_not_training_or_p_zero():
    x = zoo_core.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout2d(x.reshape(1, 3, 2, 2), 0.5, training=False).shape == (1, 3, 2, 2)
    m = nn.Dropout(0.9).eval()
    assert m(x) is x


def test_p_one_gives_zeros_and_zero_gradient():
    x = zoo_core.randn(5, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert y.tolist() == [0.0] * 5
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 5


@pytest.mark.parametrize("fn,shape,groups", [
    (F.dropout2d, (4, 6, 3, 3), (4, 6)), (F.dropout1d, (4, 6, 5), (4, 6)),
    (F.dropout1d, (6, 5), (6,)), (F.dropout3d, (2, 5, 2, 2, 2), (2, 5))])
def test_channel_dropout_zeroes_whole_channels(fn, shape, groups):
    zoo_core.manual_seed(1)
    y = fn(zoo_core.ones(*shape), 0.5).numpy()
    per_channel = y.reshape(groups + (-1,))
    assert (per_channel.min(-1) == per_channel.max(-1)).all()            # constant per channel
    assert set(np.unique(per_channel).tolist()) <= {0.0, 2.0}
    assert (per_channel == 0).any() and (per_channel == 2).any()


def test_dropout2d_of_3d_input_follows_torch():
    # PyTorch currently reads a 3-D input to dropout2d as (N, C, L) and warns about it
    zoo_core.manual_seed(1)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = F.dropout2d(zoo_core.ones(6, 3, 4), 0.5).numpy()
    assert (y.min(-1) == y.max(-1)).all() and not (y.reshape(6, -1).min(1) == y.reshape(6, -1).max(1)).all()


def test_channel_dropout_shape_errors():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(zoo_core.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="dropout2d: Expected 3D or 4D input, but received a 2D input"):
        F.dropout2d(zoo_core.randn(2, 3))


def test_inplace_writes_into_the_input():
    zoo_core.manual_seed(0)
    x = zoo_core.ones(100)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x.numpy()).tolist()) == {0.0, 2.0}
    leaf = zoo_core.randn(10, requires_grad=True)
    h = leaf * 1.0
    out = nn.Dropout(0.5, inplace=True)(h)
    assert out is h
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), (out.detach().numpy() != 0) * 2.0)


def test_alpha_dropout_keeps_mean_and_variance():
    zoo_core.manual_seed(0)
    x = zoo_core.randn(200000)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x                        # training defaults to False
    assert nn.AlphaDropout(0.2).eval()(x) is x


def test_feature_alpha_dropout_drops_whole_channels():
    zoo_core.manual_seed(2)
    y = nn.FeatureAlphaDropout(0.5)(zoo_core.zeros(4, 6, 5)).numpy()
    assert (y.min(-1) == y.max(-1)).all() and len(np.unique(y)) == 2
    assert repr(nn.FeatureAlphaDropout(0.3)) == "FeatureAlphaDropout(p=0.3, inplace=False)"


def test_modules_train_eval_and_repr():
    m = nn.Dropout(p=0.25)
    assert repr(m) == "Dropout(p=0.25, inplace=False)"
    assert repr(nn.Dropout2d(0.1, inplace=True)) == "Dropout2d(p=0.1, inplace=True)"
    assert repr(nn.Dropout1d()) == "Dropout1d(p=0.5, inplace=False)"
    assert repr(nn.AlphaDropout(0.2)) == "AlphaDropout(p=0.2, inplace=False)"
    x = zoo_core.ones(1000)
    assert (m(x).numpy() == 0).any()
    m.eval()
    assert (m(x).numpy() == 1).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        F.dropout(x, -0.1)


def test_dtype_is_kept():
    for dt in (zoo_core.float16, zoo_core.float32, zoo_core.float64):
        assert F.dropout(zoo_core.ones(8, dtype=dt), 0.5).dtype == dt
