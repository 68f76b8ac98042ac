"""F.affine_grid and F.grid_sample: every mode x padding_mode x align_corners against PyTorch (forward,
gradients for input and grid, float32/float64, non-contiguous), gradcheck/gradgradcheck, errors."""
import itertools
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core.nn._functional import grid as G
from zoo_core.testing import OpCase, op_tests


def _F(lib):
    """torch's functional namespace, or this module (tested before zoo_core.nn.functional exports it)."""
    return lib.nn.functional if lib.__name__ == "torch" else G


def sample(**kw):
    return lambda lib, x, g: _F(lib).grid_sample(x, g, **kw)


def affine(size, ac):
    return lambda lib, t: _F(lib).affine_grid(t, size, align_corners=ac)


def transform(size, **kw):
    """affine_grid then grid_sample: gradients flow to the image and to theta."""
    def fn(lib, x, t):
        return _F(lib).grid_sample(x, _F(lib).affine_grid(t, size, align_corners=kw["align_corners"]), **kw)
    return fn


_PADS = ("zeros", "border", "reflection")


def _cases():
    cases = []
    # 2-D: every mode x padding_mode x align_corners; grid values reach past [-1, 1] (out-of-range points)
    for mode, pad, ac in itertools.product(("bilinear", "nearest", "bicubic"), _PADS, (False, True)):
        cases.append(OpCase(f"2d_{mode}_{pad}_ac{int(ac)}",
                            sample(mode=mode, padding_mode=pad, align_corners=ac),
                            [(1, 1, 3, 4), (1, 2, 3, 2)], low=-1.4, high=1.4, seed=len(cases)))
    # 5-D input, (N, Do, Ho, Wo, 3) grid: trilinear and nearest
    for mode, pad, ac in itertools.product(("bilinear", "nearest"), _PADS, (False, True)):
        cases.append(OpCase(f"3d_{mode}_{pad}_ac{int(ac)}",
                            sample(mode=mode, padding_mode=pad, align_corners=ac),
                            [(1, 1, 2, 3, 2), (1, 2, 1, 2, 3)], low=-1.4, high=1.4, seed=len(cases)))
    cases += [
        # far outside: several reflections, all-zero taps, clipped borders
        OpCase("2d_bilinear_reflection_far", sample(padding_mode="reflection", align_corners=False),
               [(1, 1, 3, 3), (1, 2, 2, 2)], low=-4.5, high=4.5),
        OpCase("2d_bicubic_reflection_far_ac", sample(mode="bicubic", padding_mode="reflection",
                                                      align_corners=True), [(1, 1, 3, 3), (1, 2, 2, 2)],
               low=-4.5, high=4.5),
        OpCase("2d_bilinear_zeros_far", sample(align_corners=False), [(1, 1, 2, 3), (1, 2, 2, 2)],
               low=-3.0, high=3.0),
        OpCase("2d_bilinear_batch_unit_dims", sample(padding_mode="border", align_corners=True),
               [(2, 1, 1, 3), (2, 1, 3, 2)]),
        OpCase("2d_only_grid_grad", sample(align_corners=False), [(1, 2, 3, 3), (1, 2, 2, 2)],
               grad_inputs=[False, True], low=-1.2, high=1.2),
        OpCase("2d_nearest_only_grid_grad", sample(mode="nearest", align_corners=False),
               [(1, 1, 3, 3), (1, 2, 2, 2)], grad_inputs=[False, True], low=-1.2, high=1.2),
        # affine_grid, and the spatial-transformer chain (gradients for theta through the grid)
        OpCase("affine_grid_2d", affine((2, 3, 4, 5), False), [(2, 2, 3)]),
        OpCase("affine_grid_2d_ac", affine((2, 1, 3, 2), True), [(2, 2, 3)]),
        OpCase("affine_grid_3d", affine((1, 2, 2, 3, 4), False), [(1, 3, 4)]),
        OpCase("affine_grid_3d_ac", affine((2, 1, 3, 2, 2), True), [(2, 3, 4)]),
        OpCase("affine_grid_unit_ac", affine((1, 1, 1, 4), True), [(1, 2, 3)]),
        OpCase("stn_bilinear", transform((1, 2, 3, 3), align_corners=False),
               arrays=[np.random.default_rng(5).standard_normal((1, 2, 4, 4)),
                       np.array([[[0.9, 0.2, 0.1], [-0.15, 1.1, -0.2]]])]),
        OpCase("stn_bicubic_border", transform((1, 1, 3, 4), mode="bicubic", padding_mode="border",
                                               align_corners=True),
               arrays=[np.random.default_rng(6).standard_normal((1, 1, 3, 3)),
                       np.array([[[1.2, -0.3, 0.05], [0.25, 0.8, 0.1]]])]),
        OpCase("stn_3d_trilinear", transform((1, 1, 2, 2, 3), padding_mode="reflection", align_corners=False),
               arrays=[np.random.default_rng(7).standard_normal((1, 1, 2, 3, 2)),
                       np.array([[[0.93, 0.11, 0.03, 0.07], [0.13, 1.07, 0.17, -0.09], [0.04, -0.19, 0.83, 0.12]]])]),
        # hand-computed values: corners, the centre, a point outside (0 or the clipped edge)
        OpCase("values_bilinear_zeros", sample(align_corners=True),
               arrays=[np.arange(4.).reshape(1, 1, 2, 2), np.array([[[[-1., -1.], [0., 0.], [3., 1.]]]])],
               expected=[[[[0., 1.5, 0.]]]], grad=False),
        OpCase("values_bilinear_border", sample(padding_mode="border", align_corners=True),
               arrays=[np.arange(4.).reshape(1, 1, 2, 2), np.array([[[[-1., -1.], [0., 0.], [3., 1.]]]])],
               expected=[[[[0., 1.5, 3.]]]], grad=False),
        # not align_corners: x = 1 is the right edge of the last pixel, half-way out of it
        OpCase("values_bilinear_edge", sample(align_corners=False),
               arrays=[np.array([[[[2., 4.]]]]), np.array([[[[1., 0.], [-0.5, 0.], [0., 0.]]]])],
               expected=[[[[2., 2., 3.]]]], grad=False),
        OpCase("values_nearest_half_even", sample(mode="nearest", align_corners=True),
               arrays=[np.array([[[[10., 20., 30.]]]]), np.array([[[[-0.5, 0.], [0.5, 0.]]]])],
               expected=[[[[10., 30.]]]], grad=False),   # x = 0.5 and 1.5 round to the even pixel
        OpCase("values_reflection", sample(padding_mode="reflection", align_corners=True),
               arrays=[np.array([[[[1., 2., 3.]]]]), np.array([[[[-1.5, 0.], [2., 0.], [5., 0.]]]])],
               expected=[[[[1.5, 2., 3.]]]], grad=False),
    ]
    return cases


CASES = _cases()
test_forward, test_gradients, test_matches_torch = op_tests(CASES)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no stray warnings with align_corners given ...
        warnings.filterwarnings("ignore", "Since version 1.3.0")   # ... but the unit-size one of affine_grid
        yield


@pytest.mark.parametrize("mode,pad,ac", list(itertools.product(("bilinear", "nearest", "bicubic"), _PADS,
                                                               (False, True))))
@pytest.mark.parametrize("dims", [2, 3])
def test_batches_and_channels_match_torch(dims, mode, pad, ac):
    # larger shapes than gradcheck affords, float32: values and both gradients
    torch = pytest.importorskip("torch")
    if dims == 3 and mode == "bicubic":
        pytest.skip("bicubic is 4-D only")
    rng = np.random.default_rng(4)
    xs, gs = ((3, 4, 5, 6), (3, 7, 4, 2)) if dims == 2 else ((2, 3, 4, 5, 3), (2, 3, 2, 4, 3))
    x, g = rng.standard_normal(xs).astype(np.float32), rng.uniform(-1.3, 1.3, gs).astype(np.float32)
    res = []
    for lib in (zoo_core, torch):
        xl, gl = lib.from_numpy(x.copy()).requires_grad_(), lib.from_numpy(g.copy()).requires_grad_()
        y = _F(lib).grid_sample(xl, gl, mode=mode, padding_mode=pad, align_corners=ac)
        go = lib.from_numpy(np.cos(np.arange(y.numel(), dtype=np.float32)).reshape(tuple(y.shape)))
        res.append([y.detach().numpy()] + [a.numpy() for a in lib.autograd.grad(y, (xl, gl), go)])
    for what, a, b in zip(("output", "input grad", "grid grad"), *res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5, err_msg=what)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_double_backward_matches_torch(mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((1, 2, 3, 4)), rng.uniform(-1.2, 1.2, (1, 2, 3, 2))
    go = rng.standard_normal((1, 2, 2, 3))
    res = []
    for lib in (zoo_core, torch):
        xs, gs = lib.from_numpy(x.copy()).requires_grad_(), lib.from_numpy(g.copy()).requires_grad_()
        y = _F(lib).grid_sample(xs, gs, mode=mode, padding_mode="reflection", align_corners=False)
        gx, gg = lib.autograd.grad(y, (xs, gs), lib.from_numpy(go), create_graph=True)
        res.append([a.detach().numpy() for a in lib.autograd.grad((gx * gx).sum() + (gg ** 3).sum(), (xs, gs))])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_nearest_grid_gradient_is_zero():
    x = zoo_core.randn(1, 1, 3, 3, dtype=zoo_core.float64, requires_grad=True)
    g = (zoo_core.rand(1, 2, 2, 2, dtype=zoo_core.float64) * 2 - 1).requires_grad_()
    y = G.grid_sample(x, g, mode="nearest", align_corners=False)
    gx, gg = zoo_core.autograd.grad(y.sum(), (x, g))
    assert gg is not None and not gg.numpy().any()
    assert gx.sum().item() == pytest.approx(4.0)   # four points, each read one pixel with weight 1


def test_identity_transform_reproduces_input():
    x = zoo_core.randn(2, 3, 5, 6)
    theta = zoo_core.tensor([[1., 0., 0.], [0., 1., 0.]]).expand(2, 2, 3)
    for ac in (False, True):
        for mode in ("bilinear", "nearest", "bicubic"):
            y = G.grid_sample(x, G.affine_grid(theta, (2, 3, 5, 6), align_corners=ac), mode=mode, align_corners=ac)
            np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-5)


def test_float16_and_empty_shapes():
    x = zoo_core.randn(2, 3, 4, 5)
    g = zoo_core.rand(2, 3, 2, 2) * 2 - 1
    y = G.grid_sample(x.half(), g.half(), align_corners=False)
    assert y.dtype == zoo_core.float16 and tuple(y.shape) == (2, 3, 3, 2)
    np.testing.assert_allclose(y.float().numpy(), G.grid_sample(x, g, align_corners=False).numpy(), atol=2e-2)
    assert tuple(G.grid_sample(x, g[:, :0], align_corners=False).shape) == (2, 3, 0, 2)
    assert tuple(G.grid_sample(x[:0], g[:0], mode="bicubic", align_corners=False).shape) == (0, 3, 3, 2)
    assert tuple(G.grid_sample(x[:, :0], g, mode="nearest", align_corners=False).shape) == (2, 0, 3, 2)


def test_align_corners_none_warns_like_torch():
    x, g = zoo_core.randn(1, 1, 2, 2), zoo_core.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        y = G.grid_sample(x, g)
    np.testing.assert_allclose(y.numpy(), G.grid_sample(x, g, align_corners=False).numpy())
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        G.affine_grid(zoo_core.zeros(1, 2, 3), (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="unit-size grids"):
        G.affine_grid(zoo_core.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)


_X, _G = (2, 3, 4, 5), (2, 6, 7, 2)
SAMPLE_ERRORS = [
    ((_X, (3, 6, 7, 2)), {}, RuntimeError,
     r"grid_sampler\(\): expected grid and input to have same batch size, but got input with sizes "
     r"\[2, 3, 4, 5\] and grid with sizes \[3, 6, 7, 2\]"),
    ((_X, (2, 6, 7, 3)), {}, RuntimeError, r"expected grid to have size 2 in last dimension, but got grid with "
                                           r"sizes \[2, 6, 7, 3\]"),
    ((_X, (2, 6, 7, 2, 2)), {}, RuntimeError, r"expected 4D input and grid with same number of dimensions, but "
                                              r"got input with sizes \[2, 3, 4, 5\] and grid with sizes"),
    (((2, 3, 4), (2, 4, 1)), {}, RuntimeError, r"grid_sampler\(\): expected .*D input and grid with same number"),
    (((2, 3, 4, 5, 6), (2, 1, 2, 3, 2)), {}, RuntimeError, r"expected grid to have size 3 in last dimension"),
    (((2, 3, 4, 5, 6), (2, 1, 2, 3, 3)), {"mode": "bicubic"}, RuntimeError,
     r"bicubic interpolation only supports 4D input .*\[2, 3, 4, 5, 6\]"),
    (((2, 3, 0, 5), _G), {}, RuntimeError, r"expected input to have non-empty spatial dimensions, but input has "
                                           r"sizes \[2, 3, 0, 5\] with dimension 2 being empty"),
    ((_X, _G), {"mode": "linear"}, ValueError, r"expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                                               r"but got: 'linear'"),
    ((_X, _G), {"padding_mode": "circular"}, ValueError, r"expected padding_mode to be 'zeros', 'border', or "
                                                         r"'reflection', but got: 'circular'"),
]


@pytest.mark.parametrize("shapes,kw,exc,msg", SAMPLE_ERRORS)
def test_grid_sample_errors(shapes, kw, exc, msg):
    x, g = zoo_core.randn(*shapes[0]), zoo_core.rand(*shapes[1])
    with pytest.raises(exc, match=msg):
        G.grid_sample(x, g, align_corners=False, **kw)


def test_grid_sample_dtype_errors():
    x, g = zoo_core.randn(*_X), zoo_core.rand(*_G)
    with pytest.raises(RuntimeError, match=r"same dtype, but got input with dtype .*float32 and grid with dtype "
                                           r".*float64"):
        G.grid_sample(x, g.double(), align_corners=False)
    with pytest.raises(NotImplementedError, match=r"grid_sampler\(\): expected floating-point input and grid"):
        G.grid_sample(x.long(), g, align_corners=False)


AFFINE_ERRORS = [
    ((2, 3, 3), (2, 1, 4, 5), ValueError, r"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                                          r"\(2, 1, 4, 5\). Got \(2, 3, 3\)."),
    ((2, 2, 3), (2, 1, 4, 5, 6), ValueError, r"Expected a batch of 3D affine matrices of shape Nx3x4"),
    ((2, 2, 3), (2, 1, 4), NotImplementedError, r"affine_grid only supports 4D and 5D sizes.*Got size \(2, 1, 4\)"),
    ((2, 2, 3), (2, 1, 0, 5), ValueError, r"Expected non-zero, positive output size. Got \(2, 1, 0, 5\)"),
    ((2, 2, 3), (3, 1, 4, 5), RuntimeError, r"affine_grid: theta holds 2 matrices but size asks for a batch of 3"),
]


@pytest.mark.parametrize("theta,size,exc,msg", AFFINE_ERRORS)
def test_affine_grid_errors(theta, size, exc, msg):
    with pytest.raises(exc, match=msg):
        G.affine_grid(zoo_core.randn(*theta), size, align_corners=False)


def test_affine_grid_integer_theta():
    with pytest.raises(ValueError, match="Expected theta to have floating point type, but got .*int64"):
        G.affine_grid(zoo_core.zeros(1, 2, 3, dtype=zoo_core.int64), (1, 1, 2, 2), align_corners=False)


@pytest.mark.gpu
def test_devices_must_match():
    x, g = zoo_core.randn(1, 1, 2, 2), zoo_core.zeros(1, 1, 1, 2).to("cuda")
    with pytest.raises(RuntimeError, match=r"expected input and grid to be on same device, but input is on cpu "
                                           r"and grid is on cuda"):
        G.grid_sample(x, g, align_corners=False)


@pytest.mark.gpu
def test_stn_on_cuda_matches_cpu():
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((2, 3, 5, 4)).astype(np.float32), rng.standard_normal((2, 2, 3)).astype(np.float32)
    outs = []
    for dev in ("cpu", "cuda"):
        xs, ts = zoo_core.from_numpy(x).to(dev), zoo_core.from_numpy(t).to(dev)
        y = G.grid_sample(xs, G.affine_grid(ts, (2, 3, 6, 7), align_corners=False), mode="bicubic",
                          padding_mode="reflection", align_corners=False)
        assert y.device.type == dev
        outs.append(y.cpu().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)
