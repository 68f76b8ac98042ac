"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
padded token losses, warmup LR schedules.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. Padded token-level losses: CrossEntropyLoss(ignore_index), label smoothing, reduction='none' masking
# --------------------------------------------------------------------------------------------------------

def test_padded_token_losses(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    pad_idx, vocab, B, T = 0, 9, 4, 6
    lengths = torch.tensor([6, 4, 3, 1])
    targets = torch.randint(1, vocab, (B, T))
    mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T) bool
    targets = targets.masked_fill(~mask, pad_idx)

    emb = nn.Embedding(vocab, 12, padding_idx=pad_idx)
    head = nn.Linear(12, vocab)
    params = list(emb.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=0.05)
    inputs = torch.roll(targets, 1, dims=1)

    criterion = nn.CrossEntropyLoss(ignore_index=pad_idx)
    smooth = nn.CrossEntropyLoss(ignore_index=pad_idx, label_smoothing=0.1)
    losses = []
    for step in range(30):
        logits = head(emb(inputs))  # (B, T, V)
        loss = criterion(logits.view(-1, logits.size(-1)), targets.view(-1))
        loss_s = smooth(logits.view(-1, logits.size(-1)), targets.view(-1))
        # the hand-masked version agrees with ignore_index
        per_tok = F.cross_entropy(logits.view(-1, vocab), targets.view(-1), reduction='none').view(B, T)
        masked = (per_tok * mask.float()).sum() / mask.sum()
        assert torch.allclose(loss, masked, atol=1e-5)
        # CrossEntropyLoss over the (B, V, T) layout agrees as well
        loss_bvt = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad_idx)
        assert torch.allclose(loss, loss_bvt, atol=1e-5)
        opt.zero_grad()
        (loss_s + 0.0 * masked).backward()
        opt.step()
        losses.append(loss.item())
    assert loss_s.item() > loss.item()  # smoothing keeps the loss away from zero
    # label smoothing matches its definition: (1 - eps) * nll + eps * mean(-log p)
    logp = F.log_softmax(logits.view(-1, vocab), dim=-1)
    keep = targets.view(-1) != pad_idx
    nll = -logp[keep].gather(1, targets.view(-1)[keep].unsqueeze(1)).squeeze(1)
    uniform = -logp[keep].mean(dim=-1)
    expected = (0.9 * nll + 0.1 * uniform).mean()
    assert torch.allclose(loss_s, expected, atol=1e-5)
    _decreased(losses, 0.5)


# --------------------------------------------------------------------------------------------------------
# 2. Linear warmup with LambdaLR (transformers' get_linear_schedule_with_warmup), Noam schedule
# --------------------------------------------------------------------------------------------------------

def test_lambda_lr_warmup_schedules(lib):
    torch, nn = lib.torch, lib.nn
    from_lr = torch.optim.lr_scheduler

    def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
        def lr_lambda(current_step: int):
            if current_step < num_warmup_steps:
                return float(current_step) / float(max(1, num_warmup_steps))
            return max(0.0, float(num_training_steps - current_step)
                       / float(max(1, num_training_steps - num_warmup_steps)))
        return from_lr.LambdaLR(optimizer, lr_lambda, last_epoch)

    model = nn.Sequential(nn.Embedding(10, 8), nn.Flatten(), nn.Linear(8 * 4, 10))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=5, num_training_steps=40)
    assert optimizer.param_groups[0]['lr'] == 0.0
    x = torch.randint(0, 10, (16, 4))
    y = x.sum(1) % 10
    lrs, losses = [], []
    for step in range(40):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        losses.append(loss.item())
    assert lrs[:5] == pytest.approx([2e-3, 4e-3, 6e-3, 8e-3, 1e-2])
    assert lrs[-1] == pytest.approx(0.0)
    assert max(lrs) == pytest.approx(1e-2)
    _decreased(losses, 0.7)

    # "Attention is all you need" schedule, per-group lambdas
    d_model, warmup = 16, 4
    opt2 = torch.optim.Adam([{'params': model[0].parameters()}, {'params': model[2].parameters()}],
                            lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    noam = lambda step: d_model ** (-0.5) * min((step + 1) ** (-0.5), (step + 1) * warmup ** (-1.5))
    sched2 = from_lr.LambdaLR(opt2, lr_lambda=[noam, lambda step: 0.5 * noam(step)])
    for step in range(6):
        opt2.step()
        sched2.step()
    assert sched2.get_last_lr()[0] == pytest.approx(noam(6))
    assert sched2.get_last_lr()[1] == pytest.approx(0.5 * noam(6))
    state = sched2.state_dict()
    assert state['last_epoch'] == 6
