#pragma once
/// The Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.

#include <optional>
#include <string_view>

#include "broker/core/Clock.h"

namespace legate::ido::upstream {

/// The moment `value` names, relative to `now` for delta-seconds; nullopt when it is
/// neither form.  A date in the past yields that past time (callers wait zero).
std::optional<TimePoint> parseRetryAfter(std::string_view value, TimePoint now);

}  // namespace legate::ido::upstream
