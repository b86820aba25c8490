#pragma once
/// The logging API the rest of Legate uses:
///
///   log::Logger log("acme");
///   log.info("order created", {{"tenant", t}, {"order", id}});
///
/// A thin handle on a Poco::Logger named after the component; lines are produced by
/// JsonFormatter on whatever channel log::setup installed.  Cheap to construct and
/// safe to share between threads (Poco::Logger is thread-safe).
///
/// Never put secrets in the message text: only field *names* are checked for
/// secrets (see Redaction.h), a message is written as given.

#include <string>
#include <string_view>

#include <Poco/Logger.h>

#include "broker/log/Fields.h"
#include "broker/log/Level.h"

namespace legate::log {

class Logger {
public:
    explicit Logger(const std::string& component);

    void trace(std::string_view message, const Fields& fields = {}) const {
        write(Level::trace, message, fields);
    }
    void debug(std::string_view message, const Fields& fields = {}) const {
        write(Level::debug, message, fields);
    }
    void info(std::string_view message, const Fields& fields = {}) const {
        write(Level::info, message, fields);
    }
    void warn(std::string_view message, const Fields& fields = {}) const {
        write(Level::warning, message, fields);
    }
    void error(std::string_view message, const Fields& fields = {}) const {
        write(Level::error, message, fields);
    }

    /// True when a line at `level` would be written (to skip building costly fields).
    bool enabled(Level level) const;
    /// Writes one line when `level` is enabled.
    void write(Level level, std::string_view message, const Fields& fields) const;

    const std::string& component() const { return logger_->name(); }

private:
    Poco::Logger* logger_;  // owned by Poco's logger registry, lives for the process
};

}  // namespace legate::log
