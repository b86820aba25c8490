#include <gtest/gtest.h>

#include "broker/wire/Eab.h"
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
using test::testKey;
using test::unb64;

constexpr const char* kNewAccountUrl = "https://ido.example/acme/t1/new-account";
constexpr const char* kKeyId = "ndc-7f3a";

const crypto::Bytes& macKey() {
    static const crypto::Bytes key = crypto::randomBytes(32);
    return key;
}

EabKeyLookup lookupFor(std::string keyId, crypto::Bytes key) {
    return [keyId, key](std::string_view id) -> std::optional<crypto::Bytes> {
        if (id == keyId) {
            return key;
        }
        return std::nullopt;
    };
}

const crypto::PublicKey& accountKey() {
    static const crypto::PublicKey key = testKey(KeyType::P256).publicKey();
    return key;
}

json makeEab(MacAlgorithm alg = MacAlgorithm::HS256) {
    auto eab = createExternalAccountBinding(accountKey(), kKeyId, macKey(), kNewAccountUrl, alg);
    EXPECT_TRUE(eab.ok());
    return eab.ok() ? *eab : json();
}

/// An EAB object with an arbitrary header and payload, MAC'ed with `key`.
json customEab(const json& header, const std::string& payloadText, const crypto::Bytes& key,
               MacAlgorithm alg = MacAlgorithm::HS256) {
    const std::string protectedText = b64(header.dump());
    const auto mac = computeMac(alg, key, protectedText + "." + payloadText);
    return {{"protected", protectedText}, {"payload", payloadText}, {"signature", b64(mac)}};
}

std::string accountJwkPayload() {
    return b64(toJwk(accountKey()).value().dump());
}

void expectRejected(const json& eab, ErrorType type, std::string_view detailPart,
                    const EabKeyLookup& lookup = lookupFor(kKeyId, macKey()),
                    const std::string& url = kNewAccountUrl) {
    auto r = verifyExternalAccountBinding(eab, accountKey(), url, lookup);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, type) << r.problem().detail;
    if (type == ErrorType::unauthorized) {
        EXPECT_EQ(r.problem().status, 401);
    }
    EXPECT_NE(r.problem().detail.find(detailPart), std::string::npos)
        << "detail: " << r.problem().detail;
}

TEST(Eab, Rfc7515A1Hs256VerifiesThroughTheMacPath) {
    const std::string input = std::string(rfc::kA1ProtectedB64) + "." + rfc::kA1PayloadB64;
    const auto key = unb64(rfc::kA1KeyB64);
    const auto mac = unb64(rfc::kA1SignatureB64);
    EXPECT_EQ(computeMac(MacAlgorithm::HS256, key, input), mac);
    EXPECT_TRUE(verifyMac(MacAlgorithm::HS256, key, input, mac).ok());

    crypto::Bytes tampered = mac;
    tampered[0] ^= 1;
    auto s = verifyMac(MacAlgorithm::HS256, key, input, tampered);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, ErrorType::unauthorized);
    EXPECT_FALSE(verifyMac(MacAlgorithm::HS256, key, input + "x", mac).ok());
    EXPECT_FALSE(verifyMac(MacAlgorithm::HS384, key, input, mac).ok());
    EXPECT_FALSE(
        verifyMac(MacAlgorithm::HS256, key, input, crypto::Bytes(mac.begin(), mac.end() - 1)).ok());
    EXPECT_FALSE(verifyMac(MacAlgorithm::HS256, crypto::Bytes{}, input, mac).ok());
}

TEST(Eab, MacAlgorithmNames) {
    for (auto alg : {MacAlgorithm::HS256, MacAlgorithm::HS384, MacAlgorithm::HS512}) {
        EXPECT_EQ(parseMacAlgorithm(macAlgorithmName(alg)), std::optional(alg));
    }
    EXPECT_FALSE(parseMacAlgorithm("RS256").has_value());
    EXPECT_FALSE(parseMacAlgorithm("none").has_value());
    EXPECT_EQ(computeMac(MacAlgorithm::HS384, macKey(), "x").size(), 48u);
    EXPECT_EQ(computeMac(MacAlgorithm::HS512, macKey(), "x").size(), 64u);
}

TEST(Eab, CreateThenVerifyForEveryMacAlgorithm) {
    for (auto alg : {MacAlgorithm::HS256, MacAlgorithm::HS384, MacAlgorithm::HS512}) {
        SCOPED_TRACE(std::string(macAlgorithmName(alg)));
        const json eab = makeEab(alg);
        ASSERT_EQ(eab.size(), 3u);

        // The structure RFC 8555 §7.3.4 describes.
        auto jws = Jws::fromJson(eab, JwsOptions::externalAccountBinding());
        ASSERT_TRUE(jws.ok()) << jws.problem().detail;
        EXPECT_EQ(jws->algorithm(), macAlgorithmName(alg));
        EXPECT_EQ(jws->kid(), std::optional<std::string>(kKeyId));
        EXPECT_EQ(jws->url(), kNewAccountUrl);
        EXPECT_FALSE(jws->nonce().has_value());
        EXPECT_EQ(jws->payloadJson().value(), toJwk(accountKey()).value());

        auto verified = verifyExternalAccountBinding(eab, accountKey(), kNewAccountUrl,
                                                     lookupFor(kKeyId, macKey()));
        ASSERT_TRUE(verified.ok()) << verified.problem().detail;
        EXPECT_EQ(verified->keyId, kKeyId);
        EXPECT_EQ(verified->alg, alg);
    }
}

TEST(Eab, VerifiesWhenTheBindingArrivesInsideAStrictlyParsedPayload) {
    // As the server sees it: the outer newAccount JWS, payload parsed, EAB taken out.
    JwsHeader header;
    header.url = kNewAccountUrl;
    header.nonce = "bm9uY2U";
    auto body = signJws(testKey(KeyType::P256),
                        json{{"termsOfServiceAgreed", true}, {"externalAccountBinding", makeEab()}},
                        header);
    ASSERT_TRUE(body.ok());
    auto outer = Jws::parse(*body);
    ASSERT_TRUE(outer.ok());
    auto outerKey = outer->embeddedKey();
    ASSERT_TRUE(outerKey.ok());
    ASSERT_TRUE(outer->verify(*outerKey).ok());
    auto payload = outer->payloadJson();
    ASSERT_TRUE(payload.ok());
    auto verified = verifyExternalAccountBinding((*payload)["externalAccountBinding"], *outerKey,
                                                 outer->url(), lookupFor(kKeyId, macKey()));
    EXPECT_TRUE(verified.ok()) << verified.problem().detail;
}

TEST(Eab, UnknownKeyIdIsUnauthorized) {
    expectRejected(makeEab(), ErrorType::unauthorized, "unknown key identifier",
                   lookupFor("someone-else", macKey()));
    expectRejected(makeEab(), ErrorType::unauthorized, "unknown key identifier", EabKeyLookup{});
}

TEST(Eab, WrongMacKeyIsUnauthorized) {
    expectRejected(makeEab(), ErrorType::unauthorized, "MAC does not verify",
                   lookupFor(kKeyId, crypto::randomBytes(32)));
    expectRejected(makeEab(), ErrorType::unauthorized, "no usable MAC key",
                   lookupFor(kKeyId, crypto::Bytes{}));
}

TEST(Eab, TamperedPayloadIsUnauthorized) {
    json eab = makeEab();
    eab["payload"] = b64(toJwk(testKey(KeyType::P384).publicKey()).value().dump());
    expectRejected(eab, ErrorType::unauthorized, "MAC does not verify");
}

TEST(Eab, NoncePresentIsMalformed) {
    const json header = {
        {"alg", "HS256"}, {"kid", kKeyId}, {"url", kNewAccountUrl}, {"nonce", "bm9uY2U"}};
    expectRejected(customEab(header, accountJwkPayload(), macKey()), ErrorType::malformed,
                   "must not carry a \"nonce\"");
}

TEST(Eab, UrlMismatchIsUnauthorized) {
    expectRejected(makeEab(), ErrorType::unauthorized, "url does not match",
                   lookupFor(kKeyId, macKey()), "https://ido.example/acme/t2/new-account");
}

TEST(Eab, PayloadKeyOtherThanTheOuterJwkIsUnauthorized) {
    const json header = {{"alg", "HS256"}, {"kid", kKeyId}, {"url", kNewAccountUrl}};
    const std::string otherKey = b64(toJwk(testKey(KeyType::Ed25519).publicKey()).value().dump());
    expectRejected(customEab(header, otherKey, macKey()), ErrorType::unauthorized,
                   "payload key differs");
}

TEST(Eab, PayloadThatIsNotAnAcceptableJwkIsMalformed) {
    const json header = {{"alg", "HS256"}, {"kid", kKeyId}, {"url", kNewAccountUrl}};
    expectRejected(customEab(header, "", macKey()), ErrorType::malformed, "payload");
    expectRejected(customEab(header, b64(std::string("[1]")), macKey()), ErrorType::malformed,
                   "payload");
    json privateJwk = toJwk(accountKey()).value();
    privateJwk["d"] = "AAAA";
    expectRejected(customEab(header, b64(privateJwk.dump()), macKey()), ErrorType::malformed,
                   "private member");
}

TEST(Eab, SignatureAlgorithmAsEabAlgIsRejected) {
    const json header = {{"alg", "RS256"}, {"kid", kKeyId}, {"url", kNewAccountUrl}};
    const json eab = test::customJws(header, accountJwkPayload(), testKey(KeyType::Rsa2048),
                                     JwsAlgorithm::RS256);
    expectRejected(eab, ErrorType::malformed, "not a MAC algorithm");
    const json none = customEab({{"alg", "none"}, {"kid", kKeyId}, {"url", kNewAccountUrl}},
                                accountJwkPayload(), macKey());
    expectRejected(none, ErrorType::malformed, "not a MAC algorithm");
}

TEST(Eab, JwkInsteadOfKidIsMalformed) {
    const json header = {
        {"alg", "HS256"}, {"jwk", toJwk(accountKey()).value()}, {"url", kNewAccountUrl}};
    expectRejected(customEab(header, accountJwkPayload(), macKey()), ErrorType::malformed,
                   "must be signed with \"kid\"");
}

TEST(Eab, NotAFlattenedJwsIsMalformed) {
    expectRejected(json("a string"), ErrorType::malformed, "externalAccountBinding");
    json extra = makeEab();
    extra["header"] = json::object();
    expectRejected(extra, ErrorType::malformed, "unprotected");
}

TEST(Eab, HmacIsNeverAcceptedForAnAccountJws) {
    // An attacker who knows an EAB key must not be able to use HS256 as the account alg.
    const json header = {{"alg", "HS256"},
                         {"nonce", "bm9uY2U"},
                         {"url", kNewAccountUrl},
                         {"jwk", toJwk(accountKey()).value()}};
    const json body = customEab(header, b64(std::string("{}")), macKey());
    auto r = Jws::parse(body.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, ErrorType::badSignatureAlgorithm);
}

}  // namespace
}  // namespace legate::wire
