#!/usr/bin/env bash
# scripts/bench-delegations.sh: what N active STAR delegations cost in Redis and whether
# the paths that touch them all stay fast (#11 item 5): Redis memory per delegation (and
# by key), the relay scheduler tick's Redis work, and one page of the admin listing of an
# NDC's delegations.  tests/benchmarks/DelegationLoad.cpp says what is loaded (through
# TenantState/RelayState: the same Lua scripts ido runs) and how each figure is taken.
# Prints the tables that docs/benchmarks.md records.
#
# Runs N = 100 000 with Redis' default hash encoding limits and with
# hash-max-listpack-value 4096 (the setting docs/operations.md recommends), then, with
# BENCH_MILLION=1, N = 1 000 000 (about 4 GB of RAM in Redis and 35 minutes on 2 cores:
# 2038 s to load with a Debug build and --threads=3 on 2026-12-05).
#
# Environment: BENCH_BUILD_DIR (default build-bench; a Release build, see bench-post.sh).
# Arguments go to every delegation_load run, e.g. --threads=4 (delegation_load --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server
build=${BENCH_BUILD_DIR:-build-bench}

log_step "building delegation_load in $build"
LEGATE_BUILD_TARGETS="delegation_load" configure_and_build "$build" \
    -DCMAKE_BUILD_TYPE=Release -DLEGATE_BENCHMARKS=ON -DLEGATE_WERROR=OFF

for listpack in 0 4096; do
    log_step "delegation_load N=100000 listpack-value=$listpack $*"
    "$build"/bin/delegation_load --delegations=100000 --listpack-value="$listpack" "$@"
done
if [[ ${BENCH_MILLION:-0} == 1 ]]; then
    log_step "delegation_load N=1000000 listpack-value=4096 $*"
    "$build"/bin/delegation_load --delegations=1000000 --listpack-value=4096 "$@"
fi
