#pragma once
/// Text forms of time used on the wire: RFC 3339 (ACME JSON) and IMF-fixdate
/// (HTTP headers such as Cert-Not-After and Retry-After).

#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Clock.h"

namespace legate {

/// "2026-11-22T17:36:24Z" (UTC, whole seconds).
std::string toRfc3339(TimePoint t);
/// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; 't'/'z' lower case too. Strict otherwise.
std::optional<TimePoint> parseRfc3339(std::string_view text);

/// "Sun, 22 Nov 2026 17:36:24 GMT" (RFC 7231 IMF-fixdate).
std::string toHttpDate(TimePoint t);
/// Parses IMF-fixdate leniently: a one-digit day is accepted (RFC 8739's own example).
std::optional<TimePoint> parseHttpDate(std::string_view text);

}  // namespace legate
