"""Porting check: PyTorch tutorial-style sequence / NLP programs, with only the imports changed:
seq2seq with attention, nn.Transformer translation, beam search.

Written the way the official PyTorch tutorials and well-known examples write them, on tiny synthetic data.
The module-level imports are the Zoo ones (``import zoo_core as torch``); each test also runs the very same
code under the real PyTorch (CPU reference) through the ``lib`` fixture (``conftest.py``), which rebinds
``torch``, ``nn``, ``F``, ``optim``, ``DataLoader`` and ``Dataset`` locally.
"""
import math
import random

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset  # noqa: F401
from tests.zoo_core.porting._helpers import _decreased


# --------------------------------------------------------------------------------------------------------
# 1. "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention"
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
# 2. "Language Translation with nn.Transformer": Seq2SeqTransformer, create_mask, greedy_decode
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
# 3. Beam search decoding, gradient accumulation, torch.save/torch.load of a checkpoint dict
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
