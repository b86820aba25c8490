#include <gtest/gtest.h>

#include "broker/core/Time.h"

namespace legate {
namespace {

using namespace std::chrono;

TEST(Time, Rfc3339RoundTrip) {
    const TimePoint t{seconds{1'546'300'800}};  // 2019-01-01T00:00:00Z
    EXPECT_EQ(toRfc3339(t), "2019-01-01T00:00:00Z");
    EXPECT_EQ(parseRfc3339("2019-01-01T00:00:00Z"), t);
    EXPECT_EQ(parseRfc3339("2019-01-01t00:00:00z"), t);
    EXPECT_EQ(parseRfc3339("2019-01-01T00:00:00.123456Z"), t);
    EXPECT_EQ(parseRfc3339("2019-01-01T02:00:00+02:00"), t);
    EXPECT_EQ(parseRfc3339("2018-12-31T19:00:00-05:00"), t);
}

TEST(Time, Rfc3339RejectsMalformed) {
    for (const char* bad :
         {"", "2019-01-01", "2019-01-01T00:00:00", "2019-13-01T00:00:00Z", "2019-02-29T00:00:00Z",
          "2019-01-01T24:00:00Z", "2019-01-01 00:00:00Z", "2019-01-01T00:00:00.Z",
          "2019-01-01T00:00:00Zjunk", "2019-01-01T00:00:00+2:00", "20x9-01-01T00:00:00Z"}) {
        EXPECT_FALSE(parseRfc3339(bad)) << bad;
    }
    EXPECT_TRUE(parseRfc3339("2020-02-29T00:00:00Z"));  // leap year
}

TEST(Time, HttpDateIsImfFixdate) {
    const TimePoint t{seconds{1'570'060'800}};  // 2019-10-03T00:00:00Z, a Thursday
    EXPECT_EQ(toHttpDate(t), "Thu, 03 Oct 2019 00:00:00 GMT");
    EXPECT_EQ(parseHttpDate("Thu, 03 Oct 2019 00:00:00 GMT"), t);
    // RFC 8739's example writes a one-digit day; accept it.
    EXPECT_EQ(parseHttpDate("Thu, 3 Oct 2019 00:00:00 GMT"), t);
    EXPECT_FALSE(parseHttpDate("Thu, 03 Oct 2019 00:00:00 UTC"));
    EXPECT_FALSE(parseHttpDate("Thursday, 03-Oct-19 00:00:00 GMT"));
    EXPECT_FALSE(parseHttpDate("Thu, 32 Oct 2019 00:00:00 GMT"));
    EXPECT_FALSE(parseHttpDate(""));
}

}  // namespace
}  // namespace legate
