"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
nn.Transformer LM, BERT-like MLM, einsum attention.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import math
import random

import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. "Language modeling with nn.Transformer and torchtext" tutorial
# --------------------------------------------------------------------------------------------------------

def test_transformer_language_model_tutorial(lib):
    torch, nn = lib.torch, lib.nn
    from_tensor = torch.Tensor

    class PositionalEncoding(nn.Module):

        def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)

            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer('pe', pe)

        def forward(self, x: from_tensor) -> from_tensor:
            """
            Arguments:
                x: Tensor, shape ``[seq_len, batch_size, embedding_dim]``
            """
            x = x + self.pe[:x.size(0)]
            return self.dropout(x)

    class TransformerModel(nn.Module):

        def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int,
                     nlayers: int, dropout: float = 0.5):
            super().__init__()
            self.model_type = 'Transformer'
            self.pos_encoder = PositionalEncoding(d_model, dropout)
            encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)

            self.init_weights()

        def init_weights(self) -> None:
            initrange = 0.1
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.linear.bias.data.zero_()
            self.linear.weight.data.uniform_(-initrange, initrange)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            if src_mask is None:
                """Generate a square causal mask for the sequence. The masked positions are filled with float('-inf').
                Unmasked positions are filled with float(0.0).
                """
                src_mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(src.device)
            output = self.transformer_encoder(src, src_mask)
            output = self.linear(output)
            return output

    def batchify(data, bsz: int):
        seq_len = data.size(0) // bsz
        data = data[:seq_len * bsz]
        data = data.view(bsz, seq_len).t().contiguous()
        return data

    bptt = 10

    def get_batch(source, i: int):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].reshape(-1)
        return data, target

    ntokens = 12
    raw = torch.tensor([i % ntokens for i in range(400)], dtype=torch.long)
    train_data = batchify(raw, 8)
    model = TransformerModel(ntokens, d_model=16, nhead=2, d_hid=32, nlayers=2, dropout=0.1)
    assert model.pos_encoder.pe.shape == (5000, 1, 16)
    assert 'pos_encoder.pe' in model.state_dict()
    assert not any(n.endswith('.pe') for n, _ in model.named_parameters())

    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask[0, 1].item() == float('-inf') and mask[1, 0].item() == 0.0

    criterion = nn.CrossEntropyLoss()
    lr = 1.0  # learning rate
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    losses = []
    for epoch in range(1, 4):
        model.train()  # turn on train mode
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            output = model(data)
            output_flat = output.view(-1, ntokens)
            loss = criterion(output_flat, targets)

            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    assert scheduler.get_last_lr()[0] == pytest.approx(lr * 0.95 ** 3)
    model.eval()
    with torch.no_grad():
        data, targets = get_batch(train_data, 0)
        out = model(data)
    assert out.shape == (bptt, 8, ntokens)
    _decreased(losses)


# --------------------------------------------------------------------------------------------------------
# 2. BERT-like encoder: nn.MultiheadAttention(batch_first=True) + key_padding_mask, MLM masking with where
# --------------------------------------------------------------------------------------------------------

def test_bert_like_mlm(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    PAD, CLS, SEP, MASK = 0, 1, 2, 3
    vocab_size, d_model, max_len = 16, 32, 12

    class EncoderLayer(nn.Module):
        def __init__(self, d_model, nhead, dim_ff, dropout=0.1):
            super().__init__()
            self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
            self.ff = nn.Sequential(nn.Linear(d_model, dim_ff), nn.GELU(), nn.Linear(dim_ff, d_model))
            self.norm1 = nn.LayerNorm(d_model)
            self.norm2 = nn.LayerNorm(d_model)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x, key_padding_mask):
            attn_out, attn_weights = self.self_attn(x, x, x, key_padding_mask=key_padding_mask,
                                                    need_weights=True)
            x = self.norm1(x + self.dropout(attn_out))
            x = self.norm2(x + self.dropout(self.ff(x)))
            return x, attn_weights

    class MiniBert(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab_size, d_model, padding_idx=PAD)
            self.pos = nn.Embedding(max_len, d_model)
            self.seg = nn.Embedding(2, d_model)
            self.layers = nn.ModuleList([EncoderLayer(d_model, 4, 64) for _ in range(2)])
            self.mlm_head = nn.Linear(d_model, vocab_size)
            self.cls_head = nn.Linear(d_model, 2)

        def forward(self, input_ids, token_type_ids=None, attention_mask=None):
            B, T = input_ids.shape
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            pos = torch.arange(T, device=input_ids.device).unsqueeze(0).expand(B, T)
            x = self.tok(input_ids) + self.pos(pos) + self.seg(token_type_ids)
            key_padding_mask = attention_mask == 0
            for layer in self.layers:
                x, w = layer(x, key_padding_mask)
            return self.mlm_head(x), self.cls_head(x[:, 0]), w

    def make_batch(B=8):
        rows, segs = [], []
        for _ in range(B):
            a = [random.randint(4, 9) for _ in range(random.randint(1, 4))]
            b = [x + 6 for x in a]  # second segment "translates" the first
            row = [CLS] + a + [SEP] + b + [SEP]
            seg = [0] * (len(a) + 2) + [1] * (len(b) + 1)
            rows.append(row + [PAD] * (max_len - len(row)))
            segs.append(seg + [0] * (max_len - len(seg)))
        input_ids = torch.tensor(rows, dtype=torch.long)
        return input_ids, torch.tensor(segs, dtype=torch.long), (input_ids != PAD).long()

    def mask_tokens(input_ids, mlm_probability=0.3):
        labels = input_ids.clone()
        probability_matrix = torch.full(labels.shape, mlm_probability)
        special = (input_ids == PAD) | (input_ids == CLS) | (input_ids == SEP)
        probability_matrix.masked_fill_(special, value=0.0)
        masked_indices = torch.bernoulli(probability_matrix).bool()
        labels[~masked_indices] = -100  # only compute loss on masked tokens
        inputs = torch.where(masked_indices, torch.full_like(input_ids, MASK), input_ids)
        return inputs, labels

    model = MiniBert()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    losses = []
    for step in range(40):
        input_ids, token_type_ids, attention_mask = make_batch()
        inputs, labels = mask_tokens(input_ids)
        assert ((labels != -100) <= (inputs == MASK)).all()
        mlm_logits, cls_logits, attn = model(inputs, token_type_ids, attention_mask)
        loss = F.cross_entropy(mlm_logits.view(-1, vocab_size), labels.view(-1), ignore_index=-100)
        if (labels != -100).sum() == 0:
            continue
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert mlm_logits.shape == (8, max_len, vocab_size)
    assert cls_logits.shape == (8, 2)
    model.eval()  # attention dropout off: the returned weights are the softmax itself
    with torch.no_grad():
        _, _, attn = model(inputs, token_type_ids, attention_mask)
    # averaged attention weights: rows sum to 1, padded keys get no weight
    assert attn.shape == (8, max_len, max_len)
    assert torch.allclose(attn.sum(-1), torch.ones(8, max_len), atol=1e-5)
    pad_keys = (attention_mask == 0).unsqueeze(1).expand_as(attn)
    assert attn[pad_keys].abs().max().item() == 0.0
    _decreased(losses, 0.8)


# --------------------------------------------------------------------------------------------------------
# 3. einsum multi-head attention, cumsum position ids, gather for sequence scoring
# --------------------------------------------------------------------------------------------------------

def test_einsum_attention_and_sequence_scoring(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F

    class EinsumAttention(nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.scale = (dim // heads) ** -0.5
            self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
            self.to_out = nn.Linear(dim, dim)

        def forward(self, x, mask=None):
            b, n, d = x.shape
            h = self.heads
            q, k, v = self.to_qkv(x).chunk(3, dim=-1)
            q, k, v = (t.reshape(b, n, h, d // h).permute(0, 2, 1, 3) for t in (q, k, v))
            dots = torch.einsum('bhid,bhjd->bhij', q, k) * self.scale
            if mask is not None:
                dots = dots.masked_fill(~mask[:, None, None, :], -1e9)
            causal = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(1)
            dots = dots.masked_fill(causal, float('-inf'))
            attn = dots.softmax(dim=-1)
            out = torch.einsum('bhij,bhjd->bhid', attn, v)
            out = out.permute(0, 2, 1, 3).reshape(b, n, d)
            return self.to_out(out), attn

    class TinyLM(nn.Module):
        def __init__(self, vocab, dim=16, heads=2, max_pos=16):
            super().__init__()
            self.emb = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(max_pos, dim)
            self.attn = EinsumAttention(dim, heads)
            self.norm = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, vocab)

        def forward(self, idx, attention_mask):
            # left-padded batch: positions count only real tokens (HF-style position_ids)
            position_ids = torch.cumsum(attention_mask, dim=1) - 1
            position_ids.masked_fill_(attention_mask == 0, 1)
            x = self.emb(idx) + self.pos(position_ids)
            a, attn = self.attn(x, attention_mask.bool())
            return self.head(self.norm(x + a)), attn, position_ids

    vocab = 7
    model = TinyLM(vocab)
    idx = torch.tensor([[0, 0, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]])
    attention_mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    logits, attn, position_ids = model(idx, attention_mask)
    assert position_ids.tolist() == [[1, 1, 0, 1, 2, 3], [0, 1, 2, 3, 4, 5]]
    assert attn.shape == (2, 2, 6, 6)
    assert torch.allclose(attn.sum(-1), torch.ones(2, 2, 6))
    assert attn[0, :, 3, :2].abs().max().item() < 1e-6  # padding never attended (for real queries)

    # score candidate continuations: sum of log p(token_t | prefix) via gather, masked by attention_mask
    def sequence_logprob(logits, idx, attention_mask):
        logprobs = F.log_softmax(logits[:, :-1], dim=-1)
        target = idx[:, 1:]
        token_lp = torch.gather(logprobs, 2, target.unsqueeze(-1)).squeeze(-1)
        token_lp = torch.where(attention_mask[:, 1:].bool(), token_lp, torch.zeros_like(token_lp))
        return token_lp.sum(-1)

    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for step in range(30):
        logits, _, _ = model(idx, attention_mask)
        loss = -sequence_logprob(logits, idx, attention_mask).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    _decreased(losses, 0.5)
    # the gather-based score equals the masked cross-entropy sum
    ce = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), idx[:, 1:].reshape(-1), reduction='none').view(2, -1)
    ce = (ce * attention_mask[:, 1:]).sum(-1)
    assert torch.allclose(-sequence_logprob(logits, idx, attention_mask), ce, atol=1e-5)
