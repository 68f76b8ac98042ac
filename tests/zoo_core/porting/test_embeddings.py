"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
N-gram / CBOW word embeddings, EmbeddingBag text classification.

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
# 1. "Word Embeddings: Encoding Lexical Semantics" tutorial: N-gram language model and CBOW
# --------------------------------------------------------------------------------------------------------

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
# 2. "Text classification with the torchtext library": EmbeddingBag with offsets, collate_batch, StepLR
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
