#include <gtest/gtest.h>
#include <openssl/ec.h>

#include "broker/wire/Jwk.h"
#include "broker/wire/JwsAlgorithm.h"
#include "tests/broker/wire/RfcVectors.h"
#include "tests/broker/wire/WireTestSupport.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using crypto::KeyType;
using nlohmann::json;
using test::b64;
using test::testKey;
using test::unb64;

crypto::PublicKey keyFromJwk(const json& jwk) {
    auto key = parseJwk(jwk);
    EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.problem().detail);
    return std::move(key).value();
}

crypto::PublicKey rfc7515RsaKey() {
    return keyFromJwk({{"kty", "RSA"}, {"n", rfc::kA2N}, {"e", rfc::kA2E}});
}

crypto::PublicKey rfc7515EcKey() {
    return keyFromJwk({{"kty", "EC"}, {"crv", "P-256"}, {"x", rfc::kA3X}, {"y", rfc::kA3Y}});
}

/// r||s to DER, the form JWS forbids.
crypto::Bytes toDer(const crypto::Bytes& raw) {
    const size_t half = raw.size() / 2;
    std::unique_ptr<ECDSA_SIG, crypto::Deleter<ECDSA_SIG_free>> sig(ECDSA_SIG_new());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
    crypto::Bytes der(static_cast<size_t>(i2d_ECDSA_SIG(sig.get(), nullptr)));
    unsigned char* out = der.data();
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}

void expectUnauthorized(const Status& s) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, ErrorType::unauthorized);
    EXPECT_EQ(s.problem().status, 401);
}

TEST(JwsAlgorithm, NamesAndAllowlist) {
    EXPECT_EQ(acceptedJwsAlgorithms(),
              (std::vector<std::string>{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"}));
    for (const auto& name : acceptedJwsAlgorithms()) {
        auto alg = parseJwsAlgorithm(name);
        ASSERT_TRUE(alg.has_value());
        EXPECT_EQ(jwsAlgorithmName(*alg), name);
    }
    for (const char* name : {"none", "HS256", "HS512", "RS384", "ES256K", "Ed25519", "es256", ""}) {
        EXPECT_FALSE(parseJwsAlgorithm(name).has_value()) << name;
    }
    const auto p = badSignatureAlgorithm("x");
    EXPECT_EQ(p.type, ErrorType::badSignatureAlgorithm);
    EXPECT_EQ(p.algorithms, acceptedJwsAlgorithms());
    EXPECT_EQ(p.toJson()["algorithms"].size(), 6u);
}

TEST(JwsAlgorithm, DefaultAlgorithmFollowsTheKey) {
    const std::pair<KeyType, JwsAlgorithm> cases[] = {
        {KeyType::P256, JwsAlgorithm::ES256},    {KeyType::P384, JwsAlgorithm::ES384},
        {KeyType::P521, JwsAlgorithm::ES512},    {KeyType::Rsa2048, JwsAlgorithm::RS256},
        {KeyType::Ed25519, JwsAlgorithm::EdDSA},
    };
    for (const auto& [type, alg] : cases) {
        auto chosen = defaultJwsAlgorithm(testKey(type).publicKey());
        ASSERT_TRUE(chosen.ok());
        EXPECT_EQ(*chosen, alg);
    }
}

TEST(JwsAlgorithm, Rfc7515A2Rs256Verifies) {
    const std::string input = std::string(rfc::kA2ProtectedB64) + "." + rfc::kA1PayloadB64;
    const auto sig = unb64(rfc::kA2SignatureB64);
    auto s = verifyJwsSignature(JwsAlgorithm::RS256, rfc7515RsaKey(), input, sig);
    EXPECT_TRUE(s.ok()) << s.problem().detail;
    // The same signature is not a valid PS256 signature, nor over other input.
    expectUnauthorized(verifyJwsSignature(JwsAlgorithm::PS256, rfc7515RsaKey(), input, sig));
    expectUnauthorized(verifyJwsSignature(JwsAlgorithm::RS256, rfc7515RsaKey(), input + "x", sig));
}

TEST(JwsAlgorithm, Rfc7515A3Es256Verifies) {
    const std::string input = std::string(rfc::kA3ProtectedB64) + "." + rfc::kA1PayloadB64;
    const auto sig = unb64(rfc::kA3SignatureB64);
    ASSERT_EQ(sig.size(), 64u);
    auto s = verifyJwsSignature(JwsAlgorithm::ES256, rfc7515EcKey(), input, sig);
    EXPECT_TRUE(s.ok()) << s.problem().detail;
    crypto::Bytes tampered = sig;
    tampered[10] ^= 0x40;
    expectUnauthorized(verifyJwsSignature(JwsAlgorithm::ES256, rfc7515EcKey(), input, tampered));
}

TEST(JwsAlgorithm, Rfc7515A3SignatureInDerIsRejected) {
    const std::string input = std::string(rfc::kA3ProtectedB64) + "." + rfc::kA1PayloadB64;
    const auto der = toDer(unb64(rfc::kA3SignatureB64));
    auto s = verifyJwsSignature(JwsAlgorithm::ES256, rfc7515EcKey(), input, der);
    expectUnauthorized(s);
    EXPECT_NE(s.problem().detail.find("64-byte r||s form"), std::string::npos);
}

TEST(JwsAlgorithm, Rfc8037Ed25519SignsAndVerifiesExactly) {
    // PKCS#8 wrapping of the RFC 8037 A.1 private key (RFC 8410 §7).
    crypto::Bytes der = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    const auto seed = unb64(rfc::kEd25519D);
    der.insert(der.end(), seed.begin(), seed.end());
    auto key = crypto::PrivateKey::fromDer(der);
    ASSERT_TRUE(key.ok()) << key.problem().detail;

    auto jwk = toJwk(key->publicKey());
    ASSERT_TRUE(jwk.ok());
    EXPECT_EQ((*jwk)["x"], rfc::kEd25519X);  // A.2: public key from private

    auto sig = createJwsSignature(JwsAlgorithm::EdDSA, *key, rfc::kEd25519SigningInput);
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(b64(*sig), rfc::kEd25519SignatureB64);  // A.4: Ed25519 is deterministic

    const auto pub = keyFromJwk({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", rfc::kEd25519X}});
    const auto published = unb64(rfc::kEd25519SignatureB64);
    EXPECT_TRUE(
        verifyJwsSignature(JwsAlgorithm::EdDSA, pub, rfc::kEd25519SigningInput, published).ok());
    // A.5: verification fails once the input changes.
    expectUnauthorized(verifyJwsSignature(JwsAlgorithm::EdDSA, pub,
                                          std::string(rfc::kEd25519SigningInput) + "A", published));
}

TEST(JwsAlgorithm, Rfc7520Es512Verifies) {
    const auto pub =
        keyFromJwk({{"kty", "EC"}, {"crv", "P-521"}, {"x", rfc::kBilboX}, {"y", rfc::kBilboY}});
    const std::string input = std::string(rfc::kRfc7520Es512Protected) + "." + rfc::kRfc7520Payload;
    const auto sig = unb64(rfc::kRfc7520Es512Signature);
    ASSERT_EQ(sig.size(), 132u);
    auto s = verifyJwsSignature(JwsAlgorithm::ES512, pub, input, sig);
    EXPECT_TRUE(s.ok()) << s.problem().detail;
}

TEST(JwsAlgorithm, SignThenVerifyForEveryAlgorithmAndKeyType) {
    const std::pair<KeyType, JwsAlgorithm> cases[] = {
        {KeyType::Rsa2048, JwsAlgorithm::RS256}, {KeyType::Rsa3072, JwsAlgorithm::RS256},
        {KeyType::Rsa4096, JwsAlgorithm::RS256}, {KeyType::Rsa2048, JwsAlgorithm::PS256},
        {KeyType::Rsa4096, JwsAlgorithm::PS256}, {KeyType::P256, JwsAlgorithm::ES256},
        {KeyType::P384, JwsAlgorithm::ES384},    {KeyType::P521, JwsAlgorithm::ES512},
        {KeyType::Ed25519, JwsAlgorithm::EdDSA},
    };
    const std::map<JwsAlgorithm, size_t> ecdsaLength = {
        {JwsAlgorithm::ES256, 64}, {JwsAlgorithm::ES384, 96}, {JwsAlgorithm::ES512, 132}};
    for (const auto& [type, alg] : cases) {
        SCOPED_TRACE(std::string(crypto::keyTypeName(type)) + " " +
                     std::string(jwsAlgorithmName(alg)));
        const auto& key = testKey(type);
        // Many rounds for ECDSA: r or s with leading zero bytes must still be fixed-length.
        const int rounds = ecdsaLength.count(alg) ? 40 : 2;
        for (int i = 0; i < rounds; ++i) {
            const std::string input = "eyJhbGciOiJub25lIn0." + std::to_string(i);
            auto sig = createJwsSignature(alg, key, input);
            ASSERT_TRUE(sig.ok()) << sig.problem().detail;
            if (auto it = ecdsaLength.find(alg); it != ecdsaLength.end()) {
                ASSERT_EQ(sig->size(), it->second);
            }
            auto s = verifyJwsSignature(alg, key.publicKey(), input, *sig);
            ASSERT_TRUE(s.ok()) << s.problem().detail;
            expectUnauthorized(verifyJwsSignature(alg, key.publicKey(), input + ".", *sig));
        }
    }
}

TEST(JwsAlgorithm, AlgorithmThatDoesNotFitTheKeyIsRejected) {
    const std::pair<KeyType, JwsAlgorithm> cases[] = {
        {KeyType::P384, JwsAlgorithm::ES256},    {KeyType::P256, JwsAlgorithm::ES512},
        {KeyType::P521, JwsAlgorithm::ES384},    {KeyType::Ed25519, JwsAlgorithm::RS256},
        {KeyType::Rsa2048, JwsAlgorithm::EdDSA}, {KeyType::Rsa2048, JwsAlgorithm::ES256},
        {KeyType::P256, JwsAlgorithm::PS256},
    };
    for (const auto& [type, alg] : cases) {
        SCOPED_TRACE(std::string(crypto::keyTypeName(type)) + " " +
                     std::string(jwsAlgorithmName(alg)));
        const auto& key = testKey(type);
        auto s = verifyJwsSignature(alg, key.publicKey(), "a.b", crypto::Bytes(64, 1));
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.problem().type, ErrorType::badSignatureAlgorithm);
        EXPECT_EQ(s.problem().algorithms, acceptedJwsAlgorithms());
        EXPECT_NE(s.problem().detail.find("does not fit"), std::string::npos);
        auto sig = createJwsSignature(alg, key, "a.b");
        ASSERT_FALSE(sig.ok());
        EXPECT_EQ(sig.problem().type, ErrorType::badSignatureAlgorithm);
    }
}

TEST(JwsAlgorithm, ShortRsaKeyIsABadPublicKey) {
    crypto::EvpPkeyPtr raw(EVP_RSA_gen(1024));
    ASSERT_TRUE(raw != nullptr);
    const auto key = crypto::PublicKey::adopt(std::move(raw));
    auto s = verifyJwsSignature(JwsAlgorithm::RS256, key, "a.b", crypto::Bytes(128, 1));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, ErrorType::badPublicKey);
    EXPECT_NE(s.problem().detail.find("1024"), std::string::npos);
}

TEST(JwsAlgorithm, WrongLengthSignaturesAreRejected) {
    const auto& p256 = testKey(KeyType::P256);
    auto sig = createJwsSignature(JwsAlgorithm::ES256, p256, "a.b");
    ASSERT_TRUE(sig.ok());
    for (size_t len : {size_t{0}, size_t{63}, size_t{65}, size_t{96}}) {
        crypto::Bytes resized = *sig;
        resized.resize(len, 0);
        expectUnauthorized(
            verifyJwsSignature(JwsAlgorithm::ES256, p256.publicKey(), "a.b", resized));
    }
    const auto& ed = testKey(KeyType::Ed25519);
    expectUnauthorized(
        verifyJwsSignature(JwsAlgorithm::EdDSA, ed.publicKey(), "a.b", crypto::Bytes(63, 0)));
    const auto& rsa = testKey(KeyType::Rsa2048);
    expectUnauthorized(
        verifyJwsSignature(JwsAlgorithm::RS256, rsa.publicKey(), "a.b", crypto::Bytes(255, 1)));
    // r = 0 and s = 0 are never valid.
    expectUnauthorized(
        verifyJwsSignature(JwsAlgorithm::ES256, p256.publicKey(), "a.b", crypto::Bytes(64, 0)));
}

}  // namespace
}  // namespace legate::wire
