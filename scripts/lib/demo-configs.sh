# Every configuration file scripts/demo.sh writes, in one place: bind9, Pebble and its
# TLS certificate, ido (with the tenant's upstream), nginx, and the ndc daemon.
# Source it; it defines functions only.  JSON is built with jq, so paths with odd
# characters are escaped correctly.
#
# The functions read the demo's globals (set in scripts/demo.sh):
#   DEMO_DIR, DEMO_ZONE, DEMO_NAME, DEMO_TENANT, DEMO_LIFETIME, DEMO_SLOT, and the ports
#   PORT_REDIS PORT_DNS PORT_PEBBLE PORT_PEBBLE_MGMT PORT_PEBBLE_TLSALPN PORT_HTTP01
#   PORT_ACME PORT_ADMIN PORT_PUBLICATION PORT_EDGE.

# shellcheck shell=bash

# --- bind9: authoritative for the demo zone, every name in it is 127.0.0.1 ----------
#
# Pebble's validator resolves the demo names here (pebble -dnsserver).  The zone takes
# RFC 2136 updates signed with the TSIG key, which is what a dns-01 solver or the CNAME
# map would use; the key is left in dns/tsig.key for exploring with --keep.
demo_write_named_conf() {
    local dir=$DEMO_DIR/dns secret
    secret=$(openssl rand -base64 32)
    printf 'key "legate-demo" { algorithm hmac-sha256; secret "%s"; };\n' "$secret" \
        >"$dir/tsig.key"
    chmod 600 "$dir/tsig.key"
    cat >"$dir/named.conf" <<EOF
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    listen-on port $PORT_DNS { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
};
controls { };
include "$dir/tsig.key";
zone "$DEMO_ZONE" {
    type primary;
    file "$dir/db.zone";
    allow-update { key "legate-demo"; };
};
EOF
    cat >"$dir/db.zone" <<EOF
\$TTL 60
@    IN SOA ns1.$DEMO_ZONE. hostmaster.$DEMO_ZONE. 1 3600 600 86400 60
@    IN NS  ns1.$DEMO_ZONE.
ns1  IN A   127.0.0.1
*    IN A   127.0.0.1
EOF
}

# --- Pebble: its own HTTPS listener needs a certificate (the package ships none) -----
#
# A small CA and a leaf for localhost / 127.0.0.1.  pebble/tls-ca.pem is what ido (and
# curl) trust to talk to Pebble.  This is NOT the CA that issues the demo certificates:
# that one is Pebble's issuing root, new on every start, fetched into pebble/root.pem.
demo_write_pebble_tls() {
    local dir=$DEMO_DIR/pebble
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/CN=Legate demo: Pebble listener CA" \
        -keyout "$dir/tls-ca.key" -out "$dir/tls-ca.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=localhost" -keyout "$dir/tls-key.pem" -out "$dir/tls.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
        >"$dir/tls.ext"
    openssl x509 -req -in "$dir/tls.csr" -CA "$dir/tls-ca.pem" -CAkey "$dir/tls-ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile "$dir/tls.ext" \
        -out "$dir/tls-cert.pem" 2>/dev/null
    chmod 600 "$dir/tls-ca.key" "$dir/tls-key.pem"
}

demo_write_pebble_config() {
    local dir=$DEMO_DIR/pebble
    jq -n \
        --arg listen "127.0.0.1:$PORT_PEBBLE" \
        --arg mgmt "127.0.0.1:$PORT_PEBBLE_MGMT" \
        --arg cert "$dir/tls-cert.pem" --arg key "$dir/tls-key.pem" \
        --argjson http "$PORT_HTTP01" --argjson tls "$PORT_PEBBLE_TLSALPN" \
        '{pebble: {listenAddress: $listen, managementListenAddress: $mgmt,
                   certificate: $cert, privateKey: $key,
                   httpPort: $http, tlsPort: $tls, ocspResponderURL: "",
                   externalAccountBindingRequired: false}}' >"$dir/pebble-config.json"
}

# --- ido --------------------------------------------------------------------------------

# The tenant's upstream: its CA account at Pebble, the http-01 responder Pebble's
# validator dials (PORT_HTTP01 = Pebble's httpPort), and the renewal lead time of the
# STAR emulation.  The one place to adjust if the upstream config's member names change
# (docs/upstream.md, docs/quickstart.md show the same shape).
demo_upstream_json() {
    jq -n \
        --arg directory "https://127.0.0.1:$PORT_PEBBLE/dir" \
        --arg ca "$DEMO_DIR/pebble/tls-ca.pem" \
        --arg roots "$DEMO_DIR/pebble/root.pem" \
        --arg key "$DEMO_DIR/ido/upstream-account.pem" \
        --argjson http "$PORT_HTTP01" \
        '{directory: $directory, "ca-bundle": $ca, roots: $roots, "account-key": $key,
          contact: ["mailto:ops@example.test"],
          solvers: {"http-01": {listen: "127.0.0.1", port: $http}},
          renewal: {"lead-time": 10}}'
}

demo_write_ido_config() {
    local dir=$DEMO_DIR/ido
    jq -n \
        --argjson acme_port "$PORT_ACME" --argjson admin_port "$PORT_ADMIN" \
        --arg base "https://127.0.0.1:$PORT_ACME" \
        --argjson publication_port "$PORT_PUBLICATION" \
        --arg publication_base "https://127.0.0.1:$PORT_PUBLICATION" \
        --arg tls_dir "$dir/tls" --arg ca_file "$dir/tls/ca.pem" \
        --arg token_file "$dir/admin.token" \
        --arg redis "redis://127.0.0.1:$PORT_REDIS/0" \
        --arg log "$DEMO_DIR/logs/ido.log" \
        --arg tenant "$DEMO_TENANT" \
        --argjson upstream "$(demo_upstream_json)" \
        '{acme: {listen: "127.0.0.1", port: $acme_port, "base-url": $base,
                 tls: {development: {dir: $tls_dir, names: ["localhost", "127.0.0.1"],
                                     "ca-file": $ca_file}}},
          admin: {listen: "127.0.0.1", port: $admin_port, "token-file": $token_file},
          publication: {listen: "127.0.0.1", port: $publication_port,
                        "base-url": $publication_base, "new-nonce": true},
          redis: {url: $redis},
          log: {level: "information", file: $log},
          tenants: [{name: $tenant,
                     star: {"min-lifetime": 60, "max-duration": 86400},
                     "implicit-delegation": true,
                     upstream: $upstream}]}' >"$dir/ido.json"
}

# --- nginx: the CDN edge ------------------------------------------------------------------
#
# Serves DEMO_NAME on PORT_EDGE with the certificate and key ndc keeps in edge/certs.
demo_write_nginx_conf() {
    local dir=$DEMO_DIR/nginx
    mkdir -p "$dir/html" "$dir/tmp"
    printf 'Hello from the CDN edge, serving %s with a delegated certificate.\n' \
        "$DEMO_NAME" >"$dir/html/index.html"
    chmod -R a+rX "$dir/html"
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $DEMO_DIR/logs/nginx-error.log notice;
events { worker_connections 64; }
http {
    access_log $DEMO_DIR/logs/nginx-access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT_EDGE ssl;
        server_name $DEMO_NAME;
        ssl_certificate $DEMO_DIR/edge/certs/fullchain.pem;
        ssl_certificate_key $DEMO_DIR/edge/certs/key.pem;
        location / {
            root $dir/html;
            default_type text/plain;
        }
    }
}
EOF
}

# The nginx command line (the reload command ndc runs uses the same -p/-c/-e).
demo_nginx_args() {
    printf '%s\n' -p "$DEMO_DIR/nginx" -c "$DEMO_DIR/nginx/nginx.conf" \
        -e "$DEMO_DIR/logs/nginx-error.log"
}

# --- ndc ----------------------------------------------------------------------------------

# The `ndc run` configuration (ndc/Config.h, docs/ndc.md): one delegation slot, kept
# fresh in edge/certs, every chain checked against Pebble's root, nginx reloaded (a shell
# command) on every change.  The slot name is the one `ndc order` used (DEMO_SLOT), so
# the daemon continues that STAR order instead of placing a new one.
demo_write_ndc_config() {
    local delegation_url=$1 reload args=()
    mapfile -t args < <(demo_nginx_args)
    reload=$(printf '%q ' "$(command -v nginx)" "${args[@]}" -s reload)
    jq -n \
        --arg state "$DEMO_DIR/ndc/state" \
        --arg ca "$DEMO_DIR/ido/tls/ca.pem" \
        --arg trust "$DEMO_DIR/pebble/root.pem" \
        --arg slot "$DEMO_SLOT" \
        --arg delegation "$delegation_url" \
        --arg out "$DEMO_DIR/edge/certs" \
        --arg reload "${reload% }" \
        --argjson lifetime "$DEMO_LIFETIME" \
        '{state: $state, "ca-bundle": $ca, trust: $trust,
          timing: {"max-interval": 30},
          delegations: [{name: $slot, delegation: $delegation, out: $out,
                         star: {lifetime: $lifetime, duration: 3600},
                         reorder: false, reload: $reload}]}' >"$DEMO_DIR/ndc/ndc.json"
}

# demo_star_url STATE_DIR SLOT: the star-certificate URL of the slot's order, from
# `ndc status --json` (the URL edges poll; ndc keeps it in its state).
demo_star_url() {
    ndc status --state "$1" --json | jq -er --arg slot "$2" '
        .slots | (if type == "array" then .[] | select(.name == $slot) else .[$slot] end)
        | ."certificate-url" // empty'
}
