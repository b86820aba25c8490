#include <gtest/gtest.h>

#include "idO/star/AutoRenewal.h"
#include "tests/idO/star/StarTestUtil.h"

namespace legate::ido::star {
namespace {

using nlohmann::json;
using test::at;
using test::kDay;

TEST(AutoRenewalTest, ReadsTheReflectedObject) {
    auto r = AutoRenewal::fromJson(json{{"start-date", "2019-01-10T00:00:00Z"},
                                        {"end-date", "2019-01-20T00:00:00Z"},
                                        {"lifetime", 345600},
                                        {"lifetime-adjust", 259200},
                                        {"allow-certificate-get", true}});
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->startDate, at("2019-01-10T00:00:00Z"));
    EXPECT_EQ(r->endDate, at("2019-01-20T00:00:00Z"));
    EXPECT_EQ(r->lifetime, 4 * kDay);
    EXPECT_EQ(r->lifetimeAdjust, 3 * kDay);
}

TEST(AutoRenewalTest, OptionalMembersDefault) {
    auto r = AutoRenewal::fromJson(json{{"end-date", "2019-01-20T00:00:00Z"}, {"lifetime", 86400}});
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_FALSE(r->startDate.has_value());
    EXPECT_EQ(r->lifetimeAdjust, Seconds{0});
}

TEST(AutoRenewalTest, RejectsMissingAndMistypedMembers) {
    const json cases[] = {
        json::array(),
        json{{"lifetime", 86400}},
        json{{"end-date", "2019-01-20T00:00:00Z"}},
        json{{"end-date", "not a date"}, {"lifetime", 86400}},
        json{{"end-date", 5}, {"lifetime", 86400}},
        json{{"end-date", "2019-01-20T00:00:00Z"}, {"lifetime", "86400"}},
        json{{"end-date", "2019-01-20T00:00:00Z"}, {"lifetime", 86400.5}},
        json{{"end-date", "2019-01-20T00:00:00Z"}, {"lifetime", 86400}, {"lifetime-adjust", true}},
        json{{"start-date", 1}, {"end-date", "2019-01-20T00:00:00Z"}, {"lifetime", 86400}},
    };
    for (const auto& c : cases) {
        auto r = AutoRenewal::fromJson(c);
        ASSERT_FALSE(r.ok()) << c.dump();
        EXPECT_EQ(r.problem().type, acme::ErrorType::malformed) << c.dump();
    }
}

}  // namespace
}  // namespace legate::ido::star
