#include "idO/upstream/RetryAfter.h"

#include <algorithm>
#include <charconv>

#include "broker/core/Time.h"

namespace legate::ido::upstream {

std::optional<TimePoint> parseRetryAfter(std::string_view value, TimePoint now) {
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
        int64_t seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec != std::errc() || end != value.data() + value.size()) {
            return std::nullopt;  // too large to represent: not a usable value
        }
        // Clamp absurd values (years) to one day; callers bound their waits anyway.
        constexpr int64_t kMaxSeconds = 24 * 3600;
        return now + Seconds(std::min(seconds, kMaxSeconds));
    }
    return parseHttpDate(value);
}

}  // namespace legate::ido::upstream
