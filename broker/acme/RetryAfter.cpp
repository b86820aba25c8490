#include "broker/acme/RetryAfter.h"

#include <algorithm>

#include "broker/core/Time.h"

namespace legate::acme {

std::optional<TimePoint> parseRetryAfter(std::string_view value, TimePoint now, Seconds maxDelay) {
    maxDelay = std::max(maxDelay, Seconds{0});
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        // Accumulate with saturation: any number of digits is a valid delta-seconds.
        int64_t seconds = 0;
        const int64_t limit = maxDelay.count();
        for (const char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds >= limit) {
                return now + maxDelay;
            }
        }
        return now + Seconds{seconds};
    }
    auto at = parseHttpDate(value);
    if (!at) {
        return std::nullopt;
    }
    return std::clamp(*at, now, now + maxDelay);
}

std::optional<Seconds> parseRetryAfterDelay(std::string_view value, TimePoint now,
                                            Seconds maxDelay) {
    auto at = parseRetryAfter(value, now, maxDelay);
    if (!at) {
        return std::nullopt;
    }
    return std::chrono::ceil<Seconds>(*at - now);
}

}  // namespace legate::acme
