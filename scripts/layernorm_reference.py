#!/usr/bin/env python3
"""Reference layer-normalised LSTM and GRU (PyTorch, explicit time loops) and
the golden values of Tests/ModelTests/GoldenLayerNormTests.swift.

The cells are rnntrain's `LayerNormLSTM` and `LayerNormGRU` (Ba et al. 2016;
see the doc comments of Sources/Model/Layers/LayerNorm*.swift), with
LN(a) = gain * (a - mean a) / sqrt(var a + 1e-5) + shift over each gate block
of H values (biased variance):

  LSTM (gates i|f|g|o):  p = LN_ih(W_ih x) + LN_hh(W_hh h) + bias
                         c' = sig(f) c + sig(i) tanh(g)        (unnormalised c' carried)
                         h' = sig(o) tanh(LN_c(c'))
  GRU  (gates r|z|n):    gi = LN_ih(W_ih x) + bias_ih,  gh = LN_hh(W_hh h) + bias_hh
                         r = sig(gi_r + gh_r), z = sig(gi_z + gh_z)
                         n = tanh(gi_n + r gh_n),  h' = (1 - z) n + z h

Parameter names equal rnntrain's tensor names without the module prefix
(`weight_ih_l0`, `ln_hh_bias_l1_reverse`, ...), so a module holding a
`LayerNormRNN` as attribute `lstm` (or `gru`) loads an rnntrain checkpoint's
tensors of that cell with `load_state_dict(strict=True)`. Several layers and
the reverse direction follow nn.LSTM/nn.GRU: layer k > 0 reads the
concatenated directions; the reverse direction of row b runs from its own
last token (t = len_b - 1) down to 0.

Golden values: `python scripts/layernorm_reference.py [out.swift]` (default
Tests/ModelTests/GoldenLayerNormValues.swift), float64, PyTorch CPU. Four
cases: each cell with E=3, H=5 (every gradient written out) and with E=4,
H=66 (a full 64-wide chunk plus a partial one; gradients as checksums
sum_i g[i] cos(0.37 i + 0.5) over the flat index). Weights, gains, shifts,
biases, inputs and start states come from the closed-form formulas below
(repeated in the Swift test); padding positions of x hold 100.0, so a leak
would show. Loss: L = sum over real steps of coef * output + sum of d * h_n.
"""
import math
import sys

import torch
from torch import nn


def layer_norm(a, blocks, gain, shift, eps=1e-5):
    """One layer norm per block of a's last dimension (blocks * H values)."""
    shape = a.shape
    v = a.reshape(*shape[:-1], blocks, shape[-1] // blocks)
    mean = v.mean(-1, keepdim=True)
    var = ((v - mean) ** 2).mean(-1, keepdim=True)
    return ((v - mean) / torch.sqrt(var + eps)).reshape(shape) * gain + shift


class LayerNormRNN(nn.Module):
    """Layer-normalised LSTM or GRU over padded batches with lengths."""

    def __init__(self, cell, input_size, hidden_size, num_layers=1, bidirectional=False):
        super().__init__()
        assert cell in ("lstm", "gru")
        self.cell, self.hidden, self.layers = cell, hidden_size, num_layers
        self.dirs = 2 if bidirectional else 1
        g = (4 if cell == "lstm" else 3) * hidden_size
        for k in range(num_layers):
            for d in range(self.dirs):
                sfx = "_l%d%s" % (k, "_reverse" if d else "")
                inp = input_size if k == 0 else self.dirs * hidden_size
                shapes = [("weight_ih", (g, inp)), ("weight_hh", (g, hidden_size))]
                shapes += [("bias", (g,))] if cell == "lstm" else [("bias_ih", (g,)), ("bias_hh", (g,))]
                shapes += [("ln_ih_weight", (g,)), ("ln_ih_bias", (g,)), ("ln_hh_weight", (g,)), ("ln_hh_bias", (g,))]
                if cell == "lstm":
                    shapes += [("ln_c_weight", (hidden_size,)), ("ln_c_bias", (hidden_size,))]
                for name, shape in shapes:
                    self.register_parameter(name + sfx, nn.Parameter(torch.zeros(shape)))
        self.reset_parameters()

    def reset_parameters(self):
        """rnntrain's initialisation: weights U(+-1/sqrt(H)), gains 1, shifts and biases 0."""
        k = 1 / math.sqrt(self.hidden)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith("weight_"):
                    p.uniform_(-k, k)
                elif "_weight_" in name:
                    p.fill_(1.0)
                else:
                    p.zero_()

    def p(self, base, k, d):
        return getattr(self, "%s_l%d%s" % (base, k, "_reverse" if d else ""))

    def step(self, k, d, x, h, c):
        """One step of layer k, direction d, for one row: x [in], h, c [H]."""
        H, P = self.hidden, lambda base: self.p(base, k, d)
        if self.cell == "lstm":
            pre = (layer_norm(P("weight_ih") @ x, 4, P("ln_ih_weight"), P("ln_ih_bias"))
                   + layer_norm(P("weight_hh") @ h, 4, P("ln_hh_weight"), P("ln_hh_bias")) + P("bias"))
            i, f, g, o = torch.sigmoid(pre[:H]), torch.sigmoid(pre[H:2 * H]), torch.tanh(pre[2 * H:3 * H]), torch.sigmoid(pre[3 * H:])
            c = f * c + i * g
            return o * torch.tanh(layer_norm(c, 1, P("ln_c_weight"), P("ln_c_bias"))), c
        gi = layer_norm(P("weight_ih") @ x, 3, P("ln_ih_weight"), P("ln_ih_bias")) + P("bias_ih")
        gh = layer_norm(P("weight_hh") @ h, 3, P("ln_hh_weight"), P("ln_hh_bias")) + P("bias_hh")
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
        n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
        return (1 - z) * n + z * h, c

    def forward(self, x, lengths, h0, c0=None):
        """x [B, T, in] (padding ignored), lengths [B], h0/c0 [layers*dirs, B, H].
        Returns out [B, T, dirs*H] (zero at padding), h_n, c_n (None for GRU)."""
        B, T, _ = x.shape
        hn, cn, inp = [], [], x
        for k in range(self.layers):
            outs = []
            for d in range(self.dirs):
                idx = k * self.dirs + d
                rows_out, rows_h, rows_c = [], [], []
                for b in range(B):
                    h = h0[idx, b]
                    c = c0[idx, b] if c0 is not None else torch.zeros_like(h)
                    steps = range(lengths[b]) if d == 0 else range(lengths[b] - 1, -1, -1)
                    ys = [torch.zeros(self.hidden, dtype=x.dtype)] * T
                    for t in steps:
                        h, c = self.step(k, d, inp[b, t], h, c)
                        ys[t] = h
                    rows_out.append(torch.stack(ys))
                    rows_h.append(h)
                    rows_c.append(c)
                outs.append(torch.stack(rows_out))
                hn.append(torch.stack(rows_h))
                cn.append(torch.stack(rows_c))
            inp = torch.cat(outs, dim=2)
        return inp, torch.stack(hn), (torch.stack(cn) if self.cell == "lstm" else None)


# Closed-form values (repeated in Tests/ModelTests/GoldenLayerNormTests.swift).
def param_value(base, i):
    """Value of element i (flat index) of the tensor named `base` (no prefix or _l0)."""
    q = {"ln_ih": 1, "ln_hh": 2, "ln_c": 3}
    if base == "weight_ih": return 0.3 * math.sin(0.7 * i + 0.1)
    if base == "weight_hh": return 0.3 * math.cos(0.5 * i + 0.2)
    if base in ("bias", "bias_ih"): return 0.1 * math.sin(1.3 * i)
    if base == "bias_hh": return 0.1 * math.cos(0.9 * i)
    if base.endswith("_weight"): return 1 + 0.2 * math.sin(0.37 * i + q[base[:-7]])
    return 0.1 * math.cos(0.41 * i + q[base[:-5]])       # ln_*_bias


def x_val(b, t, e, T, E): return math.sin(0.3 * (b * T * E + t * E + e) + 0.5)
def coef(b, t, k, T, H): return math.cos(0.2 * (b * T * H + t * H + k))
def h0_val(b, k): return 0.2 * math.sin(k + 1 + b)
def c0_val(b, k): return 0.3 * math.cos(0.7 * k + b)
def d_val(b, k, H): return 0.5 * math.sin(0.9 * (b * H + k) + 0.3)
def checksum(g): return sum(v * math.cos(0.37 * i + 0.5) for i, v in enumerate(g.reshape(-1).tolist()))


def golden_case(cell, E, H, lengths):
    B, T = len(lengths), max(lengths)
    m = LayerNormRNN(cell, E, H)
    with torch.no_grad():
        for name, p in m.named_parameters():
            base = name[:-3]
            p.copy_(torch.tensor([param_value(base, i) for i in range(p.numel())]).reshape(p.shape))
    x = torch.tensor([[[x_val(b, t, e, T, E) if t < lengths[b] else 100.0 for e in range(E)]
                       for t in range(T)] for b in range(B)], requires_grad=True)
    h0 = torch.tensor([[[h0_val(b, k) for k in range(H)] for b in range(B)]], requires_grad=True)
    c0 = torch.tensor([[[c0_val(b, k) for k in range(H)] for b in range(B)]], requires_grad=True)
    out, hn, cn = m(x, lengths, h0, c0 if cell == "lstm" else None)
    cf = torch.tensor([[[coef(b, t, k, T, H) if t < lengths[b] else 0.0 for k in range(H)]
                        for t in range(T)] for b in range(B)])
    dv = torch.tensor([[d_val(b, k, H) for k in range(H)] for b in range(B)])
    loss = (cf * out).sum() + (dv * hn[0]).sum()
    loss.backward()
    pad = sum(x.grad[b, lengths[b]:].abs().sum().item() for b in range(B))
    assert pad == 0.0, "gradient reached padding positions"
    real = lambda a: [a[b, t, j].item() for b in range(B) for t in range(lengths[b]) for j in range(a.shape[2])]
    return dict(outputs=real(out), hN=hn[0].reshape(-1).tolist(),
                cN=cn[0].reshape(-1).tolist() if cn is not None else [], loss=loss.item(),
                grads={cell + "." + n: p.grad.reshape(-1).tolist() for n, p in m.named_parameters()},
                checksums={cell + "." + n: checksum(p.grad) for n, p in m.named_parameters()},
                dh0=h0.grad.reshape(-1).tolist(), dc0=c0.grad.reshape(-1).tolist() if cell == "lstm" else [],
                dx=real(x.grad))


def swift(name, case, full):
    arr = lambda v: "[" + ", ".join(repr(float(a)) for a in v) + "]"
    grads = ("[" + ", ".join('"%s": %s' % (k, arr(v)) for k, v in case["grads"].items()) + "]") if full else "[:]"
    sums = "[" + ", ".join('"%s": %r' % (k, v) for k, v in case["checksums"].items()) + "]"
    return ("let %s = LayerNormGolden(\n    outputs: %s,\n    hN: %s,\n    cN: %s,\n    loss: %r,\n"
            "    grads: %s,\n    checksums: %s,\n    dh0: %s,\n    dc0: %s,\n    dx: %s)\n") % (
        name, arr(case["outputs"]), arr(case["hN"]), arr(case["cN"]), case["loss"], grads, sums,
        arr(case["dh0"]), arr(case["dc0"]), arr(case["dx"]))


def main():
    torch.set_default_dtype(torch.float64)
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/ModelTests/GoldenLayerNormValues.swift"
    parts = ["// Generated by scripts/layernorm_reference.py (PyTorch %s, float64). Do not edit.\n"
             "// outputs, dx: [b][t < len_b][k]; hN, cN, dh0, dc0: [b][k]; grads: flat, by tensor name.\n"
             % torch.__version__]
    for cell in ("lstm", "gru"):
        parts.append(swift("goldenLayerNorm%sSmall" % cell.upper(), golden_case(cell, 3, 5, [5, 3, 3, 1]), True))
        parts.append(swift("goldenLayerNorm%sWide" % cell.upper(), golden_case(cell, 4, 66, [4, 2, 1]), False))
    with open(path, "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
