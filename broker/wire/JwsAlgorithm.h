#pragma once
/// The JWS signature algorithms an ACME account key (or a certificate key, for
/// revokeCert) may sign with, and the raw sign/verify operations behind them.
///
/// The allowlist is RS256, PS256, ES256, ES384, ES512 and EdDSA (Ed25519): RFC 8555
/// §6.2 forbids `none` and MAC algorithms for account requests, so HS* exists only in
/// Eab.h.  Each algorithm fits exactly one key shape; a mismatch is refused before
/// any cryptography runs.  ECDSA signatures travel in the fixed-length r‖s form of
/// RFC 7518 §3.4, never DER; the conversion to and from OpenSSL's DER is done here.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::wire {

enum class JwsAlgorithm { RS256, PS256, ES256, ES384, ES512, EdDSA };

/// "ES256" for JwsAlgorithm::ES256.
std::string_view jwsAlgorithmName(JwsAlgorithm alg);
/// Inverse of jwsAlgorithmName; nullopt for anything outside the allowlist
/// (including "none" and "HS256").
std::optional<JwsAlgorithm> parseJwsAlgorithm(std::string_view name);
/// The allowlist by name, for the `algorithms` member of badSignatureAlgorithm.
const std::vector<std::string>& acceptedJwsAlgorithms();
/// A badSignatureAlgorithm problem with `algorithms` filled in.
acme::Problem badSignatureAlgorithm(std::string detail);

/// The algorithm a key signs with when none is asked for: ES256/ES384/ES512 by
/// curve, RS256 for RSA, EdDSA for Ed25519.
Result<JwsAlgorithm> defaultJwsAlgorithm(const crypto::PublicKey& key);

/// Whether `key` may be used with `alg`: badSignatureAlgorithm when the key type
/// does not fit (ES256 with a P-384 key, RS256 with Ed25519, ...), badPublicKey when
/// the key itself is unacceptable (RSA shorter than 2048 bits).
Status checkKeyFitsAlgorithm(JwsAlgorithm alg, const crypto::PublicKey& key);

/// Verifies `signature` over `signingInput` (the ASCII "protected.payload").
/// Checks the key fits first.  A signature that does not verify, including an ECDSA
/// signature of the wrong length or in DER, is `unauthorized` with status 401.
Status verifyJwsSignature(JwsAlgorithm alg, const crypto::PublicKey& key,
                          std::string_view signingInput, std::span<const unsigned char> signature);

/// Signs `signingInput` with `key`; ECDSA results are converted to r‖s.
/// serverInternal if OpenSSL fails; checkKeyFitsAlgorithm's problems otherwise.
Result<crypto::Bytes> createJwsSignature(JwsAlgorithm alg, const crypto::PrivateKey& key,
                                         std::string_view signingInput);

}  // namespace legate::wire
