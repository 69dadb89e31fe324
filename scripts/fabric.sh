# Starting and stopping the local fabric (dxltie-fabric) from a test or demo script; sourced,
# not run. The caller sets FABRIC (the binary) and keeps `fabric_pid` for its exit trap.
#
#   start_fabric <dir> <log> [run options...]
#       Starts `$FABRIC run <dir> [options]` in the background (a free port unless the options
#       name one) and waits up to 60 s for its READY line. Sets fabric_pid, ready (the READY line)
#       and config (the path of its dxlclient.config). Returns 1, with fabric_pid set, if it did
#       not start.
#   stop_fabric_by_pid
#       Stops the fabric started above by its pid: TERM, KILL after 5 s; then reaps it.

fabric_pid=""

start_fabric() {
    local dir=$1 log=$2
    shift 2
    "$FABRIC" run "$dir" "$@" >"$log" 2>&1 &
    fabric_pid=$!
    ready=""
    config=""
    for _ in $(seq 600); do
        if ready=$(grep -m1 '^READY ' "$log" 2>/dev/null); then
            config=${ready#*config=}
            return 0
        fi
        kill -0 "$fabric_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

stop_fabric_by_pid() {
    if [[ -n "$fabric_pid" ]] && kill -0 "$fabric_pid" 2>/dev/null; then
        kill -TERM "$fabric_pid"
        for _ in $(seq 50); do kill -0 "$fabric_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$fabric_pid" 2>/dev/null || true
        wait "$fabric_pid" 2>/dev/null || true
    fi
}
