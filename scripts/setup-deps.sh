#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: the mosquitto broker and clients,
# openssl (test certificates), valgrind, pkg-config and cmake (the install test), tinyproxy (the
# WebSocket/proxy tests), and the Python venv with the reference clients.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v abidiff >/dev/null 2>&1 || need+=(abigail-tools) # the ABI check (scripts/abi-check.sh)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v c++ >/dev/null 2>&1 || need+=(g++)
# The install test (scripts/install-test.sh): pkg-config and CMake projects, binutils for the
# static library (ld -r, objcopy) and the symbol checks (nm, readelf).
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v objcopy >/dev/null 2>&1 || need+=(binutils)
# The HTTP CONNECT proxy of the WebSocket tests (tests/websockets.rs), started by the tests on
# 127.0.0.1 with their own configuration; ip (iproute2) and unshare (util-linux) make the network
# namespace those tests run in.
[ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ] || need+=(tinyproxy)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Debian's packages start a system broker on port 1883 and a system tinyproxy on 8888 (where
# systemd runs); the tests never use them, they start their own on free ports.

if [ -f scripts/setup-venv.sh ]; then
  bash scripts/setup-venv.sh
fi
