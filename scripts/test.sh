#!/usr/bin/env bash
# scripts/test.sh: every test of Legate, on a fresh Debian 12 machine as root.
#
#   1. installs whatever packages are missing (apt-get, non-interactive)
#   2. builds with g++ (warnings are errors), through ccache and precompiled headers
#   3. runs the whole suite with ctest, and meanwhile the CDN onboarding walk-through
#      (scripts/demo.sh, short lifetimes) as one more test
#   4. builds again with clang under AddressSanitizer + UndefinedBehaviorSanitizer and
#      runs the whole suite again
#   5. runs every libFuzzer target for a bounded time, one at a time beside step 4's suite
#
# Most tests wait on peers (Redis, Pebble, BIND, the real `ido`), not on the CPU, so
# ctest runs several at once and the demo (two minutes of mostly waiting for its
# certificate's renewal) runs beside the first suite.  Both builds are unoptimised (-O0,
# line tables only for stack traces): a test build is compiled far more often than it
# runs; `scripts/demo.sh` and the benchmarks build RelWithDebInfo in their own folders.
#
# The exit status tells the truth; the last line is "summary: N passed, M failed", and
# the lines above it give each stage's duration.
# Environment: LEGATE_FUZZ_SECONDS (per fuzz target, default 20),
#              LEGATE_SKIP_SANITIZERS=1 (developer shortcut: stages 1–3 only),
#              LEGATE_JOBS (ctest parallelism, default 4),
#              LEGATE_CCACHE_DIR (compile cache, default ~/.cache/legate-ccache).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

fuzz_seconds=${LEGATE_FUZZ_SECONDS:-20}
jobs=${LEGATE_JOBS:-4}
passed=0
failed=0
suite_ok=1
started=$(date +%s)
stage_names=()
stage_seconds=()
stage_started=$started

# stage NAME: starts the next stage (and closes the one before).
stage() {
    local now
    now=$(date +%s)
    if ((${#stage_names[@]} > 0)); then
        stage_seconds+=($((now - stage_started)))
    fi
    stage_names+=("$1")
    stage_started=$now
    log_step "$1"
}

# count_result LABEL STATUS: one pass or failure for a test run outside ctest.
count_result() {
    if (($2 == 0)); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        suite_ok=0
    fi
}

# run_ctest DIR LABEL: runs the suite, adds its counts to the totals.
run_ctest() {
    local dir=$1 label=$2 out
    out=$(mktemp)
    local status=0
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600 2>&1 | tee "$out" ||
        status=$?
    local line
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1 || true)
    rm -f "$out"
    if [[ -z $line ]]; then
        echo "$label: ctest printed no summary" >&2
        failed=$((failed + 1))
        return 1
    fi
    local f t
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + t - f))
    failed=$((failed + f))
    ((status == 0 && f == 0))
}

# The unoptimised test configuration both builds share (see the header).
test_build_flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1")

stage "packages"
ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" "${LEGATE_PEER_PACKAGES[@]}"

stage "build (g++, -Werror)"
configure_and_build build "${test_build_flags[@]}" -DLEGATE_WERROR=ON
command -v ccache >/dev/null && ccache --show-stats 2>/dev/null | grep -E 'Hits|Misses' || true

stage "tests (g++ build) and the demo walk-through beside them"
# The README's demo, end to end, as one more test: real Redis, BIND, Pebble, ido, ndc
# and nginx, the edge checked at each stage.  Its services stop by PID even when it
# fails.  nginx's workers (not root) must reach the edge's page below its directory.
demo_dir=$(mktemp -d)
chmod 755 "$demo_dir"
scripts/demo.sh --no-build --build-dir build --dir "$demo_dir/demo" --lifetime 60 \
    >build/demo.log 2>&1 &
demo_pid=$!
run_ctest build "g++ build" || suite_ok=0
demo_status=0
wait "$demo_pid" || demo_status=$?
if ((demo_status == 0)); then
    echo "demo walk-through: passed ($(grep -c '' build/demo.log) lines in build/demo.log)"
else
    tail -60 build/demo.log
    echo "demo walk-through: FAILED (whole output in build/demo.log)"
fi
count_result demo "$demo_status"
rm -rf "$demo_dir"

if [[ ${LEGATE_SKIP_SANITIZERS:-0} != 1 ]]; then
    stage "sanitizer build (clang, ASan + UBSan, libFuzzer)"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    CC=clang CXX=clang++ configure_and_build build-asan "${test_build_flags[@]}" \
        -DLEGATE_SANITIZE=ON -DLEGATE_FUZZ=ON -DLEGATE_BENCHMARKS=OFF

    stage "tests (sanitizer build) and the fuzz targets beside them"
    # run_fuzzer BINARY: a bounded libFuzzer run from the seed corpus; output in a log.
    run_fuzzer() {
        local fuzzer=$1 name work seeds=()
        name=$(basename "$fuzzer")
        [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
        work=$(mktemp -d)
        local status=0
        "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="build-asan/$name-" "$work" "${seeds[@]}" \
            >"build-asan/$name.log" 2>&1 || status=$?
        rm -rf "$work"
        return $status
    }
    # The fuzzers are CPU-bound and the suite mostly waits on its peers, so the fuzzers
    # run one at a time (one core) beside the suite; their verdicts go to a file that is
    # read once both are done.
    fuzz_results=build-asan/fuzz-results
    : >"$fuzz_results"
    (
        for fuzzer in build-asan/bin/*_fuzz; do
            [[ -x $fuzzer ]] || continue
            status=0
            run_fuzzer "$fuzzer" || status=$?
            echo "$(basename "$fuzzer") $status" >>"$fuzz_results"
        done
    ) &
    fuzz_pid=$!
    run_ctest build-asan "sanitizer build" || suite_ok=0
    wait "$fuzz_pid" || true
    echo
    echo "fuzz targets (${fuzz_seconds}s each):"
    while read -r name status; do
        if ((status == 0)); then
            grep -E '^stat::number_of_executed_units' "build-asan/$name.log" || true
            echo "$name: passed"
        else
            tail -40 "build-asan/$name.log"
            echo "$name: FAILED (crash input saved under build-asan/$name-*)"
        fi
        count_result "$name" "$status"
    done <"$fuzz_results"
    if [[ ! -s $fuzz_results ]]; then
        echo "fuzz targets: none was built"
        count_result fuzz 1
    fi
fi

stage_seconds+=($(($(date +%s) - stage_started)))
echo
echo "stage durations:"
for i in "${!stage_names[@]}"; do
    printf '  %5d s  %s\n' "${stage_seconds[i]}" "${stage_names[i]}"
done
echo "test.sh took $(($(date +%s) - started)) s"
echo "summary: $passed passed, $failed failed"
((suite_ok == 1 && failed == 0))
