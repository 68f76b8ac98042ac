"""F.scaled_dot_product_attention and F.multi_head_attention_forward: gradients, PyTorch parity, masks."""
import math

import numpy as np
import pytest

import zoo_core
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, check_gradients, check_torch

_rng = np.random.default_rng(42)
BOOL_MASK = _rng.random((3, 5)) > 0.4
BOOL_MASK[:, 0] = True                       # every query keeps a key
EMPTY_ROW_MASK = BOOL_MASK.copy()
EMPTY_ROW_MASK[1] = False                    # query 1 may attend nothing
FLOAT_MASK = np.where(_rng.random((2, 1, 3, 5)) > 0.3, _rng.standard_normal((2, 1, 3, 5)), -np.inf)
FLOAT_MASK[..., 0] = 0.0


def _m(lib, a, like):
    """A constant mask on ``like``'s device."""
    return lib.from_numpy(a.copy()).to(like.device)


def _sdpa(lib, *args, **kwargs):
    return lib.nn.functional.scaled_dot_product_attention(*args, **kwargs)


QKV = [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6)]
SDPA_CASES = [
    OpCase("sdpa", lambda lib, q, k, v: _sdpa(lib, q, k, v), QKV),
    OpCase("sdpa_3d", lambda lib, q, k, v: _sdpa(lib, q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 6)]),
    OpCase("sdpa_2d", lambda lib, q, k, v: _sdpa(lib, q, k, v), [(3, 4), (5, 4), (5, 2)]),
    OpCase("sdpa_bcast_batch", lambda lib, q, k, v: _sdpa(lib, q, k, v), [(2, 1, 3, 4), (3, 5, 4), (1, 3, 5, 2)]),
    OpCase("sdpa_scale", lambda lib, q, k, v: _sdpa(lib, q, k, v, scale=0.3), QKV),
    OpCase("sdpa_causal", lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True), QKV),
    OpCase("sdpa_causal_L_gt_S", lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True),
           [(2, 6, 4), (2, 4, 4), (2, 4, 3)]),
    OpCase("sdpa_causal_square", lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True),
           [(2, 2, 4, 4), (2, 2, 4, 4), (2, 2, 4, 4)]),
    OpCase("sdpa_bool_mask", lambda lib, q, k, v: _sdpa(lib, q, k, v, attn_mask=_m(lib, BOOL_MASK, q)), QKV),
    OpCase("sdpa_bool_mask_empty_row",
           lambda lib, q, k, v: _sdpa(lib, q, k, v, attn_mask=_m(lib, EMPTY_ROW_MASK, q)), QKV),
    OpCase("sdpa_float_mask_inf",
           lambda lib, q, k, v: _sdpa(lib, q, k, v, attn_mask=_m(lib, FLOAT_MASK, q).to(q.dtype)), QKV),
    # a learnable additive bias (e.g. relative positions): gradients flow into the mask too
    OpCase("sdpa_float_mask_grad", lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m), QKV + [(1, 2, 3, 5)]),
    OpCase("sdpa_gqa", lambda lib, q, k, v: _sdpa(lib, q, k, v, enable_gqa=True),
           [(2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6)]),
    OpCase("sdpa_gqa_one_kv_head", lambda lib, q, k, v: _sdpa(lib, q, k, v, enable_gqa=True, is_causal=True),
           [(1, 3, 4, 4), (1, 1, 4, 4), (1, 1, 4, 2)]),
]


@pytest.mark.parametrize("case", SDPA_CASES, ids=str)
def test_sdpa_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", SDPA_CASES, ids=str)
def test_sdpa_torch(case):
    check_torch(case)


def _reference(q, k, v, allowed=None, scale=None):
    """Plain numpy attention; rows with no allowed key give 0."""
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    mx = s.max(-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(mx), mx, 0))
    den = e.sum(-1, keepdims=True)
    w = np.divide(e, den, out=np.zeros_like(e), where=den > 0)
    return w @ v


def test_sdpa_values():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    z = [zoo_core.from_numpy(a) for a in (q, k, v)]
    np.testing.assert_allclose(F.scaled_dot_product_attention(*z).numpy(), _reference(q, k, v), atol=1e-12)
    causal = np.tril(np.ones((3, 5), bool))
    np.testing.assert_allclose(F.scaled_dot_product_attention(*z, is_causal=True).numpy(),
                               _reference(q, k, v, causal), atol=1e-12)
    out = F.scaled_dot_product_attention(*z, attn_mask=zoo_core.from_numpy(EMPTY_ROW_MASK))
    np.testing.assert_allclose(out.numpy(), _reference(q, k, v, EMPTY_ROW_MASK), atol=1e-12)
    assert not np.any(out.numpy()[1])                # the fully masked query gives zeros, not NaN


def test_sdpa_empty_row_zero_grad():
    rng = np.random.default_rng(1)
    q, k, v = (zoo_core.from_numpy(rng.standard_normal(s)).requires_grad_() for s in [(3, 4), (5, 4), (5, 2)])
    mask = zoo_core.zeros(3, 5, dtype=zoo_core.float64)
    mask[2] = float("-inf")                          # a float mask can empty a row too
    F.scaled_dot_product_attention(q, k, v, attn_mask=mask).sum().backward()
    assert np.all(np.isfinite(q.grad.numpy())) and not np.any(q.grad.numpy()[2])
    assert np.all(np.isfinite(k.grad.numpy())) and np.all(np.isfinite(v.grad.numpy()))


def test_sdpa_float32_mask_with_float64_query():
    q = zoo_core.randn(2, 3, 4, dtype=zoo_core.float64)
    mask = zoo_core.randn(3, 3)                      # float32 masks are accepted for any query dtype
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    assert out.dtype == zoo_core.float64
    np.testing.assert_allclose(out.numpy(), F.scaled_dot_product_attention(q, q, q, attn_mask=mask.double()).numpy())


def test_sdpa_dropout():
    rng = np.random.default_rng(2)
    q, k = (zoo_core.from_numpy(rng.standard_normal(s).astype(np.float32)) for s in [(2, 6, 4), (2, 8, 4)])
    v = zoo_core.eye(8).expand(2, 8, 8)              # output == the (dropped) attention weights
    p = 0.5
    zoo_core.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    zoo_core.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    np.testing.assert_array_equal(a, b)              # zoo's RNG drives the dropout
    w = F.scaled_dot_product_attention(q, k, v).numpy()
    kept = a != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(a[kept], w[kept] / (1 - p), rtol=1e-5)
    assert not np.any(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy())


@pytest.mark.parametrize("kwargs, match", [
    (dict(attn_mask="bool", is_causal=True), "Explicit attn_mask should not be set when is_causal=True"),
    (dict(attn_mask="int"), "attn_mask dtype to be bool or float"),
    (dict(attn_mask="half"), "or to match query dtype"),
    (dict(attn_mask="wide"), "does not broadcast"),
    (dict(key_shape=(2, 5, 3)), "same embedding size"),
    (dict(value_shape=(2, 4, 6)), "same sequence length"),
    (dict(value_dtype=zoo_core.float32), "same dtype"),
    (dict(key_shape=(3, 5, 4), value_shape=(3, 5, 6), enable_gqa=True), "must divide"),
])
def test_sdpa_errors(kwargs, match):
    kwargs = dict(kwargs)
    q = zoo_core.randn(2, 3, 4, dtype=zoo_core.float64)
    k = zoo_core.randn(*kwargs.pop("key_shape", (2, 5, 4)), dtype=zoo_core.float64)
    v = zoo_core.randn(*kwargs.pop("value_shape", (2, 5, 6)), dtype=kwargs.pop("value_dtype", zoo_core.float64))
    masks = {"bool": zoo_core.ones(3, 5, dtype=zoo_core.bool), "int": zoo_core.ones(3, 5, dtype=zoo_core.int64),
             "half": zoo_core.zeros(3, 5, dtype=zoo_core.float16),
             "wide": zoo_core.zeros(4, 2, 3, 5)}
    if "attn_mask" in kwargs:
        kwargs["attn_mask"] = masks[kwargs["attn_mask"]]
    if kwargs.get("enable_gqa"):
        q = q.unsqueeze(0).expand(2, 2, 3, 4)
    with pytest.raises(RuntimeError, match=match):
        F.scaled_dot_product_attention(q, k, v, **kwargs)


# ---- multi_head_attention_forward ----------------------------------------------------------------------
def _mha(lib, q, k, v, w_in, b_in, w_out, b_out, **kwargs):
    return lib.nn.functional.multi_head_attention_forward(q, k, v, 4, 2, w_in, b_in, None, None, False, 0.0, w_out,
                                                          b_out, training=False, **kwargs)


MHA_SHAPES = [(3, 2, 4), (5, 2, 4), (5, 2, 4), (12, 4), (12,), (4, 4), (4,)]
KPM = np.array([[False, False, True, False, True], [False, True, False, False, False]])
MHA_CASES = [
    OpCase("mha_weights", lambda lib, *a: _mha(lib, *a, average_attn_weights=False), MHA_SHAPES),
    OpCase("mha_sdpa_path", lambda lib, *a: _mha(lib, *a, need_weights=False)[0], MHA_SHAPES),
    OpCase("mha_masks", lambda lib, *a: _mha(lib, *a, attn_mask=_m(lib, ~BOOL_MASK, a[0]),
                                             key_padding_mask=_m(lib, KPM, a[0])), MHA_SHAPES),
    OpCase("mha_masks_sdpa_path", lambda lib, *a: _mha(lib, *a, need_weights=False, attn_mask=_m(lib, ~BOOL_MASK, a[0]),
                                                       key_padding_mask=_m(lib, KPM, a[0]))[0], MHA_SHAPES),
    OpCase("mha_unbatched", lambda lib, q, k, v, *w: _mha(lib, q[:, 0], k[:, 0], v[:, 0], *w), MHA_SHAPES),
]


@pytest.mark.parametrize("case", MHA_CASES, ids=str)
def test_mha_forward_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", MHA_CASES, ids=str)
def test_mha_forward_torch(case):
    check_torch(case)


def test_mha_forward_static_kv():
    """Precomputed keys/values (static_k/static_v) replace the projected ones."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in MHA_SHAPES] + [rng.standard_normal((4, 6, 2)) for _ in range(2)]
    outs = []
    for lib in (zoo_core, torch):
        t = [lib.from_numpy(a.copy()) for a in arrays]
        out, w = _mha(lib, *t[:7], static_k=t[7], static_v=t[8])
        outs.append((out.numpy(), w.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, atol=1e-12)
