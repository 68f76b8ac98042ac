"""Porting tests: tutorial-style PyTorch vision / classic training code, run on Zoo by changing imports:
LR schedulers, evaluation, clipping, metrics, checkpoints, AMP.

Written the way it appears in the official PyTorch tutorials and pytorch/examples, on tiny synthetic data.
Each ``@both()`` test takes the ``lib`` fixture (``conftest.py``) and binds ``torch, nn, F, optim, data``
from it, so the very same body also runs under real PyTorch (the reference, when importable).
"""
import numpy as np
import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset, TensorDataset, random_split  # noqa: F401
from tests.zoo_core.porting._helpers import both, make_images


# ---------------------------------------------------------------------------------------------------------
# 1. ReduceLROnPlateau on a validation loss, get_last_lr / param_groups[0]['lr'], manual lr edits
# ---------------------------------------------------------------------------------------------------------
@both()
def test_reduce_lr_on_plateau_and_lr_queries(lib):
    torch, nn, optim = lib.torch, lib.nn, lib.optim

    model = nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=2)
    lrs = []
    for epoch, val_loss in enumerate([1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]):
        scheduler.step(val_loss)
        lrs.append(optimizer.param_groups[0]['lr'])
        print(f"epoch {epoch} lr {scheduler.get_last_lr()}")
    assert lrs[:5] == [1e-3] * 5
    assert lrs[5] == pytest.approx(1e-4) and lrs[-1] == pytest.approx(1e-5)
    assert scheduler.get_last_lr() == [pytest.approx(1e-5)]

    # step with a tensor metric (val_loss left as a 0-d tensor is common)
    scheduler.step(torch.tensor(0.1))
    assert scheduler.best == pytest.approx(0.1)

    optimizer = optim.SGD([{'params': model.weight}, {'params': model.bias, 'lr': 0.5}], lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.5)
    seen = []
    for epoch in range(5):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    assert seen[-1] == [pytest.approx(0.025), pytest.approx(0.125)]
    assert [g['lr'] for g in optimizer.param_groups] == seen[-1]
    # manual adjustment, the classic adjust_learning_rate() from the ImageNet example
    def adjust_learning_rate(optimizer, epoch, lr=0.1):
        lr = lr * (0.1 ** (epoch // 30))
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr
    adjust_learning_rate(optimizer, 30)
    assert optimizer.param_groups[1]['lr'] == pytest.approx(0.01)

    cos = optim.lr_scheduler.CosineAnnealingLR(optim.SGD(model.parameters(), lr=1.0), T_max=10)
    for _ in range(10):
        cos.optimizer.step()
        cos.step()
    assert cos.get_last_lr()[0] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------------------
# 2. @torch.no_grad() as a decorator, torch.inference_mode(), evaluate() helper
# ---------------------------------------------------------------------------------------------------------
@both()
def test_no_grad_decorator_evaluate(lib):
    torch, nn = lib.torch, lib.nn

    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        outputs = [model(xb) for xb, _ in loader]
        return torch.cat(outputs)

    @torch.no_grad
    def predict(model, x):  # bare decorator form (torch >= 2.0)
        return model(x).argmax(1)

    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    ds = lib.TensorDataset(torch.randn(10, 3), torch.zeros(10))
    out = evaluate(model, lib.DataLoader(ds, batch_size=4))
    assert out.shape == (10, 2) and not out.requires_grad and out.grad_fn is None
    assert torch.is_grad_enabled()
    assert not model.training
    assert predict(model, torch.randn(2, 3)).dtype == torch.int64
    with torch.inference_mode():
        y = model(torch.randn(2, 3))
    assert not y.requires_grad
    assert model(torch.randn(2, 3)).requires_grad


# ---------------------------------------------------------------------------------------------------------
# 3. zero_grad(set_to_none=True), clip_grad_norm_ / clip_grad_value_, grad-norm logging
# ---------------------------------------------------------------------------------------------------------
@both()
def test_zero_grad_set_to_none_and_clipping(lib):
    torch, nn = lib.torch, lib.nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 10) * 10, torch.randn(64, 1) * 10
    losses = []
    for step in range(10):
        model.zero_grad(set_to_none=True)
        assert all(p.grad is None for p in model.parameters())
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        if step == 0:
            assert total_norm.item() > 1.0
            after = torch.norm(torch.stack([torch.norm(p.grad.detach(), 2) for p in model.parameters()]), 2)
            assert after.item() == pytest.approx(1.0, rel=1e-4)
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]

    optimizer.zero_grad(set_to_none=True)
    assert model[0].weight.grad is None
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    optimizer.zero_grad(set_to_none=False)
    assert model[0].weight.grad is not None and model[0].weight.grad.abs().sum().item() == 0

    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.1)
    assert max(p.grad.abs().max().item() for p in model.parameters()) <= 0.1 + 1e-7

    # grad-norm logging loop found in many training scripts
    total = 0.0
    for p in model.parameters():
        if p.grad is not None:
            param_norm = p.grad.data.norm(2)
            total += param_norm.item() ** 2
    total = total ** 0.5
    assert total > 0


# ---------------------------------------------------------------------------------------------------------
# 4. ImageNet-example accuracy(output, target, topk=(1, 5)) with AverageMeter; torch.topk
# ---------------------------------------------------------------------------------------------------------
@both()
def test_imagenet_topk_accuracy(lib):
    torch = lib.torch

    class AverageMeter(object):
        """Computes and stores the average and current value"""
        def __init__(self, name, fmt=':f'):
            self.name = name
            self.fmt = fmt
            self.reset()

        def reset(self):
            self.val = 0
            self.avg = 0
            self.sum = 0
            self.count = 0

        def update(self, val, n=1):
            self.val = val
            self.sum += val * n
            self.count += n
            self.avg = self.sum / self.count

        def __str__(self):
            fmtstr = '{name} {val' + self.fmt + '} ({avg' + self.fmt + '})'
            return fmtstr.format(**self.__dict__)

    def accuracy(output, target, topk=(1,)):
        """Computes the accuracy over the k top predictions for the specified values of k"""
        with torch.no_grad():
            maxk = max(topk)
            batch_size = target.size(0)
            _, pred = output.topk(maxk, 1, True, True)
            pred = pred.t()
            correct = pred.eq(target.view(1, -1).expand_as(pred))
            res = []
            for k in topk:
                correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
                res.append(correct_k.mul_(100.0 / batch_size))
            return res

    rng = np.random.default_rng(0)
    logits = rng.standard_normal((40, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 40)
    order = np.argsort(-logits, axis=1)
    top1_ref = 100.0 * np.mean(order[:, 0] == labels)
    top5_ref = 100.0 * np.mean((order[:, :5] == labels[:, None]).any(1))

    top1, top5 = AverageMeter('Acc@1', ':6.2f'), AverageMeter('Acc@5', ':6.2f')
    output, target = torch.from_numpy(logits), torch.from_numpy(labels)
    for i in range(0, 40, 8):
        acc1, acc5 = accuracy(output[i:i + 8], target[i:i + 8], topk=(1, 5))
        top1.update(acc1[0], 8)
        top5.update(acc5[0], 8)
    print(top1, top5)
    assert top1.avg.item() == pytest.approx(top1_ref, abs=1e-4)
    assert top5.avg.item() == pytest.approx(top5_ref, abs=1e-4)
    assert acc1.shape == (1,)

    values, indices = torch.topk(output, 3)
    assert indices.tolist() == order[:, :3].tolist()
    assert torch.allclose(values, torch.gather(output, 1, indices))
    probs = torch.nn.functional.softmax(output[0], dim=0)
    top5_prob, top5_catid = torch.topk(probs, 5)  # hub / torchvision inference snippet
    for i in range(top5_prob.size(0)):
        print(top5_catid[i].item(), top5_prob[i].item())
    assert top5_catid.tolist() == order[0, :5].tolist()


# ---------------------------------------------------------------------------------------------------------
# 5. Confusion matrix: bincount, index_put_(accumulate=True), the zip loop, per-class accuracy
# ---------------------------------------------------------------------------------------------------------
@both()
def test_confusion_matrix(lib):
    torch = lib.torch
    nb_classes = 4
    rng = np.random.default_rng(3)
    t_np = rng.integers(0, nb_classes, 50)
    p_np = np.where(rng.random(50) < 0.6, t_np, rng.integers(0, nb_classes, 50))
    ref = np.zeros((nb_classes, nb_classes), dtype=np.int64)
    np.add.at(ref, (t_np, p_np), 1)

    targets, preds = torch.from_numpy(t_np), torch.from_numpy(p_np)

    # 1) bincount
    cm1 = torch.bincount(nb_classes * targets + preds, minlength=nb_classes ** 2).reshape(nb_classes, nb_classes)
    # 2) index_put_ with accumulate
    cm2 = torch.zeros(nb_classes, nb_classes, dtype=torch.int64)
    cm2.index_put_((targets, preds), torch.ones_like(targets), accumulate=True)
    # 3) the StackOverflow loop
    confusion_matrix = torch.zeros(nb_classes, nb_classes)
    with torch.no_grad():
        for t, p in zip(targets.view(-1), preds.view(-1)):
            confusion_matrix[t.long(), p.long()] += 1
    # 4) stack + unique counts
    stacked = torch.stack((targets, preds), dim=1)
    cm4 = torch.zeros(nb_classes, nb_classes, dtype=torch.int64)
    for pair in stacked:
        tl, pl = pair.tolist()
        cm4[tl, pl] = cm4[tl, pl] + 1

    assert cm1.tolist() == ref.tolist() and cm2.tolist() == ref.tolist() and cm4.tolist() == ref.tolist()
    assert confusion_matrix.long().tolist() == ref.tolist()
    per_class = confusion_matrix.diag() / confusion_matrix.sum(1)
    assert np.allclose(per_class.numpy(), np.diag(ref) / ref.sum(1))
    precision = cm1.diag().float() / cm1.sum(0).clamp(min=1).float()
    assert precision.dtype == torch.float32 and precision.shape == (nb_classes,)
    assert torch.bincount(targets).sum().item() == 50


# ---------------------------------------------------------------------------------------------------------
# 6. Full checkpoint dict: epoch/model/optimizer/loss; resume training from it
# ---------------------------------------------------------------------------------------------------------
@both()
def test_checkpoint_save_resume(lib, tmp_path):
    torch, nn, optim = lib.torch, lib.nn, lib.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4 * 6 * 6, 3)

        def forward(self, x):
            return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))

    torch.manual_seed(0)
    x, y = make_images(16, 1, 8, 8, num_classes=3)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(3):
        optimizer.zero_grad()
        loss = F_cross_entropy(lib, model(x), y)
        loss.backward()
        optimizer.step()

    PATH = str(tmp_path / "model.pt")
    torch.save({
        'epoch': epoch,
        'model_state_dict': model.state_dict(),
        'optimizer_state_dict': optimizer.state_dict(),
        'loss': loss,
    }, PATH)

    model2 = Net()
    optimizer2 = optim.SGD(model2.parameters(), lr=0.5, momentum=0.0)
    checkpoint = torch.load(PATH, weights_only=True)
    model2.load_state_dict(checkpoint['model_state_dict'])
    optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
    epoch2 = checkpoint['epoch']
    loss2 = checkpoint['loss']
    assert epoch2 == 2 and loss2.item() == pytest.approx(loss.item())
    assert optimizer2.param_groups[0]['lr'] == 0.01 and optimizer2.param_groups[0]['momentum'] == 0.9
    model2.train()

    # resumed training matches uninterrupted training step for step
    for m, opt in ((model, optimizer), (model2, optimizer2)):
        opt.zero_grad()
        F_cross_entropy(lib, m(x), y).backward()
        opt.step()
    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        assert torch.allclose(a.float(), b.float()), k

    # whole-dict-of-tensors and list save
    torch.save([torch.ones(2), torch.arange(3)], tmp_path / "list.pt")
    lst = torch.load(tmp_path / "list.pt")
    assert lst[1].tolist() == [0, 1, 2]


def F_cross_entropy(lib, out, y):
    return lib.F.cross_entropy(out, y)


# ---------------------------------------------------------------------------------------------------------
# 7. Automatic mixed precision recipe, disabled on CPU (the code must still run unchanged)
# ---------------------------------------------------------------------------------------------------------
@both()
@pytest.mark.filterwarnings("ignore:`torch.cuda.amp")
def test_amp_recipe_disabled(lib):
    torch, nn = lib.torch, lib.nn
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_amp = device.type == "cuda"
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    data, target = torch.randn(32, 8, device=device), torch.randn(32, 1, device=device)
    losses = []
    for epoch in range(5):
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            output = net(data)
            loss = nn.functional.mse_loss(output, target)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    checkpoint = {"model": net.state_dict(), "optimizer": opt.state_dict(), "scaler": scaler.state_dict()}
    assert isinstance(checkpoint["scaler"], dict)
    old = torch.cuda.amp.GradScaler(enabled=False)  # pre-2.4 spelling (deprecated but common)
    with torch.cuda.amp.autocast(enabled=False):
        assert old.scale(loss) is loss or torch.equal(old.scale(loss), loss)
