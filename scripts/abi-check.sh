#!/usr/bin/env bash
# The ABI check of the shared library against the committed baseline (abi/libdxltie.abi), with
# libabigail (Debian's abigail-tools).
#
#   scripts/abi-check.sh LIB              check LIB (a build with DWARF: target/debug/libdxltie.so)
#   scripts/abi-check.sh --update LIB     write LIB's ABI as the new baseline
#
# The check fails on an incompatible change (a function removed or changed, a struct changed
# other than by growing where the convention allows, see include/dxltie.h "Structs"). Additions
# pass, with a note to refresh the baseline. --update refuses a baseline that is incompatible
# with the old one unless the SONAME changed too: an incompatible ABI must get a new SONAME
# major, deliberately, in the same commit as its new baseline.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
baseline="$root/abi/libdxltie.abi"
suppressions="$root/abi/suppressions.abignore"
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
lib="${1:?usage: $0 [--update] path/to/libdxltie.so}"
current="$(mktemp --suffix=.abi)"
trap 'rm -f "$current"' EXIT
abidw --no-corpus-path --no-architecture "$lib" > "$current"

soname_of() { sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$1" | head -1; }

status=0
abidiff --no-added-syms --suppressions "$suppressions" "$baseline" "$current" > "$current.report" 2>&1 || status=$?
report="$(cat "$current.report")"; rm -f "$current.report"
incompatible=$(( status & 8 ))
changed=$(( status & 4 ))
# abidiff reports a struct whose fields moved as a mere change (4). Within a change, only what
# the struct convention allows passes: a struct that grew by fields appended at its end. Any
# other line of the report (an offset changed, a member deleted or retyped, a parameter or
# return type changed, a function removed) makes the change incompatible.
if [ "$changed" -ne 0 ] && [ "$incompatible" -eq 0 ]; then
  if printf '%s\n' "$report" | grep -vE \
      "^\s*$|changes summary|^[0-9]+ functions? with some (indirect )?sub-type change|has some (indirect )?sub-type changes:|has sub-type changes:|in pointed to type|type size changed from|data members? insertions?:|^\s+'[^']+' at offset [0-9]+ \(in bits\)|^\s+'[^']+', at offset [0-9]+ \(in bits\)|Added function|^\s+\[A\]" >/dev/null; then
    incompatible=8
  fi
fi
if [ $(( status & 3 )) -ne 0 ]; then
  echo "abidiff failed ($status):"; echo "$report"; exit 1
fi

if [ "$update" = 1 ]; then
  if [ "$incompatible" -ne 0 ] && [ "$(soname_of "$baseline")" = "$(soname_of "$current")" ]; then
    echo "refusing to update the baseline: the change is incompatible and the SONAME is still $(soname_of "$current")"
    echo "$report"
    exit 1
  fi
  cp "$current" "$baseline"
  echo "baseline updated: $baseline ($(soname_of "$current"))"
  exit 0
fi

if [ "$incompatible" -ne 0 ]; then
  echo "ABI check FAILED: incompatible change against abi/libdxltie.abi:"
  echo "$report"
  exit 1
fi
if [ "$changed" -ne 0 ]; then
  echo "ABI check: compatible changes (refresh the baseline with scripts/abi-check.sh --update):"
  echo "$report"
fi
echo "ABI check passed: $(soname_of "$current") against $(soname_of "$baseline")"
