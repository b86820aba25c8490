#include "ndc/Schedule.h"

#include <algorithm>

namespace legate::ndc {
namespace {

using std::chrono::duration_cast;

/// Adds up to t.jitter of `wait` (at most t.maxJitter) to `base + wait`.
TimePoint withJitter(TimePoint base, TimePoint::duration wait, const Timing& t, double random01) {
    const double fraction = std::clamp(random01, 0.0, 1.0) * std::max(0.0, t.jitter);
    auto extra = duration_cast<TimePoint::duration>(wait * fraction);
    extra = std::min<TimePoint::duration>(extra, t.maxJitter);
    return base + wait + extra;
}

}  // namespace

TimePoint expectedSuccessor(const Publication& p) {
    if (p.lifetime && p.lifetime->count() > 0) {
        return p.notBefore + *p.lifetime;
    }
    const auto validity = p.notAfter - p.notBefore;
    return p.notBefore + duration_cast<TimePoint::duration>(validity * 3 / 4);
}

TimePoint nextCheck(const Publication& p, TimePoint now, const Timing& t, double random01) {
    TimePoint target;
    if (p.maxAge && p.maxAge->count() > 0) {
        target = now + *p.maxAge;
    } else {
        target = expectedSuccessor(p);
        if (target <= now) {
            // Past the expected time with the same certificate: retry at an eighth of
            // what is left, so several tries fit before notAfter.
            target = now + std::max<TimePoint::duration>((p.notAfter - now) / 8, t.minInterval);
        }
    }
    // Before notAfter, with room for retries.
    if (p.notAfter > now) {
        target = std::min(target, p.notAfter - (p.notAfter - now) / 4);
    }
    auto wait = std::clamp<TimePoint::duration>(target - now, t.minInterval, t.maxInterval);
    TimePoint next = withJitter(now, wait, t, random01);
    if (p.notAfter > now + t.minInterval) {
        next = std::min(next, p.notAfter - (p.notAfter - now) / 4);
        next = std::max(next, now + t.minInterval);
    }
    return next;
}

Seconds backoff(int failures, const Timing& t, double random01) {
    Seconds wait = t.initialBackoff;
    for (int i = 1; i < failures && wait < t.maxBackoff; ++i) {
        wait *= 2;
    }
    wait = std::min(wait, t.maxBackoff);
    const auto jittered = withJitter(TimePoint{}, wait, t, random01) - TimePoint{};
    return std::max<Seconds>(Seconds{1}, duration_cast<Seconds>(jittered));
}

TimePoint retryAt(int failures, TimePoint now, const Timing& t, double random01,
                  std::optional<TimePoint> notAfter) {
    TimePoint next = now + backoff(failures, t, random01);
    if (notAfter && *notAfter > now + t.minInterval) {
        next = std::min(next, *notAfter - (*notAfter - now) / 4);
        next = std::max(next, now + t.minInterval);
    }
    return next;
}

Seconds orderPollDelay(std::optional<Seconds> retryAfter, const Timing& t) {
    Seconds wait = retryAfter.value_or(Seconds{5});
    return std::clamp(wait, Seconds{1}, std::max(Seconds{1}, t.maxOrderPoll));
}

TimePoint renewalTime(TimePoint notBefore, TimePoint notAfter) {
    return notBefore + duration_cast<TimePoint::duration>((notAfter - notBefore) * 2 / 3);
}

}  // namespace legate::ndc
