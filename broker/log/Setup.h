#pragma once
/// Process-wide logging setup: every Poco logger (ours and any Poco-internal one) gets
/// the given level and a FormattingChannel(JsonFormatter -> destination).
///
/// Call once at start-up, before worker threads log; calling again replaces the
/// destination and level for all loggers (tests do this).

#include <ostream>
#include <string>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>

#include "broker/core/Result.h"
#include "broker/log/Level.h"

namespace legate::log {

/// `destination` is "stderr", "stdout" or a file path (appended to, created if
/// missing).  A file that cannot be opened is a Problem, reported before any line.
Status setup(Level level, const std::string& destination = "stderr");

/// Lines go to `out`, which must outlive every logger use (tests, embedding).
void setup(Level level, std::ostream& out);

/// Lines go to an already built channel (wrapped in the JSON formatter here).
void setup(Level level, Poco::AutoPtr<Poco::Channel> channel);

/// Changes the level only, keeping the destination.
void setLevel(Level level);

}  // namespace legate::log
