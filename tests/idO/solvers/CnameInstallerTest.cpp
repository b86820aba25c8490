/// The CNAME installer against a real named: records appear and disappear, installing
/// and removing are idempotent, and a map with one name outside the zone writes nothing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/solvers/CnameInstaller.h"
#include "tests/support/BindServer.h"

namespace legate::ido::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CnameInstallerTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_NAMED();
        bind_ = std::make_unique<test::BindServer>("cname.test");
        CnameConfig config;
        config.ttl = 120;
        config.zones.push_back(zoneConfig());
        installer_.emplace(CnameInstaller::create(config).value());
        client_.emplace(Rfc2136Client::create(zoneConfig()).value());
    }

    Rfc2136Config zoneConfig() const {
        Rfc2136Config z;
        z.port = static_cast<uint16_t>(bind_->port());
        z.zone = bind_->zone();
        z.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        return z;
    }

    std::vector<std::string> cnameAt(const std::string& name) const {
        return client_->query(name, "CNAME").value();
    }

    std::unique_ptr<test::BindServer> bind_;
    std::optional<CnameInstaller> installer_;
    std::optional<Rfc2136Client> client_;
};

TEST_F(CnameInstallerTest, InstallsAndRemovesEveryPair) {
    const nlohmann::json map = {{"abc.cname.test.", "abc.ndc.example."},
                                {"Video.CNAME.test.", "video.cdn.example."}};
    auto installed = installer_->install(map);
    ASSERT_TRUE(installed.ok()) << installed.problem().detail;
    EXPECT_THAT(cnameAt("abc.cname.test."), ElementsAre("abc.ndc.example."));
    EXPECT_THAT(cnameAt("video.cname.test."), ElementsAre("video.cdn.example."));

    // Idempotent both ways.
    ASSERT_TRUE(installer_->install(map).ok());
    EXPECT_THAT(cnameAt("abc.cname.test."), ElementsAre("abc.ndc.example."));

    auto removed = installer_->remove(map);
    ASSERT_TRUE(removed.ok()) << removed.problem().detail;
    EXPECT_TRUE(cnameAt("abc.cname.test.").empty());
    EXPECT_TRUE(cnameAt("video.cname.test.").empty());
    ASSERT_TRUE(installer_->remove(map).ok());
}

TEST_F(CnameInstallerTest, RemoveDeletesOnlyThatTarget) {
    ASSERT_TRUE(installer_->install({{"abc.cname.test.", "abc.ndc.example."}}).ok());
    // Another target for the same owner is not ours to delete.
    ASSERT_TRUE(installer_->remove({{"abc.cname.test.", "other.ndc.example."}}).ok());
    EXPECT_THAT(cnameAt("abc.cname.test."), ElementsAre("abc.ndc.example."));
    ASSERT_TRUE(installer_->remove({{"abc.cname.test.", "abc.ndc.example."}}).ok());
    EXPECT_TRUE(cnameAt("abc.cname.test.").empty());
}

TEST_F(CnameInstallerTest, OutOfZoneRefusesTheWholeMapAndSendsNothing) {
    auto refused = installer_->install(
        {{"abc.cname.test.", "abc.ndc.example."}, {"abc.notcname.test.", "abc.ndc.example."}});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.problem().type, acme::ErrorType::rejectedIdentifier);
    EXPECT_THAT(refused.problem().detail, HasSubstr("abc.notcname.test."));
    // The in-zone pair was not installed either.
    EXPECT_TRUE(cnameAt("abc.cname.test.").empty());
}

TEST_F(CnameInstallerTest, AnAddTheServerIgnoresIsAnError) {
    // An A record at the owner: BIND drops a CNAME add there (RFC 2136 §3.4.2.2) with
    // NOERROR; the installer notices the CNAME is not served.
    ASSERT_TRUE(client_->addRecord("host.cname.test.", "A", 60, "192.0.2.7").ok());
    auto installed = installer_->install({{"host.cname.test.", "host.ndc.example."}});
    ASSERT_FALSE(installed.ok());
    EXPECT_EQ(installed.problem().type, acme::ErrorType::dns);
    EXPECT_THAT(installed.problem().detail, HasSubstr("does not serve it"));
}

}  // namespace
}  // namespace legate::ido::solvers
