"""``zoo train``: train a small CNN on the 8x8 handwritten digits shipped with zoo_vision.

With no arguments it reaches about 98-99 % test accuracy in under a minute on a laptop CPU. Checkpoints
hold the model, optimizer, scheduler, RNG states and epoch, so ``--resume`` continues bit-exactly.
"""
import argparse
from dataclasses import dataclass
from pathlib import Path
import time


@dataclass
class TrainConfig:
    epochs: int = 15              # passes over the 1,437 training images
    batch_size: int = 32          # images per optimizer step
    lr: float = 2e-3              # Adam's learning rate (cosine-annealed to zero)
    weight_decay: float = 1e-4    # AdamW's decoupled weight decay
    device: str = "cpu"           # "cpu", "cuda" or "cuda:N"
    seed: int = 0                 # seeds weights, dropout and batch order
    output: str = ""              # checkpoint written after every epoch ("" = none)
    resume: str = ""              # checkpoint to continue from ("" = start fresh)
    stop_after: int = 0           # stop after this epoch, to resume later (0 = run all epochs)
    workers: int = 0              # DataLoader worker processes
    progress: bool = True         # show a tqdm progress bar


def build_parser(parser=None):
    p = parser or argparse.ArgumentParser(prog="zoo train", description=__doc__.splitlines()[0])
    d = TrainConfig()
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"training epochs (default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"batch size (default {d.batch_size})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay, help="AdamW weight decay")
    p.add_argument("--device", default=d.device, help="cpu, cuda or cuda:N (default cpu)")
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    p.add_argument("--output", "-o", default=d.output, help="write a checkpoint here after every epoch")
    p.add_argument("--resume", default=d.resume, help="continue training from this checkpoint")
    p.add_argument("--stop-after", type=int, default=0, help="stop after this epoch (resume later)")
    p.add_argument("--workers", type=int, default=d.workers, help="DataLoader worker processes (default 0)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return p


def evaluate(model, loader, device):
    import zoo_core as torch
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images.to(device))
            correct += int((logits.argmax(1) == labels.to(device)).sum().item())
            total += len(labels)
    model.train()
    return correct / total


def _state(model, opt, sched, loader_gen, epoch, device):
    import zoo_core as torch
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
             "rng": torch.get_rng_state(), "loader_rng": loader_gen.get_state(), "epoch": epoch}
    if device.type == "cuda":   # dropout on the GPU draws from the device's generator
        state["cuda_rng"] = torch.cuda.get_rng_state(device)
    return state


def train(cfg: TrainConfig, log=print):
    """Train and return ``(model, test_accuracy, history)``; ``history`` is the mean loss per epoch."""
    import zoo_core as torch
    from zoo_core import nn, optim
    from zoo_core.data import DataLoader
    from .datasets import Digits
    from .models import SmallCNN

    torch.manual_seed(cfg.seed)
    device = torch.device(cfg.device)
    train_set, test_set = Digits(train=True), Digits(train=False)
    loader_gen = torch.Generator().manual_seed(cfg.seed)
    train_loader = DataLoader(train_set, batch_size=cfg.batch_size, shuffle=True, generator=loader_gen,
                              num_workers=cfg.workers)
    test_loader = DataLoader(test_set, batch_size=256)
    model = SmallCNN().to(device)
    opt = optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * len(train_loader))
    loss_fn = nn.CrossEntropyLoss()
    start = 0
    if cfg.resume:
        ck = torch.load(cfg.resume, map_location=device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        torch.set_rng_state(ck["rng"])
        if device.type == "cuda" and "cuda_rng" in ck:
            torch.cuda.set_rng_state(ck["cuda_rng"], device)
        loader_gen.set_state(ck["loader_rng"])
        start = int(ck["epoch"])
        log(f"resumed from {cfg.resume} at epoch {start}")

    history = []
    end = min(cfg.epochs, cfg.stop_after) if cfg.stop_after else cfg.epochs
    bar = None
    if cfg.progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=(end - start) * len(train_loader), desc="zoo train", unit="batch",
                   dynamic_ncols=True)
    t0 = time.perf_counter()
    for epoch in range(start, end):
        total = 0.0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            loss = loss_fn(model(images), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
        history.append(total / len(train_loader))
        if bar is None:
            log(f"epoch {epoch + 1}/{cfg.epochs}  loss {history[-1]:.4f}")
        if cfg.output:
            torch.save(_state(model, opt, sched, loader_gen, epoch + 1, device), cfg.output)
    if bar is not None:
        bar.close()
    acc = evaluate(model, test_loader, device)
    log(f"test accuracy {acc * 100:.2f} % ({len(test_set)} held-out digits, {time.perf_counter() - t0:.1f} s)")
    if cfg.output:
        log(f"checkpoint written to {Path(cfg.output)}")
    return model, acc, history


def main(argv=None):
    args = build_parser().parse_args(argv)
    cfg = TrainConfig(**{k: v for k, v in vars(args).items() if k in TrainConfig.__dataclass_fields__})
    _, acc, _ = train(cfg)
    return 0 if acc > 0 else 1
