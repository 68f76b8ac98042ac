"""WavFolder reads real WAV files written with the stdlib ``wave`` module."""
import wave

import numpy as np
import pytest

import zoo_core
from zoo_audio.datasets import WavFolder, read_wav, read_wav_info, write_wav
from zoo_core.data import DataLoader


def pcm_file(path, samples, rate=8000, channels=1, width=2):
    """Write raw int samples (frames, channels) with the given sample width."""
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(np.asarray(samples, dtype="<i2" if width == 2 else "u1").tobytes())


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "yes").mkdir()
    (tmp_path / "no").mkdir()
    (tmp_path / ".hidden").mkdir()
    pcm_file(tmp_path / "yes" / "b.wav", [0, 16384, -32768, 32767, 1])
    pcm_file(tmp_path / "yes" / "a.WAV", np.arange(12, dtype=np.int16).reshape(6, 2) * 1000, channels=2)
    pcm_file(tmp_path / "no" / "c.wav", np.full(3, -16384))
    (tmp_path / "no" / "notes.txt").write_text("not audio")
    return tmp_path


def test_reads_int16_pcm_as_float32_in_minus_one_to_one(folder):
    wav, rate = read_wav(folder / "yes" / "b.wav")
    assert rate == 8000 and wav.dtype == np.float32 and wav.shape == (1, 5)
    np.testing.assert_array_equal(wav[0], [0.0, 0.5, -1.0, 32767 / 32768, 1 / 32768])
    stereo, _ = read_wav(folder / "yes" / "a.WAV")                       # interleaved frames -> (channels, frames)
    np.testing.assert_array_equal(stereo * 32768, [[0, 2000, 4000, 6000, 8000, 10000],
                                                   [1000, 3000, 5000, 7000, 9000, 11000]])
    assert read_wav_info(folder / "yes" / "a.WAV") == (8000, 2, 6)


def test_classes_samples_and_items(folder):
    ds = WavFolder(folder)
    assert ds.classes == ["no", "yes"] and ds.class_to_idx == {"no": 0, "yes": 1}
    assert [(p.name, y) for p, y in ds.samples] == [("c.wav", 0), ("a.WAV", 1), ("b.wav", 1)]
    waveform, label = ds[0]
    assert isinstance(waveform, zoo_core.Tensor) and label == 0
    np.testing.assert_array_equal(waveform.numpy(), [[-0.5, -0.5, -0.5]])


def test_num_samples_crops_and_pads_so_batches_stack(folder):
    ds = WavFolder(folder, num_samples=4)
    assert [tuple(ds[i][0].shape) for i in range(3)] == [(1, 4), (2, 4), (1, 4)]
    np.testing.assert_array_equal(ds[0][0].numpy(), [[-0.5, -0.5, -0.5, 0.0]])
    mono = WavFolder(folder, num_samples=4)
    mono.samples = [s for s in mono.samples if s[0].name != "a.WAV"]
    waveforms, labels = next(iter(DataLoader(mono, batch_size=2)))
    assert tuple(waveforms.shape) == (2, 1, 4) and labels.tolist() == [0, 1]


def test_transform_and_sample_rate_check(folder):
    ds = WavFolder(folder, transform=lambda w: w * 2, sample_rate=8000)
    np.testing.assert_array_equal(ds[0][0].numpy(), [[-1.0, -1.0, -1.0]])
    pcm_file(folder / "no" / "d.wav", [1, 2, 3], rate=16000)
    with pytest.raises(ValueError, match=r"d.wav is sampled at 16000 Hz, expected 8000 Hz \(resampling is not "):
        WavFolder(folder, sample_rate=8000)[1]


def test_errors(tmp_path, folder):
    pcm_file(tmp_path / "eight.wav", [1, 2, 3], width=1)
    with pytest.raises(ValueError, match="has 8-bit samples; only 16-bit PCM is supported"):
        read_wav(tmp_path / "eight.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFFjunk")
    with pytest.raises(ValueError, match="not a readable PCM WAV file"):
        read_wav(tmp_path / "junk.wav")
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no .wav files"):
        WavFolder(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        WavFolder(tmp_path / "missing")


def test_write_wav_round_trips(tmp_path):
    x = np.sin(np.linspace(0, 20, 400))[None, :] * 0.9
    write_wav(tmp_path / "sine.wav", x, 16000)
    y, rate = read_wav(tmp_path / "sine.wav")
    assert rate == 16000 and y.shape == (1, 400)
    np.testing.assert_allclose(y, x, atol=1 / 32768)


def test_dataset_comes_from_the_registry(audio_plugin, folder):
    from zoo_core import hub
    assert "audio/wav_folder" in hub.list_datasets()
    ds = hub.create_dataset("wav_folder", root=folder)
    assert isinstance(ds, WavFolder) and len(ds) == 3
