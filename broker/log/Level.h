#pragma once
/// Log levels, mapped onto Poco::Message priorities.

#include <optional>
#include <string_view>

#include <Poco/Message.h>

namespace legate::log {

enum class Level { trace, debug, info, warning, error };

/// "trace", "debug", "info", "warning", "error".
std::string_view levelName(Level level);
/// Accepts the names above, plus "warn"; case-sensitive.
std::optional<Level> parseLevel(std::string_view name);

Poco::Message::Priority toPriority(Level level);
/// The name written to the `level` field for a Poco priority (Poco's notice, critical and
/// fatal collapse onto info and error so readers see only the five names above).
std::string_view priorityName(Poco::Message::Priority priority);

}  // namespace legate::log
