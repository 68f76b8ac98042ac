"""``python -m zoo_core``: a short runnable demo of tensors and autograd.

Fits ``y = 3x - 2 + noise`` with a hand-written gradient-descent loop and prints the loss as it falls.
"""
import zoo_core as torch


def main(steps=200, lr=0.1):
    torch.manual_seed(0)
    x = torch.randn(256, 1)
    y = 3 * x - 2 + 0.1 * torch.randn(256, 1)
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for step in range(steps + 1):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad = None
            b.grad = None
        if step % 50 == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    print(f"learned w = {w.item():.3f} (true 3), b = {b.item():.3f} (true -2)")
    return w.item(), b.item()


if __name__ == "__main__":
    main()
