#pragma once
/// Public JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037) and their RFC 7638
/// thumbprints: the account-key format of ACME.
///
/// Only the key shapes an ACME account may use are accepted: RSA with a modulus of
/// at least 2048 bits, EC P-256/P-384/P-521 with a point on the curve, and OKP
/// Ed25519.  A JWK that carries private members is refused outright (a client that
/// leaks its private key must not have it accepted and stored).  Every refusal is a
/// `badPublicKey` problem whose detail says why (RFC 8555 §6.2).

#include <string>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/crypto/RsaKeyCheck.h"

namespace legate::wire {

/// RSA modulus bounds for an account key: the one rule in crypto/RsaKeyCheck.h.
inline constexpr int kMinRsaBits = crypto::kMinRsaBits;
inline constexpr int kMaxRsaBits = crypto::kMaxRsaBits;

/// Decodes a public JWK.  Members other than the ones that define the key (`use`,
/// `key_ops`, `alg`, `kid`, ...) are ignored, but private members (`d`, `p`, `q`,
/// `dp`, `dq`, `qi`, `oth`, `k`) are refused.
Result<crypto::PublicKey> parseJwk(const nlohmann::json& jwk);

/// The public JWK of `key` with exactly the members that define it (RSA: kty, n, e;
/// EC: kty, crv, x, y; OKP: kty, crv, x), in the minimal encodings RFC 7518 asks for.
/// badPublicKey for a key type JWK cannot express here (e.g. X25519, secp256k1).
Result<nlohmann::json> toJwk(const crypto::PublicKey& key);

/// The RFC 7638 input: the required members in lexicographic order, no whitespace,
/// e.g. {"e":"AQAB","kty":"RSA","n":"..."}.
Result<std::string> canonicalJwk(const crypto::PublicKey& key);

/// RFC 7638 thumbprint: base64url(SHA-256(canonicalJwk(key))).  ACME uses it in key
/// authorizations (RFC 8555 §8.1).
Result<std::string> jwkThumbprint(const crypto::PublicKey& key);
/// The same for a JWK given as JSON; it is decoded (and so validated) first.
Result<std::string> jwkThumbprint(const nlohmann::json& jwk);

/// True when both are the same public key (same type, same parameters).
bool sameKey(const crypto::PublicKey& a, const crypto::PublicKey& b);
/// The same for two JWKs: decodes both (a problem if either is not acceptable) and
/// compares keys, so member order, ignored members and whitespace do not matter.
Result<bool> sameKey(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace legate::wire
