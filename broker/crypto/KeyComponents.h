#pragma once
/// Public keys to and from their raw components (RSA n and e, an EC point, Ed25519's 32
/// bytes): what JWK (RFC 7518 §6, RFC 8037) carries.  broker/wire builds and reads JWKs
/// through these, so the key import and its validation live in crypto, not in wire.
///
/// Every import validates the key (OpenSSL's public-key check; for RSA the one rule of
/// RsaKeyCheck.h).  A refusal is a badPublicKey problem whose detail says why, without
/// a prefix: callers add their context ("JWK: ...").

#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::crypto {

/// RSA from big-endian unsigned n and e (leading zero octets are the caller's concern).
Result<PublicKey> rsaPublicKeyFromComponents(const Bytes& n, const Bytes& e);
/// EC from the affine coordinates, each exactly the field size of `curve` ("P-256",
/// "P-384", "P-521"); the point must lie on the curve.
Result<PublicKey> ecPublicKeyFromCoordinates(std::string_view curve, const Bytes& x,
                                             const Bytes& y);
/// Ed25519 from its 32-byte public key.
Result<PublicKey> ed25519PublicKeyFromRaw(const Bytes& raw);

struct RsaComponents {
    Bytes n;  ///< minimal big-endian
    Bytes e;
};
/// n and e of an RSA (or RSASSA-PSS) key; nullopt for another type.
std::optional<RsaComponents> rsaComponents(const PublicKey& key);

struct EcCoordinates {
    Bytes x;  ///< left-padded to `width` bytes
    Bytes y;
};
/// The public point of an EC key, each coordinate `width` bytes; nullopt otherwise.
std::optional<EcCoordinates> ecCoordinates(const PublicKey& key, size_t width);

/// The 32 raw bytes of an Ed25519 key; nullopt for another type.
std::optional<Bytes> ed25519Raw(const PublicKey& key);

/// True for an Ed25519 key (PublicKey::algorithm() reports every non-RSA, non-EC key as
/// Ed25519, so JWK export asks this).
bool isEd25519(const PublicKey& key);

}  // namespace legate::crypto
