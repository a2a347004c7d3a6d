# Shared helpers for compare.sh and smoke.sh (sourced, POSIX sh + bash features used by both).
# Starts and stops the servers under test; every wait is bounded.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
BENCH_BIN="$BENCH_DIR/pulse-bench"
PULSE_BIN=${PULSE_BIN:-$ROOT/build/pulse}
# A second Pulse binary (an older build) for before/after runs: SERVERS="pulse pulse-before".
PULSE_BEFORE_BIN=${PULSE_BEFORE_BIN:-}
NODE_WS="$BENCH_DIR/peers/node-ws/server.js"
FLOOR_BIN="$BENCH_DIR/peers/c-floor/floor"
# Flags that keep Pulse's per-connection limits out of the way of a load test.
PULSE_FLAGS=${PULSE_FLAGS:---db :memory: --rate-limit 1000000 --rate-burst 1000000 --max-connections 100000 --log-level warn}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
LOGDIR=${LOGDIR:-$(mktemp -d /tmp/pulse-bench.XXXXXX)}
mkdir -p "$LOGDIR"

SPID=
SPORT=

# TLS=1: every server serves wss:// with a throw-away self-signed certificate, and the load
# generator speaks TLS. DEFLATE=1: permessage-deflate on (Pulse --compression on, Node ws
# perMessageDeflate) and offered by the load generator.
TLS=${TLS:-0}
DEFLATE=${DEFLATE:-0}
TLS_SERVER_ARGS=()
NODE_EXTRA=()
BENCH_EXTRA=()
if [ "$TLS" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$LOGDIR/key.pem" -out "$LOGDIR/cert.pem" 2>/dev/null ||
        { echo "openssl could not make a certificate" >&2; exit 1; }
    TLS_SERVER_ARGS=(--tls-cert "$LOGDIR/cert.pem" --tls-key "$LOGDIR/key.pem")
    NODE_EXTRA+=(--tls "$LOGDIR/cert.pem" "$LOGDIR/key.pem")
    BENCH_EXTRA+=(--tls)
fi
if [ "$DEFLATE" = 1 ]; then
    TLS_SERVER_ARGS+=(--compression on)
    NODE_EXTRA+=(--deflate)
    BENCH_EXTRA+=(--deflate)
fi

build_bench() {
    make -s -C "$BENCH_DIR" pulse-bench >&2 || return 1
}

build_pulse() {
    if [ ! -x "$PULSE_BIN" ]; then
        (cd "$ROOT" && cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
            cmake --build build -j2 >&2) || return 1
    fi
}

# check_pulse_before: the pulse-before server needs PULSE_BEFORE_BIN (it is never built here).
check_pulse_before() {
    [ -n "$PULSE_BEFORE_BIN" ] && [ -x "$PULSE_BEFORE_BIN" ] && return 0
    echo "pulse-before: set PULSE_BEFORE_BIN to an executable Pulse binary" >&2
    return 1
}

build_floor() {
    make -s -C "$BENCH_DIR" floor >&2 || return 1
}

build_node() {
    command -v node >/dev/null || { echo "node is not installed" >&2; return 1; }
    make -s -C "$BENCH_DIR" node-ws >&2 || return 1
}

# start_server NAME LOG: sets SPID and SPORT, or returns 1.
start_server() {
    local name=$1 log=$2
    local t=()
    if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then t=(taskset -c "$SERVER_CPU"); fi
    # A plain background command: $! is the server's own pid (taskset execs it).
    case $name in
    pulse) "${t[@]}" "$PULSE_BIN" --port 0 $PULSE_FLAGS "${TLS_SERVER_ARGS[@]}" >"$log" 2>&1 & ;;
    pulse-before) "${t[@]}" "$PULSE_BEFORE_BIN" --port 0 $PULSE_FLAGS "${TLS_SERVER_ARGS[@]}" >"$log" 2>&1 & ;;
    pulse-auth) auth_token >/dev/null || return 1
        "${t[@]}" "$PULSE_BIN" --port 0 $PULSE_FLAGS "${TLS_SERVER_ARGS[@]}" --auth-secret-file "$LOGDIR/secret" >"$log" 2>&1 & ;;
    node) "${t[@]}" node "$NODE_WS" --port 0 "${NODE_EXTRA[@]}" >"$log" 2>&1 & ;;
    floor-epoll) "${t[@]}" "$FLOOR_BIN" --port 0 --io epoll ${FLOOR_FLAGS:-} >"$log" 2>&1 & ;;
    floor-uring) "${t[@]}" "$FLOOR_BIN" --port 0 --io uring ${FLOOR_FLAGS:-} >"$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; return 1 ;;
    esac
    SPID=$!
    SPORT=
    local i
    for i in $(seq 1 100); do
        SPORT=$(sed -n 's/.* listening on https\{0,1\}:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
        [ -n "$SPORT" ] && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not start; its log:" >&2
    cat "$log" >&2
    stop_server
    return 1
}

stop_server() {
    [ -n "$SPID" ] || return 0
    if kill -0 "$SPID" 2>/dev/null; then
        kill -TERM "$SPID" 2>/dev/null
        local i
        for i in $(seq 1 30); do
            kill -0 "$SPID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SPID" 2>/dev/null
    fi
    wait "$SPID" 2>/dev/null
    SPID=
}

# server_alive: 0 when the server we started still runs.
server_alive() { [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; }

# run_bench NAME SCENARIO ARGS...: prints the RESULT line (stdout); its stderr goes to the log.
# auth_token: prints a token (user bench, role admin, 1 day) signed with $LOGDIR/secret, which
# is created on first use; the pulse-auth server runs with that secret.
auth_token() {
    if [ ! -s "$LOGDIR/secret" ]; then
        (umask 077 && head -c 48 /dev/urandom | base64 >"$LOGDIR/secret") || return 1
    fi
    "$PULSE_BIN" token --auth-secret-file "$LOGDIR/secret" --user bench --role admin --ttl 86400
}

run_bench() {
    local name=$1 scenario=$2
    shift 2
    # pulse-auth: every connection of the load generator carries Authorization: Bearer.
    [ "$name" = pulse-auth ] && set -- "$@" --token "$(auth_token)"
    local t=()
    if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then t=(taskset -c "$BENCH_CPU"); fi
    timeout -k 5 400 "${t[@]}" "$BENCH_BIN" "$scenario" --port "$SPORT" \
        --server-pid "$SPID" --server-name "$name" "${BENCH_EXTRA[@]}" "$@" 2>>"$LOGDIR/bench.err" | grep '^RESULT '
}

# field LINE KEY: the value of key=value in a RESULT line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
