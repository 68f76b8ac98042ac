"""F.interpolate(..., antialias=True): PIL's filters (triangle, Keys cubic a = -0.5, Lanczos-3), stretched when
downsampling, clipped at the borders and renormalised, as PyTorch's _upsample_*2d_aa."""
import numpy as np
import pytest

import zoo_core
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, op_tests


def aa(**kw):
    return lambda lib, x: lib.nn.functional.interpolate(x, antialias=True, **kw)


CASES = [
    OpCase("bilinear_down", aa(size=(4, 5), mode="bilinear"), [(2, 2, 9, 11)]),
    OpCase("bilinear_down_ac", aa(size=(4, 5), mode="bilinear", align_corners=True), [(1, 2, 9, 11)]),
    OpCase("bilinear_noninteger_scale", aa(scale_factor=(0.7, 0.45), mode="bilinear"), [(1, 2, 10, 13)]),
    OpCase("bilinear_up", aa(size=(7, 9), mode="bilinear"), [(1, 2, 3, 4)]),
    OpCase("bilinear_up_down", aa(size=(8, 3), mode="bilinear", align_corners=True), [(1, 1, 5, 10)]),
    OpCase("bicubic_down", aa(scale_factor=0.4, mode="bicubic"), [(1, 2, 12, 10)]),
    OpCase("bicubic_down_ac", aa(scale_factor=(0.5, 1 / 3), mode="bicubic", align_corners=True), [(1, 2, 8, 12)]),
    OpCase("bicubic_up", aa(scale_factor=2, mode="bicubic"), [(1, 2, 3, 4)]),
    OpCase("bicubic_up_ac", aa(scale_factor=(1.5, 2.5), mode="bicubic", align_corners=True), [(1, 1, 4, 3)]),
    OpCase("bicubic_recompute", aa(scale_factor=0.55, mode="bicubic", recompute_scale_factor=True), [(1, 1, 9, 7)]),
    OpCase("lanczos_down", aa(size=(3, 4), mode="lanczos"), [(1, 2, 11, 9)]),
    OpCase("lanczos_up", aa(scale_factor=1.75, mode="lanczos"), [(1, 1, 4, 3)]),
    # one output pixel; one input pixel
    OpCase("bilinear_to_1px", aa(size=1, mode="bilinear"), [(1, 2, 5, 6)]),
    OpCase("bicubic_to_1px_ac", aa(size=(1, 2), mode="bicubic", align_corners=True), [(1, 2, 5, 6)]),
    OpCase("bicubic_from_1px", aa(size=(3, 2), mode="bicubic"), [(1, 2, 1, 5)]),
    # an unchanged axis is skipped, as PyTorch's forward does despite scale_factor 1.1; PyTorch's backward
    # does not skip it (its own gradcheck fails), so only the forward is compared (test_same_size_axis_skipped)
    OpCase("bilinear_same_size_scale", aa(scale_factor=(1.1, 0.5), mode="bilinear"), [(1, 1, 4, 6)], torch=False),
    # an axis over 256 (gathers and scatter-adds instead of the dense matrix)
    OpCase("bicubic_long_axis", aa(size=(2, 90), mode="bicubic"), [(1, 1, 3, 270)], gradgrad=False),
]

test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_values():
    # 4 -> 2 along W: r = 2, so the triangle is stretched to half-width 2. Output 0 is centred at input
    # coordinate 1.0 (pixel centres at 0.5, 1.5, 2.5): weights (0.75, 0.75, 0.25) / 1.75; output 1 at 3.0:
    # pixels 1..3 weigh (0.25, 0.75, 0.75) / 1.75 (pixel 4 is past the border and clipped)
    x = zoo_core.tensor([[[[0.0, 8.0, 16.0, 24.0]]]])
    y = F.interpolate(x, size=(1, 2), mode="bilinear", antialias=True)
    expected = [(8 * 0.75 + 16 * 0.25) / 1.75, (8 * 0.25 + 16 * 0.75 + 24 * 0.75) / 1.75]
    np.testing.assert_allclose(y.numpy()[0, 0, 0], expected, rtol=1e-6)
    ones = F.interpolate(zoo_core.ones(1, 1, 7, 5), size=(3, 2), mode="bicubic", antialias=True)
    np.testing.assert_allclose(ones.numpy(), np.ones((1, 1, 3, 2)), rtol=1e-6)   # weights sum to 1


def test_same_size_axis_skipped():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 6))
    for mode in ("bilinear", "bicubic"):
        z = F.interpolate(zoo_core.from_numpy(x), scale_factor=(1.1, 0.5), mode=mode, antialias=True).numpy()
        t = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=(1.1, 0.5), mode=mode,
                                            antialias=True).numpy()
        np.testing.assert_allclose(z, t, rtol=1e-10, atol=1e-12)
        half = F.interpolate(zoo_core.from_numpy(x), size=(4, 3), mode=mode, antialias=True).numpy()
        np.testing.assert_allclose(z, half, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(7, 9), (12, 17), (5, 4)])
def test_bilinear_upsampling_equals_plain(size):
    # upsampling the triangle is not stretched: antialias changes nothing
    x = zoo_core.randn(2, 3, 5, 4, dtype=zoo_core.float64)
    a = F.interpolate(x, size=size, mode="bilinear", antialias=True)
    b = F.interpolate(x, size=size, mode="bilinear")
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_bicubic_upsampling_uses_a_minus_half():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 6))
    a = F.interpolate(zoo_core.from_numpy(x), scale_factor=3, mode="bicubic", antialias=True).numpy()
    plain = F.interpolate(zoo_core.from_numpy(x), scale_factor=3, mode="bicubic").numpy()
    t = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=3, mode="bicubic", antialias=True).numpy()
    np.testing.assert_allclose(a, t, rtol=1e-10, atol=1e-12)
    assert np.abs(a - plain).max() > 1e-2


def _photo(n=512):
    """A 3-channel float32 test card in [0, 1]: a zone plate (aliases badly without antialias), gradients and
    grain; scikit-image's astronaut when it is installed."""
    try:
        from skimage import data
        return np.ascontiguousarray(data.astronaut().transpose(2, 0, 1)[None]).astype(np.float32) / 255
    except ImportError:
        pass
    yy, xx = np.mgrid[0:n, 0:n] / n
    zone = 0.5 + 0.5 * np.cos(np.pi * n * 0.6 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2))
    grain = np.random.default_rng(0).uniform(0, 1, (n, n))
    img = np.stack([zone, 0.7 * xx + 0.3 * grain, (xx * yy > 0.2) * 0.8 + 0.2 * zone])
    return img[None].astype(np.float32)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_photo_to_224_matches_torch(mode):
    torch = pytest.importorskip("torch")
    img = _photo()
    z = F.interpolate(zoo_core.from_numpy(img), size=224, mode=mode, antialias=True).numpy()
    t = torch.nn.functional.interpolate(torch.from_numpy(img), size=224, mode=mode, antialias=True).numpy()
    assert z.dtype == np.float32 and z.shape == (1, 3, 224, 224)
    np.testing.assert_allclose(z, t, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("mode,pil_filter", [("bilinear", "BILINEAR"), ("bicubic", "BICUBIC"), ("lanczos", "LANCZOS")])
def test_downsampling_matches_pil(mode, pil_filter):
    Image = pytest.importorskip("PIL.Image")
    plane = _photo(128)[0, 0]
    pil = np.asarray(Image.fromarray(plane, mode="F").resize((37, 50), getattr(Image.Resampling, pil_filter)))
    z = F.interpolate(zoo_core.from_numpy(plane[None, None]), size=(50, 37), mode=mode, antialias=True)
    np.testing.assert_allclose(z.numpy()[0, 0], pil, atol=1e-5)


def test_many_sizes_float32_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 31, 20)).astype(np.float32)
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            for size in [(1, 1), (2, 19), (15, 7), (31, 41), (64, 3)]:
                z = F.interpolate(zoo_core.from_numpy(x), size=size, mode=mode, align_corners=ac, antialias=True)
                t = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, align_corners=ac,
                                                    antialias=True)
                np.testing.assert_allclose(z.numpy(), t.numpy(), atol=2e-6, rtol=1e-5, err_msg=f"{mode} {ac} {size}")


def test_errors():
    x4 = zoo_core.randn(1, 2, 6, 6)
    restricted = "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor"
    with pytest.raises(ValueError, match=restricted):
        F.interpolate(zoo_core.randn(1, 2, 6), size=3, mode="linear", antialias=True)
    with pytest.raises(ValueError, match=restricted):   # before the mode/dims mismatch, as PyTorch
        F.interpolate(zoo_core.randn(1, 2, 6), size=3, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match=restricted):
        F.interpolate(x4, size=3, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match=restricted):
        F.interpolate(zoo_core.randn(1, 1, 2, 3, 4), size=2, mode="trilinear", antialias=True)
    with pytest.raises(ValueError, match=restricted):
        F.interpolate(x4, size=3, mode="foo", antialias=True)
    with pytest.raises(ValueError, match="align_corners option can only be set"):   # checked first
        F.interpolate(x4, size=3, mode="nearest", align_corners=True, antialias=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x4, size=3, scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.interpolate(x4, size=3, mode="lanczos")
    with pytest.raises(ValueError, match="Lanczos mode does not support align_corners=True"):
        F.interpolate(x4, size=3, mode="lanczos", align_corners=True, antialias=True)
    with pytest.raises(NotImplementedError, match="\\(got 3D\\) for the modes: nearest \\| linear \\| bilinear \\| "
                                                  "bicubic \\| trilinear \\| lanczos \\| area \\| nearest-exact "
                                                  "\\(got lanczos\\)"):
        F.interpolate(zoo_core.randn(1, 2, 6), size=3, mode="lanczos")
    with pytest.raises(RuntimeError, match="Input and output sizes should be greater than 0, but got input "
                                           "\\(H: 6, W: 6\\) output \\(H: 0, W: 4\\)"):
        F.interpolate(x4, size=(0, 4), mode="bilinear", antialias=True)
    with pytest.raises(RuntimeError, match="input \\(H: 0, W: 6\\) output \\(H: 3, W: 4\\)"):
        F.interpolate(zoo_core.randn(1, 2, 0, 6), size=(3, 4), mode="bicubic", antialias=True)
    with pytest.raises(NotImplementedError, match="\"compute_index_ranges_weights\" not implemented for 'Long'"):
        F.interpolate(zoo_core.ones(1, 1, 4, 4, dtype=zoo_core.int64), size=2, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        F.interpolate(zoo_core.ones(1, 1, 4, 4, dtype=zoo_core.float16), size=2, mode="bicubic", antialias=True)


def test_empty_batch():
    y = F.interpolate(zoo_core.randn(0, 3, 8, 8), size=(3, 5), mode="bilinear", antialias=True)
    assert tuple(y.shape) == (0, 3, 3, 5)
