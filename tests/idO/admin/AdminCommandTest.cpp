// `ido admin` run in-process against a real admin listener: every command, text and
// --json output, refusals (exit 1, the problem's detail on stderr) and usage errors
// (exit 2).

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "idO/cli/AdminCommand.h"
#include "tests/idO/admin/AdminTestServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;

struct CommandRun {
    int status = -1;
    std::string out;
    std::string err;
};

class AdminCommandTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        server_ = std::make_unique<AdminTestServer>();
    }

    /// `ido admin --url ... --token ... --tenant example ARGS...`
    CommandRun admin(std::vector<std::string> args) {
        std::vector<std::string> full = {"--url",     server_->baseUrl(), "--token",
                                         kAdminToken, "--tenant",         kTenant};
        full.insert(full.end(), args.begin(), args.end());
        return runRaw(full);
    }

    static CommandRun runRaw(const std::vector<std::string>& args) {
        std::ostringstream out;
        std::ostringstream err;
        CommandRun run;
        run.status = runAdminCommand(args, out, err);
        run.out = out.str();
        run.err = err.str();
        return run;
    }

    std::string writeFile(const std::string& name, const std::string& text) {
        const auto path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    /// `ndc add --json`; the API document.
    json addNdc(const std::string& name = "cdn") {
        auto run = admin({"--json", "ndc", "add", "--name", name});
        EXPECT_EQ(run.status, 0) << run.err;
        return json::parse(run.out);
    }

    std::string addDelegation(const std::string& ndc) {
        auto run = admin({"--json", "delegation", "add", "--ndc", ndc, "--profile", "cdn-tls-ecdsa",
                          "--names", "www.ido.example"});
        EXPECT_EQ(run.status, 0) << run.err;
        return json::parse(run.out)["id"];
    }

    legate::test::TempDir dir_;
    std::unique_ptr<AdminTestServer> server_;
};

TEST_F(AdminCommandTest, NdcAddPrintsTheEabKeyToHandOver) {
    auto run = admin({"ndc", "add", "--name", "Example CDN", "--contact", "ops@cdn.example"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    auto ndcs = server_->tenant().state.ndcs().value();
    ASSERT_EQ(ndcs.size(), 1u);
    const auto eab = server_->tenant().state.eab(ndcs[0].eabKid).value();
    ASSERT_TRUE(eab.has_value());
    EXPECT_NE(run.out.find("  id:            " + ndcs[0].id + "\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("  EAB kid:       " + eab->kid + "\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("  EAB HMAC key:  " + eab->hmacKey + "\n"), std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("Hand the EAB kid and HMAC key to the NDC"), std::string::npos);

    auto jsonRun = admin({"--json", "ndc", "add", "--name", "other"});
    ASSERT_EQ(jsonRun.status, 0) << jsonRun.err;
    auto doc = json::parse(jsonRun.out);
    EXPECT_EQ(doc["name"], "other");
    EXPECT_EQ(server_->tenant().state.eab(doc["eab"]["kid"]).value()->hmacKey,
              doc["eab"]["hmac_key"]);
}

TEST_F(AdminCommandTest, NdcListAndShow) {
    auto run = admin({"ndc", "list"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out, "No NDCs.\n");

    auto a = addNdc("cdn-a");
    const auto delegation = addDelegation(a["id"]);
    run = admin({"ndc", "list"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out.rfind("ID", 0), 0u) << run.out;
    EXPECT_NE(run.out.find(a["id"].get<std::string>() + "  cdn-a"), std::string::npos) << run.out;

    run = admin({"--json", "ndc", "list"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(json::parse(run.out)["ndcs"][0]["id"], a["id"]);

    run = admin({"ndc", "show", a["id"]});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("  name:         cdn-a\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("  delegations:  " + delegation + "\n"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find(a["eab"]["hmac_key"].get<std::string>()), std::string::npos);

    run = admin({"ndc", "show", a["id"], "--json"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(json::parse(run.out)["delegations"], json::array({delegation}));
}

TEST_F(AdminCommandTest, DelegationAddFromTemplateFileWithCnameMapAndStar) {
    auto ndc = addNdc();
    const auto templateFile = writeFile("t.json", sampleTemplate().dump());
    const auto mapFile = writeFile("map.json", R"({"www.ido.example.": "www.cdn.example."})");
    auto run = admin({"delegation", "add", "--ndc", ndc["id"], "--template", templateFile,
                      "--allowed-suffix", "cdn.ido.example", "--cname-map", mapFile,
                      "--min-lifetime", "7200", "--max-duration", "86400"});
    ASSERT_EQ(run.status, 0) << run.err;
    auto ids = server_->tenant().state.delegationsOfNdc(ndc["id"], 0, 10).value().ids;
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_NE(run.out.find("  id:   " + ids[0] + "\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("  url:  " + server_->tenant().urls.delegation(ids[0])),
              std::string::npos)
        << run.out;
    auto stored = server_->tenant().state.delegation(ids[0]).value();
    EXPECT_EQ(stored->cnameMap, json({{"www.ido.example.", "www.cdn.example."}}));
    EXPECT_EQ(stored->star->minLifetime, 7200);
    EXPECT_EQ(stored->allowedSuffixes, std::vector<std::string>{"cdn.ido.example"});
}

TEST_F(AdminCommandTest, DelegationAddWithImplicitLifetime) {
    auto ndc = addNdc();
    auto run = admin({"delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa",
                      "--names", "www.ido.example", "--implicit-lifetime", "600"});
    ASSERT_EQ(run.status, 0) << run.err;
    auto ids = server_->tenant().state.delegationsOfNdc(ndc["id"], 0, 10).value().ids;
    ASSERT_EQ(ids.size(), 1u);
    auto stored = server_->tenant().state.delegation(ids[0]).value();
    ASSERT_TRUE(stored->implicit);
    EXPECT_EQ(stored->implicit->lifetime, 600);

    run = admin({"delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa", "--names",
                 "www.ido.example", "--implicit-lifetime", "soon"});
    EXPECT_EQ(run.status, 2) << run.err;
}

TEST_F(AdminCommandTest, DelegationAddWithTerminationShowsItAndItsSource) {
    auto ndc = addNdc();
    auto run = admin({"delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa",
                      "--names", "www.ido.example", "--termination", "revoke"});
    ASSERT_EQ(run.status, 0) << run.err;
    auto ids = server_->tenant().state.delegationsOfNdc(ndc["id"], 0, 10).value().ids;
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(server_->tenant().state.delegation(ids[0]).value()->termination, "revoke");
    run = admin({"delegation", "show", ids[0]});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("revoke (from the delegation)\n"), std::string::npos) << run.out;

    run = admin({"delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa", "--names",
                 "www.ido.example", "--termination", "expire"});
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find("stop-renewal or revoke"), std::string::npos) << run.err;
}

TEST_F(AdminCommandTest, DelegationListShowAndRm) {
    auto ndc = addNdc();
    const auto account = server_->bindAccount(ndc);
    const auto id = addDelegation(ndc["id"]);
    OrderRecord order;
    order.accountId = account;
    order.delegationId = id;
    order.identifiers = {{"dns", "www.ido.example"}};
    order.expires = server_->clock().now() + std::chrono::hours(1);
    ASSERT_TRUE(server_->tenant().state.createOrder(order)->ok());

    auto run = admin({"delegation", "list", "--ndc", ndc["id"]});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find(id + "  active  cdn-tls-ecdsa"), std::string::npos) << run.out;
    run = admin({"--json", "delegation", "list", "--ndc", ndc["id"]});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(json::parse(run.out)["delegations"][0]["id"], id);

    run = admin({"delegation", "show", id});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("  status:            active\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("Orders:\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(order.id + "  ready   www.ido.example"), std::string::npos) << run.out;
    run = admin({"--json", "delegation", "show", id});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(json::parse(run.out)["orders"][0]["id"], order.id);

    run = admin({"delegation", "rm", id});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out, "Delegation " + id + " terminated; 1 order(s) canceled.\n");
    EXPECT_EQ(server_->tenant().state.order(order.id).value()->status, "canceled");

    run = admin({"delegation", "rm", id});
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "ido admin: delegation \"" + id + "\" is already terminated\n");

    run = admin({"--json", "delegation", "rm", "nope"});
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.err, "ido admin: unknown delegation \"nope\"\n");
}

TEST_F(AdminCommandTest, RefusalsExitOneWithTheProblemDetail) {
    auto ndc = addNdc();
    const auto bad = writeFile("bad.json", R"({"keyTypes": [{"PublicKeyType": "rsa"}]})");
    const auto before = server_->snapshot();
    auto run = admin({"delegation", "add", "--ndc", ndc["id"], "--template", bad});
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.out, "");
    EXPECT_NE(run.err.find("/csr-template/keyTypes/0"), std::string::npos) << run.err;

    run = admin({"delegation", "add", "--ndc", ndc["id"], "--profile", "cdn-tls-ecdsa", "--names",
                 "www.ido.example", "--min-lifetime", "60"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("min-lifetime"), std::string::npos) << run.err;
    EXPECT_EQ(server_->snapshot(), before);

    run = runRaw(
        {"--url", server_->baseUrl(), "--token", "wrong", "--tenant", kTenant, "ndc", "list"});
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.err, "ido admin: the bearer token is not valid\n");

    // Nothing listens there: the connection failure is reported, exit 1.
    run = runRaw({"--url", "http://127.0.0.1:" + std::to_string(legate::test::freePort()),
                  "--token", kAdminToken, "--tenant", kTenant, "ndc", "list"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("ido admin: "), std::string::npos);
}

TEST_F(AdminCommandTest, TokenFileAndEnvironmentDefaults) {
    const auto tokenFile = writeFile("token", std::string(kAdminToken) + "\n");
    auto run = runRaw({"--url", server_->baseUrl(), "--token-file", tokenFile, "--tenant", kTenant,
                       "ndc", "list"});
    EXPECT_EQ(run.status, 0) << run.err;

    ::setenv("LEGATE_ADMIN_URL", server_->baseUrl().c_str(), 1);
    ::setenv("LEGATE_ADMIN_TOKEN", kAdminToken, 1);
    ::setenv("LEGATE_TENANT", kTenant, 1);
    run = runRaw({"ndc", "list", "--json"});
    ::unsetenv("LEGATE_ADMIN_URL");
    ::unsetenv("LEGATE_ADMIN_TOKEN");
    ::unsetenv("LEGATE_TENANT");
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(json::parse(run.out), json({{"ndcs", json::array()}}));
}

TEST_F(AdminCommandTest, UsageErrorsExitTwoWithUsage) {
    auto help = runRaw({"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("usage: ido admin"), std::string::npos);
    EXPECT_NE(help.out.find("delegation rm ID"), std::string::npos);

    const std::vector<std::vector<std::string>> bad = {
        {},
        {"ndc"},
        {"ndc", "frobnicate"},
        {"ndc", "add"},                       // --name missing
        {"ndc", "show"},                      // ID missing
        {"ndc", "list", "--name", "x"},       // option of another command
        {"delegation", "add", "--ndc", "x"},  // neither template nor profile
        {"delegation", "add", "--ndc", "x", "--profile", "p", "--names", "a.example",
         "--min-lifetime", "soon"},
        {"delegation", "add", "--ndc", "x", "--template", "/nonexistent/t.json"},
        {"delegation", "list"},
        {"--bogus", "ndc", "list"},
        {"ndc", "list", "--url"},
    };
    for (const auto& args : bad) {
        auto run = admin(args);
        EXPECT_EQ(run.status, 2) << ::testing::PrintToString(args) << run.err;
        EXPECT_NE(run.err.find("usage: ido admin"), std::string::npos);
        EXPECT_EQ(run.out, "");
    }
    ::unsetenv("LEGATE_ADMIN_TOKEN");
    auto run = runRaw({"--tenant", kTenant, "ndc", "list"});
    EXPECT_EQ(run.status, 2);
    EXPECT_NE(run.err.find("no token"), std::string::npos);
}

}  // namespace
}  // namespace legate::ido::test
