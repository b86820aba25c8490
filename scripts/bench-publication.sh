#!/usr/bin/env bash
# scripts/bench-publication.sh: the certificate publication URL — what every edge of
# every CDN polls — against nginx with ONE worker serving the same chain from a file over
# TLS (same P-256 certificate type, same bytes, TLS 1.2 and 1.3 enabled on both), all
# measured with wrk in the same run on this machine.  Three servers:
#
#   nginx         the reference
#   ido (h2o)     the event-driven publication listener (broker/http/EventServer)
#   ido (Poco)    the ACME listener's GET of the same URL (thread per connection)
#
# and two modes: keep-alive, and a new TLS handshake per request (Connection: close).
# The servers are measured alternately, BENCH_ROUNDS times each; the script prints every
# rate, the median per server and mode, and the ratios ido/nginx docs/benchmarks.md records.
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32),
#              BENCH_ROUNDS (default 3),
#              BENCH_BUILD_DIR (default build-bench, a Release build made here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server nginx wrk openssl
build=${BENCH_BUILD_DIR:-build-bench}
if [[ -z ${BENCH_BUILD_DIR:-} ]]; then
    LEGATE_BUILD_TARGETS=publication_bench_server \
        configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi

work=$(mktemp -d)
chmod 755 "$work"  # nginx's workers (not root) read the chain below it
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log_step "starting ido's publication endpoint (Redis + HTTPS + live cache)"
"$build"/bin/publication_bench_server "$work" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [[ -s $work/url ]] && break; sleep 0.1; done
[[ -s $work/url ]] || { cat "$work/server.log"; exit 1; }
ido_url=$(cat "$work/url")

log_step "starting nginx with the same chain"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" -days 1 2>/dev/null
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp; uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        ssl_certificate $work/nginx/cert.pem;
        ssl_certificate_key $work/nginx/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /cert {
            default_type application/pem-certificate-chain;
            alias $work/chain.pem;
        }
    }
}
CONF
chmod 644 "$work/chain.pem"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 1 100); do curl -ksf "https://127.0.0.1:$nginx_port/cert" >/dev/null && break; sleep 0.1; done
event_url=$(cat "$work/event-url")
cmp <(curl -ksf "https://127.0.0.1:$nginx_port/cert") <(curl -ksf "$event_url") ||
    { echo "nginx and ido serve different bytes" >&2; exit 1; }

rounds=${BENCH_ROUNDS:-3}
# rate URL [wrk args...]: requests per second of one wrk run.
rate() {
    local url=$1
    shift
    wrk -t2 -c"$connections" -d"${seconds}s" "$@" "$url" | tee -a "$work/wrk.log" |
        awk '/Requests\/sec/ {print $2}'
}
median() { tr ' ' '\n' | sort -g | awk 'NF {a[++n]=$1} END {print (n % 2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2}'; }

declare -A results
names=(nginx "ido-h2o" "ido-poco")
declare -A urls=([nginx]="https://127.0.0.1:$nginx_port/cert" [ido-h2o]="$event_url" [ido-poco]="$ido_url")
for mode in keep-alive handshake; do
    args=()
    [[ $mode == handshake ]] && args=(-H "Connection: close")
    log_step "$mode: wrk -t2 -c$connections -d${seconds}s, $rounds rounds, servers alternating"
    for ((r = 1; r <= rounds; r++)); do
        for name in "${names[@]}"; do
            value=$(rate "${urls[$name]}" "${args[@]}")
            results[$mode,$name]+="$value "
            printf '  round %d  %-9s %10s req/s\n' "$r" "$name" "$value"
        done
    done
done

echo
printf '%-11s %-9s %12s  %s\n' mode server "median req/s" "ratio to nginx"
for mode in keep-alive handshake; do
    reference=$(median <<<"${results[$mode,nginx]}")
    for name in "${names[@]}"; do
        m=$(median <<<"${results[$mode,$name]}")
        printf '%-11s %-9s %12s  %s\n' "$mode" "$name" "$m" \
            "$(awk -v a="$m" -v b="$reference" 'BEGIN { printf "%.2f", a / b }')"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
