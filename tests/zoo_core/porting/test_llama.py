"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
LLaMA-style decoder.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. LLaMA-style decoder: RMSNorm, rotary embeddings, SwiGLU, GQA repeat_interleave, KV cache, top-p
# --------------------------------------------------------------------------------------------------------

def test_llama_style_decoder_kv_cache(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F

    class RMSNorm(nn.Module):
        def __init__(self, dim: int, eps: float = 1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def _norm(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

        def forward(self, x):
            output = self._norm(x.float()).type_as(x)
            return output * self.weight

    def rotate_half(x):
        x1 = x[..., : x.shape[-1] // 2]
        x2 = x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    def apply_rotary_pos_emb(q, k, cos, sin):
        return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)

    class RotaryEmbedding(nn.Module):
        def __init__(self, dim, max_position_embeddings=64, base=10000):
            super().__init__()
            inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
            self.register_buffer("inv_freq", inv_freq, persistent=False)
            t = torch.arange(max_position_embeddings, dtype=self.inv_freq.dtype)
            freqs = torch.outer(t, self.inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self.register_buffer("cos_cached", emb.cos(), persistent=False)
            self.register_buffer("sin_cached", emb.sin(), persistent=False)

        def forward(self, position_ids):
            return self.cos_cached[position_ids].unsqueeze(1), self.sin_cached[position_ids].unsqueeze(1)

    class Attention(nn.Module):
        def __init__(self, dim, n_heads, n_kv_heads):
            super().__init__()
            self.n_heads, self.n_kv_heads, self.head_dim = n_heads, n_kv_heads, dim // n_heads
            self.n_rep = n_heads // n_kv_heads
            self.wq = nn.Linear(dim, n_heads * self.head_dim, bias=False)
            self.wk = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
            self.wv = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
            self.wo = nn.Linear(n_heads * self.head_dim, dim, bias=False)
            self.rotary = RotaryEmbedding(self.head_dim)

        def forward(self, x, position_ids, past_kv=None):
            bsz, seqlen, _ = x.shape
            q = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim).transpose(1, 2)
            k = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
            v = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
            cos, sin = self.rotary(position_ids)
            q, k = apply_rotary_pos_emb(q, k, cos, sin)
            if past_kv is not None:
                k = torch.cat([past_kv[0], k], dim=2)
                v = torch.cat([past_kv[1], v], dim=2)
            present = (k, v)
            k = k.repeat_interleave(self.n_rep, dim=1)
            v = v.repeat_interleave(self.n_rep, dim=1)
            kv_len = k.size(2)
            # causal mask that also works with a cache: query i sits at absolute position kv_len - seqlen + i
            mask = torch.ones(seqlen, kv_len, dtype=torch.bool, device=x.device).tril(diagonal=kv_len - seqlen)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            out = out.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
            return self.wo(out), present

    class FeedForward(nn.Module):
        def __init__(self, dim, hidden_dim):
            super().__init__()
            self.w1 = nn.Linear(dim, hidden_dim, bias=False)
            self.w2 = nn.Linear(hidden_dim, dim, bias=False)
            self.w3 = nn.Linear(dim, hidden_dim, bias=False)

        def forward(self, x):
            return self.w2(F.silu(self.w1(x)) * self.w3(x))

    class TransformerBlock(nn.Module):
        def __init__(self, dim, n_heads, n_kv_heads):
            super().__init__()
            self.attention = Attention(dim, n_heads, n_kv_heads)
            self.feed_forward = FeedForward(dim, 4 * dim)
            self.attention_norm = RMSNorm(dim)
            self.ffn_norm = RMSNorm(dim)

        def forward(self, x, position_ids, past_kv=None):
            h, present = self.attention(self.attention_norm(x), position_ids, past_kv)
            h = x + h
            return h + self.feed_forward(self.ffn_norm(h)), present

    class Llama(nn.Module):
        def __init__(self, vocab_size=13, dim=16, n_layers=2, n_heads=4, n_kv_heads=2):
            super().__init__()
            self.tok_embeddings = nn.Embedding(vocab_size, dim)
            self.layers = nn.ModuleList([TransformerBlock(dim, n_heads, n_kv_heads) for _ in range(n_layers)])
            self.norm = RMSNorm(dim)
            self.output = nn.Linear(dim, vocab_size, bias=False)

        def forward(self, tokens, past_key_values=None):
            bsz, seqlen = tokens.shape
            past_len = 0 if past_key_values is None else past_key_values[0][0].size(2)
            position_ids = torch.arange(past_len, past_len + seqlen, device=tokens.device).unsqueeze(0)
            h = self.tok_embeddings(tokens)
            presents = []
            for i, layer in enumerate(self.layers):
                h, present = layer(h, position_ids, None if past_key_values is None else past_key_values[i])
                presents.append(present)
            return self.output(self.norm(h)).float(), presents

    def sample_top_p(probs, p):
        probs_sort, probs_idx = torch.sort(probs, dim=-1, descending=True)
        probs_sum = torch.cumsum(probs_sort, dim=-1)
        mask = probs_sum - probs_sort > p
        probs_sort[mask] = 0.0
        probs_sort.div_(probs_sort.sum(dim=-1, keepdim=True))
        next_token = torch.multinomial(probs_sort, num_samples=1)
        next_token = torch.gather(probs_idx, -1, next_token)
        return next_token

    model = Llama()
    assert not any('inv_freq' in k or 'cached' in k for k in model.state_dict())  # persistent=False
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    seq = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]).repeat(4, 1)
    losses = []
    for step in range(25):
        logits, _ = model(seq[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    _decreased(losses, 0.5)

    model.eval()
    with torch.no_grad():
        prompt = seq[:2, :4]
        full_logits, _ = model(seq[:2, :8])
        # incremental decoding with the KV cache reproduces the full forward
        logits, past = model(prompt)
        step_logits = [logits]
        for t in range(4, 8):
            logits, past = model(seq[:2, t:t + 1], past)
            step_logits.append(logits)
        cached = torch.cat(step_logits, dim=1)
        assert past[0][0].shape == (2, 2, 8, 4)
        assert torch.allclose(cached, full_logits, atol=1e-4)

        tokens = prompt
        logits, past = model(tokens)
        for _ in range(5):
            probs = torch.softmax(logits[:, -1] / 0.7, dim=-1)
            next_token = sample_top_p(probs, 0.9)
            tokens = torch.cat([tokens, next_token], dim=-1)
            logits, past = model(next_token, past)
    assert tokens.shape == (2, 9) and tokens.dtype == torch.int64
