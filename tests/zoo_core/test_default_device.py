"""set_default_device / ``with device(...)``: factory functions follow the default device."""
import numpy as np
import pytest

import zoo_core as zoo


@pytest.fixture
def restore_default():
    yield
    zoo.set_default_device(None)


def _makers():
    return {
        "zeros": lambda: zoo.zeros(2, 3),
        "ones_like_data": lambda: zoo.tensor([[1.0, 2.0]]),
        "as_tensor_numpy": lambda: zoo.as_tensor(np.arange(3)),
        "arange": lambda: zoo.arange(4),
        "randn": lambda: zoo.randn(3),
        "randint": lambda: zoo.randint(0, 5, (3,)),
        "eye": lambda: zoo.eye(2),
        "full": lambda: zoo.full((2,), 1.5),
        "linear_params": lambda: zoo.nn.Linear(2, 3).weight,
    }


def test_with_device_context(device):
    with zoo.device(device):
        assert str(zoo.get_default_device()).startswith(device)
        made = {name: make() for name, make in _makers().items()}
    for name, t in made.items():
        assert t.device.type == device, name
    assert zoo.zeros(1).device.type == "cpu"   # restored on exit
    assert zoo.get_default_device() == zoo.device("cpu")


def test_set_default_device(device, restore_default):
    zoo.set_default_device(device)
    assert zoo.zeros(2).device.type == device
    assert zoo.randn(2, device="cpu").device.type == "cpu"   # an explicit device wins
    x = zoo.tensor([1.0, 2.0])
    assert x.device.type == device
    assert zoo.tensor(x.cpu()).device.type == device          # as PyTorch: data goes to the default
    assert x.cpu().clone().device.type == "cpu"               # ops other than factories keep devices
    zoo.set_default_device(None)
    assert zoo.zeros(2).device.type == "cpu"


def test_nested_contexts_restore_in_order():
    with zoo.device("cpu") as d:
        assert d == zoo.device("cpu")
        with zoo.device("cpu"):
            pass
        assert zoo.get_default_device() == zoo.device("cpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        zoo.set_default_device("tpu")
