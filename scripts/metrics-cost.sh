#!/usr/bin/env bash
# Cost of collection + analytics (issues 3 and 15): CPU and RSS of a daemon sampling at its
# default periods (1 s tick, 5 s filesystems/temperatures/processes) with a database that
# already holds 7 days of minute averages and 1 hour of raw samples, on a machine with PROCS
# (default 500) extra sleeping processes. Three phases of SECONDS each: no client; one client
# subscribed to `metrics` (every group); the same client also subscribed to
# `metrics.processes`. Each phase prints CPU as % of one core and read syscalls per second
# (the /proc/[pid] scan shows there, and nowhere else).
# Usage: scripts/metrics-cost.sh [SECONDS] [PULSE_BIN]      (PROCS=N to change the process count)
set -euo pipefail
secs=${1:-300}
bin=${2:-build/pulse}
procs=${PROCS:-500}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
sleepers=()
client=0
cleanup() {
    kill $pid 2>/dev/null || true
    [ "$client" != 0 ] && kill "$client" 2>/dev/null || true
    for s in "${sleepers[@]}"; do kill "$s" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
db=$dir/pulse.db
pid=0

# Let the daemon create its schema, then fill it as 7 days of service would have.
"$bin" --port 0 --db "$db" >"$dir/out" 2>&1 &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
python3 - "$db" <<'PY'
import sqlite3, sys, time, math
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM metric")]
now = int(time.time() * 1000)
minute0 = (now // 60000) * 60000
rows = ((minute0 - i * 60000, m, 50 + 40 * math.sin(i / 30.0 + m))
        for i in range(1, 7 * 24 * 60) for m in ids)
db.executemany("INSERT OR REPLACE INTO minute(ts, metric_id, value) VALUES (?,?,?)", rows)
raw = ((now - i * 1000, m, 50 + 10 * math.sin(i / 10.0)) for i in range(1, 3600) for m in ids)
db.executemany("INSERT OR REPLACE INTO sample(ts, metric_id, value) VALUES (?,?,?)", raw)
db.commit()
print("filled: %d minute rows, %d raw rows" % (
    db.execute("SELECT count(*) FROM minute").fetchone()[0],
    db.execute("SELECT count(*) FROM sample").fetchone()[0]))
PY

for _ in $(seq "$procs"); do
    sleep 100000 &
    sleepers+=($!)
done
echo "processes on the machine: $(ls -d /proc/[0-9]* | wc -l)"

"$bin" --port 0 --db "$db" --interval-ms 1000 >"$dir/out" 2>&1 &
pid=$!
sleep 5 # start-up and history load are not part of the steady state
port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$dir/out" | head -1)
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$pid/stat; }
reads() { awk '/^syscr/ {print $2}' /proc/$pid/io; }

# A WebSocket client (the integration tests' `ws`) subscribed to the given channels.
subscribe() {
    (cd "$here/tests/integration" && exec node -e '
        const WebSocket = require("ws");
        const ws = new WebSocket(`ws://127.0.0.1:${process.argv[1]}/ws`);
        ws.on("open", () => { for (const c of process.argv.slice(2)) ws.send(JSON.stringify({type: "subscribe", channel: c})); });
        ws.on("message", () => {});
        ws.on("close", () => process.exit(0));
    ' "$port" "$@") &
    client=$!
    sleep 2
}

phase() {
    local c0 r0 c1 r1
    c0=$(cpu)
    r0=$(reads)
    sleep "$secs"
    c1=$(cpu)
    r1=$(reads)
    awk -v name="$1" -v c0="$c0" -v c1="$c1" -v r0="$r0" -v r1="$r1" -v t="$ticks" -v s="$secs" \
        -v p="$procs" 'BEGIN { cs = (c1 - c0) / t
        printf "RESULT scenario=metrics-cost phase=%s procs=%d seconds=%d cpu_s=%.2f cpu_percent_of_one_core=%.3f read_syscalls_per_s=%.1f\n",
            name, p, s, cs, 100 * cs / s, (r1 - r0) / s }'
}

phase idle
subscribe metrics
phase metrics
kill "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
subscribe metrics metrics.processes
phase metrics+processes
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
echo "RESULT scenario=metrics-cost rss_kib=$rss hwm_kib=$hwm"
