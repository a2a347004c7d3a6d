#!/usr/bin/env bash
# Cluster mode under load: a redis-server and three pulse nodes (a, b, c) on this machine, 1,000
# subscribers spread evenly over the three, one publisher on node a. Beside it, in the same run,
# the same load on one pulse without Redis. Usage:
#
#   bench/fleet.sh [fanout|maxrate|both]   (default both)
#
# fanout:  --rate $RATE (100) messages/s of $SIZE (200) bytes for $FANOUT_SECONDS (10) s; prints each
#          RESULT line (lost, dups, p50/p99/max) for "fleet3" and "single".
# maxrate: steps the rate over $RATES, $STEP_SECONDS (5) s each; a step passes with p99 < $P99_MS
#          (50) ms, nothing lost and no duplicate; reports the highest passing rate per setup.
# Environment: SUBS (1000), REPS (1), PULSE_BIN, LOGDIR. Processes are not pinned: 3 nodes,
# Redis and the load generator share the machine's cores (say so beside the numbers).
set -u
. "$(dirname "$0")/lib.sh"

MODE=${1:-both}
SUBS=${SUBS:-1000}
RATE=${RATE:-100}
SIZE=${SIZE:-200}
FANOUT_SECONDS=${FANOUT_SECONDS:-10} # not SECONDS: bash's own counter of seconds
STEP_SECONDS=${STEP_SECONDS:-5}
RATES=${RATES:-100 200 400 600 800 1000 1500 2000 3000}
P99_MS=${P99_MS:-50}
REPS=${REPS:-1}
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    PIDS=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_pulse LOG ARGS...: sets PORT once it listens (not in a subshell: PIDS must grow here).
start_pulse() {
    local log=$1
    shift
    "$PULSE_BIN" --port 0 $PULSE_FLAGS "$@" >"$log" 2>&1 &
    PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        PORT=$(sed -n 's/.* listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "pulse did not start: $(cat "$log")" >&2
    return 1
}

# setup fleet3|single: starts the servers; sets PUB_PORT, SUB_PORTS, SPID.
setup() {
    cleanup
    if [ "$1" = fleet3 ]; then
        local rport
        rport=$(free_port)
        redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
            --loglevel warning >"$LOGDIR/redis.log" 2>&1 &
        PIDS+=($!)
        for i in $(seq 1 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
        local n ports=()
        for n in a b c; do
            start_pulse "$LOGDIR/$n.log" --redis "redis://127.0.0.1:$rport" --node-name $n || return 1
            ports+=("$PORT")
            [ $n = a ] && SPID=${PIDS[-1]}
        done
        PUB_PORT=${ports[0]}
        SUB_PORTS="${ports[0]},${ports[1]},${ports[2]}"
        sleep 2.5 # every node connected to Redis and seen the others
    else
        start_pulse "$LOGDIR/single.log" || return 1
        PUB_PORT=$PORT
        SPID=${PIDS[-1]}
        SUB_PORTS=$PUB_PORT
    fi
}

fanout() { # fanout NAME RATE SECONDS
    timeout -k 5 400 "$BENCH_BIN" fanout --port "$PUB_PORT" --sub-ports "$SUB_PORTS" \
        --server-pid "$SPID" --server-name "$1" --subs "$SUBS" --rate "$2" --size "$SIZE" \
        --seconds "$3" --drain 3 2>>"$LOGDIR/bench.err" | grep '^RESULT '
}

build_bench && build_pulse || exit 1
command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
echo "# logs in $LOGDIR; $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# pulse binary: $PULSE_BIN; $(redis-server --version | cut -d' ' -f1-3); loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$REPS"); do
    for setup_name in fleet3 single; do
        setup "$setup_name" || exit 1
        if [ "$MODE" != maxrate ]; then
            fanout "$setup_name" "$RATE" "$FANOUT_SECONDS"
        fi
        if [ "$MODE" != fanout ]; then
            best=0
            for r in $RATES; do
                line=$(fanout "$setup_name" "$r" "$STEP_SECONDS")
                echo "$line"
                [ -n "$line" ] || break
                ok=$(awk -v p="$(field "$line" p99_ms)" -v l="$(field "$line" lost)" \
                    -v d="$(field "$line" dups)" -v m="$P99_MS" 'BEGIN{print (p < m && l == 0 && d == 0)}')
                [ "$ok" = 1 ] || break
                best=$r
            done
            echo "MAXRATE setup=$setup_name subs=$SUBS size=$SIZE max_rate=$best deliveries_per_s=$((best * SUBS))"
        fi
    done
done
echo "# loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"
