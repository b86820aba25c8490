#include <gtest/gtest.h>

#include "broker/core/Clock.h"

namespace legate {
namespace {

TEST(Clock, ManualClockMovesOnlyWhenTold) {
    ManualClock clock;
    const TimePoint start = clock.now();
    EXPECT_EQ(clock.now(), start);
    clock.advance(std::chrono::seconds(90));
    EXPECT_EQ(clock.now() - start, std::chrono::seconds(90));
    clock.set(start);
    EXPECT_EQ(clock.now(), start);
}

TEST(Clock, SystemClockIsWallTime) {
    const auto before = std::chrono::system_clock::now();
    const auto now = SystemClock::instance().now();
    EXPECT_GE(now, before);
}

}  // namespace
}  // namespace legate
