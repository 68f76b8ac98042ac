"""Spectrogram and MelSpectrogram against torch.stft and against references written from torchaudio's
formulas (explicit DFT sums and scalar mel conversions, no numpy FFT)."""
import cmath
import itertools
import math

import numpy as np
import pytest

import zoo_core
from zoo_audio import functional as F
from zoo_audio.transforms import MelSpectrogram, Spectrogram

# ---- references --------------------------------------------------------------------------------------


def ref_pad(x, left, right, mode):
    x = list(x)
    if mode == "constant":
        return [0.0] * left + x + [0.0] * right
    if mode == "reflect":                     # mirror without repeating the edge sample
        return x[left:0:-1] + x + x[-2:-right - 2:-1]
    if mode == "replicate":
        return [x[0]] * left + x + [x[-1]] * right
    if mode == "circular":
        return x[len(x) - left:] + x + x[:right]
    raise ValueError(mode)


def ref_spectrogram(x, n_fft, win_length, hop, pad=0, power=2.0, normalized=False, center=True,
                    pad_mode="reflect", onesided=True):
    """torchaudio.functional.spectrogram for one 1-D signal, from the definitions, in float64."""
    window = [0.5 - 0.5 * math.cos(2 * math.pi * n / win_length) for n in range(win_length)]   # periodic Hann
    left = (n_fft - win_length) // 2
    full = [0.0] * left + window + [0.0] * (n_fft - win_length - left)
    x = [0.0] * pad + list(map(float, x)) + [0.0] * pad
    if center:
        x = ref_pad(x, n_fft // 2, n_fft // 2, pad_mode)
    n_frames = 1 + (len(x) - n_fft) // hop
    bins = n_fft // 2 + 1 if onesided else n_fft
    out = np.zeros((bins, n_frames))
    for t in range(n_frames):
        frame = x[t * hop:t * hop + n_fft]
        for k in range(bins):
            X = sum(frame[n] * full[n] * cmath.exp(-2j * math.pi * k * n / n_fft) for n in range(n_fft))
            if normalized == "frame_length":
                X /= math.sqrt(n_fft)
            elif normalized in (True, "window"):
                X /= math.sqrt(sum(w * w for w in window))
            out[k, t] = abs(X) ** power
    return out


def ref_hz_to_mel(f, scale):
    if scale == "htk":
        return 2595.0 * math.log10(1.0 + f / 700.0)
    mels = f / (200.0 / 3)
    if f >= 1000.0:
        mels = 15.0 + math.log(f / 1000.0) / (math.log(6.4) / 27.0)
    return mels


def ref_mel_to_hz(m, scale):
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    if m >= 15.0:
        return 1000.0 * math.exp(math.log(6.4) / 27.0 * (m - 15.0))
    return 200.0 / 3 * m


def ref_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm, scale):
    """Triangles: filter m rises from f[m] to f[m+1] and falls to f[m+2]; slaney norm 2 / (f[m+2] - f[m])."""
    lo, hi = ref_hz_to_mel(f_min, scale), ref_hz_to_mel(f_max, scale)
    f = [ref_mel_to_hz(lo + (hi - lo) * i / (n_mels + 1), scale) for i in range(n_mels + 2)]
    fb = np.zeros((n_freqs, n_mels))
    for b in range(n_freqs):
        freq = (sample_rate // 2) * b / (n_freqs - 1)
        for m in range(n_mels):
            rise = (freq - f[m]) / (f[m + 1] - f[m])
            fall = (f[m + 2] - freq) / (f[m + 2] - f[m + 1])
            fb[b, m] = max(0.0, min(rise, fall)) * (2.0 / (f[m + 2] - f[m]) if norm == "slaney" else 1.0)
    return fb


def torch_spectrogram(torch, x, n_fft, win_length, hop, pad=0, power=2.0, normalized=False, center=True,
                      pad_mode="reflect", onesided=True):
    """torchaudio.functional.spectrogram transcribed onto torch.stft."""
    t = torch.as_tensor(x)
    if pad > 0:
        t = torch.nn.functional.pad(t, (pad, pad), "constant")
    frame_norm, window_norm = normalized == "frame_length", normalized in (True, "window")
    shape = t.size()
    t = t.reshape(-1, shape[-1])
    window = torch.hann_window(win_length, dtype=t.dtype)
    spec = torch.stft(t, n_fft=n_fft, hop_length=hop, win_length=win_length, window=window, center=center,
                      pad_mode=pad_mode, normalized=frame_norm, onesided=onesided, return_complex=True)
    spec = spec.reshape(shape[:-1] + spec.shape[-2:])
    if window_norm:
        spec = spec / window.pow(2.0).sum().sqrt()
    return spec.abs().pow(power).numpy()


def close(actual, expected, rtol=2e-4):
    actual = actual.numpy() if hasattr(actual, "numpy") else actual
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * float(np.abs(expected).max()))


# ---- tests ---------------------------------------------------------------------------------------------

def test_hann_window_is_periodic_hann():
    np.testing.assert_allclose(F.hann_window(8), [0, 0.1464466, 0.5, 0.8535534, 1, 0.8535534, 0.5, 0.1464466],
                               atol=1e-7)
    np.testing.assert_allclose(F.hann_window(5, periodic=False), [0, 0.5, 1, 0.5, 0], atol=1e-7)


CASES = [dict(n_fft=n_fft, win_length=win, hop=hop, pad=pad, center=center)
         for n_fft, win, hop, pad, center in itertools.product((16, 15), (None, 10), (4, 7), (0, 3), (True, False))]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_spectrogram_matches_the_reference(case):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(50)
    win = case["win_length"] or case["n_fft"]
    spec = Spectrogram(n_fft=case["n_fft"], win_length=case["win_length"], hop_length=case["hop"], pad=case["pad"],
                       center=case["center"])(zoo_core.tensor(x))
    assert spec.dtype == zoo_core.float64                  # (the window buffer is float32, as in torchaudio)
    close(spec, ref_spectrogram(x, case["n_fft"], win, case["hop"], case["pad"], center=case["center"]), rtol=1e-6)


@pytest.mark.parametrize("power, normalized, onesided, pad_mode", [
    (1.0, False, True, "reflect"), (2.0, True, True, "constant"), (0.5, "frame_length", False, "replicate"),
    (2.0, "window", True, "circular"), (3.0, False, False, "reflect")])
def test_spectrogram_options_match_the_reference(power, normalized, onesided, pad_mode):
    x = np.random.default_rng(1).standard_normal(40)
    spec = F.spectrogram(zoo_core.tensor(x), 0, F.hann_window(12, dtype=np.float64), 16, 5, 12, power,
                         normalized, True, pad_mode, onesided)
    close(spec, ref_spectrogram(x, 16, 12, 5, 0, power, normalized, True, pad_mode, onesided), rtol=1e-9)


@pytest.mark.parametrize("kw", [dict(), dict(n_fft=256, hop_length=64), dict(n_fft=200, win_length=120, pad=7),
                                dict(power=1.0, normalized=True), dict(normalized="frame_length", onesided=False),
                                dict(center=False), dict(pad_mode="constant", n_fft=64)])
def test_spectrogram_matches_torch_stft(kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 3, 1600)).astype(np.float32)     # batch dims are kept
    t = Spectrogram(**kw)
    spec = t(zoo_core.from_numpy(x))
    assert spec.dtype == zoo_core.float32
    expected = torch_spectrogram(torch, x, t.n_fft, t.win_length, t.hop_length, t.pad, t.power, t.normalized,
                                 t.center, t.pad_mode, t.onesided)
    close(spec, expected, rtol=2e-4)
    assert tuple(spec.shape[:2]) == (2, 3)


def test_mel_scale_conversions():
    assert F.hz_to_mel(1000.0, "slaney") == pytest.approx(15.0)
    assert F.hz_to_mel(700.0, "htk") == pytest.approx(2595.0 * math.log10(2.0))
    freqs = np.array([0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0])
    for scale in ("htk", "slaney"):
        np.testing.assert_allclose(F.hz_to_mel(freqs, scale), [ref_hz_to_mel(f, scale) for f in freqs], rtol=1e-12)
        np.testing.assert_allclose(F.mel_to_hz(F.hz_to_mel(freqs, scale), scale), freqs, rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="mel_scale must be 'htk' or 'slaney'"):
        F.hz_to_mel(1.0, "mfcc")


@pytest.mark.parametrize("scale, norm, f_min, f_max, sr, n_mels", [
    ("htk", None, 0.0, 8000.0, 16000, 40), ("htk", "slaney", 20.0, 7600.0, 16000, 64),
    ("slaney", None, 0.0, 4000.0, 8000, 32), ("slaney", "slaney", 50.0, 11025.0, 22050, 80)])
def test_melscale_fbanks_match_the_reference(scale, norm, f_min, f_max, sr, n_mels):
    fb = F.melscale_fbanks(257, f_min, f_max, n_mels, sr, norm, scale)
    assert fb.shape == (257, n_mels) and fb.dtype == np.float32
    np.testing.assert_allclose(fb, ref_fbanks(257, f_min, f_max, n_mels, sr, norm, scale), rtol=1e-5, atol=1e-7)


def test_mel_spectrogram_is_the_filter_bank_applied_to_the_power_spectrogram():
    x = np.random.default_rng(3).standard_normal((2, 4000)).astype(np.float32)
    t = MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=30, f_min=30.0, f_max=3800.0,
                       norm="slaney", mel_scale="slaney")
    mel = t(zoo_core.from_numpy(x))
    assert tuple(mel.shape) == (2, 30, 1 + 4000 // 128)
    spec = np.stack([ref_spectrogram(row, 256, 256, 128) for row in x.astype(np.float64)])   # (2, 129, frames)
    fb = ref_fbanks(129, 30.0, 3800.0, 30, 8000, "slaney", "slaney")
    close(mel, np.einsum("bft,fm->bmt", spec, fb), rtol=2e-4)


def test_defaults_and_errors_follow_torchaudio():
    with pytest.warns(UserWarning, match="mel filters is all zeros"):    # torchaudio warns for its defaults too
        t = MelSpectrogram()
    assert (t.sample_rate, t.n_mels, t.f_max, t.spectrogram.n_fft, t.spectrogram.hop_length) == (16000, 128, 8000.0,
                                                                                                   400, 200)
    with pytest.warns(UserWarning, match="mel filters is all zeros"):
        F.melscale_fbanks(201, 0.0, 8000.0, 128, 16000)
    with pytest.raises(NotImplementedError, match="power=None"):
        Spectrogram(power=None)(zoo_core.randn(1000))
    with pytest.raises(ValueError, match=r"reflect padding by n_fft // 2 = 200 needs more than 200 samples"):
        Spectrogram()(zoo_core.randn(150))
    with pytest.raises(ValueError, match="f_min=9000.0 must not exceed f_max=8000.0"):
        MelSpectrogram(f_min=9000.0)
    with pytest.raises(ValueError, match="normalized must be"):
        Spectrogram(normalized="energy")(zoo_core.randn(1000))


def test_transforms_come_from_the_registry(audio_plugin):
    from zoo_core import hub
    assert hub.list_transforms("audio/*") == ["audio/mel_spectrogram", "audio/spectrogram"]
    mel = hub.create_transform("mel_spectrogram", sample_rate=8000, n_fft=128, n_mels=20)
    assert isinstance(mel, MelSpectrogram) and tuple(mel(zoo_core.randn(800)).shape) == (20, 13)
