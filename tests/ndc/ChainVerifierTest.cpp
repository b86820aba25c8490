// The install gate: what the NDC refuses to put on an edge.

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "ndc/ChainVerifier.h"

namespace legate::ndc {
namespace {

using std::chrono::hours;

struct TestCa {
    crypto::PrivateKey key;
    crypto::Certificate cert;
};

TestCa makeCa(const std::string& name, TimePoint now) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto cert = crypto::CertificateBuilder()
                    .commonName(name)
                    .validity(now - hours(24), now + hours(24 * 30))
                    .certificateAuthority()
                    .selfSigned(*key);
    return {std::move(key).value(), std::move(cert).value()};
}

class ChainVerifierTest : public ::testing::Test {
protected:
    std::string leafPem(const crypto::PublicKey& subject, std::vector<std::string> names,
                        TimePoint nb, TimePoint na, const TestCa& issuer) {
        auto leaf = crypto::CertificateBuilder()
                        .dnsNames(std::move(names))
                        .validity(nb, na)
                        .serverAuth()
                        .issuedBy(subject, issuer.cert, issuer.key);
        EXPECT_TRUE(leaf.ok());
        return leaf->toPem() + issuer.cert.toPem();
    }

    const TimePoint now_ = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    TestCa ca_ = makeCa("NDC Test CA", now_);
    crypto::PrivateKey key_ = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    const std::vector<std::string> names_ = {"abc.ido.example", "www.ido.example"};
};

TEST_F(ChainVerifierTest, AcceptsOurKeyOurNamesAValidChain) {
    auto pem = leafPem(key_.publicKey(), names_, now_ - hours(1), now_ + hours(2), ca_);
    auto v = verifyForInstall(pem, key_.publicKey(), {"WWW.ido.example.", "abc.ido.example"},
                              {ca_.cert}, now_);
    ASSERT_TRUE(v.ok()) << v.problem().detail;
    EXPECT_EQ(v->chain.size(), 2u);
    EXPECT_TRUE(v->leaf().publicKey() == key_.publicKey());
}

TEST_F(ChainVerifierTest, RefusesACertificateForAnotherKey) {
    auto other = crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto pem = leafPem(other->publicKey(), names_, now_ - hours(1), now_ + hours(2), ca_);
    auto v = verifyForInstall(pem, key_.publicKey(), names_, {ca_.cert}, now_);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.problem().detail.find("not for our key"), std::string::npos) << v.problem().detail;
}

TEST_F(ChainVerifierTest, RefusesOtherNamesMissingNamesAndExtraNames) {
    for (const auto& names : std::vector<std::vector<std::string>>{
             {"abc.ido.example"},
             {"abc.ido.example", "www.ido.example", "evil.example"},
             {"xyz.ido.example", "www.ido.example"}}) {
        auto pem = leafPem(key_.publicKey(), names, now_ - hours(1), now_ + hours(2), ca_);
        auto v = verifyForInstall(pem, key_.publicKey(), names_, {ca_.cert}, now_);
        ASSERT_FALSE(v.ok());
        EXPECT_NE(v.problem().detail.find("expected abc.ido.example, www.ido.example"),
                  std::string::npos)
            << v.problem().detail;
    }
}

TEST_F(ChainVerifierTest, RefusesExpiredAndNotYetValidCertificates) {
    auto expired = leafPem(key_.publicKey(), names_, now_ - hours(3), now_ - hours(1), ca_);
    auto v = verifyForInstall(expired, key_.publicKey(), names_, {ca_.cert}, now_);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.problem().detail.find("expired"), std::string::npos);
    auto future = leafPem(key_.publicKey(), names_, now_ + hours(1), now_ + hours(3), ca_);
    v = verifyForInstall(future, key_.publicKey(), names_, {ca_.cert}, now_);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.problem().detail.find("not valid before"), std::string::npos);
}

TEST_F(ChainVerifierTest, RefusesAChainThatDoesNotReachTheTrustAnchors) {
    auto rogue = makeCa("Rogue CA", now_);
    auto pem = leafPem(key_.publicKey(), names_, now_ - hours(1), now_ + hours(2), rogue);
    auto v = verifyForInstall(pem, key_.publicKey(), names_, {ca_.cert}, now_);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.problem().detail.find("does not verify"), std::string::npos) << v.problem().detail;
}

TEST_F(ChainVerifierTest, RefusesSomethingThatIsNotAChain) {
    auto v =
        verifyForInstall("<html>maintenance</html>", key_.publicKey(), names_, {ca_.cert}, now_);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.problem().detail.find("not a certificate chain"), std::string::npos);
    // Issuer first, end-entity second: not an ACME chain.
    auto leaf = leafPem(key_.publicKey(), names_, now_ - hours(1), now_ + hours(2), ca_);
    const auto split = leaf.find("-----BEGIN", 10);
    auto swapped = leaf.substr(split) + leaf.substr(0, split);
    EXPECT_FALSE(verifyForInstall(swapped, key_.publicKey(), names_, {ca_.cert}, now_).ok());
}

}  // namespace
}  // namespace legate::ndc
