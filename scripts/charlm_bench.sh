#!/usr/bin/env bash
# rnntrain charlm against the PyTorch reference (scripts/charlm_reference.py)
# on the same text and settings; not part of make test.
#
#   scripts/charlm_bench.sh [TEXT] [parity|speed|generate|all|equal-time]
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
tutorial=(--layers 3 --hidden 100 --batch-size 32 --steps 200 --lr 1e-4 --epochs 3 --val-fraction 0)
strong=(--layers 2 --hidden 256 --batch-size 32 --steps 200 --lr 2e-3 --epochs 2 --val-fraction 0.1 --layer-keep 0.75)

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
    head -c 200000 "$text" > "$out/head.txt"
    for cfg in tutorial strong; do
        declare -n args=$cfg
        echo "== speed, $cfg, first 200,000 characters, 1 epoch"
        for round in 1 2; do
            for threads in 1 2; do
                echo -n "round $round, rnntrain $threads thread(s): "
                $bin charlm --text "$out/head.txt" "${args[@]}" --epochs 1 --val-fraction 0 --threads $threads --sample-length 0 --quiet | grep -o '[0-9,]* chars/s'
                # PyTorch's two threads collapse when other processes share the cores: once, tutorial only.
                [[ $threads == 2 && ( $round == 2 || $cfg == strong ) ]] && continue
                echo -n "round $round, PyTorch  $threads thread(s): "
                "$py" scripts/charlm_reference.py "$out/head.txt" "${args[@]}" --epochs 1 --val-fraction 0 --threads $threads | grep -o '[0-9,]* chars/s'
            done
        done
    done
fi

if [[ $what == equal-time ]]; then
    # Best validation loss within SECONDS (default 600) of training, each on
    # both cores: rnntrain is stopped by SIGINT (its last finished epoch
    # counts), PyTorch by --time-limit (the model it reached is evaluated).
    seconds=${SECONDS_LIMIT:-600}
    rm -f "$out/equal.jsonl"
    timeout -s INT "$seconds" $bin charlm --text "$text" --layers 2 --hidden 256 --lr 2e-3 --layer-keep 0.75 --epochs 1000 \
        --save "$out/shakespeare.safetensors" --save-best --metrics "$out/equal.jsonl" --plot "$out/equal.svg" \
        --run-name "rnntrain 2x256 LSTM" || true
    "$py" scripts/charlm_reference.py "$text" --layers 2 --hidden 256 --lr 2e-3 --layer-keep 0.75 --epochs 1000 \
        --threads "${PT_THREADS:-1}" --time-limit "$seconds" --metrics "$out/equal.jsonl" --run-name "PyTorch 2x256 LSTM"
    $bin plot "$out/equal.jsonl" --out "$out/equal.svg" || true
fi

if [[ $what == generate || $what == all ]]; then
    model=$out/tutorial.safetensors
    [[ -f $model ]] || $bin charlm --text "$out/head.txt" --epochs 1 --quiet --sample-length 0 --save "$model"
    for cfg in tutorial strong; do
        [[ -f $out/$cfg.safetensors ]] || continue
        start=$(date +%s.%N)
        $bin generate --model "$out/$cfg.safetensors" --prime "ROMEO:" --length 100000 --temperature 0.8 > "$out/$cfg-generated.txt"
        end=$(date +%s.%N)
        echo "generate ($cfg model): 100,000 characters in $(echo "$end - $start" | bc) s"
    done
fi
