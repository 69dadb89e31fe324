#!/usr/bin/env bash
# Creates the test venv with the pinned reference Python clients (dxlclient, dxltieclient from
# PyPI) and pytest, from scripts/requirements-test.txt.
#
# Idempotent: does nothing when the venv exists and was made from the same requirements file.
# Safe to run concurrently (the Rust test harness calls it from parallel test processes): the
# work is serialised with flock on this script file.
#
#   VENV=/some/dir scripts/setup-venv.sh   # another location (default: <repo>/.venv)
#   PYTHON=python3.11 scripts/setup-venv.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/scripts/requirements-test.txt"
venv="${VENV:-$root/.venv}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements"

up_to_date() {
  [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"
}

up_to_date && exit 0

exec 9<"$0"
flock 9
up_to_date && exit 0 # made by another process while we waited

rm -f "$stamp"
"$python" -m venv "$venv"
# msgpack 0.6.2 (dxlclient pins msgpack<1.0) has no wheel for current Pythons: it is built from
# source, falling back to its pure-Python implementation when no C++ compiler is present.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --timeout 60 -r "$req"
"$venv/bin/python" -c "import dxlclient, dxltieclient, msgpack; assert msgpack.version == (0, 6, 2), msgpack.version"
cp "$req" "$stamp"
echo "venv ready: $venv ($("$venv/bin/python" --version))"
