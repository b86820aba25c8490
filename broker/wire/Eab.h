#pragma once
/// External Account Binding (RFC 8555 §7.3.4): the inner JWS in a newAccount payload
/// that ties the new ACME account to an account the operator created out of band
/// (for Legate: an NDC registered through the admin API, which hands out the key id
/// and the HMAC key).
///
/// This is the only place where MAC algorithms (HS256/HS384/HS512) are accepted;
/// an account JWS with HS* is refused by Jws.  MACs are compared in constant time.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::wire {

enum class MacAlgorithm { HS256, HS384, HS512 };

/// "HS256" for MacAlgorithm::HS256.
std::string_view macAlgorithmName(MacAlgorithm alg);
/// nullopt for anything but HS256, HS384, HS512.
std::optional<MacAlgorithm> parseMacAlgorithm(std::string_view name);

/// HMAC of `input` with `key` (RFC 7518 §3.2).  Empty when OpenSSL fails.
crypto::Bytes computeMac(MacAlgorithm alg, std::span<const unsigned char> key,
                         std::string_view input);
/// Checks `mac` against the HMAC of `input` in constant time: unauthorized (401) on
/// mismatch, wrong length or an empty key.
Status verifyMac(MacAlgorithm alg, std::span<const unsigned char> key, std::string_view input,
                 std::span<const unsigned char> mac);

/// Builds the externalAccountBinding object a client puts in its newAccount payload:
/// protected {"alg", "kid": keyId, "url": newAccountUrl}, no nonce, payload = the
/// account's public JWK, MAC'ed with `hmacKey`.
Result<nlohmann::json> createExternalAccountBinding(const crypto::PublicKey& accountKey,
                                                    std::string_view keyId,
                                                    std::span<const unsigned char> hmacKey,
                                                    std::string_view newAccountUrl,
                                                    MacAlgorithm alg = MacAlgorithm::HS256);

/// Finds the HMAC key of an EAB key id; nullopt when the id is unknown.
using EabKeyLookup = std::function<std::optional<crypto::Bytes>(std::string_view keyId)>;

/// What a verified binding established.
struct VerifiedEab {
    std::string keyId;
    MacAlgorithm alg = MacAlgorithm::HS256;
};

/// Verifies a client's externalAccountBinding (RFC 8555 §7.3.4, in the order the RFC
/// lists): a well-formed flattened JWS, MAC alg, `kid`, no nonce, `url` equal to the
/// outer JWS's `url`; the key id known to `lookup`; the MAC valid; the payload a JWK
/// of the same key as the outer JWS's.  Structural faults are malformed; an unknown
/// key id, a bad MAC, a url or key mismatch are unauthorized (401).
Result<VerifiedEab> verifyExternalAccountBinding(const nlohmann::json& binding,
                                                 const crypto::PublicKey& accountKey,
                                                 std::string_view outerUrl,
                                                 const EabKeyLookup& lookup);

}  // namespace legate::wire
