# dxltie: build, test and demo entry points. `make test` is the command CI runs.
CARGO      ?= cargo
TARGET_DIR ?= $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || echo target)
LIBDIR     := $(TARGET_DIR)/debug
BUILD      := build
SOMAJOR    := $(shell sed -n 's/^version = "\([0-9]*\)\..*/\1/p' Cargo.toml | head -1)
CFLAGS_C   := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -pedantic -g -Iinclude
CFLAGS_CXX := -x c++ -std=c++17 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -Iinclude
LDFLAGS    := -L$(LIBDIR) -Wl,-rpath,$(abspath $(LIBDIR)) -ldxltie -lpthread -ldl -lm
C_TESTS    := $(basename $(notdir $(wildcard tests-c/*.c)))
EXAMPLES   := $(basename $(notdir $(wildcard examples-c/*.c)))

.PHONY: all lib header test test-rust test-python test-c c-programs examples deps demo fabric clean fuzz-short

all: lib

## The shared and static libraries, with the SONAME link next to them.
lib:
	$(CARGO) build --lib
	ln -sf libdxltie.so $(LIBDIR)/libdxltie.so.$(SOMAJOR)

## Refresh the committed header from the one the build generates.
header: lib
	cp "$$(ls -t $(LIBDIR)/build/dxltie-*/out/dxltie.h | head -1)" include/dxltie.h

## Everything CI checks: system packages, the C programs, then every Rust test (which runs the
## C programs against a real broker, also under valgrind and AddressSanitizer).
test: deps c-programs test-rust test-python fuzz-short

deps:
	bash scripts/setup-deps.sh

## The library's and the fabric's tests (the workspace).
test-rust:
	$(CARGO) test --workspace --all-targets

## The Python binding (pytest, with the C++ wrapper's test) against mosquitto and the real
## dxltieclient; DXLTIE_STRICT turns a skipped test into a failure.
test-python: lib
	bash scripts/setup-venv.sh
	DXLTIE_STRICT=1 DXLTIE_LIBRARY=$(abspath $(LIBDIR))/libdxltie.so .venv/bin/python -m pytest bindings/python/tests -q

## A short coverage-guided fuzzing run of each decoder (fuzz/, stable Rust); a crash fails it.
## The long run is in fuzz/README.md.
fuzz-short:
	FUZZ_TARGET_DIR=$(TARGET_DIR)/fuzz bash scripts/fuzz.sh 20

## Each C test program built three times: C11, C++, and C11 with AddressSanitizer; each example
## as C11 and C++.
c-programs: lib examples $(foreach t,$(C_TESTS),$(BUILD)/$(t) $(BUILD)/$(t)-cxx $(BUILD)/$(t)-asan)

examples: lib $(foreach e,$(EXAMPLES),$(BUILD)/examples/$(e) $(BUILD)/examples/$(e)-cxx)

$(BUILD)/examples/%: examples-c/%.c include/dxltie.h | lib
	@mkdir -p $(BUILD)/examples
	$(CC) $(CFLAGS_C) -o $@ $< $(LDFLAGS)

$(BUILD)/examples/%-cxx: examples-c/%.c include/dxltie.h | lib
	@mkdir -p $(BUILD)/examples
	$(CXX) $(CFLAGS_CXX) -o $@ $< $(LDFLAGS)

## The C programs that need no broker, run directly.
test-c: c-programs
	./$(BUILD)/config_test && ./$(BUILD)/config_test-cxx && ./$(BUILD)/config_test-asan

$(BUILD)/%-asan: tests-c/%.c include/dxltie.h tests-c/check.h | lib
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -fsanitize=address -fno-omit-frame-pointer -o $@ $< $(LDFLAGS)

$(BUILD)/%: tests-c/%.c include/dxltie.h tests-c/check.h | lib
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -o $@ $< $(LDFLAGS)

$(BUILD)/%-cxx: tests-c/%.c include/dxltie.h tests-c/check.h | lib
	@mkdir -p $(BUILD)
	$(CXX) $(CFLAGS_CXX) -o $@ $< $(LDFLAGS)

## The README's demo: a local fabric (dxltie-fabric), the C detection example receiving events,
## a reputation query; needs only the Rust toolchain and a C compiler.
demo: lib fabric $(BUILD)/examples/basic_detection_callback_example $(BUILD)/examples/basic_get_reputation_example
	FABRIC=$(TARGET_DIR)/debug/dxltie-fabric EXAMPLES=$(BUILD)/examples bash scripts/demo.sh

fabric:
	$(CARGO) build -p dxltie-fabric

## Benchmarks against the reference Python client and mosquitto_sub, written to BENCHMARKS.md
## (bench/): the release library, the C bench program (-O2), the venv, then the driver. Not
## part of `make test`: benchmarks assert no time. BENCH_RUNS=3 etc. override the settings
## (bench/driver/main.rs).
BENCH_LIBDIR := $(TARGET_DIR)/release
.PHONY: bench
bench: deps
	$(CARGO) build --release --lib --example bench
	ln -sf libdxltie.so $(BENCH_LIBDIR)/libdxltie.so.$(SOMAJOR)
	@mkdir -p $(BUILD)/bench
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -Werror -pedantic -Iinclude -o $(BUILD)/bench/bench \
	  bench/bench.c -L$(BENCH_LIBDIR) -Wl,-rpath,$(abspath $(BENCH_LIBDIR)) -ldxltie -lpthread -ldl -lm
	BENCH_BIN=$(abspath $(BUILD))/bench/bench BENCH_LIB=$(abspath $(BENCH_LIBDIR))/libdxltie.so \
	  $(BENCH_LIBDIR)/examples/bench

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
