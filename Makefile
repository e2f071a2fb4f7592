# rnntrain: the two commands are `make run` and `make test`.
#
#   make deps    install OpenBLAS (libopenblas-dev) if it is missing
#   make build   release build tuned for this CPU
#   make run     the main job: classify --bucketed on a synthetic corpus
#   make test    the test suite (release build: the numeric kernels are
#                ~1000x slower in debug)
#   make bench   throughput figures (tokens/s, epoch seconds, peak memory)

SWIFT      ?= swift
# -target-cpu native lets the SIMD gate kernels use the CPU's widest vectors.
SWIFTFLAGS ?= -c release -Xswiftc -target-cpu -Xswiftc native
BIN         = .build/release/rnntrain
RUN_DATA    = data/generated/synth-100k.csv
RUN_ARGS   ?= --bucketed --epochs 5

.PHONY: all deps build run test bench clean

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

clean:
	rm -rf .build data/generated
