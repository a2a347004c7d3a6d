#!/bin/sh
# Memory of the growing history catalog (docs/BENCHMARKS.md, "History catalog memory").
#
#   bench/catalog-rss.sh BASE_PULSE NEW_PULSE [RUNS] [ITEMS]
#
# 1. Start-up: RSS (VmRSS) of each binary 8 s after start (priming sample, first filesystem scan
#    and a few ticks done), no new item, RUNS runs alternating the two, medians printed.
# 2. Per new item (NEW_PULSE only, needs root for a network namespace; ITEMS=0 skips it): the
#    daemon runs in its own network namespace (`unshare -n`, lo up); after 65 s (the first minute
#    closed), ITEMS veth pairs are added there
#    (2 × ITEMS interfaces, 2 history names each: rx_bps and tx_bps); RSS and
#    pulse_history_memory_bytes are read before and 70 s after (so every new name has its fine
#    column and its first minute column).
set -eu
BASE=$1
NEW=$2
RUNS=${3:-5}
ITEMS=${4:-25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

start_rss() {
    "$1" --port 0 --db :memory: >"$tmp/out" 2>&1 &
    pid=$!
    sleep 8
    rss_kib "$pid"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "start-up RSS, KiB ($RUNS runs each, alternating)"
: >"$tmp/base"
: >"$tmp/new"
i=0
while [ "$i" -lt "$RUNS" ]; do
    start_rss "$BASE" >>"$tmp/base"
    start_rss "$NEW" >>"$tmp/new"
    i=$((i + 1))
done
echo "  base: $(tr '\n' ' ' <"$tmp/base")-> median $(median <"$tmp/base")"
echo "  new:  $(tr '\n' ' ' <"$tmp/new")-> median $(median <"$tmp/new")"

if [ "$ITEMS" = 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "per-item cost skipped: needs root (network namespace)"
    exit 0
fi
hist_bytes() {
    port=$(sed -n 's/^pulse listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/ns.out")
    nsenter -t "$1" -n curl -s "http://127.0.0.1:$port/metrics" |
        awk '/^pulse_history_memory_bytes / {printf "%.0f\n", $2}'
}
unshare -n sh -c 'ip link set lo up; exec "$0" --port 0 --db :memory:' "$NEW" >"$tmp/ns.out" 2>&1 &
pid=$!
sleep 65 # past the first minute: the start-up names have their minute columns already
r0=$(rss_kib "$pid")
h0=$(hist_bytes "$pid")
i=0
while [ "$i" -lt "$ITEMS" ]; do
    nsenter -t "$pid" -n ip link add "pv$i" type veth peer name "pw$i"
    i=$((i + 1))
done
sleep 70
r1=$(rss_kib "$pid")
h1=$(hist_bytes "$pid")
added=$(grep -c history_metric_added "$tmp/ns.out" || true)
kill "$pid"
wait "$pid" 2>/dev/null || true
names=$((added > 0 ? added : 1))
echo "new items: $((ITEMS * 2)) interfaces added, $added history names added (2 per interface;"
echo "  a sample lists at most 64 interfaces, PULSE_MAX_IFACES)"
echo "  RSS KiB: $r0 -> $r1 (+$((r1 - r0)), $(((r1 - r0) * 1024 / names)) B per name)"
echo "  history bytes: $h0 -> $h1 (+$((h1 - h0)), $(((h1 - h0) / names)) B per name)"
