#!/usr/bin/env bash
# scripts/bench-publication.sh: the certificate publication URL — what every edge of
# every CDN polls — against nginx serving the same chain from a file over TLS, both
# measured with wrk in the same run on this machine.  Prints both rates and the ratio
# that docs/benchmarks.md records.
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32),
#              BENCH_BUILD_DIR (default build-bench, a Release build made here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$LEGATE_ROOT"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}

ensure_packages "${LEGATE_BUILD_PACKAGES[@]}" redis-server nginx wrk openssl
build=${BENCH_BUILD_DIR:-build-bench}
if [[ -z ${BENCH_BUILD_DIR:-} ]]; then
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
worker_processes 2;
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
        location = /cert {
            default_type application/pem-certificate-chain;
            alias $work/chain.pem;
        }
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 1 100); do curl -ksf "https://127.0.0.1:$nginx_port/cert" >/dev/null && break; sleep 0.1; done

rate() { wrk -t2 -c"$connections" -d"${seconds}s" "$1" | tee -a "$work/wrk.log" |
         awk '/Requests\/sec/ {print $2}'; }

log_step "wrk -t2 -c$connections -d${seconds}s, nginx first, then ido"
nginx_rate=$(rate "https://127.0.0.1:$nginx_port/cert")
ido_rate=$(rate "$ido_url")
echo
echo "nginx (static file, TLS):            $nginx_rate req/s"
echo "ido publication (Redis state, TLS):  $ido_rate req/s"
awk -v a="$ido_rate" -v b="$nginx_rate" 'BEGIN { printf "ratio ido/nginx:                     %.2f\n", a / b }'
