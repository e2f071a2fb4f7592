#!/usr/bin/env bash
# Data-parallel cost on one machine: 2 MPI ranks x 1 thread against one
# process x 2 threads, the same job (classify --bucketed on the 100,000-row
# synthetic corpus, seed 1, batch 256, default model), interleaved A, B, A, B
# ... ROUNDS times so both see the same machine load. A third run, 2 ranks
# with --mca mpi_yield_when_idle 1 --bind-to none, shows what busy-polling
# and pinning each rank to a core cost on a shared machine. Prints each run's
# tokens/s (the median of the epochs after the first), the median ratio, and
# the bytes each rank received per step (dense and sparse), which
# scripts/scaling_model.py takes as its measured parts.
#
# Environment: ROUNDS (default 3), EPOCHS (default 3), BIN, MPIRUN.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
MPIRUN=${MPIRUN:-mpirun}
ROUNDS=${ROUNDS:-3}
EPOCHS=${EPOCHS:-3}
DATA=bench-data/synth-100k-seed1.csv
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ARGS=(classify --data "$DATA" --bucketed --epochs "$EPOCHS")

# Median tokens/s of the epoch lines after the first, from a log on stdin.
speed() { grep '^Epoch' | tail -n +2 | sed 's/.* - \([0-9,]*\) tok\/s$/\1/' | tr -d , | sort -n \
          | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
ratios=()
yields=()
for round in $(seq "$ROUNDS"); do
    "$MPIRUN" -np 2 "$BIN" "${ARGS[@]}" --threads 1 >"$log" 2>&1
    a=$(speed <"$log")
    [ "$round" = 1 ] && mpi_line=$(grep '^MPI:' "$log")
    "$BIN" "${ARGS[@]}" --threads 2 >"$log" 2>&1
    b=$(speed <"$log")
    "$MPIRUN" --mca mpi_yield_when_idle 1 --bind-to none -np 2 "$BIN" "${ARGS[@]}" --threads 1 >"$log" 2>&1
    c=$(speed <"$log")
    r=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')
    ry=$(awk -v c="$c" -v b="$b" 'BEGIN {printf "%.3f", c / b}')
    ratios+=("$r")
    yields+=("$ry")
    echo "round $round: 2 ranks x 1 thread $a tok/s, 1 process x 2 threads $b tok/s, 2 ranks yielding, unbound $c tok/s; ratios $r, $ry"
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "median ratio, 2 ranks / 1 process: $(printf '%s\n' "${ratios[@]}" | median); yielding, unbound: $(printf '%s\n' "${yields[@]}" | median)"
echo "$mpi_line"
