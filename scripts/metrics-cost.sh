#!/usr/bin/env bash
# Cost of collection + analytics (issues 3 and 15): CPU and RSS of a daemon sampling at its
# default periods (1 s tick, 5 s filesystems/temperatures/processes) with a database that
# already holds 7 days of minute averages and 1 hour of raw samples, on a machine with PROCS
# (default 500) extra sleeping processes. Three phases of SECONDS each: no client; one client
# subscribed to `metrics` (every group); the same client also subscribed to
# `metrics.processes`. Each phase prints CPU as % of one core and read syscalls per second
# (the /proc/[pid] scan shows there, and nowhere else).
# Given several binaries, it runs them side by side: each its own daemon, database copy and
# client, all measured over the same windows (the fair comparison on a shared machine); the
# RESULT lines then carry bin=PATH.
# Usage: scripts/metrics-cost.sh [SECONDS] [PULSE_BIN...]   (PROCS=N to change the process count)
set -euo pipefail
secs=${1:-300}
shift || true
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(build/pulse)
procs=${PROCS:-500}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
sleepers=()
pids=()
clients=()
cleanup() {
    for p in "${pids[@]}" "${clients[@]}"; do kill "$p" 2>/dev/null || true; done
    for s in "${sleepers[@]}"; do kill "$s" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
if [ ! -d "$here/tests/integration/node_modules/ws" ]; then
    echo "metrics-cost: the client needs tests/integration/node_modules (make tests/integration/node_modules)" >&2
    exit 2
fi
db=$dir/pulse.db

# Let the daemon create its schema, then fill it as 7 days of service would have.
"${bins[0]}" --port 0 --db "$db" >"$dir/out" 2>&1 &
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

ports=()
for i in "${!bins[@]}"; do
    cp "$db" "$dir/pulse$i.db"
    "${bins[$i]}" --port 0 --db "$dir/pulse$i.db" --interval-ms 1000 >"$dir/out$i" 2>&1 &
    pids+=($!)
done
sleep 5 # start-up and history load are not part of the steady state
for i in "${!bins[@]}"; do
    ports+=("$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$dir/out$i" | head -1)")
done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
reads() { awk '/^syscr/ {print $2}' "/proc/$1/io"; }
forks() { awk '/^processes/ {print $2}' /proc/stat; }

# One WebSocket client (the integration tests' `ws`) per daemon, subscribed to the channels.
subscribe() {
    clients=()
    for port in "${ports[@]}"; do
        (cd "$here/tests/integration" && exec node -e '
            const WebSocket = require("ws");
            const ws = new WebSocket(`ws://127.0.0.1:${process.argv[1]}/ws`);
            ws.on("open", () => { for (const c of process.argv.slice(2)) ws.send(JSON.stringify({type: "subscribe", channel: c})); });
            ws.on("message", () => {});
            ws.on("close", () => process.exit(0));
        ' "$port" "$@") &
        clients+=($!)
    done
    sleep 2
    for c in "${clients[@]}"; do
        kill -0 "$c" 2>/dev/null || { echo "metrics-cost: a client exited early" >&2; exit 1; }
    done
}

unsubscribe() {
    for c in "${clients[@]}"; do kill "$c" 2>/dev/null || true; done
    for c in "${clients[@]}"; do wait "$c" 2>/dev/null || true; done
    clients=()
}

phase() {
    local c0=() r0=() f0 f1 load i tag
    for p in "${pids[@]}"; do
        c0+=("$(cpu "$p")")
        r0+=("$(reads "$p")")
    done
    f0=$(forks)
    sleep "$secs"
    f1=$(forks)
    load=$(cut -d' ' -f1 /proc/loadavg)
    for i in "${!pids[@]}"; do
        tag=""
        [ ${#bins[@]} -gt 1 ] && tag=" bin=${bins[$i]}"
        awk -v name="$1" -v c0="${c0[$i]}" -v c1="$(cpu "${pids[$i]}")" -v r0="${r0[$i]}" \
            -v r1="$(reads "${pids[$i]}")" -v t="$ticks" -v s="$secs" -v p="$procs" -v tag="$tag" \
            -v f="$(((f1 - f0) / secs))" -v load="$load" 'BEGIN { cs = (c1 - c0) / t
            printf "RESULT scenario=metrics-cost%s phase=%s procs=%d seconds=%d cpu_s=%.2f cpu_percent_of_one_core=%.3f read_syscalls_per_s=%.1f forks_per_s=%d load1=%s\n",
                tag, name, p, s, cs, 100 * cs / s, (r1 - r0) / s, f, load }'
    done
}

phase idle
subscribe metrics
phase metrics
unsubscribe
subscribe metrics metrics.processes
phase metrics+processes
for i in "${!pids[@]}"; do
    tag=""
    [ ${#bins[@]} -gt 1 ] && tag=" bin=${bins[$i]}"
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/${pids[$i]}/status")
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/${pids[$i]}/status")
    echo "RESULT scenario=metrics-cost$tag rss_kib=$rss hwm_kib=$hwm"
done
