#!/usr/bin/env bash
# Throughput benchmark of rnntrain (make bench).
#
# Generates a 100,000-row synthetic corpus (seed 1) and a 1,000,000-row one
# if missing, then trains, each in its own process so peak memory is per run:
#   classify padded, classify bucketed, seq2seq bucketed
# with the default model (embedding 64, GRU 64, batch 256, Adam), and prints
# one table: real (unpadded) training tokens/s as the median of the epochs
# after the first, the median epoch seconds, peak RSS, and the load time of
# the 1,000,000-row file. Compare with scripts/pytorch_reference.py on the
# same machine, one run after the other (machines are noisy: compare ratios).
#
# Environment: EPOCHS (default 4), THREADS (default: all cores), BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
EPOCHS=${EPOCHS:-4}
THREADS=${THREADS:-$(nproc)}
DATA=bench-data/synth-100k-seed1.csv
BIG=bench-data/synth-1m-seed1.csv
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"
[ -f "$BIG" ] || "$BIN" synth --rows 1000000 --seed 1 --out "$BIG"

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

run_one() { # name, command args...
    local name=$1; shift
    local out err
    out=$(mktemp); err=$(mktemp)
    "$BIN" "$@" --data "$DATA" --epochs "$EPOCHS" --threads "$THREADS" >"$out" 2>"$err"
    local tps secs rss acc
    tps=$(grep '^Epoch' "$out" | tail -n +2 | sed -E 's/.* - ([0-9,]+) tok\/s$/\1/' | tr -d , | median)
    secs=$(grep '^Epoch' "$out" | tail -n +2 | sed -E 's/.* - ([0-9.]+) s - [0-9,]+ tok\/s$/\1/' | median)
    rss=$(sed -nE 's/^peak memory: ([0-9.]+) MB.*/\1/p' "$err")
    acc=$(grep '^Epoch' "$out" | tail -1 | sed -E 's/.*test acc(\/token)? ([0-9.]+).*/\2/')
    printf '| %-18s | %12s | %8s | %8s | %8s |\n' "$name" "$tps" "$secs" "$rss" "$acc"
    rm -f "$out" "$err"
}

echo "rnntrain bench: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "$("$BIN" --version | tail -1); threads $THREADS; $EPOCHS epochs on $DATA (tok/s and s: median of epochs 2..$EPOCHS)"
echo
printf '| %-18s | %12s | %8s | %8s | %8s |\n' "run" "tokens/s" "epoch s" "peak MB" "test acc"
printf '|%s|%s|%s|%s|%s|\n' "--------------------" "--------------" "----------" "----------" "----------"
run_one "classify padded" classify
run_one "classify bucketed" classify --bucketed
run_one "seq2seq bucketed" seq2seq --bucketed
load=$("$BIN" padding-stats --data "$BIG" --batches 1 2>&1 >/dev/null | sed -nE 's/.* ([0-9.]+) MB in ([0-9.]+) s.*/\1 MB in \2 s/p')
echo
echo "load of $BIG (1,000,000 rows): $load"
