/// DCV delegation without DNS: the label derivation against vectors computed outside
/// Legate, the records it prints, the `dcv-delegation` configuration (errors with their
/// JSON path), which names the preflight covers, and the verdict it gives.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/ConfigReader.h"
#include "idO/solvers/ChallengeSolvers.h"
#include "idO/solvers/DcvDelegation.h"
#include "idO/solvers/SolverConfig.h"

namespace legate::ido::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ=";

// Computed independently of Legate:
//   printf 'legate-dcv:www.example.com' | openssl dgst -sha256 -binary | base32 |
//     tr A-Z a-z | cut -c1-26
TEST(DcvLabelTest, MatchesTheIndependentlyComputedVectors) {
    EXPECT_EQ(dcvLabel("www.example.com").value(), "4f7xlabdks4yxarv3si73wzhlv");
    EXPECT_EQ(dcvLabel("example.com").value(), "tutllzwzuigtbau64hneunhi54");
}

TEST(DcvLabelTest, CaseTrailingDotAndWildcardGiveTheSameLabel) {
    EXPECT_EQ(dcvLabel("WWW.Example.COM.").value(), "4f7xlabdks4yxarv3si73wzhlv");
    // *.example.com is validated at _acme-challenge.example.com (RFC 8555 §8.4).
    EXPECT_EQ(dcvLabel("*.example.com").value(), "tutllzwzuigtbau64hneunhi54");
}

TEST(DcvLabelTest, IsAValidDnsLabelAndDiffersPerName) {
    const auto a = dcvLabel("a.example.com").value();
    const auto b = dcvLabel("b.example.com").value();
    EXPECT_NE(a, b);
    for (const auto& label : {a, b}) {
        EXPECT_EQ(label.size(), 26u);
        EXPECT_EQ(label.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos);
    }
}

TEST(DcvLabelTest, RefusesWhatIsNotADnsName) {
    EXPECT_EQ(dcvLabel("a..b").problem().type, acme::ErrorType::malformed);
    EXPECT_EQ(dcvLabel("").problem().type, acme::ErrorType::malformed);
    EXPECT_EQ(dcvLabel("a.*.b").problem().type, acme::ErrorType::malformed);
    EXPECT_EQ(dcvLabel("*.*.b").problem().type, acme::ErrorType::malformed);
}

TEST(DcvRecordTest, OwnerTargetAndZoneLine) {
    auto r = dcvRecord("*.Example.com", "DCV.ido.test.");
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->identifier, "*.Example.com");
    EXPECT_EQ(r->owner, "_acme-challenge.example.com.");
    EXPECT_EQ(r->target, "tutllzwzuigtbau64hneunhi54.dcv.ido.test.");
    EXPECT_EQ(r->zoneLine(),
              "_acme-challenge.example.com. CNAME tutllzwzuigtbau64hneunhi54.dcv.ido.test.");
    EXPECT_FALSE(dcvRecord("www.example.com", "bad..zone").ok());
}

TEST(DcvVerdictTest, OneSubproblemPerBadNameWithTheRecordToCreate) {
    std::vector<DcvCheck> checks(3);
    checks[0].record = dcvRecord("ok.example.com", "dcv.test").value();
    checks[0].state = DcvState::ok;
    checks[1].record = dcvRecord("gone.example.com", "dcv.test").value();
    checks[1].state = DcvState::missing;
    checks[2].record = dcvRecord("*.wrong.example.com", "dcv.test").value();
    checks[2].state = DcvState::wrongTarget;
    checks[2].found = "elsewhere.example.net.";
    auto verdict = dcvVerdict(checks);
    ASSERT_FALSE(verdict.ok());
    const auto& p = verdict.problem();
    EXPECT_EQ(p.type, acme::ErrorType::dns);
    EXPECT_EQ(p.status, 400);
    EXPECT_THAT(p.detail, HasSubstr("2 of 3 names"));
    ASSERT_EQ(p.subproblems.size(), 2u);
    EXPECT_EQ(p.subproblems[0].identifier->value, "gone.example.com");
    EXPECT_THAT(p.subproblems[0].detail, HasSubstr("has no CNAME"));
    EXPECT_THAT(p.subproblems[0].detail,
                HasSubstr("_acme-challenge.gone.example.com. CNAME " +
                          dcvLabel("gone.example.com").value() + ".dcv.test."));
    EXPECT_EQ(p.subproblems[1].identifier->value, "*.wrong.example.com");
    EXPECT_THAT(p.subproblems[1].detail, HasSubstr("is a CNAME to elsewhere.example.net."));

    checks.resize(1);
    EXPECT_TRUE(dcvVerdict(checks).ok());
    EXPECT_EQ(nameOf(DcvState::wrongTarget), "wrong-target");
}

struct Read {
    SolverConfig config;
    std::vector<std::string> problems;
};

Read readDns(const nlohmann::json& dcv, const std::vector<std::string>& preference = {}) {
    nlohmann::json solvers = {{"http-01", nlohmann::json::object()},
                              {"dns-01",
                               {{"server", "127.0.0.1"},
                                {"zone", "ido.test"},
                                {"tsig", {{"name", "k"}, {"secret", kSecret}}},
                                {"dcv-delegation", dcv}}}};
    if (!preference.empty()) {
        solvers["preference"] = preference;
    }
    const nlohmann::json doc = {{"solvers", solvers}};
    ConfigReader reader(doc);  // keeps a reference
    Read r;
    r.config = readSolverConfig(reader.root().object("solvers"));
    r.problems = reader.finish();
    return r;
}

TEST(DcvConfigTest, ReadsZoneAndResolver) {
    auto r = readDns({{"zone", "DCV.ido.test"},
                      {"resolver", {{"server", "::1"}, {"port", 5300}, {"recursive", false}}}});
    ASSERT_TRUE(r.problems.empty()) << ::testing::PrintToString(r.problems);
    ASSERT_TRUE(r.config.dns01 && r.config.dns01->dcv);
    EXPECT_EQ(r.config.dns01->dcv->zone, "dcv.ido.test.");
    EXPECT_EQ(r.config.dns01->dcv->resolver.server, "::1");
    EXPECT_EQ(r.config.dns01->dcv->resolver.port, 5300);
    EXPECT_FALSE(r.config.dns01->dcv->resolver.recursive);
}

TEST(DcvConfigTest, DefaultsToTheSystemResolverAndNoDelegation) {
    auto r = readDns({{"zone", "ido.test"}});
    ASSERT_TRUE(r.problems.empty()) << ::testing::PrintToString(r.problems);
    EXPECT_EQ(r.config.dns01->dcv->resolver.server, "");
    EXPECT_TRUE(r.config.dns01->dcv->resolver.recursive);
    EXPECT_EQ(r.config.dns01->dcv->resolver.text(), "the system resolver");

    const nlohmann::json doc = {{"solvers",
                                 {{"dns-01",
                                   {{"server", "127.0.0.1"},
                                    {"zone", "ido.test"},
                                    {"tsig", {{"name", "k"}, {"secret", kSecret}}}}}}}};
    ConfigReader reader(doc);
    auto plain = readSolverConfig(reader.root().object("solvers"));
    EXPECT_TRUE(reader.finish().empty());
    EXPECT_FALSE(plain.dns01->dcv);
}

TEST(DcvConfigTest, EveryBadFieldWithItsPath) {
    EXPECT_THAT(readDns(nlohmann::json::object()).problems,
                ElementsAre(HasSubstr("/solvers/dns-01/dcv-delegation/zone")));
    EXPECT_THAT(readDns({{"zone", "other.test"}}).problems,
                ElementsAre(HasSubstr("/solvers/dns-01/dcv-delegation/zone: the validation zone "
                                      "\"other.test\" must be the dns-01 zone")));
    EXPECT_THAT(readDns({{"zone", "a..b"}}).problems,
                ElementsAre(HasSubstr("/solvers/dns-01/dcv-delegation/zone: invalid DNS name")));
    EXPECT_THAT(readDns({{"zone", "*.ido.test"}}).problems,
                ElementsAre(HasSubstr("/solvers/dns-01/dcv-delegation/zone: a zone cannot be a "
                                      "wildcard")));
    EXPECT_THAT(
        readDns({{"zone", "dcv.ido.test"},
                 {"resolver", {{"server", "ns.example"}, {"port", 0}}},
                 {"extra", 1}})
            .problems,
        ::testing::UnorderedElementsAre(
            HasSubstr("/solvers/dns-01/dcv-delegation/resolver/server: expected an IPv4 or IPv6"),
            HasSubstr("/solvers/dns-01/dcv-delegation/resolver/port: expected an integer"),
            HasSubstr("/solvers/dns-01/dcv-delegation/extra")));
    EXPECT_THAT(readDns("dcv.ido.test").problems,
                ElementsAre(HasSubstr("/solvers/dns-01/dcv-delegation")));
}

std::vector<acme::Identifier> dns(std::initializer_list<std::string> names) {
    std::vector<acme::Identifier> out;
    for (const auto& n : names) {
        out.push_back({"dns", n});
    }
    return out;
}

TEST(DcvPreflightScopeTest, WildcardsAlwaysOthersWhenDns01ComesFirst) {
    auto httpFirst = readDns({{"zone", "dcv.ido.test"}});
    httpFirst.config.http01->port = 0;
    auto solvers = ChallengeSolvers::start(httpFirst.config);
    ASSERT_TRUE(solvers.ok()) << solvers.problem().detail;
    auto ids = dns({"www.example.com", "*.example.com"});
    ids.push_back({"ip", "192.0.2.1"});
    EXPECT_THAT((*solvers)->dcvIdentifiers(ids), ElementsAre("*.example.com"));

    auto dnsFirst = readDns({{"zone", "dcv.ido.test"}}, {"dns-01", "http-01"});
    dnsFirst.config.http01->port = 0;
    auto first = ChallengeSolvers::start(dnsFirst.config);
    ASSERT_TRUE(first.ok()) << first.problem().detail;
    EXPECT_THAT((*first)->dcvIdentifiers(ids), ElementsAre("www.example.com", "*.example.com"));
    // Names outside DCV delegation need no DNS at all: no query is made.
    EXPECT_TRUE((*solvers)->dcvPreflight(dns({"www.example.com"})).ok());
}

}  // namespace
}  // namespace legate::ido::solvers
