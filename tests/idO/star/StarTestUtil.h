#pragma once
/// Small helpers shared by the STAR emulation tests.

#include <string>

#include <gtest/gtest.h>

#include "broker/core/Clock.h"
#include "broker/core/Time.h"

namespace legate::ido::star::test {

inline constexpr Seconds kHour{3600};
inline constexpr Seconds kDay{86400};

/// An RFC 3339 instant; fails the test on a typo.
inline TimePoint at(const std::string& text) {
    auto t = parseRfc3339(text);
    EXPECT_TRUE(t.has_value()) << text;
    return t.value_or(TimePoint{});
}

inline std::string show(TimePoint t) {
    return toRfc3339(t);
}

}  // namespace legate::ido::star::test
