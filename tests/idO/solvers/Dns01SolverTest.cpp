#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/solvers/Dns01Solver.h"
#include "tests/support/BindServer.h"

namespace legate::ido::solvers {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class Dns01SolverTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_NAMED();
        bind_ = std::make_unique<test::BindServer>();
    }

    Dns01SolverConfig config() {
        Dns01SolverConfig c;
        c.dns.port = static_cast<uint16_t>(bind_->port());
        c.dns.zone = bind_->zone();
        c.dns.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        c.selfCheckAttempts = 5;
        c.sleep = [this](std::chrono::milliseconds) { ++sleeps_; };
        return c;
    }

    std::unique_ptr<test::BindServer> bind_;
    int sleeps_ = 0;
};

TEST_F(Dns01SolverTest, PresentSelfChecksAndCleanupRemoves) {
    auto solver = Dns01Solver::create(config()).value();
    const std::string identifier = "abc." + bind_->zone();
    const std::string name = "_acme-challenge." + identifier;

    auto presented = solver.present(identifier, "digest-one");
    ASSERT_TRUE(presented.ok()) << presented.problem().detail;
    EXPECT_EQ(*solver.client().query(name, "TXT"), std::vector<std::string>{"digest-one"});

    auto cleaned = solver.cleanup(identifier, "digest-one");
    ASSERT_TRUE(cleaned.ok()) << cleaned.problem().detail;
    EXPECT_TRUE(solver.client().query(name, "TXT")->empty());
}

TEST_F(Dns01SolverTest, WildcardAndBaseNameShareTheNameAndCleanupRemovesOnlyOneValue) {
    auto solver = Dns01Solver::create(config()).value();
    const std::string base = "abc." + bind_->zone();
    const std::string name = "_acme-challenge." + base;

    ASSERT_TRUE(solver.present("*." + base, "wildcard-digest").ok());
    ASSERT_TRUE(solver.present(base, "base-digest").ok());
    EXPECT_THAT(*solver.client().query(name, "TXT"),
                UnorderedElementsAre("wildcard-digest", "base-digest"));

    ASSERT_TRUE(solver.cleanup("*." + base, "wildcard-digest").ok());
    EXPECT_EQ(*solver.client().query(name, "TXT"), std::vector<std::string>{"base-digest"});
    ASSERT_TRUE(solver.cleanup(base, "base-digest").ok());
    EXPECT_TRUE(solver.client().query(name, "TXT")->empty());
}

TEST_F(Dns01SolverTest, SelfCheckGivesUpAfterBoundedPolling) {
    auto solver = Dns01Solver::create(config()).value();
    auto checked = solver.selfCheck("never." + bind_->zone(), "absent");
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.problem().type, acme::ErrorType::dns);
    EXPECT_THAT(checked.problem().detail, HasSubstr("after 5 queries"));
    EXPECT_EQ(sleeps_, 4);
}

TEST_F(Dns01SolverTest, IdentifierOutsideTheZoneIsRefused) {
    auto solver = Dns01Solver::create(config()).value();
    auto presented = solver.present("abc.example.org", "digest");
    ASSERT_FALSE(presented.ok());
    EXPECT_EQ(presented.problem().type, acme::ErrorType::rejectedIdentifier);
}

TEST_F(Dns01SolverTest, WrongKeyFailsPresent) {
    auto c = config();
    c.dns.tsig.secret = "c2VjcmV0LXRoYXQtaXMtbm90LXRoZS1zZXJ2ZXJzLWtleSE=";
    auto solver = Dns01Solver::create(c).value();
    auto presented = solver.present("abc." + bind_->zone(), "digest");
    ASSERT_FALSE(presented.ok());
    EXPECT_THAT(presented.problem().detail, HasSubstr("BADSIG"));
    EXPECT_EQ(sleeps_, 0);  // no self-check after a refused update
}

}  // namespace
}  // namespace legate::ido::solvers
