"""Train-step time of the pooled CNN at batch 64, against PyTorch in the same process.

    python bench/cnn.py [--batch 64] [--steps 20] [--threads N] [--device cpu|cuda]

Model: conv(1,32,3)-relu-pool-conv(32,64,3)-relu-pool-fc(1600,128)-relu-fc(128,10) on 28x28 inputs, with
cross-entropy and SGD(momentum). Both frameworks get the same weights and data. Prints the median step
time of each, the ratio (zoo / torch, lower is better) and the peak RSS of a zoo-only run in a
subprocess (CPU). On ``--device cuda`` each timed step ends with a device synchronisation of its own
framework. glibc's malloc trims and re-maps big buffers on every step, which adds 2-3x noise here, so the
script re-executes itself with MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ fixed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "1000000000", "MALLOC_TRIM_THRESHOLD_": "1000000000"}


def build(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))


def make_step(lib, model):
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def time_steps(step, x, y, steps, warmup=3, sync=lambda: None):
    for _ in range(warmup):
        step(x, y)
    sync()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step(x, y)
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def zoo_only(batch, steps):
    """Run zoo alone (for its peak RSS); prints the RSS in MiB (VmHWM: ru_maxrss survives exec, so it
    would report the parent's peak)."""
    import numpy as np
    import zoo_core
    rng = np.random.default_rng(0)
    x = zoo_core.from_numpy(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = zoo_core.from_numpy(rng.integers(0, 10, batch))
    zoo_core.manual_seed(0)
    model = build(zoo_core)
    time_steps(make_step(zoo_core, model), x, y, steps)
    with open("/proc/self/status") as f:
        hwm = next(line for line in f if line.startswith("VmHWM:"))
    print(int(hwm.split()[1]) / 1024)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1,
                   help="threads for both torch and numpy's BLAS (default 1: the steadiest comparison; "
                        "with 2+ both libraries' spinning worker threads disturb each other)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda: both frameworks on that device")
    p.add_argument("--zoo-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    want = dict(_MALLOC, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    if any(os.environ.get(k) != v for k, v in want.items()):
        env = dict(os.environ, **want)
        os.execve(sys.executable, [sys.executable, __file__] + (argv if argv is not None else sys.argv[1:]), env)
    if args.zoo_only:
        zoo_only(args.batch, args.steps)
        return
    import numpy as np
    import torch
    import zoo_core
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((args.batch, 1, 28, 28)).astype(np.float32)
    yn = rng.integers(0, 10, args.batch)
    torch.manual_seed(0)
    dev = args.device
    tm = build(torch)
    zm = build(zoo_core)
    zm.load_state_dict({k: zoo_core.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tm.to(dev)
    zm.to(dev)
    zstep, tstep = make_step(zoo_core, zm), make_step(torch, tm)
    zx, zy = zoo_core.from_numpy(xn).to(dev), zoo_core.from_numpy(yn).to(dev)
    tx, ty = torch.from_numpy(xn).to(dev), torch.from_numpy(yn).to(dev)
    zsync = zoo_core.cuda.synchronize if dev != "cpu" else (lambda: None)
    tsync = torch.cuda.synchronize if dev != "cpu" else (lambda: None)
    # same weights, same data: the first losses agree
    zl, tl = zstep(zx, zy).item(), tstep(tx, ty).item()
    assert abs(zl - tl) < 1e-3 * max(1.0, abs(tl)), (zl, tl)
    z = t = 0.0
    for _ in range(3):   # interleave rounds so machine noise hits both alike
        z += time_steps(zstep, zx, zy, args.steps, sync=zsync)
        t += time_steps(tstep, tx, ty, args.steps, sync=tsync)
    if dev != "cpu":
        print(f"pooled CNN train step, batch {args.batch}, {dev} ({zoo_core.cuda.get_device_name()})")
        print(f"zoo   {z / 3 * 1e3:8.2f} ms/step")
        print(f"torch {t / 3 * 1e3:8.2f} ms/step")
        print(f"ratio {z / t:8.2f} (zoo / torch)")
        return
    rss = subprocess.run([sys.executable, __file__, "--zoo-only", "--batch", str(args.batch), "--steps", "5",
                          "--threads", str(args.threads)],
                         capture_output=True, text=True, env=os.environ).stdout.strip().splitlines()[-1]
    print(f"pooled CNN train step, batch {args.batch}, CPU ({os.cpu_count()} cores; threads: torch "
          f"{torch.get_num_threads()}, numpy BLAS {os.environ.get('OPENBLAS_NUM_THREADS')})")
    print(f"zoo   {z / 3 * 1e3:8.2f} ms/step")
    print(f"torch {t / 3 * 1e3:8.2f} ms/step")
    print(f"ratio {z / t:8.2f} (zoo / torch)")
    print(f"zoo-only process peak RSS {float(rss):.0f} MiB")


if __name__ == "__main__":
    main()
