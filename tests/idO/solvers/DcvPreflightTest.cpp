/// DCV delegation against a real named authoritative for two zones: the names' zone
/// `names.test` (where the operator creates the `_acme-challenge` CNAMEs) and the
/// validation zone `dcv.test` (where the dns-01 solver writes).  The preflight's three
/// verdicts (ok, missing, wrong target) as the resolver really answers them, the solver
/// writing at the CNAME's target, and a resolver that does not answer.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/solvers/ChallengeSolvers.h"
#include "idO/solvers/DcvDelegation.h"
#include "idO/solvers/Dns01Solver.h"
#include "tests/support/BindServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DcvPreflightTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_NAMED();
        bind_ =
            std::make_unique<test::BindServer>("names.test", std::vector<std::string>{"dcv.test"});
        names_ = std::make_unique<Rfc2136Client>(Rfc2136Client::create(zone("names.test")).value());
    }

    Rfc2136Config zone(const std::string& name) const {
        Rfc2136Config c;
        c.port = static_cast<uint16_t>(bind_->port());
        c.zone = name;
        c.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        return c;
    }

    DnsServer resolver() const {
        DnsServer r;
        r.server = "127.0.0.1";
        r.port = static_cast<uint16_t>(bind_->port());
        r.recursive = true;  // as to a recursive resolver; named answers its own zones
        return r;
    }

    /// What the operator does once per name: the CNAME Legate prints.
    void createCname(const std::string& identifier, const std::string& target = "") {
        auto record = dcvRecord(identifier, "dcv.test").value();
        ASSERT_TRUE(
            names_->addRecord(record.owner, "CNAME", 60, target.empty() ? record.target : target)
                .ok());
    }

    std::unique_ptr<test::BindServer> bind_;
    std::unique_ptr<Rfc2136Client> names_;
};

TEST_F(DcvPreflightTest, OkMissingAndWrongTargetAsTheResolverAnswers) {
    createCname("ok.names.test");
    createCname("wrong.names.test", "somewhere.else.test.");
    DcvChecker checker(resolver());
    auto checks =
        checker.check({"ok.names.test", "missing.names.test", "wrong.names.test"}, "dcv.test");
    ASSERT_TRUE(checks.ok()) << checks.problem().detail;
    ASSERT_EQ(checks->size(), 3u);
    EXPECT_EQ((*checks)[0].state, DcvState::ok);
    EXPECT_EQ((*checks)[1].state, DcvState::missing);
    EXPECT_EQ((*checks)[2].state, DcvState::wrongTarget);
    EXPECT_EQ((*checks)[2].found, "somewhere.else.test.");

    auto verdict = dcvVerdict(*checks);
    ASSERT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.problem().type, acme::ErrorType::dns);
    ASSERT_EQ(verdict.problem().subproblems.size(), 2u);
    EXPECT_EQ(verdict.problem().subproblems[0].identifier->value, "missing.names.test");
    EXPECT_THAT(verdict.problem().subproblems[0].detail,
                HasSubstr(dcvRecord("missing.names.test", "dcv.test")->zoneLine()));
    EXPECT_EQ(verdict.problem().subproblems[1].identifier->value, "wrong.names.test");
}

TEST_F(DcvPreflightTest, AWildcardIsCheckedAtItsBaseName) {
    createCname("example.names.test");
    auto checks = DcvChecker(resolver()).check({"*.example.names.test"}, "dcv.test");
    ASSERT_TRUE(checks.ok()) << checks.problem().detail;
    EXPECT_EQ(checks->front().state, DcvState::ok);
    EXPECT_EQ(checks->front().record.owner, "_acme-challenge.example.names.test.");
}

TEST_F(DcvPreflightTest, ChallengeSolversPreflightCoversTheDns01Names) {
    SolverConfig config;
    Dns01SolverConfig dns;
    dns.dns = zone("dcv.test");
    DcvDelegationConfig dcv;
    dcv.zone = "dcv.test";
    dcv.resolver = resolver();
    dns.dcv = dcv;
    config.dns01 = dns;
    config.preference = {"dns-01"};
    auto solvers = ChallengeSolvers::start(config);
    ASSERT_TRUE(solvers.ok()) << solvers.problem().detail;

    const std::vector<acme::Identifier> ids = {{"dns", "a.names.test"}, {"dns", "b.names.test"}};
    auto before = (*solvers)->dcvPreflight(ids);
    ASSERT_FALSE(before.ok());
    EXPECT_EQ(before.problem().status, 400);
    EXPECT_EQ(before.problem().subproblems.size(), 2u);

    createCname("a.names.test");
    auto half = (*solvers)->dcvPreflight(ids);
    ASSERT_FALSE(half.ok());
    ASSERT_EQ(half.problem().subproblems.size(), 1u);
    EXPECT_EQ(half.problem().subproblems[0].identifier->value, "b.names.test");

    createCname("b.names.test");
    EXPECT_TRUE((*solvers)->dcvPreflight(ids).ok());
}

TEST_F(DcvPreflightTest, TheSolverWritesAtTheCnameTargetAndTheChainResolves) {
    Dns01SolverConfig config;
    config.dns = zone("dcv.test");
    DcvDelegationConfig dcv;
    dcv.zone = "dcv.test";
    config.dcv = dcv;
    config.selfCheckAttempts = 3;
    config.sleep = [](std::chrono::milliseconds) {};
    auto solver = Dns01Solver::create(config);
    ASSERT_TRUE(solver.ok()) << solver.problem().detail;
    createCname("www.names.test");
    const auto record = dcvRecord("www.names.test", "dcv.test").value();

    ASSERT_TRUE(solver->present("www.names.test", "the-digest").ok());
    EXPECT_THAT(solver->client().query(record.target, "TXT").value(), ElementsAre("the-digest"));
    // Nothing was written at the name itself (its zone may not even be updatable).
    EXPECT_TRUE(names_->query(record.owner, "TXT").value().empty());
    // The owner's CNAME leads exactly there (what the CA's validator follows; the
    // Pebble test SolversPebbleTest.Dns01ThroughDcvDelegation validates through it).
    EXPECT_THAT(queryDns(resolver(), record.owner, "CNAME").value(), ElementsAre(record.target));

    ASSERT_TRUE(solver->cleanup("www.names.test", "the-digest").ok());
    EXPECT_TRUE(solver->client().query(record.target, "TXT").value().empty());
}

TEST_F(DcvPreflightTest, AValidationZoneOutsideTheRfc2136ZoneIsRefused) {
    Dns01SolverConfig config;
    config.dns = zone("dcv.test");
    DcvDelegationConfig dcv;
    dcv.zone = "names.test";
    config.dcv = dcv;
    auto solver = Dns01Solver::create(config);
    ASSERT_FALSE(solver.ok());
    EXPECT_THAT(solver.problem().detail, HasSubstr("not inside the RFC 2136 zone dcv.test."));
}

TEST_F(DcvPreflightTest, AResolverThatDoesNotAnswerIsTransient) {
    DnsServer silent = resolver();
    silent.port = static_cast<uint16_t>(test::freePort());
    silent.timeout = std::chrono::milliseconds(200);
    silent.retries = 0;
    auto checks = DcvChecker(silent).check({"ok.names.test"}, "dcv.test");
    ASSERT_FALSE(checks.ok());
    EXPECT_EQ(checks.problem().type, acme::ErrorType::dns);
    EXPECT_EQ(checks.problem().status, 503);
    EXPECT_THAT(checks.problem().detail, HasSubstr("DCV preflight"));
}

}  // namespace
}  // namespace legate::ido::solvers
