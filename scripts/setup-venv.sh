#!/usr/bin/env bash
# Creates .venv with the pinned reference Python clients (dxlclient, dxltieclient) and pytest.
# Idempotent: does nothing when the venv already matches the requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
req=scripts/requirements-test.txt
stamp=.venv/.requirements
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$req"
.venv/bin/python -c "import dxlclient, dxltieclient"
cp "$req" "$stamp"
echo "venv ready: .venv ($(.venv/bin/python --version))"
