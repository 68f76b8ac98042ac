"""Porting check: programs written with PyTorch 2's newer APIs (torch.func, checkpointing,
parametrizations, distributions, torch.linalg, profiler, testing), run unchanged on Zoo and on PyTorch.

Each test body uses only ``lib.torch``/``lib.nn``/``lib.F``/``lib.optim`` and the submodules reached
through them, as a ported script would after changing its imports.
"""
import importlib
import math

import numpy as np
import pytest

from tests.zoo_core.porting._helpers import _decreased


def _sub(lib, name):
    """``torch.<name>`` as a ported script imports it (``from torch.func import ...``)."""
    return importlib.import_module(f"{lib.torch.__name__}.{name}")


# --------------------------------------------------------------------------------------------------------
# 1. Per-sample gradients with torch.func (the official tutorial's recipe)
# --------------------------------------------------------------------------------------------------------

def test_per_sample_gradients(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    func = _sub(lib, "func")
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    x, y = torch.randn(5, 6), torch.randint(0, 3, (5,))

    def loss_one(p, b, xi, yi):
        out = func.functional_call(model, (p, b), (xi.unsqueeze(0),))
        return F.cross_entropy(out, yi.unsqueeze(0))

    per_sample = func.vmap(func.grad(loss_one), in_dims=(None, None, 0, 0))(params, buffers, x, y)
    assert per_sample["0.weight"].shape == (5, 8, 6)
    F.cross_entropy(model(x), y, reduction="sum").backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(per_sample[name].sum(0).numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------------------------------------
# 2. Activation checkpointing in a residual MLP with dropout
# --------------------------------------------------------------------------------------------------------

def test_checkpointed_training(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    checkpoint = _sub(lib, "utils.checkpoint").checkpoint

    class Block(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Dropout(0.1), nn.Linear(2 * d, d))
            self.norm = nn.LayerNorm(d)

        def forward(self, x):
            return x + self.ff(self.norm(x))

    blocks = nn.ModuleList(Block(16) for _ in range(3))
    head = nn.Linear(16, 1)
    opt = torch.optim.AdamW(list(blocks.parameters()) + list(head.parameters()), lr=3e-3)
    x = torch.randn(64, 16)
    y = (x[:, :4].sum(1, keepdim=True) > 0).float()
    losses = []
    for _ in range(40):
        h = x
        for b in blocks:
            h = checkpoint(b, h, use_reentrant=False)
        loss = F.binary_cross_entropy_with_logits(head(h), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    _decreased(losses, 0.7)


# --------------------------------------------------------------------------------------------------------
# 3. A VAE step with torch.distributions (reparameterised sampling, analytic KL)
# --------------------------------------------------------------------------------------------------------

def test_vae_with_distributions(lib):
    torch, nn = lib.torch, lib.nn
    D = _sub(lib, "distributions")
    enc, dec = nn.Linear(8, 2 * 2), nn.Linear(2, 8)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-2)
    data = torch.randn(128, 2) @ torch.randn(2, 8)      # data on a 2-D subspace
    prior = D.Normal(torch.zeros(2), torch.ones(2))
    losses = []
    for _ in range(60):
        mu, log_sigma = enc(data).chunk(2, dim=-1)
        q = D.Normal(mu, log_sigma.exp())
        z = q.rsample()
        recon = D.Independent(D.Normal(dec(z), torch.ones(8)), 1).log_prob(data)
        kl = D.kl_divergence(q, prior).sum(-1)
        loss = (kl - recon).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    _decreased(losses, 0.9)


def test_squashed_gaussian_policy(lib):
    torch = lib.torch
    D = _sub(lib, "distributions")
    T = _sub(lib, "distributions.transforms")
    mu = torch.zeros(4, 2, requires_grad=True)
    log_std = torch.full((4, 2), -0.5, requires_grad=True)
    pi = D.TransformedDistribution(D.Normal(mu, log_std.exp()), [T.TanhTransform(cache_size=1)])
    a = pi.rsample()
    logp = pi.log_prob(a).sum(-1)
    assert a.abs().max().item() < 1 and logp.shape == (4,) and bool(torch.isfinite(logp).all())
    (-logp.mean() + (a ** 2).mean()).backward()
    assert mu.grad is not None and log_std.grad is not None


# --------------------------------------------------------------------------------------------------------
# 4. Weight- and spectrally-normalised layers (parametrizations), then folded back
# --------------------------------------------------------------------------------------------------------

def test_parametrized_layers_train_and_fold(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    P = _sub(lib, "nn.utils.parametrizations")
    parametrize = _sub(lib, "nn.utils.parametrize")
    conv = P.weight_norm(nn.Conv1d(2, 4, 3, padding=1))
    lin = P.spectral_norm(nn.Linear(4 * 8, 1))
    opt = torch.optim.SGD(list(conv.parameters()) + list(lin.parameters()), lr=0.05)
    x = torch.randn(32, 2, 8)
    y = x.mean((1, 2)).unsqueeze(1)
    losses = []
    for _ in range(40):
        loss = F.mse_loss(lin(F.relu(conv(x)).flatten(1)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    _decreased(losses, 0.9)
    conv.eval(), lin.eval()
    with torch.no_grad():
        before = lin(F.relu(conv(x)).flatten(1))
        parametrize.remove_parametrizations(conv, "weight")
        parametrize.remove_parametrizations(lin, "weight")
        after = lin(F.relu(conv(x)).flatten(1))
    assert sorted(conv.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(after.numpy(), before.numpy(), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------------------------
# 5. Gaussian-process regression with torch.linalg (Cholesky, triangular solves), fitted by gradient
# --------------------------------------------------------------------------------------------------------

def test_gp_marginal_likelihood(lib):
    torch = lib.torch
    x = torch.linspace(0, 5, 25, dtype=torch.float64).unsqueeze(1)
    y = torch.sin(x).squeeze(1) + 0.05 * torch.randn(25, dtype=torch.float64)
    log_ls = torch.tensor(math.log(0.3), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([log_ls], lr=0.1)
    nlls = []
    for _ in range(30):
        d2 = (x - x.T) ** 2
        K = torch.exp(-0.5 * d2 / log_ls.exp() ** 2) + 1e-2 * torch.eye(25, dtype=torch.float64)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        nll = 0.5 * (y.unsqueeze(1) * alpha).sum() + torch.log(torch.diagonal(L)).sum()
        opt.zero_grad()
        nll.backward()
        opt.step()
        nlls.append(nll.item())
    assert nlls[-1] < nlls[0]
    v = torch.linalg.solve_triangular(L, y.unsqueeze(1), upper=False)
    torch.testing.assert_close((L @ v).squeeze(1), y, rtol=1e-8, atol=1e-8)


# --------------------------------------------------------------------------------------------------------
# 6. Profiling a training step and checking results with torch.testing
# --------------------------------------------------------------------------------------------------------

def test_profiled_step_and_assert_close(lib):
    torch, nn = lib.torch, lib.nn
    profiler = _sub(lib, "profiler")
    model = nn.Linear(16, 4)
    x = torch.randn(8, 16)
    with profiler.profile(activities=[profiler.ProfilerActivity.CPU]) as prof:
        with profiler.record_function("train_step"):
            model(x).square().mean().backward()
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    assert "train_step" in table
    torch.testing.assert_close(model(x), x @ model.weight.T + model.bias)
    with pytest.raises(AssertionError):
        torch.testing.assert_close(model(x), model(x) + 1)
