#pragma once
/// Hashes, HMACs and constant-time comparison: the only place outside the key and
/// certificate code where Legate calls OpenSSL's digest functions, so the rest of the
/// tree (wire, store, idO, ndc) needs no OpenSSL header for them.

#include <span>
#include <string>
#include <string_view>

#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

enum class HashAlgorithm { Sha1, Sha256, Sha384, Sha512 };

/// OpenSSL's digest of `algorithm` (for the other crypto code: signatures).
const EVP_MD* evpDigest(HashAlgorithm algorithm);

/// The digest of `data`; empty only if OpenSSL fails (memory exhaustion).
Bytes digest(HashAlgorithm algorithm, std::span<const unsigned char> data);
Bytes digest(HashAlgorithm algorithm, std::string_view data);
/// SHA-256 of `data` (the common case: thumbprints, key authorizations, tokens).
Bytes sha256(std::string_view data);
Bytes sha256(std::span<const unsigned char> data);

/// HMAC of `data` under `key` (RFC 2104); an empty key is allowed here (callers that
/// must refuse one do so).  Empty only if OpenSSL fails.
Bytes hmac(HashAlgorithm algorithm, std::span<const unsigned char> key, std::string_view data);

/// Lower-case hex of `bytes`.
std::string toHex(std::span<const unsigned char> bytes);

/// True when both are equal, in time that depends on the length only (CRYPTO_memcmp).
bool constantTimeEquals(std::span<const unsigned char> a, std::span<const unsigned char> b);

}  // namespace legate::crypto
