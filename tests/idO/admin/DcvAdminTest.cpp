// DCV delegation in the admin API and `ido admin`: the delegation view lists, per name,
// the CNAME it needs and its status as a real named answers now (ok / missing /
// wrong-target); `ido admin delegation dcv` prints the records in zone-file form;
// `ido admin dcv-records` does the same before any delegation exists.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/cli/AdminCommand.h"
#include "idO/solvers/DcvDelegation.h"
#include "tests/idO/admin/AdminTestServer.h"
#include "tests/support/BindServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class DcvAdminTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        LEGATE_REQUIRE_NAMED();
        bind_ = std::make_unique<legate::test::BindServer>("ido.example",
                                                           std::vector<std::string>{"dcv.example"});
        server_ = std::make_unique<AdminTestServer>([this](TenantConfig& tenant) {
            UpstreamConfig up;
            up.directory = "https://ca.invalid/directory";
            up.solvers.preference = {"dns-01"};
            solvers::Dns01SolverConfig dns;
            dns.dns = zone("dcv.example");
            solvers::DcvDelegationConfig dcv;
            dcv.zone = "dcv.example.";
            dcv.resolver.server = "127.0.0.1";
            dcv.resolver.port = static_cast<uint16_t>(bind_->port());
            dns.dcv = dcv;
            up.solvers.dns01 = dns;
            tenant.upstream = up;
        });
        names_ = std::make_unique<solvers::Rfc2136Client>(
            solvers::Rfc2136Client::create(zone("ido.example")).value());
    }

    solvers::Rfc2136Config zone(const std::string& name) const {
        solvers::Rfc2136Config c;
        c.port = static_cast<uint16_t>(bind_->port());
        c.zone = name;
        c.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        return c;
    }

    std::string run(std::vector<std::string> args, int expected = 0) {
        std::vector<std::string> full = {"--url",     server_->baseUrl(), "--token",
                                         kAdminToken, "--tenant",         kTenant};
        full.insert(full.end(), args.begin(), args.end());
        std::ostringstream out;
        std::ostringstream err;
        EXPECT_EQ(runAdminCommand(full, out, err), expected) << err.str();
        return out.str();
    }

    static std::string target(const std::string& name) {
        return solvers::dcvRecord(name, "dcv.example")->target;
    }

    std::unique_ptr<legate::test::BindServer> bind_;
    std::unique_ptr<AdminTestServer> server_;
    std::unique_ptr<solvers::Rfc2136Client> names_;
};

TEST_F(DcvAdminTest, TheDelegationViewShowsEachCnameAndItsStatus) {
    const auto ndc = json::parse(run({"--json", "ndc", "add", "--name", "cdn"}));
    const auto created = json::parse(
        run({"--json", "delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa",
             "--names", "www.ido.example,api.ido.example,*.ido.example"}));
    const std::string id = created["id"];
    ASSERT_TRUE(
        names_->addRecord("_acme-challenge.www.ido.example", "CNAME", 60, target("www.ido.example"))
            .ok());
    ASSERT_TRUE(
        names_->addRecord("_acme-challenge.api.ido.example", "CNAME", 60, "elsewhere.example.")
            .ok());

    auto response = server_->request("GET", server_->tenantUrl() + "/delegations/" + id);
    ASSERT_EQ(response.status, 200) << response.body;
    const auto dcv = json::parse(response.body)["dcv"];
    EXPECT_EQ(dcv["zone"], "dcv.example.");
    EXPECT_EQ(dcv["resolver"], "127.0.0.1:" + std::to_string(bind_->port()));
    ASSERT_EQ(dcv["names"].size(), 3u) << dcv.dump();
    const auto& www = dcv["names"][0];
    EXPECT_EQ(www["name"], "www.ido.example");
    EXPECT_EQ(www["owner"], "_acme-challenge.www.ido.example.");
    EXPECT_EQ(www["target"], target("www.ido.example"));
    EXPECT_EQ(www["record"], "_acme-challenge.www.ido.example. CNAME " + target("www.ido.example"));
    EXPECT_EQ(www["status"], "ok");
    EXPECT_EQ(dcv["names"][1]["status"], "wrong-target");
    EXPECT_EQ(dcv["names"][1]["found"], "elsewhere.example.");
    EXPECT_EQ(dcv["names"][2]["name"], "*.ido.example");
    EXPECT_EQ(dcv["names"][2]["owner"], "_acme-challenge.ido.example.");
    EXPECT_EQ(dcv["names"][2]["status"], "missing");

    // The CLI: the records in zone-file form, then the status per name.
    const auto text = run({"delegation", "dcv", id});
    EXPECT_THAT(text, HasSubstr("_acme-challenge.www.ido.example. CNAME " +
                                target("www.ido.example") + "\n"));
    EXPECT_THAT(text, HasSubstr("_acme-challenge.ido.example. CNAME " + target("ido.example")));
    EXPECT_THAT(text, HasSubstr("api.ido.example  wrong-target  elsewhere.example."));
    EXPECT_THAT(text, HasSubstr("*.ido.example    missing"));
}

TEST_F(DcvAdminTest, DcvRecordsBeforeAnyDelegation) {
    const auto text = run({"dcv-records", "--names", "new.ido.example,Other.IDO.example"});
    EXPECT_THAT(text,
                HasSubstr("_acme-challenge.new.ido.example. CNAME " + target("new.ido.example")));
    EXPECT_THAT(
        text, HasSubstr("_acme-challenge.other.ido.example. CNAME " + target("other.ido.example")));
    EXPECT_THAT(text, HasSubstr("new.ido.example    missing"));

    auto bad = server_->request("POST", server_->tenantUrl() + "/dcv-records",
                                json{{"names", json::array()}}.dump());
    EXPECT_EQ(bad.status, 400);
    auto unknown = server_->request("POST", server_->tenantUrl() + "/dcv-records",
                                    json{{"names", {"a.ido.example"}}, {"zone", "x"}}.dump());
    EXPECT_EQ(unknown.status, 400);
    auto invalid = server_->request("POST", server_->tenantUrl() + "/dcv-records",
                                    json{{"names", {"a..ido.example"}}}.dump());
    ASSERT_EQ(invalid.status, 200);
    EXPECT_EQ(json::parse(invalid.body)["names"][0]["status"], "invalid");
}

TEST(DcvAdminWithoutDcvTest, ATenantWithoutDcvDelegationSaysSo) {
    LEGATE_REQUIRE_REDIS();
    AdminTestServer server;
    auto response = server.request("POST", server.tenantUrl() + "/dcv-records",
                                   json{{"names", {"www.ido.example"}}}.dump());
    EXPECT_EQ(response.status, 409);
    EXPECT_THAT(response.body, HasSubstr("no DCV delegation"));
}

}  // namespace
}  // namespace legate::ido::test
