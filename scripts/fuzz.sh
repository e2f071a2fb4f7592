#!/usr/bin/env bash
# Builds and runs one libFuzzer target under AddressSanitizer.
#
#   scripts/fuzz.sh TARGET [SECONDS]      TARGET: csv vocab safetensors flags posts tfrecord classlist chartext vectors
#
# The library targets are compiled with coverage instrumentation
# (-sanitize=fuzzer,address) into .build-fuzz/, the harness
# Tests/Fuzz/TARGET.swift is linked against them, and libFuzzer runs for
# SECONDS (default 600) from the seed corpus Tests/Fuzz/seeds/TARGET, keeping
# what it learns in .build-fuzz/corpus/TARGET. An input slower than 1 s or
# needing more than 2 GB is a failure like a crash; crashing inputs land in
# .build-fuzz/artifacts/TARGET/ (copy them to Tests/Fuzz/regressions/TARGET/,
# which the test suite replays).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-600}
harness=Tests/Fuzz/$target.swift
[ -f "$harness" ] || { echo "no fuzz target $target (Tests/Fuzz/*.swift)" >&2; exit 64; }
scripts/install-deps.sh
scratch=.build-fuzz
flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -target-cpu -Xswiftc native)
swift build -c release --scratch-path "$scratch" --target RNNTrainCLI "${flags[@]}" >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
objects=$(find "$bin"/CPUSupport.build "$bin"/MPIShim.build "$bin"/TensorCore.build "$bin"/Corpus.build "$bin"/Model.build \
    "$bin"/Cluster.build "$bin"/RNNTrainCLI.build -name '*.o')
mkdir -p "$scratch/fuzzers" "$scratch/corpus/$target" "$scratch/artifacts/$target"
swiftc -O -parse-as-library -sanitize=fuzzer,address -target-cpu native \
    -I "$bin/Modules" -I "$bin" -Xcc -fmodule-map-file=Sources/CBLAS/module.modulemap \
    -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap -Xcc -I -Xcc Sources/CPUSupport/include \
    -Xcc -fmodule-map-file=Sources/CMPI/module.modulemap -Xcc -I -Xcc Sources/MPIShim/include \
    $(pkg-config --cflags-only-I ompi-c | sed "s/-I/-Xcc -I/g") \
    "$harness" $objects $(pkg-config --libs openblas) $(pkg-config --libs ompi-c) -lz -o "$scratch/fuzzers/$target"
seeds=Tests/Fuzz/seeds/$target
[ -d "$seeds" ] || seeds=
# Swift's own crash reporter would trip AddressSanitizer: let libFuzzer report.
export SWIFT_BACKTRACE=enable=no
exec "$scratch/fuzzers/$target" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$target/" "$scratch/corpus/$target" $seeds
