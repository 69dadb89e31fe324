# dxltie: build, test and demo entry points. `make test` is the command CI runs.
CARGO      ?= cargo
TARGET_DIR ?= $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || echo target)
DEBUG_LIBDIR := $(TARGET_DIR)/debug
BUILD      := build
VERSION    := $(shell sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -1)
## The ABI version in the SONAME (libdxltie.so.$(SOVERSION)), as build.rs and cargo-c count it:
## the major version from 1.0 on, 0.<minor> for 0.y.z (where Cargo's semver lets a minor release
## break), 0.0.<patch> for 0.0.z.
SOVERSION  := $(shell echo $(VERSION) | awk -F. '{ if ($$1 > 0) print $$1; else if ($$2 > 0) print "0." $$2; else print "0.0." $$3 }')
CFLAGS_C   := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -pedantic -g -Iinclude
CFLAGS_CXX := -x c++ -std=c++17 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -Iinclude
LDFLAGS    := -L$(DEBUG_LIBDIR) -Wl,-rpath,$(abspath $(DEBUG_LIBDIR)) -ldxltie -lpthread -ldl -lm
C_TESTS    := $(basename $(notdir $(wildcard tests-c/*.c)))
EXAMPLES   := $(basename $(notdir $(wildcard examples-c/*.c)))

.PHONY: all lib header test test-rust test-python test-c c-programs examples deps demo fabric clean fuzz-short

all: lib

## The debug shared and static libraries. Cargo owns the real file, libdxltie.so (it replaces it
## at each build); programs linked with -ldxltie record its SONAME, libdxltie.so.$(SOVERSION), so
## that name is a link to it. `make install` lays out a release the usual way round.
lib:
	$(CARGO) build --lib
	ln -sfn libdxltie.so $(DEBUG_LIBDIR)/libdxltie.so.$(SOVERSION)

## Refresh the committed header from the one the build generates.
header: lib
	cp "$$(ls -t $(DEBUG_LIBDIR)/build/dxltie-*/out/dxltie.h | head -1)" include/dxltie.h

## Everything CI checks: system packages, the C programs, then every Rust test (which runs the
## C programs against a real broker, also under valgrind and AddressSanitizer).
test: deps lint c-programs test-rust test-python test-install test-wheel fuzz-short

deps:
	bash scripts/setup-deps.sh

## The library's and the fabric's tests (the workspace).
test-rust:
	$(CARGO) test --workspace --all-targets

## Clippy on every target of the workspace, warnings as errors (src/lib.rs denies unsafe blocks
## without a `// SAFETY:` comment), and rustfmt.
.PHONY: lint
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

## The Python binding (pytest, with the C++ wrapper's test) against mosquitto and the real
## dxltieclient; DXLTIE_STRICT turns a skipped test into a failure.
test-python: lib
	bash scripts/setup-venv.sh
	DXLTIE_STRICT=1 DXLTIE_LIBRARY=$(abspath $(DEBUG_LIBDIR))/libdxltie.so .venv/bin/python -m pytest bindings/python/tests -q

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

$(BUILD)/%-asan: tests-c/%.c include/dxltie.h tests-c/check.h tests-c/counters.h | lib
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -fsanitize=address -fno-omit-frame-pointer -o $@ $< $(LDFLAGS)

$(BUILD)/%: tests-c/%.c include/dxltie.h tests-c/check.h tests-c/counters.h | lib
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -o $@ $< $(LDFLAGS)

$(BUILD)/%-cxx: tests-c/%.c include/dxltie.h tests-c/check.h tests-c/counters.h | lib
	@mkdir -p $(BUILD)
	$(CXX) $(CFLAGS_CXX) -o $@ $< $(LDFLAGS)

## The README's demo: a local fabric (dxltie-fabric), the C detection example receiving events,
## a reputation query; needs only the Rust toolchain and a C compiler.
demo: lib fabric $(BUILD)/examples/basic_detection_callback_example $(BUILD)/examples/basic_get_reputation_example
	FABRIC=$(TARGET_DIR)/debug/dxltie-fabric EXAMPLES=$(BUILD)/examples bash scripts/demo.sh

fabric:
	$(CARGO) build -p dxltie-fabric

## Benchmarks against the reference Python client and mosquitto_sub, written to BENCHMARKS.md
## (bench/): the release library (with line tables), the C bench program (-O2), the venv, then
## the driver. Not part of `make test`: benchmarks assert no time. BENCH_RUNS=3 etc. override the settings
## (bench/driver/main.rs).
## The bench-release profile (Cargo.toml) is the release code with line tables for perf.
BENCH_LIBDIR := $(TARGET_DIR)/bench-release
.PHONY: bench
bench: deps
	$(CARGO) build --profile bench-release --lib --example bench
	ln -sfn libdxltie.so $(BENCH_LIBDIR)/libdxltie.so.$(SOVERSION)
	@mkdir -p $(BUILD)/bench
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -Werror -pedantic -Iinclude -o $(BUILD)/bench/bench \
	  bench/bench.c -L$(BENCH_LIBDIR) -Wl,-rpath,$(abspath $(BENCH_LIBDIR)) -ldxltie -lpthread -ldl -lm
	BENCH_BIN=$(abspath $(BUILD))/bench/bench BENCH_LIB=$(abspath $(BENCH_LIBDIR))/libdxltie.so \
	  $(BENCH_LIBDIR)/examples/bench

## Installing the C library (README "Install"): a release build, staged in $(STAGE), then copied.
##   make install [PREFIX=/usr/local] [LIBDIR=$(PREFIX)/lib] [INCLUDEDIR=$(PREFIX)/include] [DESTDIR=]
## gives $(LIBDIR)/libdxltie.so.$(VERSION) with the libdxltie.so.$(SOVERSION) (SONAME) and libdxltie.so
## links, libdxltie.a (one object exporting only dxltie_*: scripts/localize-static.sh), the header,
## $(LIBDIR)/pkgconfig/dxltie.pc and $(LIBDIR)/cmake/dxltie/ (find_package(dxltie)).
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/dxltie
RELEASE_DIR  := $(TARGET_DIR)/release
STAGE        := $(BUILD)/install-stage
INSTALL      ?= install
.PHONY: install install-files uninstall install-stage test-install

## The release libraries, and the system libraries the static one needs as rustc prints them
## (`--print native-static-libs`; cargo replays the note when nothing is rebuilt, and if its
## message cache lacks it, the crate is rebuilt once).
RELEASE_BUILD = $(CARGO) rustc --release --lib -- --print native-static-libs >$(STAGE)/cargo-release.log 2>&1 \
	  || { cat $(STAGE)/cargo-release.log >&2; exit 1; }; \
	  sed -n 's/^note: native-static-libs: //p' $(STAGE)/cargo-release.log | tail -1 >$(STAGE)/native-static-libs
install-stage:
	@mkdir -p $(STAGE)
	@echo "cargo rustc --release --lib (log: $(STAGE)/cargo-release.log)"
	@$(RELEASE_BUILD)
	@test -s $(STAGE)/native-static-libs || { $(CARGO) clean --release -p dxltie && $(RELEASE_BUILD); }
	@test -s $(STAGE)/native-static-libs || { echo "no native-static-libs note from rustc" >&2; exit 1; }
	@echo "native-static-libs: $$(cat $(STAGE)/native-static-libs)"
	cp $(RELEASE_DIR)/libdxltie.so $(STAGE)/libdxltie.so.$(VERSION)
	bash scripts/localize-static.sh $(RELEASE_DIR)/libdxltie.a $(RELEASE_DIR)/libdxltie.so $(STAGE)/libdxltie.a
	rustc --print cfg | sed -n 's/^target_pointer_width="\(.*\)"/\1/p' >$(STAGE)/pointer-width

install: install-stage
	@$(MAKE) --no-print-directory install-files

## Only the copying, from what install-stage left (e.g. `make install-stage` as yourself, then
## `sudo make install-files`).
install-files:
	@test -f $(STAGE)/libdxltie.a || { echo "nothing staged: run make install-stage first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 755 $(STAGE)/libdxltie.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdxltie.so.$(VERSION)
	$(if $(filter-out $(VERSION),$(SOVERSION)),ln -sfn libdxltie.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdxltie.so.$(SOVERSION))
	ln -sfn libdxltie.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libdxltie.so
	$(INSTALL) -m 644 $(STAGE)/libdxltie.a $(DESTDIR)$(LIBDIR)/libdxltie.a
	$(INSTALL) -m 644 include/dxltie.h $(DESTDIR)$(INCLUDEDIR)/dxltie.h
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	    -e 's|@VERSION@|$(VERSION)|' \
	    -e "s|@LIBS_PRIVATE@|$$(cat $(STAGE)/native-static-libs)|" \
	    packaging/dxltie.pc.in >$(STAGE)/dxltie.pc
	$(INSTALL) -m 644 $(STAGE)/dxltie.pc $(DESTDIR)$(PKGCONFIGDIR)/dxltie.pc
	for f in dxltie-config.cmake dxltie-config-version.cmake; do \
	  sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVERSION@|$(SOVERSION)|g' \
	      -e "s|@INCLUDEDIR_FROM_CMAKEDIR@|$$(realpath -m --relative-to=$(CMAKEDIR) $(INCLUDEDIR))|g" \
	      -e "s|@CMAKE_LIBS_PRIVATE@|$$(sed 's/-l//g; s/  */;/g' $(STAGE)/native-static-libs)|g" \
	      -e "s|@SIZEOF_VOID_P@|$$(( $$(cat $(STAGE)/pointer-width) / 8 ))|g" \
	      packaging/cmake/$$f.in >$(STAGE)/$$f || exit 1; \
	  $(INSTALL) -m 644 $(STAGE)/$$f $(DESTDIR)$(CMAKEDIR)/$$f || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libdxltie.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdxltie.so.$(SOVERSION) \
	  $(DESTDIR)$(LIBDIR)/libdxltie.so $(DESTDIR)$(LIBDIR)/libdxltie.a $(DESTDIR)$(INCLUDEDIR)/dxltie.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/dxltie.pc $(DESTDIR)$(CMAKEDIR)/dxltie-config.cmake \
	  $(DESTDIR)$(CMAKEDIR)/dxltie-config-version.cmake
	rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null || true

## Installs into temporary prefixes and checks the files, links and exported symbols, then builds
## and runs C99, C11 and C++ programs with pkg-config and CMake, shared and static, outside the
## repository against a local fabric (scripts/install-test.sh).
test-install: fabric
	FABRIC=$(abspath $(TARGET_DIR))/debug/dxltie-fabric bash scripts/install-test.sh

## The Python wheel: `pip wheel` / `pip install ./bindings/python` build the release library into
## it (setuptools-rust, sharing target/ with test-install's release build), auditwheel checks it
## (manylinux_2_34), and a fresh venv runs the samples outside the repository against a local
## fabric with nothing set (scripts/wheel-test.sh).
.PHONY: test-wheel
test-wheel: fabric
	FABRIC=$(abspath $(TARGET_DIR))/debug/dxltie-fabric bash scripts/wheel-test.sh

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
