#!/usr/bin/env bash
# Cost of collection + analytics (issue 3): CPU and RSS of an idle daemon sampling at 1 Hz with
# a database that already holds 7 days of minute averages and 1 hour of raw samples, so that
# start-up loads a full history. Usage: scripts/metrics-cost.sh [SECONDS] [PULSE_BIN]
set -euo pipefail
secs=${1:-300}
bin=${2:-build/pulse}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
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

"$bin" --port 0 --db "$db" --interval-ms 1000 >"$dir/out" 2>&1 &
pid=$!
sleep 5 # start-up and history load are not part of the steady state
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$pid/stat; }
c0=$(cpu)
sleep "$secs"
c1=$(cpu)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
awk -v c0="$c0" -v c1="$c1" -v t="$ticks" -v s="$secs" -v rss="$rss" -v hwm="$hwm" 'BEGIN {
    cs = (c1 - c0) / t
    printf "RESULT scenario=metrics-cost seconds=%d cpu_s=%.2f cpu_percent_of_one_core=%.3f rss_kib=%d hwm_kib=%d\n",
        s, cs, 100 * cs / s, rss, hwm }'
