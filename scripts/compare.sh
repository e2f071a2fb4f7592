#!/usr/bin/env bash
# rnntrain against PyTorch on the same machine, interleaved so that both see
# the same machine state (these machines are noisy: compare ratios).
#
# For each run (classify padded, classify bucketed, seq2seq bucketed,
# classify bucketed on corpora of lengths 5..240 and 5..400, and the other
# architectures, classify bucketed on DATA: LSTM, RNN, 2 GRU layers,
# bidirectional GRU, and seq2seq with a bidirectional GRU) and each of
# ROUNDS rounds, trains rnntrain for EPOCHS epochs and then
# scripts/pytorch_reference.py for TORCH_EPOCHS epochs on the same corpus,
# once per PyTorch denormal mode in TORCH_FLUSH ("off": PyTorch's default,
# "on": torch.set_flush_denormal(True), which rnntrain always does), and
# prints the median real tokens/s of the epochs after each run's first, and
# the ratios.
#
# FAMILIES (a list of kernel families, e.g. "avx512 avx2 portable"; default
# the one RNNTRAIN_KERNELS or auto picks) gives rnntrain a column per family,
# each run inside every round; ONLY (e.g. "classify bucketed,seq2seq
# bucketed") keeps the runs named.
#
# Environment: ROUNDS (2), EPOCHS (3), TORCH_EPOCHS (3), THREADS (all cores),
# TORCH_FLUSH ("off on"), LONG_ROWS (rows of the 5..240 corpus, 5000; 5..400
# gets 3/5 of it; 0 leaves the long runs out), ARCH (1; 0 leaves the other
# architectures out), DATA (the 5..30 corpus, default the 100,000-row one),
# BIN, PYTHON.
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
TORCH_FLUSH=${TORCH_FLUSH:-off on}
LONG_ROWS=${LONG_ROWS:-5000}
ARCH=${ARCH:-1}
DATA=${DATA:-bench-data/synth-100k-seed1.csv}
FAMILIES=${FAMILIES:-${RNNTRAIN_KERNELS:-auto}}
ONLY=${ONLY:-}
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 1; }
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"
long_data() { # max length, rows
    local f=bench-data/synth-len5-$1-$2rows-seed1.csv
    [ -f "$f" ] || "$BIN" synth --rows "$2" --seed 1 --min-len 5 --max-len "$1" --out "$f" 2>/dev/null
    echo "$f"
}
# name:command:flag:PyTorch mode:data:max length:model flags (both tools)
runs=("classify padded:classify::padded:$DATA:30:" "classify bucketed:classify:--bucketed:bucketed:$DATA:30:"
      "seq2seq bucketed:seq2seq:--bucketed:seq2seq:$DATA:30:")
if [ "$LONG_ROWS" -gt 0 ]; then
    runs+=("classify bkt 5..240:classify:--bucketed:bucketed:$(long_data 240 "$LONG_ROWS"):240:"
           "classify bkt 5..400:classify:--bucketed:bucketed:$(long_data 400 $((LONG_ROWS * 3 / 5))):400:")
fi
if [ "$ARCH" -gt 0 ]; then
    runs+=("lstm bucketed:classify:--bucketed:bucketed:$DATA:30:--cell lstm"
           "rnn bucketed:classify:--bucketed:bucketed:$DATA:30:--cell rnn"
           "gru 2 layers bucketed:classify:--bucketed:bucketed:$DATA:30:--layers 2"
           "gru bidir bucketed:classify:--bucketed:bucketed:$DATA:30:--bidirectional"
           "seq2seq bidir bucketed:seq2seq:--bucketed:seq2seq:$DATA:30:--bidirectional")
fi

later_epochs() { grep '^Epoch' | tail -n +2 | sed -E 's/.* - ([0-9,]+) tok\/s$/\1/' | tr -d ,; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "rnntrain vs PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'): $(nproc) cores, $THREADS threads each," \
     "$ROUNDS interleaved rounds, median tokens/s of epochs after the first"
echo "rnntrain: $("$BIN" --version | tail -2 | tr "\n" " ")"
echo "PyTorch flush denormal (torch.set_flush_denormal): $TORCH_FLUSH"
echo
header="| $(printf '%-22s' run) |"; rule="|------------------------|"
for k in $FAMILIES; do header+=" $(printf '%15s' "rnntrain $k") |"; rule+="-----------------|"; done
for f in $TORCH_FLUSH; do
    header+=" $(printf '%15s' "PyTorch FTZ $f") |"; rule+="-----------------|"
    for k in $FAMILIES; do header+=" $(printf '%14s' "$k ratio") |"; rule+="----------------|"; done
done
echo "$header"; echo "$rule"
for run in "${runs[@]}"; do
    IFS=: read -r name cmd flag mode data maxlen model <<<"$run"
    [[ -z $ONLY || ",$ONLY," == *",$name,"* ]] || continue
    declare -A ours=() theirs=()
    for k in $FAMILIES; do ours[$k]=$(mktemp); done
    for f in $TORCH_FLUSH; do theirs[$f]=$(mktemp); done
    for _ in $(seq "$ROUNDS"); do
        for k in $FAMILIES; do
            # shellcheck disable=SC2086
            RNNTRAIN_KERNELS=$k "$BIN" "$cmd" $flag $model --data "$data" --max-len "$maxlen" --epochs "$EPOCHS" --lr 1e-4 --val-fraction 0 \
                --threads "$THREADS" --quiet 2>/dev/null | later_epochs >>"${ours[$k]}"
        done
        for f in $TORCH_FLUSH; do
            # shellcheck disable=SC2086
            "$PYTHON" scripts/pytorch_reference.py --data "$data" --max-len "$maxlen" --mode "$mode" $model --epochs "$TORCH_EPOCHS" \
                --threads "$THREADS" --flush-denormal "$f" 2>/dev/null | later_epochs >>"${theirs[$f]}"
        done
    done
    line="| $(printf '%-22s' "$name") |"
    declare -A a=()
    for k in $FAMILIES; do a[$k]=$(median <"${ours[$k]}"); line+=" $(printf '%15.0f' "${a[$k]}") |"; rm -f "${ours[$k]}"; done
    for f in $TORCH_FLUSH; do
        b=$(median <"${theirs[$f]}")
        line+=" $(printf '%15.0f' "$b") |"
        for k in $FAMILIES; do line+=" $(printf '%13.1fx' "$(awk -v a="${a[$k]}" -v b="$b" 'BEGIN {print a / b}')") |"; done
        rm -f "${theirs[$f]}"
    done
    echo "$line"
done
