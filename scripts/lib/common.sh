# Shared by scripts/test.sh and scripts/demo.sh: package installation and build.
# Source it; it defines functions only.

LEGATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Every Debian package a build, the tests or the demo needs.  Grouped by why.
LEGATE_BUILD_PACKAGES=(
    cmake ninja-build g++ pkg-config git
    clang libclang-rt-14-dev             # sanitizer runtimes and libFuzzer
    libssl-dev libpoco-dev nlohmann-json3-dev libcurl4-openssl-dev libhiredis-dev
    libldns-dev libgtest-dev libgmock-dev libbenchmark-dev
)
LEGATE_PEER_PACKAGES=(
    redis-server pebble bind9 bind9-dnsutils nginx openssl curl python3-acme wrk
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

# configure_and_build DIR [cmake args...]: an incremental Ninja build in DIR.
configure_and_build() {
    local dir=$1
    shift
    cmake -S "$LEGATE_ROOT" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    ninja -C "$dir"
}
