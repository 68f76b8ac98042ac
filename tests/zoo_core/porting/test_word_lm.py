"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
word_language_model RNN LMs, char-level LSTM generation.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import math

import pytest

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. pytorch/examples word_language_model: RNNModel, batchify, get_batch, repackage_hidden, manual SGD
# --------------------------------------------------------------------------------------------------------

def _word_language_model(lib, rnn_type, tie_weights):
    torch, nn = lib.torch, lib.nn

    class RNNModel(nn.Module):
        """Container module with an encoder, a recurrent module, and a decoder."""

        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
            super(RNNModel, self).__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ['LSTM', 'GRU']:
                self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            else:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
                self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                if nhid != ninp:
                    raise ValueError('When using the tied flag, nhid must be equal to emsize')
                self.decoder.weight = self.encoder.weight
            self.init_weights()
            self.rnn_type = rnn_type
            self.nhid = nhid
            self.nlayers = nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return torch.nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if self.rnn_type == 'LSTM':
                return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                        weight.new_zeros(self.nlayers, bsz, self.nhid))
            else:
                return weight.new_zeros(self.nlayers, bsz, self.nhid)

    def batchify(data, bsz):
        # Work out how cleanly we can divide the dataset into bsz parts.
        nbatch = data.size(0) // bsz
        # Trim off any extra elements that wouldn't cleanly fit (remainders).
        data = data.narrow(0, 0, nbatch * bsz)
        # Evenly divide the data across the bsz batches.
        data = data.view(bsz, -1).t().contiguous()
        return data.to(device)

    def repackage_hidden(h):
        """Wraps hidden states in new Tensors, to detach them from their history."""
        if isinstance(h, torch.Tensor):
            return h.detach()
        else:
            return tuple(repackage_hidden(v) for v in h)

    bptt = 8

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].view(-1)
        return data, target

    device = torch.device("cpu")
    # a tiny "corpus": a repeating pattern the model can learn
    words = ("the cat sat on the mat . the dog sat on the log . " * 12).split()
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = torch.tensor([vocab[w] for w in words], dtype=torch.int64)
    train_data = batchify(ids, 4)
    assert train_data.shape == (len(words) // 4, 4)
    assert train_data.is_contiguous()

    ntokens = len(vocab)
    model = RNNModel(rnn_type, ntokens, 16, 16, 1, dropout=0.0, tie_weights=tie_weights).to(device)
    if tie_weights:
        assert model.decoder.weight is model.encoder.weight
    criterion = nn.NLLLoss()
    lr, clip = 5, 0.25
    losses = []
    for epoch in range(10):
        model.train()
        total_loss = 0.
        hidden = model.init_hidden(4)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            # Starting each batch, we detach the hidden state from how it was previously produced.
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
        losses.append(total_loss / (batch + 1))

    # evaluate() from the example
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(4)
    with torch.no_grad():
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    val_loss = total_loss / (len(train_data) - 1)
    assert output.shape == (len(data) * 4, ntokens)
    assert math.exp(val_loss) < ntokens
    _decreased(losses)


@pytest.mark.parametrize("rnn_type,tie", [("LSTM", False), ("GRU", True), ("RNN_TANH", False)])
def test_word_language_model(lib, rnn_type, tie):
    _word_language_model(lib, rnn_type, tie)


# --------------------------------------------------------------------------------------------------------
# 2. Char-level generation with an LSTM cell loop, temperature sampling, state_dict round trip
# --------------------------------------------------------------------------------------------------------

def test_char_lstm_generation_and_state_dict(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    text = "hello world. " * 20
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for ch, i in stoi.items()}
    encode = lambda s: [stoi[c] for c in s]
    decode = lambda l: ''.join([itos[i] for i in l])
    data = torch.tensor(encode(text), dtype=torch.long)

    class CharLSTM(nn.Module):
        def __init__(self, vocab, hidden):
            super().__init__()
            self.embed = nn.Embedding(vocab, hidden)
            self.cell = nn.LSTMCell(hidden, hidden)
            self.proj = nn.Linear(hidden, vocab)
            self.hidden = hidden

        def forward(self, x, state=None):
            B, T = x.shape
            if state is None:
                h = x.new_zeros(B, self.hidden, dtype=torch.float)
                c = torch.zeros_like(h)
            else:
                h, c = state
            outs = []
            emb = self.embed(x)
            for t in range(T):
                h, c = self.cell(emb[:, t], (h, c))
                outs.append(h)
            return self.proj(torch.stack(outs, dim=1)), (h, c)

    model = CharLSTM(len(chars), 24)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
    block = 12
    losses = []
    for step in range(40):
        ix = torch.randint(len(data) - block - 1, (8,))
        x = torch.stack([data[i:i + block] for i in ix.tolist()])
        y = torch.stack([data[i + 1:i + block + 1] for i in ix.tolist()])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
    _decreased(losses, 0.6)

    @torch.no_grad()
    def sample(model, prefix, n, temperature=0.5):
        model.eval()
        x = torch.tensor([encode(prefix)])
        logits, state = model(x)
        out = list(x[0].tolist())
        for _ in range(n):
            probs = F.softmax(logits[:, -1] / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1)
            out.append(nxt.item())
            logits, state = model(nxt, state)
        return decode(out)

    s = sample(model, "hel", 10)
    assert len(s) == 13 and s.startswith("hel") and set(s) <= set(chars)

    # save/load of the state_dict into a fresh model reproduces the logits
    sd = model.state_dict()
    clone = CharLSTM(len(chars), 24)
    clone.load_state_dict(sd)
    clone.eval()
    with torch.no_grad():
        a, _ = model(data[:10].unsqueeze(0))
        b, _ = clone(data[:10].unsqueeze(0))
    assert torch.equal(a, b)
