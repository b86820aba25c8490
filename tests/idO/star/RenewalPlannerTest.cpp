#include <random>
#include <set>

#include <gtest/gtest.h>

#include "idO/star/RenewalPlanner.h"
#include "tests/idO/star/StarTestUtil.h"

namespace legate::ido::star {
namespace {

using Action = RenewalDecision::Action;
using test::at;
using test::kDay;
using test::kHour;
using test::show;

AutoRenewal rfcExample() {
    AutoRenewal a;
    a.startDate = at("2019-01-10T00:00:00Z");
    a.endDate = at("2019-01-20T00:00:00Z");
    a.lifetime = 4 * kDay;
    a.lifetimeAdjust = 3 * kDay;
    return a;
}

/// The RFC example, ordered the evening before its start-date, lead time one hour.
StarSchedule exampleSchedule() {
    StarScheduleOptions o;
    o.leadTime = kHour;
    auto s = StarSchedule::create(rfcExample(), at("2019-01-09T18:00:00Z"), o);
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
}

void expectWait(const RenewalDecision& d, const std::string& until) {
    ASSERT_EQ(d.action, Action::wait) << d.reason;
    ASSERT_TRUE(d.wakeAt.has_value());
    EXPECT_EQ(show(*d.wakeAt), until);
    EXPECT_FALSE(d.window.has_value());
}

void expectOrder(const RenewalDecision& d, std::size_t index, const std::string& notBefore,
                 const std::string& notAfter) {
    ASSERT_EQ(d.action, Action::order) << d.reason;
    ASSERT_TRUE(d.window.has_value());
    EXPECT_EQ(d.window->index, index);
    EXPECT_EQ(show(d.window->notBefore), notBefore);
    EXPECT_EQ(show(d.window->notAfter), notAfter);
}

TEST(RenewalPlannerTest, OnTimeWalksTheWholeSchedule) {
    const auto schedule = exampleSchedule();
    const RenewalPlanner planner;
    ManualClock clock(at("2019-01-09T18:00:00Z"));
    std::set<std::size_t> obtained;

    expectWait(planner.next(schedule, obtained, clock.now()), "2019-01-09T23:00:00Z");
    clock.set(at("2019-01-09T23:00:00Z"));
    auto d = planner.next(schedule, obtained, clock.now());
    expectOrder(d, 0, "2019-01-10T00:00:00Z", "2019-01-14T00:00:00Z");
    EXPECT_FALSE(d.rebased.has_value());

    clock.advance(std::chrono::minutes{5});
    obtained.insert(0);
    expectWait(planner.next(schedule, obtained, clock.now()), "2019-01-11T23:00:00Z");
    clock.set(at("2019-01-11T23:00:00Z"));
    expectOrder(planner.next(schedule, obtained, clock.now()), 1, "2019-01-11T00:00:00Z",
                "2019-01-18T00:00:00Z");
    obtained.insert(1);
    expectWait(planner.next(schedule, obtained, clock.now()), "2019-01-15T23:00:00Z");
    clock.set(at("2019-01-16T00:00:00Z"));  // a little late: still this one
    expectOrder(planner.next(schedule, obtained, clock.now()), 2, "2019-01-15T00:00:00Z",
                "2019-01-20T00:00:00Z");
    obtained.insert(2);
    d = planner.next(schedule, obtained, clock.now());
    EXPECT_EQ(d.action, Action::done);
    EXPECT_EQ(d.reason, "every certificate obtained");

    clock.set(at("2019-01-20T00:00:00Z"));
    d = planner.next(schedule, obtained, clock.now());
    EXPECT_EQ(d.action, Action::done);
    EXPECT_EQ(d.reason, "end-date reached");
}

TEST(RenewalPlannerTest, LateStartReanchorsTheSchedule) {
    const auto schedule = exampleSchedule();
    const RenewalPlanner planner;
    const TimePoint now = at("2019-01-10T06:00:00Z");
    const auto d = planner.next(schedule, {}, now);
    expectOrder(d, 0, "2019-01-10T00:00:00Z", "2019-01-14T06:00:00Z");
    ASSERT_TRUE(d.rebased.has_value());
    EXPECT_EQ(d.rebased->firstIssuance(), now);
    EXPECT_EQ(d.rebased->count(), 3u);
    EXPECT_EQ(show(d.rebased->window(2)->notAfter), "2019-01-20T00:00:00Z");
    EXPECT_EQ(d.rebased->window(0), d.window);
    EXPECT_NE(d.reason.find("late start"), std::string::npos);

    // With the rebased schedule persisted and certificate 0 obtained, renewals follow it.
    expectWait(planner.next(*d.rebased, {0}, now), "2019-01-12T05:00:00Z");
}

TEST(RenewalPlannerTest, LateStartWithoutStartDate) {
    AutoRenewal a = rfcExample();
    a.startDate.reset();
    auto schedule = StarSchedule::create(a, at("2019-01-10T00:00:00Z"));
    ASSERT_TRUE(schedule.ok());
    const RenewalPlanner planner;
    // On time: the order is due at once (orderAt[0] = issuance − lead), no rebase.
    auto d = planner.next(*schedule, {}, at("2019-01-10T00:00:00Z"));
    expectOrder(d, 0, "2019-01-10T00:00:00Z", "2019-01-14T00:00:00Z");
    EXPECT_FALSE(d.rebased.has_value());
    // The first order failed; retried two hours later.
    d = planner.next(*schedule, {}, at("2019-01-10T02:00:00Z"));
    expectOrder(d, 0, "2019-01-10T02:00:00Z", "2019-01-14T02:00:00Z");
    ASSERT_TRUE(d.rebased.has_value());
    // So late that the order has expired: nothing to do.
    d = planner.next(*schedule, {}, at("2019-01-20T00:00:00Z"));
    EXPECT_EQ(d.action, Action::done);
}

TEST(RenewalPlannerTest, MissedWindowsOrderTheCurrentOne) {
    const auto schedule = exampleSchedule();
    const RenewalPlanner planner;
    // Certificate 1 was due at 01-12 and is late: it is still the one to order.
    auto d = planner.next(schedule, {0}, at("2019-01-13T00:00:00Z"));
    expectOrder(d, 1, "2019-01-11T00:00:00Z", "2019-01-18T00:00:00Z");
    // At 01-17 certificate 2 is current (from 01-16): 1 is skipped, never ordered.
    d = planner.next(schedule, {0}, at("2019-01-17T00:00:00Z"));
    expectOrder(d, 2, "2019-01-15T00:00:00Z", "2019-01-20T00:00:00Z");
    EXPECT_NE(d.reason.find("missed certificates 1..1"), std::string::npos) << d.reason;
    // Indices beyond the schedule (stale data) are ignored.
    d = planner.next(schedule, {0, 7}, at("2019-01-13T00:00:00Z"));
    expectOrder(d, 1, "2019-01-11T00:00:00Z", "2019-01-18T00:00:00Z");
}

TEST(RenewalPlannerTest, EndDateStopsEverything) {
    const auto schedule = exampleSchedule();
    const RenewalPlanner planner;
    EXPECT_EQ(planner.next(schedule, {}, at("2019-01-20T00:00:00Z")).action, Action::done);
    EXPECT_EQ(planner.next(schedule, {0, 1}, at("2019-01-21T00:00:00Z")).action, Action::done);
    // One second before end-date with the last one missing: still ordered.
    expectOrder(planner.next(schedule, {0, 1}, at("2019-01-19T23:59:59Z")), 2,
                "2019-01-15T00:00:00Z", "2019-01-20T00:00:00Z");
}

TEST(RenewalPlannerTest, JitterOnlyMovesOrdersEarlierAndIsBounded) {
    const auto schedule = exampleSchedule();
    std::vector<std::pair<std::size_t, Seconds>> calls;
    RenewalPlannerOptions o;
    o.maxJitter = 2 * kHour;
    o.jitter = [&](std::size_t index, Seconds bound) {
        calls.emplace_back(index, bound);
        return bound;  // the most allowed
    };
    const RenewalPlanner planner(o);
    expectWait(planner.next(schedule, {0}, at("2019-01-10T00:00:00Z")), "2019-01-11T21:00:00Z");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0], std::make_pair(std::size_t{1}, 2 * kHour));

    // A jitter function returning nonsense is clamped to [0, bound].
    o.jitter = [](std::size_t, Seconds) { return Seconds{-500}; };
    expectWait(RenewalPlanner(o).next(schedule, {0}, at("2019-01-10T00:00:00Z")),
               "2019-01-11T23:00:00Z");
    o.jitter = [](std::size_t, Seconds) { return 100 * kDay; };
    expectWait(RenewalPlanner(o).next(schedule, {0}, at("2019-01-10T00:00:00Z")),
               "2019-01-11T21:00:00Z");

    // Never before the predecessor became current: a 3-day lead already orders
    // certificate 1 at 01-10 (when 0 became current), leaving no room for jitter.
    StarScheduleOptions longLead;
    longLead.leadTime = 3 * kDay;
    auto s = StarSchedule::create(rfcExample(), at("2019-01-10T00:00:00Z"), longLead);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(show(s->window(1)->orderAt), "2019-01-10T00:00:00Z");
    expectOrder(RenewalPlanner(o).next(*s, {0}, at("2019-01-10T00:00:00Z")), 1,
                "2019-01-11T00:00:00Z", "2019-01-18T00:00:00Z");
    expectWait(RenewalPlanner(o).next(*s, {0}, at("2019-01-09T00:00:00Z")), "2019-01-10T00:00:00Z");
}

TEST(RenewalPlannerTest, HashedJitterIsStableAndBounded) {
    const auto a = RenewalPlanner::hashedJitter(42);
    const auto b = RenewalPlanner::hashedJitter(42);
    const auto c = RenewalPlanner::hashedJitter(43);
    int differ = 0;
    for (std::size_t i = 0; i < 200; ++i) {
        const Seconds j = a(i, Seconds{600});
        EXPECT_GE(j, Seconds{0});
        EXPECT_LE(j, Seconds{600});
        EXPECT_EQ(j, b(i, Seconds{600}));
        differ += j != c(i, Seconds{600}) ? 1 : 0;
        EXPECT_EQ(a(i, Seconds{0}), Seconds{0});
    }
    EXPECT_GT(differ, 150);
}

/// Drives the planner with a hand-moved clock and an upstream CA that answers within
/// the lead time: every certificate is obtained before it has to be current, in order,
/// once, and the walk ends at end-date.  Also with random outages: whatever is ordered
/// is never entirely in the past.
TEST(RenewalPlannerTest, SimulatedRunsMeetEveryDeadline) {
    std::mt19937_64 rng(7336);
    auto uniform = [&](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    for (int round = 0; round < 300; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        AutoRenewal a;
        const int64_t T = uniform(60, 7 * 86400);
        a.lifetime = Seconds{T};
        a.lifetimeAdjust = Seconds{uniform(0, 2 * T)};
        const TimePoint issuance = TimePoint{Seconds{1'700'000'000 + uniform(0, 1'000'000)}};
        if (uniform(0, 1) == 1) {
            a.startDate = issuance + Seconds{uniform(-T, 3 * T)};
        }
        const TimePoint from = a.startDate ? std::max(*a.startDate, issuance) : issuance;
        a.endDate = from + Seconds{uniform(2, 30 * T)};
        StarScheduleOptions so;
        so.paddingFactor = std::uniform_real_distribution<double>(0.5, 0.95)(rng);
        // A lead time the cadence allows: certificate i is ordered `lead` before it becomes
        // current and not before its predecessor did, so CA latency ≤ lead keeps every
        // publication on time only while 2·lead ≤ T − s.
        auto probe = StarSchedule::create(a, issuance, so);
        ASSERT_TRUE(probe.ok()) << probe.problem().detail;
        const int64_t room = (T - probe->serverPadding().count()) / 2;
        so.leadTime = Seconds{uniform(1, std::max<int64_t>(1, room))};
        auto created = StarSchedule::create(a, issuance, so);
        ASSERT_TRUE(created.ok()) << created.problem().detail;
        StarSchedule schedule = *created;
        RenewalPlannerOptions po;
        po.maxJitter = Seconds{uniform(0, T / 4)};
        po.jitter = RenewalPlanner::hashedJitter(static_cast<uint64_t>(round));
        const RenewalPlanner planner(po);
        const bool outages = round % 3 == 0;

        ManualClock clock(issuance);
        std::set<std::size_t> obtained;
        std::optional<std::size_t> lastOrdered;
        int steps = 0;
        for (;; ++steps) {
            ASSERT_LT(steps, 10 * static_cast<int>(schedule.count()) + 20);
            const auto d = planner.next(schedule, obtained, clock.now());
            if (d.action == Action::done) {
                EXPECT_TRUE(schedule.expiredAt(clock.now()) ||
                            obtained.count(schedule.count() - 1) == 1);
                break;
            }
            if (d.action == Action::wait) {
                ASSERT_GT(*d.wakeAt, clock.now());
                clock.set(*d.wakeAt);
                if (outages && uniform(0, 4) == 0) {
                    clock.advance(Seconds{uniform(0, 3 * T)});  // the worker was down
                }
                continue;
            }
            const StarWindow w = *d.window;
            EXPECT_GT(w.notAfter, clock.now());  // never one entirely in the past
            if (lastOrdered) {
                EXPECT_GT(w.index, *lastOrdered);
            }
            lastOrdered = w.index;
            if (d.rebased) {
                schedule = *d.rebased;
            }
            const Seconds upstream{uniform(0, so.leadTime.count())};
            clock.advance(upstream);
            if (schedule.expiredAt(clock.now())) {
                break;
            }
            obtained.insert(w.index);
            if (!outages && w.index > 0) {
                // Obtained by the time it must be current: published in time.
                EXPECT_LE(clock.now(), w.currentFrom);
                EXPECT_LE(w.currentFrom, w.publishBy);
            }
        }
        if (!outages) {
            EXPECT_EQ(obtained.size(), schedule.count());
        }
    }
}

}  // namespace
}  // namespace legate::ido::star
