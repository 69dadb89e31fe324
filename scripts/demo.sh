#!/usr/bin/env bash
# The README's demo (`make demo`, which builds the library, the C examples and dxltie-fabric
# first): starts a local DXL fabric (embedded broker with mutual TLS + TIE simulator), runs the C
# basic detection callback example until it has seen DEMO_EVENTS detection events, asks the
# simulator for notepad.exe's and EICAR's reputations, and stops the fabric by its pid.
#
# Needs only what `make demo` built: no DXL installation, no Python, no openssl command.
#   DEMO_DIR     the fabric's folder (PKI + dxlclient.config)  [build/demo-fabric]
#   DEMO_EVENTS  detection events to wait for                  [3]
#   FABRIC       the dxltie-fabric binary                      [target/debug/dxltie-fabric]
#   EXAMPLES     the built C examples                          [build/examples]
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR=${CARGO_TARGET_DIR:-target}
FABRIC=${FABRIC:-$TARGET_DIR/debug/dxltie-fabric}
EXAMPLES=${EXAMPLES:-build/examples}
DEMO_DIR=${DEMO_DIR:-build/demo-fabric}
DEMO_EVENTS=${DEMO_EVENTS:-3}

mkdir -p "$DEMO_DIR"
log="$DEMO_DIR/fabric.log"
pid_file="$DEMO_DIR/fabric.pid"
# shellcheck source=scripts/fabric.sh
. scripts/fabric.sh

# Stop what we started, by pid only, whatever way the script ends.
stop_fabric() {
    if [[ -n "$fabric_pid" ]]; then
        stop_fabric_by_pid
        echo "== fabric (pid $fabric_pid) stopped"
    fi
}
trap stop_fabric EXIT
trap 'exit 130' INT TERM

echo "== starting the local fabric in $DEMO_DIR (broker on 127.0.0.1, mutual TLS, TIE simulator)"
# One detection and one first-instance event every second.
if ! start_fabric "$DEMO_DIR" "$log" --events-every 1 --pid-file "$pid_file"; then
    echo "the fabric did not start:" >&2
    cat "$log" >&2
    exit 1
fi
echo "== $ready (pid $fabric_pid)"
echo

echo "== examples-c/basic_detection_callback_example: waiting for $DEMO_EVENTS detection events"
timeout 60 "$EXAMPLES/basic_detection_callback_example" "$config" "$DEMO_EVENTS"
echo

echo "== examples-c/basic_get_reputation_example: a reputation query answered by the simulator"
timeout 60 "$EXAMPLES/basic_get_reputation_example" "$config"
echo

echo "== demo finished"
