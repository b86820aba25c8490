# Process plumbing for scripts/demo.sh: free loopback ports, starting services in the
# background with their PIDs recorded, polling for readiness, stopping them by PID.
# Source it after setting DEMO_DIR; it defines functions only.
#
# Every service runs in its own session (setsid), so Ctrl-C in the terminal reaches only
# the script, whose trap then stops the services in order, and `--keep` leaves them
# running after the terminal closes.  Each one is recorded as "NAME PID PROGRAM" in
# $DEMO_DIR/pids; `scripts/demo.sh --stop` reads that file, so nothing is ever found by
# name (no pkill) and a PID reused by an unrelated process is left alone.

# shellcheck shell=bash
# shellcheck disable=SC2153  # DEMO_DIR is the caller's

DEMO_PORTS_TAKEN=" "

# demo_port_in_use PORT: true when a TCP or UDP socket uses PORT (either end, which only
# makes the answer more conservative).  Reads /proc so it needs no ss/netstat.
demo_port_in_use() {
    local hex
    hex=$(printf ':%04X ' "$1")
    grep -qs -- "$hex" /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6
}

# demo_free_port VAR: sets VAR to a port in 20000-59999 that nothing uses and that this
# run has not handed out before (so call it in the main shell, not in $(...)).  A race
# with another process is possible; a service that cannot bind fails its readiness check.
demo_free_port() {
    local port tries
    for ((tries = 0; tries < 200; tries++)); do
        port=$((((RANDOM << 15) | RANDOM) % 40000 + 20000))
        [[ $DEMO_PORTS_TAKEN == *" $port "* ]] && continue
        demo_port_in_use "$port" && continue
        DEMO_PORTS_TAKEN+="$port "
        printf -v "$1" '%s' "$port"
        return 0
    done
    echo "no free loopback port found" >&2
    return 1
}

# demo_alive PID: the process exists and is not a zombie.
demo_alive() {
    local state
    [[ -r /proc/$1/stat ]] || return 1
    state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ $state != Z && $state != X ]]
}

# demo_start NAME LOG PROGRAM [ARGS...]: starts PROGRAM in its own session, stdin from
# /dev/null, output appended to LOG, and records it.  Sets DEMO_PID.
demo_start() {
    local name=$1 log=$2
    shift 2
    # The program the PID will run: `env VAR=value... PROGRAM` execs PROGRAM.
    local argv=("$@") k=0
    if [[ $(basename "${argv[0]}") == env ]]; then
        k=1
        while [[ ${argv[k]} == *=* ]]; do k=$((k + 1)); done
    fi
    setsid "$@" </dev/null >>"$log" 2>&1 &
    DEMO_PID=$!
    printf '%s %s %s\n' "$name" "$DEMO_PID" "$(basename "${argv[k]}")" >>"$DEMO_DIR/pids"
}

# demo_log_tail LOG: the end of a log, indented, for failure messages.
demo_log_tail() {
    if [[ -s $1 ]]; then
        echo "    --- last lines of $1:" >&2
        tail -n 25 "$1" | sed 's/^/    | /' >&2
    fi
}

# demo_wait_ready NAME PID LOG TIMEOUT COMMAND...: polls COMMAND (quietly) every 0.2 s
# until it succeeds.  Fails at once if PID exits, or after TIMEOUT seconds; either way
# the log's tail is shown, labelled "error" (or $DEMO_FAIL_LABEL when a fallback follows).
demo_wait_ready() {
    local name=$1 pid=$2 log=$3 timeout=$4
    shift 4
    local deadline=$((SECONDS + timeout))
    while ! "$@" >/dev/null 2>&1; do
        if ! demo_alive "$pid"; then
            echo "${DEMO_FAIL_LABEL:-error}: $name exited during start-up" >&2
            demo_log_tail "$log"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "${DEMO_FAIL_LABEL:-error}: $name did not become ready within ${timeout}s" >&2
            demo_log_tail "$log"
            return 1
        fi
        sleep 0.2
    done
}

# demo_poll TIMEOUT INTERVAL COMMAND...: runs COMMAND every INTERVAL seconds until it
# succeeds (0) or TIMEOUT seconds have passed (1).
demo_poll() {
    local timeout=$1 interval=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        ((SECONDS >= deadline)) && return 1
        sleep "$interval"
    done
}

# demo_stop_pid NAME PID PROGRAM: SIGTERM to the service's process group (its own
# session), then up to 10 s of polling, then SIGKILL.  Skips a PID that now belongs to
# another program.
demo_stop_pid() {
    local name=$1 pid=$2 program=$3
    demo_alive "$pid" || return 0
    local comm
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    # /proc/PID/comm is cut at 15 characters; setsid or env when stopped before its exec.
    if [[ $comm != "${program:0:15}" && $comm != setsid && $comm != env ]]; then
        echo "    $name: PID $pid is now '$comm', not $program; left alone" >&2
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while demo_alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if demo_alive "$pid"; then
        echo "    $name (PID $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    # Reap it when it is our child (no zombie left behind); harmless otherwise.
    wait "$pid" 2>/dev/null || true
    echo "    stopped $name (PID $pid)"
}

# demo_stop_all: stops every recorded service, last started first, and empties the list.
demo_stop_all() {
    local file=$DEMO_DIR/pids
    [[ -s $file ]] || return 0
    local lines=() line
    mapfile -t lines <"$file"
    local i
    for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
        line=${lines[i]}
        # shellcheck disable=SC2086  # NAME PID PROGRAM, split on purpose
        demo_stop_pid $line
    done
    : >"$file"
}

# demo_any_alive: true when a recorded service still runs (a demo is using DEMO_DIR).
demo_any_alive() {
    local file=$DEMO_DIR/pids name pid program
    [[ -s $file ]] || return 1
    while read -r name pid program; do
        [[ -n $pid ]] || continue
        if demo_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "${program:0:15}" ]]; then
            return 0
        fi
    done <"$file"
    return 1
}
