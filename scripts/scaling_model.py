#!/usr/bin/env python3
"""Data-parallel scaling on paper, from parts measured on this machine.

Model: M machines (each like this one: one rank x 2 threads), global batch G
rows split evenly. Per step
  compute   t_c = (G / M) * tokens_per_row / tokens_per_second, of which the
            optimizer step over the whole slab, t_s (a fixed cost: its
            share of one machine's step at batch 256), divides by M only
            when the step is sharded; otherwise every machine pays all of it
  dense     ring allreduce of the whole gradient slab (P floats)
  sparse    ring allgather of each machine's touched embedding-row ids,
            then a ring allreduce of the union's rows plus the dense tensors
            after the embedding table
  ring allreduce of N bytes: 2 (M-1) alpha + 2 (M-1)/M N / bandwidth
  ring allgather of N bytes in all: (M-1) alpha + (M-1)/M N / bandwidth
  efficiency = t_c / (t_c + t_comm + extra step)   (no overlap: rnntrain
            reduces after the backward pass, then steps; extra step is
            t_s (1 - 1/M) unless sharded)
The distinct token ids of a batch (the union's rows) are counted on the
corpus itself: random batches of G rows, and of G/M rows per machine (a
batch larger than the corpus counts the whole corpus: the union saturates
near the vocabulary).

Measured parts (defaults: the README's `make bench` table and
scripts/bench_mpi.sh on a 2-core machine; see the README's "Scaling out"):
tokens/s of one process x 2 threads (classify bucketed), and the parameter
count of the default model (embedding 10000 x 64, GRU 64, 6
classes). rnntrain itself sums in rank order (exact and deterministic), in
one of two ways, each a column:
  sharded   the dense update (the default): an all-to-all of the packed
            sparse gradient, each machine receiving its span's share
            ((M-1)/M of it, M-1 messages), then an allgather of the updated
            parameters ((M-1)/M of the dense slab); the optimizer step is
            split over the machines, as the compute figure assumes
  gather    a sparse embedding update: an allgather of every machine's
            packed gradient ((M-1) of it per machine: the same bytes as a
            ring at M = 2, (M-1)/2 times more beyond); a fixed-order ring
            reduce-scatter is the step to take before going past a few
            machines

Usage: scripts/scaling_model.py [--data CSV] [--tokens-per-second X] ...
"""
import argparse
import csv
import random


def read_rows(path):
    rows = []
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            ids = rec["as_numbers"].strip("[]").replace(",", " ").split()
            rows.append([int(t) for t in ids])
    return rows


def distinct(rows, size, rng, samples=8):
    size = min(size, len(rows))
    total = 0
    for _ in range(samples):
        seen = set()
        for r in rng.sample(rows, size):
            seen.update(r)
        total += len(seen)
    return total / samples


def ring_allreduce(nbytes, m, bw, alpha):
    return 2 * (m - 1) * alpha + 2 * (m - 1) / m * nbytes / bw


def ring_allgather(nbytes_all, m, bw, alpha):
    return (m - 1) * alpha + (m - 1) / m * nbytes_all / bw


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="bench-data/synth-100k-seed1.csv")
    ap.add_argument("--tokens-per-second", type=float, default=811155.0,
                    help="one machine (1 process x 2 threads): classify bucketed in the README's make bench table")
    ap.add_argument("--vocab", type=int, default=10000)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--params", type=int, default=665414, help="parameters of the model (the slab)")
    ap.add_argument("--alpha-us", type=float, default=25.0, help="latency per message, microseconds")
    ap.add_argument("--step-share", type=float, default=0.11,
                    help="the optimizer step's share of one machine's step at batch 256 (perf: Adam ~11%%)")
    ap.add_argument("--target", type=float, default=0.9)
    a = ap.parse_args()

    rng = random.Random(1)
    rows = read_rows(a.data)
    tokens_per_row = sum(len(r) for r in rows) / len(rows)
    table = a.vocab * a.embed
    tail = a.params - table
    machines = [2, 4, 8, 16, 32, 64]
    cache = {}

    def union(size):
        if size not in cache:
            cache[size] = distinct(rows, size, rng)
        return cache[size]

    def step(g, m, gbit):
        bw, alpha = gbit * 1e9 / 8, a.alpha_us * 1e-6
        t_c = (g / m) * tokens_per_row / a.tokens_per_second
        # Every machine steps the whole slab unless the step is sharded.
        extra = a.step_share * 256 * tokens_per_row / a.tokens_per_second * (1 - 1 / m)
        dense = ring_allreduce(4 * a.params, m, bw, alpha) + extra
        ids = 4 * m * union(max(g // m, 1))
        sparse = ring_allgather(ids, m, bw, alpha) + ring_allreduce(4 * (union(g) * a.embed + tail), m, bw, alpha) + extra
        packed = 4 * (union(g) * a.embed + tail)
        gather = (m - 1) * alpha + (m - 1) * packed / bw + ring_allgather(ids, m, bw, alpha) + extra
        sharded = ring_allgather(ids, m, bw, alpha) + ring_allgather(packed, m, bw, alpha) + ring_allgather(4 * a.params, m, bw, alpha)
        return t_c, dense, sparse, gather, sharded

    def eff(t_c, t):
        return t_c / (t_c + t)

    def smallest(m, gbit, which):
        size = 256
        while size <= 1 << 20:
            parts = step(size, m, gbit)
            if eff(parts[0], parts[which]) >= a.target:
                return f"{size:,}"
            size *= 2
        return f">{size // 2:,}"

    print(f"corpus {a.data}: {len(rows)} rows, {tokens_per_row:.1f} tokens per row; "
          f"{a.tokens_per_second:,.0f} tokens/s per machine; {a.params:,} parameters "
          f"({4 * a.params:,} bytes dense); latency {a.alpha_us:g} us per message; the optimizer step "
          f"{1000 * a.step_share * 256 * tokens_per_row / a.tokens_per_second:.2f} ms per machine unless sharded")
    print(f"distinct token ids per batch: 256 rows {union(256):,.0f}, 1024 rows {union(1024):,.0f}, "
          f"4096 rows {union(4096):,.0f} (sparse bytes at 256 rows: {4 * (union(256) * a.embed + tail):,.0f})")
    for gbit in (10, 100):
        print(f"\n{gbit} Gbit/s, global batch 256 (the one-process hyperparameters); efficiency of a ring allreduce, dense / sparse, and "
              f"as implemented: sharded (dense update) / gather (sparse embedding update); smallest global batch (rows) at which "
              f"dense ring, sparse ring and sharded stay >= {a.target:.0%}")
        print(f"{'machines':>8}  {'compute ms':>10}  {'dense':>6}  {'sparse':>6}  {'sharded':>7}  {'gather':>6}"
              f"  {'dense 90% at':>13}  {'sparse 90% at':>13}  {'sharded 90% at':>14}")
        for m in machines:
            t_c, d, s, g, z = step(256, m, gbit)
            print(f"{m:>8}  {1000 * t_c:>10.2f}  {eff(t_c, d):>6.1%}  {eff(t_c, s):>6.1%}  {eff(t_c, z):>7.1%}  {eff(t_c, g):>6.1%}  "
                  f"{smallest(m, gbit, 1):>13}  {smallest(m, gbit, 2):>13}  {smallest(m, gbit, 4):>14}")

if __name__ == "__main__":
    main()
