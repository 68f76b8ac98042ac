"""Spectrograms and mel filter banks with numpy's FFT, following torchaudio's definitions exactly.

The formulas are those of ``torchaudio.functional.spectrogram`` (which calls ``torch.stft``) and
``torchaudio.functional.melscale_fbanks``; parameter names and defaults are the same. Inputs may be Zoo
tensors or numpy arrays of shape ``(..., time)``; results are Zoo tensors on the input's device. The FFT
runs on the host with numpy, so these are preprocessing steps, not differentiable ops.
"""
import math
import warnings

import numpy as np

__all__ = ["hann_window", "spectrogram", "melscale_fbanks", "hz_to_mel", "mel_to_hz"]

_PAD_MODES = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}   # torch -> numpy


def hann_window(window_length, periodic=True, dtype=np.float32):
    """``torch.hann_window``: ``0.5 - 0.5 cos(2 pi n / N)``, N = length (periodic) or length - 1."""
    if window_length == 1:
        return np.ones(1, dtype)
    n = np.arange(window_length, dtype=np.float64)
    denom = window_length if periodic else window_length - 1
    return (0.5 - 0.5 * np.cos(2.0 * math.pi * n / denom)).astype(dtype)


def _host(x):
    """(numpy array, device or None) for a Zoo tensor or an array-like."""
    if hasattr(x, "detach") and hasattr(x, "device"):
        return x.detach().cpu().numpy(), x.device
    return np.asarray(x), None


def _tensor(arr, device):
    import zoo_core
    t = zoo_core.from_numpy(np.ascontiguousarray(arr))
    return t if device is None or str(device) == "cpu" else t.to(device)


def _spec_norms(normalized):
    """torchaudio's ``_get_spec_norms``: (divide by sqrt(n_fft) as torch.stft does, divide by the window's L2 norm)."""
    if isinstance(normalized, str):
        if normalized not in ("frame_length", "window"):
            raise ValueError(f"spectrogram: normalized must be a bool, 'frame_length' or 'window', got {normalized!r}")
        return normalized == "frame_length", normalized == "window"
    return False, bool(normalized)


def spectrogram(waveform, pad, window, n_fft, hop_length, win_length, power, normalized, center=True,
                pad_mode="reflect", onesided=True):
    """Spectrogram of ``waveform (..., time)``: ``(..., n_fft // 2 + 1, frames)`` (``n_fft`` rows if not onesided).

    Frame ``t`` is ``x[t * hop_length : t * hop_length + n_fft]`` of the (zero-padded by ``pad``, then, with
    ``center``, ``pad_mode``-padded by ``n_fft // 2``) signal, multiplied by ``window`` (length
    ``win_length``, centred in ``n_fft`` with zeros); its DFT ``X[k] = sum_n x[n] w[n] exp(-2 pi i k n / n_fft)``.
    Returns ``|X| ** power``; ``normalized=True`` / ``"window"`` divides ``X`` by ``sqrt(sum(w ** 2))``,
    ``"frame_length"`` by ``sqrt(n_fft)``.

    Example::

        >>> spec = spectrogram(zoo_core.randn(16000), 0, hann_window(400), 400, 200, 400, 2.0, False)
        >>> spec.shape
        zoo_core.Size([201, 81])
    """
    if pad_mode not in _PAD_MODES:
        raise ValueError(f"spectrogram: pad_mode must be one of {', '.join(_PAD_MODES)}, got {pad_mode!r}")
    if power is None:
        raise NotImplementedError("spectrogram: power=None (a complex spectrogram) is not supported: Zoo has no "
                                  "complex dtype; use power=1.0 for magnitudes or 2.0 for power")
    x, device = _host(waveform)
    w, _ = _host(window)
    if win_length > n_fft or w.shape != (win_length,):
        raise ValueError(f"spectrogram: window must have win_length={win_length} <= n_fft={n_fft} samples, "
                         f"got shape {w.shape}")
    if hop_length <= 0:
        raise ValueError(f"spectrogram: hop_length must be positive, got {hop_length}")
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float32
    frame_norm, window_norm = _spec_norms(normalized)
    shape = x.shape
    x = x.reshape(-1, shape[-1]).astype(dtype, copy=False)                      # (B, T)
    if pad > 0:
        x = np.pad(x, ((0, 0), (pad, pad)))
    if center:
        half = n_fft // 2
        if pad_mode == "reflect" and x.shape[-1] <= half:
            raise ValueError(f"spectrogram: reflect padding by n_fft // 2 = {half} needs more than {half} samples, "
                             f"got {x.shape[-1]} (use center=False or a longer input)")
        x = np.pad(x, ((0, 0), (half, half)), mode=_PAD_MODES[pad_mode])
    if x.shape[-1] < n_fft:
        raise ValueError(f"spectrogram: n_fft={n_fft} is longer than the (padded) input of {x.shape[-1]} samples")
    left = (n_fft - win_length) // 2                                           # torch.stft centres the window
    full_window = np.zeros(n_fft, dtype)
    full_window[left:left + win_length] = w
    n_frames = 1 + (x.shape[-1] - n_fft) // hop_length
    idx = np.arange(n_fft)[None, :] + hop_length * np.arange(n_frames)[:, None]   # (frames, n_fft)
    frames = x[:, idx] * full_window                                            # (B, frames, n_fft)
    spec = np.fft.rfft(frames, axis=-1) if onesided else np.fft.fft(frames, axis=-1)   # (B, frames, freq)
    if frame_norm:
        spec = spec / math.sqrt(n_fft)
    if window_norm:
        spec = spec / np.sqrt(np.sum(w.astype(np.float64) ** 2))
    mag = np.abs(spec).swapaxes(-1, -2)                                        # (B, freq, frames)
    if power != 1.0:
        mag = mag ** power
    return _tensor(mag.astype(dtype).reshape(shape[:-1] + mag.shape[-2:]), device)


def hz_to_mel(freq, mel_scale="htk"):
    """Hertz to mels: HTK ``2595 log10(1 + f / 700)``; Slaney linear below 1 kHz (``3 f / 200``), log above."""
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")
    freq = np.asarray(freq, dtype=np.float64)
    if mel_scale == "htk":
        return 2595.0 * np.log10(1.0 + freq / 700.0)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    mels = freq / f_sp
    log_part = min_log_mel + np.log(np.maximum(freq, min_log_hz) / min_log_hz) / logstep
    return np.where(freq >= min_log_hz, log_part, mels)


def mel_to_hz(mels, mel_scale="htk"):
    """The inverse of ``hz_to_mel``."""
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")
    mels = np.asarray(mels, dtype=np.float64)
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    """Triangular mel filters ``(n_freqs, n_mels)``: ``spec (freq, time)`` -> ``fb.T @ spec`` (mel, time).

    Filter ``m`` rises linearly from mel point ``m`` to ``m + 1`` and falls to ``m + 2``, with the
    ``n_mels + 2`` points evenly spaced in mels between ``f_min`` and ``f_max``, evaluated at the FFT bin
    frequencies ``linspace(0, sample_rate // 2, n_freqs)``. ``norm="slaney"`` scales each filter by
    ``2 / (f[m + 2] - f[m])`` (constant energy per channel).

    Example::

        >>> melscale_fbanks(201, 0.0, 8000.0, 40, 16000).shape
        (201, 40)
    """
    if norm not in (None, "slaney"):
        raise ValueError(f"melscale_fbanks: norm must be None or 'slaney', got {norm!r}")
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    m_pts = np.linspace(hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale), n_mels + 2)
    f_pts = mel_to_hz(m_pts, mel_scale)                                       # (n_mels + 2,)
    f_diff = f_pts[1:] - f_pts[:-1]                                           # (n_mels + 1,)
    slopes = f_pts[None, :] - all_freqs[:, None]                              # (n_freqs, n_mels + 2)
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = np.maximum(0.0, np.minimum(down, up))                                # (n_freqs, n_mels)
    if norm == "slaney":
        fb = fb * (2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels]))[None, :]
    if (fb.max(axis=0) == 0.0).any():
        warnings.warn(f"melscale_fbanks: at least one of the {n_mels} mel filters is all zeros: n_mels is too "
                      f"high for n_freqs={n_freqs} between {f_min} and {f_max} Hz", UserWarning, stacklevel=2)
    return fb.astype(np.float32)
