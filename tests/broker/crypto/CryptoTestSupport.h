#pragma once
/// Shared fixtures for the crypto tests: keys are generated once per type and reused,
/// because RSA-4096 generation on a shared two-core machine takes seconds.

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/rsa.h>

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

/// An RSA key with public exponent `e` (e.g. 3, which the key gates must refuse).
inline PrivateKey rsaKeyWithExponent(int bits, unsigned long e) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    BignumPtr exponent(BN_new());
    EVP_PKEY* raw = nullptr;
    if (!ctx || !exponent || BN_set_word(exponent.get(), e) != 1 ||
        EVP_PKEY_keygen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1 ||
        EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
        ADD_FAILURE() << "RSA keygen with e=" << e << ": " << lastOpenSslError();
        std::abort();
    }
    EvpPkeyPtr key(raw);
    unsigned char* der = nullptr;
    const int len = i2d_PrivateKey(key.get(), &der);
    OpenSslBytesPtr owner(der);
    auto parsed = PrivateKey::fromDer(Bytes(der, der + std::max(len, 0)));
    if (!parsed.ok()) {
        ADD_FAILURE() << "PrivateKey::fromDer: " << parsed.problem().detail;
        std::abort();
    }
    return std::move(parsed).value();
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
