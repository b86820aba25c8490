#!/usr/bin/python3
"""An NDC written against RFC 8555 and RFC 9115 alone, with Debian's python3-acme.

It knows the IdO's directory URL, the CA file that trusts it, and the EAB key id and
HMAC key the IdO's administrator handed over; everything else it learns from the
server: the delegations URL in its account object, the CSR template in the
delegation object, the finalize URL in the order.  It registers, reads the
delegation, builds a CSR that follows the template, orders (STAR), finalizes, and
prints the order status as JSON.  Exit status 0 means the order reached
"processing" (the IdO then orders upstream).

The only extension to stock python3-acme: order objects carrying the order-level
`delegation` and `auto-renewal` members (RFC 9115 §2.3.4, RFC 8739 §3.1.1).
"""

import argparse
import datetime
import json
import sys
from typing import Any, Dict, List, Optional

import josepy as jose
from acme import client, messages
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID


class DelegatedOrder(jose.JSONObjectWithFields):
    """newOrder payload with the RFC 9115 / RFC 8739 members."""
    identifiers: List[Dict[str, str]] = jose.field("identifiers")
    delegation: str = jose.field("delegation")
    auto_renewal: Optional[Dict[str, Any]] = jose.field("auto-renewal", omitempty=True)
    allow_certificate_get: Optional[bool] = jose.field("allow-certificate-get", omitempty=True)


class Finalize(jose.JSONObjectWithFields):
    csr: str = jose.field("csr")


KEY_USAGE = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
             "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"]
EKU = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH}


def build_csr(template):
    """A CSR consistent with an RFC 9115 template of literal DNS names (EC P-256)."""
    key_type = template["keyTypes"][0]
    if key_type.get("namedCurve") != "secp256r1":
        raise SystemExit("this test NDC only does P-256 templates")
    key = ec.generate_private_key(ec.SECP256R1())
    ext = template["extensions"]
    names = [n for n in ext["subjectAltName"].get("DNS", []) if n not in ("*", "**")]
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    builder = builder.add_extension(
        x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=True)
    if "keyUsage" in ext:
        bits = {name: name in ext["keyUsage"] for name in KEY_USAGE}
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=bits["digitalSignature"], content_commitment=bits["nonRepudiation"],
            key_encipherment=bits["keyEncipherment"], data_encipherment=bits["dataEncipherment"],
            key_agreement=bits["keyAgreement"], key_cert_sign=bits["keyCertSign"],
            crl_sign=bits["cRLSign"], encipher_only=bits["encipherOnly"],
            decipher_only=bits["decipherOnly"]), critical=True)
    if "extendedKeyUsage" in ext:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([EKU[e] for e in ext["extendedKeyUsage"]]), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return names, csr.public_bytes(serialization.Encoding.DER)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--eab-kid", required=True)
    parser.add_argument("--eab-hmac", required=True)
    args = parser.parse_args()

    account_key = jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
    net = client.ClientNetwork(account_key, alg=jose.ES256, verify_ssl=args.ca,
                               user_agent="legate-test-python3-acme")
    raw_directory = net.get(args.directory).json()
    if raw_directory.get("meta", {}).get("delegation-enabled") is not True:
        raise SystemExit("the server does not advertise delegation-enabled")
    directory = messages.Directory.from_json(raw_directory)
    acme = client.ClientV2(directory, net=net)

    eab = messages.ExternalAccountBinding.from_data(
        account_public_key=account_key.public_key(), kid=args.eab_kid,
        hmac_key=args.eab_hmac, directory=directory)
    regr = acme.new_account(messages.NewRegistration.from_data(
        email="ops@cdn.example", terms_of_service_agreed=True, external_account_binding=eab))

    account = acme._post_as_get(regr.uri).json()
    delegations = acme._post_as_get(account["delegations"]).json()["delegations"]
    delegation_url = delegations[0]
    template = acme._post_as_get(delegation_url).json()["csr-template"]
    names, csr_der = build_csr(template)

    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    order_response = acme._post(raw_directory["newOrder"], DelegatedOrder(
        identifiers=[{"type": "dns", "value": n} for n in names],
        delegation=delegation_url,
        auto_renewal={"end-date": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "lifetime": 3600,
                      "allow-certificate-get": True}))
    order = order_response.json()
    if order_response.status_code != 201 or order["status"] != "ready":
        raise SystemExit(f"newOrder: {order_response.status_code} {order}")
    finalized = acme._post(order["finalize"], Finalize(csr=jose.encode_b64jose(csr_der))).json()
    print(json.dumps({"order": order_response.headers["Location"], "status": finalized["status"],
                      "names": names}))
    return 0 if finalized["status"] == "processing" else 1


if __name__ == "__main__":
    sys.exit(main())
