#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "idO/star/StarSchedule.h"
#include "tests/idO/star/StarTestUtil.h"

namespace legate::ido::star {
namespace {

using std::chrono::nanoseconds;
using test::at;
using test::kDay;
using test::kHour;
using test::show;

/// RFC 8739 §3.5's worked example (digest §3.9).
AutoRenewal rfcExample() {
    AutoRenewal a;
    a.startDate = at("2019-01-10T00:00:00Z");
    a.endDate = at("2019-01-20T00:00:00Z");
    a.lifetime = Seconds{345600};
    a.lifetimeAdjust = Seconds{259200};
    return a;
}

StarSchedule mustCreate(const AutoRenewal& a, TimePoint issuance,
                        const StarScheduleOptions& o = {}) {
    auto s = StarSchedule::create(a, issuance, o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.problem().detail);
    return std::move(s).value();
}

TEST(StarScheduleTest, Rfc8739WorkedExample) {
    StarScheduleOptions o;
    o.paddingFactor = 0.5;
    o.leadTime = kHour;
    // Ordered the evening before the start-date: nrd[0] = start-date (A15).
    const auto s = mustCreate(rfcExample(), at("2019-01-09T18:00:00Z"), o);
    ASSERT_EQ(s.count(), 3u);
    EXPECT_EQ(s.padding(), 3 * kDay);        // max(min(4d, 3d), 0.5 * 4d)
    EXPECT_EQ(s.serverPadding(), 2 * kDay);  // 0.5 * 4d

    struct Row {
        const char *nrd, *notBefore, *notAfter, *currentFrom, *publishBy, *orderAt;
    };
    const Row rows[] = {
        {"2019-01-10T00:00:00Z", "2019-01-10T00:00:00Z", "2019-01-14T00:00:00Z",
         "2019-01-10T00:00:00Z", "2019-01-10T00:00:00Z", "2019-01-09T23:00:00Z"},
        {"2019-01-14T00:00:00Z", "2019-01-11T00:00:00Z", "2019-01-18T00:00:00Z",
         "2019-01-12T00:00:00Z", "2019-01-12T00:00:00Z", "2019-01-11T23:00:00Z"},
        {"2019-01-18T00:00:00Z", "2019-01-15T00:00:00Z", "2019-01-20T00:00:00Z",
         "2019-01-16T00:00:00Z", "2019-01-16T00:00:00Z", "2019-01-15T23:00:00Z"},
    };
    for (std::size_t i = 0; i < 3; ++i) {
        const auto w = s.window(i);
        ASSERT_TRUE(w.has_value());
        EXPECT_EQ(w->index, i);
        EXPECT_EQ(show(w->nominalRenewal), rows[i].nrd) << i;
        EXPECT_EQ(show(w->notBefore), rows[i].notBefore) << i;
        EXPECT_EQ(show(w->notAfter), rows[i].notAfter) << i;
        EXPECT_EQ(show(w->currentFrom), rows[i].currentFrom) << i;
        EXPECT_EQ(show(w->publishBy), rows[i].publishBy) << i;
        EXPECT_EQ(show(w->orderAt), rows[i].orderAt) << i;
    }
    EXPECT_FALSE(s.window(3).has_value());

    // Issued exactly at the start-date: the same schedule.
    const auto same = mustCreate(rfcExample(), at("2019-01-10T00:00:00Z"), o);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(same.window(i), s.window(i));
    }
}

TEST(StarScheduleTest, LargerPaddingFactorPublishesAtNotBefore) {
    // f = 0.75: s = 3d = pad, so each certificate is current from its own notBefore
    // (the digest's A16b model), e.g. certificate 2 at 01-15.
    StarScheduleOptions o;
    o.paddingFactor = 0.75;
    const auto s = mustCreate(rfcExample(), at("2019-01-10T00:00:00Z"), o);
    ASSERT_EQ(s.count(), 3u);
    EXPECT_EQ(show(s.window(1)->currentFrom), "2019-01-11T00:00:00Z");
    EXPECT_EQ(show(s.window(2)->currentFrom), "2019-01-15T00:00:00Z");
    EXPECT_EQ(s.window(2)->currentFrom, s.window(2)->notBefore);
}

TEST(StarScheduleTest, NoStartDateStartsAtFirstIssuance) {
    AutoRenewal a = rfcExample();
    a.startDate.reset();
    const auto s = mustCreate(a, at("2019-01-10T06:00:00Z"));
    ASSERT_EQ(s.count(), 3u);  // 9.75 days in 4-day steps
    EXPECT_EQ(show(s.window(0)->notBefore), "2019-01-10T06:00:00Z");
    EXPECT_EQ(show(s.window(0)->notAfter), "2019-01-14T06:00:00Z");
    EXPECT_EQ(show(s.window(1)->notBefore), "2019-01-11T06:00:00Z");
    EXPECT_EQ(show(s.window(2)->notAfter), "2019-01-20T00:00:00Z");
}

TEST(StarScheduleTest, LateIssuanceShiftsNominalRenewals) {
    // A15: nrd[0] = max(start-date, first issuance); notBefore[0] still ≥ start-date.
    const auto s = mustCreate(rfcExample(), at("2019-01-11T00:00:00Z"));
    ASSERT_EQ(s.count(), 3u);
    EXPECT_EQ(show(s.window(0)->nominalRenewal), "2019-01-11T00:00:00Z");
    EXPECT_EQ(show(s.window(0)->notBefore), "2019-01-10T00:00:00Z");
    EXPECT_EQ(show(s.window(0)->notAfter), "2019-01-15T00:00:00Z");
    EXPECT_EQ(show(s.window(2)->nominalRenewal), "2019-01-19T00:00:00Z");
    EXPECT_EQ(show(s.window(2)->notAfter), "2019-01-20T00:00:00Z");
    const auto r = s.rebasedAt(at("2019-01-17T00:00:00Z"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->count(), 1u);
    EXPECT_EQ(show(r->window(0)->notBefore), "2019-01-14T00:00:00Z");
    EXPECT_EQ(show(r->window(0)->notAfter), "2019-01-20T00:00:00Z");
}

TEST(StarScheduleTest, FractionalInstantsRoundInwards) {
    AutoRenewal a = rfcExample();
    a.startDate = *a.startDate + nanoseconds{400'000'000};
    a.endDate = a.endDate + nanoseconds{700'000'000};
    const auto s = mustCreate(a, at("2019-01-09T00:00:00Z"));
    EXPECT_GE(s.window(0)->notBefore, *a.startDate);
    EXPECT_EQ(show(s.window(0)->notBefore), "2019-01-10T00:00:01Z");
    EXPECT_EQ(s.window(s.count() - 1)->notAfter, at("2019-01-20T00:00:00Z"));
    EXPECT_LE(s.window(s.count() - 1)->notAfter, a.endDate);
}

TEST(StarScheduleTest, BoundaryQueries) {
    const auto s = mustCreate(rfcExample(), at("2019-01-09T18:00:00Z"));
    const nanoseconds tick{1};
    // Before the first certificate is current.
    EXPECT_FALSE(s.windowAt(at("2019-01-10T00:00:00Z") - tick).has_value());
    EXPECT_EQ(s.nextPublicationAfter(at("2019-01-01T00:00:00Z")), at("2019-01-10T00:00:00Z"));
    // Each switch, to the nanosecond.
    EXPECT_EQ(s.windowAt(at("2019-01-10T00:00:00Z")), 0u);
    EXPECT_EQ(s.windowAt(at("2019-01-12T00:00:00Z") - tick), 0u);
    EXPECT_EQ(s.windowAt(at("2019-01-12T00:00:00Z")), 1u);
    EXPECT_EQ(s.windowAt(at("2019-01-16T00:00:00Z") - tick), 1u);
    EXPECT_EQ(s.windowAt(at("2019-01-16T00:00:00Z")), 2u);
    EXPECT_EQ(s.nextPublicationAfter(at("2019-01-10T00:00:00Z")), at("2019-01-12T00:00:00Z"));
    EXPECT_EQ(s.nextPublicationAfter(at("2019-01-12T00:00:00Z") - tick),
              at("2019-01-12T00:00:00Z"));
    EXPECT_EQ(s.nextPublicationAfter(at("2019-01-12T00:00:00Z")), at("2019-01-16T00:00:00Z"));
    EXPECT_FALSE(s.nextPublicationAfter(at("2019-01-16T00:00:00Z")).has_value());
    // End-date (A16).
    EXPECT_EQ(s.windowAt(at("2019-01-20T00:00:00Z") - tick), 2u);
    EXPECT_FALSE(s.expiredAt(at("2019-01-20T00:00:00Z") - tick));
    EXPECT_TRUE(s.expiredAt(at("2019-01-20T00:00:00Z")));
    EXPECT_FALSE(s.windowAt(at("2019-01-20T00:00:00Z")).has_value());
    EXPECT_FALSE(s.nextPublicationAfter(at("2019-01-25T00:00:00Z")).has_value());
    EXPECT_EQ(s.endDate(), at("2019-01-20T00:00:00Z"));
}

TEST(StarScheduleTest, LastCertificateCanBeShort) {
    // 4 days and 1 second in 4-day steps: a 1-second tail still needs a certificate.
    AutoRenewal a = rfcExample();
    a.endDate = at("2019-01-14T00:00:01Z");
    const auto s = mustCreate(a, at("2019-01-10T00:00:00Z"));
    ASSERT_EQ(s.count(), 2u);
    EXPECT_EQ(show(s.window(0)->notAfter), "2019-01-14T00:00:00Z");
    EXPECT_EQ(show(s.window(1)->notAfter), "2019-01-14T00:00:01Z");
    EXPECT_EQ(show(s.window(1)->notBefore), "2019-01-11T00:00:00Z");
}

TEST(StarScheduleTest, RejectsBadSettings) {
    const TimePoint issuance = at("2019-01-09T00:00:00Z");
    auto expectMalformed = [&](const AutoRenewal& a, TimePoint when, const char* what) {
        auto s = StarSchedule::create(a, when);
        ASSERT_FALSE(s.ok()) << what;
        EXPECT_EQ(s.problem().type, acme::ErrorType::malformed) << what;
        EXPECT_FALSE(s.problem().detail.empty());
    };
    AutoRenewal a = rfcExample();
    a.endDate = *a.startDate;
    expectMalformed(a, issuance, "end == start");
    a.endDate = *a.startDate - kDay;
    expectMalformed(a, issuance, "end < start");
    a = rfcExample();
    expectMalformed(a, at("2019-01-20T00:00:00Z"), "issued at end-date");
    a.startDate.reset();
    expectMalformed(a, at("2019-01-21T00:00:00Z"), "issued after end-date, no start-date");
    a = rfcExample();
    a.lifetime = Seconds{0};
    expectMalformed(a, issuance, "lifetime 0");
    a.lifetime = Seconds{1};
    expectMalformed(a, issuance, "lifetime 1 s");
    a.lifetime = Seconds{-5};
    expectMalformed(a, issuance, "negative lifetime");
    a.lifetime = Seconds{std::numeric_limits<int64_t>::max()};
    expectMalformed(a, issuance, "absurd lifetime");
    a = rfcExample();
    a.lifetimeAdjust = Seconds{-1};
    expectMalformed(a, issuance, "negative lifetime-adjust");
}

TEST(StarScheduleTest, HugeLifetimeAdjustIsCappedByLifetime) {
    AutoRenewal a = rfcExample();
    a.lifetimeAdjust = Seconds{std::numeric_limits<int64_t>::max()};
    const auto s = mustCreate(a, at("2019-01-10T00:00:00Z"));
    EXPECT_EQ(s.padding(), 4 * kDay);
    EXPECT_EQ(show(s.window(1)->notBefore), "2019-01-10T00:00:00Z");
    EXPECT_EQ(show(s.window(1)->currentFrom), "2019-01-12T00:00:00Z");
}

TEST(StarScheduleTest, RejectsAbsurdCountsWithoutAllocating) {
    AutoRenewal a;
    a.endDate = at("2119-01-01T00:00:00Z");  // a century of 2-second certificates
    a.lifetime = Seconds{2};
    auto s = StarSchedule::create(a, at("2019-01-01T00:00:00Z"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.problem().type, acme::ErrorType::malformed);
    EXPECT_NE(s.problem().detail.find("1577836800 certificates"), std::string::npos)
        << s.problem().detail;

    StarScheduleOptions o;
    o.maxCertificates = 3;
    EXPECT_TRUE(StarSchedule::create(rfcExample(), at("2019-01-10T00:00:00Z"), o).ok());
    o.maxCertificates = 2;
    EXPECT_FALSE(StarSchedule::create(rfcExample(), at("2019-01-10T00:00:00Z"), o).ok());

    // Within the default cap, a long schedule is still only computed on demand.
    a.endDate = at("2019-01-03T07:33:20Z");  // 200000 s = 100000 certificates of 2 s
    auto big = StarSchedule::create(a, at("2019-01-01T00:00:00Z"));
    ASSERT_TRUE(big.ok()) << big.problem().detail;
    EXPECT_EQ(big->count(), 100'000u);
    EXPECT_EQ(big->window(99'999)->notAfter, a.endDate);
    EXPECT_EQ(big->windowAt(a.endDate - Seconds{1}), 99'999u);
}

TEST(StarScheduleTest, RejectsBadOptions) {
    const TimePoint issuance = at("2019-01-10T00:00:00Z");
    for (double f : {0.0, 0.49, 1.0, 1.5, -0.5, std::nan("")}) {
        StarScheduleOptions o;
        o.paddingFactor = f;
        auto s = StarSchedule::create(rfcExample(), issuance, o);
        ASSERT_FALSE(s.ok()) << f;
        EXPECT_EQ(s.problem().type, acme::ErrorType::serverInternal);
    }
    StarScheduleOptions o;
    o.leadTime = Seconds{-1};
    EXPECT_FALSE(StarSchedule::create(rfcExample(), issuance, o).ok());
    o.leadTime = StarSchedule::kMaxLeadTime + Seconds{1};
    EXPECT_FALSE(StarSchedule::create(rfcExample(), issuance, o).ok());
    o = {};
    o.maxCertificates = 0;
    EXPECT_FALSE(StarSchedule::create(rfcExample(), issuance, o).ok());
}

/// Random but reproducible parameter sets, including odd lifetimes, every padding
/// regime (la = 0, la < s, s < la < T, la ≥ T), start-dates before and after the
/// issuance, no start-date, fractional instants and tails shorter than a lifetime.
TEST(StarScheduleTest, PropertiesHoldForRandomParameters) {
    std::mt19937_64 rng(20261122);
    auto uniform = [&](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    const nanoseconds tick{1};
    int checkedWindows = 0;
    for (int round = 0; round < 2000; ++round) {
        AutoRenewal a;
        const int64_t T = uniform(0, 3) == 0 ? uniform(2, 10) : uniform(2, 30 * 86400);
        a.lifetime = Seconds{T};
        switch (uniform(0, 3)) {
            case 0:
                a.lifetimeAdjust = Seconds{0};
                break;
            case 1:
                a.lifetimeAdjust = Seconds{uniform(0, T / 2)};
                break;
            case 2:
                a.lifetimeAdjust = Seconds{uniform(T / 2, T)};
                break;
            default:
                a.lifetimeAdjust = Seconds{uniform(T, 4 * T)};
                break;
        }
        StarScheduleOptions o;
        o.paddingFactor = std::uniform_real_distribution<double>(0.5, 0.999)(rng);
        o.leadTime = Seconds{uniform(0, 2 * T)};
        const TimePoint issuance = TimePoint{Seconds{1'700'000'000 + uniform(0, 1'000'000)}} +
                                   nanoseconds{uniform(0, 999'999'999)};
        if (uniform(0, 2) != 0) {
            a.startDate =
                issuance + Seconds{uniform(-5 * T, 5 * T)} + nanoseconds{uniform(0, 999'999'999)};
        }
        const TimePoint from = a.startDate ? std::max(*a.startDate, issuance) : issuance;
        a.endDate = from + Seconds{uniform(2, 40 * T)} + nanoseconds{uniform(0, 999'999'999)};

        auto created = StarSchedule::create(a, issuance, o);
        ASSERT_TRUE(created.ok()) << round << ": " << created.problem().detail;
        const StarSchedule& s = *created;
        const std::size_t n = s.count();
        ASSERT_GE(n, 1u);
        ASSERT_FALSE(s.window(n).has_value());
        const auto first = *s.window(0);
        if (a.startDate) {
            EXPECT_GE(first.notBefore, *a.startDate) << round;  // RFC 8739: first notBefore ≥ start
        }
        EXPECT_GE(first.nominalRenewal, issuance) << round;
        EXPECT_FALSE(s.windowAt(first.currentFrom - tick).has_value());
        EXPECT_EQ(s.nextPublicationAfter(first.currentFrom - tick), first.currentFrom);

        std::optional<StarWindow> previous;
        for (std::size_t i = 0; i < n; ++i) {
            const StarWindow w = *s.window(i);
            ++checkedWindows;
            SCOPED_TRACE("round " + std::to_string(round) + " window " + std::to_string(i));
            EXPECT_LE(w.notAfter, a.endDate);  // no notAfter after end-date
            EXPECT_LT(w.notBefore, w.notAfter);
            EXPECT_LE(w.notAfter - w.nominalRenewal, Seconds{T});  // lifetime respected
            EXPECT_LE(w.notBefore, w.currentFrom);                 // valid when published
            EXPECT_LT(w.currentFrom, w.notAfter);
            EXPECT_LE(w.currentFrom, w.publishBy);  // published in time
            EXPECT_LE(w.orderAt, w.currentFrom);
            EXPECT_EQ(s.windowAt(w.currentFrom), i);
            if (previous) {
                // Halfway point of the predecessor's nominal window (A16b), exactly.
                EXPECT_LE(2 * (w.publishBy - previous->nominalRenewal), Seconds{T});
                EXPECT_EQ(w.nominalRenewal - previous->nominalRenewal, Seconds{T});
                EXPECT_LE(w.notBefore, previous->notAfter);    // overlap: no gap
                EXPECT_LT(w.currentFrom, previous->notAfter);  // the served one is valid
                EXPECT_GT(w.currentFrom, previous->currentFrom);
                EXPECT_GE(w.orderAt, previous->currentFrom);
                EXPECT_EQ(s.windowAt(w.currentFrom - tick), i - 1);
                EXPECT_EQ(s.nextPublicationAfter(previous->currentFrom), w.currentFrom);
                EXPECT_EQ(s.nextPublicationAfter(w.currentFrom - tick), w.currentFrom);
            }
            previous = w;
        }
        // The last certificate reaches end-date, and the order expires exactly there.
        EXPECT_EQ(previous->notAfter, s.endDate()) << round;
        EXPECT_GT(s.endDate() + Seconds{1}, a.endDate);
        EXPECT_FALSE(s.nextPublicationAfter(previous->currentFrom).has_value());
        EXPECT_EQ(s.windowAt(s.endDate() - tick), n - 1);
        EXPECT_FALSE(s.expiredAt(s.endDate() - tick));
        EXPECT_TRUE(s.expiredAt(s.endDate()));
        EXPECT_FALSE(s.windowAt(s.endDate()).has_value());
        // Random instants agree with the windows' own boundaries.
        for (int k = 0; k < 5; ++k) {
            const TimePoint t =
                first.currentFrom +
                nanoseconds{static_cast<int64_t>(
                    std::uniform_real_distribution<double>(0, 1)(rng) *
                    static_cast<double>((s.endDate() - first.currentFrom).count()))};
            const auto i = s.windowAt(t);
            if (s.expiredAt(t)) {
                EXPECT_FALSE(i.has_value());
                continue;
            }
            ASSERT_TRUE(i.has_value());
            const auto w = *s.window(*i);
            EXPECT_LE(w.currentFrom, t);
            EXPECT_LE(w.notBefore, t);
            EXPECT_GT(w.notAfter, t);
            if (auto next = s.window(*i + 1)) {
                EXPECT_GT(next->currentFrom, t);
                EXPECT_EQ(s.nextPublicationAfter(t), next->currentFrom);
            } else {
                EXPECT_FALSE(s.nextPublicationAfter(t).has_value());
            }
        }
    }
    EXPECT_GT(checkedWindows, 10'000);
}

}  // namespace
}  // namespace legate::ido::star
