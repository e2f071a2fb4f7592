#!/usr/bin/env bash
# The cost of a fixed shard count (--shards S: the same bits on any threads
# and ranks) against one shard per thread, the same job (classify --bucketed
# on the 100,000-row synthetic corpus, seed 1, batch 256, default model),
# interleaved: every round runs every variant once, at each thread count, so
# all see the same machine load. The variants:
#   base     BASE_BIN (a build to compare with; skipped when unset), one shard per thread
#   split    BIN without --shards: one shard per thread
#   S=N      BIN --shards N, for N in SHARDS
# Prints each run's tokens/s (the median of the epochs after the first), its
# CPU seconds (user + system, the whole run: loading and evaluation too) and
# peak memory, the ratios to the first variant of its round and thread count
# (tokens/s, and CPU seconds: on a loaded machine the wall clock of a
# 2-thread run mostly measures the other jobs, the CPU time much less so), and
# the median ratios over the rounds.
#
# Environment: ROUNDS (default 3), EPOCHS (default 3), THREADS (default
# "2 1"), SHARDS (default "2 4 8"), TASK (classify or seq2seq), BIN,
# BASE_BIN, DATA (default the 100,000-row corpus), EXTRA (more flags).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
BASE_BIN=${BASE_BIN:-}
ROUNDS=${ROUNDS:-3}
EPOCHS=${EPOCHS:-3}
THREADS=${THREADS:-2 1}
SHARDS=${SHARDS:-2 4 8}
TASK=${TASK:-classify}
DATA=${DATA:-bench-data/synth-100k-seed1.csv}
read -r -a EXTRA <<<"${EXTRA:-}"
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"

speed() { grep '^Epoch' | tail -n +2 | sed 's/.* - \([0-9,]*\) tok\/s$/\1/' | tr -d , | sort -n \
          | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
memory() { sed -n 's/^peak memory: \([0-9.]*\) MB.*/\1/p' | tail -1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

variants=()
[ -n "$BASE_BIN" ] && variants+=(base)
variants+=(split)
for s in $SHARDS; do variants+=("S=$s"); done

log=$(mktemp)
ratios=$(mktemp)
cpu=$(mktemp)
trap 'rm -f "$log" "$ratios" "$cpu"' EXIT
for round in $(seq "$ROUNDS"); do
    for t in $THREADS; do
        line="round $round, $t thread(s), load $(cut -d' ' -f1 /proc/loadavg):"
        first=""; firstcpu=""
        for v in "${variants[@]}"; do
            bin=$BIN; shards=()
            [ "$v" = base ] && bin=$BASE_BIN
            [[ "$v" == S=* ]] && shards=(--shards "${v#S=}")
            /usr/bin/time -f '%U %S' -o "$cpu" "$bin" "$TASK" --data "$DATA" --bucketed --epochs "$EPOCHS" --threads "$t" \
                "${shards[@]}" "${EXTRA[@]}" >"$log" 2>&1
            s=$(speed <"$log"); m=$(memory <"$log"); c=$(awk '{printf "%.2f", $1 + $2}' "$cpu")
            [ -z "$first" ] && first=$s && firstcpu=$c
            r=$(awk -v a="$s" -v b="$first" 'BEGIN {printf "%.3f", a / b}')
            rc=$(awk -v a="$c" -v b="$firstcpu" 'BEGIN {printf "%.3f", a / b}')
            echo "$t $v $r $rc" >>"$ratios"
            line+=" $v $s tok/s ${c} CPU s ${m} MB ($r, CPU $rc);"
        done
        echo "$line"
    done
done
for t in $THREADS; do
    out="median ratio to ${variants[0]}, $t thread(s), tokens/s (CPU seconds):"
    for v in "${variants[@]}"; do
        out+=" $v $(awk -v t="$t" -v v="$v" '$1 == t && $2 == v {print $3}' "$ratios" | median)"
        out+=" ($(awk -v t="$t" -v v="$v" '$1 == t && $2 == v {print $4}' "$ratios" | median))"
    done
    echo "$out"
done
