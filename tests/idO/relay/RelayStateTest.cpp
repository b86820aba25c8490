/// The relay's Redis primitives against a real Redis: the fencing lock, fenced progress
/// writes, the wake-up schedule moving due orders to the stream oldest first, the
/// consumer group with claim-back, and the upstream budget.

#include <gtest/gtest.h>

#include "idO/relay/RelayState.h"
#include "tests/support/RedisServer.h"

namespace legate::ido::relay {
namespace {

using namespace std::chrono_literals;

class RelayStateTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<test::RedisServer>();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        clock_.set(
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
        state_ = std::make_unique<RelayState>(
            *pool_, TenantKeys(*store::KeyLayout::forTenant("example")), clock_);
    }

    ManualClock clock_;
    std::unique_ptr<test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<RelayState> state_;
};

TEST_F(RelayStateTest, ALostLockFencesOffTheOldHoldersWrites) {
    auto first = state_->lock("o1", 10s);
    ASSERT_TRUE(first.ok() && first->has_value());
    auto busy = state_->lock("o1", 10s);
    ASSERT_TRUE(busy.ok());
    EXPECT_FALSE(busy->has_value()) << "one holder at a time";
    EXPECT_TRUE(*state_->update("o1", **first, {{"i_step", "ordered"}}, {}, "issue-ordered"));

    // The lease runs out (the holder stalled); another worker takes the order over.
    ASSERT_TRUE(state_->unlock("o1", **first).ok());
    auto second = state_->lock("o1", 10s);
    ASSERT_TRUE(second.ok() && second->has_value());
    EXPECT_GT(**second, **first) << "fencing tokens only grow";
    EXPECT_TRUE(*state_->update("o1", **second, {{"i_step", "authorized"}}));

    // The stalled worker wakes up and tries to write: refused, nothing changes.
    EXPECT_FALSE(*state_->update("o1", **first, {{"i_step", "finalizing"}}));
    EXPECT_FALSE(*state_->renewLock("o1", **first, 10s));
    EXPECT_EQ(state_->record("o1")->at("i_step"), "authorized");
    // Deleting fields is fenced the same way.
    EXPECT_FALSE(*state_->update("o1", **first, {}, {"i_step"}));
    EXPECT_EQ(state_->record("o1")->count("i_step"), 1u);
    EXPECT_TRUE(*state_->update("o1", **second, {}, {"i_step"}));
    EXPECT_EQ(state_->record("o1")->count("i_step"), 0u);
}

TEST_F(RelayStateTest, DueOrdersMoveToTheStreamOldestFirstWithALease) {
    ASSERT_TRUE(state_->ensureGroup().ok());
    ASSERT_TRUE(state_->ensureGroup().ok()) << "an existing group is fine";
    const auto now = clock_.now();
    ASSERT_TRUE(state_->wakeAt("late", now - 30s).ok());
    ASSERT_TRUE(state_->wakeAt("later", now - 10s).ok());
    ASSERT_TRUE(state_->wakeAt("latest", now - 1s).ok());
    ASSERT_TRUE(state_->wakeAt("future", now + 60s).ok());
    EXPECT_EQ(*state_->dueCount(), 3);
    EXPECT_EQ(*state_->scheduledCount(), 4);

    // Only two per tick: the two due longest (closest to expiry) go first.
    EXPECT_EQ(*state_->moveDue(2, 5min), 2);
    auto jobs = state_->readJobs("w1", 10, 10ms);
    ASSERT_TRUE(jobs.ok());
    ASSERT_EQ(jobs->size(), 2u);
    EXPECT_EQ((*jobs)[0].kind, "renew");
    EXPECT_EQ((*jobs)[0].order, "late");
    EXPECT_EQ((*jobs)[1].order, "later");
    // Moved entries are leased, not removed: due again if their worker dies.
    EXPECT_EQ(*state_->dueCount(), 1);
    EXPECT_EQ(*state_->dueTime("late"), now + 5min);
    clock_.advance(5min + 1s);
    EXPECT_EQ(*state_->dueCount(), 4) << "the leased two, and the two still waiting";

    // A worker that died holding a job: its job is claimed back by another.
    auto none = state_->claimIdle("w2", 0ms, 10);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->size(), 2u) << "both of w1's unacknowledged jobs";
    ASSERT_TRUE(state_->ack((*none)[0].id).ok());
    ASSERT_TRUE(state_->ack((*none)[1].id).ok());
    EXPECT_TRUE(state_->claimIdle("w3", 0ms, 10)->empty()) << "acknowledged jobs stay done";
}

TEST_F(RelayStateTest, TheBudgetGrantsNoMoreThanItsRate) {
    // 10 orders per 100 s: a burst of 10, then one every 10 s.
    EXPECT_EQ(*state_->takeBudget(4, 10, 100s), 4);
    EXPECT_EQ(*state_->takeBudget(10, 10, 100s), 6);
    EXPECT_EQ(*state_->takeBudget(3, 10, 100s), 0);
    clock_.advance(25s);
    EXPECT_EQ(*state_->takeBudget(5, 10, 100s), 2);
    clock_.advance(1000s);
    EXPECT_EQ(*state_->takeBudget(50, 10, 100s), 10) << "never more than the bucket holds";
}

TEST_F(RelayStateTest, CertificateLimitsCountASlidingWindowAndSayWhenASlotFrees) {
    // 5 per identical set per 100 s, 3 per domain per 100 s (scaled-down Let's Encrypt).
    const std::vector<CertificateLimit> setAndDomain = {
        {"certificates-per-domain", "domain:example.com", 3, 100s},
        {"duplicate-certificates", "set:abc", 5, 100s}};
    const std::vector<CertificateLimit> otherSet = {
        {"certificates-per-domain", "domain:example.com", 3, 100s},
        {"duplicate-certificates", "set:def", 5, 100s}};
    const auto t0 = clock_.now();
    EXPECT_TRUE(state_->certificateLimits(setAndDomain, "o1#0", true)->allowed);
    clock_.advance(10s);
    EXPECT_TRUE(state_->certificateLimits(otherSet, "o2#0", true)->allowed);
    EXPECT_TRUE(state_->certificateLimits(otherSet, "o2#0", true)->allowed)
        << "the same certificate again (a retried step) is not counted twice";
    clock_.advance(10s);
    // A look counts nothing: many looks, then one more certificate still fits.
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(state_->certificateLimits(setAndDomain, "o3#0", false)->allowed);
    }
    EXPECT_TRUE(state_->certificateLimits(setAndDomain, "o3#0", true)->allowed);

    // The domain now holds 3 (t0, t0+10, t0+20): full until the oldest leaves the window.
    auto full = state_->certificateLimits(setAndDomain, "o4#0", true);
    ASSERT_TRUE(full.ok());
    EXPECT_FALSE(full->allowed);
    EXPECT_EQ(full->limit, "certificates-per-domain");
    EXPECT_EQ(full->key, "domain:example.com");
    EXPECT_EQ(full->freeAt, t0 + 100s + 1ms);
    EXPECT_FALSE(state_->certificateLimits(setAndDomain, "o4#0", true)->allowed)
        << "a refused certificate took no slot";

    clock_.set(t0 + 100s + 1ms);
    EXPECT_TRUE(state_->certificateLimits(setAndDomain, "o4#0", true)->allowed)
        << "the slot freed exactly when it said";
    EXPECT_FALSE(state_->certificateLimits(otherSet, "o5#0", true)->allowed);

    // Memory stays bounded: each set holds at most its limit, and expires.
    auto card = pool_->command({"ZCARD", state_->keys().certificateLimit("domain:example.com")});
    EXPECT_LE(card->asInteger().value_or(99), 3);
    auto ttl = pool_->command({"PTTL", state_->keys().certificateLimit("set:abc")});
    EXPECT_GT(ttl->asInteger().value_or(-1), 0);
    EXPECT_LE(ttl->asInteger().value_or(-1), 100'000);
}

TEST_F(RelayStateTest, AnOrderWaitsInOneScheduleAtATimeAndPollsComeBackAsPollJobs) {
    ASSERT_TRUE(state_->ensureGroup().ok());
    const auto now = clock_.now();
    ASSERT_TRUE(state_->wakeAt("o1", now + 60s).ok());
    ASSERT_TRUE(state_->pollAt("o1", now - 1s).ok());
    EXPECT_FALSE(state_->dueTime("o1")->has_value()) << "a poll replaces the renewal wake-up";
    EXPECT_EQ(*state_->pollTime("o1"), now - 1s);
    EXPECT_EQ(*state_->dueCount(), 0) << "polls are not renewals: the budget never sees them";

    EXPECT_EQ(*state_->moveDuePolls(10, 5min), 1);
    auto jobs = state_->readJobs("w1", 10, 10ms);
    ASSERT_TRUE(jobs.ok());
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ((*jobs)[0].kind, "poll");
    EXPECT_EQ((*jobs)[0].order, "o1");
    EXPECT_EQ(*state_->pollTime("o1"), now + 5min) << "leased, in case its worker dies";
    EXPECT_EQ(*state_->moveDuePolls(10, 5min), 0);

    ASSERT_TRUE(state_->wakeAt("o1", now + 60s).ok());
    EXPECT_FALSE(state_->pollTime("o1")->has_value()) << "a renewal replaces the poll";
    ASSERT_TRUE(state_->pollAt("o2", now).ok());
    ASSERT_TRUE(state_->unschedule("o1").ok());
    ASSERT_TRUE(state_->unschedule("o2").ok());
    EXPECT_EQ(*state_->scheduledCount(), 0);
    EXPECT_FALSE(state_->pollTime("o2")->has_value()) << "unschedule empties both";
    EXPECT_EQ(state_->status()->at("polls").at("waiting"), 0);
}

TEST_F(RelayStateTest, SavingProgressReplacesTheRecordAndIsFenced) {
    auto token = state_->lock("o1", 10s);
    ASSERT_TRUE(token.ok() && token->has_value());
    RelayProgress p;
    p.mode = RelayMode::emulate;
    p.issue.step = IssueStep::downloaded;
    p.issue.order2Url = "https://ca.example/order/1";
    p.issue.pem = "PEM";
    ASSERT_TRUE(*state_->save("o1", **token, p, "issue-downloaded"));
    auto read = state_->progress("o1");
    ASSERT_TRUE(read.ok()) << read.problem().detail;
    EXPECT_EQ(read->fields(), p.fields());

    // The certificate published: the in-flight fields go, in the same write.
    p.issue = InFlight{};
    p.obtained = 0;
    ASSERT_TRUE(*state_->save("o1", **token, p, "published-0"));
    auto record = state_->record("o1");
    EXPECT_EQ(record->count("i_pem"), 0u);
    EXPECT_EQ(record->count("i_order2"), 0u);
    EXPECT_EQ(record->at("obtained"), "0");

    // Someone else's token writes nothing.
    p.done = true;
    EXPECT_FALSE(*state_->save("o1", **token + 1, p, "stolen"));
    EXPECT_FALSE(state_->progress("o1")->done);

    // A record no version wrote is a Problem, not a guess.
    ASSERT_TRUE(*state_->update("o1", **token, {{"i_step", "teleported"}}));
    auto bad = state_->progress("o1");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.problem().detail.find("i_step"), std::string::npos);
}

}  // namespace
}  // namespace legate::ido::relay
