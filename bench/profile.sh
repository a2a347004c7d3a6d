#!/usr/bin/env bash
# Profiles the Pulse daemon under the fanout scenario (pulse pinned to CPU 0, bench to CPU 1):
#   1. strace -c -f -p PID for the whole run: system calls per delivered message
#   2. perf stat (software events) and perf record -g (cpu-clock sampling) of the daemon
#   bench/profile.sh [fanout args, default --subs 1000 --rate 100 --size 200 --seconds 10]
# Needs strace and perf (linux-perf); skips what is missing. Output files go to $LOGDIR.
set -u
. "$(dirname "$0")/lib.sh"
trap 'stop_server; [ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
build_bench || exit 1
build_pulse || exit 1
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--subs 1000 --rate 100 --size 200 --seconds 10)
echo "# logs in $LOGDIR; fanout ${args[*]}"

if command -v strace >/dev/null; then
    start_server pulse "$LOGDIR/pulse-strace.log" || exit 1
    strace -c -f -q -o "$LOGDIR/strace.txt" -p "$SPID" &
    TPID=$!
    sleep 0.5
    line=$(run_bench pulse fanout "${args[@]}")
    kill -INT "$TPID" 2>/dev/null
    wait "$TPID" 2>/dev/null
    TPID=
    stop_server
    echo "under strace: $line"
    delivered=$(field "$line" delivered)
    sed -n '1,25p' "$LOGDIR/strace.txt"
    calls=$(awk '$NF == "total" {print $(NF-2)}' "$LOGDIR/strace.txt")
    [ -n "$calls" ] && [ -n "$delivered" ] && [ "$delivered" -gt 0 ] &&
        awk -v c="$calls" -v d="$delivered" 'BEGIN{printf "system calls per delivered message: %.3f (%d calls, %d delivered; includes setup)\n", c/d, c, d}'
    # writes only
    awk -v d="${delivered:-0}" '$NF ~ /^(write|writev|sendmsg|sendto)$/ && d > 0 {printf "  %s per delivered message: %.3f\n", $NF, $4/d}' "$LOGDIR/strace.txt"
fi

if command -v perf >/dev/null && perf list 2>/dev/null | grep -q 'raw_syscalls:sys_enter'; then
    # System calls counted by kernel tracepoints: far less perturbing than strace.
    start_server pulse "$LOGDIR/pulse-sc.log" || exit 1
    perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_write,syscalls:sys_enter_writev \
        -e syscalls:sys_enter_read,syscalls:sys_enter_epoll_wait -p "$SPID" \
        -o "$LOGDIR/perf-syscalls.txt" &
    TPID=$!
    sleep 0.5
    line=$(run_bench pulse fanout "${args[@]}")
    kill -INT "$TPID" 2>/dev/null
    wait "$TPID" 2>/dev/null
    TPID=
    stop_server
    echo "under perf stat (syscall tracepoints): $line"
    delivered=$(field "$line" delivered)
    awk -v d="${delivered:-0}" '$2 ~ /sys_enter/ && d > 0 {gsub(",", "", $1); printf "  %-34s %10d  %.3f per delivered message\n", $2, $1, $1/d}' \
        "$LOGDIR/perf-syscalls.txt"
fi

if command -v perf >/dev/null; then
    start_server pulse "$LOGDIR/pulse-perf.log" || exit 1
    perf stat -e task-clock,context-switches,cpu-migrations,page-faults -p "$SPID" \
        -o "$LOGDIR/perf-stat.txt" &
    TPID=$!
    perf record -e cpu-clock -F 2000 -g -p "$SPID" -o "$LOGDIR/perf.data" 2>/dev/null &
    RPID=$!
    sleep 0.5
    line=$(run_bench pulse fanout "${args[@]}")
    kill -INT "$TPID" "$RPID" 2>/dev/null
    wait "$TPID" "$RPID" 2>/dev/null
    TPID=
    stop_server
    echo "under perf: $line"
    cat "$LOGDIR/perf-stat.txt"
    echo "CPU by binary (cpu-clock samples):"
    perf report -i "$LOGDIR/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+%' | head -n 12
    echo "top symbols:"
    perf report -i "$LOGDIR/perf.data" --no-children -g none --sort dso,symbol --stdio 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+%' | head -n 30
    echo "top user-space symbols:"
    perf report -i "$LOGDIR/perf.data" --no-children -g none --sort dso,symbol --stdio 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+%' | grep -v kernel.kallsyms | head -n 20
fi
