#include <gtest/gtest.h>

#include "idO/config/ServeConfig.h"
#include "tests/support/TestSupport.h"

namespace legate::ido {
namespace {

nlohmann::json minimal() {
    return nlohmann::json::parse(R"({
      "acme": {"port": 8443, "base-url": "https://127.0.0.1:8443",
               "tls": {"development": {"dir": "tls"}}},
      "admin": {"port": 8444, "token": "0123456789abcdef0123"},
      "redis": {"url": "redis://127.0.0.1:6379/0"},
      "tenants": [{"name": "example", "star": {"min-lifetime": 600, "max-duration": 86400}}]
    })");
}

std::vector<std::string> problemsOf(const nlohmann::json& doc) {
    auto result = parseServeConfig(doc, "/etc/legate");
    if (auto* errors = std::get_if<ConfigErrors>(&result)) {
        return errors->problems;
    }
    return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& prefix) {
    for (const auto& p : problems) {
        if (p.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

TEST(ServeConfig, AcceptsAMinimalConfigAndAppliesDefaults) {
    auto result = parseServeConfig(minimal(), "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << std::get<ConfigErrors>(result).problems[0];
    const auto& c = std::get<ServeConfig>(result);
    EXPECT_EQ(c.acme.listener.address, "127.0.0.1");
    EXPECT_EQ(c.acme.tls.developmentDir, "/etc/legate/tls");  // relative to the config
    EXPECT_EQ(c.acme.tls.developmentCaFile, "/etc/legate/tls/ca.pem");
    EXPECT_EQ(c.limits.maxBodyBytes, 64 * 1024);
    ASSERT_NE(c.tenant("example"), nullptr);
    EXPECT_EQ(c.tenant("example")->star.minLifetime, 600);
    EXPECT_EQ(c.tenant("nope"), nullptr);
}

TEST(ServeConfig, ReportsEveryBadFieldWithItsPath) {
    auto doc = minimal();
    doc["acme"]["base-url"] = "http://insecure.example/";
    doc["acme"]["port"] = 70000;
    doc["admin"]["token"] = "short";
    doc["redis"]["pool-size"] = 0;
    doc["tenants"][0]["name"] = "Bad Name";
    doc["tenants"][0]["star"]["min-lifetime"] = "600";
    doc["tenants"].push_back({{"name", "example2"}, {"colour", "blue"}});
    doc["limits"] = {{"rate-limit", {{"burst", -1}}}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/acme/base-url: expected an https:// URL"));
    EXPECT_TRUE(mentions(problems, "/acme/port: expected an integer from 0 to 65535"));
    EXPECT_TRUE(mentions(problems, "/admin/token: the admin token must be at least 16"));
    EXPECT_TRUE(mentions(problems, "/redis/pool-size: expected an integer from 1 to 1024"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/name: expected 1 to 63 of a-z"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/star/min-lifetime: expected an integer"));
    EXPECT_TRUE(mentions(problems, "/tenants/1/colour: unknown member"));
    EXPECT_TRUE(mentions(problems, "/limits/rate-limit/burst: expected an integer from 1"));
    EXPECT_EQ(problems.size(), 8u) << ::testing::PrintToString(problems);
}

TEST(ServeConfig, CapsHaveDefaultsTenantsOverrideThemAndBadOnesAreNamedByPath) {
    auto doc = minimal();
    doc["tenants"].push_back({{"name", "big"}, {"limits", {{"open-orders-per-delegation", 50}}}});
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result));
    const auto& c = std::get<ServeConfig>(result);
    EXPECT_EQ(c.limits.openOrdersPerAccount, 100);
    EXPECT_EQ(c.limits.openOrdersPerDelegation, 10);
    EXPECT_EQ(c.limits.expirySweepMs, 60000);
    EXPECT_EQ(c.limits.headerTimeoutMs, 10000);
    EXPECT_EQ(c.tenant("example")->limits.openOrdersPerAccount, 100);
    EXPECT_EQ(c.tenant("example")->limits.openOrdersPerDelegation, 10);
    EXPECT_EQ(c.tenant("big")->limits.openOrdersPerAccount, 100);
    EXPECT_EQ(c.tenant("big")->limits.openOrdersPerDelegation, 50);

    // The process-wide values are every tenant's defaults.
    doc["limits"] = {{"open-orders-per-account", 7}};
    const auto parsed = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(parsed));
    const auto& d = std::get<ServeConfig>(parsed);
    EXPECT_EQ(d.tenant("example")->limits.openOrdersPerAccount, 7);
    EXPECT_EQ(d.tenant("big")->limits.openOrdersPerAccount, 7);

    doc["limits"] = {{"open-orders-per-account", 0},
                     {"open-orders-per-delegation", 10001},
                     {"expiry-sweep-ms", "soon"},
                     {"header-timeout-ms", 5}};
    doc["tenants"][1]["limits"] = {{"open-orders-per-account", -1}, {"open-orders", 3}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/limits/open-orders-per-account: expected an integer from 1"));
    EXPECT_TRUE(
        mentions(problems, "/limits/open-orders-per-delegation: expected an integer from 1"));
    EXPECT_TRUE(mentions(problems, "/limits/expiry-sweep-ms: expected an integer"));
    EXPECT_TRUE(mentions(problems, "/limits/header-timeout-ms: expected an integer from 100"));
    EXPECT_TRUE(mentions(problems,
                         "/tenants/1/limits/open-orders-per-account: expected an integer from 1"));
    EXPECT_TRUE(mentions(problems, "/tenants/1/limits/open-orders: unknown member"));
    EXPECT_EQ(problems.size(), 6u) << ::testing::PrintToString(problems);
}

TEST(ServeConfig, ImplicitDelegationIsOffUnlessTheTenantOptsIn) {
    auto doc = minimal();
    doc["tenants"].push_back({{"name", "open"}, {"implicit-delegation", true}});
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << std::get<ConfigErrors>(result).problems[0];
    const auto& c = std::get<ServeConfig>(result);
    EXPECT_FALSE(c.tenant("example")->implicitDelegation);
    EXPECT_TRUE(c.tenant("open")->implicitDelegation);

    doc["tenants"][1]["implicit-delegation"] = "yes";
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/tenants/1/implicit-delegation:"))
        << ::testing::PrintToString(problems);
}

TEST(ServeConfig, ThePublicationListenerIsOptionalAndCheckedWithPaths) {
    EXPECT_FALSE(std::get<ServeConfig>(parseServeConfig(minimal(), "/etc/legate")).publication);

    auto doc = minimal();
    doc["publication"] = {{"port", 8445}, {"base-url", "https://edge-pub.example"}};
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << std::get<ConfigErrors>(result).problems[0];
    const auto& p = std::get<ServeConfig>(result).publication;
    ASSERT_TRUE(p);
    EXPECT_EQ(p->listener.port, 8445);
    EXPECT_EQ(p->baseUrl, "https://edge-pub.example");
    EXPECT_EQ(p->threads, 2);
    EXPECT_EQ(p->headerTimeoutMs, 10000);
    EXPECT_FALSE(p->newNonce);
    doc["publication"]["new-nonce"] = true;
    EXPECT_TRUE(std::get<ServeConfig>(parseServeConfig(doc, "/etc/legate")).publication->newNonce);

    doc["publication"] = {{"port", 8443},       {"base-url", "http://edge-pub.example/"},
                          {"threads", 0},       {"header-timeout-ms", 5},
                          {"new-nonce", "yes"}, {"backlog", 1}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/publication/base-url: expected an https:// URL"));
    EXPECT_TRUE(mentions(problems, "/publication/threads: expected an integer from 1 to 64"));
    EXPECT_TRUE(mentions(problems, "/publication/header-timeout-ms: expected an integer"));
    EXPECT_TRUE(mentions(problems, "/publication/port: the publication listener must have"));
    EXPECT_TRUE(mentions(problems, "/publication/new-nonce: expected"));
    EXPECT_TRUE(mentions(problems, "/publication/backlog: unknown member"));
    EXPECT_EQ(problems.size(), 6u) << ::testing::PrintToString(problems);
}

TEST(ServeConfig, MissingSectionsAndConflicts) {
    auto doc = minimal();
    doc.erase("redis");
    doc["tenants"].push_back({{"name", "example"}});
    doc["admin"]["token-file"] = "/nonexistent";
    doc["acme"]["tls"] = {{"certificate", "/nonexistent/chain.pem"},
                          {"key", "/nonexistent/key.pem"}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/redis: missing"));
    EXPECT_TRUE(mentions(problems, "/tenants/1/name: duplicate tenant"));
    EXPECT_TRUE(mentions(problems, "/admin: give exactly one of token and token-file"));
    EXPECT_TRUE(mentions(problems, "/acme/tls/certificate: file not found"));
    EXPECT_TRUE(mentions(problems, "/acme/tls/key: file not found"));
}

TEST(ServeConfig, LoadRefusesDuplicateMembersAndReadsTokenFiles) {
    test::TempDir dir;
    test::writeFile(dir / "token", "abcdefghijklmnopqrstuvwxyz\n");
    auto doc = minimal();
    doc["admin"].erase("token");
    doc["admin"]["token-file"] = "token";
    test::writeFile(dir / "ido.json", doc.dump());
    auto loaded = loadServeConfig((dir / "ido.json").string());
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(loaded));
    EXPECT_EQ(std::get<ServeConfig>(loaded).admin.token, "abcdefghijklmnopqrstuvwxyz");

    test::writeFile(dir / "dup.json", R"({"acme": {}, "acme": {}})");
    auto dup = loadServeConfig((dir / "dup.json").string());
    ASSERT_TRUE(std::holds_alternative<ConfigErrors>(dup));
    EXPECT_NE(std::get<ConfigErrors>(dup).problems[0].find("acme"), std::string::npos);

    auto missing = loadServeConfig((dir / "missing.json").string());
    ASSERT_TRUE(std::holds_alternative<ConfigErrors>(missing));
}

TEST(ServeConfig, ReadsATenantUpstreamAndTheRelay) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {
        {"directory", "https://ca.example/dir"},
        {"roots", "roots.pem"},
        {"account-key", "/var/lib/legate/upstream.pem"},
        {"solvers", {{"http-01", {{"listen", "0.0.0.0"}, {"port", 80}}}}},
        {"renewal", {{"lead-time", 600}, {"per-tick", 5}}},
        {"budget", {{"orders", 300}, {"period", 10800}}}};
    doc["relay"] = {{"workers", 2}, {"claim-idle-ms", 5000}};
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << ::testing::PrintToString(std::get<ConfigErrors>(result).problems);
    const auto& c = std::get<ServeConfig>(result);
    const auto& up = *c.tenant("example")->upstream;
    EXPECT_EQ(up.roots, "/etc/legate/roots.pem");  // relative to the config
    EXPECT_EQ(up.mode, "auto");
    EXPECT_EQ(up.renewal.leadTimeSeconds, 600);
    EXPECT_EQ(up.renewal.perTick, 5);
    EXPECT_EQ(up.renewal.paddingPercent, 50);
    EXPECT_TRUE(up.budget.enabled());
    EXPECT_EQ(up.termination, Termination::stopRenewal) << "the default";
    EXPECT_FALSE(up.budget.certificateLimits()) << "off unless configured";
    ASSERT_TRUE(up.solvers.http01.has_value());
    EXPECT_EQ(c.relay.workers, 2);
    EXPECT_EQ(c.relay.claimIdleMs, 5000);
    EXPECT_EQ(c.relay.tickMs, 1000);
}

TEST(ServeConfig, ReportsBadUpstreamFieldsWithTheirPaths) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {{"directory", "http://ca.example/dir"},
                                     {"account-key", "k.pem"},
                                     {"mode", "sometimes"},
                                     {"solvers", {{"http-01", {{"port", 80}}}}},
                                     {"renewal", {{"padding-percent", 40}}},
                                     {"colour", "blue"}};
    doc["relay"] = {{"workers", -1}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/directory: expected an https:// URL"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/roots:"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/mode: expected \"auto\" or"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/renewal/padding-percent: expected an"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/colour: unknown member"));
    EXPECT_TRUE(mentions(problems, "/relay/workers: expected an integer from 0 to 256"));
}

TEST(ServeConfig, ReadsTerminationAndTheCertificateLimits) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {
        {"directory", "https://ca.example/dir"},
        {"roots", "roots.pem"},
        {"account-key", "/var/lib/legate/upstream.pem"},
        {"solvers", {{"http-01", {{"listen", "0.0.0.0"}, {"port", 80}}}}},
        {"termination", "revoke"},
        {"budget",
         {{"certificates-per-domain", {{"limit", 50}}},
          {"duplicate-certificates", {{"limit", 5}, {"period", 86400}}}}}};
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << ::testing::PrintToString(std::get<ConfigErrors>(result).problems);
    const auto& up = *std::get<ServeConfig>(result).tenant("example")->upstream;
    EXPECT_EQ(up.termination, Termination::revoke);
    EXPECT_EQ(up.budget.certificatesPerDomain, 50);
    EXPECT_EQ(up.budget.perDomainPeriodSeconds, 7 * 86400) << "Let's Encrypt's window";
    EXPECT_EQ(up.budget.duplicateCertificates, 5);
    EXPECT_EQ(up.budget.duplicatePeriodSeconds, 86400);
    EXPECT_FALSE(up.budget.enabled()) << "the order budget stays off: separate limits";
}

TEST(ServeConfig, RefusesRevokeOnTerminationAndBadTerminationWithTheirPaths) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {{"directory", "https://ca.example/dir"},
                                     {"roots", "roots.pem"},
                                     {"account-key", "k.pem"},
                                     {"solvers", {{"http-01", {{"port", 80}}}}},
                                     {"revoke-on-termination", true},
                                     {"termination", "sometimes"},
                                     {"budget",
                                      {{"certificates-per-domain", {{"limit", 0}}},
                                       {"duplicate-certificates", nlohmann::json::object()}}}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems,
                         "/tenants/0/upstream/revoke-on-termination: replaced by "
                         "\"termination\": \"revoke\""));
    EXPECT_TRUE(mentions(problems,
                         "/tenants/0/upstream/termination: expected \"stop-renewal\" "
                         "or \"revoke\", got \"sometimes\""));
    EXPECT_TRUE(
        mentions(problems, "/tenants/0/upstream/budget/certificates-per-domain/limit: expected"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/budget/duplicate-certificates/limit:"));
}

TEST(ServeConfig, ReadsOrderValidityProfileBandsAndAri) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {
        {"directory", "https://ca.example/dir"},
        {"roots", "roots.pem"},
        {"account-key", "/var/lib/legate/upstream.pem"},
        {"solvers", {{"http-01", {{"listen", "0.0.0.0"}, {"port", 80}}}}},
        {"order-validity", "never"},
        {"profiles",
         {{"star",
           {{{"max-lifetime", 604800}, {"profile", "shortlived"}},
            {{"max-lifetime", 7776000}, {"profile", "classic"}}}},
          {"default", "classic"}}},
        {"ari", false},
        {"budget",
         {{"orders", 300},
          {"ari-exempt", false},
          {"authorization-failures", {{"limit", 10}, {"period", 7200}}}}}};
    auto result = parseServeConfig(doc, "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << ::testing::PrintToString(std::get<ConfigErrors>(result).problems);
    const auto& up = *std::get<ServeConfig>(result).tenant("example")->upstream;
    EXPECT_EQ(up.orderValidity, OrderValidity::never);
    EXPECT_FALSE(up.ari);
    EXPECT_FALSE(up.budget.ariExempt);
    EXPECT_EQ(up.budget.authorizationFailures, 10);
    EXPECT_EQ(up.budget.failuresPeriodSeconds, 7200);
    EXPECT_EQ(BudgetConfig{}.authorizationFailures, 5) << "Let's Encrypt's limit by default";
    EXPECT_EQ(up.profiles.nonStar, "classic");
    EXPECT_EQ(up.profiles.nonStarPath, "/tenants/0/upstream/profiles/default");
    ASSERT_EQ(up.profiles.star.size(), 2u);
    EXPECT_EQ(up.profiles.star[1].path, "/tenants/0/upstream/profiles/star/1/profile");
    // Bands: the first whose max-lifetime is not below the lifetime; none above.
    EXPECT_EQ(up.profiles.forLifetime(3600), "shortlived");
    EXPECT_EQ(up.profiles.forLifetime(604800), "shortlived");
    EXPECT_EQ(up.profiles.forLifetime(604801), "classic");
    EXPECT_EQ(up.profiles.forLifetime(7776001), std::nullopt);
    // Defaults: auto, ARI on, no bands (the CA's default profile for every lifetime).
    EXPECT_EQ(UpstreamConfig{}.orderValidity, OrderValidity::automatic);
    EXPECT_TRUE(UpstreamConfig{}.ari);
    EXPECT_EQ(ProfilesConfig{}.forLifetime(100LL * 86400), "");
}

TEST(ServeConfig, ReportsBadOrderValidityAndProfileBandsWithTheirPaths) {
    auto doc = minimal();
    doc["tenants"][0]["upstream"] = {
        {"directory", "https://ca.example/dir"},
        {"roots", "roots.pem"},
        {"account-key", "k.pem"},
        {"solvers", {{"http-01", {{"listen", "0.0.0.0"}, {"port", 80}}}}},
        {"order-validity", "sometimes"},
        {"profiles",
         {{"star",
           {{{"max-lifetime", 7776000}, {"profile", "classic"}},
            {{"max-lifetime", 604800}, {"profile", "shortlived"}},
            {{"profile", "tlsserver"}}}}}}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/order-validity: expected \"auto\""))
        << ::testing::PrintToString(problems);
    EXPECT_TRUE(mentions(problems,
                         "/tenants/0/upstream/profiles/star/1/max-lifetime: bands must be in "
                         "ascending order"))
        << ::testing::PrintToString(problems);
    EXPECT_TRUE(mentions(problems, "/tenants/0/upstream/profiles/star/2/max-lifetime:"))
        << ::testing::PrintToString(problems);
}

}  // namespace
}  // namespace legate::ido
