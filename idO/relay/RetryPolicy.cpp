#include "idO/relay/RetryPolicy.h"

#include <algorithm>

namespace legate::ido::relay {

std::chrono::seconds RetryPolicy::backoff(int attempt) const {
    const int shift = std::clamp(attempt, 0, 16);
    return std::min(options_.base * (int64_t{1} << shift), options_.cap);
}

RetryDecision RetryPolicy::afterFailure(int attempt, bool permanent, bool first,
                                        std::optional<TimePoint> retryAfter, TimePoint now) const {
    if (first && (permanent || attempt >= options_.maxFirstAttempts)) {
        return RetryDecision{true, now};
    }
    TimePoint due = now + backoff(attempt);
    if (retryAfter && *retryAfter > due) {
        due = *retryAfter;
    }
    return RetryDecision{false, due};
}

std::optional<TimePoint> RetryPolicy::nextPoll(int polls, std::optional<TimePoint> retryAfter,
                                               TimePoint now) const {
    if (polls >= options_.maxPolls) {
        return std::nullopt;
    }
    const int shift = std::clamp(polls - 1, 0, 16);
    const auto wait = std::min(options_.pollInitial * (int64_t{1} << shift), options_.pollMax);
    TimePoint due = now + wait;
    if (retryAfter && *retryAfter > due) {
        due = *retryAfter;
    }
    return due;
}

}  // namespace legate::ido::relay
