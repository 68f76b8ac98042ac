"""``WavFolder``: a classification dataset read from ``root/<class>/<file>.wav`` with the stdlib ``wave``.

Only 16-bit PCM is read (the common case, and what ``wave`` handles natively); samples become float32
in [-1, 1) by dividing by 32768, as ``torchaudio.load`` does. Files are not resampled: give
``sample_rate`` to insist that every file has it.
"""
import wave
from pathlib import Path

import numpy as np

from zoo_core.data import Dataset

__all__ = ["WavFolder", "read_wav", "read_wav_info", "write_wav"]


def read_wav_info(path):
    """``(sample_rate, channels, frames)`` of a WAV file, reading only its header."""
    with wave.open(str(path), "rb") as f:
        return f.getframerate(), f.getnchannels(), f.getnframes()


def read_wav(path):
    """``(waveform float32 (channels, frames) in [-1, 1), sample_rate)`` of a 16-bit PCM WAV file.

    Example::

        >>> wav, rate = read_wav("yes/0a7c2a8d_nohash_0.wav")
        >>> wav.shape, rate
        ((1, 16000), 16000)
    """
    try:
        with wave.open(str(path), "rb") as f:
            width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
            raw = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"read_wav: {path} is not a readable PCM WAV file: {e}") from e
    if width != 2:
        raise ValueError(f"read_wav: {path} has {8 * width}-bit samples; only 16-bit PCM is supported")
    samples = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)            # (frames, channels)
    return (samples.T.astype(np.float32) / np.float32(32768.0)), rate


def write_wav(path, waveform, sample_rate):
    """Write ``waveform`` (channels, frames) or (frames,), floats in [-1, 1], as 16-bit PCM."""
    data = np.asarray(waveform, dtype=np.float64)
    data = data[None, :] if data.ndim == 1 else data
    pcm = np.clip(np.round(data * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(data.shape[0])
        f.setsampwidth(2)
        f.setframerate(int(sample_rate))
        f.writeframes(pcm.T.tobytes())


class WavFolder(Dataset):
    """``(waveform (channels, samples) float32, label)`` for every ``root/<class>/*.wav``.

    Classes are the subfolder names, sorted (``classes``, ``class_to_idx``); files are sorted within each
    class. ``num_samples`` crops or zero-pads every waveform to that length (so that batches stack);
    ``sample_rate`` rejects files with another rate (nothing is resampled); ``transform`` is applied to
    the waveform tensor (e.g. ``MelSpectrogram``).

    Example::

        >>> ds = WavFolder("speech_commands", num_samples=16000, sample_rate=16000)
        >>> waveform, label = ds[0]
        >>> waveform.shape, ds.classes[label]
        (zoo_core.Size([1, 16000]), 'down')
    """

    def __init__(self, root, transform=None, num_samples=None, sample_rate=None):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"WavFolder: {self.root} is not a directory")
        self.classes = sorted(d.name for d in self.root.iterdir() if d.is_dir() and not d.name.startswith("."))
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self.samples = [(p, self.class_to_idx[c]) for c in self.classes
                        for p in sorted((self.root / c).iterdir()) if p.suffix.lower() == ".wav" and p.is_file()]
        if not self.samples:
            raise FileNotFoundError(f"WavFolder: no .wav files in subfolders of {self.root} "
                                    f"(expected root/<class>/<file>.wav)")
        self.transform, self.num_samples, self.sample_rate = transform, num_samples, sample_rate

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        import zoo_core
        path, label = self.samples[index]
        wav, rate = read_wav(path)
        if self.sample_rate is not None and rate != self.sample_rate:
            raise ValueError(f"WavFolder: {path} is sampled at {rate} Hz, expected {self.sample_rate} Hz "
                             f"(resampling is not supported)")
        if self.num_samples is not None:
            wav = wav[:, :self.num_samples]
            if wav.shape[1] < self.num_samples:
                wav = np.pad(wav, ((0, 0), (0, self.num_samples - wav.shape[1])))
        waveform = zoo_core.from_numpy(np.ascontiguousarray(wav))
        if self.transform is not None:
            waveform = self.transform(waveform)
        return waveform, label
