/// The relay's retry and poll timing as pure functions: no Redis, no clock, no CA.

#include <gtest/gtest.h>

#include "idO/relay/RetryPolicy.h"

namespace legate::ido::relay {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{std::chrono::seconds(1'800'000'000)};

TEST(RetryPolicyTest, BackoffDoublesFromTwoSecondsToAFifteenMinuteCap) {
    const RetryPolicy policy;
    EXPECT_EQ(policy.backoff(0), 2s);
    EXPECT_EQ(policy.backoff(1), 4s);
    EXPECT_EQ(policy.backoff(2), 8s);
    EXPECT_EQ(policy.backoff(8), 512s);
    EXPECT_EQ(policy.backoff(9), 900s);
    EXPECT_EQ(policy.backoff(1000), 900s) << "no overflow for a huge attempt count";
    EXPECT_EQ(policy.backoff(-3), 2s);
}

TEST(RetryPolicyTest, AFirstCertificateRetriesTransientTroubleThenGivesUp) {
    const RetryPolicy policy;
    for (int attempt = 1; attempt < 6; ++attempt) {
        auto d = policy.afterFailure(attempt, false, true, std::nullopt, kNow);
        EXPECT_FALSE(d.giveUp) << attempt;
        EXPECT_EQ(d.due, kNow + policy.backoff(attempt)) << attempt;
    }
    EXPECT_TRUE(policy.afterFailure(6, false, true, std::nullopt, kNow).giveUp);
}

TEST(RetryPolicyTest, AFirstCertificateGivesUpAtOnceWhenTheCaRefuses) {
    const RetryPolicy policy;
    EXPECT_TRUE(policy.afterFailure(1, true, true, std::nullopt, kNow).giveUp);
}

TEST(RetryPolicyTest, ARenewalNeverGivesUp) {
    const RetryPolicy policy;
    for (int attempt : {1, 6, 50, 10'000}) {
        auto transient = policy.afterFailure(attempt, false, false, std::nullopt, kNow);
        auto refused = policy.afterFailure(attempt, true, false, std::nullopt, kNow);
        EXPECT_FALSE(transient.giveUp) << attempt;
        EXPECT_FALSE(refused.giveUp) << attempt;
        EXPECT_LE(refused.due, kNow + 900s);
    }
}

TEST(RetryPolicyTest, RetryAfterFromTheCaIsNeverAnticipated) {
    const RetryPolicy policy;
    auto later = policy.afterFailure(1, false, true, kNow + 1h, kNow);
    EXPECT_EQ(later.due, kNow + 1h);
    // A Retry-After earlier than the backoff does not shorten it.
    auto earlier = policy.afterFailure(3, false, true, kNow + 1s, kNow);
    EXPECT_EQ(earlier.due, kNow + policy.backoff(3));
}

TEST(RetryPolicyTest, PollsWaitAQuarterSecondDoublingToTenThenStop) {
    const RetryPolicy policy;
    EXPECT_EQ(*policy.nextPoll(1, std::nullopt, kNow), kNow + 250ms);
    EXPECT_EQ(*policy.nextPoll(2, std::nullopt, kNow), kNow + 500ms);
    EXPECT_EQ(*policy.nextPoll(3, std::nullopt, kNow), kNow + 1s);
    EXPECT_EQ(*policy.nextPoll(6, std::nullopt, kNow), kNow + 8s);
    EXPECT_EQ(*policy.nextPoll(7, std::nullopt, kNow), kNow + 10s);
    EXPECT_EQ(*policy.nextPoll(34, std::nullopt, kNow), kNow + 10s);
    EXPECT_FALSE(policy.nextPoll(35, std::nullopt, kNow).has_value())
        << "polled long enough: the step counts as a transient failure";
}

TEST(RetryPolicyTest, APollHonoursRetryAfter) {
    const RetryPolicy policy;
    EXPECT_EQ(*policy.nextPoll(1, kNow + 30s, kNow), kNow + 30s);
    EXPECT_EQ(*policy.nextPoll(4, kNow + 1s, kNow), kNow + 2s);
}

TEST(RetryPolicyTest, OptionsAreHonoured) {
    RetryPolicy::Options o;
    o.base = 1s;
    o.cap = 5s;
    o.maxFirstAttempts = 2;
    o.pollInitial = 100ms;
    o.pollMax = 300ms;
    o.maxPolls = 3;
    const RetryPolicy policy(o);
    EXPECT_EQ(policy.backoff(5), 5s);
    EXPECT_FALSE(policy.afterFailure(1, false, true, std::nullopt, kNow).giveUp);
    EXPECT_TRUE(policy.afterFailure(2, false, true, std::nullopt, kNow).giveUp);
    EXPECT_EQ(*policy.nextPoll(2, std::nullopt, kNow), kNow + 200ms);
    EXPECT_FALSE(policy.nextPoll(3, std::nullopt, kNow).has_value());
}

}  // namespace
}  // namespace legate::ido::relay
