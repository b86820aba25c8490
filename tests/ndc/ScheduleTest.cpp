// Timer derivation (digest §3.14), backoff and their bounds, with plain time values.

#include <gtest/gtest.h>

#include "ndc/Schedule.h"

namespace legate::ndc {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint kNow{Seconds{1'800'000'000}};

Timing noJitter() {
    Timing t;
    t.jitter = 0;
    t.minInterval = Seconds{5};
    t.maxInterval = hours(24);
    return t;
}

TEST(Schedule, SuccessorIsNotBeforePlusLifetimeWhenLifetimeIsKnown) {
    Publication p{kNow - hours(1), kNow + hours(5), std::nullopt, Seconds{hours(3)}};
    EXPECT_EQ(expectedSuccessor(p), kNow + hours(2));
    EXPECT_EQ(nextCheck(p, kNow, noJitter(), 0.0), kNow + hours(2));
}

TEST(Schedule, SuccessorIsThreeQuartersOfTheValidityWithoutLifetime) {
    // L = 8h: 0.75 L after notBefore.
    Publication p{kNow - hours(2), kNow + hours(6), std::nullopt, std::nullopt};
    EXPECT_EQ(expectedSuccessor(p), kNow + hours(4));
    EXPECT_EQ(nextCheck(p, kNow, noJitter(), 0.0), kNow + hours(4));
}

TEST(Schedule, CacheControlMaxAgeWinsOverTheValidityModel) {
    Publication p{kNow - hours(1), kNow + hours(5), Seconds{600}, Seconds{hours(3)}};
    EXPECT_EQ(nextCheck(p, kNow, noJitter(), 0.0), kNow + minutes(10));
    // max-age 0 (next publication due now): the validity model decides.
    p.maxAge = Seconds{0};
    EXPECT_EQ(nextCheck(p, kNow, noJitter(), 0.0), kNow + hours(2));
}

TEST(Schedule, WaitIsBoundedByMinAndMaxInterval) {
    Timing t = noJitter();
    t.maxInterval = minutes(30);
    Publication far{kNow, kNow + hours(48), std::nullopt, std::nullopt};
    EXPECT_EQ(nextCheck(far, kNow, t, 0.0), kNow + minutes(30));
    Publication soon{kNow, kNow + hours(48), Seconds{1}, std::nullopt};
    EXPECT_EQ(nextCheck(soon, kNow, t, 0.0), kNow + Seconds{5});
}

TEST(Schedule, SameCertificatePastItsSuccessorTimeIsRetriedWellBeforeNotAfter) {
    // Successor expected an hour ago; 8h left: retry after 1h (an eighth).
    Publication p{kNow - hours(4), kNow + hours(8), std::nullopt, Seconds{hours(3)}};
    EXPECT_EQ(nextCheck(p, kNow, noJitter(), 0.0), kNow + hours(1));
}

TEST(Schedule, NeverLaterThanThreeQuartersOfTheRemainingValidityEvenWithFullJitter) {
    Timing t = noJitter();
    t.jitter = 1.0;
    t.maxJitter = hours(100);
    Publication p{kNow - hours(1), kNow + hours(4), Seconds{hours(10)}, std::nullopt};
    const auto next = nextCheck(p, kNow, t, 0.999);
    EXPECT_LE(next, kNow + hours(3));
    EXPECT_GT(next, kNow);
}

TEST(Schedule, JitterAddsAtMostItsFractionAndItsCap) {
    Timing t = noJitter();
    t.jitter = 0.1;
    t.maxJitter = Seconds{300};
    Publication p{kNow, kNow + hours(100), Seconds{1000}, std::nullopt};
    EXPECT_EQ(nextCheck(p, kNow, t, 0.0), kNow + Seconds{1000});
    EXPECT_EQ(nextCheck(p, kNow, t, 0.5), kNow + Seconds{1050});
    p.maxAge = Seconds{36000};
    EXPECT_EQ(nextCheck(p, kNow, t, 0.99), kNow + Seconds{36000 + 300});  // capped
}

TEST(Schedule, BackoffDoublesUpToItsCap) {
    Timing t = noJitter();
    t.initialBackoff = Seconds{5};
    t.maxBackoff = Seconds{60};
    EXPECT_EQ(backoff(1, t, 0.0), Seconds{5});
    EXPECT_EQ(backoff(2, t, 0.0), Seconds{10});
    EXPECT_EQ(backoff(3, t, 0.0), Seconds{20});
    EXPECT_EQ(backoff(4, t, 0.0), Seconds{40});
    EXPECT_EQ(backoff(5, t, 0.0), Seconds{60});
    EXPECT_EQ(backoff(500, t, 0.0), Seconds{60});
    t.jitter = 0.1;
    EXPECT_EQ(backoff(5, t, 0.5), Seconds{63});
}

TEST(Schedule, RetriesLandBeforeTheInstalledCertificateExpires) {
    Timing t = noJitter();
    t.initialBackoff = Seconds{600};
    t.maxBackoff = hours(2);
    // 40 minutes left: a 2h backoff would let the certificate die first.
    const auto at = retryAt(10, kNow, t, 0.0, kNow + minutes(40));
    EXPECT_EQ(at, kNow + minutes(30));
    // Nothing installed: the plain backoff.
    EXPECT_EQ(retryAt(10, kNow, t, 0.0, std::nullopt), kNow + hours(2));
    // Already expired: the plain backoff too (a fetch cannot come "before" it).
    EXPECT_EQ(retryAt(1, kNow, t, 0.0, kNow - minutes(1)), kNow + minutes(10));
}

TEST(Schedule, OrderPollsHonourRetryAfterUpToTheCap) {
    Timing t;
    t.maxOrderPoll = Seconds{60};
    EXPECT_EQ(orderPollDelay(Seconds{10}, t), Seconds{10});
    EXPECT_EQ(orderPollDelay(Seconds{3600}, t), Seconds{60});
    EXPECT_EQ(orderPollDelay(Seconds{0}, t), Seconds{1});
    EXPECT_EQ(orderPollDelay(std::nullopt, t), Seconds{5});
}

TEST(Schedule, NonStarRenewalAtTwoThirds) {
    EXPECT_EQ(renewalTime(kNow, kNow + hours(90)), kNow + hours(60));
}

}  // namespace
}  // namespace legate::ndc
