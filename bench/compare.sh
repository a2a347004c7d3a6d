#!/usr/bin/env bash
# Pulse vs the Node `ws` reference server, alternating A B A B (REPS repetitions each), server
# pinned to CPU $SERVER_CPU (0) and the load generator to CPU $BENCH_CPU (1). Prints every RESULT
# line, then the median of the key figures per server and the ratio Pulse/Node.
#
#   bench/compare.sh conns    [--conns 10000] [--batch 500]
#   bench/compare.sh fanout   [--subs 1000 --rate 100 --size 200 --seconds 10]
#   bench/compare.sh pingpong [--clients 50 --seconds 10]
#   bench/compare.sh maxrate  [--subs 1000 --size 200 --seconds 5]   (steps --rate over $RATES;
#                              a step passes with p99 < $P99_MS ms and no loss; reports the
#                              highest passing rate before the first failing one)
#   bench/compare.sh metrics  [--conns 10000 --seconds 20]   (no node: the daemon's own
#                              metrics channel at its --interval-ms; add flags via PULSE_FLAGS)
# Environment: REPS (3), SERVERS ("pulse node"; "pulse" for metrics; also floor-epoll and
# floor-uring, the minimal servers of bench/peers/c-floor, pulse-before, the binary in
# PULSE_BEFORE_BIN, and pulse-auth: Pulse with --auth-secret-file, every bench connection
# authenticated by a Bearer token), RATES, P99_MS (50), PULSE_BIN, PULSE_FLAGS, LOGDIR (a new
# /tmp dir). The ratio column is the first server over the second: SERVERS="pulse pulse-before"
# gives after/before for a change, SERVERS="pulse-auth pulse" auth/open. Every run is bounded (the bench's own
# --timeout and `timeout`).
set -u
. "$(dirname "$0")/lib.sh"

scenario=${1:-}
[ -n "$scenario" ] || { sed -n '2,16p' "$0" >&2; exit 2; }
shift
REPS=${REPS:-3}
if [ "$scenario" = metrics ]; then
    # The Node reference has no metrics channel.
    case " ${SERVERS:-pulse} " in *" node "*) echo "# metrics: no node (it has no metrics channel)" >&2 ;; esac
    SERVERS=$(printf '%s\n' ${SERVERS:-pulse} | grep -vx node | tr '\n' ' ')
fi
SERVERS=${SERVERS:-pulse node}
RATES=${RATES:-20 40 60 80 100 150 200 250 300 350 400 500 600 800}
P99_MS=${P99_MS:-50}

trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

build_bench || exit 1
for s in $SERVERS; do
    case $s in
    pulse | pulse-auth) build_pulse || exit 1 ;;
    pulse-before) check_pulse_before || exit 1 ;;
    node) build_node || exit 1 ;;
    floor-*) build_floor || exit 1 ;;
    esac
done

RESULTS="$LOGDIR/results.txt"
: >"$RESULTS"
echo "# logs in $LOGDIR; $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# pulse binary: $PULSE_BIN${PULSE_BEFORE_BIN:+; pulse-before binary: $PULSE_BEFORE_BIN}; node $(node --version 2>/dev/null); loadavg before: $(cut -d" " -f1-3 /proc/loadavg)"

case $scenario in
conns) KEYS="accepts_per_s connect_s rss_per_conn_kib failed server_cpu_s bench_cpu_s other_cpu_s" ;;
fanout) KEYS="delivered_per_s lost p50_ms p99_ms p999_ms max_ms server_cpu_s server_us_per_delivery bench_cpu_s other_cpu_s" ;;
pingpong) KEYS="rtt_per_s p50_ms p99_ms max_ms server_us_per_rtt bench_cpu_s other_cpu_s" ;;
maxrate) KEYS="max_rate max_deliveries_per_s" ;;
metrics) KEYS="ticks received expected missing frame_bytes p50_ms p99_ms p999_ms max_ms first_sub_p50_ms last_sub_p50_ms server_cpu_s server_us_per_frame server_rss_kib bench_cpu_s other_cpu_s" ;;
*) echo "unknown scenario: $scenario (conns|fanout|pingpong|maxrate|metrics)" >&2; exit 2 ;;
esac

subs_of() { # the --subs/--conns value among the args, default 1000
    local prev= a n=1000
    for a in "$@"; do
        case $prev in --subs | --conns | --clients) n=$a ;; esac
        prev=$a
    done
    echo "$n"
}

for rep in $(seq 1 "$REPS"); do
    for s in $SERVERS; do
        start_server "$s" "$LOGDIR/$s-$rep.log" || exit 1
        if [ "$scenario" = maxrate ]; then
            best=0
            for r in $RATES; do
                line=$(run_bench "$s" fanout "$@" --rate "$r")
                echo "$line"
                [ -n "$line" ] || break
                p99=$(field "$line" p99_ms)
                lost=$(field "$line" lost)
                if awk -v p="$p99" -v l="$lost" -v m="$P99_MS" 'BEGIN{exit !(p < m && l == 0)}'; then
                    best=$r
                else
                    break
                fi
                server_alive || break
            done
            n=$(subs_of "$@")
            line="RESULT scenario=maxrate server=$s rep=$rep max_rate=$best max_deliveries_per_s=$((best * n))"
        else
            line=$(run_bench "$s" "$scenario" "$@")
        fi
        echo "$line"
        [ -n "$line" ] && echo "$line" >>"$RESULTS"
        server_alive || echo "# WARNING: $s exited during the run (see $LOGDIR/$s-$rep.log)"
        stop_server
    done
done

echo
echo "median of $REPS runs ($scenario $*):"
awk -v keys="$KEYS" -v order="$SERVERS" '
    function median(arr, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j-1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j-1]; arr[j-1] = t }
        return n % 2 ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2
    }
    {
        srv = ""; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2]; if (kv[1] == "server") srv = kv[2] }
        cnt[srv]++
        nk = split(keys, K, " ")
        for (k = 1; k <= nk; k++) vals[srv, K[k], cnt[srv]] = v[K[k]]
    }
    END {
        nk = split(keys, K, " ")
        ns = split(order, S, " ")
        printf "%-24s", "figure"
        for (j = 1; j <= ns; j++) printf " %14s", S[j]
        printf " %14s\n", (ns > 1 ? S[1] "/" S[2] : "-")
        for (k = 1; k <= nk; k++) {
            delete m
            for (j = 1; j <= ns; j++) {
                s = S[j]; if (!(s in cnt)) continue
                delete a; for (i = 1; i <= cnt[s]; i++) a[i] = vals[s, K[k], i] + 0; m[s] = median(a, cnt[s])
            }
            r = (ns > 1 && (S[1] in m) && (S[2] in m) && m[S[2]] != 0) ? sprintf("%.2f", m[S[1]] / m[S[2]]) : "-"
            printf "%-24s", K[k]
            for (j = 1; j <= ns; j++) printf " %14s", (S[j] in m) ? sprintf("%g", m[S[j]]) : "-"
            printf " %14s\n", r
        }
    }' "$RESULTS"
