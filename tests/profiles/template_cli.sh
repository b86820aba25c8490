#!/bin/sh
# ctest driver for `ido template lint|check` (tests/profiles/CMakeLists.txt).
# usage: template_cli.sh IDO DATA_DIR CASE
# CSRs are made here with `openssl req`, so the gate is exercised on CSRs that no
# Legate code produced.
set -u
IDO=$1
DATA=$2
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# expect CODE PATTERN COMMAND...: run, require the exit code and (if non-empty) a line
# of output matching PATTERN.
expect() {
    code=$1
    pattern=$2
    shift 2
    "$@" >"$WORK/out" 2>&1
    rc=$?
    cat "$WORK/out"
    if [ "$rc" -ne "$code" ]; then
        echo "template_cli: expected exit $code, got $rc" >&2
        exit 1
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$WORK/out"; then
        echo "template_cli: output lacks '$pattern'" >&2
        exit 1
    fi
    exit 0
}

# csr KEYSPEC SUBJECT EXT...: a CSR in $WORK/req.csr (KEYSPEC: ec:P-256, rsa:2048, ...).
csr() {
    keyspec=$1
    subject=$2
    shift 2
    case $keyspec in
        ec:*) keyopts="-newkey ec -pkeyopt ec_paramgen_curve:${keyspec#ec:}" ;;
        *) keyopts="-newkey $keyspec" ;;
    esac
    # shellcheck disable=SC2086
    openssl req -new $keyopts -nodes -keyout "$WORK/key.pem" -out "$WORK/req.csr" \
        -subj "$subject" "$@" >"$WORK/openssl.log" 2>&1 || {
        cat "$WORK/openssl.log" >&2
        echo "template_cli: openssl req failed" >&2
        exit 1
    }
}

TLS="-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth"

case $CASE in
    lint-profile-*)
        expect 0 "template is valid" "$IDO" template lint --profile "${CASE#lint-profile-}" \
            --names www.ido.example,api.ido.example ;;
    lint-figure10)
        expect 0 "template is valid" "$IDO" template lint "$DATA/figure10.json" ;;
    lint-broken)
        expect 1 "FAIL /extensions/subjectAltName/DNS/1" "$IDO" template lint "$DATA/broken.json" ;;
    lint-missing-file)
        expect 2 "" "$IDO" template lint "$WORK/no-such-file.json" ;;
    lint-usage)
        expect 2 "" "$IDO" template lint ;;
    check-ecdsa-pass)
        # shellcheck disable=SC2086
        csr ec:P-256 / -addext subjectAltName=DNS:abc.ido.example,DNS:www.ido.example $TLS
        expect 0 "CSR conforms" "$IDO" template check --profile cdn-tls-ecdsa --csr "$WORK/req.csr" \
            --names abc.ido.example,www.ido.example ;;
    check-compat-rsa-pass)
        # shellcheck disable=SC2086
        csr rsa:2048 / -addext subjectAltName=DNS:abc.ido.example $TLS
        expect 0 "CSR conforms" "$IDO" template check --profile cdn-tls-compat --csr "$WORK/req.csr" \
            --names abc.ido.example ;;
    check-chosen-name-pass)
        # shellcheck disable=SC2086
        csr ec:P-256 / -addext subjectAltName=DNS:abc.ido.example,DNS:e1.cdn.ido.example $TLS
        expect 0 "CSR conforms" "$IDO" template check --profile cdn-tls-ecdsa --csr "$WORK/req.csr" \
            --names abc.ido.example,'**' --allowed-suffix cdn.ido.example ;;
    check-chosen-name-outside-suffix)
        # shellcheck disable=SC2086
        csr ec:P-256 / -addext subjectAltName=DNS:abc.ido.example,DNS:e1.evil.example $TLS
        expect 1 "rejectedIdentifier" "$IDO" template check --profile cdn-tls-ecdsa \
            --csr "$WORK/req.csr" --names abc.ido.example,'**' --allowed-suffix cdn.ido.example ;;
    check-extra-san)
        # shellcheck disable=SC2086
        csr ec:P-256 / -addext subjectAltName=DNS:abc.ido.example,DNS:www.ido.example $TLS
        expect 1 "FAIL extensions.subjectAltName.DNS: CSR asks for www.ido.example" \
            "$IDO" template check --profile cdn-tls-ecdsa --csr "$WORK/req.csr" --names abc.ido.example ;;
    check-wrong-curve)
        # shellcheck disable=SC2086
        csr ec:P-384 / -addext subjectAltName=DNS:abc.ido.example $TLS
        expect 1 "FAIL keyTypes: CSR key is P-384" "$IDO" template check --profile cdn-tls-ecdsa \
            --csr "$WORK/req.csr" --names abc.ido.example ;;
    check-basic-constraints)
        # shellcheck disable=SC2086
        csr ec:P-256 / -addext subjectAltName=DNS:abc.ido.example $TLS \
            -addext basicConstraints=critical,CA:FALSE
        expect 1 "FAIL extensions: CSR requests basicConstraints" "$IDO" template check \
            --profile cdn-tls-ecdsa --csr "$WORK/req.csr" --names abc.ido.example ;;
    check-figure10-pass)
        csr ec:P-256 /C=CA/ST=Ontario/L=Ottawa -addext subjectAltName=DNS:abc.ido.example \
            -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth,clientAuth
        expect 0 "CSR conforms" "$IDO" template check --template "$DATA/figure10.json" \
            --csr "$WORK/req.csr" --names abc.ido.example ;;
    check-figure10-cn)
        csr ec:P-256 /C=CA/ST=Ontario/L=Ottawa/CN=abc.ido.example \
            -addext subjectAltName=DNS:abc.ido.example \
            -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth,clientAuth
        expect 1 "FAIL subject.commonName" "$IDO" template check --template "$DATA/figure10.json" \
            --csr "$WORK/req.csr" ;;
    check-der-garbage)
        printf 'not a csr' >"$WORK/req.der"
        expect 1 "FAIL csr:" "$IDO" template check --template "$DATA/figure10.json" \
            --csr "$WORK/req.der" ;;
    *)
        echo "template_cli: unknown case $CASE" >&2
        exit 2 ;;
esac
