#!/usr/bin/env bash
# scripts/bench-post.sh: signed ACME POSTs per second that one `ido serve` answers —
# POST-as-GET of orders, and new-order + finalize on an RFC 9115 delegation — from
# concurrent ES256 accounts on keep-alive TLS connections, next to the bound measured in
# the same run: OpenSSL's ES256 verifications per second on both cores (jose_benchmark,
# 2 threads).  tests/benchmarks/PostLoad.cpp says what is measured and how.  Prints the
# table that docs/benchmarks.md records.  Takes about a minute.
#
# Environment: BENCH_BUILD_DIR (default build-bench; configured here as a Release build
#              with LEGATE_BENCHMARKS=ON and LEGATE_WERROR=OFF — GCC 12 at -O3 reports
#              false -Wrestrict and -Wstringop-overflow positives — and only post_load,
#              ido and jose_benchmark are built).
# Arguments go to post_load, e.g. --clients=16 --seconds=30 (post_load --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server
build=${BENCH_BUILD_DIR:-build-bench}

log_step "building post_load, ido and jose_benchmark in $build"
LEGATE_BUILD_TARGETS="post_load ido jose_benchmark" configure_and_build "$build" \
    -DCMAKE_BUILD_TYPE=Release -DLEGATE_BENCHMARKS=ON -DLEGATE_WERROR=OFF

log_step "post_load $* (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
"$build"/bin/post_load "$@"
