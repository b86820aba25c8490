#pragma once
/// Shared fixtures for the crypto tests: keys are generated once per type and reused,
/// because RSA-4096 generation on a shared two-core machine takes seconds.

#include <cstdlib>
#include <map>
#include <memory>

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Key.h"

namespace legate::crypto::test {

inline const PrivateKey& cachedKey(KeyType type) {
    static std::map<KeyType, std::unique_ptr<PrivateKey>> keys;
    auto& slot = keys[type];
    if (!slot) {
        auto key = PrivateKey::generate(type);
        if (!key.ok()) {
            ADD_FAILURE() << "generate " << keyTypeName(type) << ": " << key.problem().detail;
            std::abort();
        }
        slot = std::make_unique<PrivateKey>(std::move(key).value());
    }
    return *slot;
}

inline const std::vector<KeyType>& allKeyTypes() {
    static const std::vector<KeyType> types = {KeyType::P256,    KeyType::P384,    KeyType::P521,
                                               KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096,
                                               KeyType::Ed25519};
    return types;
}

/// A fixed "now" for certificate tests (2023-11-14T22:13:20Z).
inline TimePoint testNow() {
    return TimePoint{std::chrono::seconds{1'700'000'000}};
}
inline TimePoint::duration days(int n) {
    return std::chrono::hours{24 * n};
}

template <class T>
T mustOk(Result<T> result, const char* what) {
    if (!result.ok()) {
        ADD_FAILURE() << what << ": " << result.problem().detail;
        std::abort();
    }
    return std::move(result).value();
}

/// Root (10 years) -> intermediate (5 years, pathlen 0) -> leaf (90 days) around testNow().
struct TestPki {
    Certificate root;
    Certificate intermediate;
    Certificate leaf;
    const PrivateKey& rootKey;
    const PrivateKey& intermediateKey;
    const PrivateKey& leafKey;

    static TestPki make() {
        const PrivateKey& rootKey = cachedKey(KeyType::P384);
        const PrivateKey& intermediateKey = cachedKey(KeyType::P256);
        const PrivateKey& leafKey = cachedKey(KeyType::Rsa2048);
        const TimePoint now = testNow();
        Certificate root = mustOk(CertificateBuilder()
                                      .commonName("Legate Test Root")
                                      .organization("Legate")
                                      .validity(now - days(365), now + days(3650))
                                      .certificateAuthority(1)
                                      .selfSigned(rootKey),
                                  "root");
        Certificate intermediate = mustOk(CertificateBuilder()
                                              .commonName("Legate Test Intermediate")
                                              .validity(now - days(30), now + days(1825))
                                              .certificateAuthority(0)
                                              .issuedBy(intermediateKey.publicKey(), root, rootKey),
                                          "intermediate");
        Certificate leaf = mustOk(CertificateBuilder()
                                      .commonName("abc.ido.example")
                                      .dnsNames({"abc.ido.example", "www.abc.ido.example"})
                                      .ipAddresses({"127.0.0.1"})
                                      .validity(now - days(1), now + days(89))
                                      .serverAuth()
                                      .issuedBy(leafKey.publicKey(), intermediate, intermediateKey),
                                  "leaf");
        return TestPki{std::move(root), std::move(intermediate), std::move(leaf),
                       rootKey,         intermediateKey,         leafKey};
    }
};

}  // namespace legate::crypto::test
