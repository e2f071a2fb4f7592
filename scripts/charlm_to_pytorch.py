#!/usr/bin/env python3
"""Loads an rnntrain charlm checkpoint into PyTorch and checks it against generate (not part of make test).

    python scripts/charlm_to_pytorch.py model.safetensors [--prime "ROMEO:"] [--temperature 1] [--top-k K]

Reads the file with `safetensors.torch.load_file` and the characters from its
run record (`settings.charLM.characters`, id k = the k-th character),
keeps the model's tensors (`embedding.weight`, `lstm.*` / `gru.*` / `rnn.*`,
`fc.*`), and restores nn.Embedding + nn.LSTM(num_layers) + nn.Linear
(scripts/charlm_reference.py's CharNet) with `load_state_dict(strict=True)`:
every name and shape must match. Left out: `optimizer.*` (Adam's moments),
`charlm.state.*` (a mid-epoch checkpoint's carried state) and `h0`/`c0`
(rnntrain's learned start states, which a character model never uses: its
state starts at zero; the script checks that they are zero). Cells: lstm,
gru and rnn (tanh) without --layer-norm, which has no nn module.

It then feeds the prime from a zero state and compares the next character's
probabilities with `rnntrain generate --probabilities` for the same prime,
temperature and top-k, printing the largest difference.
Needs torch and safetensors (pip install torch==2.13.0+cpu safetensors).
"""
import argparse
import json
import os
import subprocess
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from charlm_reference import CharNet  # noqa: E402


def load(path):
    with safe_open(path, framework="pt") as f:
        run = json.loads(f.metadata()["run"])
    tensors = load_file(path)
    m, chars = run["model"], run["settings"]["charLM"]["characters"]
    for name in ("h0", "c0"):
        if name in tensors and tensors[name].abs().max().item() != 0:
            sys.exit(f"{path}: {name} is not zero; this is not a charlm checkpoint")
    state = {k: v for k, v in tensors.items()
             if not k.startswith(("optimizer.", "charlm.state.")) and k not in ("h0", "c0")}
    net = CharNet(m["vocabularySize"], m["embedDim"], m["hiddenSize"], m["layers"], m["cell"])
    net.load_state_dict(state, strict=True)
    net.eval()
    return net, m, list(chars), run


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--prime", default="ROMEO:")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-k", type=int)
    p.add_argument("--binary", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "rnntrain"))
    args = p.parse_args()
    net, m, chars, run = load(args.checkpoint)
    n = sum(v.numel() for v in net.state_dict().values())
    print(f"loaded into PyTorch (strict): embedding {m['vocabularySize']}x{m['embedDim']}, {m['layers']}-layer "
          f"{m['cell'].upper()} {m['hiddenSize']}, linear to {len(chars)} characters; {n:,} parameters; epoch {run['progress']['epoch']}")
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([[index[c]] for c in args.prime])               # [T, 1]
    with torch.no_grad():
        logits, _ = net(ids, None)
        z = logits[-1, 0]
        if args.temperature == 0:
            theirs = torch.nn.functional.one_hot(z.argmax(), len(chars)).float()
        else:
            if args.top_k:
                z = torch.where(z >= torch.topk(z, args.top_k).values[-1], z, torch.tensor(float("-inf")))
            theirs = torch.softmax(z / args.temperature, -1)
    cmd = [args.binary, "generate", "--model", args.checkpoint, "--prime", args.prime, "--probabilities",
           "--temperature", str(args.temperature)] + (["--top-k", str(args.top_k)] if args.top_k else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    ours = torch.tensor([float(line.split("\t")[-1]) for line in out])
    diff = (ours - theirs).abs().max().item()
    top = theirs.argsort(descending=True)[:5].tolist()
    print(f"next character after {args.prime!r} (T={args.temperature}{', top-k ' + str(args.top_k) if args.top_k else ''}): "
          f"max |p(rnntrain) - p(PyTorch)| = {diff:.2e} over {len(chars)} characters")
    print("most likely: " + ", ".join(f"{chars[i]!r} {theirs[i].item():.4f} / {ours[i].item():.4f}" for i in top))
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
