/// The one Retry-After rule (broker/acme/RetryAfter.h): both forms, the clamp to
/// [now, now + max], and garbage as no value.

#include <gtest/gtest.h>

#include "broker/acme/RetryAfter.h"
#include "broker/core/Time.h"

namespace legate::acme {
namespace {

const TimePoint kNow = *parseRfc3339("2026-11-22T17:00:00Z");

TEST(RetryAfter, DeltaSeconds) {
    EXPECT_EQ(parseRetryAfter("120", kNow), kNow + Seconds(120));
    EXPECT_EQ(parseRetryAfter(" 0 ", kNow), kNow);
    EXPECT_EQ(parseRetryAfter("\t7", kNow), kNow + Seconds(7));
}

TEST(RetryAfter, HttpDate) {
    EXPECT_EQ(parseRetryAfter("Sun, 22 Nov 2026 17:05:00 GMT", kNow),
              *parseRfc3339("2026-11-22T17:05:00Z"));
    // A date in the past means "now": wait zero, never a negative wait.
    EXPECT_EQ(parseRetryAfter("Sun, 22 Nov 2026 16:00:00 GMT", kNow), kNow);
}

TEST(RetryAfter, ClampedToTheDefaultBound) {
    EXPECT_EQ(parseRetryAfter("86400", kNow), kNow + kMaxRetryAfter);
    EXPECT_EQ(parseRetryAfter("86401", kNow), kNow + kMaxRetryAfter);
    EXPECT_EQ(parseRetryAfter("99999999999", kNow), kNow + kMaxRetryAfter);
    // More digits than any integer holds is still delta-seconds, clamped.
    EXPECT_EQ(parseRetryAfter(std::string(40, '9'), kNow), kNow + kMaxRetryAfter);
    EXPECT_EQ(parseRetryAfter("Fri, 01 Jan 2100 00:00:00 GMT", kNow), kNow + kMaxRetryAfter);
}

TEST(RetryAfter, ClampedToTheCallersBound) {
    EXPECT_EQ(parseRetryAfter("120", kNow, Seconds(60)), kNow + Seconds(60));
    EXPECT_EQ(parseRetryAfter("59", kNow, Seconds(60)), kNow + Seconds(59));
    EXPECT_EQ(parseRetryAfter("Sun, 22 Nov 2026 17:05:00 GMT", kNow, Seconds(60)),
              kNow + Seconds(60));
    EXPECT_EQ(parseRetryAfter("5", kNow, Seconds(-3)), kNow);  // negative bound = zero
}

TEST(RetryAfter, GarbageIsNoValue) {
    EXPECT_FALSE(parseRetryAfter("", kNow));
    EXPECT_FALSE(parseRetryAfter("   ", kNow));
    EXPECT_FALSE(parseRetryAfter("-5", kNow));
    EXPECT_FALSE(parseRetryAfter("+5", kNow));
    EXPECT_FALSE(parseRetryAfter("1.5", kNow));
    EXPECT_FALSE(parseRetryAfter("soon", kNow));
    EXPECT_FALSE(parseRetryAfter("12 seconds", kNow));
    EXPECT_FALSE(parseRetryAfter("Sun, 32 Nov 2026 17:05:00 GMT", kNow));
}

TEST(RetryAfter, AsADelay) {
    EXPECT_EQ(parseRetryAfterDelay("120", kNow), Seconds(120));
    EXPECT_EQ(parseRetryAfterDelay("Sun, 22 Nov 2026 17:00:30 GMT", kNow), Seconds(30));
    EXPECT_EQ(parseRetryAfterDelay("Sun, 22 Nov 2026 16:00:00 GMT", kNow), Seconds(0));
    EXPECT_EQ(parseRetryAfterDelay("99999999999", kNow), kMaxRetryAfter);
    EXPECT_FALSE(parseRetryAfterDelay("-1", kNow));
}

}  // namespace
}  // namespace legate::acme
