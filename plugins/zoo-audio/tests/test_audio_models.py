"""The M5 raw-waveform classifier, and the plugin as a whole through zoo_core.testing.check_plugin."""
import numpy as np
import pytest

import zoo_core
from zoo_audio.models import M5
from zoo_core import hub
from zoo_core.testing import check_plugin


def test_m5_architecture_and_shapes():
    model = M5(num_classes=10)
    convs = [m for m in model.modules() if isinstance(m, zoo_core.nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == \
        [(1, 32, 80, 4), (32, 32, 3, 1), (32, 64, 3, 1), (64, 64, 3, 1)]
    assert sum(isinstance(m, zoo_core.nn.BatchNorm1d) for m in model.modules()) == 4
    assert (model.fc.in_features, model.fc.out_features) == (64, 10)
    # conv weights + biases, 4 batchnorms (weight, bias), linear
    expected = (80 * 32 + 32) + (3 * 32 * 32 + 32) + (3 * 32 * 64 + 64) + (3 * 64 * 64 + 64) \
        + 2 * (32 + 32 + 64 + 64) + (64 * 10 + 10)
    assert sum(p.numel() for p in model.parameters()) == expected
    assert tuple(model(zoo_core.randn(3, 1, 8000)).shape) == (3, 10)
    assert model.min_samples == 1772
    assert tuple(model(zoo_core.randn(1, 1, 1772)).shape) == (1, 10)        # shortest input: one step left
    with pytest.raises(ValueError, match="M5: inputs need at least 1772 samples"):
        model(zoo_core.randn(1, 1, 1771))


def test_m5_trains():
    zoo_core.manual_seed(0)
    model = M5(num_classes=2, width=8)
    t = np.linspace(0, 1, 2000, dtype=np.float32)
    low, high = np.sin(2 * np.pi * 50 * t), np.sin(2 * np.pi * 900 * t)   # two tones to tell apart
    x = zoo_core.from_numpy(np.stack([low, high, low, high])[:, None, :].copy())
    y = zoo_core.tensor([0, 1, 0, 1])
    opt = zoo_core.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        loss = zoo_core.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in model.parameters())


def test_create_model_through_the_registry(audio_plugin):
    assert "audio/m5" in hub.list_models()
    model = hub.create_model("audio/m5", num_classes=12, width=16)
    assert isinstance(model, M5) and tuple(model(zoo_core.randn(2, 1, 4000)).shape) == (2, 12)
    assert hub.model_info("m5")["task"] == "audio-classification"


def test_check_plugin(audio_plugin):
    report = check_plugin("audio")
    assert report.models == {"audio/m5": (2, 35)}
    assert report.entries == {"model": ["audio/m5"], "dataset": ["audio/wav_folder"],
                              "transform": ["audio/spectrogram", "audio/mel_spectrogram"]}
    assert report.commands == ["audio-info"]
