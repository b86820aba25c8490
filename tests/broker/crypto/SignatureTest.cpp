#include <string_view>

#include <gtest/gtest.h>

#include "broker/crypto/Signature.h"
#include "tests/broker/crypto/CryptoTestSupport.h"

namespace legate::crypto {
namespace {

using test::cachedKey;

std::span<const unsigned char> bytesOf(std::string_view text) {
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

TEST(SignatureTest, SignAndVerifyEveryScheme) {
    const std::string_view message = "signing input";
    const struct {
        KeyType type;
        SignatureScheme scheme;
    } cases[] = {
        {KeyType::Rsa2048, {HashAlgorithm::Sha256, SignatureScheme::Padding::Pkcs1}},
        {KeyType::Rsa2048, {HashAlgorithm::Sha256, SignatureScheme::Padding::Pss}},
        {KeyType::P256, {HashAlgorithm::Sha256, SignatureScheme::Padding::Pkcs1}},
        {KeyType::P384, {HashAlgorithm::Sha384, SignatureScheme::Padding::Pkcs1}},
        {KeyType::Ed25519, {std::nullopt, SignatureScheme::Padding::Pkcs1}},
    };
    for (const auto& c : cases) {
        const PrivateKey& key = cachedKey(c.type);
        auto signature = sign(key, c.scheme, bytesOf(message));
        ASSERT_TRUE(signature.ok()) << keyTypeName(c.type) << ": " << signature.problem().detail;
        auto good = verifySignature(key.publicKey(), c.scheme, bytesOf(message), *signature);
        ASSERT_TRUE(good.ok());
        EXPECT_TRUE(*good) << keyTypeName(c.type);
        auto bad = verifySignature(key.publicKey(), c.scheme, bytesOf("other input"), *signature);
        ASSERT_TRUE(bad.ok());
        EXPECT_FALSE(*bad) << keyTypeName(c.type);
    }
    // PKCS#1 v1.5 and PSS are not interchangeable.
    const PrivateKey& rsa = cachedKey(KeyType::Rsa2048);
    const SignatureScheme pss{HashAlgorithm::Sha256, SignatureScheme::Padding::Pss};
    const SignatureScheme pkcs1{HashAlgorithm::Sha256, SignatureScheme::Padding::Pkcs1};
    auto pssSignature = sign(rsa, pss, bytesOf(message));
    ASSERT_TRUE(pssSignature.ok());
    EXPECT_FALSE(*verifySignature(rsa.publicKey(), pkcs1, bytesOf(message), *pssSignature));
    EXPECT_EQ(maxSignatureSize(rsa.publicKey()), 256u);
}

TEST(SignatureTest, EcdsaRawAndDerRoundTrip) {
    const PrivateKey& key = cachedKey(KeyType::P256);
    const SignatureScheme scheme{HashAlgorithm::Sha256, SignatureScheme::Padding::Pkcs1};
    auto der = sign(key, scheme, bytesOf("x"));
    ASSERT_TRUE(der.ok());
    const auto raw = ecdsaDerToRaw(*der, 32);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 64u);
    const auto back = ecdsaRawToDer(*raw, 32);
    ASSERT_TRUE(back);
    EXPECT_TRUE(*verifySignature(key.publicKey(), scheme, bytesOf("x"), *back));
    EXPECT_FALSE(ecdsaRawToDer(*raw, 33));  // wrong length
    EXPECT_FALSE(ecdsaDerToRaw(Bytes{0x30, 0x00}, 32));
}

}  // namespace
}  // namespace legate::crypto
