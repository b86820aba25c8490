#!/usr/bin/env bash
# scripts/demo.sh: a CDN gets onboarded for a content provider's name, end to end, on
# loopback.  On a fresh Debian 12 machine, as root, from a clone of this repository.
#
#   scripts/demo.sh            the walk-through; stops everything it started at the end
#   scripts/demo.sh --keep     the same, then leaves the services running and writes
#                              DIR/demo.env (source it to go on with `ido admin`, `ndc`)
#   scripts/demo.sh --stop     stops the services a --keep run left running
#
# What happens (numbered in the output):
#   packages and build; Redis, a DNS server for the zone, Pebble (the upstream CA) and
#   ido (tenant "example", upstream = Pebble) start on free loopback ports; the IdO's
#   operator onboards a CDN (EAB key) and delegates www.example.test to it; the CDN's
#   `ndc` registers, orders a STAR certificate with a short lifetime and installs it;
#   nginx serves it as the CDN edge and curl checks it against Pebble's root; `ndc run`
#   keeps it fresh and the edge serves the renewed certificate; the operator terminates
#   the delegation and the publication answers 403 autoRenewalCanceled, no renewal
#   follows; a second CDN runs certbot, unmodified, and gets a certificate for
#   shop.example.test through implicit delegation (docs/conformance.md).  Every service
#   is stopped by PID at the end, on failure and on Ctrl-C.
#
# Options: --dir DIR (default /tmp/legate-demo), --build-dir DIR (default ./build),
#          --no-build (use the programs already in the build dir), --lifetime SECONDS
#          (STAR certificate lifetime, default 120, at least 60), --keep, --stop.
set -Eeuo pipefail
umask 022 # nginx workers (not root) read the page; secrets get mode 600 explicitly

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/demo-services.sh
source "$LEGATE_ROOT/scripts/lib/demo-services.sh"
# shellcheck source=scripts/lib/demo-configs.sh
source "$LEGATE_ROOT/scripts/lib/demo-configs.sh"

usage() {
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

DEMO_DIR=/tmp/legate-demo
BUILD_DIR=$LEGATE_ROOT/build
DEMO_LIFETIME=120
mode=run
keep=0
build=1
while (($#)); do
    case $1 in
    --dir) DEMO_DIR=${2:?--dir needs a directory}; shift ;;
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift ;;
    --lifetime) DEMO_LIFETIME=${2:?--lifetime needs seconds}; shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    --stop) mode=stop ;;
    -h | --help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if ! [[ $DEMO_LIFETIME =~ ^[0-9]+$ ]] || ((DEMO_LIFETIME < 60 || DEMO_LIFETIME > 3600)); then
    echo "demo.sh: --lifetime must be a number of seconds from 60 to 3600" >&2
    exit 2
fi
[[ $DEMO_DIR == /* ]] || DEMO_DIR=$PWD/$DEMO_DIR
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR

DEMO_TENANT=example
DEMO_ZONE=example.test
DEMO_NAME=www.$DEMO_ZONE
DEMO_SLOT=$DEMO_NAME # the ndc slot (key, state entry) of the delegation: ndc order's default
MARKER=.legate-demo

if [[ $mode == stop ]]; then
    if [[ ! -f $DEMO_DIR/$MARKER ]]; then
        echo "demo.sh --stop: no demo in $DEMO_DIR" >&2
        exit 1
    fi
    echo "Stopping the demo services in $DEMO_DIR"
    demo_stop_all
    exit 0
fi

# --- output helpers -------------------------------------------------------------------

TOTAL_STEPS=15
current_step=0
current_title=""
if [[ -t 1 ]]; then
    BOLD=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GREEN=$'\e[32m' RESET=$'\e[0m'
else
    BOLD="" DIM="" RED="" GREEN="" RESET=""
fi

step() {
    current_step=$1
    current_title=$2
    printf '\n%s[%d/%d] %s%s %s(t+%ds)%s\n' "$BOLD" "$1" "$TOTAL_STEPS" "$2" "$RESET" \
        "$DIM" "$SECONDS" "$RESET"
}
say() { printf '      %s\n' "$@"; }
ok() { printf '      %s✓%s %s\n' "$GREEN" "$RESET" "$*"; }

# fail MESSAGE...: the one way this script gives up.  The EXIT trap stops the services.
fail() {
    if ((current_step > 0)); then
        printf '\n%sFAILED at step %d (%s):%s\n' "$RED$BOLD" "$current_step" "$current_title" \
            "$RESET" >&2
    else
        printf '\n%sFAILED:%s\n' "$RED$BOLD" "$RESET" >&2
    fi
    printf '  %s\n' "$@" >&2
    ((started == 0)) || printf '  Logs: %s/logs/\n' "$DEMO_DIR" >&2
    exit 1
}

# shown COMMAND...: prints the command as a newcomer would type it (programs from the
# build are on PATH), then runs it with its output indented.  Returns its status.
shown() {
    local words=() w
    for w in "$@"; do
        if [[ $w =~ [[:space:]\"\'\$] ]]; then words+=("$(printf '%q' "$w")"); else words+=("$w"); fi
    done
    printf '      %s$ %s%s\n' "$DIM" "${words[*]}" "$RESET"
    local status=0
    "$@" 2>&1 | sed 's/^/        /' || status=$?
    return "$status"
}

# --- cleanup ------------------------------------------------------------------------------

finished=0
interrupted=0
started=0 # set once DEMO_DIR/pids is this run's own: only then is there anything to stop
cleanup() {
    local status=$?
    trap - EXIT INT TERM ERR
    ((started == 1)) || exit "$status"
    if ((keep == 1 && interrupted == 0)); then
        if ((finished == 0)); then
            echo >&2
            echo "--keep: the services stay up for inspection; stop them with" >&2
            echo "  scripts/demo.sh --stop --dir $DEMO_DIR" >&2
        fi
        exit "$status"
    fi
    if [[ -s $DEMO_DIR/pids ]]; then
        echo
        echo "Stopping everything the demo started:"
        demo_stop_all
    fi
    exit "$status"
}
on_interrupt() {
    interrupted=1
    echo >&2
    echo "Interrupted." >&2
    exit 130
}
on_error() {
    trap - ERR
    # In a $(...) or pipeline subshell: leave the message to the main shell, which fails next.
    ((BASH_SUBSHELL == 0)) || exit 1
    fail "command failed (line $1): $2"
}
trap cleanup EXIT
trap on_interrupt INT TERM
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

# The run directory is wiped at the start of a run: refuse one this script did not make,
# or one a --keep run still uses.
if [[ -e $DEMO_DIR ]]; then
    if [[ ! -f $DEMO_DIR/$MARKER ]] && [[ -n $(ls -A "$DEMO_DIR") ]]; then
        fail "$DEMO_DIR exists and was not made by this script; choose another with --dir"
    fi
    if demo_any_alive; then
        fail "a demo is still running in $DEMO_DIR: scripts/demo.sh --stop --dir $DEMO_DIR"
    fi
fi

# --- 1. packages ------------------------------------------------------------------------

step 1 "Packages"
if ((build == 1)); then
    # jq: this script builds and reads JSON with it.
    ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" "${LEGATE_PEER_PACKAGES[@]}" jq |
        sed 's/^/      /'
else
    ensure_packages "${LEGATE_PEER_PACKAGES[@]}" jq | sed 's/^/      /'
fi

# --- 2. build -----------------------------------------------------------------------------

step 2 "Build ido and ndc"
if ((build == 1)); then
    say "cmake + ninja in $BUILD_DIR (the first build takes several minutes; later ones are incremental)"
    mkdir -p "$BUILD_DIR"
    cmake -S "$LEGATE_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLEGATE_WERROR=ON >"$BUILD_DIR.configure.log" 2>&1 ||
        { cat "$BUILD_DIR.configure.log" >&2; fail "cmake failed (log above)"; }
    ninja -C "$BUILD_DIR" ido ndc 2>&1 | sed 's/^/      /' || fail "the build failed (output above)"
else
    say "--no-build: using the programs in $BUILD_DIR/bin"
fi
for program in ido ndc; do
    [[ -x $BUILD_DIR/bin/$program ]] || fail "$BUILD_DIR/bin/$program is missing"
done
export PATH="$BUILD_DIR/bin:$PATH"
ok "$(ido --version 2>&1 | head -n 1), $(ndc --version 2>&1 | head -n 1)"

# --- the run directory ----------------------------------------------------------------------

if [[ -e $DEMO_DIR ]]; then
    rm -rf "$DEMO_DIR" # checked before step 1: made by this script, nothing running
fi
mkdir -p "$DEMO_DIR"/{logs,redis,dns,pebble,ido,ndc/state,edge/certs,nginx}
chmod 755 "$DEMO_DIR"
touch "$DEMO_DIR/$MARKER" "$DEMO_DIR/pids"
started=1

demo_free_port PORT_REDIS
demo_free_port PORT_DNS
demo_free_port PORT_DNS_MGMT
demo_free_port PORT_PEBBLE
demo_free_port PORT_PEBBLE_MGMT
demo_free_port PORT_PEBBLE_TLSALPN
demo_free_port PORT_HTTP01
demo_free_port PORT_ACME
demo_free_port PORT_ADMIN
demo_free_port PORT_PUBLICATION
demo_free_port PORT_EDGE
say "run directory: $DEMO_DIR (configs, state, logs/)"

# --- 3. Redis -------------------------------------------------------------------------------

step 3 "Redis: all of the IdO's state (append-only file, so a restart loses nothing)"
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$PORT_REDIS" ping 2>/dev/null) == PONG ]]; }
demo_start redis "$DEMO_DIR/logs/redis.log" redis-server --port "$PORT_REDIS" \
    --bind 127.0.0.1 --save "" --appendonly yes --dir "$DEMO_DIR/redis" --daemonize no
demo_wait_ready redis "$DEMO_PID" "$DEMO_DIR/logs/redis.log" 15 redis_ping ||
    fail "redis-server did not start"
ok "redis-server on 127.0.0.1:$PORT_REDIS (PID $DEMO_PID)"

# --- 4. DNS ---------------------------------------------------------------------------------

step 4 "DNS for the zone $DEMO_ZONE (what Pebble's validator resolves)"
dns_answers() {
    [[ $(dig +short +norecurse +time=1 +tries=1 -p "$PORT_DNS" @127.0.0.1 "$DEMO_NAME" A) == 127.0.0.1 ]]
}
DNS_KIND=bind9
demo_write_named_conf
named_bin=$(command -v named || echo /usr/sbin/named)
demo_start named "$DEMO_DIR/logs/named.log" "$named_bin" -g -4 -c "$DEMO_DIR/dns/named.conf"
if DEMO_FAIL_LABEL=note demo_wait_ready named "$DEMO_PID" "$DEMO_DIR/logs/named.log" 20 dns_answers; then
    ok "bind9 authoritative for $DEMO_ZONE on 127.0.0.1:$PORT_DNS, every name -> 127.0.0.1 (PID $DEMO_PID)"
    say "RFC 2136 updates signed with the TSIG key in dns/tsig.key are accepted."
else
    # E.g. AppArmor's profile for named allows no files outside /etc/bind and /var/lib/bind.
    demo_stop_pid named "$DEMO_PID" "$(basename "$named_bin")" >/dev/null
    say "bind9 could not serve from $DEMO_DIR; using pebble-challtestsrv's mock DNS instead"
    DNS_KIND=challtestsrv
    demo_start challtestsrv "$DEMO_DIR/logs/challtestsrv.log" pebble-challtestsrv \
        -dns01 "127.0.0.1:$PORT_DNS" -management "127.0.0.1:$PORT_DNS_MGMT" \
        -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 ""
    demo_wait_ready challtestsrv "$DEMO_PID" "$DEMO_DIR/logs/challtestsrv.log" 15 dns_answers ||
        fail "no DNS server could be started (bind9 and pebble-challtestsrv both failed)"
    ok "pebble-challtestsrv on 127.0.0.1:$PORT_DNS, every name -> 127.0.0.1 (PID $DEMO_PID)"
fi

# --- 5. Pebble --------------------------------------------------------------------------------

step 5 "Pebble: the upstream CA (plays Let's Encrypt; it has no STAR, so ido emulates it)"
pebble_ready() {
    curl -sf --cacert "$DEMO_DIR/pebble/tls-ca.pem" "https://127.0.0.1:$PORT_PEBBLE/dir" -o /dev/null
}
demo_write_pebble_tls
demo_write_pebble_config
demo_start pebble "$DEMO_DIR/logs/pebble.log" env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
    pebble -config "$DEMO_DIR/pebble/pebble-config.json" -dnsserver "127.0.0.1:$PORT_DNS"
demo_wait_ready pebble "$DEMO_PID" "$DEMO_DIR/logs/pebble.log" 20 pebble_ready ||
    fail "pebble did not start"
# Pebble makes a new issuing root on every start: fetch the current one.
curl -sSf --cacert "$DEMO_DIR/pebble/tls-ca.pem" "https://127.0.0.1:$PORT_PEBBLE_MGMT/roots/0" \
    -o "$DEMO_DIR/pebble/root.pem" || fail "could not fetch Pebble's issuing root"
ok "Pebble directory https://127.0.0.1:$PORT_PEBBLE/dir (PID $DEMO_PID)"
say "its validator resolves names at 127.0.0.1:$PORT_DNS and dials http-01 on port $PORT_HTTP01"
say "issuing root: $(openssl x509 -in "$DEMO_DIR/pebble/root.pem" -noout -subject) -> pebble/root.pem"

# --- 6. ido -------------------------------------------------------------------------------------

step 6 "ido: the identifier owner's broker (tenant '$DEMO_TENANT', upstream = Pebble)"
openssl rand -hex 24 >"$DEMO_DIR/ido/admin.token"
chmod 600 "$DEMO_DIR/ido/admin.token"
demo_write_ido_config
check=$(ido serve --check-config "$DEMO_DIR/ido/ido.json" 2>&1) ||
    fail "ido refuses the generated config ido/ido.json:" "$check"
acme_ready() {
    curl -sf --cacert "$DEMO_DIR/ido/tls/ca.pem" \
        "https://127.0.0.1:$PORT_ACME/acme/$DEMO_TENANT/directory" -o /dev/null
}
demo_start ido "$DEMO_DIR/logs/ido.log" ido serve --config "$DEMO_DIR/ido/ido.json"
demo_wait_ready ido "$DEMO_PID" "$DEMO_DIR/logs/ido.log" 30 acme_ready ||
    fail "ido serve did not start (config: $DEMO_DIR/ido/ido.json)"
export LEGATE_ADMIN_URL="http://127.0.0.1:$PORT_ADMIN"
LEGATE_ADMIN_TOKEN=$(<"$DEMO_DIR/ido/admin.token")
export LEGATE_ADMIN_TOKEN
export LEGATE_TENANT=$DEMO_TENANT
ACME_DIRECTORY="https://127.0.0.1:$PORT_ACME/acme/$DEMO_TENANT/directory"
ACME_CA=$DEMO_DIR/ido/tls/ca.pem
ok "ACME for NDCs: $ACME_DIRECTORY (PID $DEMO_PID)"
say "admin API: $LEGATE_ADMIN_URL (bearer token in ido/admin.token)"
say "directory meta: $(curl -sf --cacert "$ACME_CA" "$ACME_DIRECTORY" | jq -c '.meta | {"delegation-enabled", "auto-renewal"}')"
NEW_NONCE=$(curl -sf --cacert "$ACME_CA" "$ACME_DIRECTORY" | jq -r .newNonce)
[[ $NEW_NONCE == "https://127.0.0.1:$PORT_PUBLICATION/"* ]] ||
    fail "newNonce $NEW_NONCE is not on the publication listener (port $PORT_PUBLICATION)"
curl -sfI --cacert "$ACME_CA" "$NEW_NONCE" | grep -qi '^replay-nonce:' ||
    fail "HEAD $NEW_NONCE gave no Replay-Nonce"
ok "nonces come from the event-driven publication listener: $NEW_NONCE"

write_env() {
    local file=$DEMO_DIR/demo.env
    {
        echo "# Written by scripts/demo.sh --keep: source it, then use ido admin and ndc."
        printf 'export LEGATE_ACME_DIRECTORY=%q\n' "$ACME_DIRECTORY"
        printf 'export LEGATE_ACME_CA_BUNDLE=%q\n' "$ACME_CA"
        printf 'export LEGATE_ADMIN_URL=%q\n' "$LEGATE_ADMIN_URL"
        printf 'export LEGATE_ADMIN_TOKEN=%q\n' "$LEGATE_ADMIN_TOKEN"
        printf 'export LEGATE_TENANT=%q\n' "$DEMO_TENANT"
        printf 'export LEGATE_ZONE=%q\n' "$DEMO_ZONE"
        printf 'export LEGATE_UPSTREAM_DIRECTORY=%q\n' "https://127.0.0.1:$PORT_PEBBLE/dir"
        printf 'export LEGATE_UPSTREAM_ROOT=%q\n' "$DEMO_DIR/pebble/root.pem"
        printf 'export LEGATE_UPSTREAM_CA_BUNDLE=%q\n' "$DEMO_DIR/pebble/tls-ca.pem"
        printf 'export LEGATE_DNS_SERVER=%q\n' "127.0.0.1:$PORT_DNS"
        printf 'export LEGATE_DEMO_DIR=%q\n' "$DEMO_DIR"
        if [[ $DNS_KIND == bind9 ]]; then
            printf 'export LEGATE_TSIG_KEY_FILE=%q\n' "$DEMO_DIR/dns/tsig.key"
        fi
        # shellcheck disable=SC2016  # $PATH is expanded when the file is sourced
        printf 'export PATH=%q:"$PATH"\n' "$BUILD_DIR/bin"
    } >"$file"
    chmod 600 "$file"
}
((keep == 0)) || write_env

# --- helpers for steps 7-14 ---------------------------------------------------------------------

# captured FILE COMMAND...: prints the command like `shown`, runs it with its standard
# output (JSON, for this script) in FILE; its standard error (progress, problems) shown.
captured() {
    local file=$1
    shift
    local words=() w
    for w in "$@"; do
        if [[ $w =~ [[:space:]\"\'\$] ]]; then words+=("$(printf '%q' "$w")"); else words+=("$w"); fi
    done
    printf '      %s$ %s%s\n' "$DIM" "${words[*]}" "$RESET"
    local status=0
    : >"$file"
    chmod 600 "$file" # e.g. the EAB HMAC key
    "$@" >"$file" 2>"$file.stderr" || status=$?
    sed 's/^/        /' "$file.stderr"
    return "$status"
}

# ndc_failed COMMAND [HINT...]: gives up on an ndc step, saying whether the command
# exists in this build at all.
ndc_failed() {
    local command=$1
    shift
    if ! ndc "$command" --help >/dev/null 2>&1; then
        set -- "This build's ndc has no '$command' command yet: the NDC agent (issue 6) has not" \
            "landed.  Everything before this step works with today's code."
    fi
    fail "ndc $command failed (output above)." "$@"
}

# relay_orders: how many orders the IdO has placed at Pebble so far (its relay logs one
# "order2 created" line per upstream order; docs/upstream.md).
relay_orders() { grep -c '"message":"order2 created"' "$DEMO_DIR/logs/ido.log" || true; }

# Timeline of what the edge served, printed at the end.
timeline=()
mark() { timeline+=("$(printf 't+%3ds  %s  %s' "$SECONDS" "$(date -u +%H:%M:%S)" "$*")"); }

# edge_read: the certificate the edge serves now, in EDGE_SERIAL, EDGE_NB, EDGE_NA (the
# validity as text), EDGE_NB_S, EDGE_NA_S (epoch seconds) and EDGE_KEY (a hash of its
# public key).  Fails when nothing answers.
edge_read() {
    local pem text
    pem=$(openssl s_client -connect "127.0.0.1:$PORT_EDGE" -servername "$DEMO_NAME" \
        </dev/null 2>/dev/null | openssl x509 2>/dev/null) || return 1
    text=$(openssl x509 -noout -serial -startdate -enddate <<<"$pem") || return 1
    EDGE_KEY=$(openssl x509 -noout -pubkey <<<"$pem" | sha256sum | cut -c1-16)
    EDGE_SERIAL=$(sed -n 's/^serial=//p' <<<"$text")
    EDGE_NB=$(sed -n 's/^notBefore=//p' <<<"$text")
    EDGE_NA=$(sed -n 's/^notAfter=//p' <<<"$text")
    [[ -n $EDGE_SERIAL && -n $EDGE_NB && -n $EDGE_NA ]] || return 1
    EDGE_NB_S=$(date -u -d "$EDGE_NB" +%s)
    EDGE_NA_S=$(date -u -d "$EDGE_NA" +%s)
}
# when EPOCH: the time of day, with the date when it is not today.
when() {
    if [[ $(date -u -d "@$1" +%F) == "$(date -u +%F)" ]]; then
        date -u -d "@$1" +%H:%M:%S
    else
        date -u -d "@$1" '+%F %H:%M:%S'
    fi
}
edge_show() {
    say "edge serves serial $EDGE_SERIAL"
    say "        valid $(when "$EDGE_NB_S") -> $(when "$EDGE_NA_S") UTC ($((EDGE_NA_S - EDGE_NB_S)) s)"
}
edge_curl() {
    shown curl -sS --fail --cacert "$DEMO_DIR/pebble/root.pem" \
        --resolve "$DEMO_NAME:$PORT_EDGE:127.0.0.1" "https://$DEMO_NAME:$PORT_EDGE/"
}

# --- 7. onboard the CDN ----------------------------------------------------------------------

step 7 "The IdO's operator onboards the CDN (admin API: an NDC and its EAB key)"
captured "$DEMO_DIR/ndc/onboarding.json" \
    ido admin --json ndc add --name "Demo CDN" --contact ops@cdn.example.test ||
    fail "ido admin ndc add failed"
NDC_ID=$(jq -er .id "$DEMO_DIR/ndc/onboarding.json")
EAB_KID=$(jq -er .eab.kid "$DEMO_DIR/ndc/onboarding.json")
EAB_HMAC=$(jq -er .eab.hmac_key "$DEMO_DIR/ndc/onboarding.json")
EAB_KEY_FILE=$DEMO_DIR/ndc/eab.key # ndc reads the key from a file, never from argv
(umask 077 && printf '%s\n' "$EAB_HMAC" >"$EAB_KEY_FILE")
ok "NDC $NDC_ID created"
say "EAB kid $EAB_KID and HMAC key ${EAB_HMAC:0:8}... go to the CDN over a secure channel"
say "(the HMAC key is shown only once; it binds exactly one ACME account)"

# --- 8. delegate a name -----------------------------------------------------------------------

step 8 "The operator delegates $DEMO_NAME to the CDN (profile cdn-tls-ecdsa)"
captured "$DEMO_DIR/ndc/delegation.json" ido admin --json delegation add --ndc "$NDC_ID" \
    --profile cdn-tls-ecdsa --names "$DEMO_NAME" || fail "ido admin delegation add failed"
DELEG_ID=$(jq -er .id "$DEMO_DIR/ndc/delegation.json")
DELEG_URL=$(jq -er .url "$DEMO_DIR/ndc/delegation.json")
ok "delegation $DELEG_ID"
say "url: $DELEG_URL"
say "the CSR template allows: an ECDSA P-256 key, SAN $DEMO_NAME, digitalSignature, serverAuth"

# --- 9. ndc register ----------------------------------------------------------------------------

NDC_STATE=$DEMO_DIR/ndc/state
CERTS=$DEMO_DIR/edge/certs
step 9 "The CDN registers its ACME account at the IdO (ndc register, with the EAB key)"
shown ndc register --server "$ACME_DIRECTORY" --eab-kid "$EAB_KID" --eab-hmac-key-file "$EAB_KEY_FILE" \
    --ca-bundle "$ACME_CA" --state "$NDC_STATE" || ndc_failed register
account=$(ido admin --json ndc show "$NDC_ID" | jq -r '.account // empty')
[[ -n $account ]] || fail "ndc register succeeded but the IdO shows no account for NDC $NDC_ID"
ok "ACME account $account, bound to NDC $NDC_ID; its key stays in ndc/state"

# --- 10. ndc delegations -------------------------------------------------------------------------

step 10 "The CDN sees what it may order (ndc delegations)"
shown ndc delegations --state "$NDC_STATE" || ndc_failed delegations

# --- 11. ndc order ----------------------------------------------------------------------------------

step 11 "The CDN orders a STAR certificate: lifetime ${DEMO_LIFETIME}s, renewed by the IdO until end-date"
say "ndc makes the key here (it never leaves the CDN), builds the CSR from the template,"
say "orders, finalizes; the IdO checks the CSR and obtains the certificate from Pebble."
END_DATE=$(date -u -d "+1 hour" +%Y-%m-%dT%H:%M:%SZ)
shown ndc order --delegation "$DELEG_URL" --name "$DEMO_SLOT" --star --lifetime "$DEMO_LIFETIME" \
    --end-date "$END_DATE" --trust "$DEMO_DIR/pebble/root.pem" --out "$CERTS" \
    --state "$NDC_STATE" --timeout 150 ||
    ndc_failed order "If the order stayed 'processing', the IdO did not obtain the certificate" \
        "from Pebble: see logs/ido.log (upstream relay) and logs/pebble.log (validation)."
STAR_URL=$(demo_star_url "$NDC_STATE" "$DEMO_SLOT") ||
    fail "ndc status --json names no star-certificate URL for slot $DEMO_SLOT"
for file in fullchain.pem key.pem; do
    [[ -s $CERTS/$file ]] || fail "ndc order did not write $CERTS/$file"
done
[[ $(stat -c %a "$CERTS/key.pem") == 600 ]] ||
    fail "$CERTS/key.pem has mode $(stat -c %a "$CERTS/key.pem"), expected 600"
ok "edge/certs/fullchain.pem and key.pem (mode 600) installed"
say "star-certificate: $STAR_URL"
[[ $STAR_URL == "https://127.0.0.1:$PORT_PUBLICATION/"* ]] ||
    fail "the star-certificate URL is not on the publication listener (port $PORT_PUBLICATION)"
ok "edges fetch it from the event-driven publication listener (port $PORT_PUBLICATION)"
say "$(openssl x509 -in "$CERTS/fullchain.pem" -noout -ext subjectAltName | tr -s ' \n' ' ')"
say "issuer: $(openssl x509 -in "$CERTS/fullchain.pem" -noout -issuer | sed 's/^issuer=//')"
mark "ndc order: first certificate installed"

# --- 12. nginx, the CDN edge ------------------------------------------------------------------------

step 12 "nginx serves $DEMO_NAME as the CDN edge; curl checks it against Pebble's root"
demo_write_nginx_conf
mapfile -t NGINX_ARGS < <(demo_nginx_args)
nginx -t -q "${NGINX_ARGS[@]}" 2>&1 | sed 's/^/        /' || fail "nginx -t refuses nginx/nginx.conf"
demo_start nginx "$DEMO_DIR/logs/nginx.log" nginx "${NGINX_ARGS[@]}" -g 'daemon off;'
demo_wait_ready nginx "$DEMO_PID" "$DEMO_DIR/logs/nginx-error.log" 15 edge_read ||
    fail "nginx did not start"
ok "nginx on 127.0.0.1:$PORT_EDGE (PID $DEMO_PID)"
edge_curl || fail "curl could not fetch the page through the edge with a verified certificate"
edge_read || fail "the edge does not answer TLS"
edge_show
FIRST_SERIAL=$EDGE_SERIAL
FIRST_KEY=$EDGE_KEY
[[ $FIRST_KEY == "$(openssl pkey -in "$CERTS/key.pem" -pubout | sha256sum | cut -c1-16)" ]] ||
    fail "the edge's certificate does not match edge/certs/key.pem"
mark "edge serves certificate #1 serial $EDGE_SERIAL, valid $(when "$EDGE_NB_S") - $(when "$EDGE_NA_S")"

# --- 13. ndc run: renewal ----------------------------------------------------------------------------

step 13 "ndc run keeps the edge's certificate fresh; waiting for one renewal"
demo_write_ndc_config "$DELEG_URL"
say "config: ndc/ndc.json (this delegation, output edge/certs, reload: nginx -s reload)"
demo_start ndc "$DEMO_DIR/logs/ndc.log" ndc run --config "$DEMO_DIR/ndc/ndc.json"
NDC_PID=$DEMO_PID
# No readiness signal to wait for: give it until it has logged something, then check it
# is still alive (a bad config makes it exit at once).
demo_poll 10 0.2 test -s "$DEMO_DIR/logs/ndc.log" || true
demo_alive "$NDC_PID" || { demo_log_tail "$DEMO_DIR/logs/ndc.log"; ndc_failed run; }
ok "ndc run (PID $NDC_PID), log: logs/ndc.log"
half=$((DEMO_LIFETIME / 2))
say "The IdO publishes certificate #2 halfway through #1's life (RFC 8739 allows no later),"
say "around $(when $((EDGE_NB_S + half))) UTC. ndc times its fetch from Cert-Not-After and"
say "Cache-Control, verifies the new chain, installs it atomically and reloads nginx."
renewed() {
    edge_read && [[ $EDGE_SERIAL != "$FIRST_SERIAL" ]] && return 0
    demo_alive "$NDC_PID" || { demo_log_tail "$DEMO_DIR/logs/ndc.log"; fail "ndc run exited"; }
    if ((SECONDS - last_note >= 15)); then
        say "t+${SECONDS}s: edge still serves serial $FIRST_SERIAL"
        last_note=$SECONDS
    fi
    return 1
}
last_note=$SECONDS
first_na=$EDGE_NA_S
# Deadline: certificate #1's notAfter.  Later would mean the edge served an expired one.
demo_poll $((first_na - $(date +%s) + 5)) 2 renewed ||
    fail "no renewal reached the edge before certificate #1 expired." \
        "logs/ndc.log (fetch times), logs/ido.log (STAR emulation), logs/pebble.log."
ok "renewed: the edge now serves a new certificate"
edge_show
mark "edge serves certificate #2 serial $EDGE_SERIAL, valid $(when "$EDGE_NB_S") - $(when "$EDGE_NA_S")"
((EDGE_NB_S < first_na)) || fail "certificate #2 starts after #1 ended: a gap in validity"
edge_curl || fail "curl could not fetch the page through the edge after the renewal"
# A renewal, not a second order: the delegation still has exactly one order.
orders=$(ido admin --json delegation show "$DELEG_ID" | jq '.orders | length')
((orders == 1)) || fail "the delegation has $orders orders: ndc run placed a new order" \
    "instead of fetching the renewed certificate of the first (slot name '$DEMO_SLOT')."
[[ $EDGE_KEY == "$FIRST_KEY" ]] || fail "the renewed certificate has another public key"
ok "same STAR order, same key (the IdO renewed it; ndc only fetched and installed)"
shown ndc status --config "$DEMO_DIR/ndc/ndc.json" || say "(ndc status failed; not essential)"
SECOND_SERIAL=$EDGE_SERIAL
second_na=$EDGE_NA_S

# --- 14. termination ------------------------------------------------------------------------------------

step 14 "The operator terminates the delegation: renewals stop, publication answers 403"
shown ido admin delegation rm "$DELEG_ID" || fail "ido admin delegation rm failed"
mark "delegation terminated"
code=$(curl -sS --cacert "$ACME_CA" -D "$DEMO_DIR/ndc/star.headers" -o "$DEMO_DIR/ndc/star.body" \
    -w '%{http_code}' "$STAR_URL") || fail "GET $STAR_URL failed"
type=$(jq -r '.type // empty' "$DEMO_DIR/ndc/star.body" 2>/dev/null || true)
say "GET star-certificate (unauthenticated, as edges poll it) -> HTTP $code, $type"
say "$(grep -i '^cache-control:' "$DEMO_DIR/ndc/star.headers" | tr -d '\r')"
[[ $code == 403 && $type == urn:ietf:params:acme:error:autoRenewalCanceled ]] ||
    fail "expected 403 autoRenewalCanceled from $STAR_URL, got HTTP $code:" \
        "$(cat "$DEMO_DIR/ndc/star.body")"
ok "publication: 403 autoRenewalCanceled"
mark "star-certificate answers 403 autoRenewalCanceled"
orders_at_end=$(relay_orders)
# Certificate #3 would have appeared at #2's notAfter - ceil(T/2); watch past that.
would_be=$((second_na - (DEMO_LIFETIME + 1) / 2))
say "Certificate #3 would have appeared around $(date -u -d "@$would_be" +%H:%M:%S) UTC; watching the"
say "edge until then. ndc keeps serving #2 while it is valid (it never removes a good one)."
not_renewed() {
    edge_read || fail "the edge stopped answering"
    [[ $EDGE_SERIAL == "$SECOND_SERIAL" ]] ||
        fail "the edge got a new certificate (serial $EDGE_SERIAL) after termination"
    (($(relay_orders) == orders_at_end)) ||
        fail "the IdO placed another order at Pebble after the termination (logs/ido.log)"
    (($(date +%s) >= would_be + 15))
}
demo_poll $((would_be + 20 - $(date +%s))) 3 not_renewed ||
    fail "could not watch the edge until the next renewal time"
ok "no renewal: at $(date -u +%H:%M:%S) the edge still serves serial $SECOND_SERIAL"
if ((orders_at_end > 0)); then
    ok "the IdO placed $orders_at_end orders at Pebble in all, none after the termination"
fi
mark "no certificate #3 (the edge still serves #2)"
shown ido admin delegation show "$DELEG_ID" || true
say "What ndc makes of it (it keeps the installed certificate while it is valid):"
shown ndc status --config "$DEMO_DIR/ndc/ndc.json" || true
ended=$(ndc status --state "$NDC_STATE" --json 2>/dev/null | jq -r --arg slot "$DEMO_SLOT" '
    .slots | (if type == "array" then .[] | select(.name == $slot) else .[$slot] end)
    | .ended // empty' 2>/dev/null || true)
if [[ -n $ended ]]; then
    ok "ndc stopped fetching for $DEMO_SLOT: the order ended ($ended)"
else
    say "note: ndc has not recorded the end of the order yet; it retries with backoff and keeps"
    say "the valid certificate installed (see logs/ndc.log)"
fi

# --- 15. a stock client as a second CDN ---------------------------------------------------------------

step 15 "A second CDN with a stock ACME client: certbot, unmodified, through implicit delegation"
CERTBOT_NAME=shop.$DEMO_ZONE
say "The operator onboards a second NDC and delegates $CERTBOT_NAME to it with \"implicit\": on:"
say "certbot sends no RFC 9115 \"delegation\"; the IdO matches its new-order to this delegation"
say "(the account is EAB-bound to the NDC; the template still gates the CSR at finalize)."
captured "$DEMO_DIR/ndc/ndc2.json" \
    ido admin --json ndc add --name "Certbot CDN" --contact ops@cdn2.example.test ||
    fail "ido admin ndc add (second CDN) failed"
NDC2_ID=$(jq -er .id "$DEMO_DIR/ndc/ndc2.json")
jq -r '.eab.hmac_key' "$DEMO_DIR/ndc/ndc2.json" >"$DEMO_DIR/ndc/ndc2-eab.key"
# A template certbot's CSR fits: P-256, the one name, an optional CN, no key usage demands.
jq -n --arg name "$CERTBOT_NAME" '{"csr-template": {
        keyTypes: [{PublicKeyType: "id-ecPublicKey", namedCurve: "secp256r1",
                    SignatureType: "ecdsa-with-SHA256"}],
        subject: {commonName: "*"},
        extensions: {subjectAltName: {DNS: [$name]}}},
      implicit: {lifetime: 3600}}' >"$DEMO_DIR/ndc/delegation2-request.json"
curl -sSf -X POST -H "Authorization: Bearer $LEGATE_ADMIN_TOKEN" \
    -H "Content-Type: application/json" --data @"$DEMO_DIR/ndc/delegation2-request.json" \
    "$LEGATE_ADMIN_URL/admin/v1/tenants/$DEMO_TENANT/ndcs/$NDC2_ID/delegations" \
    -o "$DEMO_DIR/ndc/delegation2.json" || fail "the admin API refused the second delegation"
ok "NDC $NDC2_ID, delegation $(jq -r .id "$DEMO_DIR/ndc/delegation2.json") for $CERTBOT_NAME" \
    "(implicit, certificates of $(jq -r .implicit.lifetime "$DEMO_DIR/ndc/delegation2-request.json") s)"
CERTBOT_DIR=$DEMO_DIR/certbot
mkdir -p "$CERTBOT_DIR"
demo_free_port PORT_CERTBOT
# No challenge is solved by certbot (the order's authorizations are already valid), but
# it wants an authenticator: standalone on a free port it never has to open.
certbot_args=(certonly --non-interactive --agree-tos -m ops@cdn2.example.test
    --server "$ACME_DIRECTORY" --eab-kid "$(jq -r .eab.kid "$DEMO_DIR/ndc/ndc2.json")"
    --standalone --http-01-address 127.0.0.1 --http-01-port "$PORT_CERTBOT"
    --key-type ecdsa --elliptic-curve secp256r1 -d "$CERTBOT_NAME"
    --config-dir "$CERTBOT_DIR/config" --work-dir "$CERTBOT_DIR/work"
    --logs-dir "$DEMO_DIR/logs/certbot")
# Shown without the HMAC key (certbot takes it only on the command line).
# shellcheck disable=SC2016 # the $(<...) is shown, not run
printf '      %s$ REQUESTS_CA_BUNDLE=ido/tls/ca.pem certbot %s --eab-hmac-key "$(<ndc/ndc2-eab.key)"%s\n' \
    "$DIM" "${certbot_args[*]}" "$RESET"
REQUESTS_CA_BUNDLE="$DEMO_DIR/ido/tls/ca.pem" certbot "${certbot_args[@]}" \
    --eab-hmac-key "$(<"$DEMO_DIR/ndc/ndc2-eab.key")" 2>&1 | sed 's/^/        /' ||
    fail "certbot could not obtain a certificate for $CERTBOT_NAME (logs/certbot/letsencrypt.log)"
CERTBOT_CHAIN=$CERTBOT_DIR/config/live/$CERTBOT_NAME/fullchain.pem
[[ -s $CERTBOT_CHAIN ]] || fail "certbot reported success but wrote no $CERTBOT_CHAIN"
say "What certbot got ($CERTBOT_CHAIN):"
openssl x509 -in "$CERTBOT_CHAIN" -noout -subject -issuer -serial -startdate -enddate \
    -ext subjectAltName 2>/dev/null | sed 's/^/        /'
openssl verify -CAfile "$DEMO_DIR/pebble/root.pem" -untrusted "$CERTBOT_CHAIN" "$CERTBOT_CHAIN" \
    >/dev/null 2>&1 || fail "certbot's certificate does not chain to Pebble's issuing root"
ok "certbot's certificate for $CERTBOT_NAME chains to Pebble's root (pebble/root.pem)"
mark "certbot (second CDN) holds a certificate for $CERTBOT_NAME"

# --- the end --------------------------------------------------------------------------------------------------

finished=1
printf '\n%sDone in %d s.%s Timeline:\n' "$BOLD" "$SECONDS" "$RESET"
printf '  %s\n' "${timeline[@]}"
# The IdO's side of the same story, from its log (times in UTC).
relay_events=$(grep -E '"message":"(order2 created|STAR certificate published)"' \
    "$DEMO_DIR/logs/ido.log" | jq -r '"          \(.time[11:19])  IdO " + (if .message == "order2 created"
        then "orders certificate #\(.index + 1) from Pebble"
        else "publishes certificate #\(.index + 1), current from \((.current_from // "")[11:19])" end)' \
    2>/dev/null || true)
if [[ -n $relay_events ]]; then
    echo "The IdO's upstream orders (logs/ido.log):"
    echo "$relay_events"
fi
# The operator's view (docs/operations.md, "Dashboard"); the token is exchanged for a cookie.
echo "Operator dashboard (while the services run, e.g. with --keep):"
echo "  $LEGATE_ADMIN_URL/admin/dashboard?token=$LEGATE_ADMIN_TOKEN"
echo "  metrics: curl -H \"Authorization: Bearer \$(cat $DEMO_DIR/ido/admin.token)\" $LEGATE_ADMIN_URL/metrics"
if ((keep == 1)); then
    write_env
    echo
    echo "The services keep running (--keep). To go on exploring:"
    echo "  source $DEMO_DIR/demo.env"
    echo "  ido admin ndc list"
    echo "  scripts/demo.sh --stop --dir $DEMO_DIR      # when done"
fi
