"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed.

Each program below is written the way the official PyTorch tutorials and well-known examples write it
(word_language_model, "Language modeling with nn.Transformer", seq2seq translation with attention,
char-RNN name classification, nanoGPT, packed variable-length batches, BiLSTM-CRF, EmbeddingBag text
classification, ...), on tiny synthetic data so each runs in about a second.

The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture, which rebinds ``torch``, ``nn``,
``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally. That shows the code is genuine PyTorch code and
that Zoo runs it unchanged.
"""
import math
import random
import types

import pytest

import zoo_core as torch
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core import optim
from zoo_core.utils.data import DataLoader, Dataset


def _zoo_lib():
    return types.SimpleNamespace(name="zoo", torch=torch, nn=nn, F=F, optim=optim,
                                 DataLoader=DataLoader, Dataset=Dataset)


def _torch_lib():
    real = pytest.importorskip("torch")
    import torch.nn as tnn
    import torch.nn.functional as tF
    from torch import optim as toptim
    from torch.utils.data import DataLoader as TDataLoader, Dataset as TDataset
    real.manual_seed(0)
    return types.SimpleNamespace(name="torch", torch=real, nn=tnn, F=tF, optim=toptim,
                                 DataLoader=TDataLoader, Dataset=TDataset)


def zoo_xfail(reason):
    """Expect the Zoo run of this program to fail (strictly) for ``reason``; the torch run must pass."""
    def deco(fn):
        fn._zoo_xfail = reason
        return fn
    return deco


@pytest.fixture(params=["zoo", "torch"])
def lib(request):
    """The framework the program runs on: Zoo (under test) or real PyTorch (reference)."""
    random.seed(0)
    if request.param == "zoo":
        reason = getattr(request.function, "_zoo_xfail", None)
        if reason:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
        torch.manual_seed(0)
        return _zoo_lib()
    return _torch_lib()


def _decreased(losses, factor=0.9):
    """Mean of the last few losses is clearly below the mean of the first few."""
    k = max(1, len(losses) // 5)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    assert math.isfinite(last), losses
    assert last < factor * first, (first, last, losses)


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
# 2. "Language modeling with nn.Transformer and torchtext" tutorial
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
# 3. "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention"
# --------------------------------------------------------------------------------------------------------

def test_seq2seq_attention_tutorial(lib):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim
    device = torch.device("cpu")
    SOS_token, EOS_token, MAX_LENGTH = 0, 1, 6

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.1):
            super(EncoderRNN, self).__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super(BahdanauAttention, self).__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1):
            super(AttnDecoderRNN, self).__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []

            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)

                if target_tensor is not None:
                    # Teacher forcing: Feed the target as the next input
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
                else:
                    # Without teacher forcing: use its own predictions as the next input
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()  # detach from history as input

            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = torch.cat(attentions, dim=1)

            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))

            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)

            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)

            return output, hidden, attn_weights

    # synthetic "translation": output = reversed input (+2 offset), padded with EOS
    n_words = 10
    pairs = []
    for _ in range(32):
        n = random.randint(2, MAX_LENGTH - 1)
        src = [random.randint(2, n_words - 1) for _ in range(n)]
        tgt = list(reversed(src))
        pairs.append((src + [EOS_token] + [0] * (MAX_LENGTH - n - 1), tgt + [EOS_token] + [0] * (MAX_LENGTH - n - 1)))
    input_ids = torch.tensor([p[0] for p in pairs], dtype=torch.long)
    target_ids = torch.tensor([p[1] for p in pairs], dtype=torch.long)
    train_data = torch.utils.data.TensorDataset(input_ids.to(device), target_ids.to(device))
    train_dataloader = lib.DataLoader(train_data, sampler=torch.utils.data.RandomSampler(train_data), batch_size=8)

    hidden_size = 24
    encoder = EncoderRNN(n_words, hidden_size).to(device)
    decoder = AttnDecoderRNN(hidden_size, n_words).to(device)
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()

    def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion):
        total_loss = 0
        for data in dataloader:
            input_tensor, target_tensor = data

            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()

            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)

            loss = criterion(
                decoder_outputs.view(-1, decoder_outputs.size(-1)),
                target_tensor.view(-1)
            )
            loss.backward()

            encoder_optimizer.step()
            decoder_optimizer.step()

            total_loss += loss.item()
        return total_loss / len(dataloader)

    losses = [train_epoch(train_dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion)
              for _ in range(12)]
    _decreased(losses, 0.8)

    # evaluate(): greedy decoding without teacher forcing
    encoder.eval()
    decoder.eval()
    with torch.no_grad():
        encoder_outputs, encoder_hidden = encoder(input_ids[:3])
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()
    assert decoded_ids.shape == (3, MAX_LENGTH)
    assert decoded_ids.dtype == torch.long
    assert decoder_attn.shape == (3, MAX_LENGTH, MAX_LENGTH)
    assert torch.allclose(decoder_attn.sum(-1), torch.ones(3, MAX_LENGTH))


def test_seq2seq_classic_attention_step(lib):
    """The older translation tutorial: one step at a time, attn over MAX_LENGTH, bmm, teacher forcing."""
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim
    SOS_token, EOS_token, MAX_LENGTH = 0, 1, 7
    teacher_forcing_ratio = 0.5

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size):
            super(EncoderRNN, self).__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size)

        def forward(self, input, hidden):
            embedded = self.embedding(input).view(1, 1, -1)
            output = embedded
            output, hidden = self.gru(output, hidden)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, 1, self.hidden_size)

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1, max_length=MAX_LENGTH):
            super(AttnDecoderRNN, self).__init__()
            self.hidden_size = hidden_size
            self.output_size = output_size
            self.dropout_p = dropout_p
            self.max_length = max_length

            self.embedding = nn.Embedding(self.output_size, self.hidden_size)
            self.attn = nn.Linear(self.hidden_size * 2, self.max_length)
            self.attn_combine = nn.Linear(self.hidden_size * 2, self.hidden_size)
            self.dropout = nn.Dropout(self.dropout_p)
            self.gru = nn.GRU(self.hidden_size, self.hidden_size)
            self.out = nn.Linear(self.hidden_size, self.output_size)

        def forward(self, input, hidden, encoder_outputs):
            embedded = self.embedding(input).view(1, 1, -1)
            embedded = self.dropout(embedded)

            attn_weights = F.softmax(
                self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
            attn_applied = torch.bmm(attn_weights.unsqueeze(0),
                                     encoder_outputs.unsqueeze(0))

            output = torch.cat((embedded[0], attn_applied[0]), 1)
            output = self.attn_combine(output).unsqueeze(0)

            output = F.relu(output)
            output, hidden = self.gru(output, hidden)

            output = F.log_softmax(self.out(output[0]), dim=1)
            return output, hidden, attn_weights

    def train(input_tensor, target_tensor, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion,
              max_length=MAX_LENGTH):
        encoder_hidden = encoder.initHidden()

        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()

        input_length = input_tensor.size(0)
        target_length = target_tensor.size(0)

        encoder_outputs = torch.zeros(max_length, encoder.hidden_size)

        loss = 0

        for ei in range(input_length):
            encoder_output, encoder_hidden = encoder(
                input_tensor[ei], encoder_hidden)
            encoder_outputs[ei] = encoder_output[0, 0]

        decoder_input = torch.tensor([[SOS_token]])

        decoder_hidden = encoder_hidden

        use_teacher_forcing = True if random.random() < teacher_forcing_ratio else False

        if use_teacher_forcing:
            # Teacher forcing: Feed the target as the next input
            for di in range(target_length):
                decoder_output, decoder_hidden, decoder_attention = decoder(
                    decoder_input, decoder_hidden, encoder_outputs)
                loss += criterion(decoder_output, target_tensor[di])
                decoder_input = target_tensor[di]  # Teacher forcing

        else:
            # Without teacher forcing: use its own predictions as the next input
            for di in range(target_length):
                decoder_output, decoder_hidden, decoder_attention = decoder(
                    decoder_input, decoder_hidden, encoder_outputs)
                topv, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze().detach()  # detach from history as input

                loss += criterion(decoder_output, target_tensor[di])
                if decoder_input.item() == EOS_token:
                    break

        loss.backward()

        encoder_optimizer.step()
        decoder_optimizer.step()

        return loss.item() / target_length

    n_words = 8
    pairs = [[2, 3, 4], [5, 6], [7, 2, 5], [3, 3, 6, 4]]

    def tensorFromSentence(ids):
        indexes = list(ids)
        indexes.append(EOS_token)
        return torch.tensor(indexes, dtype=torch.long).view(-1, 1)

    hidden_size = 16
    encoder = EncoderRNN(n_words, hidden_size)
    decoder = AttnDecoderRNN(hidden_size, n_words, dropout_p=0.1)
    encoder_optimizer = optim.SGD(encoder.parameters(), lr=0.05)
    decoder_optimizer = optim.SGD(decoder.parameters(), lr=0.05)
    criterion = nn.NLLLoss()
    losses = []
    for it in range(60):
        p = pairs[it % len(pairs)]
        losses.append(train(tensorFromSentence(p), tensorFromSentence(list(reversed(p))), encoder, decoder,
                            encoder_optimizer, decoder_optimizer, criterion))
    _decreased(losses, 0.8)


# --------------------------------------------------------------------------------------------------------
# 4. "NLP From Scratch: Classifying Names with a Character-Level RNN"
# --------------------------------------------------------------------------------------------------------

def test_char_rnn_name_classifier(lib):
    torch, nn = lib.torch, lib.nn
    import string
    all_letters = string.ascii_letters + " .,;'"
    n_letters = len(all_letters)

    def letterToIndex(letter):
        return all_letters.find(letter)

    def letterToTensor(letter):
        tensor = torch.zeros(1, n_letters)
        tensor[0][letterToIndex(letter)] = 1
        return tensor

    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][letterToIndex(letter)] = 1
        return tensor

    assert letterToTensor('J').sum().item() == 1
    assert lineToTensor('Jones').size() == (5, 1, n_letters)

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super(RNN, self).__init__()

            self.hidden_size = hidden_size

            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(input_size + hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            combined = torch.cat((input, hidden), 1)
            hidden = self.i2h(combined)
            output = self.i2o(combined)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    all_categories = ['English', 'Italian', 'Japanese']
    category_lines = {'English': ['Smith', 'Jones', 'Brown', 'Taylor'],
                      'Italian': ['Rossi', 'Bianchi', 'Romano', 'Ricci'],
                      'Japanese': ['Sato', 'Suzuki', 'Takahashi', 'Tanaka']}
    n_hidden = 32
    rnn = RNN(n_letters, n_hidden, len(all_categories))

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return all_categories[category_i], category_i

    criterion = nn.NLLLoss()
    learning_rate = 0.05  # the tutorial uses 0.005 over 100k iterations

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()

        rnn.zero_grad()

        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)

        loss = criterion(output, category_tensor)
        loss.backward()

        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)

        return output, loss.item()

    examples = [(c, line) for c in all_categories for line in category_lines[c]]
    losses = []
    for it in range(300):
        category, line = examples[random.randint(0, len(examples) - 1)]
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        output, loss = train(category_tensor, line_tensor)
        losses.append(loss)
    guess, guess_i = categoryFromOutput(output)
    assert guess in all_categories and isinstance(guess_i, int)
    assert output.shape == (1, len(all_categories))

    def evaluate(line_tensor):
        hidden = rnn.initHidden()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        return output

    with torch.no_grad():
        correct = sum(categoryFromOutput(evaluate(lineToTensor(line)))[0] == c for c, line in examples)
    assert correct >= 8
    _decreased(losses, 0.8)


# --------------------------------------------------------------------------------------------------------
# 5. nanoGPT (karpathy/nanoGPT model.py, trimmed): causal self-attention, weight tying, AdamW groups
# --------------------------------------------------------------------------------------------------------

def _nanogpt(lib, flash):
    torch, nn, F = lib.torch, lib.nn, lib.F
    import inspect
    from dataclasses import dataclass

    class LayerNorm(nn.Module):
        """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            # key, query, value projections for all heads, but in a batch
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            # output projection
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            # regularization
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            # flash attention make GPU go brrrrr but support is only in PyTorch >= 2.0
            self.flash = flash and hasattr(torch.nn.functional, 'scaled_dot_product_attention')
            if not self.flash:
                # causal mask to ensure that attention is only applied to the left in the input sequence
                self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                                     .view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)

            # calculate query, key, values for all heads in batch and move head forward to be the batch dim
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)

            # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
            if self.flash:
                # efficient attention using Flash Attention CUDA kernels
                y = torch.nn.functional.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True)
            else:
                # manual implementation of attention
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v  # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side

            # output projection
            y = self.resid_dropout(self.c_proj(y))
            return y

    class MLP(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            x = self.c_fc(x)
            x = self.gelu(x)
            x = self.c_proj(x)
            x = self.dropout(x)
            return x

    class Block(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    @dataclass
    class GPTConfig:
        block_size: int = 1024
        vocab_size: int = 50304
        n_layer: int = 12
        n_head: int = 12
        n_embd: int = 768
        dropout: float = 0.0
        bias: bool = True

    class GPT(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.vocab_size is not None
            assert config.block_size is not None
            self.config = config

            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            # with weight tying when using torch.compile() some warnings get generated:
            self.transformer.wte.weight = self.lm_head.weight  # https://paperswithcode.com/method/weight-tying

            # init all weights
            self.apply(self._init_weights)
            # apply special scaled init to the residual projections, per GPT-2 paper
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def get_num_params(self, non_embedding=True):
            n_params = sum(p.numel() for p in self.parameters())
            if non_embedding:
                n_params -= self.transformer.wpe.weight.numel()
            return n_params

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            device = idx.device
            b, t = idx.size()
            assert t <= self.config.block_size, \
                f"Cannot forward sequence of length {t}, block size is only {self.config.block_size}"
            pos = torch.arange(0, t, dtype=torch.long, device=device)  # shape (t)

            # forward the GPT model itself
            tok_emb = self.transformer.wte(idx)  # token embeddings of shape (b, t, n_embd)
            pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (t, n_embd)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)

            if targets is not None:
                # if we are given some desired targets also calculate the loss
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            else:
                # inference-time mini-optimization: only forward the lm_head on the very last position
                logits = self.lm_head(x[:, [-1], :])  # note: using list [-1] to preserve the time dim
                loss = None

            return logits, loss

        def crop_block_size(self, block_size):
            assert block_size <= self.config.block_size
            self.config.block_size = block_size
            self.transformer.wpe.weight = nn.Parameter(self.transformer.wpe.weight[:block_size])
            for block in self.transformer.h:
                if hasattr(block.attn, 'bias'):
                    block.attn.bias = block.attn.bias[:, :, :block_size, :block_size]

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            # start with all of the candidate parameters
            param_dict = {pn: p for pn, p in self.named_parameters()}
            # filter out those that do not require grad
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            # create optim groups. Any parameters that is 2D will be weight decayed, otherwise no.
            # i.e. all weight tensors in matmuls + embeddings decay, all biases and layernorms don't.
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {'params': decay_params, 'weight_decay': weight_decay},
                {'params': nodecay_params, 'weight_decay': 0.0}
            ]
            num_decay_params = sum(p.numel() for p in decay_params)
            num_nodecay_params = sum(p.numel() for p in nodecay_params)
            assert num_decay_params > num_nodecay_params > 0
            # Create AdamW optimizer and use the fused version if it is available
            fused_available = 'fused' in inspect.signature(torch.optim.AdamW).parameters
            use_fused = fused_available and device_type == 'cuda'
            extra_args = dict(fused=True) if use_fused else dict()
            optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
            return optimizer

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                # if the sequence context is growing too long we must crop it at block_size
                idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
                # forward the model to get the logits for the index in the sequence
                logits, _ = self(idx_cond)
                # pluck the logits at the final step and scale by desired temperature
                logits = logits[:, -1, :] / temperature
                # optionally crop the logits to only the top k options
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float('Inf')
                # apply softmax to convert logits to (normalized) probabilities
                probs = F.softmax(logits, dim=-1)
                # sample from the distribution
                idx_next = torch.multinomial(probs, num_samples=1)
                # append sampled index to the running sequence and continue
                idx = torch.cat((idx, idx_next), dim=1)

            return idx

    config = GPTConfig(block_size=16, vocab_size=11, n_layer=2, n_head=2, n_embd=16, dropout=0.0, bias=True)
    model = GPT(config)
    assert model.transformer.wte.weight is model.lm_head.weight
    # tied weights are counted once by parameters()
    assert len(list(model.parameters())) == len(dict(model.named_parameters()))
    assert model.get_num_params() == sum(p.numel() for p in model.parameters()) - 16 * 16

    # get_batch() from train.py, on an in-memory token stream
    data = torch.tensor([i % 10 for i in range(500)], dtype=torch.long)
    batch_size, block_size = 8, 12

    def get_batch():
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([data[i:i + block_size] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
        return x, y

    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=3e-3, betas=(0.9, 0.95),
                                           device_type='cpu')
    assert [g['weight_decay'] for g in optimizer.param_groups] == [0.1, 0.0]
    losses = []
    for it in range(40):
        X, Y = get_batch()
        logits, loss = model(X, Y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    assert logits.shape == (batch_size, block_size, config.vocab_size)
    _decreased(losses, 0.7)

    model.eval()
    # ignore_index=-1 in the loss: masked targets contribute nothing
    X, Y = get_batch()
    Y[:, :6] = -1
    _, loss_masked = model(X, Y)
    assert math.isfinite(loss_masked.item())

    start = torch.zeros((1, 1), dtype=torch.long)
    y = model.generate(start, max_new_tokens=20, temperature=0.8, top_k=3)
    assert y.shape == (1, 21) and y.dtype == torch.long
    assert not y.requires_grad
    assert int(y.min()) >= 0 and int(y.max()) < config.vocab_size

    model.crop_block_size(8)
    logits, _ = model(X[:, :8])
    assert logits.shape == (batch_size, 1, config.vocab_size)


@pytest.mark.parametrize("flash", [False, True], ids=["manual_attn", "sdpa"])
def test_nanogpt(lib, flash):
    _nanogpt(lib, flash)


# --------------------------------------------------------------------------------------------------------
# 6. Variable-length batches: Dataset + collate_fn + pad_sequence + pack_padded_sequence(enforce_sorted=False)
# --------------------------------------------------------------------------------------------------------

def test_packed_sequence_classifier(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    from_rnn = torch.nn.utils.rnn
    pad_sequence, pack_padded_sequence, pad_packed_sequence = (
        from_rnn.pad_sequence, from_rnn.pack_padded_sequence, from_rnn.pad_packed_sequence)
    PAD_IDX = 0

    class ToyDataset(lib.Dataset):
        """Label = whether the sequence contains token 3."""

        def __init__(self, n):
            self.samples = []
            for _ in range(n):
                length = random.randint(2, 9)
                seq = [random.choice([1, 2, 4, 5]) for _ in range(length)]
                label = random.random() < 0.5
                if label:
                    seq[random.randrange(length)] = 3
                self.samples.append((torch.tensor(seq, dtype=torch.long), int(label)))

        def __len__(self):
            return len(self.samples)

        def __getitem__(self, idx):
            return self.samples[idx]

    def collate_fn(batch):
        seqs, labels = zip(*batch)
        lengths = torch.tensor([len(s) for s in seqs])
        padded = pad_sequence(seqs, batch_first=True, padding_value=PAD_IDX)
        return padded, lengths, torch.tensor(labels)

    class LSTMClassifier(nn.Module):
        def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_IDX)
            self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(hidden_dim * 2, num_classes)

        def forward(self, text, lengths):
            embedded = self.embedding(text)
            packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_output, (hidden, cell) = self.lstm(packed)
            output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
            hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
            return self.fc(hidden), output, output_lengths

    loader = lib.DataLoader(ToyDataset(64), batch_size=16, shuffle=True, collate_fn=collate_fn)
    padded, lengths, labels = next(iter(loader))
    assert padded.shape == (16, int(lengths.max()))
    assert padded.dtype == torch.long and labels.dtype == torch.long

    model = LSTMClassifier(6, 8, 16, 2)
    assert torch.equal(model.embedding.weight[PAD_IDX], torch.zeros(8))
    optimizer = lib.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for epoch in range(8):
        epoch_loss = 0.0
        for text, lengths, labels in loader:
            optimizer.zero_grad()
            logits, output, output_lengths = model(text, lengths)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        losses.append(epoch_loss / len(loader))
    assert output.shape == (text.size(0), int(lengths.max()), 32)
    assert torch.equal(output_lengths, lengths)
    # outputs beyond each sequence's length are zero-padded
    shortest = int(lengths.argmin())
    assert output[shortest, int(lengths[shortest]):].abs().sum().item() == 0
    # padding_idx row never receives gradient
    assert torch.equal(model.embedding.weight[PAD_IDX], torch.zeros(8))
    _decreased(losses, 0.7)


# --------------------------------------------------------------------------------------------------------
# 7. Padded token-level losses: CrossEntropyLoss(ignore_index), label smoothing, reduction='none' masking
# --------------------------------------------------------------------------------------------------------

def test_padded_token_losses(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    pad_idx, vocab, B, T = 0, 9, 4, 6
    lengths = torch.tensor([6, 4, 3, 1])
    targets = torch.randint(1, vocab, (B, T))
    mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T) bool
    targets = targets.masked_fill(~mask, pad_idx)

    emb = nn.Embedding(vocab, 12, padding_idx=pad_idx)
    head = nn.Linear(12, vocab)
    params = list(emb.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=0.05)
    inputs = torch.roll(targets, 1, dims=1)

    criterion = nn.CrossEntropyLoss(ignore_index=pad_idx)
    smooth = nn.CrossEntropyLoss(ignore_index=pad_idx, label_smoothing=0.1)
    losses = []
    for step in range(30):
        logits = head(emb(inputs))  # (B, T, V)
        loss = criterion(logits.view(-1, logits.size(-1)), targets.view(-1))
        loss_s = smooth(logits.view(-1, logits.size(-1)), targets.view(-1))
        # the hand-masked version agrees with ignore_index
        per_tok = F.cross_entropy(logits.view(-1, vocab), targets.view(-1), reduction='none').view(B, T)
        masked = (per_tok * mask.float()).sum() / mask.sum()
        assert torch.allclose(loss, masked, atol=1e-5)
        # CrossEntropyLoss over the (B, V, T) layout agrees as well
        loss_bvt = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad_idx)
        assert torch.allclose(loss, loss_bvt, atol=1e-5)
        opt.zero_grad()
        (loss_s + 0.0 * masked).backward()
        opt.step()
        losses.append(loss.item())
    assert loss_s.item() > loss.item()  # smoothing keeps the loss away from zero
    # label smoothing matches its definition: (1 - eps) * nll + eps * mean(-log p)
    logp = F.log_softmax(logits.view(-1, vocab), dim=-1)
    keep = targets.view(-1) != pad_idx
    nll = -logp[keep].gather(1, targets.view(-1)[keep].unsqueeze(1)).squeeze(1)
    uniform = -logp[keep].mean(dim=-1)
    expected = (0.9 * nll + 0.1 * uniform).mean()
    assert torch.allclose(loss_s, expected, atol=1e-5)
    _decreased(losses, 0.5)


# --------------------------------------------------------------------------------------------------------
# 8. BERT-like encoder: nn.MultiheadAttention(batch_first=True) + key_padding_mask, MLM masking with where
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
# 9. einsum multi-head attention, cumsum position ids, gather for sequence scoring
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


# --------------------------------------------------------------------------------------------------------
# 10. Linear warmup with LambdaLR (transformers' get_linear_schedule_with_warmup), Noam schedule
# --------------------------------------------------------------------------------------------------------

def test_lambda_lr_warmup_schedules(lib):
    torch, nn = lib.torch, lib.nn
    from_lr = torch.optim.lr_scheduler

    def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
        def lr_lambda(current_step: int):
            if current_step < num_warmup_steps:
                return float(current_step) / float(max(1, num_warmup_steps))
            return max(0.0, float(num_training_steps - current_step)
                       / float(max(1, num_training_steps - num_warmup_steps)))
        return from_lr.LambdaLR(optimizer, lr_lambda, last_epoch)

    model = nn.Sequential(nn.Embedding(10, 8), nn.Flatten(), nn.Linear(8 * 4, 10))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=5, num_training_steps=40)
    assert optimizer.param_groups[0]['lr'] == 0.0
    x = torch.randint(0, 10, (16, 4))
    y = x.sum(1) % 10
    lrs, losses = [], []
    for step in range(40):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        losses.append(loss.item())
    assert lrs[:5] == pytest.approx([2e-3, 4e-3, 6e-3, 8e-3, 1e-2])
    assert lrs[-1] == pytest.approx(0.0)
    assert max(lrs) == pytest.approx(1e-2)
    _decreased(losses, 0.7)

    # "Attention is all you need" schedule, per-group lambdas
    d_model, warmup = 16, 4
    opt2 = torch.optim.Adam([{'params': model[0].parameters()}, {'params': model[2].parameters()}],
                            lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    noam = lambda step: d_model ** (-0.5) * min((step + 1) ** (-0.5), (step + 1) * warmup ** (-1.5))
    sched2 = from_lr.LambdaLR(opt2, lr_lambda=[noam, lambda step: 0.5 * noam(step)])
    for step in range(6):
        opt2.step()
        sched2.step()
    assert sched2.get_last_lr()[0] == pytest.approx(noam(6))
    assert sched2.get_last_lr()[1] == pytest.approx(0.5 * noam(6))
    state = sched2.state_dict()
    assert state['last_epoch'] == 6


# --------------------------------------------------------------------------------------------------------
# 11. "Advanced: Making Dynamic Decisions and the Bi-LSTM CRF"
# --------------------------------------------------------------------------------------------------------

def test_bilstm_crf_tutorial(lib):
    torch, nn, optim = lib.torch, lib.nn, lib.optim

    def argmax(vec):
        # return the argmax as a python int
        _, idx = torch.max(vec, 1)
        return idx.item()

    def prepare_sequence(seq, to_ix):
        idxs = [to_ix[w] for w in seq]
        return torch.tensor(idxs, dtype=torch.long)

    # Compute log sum exp in a numerically stable way for the forward algorithm
    def log_sum_exp(vec):
        max_score = vec[0, argmax(vec)]
        max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1])
        return max_score + \
            torch.log(torch.sum(torch.exp(vec - max_score_broadcast)))

    START_TAG = "<START>"
    STOP_TAG = "<STOP>"

    class BiLSTM_CRF(nn.Module):

        def __init__(self, vocab_size, tag_to_ix, embedding_dim, hidden_dim):
            super(BiLSTM_CRF, self).__init__()
            self.embedding_dim = embedding_dim
            self.hidden_dim = hidden_dim
            self.vocab_size = vocab_size
            self.tag_to_ix = tag_to_ix
            self.tagset_size = len(tag_to_ix)

            self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2,
                                num_layers=1, bidirectional=True)

            # Maps the output of the LSTM into tag space.
            self.hidden2tag = nn.Linear(hidden_dim, self.tagset_size)

            # Matrix of transition parameters.  Entry i,j is the score of
            # transitioning *to* i *from* j.
            self.transitions = nn.Parameter(
                torch.randn(self.tagset_size, self.tagset_size))

            # These two statements enforce the constraint that we never transfer
            # to the start tag and we never transfer from the stop tag
            self.transitions.data[tag_to_ix[START_TAG], :] = -10000
            self.transitions.data[:, tag_to_ix[STOP_TAG]] = -10000

            self.hidden = self.init_hidden()

        def init_hidden(self):
            return (torch.randn(2, 1, self.hidden_dim // 2),
                    torch.randn(2, 1, self.hidden_dim // 2))

        def _forward_alg(self, feats):
            # Do the forward algorithm to compute the partition function
            init_alphas = torch.full((1, self.tagset_size), -10000.)
            # START_TAG has all of the score.
            init_alphas[0][self.tag_to_ix[START_TAG]] = 0.

            # Wrap in a variable so that we will get automatic backprop
            forward_var = init_alphas

            # Iterate through the sentence
            for feat in feats:
                alphas_t = []  # The forward tensors at this timestep
                for next_tag in range(self.tagset_size):
                    # broadcast the emission score: it is the same regardless of
                    # the previous tag
                    emit_score = feat[next_tag].view(
                        1, -1).expand(1, self.tagset_size)
                    # the ith entry of trans_score is the score of transitioning to
                    # next_tag from i
                    trans_score = self.transitions[next_tag].view(1, -1)
                    # The ith entry of next_tag_var is the value for the
                    # edge (i -> next_tag) before we do log-sum-exp
                    next_tag_var = forward_var + trans_score + emit_score
                    # The forward variable for this tag is log-sum-exp of all the
                    # scores.
                    alphas_t.append(log_sum_exp(next_tag_var).view(1))
                forward_var = torch.cat(alphas_t).view(1, -1)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            alpha = log_sum_exp(terminal_var)
            return alpha

        def _get_lstm_features(self, sentence):
            self.hidden = self.init_hidden()
            embeds = self.word_embeds(sentence).view(len(sentence), 1, -1)
            lstm_out, self.hidden = self.lstm(embeds, self.hidden)
            lstm_out = lstm_out.view(len(sentence), self.hidden_dim)
            lstm_feats = self.hidden2tag(lstm_out)
            return lstm_feats

        def _score_sentence(self, feats, tags):
            # Gives the score of a provided tag sequence
            score = torch.zeros(1)
            tags = torch.cat([torch.tensor([self.tag_to_ix[START_TAG]], dtype=torch.long), tags])
            for i, feat in enumerate(feats):
                score = score + \
                    self.transitions[tags[i + 1], tags[i]] + feat[tags[i + 1]]
            score = score + self.transitions[self.tag_to_ix[STOP_TAG], tags[-1]]
            return score

        def _viterbi_decode(self, feats):
            backpointers = []

            # Initialize the viterbi variables in log space
            init_vvars = torch.full((1, self.tagset_size), -10000.)
            init_vvars[0][self.tag_to_ix[START_TAG]] = 0

            # forward_var at step i holds the viterbi variables for step i-1
            forward_var = init_vvars
            for feat in feats:
                bptrs_t = []  # holds the backpointers for this step
                viterbivars_t = []  # holds the viterbi variables for this step

                for next_tag in range(self.tagset_size):
                    next_tag_var = forward_var + self.transitions[next_tag]
                    best_tag_id = argmax(next_tag_var)
                    bptrs_t.append(best_tag_id)
                    viterbivars_t.append(next_tag_var[0][best_tag_id].view(1))
                # Now add in the emission scores, and assign forward_var to the set
                # of viterbi variables we just computed
                forward_var = (torch.cat(viterbivars_t) + feat).view(1, -1)
                backpointers.append(bptrs_t)

            # Transition to STOP_TAG
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            best_tag_id = argmax(terminal_var)
            path_score = terminal_var[0][best_tag_id]

            # Follow the back pointers to decode the best path.
            best_path = [best_tag_id]
            for bptrs_t in reversed(backpointers):
                best_tag_id = bptrs_t[best_tag_id]
                best_path.append(best_tag_id)
            # Pop off the start tag (we dont want to return that to the caller)
            start = best_path.pop()
            assert start == self.tag_to_ix[START_TAG]  # Sanity check
            best_path.reverse()
            return path_score, best_path

        def neg_log_likelihood(self, sentence, tags):
            feats = self._get_lstm_features(sentence)
            forward_score = self._forward_alg(feats)
            gold_score = self._score_sentence(feats, tags)
            return forward_score - gold_score

        def forward(self, sentence):  # dont confuse this with _forward_alg above.
            # Get the emission scores from the BiLSTM
            lstm_feats = self._get_lstm_features(sentence)

            # Find the best path, given the features.
            score, tag_seq = self._viterbi_decode(lstm_feats)
            return score, tag_seq

    EMBEDDING_DIM = 5
    HIDDEN_DIM = 4

    # Make up some training data
    training_data = [(
        "the wall street journal reported today that apple corporation made money".split(),
        "B I I I O O O B I O O".split()
    ), (
        "georgia tech is a university in georgia".split(),
        "B I O O O O B".split()
    )]

    word_to_ix = {}
    for sentence, tags in training_data:
        for word in sentence:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)

    tag_to_ix = {"B": 0, "I": 1, "O": 2, START_TAG: 3, STOP_TAG: 4}

    model = BiLSTM_CRF(len(word_to_ix), tag_to_ix, EMBEDDING_DIM, HIDDEN_DIM)
    optimizer = optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)

    # Check predictions before training
    with torch.no_grad():
        precheck_sent = prepare_sequence(training_data[0][0], word_to_ix)
        score, path = model(precheck_sent)
        assert len(path) == len(training_data[0][0])

    losses = []
    for epoch in range(15):
        total = 0.0
        for sentence, tags in training_data:
            # Step 1. Remember that Pytorch accumulates gradients.
            model.zero_grad()

            # Step 2. Get our inputs ready for the network, that is,
            # turn them into Tensors of word indices.
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = torch.tensor([tag_to_ix[t] for t in tags], dtype=torch.long)

            # Step 3. Run our forward pass.
            loss = model.neg_log_likelihood(sentence_in, targets)

            # Step 4. Compute the loss, gradients, and update the parameters by
            # calling optimizer.step()
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total)
    assert all(l > 0 for l in losses)
    _decreased(losses, 0.95)


# --------------------------------------------------------------------------------------------------------
# 12. "Sequence Models and LSTM Networks" (POS tagger) + "Word Embeddings" (N-gram LM) tutorials
# --------------------------------------------------------------------------------------------------------

def test_lstm_pos_tagger_tutorial(lib):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim

    def prepare_sequence(seq, to_ix):
        idxs = [to_ix[w] for w in seq]
        return torch.tensor(idxs, dtype=torch.long)

    training_data = [
        # Tags are: DET - determiner; NN - noun; V - verb
        # For example, the word "The" is a determiner
        ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
        ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])
    ]
    word_to_ix = {}
    # For each words-list (sentence) and tags-list in each tuple of training_data
    for sent, tags in training_data:
        for word in sent:
            if word not in word_to_ix:  # word has not been assigned an index yet
                word_to_ix[word] = len(word_to_ix)  # Assign each word with a unique index
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index

    EMBEDDING_DIM = 6
    HIDDEN_DIM = 6

    class LSTMTagger(nn.Module):

        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super(LSTMTagger, self).__init__()
            self.hidden_dim = hidden_dim

            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)

            # The LSTM takes word embeddings as inputs, and outputs hidden states
            # with dimensionality hidden_dim.
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)

            # The linear layer that maps from hidden state space to tag space
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            tag_scores = F.log_softmax(tag_space, dim=1)
            return tag_scores

    model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    losses = []
    for epoch in range(300):  # again, normally you would NOT do 300 epochs, it is toy data
        total = 0.0
        for sentence, tags in training_data:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, tag_to_ix)
            tag_scores = model(sentence_in)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total)

    with torch.no_grad():
        inputs = prepare_sequence(training_data[0][0], word_to_ix)
        tag_scores = model(inputs)
    assert tag_scores.shape == (5, 3)
    assert tag_scores.argmax(dim=1).tolist() == [0, 1, 2, 0, 1]
    _decreased(losses, 0.5)


def test_ngram_and_cbow_word_embeddings_tutorial(lib):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim
    CONTEXT_SIZE = 2
    EMBEDDING_DIM = 10
    test_sentence = """When forty winters shall besiege thy brow,
    And dig deep trenches in thy beauty's field,
    Thy youth's proud livery so gazed on now,
    Will be a totter'd weed of small worth held:""".split()
    ngrams = [
        (
            [test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)],
            test_sentence[i]
        )
        for i in range(CONTEXT_SIZE, len(test_sentence))
    ]
    vocab = set(test_sentence)
    word_to_ix = {word: i for i, word in enumerate(sorted(vocab))}

    class NGramLanguageModeler(nn.Module):

        def __init__(self, vocab_size, embedding_dim, context_size):
            super(NGramLanguageModeler, self).__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 128)
            self.linear2 = nn.Linear(128, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            out = self.linear2(out)
            log_probs = F.log_softmax(out, dim=1)
            return log_probs

    losses = []
    loss_function = nn.NLLLoss()
    model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    for epoch in range(6):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    _decreased(losses, 0.95)
    # To get the embedding of a particular word, e.g. "beauty"
    assert model.embeddings.weight[word_to_ix["beauty's"]].shape == (EMBEDDING_DIM,)

    # CBOW exercise
    class CBOW(nn.Module):
        def __init__(self, vocab_size, embedding_dim):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear = nn.Linear(embedding_dim, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).sum(dim=0, keepdim=True)
            return F.log_softmax(self.linear(embeds), dim=-1)

    def make_context_vector(context, word_to_ix):
        idxs = [word_to_ix[w] for w in context]
        return torch.tensor(idxs, dtype=torch.long)

    data = [([test_sentence[i - 2], test_sentence[i - 1], test_sentence[i + 1], test_sentence[i + 2]],
             test_sentence[i]) for i in range(2, len(test_sentence) - 2)]
    cbow = CBOW(len(vocab), EMBEDDING_DIM)
    opt = optim.Adam(cbow.parameters(), lr=0.05)
    cbow_losses = []
    for epoch in range(5):
        total = 0.0
        for context, target in data:
            opt.zero_grad()
            loss = F.nll_loss(cbow(make_context_vector(context, word_to_ix)),
                              torch.tensor([word_to_ix[target]]))
            loss.backward()
            opt.step()
            total += loss.item()
        cbow_losses.append(total)
    _decreased(cbow_losses, 0.7)


# --------------------------------------------------------------------------------------------------------
# 13. "Text classification with the torchtext library": EmbeddingBag with offsets, collate_batch, StepLR
# --------------------------------------------------------------------------------------------------------

def test_embedding_bag_text_classification_tutorial(lib):
    torch, nn = lib.torch, lib.nn
    device = torch.device("cpu")

    # synthetic "AG_NEWS": class k uses words from its own small range
    def make_item():
        label = random.randint(1, 4)
        words = [random.randint((label - 1) * 5 + 1, label * 5) for _ in range(random.randint(3, 8))]
        words += [random.randint(21, 24) for _ in range(random.randint(0, 3))]  # shared noise words
        return label, words

    train_iter = [make_item() for _ in range(128)]
    text_pipeline = lambda x: x
    label_pipeline = lambda x: int(x) - 1

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(label_pipeline(_label))
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list.to(device), text_list.to(device), offsets.to(device)

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super(TextClassificationModel, self).__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    model = TextClassificationModel(25, 16, 4).to(device)
    LR = 5
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    split_train_, split_valid_ = torch.utils.data.dataset.random_split(train_iter, [96, 32])
    train_dataloader = lib.DataLoader(split_train_, batch_size=16, shuffle=True, collate_fn=collate_batch)
    valid_dataloader = lib.DataLoader(split_valid_, batch_size=16, shuffle=True, collate_fn=collate_batch)

    def train(dataloader):
        model.train()
        total_acc, total_count, losses = 0, 0, []
        for idx, (label, text, offsets) in enumerate(dataloader):
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
            losses.append(loss.item())
        return losses

    def evaluate(dataloader):
        model.eval()
        total_acc, total_count = 0, 0
        with torch.no_grad():
            for idx, (label, text, offsets) in enumerate(dataloader):
                predicted_label = model(text, offsets)
                loss = criterion(predicted_label, label)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count

    losses = []
    total_accu = None
    for epoch in range(1, 6):
        losses += train(train_dataloader)
        accu_val = evaluate(valid_dataloader)
        if total_accu is not None and total_accu > accu_val:
            scheduler.step()
        else:
            total_accu = accu_val
    assert evaluate(valid_dataloader) >= 0.75
    _decreased(losses, 0.7)


# --------------------------------------------------------------------------------------------------------
# 14. "Language Translation with nn.Transformer": Seq2SeqTransformer, create_mask, greedy_decode
# --------------------------------------------------------------------------------------------------------

def _translation_tutorial(lib):
    torch, nn = lib.torch, lib.nn
    pad_sequence = torch.nn.utils.rnn.pad_sequence
    Tensor = torch.Tensor
    DEVICE = torch.device('cpu')
    UNK_IDX, PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2, 3

    class PositionalEncoding(nn.Module):
        def __init__(self, emb_size: int, dropout: float, maxlen: int = 5000):
            super(PositionalEncoding, self).__init__()
            den = torch.exp(- torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
            pos = torch.arange(0, maxlen).reshape(maxlen, 1)
            pos_embedding = torch.zeros((maxlen, emb_size))
            pos_embedding[:, 0::2] = torch.sin(pos * den)
            pos_embedding[:, 1::2] = torch.cos(pos * den)
            pos_embedding = pos_embedding.unsqueeze(-2)

            self.dropout = nn.Dropout(dropout)
            self.register_buffer('pos_embedding', pos_embedding)

        def forward(self, token_embedding: Tensor):
            return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])

    class TokenEmbedding(nn.Module):
        def __init__(self, vocab_size: int, emb_size):
            super(TokenEmbedding, self).__init__()
            self.embedding = nn.Embedding(vocab_size, emb_size)
            self.emb_size = emb_size

        def forward(self, tokens: Tensor):
            return self.embedding(tokens.long()) * math.sqrt(self.emb_size)

    class Seq2SeqTransformer(nn.Module):
        def __init__(self, num_encoder_layers, num_decoder_layers, emb_size, nhead, src_vocab_size,
                     tgt_vocab_size, dim_feedforward=512, dropout=0.1):
            super(Seq2SeqTransformer, self).__init__()
            self.transformer = nn.Transformer(d_model=emb_size,
                                              nhead=nhead,
                                              num_encoder_layers=num_encoder_layers,
                                              num_decoder_layers=num_decoder_layers,
                                              dim_feedforward=dim_feedforward,
                                              dropout=dropout)
            self.generator = nn.Linear(emb_size, tgt_vocab_size)
            self.src_tok_emb = TokenEmbedding(src_vocab_size, emb_size)
            self.tgt_tok_emb = TokenEmbedding(tgt_vocab_size, emb_size)
            self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout)

        def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                    memory_key_padding_mask):
            src_emb = self.positional_encoding(self.src_tok_emb(src))
            tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
            outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                    src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
            return self.generator(outs)

        def encode(self, src, src_mask):
            return self.transformer.encoder(self.positional_encoding(self.src_tok_emb(src)), src_mask)

        def decode(self, tgt, memory, tgt_mask):
            return self.transformer.decoder(self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)

    def generate_square_subsequent_mask(sz):
        mask = (torch.triu(torch.ones((sz, sz), device=DEVICE)) == 1).transpose(0, 1)
        mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
        return mask

    def create_mask(src, tgt):
        src_seq_len = src.shape[0]
        tgt_seq_len = tgt.shape[0]

        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = torch.zeros((src_seq_len, src_seq_len), device=DEVICE).type(torch.bool)

        src_padding_mask = (src == PAD_IDX).transpose(0, 1)
        tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    def collate_fn(batch):
        src_batch, tgt_batch = [], []
        for src_sample, tgt_sample in batch:
            src_batch.append(torch.cat((torch.tensor([BOS_IDX]), torch.tensor(src_sample), torch.tensor([EOS_IDX]))))
            tgt_batch.append(torch.cat((torch.tensor([BOS_IDX]), torch.tensor(tgt_sample), torch.tensor([EOS_IDX]))))
        src_batch = pad_sequence(src_batch, padding_value=PAD_IDX)
        tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX)
        return src_batch, tgt_batch

    # synthetic pairs: target = source tokens shifted by +5
    V = 14
    pairs = []
    for _ in range(48):
        src = [random.randint(4, 8) for _ in range(random.randint(2, 5))]
        pairs.append((src, [s + 5 for s in src]))

    transformer = Seq2SeqTransformer(2, 2, 32, 4, V, V, 64, dropout=0.0)
    for p in transformer.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    optimizer = torch.optim.Adam(transformer.parameters(), lr=0.001, betas=(0.9, 0.98), eps=1e-9)

    def train_epoch(model, optimizer):
        model.train()
        losses = 0
        train_dataloader = lib.DataLoader(pairs, batch_size=16, collate_fn=collate_fn)

        for src, tgt in train_dataloader:
            src = src.to(DEVICE)
            tgt = tgt.to(DEVICE)

            tgt_input = tgt[:-1, :]

            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)

            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                           src_padding_mask)

            optimizer.zero_grad()

            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()

            optimizer.step()
            losses += loss.item()

        return losses / len(list(train_dataloader))

    losses = [train_epoch(transformer, optimizer) for epoch in range(10)]
    _decreased(losses, 0.7)

    # function to generate output sequence using greedy algorithm
    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        src = src.to(DEVICE)
        src_mask = src_mask.to(DEVICE)

        memory = model.encode(src, src_mask)
        ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long).to(DEVICE)
        for i in range(max_len - 1):
            memory = memory.to(DEVICE)
            tgt_mask = (generate_square_subsequent_mask(ys.size(0))
                        .type(torch.bool)).to(DEVICE)
            out = model.decode(ys, memory, tgt_mask)
            out = out.transpose(0, 1)
            prob = model.generator(out[:, -1])
            _, next_word = torch.max(prob, dim=1)
            next_word = next_word.item()

            ys = torch.cat([ys,
                            torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
            if next_word == EOS_IDX:
                break
        return ys

    transformer.eval()
    src = torch.tensor([BOS_IDX, 5, 6, 7, EOS_IDX]).view(-1, 1)
    num_tokens = src.shape[0]
    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
    with torch.no_grad():
        tgt_tokens = greedy_decode(transformer, src, src_mask, max_len=num_tokens + 5,
                                   start_symbol=BOS_IDX).flatten()
    assert tgt_tokens.dtype == torch.long
    assert tgt_tokens[0].item() == BOS_IDX
    assert 2 <= tgt_tokens.numel() <= num_tokens + 5


def test_nn_transformer_translation_tutorial(lib):
    _translation_tutorial(lib)


# --------------------------------------------------------------------------------------------------------
# 15. Char-level generation with an LSTM cell loop, temperature sampling, state_dict round trip
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


# --------------------------------------------------------------------------------------------------------
# 16. LLaMA-style decoder: RMSNorm, rotary embeddings, SwiGLU, GQA repeat_interleave, KV cache, top-p
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


# --------------------------------------------------------------------------------------------------------
# 17. Packed sequences, precisely: unsorted batch hidden == per-sequence hidden, pack_sequence, PackedSequence
# --------------------------------------------------------------------------------------------------------

def test_packed_sequence_matches_per_sequence_runs(lib):
    torch, nn = lib.torch, lib.nn
    from_rnn = nn.utils.rnn
    seqs = [torch.randn(n, 3) for n in (2, 5, 3, 1)]
    lengths = torch.tensor([len(s) for s in seqs])
    padded = from_rnn.pad_sequence(seqs, batch_first=True)
    assert padded.shape == (4, 5, 3)

    gru = nn.GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    packed = from_rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    assert isinstance(packed, from_rnn.PackedSequence)
    assert packed.batch_sizes.tolist() == [4, 3, 2, 1, 1]
    assert packed.sorted_indices.tolist() == [1, 2, 0, 3]
    assert packed.data.shape == (int(lengths.sum()), 3)
    out, h_n = gru(packed)
    out, out_lens = from_rnn.pad_packed_sequence(out, batch_first=True, total_length=6)
    assert out.shape == (4, 6, 8) and out_lens.tolist() == [2, 5, 3, 1]
    assert h_n.shape == (4, 4, 4)  # (num_layers * 2, batch, hidden), in the caller's batch order
    for i, s in enumerate(seqs):
        o_i, h_i = gru(s.unsqueeze(0))
        assert torch.allclose(out[i, :len(s)], o_i[0], atol=1e-5)
        assert torch.allclose(h_n[:, i], h_i[:, 0], atol=1e-5)
        assert out[i, len(s):].abs().sum().item() == 0

    # pack_sequence of an already sorted list, and the gradient flows to every real step only
    x = [s.clone().requires_grad_() for s in sorted(seqs, key=len, reverse=True)]
    lstm = nn.LSTM(3, 4)
    out, (h, c) = lstm(from_rnn.pack_sequence(x))
    padded_out, _ = from_rnn.pad_packed_sequence(out)
    assert padded_out.shape == (5, 4, 4)
    h.sum().backward()
    assert all(t.grad is not None and t.grad.shape == t.shape for t in x)


# --------------------------------------------------------------------------------------------------------
# 18. Beam search decoding, gradient accumulation, torch.save/torch.load of a checkpoint dict
# --------------------------------------------------------------------------------------------------------

def test_beam_search_grad_accumulation_checkpoint(lib, tmp_path):
    torch, nn, F = lib.torch, lib.nn, lib.F
    V, H, EOS = 8, 16, 7

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, H)
            self.rnn = nn.GRU(H, H, batch_first=True)
            self.out = nn.Linear(H, V)

        def forward(self, x, h=None):
            o, h = self.rnn(self.emb(x), h)
            return self.out(o), h

    model = Decoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    data = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7]] * 4 + [[0, 2, 4, 6, 1, 3, 5, 7]] * 4)
    accumulation_steps = 4
    losses = []
    optimizer.zero_grad()
    for step in range(48):
        batch = data[(step % 4) * 2:(step % 4) * 2 + 2]
        logits, _ = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), batch[:, 1:].reshape(-1))
        (loss / accumulation_steps).backward()
        if (step + 1) % accumulation_steps == 0:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            optimizer.zero_grad()
        losses.append(loss.item())
    _decreased(losses, 0.7)

    # checkpoint round trip (the tutorials' torch.save({...}, PATH) / torch.load(PATH))
    path = tmp_path / "ckpt.pt"
    torch.save({'epoch': 3, 'model_state_dict': model.state_dict(),
                'optimizer_state_dict': optimizer.state_dict(), 'loss': losses[-1]}, path)
    checkpoint = torch.load(path, weights_only=True)
    model2 = Decoder()
    model2.load_state_dict(checkpoint['model_state_dict'])
    optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.02)
    optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
    assert checkpoint['epoch'] == 3
    assert optimizer2.state_dict()['state'][0]['step'] == optimizer.state_dict()['state'][0]['step']

    @torch.no_grad()
    def beam_search(model, start, beam_size=3, max_len=7):
        model.eval()
        seqs = torch.tensor([[start]])
        scores = torch.zeros(1)
        h = None
        finished = []
        for _ in range(max_len):
            logits, h = model(seqs[:, -1:], h)
            log_probs = F.log_softmax(logits[:, -1], dim=-1)          # (beams, V)
            cand = (scores.unsqueeze(1) + log_probs).view(-1)          # (beams * V)
            top_scores, top_idx = cand.topk(min(beam_size, cand.numel()))
            beam_idx = torch.div(top_idx, V, rounding_mode='floor')
            token_idx = top_idx % V
            seqs = torch.cat([seqs.index_select(0, beam_idx), token_idx.unsqueeze(1)], dim=1)
            h = h.index_select(1, beam_idx)
            scores = top_scores
            done = token_idx == EOS
            for i in torch.nonzero(done).flatten().tolist():
                finished.append((scores[i].item(), seqs[i].tolist()))
            if done.all():
                break
            keep = ~done
            seqs, scores, h = seqs[keep], scores[keep], h[:, keep]
        return max(finished) if finished else (scores[0].item(), seqs[0].tolist())

    score, best = beam_search(model2, 0)
    assert best[:2] == [0, 1] or best[:2] == [0, 2]
    assert best[-1] == EOS and score < 0


# --------------------------------------------------------------------------------------------------------
# 19. nanoGPT train.py: cosine LR with warmup written into param_groups, estimate_loss, GradScaler, ctx
# --------------------------------------------------------------------------------------------------------

def test_nanogpt_train_script_loop(lib):
    torch, nn, F = lib.torch, lib.nn, lib.F
    import numpy as np
    from contextlib import nullcontext

    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    device_type = 'cuda' if 'cuda' in device else 'cpu'  # for later use in torch.autocast
    dtype = 'float32'
    ctx = nullcontext() if device_type == 'cpu' else torch.amp.autocast(device_type=device_type)
    # initialize a GradScaler. If enabled=False scaler is a no-op
    scaler = torch.amp.GradScaler(enabled=(dtype == 'float16'))

    train_data = np.array([i % 9 for i in range(300)], dtype=np.uint16)
    val_data = train_data[:120]
    block_size, batch_size = 8, 8

    def get_batch(split):
        data = train_data if split == 'train' else val_data
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([torch.from_numpy((data[i:i + block_size]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data[i + 1:i + 1 + block_size]).astype(np.int64)) for i in ix])
        x, y = x.to(device), y.to(device)
        return x, y

    model = nn.Sequential(nn.Embedding(9, 32), nn.Linear(32, 9))
    learning_rate, min_lr, warmup_iters, lr_decay_iters, max_iters, eval_iters = 1e-2, 1e-3, 5, 30, 30, 4
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.1)

    @torch.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ['train', 'val']:
            losses = torch.zeros(eval_iters)
            for k in range(eval_iters):
                X, Y = get_batch(split)
                with ctx:
                    logits = model(X)
                    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1), ignore_index=-1)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    # learning rate decay scheduler (cosine with warmup)
    def get_lr(it):
        # 1) linear warmup for warmup_iters steps
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        # 2) if it > lr_decay_iters, return min learning rate
        if it > lr_decay_iters:
            return min_lr
        # 3) in between, use cosine decay down to min learning rate
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
        return min_lr + coeff * (learning_rate - min_lr)

    start = estimate_loss()
    X, Y = get_batch('train')  # fetch the very first batch
    for iter_num in range(max_iters + 1):
        lr = get_lr(iter_num)
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr
        with ctx:
            logits = model(X)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1), ignore_index=-1)
        X, Y = get_batch('train')
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
    end = estimate_loss()
    assert optimizer.param_groups[0]['lr'] == pytest.approx(min_lr)
    assert end['val'].item() < 0.5 * start['val'].item()


def test_nanogpt_dtype_table(lib):
    """train.py picks the autocast dtype from a dict naming all three float formats."""
    torch = lib.torch
    dtype = 'bfloat16' if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else 'float16'
    ptdtype = {'float32': torch.float32, 'bfloat16': torch.bfloat16, 'float16': torch.float16}[dtype]
    assert ptdtype in (torch.float16, torch.bfloat16)
    x = torch.ones(2, 3).to(ptdtype)
    assert x.dtype == ptdtype and x.float().sum().item() == 6.0


def test_backends_tf32_flags(lib):
    """Every nanoGPT/LLM training script sets these before building the model."""
    torch = lib.torch
    torch.backends.cuda.matmul.allow_tf32 = True  # allow tf32 on matmul
    torch.backends.cudnn.allow_tf32 = True  # allow tf32 on cudnn
    try:
        assert torch.backends.cuda.matmul.allow_tf32 is True
    finally:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = True


def test_hf_extended_attention_mask_finfo(lib):
    """Hugging Face BERT/GPT-2 turn a 0/1 padding mask into an additive bias with finfo(dtype).min."""
    torch, F = lib.torch, lib.F
    attention_mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    dtype = torch.float32
    extended_attention_mask = attention_mask[:, None, None, :]
    extended_attention_mask = extended_attention_mask.to(dtype=dtype)  # fp16 compatibility
    extended_attention_mask = (1.0 - extended_attention_mask) * torch.finfo(dtype).min
    scores = torch.randn(2, 2, 4, 4) + extended_attention_mask
    probs = F.softmax(scores, dim=-1)
    assert torch.allclose(probs.sum(-1), torch.ones(2, 2, 4))
    assert probs[1, :, :, 2:].max().item() == 0.0
    assert torch.iinfo(torch.int64).max == 2 ** 63 - 1
    assert torch.finfo(torch.float16).eps == pytest.approx(2 ** -10)


# --------------------------------------------------------------------------------------------------------
# 20. The Annotated Transformer (Harvard NLP): clones, subsequent_mask, LabelSmoothing with KLDivLoss, copy task
# --------------------------------------------------------------------------------------------------------

def test_annotated_transformer_copy_task(lib):
    torch, nn = lib.torch, lib.nn
    import copy
    log_softmax = torch.nn.functional.log_softmax

    def clones(module, N):
        "Produce N identical layers."
        return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])

    class LayerNorm(nn.Module):
        "Construct a layernorm module (See citation for details)."

        def __init__(self, features, eps=1e-6):
            super(LayerNorm, self).__init__()
            self.a_2 = nn.Parameter(torch.ones(features))
            self.b_2 = nn.Parameter(torch.zeros(features))
            self.eps = eps

        def forward(self, x):
            mean = x.mean(-1, keepdim=True)
            std = x.std(-1, keepdim=True)
            return self.a_2 * (x - mean) / (std + self.eps) + self.b_2

    class SublayerConnection(nn.Module):
        def __init__(self, size, dropout):
            super(SublayerConnection, self).__init__()
            self.norm = LayerNorm(size)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x, sublayer):
            "Apply residual connection to any sublayer with the same size."
            return x + self.dropout(sublayer(self.norm(x)))

    def subsequent_mask(size):
        "Mask out subsequent positions."
        attn_shape = (1, size, size)
        subsequent_mask = torch.triu(torch.ones(attn_shape), diagonal=1).type(torch.uint8)
        return subsequent_mask == 0

    def attention(query, key, value, mask=None, dropout=None):
        "Compute 'Scaled Dot Product Attention'"
        d_k = query.size(-1)
        scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        p_attn = scores.softmax(dim=-1)
        if dropout is not None:
            p_attn = dropout(p_attn)
        return torch.matmul(p_attn, value), p_attn

    class MultiHeadedAttention(nn.Module):
        def __init__(self, h, d_model, dropout=0.1):
            "Take in model size and number of heads."
            super(MultiHeadedAttention, self).__init__()
            assert d_model % h == 0
            # We assume d_v always equals d_k
            self.d_k = d_model // h
            self.h = h
            self.linears = clones(nn.Linear(d_model, d_model), 4)
            self.attn = None
            self.dropout = nn.Dropout(p=dropout)

        def forward(self, query, key, value, mask=None):
            if mask is not None:
                # Same mask applied to all h heads.
                mask = mask.unsqueeze(1)
            nbatches = query.size(0)

            # 1) Do all the linear projections in batch from d_model => h x d_k
            query, key, value = [
                lin(x).view(nbatches, -1, self.h, self.d_k).transpose(1, 2)
                for lin, x in zip(self.linears, (query, key, value))
            ]

            # 2) Apply attention on all the projected vectors in batch.
            x, self.attn = attention(query, key, value, mask=mask, dropout=self.dropout)

            # 3) "Concat" using a view and apply a final linear.
            x = (x.transpose(1, 2).contiguous().view(nbatches, -1, self.h * self.d_k))
            del query
            del key
            del value
            return self.linears[-1](x)

    class PositionwiseFeedForward(nn.Module):
        def __init__(self, d_model, d_ff, dropout=0.1):
            super(PositionwiseFeedForward, self).__init__()
            self.w_1 = nn.Linear(d_model, d_ff)
            self.w_2 = nn.Linear(d_ff, d_model)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.w_2(self.dropout(self.w_1(x).relu()))

    class EncoderLayer(nn.Module):
        def __init__(self, size, self_attn, feed_forward, dropout):
            super(EncoderLayer, self).__init__()
            self.self_attn = self_attn
            self.feed_forward = feed_forward
            self.sublayer = clones(SublayerConnection(size, dropout), 2)
            self.size = size

        def forward(self, x, mask):
            x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, mask))
            return self.sublayer[1](x, self.feed_forward)

    class DecoderLayer(nn.Module):
        def __init__(self, size, self_attn, src_attn, feed_forward, dropout):
            super(DecoderLayer, self).__init__()
            self.size = size
            self.self_attn = self_attn
            self.src_attn = src_attn
            self.feed_forward = feed_forward
            self.sublayer = clones(SublayerConnection(size, dropout), 3)

        def forward(self, x, memory, src_mask, tgt_mask):
            m = memory
            x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
            x = self.sublayer[1](x, lambda x: self.src_attn(x, m, m, src_mask))
            return self.sublayer[2](x, self.feed_forward)

    class Encoder(nn.Module):
        def __init__(self, layer, N):
            super(Encoder, self).__init__()
            self.layers = clones(layer, N)
            self.norm = LayerNorm(layer.size)

        def forward(self, x, mask):
            for layer in self.layers:
                x = layer(x, mask)
            return self.norm(x)

    class Decoder(nn.Module):
        def __init__(self, layer, N):
            super(Decoder, self).__init__()
            self.layers = clones(layer, N)
            self.norm = LayerNorm(layer.size)

        def forward(self, x, memory, src_mask, tgt_mask):
            for layer in self.layers:
                x = layer(x, memory, src_mask, tgt_mask)
            return self.norm(x)

    class Embeddings(nn.Module):
        def __init__(self, d_model, vocab):
            super(Embeddings, self).__init__()
            self.lut = nn.Embedding(vocab, d_model)
            self.d_model = d_model

        def forward(self, x):
            return self.lut(x) * math.sqrt(self.d_model)

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout, max_len=5000):
            super(PositionalEncoding, self).__init__()
            self.dropout = nn.Dropout(p=dropout)

            # Compute the positional encodings once in log space.
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            pe = pe.unsqueeze(0)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[:, : x.size(1)].requires_grad_(False)
            return self.dropout(x)

    class Generator(nn.Module):
        "Define standard linear + softmax generation step."

        def __init__(self, d_model, vocab):
            super(Generator, self).__init__()
            self.proj = nn.Linear(d_model, vocab)

        def forward(self, x):
            return log_softmax(self.proj(x), dim=-1)

    class EncoderDecoder(nn.Module):
        def __init__(self, encoder, decoder, src_embed, tgt_embed, generator):
            super(EncoderDecoder, self).__init__()
            self.encoder = encoder
            self.decoder = decoder
            self.src_embed = src_embed
            self.tgt_embed = tgt_embed
            self.generator = generator

        def forward(self, src, tgt, src_mask, tgt_mask):
            "Take in and process masked src and target sequences."
            return self.decode(self.encode(src, src_mask), src_mask, tgt, tgt_mask)

        def encode(self, src, src_mask):
            return self.encoder(self.src_embed(src), src_mask)

        def decode(self, memory, src_mask, tgt, tgt_mask):
            return self.decoder(self.tgt_embed(tgt), memory, src_mask, tgt_mask)

    def make_model(src_vocab, tgt_vocab, N=6, d_model=512, d_ff=2048, h=8, dropout=0.1):
        "Helper: Construct a model from hyperparameters."
        c = copy.deepcopy
        attn = MultiHeadedAttention(h, d_model)
        ff = PositionwiseFeedForward(d_model, d_ff, dropout)
        position = PositionalEncoding(d_model, dropout)
        model = EncoderDecoder(
            Encoder(EncoderLayer(d_model, c(attn), c(ff), dropout), N),
            Decoder(DecoderLayer(d_model, c(attn), c(attn), c(ff), dropout), N),
            nn.Sequential(Embeddings(d_model, src_vocab), c(position)),
            nn.Sequential(Embeddings(d_model, tgt_vocab), c(position)),
            Generator(d_model, tgt_vocab),
        )

        # This was important from their code.
        # Initialize parameters with Glorot / fan_avg.
        for p in model.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        return model

    class Batch:
        """Object for holding a batch of data with mask during training."""

        def __init__(self, src, tgt=None, pad=2):  # 2 = <blank>
            self.src = src
            self.src_mask = (src != pad).unsqueeze(-2)
            if tgt is not None:
                self.tgt = tgt[:, :-1]
                self.tgt_y = tgt[:, 1:]
                self.tgt_mask = self.make_std_mask(self.tgt, pad)
                self.ntokens = (self.tgt_y != pad).data.sum()

        @staticmethod
        def make_std_mask(tgt, pad):
            "Create a mask to hide padding and future words."
            tgt_mask = (tgt != pad).unsqueeze(-2)
            tgt_mask = tgt_mask & subsequent_mask(tgt.size(-1)).type_as(tgt_mask.data)
            return tgt_mask

    class LabelSmoothing(nn.Module):
        "Implement label smoothing."

        def __init__(self, size, padding_idx, smoothing=0.0):
            super(LabelSmoothing, self).__init__()
            self.criterion = nn.KLDivLoss(reduction="sum")
            self.padding_idx = padding_idx
            self.confidence = 1.0 - smoothing
            self.smoothing = smoothing
            self.size = size
            self.true_dist = None

        def forward(self, x, target):
            assert x.size(1) == self.size
            true_dist = x.data.clone()
            true_dist.fill_(self.smoothing / (self.size - 2))
            true_dist.scatter_(1, target.data.unsqueeze(1), self.confidence)
            true_dist[:, self.padding_idx] = 0
            mask = torch.nonzero(target.data == self.padding_idx)
            if mask.dim() > 0:
                true_dist.index_fill_(0, mask.squeeze(), 0.0)
            self.true_dist = true_dist
            return self.criterion(x, true_dist.clone().detach())

    class SimpleLossCompute:
        "A simple loss compute and train function."

        def __init__(self, generator, criterion):
            self.generator = generator
            self.criterion = criterion

        def __call__(self, x, y, norm):
            x = self.generator(x)
            sloss = (
                self.criterion(
                    x.contiguous().view(-1, x.size(-1)), y.contiguous().view(-1)
                )
                / norm
            )
            return sloss.data * norm, sloss

    def rate(step, model_size, factor, warmup):
        """
        we have to default the step to 1 for LambdaLR function
        to avoid zero raising to negative power.
        """
        if step == 0:
            step = 1
        return factor * (
            model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5))
        )

    def data_gen(V, batch_size, nbatches):
        "Generate random data for a src-tgt copy task."
        for i in range(nbatches):
            data = torch.randint(1, V, size=(batch_size, 6))
            data[:, 0] = 1
            src = data.requires_grad_(False).clone().detach()
            tgt = data.requires_grad_(False).clone().detach()
            yield Batch(src, tgt, 0)

    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        memory = model.encode(src, src_mask)
        ys = torch.zeros(1, 1).fill_(start_symbol).type_as(src.data)
        for i in range(max_len - 1):
            out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).type_as(src.data))
            prob = model.generator(out[:, -1])
            _, next_word = torch.max(prob, dim=1)
            next_word = next_word.data[0]
            ys = torch.cat([ys, torch.zeros(1, 1).type_as(src.data).fill_(next_word)], dim=1)
        return ys

    # LabelSmoothing sanity check from the notebook
    crit = LabelSmoothing(5, 0, 0.4)
    predict = torch.FloatTensor([[0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0],
                                 [0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0]])
    crit(x=predict.log(), target=torch.LongTensor([2, 1, 0, 3, 3]))
    assert crit.true_dist[2].tolist() == [0.0] * 5
    assert crit.true_dist[0].tolist() == pytest.approx([0.0, 0.4 / 3, 0.6, 0.4 / 3, 0.4 / 3])

    assert subsequent_mask(3).tolist() == [[[True, False, False], [True, True, False], [True, True, True]]]

    V = 8
    criterion = LabelSmoothing(size=V, padding_idx=0, smoothing=0.0)
    model = make_model(V, V, N=1, d_model=32, d_ff=64, h=4)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5, betas=(0.9, 0.98), eps=1e-9)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer=optimizer, lr_lambda=lambda step: rate(step, model_size=32, factor=1.0, warmup=40))
    losses = []
    for epoch in range(5):
        model.train()
        for i, batch in enumerate(data_gen(V, 16, 8)):
            out = model.forward(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask)
            loss, loss_node = SimpleLossCompute(model.generator, criterion)(out, batch.tgt_y, batch.ntokens)
            loss_node.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            lr_scheduler.step()
            losses.append(loss.item() / batch.ntokens.item())
    _decreased(losses, 0.75)

    model.eval()
    with torch.no_grad():
        src = torch.LongTensor([[1, 2, 3, 4, 5, 6]])
        max_len = src.shape[1]
        src_mask = torch.ones(1, 1, max_len)
        out = greedy_decode(model, src, src_mask, max_len=max_len, start_symbol=1)
    assert out.shape == (1, max_len) and out.dtype == torch.long
