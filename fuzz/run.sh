#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 30)
# from the committed seed corpus. Usage: fuzz/run.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-30}
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPULSE_SANITIZE=ON -DPULSE_FUZZ=ON \
    -DPULSE_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_ws fuzz_http fuzz_fleet >/dev/null
for t in fuzz_ws fuzz_http fuzz_fleet; do
    work=$(mktemp -d)
    cp fuzz/corpus/$t/* "$work"/ 2>/dev/null || true
    echo "fuzz: $t for ${secs}s"
    ./build-fuzz/$t -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$work" 2>&1 |
        grep -E '^(stat::number_of_executed_units|==|SUMMARY)|ERROR' || true
    ./build-fuzz/$t -runs=0 "$work" >/dev/null 2>&1 || { echo "fuzz: $t found a crash" >&2; exit 1; }
    rm -rf "$work"
done
