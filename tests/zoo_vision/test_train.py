"""The main job: ``zoo train`` on the bundled digits, checkpoints and bit-exact resume."""
import subprocess
import sys

import numpy as np
import pytest

import zoo_core
from zoo_vision.datasets import Digits, load_digits
from zoo_vision.train import TrainConfig, train


def test_bundled_digits_are_the_real_dataset():
    images, labels = load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and set(labels.tolist()) == set(range(10))
    assert 0.0 <= images.min() and images.max() == 1.0
    assert np.bincount(labels).min() >= 170          # ~180 images per class
    train_set, test_set = Digits(train=True), Digits(train=False)
    assert len(train_set) == 1437 and len(test_set) == 360
    image, label = test_set[0]
    assert tuple(image.shape) == (1, 8, 8) and isinstance(label, int)


def test_short_training_learns(tmp_path):
    logs = []
    model, acc, history = train(TrainConfig(epochs=3, progress=False, output=str(tmp_path / "ck.safetensors")),
                                log=logs.append)
    assert history[-1] < history[0]
    assert acc > 0.85, acc
    assert (tmp_path / "ck.safetensors").exists()
    assert any("test accuracy" in line for line in logs)


def test_resume_is_bit_exact(tmp_path):
    """N epochs straight equal K epochs + resume + N-K epochs."""
    ck = tmp_path / "ck.safetensors"
    straight, _, h1 = train(TrainConfig(epochs=3, progress=False), log=lambda s: None)
    train(TrainConfig(epochs=3, stop_after=1, progress=False, output=str(ck)), log=lambda s: None)
    assert int(zoo_core.load(str(ck))["epoch"]) == 1
    resumed, _, h2 = train(TrainConfig(epochs=3, progress=False, resume=str(ck)), log=lambda s: None)
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    assert h1[1:] == h2


@pytest.mark.slow
def test_default_run_reaches_target_accuracy():
    _, acc, _ = train(TrainConfig(progress=False), log=lambda s: None)
    assert acc >= 0.97, acc


def test_cli_help_and_unknown_command():
    out = subprocess.run([sys.executable, "-m", "zoo_core.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "train" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "zoo_core.cli", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown command" in bad.stderr


@pytest.mark.gpu
def test_resume_on_cuda_is_bit_exact(tmp_path):
    """Dropout draws from the GPU's generator: its state travels in the checkpoint too."""
    ck = tmp_path / "ck.safetensors"
    cfg = dict(epochs=2, progress=False, device="cuda")
    straight, _, h1 = train(TrainConfig(**cfg), log=lambda s: None)
    train(TrainConfig(stop_after=1, output=str(ck), **cfg), log=lambda s: None)
    assert "cuda_rng" in zoo_core.load(str(ck))
    resumed, _, h2 = train(TrainConfig(resume=str(ck), **cfg), log=lambda s: None)
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert a.is_cuda and np.array_equal(a.cpu().numpy(), b.cpu().numpy()), k
    assert h1[1:] == h2
