#pragma once
/// The one rule for RSA public keys Legate accepts from outside, whether it arrives as
/// an account JWK (RFC 8555 §6.2) or as the key of a CSR (RFC 9115 §4.1 gate): the same
/// modulus bounds and exponent bounds, and OpenSSL's SP 800-56B public-key check.

#include <optional>
#include <string>

#include "broker/crypto/Key.h"

namespace legate::crypto {

/// Smallest RSA modulus accepted (RFC 8555 §6.2 via the digest, digest A11).
inline constexpr int kMinRsaBits = 2048;
/// Largest RSA modulus accepted: bounds the cost of one verification.
inline constexpr int kMaxRsaBits = 8192;
/// Smallest public exponent accepted: FIPS 186-5 requires e > 2^16, and OpenSSL's own
/// public-key check (SP 800-56B) refuses anything smaller as well.
inline constexpr unsigned long kMinRsaExponent = 65537;
/// Largest public exponent accepted: e < 2^256.
inline constexpr int kMaxRsaExponentBits = 256;

/// nullopt when modulus `n` and exponent `e` are within the bounds above and both odd;
/// otherwise one sentence saying which bound fails (no "JWK"/"CSR" prefix: callers add
/// their context and problem type).
std::optional<std::string> rsaParameterFault(const BIGNUM* n, const BIGNUM* e);

/// The same for a parsed key (RSA or RSASSA-PSS), plus EVP_PKEY_public_check; nullopt
/// for other key types.
std::optional<std::string> rsaPublicKeyFault(const PublicKey& key);

}  // namespace legate::crypto
