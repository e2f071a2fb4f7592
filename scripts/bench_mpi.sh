#!/usr/bin/env bash
# Data-parallel cost on one machine: 2 MPI ranks x 1 thread against one
# process x 2 threads, the same job (classify --bucketed on the 100,000-row
# synthetic corpus, seed 1, batch 256, default model), interleaved A, B, C,
# A, B, C ... ROUNDS times so all see the same machine load:
#   A  2 ranks, the optimizer step sharded over the ranks (the default)
#   B  1 process x 2 threads
#   C  2 ranks, every rank stepping the whole slab (RNNTRAIN_SHARDED_STEP=0)
# Prints each run's tokens/s (the median of the epochs after the first), the
# median ratios A/B, C/B and A/C, the load before each round (the 1-minute load
# average, which counts this script's own runs, and the processes of others
# running just before the round), and each
# variant's bytes received per step per rank; with RNNTRAIN_TIME_BLAS=1 in
# the environment also where rank 0's training time went (sgemm, the
# gradient path's stages) in the first round. scripts/scaling_model.py takes
# the dense and sparse bytes as its measured parts.
#
# Environment: ROUNDS (default 3), EPOCHS (default 3), BIN, MPIRUN, MPIFLAGS
# (extra mpirun options for A and C, e.g. "--mca mpi_yield_when_idle 1
# --bind-to none" on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/rnntrain}
MPIRUN=${MPIRUN:-mpirun}
ROUNDS=${ROUNDS:-3}
EPOCHS=${EPOCHS:-3}
read -r -a FLAGS <<<"${MPIFLAGS:-}"
DATA=bench-data/synth-100k-seed1.csv
mkdir -p bench-data
[ -f "$DATA" ] || "$BIN" synth --rows 100000 --seed 1 --out "$DATA"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ARGS=(classify --data "$DATA" --bucketed --epochs "$EPOCHS")

# Median tokens/s of the epoch lines after the first, from a log on stdin.
speed() { grep '^Epoch' | tail -n +2 | sed 's/.* - \([0-9,]*\) tok\/s$/\1/' | tr -d , | sort -n \
          | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# Other processes running right now (procs_running without this reader),
# the mean of 10 samples over a second: the load average lags and counts
# this script's own runs (2 busy cores).
others() { for _ in $(seq 10); do awk '/^procs_running/ {print $2 - 1}' /proc/stat; sleep 0.1; done \
           | awk '{s += $1} END {printf "%.1f", s / NR}'; }
details() { grep -E '^(MPI:|time in)' "$1" | sed "s/^/  $2: /" || true; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
sharded=()
whole=()
gain=()
notes=""
for round in $(seq "$ROUNDS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    busy=$(others)
    RNNTRAIN_SHARDED_STEP=1 "$MPIRUN" "${FLAGS[@]}" -np 2 "$BIN" "${ARGS[@]}" --threads 1 >"$log" 2>&1
    a=$(speed <"$log")
    [ "$round" = 1 ] && notes+=$(details "$log" A)$'\n'
    "$BIN" "${ARGS[@]}" --threads 2 >"$log" 2>&1
    b=$(speed <"$log")
    [ "$round" = 1 ] && notes+=$(details "$log" B)$'\n'
    RNNTRAIN_SHARDED_STEP=0 "$MPIRUN" "${FLAGS[@]}" -np 2 "$BIN" "${ARGS[@]}" --threads 1 >"$log" 2>&1
    c=$(speed <"$log")
    [ "$round" = 1 ] && notes+=$(details "$log" C)
    ra=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')
    rc=$(awk -v c="$c" -v b="$b" 'BEGIN {printf "%.3f", c / b}')
    rs=$(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.3f", a / c}')
    sharded+=("$ra")
    whole+=("$rc")
    gain+=("$rs")
    echo "round $round (load average $load, $busy other processes running): A 2 ranks sharded step $a tok/s, B 1 process x 2 threads $b tok/s, C 2 ranks whole step $c tok/s; A/B $ra, C/B $rc, A/C $rs"
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "median ratio to 1 process x 2 threads: sharded step $(printf '%s\n' "${sharded[@]}" | median), whole step on every rank $(printf '%s\n' "${whole[@]}" | median); sharded / whole $(printf '%s\n' "${gain[@]}" | median)"
printf '%s\n' "$notes" | grep -v '^$'
