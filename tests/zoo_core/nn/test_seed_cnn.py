"""The PyTorch seed article's CNN example runs unchanged after swapping the imports."""
import numpy as np
import pytest

SEED_EXAMPLE = '''
import {lib} as torch
import {lib}.nn as nn
import {lib}.optim as optim


class CNNModel(nn.Module):
    def __init__(self):
        super(CNNModel, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.fc1 = nn.Linear(64 * 6 * 6, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = x.view(-1, 64 * 6 * 6)
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x


model = CNNModel()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

input_data = torch.randn(1, 1, 28, 28)
target = torch.randint(0, 10, (16,))
output = model(input_data)
loss = criterion(output, target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
'''


def _run(lib):
    ns = {}
    exec(compile(SEED_EXAMPLE.format(lib=lib), f"<seed example: {lib}>", "exec"), ns)
    return ns


def test_seed_cnn_runs_with_zoo_and_keeps_the_view_quirk():
    ns = _run("zoo_core")
    # 64 x 24 x 24 features viewed as rows of 64 * 6 * 6: a (16, 10) output from one image, as in PyTorch
    assert tuple(ns["output"].shape) == (16, 10)
    assert ns["loss"].item() > 0
    assert all(p.grad is not None for p in ns["model"].parameters())


def test_seed_cnn_matches_torch():
    torch = pytest.importorskip("torch")
    import zoo_core
    z, t = _run("zoo_core"), _run("torch")
    # same weights and data in both, then one step each
    zm, tm = z["model"], t["model"]
    state = {k: zoo_core.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    zm.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((1, 1, 28, 28)).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 10, 16)
    zl = z["criterion"](zm(zoo_core.tensor(x)), zoo_core.tensor(y))
    tl = t["criterion"](tm(torch.tensor(x)), torch.tensor(y))
    np.testing.assert_allclose(zl.item(), tl.item(), rtol=1e-5)
    zm.zero_grad()     # (the example's own step left gradients behind)
    tm.zero_grad()
    zl.backward()
    tl.backward()
    for (name, zp), (_, tp) in zip(zm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(zp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
