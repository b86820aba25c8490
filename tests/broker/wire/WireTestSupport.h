#pragma once
/// Shared helpers for the wire tests: keys generated once per process, and a way to
/// build a JWS with an arbitrary protected header (for the rejection cases that the
/// real signer refuses to produce).

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/crypto/Key.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/JwsAlgorithm.h"

namespace legate::wire::test {

/// A private key of `type`, generated on first use and kept for the whole run (RSA
/// generation is slow).
inline const crypto::PrivateKey& testKey(crypto::KeyType type) {
    static std::mutex mutex;
    static std::map<crypto::KeyType, crypto::PrivateKey> keys;
    std::lock_guard lock(mutex);
    auto it = keys.find(type);
    if (it == keys.end()) {
        auto key = crypto::PrivateKey::generate(type);
        EXPECT_TRUE(key.ok());
        it = keys.emplace(type, std::move(key).value()).first;
    }
    return it->second;
}

inline std::string b64(std::string_view text) {
    return base64UrlEncode(text);
}

inline std::string b64(const crypto::Bytes& bytes) {
    return base64UrlEncode(bytes);
}

inline crypto::Bytes unb64(std::string_view text) {
    auto bytes = base64UrlDecode(text);
    EXPECT_TRUE(bytes.ok()) << text;
    return bytes.ok() ? *bytes : crypto::Bytes{};
}

inline std::string asString(const crypto::Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

/// A flattened JWS whose protected header is exactly `header`, payload `payloadText`
/// (already base64url), signed by `key` with `alg`.
inline nlohmann::json customJws(const nlohmann::json& header, const std::string& payloadText,
                                const crypto::PrivateKey& key, JwsAlgorithm alg) {
    const std::string protectedText = b64(header.dump());
    auto sig = createJwsSignature(alg, key, protectedText + "." + payloadText);
    EXPECT_TRUE(sig.ok()) << (sig.ok() ? "" : sig.problem().detail);
    return {{"protected", protectedText},
            {"payload", payloadText},
            {"signature", sig.ok() ? b64(*sig) : std::string("AA")}};
}

}  // namespace legate::wire::test
