#!/usr/bin/env bash
# rnntrain against PyTorch on the same machine, interleaved so that both see
# the same machine state (these machines are noisy: compare ratios).
#
# For each run (classify padded, classify bucketed, seq2seq bucketed) and
# each of ROUNDS rounds, trains rnntrain for EPOCHS epochs and then
# scripts/pytorch_reference.py for TORCH_EPOCHS epochs on the same 100,000-row
# corpus, and prints the median real tokens/s of the epochs after each run's
# first, and their ratio.
#
# Needs a Python with torch: PYTHON=/path/to/venv/bin/python (see the header
# of scripts/pytorch_reference.py). Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
PYTHON=${PYTHON:-python3}
ROUNDS=${ROUNDS:-2}
EPOCHS=${EPOCHS:-3}
TORCH_EPOCHS=${TORCH_EPOCHS:-3}
THREADS=${THREADS:-$(nproc)}
DATA=bench-data/synth-100k-seed1.csv
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 1; }
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"

later_epochs() { grep '^Epoch' | tail -n +2 | sed -E 's/.* - ([0-9,]+) tok\/s$/\1/' | tr -d ,; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "rnntrain vs PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'): $(nproc) cores, $THREADS threads each," \
     "$ROUNDS interleaved rounds, median tokens/s of epochs after the first"
echo
printf '| %-18s | %14s | %14s | %6s |\n' "run" "rnntrain tok/s" "PyTorch tok/s" "ratio"
printf '|%s|%s|%s|%s|\n' "--------------------" "----------------" "----------------" "--------"
for run in "classify padded:classify::padded" "classify bucketed:classify:--bucketed:bucketed" "seq2seq bucketed:seq2seq:--bucketed:seq2seq"; do
    IFS=: read -r name cmd flag mode <<<"$run"
    ours=$(mktemp); theirs=$(mktemp)
    for _ in $(seq "$ROUNDS"); do
        # shellcheck disable=SC2086
        "$BIN" "$cmd" $flag --data "$DATA" --epochs "$EPOCHS" --threads "$THREADS" --quiet 2>/dev/null | later_epochs >>"$ours"
        "$PYTHON" scripts/pytorch_reference.py --data "$DATA" --mode "$mode" --epochs "$TORCH_EPOCHS" \
            --threads "$THREADS" 2>/dev/null | later_epochs >>"$theirs"
    done
    a=$(median <"$ours"); b=$(median <"$theirs")
    printf '| %-18s | %14.0f | %14.0f | %5.1fx |\n' "$name" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')"
    rm -f "$ours" "$theirs"
done
