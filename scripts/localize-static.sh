#!/usr/bin/env bash
# Makes the installable static library from the one cargo builds: one relocatable object whose
# only global symbols are the C API's (`dxltie_*`), so that Rust's std, ring, tokio and the other
# crates inside cannot clash with another static library (another Rust one above all) linked
# into the same program.
#
#   localize-static.sh <cargo's libdxltie.a> <libdxltie.so> <output libdxltie.a>
#
# 1. The symbols to keep are those the shared library exports (rustc exports exactly the
#    `#[no_mangle] extern "C"` items from a cdylib).
# 2. `ld -r -u <each>` partial-links the archive members that a program calling them would pull
#    in (not the whole archive: the same members a normal link takes) into one object, resolving
#    every reference between them.
# 3. `objcopy --keep-global-symbols` makes every other defined symbol local (undefined ones, the
#    libc and libgcc_s functions, stay undefined), drops the debug info (the release profile
#    ships none) and LLVM bitcode sections.
# 4. COMDAT groups left (DW.ref.rust_eh_personality) get their signature renamed: a linker keeps
#    one group per signature name whatever its binding, so another Rust library's copy would be
#    discarded for ours and its own references to it would fail to link.
# LD, OBJCOPY, NM, READELF and AR name other binutils (a cross toolchain's) if set.
set -euo pipefail

LD=${LD:-ld} OBJCOPY=${OBJCOPY:-objcopy} NM=${NM:-nm} READELF=${READELF:-readelf} AR=${AR:-ar}
in_a=$1
so=$2
out_a=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/dxltie-localize.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$NM" -D --defined-only --format=posix "$so" | awk '{print $1}' | sort -u >"$work/keep"
if [ ! -s "$work/keep" ] || grep -qv '^dxltie_' "$work/keep"; then
    echo "localize-static.sh: $so exports symbols other than dxltie_*:" >&2
    grep -v '^dxltie_' "$work/keep" >&2 || true
    exit 1
fi

undefined=()
while read -r symbol; do undefined+=(-u "$symbol"); done <"$work/keep"
"$LD" -r -o "$work/whole.o" "${undefined[@]}" "$in_a"
"$OBJCOPY" --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
    --keep-global-symbols="$work/keep" "$work/whole.o" "$work/local.o"

# Group signatures, from lines like: COMDAT group section [    1] `.group' [DW.ref.x] contains 2 sections:
"$READELF" -gW "$work/local.o" | sed -n 's/^COMDAT group section \[ *[0-9]*\] [^ ]* \[\(.*\)\] contains.*/\1/p' |
    sort -u | awk '{print $1, "dxltie." $1}' >"$work/groups"
if [ -s "$work/groups" ]; then
    "$OBJCOPY" --redefine-syms="$work/groups" "$work/local.o" "$work/dxltie.o"
else
    mv "$work/local.o" "$work/dxltie.o"
fi

# Check what the header promises before writing the archive.
extra=$("$NM" -g --defined-only --format=posix "$work/dxltie.o" | awk '{print $1}' | grep -v '^dxltie_' || true)
if [ -n "$extra" ]; then
    echo "localize-static.sh: global symbols other than dxltie_* left: $extra" >&2
    exit 1
fi

rm -f "$out_a.tmp"
"$AR" rcsD "$out_a.tmp" "$work/dxltie.o"
mv "$out_a.tmp" "$out_a"
