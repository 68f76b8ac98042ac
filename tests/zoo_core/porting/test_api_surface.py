"""Porting tests: tutorial-style PyTorch vision / classic training code, run on Zoo by changing imports:
device selection, reproducibility, legacy constructors, runtime knobs.

Written the way it appears in the official PyTorch tutorials and pytorch/examples, on tiny synthetic data.
Each ``@both()`` test takes the ``lib`` fixture (``conftest.py``) and binds ``torch, nn, F, optim, data``
from it, so the very same body also runs under real PyTorch (the reference, when importable).
"""
import random

import numpy as np
import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset, TensorDataset, random_split  # noqa: F401
from tests.zoo_core.porting._helpers import both


# ---------------------------------------------------------------------------------------------------------
# 1. Device selection, .to(device), next(model.parameters()).device, .cpu().numpy(), .detach()
# ---------------------------------------------------------------------------------------------------------
@both()
def test_device_selection_idioms(lib):
    torch, nn = lib.torch, lib.nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev2 = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
    if torch.cuda.is_available():
        print(torch.cuda.get_device_name(0), torch.cuda.device_count())
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    model.to(device)
    assert next(model.parameters()).device.type == device.type == dev2.type
    assert str(torch.device("cpu")) == "cpu"
    x = torch.randn(5, 4).to(device)
    x = torch.randn(5, 4, device=device)
    target = torch.tensor([0, 1, 2, 0, 1], device=device)
    out = model(x)
    loss = nn.functional.cross_entropy(out, target)
    loss.backward()
    probs = out.softmax(dim=1).detach().cpu().numpy()
    assert isinstance(probs, np.ndarray) and probs.shape == (5, 3)
    assert np.allclose(probs.sum(1), 1, atol=1e-6)
    assert out.is_cuda == (device.type == "cuda")
    y = torch.zeros(3, device=x.device, dtype=x.dtype)
    assert y.device == x.device
    model.cpu()
    model.to(device=device, dtype=torch.float64)
    assert next(model.parameters()).dtype == torch.float64
    model.float()
    assert next(model.parameters()).dtype == torch.float32


# ---------------------------------------------------------------------------------------------------------
# 2. Reproducibility boilerplate: seed_everything with torch.backends.cudnn flags
# ---------------------------------------------------------------------------------------------------------
@both()
def test_seed_everything_backends_cudnn(lib):
    torch, nn = lib.torch, lib.nn

    def seed_everything(seed=42):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        torch.cuda.manual_seed(seed)
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False

    seed_everything(42)
    a = nn.Linear(4, 4).weight.clone()
    seed_everything(42)
    b = nn.Linear(4, 4).weight.clone()
    assert torch.equal(a, b)
    assert torch.backends.cudnn.deterministic is True
    print(torch.backends.cudnn.is_available(), torch.backends.cudnn.enabled)


@both()
def test_manual_seed_reproducibility(lib):
    torch, nn = lib.torch, lib.nn

    def run():
        torch.manual_seed(0)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x = torch.randn(16, 4)
        y = torch.randn(16, 1)
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        perm = torch.randperm(10)
        return loss.item(), perm.tolist(), torch.rand(1).item()

    assert run() == run()


@both()
def test_use_deterministic_algorithms(lib):
    torch = lib.torch
    torch.use_deterministic_algorithms(True)
    try:
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


# ---------------------------------------------------------------------------------------------------------
# 3. Device selection in today's tutorials / pytorch/examples: torch.accelerator, torch.backends.mps
# ---------------------------------------------------------------------------------------------------------
@both()
def test_accelerator_device_selection(lib):
    torch, nn = lib.torch, lib.nn
    # quickstart tutorial (2.6+)
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    print(f"Using {device} device")
    # pytorch/examples mnist/main.py
    use_accel = torch.accelerator.is_available()
    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")
    model = nn.Linear(3, 2).to(device)
    assert next(model.parameters()).device.type == device.type
    assert isinstance(torch.accelerator.device_count(), int)


@both()
def test_mps_device_selection(lib):
    torch = lib.torch
    # quickstart tutorial (2.0-2.5) and pytorch/examples before torch.accelerator
    device = ("cuda" if torch.cuda.is_available()
              else "mps" if torch.backends.mps.is_available()
              else "cpu")
    use_mps = torch.backends.mps.is_available()
    assert device in ("cuda", "cpu") and use_mps is False
    x = torch.ones(2, device=device)
    assert x.device.type == device


# ---------------------------------------------------------------------------------------------------------
# 4. Legacy typed constructors and type strings (still everywhere in older tutorials / SO answers)
# ---------------------------------------------------------------------------------------------------------
@both()
def test_legacy_tensor_constructors(lib):
    torch = lib.torch
    a = torch.FloatTensor([[1, 2], [3, 4]])
    b = torch.LongTensor([0, 1])
    c = torch.FloatTensor(2, 3).zero_()  # sized constructor
    d = torch.ByteTensor([1, 0]).bool()
    assert a.dtype == torch.float32 and b.dtype == torch.int64 and c.shape == (2, 3) and d.tolist() == [True, False]
    assert torch.DoubleTensor([1.5]).dtype == torch.float64
    e = torch.arange(3).type(torch.FloatTensor)  # the "type(torch.FloatTensor)" cast idiom
    assert e.dtype == torch.float32
    Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor  # WGAN / DCGAN repos
    valid = Tensor(4, 1).fill_(1.0)
    assert valid.sum().item() == 4.0
    assert isinstance(a, torch.Tensor)


@both()
def test_tensor_type_strings(lib):
    torch = lib.torch
    x = torch.ones(3)
    assert x.type() == 'torch.FloatTensor'
    assert torch.arange(3).type() == 'torch.LongTensor'
    y = x.type('torch.DoubleTensor')  # WeightedRandomSampler snippet: samples_weight.type('torch.DoubleTensor')
    assert y.dtype == torch.float64 and y.type() == 'torch.DoubleTensor'
    assert torch.tensor([1, 2]).type('torch.FloatTensor').dtype == torch.float32


# ---------------------------------------------------------------------------------------------------------
# 5. Runtime knobs scripts set at the top: threads, finfo eps, torch.compile
# ---------------------------------------------------------------------------------------------------------
@both()
def test_set_num_threads(lib):
    torch = lib.torch
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(n)


@both()
def test_finfo_eps(lib):
    torch = lib.torch
    eps = torch.finfo(torch.float32).eps  # REINFORCE example: returns normalised with eps
    returns = torch.tensor([1.0, 2.0, 3.0])
    returns = (returns - returns.mean()) / (returns.std() + eps)
    assert abs(returns.mean().item()) < 1e-6 and eps == pytest.approx(1.1920928955078125e-07)
    assert torch.finfo(torch.float16).max == 65504.0 and torch.iinfo(torch.int64).max == 2 ** 63 - 1


@both()
def test_torch_compile(lib):
    torch, nn = lib.torch, lib.nn
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    x = torch.randn(2, 4)
    compiled = torch.compile(model, disable=True)  # many scripts gate compile behind a flag like this
    assert torch.allclose(compiled(x), model(x))
