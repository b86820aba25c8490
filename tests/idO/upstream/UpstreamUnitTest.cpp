/// Upstream ACME client pieces that need no CA: key authorizations against values
/// computed independently (josepy + hashlib), Retry-After forms, directory parsing
/// with the STAR / delegation members Pebble does not have, and the account key file.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "idO/upstream/AcmeClient.h"
#include "idO/upstream/Capabilities.h"
#include "idO/upstream/UpstreamAccountKey.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::upstream {
namespace {

// A fixed P-256 key; its thumbprint and the values below were computed with josepy's
// JWKEC.thumbprint() and Python's hashlib, independently of our code.
constexpr const char* kKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5FTkCfgH5fCxTYTj\n"
    "nLvTmfwyFeb+E4zdJlcyTfYKXaKhRANCAASU8SGvbOVALcvZ34x1NjQROAjgKlZ0\n"
    "4e6joNVYFAtY98LH0qvb34Va2KpQsFlze1Xyg370tAaDebFwLwefROVT\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr const char* kKeyAuthorization =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nvis0erbEFxdqRrcdZvumENwfKtDDLXhO2-hfSWTDfk";
constexpr const char* kDnsTxt = "se4EErBR-6-BZFWRw9bEPYkGpDz0P_xNPHtHRNRbYsY";

TEST(UpstreamKeyAuthorization, MatchesIndependentlyComputedValues) {
    auto key = crypto::PrivateKey::fromPem(kKeyPem);
    ASSERT_TRUE(key.ok());
    AcmeClientOptions options;
    options.directoryUrl = "https://127.0.0.1:1/dir";  // never contacted
    AcmeClient client(options, std::move(*key));
    auto keyAuth = client.keyAuthorization(kToken);
    ASSERT_TRUE(keyAuth.ok()) << keyAuth.problem().detail;
    EXPECT_EQ(*keyAuth, kKeyAuthorization);
    auto txt = client.dns01TxtValue(kToken);
    ASSERT_TRUE(txt.ok());
    EXPECT_EQ(*txt, kDnsTxt);
}

TEST(UpstreamCapabilities, ReadsStarDelegationAriAndProfiles) {
    const auto directory = nlohmann::json::parse(R"({
        "newNonce": "https://ca/nonce", "newAccount": "https://ca/acct",
        "newOrder": "https://ca/order", "revokeCert": "https://ca/revoke",
        "keyChange": "https://ca/kc", "renewalInfo": "https://ca/ari",
        "meta": {
            "termsOfService": "https://ca/tos", "externalAccountRequired": true,
            "allow-certificate-get": true,
            "auto-renewal": {"min-lifetime": 86400, "max-duration": 31536000,
                             "allow-certificate-get": true},
            "profiles": {"shortlived": "6-day certificates", "classic": "90 days"}
        }})");
    auto caps = Capabilities::fromDirectory(directory);
    ASSERT_TRUE(caps.ok()) << caps.problem().detail;
    EXPECT_EQ(caps->newOrder, "https://ca/order");
    EXPECT_EQ(caps->renewalInfo, "https://ca/ari");
    EXPECT_TRUE(caps->externalAccountRequired);
    EXPECT_TRUE(caps->allowCertificateGet);
    ASSERT_TRUE(caps->autoRenewal);
    EXPECT_EQ(caps->autoRenewal->minLifetime, 86400);
    EXPECT_EQ(caps->autoRenewal->maxDuration, 31536000);
    EXPECT_TRUE(caps->autoRenewal->allowCertificateGet);
    EXPECT_EQ(caps->profiles.size(), 2u);
    EXPECT_EQ(caps->profiles.at("shortlived"), "6-day certificates");
}

TEST(UpstreamCapabilities, RefusesUnusableDirectories) {
    EXPECT_FALSE(Capabilities::fromDirectory(nlohmann::json::array()).ok());
    EXPECT_FALSE(Capabilities::fromDirectory({{"newNonce", "x"}, {"newAccount", "y"}}).ok());
    auto bad =
        Capabilities::fromDirectory({{"newNonce", "x"},
                                     {"newAccount", "y"},
                                     {"newOrder", "z"},
                                     {"meta", {{"auto-renewal", {{"min-lifetime", "1d"}}}}}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.problem().status, 502);
}

TEST(UpstreamAccountKeyFile, CreatedWith0600AndReloaded) {
    test::TempDir dir;
    const auto path = dir / "account.pem";
    auto first = UpstreamAccountKey::loadOrCreate(path);
    ASSERT_TRUE(first.ok()) << first.problem().detail;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(first->publicKey().curveName(), "secp256r1");
    auto second = UpstreamAccountKey::loadOrCreate(path);
    ASSERT_TRUE(second.ok());
    EXPECT_TRUE(first->publicKey() == second->publicKey());
    // Only the key file is left behind (no temporary files).
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1);
}

TEST(UpstreamAccountKeyFile, RefusesGroupOrOtherAccessAndGarbage) {
    test::TempDir dir;
    const auto path = dir / "account.pem";
    test::writeFile(path, kKeyPem);
    ::chmod(path.c_str(), 0644);
    auto refused = UpstreamAccountKey::loadOrCreate(path);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.problem().detail.find("0644"), std::string::npos);
    ::chmod(path.c_str(), 0600);
    EXPECT_TRUE(UpstreamAccountKey::load(path).ok());

    test::writeFile(path, "not a key");
    ::chmod(path.c_str(), 0600);
    EXPECT_FALSE(UpstreamAccountKey::load(path).ok());
    EXPECT_FALSE(UpstreamAccountKey::load(dir / "missing.pem").ok());
}

}  // namespace
}  // namespace legate::ido::upstream
