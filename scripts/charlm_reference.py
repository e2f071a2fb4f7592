#!/usr/bin/env python3
"""PyTorch reference for `rnntrain charlm` (not part of make test).

    python scripts/charlm_reference.py [TEXT] [--layers 3 --hidden 100 --batch-size 32 --window 200 --lr 1e-4 --epochs 3]

The same model, data and loop as rnntrain charlm: the vocabulary is the
text's distinct characters in code-point order; the last --val-fraction of
the text is held out; the rest is cut into --batch-size contiguous streams
read in windows of --window characters exactly as TensorFlow's
`ptb_iterator` (the remainder dropped, (L - 1) // steps windows); the state
is carried from window to window (detached: truncated backpropagation) and
zero at the start of every epoch; the loss is the mean over the window.
nn.Embedding + nn.LSTM(num_layers, dropout between layers) + nn.Linear,
initialised as rnntrain does (Glorot-uniform embedding and output weight,
zero output bias, PyTorch's default for the LSTM). Validation reads the
held-out text in up to --batch-size streams of at least --window characters,
the last window partial, from a zero state.

Prints one line per epoch (training loss, bits per character, validation
loss, seconds of training, characters/s) and, with --metrics, appends the
same JSON lines as rnntrain --metrics (so `rnntrain plot` draws both).
--time-limit S stops training after S seconds of training (checked after
each window) and evaluates the model it reached: the equal-time comparison.
TEXT defaults to ../shared/data/tinyshakespeare.txt when it exists.
Needs torch (pip install torch==2.13.0+cpu).
"""
import argparse
import json
import math
import os
import time

import torch
from torch import nn


class CharNet(nn.Module):
    def __init__(self, vocab, embed, hidden, layers, cell="lstm", dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        setattr(self, cell, rnn(embed, hidden, num_layers=layers, dropout=dropout))
        self.cell = cell
        self.fc = nn.Linear(hidden, vocab)

    def init_like_rnntrain(self):
        nn.init.xavier_uniform_(self.embedding.weight)
        nn.init.xavier_uniform_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x, state):
        """x [T, B] ids -> logits [T, B, V], state."""
        out, state = getattr(self, self.cell)(self.embedding(x), state)
        return self.fc(out), state


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8")
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return torch.tensor([index[c] for c in text], dtype=torch.long), chars


def streams(ids, batch, steps, partial=False):
    """ptb_iterator: [B, L] streams; yields (x, y) windows as [T, B]."""
    length = len(ids) // batch
    data = ids[: batch * length].view(batch, length)
    windows = (length - 1 + (steps - 1 if partial else 0)) // steps
    for w in range(windows):
        t = min(steps, length - 1 - w * steps)
        yield data[:, w * steps: w * steps + t].t().contiguous(), data[:, w * steps + 1: w * steps + t + 1].t().contiguous()


def zero_state(net, args, batch):
    h = torch.zeros(args.layers, batch, args.hidden)
    return (h, h.clone()) if args.cell == "lstm" else h


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def evaluate(net, ids, args):
    if len(ids) == 0:
        return float("nan"), None
    batch = max(1, min(args.batch_size, len(ids) // args.steps))
    net.eval()
    state, total, count, correct = zero_state(net, args, batch), 0.0, 0, 0
    with torch.no_grad():
        for x, y in streams(ids, batch, args.steps, partial=True):
            logits, state = net(x, state)
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
            correct += (logits.argmax(-1) == y).sum().item()
            count += y.numel()
    net.train()
    return total / count, correct / count


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_text = os.path.join(here, "..", "..", "shared", "data", "tinyshakespeare.txt")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("text", nargs="?", default=default_text if os.path.exists(default_text) else None)
    p.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--embed", type=int)
    p.add_argument("--layer-keep", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--window", "--steps", dest="steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--clip", type=float)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--time-limit", type=float, help="stop training after this many seconds")
    p.add_argument("--metrics", help="append rnntrain-style JSON lines")
    p.add_argument("--run-name", default="PyTorch")
    args = p.parse_args()
    if args.text is None:
        p.error("give the text file (../shared/data/tinyshakespeare.txt is not there)")
    args.embed = args.embed or args.hidden
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    ids, chars = read_text(args.text)
    val = int(math.floor(len(ids) * args.val_fraction + 0.5))
    train_ids, val_ids = ids[: len(ids) - val], ids[len(ids) - val:]
    net = CharNet(len(chars), args.embed, args.hidden, args.layers, args.cell, 1 - args.layer_keep)
    net.init_like_rnntrain()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    print(f"text {args.text}: {len(ids):,} characters, {len(chars)} distinct; {len(train_ids):,} train / {val:,} validation; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    started = time.perf_counter()
    trained = 0.0
    for epoch in range(1, args.epochs + 1):
        state, total, windows, chars_done, correct = zero_state(net, args, args.batch_size), 0.0, 0, 0, 0
        t0 = time.perf_counter()
        for x, y in streams(train_ids, args.batch_size, args.steps):
            state = detach(state)
            logits, state = net(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            if args.clip:
                nn.utils.clip_grad_norm_(net.parameters(), args.clip)
            opt.step()
            total += loss.item()
            correct += (logits.argmax(-1) == y).sum().item()
            windows += 1
            chars_done += y.numel()
            if args.time_limit and trained + time.perf_counter() - t0 >= args.time_limit:
                break
        seconds = time.perf_counter() - t0
        trained += seconds
        report(args, epoch, total / windows, correct / chars_done, net, val_ids, seconds, chars_done, started, windows)
        if args.time_limit and trained >= args.time_limit:
            break


def report(args, epoch, loss, accuracy, net, val_ids, seconds, chars_done, started, windows):
    v, v_acc = evaluate(net, val_ids, args)
    print(f"Epoch {epoch} - loss {loss:.4f} - bpc {loss / math.log(2):.4f} - val loss {v:.4f} - val bpc {v / math.log(2):.4f}"
          f" - {seconds:.1f} s - {chars_done / seconds:,.0f} chars/s - {windows} windows", flush=True)
    if args.metrics:
        with open(args.metrics, "a") as f:
            f.write(json.dumps({"run": args.run_name, "epoch": epoch, "train_loss": loss, "train_accuracy": accuracy,
                                "val_loss": None if math.isnan(v) else v, "val_accuracy": v_acc, "seconds": round(seconds, 3),
                                "tokens_per_second": round(chars_done / seconds), "learning_rate": args.lr,
                                "task": "charlm", "batching": "streams", "batch_size": args.batch_size}) + "\n")


if __name__ == "__main__":
    main()
