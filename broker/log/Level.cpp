#include "broker/log/Level.h"

namespace legate::log {

std::string_view levelName(Level level) {
    switch (level) {
        case Level::trace:
            return "trace";
        case Level::debug:
            return "debug";
        case Level::info:
            return "info";
        case Level::warning:
            return "warning";
        case Level::error:
            return "error";
    }
    return "info";
}

std::optional<Level> parseLevel(std::string_view name) {
    for (Level l : {Level::trace, Level::debug, Level::info, Level::warning, Level::error}) {
        if (levelName(l) == name) {
            return l;
        }
    }
    if (name == "warn") {
        return Level::warning;
    }
    return std::nullopt;
}

Poco::Message::Priority toPriority(Level level) {
    switch (level) {
        case Level::trace:
            return Poco::Message::PRIO_TRACE;
        case Level::debug:
            return Poco::Message::PRIO_DEBUG;
        case Level::info:
            return Poco::Message::PRIO_INFORMATION;
        case Level::warning:
            return Poco::Message::PRIO_WARNING;
        case Level::error:
            return Poco::Message::PRIO_ERROR;
    }
    return Poco::Message::PRIO_INFORMATION;
}

std::string_view priorityName(Poco::Message::Priority priority) {
    switch (priority) {
        case Poco::Message::PRIO_TRACE:
            return "trace";
        case Poco::Message::PRIO_DEBUG:
            return "debug";
        case Poco::Message::PRIO_INFORMATION:
        case Poco::Message::PRIO_NOTICE:
            return "info";
        case Poco::Message::PRIO_WARNING:
            return "warning";
        case Poco::Message::PRIO_ERROR:
        case Poco::Message::PRIO_CRITICAL:
        case Poco::Message::PRIO_FATAL:
            return "error";
    }
    return "info";
}

}  // namespace legate::log
