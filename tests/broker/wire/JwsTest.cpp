#include <gtest/gtest.h>

#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"
#include "tests/broker/wire/RfcVectors.h"
#include "tests/broker/wire/WireTestSupport.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using crypto::KeyType;
using nlohmann::json;
using test::b64;
using test::customJws;
using test::testKey;

constexpr const char* kUrl = "https://ido.example/acme/t1/new-order";
constexpr const char* kNonce = "6S8IqOGY7eL2lsGoTZYifg";
constexpr const char* kKid = "https://ido.example/acme/t1/acct/evOfKhNU60wg";

json p256Jwk() {
    return toJwk(testKey(KeyType::P256).publicKey()).value();
}

/// A valid request header for `key`, signed with kid.
json kidHeader(const char* alg = "ES256") {
    return {{"alg", alg}, {"nonce", kNonce}, {"url", kUrl}, {"kid", kKid}};
}

const std::string kPayload = b64(std::string(R"({"identifiers":[]})"));

void expectProblem(const Result<Jws>& r, ErrorType type, std::string_view detailPart) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, type) << r.problem().detail;
    EXPECT_NE(r.problem().detail.find(detailPart), std::string::npos)
        << "detail: " << r.problem().detail;
}

void expectMalformed(const json& body, std::string_view detailPart,
                     const JwsOptions& options = {}) {
    expectProblem(Jws::parse(body.dump(), options), ErrorType::malformed, detailPart);
}

json validBody() {
    return customJws(kidHeader(), kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256);
}

TEST(Jws, SignParseVerifyRoundTripForEveryKeyType) {
    for (auto type : {KeyType::P256, KeyType::P384, KeyType::P521, KeyType::Rsa2048,
                      KeyType::Rsa3072, KeyType::Rsa4096, KeyType::Ed25519}) {
        SCOPED_TRACE(std::string(crypto::keyTypeName(type)));
        const auto& key = testKey(type);
        JwsHeader header;
        header.url = kUrl;
        header.nonce = kNonce;
        auto body = signJws(key, json{{"termsOfServiceAgreed", true}}, header);
        ASSERT_TRUE(body.ok()) << body.problem().detail;

        auto jws = Jws::parse(*body);
        ASSERT_TRUE(jws.ok()) << jws.problem().detail;
        EXPECT_EQ(jws->url(), kUrl);
        EXPECT_EQ(jws->nonce(), std::optional<std::string>(kNonce));
        ASSERT_TRUE(jws->jwk().has_value());
        EXPECT_FALSE(jws->kid().has_value());
        EXPECT_FALSE(jws->isPostAsGet());
        auto payload = jws->payloadJson();
        ASSERT_TRUE(payload.ok());
        EXPECT_EQ((*payload)["termsOfServiceAgreed"], true);

        auto embedded = jws->embeddedKey();
        ASSERT_TRUE(embedded.ok()) << embedded.problem().detail;
        EXPECT_TRUE(sameKey(*embedded, key.publicKey()));
        auto verified = jws->verify(*embedded);
        EXPECT_TRUE(verified.ok()) << verified.problem().detail;
    }
}

TEST(Jws, PostAsGetWithKidAndExplicitPs256) {
    const auto& key = testKey(KeyType::Rsa2048);
    JwsHeader header;
    header.url = kUrl;
    header.nonce = kNonce;
    header.kid = kKid;
    header.alg = JwsAlgorithm::PS256;
    auto object = signJwsObject(key, std::nullopt, header);
    ASSERT_TRUE(object.ok());
    EXPECT_EQ((*object)["payload"], "");

    auto jws = Jws::fromJson(*object);
    ASSERT_TRUE(jws.ok()) << jws.problem().detail;
    EXPECT_EQ(jws->algorithm(), "PS256");
    EXPECT_EQ(jws->signatureAlgorithm(), std::optional(JwsAlgorithm::PS256));
    EXPECT_EQ(jws->kid(), std::optional<std::string>(kKid));
    EXPECT_TRUE(jws->isPostAsGet());
    EXPECT_TRUE(jws->payload().empty());
    EXPECT_EQ(jws->signingInput(), (*object)["protected"].get<std::string>() + ".");
    EXPECT_EQ(jws->toJson(), *object);
    EXPECT_TRUE(jws->verify(key.publicKey()).ok());
    // No jwk to decode.
    EXPECT_EQ(jws->embeddedKey().problem().type, ErrorType::malformed);
    // POST-as-GET has no JSON payload.
    EXPECT_EQ(jws->payloadJson().problem().type, ErrorType::malformed);
}

TEST(Jws, KeepsTheExactSigningInput) {
    const json body = validBody();
    auto jws = Jws::parse(body.dump());
    ASSERT_TRUE(jws.ok()) << jws.problem().detail;
    EXPECT_EQ(jws->signingInput(), body["protected"].get<std::string>() + "." + kPayload);
    EXPECT_EQ(test::asString(jws->payload()), R"({"identifiers":[]})");
    EXPECT_EQ(jws->protectedHeader(), kidHeader());
    EXPECT_TRUE(jws->verify(testKey(KeyType::P256).publicKey()).ok());
}

TEST(Jws, TamperedPayloadIsUnauthorized) {
    json body = validBody();
    body["payload"] = b64(std::string(R"({"identifiers":[1]})"));
    auto jws = Jws::parse(body.dump());
    ASSERT_TRUE(jws.ok());
    auto s = jws->verify(testKey(KeyType::P256).publicKey());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, ErrorType::unauthorized);
    EXPECT_EQ(s.problem().status, 401);
}

TEST(Jws, WrongKeyIsUnauthorized) {
    auto jws = Jws::parse(validBody().dump());
    ASSERT_TRUE(jws.ok());
    auto other = crypto::PrivateKey::generate(KeyType::P256);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(jws->verify(other->publicKey()).problem().type, ErrorType::unauthorized);
}

TEST(Jws, DerEcdsaSignatureIsUnauthorized) {
    json body = validBody();
    const auto raw = test::unb64(body["signature"].get<std::string>());
    // Re-encode r||s as DER (SEQUENCE of two INTEGERs, positive, minimal).
    auto integer = [](crypto::Bytes v) {
        while (v.size() > 1 && v[0] == 0 && v[1] < 0x80) {
            v.erase(v.begin());
        }
        if (v[0] >= 0x80) {
            v.insert(v.begin(), 0);
        }
        crypto::Bytes out = {0x02, static_cast<unsigned char>(v.size())};
        out.insert(out.end(), v.begin(), v.end());
        return out;
    };
    auto r = integer(crypto::Bytes(raw.begin(), raw.begin() + 32));
    auto s = integer(crypto::Bytes(raw.begin() + 32, raw.end()));
    crypto::Bytes der = {0x30, static_cast<unsigned char>(r.size() + s.size())};
    der.insert(der.end(), r.begin(), r.end());
    der.insert(der.end(), s.begin(), s.end());
    body["signature"] = b64(der);
    auto jws = Jws::parse(body.dump());
    ASSERT_TRUE(jws.ok());
    auto status = jws->verify(testKey(KeyType::P256).publicKey());
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.problem().type, ErrorType::unauthorized);
    EXPECT_NE(status.problem().detail.find("r||s"), std::string::npos);
}

TEST(Jws, AlgNoneIsBadSignatureAlgorithm) {
    json body = validBody();
    body["protected"] =
        b64(json{{"alg", "none"}, {"nonce", kNonce}, {"url", kUrl}, {"kid", kKid}}.dump());
    auto r = Jws::parse(body.dump());
    expectProblem(r, ErrorType::badSignatureAlgorithm, "alg \"none\"");
    EXPECT_EQ(r.problem().algorithms, acceptedJwsAlgorithms());
    EXPECT_EQ(r.problem().status, 400);
}

TEST(Jws, MacAlgorithmOnAnAccountJwsIsBadSignatureAlgorithm) {
    for (const char* alg : {"HS256", "HS384", "HS512", "RS384", "ES256K"}) {
        json body = validBody();
        body["protected"] = b64(kidHeader(alg).dump());
        auto r = Jws::parse(body.dump());
        expectProblem(r, ErrorType::badSignatureAlgorithm, alg);
        EXPECT_EQ(r.problem().algorithms, acceptedJwsAlgorithms());
    }
    // Even if a caller skipped the parse-time check, verify() refuses a MAC alg.
    json eabLike = validBody();
    eabLike["protected"] = b64(json{{"alg", "HS256"}, {"url", kUrl}, {"kid", kKid}}.dump());
    auto mac = Jws::fromJson(eabLike, JwsOptions::externalAccountBinding());
    ASSERT_TRUE(mac.ok()) << mac.problem().detail;
    EXPECT_EQ(mac->verify(testKey(KeyType::P256).publicKey()).problem().type,
              ErrorType::badSignatureAlgorithm);
}

TEST(Jws, AlgMismatchWithTheKeyIsRejectedAtVerify) {
    // ES256 header, signed by a P-384 key (so with ES384 underneath).
    json body =
        customJws(kidHeader("ES256"), kPayload, testKey(KeyType::P384), JwsAlgorithm::ES384);
    auto jws = Jws::parse(body.dump());
    ASSERT_TRUE(jws.ok());
    auto s = jws->verify(testKey(KeyType::P384).publicKey());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, ErrorType::badSignatureAlgorithm);
    EXPECT_NE(s.problem().detail.find("ES256 does not fit a P-384 key"), std::string::npos);

    // RS256 header over an Ed25519 key.
    json rs =
        customJws(kidHeader("RS256"), kPayload, testKey(KeyType::Ed25519), JwsAlgorithm::EdDSA);
    auto rsJws = Jws::parse(rs.dump());
    ASSERT_TRUE(rsJws.ok());
    EXPECT_EQ(rsJws->verify(testKey(KeyType::Ed25519).publicKey()).problem().type,
              ErrorType::badSignatureAlgorithm);
}

TEST(Jws, BothJwkAndKidOrNeitherAreMalformed) {
    json both = kidHeader();
    both["jwk"] = p256Jwk();
    expectMalformed(customJws(both, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "both \"jwk\" and \"kid\"");
    json neither = kidHeader();
    neither.erase("kid");
    expectMalformed(customJws(neither, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "neither \"jwk\" nor \"kid\"");
}

TEST(Jws, KeyReferencePolicy) {
    JwsOptions kidOnly;
    kidOnly.key = KeyReference::Kid;
    json withJwk = kidHeader();
    withJwk.erase("kid");
    withJwk["jwk"] = p256Jwk();
    const json jwkBody = customJws(withJwk, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256);
    expectMalformed(jwkBody, "must be signed with \"kid\"", kidOnly);
    EXPECT_TRUE(Jws::parse(validBody().dump(), kidOnly).ok());

    JwsOptions jwkOnly;
    jwkOnly.key = KeyReference::Jwk;
    expectMalformed(validBody(), "must be signed with \"jwk\"", jwkOnly);
    EXPECT_TRUE(Jws::parse(jwkBody.dump(), jwkOnly).ok());

    json badKid = kidHeader();
    badKid["kid"] = 7;
    expectMalformed(customJws(badKid, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"kid\" must be a non-empty string");
    json badJwk = kidHeader();
    badJwk.erase("kid");
    badJwk["jwk"] = "not an object";
    expectMalformed(customJws(badJwk, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"jwk\" must be a JSON object");
}

TEST(Jws, EmbeddedJwkWithPrivateMemberIsBadPublicKey) {
    json header = kidHeader();
    header.erase("kid");
    json jwk = p256Jwk();
    jwk["d"] = "AAAA";
    header["jwk"] = jwk;
    auto jws =
        Jws::parse(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256).dump());
    ASSERT_TRUE(jws.ok());
    auto key = jws->embeddedKey();
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.problem().type, ErrorType::badPublicKey);
}

TEST(Jws, MissingOrInvalidNonceIsBadNonce) {
    json header = kidHeader();
    header.erase("nonce");
    expectProblem(
        Jws::parse(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256).dump()),
        ErrorType::badNonce, "no \"nonce\"");
    for (const json& bad : {json("a+b/"), json(""), json(12), json("Zg==")}) {
        header["nonce"] = bad;
        expectProblem(
            Jws::parse(
                customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256).dump()),
            ErrorType::badNonce, "nonce");
    }
}

TEST(Jws, InnerJwsForbidsNonceAndRequiresJwk) {
    json inner = {{"alg", "ES256"}, {"url", kUrl}, {"jwk", p256Jwk()}};
    const std::string payload = b64(json{{"account", kKid}, {"oldKey", p256Jwk()}}.dump());
    auto ok = Jws::fromJson(customJws(inner, payload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                            JwsOptions::keyChangeInner());
    ASSERT_TRUE(ok.ok()) << ok.problem().detail;
    EXPECT_FALSE(ok->nonce().has_value());
    EXPECT_TRUE(ok->verify(ok->embeddedKey().value()).ok());
    EXPECT_EQ(ok->payloadJson().value()["account"], kKid);

    inner["nonce"] = kNonce;
    expectMalformed(customJws(inner, payload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "must not carry a \"nonce\"", JwsOptions::keyChangeInner());
    json withKid = {{"alg", "ES256"}, {"url", kUrl}, {"kid", kKid}};
    expectMalformed(customJws(withKid, payload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "must be signed with \"jwk\"", JwsOptions::keyChangeInner());
}

TEST(Jws, MissingOrBadUrlIsMalformed) {
    json header = kidHeader();
    header.erase("url");
    expectMalformed(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "missing member \"url\"");
    header["url"] = json::array({kUrl});
    expectMalformed(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"url\" must be a string");
    header["url"] = "";
    expectMalformed(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"url\" is empty");
    header = kidHeader();
    header.erase("alg");
    expectMalformed(customJws(header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "missing member \"alg\"");
}

TEST(Jws, B64AndCritAreRefused) {
    json b64Header = kidHeader();
    b64Header["b64"] = false;
    b64Header["crit"] = json::array({"b64"});
    expectMalformed(customJws(b64Header, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"b64\"");
    json crit = kidHeader();
    crit["crit"] = json::array({"exp"});
    expectMalformed(customJws(crit, kPayload, testKey(KeyType::P256), JwsAlgorithm::ES256),
                    "\"crit\"");
}

TEST(Jws, UnprotectedHeaderIsMalformed) {
    // RFC 7515 Appendix A.7: a flattened JWS with an unprotected "header" member.
    const json a7 = {{"payload", rfc::kA1PayloadB64},
                     {"protected", rfc::kA3ProtectedB64},
                     {"header", {{"kid", "e9bc097a-ce51-4036-9562-d2ade882db0d"}}},
                     {"signature", rfc::kA3SignatureB64}};
    expectMalformed(a7, "unprotected \"header\"");
    json body = validBody();
    body["header"] = json::object();
    expectMalformed(body, "unprotected \"header\"");
}

TEST(Jws, GeneralSerializationIsMalformed) {
    // The shape of RFC 7515 Appendix A.6.
    const json a6 = {
        {"payload", rfc::kA1PayloadB64},
        {"signatures", json::array({{{"protected", rfc::kA2ProtectedB64},
                                     {"header", {{"kid", "2010-12-29"}}},
                                     {"signature", rfc::kA2SignatureB64}},
                                    {{"protected", rfc::kA3ProtectedB64},
                                     {"header", {{"kid", "e9bc097a-ce51-4036-9562-d2ade882db0d"}}},
                                     {"signature", rfc::kA3SignatureB64}}})}};
    expectMalformed(a6, "general JSON serialization");
}

TEST(Jws, ExtraOrMissingMembersAreMalformed) {
    json extra = validBody();
    extra["unexpected"] = 1;
    expectMalformed(extra, "unexpected member \"unexpected\"");
    for (const char* member : {"protected", "payload", "signature"}) {
        json missing = validBody();
        missing.erase(member);
        expectMalformed(missing, std::string("missing member \"") + member + "\"");
        json mistyped = validBody();
        mistyped[member] = json::object();
        expectMalformed(mistyped, std::string("member \"") + member + "\" must be a string");
    }
    json emptySig = validBody();
    emptySig["signature"] = "";
    expectMalformed(emptySig, "\"signature\" is empty");
    json emptyProtected = validBody();
    emptyProtected["protected"] = "";
    expectMalformed(emptyProtected, "\"protected\" is empty");
    expectMalformed(json::array(), "must be a JSON object");
}

TEST(Jws, BadEncodingsAreMalformed) {
    json body = validBody();
    body["payload"] = kPayload + "=";
    expectMalformed(body, "payload: base64url");
    body = validBody();
    body["signature"] = "+" + body["signature"].get<std::string>().substr(1);
    expectMalformed(body, "signature: base64url");
    body = validBody();
    body["protected"] = "eyJ";  // impossible length
    expectMalformed(body, "protected header: base64url");
    body["protected"] = b64(std::string("[1, 2]"));
    expectMalformed(body, "protected header must be a JSON object");
    body["protected"] = b64(std::string(R"({"alg":"ES256","alg":"ES256"})"));
    expectMalformed(body, "duplicate");
    body["protected"] = b64(std::string("{\"alg\":\"\xff\"}"));
    expectMalformed(body, "UTF-8");
}

TEST(Jws, DuplicateMembersInTheBodyAreMalformed) {
    const json body = validBody();
    const std::string text = "{\"protected\":\"" + body["protected"].get<std::string>() +
                             "\",\"payload\":\"\",\"payload\":\"" + kPayload +
                             "\",\"signature\":\"" + body["signature"].get<std::string>() + "\"}";
    expectProblem(Jws::parse(text), ErrorType::malformed, "duplicate object member \"payload\"");
}

TEST(Jws, BodyOverTheCapIsMalformed) {
    JwsOptions options;
    options.maxBytes = 512;
    json body = validBody();
    EXPECT_TRUE(Jws::parse(body.dump(), options).ok());
    body["payload"] = b64(json{{"csr", std::string(600, 'A')}}.dump());
    expectMalformed(body, "exceeds the 512-byte limit", options);
    // The default cap is 64 KiB.
    body["payload"] = b64(json{{"csr", std::string(70000, 'A')}}.dump());
    expectMalformed(body, "exceeds the 65536-byte limit");
}

TEST(Jws, PayloadMustBeAJsonObject) {
    for (const std::string& payload : {std::string("[1]"), std::string("\"s\""),
                                       std::string("not json"), std::string("{\"a\":1,\"a\":1}")}) {
        auto jws = Jws::parse(
            customJws(kidHeader(), b64(payload), testKey(KeyType::P256), JwsAlgorithm::ES256)
                .dump());
        ASSERT_TRUE(jws.ok()) << payload;
        EXPECT_TRUE(jws->verify(testKey(KeyType::P256).publicKey()).ok());
        auto doc = jws->payloadJson();
        ASSERT_FALSE(doc.ok()) << payload;
        EXPECT_EQ(doc.problem().type, ErrorType::malformed);
    }
}

TEST(Jws, SignerRefusesWhatTheParserWouldRefuse) {
    JwsHeader header;
    header.url = kUrl;
    header.nonce = kNonce;
    header.alg = JwsAlgorithm::ES256;
    auto mismatch = signJws(testKey(KeyType::Ed25519), json::object(), header);
    ASSERT_FALSE(mismatch.ok());
    EXPECT_EQ(mismatch.problem().type, ErrorType::badSignatureAlgorithm);
    header.alg.reset();
    auto array = signJws(testKey(KeyType::P256), json::array(), header);
    ASSERT_FALSE(array.ok());
    EXPECT_EQ(array.problem().type, ErrorType::serverInternal);
    auto badUtf8 = signJws(testKey(KeyType::P256), json{{"x", "\xff"}}, header);
    ASSERT_FALSE(badUtf8.ok());
    EXPECT_EQ(badUtf8.problem().type, ErrorType::serverInternal);
}

}  // namespace
}  // namespace legate::wire
