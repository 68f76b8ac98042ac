"""Per-op overhead: a chain of small elementwise ops, forward + backward, against PyTorch in one process.

    python bench/ops.py [--size 16] [--chain 50] [--repeat 30] [--device cpu|cuda]

Prints the median microseconds per op for zoo_core and torch and their ratio (zoo / torch; lower is
better). Small tensors make this a measure of the Python/dispatch path, the hot loop of small models.
On ``--device cuda`` it measures the launch path: each timed chain ends with its framework's synchronisation.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def chain(lib, x, n):
    """n ops: a mix of binary-with-scalar, binary-with-tensor and unary ops."""
    y = x
    w = x * 0.5
    for i in range(n // 5):
        y = y * 0.9          # 1
        y = y + w            # 2
        y = lib.tanh(y)      # 3
        y = y - 0.1          # 4
        y = lib.sigmoid(y) * y  # 5 (counts as 2 below), keeps values bounded
    return y


OPS_PER_BLOCK = 6


def _once(lib, x, g, n, backward, device):
    t0 = time.perf_counter()
    if backward:
        chain(lib, x, n).backward(g)
    else:
        with lib.no_grad():
            chain(lib, x, n)
    if device != "cpu":
        lib.cuda.synchronize()
    return time.perf_counter() - t0


def run(libs, size, n, repeat, backward, device="cpu"):
    """Median us/op per library; runs alternate between the libraries so machine noise hits all alike."""
    inputs = [(lib.ones(size, requires_grad=backward, device=device), lib.ones(size, device=device))
              for lib in libs]
    times = [[] for _ in libs]
    for r in range(repeat + 3):
        for k, lib in enumerate(libs):
            dt = _once(lib, inputs[k][0], inputs[k][1], n, backward, device)
            if r >= 3:
                times[k].append(dt)
    ops = (n // 5) * OPS_PER_BLOCK + 1
    return [statistics.median(t) / ops * 1e6 for t in times]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--chain", type=int, default=50)
    p.add_argument("--repeat", type=int, default=100)
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    args = p.parse_args(argv)
    import zoo_core
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rows = []
    libs = [zoo_core] + ([torch] if torch else [])
    for mode, bw in (("forward (no_grad)", False), ("forward + backward", True)):
        res = run(libs, args.size, args.chain, args.repeat, bw, args.device)
        rows.append((mode, res[0], res[1] if torch else float("nan")))
    print(f"per-op time on {args.device}, tensors of {args.size} float32 elements, chain of {args.chain} ops "
          f"(median of {args.repeat})")
    print(f"{'mode':<22}{'zoo us/op':>12}{'torch us/op':>14}{'ratio':>9}")
    for mode, z, t in rows:
        print(f"{mode:<22}{z:>12.2f}{t:>14.2f}{z / t:>9.2f}")
    return rows


if __name__ == "__main__":
    main()
