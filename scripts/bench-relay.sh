#!/usr/bin/env bash
# scripts/bench-relay.sh: the upstream relay against a real Pebble — how long one
# emulated STAR renewal takes and how many renewals per minute one `ido` with 2 relay
# workers sustains with the upstream budget disabled, each as a ratio against Pebble
# driven directly by idO's ACME client in the same run (one client for the latency, 32
# concurrent clients for the throughput; tests/benchmarks/RelayBench.cpp).  Prints the
# table that docs/benchmarks.md records.  Takes about 5 minutes.
#
# Environment: BENCH_BUILD_DIR (default build-bench; configured here as a Release build
#              with LEGATE_BENCHMARKS=ON and LEGATE_WERROR=OFF — GCC 12 at -O3 reports
#              false -Wrestrict positives — and only relay_bench + ido are built).
# Arguments go to relay_bench, e.g. --workers=4 --ref-threads=16 --window=90
# (relay_bench --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server pebble bind9 bind9-dnsutils
build=${BENCH_BUILD_DIR:-build-bench}

log_step "building relay_bench and ido in $build"
cmake -S "$LEGATE_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLEGATE_BENCHMARKS=ON -DLEGATE_WERROR=OFF >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
ninja -C "$build" relay_bench ido

log_step "relay_bench $*"
"$build"/bin/relay_bench "$@"
