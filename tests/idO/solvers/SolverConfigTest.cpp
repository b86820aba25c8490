/// readSolverConfig / readCnameConfig (every bad field reported with its JSON path),
/// ChallengeSolvers::choose (preference, wildcard and IP rules), and the CNAME map
/// checks that refuse a map before anything is sent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/ConfigReader.h"
#include "idO/solvers/ChallengeSolvers.h"
#include "idO/solvers/CnameInstaller.h"
#include "idO/solvers/SolverConfig.h"

namespace legate::ido::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr const char* kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ=";

struct Read {
    SolverConfig config;
    std::vector<std::string> problems;
};

Read readSolvers(const nlohmann::json& doc) {
    ConfigReader reader(doc);
    Read r;
    r.config = readSolverConfig(reader.root().object("solvers"));
    r.problems = reader.finish();
    return r;
}

nlohmann::json dnsSection() {
    return {{"server", "127.0.0.1"},
            {"port", 5353},
            {"zone", "example.test"},
            {"ttl", 30},
            {"tsig", {{"name", "k"}, {"algorithm", "hmac-sha256"}, {"secret", kSecret}}},
            {"self-check-attempts", 3},
            {"self-check-interval-ms", 10}};
}

TEST(SolverConfigTest, ReadsEverySolverAndDefaultsThePreference) {
    auto r = readSolvers({{"solvers",
                           {{"tls-alpn-01", {{"listen", "::1"}, {"port", 8443}}},
                            {"http-01", {{"listen", "0.0.0.0"}, {"port", 8080}}},
                            {"dns-01", dnsSection()}}}});
    ASSERT_TRUE(r.problems.empty()) << ::testing::PrintToString(r.problems);
    EXPECT_THAT(r.config.preference, ElementsAre("http-01", "dns-01", "tls-alpn-01"));
    ASSERT_TRUE(r.config.http01 && r.config.dns01 && r.config.tlsAlpn01);
    EXPECT_EQ(r.config.http01->host, "0.0.0.0");
    EXPECT_EQ(r.config.http01->port, 8080);
    EXPECT_EQ(r.config.tlsAlpn01->host, "::1");
    EXPECT_EQ(r.config.tlsAlpn01->port, 8443);
    const auto& dns = *r.config.dns01;
    EXPECT_EQ(dns.dns.server, "127.0.0.1");
    EXPECT_EQ(dns.dns.port, 5353);
    EXPECT_EQ(dns.dns.zone, "example.test");
    EXPECT_EQ(dns.dns.tsig.name, "k");
    EXPECT_EQ(dns.dns.tsig.secret, kSecret);
    EXPECT_EQ(dns.ttl, 30u);
    EXPECT_EQ(dns.selfCheckAttempts, 3);
    EXPECT_EQ(dns.selfCheckInterval, std::chrono::milliseconds(10));
}

TEST(SolverConfigTest, DefaultsOfOptionalFields) {
    auto r = readSolvers({{"solvers",
                           {{"http-01", nlohmann::json::object()},
                            {"dns-01",
                             {{"server", "::1"},
                              {"zone", "example.test"},
                              {"tsig", {{"name", "k"}, {"secret", kSecret}}}}}}}});
    ASSERT_TRUE(r.problems.empty()) << ::testing::PrintToString(r.problems);
    EXPECT_EQ(r.config.http01->host, "127.0.0.1");
    EXPECT_EQ(r.config.http01->port, 80);
    EXPECT_EQ(r.config.dns01->dns.port, 53);
    EXPECT_EQ(r.config.dns01->dns.tsig.algorithm, "hmac-sha256");
    EXPECT_EQ(r.config.dns01->ttl, 60u);
    EXPECT_FALSE(r.config.tlsAlpn01.has_value());
    EXPECT_THAT(r.config.preference, ElementsAre("http-01", "dns-01"));
}

TEST(SolverConfigTest, ExplicitPreferenceIsKeptAndMayLeaveASolverOut) {
    auto r = readSolvers({{"solvers",
                           {{"preference", {"tls-alpn-01", "dns-01"}},
                            {"http-01", {{"port", 80}}},
                            {"dns-01", dnsSection()},
                            {"tls-alpn-01", {{"port", 443}}}}}});
    ASSERT_TRUE(r.problems.empty()) << ::testing::PrintToString(r.problems);
    EXPECT_THAT(r.config.preference, ElementsAre("tls-alpn-01", "dns-01"));
}

TEST(SolverConfigTest, EveryBadFieldIsReportedWithItsPath) {
    auto dns = dnsSection();
    dns["server"] = "ns1.example.test";
    dns["port"] = 0;
    dns["zone"] = "bad..zone";
    dns["ttl"] = "sixty";
    dns["tsig"] = {{"name", "k"}, {"algorithm", "hmac-md5"}, {"secret", "not base64!"}};
    dns["self-check-attempts"] = 0;
    dns["colour"] = "blue";
    auto r = readSolvers({{"solvers",
                           {{"preference", {"http-01", "carrier-pigeon", "tls-alpn-01", "http-01"}},
                            {"http-01", {{"listen", "localhost"}, {"port", 70000}}},
                            {"dns-01", dns}}}});
    EXPECT_THAT(r.problems,
                UnorderedElementsAre(
                    HasSubstr("/solvers/http-01/listen: expected an IPv4 or IPv6 address"),
                    HasSubstr("/solvers/http-01/port: expected an integer from 1 to 65535"),
                    HasSubstr("/solvers/dns-01/server: expected an IPv4 or IPv6 address"),
                    HasSubstr("/solvers/dns-01/port: expected an integer"),
                    HasSubstr("/solvers/dns-01/zone:"), HasSubstr("/solvers/dns-01/ttl: expected"),
                    HasSubstr("/solvers/dns-01/tsig/algorithm: expected one of"),
                    HasSubstr("/solvers/dns-01/tsig/secret: expected base64"),
                    HasSubstr("/solvers/dns-01/self-check-attempts: expected an integer from 1"),
                    HasSubstr("/solvers/dns-01/colour: unknown member"),
                    HasSubstr("/solvers/preference/1: unknown challenge type \"carrier-pigeon\""),
                    HasSubstr("/solvers/preference/2: \"tls-alpn-01\" is not configured"),
                    HasSubstr("/solvers/preference/3: \"http-01\" is listed twice")));
    for (const auto& p : r.problems) {
        EXPECT_THAT(p, ::testing::Not(HasSubstr("not base64!")));  // secrets not echoed
    }
}

TEST(SolverConfigTest, AtLeastOneSolverAndRequiredDnsFields) {
    auto none = readSolvers({{"solvers", nlohmann::json::object()}});
    EXPECT_THAT(none.problems, ElementsAre(HasSubstr("/solvers: no challenge solver configured")));

    auto missing = readSolvers({{"solvers", {{"dns-01", {{"tsig", nlohmann::json::object()}}}}}});
    EXPECT_THAT(missing.problems,
                UnorderedElementsAre(HasSubstr("/solvers/dns-01/server: missing"),
                                     HasSubstr("/solvers/dns-01/zone: missing"),
                                     HasSubstr("/solvers/dns-01/tsig/name: missing"),
                                     HasSubstr("/solvers/dns-01/tsig/secret: missing")));

    auto wrongType = readSolvers({{"solvers", {{"http-01", 80}}}});
    EXPECT_THAT(wrongType.problems, ElementsAre(HasSubstr("/solvers/http-01: expected an object")));
}

// ---- the CNAME configuration ----

std::vector<std::string> cnameProblems(const nlohmann::json& doc, CnameConfig* out = nullptr) {
    ConfigReader reader(doc);
    auto config = readCnameConfig(reader.root().object("cname"));
    if (out != nullptr) {
        *out = config;
    }
    return reader.finish();
}

nlohmann::json zone(const std::string& name) {
    return {{"server", "127.0.0.1"},
            {"port", 5353},
            {"zone", name},
            {"tsig", {{"name", "k"}, {"secret", kSecret}}}};
}

TEST(CnameConfigTest, ReadsZonesAndDefaults) {
    CnameConfig config;
    auto problems = cnameProblems(
        {{"cname", {{"zones", {zone("ido.example"), zone("other.example")}}}}}, &config);
    ASSERT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
    EXPECT_EQ(config.install, CnameInstallTime::OnValid);
    EXPECT_EQ(config.ttl, 300u);
    ASSERT_EQ(config.zones.size(), 2u);
    EXPECT_EQ(config.zones[1].zone, "other.example");
    EXPECT_EQ(config.zones[0].port, 5353);

    problems = cnameProblems(
        {{"cname", {{"install", "on-create"}, {"ttl", 60}, {"zones", {zone("ido.example")}}}}},
        &config);
    ASSERT_TRUE(problems.empty());
    EXPECT_EQ(config.install, CnameInstallTime::OnCreate);
    EXPECT_EQ(config.ttl, 60u);
}

TEST(CnameConfigTest, EveryBadFieldIsReportedWithItsPath) {
    auto bad = zone("ido.example");
    bad["server"] = "dns.example";
    bad["tsig"]["algorithm"] = "md5";
    auto problems =
        cnameProblems({{"cname",
                        {{"install", "sometimes"},
                         {"ttl", 0},
                         {"zones", {zone("ido.example"), bad, "zone", zone("IDO.example.")}}}}});
    EXPECT_THAT(problems,
                UnorderedElementsAre(
                    HasSubstr("/cname/install: expected \"on-valid\" or \"on-create\""),
                    HasSubstr("/cname/ttl: expected an integer from 1"),
                    HasSubstr("/cname/zones/1/server: expected an IPv4 or IPv6 address"),
                    HasSubstr("/cname/zones/1/tsig/algorithm: expected one of"),
                    HasSubstr("/cname/zones/1/zone: zone \"ido.example\" is configured twice"),
                    HasSubstr("/cname/zones/2: expected an object"),
                    HasSubstr("/cname/zones/3/zone: zone \"IDO.example.\" is configured twice")));

    EXPECT_THAT(cnameProblems({{"cname", {{"zones", nlohmann::json::array()}}}}),
                ElementsAre(HasSubstr("/cname/zones: must not be empty")));
}

// ---- the CNAME map checks (nothing is sent: no server runs at these ports) ----

CnameInstaller installer() {
    CnameConfig config;
    for (const auto* name : {"ido.example", "deep.ido.example"}) {
        Rfc2136Config z;
        z.server = "127.0.0.1";
        z.port = 9;  // discard: any update sent would fail
        z.zone = name;
        z.tsig = {"k", "hmac-sha256", kSecret};
        z.timeout = std::chrono::milliseconds(50);
        z.retries = 0;
        config.zones.push_back(z);
    }
    return CnameInstaller::create(config).value();
}

TEST(CnameInstallerPlanTest, NormalisesAndPicksTheMostSpecificZone) {
    auto plan = installer().plan(
        {{"ABC.ido.example.", "abc.NDC.example."}, {"x.deep.ido.example", "x.ndc.example"}});
    ASSERT_TRUE(plan.ok()) << plan.problem().detail;
    ASSERT_EQ(plan->size(), 2u);
    EXPECT_EQ((*plan)[0].owner, "abc.ido.example.");
    EXPECT_EQ((*plan)[0].target, "abc.ndc.example.");
    EXPECT_EQ((*plan)[0].zone, "ido.example.");
    EXPECT_EQ((*plan)[1].zone, "deep.ido.example.");
    EXPECT_TRUE(installer().plan(nullptr)->empty());
    EXPECT_TRUE(installer().plan(nlohmann::json::object())->empty());
}

TEST(CnameInstallerPlanTest, RefusesTheWholeMapForOneBadEntryBeforeSendingAnything) {
    auto inst = installer();
    // One good pair and one outside every zone: refused, and nothing was sent (an
    // update to port 9 would have failed with a dns Problem instead).
    auto refused = inst.install(
        {{"abc.ido.example.", "abc.ndc.example."}, {"abc.evil-ido.example.", "abc.ndc.example."}});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.problem().type, acme::ErrorType::rejectedIdentifier);
    EXPECT_THAT(refused.problem().detail, HasSubstr("abc.evil-ido.example. is outside every"));

    auto several = inst.remove({{"ido.example.", "x.ndc.example."},
                                {"*.ido.example.", "x.ndc.example."},
                                {"a.ido.example.", 7},
                                {"b.ido.example.", "bad..name"}});
    ASSERT_FALSE(several.ok());
    EXPECT_EQ(several.problem().type, acme::ErrorType::compound);
    EXPECT_EQ(several.problem().subproblems.size(), 4u);
    std::vector<std::string> details;
    for (const auto& sub : several.problem().subproblems) {
        details.push_back(sub.detail);
    }
    EXPECT_THAT(details, UnorderedElementsAre(HasSubstr("zone apex"), HasSubstr("wildcard"),
                                              HasSubstr("not a string"), HasSubstr("bad..name")));

    auto notAnObject = inst.install(nlohmann::json::array({"abc.ido.example."}));
    ASSERT_FALSE(notAnObject.ok());
    EXPECT_EQ(notAnObject.problem().type, acme::ErrorType::malformed);
}

TEST(CnameInstallerPlanTest, CreateNeedsZones) {
    EXPECT_FALSE(CnameInstaller::create({}).ok());
}

// ---- choose(): preference, wildcard and IP rules ----

upstream::Authorization authz(const std::string& type, const std::string& value, bool wildcard,
                              std::vector<std::string> offered) {
    nlohmann::json challenges = nlohmann::json::array();
    for (const auto& t : offered) {
        challenges.push_back({{"type", t},
                              {"url", "https://ca.test/chall/" + t},
                              {"status", "pending"},
                              {"token", "tok-" + t}});
    }
    nlohmann::json doc = {{"identifier", {{"type", type}, {"value", value}}},
                          {"status", "pending"},
                          {"challenges", challenges}};
    if (wildcard) {
        doc["wildcard"] = true;
    }
    return upstream::Authorization::fromJson(doc).value();
}

SolverConfig allSolvers(std::vector<std::string> preference) {
    SolverConfig c;
    c.preference = std::move(preference);
    c.http01 = Http01ResponderOptions{.host = "127.0.0.1", .port = 0};
    c.tlsAlpn01 = TlsAlpn01ResponderOptions{.host = "127.0.0.1", .port = 0};
    Dns01SolverConfig dns;
    dns.dns.zone = "example.test";
    dns.dns.tsig = {"k", "hmac-sha256", kSecret};
    c.dns01 = dns;
    return c;
}

const std::vector<std::string> kAll = {"http-01", "dns-01", "tls-alpn-01"};

TEST(ChallengeSolversChooseTest, FirstPreferredTypeTheCaOffers) {
    auto solvers = ChallengeSolvers::start(allSolvers({"tls-alpn-01", "dns-01", "http-01"}));
    ASSERT_TRUE(solvers.ok()) << solvers.problem().detail;
    const auto& s = **solvers;

    const auto a = authz("dns", "a.example.test", false, kAll);
    ASSERT_NE(s.choose(a), nullptr);
    EXPECT_EQ(s.choose(a)->type, "tls-alpn-01");

    const auto b = authz("dns", "a.example.test", false, {"http-01", "dns-01"});
    EXPECT_EQ(s.choose(b)->type, "dns-01");

    const auto c = authz("dns", "a.example.test", false, {"http-01", "device-attest-01"});
    EXPECT_EQ(s.choose(c)->type, "http-01");

    const auto none = authz("dns", "a.example.test", false, {"device-attest-01"});
    EXPECT_EQ(s.choose(none), nullptr);
}

TEST(ChallengeSolversChooseTest, DefaultPreferenceAndUnconfiguredTypes) {
    SolverConfig config;
    config.http01 = Http01ResponderOptions{.host = "127.0.0.1", .port = 0};
    auto solvers = ChallengeSolvers::start(config);
    ASSERT_TRUE(solvers.ok()) << solvers.problem().detail;
    EXPECT_THAT((*solvers)->preference(), ElementsAre("http-01"));
    EXPECT_EQ((*solvers)->choose(authz("dns", "a.example.test", false, kAll))->type, "http-01");
    EXPECT_EQ((*solvers)->choose(authz("dns", "a.example.test", false, {"dns-01"})), nullptr);

    auto all = ChallengeSolvers::start(allSolvers({}));
    ASSERT_TRUE(all.ok());
    EXPECT_THAT((*all)->preference(), ElementsAre("http-01", "dns-01", "tls-alpn-01"));
}

TEST(ChallengeSolversChooseTest, WildcardOnlyWithDns01) {
    auto solvers = ChallengeSolvers::start(allSolvers({"http-01", "tls-alpn-01", "dns-01"}));
    ASSERT_TRUE(solvers.ok());
    const auto wildcard = authz("dns", "example.test", true, kAll);
    EXPECT_EQ((*solvers)->choose(wildcard)->type, "dns-01");
    EXPECT_FALSE((*solvers)->canSolve(wildcard, "http-01"));
    const auto noDns = authz("dns", "example.test", true, {"http-01", "tls-alpn-01"});
    EXPECT_EQ((*solvers)->choose(noDns), nullptr);

    auto withoutDns = ChallengeSolvers::start(allSolvers({"http-01", "tls-alpn-01"}));
    ASSERT_TRUE(withoutDns.ok());
    EXPECT_EQ((*withoutDns)->choose(wildcard), nullptr);
}

TEST(ChallengeSolversChooseTest, IpIdentifiersOnlyWithHttp01) {
    auto solvers = ChallengeSolvers::start(allSolvers({"tls-alpn-01", "dns-01", "http-01"}));
    ASSERT_TRUE(solvers.ok());
    EXPECT_EQ((*solvers)->choose(authz("ip", "192.0.2.1", false, kAll))->type, "http-01");
    EXPECT_EQ((*solvers)->choose(authz("ip", "192.0.2.1", false, {"tls-alpn-01"})), nullptr);
}

TEST(ChallengeSolversChooseTest, StartRefusesAPreferenceForAnUnconfiguredSolver) {
    SolverConfig config;
    config.http01 = Http01ResponderOptions{.host = "127.0.0.1", .port = 0};
    config.preference = {"dns-01"};
    EXPECT_FALSE(ChallengeSolvers::start(config).ok());
    EXPECT_FALSE(ChallengeSolvers::start(SolverConfig{}).ok());
}

}  // namespace
}  // namespace legate::ido::solvers
