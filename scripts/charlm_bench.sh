#!/usr/bin/env bash
# rnntrain charlm against the PyTorch reference (scripts/charlm_reference.py)
# on the same text and settings; not part of make test.
#
#   scripts/charlm_bench.sh [TEXT] [parity|speed|generate|all|equal-time|families]
#
# parity:   per-epoch training (and validation) loss and seconds, the
#           tutorial's configuration (3-layer LSTM 100, batch 32, 200 steps,
#           Adam 1e-4, 3 epochs, whole text as the tutorial) and a stronger one
#           (2-layer LSTM 256, Adam 2e-3, keep 0.75 between layers, 10% held
#           out, 2 epochs), rnntrain then PyTorch.
# speed:    characters/s of one epoch over the first 200,000 characters,
#           rnntrain and PyTorch interleaved (A B A B), at 1 and 2 threads
#           (PyTorch at 2 threads once: with other processes on the cores its
#           two threads collapse).
# equal-time: the best validation loss in 10 minutes each (SECONDS_LIMIT),
#           2-layer LSTM 256 for both, one after the other.
# generate: characters/s of rnntrain generate (one stream).
# families: the tutorial's network on the first 200,000 characters, 2
#           threads each, ROUNDS (3) interleaved rounds: rnntrain under every
#           register kernel family this CPU runs, then PyTorch; the median
#           loop rates, the ratio to PyTorch and the share of the family's
#           FMA peak on 2 cores (FLOPs: 6 x the multiply-adds of PyTorch's
#           dense formulation per character; peak: the family's best
#           bench-gemm figure, one core, times 2).
# TEXT defaults to ../shared/data/tinyshakespeare.txt. PyTorch is
# /opt/torchenv/bin/python unless PYTHON says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:-../shared/data/tinyshakespeare.txt}
what=${2:-all}
py=${PYTHON:-/opt/torchenv/bin/python}
bin=.build/release/rnntrain
out=${OUT:-/tmp/charlm-bench}
mkdir -p "$out"
tutorial=(--layers 3 --hidden 100 --batch-size 32 --window 200 --lr 1e-4 --epochs 3 --val-fraction 0)
strong=(--layers 2 --hidden 256 --batch-size 32 --window 200 --lr 2e-3 --epochs 2 --val-fraction 0.1 --layer-keep 0.75)

if [[ $what == parity || $what == all ]]; then
    for cfg in tutorial strong; do
        declare -n args=$cfg
        echo "== $cfg: ${args[*]}"
        /usr/bin/time -f "rnntrain wall %e s, max RSS %M KB" $bin charlm --text "$text" "${args[@]}" --sample-length 0 --quiet \
            --save "$out/$cfg.safetensors" --metrics "$out/$cfg.jsonl" --run-name "rnntrain $cfg"
        /usr/bin/time -f "PyTorch wall %e s, max RSS %M KB" "$py" scripts/charlm_reference.py "$text" "${args[@]}" --threads 1 \
            --metrics "$out/$cfg.jsonl" --run-name "PyTorch $cfg"
    done
fi

if [[ $what == speed || $what == all ]]; then
    # Each run under /usr/bin/time: characters trained per second of wall
    # time and per CPU-second (user + system; less sensitive to other
    # processes on the machine). PyTorch's CPU-seconds exclude `import torch`,
    # measured once here.
    head -c 200000 "$text" > "$out/head.txt"
    imp=$( { /usr/bin/time -f "%U %S" "$py" -c "import torch" ; } 2>&1 | tail -1 | awk '{print $1 + $2}')
    echo "import torch: $imp CPU-s (subtracted from PyTorch's CPU time)"
    # The last column is the training loop's own rate, from the tool's epoch
    # line (no process start, no `import torch`, no text loading): the
    # figure to compare; the wall rate includes PyTorch's ~1.5 s of start-up.
    measure() { # label, chars, command...
        local label=$1 chars=$2; shift 2
        local t loop
        t=$( { /usr/bin/time -f "%e %U %S" "$@" > "$out/measure.log"; } 2>&1 | tail -1)
        loop=$(grep '^Epoch' "$out/measure.log" | tail -1 | sed -E 's/.* - ([0-9,]+) chars\/s.*/\1/' | tr -d ,)
        echo "$label $t ${loop:-0}" | awk -v c="$chars" -v imp="$imp" '{cpu = $5 + $6 - ($1 == "PyTorch" ? imp : 0);
            printf "%-16s %7.1f s wall %7.0f chars/s   %7.1f CPU-s %7.0f chars/CPU-s   loop %7.0f chars/s\n", $1" "$2" "$3, $4, c / $4, cpu, c / cpu, $7}'
    }
    for cfg in tutorial strong; do
        declare -n args=$cfg
        chars=$(( (200000 / 32 - 1) / 200 * 200 * 32 ))
        echo "== speed, $cfg, first 200,000 characters ($chars trained), 1 epoch"
        for round in 1 2; do
            for threads in 1 2; do
                measure "rnntrain t$threads r$round" $chars $bin charlm --text "$out/head.txt" "${args[@]}" --epochs 1 --val-fraction 0 \
                    --threads $threads --sample-length 0 --quiet
                # PyTorch's two threads collapse when other processes share the cores: once, tutorial only.
                [[ $threads == 2 && ( $round == 2 || $cfg == strong ) ]] && continue
                measure "PyTorch t$threads r$round" $chars "$py" scripts/charlm_reference.py "$out/head.txt" "${args[@]}" --epochs 1 \
                    --val-fraction 0 --threads $threads
            done
        done
    done
fi

if [[ $what == families ]]; then
    head -c 200000 "$text" > "$out/head.txt"
    tut=(--layers 3 --hidden 100 --batch-size 32 --window 200 --lr 1e-4 --epochs 1 --val-fraction 0)
    chars=$(( (200000 / 32 - 1) / 200 * 200 * 32 ))
    families=$($bin --version | sed -n 's/.*this CPU runs //p' | tr -d , | sed 's/ *blas//')
    vocab=$(( $(LC_ALL=C.UTF-8 grep -o . "$out/head.txt" | sort -u | wc -l) + 1 ))   # and the line break
    flops=$(( 6 * (3 * 4 * 100 * (100 + 100) + 100 * vocab) ))
    $bin bench-gemm --seconds 0.2 > "$out/gemm.txt"
    loop() { grep '^Epoch' "$1" | tail -1 | sed -E 's/.* - ([0-9,]+) chars\/s.*/\1/' | tr -d ,; }
    for round in $(seq 1 "${ROUNDS:-3}"); do
        for f in $families; do
            RNNTRAIN_KERNELS=$f $bin charlm --text "$out/head.txt" "${tut[@]}" --threads 2 --sample-length 0 --quiet > "$out/f.log" 2>&1
            echo "$f $(loop "$out/f.log")" >> "$out/families.txt"
        done
        "$py" scripts/charlm_reference.py "$out/head.txt" "${tut[@]}" --threads 2 > "$out/f.log" 2>&1
        echo "PyTorch $(loop "$out/f.log")" >> "$out/families.txt"
    done
    echo "tutorial network (3-layer LSTM 100), $chars characters, 2 threads each, ${ROUNDS:-3} interleaved rounds; $flops FLOP/character"
    median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
    torch=$(awk '$1 == "PyTorch" {print $2}' "$out/families.txt" | median)
    printf "%-9s %12s %8s %10s %8s\n" tool "chars/s" "vs torch" "GFLOP/s" "of peak"
    for f in $families; do
        rate=$(awk -v f="$f" '$1 == f {print $2}' "$out/families.txt" | median)
        col=$(awk -v f="$f" 'NR == 2 {for (i = 1; i <= NF; i++) if ($i == f) print i - 5}' "$out/gemm.txt")   # sgemm is 1
        peak=$(awk -v c="$col" 'NR > 2 {v = $(2 * c); if (v > m) m = v} END {print m}' "$out/gemm.txt")
        echo "$f $rate $torch $flops $peak" | awk '{g = $2 * $4 / 1e9; printf "%-9s %12.0f %7.2fx %10.1f %7.0f%%\n", $1, $2, $2 / $3, g, 100 * g / (2 * $5)}'
    done
    echo "$torch $flops" | awk '{printf "%-9s %12.0f %8s %10.1f\n", "PyTorch", $1, "1.00x", $1 * $2 / 1e9}'
    rm -f "$out/families.txt"
fi

if [[ $what == equal-time ]]; then
    # Best validation loss within SECONDS_LIMIT (default 600) seconds, one run
    # after the other: rnntrain (two workers) is stopped by SIGINT after that
    # much wall time (its last finished epoch counts), PyTorch (PT_THREADS,
    # default 1: its faster setting on a shared machine) by --time-limit
    # after that much training time (the model it reached is evaluated).
    # PINNED=1 runs both at once instead, each on its own core with one
    # thread (taskset), so both see the same machine state for the same ten
    # minutes: the fair form on a machine other work shares.
    seconds=${SECONDS_LIMIT:-600}
    rm -f "$out/equal.jsonl" "$out/equal-rnntrain.jsonl" "$out/equal-pytorch.jsonl"
    model=(--layers 2 --hidden 256 --lr 2e-3 --layer-keep 0.75 --epochs 1000)
    if [[ ${PINNED:-0} == 1 ]]; then
        run_rnntrain=(taskset -c 0 $bin); rnn_threads=(--threads 1); run_py=(taskset -c 1 "$py"); pt_threads=1
    else
        run_rnntrain=($bin); rnn_threads=(); run_py=("$py"); pt_threads=${PT_THREADS:-1}
    fi
    timeout -s INT "$seconds" "${run_rnntrain[@]}" charlm --text "$text" "${model[@]}" "${rnn_threads[@]}" \
        --save "$out/shakespeare.safetensors" --save-best --metrics "$out/equal-rnntrain.jsonl" \
        --run-name "rnntrain 2x256 LSTM" > "$out/equal-rnntrain.log" 2>&1 &
    if [[ ${PINNED:-0} != 1 ]]; then wait; fi
    "${run_py[@]}" scripts/charlm_reference.py "$text" "${model[@]}" \
        --threads "$pt_threads" --time-limit "$seconds" --metrics "$out/equal-pytorch.jsonl" --run-name "PyTorch 2x256 LSTM" \
        > "$out/equal-pytorch.log" 2>&1
    wait
    grep -h -E '^(Epoch|lowest|interrupted)' "$out/equal-rnntrain.log" || true
    tail -n 5 "$out/equal-pytorch.log"
    cat "$out/equal-rnntrain.jsonl" "$out/equal-pytorch.jsonl" > "$out/equal.jsonl"
    $bin plot "$out/equal.jsonl" --time --title "tiny-shakespeare, 2x256 LSTM, equal time" --out "$out/equal.svg" || true
fi

if [[ $what == generate || $what == all ]]; then
    # One stream, 100,000 characters at temperature 0.8 from each model the
    # parity runs saved (and the equal-time run's): wall and CPU seconds.
    for model in "$out"/tutorial.safetensors "$out"/strong.safetensors "$out"/shakespeare.safetensors; do
        [[ -f $model ]] || continue
        t=$( { /usr/bin/time -f "%e %U %S" $bin generate --model "$model" --prime "ROMEO:" --length 100000 --temperature 0.8 \
            > "${model%.safetensors}-generated.txt"; } 2>&1 | tail -1)
        echo "$(basename "$model") $t" | awk '{printf "generate %-24s 100,000 characters: %.1f s wall (%.0f chars/s), %.1f CPU-s (%.0f chars/CPU-s)\n",
            $1, $2, 100000 / $2, $3 + $4, 100000 / ($3 + $4)}'
    done
fi
