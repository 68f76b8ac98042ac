"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are compositions of differentiable Tensor ops (matmul, masked_fill, softmax, dropout), so gradients
and double gradients come for free. Mask conventions follow PyTorch and differ between the two on purpose:

- ``scaled_dot_product_attention``: a bool mask says where attention *may* go (True = take part); a
  float mask is added to the scores. A query row with every key masked out gives zeros (PyTorch's CPU
  kernels and its math path use a "safe" softmax for such rows), not NaN.
- ``multi_head_attention_forward`` / ``nn.MultiheadAttention``: a bool mask says where attention may
  *not* go (True = masked out). With ``need_weights=True`` a fully masked row gives NaN, as in PyTorch.
"""
import math
import warnings

from ... import _backend
from ...ops.join import cat
from ...ops.linalg import bmm, matmul
from ...ops.scan import softmax
from ...ops.scatter import masked_fill
from ...tensor import Tensor, _wrap
from .misc import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _dropout(x, p):
    # F.dropout lives in a sibling module that imports after this one; resolve it at call time
    from .. import functional as F
    return F.dropout(x, p=p, training=True)


def _check_qkv(query, key, value, op):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t._data.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dims (..., seq_len, features), "
                               f"got shape {tuple(t.shape)}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"{op}: Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if not query.is_floating_point():
        raise RuntimeError(f"{op}: expected floating point query, key and value, got {query.dtype}")
    q, k, v = query._data.shape, key._data.shape, value._data.shape
    if k[-1] != q[-1]:
        raise RuntimeError(f"{op}: query and key must have the same embedding size, got query {tuple(q)} "
                           f"and key {tuple(k)} ({q[-1]} != {k[-1]})")
    if k[-2] != v[-2]:
        raise RuntimeError(f"{op}: key and value must have the same sequence length, got key {tuple(k)} "
                           f"and value {tuple(v)} ({k[-2]} != {v[-2]})")


def _repeat_heads(query, t, name):
    """Grouped-query attention: repeat each of ``t``'s heads (dim -3) to match the query's heads, the
    way ``repeat_interleave(n_rep, dim=-3)`` does (head h serves query heads h*n_rep .. h*n_rep+n_rep-1)."""
    if query._data.ndim < 3 or t._data.ndim < 3:
        raise RuntimeError(f"scaled_dot_product_attention: enable_gqa needs (..., heads, seq_len, features) "
                           f"inputs, got query {tuple(query.shape)} and {name} {tuple(t.shape)}")
    hq, hk = query._data.shape[-3], t._data.shape[-3]
    if hq % hk:
        raise RuntimeError(f"scaled_dot_product_attention: number of heads in {name} ({hk}) must divide the "
                           f"number of heads in query ({hq})")
    if hq == hk:
        return t
    shape = tuple(t._data.shape)
    lead, (s, e) = shape[:-3], shape[-2:]
    t = t.unsqueeze(-3).expand(*lead, hk, hq // hk, s, e)              # (..., Hk, rep, S, E)
    return t.reshape(*lead, hq, s, e)                                   # (..., Hq, S, E)


def _broadcast_check(mask_shape, scores_shape, op):
    """The mask must broadcast *to* the scores' shape (it may not enlarge the result)."""
    n = len(scores_shape)
    ok = len(mask_shape) <= n and all(m in (1, s) for m, s in zip(mask_shape[::-1], scores_shape[::-1]))
    if not ok:
        raise RuntimeError(f"{op}: attn_mask of shape {tuple(mask_shape)} does not broadcast to the attention "
                           f"scores' shape {tuple(scores_shape)} (batch..., L, S)")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    r"""``softmax(query @ key^T * scale + mask) @ value`` (with dropout on the attention weights).

    Args:
        query: ``(..., L, E)``; key: ``(..., S, E)``; value: ``(..., S, Ev)`` (batch dims broadcast)
        attn_mask: bool (True = the query may attend to that key) or float (added to the scores),
            broadcastable to ``(..., L, S)``
        dropout_p: dropout probability on the attention weights (applied whenever > 0, as PyTorch)
        is_causal: attend only to keys ``j <= i`` (an upper-left aligned lower triangle when L != S);
            may not be combined with ``attn_mask``
        scale: defaults to ``1 / sqrt(E)``
        enable_gqa: grouped-query attention: key/value heads (dim -3) are repeated to match the query's

    Returns ``(..., L, Ev)``. A query row whose keys are all masked out gives zeros (PyTorch's behaviour).

    Example::

        >>> q = zoo_core.randn(2, 4, 5, 8)            # (batch, heads, L, E)
        >>> F.scaled_dot_product_attention(q, q, q, is_causal=True).shape
        zoo_core.Size([2, 4, 5, 8])
    """
    op = "scaled_dot_product_attention"
    _check_qkv(query, key, value, op)
    if enable_gqa:
        key, value = _repeat_heads(query, key, "key"), _repeat_heads(query, value, "value")
    xp = _backend.array_module(query._data)
    L, S = query._data.shape[-2], key._data.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query._data.shape[-1])
    # scale the (..., L, E) query rather than the (..., L, S) scores: fewer multiplies when S > E
    scores = matmul(query * scale, key.transpose(-2, -1))                # (..., L, S)
    blocked = empty = None                      # bool arrays: True = may not attend / whole row blocked
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: Explicit attn_mask should not be set when is_causal=True")
        blocked = xp.triu(xp.ones((L, S), dtype=bool), 1)
        # row i keeps key 0, so no row is empty
    elif attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{op}: attn_mask must be a Tensor or None, got {type(attn_mask).__name__}")
        _broadcast_check(attn_mask._data.shape, scores._data.shape, op)
        mdt = attn_mask._data.dtype
        if mdt == bool:
            blocked = ~attn_mask._data
            empty = blocked.all(axis=-1, keepdims=True)
        elif mdt == query._data.dtype or mdt == xp.float32:   # PyTorch's rule: float32 or the query's dtype
            scores = scores + (attn_mask if mdt == query._data.dtype else attn_mask.to(query.dtype))
            empty = xp.isneginf(scores._data).all(axis=-1, keepdims=True)
        else:
            raise RuntimeError(f"{op}: Expected attn_mask dtype to be bool or float or to match query dtype, but "
                               f"got attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead.")
    if blocked is not None:
        scores = masked_fill(scores, _wrap(blocked), _NEG_INF)
    # on a GPU, asking whether any row is empty costs a device sync: take the safe branch unasked
    if S == 0:   # no keys at all: the (..., L, 0) weights are empty and the output zeros, as in torch
        attn = scores
    elif empty is not None and (_backend.is_cuda_array(empty) or empty.any()):
        # "safe softmax": a row with no key to attend gets zero weights (and zero gradient), not NaN
        empty = _wrap(empty)
        attn = masked_fill(softmax(masked_fill(scores, empty, 0.0), -1), empty, 0.0)
    else:
        attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = _dropout(attn, dropout_p)
    return matmul(attn, value)                                          # (..., L, Ev)


# ---- multi-head attention ------------------------------------------------------------------------------
def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked out) as a float mask of ``target_type`` (-inf where True); float
    masks pass through. Mixing a bool and a float mask warns (deprecated in PyTorch)."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype.name != "bool" and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported (got {mask.dtype})")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for "
                      "both instead.", stacklevel=3)
    if is_float:
        return mask
    m = mask._data
    xp = _backend.array_module(m)
    return _wrap(xp.where(m, _NEG_INF, 0.0).astype(target_type.np))


def _none_or_dtype(t):
    return None if t is None else t.dtype


def _pad_last(t):
    """``F.pad(t, (0, 1))``: one zero column appended on the last dim."""
    xp = _backend.array_module(t._data)
    zeros = _wrap(xp.zeros(t._data.shape[:-1] + (1,), dtype=t._data.dtype))
    return cat([t, zeros], -1)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) input, False for unbatched (2-D); raises on inconsistent ranks."""
    qd, kd, vd = query.dim(), key.dim(), value.dim()
    if qd == 3:
        if kd != 3 or vd != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D "
                                 f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if kd != 2 or vd != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                                 f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                                     f"3-D but found {attn_mask.dim()}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {qd}-D query tensor")


def _in_projection_packed(q, k, v, w, b):
    """q, k, v projected by the packed ``(3E, E)`` weight (one matmul when they are the same tensor)."""
    E = q.shape[-1]
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, -1)
        w_q, w_kv = w.split([E, 2 * E])
        b_q, b_kv = (None, None) if b is None else b.split([E, 2 * E])
        k, v = linear(k, w_kv, b_kv).chunk(2, -1)
        return linear(q, w_q, b_q), k, v
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, want in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)), ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {name} weights shape of {want}, but got {tuple(w.shape)}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """The computation behind ``nn.MultiheadAttention`` (sequence-first layout), as in PyTorch.

    Shapes: query ``(L, N, E)`` or unbatched ``(L, E)``; key/value ``(S, N, E_k/E_v)`` or ``(S, E_k/E_v)``;
    key_padding_mask ``(N, S)`` or ``(S,)``; attn_mask ``(L, S)`` or ``(N * num_heads, L, S)``. Bool masks:
    True = masked out; float masks are added to the scores. Returns ``(attn_output, attn_weights)`` where
    attn_weights is None unless ``need_weights`` (averaged over heads unless ``average_attn_weights``).

    Example::

        >>> w_in, w_out = zoo_core.randn(24, 8), zoo_core.randn(8, 8)
        >>> x = zoo_core.randn(5, 2, 8)
        >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, w_in, None, None, None, False, 0.0,
        ...                                         w_out, None)
        >>> out.shape, w.shape
        (zoo_core.Size([5, 2, 8]), zoo_core.Size([2, 5, 5]))
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:  # pretend a batch of one (dim 1) and drop it at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone drives scaled_dot_product_attention
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                 "v_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)

    if attn_mask is not None:  # make it 3-D: (1 or N * num_heads, L, S)
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:  # one learned key/value appended to every sequence
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must be given together")

    # heads into the batch: (L, N, E) -> (N * num_heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _static(static_k, k, bsz * num_heads, head_dim, "static_k")
    v = _static(static_v, v, bsz * num_heads, head_dim, "static_v")
    if add_zero_attn:  # one all-zero key/value appended
        xp = _backend.array_module(k._data)
        k = cat([k, _wrap(xp.zeros((bsz * num_heads, 1, head_dim), dtype=k._data.dtype))], 1)
        v = cat([v, _wrap(xp.zeros((bsz * num_heads, 1, head_dim), dtype=v._data.dtype))], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:  # merge: (N, S) -> (N * num_heads, 1, S), added to attn_mask
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1) \
            .reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        if is_causal and attn_mask is None:
            raise AssertionError("is_causal needs an attn_mask when need_weights=True")
        weights = bmm(q_scaled, k.transpose(-2, -1))                    # (N * num_heads, L, S)
        if attn_mask is not None:
            weights = weights + attn_mask
        weights = softmax(weights, -1)      # a fully masked row gives NaN here, as in PyTorch
        if dropout_p > 0.0:
            weights = _dropout(weights, dropout_p)
        out = bmm(weights, v)                                           # (N * num_heads, L, head_dim)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:  # (1, L, S) -> (1, 1, L, S); (N * num_heads, L, S) -> (N, num_heads, L, S)
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)   # (N, heads, L, head_dim)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _static(static, t, batch_heads, head_dim, name):
    """``t`` (S, N, E) as (N * num_heads, S, head_dim), or the given precomputed ``static`` keys/values."""
    if static is None:
        return t.reshape(t.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({batch_heads}, S, {head_dim}), but got "
                             f"{tuple(static.shape)}")
    return static
