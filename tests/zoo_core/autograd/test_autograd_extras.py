"""Tensor.grad assignment checks, post-accumulate-grad hooks and PyTorch 2 style Functions."""
import numpy as np
import pytest

import zoo_core as zoo


def test_grad_assignment_is_checked():
    x = zoo.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of size '\[3\]' to a tensor of size '\[2\]'"):
        x.grad = zoo.ones(3)
    with pytest.raises(RuntimeError, match="dtype zoo_core.float64 to a tensor with dtype zoo_core.float32"):
        x.grad = zoo.ones(2, dtype=zoo.float64)
    with pytest.raises(TypeError, match="got grad of type list"):
        x.grad = [1.0, 2.0]
    x.grad = zoo.full((2,), 3.0)
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    del x.grad
    assert x.grad is None


def test_post_accumulate_grad_hook_sees_the_total():
    x = zoo.ones(2, requires_grad=True)
    seen = []
    h = x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    y = x * 2
    (y + y * 3).sum().backward()
    assert seen == [[8.0, 8.0]]
    x.sum().backward(inputs=[x])   # also after backward(inputs=)
    assert seen[-1] == [9.0, 9.0]
    h.remove()
    x.sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.register_post_accumulate_grad_hook(lambda p: None)
    z = zoo.ones(1, requires_grad=True)
    z.register_post_accumulate_grad_hook(lambda p: p.grad)
    with pytest.raises(RuntimeError, match="should return None"):
        z.sum().backward()


def test_optimizer_step_in_post_accumulate_hook():
    # the "fuse the optimizer into backward" recipe from the PyTorch tutorials
    lin = zoo.nn.Linear(3, 1)
    opts = {p: zoo.optim.SGD([p], lr=0.1) for p in lin.parameters()}

    def step(p):
        opts[p].step()
        opts[p].zero_grad()
    for p in lin.parameters():
        p.register_post_accumulate_grad_hook(step)
    before = lin.bias.detach().clone()
    lin(zoo.ones(2, 3)).sum().backward()
    np.testing.assert_allclose(lin.bias.detach().numpy(), before.numpy() - 0.2, rtol=1e-6)
    assert lin.bias.grad is None


def test_function_with_setup_context():
    class Cube(zoo.autograd.Function):
        @staticmethod
        def forward(x, scale):
            return x ** 3 * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, scale = inputs
            ctx.save_for_backward(x)
            ctx.scale = scale

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.scale, None

    x = zoo.tensor([1.0, 2.0], dtype=zoo.float64, requires_grad=True)
    y = Cube.apply(x, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert zoo.autograd.gradcheck(lambda t: Cube.apply(t, 2.0), (x,))
    assert zoo.autograd.gradgradcheck(lambda t: Cube.apply(t, 2.0), (x,))


def test_grad_is_grads_batched_matches_torch():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (zoo, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x ** 2 * x.sum()
        (jac,) = lib.autograd.grad(y, x, lib.eye(3, dtype=lib.float64), is_grads_batched=True)
        res.append(jac.detach().numpy())
    np.testing.assert_allclose(res[0], res[1])
    x = zoo.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(B, \*output.shape\)"):
        zoo.autograd.grad(x * 2, x, zoo.ones(2, 2), is_grads_batched=True)
