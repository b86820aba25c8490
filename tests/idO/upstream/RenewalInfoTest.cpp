/// ARI (RFC 9773): the certificate identifier and the renewalInfo answer.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/wire/Base64Url.h"
#include "idO/upstream/RenewalInfo.h"

namespace legate::ido::upstream {
namespace {

using namespace std::chrono_literals;

TEST(RenewalInfo, CertIdIsAkiDotSerialContentsAsInRfc9773) {
    const auto now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    auto caKey = crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto ca = crypto::CertificateBuilder()
                  .commonName("ARI test CA")
                  .validity(now, now + 24h)
                  .certificateAuthority(0)
                  .selfSigned(*caKey);
    ASSERT_TRUE(ca.ok());
    auto leafKey = crypto::PrivateKey::generate(crypto::KeyType::P256);
    // RFC 9773 §4.1's example serial 0x87654321: its DER contents carry a leading zero
    // (the high bit is set), so the second part is "AIdlQyE".
    auto leaf = crypto::CertificateBuilder()
                    .dnsNames({"a.example"})
                    .validity(now, now + 1h)
                    .serialNumber({0x87, 0x65, 0x43, 0x21})
                    .issuedBy(leafKey->publicKey(), *ca, *caKey);
    ASSERT_TRUE(leaf.ok()) << leaf.problem().detail;
    auto id = RenewalInfo::certIdOf(*leaf);
    ASSERT_TRUE(id.ok()) << id.problem().detail;
    EXPECT_EQ(*id, wire::base64UrlEncode(ca->subjectKeyIdentifier()) + ".AIdlQyE");

    // A certificate without an AKI has no ARI identifier.
    auto selfSigned = crypto::CertificateBuilder()
                          .dnsNames({"b.example"})
                          .validity(now, now + 1h)
                          .selfSigned(*leafKey);
    ASSERT_TRUE(selfSigned.ok());
    if (selfSigned->authorityKeyIdentifier().empty()) {
        EXPECT_FALSE(RenewalInfo::certIdOf(*selfSigned).ok());
    }
}

TEST(RenewalInfo, ParsesTheWindowAndRefusesWhatIsNotOne) {
    auto info = RenewalInfo::fromJson(
        {{"suggestedWindow", {{"start", "2026-01-02T00:00:00Z"}, {"end", "2026-01-03T00:00:00Z"}}},
         {"explanationURL", "https://ca.example/why"}});
    ASSERT_TRUE(info.ok()) << info.problem().detail;
    EXPECT_EQ(toRfc3339(info->start), "2026-01-02T00:00:00Z");
    EXPECT_EQ(info->explanationUrl, "https://ca.example/why");
    EXPECT_EQ(toRfc3339(info->pick(0.0)), "2026-01-02T00:00:00Z");
    EXPECT_EQ(toRfc3339(info->pick(0.5)), "2026-01-02T12:00:00Z");
    EXPECT_LE(info->pick(0.999999), info->end);
    EXPECT_EQ(info->pick(7.0), info->end) << "clamped into the window";

    EXPECT_FALSE(RenewalInfo::fromJson(nlohmann::json::object()).ok());
    EXPECT_FALSE(
        RenewalInfo::fromJson({{"suggestedWindow", {{"start", "soon"}, {"end", "x"}}}}).ok());
    auto inverted = RenewalInfo::fromJson(
        {{"suggestedWindow",
          {{"start", "2026-01-03T00:00:00Z"}, {"end", "2026-01-02T00:00:00Z"}}}});
    ASSERT_FALSE(inverted.ok());
    EXPECT_EQ(inverted.problem().status, 502);
}

}  // namespace
}  // namespace legate::ido::upstream
