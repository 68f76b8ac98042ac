"""Per-op overhead: a chain of small elementwise ops, forward + backward, against PyTorch in one process.

    python bench/ops.py [--size 16] [--chain 50] [--repeat 30]

Prints the median microseconds per op for zoo_core and torch and their ratio (zoo / torch; lower is
better). Small tensors make this a measure of the Python/dispatch path, the hot loop of small models.
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


def run(lib, size, n, repeat, backward):
    x = lib.ones(size, requires_grad=backward) if backward else lib.ones(size)
    g = lib.ones(size)
    times = []
    for r in range(repeat + 3):
        t0 = time.perf_counter()
        if backward:
            y = chain(lib, x, n)
            y.backward(g)
        else:
            with lib.no_grad():
                chain(lib, x, n)
        dt = time.perf_counter() - t0
        if r >= 3:
            times.append(dt)
    ops = (n // 5) * OPS_PER_BLOCK + 1
    return statistics.median(times) / ops * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--chain", type=int, default=50)
    p.add_argument("--repeat", type=int, default=30)
    args = p.parse_args(argv)
    import zoo_core
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rows = []
    for mode, bw in (("forward (no_grad)", False), ("forward + backward", True)):
        z = run(zoo_core, args.size, args.chain, args.repeat, bw)
        t = run(torch, args.size, args.chain, args.repeat, bw) if torch else float("nan")
        rows.append((mode, z, t))
    print(f"per-op time, tensors of {args.size} float32 elements, chain of {args.chain} ops (median of {args.repeat})")
    print(f"{'mode':<22}{'zoo us/op':>12}{'torch us/op':>14}{'ratio':>9}")
    for mode, z, t in rows:
        print(f"{mode:<22}{z:>12.2f}{t:>14.2f}{z / t:>9.2f}")
    return rows


if __name__ == "__main__":
    main()
