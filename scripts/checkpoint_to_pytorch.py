#!/usr/bin/env python3
"""Loads an rnntrain checkpoint into PyTorch and checks it (not part of make test).

    python scripts/checkpoint_to_pytorch.py model.safetensors [--data data/sample.csv] [--predict N]

Reads the file with `safetensors.torch.load_file`, drops the optimizer
entries, builds the same network as scripts/pytorch_reference.py (from the
sizes in the checkpoint's __metadata__) and restores it with
`load_state_dict(strict=True)`: every name and shape must match. With
--data it then evaluates the PyTorch model (no dropout) on the CSV and
prints its accuracy, to compare with rnntrain's figures for the same rows.
With --predict N it also runs `rnntrain predict --ids --tsv` on the first N
rows and prints the largest difference between the two frameworks' class
probabilities.
Needs torch and safetensors (pip install torch==2.13.0+cpu safetensors).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import Net, load, step_loss  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--data")
    p.add_argument("--predict", type=int, default=0, metavar="N")
    p.add_argument("--binary", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "rnntrain"))
    args = p.parse_args()
    with safe_open(args.checkpoint, framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(args.checkpoint)
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    run = json.loads(meta["run"])
    m = run["model"]
    seq2seq = m["pooling"] == "per_step"
    task = "seq2seq" if seq2seq else "classify"
    net = Net(m["vocabularySize"], m["embedDim"], m["hiddenSize"], m["numClasses"], m["keepProb"], m["cell"], m["layers"],
              m["bidirectional"], m["layerKeepProb"], m["pooling"], m["nonlinearity"], m["layerNorm"])
    net.load_state_dict(state, strict=True)
    progress = run["progress"]
    print(f"loaded {len(state)} tensors into PyTorch ({sum(v.numel() for v in state.values()):,} parameters); "
          f"task {task}, epoch {progress['epoch']}, test accuracy at save {progress.get('testAccuracy', 'n/a')}")
    if args.data:
        rows = load(args.data, m["vocabularySize"], 10_000)
        net.eval()
        correct = count = 0
        with torch.no_grad():
            for i in range(0, len(rows), 256):
                _, c, n, _ = step_loss(net, rows, list(range(i, min(i + 256, len(rows)))), seq2seq)
                correct += c
                count += n
        print(f"PyTorch accuracy on {args.data}: {correct / count:.4f} over {count:,} "
              f"{'tokens' if seq2seq else 'rows'}")

    if args.data and args.predict:
        first = rows[: args.predict]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("".join(" ".join(map(str, ids)) + "\n" for ids, _ in first))
        out = subprocess.run([args.binary, "predict", "--model", args.checkpoint, "--ids", "--tsv", "--input", f.name],
                             check=True, capture_output=True, text=True).stdout.splitlines()[1:]
        os.unlink(f.name)
        ours = torch.tensor([[float(x) for x in line.split("\t")[2:-1]] for line in out])
        seq2seq = seq2seq
        with torch.no_grad():
            ids = [torch.tensor(r[0]) for r in first]
            lengths = torch.tensor([len(r[0]) for r in first])
            padded = torch.nn.utils.rnn.pad_sequence(ids, batch_first=True)
            logits = net(padded, lengths, seq2seq)
            if seq2seq:   # the prediction after each row's last token
                logits = logits[torch.arange(len(first)), lengths - 1]
            theirs = torch.softmax(logits, -1)
        diff = (ours - theirs).abs().max().item()
        agree = (ours.argmax(-1) == theirs.argmax(-1)).float().mean().item()
        print(f"rnntrain predict vs PyTorch on {len(first)} rows: max |p difference| {diff:.2e} "
              f"(rnntrain prints 4 decimals), same predicted class on {agree:.1%}")


if __name__ == "__main__":
    main()
