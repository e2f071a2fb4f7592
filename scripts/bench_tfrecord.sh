#!/usr/bin/env bash
# TFRecord next to CSV (make bench-tfrecord):
#  1. load rate of the same 1,000,000 rows (synth --rows 1000000 --seed 1) as
#     CSV, as TFRecord and as GZIP TFRecord (both written by convert): file
#     MB, best and median load seconds over ROUNDS interleaved rounds
#     (CSV, TFRecord, .gz, CSV, ...), MB/s and sequences/s at the best;
#     the load is `padding-stats --data FILE`, whose first line says
#     "N rows, X MB in S s" (seconds to 0.01: the MB/s are +-2%).
#  2. training tokens/s from either format: the first TRAIN_ROWS rows of the
#     same corpus as CSV and as TFRecord, classify --bucketed for EPOCHS
#     epochs, the median tokens/s of the epochs after the first, ROUNDS
#     interleaved runs (CSV, TFRecord, CSV, ...), and their ratio.
# The machine is shared and noisy: read ratios from one run of this script.
#
# Environment: BIN, ROUNDS (default 3), TRAIN_ROWS (default 100000),
# EPOCHS (default 3), THREADS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
ROUNDS=${ROUNDS:-3}
TRAIN_ROWS=${TRAIN_ROWS:-100000}
EPOCHS=${EPOCHS:-3}
THREADS=${THREADS:-$(nproc)}
mkdir -p bench-data
BIG=bench-data/synth-1m-seed1.csv
SMALL=bench-data/synth-${TRAIN_ROWS}rows-seed1.csv
[ -f "$BIG" ] || "$BIN" synth --rows 1000000 --seed 1 --out "$BIG"
[ -f "$SMALL" ] || "$BIN" synth --rows "$TRAIN_ROWS" --seed 1 --out "$SMALL"
for f in "$BIG" "$SMALL"; do
    [ -f "${f%.csv}.tfrecord" ] || "$BIN" convert --data "$f" --out "${f%.csv}.tfrecord" 2>/dev/null
done
[ -f "${BIG%.csv}.tfrecord.gz" ] || "$BIN" convert --data "$BIG" --out "${BIG%.csv}.tfrecord.gz" 2>/dev/null

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
best() { sort -g | head -1; }

# Load seconds of FILE, appended to a per-format list.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FORMATS=(csv tfrecord tfrecord.gz)
for _ in $(seq "$ROUNDS"); do
    for fmt in "${FORMATS[@]}"; do
        file=${BIG%.csv}.$fmt
        "$BIN" padding-stats --data "$file" 2>&1 >/dev/null | sed -nE 's/^data: .* ([0-9,]+) rows, [0-9.]+ MB in ([0-9.]+) s.*/\1 \2/p' >>"$tmp/$fmt"
    done
done

echo "Load: ${BIG} (1,000,000 rows) per format, $ROUNDS interleaved rounds"
echo
printf '| %-12s | %8s | %9s | %10s | %7s | %14s |\n' format "file MB" "best s" "median s" "MB/s" "sequences/s"
printf '|%s|%s|%s|%s|%s|%s|\n' "--------------" "----------" "-----------" "------------" "---------" "----------------"
for fmt in "${FORMATS[@]}"; do
    file=${BIG%.csv}.$fmt
    bytes=$(stat -c %s "$file")
    rows=$(head -1 "$tmp/$fmt" | cut -d' ' -f1 | tr -d ,)
    b=$(cut -d' ' -f2 "$tmp/$fmt" | best)
    m=$(cut -d' ' -f2 "$tmp/$fmt" | median)
    awk -v f="$fmt" -v B="$bytes" -v r="$rows" -v b="$b" -v m="$m" 'BEGIN {
        printf "| %-12s | %8.1f | %9.2f | %10.2f | %7.0f | %14.0f |\n", f, B / 1e6, b, m, B / 1e6 / b, r / b }'
done

echo
echo "Training: classify --bucketed on the first $TRAIN_ROWS rows, $EPOCHS epochs, $THREADS threads, $ROUNDS interleaved runs per format"
echo "(tokens/s: median of the epochs after the first, per run)"
echo
for _ in $(seq "$ROUNDS"); do
    for fmt in csv tfrecord; do
        "$BIN" classify --data "${SMALL%.csv}.$fmt" --bucketed --epochs "$EPOCHS" --threads "$THREADS" --quiet 2>/dev/null \
            | grep '^Epoch' >"$tmp/epochs"
        tail -n +2 "$tmp/epochs" | sed -E 's/.* - ([0-9,]+) tok\/s$/\1/' | tr -d , | median >>"$tmp/train-$fmt"
        # The epoch lines without their timing: the same from either format.
        sed -E 's/ - [0-9.]+ s - [0-9,]+ tok\/s$//' "$tmp/epochs" >>"$tmp/lines-$fmt"
    done
done
printf '| %-10s | %-40s | %14s |\n' format "tokens/s per run" "median"
printf '|%s|%s|%s|\n' "------------" "------------------------------------------" "----------------"
for fmt in csv tfrecord; do
    printf '| %-10s | %-40s | %14s |\n' "$fmt" "$(tr '\n' ' ' <"$tmp/train-$fmt")" "$(median <"$tmp/train-$fmt")"
done
awk 'NR==FNR {c[NR]=$1; next} {t[FNR]=$1} END {s=""; for (i in t) s=s sprintf(" %.3f", t[i]/c[i]); print "\ntfrecord/csv tokens/s per round:" s}' \
    "$tmp/train-csv" "$tmp/train-tfrecord"
if cmp -s "$tmp/lines-csv" "$tmp/lines-tfrecord"; then
    echo "same losses and accuracies from either format: yes"
else
    echo "same losses and accuracies from either format: NO"; diff "$tmp/lines-csv" "$tmp/lines-tfrecord" || true
fi
