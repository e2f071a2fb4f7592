# rnntrain: the two commands are `make run` and `make test`.
#
#   make deps    install the system libraries (OpenBLAS, zlib, OpenMPI) if missing
#   make build   release build tuned for this CPU
#   make run     the main job: classify --bucketed on a synthetic corpus
#   make test    the test suite (release build: the numeric kernels are
#                ~1000x slower in debug)
#   make bench   throughput figures (tokens/s, epoch seconds, peak memory)
#   make bench-tfrecord  TFRecord vs CSV: load rates of 1M rows, training tokens/s
#   make sanitize  the test suite under AddressSanitizer, then ThreadSanitizer
#   make fuzz    every libFuzzer target for FUZZ_SECONDS each (scripts/fuzz.sh)

SWIFT      ?= swift
# -target-cpu native lets the SIMD gate kernels use the CPU's widest vectors.
SWIFTFLAGS ?= -c release -Xswiftc -target-cpu -Xswiftc native
BIN         = .build/release/rnntrain
RUN_DATA    = data/generated/synth-100k.csv
RUN_ARGS   ?= --bucketed --epochs 5

FUZZ_SECONDS ?= 600
FUZZ_TARGETS  = csv vocab safetensors flags posts tfrecord classlist chartext vectors

.PHONY: all deps build run test bench bench-tfrecord sanitize fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFTFLAGS) --product rnntrain

$(RUN_DATA): | build
	@mkdir -p $(dir $@)
	$(BIN) synth --rows 100000 --seed 1 --out $@ --vocab-out $(dir $@)vocab.txt

run: build $(RUN_DATA)
	$(BIN) classify --data $(RUN_DATA) $(RUN_ARGS)

test: deps
	$(SWIFT) build $(SWIFTFLAGS) --product rnntrain
	$(SWIFT) test $(SWIFTFLAGS)

bench: build
	scripts/bench.sh

bench-tfrecord: build
	scripts/bench_tfrecord.sh

# Separate build folders: sanitizer builds do not disturb the release build.
# The suite needs the plain release binary for its process tests. Leak
# checking is off for the suite: XCTest and Foundation's Process keep their
# test objects (about 85 KB, none allocated by rnntrain); the fuzz targets
# check the parsers for leaks on every input instead.
sanitize: build
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test $(SWIFTFLAGS) --sanitize=address --scratch-path .build-asan
	SWIFT_BACKTRACE=enable=no $(SWIFT) test $(SWIFTFLAGS) --sanitize=thread --scratch-path .build-tsan

fuzz: deps
	for t in $(FUZZ_TARGETS); do scripts/fuzz.sh $$t $(FUZZ_SECONDS) || exit 1; done

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz data/generated
