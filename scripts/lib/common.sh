# Shared by scripts/test.sh and scripts/demo.sh: package installation and build.
# Source it; it defines functions only.

LEGATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Every Debian package a build, the tests or the demo needs.  Grouped by why.
LEGATE_BUILD_PACKAGES=(
    cmake ninja-build g++ pkg-config git
    clang libclang-rt-14-dev             # sanitizer runtimes and libFuzzer
    ccache mold                          # compile cache shared by every clone; fast linker
    libssl-dev libpoco-dev nlohmann-json3-dev libcurl4-openssl-dev libhiredis-dev
    libldns-dev libpsl-dev libgtest-dev libgmock-dev libbenchmark-dev
    libh2o-evloop-dev                    # the event-driven publication listener (docs/benchmarks.md)
)
LEGATE_PEER_PACKAGES=(
    redis-server pebble bind9 bind9-dnsutils nginx openssl curl python3-acme wrk
    lego certbot chromium                # stock ACME clients as NDCs; the dashboard test
)

log_step() { printf '\n==> %s\n' "$*"; }

# Installs, with apt-get and without questions, only the packages that are missing.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "all ${#} packages present"
        return 0
    fi
    echo "installing: ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# The compile cache lives outside the clone, so every clone and every CI run on this
# machine shares it.  ccache keys each object on the preprocessed source, the compiler and
# its flags; CCACHE_BASEDIR makes paths inside the clone relative, so a clone in another
# folder hits the same entries (and never those of a different source).
legate_ccache_env() {
    export CCACHE_DIR=${LEGATE_CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/legate-ccache}
    export CCACHE_BASEDIR=$LEGATE_ROOT
    export CCACHE_NOHASHDIR=true
    # The precompiled headers (cmake/Pch.cmake) are cacheable only with these two.
    export CCACHE_SLOPPINESS=pch_defines,time_macros
    export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
}

# configure_and_build DIR [cmake args...]: an incremental Ninja build in DIR, through
# ccache and the mold linker when they are installed.  LEGATE_BUILD_TARGETS (space
# separated) builds only those targets (the benchmark scripts).
configure_and_build() {
    local dir=$1
    shift
    local extra=()
    if command -v ccache >/dev/null; then
        legate_ccache_env
        extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    command -v ld.mold >/dev/null && extra+=(-DLEGATE_LINKER=mold)
    cmake -S "$LEGATE_ROOT" -B "$dir" -G Ninja "${extra[@]}" "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    # shellcheck disable=SC2086 # a list of target names
    ninja -C "$dir" ${LEGATE_BUILD_TARGETS:-}
}
