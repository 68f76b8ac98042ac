"""``Spectrogram`` and ``MelSpectrogram``: torchaudio's transforms, same arguments and results.

Both are ``nn.Module``s (the window is a buffer, so ``.to(device)`` moves it) whose forward is a
preprocessing step computed with numpy's FFT (see ``zoo_audio.functional``); they are not
differentiable.
"""
from zoo_core import nn

from . import functional as F


class Spectrogram(nn.Module):
    """Spectrogram of a waveform, as ``torchaudio.transforms.Spectrogram``.

    Args:
        n_fft: FFT size; ``n_fft // 2 + 1`` frequency bins when onesided. Default 400.
        win_length: window size (default ``n_fft``); shorter windows are zero-padded to ``n_fft``, centred.
        hop_length: samples between frames (default ``win_length // 2``).
        pad: zeros added on both sides before framing. Default 0.
        window_fn: builds the window from its length (default: periodic Hann).
        power: 1.0 for magnitude, 2.0 for power (default), any positive exponent.
        normalized: ``True`` / ``"window"`` divides by the window's L2 norm, ``"frame_length"`` by sqrt(n_fft).
        center: pad ``n_fft // 2`` on both sides (``pad_mode``) so that frame ``t`` is centred on ``t * hop_length``.
        pad_mode: "reflect" (default), "constant", "replicate" or "circular".
        onesided: keep only the non-negative frequencies (default True).

    Shape: ``(..., time)`` -> ``(..., freq, frames)`` with ``frames = 1 + time // hop_length`` when centred.

    Example::

        >>> Spectrogram(n_fft=400)(zoo_core.randn(2, 16000)).shape
        zoo_core.Size([2, 201, 81])
    """

    def __init__(self, n_fft=400, win_length=None, hop_length=None, pad=0, window_fn=F.hann_window, power=2.0,
                 normalized=False, wkwargs=None, center=True, pad_mode="reflect", onesided=True):
        super().__init__()
        import zoo_core
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.pad, self.power, self.normalized = pad, power, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided
        self.register_buffer("window", zoo_core.as_tensor(window_fn(self.win_length, **(wkwargs or {}))))

    def forward(self, waveform):
        return F.spectrogram(waveform, self.pad, self.window, self.n_fft, self.hop_length, self.win_length,
                             self.power, self.normalized, self.center, self.pad_mode, self.onesided)

    def extra_repr(self):
        return (f"n_fft={self.n_fft}, win_length={self.win_length}, hop_length={self.hop_length}, "
                f"power={self.power}, normalized={self.normalized}, center={self.center}")


class MelSpectrogram(nn.Module):
    """Mel spectrogram, as ``torchaudio.transforms.MelSpectrogram``: a ``Spectrogram`` then mel filters.

    Args:
        sample_rate: of the input, in Hz (default 16000).
        n_fft, win_length, hop_length, pad, window_fn, power, normalized, wkwargs, center, pad_mode:
            as in ``Spectrogram`` (always onesided).
        f_min, f_max: frequency range of the filters (defaults 0 and ``sample_rate // 2``).
        n_mels: number of mel filters (default 128).
        norm: ``None`` or ``"slaney"`` (divide each triangle by its width: constant energy per channel).
        mel_scale: ``"htk"`` (default) or ``"slaney"``.

    Shape: ``(..., time)`` -> ``(..., n_mels, frames)``.

    Example::

        >>> MelSpectrogram(sample_rate=8000, n_fft=256, n_mels=40)(zoo_core.randn(8000)).shape
        zoo_core.Size([40, 63])
    """

    def __init__(self, sample_rate=16000, n_fft=400, win_length=None, hop_length=None, f_min=0.0, f_max=None,
                 pad=0, n_mels=128, window_fn=F.hann_window, power=2.0, normalized=False, wkwargs=None,
                 center=True, pad_mode="reflect", onesided=None, norm=None, mel_scale="htk"):
        super().__init__()
        import zoo_core
        self.sample_rate, self.n_mels = sample_rate, n_mels
        self.f_min = f_min
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        if self.f_min > self.f_max:
            raise ValueError(f"MelSpectrogram: f_min={self.f_min} must not exceed f_max={self.f_max}")
        self.norm, self.mel_scale = norm, mel_scale
        self.spectrogram = Spectrogram(n_fft=n_fft, win_length=win_length, hop_length=hop_length, pad=pad,
                                       window_fn=window_fn, power=power, normalized=normalized, wkwargs=wkwargs,
                                       center=center, pad_mode=pad_mode, onesided=True)
        fb = F.melscale_fbanks(n_fft // 2 + 1, self.f_min, self.f_max, n_mels, sample_rate, norm, mel_scale)
        self.register_buffer("fb", zoo_core.as_tensor(fb))                    # (n_freqs, n_mels)

    def forward(self, waveform):
        spec = self.spectrogram(waveform)                                      # (..., freq, frames)
        return (spec.transpose(-1, -2) @ self.fb.to(spec.dtype)).transpose(-1, -2)   # (..., n_mels, frames)

    def extra_repr(self):
        return (f"sample_rate={self.sample_rate}, n_mels={self.n_mels}, f_min={self.f_min}, f_max={self.f_max}, "
                f"norm={self.norm}, mel_scale={self.mel_scale!r}")
