#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, stable Rust) of the decoders that read untrusted bytes:
# the DXL message decoder, the dxlclient.config loader, the TIE event decoders and the TIE
# response decoders (fuzz/fuzz_targets/). See fuzz/README.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target [20]; TARGETs [all four]
#
#   FUZZ_TARGET_DIR  where the instrumented build, corpora and crash artifacts go [target/fuzz]
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-jobs=2 -workers=2" or "-max_len=1048576"
#
# The corpus of each target persists in $FUZZ_TARGET_DIR/corpus/<target> and grows from run to
# run; the seeds are rebuilt from ../shared/vectors each time. A crash stops the script with
# the input saved as $FUZZ_TARGET_DIR/artifacts/<target>/crash-*; rerun it with
# `$FUZZ_TARGET_DIR/<host>/release/<target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-20}
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    TARGETS=(dxl_decode config_load tie_events tie_responses)
fi
FUZZ_TARGET_DIR=${FUZZ_TARGET_DIR:-target/fuzz}
VECTORS=${VECTORS:-../shared/vectors}
HOST=$(rustc -vV | sed -n 's/^host: //p')

# The instrumentation cargo-fuzz uses with `--sanitizer none`, all of it stable rustc: the
# SanitizerCoverage pass with inline 8-bit counters, the PC table and comparison tracing
# (libFuzzer's coverage feedback), plus `--cfg fuzzing`. `--target` keeps these flags off the
# build scripts and proc macros, and the separate target dir keeps them off the main build.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
cargo build --release --locked --manifest-path fuzz/Cargo.toml --target "$HOST" \
    --target-dir "$FUZZ_TARGET_DIR" --bins
BIN_DIR="$FUZZ_TARGET_DIR/$HOST/release"

python3 scripts/fuzz_seeds.py "$VECTORS" "$FUZZ_TARGET_DIR/seeds"

summary=()
for target in "${TARGETS[@]}"; do
    corpus="$FUZZ_TARGET_DIR/corpus/$target"
    artifacts="$FUZZ_TARGET_DIR/artifacts/$target"
    log="$FUZZ_TARGET_DIR/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s (log: $log)"
    # New inputs go to the first folder (the persistent corpus); the seeds are only read.
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
    if ! "$BIN_DIR/$target" "$corpus" "$FUZZ_TARGET_DIR/seeds/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target FAILED; the input is in $artifacts/" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    first_cov=$(grep -o 'INITED cov: [0-9]*' "$log" | head -1 | cut -d' ' -f3)
    summary+=("$(printf '%-14s %12s runs %9s exec/s  cov %s -> %s  corpus %s' \
        "$target" "${runs:-?}" "${rate:-?}" "${first_cov:-?}" "${cov:-?}" "$(ls "$corpus" | wc -l)")")
done
printf 'fuzz: %s\n' "${summary[@]}"
