"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
char-RNN name classifier, packed variable-length batches.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import random

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. "NLP From Scratch: Classifying Names with a Character-Level RNN"
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
# 2. Variable-length batches: Dataset + collate_fn + pad_sequence + pack_padded_sequence(enforce_sorted=False)
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
# 3. Packed sequences, precisely: unsorted batch hidden == per-sequence hidden, pack_sequence, PackedSequence
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
