#pragma once
/// Signing and verifying with public-key algorithms: the one place Legate calls
/// OpenSSL's signature functions for JWS (broker/wire/JwsAlgorithm maps JWS algorithm
/// names onto these schemes; the wire formats stay there).

#include <optional>
#include <span>

#include "broker/core/Result.h"
#include "broker/crypto/Digest.h"
#include "broker/crypto/Key.h"

namespace legate::crypto {

/// How a signature is made.
struct SignatureScheme {
    /// RSA padding; ignored for EC and Ed25519 keys.
    enum class Padding { Pkcs1, Pss };
    /// nullopt for Ed25519 (PureEdDSA hashes internally).
    std::optional<HashAlgorithm> hash;
    /// PSS: MGF1 with the same hash, salt as long as the hash (RFC 7518 §3.5).
    Padding padding = Padding::Pkcs1;
};

/// Ok(true) when `signature` (ECDSA: DER ECDSA-Sig-Value) verifies over `data`;
/// Ok(false) when it does not; a serverInternal problem when the library fails.
Result<bool> verifySignature(const PublicKey& key, const SignatureScheme& scheme,
                             std::span<const unsigned char> data,
                             std::span<const unsigned char> signature);

/// The signature over `data` (ECDSA: DER ECDSA-Sig-Value); serverInternal on failure.
Result<Bytes> sign(const PrivateKey& key, const SignatureScheme& scheme,
                   std::span<const unsigned char> data);

/// ECDSA r‖s (each `width` bytes) to DER ECDSA-Sig-Value, and back (left-padded).
std::optional<Bytes> ecdsaRawToDer(std::span<const unsigned char> raw, size_t width);
std::optional<Bytes> ecdsaDerToRaw(const Bytes& der, size_t width);

/// The largest signature the key makes (RSA: the modulus length in bytes).
size_t maxSignatureSize(const PublicKey& key);

}  // namespace legate::crypto
