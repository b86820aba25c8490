#include <tuple>

#include <gtest/gtest.h>

#include "broker/crypto/KeyComponents.h"
#include "tests/broker/crypto/CryptoTestSupport.h"

namespace legate::crypto {
namespace {

using test::cachedKey;

TEST(KeyComponentsTest, RsaRoundTrip) {
    const PublicKey key = cachedKey(KeyType::Rsa2048).publicKey();
    const auto rsa = rsaComponents(key);
    ASSERT_TRUE(rsa);
    EXPECT_EQ(rsa->e, (Bytes{0x01, 0x00, 0x01}));
    auto back = rsaPublicKeyFromComponents(rsa->n, rsa->e);
    ASSERT_TRUE(back.ok()) << back.problem().detail;
    EXPECT_TRUE(*back == key);
    EXPECT_FALSE(ecCoordinates(key, 32));
    EXPECT_FALSE(ed25519Raw(key));
}

TEST(KeyComponentsTest, RsaImportObeysTheOneRsaRule) {
    const auto rsa = rsaComponents(cachedKey(KeyType::Rsa2048).publicKey());
    ASSERT_TRUE(rsa);
    auto small = rsaPublicKeyFromComponents(rsa->n, Bytes{0x03});
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.problem().type, acme::ErrorType::badPublicKey);
    EXPECT_NE(small.problem().detail.find("too small"), std::string::npos);
}

TEST(KeyComponentsTest, EcRoundTripAndOffCurvePoint) {
    for (const auto& [type, curve, width] : {std::tuple{KeyType::P256, "P-256", size_t{32}},
                                             std::tuple{KeyType::P384, "P-384", size_t{48}},
                                             std::tuple{KeyType::P521, "P-521", size_t{66}}}) {
        const PublicKey key = cachedKey(type).publicKey();
        const auto point = ecCoordinates(key, width);
        ASSERT_TRUE(point) << curve;
        EXPECT_EQ(point->x.size(), width);
        auto back = ecPublicKeyFromCoordinates(curve, point->x, point->y);
        ASSERT_TRUE(back.ok()) << back.problem().detail;
        EXPECT_TRUE(*back == key) << curve;
        Bytes y = point->y;
        y.back() ^= 1;
        EXPECT_FALSE(ecPublicKeyFromCoordinates(curve, point->x, y).ok()) << curve;
    }
    EXPECT_FALSE(ecPublicKeyFromCoordinates("P-192", Bytes(24), Bytes(24)).ok());
}

TEST(KeyComponentsTest, Ed25519RoundTrip) {
    const PublicKey key = cachedKey(KeyType::Ed25519).publicKey();
    EXPECT_TRUE(isEd25519(key));
    EXPECT_FALSE(isEd25519(cachedKey(KeyType::P256).publicKey()));
    const auto raw = ed25519Raw(key);
    ASSERT_TRUE(raw);
    auto back = ed25519PublicKeyFromRaw(*raw);
    ASSERT_TRUE(back.ok()) << back.problem().detail;
    EXPECT_TRUE(*back == key);
    EXPECT_FALSE(ed25519PublicKeyFromRaw(Bytes(31)).ok());
    EXPECT_FALSE(rsaComponents(key));
}

}  // namespace
}  // namespace legate::crypto
