#!/usr/bin/env bash
# Throughput benchmark of rnntrain (make bench).
#
# Generates a 100,000-row synthetic corpus (seed 1) and a 1,000,000-row one
# if missing, and long-sequence corpora (lengths uniform in 5..30, 5..240 and
# 5..400: gradients through hundreds of steps decay into denormals, which
# must not slow training), then trains, each in its own process so peak
# memory is per run:
#   classify padded, classify bucketed, seq2seq bucketed, classify bucketed
#   on each long corpus, then the other architectures on the 100k corpus
#   (classify bucketed): LSTM, RNN, 2 GRU layers, bidirectional GRU,
#   layer-norm GRU and LSTM, bidirectional seq2seq, and charlm (the tutorial's
#   3-layer LSTM 100 on the first 200,000 characters of tiny-shakespeare, when
#   ../shared/data has it; SHAKESPEARE overrides the path)
# with the default model otherwise (embedding 64, hidden 64, batch 256, Adam), and prints
# sgemm GFLOP/s at the model's shapes (rnntrain bench-gemm) and one table:
# real (unpadded) training tokens/s as the median of the epochs after the
# first, the median epoch seconds, peak RSS, test accuracy (the tutorial's lr 1e-4 and 80/20 split, as the
# earlier tables; test figures every epoch), the share of the
# workers' time spent in matrix products (RNNTRAIN_TIME_BLAS: a clock around
# each cblas_sgemm and StepGEMM call, thread-seconds over threads x training+evaluation
# seconds), the share of training time in the gradient path (summing the
# workers' gradients, clipping, the optimizer step: GradientPath's clock),
# and the load time of the 1,000,000-row file.
#
# Large vocabulary: a 50,000-row corpus over a 100,000-word Zipf vocabulary
# (synth --vocab-size 100000), embedding = hidden = 128, trained with the
# dense Adam update and with --sparse-embedding (lazy Adam), interleaved
# (dense, sparse, dense, sparse) because the machine is noisy; the PyTorch
# peers are
#   scripts/pytorch_reference.py --data bench-data/synth-50k-v100k-seed1.csv --mode bucketed \
#       --vocab-size 100000 --embed 128 --hidden 128 --lr 1e-3 [--sparse-embedding]
#
# Compare with
# scripts/pytorch_reference.py on the same machine, one run after the other
# (machines are noisy: compare ratios).
#
# Environment: EPOCHS (default 4), THREADS (default: all cores), BIN,
# LONG_ROWS (rows of the 5..240 corpus, default 20000; 5..400 gets 3/5 of it).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
EPOCHS=${EPOCHS:-4}
THREADS=${THREADS:-$(nproc)}
LONG_ROWS=${LONG_ROWS:-20000}
DATA=bench-data/synth-100k-seed1.csv
BIG=bench-data/synth-1m-seed1.csv
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"
[ -f "$BIG" ] || "$BIN" synth --rows 1000000 --seed 1 --out "$BIG"
# Long corpora: about the same tokens per epoch as the 5..30 one.
long_data() { # max length, rows
    local f=bench-data/synth-len5-$1-$2rows-seed1.csv
    [ -f "$f" ] || "$BIN" synth --rows "$2" --seed 1 --min-len 5 --max-len "$1" --out "$f" 2>/dev/null
    echo "$f"
}
L30=$(long_data 30 $((LONG_ROWS * 7)))
L240=$(long_data 240 "$LONG_ROWS")
L400=$(long_data 400 $((LONG_ROWS * 3 / 5)))
VOCAB=bench-data/synth-50k-v100k-seed1.csv
[ -f "$VOCAB" ] || "$BIN" synth --rows 50000 --seed 1 --vocab-size 100000 --out "$VOCAB" 2>/dev/null

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

run_one() { # name, data, command args...
    local name=$1 data=$2; shift 2
    local out err
    out=$(mktemp); err=$(mktemp)
    RNNTRAIN_TIME_BLAS=1 "$BIN" "$@" --data "$data" --epochs "$EPOCHS" --lr "${LR:-1e-4}" --val-fraction 0 --threads "$THREADS" >"$out" 2>"$err"
    local tps secs rss acc blas path
    tps=$(grep '^Epoch' "$out" | tail -n +2 | sed -E 's/.* - ([0-9,]+) tok\/s$/\1/' | tr -d , | median)
    secs=$(grep '^Epoch' "$out" | tail -n +2 | sed -E 's/.* - ([0-9.]+) s - [0-9,]+ tok\/s$/\1/' | median)
    rss=$(sed -nE 's/^peak memory: ([0-9.]+) MB.*/\1/p' "$err")
    acc=$(grep '^Epoch' "$out" | tail -1 | sed -E 's/.*test acc(\/token)? ([0-9.]+).*/\2/')
    blas=$(sed -nE 's/^time in matrix products [^:]*: ([0-9.]+%).*/\1/p' "$err")
    path=$(sed -nE 's/^time in the gradient path [^:]*: ([0-9.]+%).*/\1/p' "$err")
    printf '| %-24s | %12s | %8s | %8s | %8s | %7s | %9s |\n' "$name" "$tps" "$secs" "$rss" "$acc" "${blas:-n/a}" "${path:-n/a}"
    rm -f "$out" "$err"
}

echo "rnntrain bench: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "$("$BIN" --version | tail -1); threads $THREADS; $EPOCHS epochs (tok/s and s: median of epochs 2..$EPOCHS)"
echo
"$BIN" bench-gemm
echo
printf '| %-24s | %12s | %8s | %8s | %8s | %7s | %9s |\n' "run" "tokens/s" "epoch s" "peak MB" "test acc" "GEMM" "grad path"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "--------------------------" "--------------" "----------" "----------" "----------" "---------" "-----------"
run_one "classify padded" "$DATA" classify
run_one "classify bucketed" "$DATA" classify --bucketed
run_one "seq2seq bucketed" "$DATA" seq2seq --bucketed
run_one "classify bkt len 5..30" "$L30" classify --bucketed
run_one "classify bkt len 5..240" "$L240" classify --bucketed --max-len 240
run_one "classify bkt len 5..400" "$L400" classify --bucketed --max-len 400
run_one "lstm bucketed" "$DATA" classify --bucketed --cell lstm
run_one "rnn bucketed" "$DATA" classify --bucketed --cell rnn
run_one "gru 2 layers bucketed" "$DATA" classify --bucketed --layers 2
run_one "gru bidir bucketed" "$DATA" classify --bucketed --bidirectional
run_one "gru layer norm bucketed" "$DATA" classify --bucketed --layer-norm
run_one "lstm layer norm bucketed" "$DATA" classify --bucketed --cell lstm --layer-norm
run_one "seq2seq bidir bucketed" "$DATA" seq2seq --bucketed --bidirectional
BIGV=(classify --bucketed --vocab-size 100000 --embed 128 --hidden 128)
for _ in 1 2; do
    LR=1e-3 run_one "100k vocab dense Adam" "$VOCAB" "${BIGV[@]}"
    LR=1e-3 run_one "100k vocab sparse (lazy)" "$VOCAB" "${BIGV[@]}" --sparse-embedding
done
# charlm: the tutorial's 3-layer LSTM 100 over the first 200,000 characters of
# tiny-shakespeare (when ../shared/data has it); tokens are characters, the
# accuracy column is the next-character accuracy on the held-out 10%.
SHAKESPEARE=${SHAKESPEARE:-../shared/data/tinyshakespeare.txt}
if [ -f "$SHAKESPEARE" ]; then
    head -c 200000 "$SHAKESPEARE" > bench-data/shakespeare-200k.txt
    out=$(mktemp); err=$(mktemp)
    RNNTRAIN_TIME_BLAS=1 "$BIN" charlm --text bench-data/shakespeare-200k.txt --epochs "$EPOCHS" --threads "$THREADS" \
        --sample-length 0 --metrics "$out.jsonl" --summary "$out.json" >"$out" 2>"$err"
    cps=$(grep '^Epoch' "$out" | tail -n +2 | sed -E 's/.* - ([0-9,]+) chars\/s$/\1/' | tr -d , | median)
    secs=$(grep -v '"final":true' "$out.jsonl" | tail -n +2 | sed -E 's/.*"seconds":([0-9.]+).*/\1/' | median)
    rss=$(sed -nE 's/^peak memory: ([0-9.]+) MB.*/\1/p' "$err")
    # The held-out end of the text is validation: the kept model's accuracy there.
    acc=$(sed -E 's/.*"val_accuracy":([0-9.]+).*/\1/' "$out.json" | cut -c1-6)
    blas=$(sed -nE 's/^time in matrix products [^:]*: ([0-9.]+%).*/\1/p' "$err")
    path=$(sed -nE 's/^time in the gradient path [^:]*: ([0-9.]+%).*/\1/p' "$err")
    printf '| %-24s | %12s | %8s | %8s | %8s | %7s | %9s |\n' "charlm 3x100 LSTM 200k ch" "$cps" "$secs" "$rss" "$acc" "${blas:-n/a}" "${path:-n/a}"
    rm -f "$out" "$err" "$out.jsonl" "$out.json"
fi
load=$("$BIN" padding-stats --data "$BIG" --batches 1 2>&1 >/dev/null | sed -nE 's/.* ([0-9.]+) MB in ([0-9.]+) s.*/\1 MB in \2 s/p')
echo
echo "load of $BIG (1,000,000 rows): $load"
