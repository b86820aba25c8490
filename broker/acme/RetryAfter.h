#pragma once
/// The Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
///
/// One rule for every ACME client in Legate: the result is a moment in
/// [now, now + maxDelay].
///  * delta-seconds ("120") is now + min(value, maxDelay); a number too large to
///    represent is maxDelay as well (the server clearly meant "much later");
///  * an HTTP-date in the past is now (wait zero), one beyond now + maxDelay is clamped;
///  * anything else (empty, negative, "soon", a malformed date) is no value at all:
///    the caller falls back to its own schedule.
/// The bound protects a client from a server that names a wait of years; callers that
/// have a tighter budget (a polling deadline) pass it.

#include <optional>
#include <string_view>

#include "broker/core/Clock.h"

namespace legate::acme {

/// The default upper bound of a Retry-After: one day.
inline constexpr Seconds kMaxRetryAfter{24 * 3600};

/// The moment `value` names (see above); nullopt when it is neither form.  A negative
/// `maxDelay` counts as zero.
std::optional<TimePoint> parseRetryAfter(std::string_view value, TimePoint now,
                                         Seconds maxDelay = kMaxRetryAfter);

/// The same as a delay from `now` (zero or more).
std::optional<Seconds> parseRetryAfterDelay(std::string_view value, TimePoint now,
                                            Seconds maxDelay = kMaxRetryAfter);

}  // namespace legate::acme
