#include <algorithm>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "tests/broker/crypto/CryptoTestSupport.h"
#include "tests/support/TestSupport.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using test::cachedKey;
using test::days;
using test::testNow;
using test::TestPki;

class CertificateTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(TestPki::make()); }
    static void TearDownTestSuite() { pki_.reset(); }
    static const TestPki& pki() { return *pki_; }

    static std::string chainPem() { return pki().leaf.toPem() + pki().intermediate.toPem(); }

private:
    static inline std::unique_ptr<TestPki> pki_;
};

void expectVerifyFails(const Status& status, std::string_view needle) {
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.problem().detail.find(needle), std::string::npos) << status.problem().detail;
    EXPECT_NE(status.problem().detail.find("X509_verify_cert"), std::string::npos);
}

// ---- parsing ----

TEST_F(CertificateTest, DerAndPemRoundTrip) {
    const Certificate& leaf = pki().leaf;
    auto fromDer = Certificate::fromDer(leaf.der());
    ASSERT_TRUE(fromDer.ok()) << fromDer.problem().detail;
    EXPECT_TRUE(*fromDer == leaf);
    const std::string pem = leaf.toPem();
    EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
    auto fromPem = Certificate::fromPem(pem);
    ASSERT_TRUE(fromPem.ok()) << fromPem.problem().detail;
    EXPECT_EQ(fromPem->der(), leaf.der());
}

TEST_F(CertificateTest, Fields) {
    const Certificate& leaf = pki().leaf;
    EXPECT_EQ(pki().root.subject(), "CN=Legate Test Root,O=Legate");
    EXPECT_EQ(pki().intermediate.issuer(), "CN=Legate Test Root,O=Legate");
    EXPECT_EQ(leaf.issuer(), "CN=Legate Test Intermediate");
    EXPECT_EQ(leaf.commonNames(), std::vector<std::string>{"abc.ido.example"});
    EXPECT_EQ(leaf.dnsNames(),
              (std::vector<std::string>{"abc.ido.example", "www.abc.ido.example"}));
    EXPECT_EQ(leaf.notBefore(), testNow() - days(1));
    EXPECT_EQ(leaf.notAfter(), testNow() + days(89));
    EXPECT_EQ(toRfc3339(leaf.notAfter()), "2024-02-11T22:13:20Z");
    EXPECT_TRUE(leaf.validAt(testNow()));
    EXPECT_TRUE(leaf.validAt(leaf.notAfter()));
    EXPECT_FALSE(leaf.validAt(leaf.notAfter() + std::chrono::seconds(1)));
    EXPECT_FALSE(leaf.isCa());
    EXPECT_TRUE(pki().intermediate.isCa());
    EXPECT_EQ(pki().intermediate.pathLength(), 0);
    EXPECT_EQ(leaf.publicKey().algorithm(), KeyAlgorithm::Rsa);
    EXPECT_EQ(leaf.authorityKeyIdentifier(), pki().intermediate.subjectKeyIdentifier());
    EXPECT_FALSE(leaf.serialHex().empty());
    EXPECT_EQ(leaf.serialHex().find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(CertificateTest, Rfc2253KeepsUtf8AndEscapesSpecials) {
    const TimePoint now = testNow();
    auto cert = CertificateBuilder()
                    .commonName(
                        "Qu\xc3\xa9"
                        "bec, \"Inc\"+1")
                    .validity(now, now + days(1))
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(cert.ok());
    EXPECT_EQ(cert->subject(),
              "CN=Qu\xc3\xa9"
              "bec\\, \\\"Inc\\\"\\+1");
}

TEST_F(CertificateTest, GeneralizedTimeAfter2049) {
    const TimePoint start = TimePoint{std::chrono::seconds{2'600'000'000}};  // 2052
    auto cert = CertificateBuilder()
                    .commonName("future")
                    .validity(start, start + days(1))
                    .selfSigned(cachedKey(KeyType::P256));
    ASSERT_TRUE(cert.ok());
    EXPECT_EQ(cert->notBefore(), start);
}

TEST_F(CertificateTest, StrictDer) {
    Bytes der = pki().leaf.der();
    Bytes trailing = der;
    trailing.push_back(0);
    auto t = Certificate::fromDer(trailing);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.problem().type, ErrorType::malformed);
    EXPECT_NE(t.problem().detail.find("trailing"), std::string::npos);

    auto truncated = Certificate::fromDer(Bytes(der.begin(), der.end() - 1));
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.problem().detail.find("d2i_X509"), std::string::npos);
    EXPECT_FALSE(Certificate::fromDer({}).ok());
    EXPECT_FALSE(Certificate::fromDer({0x30, 0x00}).ok());
}

TEST_F(CertificateTest, PemStrictness) {
    const std::string pem = pki().leaf.toPem();
    EXPECT_FALSE(Certificate::fromPem(pem + pem).ok());  // two certificates
    EXPECT_FALSE(Certificate::fromPem("").ok());
    EXPECT_FALSE(Certificate::fromPem("junk" + pem).ok());
    std::string wrong = pem;
    wrong.replace(wrong.find("CERTIFICATE"), 11, "X509 CRL");
    wrong.replace(wrong.rfind("CERTIFICATE"), 11, "X509 CRL");
    auto w = Certificate::fromPem(wrong);
    ASSERT_FALSE(w.ok());
    EXPECT_NE(w.problem().detail.find("X509 CRL"), std::string::npos);
}

// ---- PEM chains ----

TEST_F(CertificateTest, ParsePemChainInOrder) {
    auto chain = parsePemChain(chainPem() + "\n");
    ASSERT_TRUE(chain.ok()) << chain.problem().detail;
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_TRUE((*chain)[0] == pki().leaf);
    EXPECT_TRUE((*chain)[1] == pki().intermediate);
    auto withRoot = parsePemChain(chainPem() + pki().root.toPem());
    ASSERT_TRUE(withRoot.ok()) << withRoot.problem().detail;
    EXPECT_EQ(withRoot->size(), 3u);
}

TEST_F(CertificateTest, ParsePemChainNegatives) {
    const std::string leaf = pki().leaf.toPem();
    const std::string intermediate = pki().intermediate.toPem();
    const std::string key = cachedKey(KeyType::P256).toPem();
    struct Case {
        std::string text;
        std::string why;
    };
    for (const Case& c : {
             Case{"", "empty"},
             Case{"\n\n", "whitespace only"},
             Case{leaf + key, "private key block"},
             Case{key + leaf, "private key first"},
             Case{leaf + "garbage\n" + intermediate, "garbage between blocks"},
             Case{leaf + intermediate + "trailer", "garbage after"},
             Case{intermediate + leaf, "issuer first"},
             Case{leaf + pki().root.toPem(), "missing link"},
             Case{leaf.substr(0, leaf.size() - 10), "truncated"},
         }) {
        auto chain = parsePemChain(c.text);
        ASSERT_FALSE(chain.ok()) << c.why;
        EXPECT_EQ(chain.problem().type, ErrorType::malformed) << c.why;
    }
    // Order is only a chain's property: a trust bundle may come in any order.
    EXPECT_TRUE(parsePemCertificates(intermediate + leaf).ok());
}

TEST_F(CertificateTest, LoadPemCertificates) {
    legate::test::TempDir dir;
    legate::test::writeFile(dir / "bundle.pem", chainPem());
    auto certs = loadPemCertificates(dir / "bundle.pem");
    ASSERT_TRUE(certs.ok()) << certs.problem().detail;
    EXPECT_EQ(certs->size(), 2u);
    auto missing = loadPemCertificates(dir / "missing.pem");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.problem().detail.find("missing.pem"), std::string::npos);
    legate::test::writeFile(dir / "bad.pem", "nope");
    auto bad = loadPemCertificates(dir / "bad.pem");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.problem().detail.find("bad.pem"), std::string::npos);
}

// ---- chain verification ----

TEST_F(CertificateTest, ChainVerifies) {
    EXPECT_TRUE(verifyChain({pki().leaf, pki().intermediate}, {pki().root}, testNow()).ok());
    // A root included in the chain is harmless.
    EXPECT_TRUE(
        verifyChain({pki().leaf, pki().intermediate, pki().root}, {pki().root}, testNow()).ok());
    // Several trusted roots: the right one is found.
    const TimePoint now = testNow();
    auto other = CertificateBuilder()
                     .commonName("Other Root")
                     .validity(now, now + days(10))
                     .certificateAuthority()
                     .selfSigned(cachedKey(KeyType::P521));
    ASSERT_TRUE(other.ok());
    EXPECT_TRUE(
        verifyChain({pki().leaf, pki().intermediate}, {*other, pki().root}, testNow()).ok());
}

TEST_F(CertificateTest, WrongRootFails) {
    const TimePoint now = testNow();
    auto other = CertificateBuilder()
                     .commonName("Legate Test Root")  // same name, different key
                     .organization("Legate")
                     .validity(now - days(1), now + days(10))
                     .certificateAuthority()
                     .selfSigned(cachedKey(KeyType::P521));
    ASSERT_TRUE(other.ok());
    expectVerifyFails(verifyChain({pki().leaf, pki().intermediate}, {*other}, now),
                      "unable to get local issuer certificate");
}

TEST_F(CertificateTest, ExpiredFails) {
    const auto status =
        verifyChain({pki().leaf, pki().intermediate}, {pki().root}, testNow() + days(90));
    expectVerifyFails(status, "certificate has expired");
    EXPECT_NE(status.problem().detail.find("depth 0"), std::string::npos);
    EXPECT_NE(status.problem().detail.find("CN=abc.ido.example"), std::string::npos);
}

TEST_F(CertificateTest, NotYetValidFails) {
    expectVerifyFails(
        verifyChain({pki().leaf, pki().intermediate}, {pki().root}, testNow() - days(2)),
        "certificate is not yet valid");
}

TEST_F(CertificateTest, MissingIntermediateFails) {
    expectVerifyFails(verifyChain({pki().leaf}, {pki().root}, testNow()),
                      "unable to get local issuer certificate");
}

TEST_F(CertificateTest, IntermediateAsTrustAnchorIsNotEnough) {
    // Without a self-signed root the chain is incomplete (no partial-chain trust).
    EXPECT_FALSE(verifyChain({pki().leaf}, {pki().intermediate}, testNow()).ok());
}

TEST_F(CertificateTest, EmptyInputsFail) {
    EXPECT_FALSE(verifyChain({}, {pki().root}, testNow()).ok());
    EXPECT_FALSE(verifyChain({pki().leaf, pki().intermediate}, {}, testNow()).ok());
}

TEST_F(CertificateTest, PathLengthIsEnforced) {
    // The intermediate has pathlen 0: a CA below it may not issue.
    const TimePoint now = testNow();
    const PrivateKey& subCaKey = cachedKey(KeyType::Ed25519);
    auto subCa = CertificateBuilder()
                     .commonName("Sub CA")
                     .validity(now - days(1), now + days(10))
                     .certificateAuthority()
                     .issuedBy(subCaKey.publicKey(), pki().intermediate, pki().intermediateKey);
    ASSERT_TRUE(subCa.ok());
    auto leaf = CertificateBuilder()
                    .dnsNames({"deep.example"})
                    .validity(now - days(1), now + days(10))
                    .issuedBy(cachedKey(KeyType::P256).publicKey(), *subCa, subCaKey);
    ASSERT_TRUE(leaf.ok());
    expectVerifyFails(verifyChain({*leaf, *subCa, pki().intermediate}, {pki().root}, now),
                      "path length");
}

TEST_F(CertificateTest, TamperedSignatureFails) {
    Bytes der = pki().leaf.der();
    der.back() ^= 0x01;
    auto tampered = Certificate::fromDer(der);
    ASSERT_TRUE(tampered.ok());
    expectVerifyFails(verifyChain({*tampered, pki().intermediate}, {pki().root}, testNow()),
                      "signature");
}

}  // namespace
}  // namespace legate::crypto
