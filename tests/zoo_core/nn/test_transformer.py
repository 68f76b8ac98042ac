"""nn.MultiheadAttention and the Transformer layers: PyTorch state dicts load, and outputs, input
gradients and parameter gradients match PyTorch's (eval mode, float64)."""
import copy

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F

torch = pytest.importorskip("torch")
# bool key padding masks with float attention masks are tested on purpose (both libraries warn), and
# PyTorch's encoder warns about its nested-tensor fast path, which zoo does not have
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]
torch.backends.mha.set_fastpath_enabled(False)   # compare with PyTorch's math path, not its fused kernels

E, H, FF = 8, 2, 16


def _copy_weights(zm, tm):
    """Load ``tm``'s state dict into ``zm`` (through numpy) and match their modes and dtypes."""
    if next(tm.parameters()).dtype == torch.float64:
        zm.double()
    sd = {k: zoo_core.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    report = zm.load_state_dict(sd)
    assert not report.missing_keys and not report.unexpected_keys
    assert list(zm.state_dict()) == list(tm.state_dict())
    zm.train(tm.training)


def _run(lib, mod, arrays, masks, kwargs, out_index=None):
    """Forward, then backward of a fixed random projection of the output: (outputs, input grads, param grads)."""
    xs = [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ms = {k: lib.from_numpy(np.ascontiguousarray(m)) for k, m in masks.items()}
    out = mod(*xs, **ms, **kwargs)
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
    rng = np.random.default_rng(7)
    loss = sum((o * lib.from_numpy(rng.standard_normal(tuple(o.shape)))).sum() for o in outs)
    loss.backward()
    params = {n: p.grad.numpy() for n, p in mod.named_parameters() if p.grad is not None}
    return [o.detach().numpy() for o in outs], [x.grad.numpy() for x in xs], params


def _check_parity(zm, tm, arrays, masks=(), atol=1e-10, **kwargs):
    masks = dict(masks)
    zo, zg, zp = _run(zoo_core, zm, arrays, masks, kwargs)
    to, tg, tp = _run(torch, tm, arrays, masks, kwargs)
    assert len(zo) == len(to)
    for a, b in zip(zo, to):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-6)
    for a, b in zip(zg, tg):
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-6)
    assert sorted(zp) == sorted(tp)
    for name in tp:
        np.testing.assert_allclose(zp[name], tp[name], atol=atol, rtol=1e-6, err_msg=name)


def _seq(rng, L, N, width, batch_first):
    a = rng.standard_normal((L, N, width))
    return a.transpose(1, 0, 2).copy() if batch_first else a


def _bool_mask(rng, shape, p=0.3):
    m = rng.random(shape) < p
    m[..., 0] = False                                  # keep one key per query (no NaN rows)
    return m


# ---- MultiheadAttention ------------------------------------------------------------------------------------
MHA_CONFIGS = {
    "default": {},
    "batch_first": dict(batch_first=True),
    "kdim_vdim": dict(kdim=5, vdim=3),
    "kdim_vdim_batch_first": dict(kdim=5, vdim=3, batch_first=True),
    "bias_kv_zero_attn": dict(add_bias_kv=True, add_zero_attn=True),
    "no_bias": dict(bias=False),
}
MASKS = {
    "none": lambda rng, N, L, S: {},
    "bool_attn": lambda rng, N, L, S: {"attn_mask": _bool_mask(rng, (L, S))},
    "float_attn": lambda rng, N, L, S: {"attn_mask": rng.standard_normal((L, S))},
    "attn_3d": lambda rng, N, L, S: {"attn_mask": _bool_mask(rng, (N * H, L, S))},
    "kpm": lambda rng, N, L, S: {"key_padding_mask": _bool_mask(rng, (N, S))},
    "both_float": lambda rng, N, L, S: {"attn_mask": rng.standard_normal((L, S)),
                                        "key_padding_mask": np.where(_bool_mask(rng, (N, S)), -np.inf, 0.0)},
    "both_bool": lambda rng, N, L, S: {"attn_mask": _bool_mask(rng, (N * H, L, S)),
                                       "key_padding_mask": _bool_mask(rng, (N, S))},
}


@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize("config", list(MHA_CONFIGS))
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_mha_parity(config, mask, need_weights, average):
    kw = MHA_CONFIGS[config]
    tm = torch.nn.MultiheadAttention(E, H, **kw).double().eval()
    zm = nn.MultiheadAttention(E, H, **kw)
    _copy_weights(zm, tm)
    rng = np.random.default_rng(0)
    L, S, N = 3, 4, 2
    bf = kw.get("batch_first", False)
    arrays = [_seq(rng, L, N, E, bf), _seq(rng, S, N, kw.get("kdim", E), bf), _seq(rng, S, N, kw.get("vdim", E), bf)]
    _check_parity(zm, tm, arrays, MASKS[mask](rng, N, L, S), need_weights=need_weights,
                  average_attn_weights=average)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched_and_self_attention(need_weights):
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True).double().eval()
    zm = nn.MultiheadAttention(E, H, batch_first=True)
    _copy_weights(zm, tm)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, E)), rng.standard_normal((4, E)), rng.standard_normal((4, E))]
    masks = {"key_padding_mask": _bool_mask(rng, (4,)), "attn_mask": _bool_mask(rng, (H, 3, 4))}
    _check_parity(zm, tm, arrays, masks, need_weights=need_weights)
    # self-attention (one tensor for q, k and v) with the causal hint
    x = rng.standard_normal((2, 5, E))
    causal = np.triu(np.ones((5, 5), bool), 1)
    z = zm(*(3 * [zoo_core.from_numpy(x)]), attn_mask=zoo_core.from_numpy(causal), is_causal=True,
           need_weights=need_weights)[0]
    t = tm(*(3 * [torch.from_numpy(x)]), attn_mask=torch.from_numpy(causal), is_causal=True,
           need_weights=need_weights)[0]
    np.testing.assert_allclose(z.detach().numpy(), t.detach().numpy(), atol=1e-10)


def test_mha_init_and_names():
    m = nn.MultiheadAttention(E, H, add_bias_kv=True)
    t = torch.nn.MultiheadAttention(E, H, add_bias_kv=True)
    assert list(m.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in m.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (E + 3 * E))                 # xavier_uniform_ on the packed (3E, E) weight
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    assert isinstance(m.out_proj, nn.Linear)
    assert m.q_proj_weight is None and m.head_dim == E // H
    sep = nn.MultiheadAttention(E, H, kdim=5, vdim=3, bias=False)
    assert list(sep.state_dict()) == list(torch.nn.MultiheadAttention(E, H, kdim=5, vdim=3, bias=False).state_dict())
    assert tuple(sep.k_proj_weight.shape) == (E, 5) and sep.in_proj_weight is None and sep.out_proj.bias is None


def test_mha_dropout_training():
    m = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True).double()
    x = zoo_core.randn(2, 4, E, dtype=zoo_core.float64)
    m.eval()
    _, w_eval = m(x, x, x, average_attn_weights=False)
    m.train()
    zoo_core.manual_seed(5)
    out1, w = m(x, x, x, average_attn_weights=False)
    zoo_core.manual_seed(5)
    out2, _ = m(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(out1.detach().numpy(), out2.detach().numpy())
    w, w_eval = w.detach().numpy(), w_eval.detach().numpy()
    kept = w != 0
    assert 0 < kept.mean() < 1                         # the returned weights are the dropped ones, as PyTorch
    np.testing.assert_allclose(w[kept], 2 * w_eval[kept], rtol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_mha_fully_masked_rows_like_torch():
    """need_weights=True gives NaN for a query with no key (plain softmax), the sdpa path gives zeros."""
    tm = torch.nn.MultiheadAttention(E, H).double().eval()
    zm = nn.MultiheadAttention(E, H)
    _copy_weights(zm, tm)
    x = np.random.default_rng(2).standard_normal((3, 2, E))
    kpm = np.zeros((2, 3), bool)
    kpm[1] = True                                      # batch entry 1: every key is padding
    for need_weights in (True, False):
        z = zm(*(3 * [zoo_core.from_numpy(x)]), key_padding_mask=zoo_core.from_numpy(kpm), need_weights=need_weights)
        t = tm(*(3 * [torch.from_numpy(x)]), key_padding_mask=torch.from_numpy(kpm), need_weights=need_weights)
        z = z[0].detach().numpy()
        np.testing.assert_allclose(z, t[0].detach().numpy(), atol=1e-10, equal_nan=True)
        assert np.isnan(z[:, 1]).all() == need_weights and not np.isnan(z[:, 0]).any()


def test_mha_gradcheck():
    from zoo_core.autograd import gradcheck, gradgradcheck
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    rng = np.random.default_rng(3)
    q, k = (zoo_core.from_numpy(rng.standard_normal(s)).requires_grad_() for s in [(3, 2, 4), (5, 2, 4)])
    kpm = zoo_core.from_numpy(_bool_mask(rng, (2, 5)))
    params = [m.in_proj_weight, m.in_proj_bias, m.bias_k, m.bias_v, m.out_proj.weight]

    def f(q, k, w_in, b_in, bias_k, bias_v, w_out):
        return F.multi_head_attention_forward(q, k, k, 4, 2, w_in, b_in, bias_k, bias_v, True, 0.0, w_out,
                                              m.out_proj.bias, key_padding_mask=kpm, average_attn_weights=False)
    inputs = [q, k] + [p.detach().clone().requires_grad_() for p in params]
    assert gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gradgradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(embed_dim=6, num_heads=4), AssertionError, "divisible by num_heads"),
    (dict(embed_dim=0, num_heads=1), ValueError, "must be greater than 0"),
])
def test_mha_constructor_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        nn.MultiheadAttention(**kwargs)


def test_mha_forward_errors():
    m = nn.MultiheadAttention(E, H)
    x = zoo_core.randn(3, 2, E)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(2, 3\), but should be \(3, 3\)"):
        m(x, x, x, attn_mask=zoo_core.zeros(2, 3))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="only bool and floating types"):
        m(x, x, x, attn_mask=zoo_core.zeros(3, 3, dtype=zoo_core.int64))
    with pytest.raises(AssertionError, match="expecting embedding dimension of 8, but got 4"):
        m(x[..., :4], x[..., :4], x[..., :4])
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(x, x, x, attn_mask=zoo_core.zeros(3, 3), key_padding_mask=zoo_core.zeros(2, 3, dtype=zoo_core.bool))


# ---- encoder / decoder layers ------------------------------------------------------------------------------
LAYER_CONFIGS = {
    "post_relu": dict(),
    "pre_gelu": dict(norm_first=True, activation="gelu"),
    "post_gelu_batch_first": dict(activation="gelu", batch_first=True),
    "pre_relu_batch_first_nobias": dict(norm_first=True, batch_first=True, bias=False),
}


def _layer_pair(cls, kw, **extra):
    tm = getattr(torch.nn, cls)(E, H, dim_feedforward=FF, dropout=0.1, **kw, **extra).double().eval()
    zm = getattr(nn, cls)(E, H, dim_feedforward=FF, dropout=0.1, **kw, **extra)
    _copy_weights(zm, tm)
    return zm, tm


@pytest.mark.parametrize("config", list(LAYER_CONFIGS))
def test_encoder_layer_parity(config):
    kw = LAYER_CONFIGS[config]
    zm, tm = _layer_pair("TransformerEncoderLayer", kw)
    rng = np.random.default_rng(0)
    bf = kw.get("batch_first", False)
    src = _seq(rng, 5, 2, E, bf)
    _check_parity(zm, tm, [src])
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    _check_parity(zm, tm, [src], {"src_mask": causal, "src_key_padding_mask": _bool_mask(rng, (2, 5))})
    _check_parity(zm, tm, [src], {"src_mask": causal}, is_causal=True)
    _check_parity(zm, tm, [src[0] if bf else src[:, 0]], {"src_mask": _bool_mask(rng, (5, 5))})  # unbatched


@pytest.mark.parametrize("config", list(LAYER_CONFIGS))
def test_decoder_layer_parity(config):
    kw = LAYER_CONFIGS[config]
    zm, tm = _layer_pair("TransformerDecoderLayer", kw)
    rng = np.random.default_rng(1)
    bf = kw.get("batch_first", False)
    tgt, mem = _seq(rng, 4, 2, E, bf), _seq(rng, 6, 2, E, bf)
    _check_parity(zm, tm, [tgt, mem])
    masks = {"tgt_mask": np.triu(np.full((4, 4), -np.inf), 1), "memory_mask": _bool_mask(rng, (4, 6)),
             "tgt_key_padding_mask": _bool_mask(rng, (2, 4)), "memory_key_padding_mask": _bool_mask(rng, (2, 6))}
    _check_parity(zm, tm, [tgt, mem], masks)
    _check_parity(zm, tm, [tgt, mem], {"tgt_mask": masks["tgt_mask"]}, tgt_is_causal=True)


def test_encoder_stack_parity():
    layer_t = torch.nn.TransformerEncoderLayer(E, H, FF, activation="gelu", batch_first=True)
    tm = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False).double()
    zm = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, activation="gelu", batch_first=True), 2,
                               norm=nn.LayerNorm(E))
    tm.eval()
    _copy_weights(zm, tm)
    assert zm.layers[0].linear1.weight is not zm.layers[1].linear1.weight     # deep copies
    rng = np.random.default_rng(2)
    src = rng.standard_normal((2, 5, E))
    _check_parity(zm, tm, [src])
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=zoo_core.float64).numpy()
    _check_parity(zm, tm, [src], {"mask": mask, "src_key_padding_mask": _bool_mask(rng, (2, 5))})
    _check_parity(zm, tm, [src], {"mask": mask})                             # is_causal detected


def test_decoder_stack_and_transformer_parity():
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF)
    tm = torch.nn.Transformer(**kw).double().eval()
    zm = nn.Transformer(**kw)
    _copy_weights(zm, tm)
    rng = np.random.default_rng(3)
    src, tgt = rng.standard_normal((6, 2, E)), rng.standard_normal((4, 2, E))
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64).numpy()
    _check_parity(zm, tm, [src, tgt], {"tgt_mask": tgt_mask, "src_key_padding_mask": _bool_mask(rng, (2, 6)),
                                       "memory_key_padding_mask": _bool_mask(rng, (2, 6))})
    # the decoder alone, with a final norm
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, FF), 2, torch.nn.LayerNorm(E))
    tdec = tdec.double().eval()
    zdec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF), 2, nn.LayerNorm(E))
    _copy_weights(zdec, tdec)
    _check_parity(zdec, tdec, [tgt, src], {"tgt_mask": tgt_mask})


def test_float32_parity():
    tm = torch.nn.TransformerEncoderLayer(E, H, FF, batch_first=True).eval()
    zm = nn.TransformerEncoderLayer(E, H, FF, batch_first=True)
    _copy_weights(zm, tm)
    src = np.random.default_rng(4).standard_normal((2, 5, E)).astype(np.float32)
    zo, to = zm(zoo_core.from_numpy(src)), tm(torch.from_numpy(src))
    assert zo.dtype == zoo_core.float32
    np.testing.assert_allclose(zo.detach().numpy(), to.detach().numpy(), atol=1e-5)


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == zoo_core.float32
    np.testing.assert_array_equal(m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_init_and_errors():
    model = nn.Transformer(E, H, 1, 1, FF)
    names = list(model.state_dict())
    assert names == list(torch.nn.Transformer(E, H, 1, 1, FF).state_dict())
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in names and "encoder.norm.weight" in names
    for name, p in model.named_parameters():
        if p.dim() > 1:                                 # xavier_uniform_ everywhere, out_proj included
            fan_out, fan_in = p.shape
            assert np.abs(p.detach().numpy()).max() <= np.sqrt(6.0 / (fan_in + fan_out)) + 1e-7, name
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(zoo_core.randn(3, 2, E), zoo_core.randn(3, 3, E))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to d_model"):
        model(zoo_core.randn(3, 2, E), zoo_core.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")


def test_training_mode_dropout_and_callable_activation():
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.5, activation=lambda x: x.tanh()).double()
    x = zoo_core.randn(5, 2, E, dtype=zoo_core.float64)
    a, b = layer(x), layer(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())    # dropout is on in training
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    assert layer.activation_relu_or_gelu == 0
    assert nn.TransformerEncoderLayer(E, H, activation=nn.GELU()).activation_relu_or_gelu == 2
    clone = copy.deepcopy(layer)
    np.testing.assert_array_equal(clone(x).detach().numpy(), layer(x).detach().numpy())
