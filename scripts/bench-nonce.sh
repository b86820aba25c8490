#!/usr/bin/env bash
# scripts/bench-nonce.sh: `GET new-nonce` of ido's two listeners against Pebble's nonce
# endpoint (`GET /nonce-plz`), all over TLS with a P-256 certificate, measured with wrk
# in the same run, alternately, BENCH_ROUNDS times each.  Prints every rate, the medians
# and the ratios ido/Pebble that docs/benchmarks.md records.
#
# ido's side is tests/benchmarks/PublicationBenchServer (Redis behind it, stateless
# nonces: issuing one writes nothing): the ACME listener (Poco) as `ido serve` builds it,
# and the event-driven publication listener (h2o, two loops), which hands out the nonces
# when `publication.new-nonce` is set.  Pebble runs with PEBBLE_WFE_NONCEREJECT=0.
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32),
#              BENCH_ROUNDS (default 3), BENCH_BUILD_DIR (default build-bench, Release).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
rounds=${BENCH_ROUNDS:-3}

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server pebble wrk openssl
build=${BENCH_BUILD_DIR:-build-bench}
if [[ -z ${BENCH_BUILD_DIR:-} ]]; then
    LEGATE_BUILD_TARGETS=publication_bench_server \
        configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log_step "starting ido's ACME listener (Redis, stateless nonces)"
"$build"/bin/publication_bench_server "$work" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [[ -s $work/url ]] && break; sleep 0.1; done
[[ -s $work/url ]] || { cat "$work/server.log"; exit 1; }
ido_nonce=$(sed -E 's|/cert/.*$|/new-nonce|' "$work/url")
event_nonce=$(sed -E 's|/cert/.*$|/new-nonce|' "$work/event-url")

log_step "starting Pebble"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/pebble-key.pem" \
    -out "$work/pebble-cert.pem" -days 1 2>/dev/null
pebble_port=$(free_port)
cat >"$work/pebble.json" <<CONF
{"pebble": {"listenAddress": "127.0.0.1:$pebble_port",
            "managementListenAddress": "127.0.0.1:$(free_port)",
            "certificate": "$work/pebble-cert.pem", "privateKey": "$work/pebble-key.pem",
            "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "",
            "externalAccountBindingRequired": false}}
CONF
PEBBLE_WFE_NONCEREJECT=0 pebble -config "$work/pebble.json" >"$work/pebble.log" 2>&1 &
pids+=($!)
pebble_nonce="https://127.0.0.1:$pebble_port/nonce-plz"
for _ in $(seq 1 100); do curl -ksf -I "$pebble_nonce" >/dev/null && break; sleep 0.1; done
curl -ksf -I "$pebble_nonce" | grep -qi '^replay-nonce:' || { cat "$work/pebble.log"; exit 1; }
for url in "$ido_nonce" "$event_nonce"; do
    curl -ksf -I "$url" | grep -qi '^replay-nonce:' || { echo "no nonce from $url"; exit 1; }
done

# GET, not HEAD: wrk cannot frame Go's HEAD answers (no Content-Length: it waits for a
# body that never comes, and counts 0 requests).  GET new-nonce issues a nonce exactly as
# HEAD does and answers 204 (RFC 8555 §7.2) on both servers.
rate() {
    wrk -t2 -c"$connections" -d"${seconds}s" "$1" | tee -a "$work/wrk.log" |
        awk '/Requests\/sec/ {print $2}'
}
median() { tr ' ' '\n' | sort -g | awk 'NF {a[++n]=$1} END {print (n % 2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2}'; }

log_step "GET new-nonce: wrk -t2 -c$connections -d${seconds}s, $rounds rounds, alternating"
ido_rates="" event_rates="" pebble_rates=""
for ((r = 1; r <= rounds; r++)); do
    p=$(rate "$pebble_nonce"); pebble_rates+="$p "
    i=$(rate "$ido_nonce"); ido_rates+="$i "
    e=$(rate "$event_nonce"); event_rates+="$e "
    printf '  round %d  pebble %10s req/s   ido ACME listener %10s req/s   ido publication listener %10s req/s\n' \
        "$r" "$p" "$i" "$e"
done
pm=$(median <<<"$pebble_rates")
im=$(median <<<"$ido_rates")
em=$(median <<<"$event_rates")
echo
echo "Pebble GET /nonce-plz (median):                        $pm req/s"
echo "ido GET new-nonce, ACME listener (median):             $im req/s"
echo "ido GET new-nonce, publication listener (median):      $em req/s"
awk -v a="$im" -v b="$pm" 'BEGIN { printf "ratio ido ACME listener/Pebble:                        %.2f\n", a / b }'
awk -v a="$em" -v b="$pm" 'BEGIN { printf "ratio ido publication listener/Pebble:                 %.2f\n", a / b }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
