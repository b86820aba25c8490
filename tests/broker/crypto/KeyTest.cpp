#include <optional>

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "broker/crypto/Key.h"
#include "tests/broker/crypto/CryptoTestSupport.h"

namespace legate::crypto {
namespace {

using test::allKeyTypes;
using test::cachedKey;

struct Expected {
    KeyAlgorithm algorithm;
    int bits;
    std::string curve;
};

Expected expectedFor(KeyType type) {
    switch (type) {
        case KeyType::P256:
            return {KeyAlgorithm::Ec, 256, "secp256r1"};
        case KeyType::P384:
            return {KeyAlgorithm::Ec, 384, "secp384r1"};
        case KeyType::P521:
            return {KeyAlgorithm::Ec, 521, "secp521r1"};
        case KeyType::Rsa2048:
            return {KeyAlgorithm::Rsa, 2048, ""};
        case KeyType::Rsa3072:
            return {KeyAlgorithm::Rsa, 3072, ""};
        case KeyType::Rsa4096:
            return {KeyAlgorithm::Rsa, 4096, ""};
        case KeyType::Ed25519:
            return {KeyAlgorithm::Ed25519, 256, ""};
    }
    return {};
}

class KeyTypeTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyTypeTest, GeneratesTheRequestedShape) {
    const PrivateKey& key = cachedKey(GetParam());
    const Expected want = expectedFor(GetParam());
    EXPECT_EQ(key.algorithm(), want.algorithm);
    EXPECT_EQ(key.publicKey().bits(), want.bits);
    EXPECT_EQ(key.publicKey().curveName(), want.curve);
}

TEST_P(KeyTypeTest, PrivateKeyPemAndDerRoundTrip) {
    const PrivateKey& key = cachedKey(GetParam());
    const std::string pem = key.toPem();
    EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto fromPem = PrivateKey::fromPem(pem);
    ASSERT_TRUE(fromPem.ok()) << fromPem.problem().detail;
    EXPECT_TRUE(fromPem->publicKey() == key.publicKey());
    EXPECT_EQ(fromPem->toPem(), pem);

    auto fromDer = PrivateKey::fromDer(key.toDer());
    ASSERT_TRUE(fromDer.ok()) << fromDer.problem().detail;
    EXPECT_TRUE(fromDer->publicKey() == key.publicKey());
    EXPECT_EQ(fromDer->toDer(), key.toDer());
}

TEST_P(KeyTypeTest, PublicKeyPemAndDerRoundTrip) {
    const PublicKey pub = cachedKey(GetParam()).publicKey();
    auto fromDer = PublicKey::fromDer(pub.toDer());
    ASSERT_TRUE(fromDer.ok()) << fromDer.problem().detail;
    EXPECT_TRUE(*fromDer == pub);
    EXPECT_EQ(fromDer->toDer(), pub.toDer());

    auto fromPem = PublicKey::fromPem(pub.toPem());
    ASSERT_TRUE(fromPem.ok()) << fromPem.problem().detail;
    EXPECT_TRUE(*fromPem == pub);
}

TEST_P(KeyTypeTest, KeyTypeNamesRoundTrip) {
    EXPECT_EQ(parseKeyType(keyTypeName(GetParam())), GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, KeyTypeTest, ::testing::ValuesIn(allKeyTypes()),
                         [](const auto& info) {
                             std::string name(keyTypeName(info.param));
                             std::erase(name, '-');
                             return name;
                         });

TEST(KeyTest, DifferentKeysAreNotEqual) {
    const PublicKey a = cachedKey(KeyType::P256).publicKey();
    auto other = PrivateKey::generate(KeyType::P256);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(a == other->publicKey());
    EXPECT_FALSE(a == cachedKey(KeyType::P384).publicKey());
    EXPECT_FALSE(a == cachedKey(KeyType::Rsa2048).publicKey());
}

TEST(KeyTest, SpkiDerIsStable) {
    const PublicKey pub = cachedKey(KeyType::Ed25519).publicKey();
    EXPECT_EQ(pub.toDer(), cachedKey(KeyType::Ed25519).publicKey().toDer());
    EXPECT_EQ(pub.toDer().size(), 44u);  // Ed25519 SPKI: 12 bytes of header + 32 of key
}

// The public half is derived once and kept (Key.h): it must still hold no private
// material, and outlive the private key it came from.
TEST(KeyTest, PublicKeyHoldsNoPrivateMaterialAndOutlivesItsPrivateKey) {
    std::optional<PublicKey> pub;
    {
        auto key = PrivateKey::generate(KeyType::P256);
        ASSERT_TRUE(key.ok());
        pub = key->publicKey();
        const PrivateKey moved = std::move(key).value();
        EXPECT_TRUE(moved.publicKey() == *pub);
        EXPECT_EQ(moved.algorithm(), KeyAlgorithm::Ec);
        unsigned char* der = nullptr;
        EXPECT_GT(i2d_PrivateKey(moved.get(), &der), 0);
        OPENSSL_free(der);
    }
    unsigned char* der = nullptr;
    EXPECT_LE(i2d_PrivateKey(pub->get(), &der), 0);  // nothing private to encode
    OPENSSL_free(der);
    EXPECT_EQ(pub->toDer().size(), 91u);  // P-256 SPKI
}

TEST(KeyTest, UnknownKeyTypeName) {
    EXPECT_FALSE(parseKeyType("P-192").has_value());
    EXPECT_FALSE(parseKeyType("").has_value());
}

TEST(KeyTest, PublicKeyRejectsGarbageAndTrailingData) {
    EXPECT_FALSE(PublicKey::fromDer(Bytes{0x30, 0x00}).ok());
    EXPECT_FALSE(PublicKey::fromDer(Bytes{}).ok());
    Bytes der = cachedKey(KeyType::P256).publicKey().toDer();
    der.push_back(0);
    auto trailing = PublicKey::fromDer(der);
    ASSERT_FALSE(trailing.ok());
    EXPECT_EQ(trailing.problem().type, acme::ErrorType::badPublicKey);
    EXPECT_FALSE(PublicKey::fromPem("not pem").ok());
}

TEST(KeyTest, PrivateKeyRejectsGarbage) {
    auto bad =
        PrivateKey::fromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.problem().detail.find("PEM_read_bio_PrivateKey"), std::string::npos);
    EXPECT_FALSE(PrivateKey::fromDer(Bytes{1, 2, 3}).ok());
}

}  // namespace
}  // namespace legate::crypto
