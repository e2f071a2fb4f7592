#!/usr/bin/env python3
"""The PyTorch peer of rnntrain: same model, data, hyperparameters, figures.

Trains, on the same CSV, the network of DESIGN.md section 3 with PyTorch:
nn.Embedding(V, E) (Glorot-uniform) -> nn.GRU(E, H) (or --cell lstm|rnn,
--layers, --bidirectional, --pool, as rnntrain's flags) with a learned initial
state -> dropout (keep 0.6) on the GRU outputs -> nn.Linear(H, K)
(Glorot-uniform, zero bias) -> cross-entropy, Adam (with --sparse-embedding:
nn.Embedding(..., sparse=True) updated by torch.optim.SparseAdam, the rest by
Adam, as rnntrain's --sparse-embedding). Batches are padded to
their own longest row and fed through pack_padded_sequence, so PyTorch also
skips padding; `classify` reads the last relevant output (the packed GRU's
final state), `seq2seq` scores every real step (masked).

Prints the same epoch lines as rnntrain and, per run, the median real
(unpadded) training tokens/s of the epochs after the first, the median epoch
seconds and the peak RSS, so `make bench` and this script can be compared
one after the other on the same machine (compare ratios: machines are noisy).

Setup (not needed by the build or the tests):
    python3 -m venv .venv-torch
    .venv-torch/bin/pip install torch==2.13.0+cpu      # CPU wheel
    # or: pip install torch --no-deps numpy filelock typing-extensions sympy networkx jinja2 fsspec
    .venv-torch/bin/python scripts/pytorch_reference.py --data bench-data/synth-100k-seed1.csv
"""
import argparse
import csv
import random
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def load(path, vocab_size, max_len):
    """Rows of (ids, label) from the tokenized CSV (columns by name)."""
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        for rec in reader:
            ids = [int(t) for t in rec["as_numbers"].strip("[]").replace(",", " ").split()]
            assert 1 <= len(ids) <= max_len and all(0 <= i < vocab_size for i in ids)
            rows.append((ids, int(rec["gender"]) * 3 + int(rec["age_bracket"])))
    return rows


def batches(rows, indices, batch_size, bucketed, buckets, rng):
    """One epoch's batches, as in rnntrain: padded = shuffled; bucketed =
    sorted into equal-size length buckets, shuffled within buckets, the
    batch list shuffled; every row exactly once."""
    if not bucketed:
        order = indices[:]
        rng.shuffle(order)
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    ordered = sorted(indices, key=lambda r: (len(rows[r][0]), r))
    n = len(ordered)
    out = []
    for b in range(buckets):
        bucket = ordered[n * b // buckets: n * (b + 1) // buckets]
        rng.shuffle(bucket)
        out += [bucket[i:i + batch_size] for i in range(0, len(bucket), batch_size)]
    rng.shuffle(out)
    return out


class Net(nn.Module):
    """rnntrain's network with the same tensor names: embedding.weight,
    gru|lstm|rnn.weight_ih_l{k}[_reverse] ..., h0 [L*D, H] (and c0 for
    LSTM, the learned start states), fc.weight, fc.bias."""

    def __init__(self, vocab, embed, hidden, classes, keep, cell="gru", layers=1, bidirectional=False,
                 layer_keep=1.0, pool="last", nonlinearity="tanh", layer_norm=False, sparse=False):
        super().__init__()
        self.cell, self.pool, self.directions, self.layer_norm = cell, pool, 2 if bidirectional else 1, layer_norm
        self.embedding = nn.Embedding(vocab, embed, sparse=sparse)
        nn.init.xavier_uniform_(self.embedding.weight)
        if layer_norm:    # rnntrain's layer-normalised cells (scripts/layernorm_reference.py)
            from layernorm_reference import LayerNormRNN
            setattr(self, cell, LayerNormRNN(cell, embed, hidden, layers, bidirectional))
        else:
            kind = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cell]
            extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
            setattr(self, cell, kind(embed, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True,
                                     dropout=1 - layer_keep if layers > 1 else 0.0, **extra))
        self.h0 = nn.Parameter(torch.zeros(layers * self.directions, hidden))
        if cell == "lstm":
            self.c0 = nn.Parameter(torch.zeros(layers * self.directions, hidden))
        self.dropout = nn.Dropout(1 - keep)
        self.fc = nn.Linear(self.directions * hidden, classes)
        nn.init.xavier_uniform_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, ids, lengths, seq2seq):
        batch = ids.shape[0]
        h0 = self.h0.unsqueeze(1).expand(-1, batch, -1).contiguous()
        c0 = self.c0.unsqueeze(1).expand(-1, batch, -1).contiguous() if self.cell == "lstm" else None
        rnn = getattr(self, self.cell)
        if self.layer_norm:
            padded, h_n, _ = rnn(self.embedding(ids), lengths.tolist(), h0, c0)
        else:
            packed = pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
            out, h_n = rnn(packed, (h0, c0) if self.cell == "lstm" else h0)
            h_n = h_n[0] if self.cell == "lstm" else h_n
            padded, _ = pad_packed_sequence(out, batch_first=True)
        if seq2seq:
            return self.fc(self.dropout(padded))                # [B, T, K]
        if self.pool == "last":                                  # last relevant output (reverse half: step 0)
            return self.fc(self.dropout(torch.cat(list(h_n[-self.directions:]), -1)))
        mask = (torch.arange(padded.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1)
        if self.pool == "mean":
            pooled = (padded * mask).sum(1) / lengths.unsqueeze(1)
        else:
            pooled = padded.masked_fill(~mask, float("-inf")).max(1).values
        return self.fc(self.dropout(pooled))


def tensors(rows, batch, seq2seq):
    lengths = torch.tensor([len(rows[r][0]) for r in batch])
    t = int(lengths.max())
    ids = torch.zeros(len(batch), t, dtype=torch.long)
    for i, r in enumerate(batch):
        ids[i, :len(rows[r][0])] = torch.tensor(rows[r][0])
    labels = torch.tensor([rows[r][1] for r in batch])
    if seq2seq:
        mask = torch.arange(t).unsqueeze(0) < lengths.unsqueeze(1)
        return ids, lengths, labels.unsqueeze(1).expand(-1, t), mask
    return ids, lengths, labels, None


def step_loss(net, rows, batch, seq2seq):
    ids, lengths, labels, mask = tensors(rows, batch, seq2seq)
    logits = net(ids, lengths, seq2seq)
    if seq2seq:
        logits, labels = logits[mask], labels[mask]     # real steps only
    loss = nn.functional.cross_entropy(logits, labels, reduction="sum")
    correct = int((logits.argmax(-1) == labels).sum())
    return loss, correct, labels.numel(), int(lengths.sum())


def run(args, rows, mode):
    seq2seq = mode == "seq2seq"
    bucketed = mode != "padded"
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    n_test = round(len(rows) * args.test_fraction)
    test, train = idx[:n_test], idx[n_test:]
    net = Net(args.vocab_size, args.embed, args.hidden, 6, args.keep_prob, args.cell, args.layers, args.bidirectional,
              args.layer_keep, args.pool, args.nonlinearity, sparse=args.sparse_embedding)
    if args.sparse_embedding:
        rest = [p for name, p in net.named_parameters() if name != "embedding.weight"]
        opts = [torch.optim.SparseAdam([net.embedding.weight], lr=args.lr), torch.optim.Adam(rest, lr=args.lr)]
    else:
        opts = [torch.optim.Adam(net.parameters(), lr=args.lr)]
    speeds, seconds = [], []
    for epoch in range(1, args.epochs + 1):
        net.train()
        total_loss = total_correct = total_count = tokens = 0
        start = time.perf_counter()
        for batch in batches(rows, train, args.batch_size, bucketed, args.buckets, rng):
            loss, correct, count, toks = step_loss(net, rows, batch, seq2seq)
            for opt in opts:
                opt.zero_grad()
            (loss / count).backward()
            for opt in opts:
                opt.step()
            total_loss += float(loss.detach())
            total_correct += correct
            total_count += count
            tokens += toks
        secs = time.perf_counter() - start
        net.eval()
        t_loss = t_correct = t_count = 0
        with torch.no_grad():
            for i in range(0, len(test), args.batch_size):
                loss, correct, count, _ = step_loss(net, rows, test[i:i + args.batch_size], seq2seq)
                t_loss += float(loss)
                t_correct += correct
                t_count += count
        unit = "/token" if seq2seq else ""
        print(f"Epoch {epoch}/{args.epochs} - train acc{unit} {total_correct / total_count:.4f}"
              f" - test acc{unit} {t_correct / max(t_count, 1):.4f} - loss{unit} {total_loss / total_count:.4f}"
              f" - test loss{unit} {t_loss / max(t_count, 1):.4f} - {secs:.1f} s - {tokens / secs:,.0f} tok/s", flush=True)
        speeds.append(tokens / secs)
        seconds.append(secs)
    later = speeds[1:] or speeds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000
    return statistics.median(later), statistics.median(seconds[1:] or seconds), peak


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--mode", choices=["padded", "bucketed", "seq2seq", "all"], default="all")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--embed", type=int, default=64)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--keep-prob", type=float, default=0.6)
    p.add_argument("--buckets", type=int, default=5)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--vocab-size", type=int, default=10000)
    p.add_argument("--max-len", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cell", choices=["gru", "lstm", "rnn"], default="gru")
    p.add_argument("--nonlinearity", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--layer-keep", type=float, default=1.0)
    p.add_argument("--pool", choices=["last", "mean", "max"], default="last")
    p.add_argument("--sparse-embedding", action="store_true",
                   help="nn.Embedding(sparse=True) with torch.optim.SparseAdam for it, Adam for the rest")
    p.add_argument("--flush-denormal", choices=["on", "off"], default="off",
                   help="torch.set_flush_denormal(True): flush-to-zero and denormals-are-zero, as rnntrain "
                        "always runs (PyTorch's default is off: long sequences then slow down)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    flushing = torch.set_flush_denormal(args.flush_denormal == "on") and args.flush_denormal == "on"
    rows = load(args.data, args.vocab_size, args.max_len)
    print(f"pytorch_reference: torch {torch.__version__}, {args.threads} threads, {len(rows):,} rows from {args.data}, "
          f"flush denormal {'on' if flushing else 'off'}", file=sys.stderr)
    modes = ["padded", "bucketed", "seq2seq"] if args.mode == "all" else [args.mode]
    names = {"padded": "classify padded", "bucketed": "classify bucketed", "seq2seq": "seq2seq bucketed"}
    results = []
    for mode in modes:
        print(f"== {names[mode]}", flush=True)
        results.append((names[mode] + (" sparse" if args.sparse_embedding else ""),) + run(args, rows, mode))
    print()
    print(f"| {'run (PyTorch)':<25} | {'tokens/s':>12} | {'epoch s':>8} | {'peak MB':>8} |")
    print(f"|{'-' * 27}|{'-' * 14}|{'-' * 10}|{'-' * 10}|")
    for name, tps, secs, peak in results:
        print(f"| {name:<25} | {tps:>12,.0f} | {secs:>8.1f} | {peak:>8.1f} |")


if __name__ == "__main__":
    main()
