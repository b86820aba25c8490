#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "broker/wire/Jwk.h"
#include "tests/broker/wire/RfcVectors.h"
#include "tests/broker/wire/WireTestSupport.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using crypto::KeyType;
using nlohmann::json;
using test::testKey;

const json kRfc7638Jwk = {
    {"kty", "RSA"}, {"n", rfc::kRfc7638N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};

void expectBadKey(const json& jwk, std::string_view detailPart) {
    auto r = parseJwk(jwk);
    ASSERT_FALSE(r.ok()) << jwk.dump();
    EXPECT_EQ(r.problem().type, ErrorType::badPublicKey);
    EXPECT_EQ(r.problem().status, 400);
    EXPECT_NE(r.problem().detail.find(detailPart), std::string::npos)
        << "detail: " << r.problem().detail;
}

json jwkOf(KeyType type) {
    auto jwk = toJwk(testKey(type).publicKey());
    EXPECT_TRUE(jwk.ok());
    return jwk.ok() ? *jwk : json();
}

crypto::PublicKey rsaPublicKey(unsigned bits) {
    crypto::EvpPkeyPtr key(EVP_RSA_gen(bits));
    EXPECT_TRUE(key != nullptr);
    return crypto::PublicKey::adopt(std::move(key));
}

TEST(Jwk, Rfc7638ThumbprintOfTheRsaExample) {
    auto thumbprint = jwkThumbprint(kRfc7638Jwk);
    ASSERT_TRUE(thumbprint.ok()) << thumbprint.problem().detail;
    EXPECT_EQ(*thumbprint, rfc::kRfc7638Thumbprint);
}

TEST(Jwk, CanonicalFormHasRequiredMembersInOrderWithoutWhitespace) {
    auto key = parseJwk(kRfc7638Jwk);
    ASSERT_TRUE(key.ok());
    auto canonical = canonicalJwk(*key);
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(*canonical, std::string(R"({"e":"AQAB","kty":"RSA","n":")") + rfc::kRfc7638N + "\"}");
}

TEST(Jwk, Rfc8037ThumbprintOfTheEd25519Example) {
    const json jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", rfc::kEd25519X}};
    auto thumbprint = jwkThumbprint(jwk);
    ASSERT_TRUE(thumbprint.ok()) << thumbprint.problem().detail;
    EXPECT_EQ(*thumbprint, rfc::kEd25519Thumbprint);
}

TEST(Jwk, RoundTripsEveryKeyType) {
    for (auto type : {KeyType::P256, KeyType::P384, KeyType::P521, KeyType::Rsa2048,
                      KeyType::Rsa3072, KeyType::Rsa4096, KeyType::Ed25519}) {
        SCOPED_TRACE(std::string(crypto::keyTypeName(type)));
        const auto pub = testKey(type).publicKey();
        auto jwk = toJwk(pub);
        ASSERT_TRUE(jwk.ok()) << jwk.problem().detail;
        auto back = parseJwk(*jwk);
        ASSERT_TRUE(back.ok()) << back.problem().detail;
        EXPECT_TRUE(sameKey(*back, pub));
        auto again = toJwk(*back);
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *jwk);
        auto t1 = jwkThumbprint(pub);
        auto t2 = jwkThumbprint(*jwk);
        ASSERT_TRUE(t1.ok() && t2.ok());
        EXPECT_EQ(*t1, *t2);
        EXPECT_EQ(t1->size(), 43u);
    }
}

TEST(Jwk, SerializesOnlyTheCanonicalMembers) {
    EXPECT_EQ(jwkOf(KeyType::P256).size(), 4u);
    EXPECT_EQ(jwkOf(KeyType::P256)["crv"], "P-256");
    EXPECT_EQ(jwkOf(KeyType::P384)["crv"], "P-384");
    const json p521 = jwkOf(KeyType::P521);
    EXPECT_EQ(p521["crv"], "P-521");
    EXPECT_EQ(p521["x"].get<std::string>().size(), 88u);  // 66 bytes, zero-padded
    EXPECT_EQ(p521["y"].get<std::string>().size(), 88u);
    const json rsa = jwkOf(KeyType::Rsa2048);
    EXPECT_EQ(rsa.size(), 3u);
    EXPECT_EQ(rsa["e"], "AQAB");
    EXPECT_EQ(rsa["n"].get<std::string>().size(), 342u);
    const json ed = jwkOf(KeyType::Ed25519);
    EXPECT_EQ(ed, (json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", ed["x"]}}));
}

TEST(Jwk, IgnoresNonKeyMembersAndComparesByKey) {
    json decorated = jwkOf(KeyType::P256);
    decorated["use"] = "sig";
    decorated["kid"] = "my key";
    decorated["key_ops"] = json::array({"verify"});
    auto same = sameKey(decorated, jwkOf(KeyType::P256));
    ASSERT_TRUE(same.ok());
    EXPECT_TRUE(*same);
    auto different = sameKey(jwkOf(KeyType::P256), jwkOf(KeyType::P384));
    ASSERT_TRUE(different.ok());
    EXPECT_FALSE(*different);
    EXPECT_FALSE(
        sameKey(testKey(KeyType::Rsa2048).publicKey(), testKey(KeyType::Rsa3072).publicKey()));
    auto bad = sameKey(json{{"kty", "oct"}}, jwkOf(KeyType::P256));
    EXPECT_FALSE(bad.ok());
}

TEST(Jwk, RejectsPrivateMembers) {
    for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
        json jwk = member == std::string("d") ? jwkOf(KeyType::P256) : jwkOf(KeyType::Rsa2048);
        jwk[member] = "AQAB";
        expectBadKey(jwk, std::string("private member \"") + member + "\"");
    }
    json ed = jwkOf(KeyType::Ed25519);
    ed["d"] = rfc::kEd25519D;
    expectBadKey(ed, "private member");
}

TEST(Jwk, RejectsUnknownKtyAndWrongShapes) {
    expectBadKey(json::array(), "must be a JSON object");
    expectBadKey(json("RSA"), "must be a JSON object");
    expectBadKey(json::object(), "missing member \"kty\"");
    expectBadKey(json{{"kty", 1}}, "\"kty\" must be a string");
    expectBadKey(json{{"kty", "oct"}}, "unsupported kty \"oct\"");
    expectBadKey(json{{"kty", "DSA"}}, "unsupported kty");
    expectBadKey(json{{"kty", "rsa"}}, "unsupported kty");  // names are case-sensitive
}

TEST(Jwk, RejectsUnknownOrMismatchedCurves) {
    json ec = jwkOf(KeyType::P256);
    ec["crv"] = "P-192";
    expectBadKey(ec, "unsupported EC curve \"P-192\"");
    ec["crv"] = "secp256k1";
    expectBadKey(ec, "unsupported EC curve");
    ec["crv"] = "Ed25519";
    expectBadKey(ec, "belongs to kty OKP");
    ec.erase("crv");
    expectBadKey(ec, "missing member \"crv\"");

    json okp = jwkOf(KeyType::Ed25519);
    okp["crv"] = "P-256";
    expectBadKey(okp, "belongs to kty EC");
    okp["crv"] = "Ed448";
    expectBadKey(okp, "unsupported OKP curve \"Ed448\"");
    okp["crv"] = "X25519";
    expectBadKey(okp, "unsupported OKP curve");
}

TEST(Jwk, RejectsMissingOrMistypedMembers) {
    for (const char* member : {"x", "y"}) {
        json ec = jwkOf(KeyType::P384);
        ec.erase(member);
        expectBadKey(ec, std::string("missing member \"") + member + "\"");
        ec[member] = 12;
        expectBadKey(ec, "must be a string, not number");
        ec[member] = "not*base64";
        expectBadKey(ec, std::string("member \"") + member + "\"");
        ec[member] = "";
        expectBadKey(ec, "is empty");
    }
    for (const char* member : {"n", "e"}) {
        json rsa = jwkOf(KeyType::Rsa2048);
        rsa.erase(member);
        expectBadKey(rsa, std::string("missing member \"") + member + "\"");
        rsa[member] = json::array();
        expectBadKey(rsa, "must be a string, not array");
    }
    json ed = jwkOf(KeyType::Ed25519);
    ed.erase("x");
    expectBadKey(ed, "missing member \"x\"");
    ed["crv"] = nullptr;
    expectBadKey(ed, "\"crv\" must be a string, not null");
}

TEST(Jwk, RejectsWrongCoordinateLengths) {
    json ec = jwkOf(KeyType::P256);
    const crypto::Bytes x = test::unb64(ec["x"].get<std::string>());
    ec["x"] = test::b64(crypto::Bytes(x.begin() + 1, x.end()));  // 31 bytes
    expectBadKey(ec, "coordinate x of a P-256 key must be 32 bytes, not 31");
    crypto::Bytes longer = {0};
    longer.insert(longer.end(), x.begin(), x.end());
    ec["x"] = test::b64(longer);  // 33 bytes, value unchanged
    expectBadKey(ec, "must be 32 bytes, not 33");

    json ed = jwkOf(KeyType::Ed25519);
    ed["x"] = test::b64(crypto::Bytes(31, 7));
    expectBadKey(ed, "must be 32 bytes, not 31");
}

TEST(Jwk, RejectsAPointOffTheCurve) {
    for (auto type : {KeyType::P256, KeyType::P384, KeyType::P521}) {
        json ec = jwkOf(type);
        crypto::Bytes y = test::unb64(ec["y"].get<std::string>());
        y.back() ^= 1;
        ec["y"] = test::b64(y);
        expectBadKey(ec, "is not a valid point on");
    }
    // The RFC 7515 A.3 x with a y of zero.
    expectBadKey(json{{"kty", "EC"},
                      {"crv", "P-256"},
                      {"x", rfc::kA3X},
                      {"y", test::b64(crypto::Bytes(32, 0))}},
                 "not a valid point");
}

TEST(Jwk, RejectsShortRsaModulus) {
    auto jwk = toJwk(rsaPublicKey(1024));
    ASSERT_TRUE(jwk.ok());
    expectBadKey(*jwk, "RSA modulus of 1024 bits is shorter than 2048");
}

TEST(Jwk, RejectsBadRsaExponentsAndNonMinimalIntegers) {
    json rsa = jwkOf(KeyType::Rsa2048);
    rsa["e"] = "Aw";  // 3
    expectBadKey(rsa, "public exponent 3 is too small");
    rsa["e"] = "AQAA";  // 65536
    expectBadKey(rsa, "public exponent is even");
    rsa["e"] = "AAEAAQ";  // 65537 with a leading zero octet
    expectBadKey(rsa, "leading zero octet");

    json padded = jwkOf(KeyType::Rsa2048);
    crypto::Bytes n = {0};
    const crypto::Bytes raw = test::unb64(padded["n"].get<std::string>());
    n.insert(n.end(), raw.begin(), raw.end());
    padded["n"] = test::b64(n);
    expectBadKey(padded, "leading zero octet");

    json even = jwkOf(KeyType::Rsa2048);
    crypto::Bytes evenN = test::unb64(even["n"].get<std::string>());
    evenN.back() &= 0xfe;
    even["n"] = test::b64(evenN);
    expectBadKey(even, "modulus is even");
}

TEST(Jwk, SerializingAKeyWithoutJwkFormIsAProblem) {
    crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr));
    EVP_PKEY* raw = nullptr;
    ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_generate(ctx.get(), &raw), 1);
    const auto key = crypto::PublicKey::adopt(crypto::EvpPkeyPtr(raw));
    auto jwk = toJwk(key);
    ASSERT_FALSE(jwk.ok());
    EXPECT_EQ(jwk.problem().type, ErrorType::badPublicKey);
    EXPECT_FALSE(jwkThumbprint(key).ok());
}

}  // namespace
}  // namespace legate::wire
