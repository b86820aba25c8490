#include "idO/star/RenewalPlanner.h"

#include <algorithm>
#include <utility>

namespace legate::ido::star {
namespace {

RenewalDecision done(std::string reason) {
    RenewalDecision d;
    d.action = RenewalDecision::Action::done;
    d.reason = std::move(reason);
    return d;
}

/// splitmix64: a well-mixed 64-bit hash, good enough to spread jitter.
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

RenewalPlanner::RenewalPlanner(RenewalPlannerOptions options) : options_(std::move(options)) {}

JitterFunction RenewalPlanner::hashedJitter(uint64_t seed) {
    return [seed](std::size_t index, Seconds bound) {
        if (bound <= Seconds{0}) {
            return Seconds{0};
        }
        const uint64_t h = mix(seed ^ mix(static_cast<uint64_t>(index)));
        return Seconds{static_cast<int64_t>(h % (static_cast<uint64_t>(bound.count()) + 1))};
    };
}

RenewalDecision RenewalPlanner::next(const StarSchedule& schedule,
                                     const std::set<std::size_t>& obtained, TimePoint now) const {
    if (schedule.expiredAt(now)) {
        return done("end-date reached");
    }
    std::optional<std::size_t> highest;
    for (auto it = obtained.rbegin(); it != obtained.rend(); ++it) {
        if (*it < schedule.count()) {
            highest = *it;
            break;
        }
    }

    if (!highest) {
        const auto first = schedule.window(0);
        // Whole seconds (X.509's precision): a first certificate asked for within the
        // second its schedule starts is on time, and a re-anchored one starts at the
        // current second, never the next — so it is valid the moment it is published.
        const auto second = std::chrono::floor<Seconds>(now);
        if (first && second > first->nominalRenewal) {
            auto rebased = schedule.rebasedAt(second);
            if (!rebased.ok()) {
                // Only possible within the last second before end-date.
                return done("late start too close to end-date: " + rebased.problem().detail);
            }
            RenewalDecision d = plan(*rebased, 0, now, "late start: re-anchored at now");
            d.rebased = std::move(rebased).value();
            return d;
        }
        return plan(schedule, 0, now, "first certificate");
    }

    std::size_t index = *highest + 1;
    if (index >= schedule.count()) {
        return done("every certificate obtained");
    }
    std::string reason = "next certificate";
    if (auto current = schedule.windowAt(now); current && *current > index) {
        reason = "missed certificates " + std::to_string(index) + ".." +
                 std::to_string(*current - 1) + ": ordering the current one";
        index = *current;
    }
    return plan(schedule, index, now, std::move(reason));
}

RenewalDecision RenewalPlanner::plan(const StarSchedule& schedule, std::size_t index, TimePoint now,
                                     std::string reason) const {
    const auto w = schedule.window(index);
    if (!w) {
        return done("every certificate obtained");
    }
    TimePoint due = w->orderAt;
    if (options_.jitter && options_.maxJitter > Seconds{0}) {
        Seconds bound = options_.maxJitter;
        if (index > 0) {
            // Never before the predecessor became current.
            const auto previous = schedule.window(index - 1);
            bound =
                std::min(bound, std::chrono::floor<Seconds>(w->orderAt - previous->currentFrom));
        }
        const Seconds j = std::clamp(options_.jitter(index, bound), Seconds{0}, bound);
        due -= j;
    }
    RenewalDecision d;
    d.reason = std::move(reason);
    if (now >= due) {
        d.action = RenewalDecision::Action::order;
        d.window = *w;
    } else {
        d.action = RenewalDecision::Action::wait;
        d.wakeAt = due;
    }
    return d;
}

}  // namespace legate::ido::star
