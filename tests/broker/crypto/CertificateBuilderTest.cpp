#include <set>

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "tests/broker/crypto/CryptoTestSupport.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using test::cachedKey;
using test::days;
using test::testNow;
using test::TestPki;

constexpr const char* kServerAuth = "1.3.6.1.5.5.7.3.1";
constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";

const Extension* findExtension(const Certificate& cert, std::string_view oid) {
    for (const auto& e : cert.extensions()) {
        if (e.oid == oid) {
            return &e;
        }
    }
    return nullptr;
}

TEST(CertificateBuilderTest, SelfSignedCa) {
    const PrivateKey& key = cachedKey(KeyType::P256);
    const TimePoint now = testNow();
    auto root = CertificateBuilder()
                    .commonName("Legate Dev Root")
                    .validity(now, now + days(3650))
                    .certificateAuthority(2)
                    .selfSigned(key);
    ASSERT_TRUE(root.ok()) << root.problem().detail;
    EXPECT_TRUE(root->isCa());
    EXPECT_EQ(root->pathLength(), 2);
    EXPECT_EQ(root->subject(), "CN=Legate Dev Root");
    EXPECT_EQ(root->issuer(), root->subject());
    EXPECT_EQ(root->notBefore(), now);
    EXPECT_EQ(root->notAfter(), now + days(3650));
    EXPECT_TRUE(root->publicKey() == key.publicKey());
    EXPECT_EQ(*root->keyUsage(),
              (std::vector<std::string>{"digitalSignature", "keyCertSign", "cRLSign"}));
    EXPECT_TRUE(findExtension(*root, "2.5.29.15")->critical);
    EXPECT_TRUE(findExtension(*root, "2.5.29.19")->critical);
    EXPECT_EQ(root->subjectKeyIdentifier().size(), 20u);
    EXPECT_EQ(root->authorityKeyIdentifier(), root->subjectKeyIdentifier());
    EXPECT_FALSE(root->extendedKeyUsage().has_value());
    EXPECT_TRUE(verifyChain({*root}, {*root}, now + days(1)).ok());
}

TEST(CertificateBuilderTest, CaWithoutPathLength) {
    const TimePoint now = testNow();
    auto root = CertificateBuilder()
                    .commonName("No pathlen")
                    .validity(now, now + days(1))
                    .certificateAuthority()
                    .selfSigned(cachedKey(KeyType::Ed25519));
    ASSERT_TRUE(root.ok()) << root.problem().detail;
    EXPECT_TRUE(root->isCa());
    EXPECT_FALSE(root->pathLength().has_value());
}

TEST(CertificateBuilderTest, LeafFromCaWithSansAndEku) {
    const TestPki pki = TestPki::make();
    const Certificate& leaf = pki.leaf;
    EXPECT_FALSE(leaf.isCa());
    EXPECT_EQ(leaf.issuer(), pki.intermediate.subject());
    EXPECT_EQ(leaf.subject(), "CN=abc.ido.example");
    const std::vector<GeneralName> sans = {{GeneralName::Kind::Dns, "abc.ido.example"},
                                           {GeneralName::Kind::Dns, "www.abc.ido.example"},
                                           {GeneralName::Kind::Ip, "127.0.0.1"}};
    EXPECT_EQ(leaf.subjectAltNames(), sans);
    EXPECT_EQ(*leaf.extendedKeyUsage(), std::vector<std::string>{kServerAuth});
    // RSA leaf: keyEncipherment too.
    EXPECT_EQ(*leaf.keyUsage(), (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
    EXPECT_EQ(leaf.authorityKeyIdentifier(), pki.intermediate.subjectKeyIdentifier());
    EXPECT_NE(leaf.authorityKeyIdentifier(), leaf.subjectKeyIdentifier());
    EXPECT_TRUE(leaf.publicKey() == pki.leafKey.publicKey());
}

TEST(CertificateBuilderTest, ClientAndServerAuthSanOnly) {
    const TestPki pki = TestPki::make();
    const TimePoint now = testNow();
    auto cert =
        CertificateBuilder()
            .dnsNames({"client.example"})
            .ipAddresses({"::1"})
            .validity(now, now + days(7))
            .serverAuth()
            .clientAuth()
            .issuedBy(cachedKey(KeyType::P256).publicKey(), pki.intermediate, pki.intermediateKey);
    ASSERT_TRUE(cert.ok()) << cert.problem().detail;
    EXPECT_EQ(cert->subject(), "");
    EXPECT_TRUE(findExtension(*cert, "2.5.29.17")->critical);  // empty subject
    EXPECT_EQ(*cert->extendedKeyUsage(), (std::vector<std::string>{kServerAuth, kClientAuth}));
    EXPECT_EQ(*cert->keyUsage(), std::vector<std::string>{"digitalSignature"});
    EXPECT_EQ(cert->subjectAltNames()[1], (GeneralName{GeneralName::Kind::Ip, "::1"}));
    EXPECT_TRUE(verifyChain({*cert, pki.intermediate}, {pki.root}, now).ok());
}

TEST(CertificateBuilderTest, ExtraExtensionForTlsAlpn01) {
    const TimePoint now = testNow();
    // acmeIdentifier: OCTET STRING (SIZE (32)) of the key authorization's SHA-256.
    Bytes value = {0x04, 0x20};
    value.resize(34, 0xab);
    auto cert = CertificateBuilder()
                    .dnsNames({"abc.ido.example"})
                    .validity(now, now + days(1))
                    .extension("1.3.6.1.5.5.7.1.31", true, value)
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(cert.ok()) << cert.problem().detail;
    const Extension* ext = findExtension(*cert, "1.3.6.1.5.5.7.1.31");
    ASSERT_NE(ext, nullptr);
    EXPECT_TRUE(ext->critical);
    EXPECT_EQ(ext->value, value);
}

TEST(CertificateBuilderTest, SerialsAre128RandomBits) {
    const TimePoint now = testNow();
    std::set<std::string> serials;
    for (int i = 0; i < 8; ++i) {
        auto cert = CertificateBuilder()
                        .commonName("serial")
                        .validity(now, now + days(1))
                        .selfSigned(cachedKey(KeyType::Ed25519));
        ASSERT_TRUE(cert.ok());
        EXPECT_LE(cert->serialHex().size(), 32u);
        EXPECT_GE(cert->serialBytes().size(), 8u);
        EXPECT_LE(cert->serialBytes().size(), 17u);  // a leading 0x00 keeps it positive
        EXPECT_EQ(cert->serialBytes()[0] & 0x80, 0);
        serials.insert(cert->serialHex());
    }
    EXPECT_EQ(serials.size(), 8u);
}

TEST(CertificateBuilderTest, FixedSerial) {
    const TimePoint now = testNow();
    auto cert = CertificateBuilder()
                    .commonName("serial")
                    .validity(now, now + days(1))
                    .serialNumber({0x00, 0xab, 0xcd})
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(cert.ok());
    EXPECT_EQ(cert->serialHex(), "abcd");
    EXPECT_EQ(cert->serialBytes(), (Bytes{0x00, 0xab, 0xcd}));
}

TEST(CertificateBuilderTest, KeyUsageOverride) {
    const TimePoint now = testNow();
    auto cert = CertificateBuilder()
                    .commonName("ku")
                    .validity(now, now + days(1))
                    .keyUsage({"keyAgreement"})
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(cert.ok());
    EXPECT_EQ(*cert->keyUsage(), std::vector<std::string>{"keyAgreement"});
    auto none = CertificateBuilder()
                    .commonName("ku")
                    .validity(now, now + days(1))
                    .keyUsage({})
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->keyUsage().has_value());
}

TEST(CertificateBuilderTest, EveryKeyTypeCanSignAndBeCertified) {
    const TimePoint now = testNow();
    for (KeyType type : test::allKeyTypes()) {
        const PrivateKey& key = cachedKey(type);
        auto ca = CertificateBuilder()
                      .commonName(std::string(keyTypeName(type)))
                      .validity(now, now + days(1))
                      .certificateAuthority()
                      .selfSigned(key);
        ASSERT_TRUE(ca.ok()) << keyTypeName(type) << ": " << ca.problem().detail;
        auto leaf = CertificateBuilder()
                        .dnsNames({"x.example"})
                        .validity(now, now + days(1))
                        .issuedBy(cachedKey(KeyType::P256).publicKey(), *ca, key);
        ASSERT_TRUE(leaf.ok()) << keyTypeName(type) << ": " << leaf.problem().detail;
        EXPECT_TRUE(verifyChain({*leaf}, {*ca}, now).ok()) << keyTypeName(type);
    }
}

TEST(CertificateBuilderTest, BadInputIsMalformed) {
    const TestPki pki = TestPki::make();
    const TimePoint now = testNow();
    const PrivateKey& key = cachedKey(KeyType::P256);
    auto expectMalformed = [](const Result<Certificate>& r, std::string_view why) {
        ASSERT_FALSE(r.ok()) << why;
        EXPECT_EQ(r.problem().type, ErrorType::malformed) << why;
    };
    expectMalformed(CertificateBuilder().commonName("x").selfSigned(key), "no validity");
    expectMalformed(
        CertificateBuilder().commonName("x").validity(now, now - days(1)).selfSigned(key),
        "inverted validity");
    expectMalformed(CertificateBuilder()
                        .validity(now, now + days(1))
                        .extendedKeyUsage({"serverauth"})
                        .selfSigned(key),
                    "EKU name");
    expectMalformed(CertificateBuilder()
                        .validity(now, now + days(1))
                        .ipAddresses({"localhost"})
                        .selfSigned(key),
                    "IP text");
    expectMalformed(CertificateBuilder()
                        .validity(now, now + days(1))
                        .extension("acmeIdentifier", true, {0x05, 0x00})
                        .selfSigned(key),
                    "extension OID");
    expectMalformed(CertificateBuilder()
                        .validity(now, now + days(1))
                        .issuedBy(key.publicKey(), pki.root, pki.intermediateKey),
                    "issuer key mismatch");
    expectMalformed(CertificateBuilder()
                        .validity(now, now + days(1))
                        .issuedBy(key.publicKey(), pki.leaf, pki.leafKey),
                    "issuer not a CA");
    expectMalformed(
        CertificateBuilder().validity(now, now + days(1)).serialNumber({0x00}).selfSigned(key),
        "zero serial");
}

}  // namespace
}  // namespace legate::crypto
