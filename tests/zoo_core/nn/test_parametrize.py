"""nn.utils.parametrize, parametrizations.weight_norm/spectral_norm and the older weight_norm."""
import numpy as np
import pytest

import zoo_core as zoo
import zoo_core.nn as nn
from zoo_core.nn.utils import parametrizations, parametrize


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT

    def right_inverse(self, A):
        return A.triu()


class Double(nn.Module):
    def forward(self, X):
        return X * 2

    def right_inverse(self, X):
        return X / 2


def test_register_chain_assign_and_remove():
    m = nn.Linear(3, 3)
    w0 = m.weight.detach().clone()
    parametrize.register_parametrization(m, "weight", Symmetric())
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, nn.Linear)
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    np.testing.assert_allclose(m.weight.numpy(force=True), m.weight.numpy(force=True).T)
    assert sorted(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(), np.triu(w0.numpy()))
    parametrize.register_parametrization(m, "weight", Double())
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, 2 * (np.triu(w0.numpy()) + np.triu(w0.numpy(), 1).T), rtol=1e-6)
    # assignment runs the right inverses backwards
    target = zoo.tensor([[2.0, 4.0, 6.0], [4.0, 8.0, 10.0], [6.0, 10.0, 12.0]])
    m.weight = target
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy())
    # gradients reach the original
    m(zoo.ones(1, 3)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy())
    assert sorted(m.state_dict()) == ["bias", "weight"]


def test_errors_and_cached():
    m = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(m, "wieght", Double())

    class Shrink(nn.Module):
        def forward(self, X):
            return X[0]
    with pytest.raises(ValueError, match="may not change the dtype or shape"):
        parametrize.register_parametrization(m, "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parametrization"):
        parametrize.remove_parametrizations(m, "weight")
    parametrize.register_parametrization(m, "weight", Double())
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight


def _torch_pair(make_zoo, make_torch, torch):
    zm, tm = make_zoo(), make_torch()
    zm.load_state_dict({k: zoo.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return zm, tm


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch = pytest.importorskip("torch")
    zoo.manual_seed(0)
    torch.manual_seed(0)
    zm, tm = _torch_pair(lambda: parametrizations.weight_norm(nn.Conv1d(3, 4, 3), dim=dim),
                         lambda: torch.nn.utils.parametrizations.weight_norm(torch.nn.Conv1d(3, 4, 3), dim=dim),
                         torch)
    assert list(zm.state_dict()) == list(tm.state_dict())
    x = np.random.RandomState(0).randn(2, 3, 7).astype(np.float32)
    zy, ty = zm(zoo.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(zy.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    (zy ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for (zn, zp), (tn, tp) in zip(zm.named_parameters(), tm.named_parameters()):
        assert zn == tn
        np.testing.assert_allclose(zp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_old_weight_norm_matches_torch_and_converts():
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        told = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    zold = nn.utils.weight_norm(nn.Linear(4, 3))
    assert list(zold.state_dict()) == list(told.state_dict()) == ["bias", "weight_g", "weight_v"]
    zold.load_state_dict({k: zoo.tensor(v.detach().numpy()) for k, v in told.state_dict().items()})
    x = np.random.RandomState(1).randn(5, 4).astype(np.float32)
    np.testing.assert_allclose(zold(zoo.tensor(x)).detach().numpy(), told(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # an old-style checkpoint loads into the new parametrization
    znew = parametrizations.weight_norm(nn.Linear(4, 3))
    znew.load_state_dict(zold.state_dict())
    np.testing.assert_allclose(znew(zoo.tensor(x)).detach().numpy(), zold(zoo.tensor(x)).detach().numpy(),
                               rtol=1e-6)
    nn.utils.remove_weight_norm(zold)
    assert list(zold.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(zold(zoo.tensor(x)).detach().numpy(), told(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(zold)


def test_weight_norm_gradcheck():
    v = zoo.randn(3, 4, dtype=zoo.float64, requires_grad=True)
    g = zoo.rand(3, 1, dtype=zoo.float64, requires_grad=True)
    from zoo_core.nn.utils.weight_norm import _weight_norm
    assert zoo.autograd.gradcheck(lambda a, b: _weight_norm(a, b, 0), (v, g))
    assert zoo.autograd.gradgradcheck(lambda a, b: _weight_norm(a, b, 0), (v, g))


def test_spectral_norm_estimates_the_top_singular_value():
    zoo.manual_seed(0)
    m = parametrizations.spectral_norm(nn.Linear(6, 5))
    assert sorted(m.state_dict()) == ["bias", "parametrizations.weight.0._u", "parametrizations.weight.0._v",
                                      "parametrizations.weight.original"]
    for _ in range(30):
        w = m.weight   # each training-mode access runs one power-iteration step
    top = np.linalg.svd(w.detach().numpy(), compute_uv=False)[0]
    assert abs(top - 1.0) < 1e-3
    m.eval()
    np.testing.assert_allclose(m.weight.detach().numpy(), w.detach().numpy(), rtol=1e-6)


def test_spectral_norm_matches_torch_given_the_same_vectors():
    torch = pytest.importorskip("torch")
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(2, 3, 3))
    zm = parametrizations.spectral_norm(nn.Conv2d(2, 3, 3))
    zm.load_state_dict({k: zoo.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.RandomState(2).randn(1, 2, 5, 5).astype(np.float32)
    for mode in ("train", "eval"):
        getattr(zm, mode)()
        getattr(tm, mode)()
        zy, ty = zm(zoo.tensor(x)), tm(torch.tensor(x))
        np.testing.assert_allclose(zy.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    (zy ** 2).sum().backward()
    (ty ** 2).sum().backward()
    np.testing.assert_allclose(zm.parametrizations.weight.original.grad.numpy(),
                               tm.parametrizations.weight.original.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_parametrized_module_moves_to_device(device):
    zoo.manual_seed(0)
    m = parametrizations.spectral_norm(parametrizations.weight_norm(nn.Linear(4, 3)), "bias")
    ref = m(zoo.ones(2, 4)).detach().numpy()
    m.eval()
    ref = m(zoo.ones(2, 4)).detach().numpy()
    m.to(device)
    y = m(zoo.ones(2, 4, device=device))
    assert y.device.type == device
    np.testing.assert_allclose(y.detach().cpu().numpy(), ref, rtol=1e-5)
    y.sum().backward()
    assert m.parametrizations.weight.original1.grad.device.type == device


def test_review_remove_keeps_frozen_original_frozen():
    import zoo_core
    from zoo_core.nn.utils import parametrize

    class Scale(zoo_core.nn.Module):
        def forward(self, x):
            return x * 2

    m = zoo_core.nn.Linear(3, 3)
    m.weight.requires_grad_(False)
    w = m.weight.detach().clone()
    parametrize.register_parametrization(m, "weight", Scale())
    parametrize.remove_parametrizations(m, "weight")
    assert not m.weight.requires_grad
    assert zoo_core.equal(m.weight, w * 2)
