#!/usr/bin/env python3
"""Golden values for the recurrent cells and stacks, from PyTorch.

For each cell in (lstm, rnn_tanh, rnn_relu, gru), each number of layers in
(1, 2) and each of (unidirectional, bidirectional), a tiny module
(`nn.LSTM`, `nn.RNN(nonlinearity=...)`, `nn.GRU`; E=3, H=4) is run in float64
on B=4 rows of lengths 5, 3, 3, 1 through pack_padded_sequence (padding
positions of x hold 100.0, so any leak would show), with explicit initial
states h0 (and c0 for LSTM) of shape (layers*dirs, B, H) and the loss

    L = sum_{b, t < len_b, k < dirs*H} c(b, t, k) * out[b][t][k]
      + sum_{s, b, k} d(s, b, k) * h_n[s][b][k]
      + sum_{s, b, k} e(s, b, k) * c_n[s][b][k]          (LSTM only)

Closed-form values (q = flat row-major index inside the tensor; p = 2*layer +
(1 if reverse else 0), the tensor's layer/direction; s = layer*dirs + dir, the
state slot as PyTorch orders h0/h_n; T = 5; F = dirs*H, the output width):

    weight_ih_l{layer}[_reverse][q] = 0.3 sin(0.7 q + 0.1 + 0.5 p)
    weight_hh_l{layer}[_reverse][q] = 0.3 cos(0.5 q + 0.2 + 0.5 p)
    bias_ih_l{layer}[_reverse][q]   = 0.1 sin(1.3 q + 0.5 p)
    bias_hh_l{layer}[_reverse][q]   = 0.1 cos(0.9 q + 0.5 p)
    h0[s][b][k] = 0.2 sin(k + 1 + 0.7 b + 0.5 s)
    c0[s][b][k] = 0.3 cos(k + 0.4 b + 0.9 s)
    x[b][t][e]  = sin(0.3 (b T E + t E + e) + 0.5)      (t < len_b; else 100.0)
    c(b, t, k)  = cos(0.2 (b T F + t F + k))
    d(s, b, k)  = 0.5 sin(0.4 (s B H + b H + k) + 0.3)
    e(s, b, k)  = 0.5 cos(0.3 (s B H + b H + k) + 0.1)

(For p = 0 the weight formulas are those of scripts/golden_gru.py.) These are
repeated in the Swift tests that read the values.

With --stack, the loss has only its first term (what a network's loss
sees of a recurrent stack: the top layer's outputs) and the file is
Tests/ModelTests/GoldenStackValues.swift, cases in `goldenStacks`.

Writes Tests/ModelTests/GoldenCellValues.swift (path overridable as argv[1]):
one `GoldenCellCase` per case, keyed "<cell>_l<layers>_<uni|bi>" in
`goldenCells`, holding outputs in [b][t < len_b][k < F] order, h_n and c_n
flat as [s][b][k], the loss, every parameter gradient by PyTorch name,
dL/dh0 and dL/dc0 as [s][b][k], dL/dx in [b][t < len_b][e] order.

Run: /opt/torchenv/bin/python scripts/golden_cells.py  (or any Python with
torch; see scripts/golden_gru.py for installing the CPU wheel).
"""
import math
import sys

import torch

E, H, T = 3, 4, 5
LENGTHS = [5, 3, 3, 1]
B = len(LENGTHS)
CELLS = ["lstm", "rnn_tanh", "rnn_relu", "gru"]

PARAM_FORMULAS = {
    "weight_ih": lambda q, p: 0.3 * math.sin(0.7 * q + 0.1 + 0.5 * p),
    "weight_hh": lambda q, p: 0.3 * math.cos(0.5 * q + 0.2 + 0.5 * p),
    "bias_ih": lambda q, p: 0.1 * math.sin(1.3 * q + 0.5 * p),
    "bias_hh": lambda q, p: 0.1 * math.cos(0.9 * q + 0.5 * p),
}


def h0_val(s, b, k): return 0.2 * math.sin(k + 1 + 0.7 * b + 0.5 * s)
def c0_val(s, b, k): return 0.3 * math.cos(k + 0.4 * b + 0.9 * s)
def x_val(b, t, e): return math.sin(0.3 * (b * T * E + t * E + e) + 0.5)
def c_val(b, t, k, f): return math.cos(0.2 * (b * T * f + t * f + k))
def d_val(s, b, k): return 0.5 * math.sin(0.4 * (s * B * H + b * H + k) + 0.3)
def e_val(s, b, k): return 0.5 * math.cos(0.3 * (s * B * H + b * H + k) + 0.1)


def make_module(cell, layers, bidirectional):
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=True)
    if cell == "lstm":
        return torch.nn.LSTM(E, H, **kw)
    if cell == "gru":
        return torch.nn.GRU(E, H, **kw)
    return torch.nn.RNN(E, H, nonlinearity=cell[4:], **kw)


def set_parameters(module):
    with torch.no_grad():
        for name, tensor in module.named_parameters():
            base, rest = name.rsplit("_l", 1)              # "weight_ih", "0_reverse"
            layer = int(rest.split("_")[0])
            p = 2 * layer + (1 if rest.endswith("_reverse") else 0)
            flat = [PARAM_FORMULAS[base](q, p) for q in range(tensor.numel())]
            tensor.copy_(torch.tensor(flat).view_as(tensor))


def state(fn, slots):
    return torch.tensor([[[fn(s, b, k) for k in range(H)] for b in range(B)] for s in range(slots)],
                        requires_grad=True)


def run_case(cell, layers, bidirectional, final_terms=True):
    dirs = 2 if bidirectional else 1
    slots, f = layers * dirs, dirs * H
    module = make_module(cell, layers, bidirectional)
    set_parameters(module)
    x = torch.tensor([[[x_val(b, t, e) if t < LENGTHS[b] else 100.0 for e in range(E)]
                       for t in range(T)] for b in range(B)], requires_grad=True)
    h0, c0 = state(h0_val, slots), state(c0_val, slots)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(LENGTHS), batch_first=True)
    out, hc = module(packed, (h0, c0) if cell == "lstm" else h0)
    h_n, c_n = hc if cell == "lstm" else (hc, None)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
    coef = torch.tensor([[[c_val(b, t, k, f) if t < LENGTHS[b] else 0.0 for k in range(f)]
                          for t in range(T)] for b in range(B)])
    d = torch.tensor([[[d_val(s, b, k) for k in range(H)] for b in range(B)] for s in range(slots)])
    loss = (coef * out).sum() + ((d * h_n).sum() if final_terms else 0)
    if c_n is not None and final_terms:
        e = torch.tensor([[[e_val(s, b, k) for k in range(H)] for b in range(B)] for s in range(slots)])
        loss = loss + (e * c_n).sum()
    loss.backward()
    for b in range(B):
        assert x.grad[b, LENGTHS[b]:, :].abs().sum().item() == 0.0, "gradient reached padding"

    real = [(b, t) for b in range(B) for t in range(LENGTHS[b])]
    return {
        "outputs": [out[b, t, k].item() for b, t in real for k in range(f)],
        "hN": h_n.reshape(-1).tolist(),
        "cN": None if c_n is None else c_n.reshape(-1).tolist(),
        "loss": loss.item(),
        "grads": [(name, t.grad.reshape(-1).tolist()) for name, t in module.named_parameters()],
        "dH0": h0.grad.reshape(-1).tolist(),
        "dC0": c0.grad.reshape(-1).tolist() if cell == "lstm" else None,
        "dX": [x.grad[b, t, e].item() for b, t in real for e in range(E)],
    }


def fmt(values):
    return "[" + ", ".join(repr(float(v)) for v in values) + "] as [Double]"


def swift_case(key, module_name, case):
    opt = lambda v: "nil" if v is None else fmt(v)
    grads = ",\n".join('        "%s.%s": %s' % (module_name, name, fmt(g)) for name, g in case["grads"])
    return "\n".join([
        "    static let %s = GoldenCellCase(" % key,
        "        outputs: %s," % fmt(case["outputs"]),
        "        hN: %s," % fmt(case["hN"]),
        "        cN: %s," % opt(case["cN"]),
        "        loss: %r," % case["loss"],
        "        grads: [\n%s,\n        ] as [String: [Double]]," % grads,
        "        dH0: %s," % fmt(case["dH0"]),
        "        dC0: %s," % opt(case["dC0"]),
        "        dX: %s)" % fmt(case["dX"]),
    ])


HEADER = '''// Generated by scripts/golden_cells.py (PyTorch %s, float64). Do not edit:
// rerun the script. The closed-form weights, states, inputs and loss
// coefficients are documented there and repeated in the tests.
//
// One case per cell x layers x directions, named "<cell>_l<layers>_<uni|bi>"
// (cell: lstm, rnn_tanh, rnn_relu, gru), E = %d, H = %d, T = %d, lengths %s.

/// PyTorch's results for one module on the golden batch.
struct GoldenCellCase {
    /// Outputs at real steps, [b][t < len_b][k < dirs * H].
    let outputs: [Double]
    /// Final states h_n (and c_n for LSTM), [layer * dirs + dir][b][k].
    let hN: [Double]
    let cN: [Double]?
    let loss: Double
    /// dL/d(parameter) by PyTorch name, e.g. "lstm.weight_ih_l1_reverse".
    let grads: [String: [Double]]
    /// dL/dh0 (and dL/dc0), [layer * dirs + dir][b][k].
    let dH0: [Double]
    let dC0: [Double]?
    /// dL/dx at real steps, [b][t < len_b][e].
    let dX: [Double]
}

let goldenCellLengths = %s

enum GoldenCells {
'''


STACK_HEADER = '''// Generated by scripts/golden_cells.py --stack (PyTorch %s, float64). Do
// not edit: rerun the script. As GoldenCellValues.swift, but the loss is
// sum c * out only (no h_n or c_n terms): what a network's loss sees.

enum GoldenStacks {
'''


def main():
    torch.set_default_dtype(torch.float64)
    args = [a for a in sys.argv[1:] if a != "--stack"]
    stack = "--stack" in sys.argv[1:]
    default = "Tests/ModelTests/GoldenStackValues.swift" if stack else "Tests/ModelTests/GoldenCellValues.swift"
    path = args[0] if args else default
    keys, body = [], []
    for cell in CELLS:
        module_name = "lstm" if cell == "lstm" else "gru" if cell == "gru" else "rnn"
        for layers in (1, 2):
            for bidirectional in (False, True):
                key = "%s_l%d_%s" % (cell, layers, "bi" if bidirectional else "uni")
                keys.append(key)
                body.append(swift_case(key, module_name, run_case(cell, layers, bidirectional, final_terms=not stack)))
    with open(path, "w") as f:
        if stack:
            f.write(STACK_HEADER % torch.__version__)
        else:
            f.write(HEADER % (torch.__version__, E, H, T, LENGTHS, LENGTHS))
        f.write("\n\n".join(body))
        name = "Stacks" if stack else "Cells"
        f.write("\n}\n\n/// Every case by name.\nlet golden%s: [String: GoldenCellCase] = [\n" % name)
        f.write("".join('    "%s": Golden%s.%s,\n' % (k, name, k) for k in keys))
        f.write("]\n")


if __name__ == "__main__":
    main()
