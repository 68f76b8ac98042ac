"""F.interpolate (every mode, PyTorch's index rules), pixel shuffle and the resizing layers."""
import os
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, check_gradients, check_torch

sys.path.insert(0, os.path.dirname(__file__))
from _nn_helpers import build, compare_layer, repr_matches  # noqa: E402


def interp(**kw):
    return lambda lib, x: lib.nn.functional.interpolate(x, **kw)


CASES = [
    OpCase("nearest_2x", interp(scale_factor=2), [(1, 2, 3, 4)]),
    OpCase("nearest_size", interp(size=(5, 7)), [(2, 2, 3, 4)]),
    OpCase("nearest_down", interp(size=(2, 3)), [(1, 2, 5, 7)]),
    OpCase("nearest_frac_scale", interp(scale_factor=(1.5, 0.75)), [(1, 2, 4, 6)]),
    OpCase("nearest_1d", interp(scale_factor=2.5), [(2, 3, 4)]),
    OpCase("nearest_3d", interp(size=(3, 2, 5)), [(1, 2, 2, 3, 3)]),
    OpCase("nearest_exact", interp(size=(5, 3), mode="nearest-exact"), [(1, 2, 3, 4)]),
    OpCase("linear", interp(scale_factor=2, mode="linear"), [(2, 2, 4)]),
    OpCase("linear_ac", interp(size=7, mode="linear", align_corners=True), [(2, 2, 4)]),
    OpCase("bilinear", interp(size=(5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
    OpCase("bilinear_down", interp(scale_factor=0.6, mode="bilinear"), [(1, 2, 6, 5)]),
    OpCase("bilinear_ac", interp(scale_factor=(2, 1.5), mode="bilinear", align_corners=True), [(1, 2, 3, 4)]),
    OpCase("bilinear_recompute", interp(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
           [(1, 1, 3, 4)]),
    OpCase("bilinear_same_size_scale", interp(scale_factor=1.1, mode="bilinear"), [(1, 1, 4, 5)]),
    OpCase("bicubic", interp(size=(6, 5), mode="bicubic"), [(1, 2, 3, 4)]),
    OpCase("bicubic_ac", interp(scale_factor=2, mode="bicubic", align_corners=True), [(1, 1, 3, 3)]),
    OpCase("trilinear", interp(size=(3, 4, 2), mode="trilinear"), [(1, 1, 2, 3, 3)]),
    OpCase("area", interp(size=(2, 3), mode="area"), [(1, 2, 5, 7)]),
    OpCase("area_1d", interp(scale_factor=0.5, mode="area"), [(1, 2, 7)]),
    # the three paths of the axis map: weighted taps on an axis > 256 (gather + scatter-add), an irregular
    # nearest index (scatter-add), an integer nearest upscale (interleaved phases)
    OpCase("bilinear_long_axis", interp(size=(3, 301), mode="bilinear"), [(1, 1, 2, 300)], gradgrad=False),
    OpCase("nearest_irregular_long", interp(scale_factor=1.7), [(1, 2, 40)]),
    OpCase("nearest_3x", interp(scale_factor=3), [(1, 2, 2, 5)]),
    OpCase("pixel_shuffle", lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), [(2, 8, 2, 3)]),
    OpCase("pixel_shuffle_unbatched", lambda lib, x: lib.nn.functional.pixel_shuffle(x, 3), [(9, 2, 1)]),
    OpCase("pixel_unshuffle", lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 2), [(1, 2, 4, 6)]),
    OpCase("channel_shuffle", lambda lib, x: lib.nn.functional.channel_shuffle(x, 3), [(2, 6, 2)]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


@pytest.mark.parametrize("mode,kw", [("nearest", {}), ("bilinear", {"align_corners": False}),
                                     ("bilinear", {"align_corners": True}), ("bicubic", {"align_corners": False}),
                                     ("nearest-exact", {}), ("area", {})])
@pytest.mark.parametrize("size", [(7, 9), (3, 11), (1, 2), (13, 5)])
def test_many_sizes_float32_match_torch(mode, kw, size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 8)).astype(np.float32)
    z = F.interpolate(zoo_core.from_numpy(x), size=size, mode=mode, **kw)
    t = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw)
    np.testing.assert_allclose(z.numpy(), t.numpy(), atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("scale", [2, 3, 0.5, 1.25, 1 / 3, 2.2])
def test_nearest_index_rule_with_scale_factor(scale):
    # PyTorch's float32 floor(dst * (1 / scale)) index rule, including scales that round badly
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 1 * 9 * 10, dtype=np.float32).reshape(2, 1, 9, 10)
    z = F.interpolate(zoo_core.from_numpy(x), scale_factor=scale)
    t = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=scale)
    np.testing.assert_array_equal(z.numpy(), t.numpy())


def test_values():
    x = zoo_core.tensor([[[1.0, 2.0]]])
    assert F.interpolate(x, scale_factor=2, mode="linear").tolist() == [[[1.0, 1.25, 1.75, 2.0]]]
    assert F.interpolate(x, size=3, mode="linear", align_corners=True).tolist() == [[[1.0, 1.5, 2.0]]]
    assert F.interpolate(x, scale_factor=2).tolist() == [[[1.0, 1.0, 2.0, 2.0]]]


def test_errors():
    x3 = zoo_core.randn(1, 2, 3)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D input"):
        F.interpolate(x3, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x3, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x3, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x3)
    with pytest.raises(ValueError, match="spatial dimensions of \\[3\\] and output size of \\(2, 2\\)"):
        F.interpolate(x3, size=(2, 2))
    with pytest.raises(NotImplementedError, match="Only 3D, 4D and 5D input Tensors supported \\(got 2D\\)"):
        F.interpolate(zoo_core.randn(2, 3), scale_factor=2)
    with pytest.raises(RuntimeError, match="pixel_shuffle expects its input's 'channel' dimension to be divisible "
                                           "by the square of upscale_factor, but input.size\\(-3\\)=5 is not "
                                           "divisible by 4"):
        F.pixel_shuffle(zoo_core.randn(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="pixel_unshuffle expects height to be divisible by downscale_factor"):
        F.pixel_unshuffle(zoo_core.randn(1, 5, 3, 2), 2)


LAYERS = [
    (lambda nn: nn.Upsample(scale_factor=2), (1, 2, 3, 4)),
    (lambda nn: nn.Upsample(size=(5, 6), mode="bilinear"), (1, 2, 3, 4)),
    (lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    (lambda nn: nn.Upsample(size=7, mode="linear"), (2, 2, 3)),
    (lambda nn: nn.Upsample(scale_factor=1.5, mode="bicubic"), (1, 1, 4, 4)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 3)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(4, 5)), (1, 2, 3, 3)),
    (lambda nn: nn.PixelShuffle(2), (1, 8, 3, 3)),
    (lambda nn: nn.PixelUnshuffle(3), (1, 2, 6, 3)),
    (lambda nn: nn.ChannelShuffle(2), (2, 4, 3, 3)),
]


def _id(case):
    return repr(case[0](nn)) + f"-{case[1]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_matches_torch(case):
    pytest.importorskip("torch")
    compare_layer(*build(case[0]), case[1])


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
def test_layer_repr_matches_torch(case):
    pytest.importorskip("torch")
    repr_matches(case[0])
