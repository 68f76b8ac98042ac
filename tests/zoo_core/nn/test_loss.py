import re
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core import nn
from zoo_core.testing import OpCase, check_forward, check_gradients, check_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def _u(shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


def _cls(shape, n, ignore=None, every=3):
    """Class indices in [0, n); every ``every``-th entry set to ``ignore`` when given."""
    t = RNG.integers(0, n, size=shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::every] = ignore
    return t


def _probs(shape, axis=1):
    e = np.exp(_u(shape))
    return e / e.sum(axis=axis, keepdims=True)


def _pm1(shape):
    return np.where(RNG.uniform(size=shape) < 0.5, -1, 1).astype(np.int64)


def F(lib):
    return lib.nn.functional


X, T, W = _u((4, 5)), _cls((4,), 5), RNG.uniform(0.5, 2.0, size=5)
X4, T4 = _u((2, 3, 2, 2)), _cls((2, 2, 2), 3, ignore=1, every=3)
X3, T3 = _u((2, 3, 4)), _cls((2, 4), 3, ignore=-100, every=3)
W3 = RNG.uniform(0.5, 2.0, size=3)
TIGN = _cls((4,), 5, ignore=-100, every=2)
NOW = [True, False, False]                 # differentiate the input only (not the target or weight)


def _ce(**kw):
    return lambda lib, x, t: F(lib).cross_entropy(x, t, **kw)


def _cew(**kw):
    return lambda lib, x, t, w: F(lib).cross_entropy(x, t, weight=w, **kw)


def _nll(**kw):
    return lambda lib, x, t: F(lib).nll_loss(x, t, **kw)


def _nllw(**kw):
    return lambda lib, x, t, w: F(lib).nll_loss(x, t, weight=w, **kw)


CLASS_CASES = []
for r in REDUCTIONS:
    CLASS_CASES += [
        OpCase(f"ce_{r}", _ce(reduction=r), arrays=[X, T]),
        OpCase(f"ce_weight_{r}", _cew(reduction=r), arrays=[X, T, W], grad_inputs=NOW),
        OpCase(f"ce_ignore_{r}", _ce(reduction=r), arrays=[X, TIGN]),
        OpCase(f"ce_ignore_index_2_{r}", _cew(reduction=r, ignore_index=2), arrays=[X, np.array([2, 0, 2, 4]), W],
               grad_inputs=NOW),
        OpCase(f"ce_smooth_{r}", _ce(reduction=r, label_smoothing=0.2), arrays=[X, T]),
        OpCase(f"ce_smooth_weight_ignore_{r}", _cew(reduction=r, label_smoothing=0.3), arrays=[X, TIGN, W],
               grad_inputs=NOW),
        OpCase(f"ce_4d_{r}", _cew(reduction=r, ignore_index=1, label_smoothing=0.1), arrays=[X4, T4, W3],
               grad_inputs=NOW),
        OpCase(f"ce_3d_{r}", _ce(reduction=r, label_smoothing=0.1), arrays=[X3, T3]),
        OpCase(f"ce_unbatched_{r}", _cew(reduction=r, label_smoothing=0.1), arrays=[X[0], np.array(3), W],
               grad_inputs=NOW),
        OpCase(f"ce_probs_{r}", _ce(reduction=r), arrays=[X, _probs((4, 5))]),
        OpCase(f"ce_probs_weight_smooth_{r}", _cew(reduction=r, label_smoothing=0.2),
               arrays=[X, _probs((4, 5)), W]),
        OpCase(f"ce_probs_4d_{r}", _ce(reduction=r), arrays=[X4, _probs((2, 3, 2, 2))]),
        OpCase(f"ce_probs_unbatched_{r}", _ce(reduction=r), arrays=[X[1], _probs((5,), 0)]),
        OpCase(f"nll_{r}", _nll(reduction=r), arrays=[X, T]),
        OpCase(f"nll_weight_ignore_{r}", _nllw(reduction=r), arrays=[X, TIGN, W], grad_inputs=NOW),
        # torch's nll_loss2d backward rejects non-contiguous inputs ("grad_input must be contiguous")
        OpCase(f"nll_4d_{r}", _nllw(reduction=r, ignore_index=1), arrays=[X4, T4, W3], grad_inputs=NOW,
               noncontig=False),
        OpCase(f"nll_3d_{r}", _nll(reduction=r), arrays=[X3, T3]),
        OpCase(f"nll_unbatched_{r}", _nll(reduction=r), arrays=[X[0], np.array(1)]),
    ]
CLASS_CASES += [
    # every target ignored: the mean is 0/0 = nan (see test_all_ignored_gradient_is_zero)
    OpCase("ce_all_ignored", _ce(), arrays=[X, np.full(4, -100)], grad=False),
    OpCase("ce_all_ignored_smooth", _ce(label_smoothing=0.1), arrays=[X, np.full(4, -100)], grad=False),
    OpCase("nll_all_ignored", _nll(), arrays=[X, np.full(4, -100)], grad=False),
    # torch's forward accepts a (1,) target for a (C,) input but its backward then fails: no torch parity
    OpCase("ce_unbatched_1d_target", _ce(reduction="none"), arrays=[X[0], np.array([2])], torch=False,
           expected=-(X[0, 2] - np.log(np.exp(X[0]).sum()))),
    OpCase("ce_uint8_target", _ce(), arrays=[X, T.astype(np.uint8)]),
    OpCase("ce_smooth_one", _ce(label_smoothing=1.0), arrays=[X, T]),
    OpCase("ce_large_logits", _ce(reduction="none", label_smoothing=0.1), arrays=[X * 500, T]),
    OpCase("ce_values", _ce(), arrays=[np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([0, 1])],
           expected=np.log1p(np.exp(-2.0))),
    OpCase("nll_values", _nll(), arrays=[np.array([[-1.0, -2.0], [-3.0, -0.5]]), np.array([0, 1])], expected=0.75),
]

P, Q = _u((3, 4), 0.1, 0.9), _u((3, 4), 0.0, 1.0)
BCE_CASES, LOGIT_CASES = [], []
for r in REDUCTIONS:
    BCE_CASES += [
        OpCase(f"bce_{r}", lambda lib, x, t, r=r: F(lib).binary_cross_entropy(x, t, reduction=r), arrays=[P, Q]),
        OpCase(f"bce_weight_{r}", lambda lib, x, t, w, r=r: F(lib).binary_cross_entropy(x, t, w, reduction=r),
               arrays=[P, Q, _u((4,), 0.5, 2.0)], grad_inputs=[True, True, False]),
    ]
    LOGIT_CASES += [
        OpCase(f"bce_logits_{r}", lambda lib, x, t, r=r: F(lib).binary_cross_entropy_with_logits(x, t, reduction=r),
               arrays=[_u((3, 4), -4, 4), Q]),
        OpCase(f"bce_logits_weights_{r}", lambda lib, x, t, w, pw, r=r: F(lib).binary_cross_entropy_with_logits(
            x, t, w, reduction=r, pos_weight=pw), arrays=[_u((3, 4), -4, 4), Q, _u((3, 1), 0.5, 2), _u((4,), 0.5, 3)],
            grad_inputs=[True, True, False, False]),
    ]
BCE_CASES += [
    OpCase("bce_clamped_log", lambda lib, x, t: F(lib).binary_cross_entropy(x, t, reduction="none"),
           arrays=[np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.5])], expected=[100.0, 100.0, np.log(2)],
           grad=False),
    OpCase("bce_edge_grad", lambda lib, x, t: F(lib).binary_cross_entropy(x, t, reduction="sum"),
           arrays=[np.array([1e-20, 0.5, 1 - 1e-9]), np.array([0.5, 0.3, 0.0])], grad_inputs=[True, False], grad=False),
]
LOGIT_CASES += [
    OpCase("bce_logits_extreme", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction="none"),
           arrays=[np.array([800.0, -800.0, 0.0]), np.array([1.0, 0.0, 1.0])], expected=[0.0, 0.0, np.log(2)],
           grad=False),
    OpCase("bce_logits_mixed_dtype", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(
        x, t.double() if hasattr(t, "double") else t), arrays=[_u((3, 4)), Q], float32=False),
]

Y, YB = _u((3, 4)), _u((4,))
REGRESSION_CASES = []
for r in REDUCTIONS:
    REGRESSION_CASES += [
        OpCase(f"mse_{r}", lambda lib, x, y, r=r: F(lib).mse_loss(x, y, reduction=r), arrays=[X[:3, :4], Y]),
        OpCase(f"mse_weight_{r}", lambda lib, x, y, w, r=r: F(lib).mse_loss(x, y, reduction=r, weight=w),
               arrays=[X[:3, :4], Y, _u((3, 4), 0.5, 2)]),
        OpCase(f"l1_{r}", lambda lib, x, y, r=r: F(lib).l1_loss(x, y, reduction=r), arrays=[X[:3, :4], Y]),
        OpCase(f"l1_weight_{r}", lambda lib, x, y, w, r=r: F(lib).l1_loss(x, y, reduction=r, weight=w),
               arrays=[X[:3, :4], Y, _u((3, 4), 0.5, 2)]),
        OpCase(f"smooth_l1_{r}", lambda lib, x, y, r=r: F(lib).smooth_l1_loss(x, y, reduction=r, beta=0.7),
               arrays=[X[:3, :4], Y]),
        OpCase(f"smooth_l1_beta0_{r}", lambda lib, x, y, r=r: F(lib).smooth_l1_loss(x, y, reduction=r, beta=0.0),
               arrays=[X[:3, :4], Y]),
        OpCase(f"huber_{r}", lambda lib, x, y, r=r: F(lib).huber_loss(x, y, reduction=r, delta=1.3),
               arrays=[X[:3, :4], Y]),
        OpCase(f"huber_weight_{r}", lambda lib, x, y, w, r=r: F(lib).huber_loss(x, y, reduction=r, weight=w),
               arrays=[X[:3, :4], Y, _u((3, 4), 0.5, 2)]),
        OpCase(f"kl_div_{r}", lambda lib, x, y, r=r: F(lib).kl_div(x, y, reduction=r),
               arrays=[np.log(_probs((3, 4))), _probs((3, 4))]),
        OpCase(f"kl_div_log_target_{r}", lambda lib, x, y, r=r: F(lib).kl_div(x, y, reduction=r, log_target=True),
               arrays=[np.log(_probs((3, 4))), np.log(_probs((3, 4)))]),
        OpCase(f"poisson_{r}", lambda lib, x, y, r=r: F(lib).poisson_nll_loss(x, y, reduction=r),
               arrays=[_u((3, 4)), _u((3, 4), 0, 3)]),
        OpCase(f"poisson_full_{r}", lambda lib, x, y, r=r: F(lib).poisson_nll_loss(
            x, y, log_input=False, full=True, reduction=r), arrays=[_u((3, 4), 0.2, 3), _u((3, 4), 0, 3)]),
        OpCase(f"gaussian_{r}", lambda lib, x, y, v, r=r: F(lib).gaussian_nll_loss(x, y, v, reduction=r),
               arrays=[_u((3, 4)), Y, _u((3, 4), 0.2, 2)]),
        OpCase(f"gaussian_homo_full_{r}", lambda lib, x, y, v, r=r: F(lib).gaussian_nll_loss(
            x, y, v, full=True, reduction=r), arrays=[_u((3, 4)), Y, _u((3,), 0.2, 2)]),
        OpCase(f"soft_margin_{r}", lambda lib, x, y, r=r: F(lib).soft_margin_loss(x, y, reduction=r),
               arrays=[_u((3, 4)), _pm1((3, 4)).astype(float)],
               grad_inputs=[True, False]),          # torch: soft_margin_loss is not differentiable in the target
        OpCase(f"multilabel_soft_margin_{r}", lambda lib, x, y, w, r=r: F(lib).multilabel_soft_margin_loss(
            x, y, w, reduction=r), arrays=[_u((3, 4)), (_u((3, 4)) > 0).astype(float), _u((4,), 0.5, 2)]),
    ]
REGRESSION_CASES += [
    OpCase("kl_div_batchmean", lambda lib, x, y: F(lib).kl_div(x, y, reduction="batchmean"),
           arrays=[np.log(_probs((3, 4))), _probs((3, 4))]),
    OpCase("kl_div_zero_target", lambda lib, x, y: F(lib).kl_div(x, y, reduction="sum"),
           arrays=[_u((2, 3)), np.array([[0.0, 0.5, 0.5], [0.2, 0.0, 0.8]])], grad_inputs=[True, False]),
    OpCase("gaussian_float_var", lambda lib, x, y: F(lib).gaussian_nll_loss(x, y, 0.5), arrays=[_u((3, 4)), Y]),
    OpCase("gaussian_clamped_var", lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, eps=0.3),
           arrays=[_u((3, 4)), Y, np.where(RNG.uniform(size=(3, 4)) < 0.5, 0.1, 1.5)], grad_inputs=[True, True, False]),
    OpCase("gaussian_var_one_dim", lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v),
           arrays=[_u((2, 3, 4)), _u((2, 3, 4)), _u((2, 1, 4), 0.2, 2)]),
    OpCase("poisson_full_log_input", lambda lib, x, y: F(lib).poisson_nll_loss(x, y, full=True),
           arrays=[_u((3, 4)), np.array([0.0, 1.0, 2.0, 5.0] * 3).reshape(3, 4)], grad_inputs=[True, False]),
    OpCase("mse_values", lambda lib, x, y: F(lib).mse_loss(x, y), arrays=[np.array([1.0, 2.0]), np.zeros(2)],
           expected=2.5),
    OpCase("smooth_l1_values", lambda lib, x, y: F(lib).smooth_l1_loss(x, y, reduction="none"),
           arrays=[np.array([0.5, 3.0, -2.0]), np.zeros(3)], expected=[0.125, 2.5, 1.5]),
]
BROADCAST_CASES = [
    OpCase("mse_broadcast", lambda lib, x, y: F(lib).mse_loss(x, y), arrays=[X[:3, :4], YB]),
    OpCase("l1_broadcast", lambda lib, x, y: F(lib).l1_loss(x, y), arrays=[X[:3, :4], YB]),
    OpCase("smooth_l1_broadcast", lambda lib, x, y: F(lib).smooth_l1_loss(x, y), arrays=[X[:3, :4], YB]),
    OpCase("huber_broadcast", lambda lib, x, y: F(lib).huber_loss(x, y, reduction="sum"), arrays=[X[:3, :4], YB]),
    OpCase("kl_div_broadcast", lambda lib, x, y: F(lib).kl_div(x, y, reduction="sum"),
           arrays=[np.log(_probs((3, 4))), _probs((4,), 0)]),
]

X1, X2 = _u((3, 4)), _u((3, 4))
MARGIN_CASES = []
for r in REDUCTIONS:
    MARGIN_CASES += [
        OpCase(f"cosine_embedding_{r}", lambda lib, a, b, y, r=r: F(lib).cosine_embedding_loss(
            a, b, y, margin=-0.9, reduction=r), arrays=[X1, X2, np.array([1, -1, -1])]),
        OpCase(f"margin_ranking_{r}", lambda lib, a, b, y, r=r: F(lib).margin_ranking_loss(
            a[0], b[0], y, margin=0.3, reduction=r), arrays=[X1, X2, _pm1((4,)).astype(float)],
            grad_inputs=[True, True, False]),
        OpCase(f"hinge_embedding_{r}", lambda lib, x, y, r=r: F(lib).hinge_embedding_loss(
            x, y, margin=2.5, reduction=r), arrays=[X1, _pm1((3, 4)).astype(float)]),
        OpCase(f"triplet_{r}", lambda lib, a, p, n, r=r: F(lib).triplet_margin_loss(a, p, n, margin=3.0, reduction=r),
               arrays=[X1, X2, _u((3, 4))]),
        OpCase(f"triplet_p1_swap_{r}", lambda lib, a, p, n, r=r: F(lib).triplet_margin_loss(
            a, p, n, margin=5.0, p=1, swap=True, reduction=r), arrays=[X1, X2, _u((3, 4))], gradgrad=False),
        OpCase(f"multi_margin_{r}", lambda lib, x, y, r=r: F(lib).multi_margin_loss(x, y, reduction=r),
               arrays=[_u((3, 4)), np.array([0, 3, 1])]),
        OpCase(f"multi_margin_p2_weight_{r}", lambda lib, x, y, w, r=r: F(lib).multi_margin_loss(
            x, y, p=2, margin=1.5, weight=w, reduction=r), arrays=[_u((3, 4)), np.array([2, 0, 2]), _u((4,), 0.5, 2)],
            grad_inputs=NOW),
    ]
MARGIN_CASES += [
    OpCase("cosine_embedding_margin", lambda lib, a, b, y: F(lib).cosine_embedding_loss(a, b, y, margin=0.0),
           arrays=[X1, -X1 + 0.1 * X2, np.array([-1, 1, -1])]),
    OpCase("cosine_embedding_unbatched", lambda lib, a, b, y: F(lib).cosine_embedding_loss(a, b, y, margin=-0.5),
           arrays=[X1[0], X2[0], np.array(-1)]),
    OpCase("triplet_unbatched", lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, margin=4.0),
           arrays=[X1[0], X2[0], X2[1]]),
    OpCase("triplet_with_distance", lambda lib, a, p, n: F(lib).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: ((u - v) ** 2).sum(-1), margin=9.0, swap=True),
        arrays=[X1, X2, _u((3, 4))]),
    OpCase("multi_margin_unbatched", lambda lib, x, y: F(lib).multi_margin_loss(x, y, reduction="none"),
           arrays=[_u((4,)), np.array([2])]),
    OpCase("multi_margin_values", lambda lib, x, y: F(lib).multi_margin_loss(x, y),
           arrays=[np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([3])], expected=0.325),
]

CASES = CLASS_CASES + BCE_CASES + LOGIT_CASES + REGRESSION_CASES + BROADCAST_CASES + MARGIN_CASES
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size", "ignore:reduction. 'mean' divides")


@pytest.mark.parametrize("case", [c for c in CASES if c.expected is not None], ids=str)
def test_forward(case):
    check_forward(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


# ---- the fused cross-entropy node -----------------------------------------------------------------
def test_cross_entropy_is_one_node_and_frees_nothing_it_needs():
    x = zoo_core.randn(6, 4, requires_grad=True)
    t = zoo_core.tensor([0, 1, 2, 3, 0, 1])
    loss = F(zoo_core).cross_entropy(x, t, label_smoothing=0.1)
    assert loss.grad_fn.name() == "CrossEntropyLossBackward0"
    assert loss.grad_fn.next_functions[0][0] is not None        # straight to the leaf's accumulator
    loss.backward()
    g = x.grad.numpy()
    np.testing.assert_allclose(g.sum(1), 0.0, atol=1e-6)        # softmax - q sums to 0 per row


def test_cross_entropy_training_step_matches_torch():
    xs, ws = _u((8, 6)), _u((5, 6))
    ts = _cls((8,), 5, ignore=-100, every=4)
    cw = RNG.uniform(0.5, 2, size=5)
    grads = {}
    for lib in (zoo_core, torch):
        x = lib.tensor(xs, dtype=lib.float32)
        w = lib.tensor(ws, dtype=lib.float32, requires_grad=True)
        loss = lib.nn.CrossEntropyLoss(weight=lib.tensor(cw, dtype=lib.float32), label_smoothing=0.05)(
            x @ w.T, lib.tensor(ts))
        loss.backward()
        grads[lib.__name__] = (loss.item(), w.grad.numpy())
    np.testing.assert_allclose(grads["zoo_core"][0], grads["torch"][0], rtol=1e-5)
    np.testing.assert_allclose(grads["zoo_core"][1], grads["torch"][1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("fn,kw", [("cross_entropy", {}), ("cross_entropy", dict(label_smoothing=0.1)),
                                   ("nll_loss", {})])
def test_all_ignored_gradient_is_zero(fn, kw):
    for lib in (zoo_core, torch):
        x = lib.tensor(X, requires_grad=True)
        loss = getattr(F(lib), fn)(x, lib.full((4,), -100), **kw)
        assert np.isnan(loss.item())
        loss.backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 5)))


def test_gaussian_nll_clamped_var_gradient_passes_through():
    # torch clamps var under no_grad: the gradient of a clamped entry is the unclamped formula's
    v = np.array([[0.1, 1.5], [0.05, 2.0]])
    grads = []
    for lib in (zoo_core, torch):
        var = lib.tensor(v, requires_grad=True)
        F(lib).gaussian_nll_loss(lib.tensor(X[:2, :2]), lib.tensor(Y[:2, :2]), var, eps=0.3).backward()
        grads.append(var.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_kl_div_target_gradient_matches_torch_at_zero():
    # torch differentiates xlogy(t, t): log(t) + 1, NaN at t == 0 (no numpy warning here either)
    grads = []
    for lib in (zoo_core, torch):
        t = lib.tensor([[0.0, 0.3, 0.7]], requires_grad=True)
        F(lib).kl_div(lib.tensor([[-1.0, -2.0, -0.5]]), t, reduction="batchmean").backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    assert np.isnan(grads[0][0, 0])


def test_cross_entropy_keeps_float32():
    x = zoo_core.randn(3, 4, dtype=zoo_core.float32)
    for r in REDUCTIONS:
        assert F(zoo_core).cross_entropy(x, zoo_core.tensor([0, 1, 2]), reduction=r).dtype == zoo_core.float32
    w = zoo_core.ones(4, dtype=zoo_core.float64)          # torch rejects the dtype mismatch; we cast the weight
    assert F(zoo_core).cross_entropy(x, zoo_core.tensor([0, 1, 2]), weight=w).dtype == zoo_core.float32


# ---- errors and warnings, compared with torch's own ----------------------------------------------
def _outcome(lib, fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            fn(lib)
            err = None
        except Exception as e:       # noqa: BLE001 - compared below
            err = (type(e).__name__, str(e).split("\n")[0])
    msgs = [str(w.message).replace("torch.", "zoo_core.") for w in rec]
    return err if err is None else (err[0], err[1].replace("torch.", "zoo_core.")), msgs


def _t(lib, a, dtype=None):
    return lib.tensor(np.asarray(a), dtype=dtype)


XE, XE4 = _u((3, 5)), _u((2, 5, 4, 3))
ERRORS = {
    "batch_size": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2])),
    "batch_size_0d_target": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, 1)),
    "target_out_of_bounds": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 5, 2])),
    "target_negative": lambda lib: F(lib).nll_loss(_t(lib, XE), _t(lib, [1, -1, 2])),
    "target_out_of_bounds_4d": lambda lib: F(lib).cross_entropy(_t(lib, XE4), _t(lib, np.full((2, 4, 3), 7))),
    "target_int32": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3], lib.int32)),
    "target_float_wrong_shape": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1.0, 2.0, 3.0])),
    "prob_target_int": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, np.zeros((3, 5), np.int64))),
    "prob_target_ignore_index": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, _probs((3, 5))),
                                                                 ignore_index=1),
    "label_smoothing_range": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]), label_smoothing=1.5),
    "weight_size": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]), weight=lib.ones(4)),
    "weight_size_probs": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, _probs((3, 5))), weight=lib.ones(4)),
    "weight_size_4d": lambda lib: F(lib).cross_entropy(_t(lib, XE4), _t(lib, np.zeros((2, 4, 3), np.int64)),
                                                       weight=lib.ones(3)),
    "weight_requires_grad": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]),
                                                             weight=lib.ones(5, requires_grad=True)),
    "bad_reduction": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]), reduction="bad"),
    "target_2d_for_2d_input": lambda lib: F(lib).nll_loss(_t(lib, XE), _t(lib, np.zeros((3, 2), np.int64))),
    "spatial_target_dims": lambda lib: F(lib).cross_entropy(_t(lib, XE4), _t(lib, np.zeros((2, 4), np.int64))),
    "spatial_size_mismatch": lambda lib: F(lib).nll_loss(_t(lib, XE4), _t(lib, np.zeros((2, 4, 2), np.int64))),
    "kdim_target_size": lambda lib: F(lib).cross_entropy(_t(lib, _u((2, 5, 4))), _t(lib, np.zeros((2, 3), np.int64))),
    "unbatched_target_size": lambda lib: F(lib).cross_entropy(_t(lib, XE[0]), _t(lib, [1, 2])),
    "bce_size": lambda lib: F(lib).binary_cross_entropy(_t(lib, P), _t(lib, Q[0])),
    "bce_input_range": lambda lib: F(lib).binary_cross_entropy(_t(lib, P * 2), _t(lib, Q)),
    "bce_target_range": lambda lib: F(lib).binary_cross_entropy(_t(lib, P), _t(lib, Q * 3)),
    "bce_target_dtype": lambda lib: F(lib).binary_cross_entropy(_t(lib, P), _t(lib, Q, lib.float32)),
    "bce_logits_size": lambda lib: F(lib).binary_cross_entropy_with_logits(_t(lib, P), _t(lib, Q[0])),
    "bce_logits_int_target": lambda lib: F(lib).binary_cross_entropy_with_logits(_t(lib, P), _t(lib, Q > 0.5).long()),
    "smooth_l1_beta": lambda lib: F(lib).smooth_l1_loss(_t(lib, P), _t(lib, Q), beta=-1.0),
    "huber_delta": lambda lib: F(lib).huber_loss(_t(lib, P), _t(lib, Q), delta=0.0),
    "mse_weight_size": lambda lib: F(lib).mse_loss(_t(lib, P), _t(lib, Q), weight=lib.ones(4)),
    "kl_bad_reduction": lambda lib: F(lib).kl_div(_t(lib, P), _t(lib, Q), reduction="bad"),
    "cosine_target_dims": lambda lib: F(lib).cosine_embedding_loss(_t(lib, P), _t(lib, Q), _t(lib, [[1, -1, 1]])),
    "cosine_1d_target": lambda lib: F(lib).cosine_embedding_loss(_t(lib, P[0]), _t(lib, Q[0]), _t(lib, [1, -1])),
    "cosine_0d_target": lambda lib: F(lib).cosine_embedding_loss(_t(lib, P), _t(lib, Q), _t(lib, 1)),
    "margin_ranking_dims": lambda lib: F(lib).margin_ranking_loss(_t(lib, P[0]), _t(lib, Q[0]), _t(lib, 1.0)),
    "triplet_margin": lambda lib: F(lib).triplet_margin_loss(_t(lib, P), _t(lib, Q), _t(lib, Q), margin=0),
    "triplet_dims": lambda lib: F(lib).triplet_margin_loss(_t(lib, P), _t(lib, Q), _t(lib, Q[0])),
    "poisson_reduction": lambda lib: F(lib).poisson_nll_loss(_t(lib, P), _t(lib, Q), reduction="bad"),
    "gaussian_var_size": lambda lib: F(lib).gaussian_nll_loss(_t(lib, P), _t(lib, Q), lib.ones(3, 2)),
    "gaussian_var_negative": lambda lib: F(lib).gaussian_nll_loss(_t(lib, P), _t(lib, Q), -1.0),
    "gaussian_reduction": lambda lib: F(lib).gaussian_nll_loss(_t(lib, P), _t(lib, Q), lib.ones(3, 4),
                                                               reduction="x"),
    "multi_margin_p": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2, 3]), p=3),
    "multi_margin_target_range": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2, 4])),
    "multi_margin_target_size": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2])),
    "multi_margin_weight_size": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2, 3]),
                                                                     weight=lib.ones(3)),
    "multi_margin_weight_dims": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2, 3]),
                                                                     weight=lib.ones(4, 1)),
    "multi_margin_target_int32": lambda lib: F(lib).multi_margin_loss(_t(lib, P), _t(lib, [1, 2, 3], lib.int32)),
    "multi_margin_3d": lambda lib: F(lib).multi_margin_loss(_t(lib, P[None]), _t(lib, [1, 2, 3])),
    "multilabel_soft_margin_reduction": lambda lib: F(lib).multilabel_soft_margin_loss(_t(lib, P), _t(lib, Q),
                                                                                       reduction="bad"),
    "triplet_module_margin": lambda lib: lib.nn.TripletMarginLoss(margin=-1.0),
    "multi_margin_module_weight": lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
}


@pytest.mark.parametrize("name", list(ERRORS), ids=str)
def test_error_matches_torch(name):
    fn = ERRORS[name]
    want, _ = _outcome(torch, fn)
    got, _ = _outcome(zoo_core, fn)
    assert want is not None, f"torch accepted {name}"
    assert got == want


WARNINGS = {
    "mse_size": lambda lib: F(lib).mse_loss(_t(lib, P), _t(lib, Q[0])),
    "l1_size": lambda lib: F(lib).l1_loss(_t(lib, P), _t(lib, Q[0])),
    "smooth_l1_size": lambda lib: F(lib).smooth_l1_loss(_t(lib, P), _t(lib, Q[:1])),
    "huber_size": lambda lib: F(lib).huber_loss(_t(lib, P), _t(lib, Q[0])),
    "legacy_sum": lambda lib: F(lib).nll_loss(_t(lib, XE), _t(lib, [1, 2, 3]), size_average=False),
    "legacy_none": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]), reduce=False),
    "legacy_module": lambda lib: lib.nn.MSELoss(size_average=False, reduce=True),
    "elementwise_mean": lambda lib: F(lib).cross_entropy(_t(lib, XE), _t(lib, [1, 2, 3]),
                                                         reduction="elementwise_mean"),
    "kl_div_mean": lambda lib: F(lib).kl_div(_t(lib, P), _t(lib, Q)),
    "kl_div_batchmean_silent": lambda lib: F(lib).kl_div(_t(lib, P), _t(lib, Q), reduction="batchmean"),
}


@pytest.mark.parametrize("name", list(WARNINGS), ids=str)
def test_warning_matches_torch(name):
    want = _outcome(torch, WARNINGS[name])
    got = _outcome(zoo_core, WARNINGS[name])
    assert got == want


@pytest.mark.parametrize("kw,want", [(dict(size_average=False), "sum"), (dict(reduce=False), "none"),
                                     (dict(size_average=True, reduce=True), "mean"),
                                     (dict(size_average=False, reduce=False), "none")])
def test_legacy_reduction_args(kw, want):
    with pytest.warns(UserWarning, match=f"reduction='{want}'"):
        loss = nn.NLLLoss(**kw)
    assert loss.reduction == want
    x, t = zoo_core.tensor(XE), zoo_core.tensor([1, 2, 3])
    with pytest.warns(UserWarning):
        got = F(zoo_core).nll_loss(x, t, **kw)
    np.testing.assert_allclose(got.numpy(), F(zoo_core).nll_loss(x, t, reduction=want).numpy())


# ---- modules ------------------------------------------------------------------------------------
def _module_cases():
    x, t, w, p = _u((4, 5)), _cls((4,), 5, ignore=2, every=3), _u((5,), 0.5, 2), _u((4, 5), 0.1, 0.9)
    q, y = _u((4, 5), 0, 1), _u((4, 5))
    pm = _pm1((4,)).astype(float)
    return [
        ("CrossEntropyLoss", dict(weight=w, label_smoothing=0.1, reduction="sum"), [x, t]),
        ("NLLLoss", dict(weight=w, ignore_index=2), [x, t]),
        ("BCELoss", dict(weight=w), [p, q]),
        ("BCEWithLogitsLoss", dict(weight=w, pos_weight=w[::-1].copy()), [x, q]),
        ("MSELoss", dict(reduction="none"), [x, y]),
        ("L1Loss", dict(), [x, y]),
        ("SmoothL1Loss", dict(beta=0.5), [x, y]),
        ("HuberLoss", dict(delta=0.5), [x, y]),
        ("KLDivLoss", dict(reduction="batchmean", log_target=True), [np.log(_probs((4, 5))), np.log(_probs((4, 5)))]),
        ("PoissonNLLLoss", dict(log_input=False, full=True), [p, q * 3]),
        ("GaussianNLLLoss", dict(full=True), [x, y, p]),
        ("HingeEmbeddingLoss", dict(margin=0.5), [x, _pm1((4, 5)).astype(float)]),
        ("SoftMarginLoss", dict(), [x, _pm1((4, 5)).astype(float)]),
        ("MultiLabelSoftMarginLoss", dict(weight=w), [x, (q > 0.5).astype(float)]),
        ("CosineEmbeddingLoss", dict(margin=0.1), [x, y, pm.astype(np.int64)]),
        ("MarginRankingLoss", dict(margin=0.2), [x[0], y[0], np.array([1.0, -1.0, 1.0, -1.0, 1.0])]),
        ("MultiMarginLoss", dict(p=2, weight=w), [x, _cls((4,), 5)]),
        ("TripletMarginLoss", dict(margin=2.0, swap=True), [x, y, q]),
        ("TripletMarginWithDistanceLoss", dict(margin=2.0), [x, y, q]),
    ]


@pytest.mark.parametrize("name,kw,arrays", _module_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_module_matches_torch(name, kw, arrays):
    outs = []
    for lib in (zoo_core, torch):
        kwl = {k: lib.tensor(v, dtype=lib.float32) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        m = getattr(lib.nn, name)(**kwl)
        ins = [lib.tensor(a, dtype=lib.float32 if a.dtype.kind == "f" else lib.int64) for a in arrays]
        ins[0].requires_grad_(True)
        out = m(*ins)
        out.sum().backward()
        outs.append((out.detach().numpy(), ins[0].grad.numpy(), sorted(m.state_dict()), repr(m)))
    (zo, zg, zk, zr), (to, tg, tk, tr) = outs
    np.testing.assert_allclose(zo, to, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(zg, tg, rtol=1e-4, atol=1e-5)
    assert zk == tk                     # weight / pos_weight are buffers, in the state dict like torch's
    if name != "TripletMarginWithDistanceLoss":       # torch's default distance is a PairwiseDistance module
        assert zr == tr


def test_module_weight_buffer_moves_with_to():
    m = nn.CrossEntropyLoss(weight=zoo_core.ones(3))
    assert "weight" in dict(m.named_buffers())
    m.to(zoo_core.float64)
    assert m.weight.dtype == zoo_core.float64
    b = nn.BCEWithLogitsLoss(pos_weight=zoo_core.ones(3))
    assert set(dict(b.named_buffers())) == {"pos_weight"} and b.weight is None


def test_module_raises_functional_error():
    with pytest.raises(ValueError, match=re.escape("Expected input batch_size (3) to match target batch_size (2).")):
        nn.CrossEntropyLoss()(zoo_core.randn(3, 4), zoo_core.tensor([0, 1]))
