#!/usr/bin/env bash
# CI smoke test of the load generator: every scenario once against Pulse with tiny numbers.
# Checks only that a RESULT line appears, that the bench exits cleanly and that the daemon is
# still alive afterwards. No timing assertions. Bounded: well under 60 s.
set -u
. "$(dirname "$0")/lib.sh"
# Pinning (lib.sh) only applies on machines with more than one core.
SERVER_CPU=${SERVER_CPU:-0}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

build_bench || exit 1
build_pulse || exit 1
start_server pulse "$LOGDIR/pulse-smoke.log" || exit 1

pass=0 fail=0
SNAME=pulse
check() { # check NAME SCENARIO ARGS...
    local name=$1 scenario=$2 line rc
    shift 2
    line=$(timeout -k 2 20 "$BENCH_BIN" "$scenario" --port "$SPORT" --server-pid "$SPID" \
        --server-name "$SNAME" --timeout 15 "$@" 2>>"$LOGDIR/bench.err")
    rc=$?
    line=$(printf '%s\n' "$line" | grep '^RESULT ' | head -n1)
    if [ "$rc" -eq 0 ] && [ -n "$line" ] && server_alive; then
        pass=$((pass + 1))
        echo "ok   $name: $line"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, server alive: $(server_alive && echo yes || echo no))"
        tail -n 5 "$LOGDIR/bench.err" | sed 's/^/     /'
    fi
}

check conns conns --conns 50 --batch 10
check fanout fanout --subs 20 --rate 50 --size 100 --seconds 2 --drain 2
check pingpong pingpong --clients 5 --seconds 2 --drain 1
stop_server
# The metrics channel, on a fresh daemon sampling at 5 Hz so that a short run sees many ticks.
PULSE_FLAGS="$PULSE_FLAGS --interval-ms 200" start_server pulse "$LOGDIR/pulse-smoke-metrics.log" || exit 1
check metrics metrics --conns 50 --warmup 1 --seconds 3 --drain 2
stop_server
# The minimal servers used as a yardstick (bench/peers/c-floor), so that they do not rot either.
build_floor || exit 1
for io in epoll uring; do
    SNAME=floor-$io
    if ! FLOOR_FLAGS="--interval-ms 200" start_server "$SNAME" "$LOGDIR/$SNAME.log"; then
        # io_uring can be switched off (kernel.io_uring_disabled, seccomp): that is not a failure.
        if [ "$io" = uring ] && grep -q "io_uring_queue_init failed" "$LOGDIR/$SNAME.log"; then
            echo "skip floor-uring: io_uring is not available here"
            continue
        fi
        exit 1
    fi
    check "$SNAME pingpong" pingpong --clients 5 --seconds 2 --drain 1
    check "$SNAME metrics" metrics --conns 50 --warmup 1 --seconds 3 --drain 2
    stop_server
done
echo "smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
