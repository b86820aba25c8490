#pragma once
/// `ndc run`: the loop around Agent.  Blocks SIGTERM/SIGINT/SIGHUP and waits for them
/// with sigtimedwait() until the agent's next action is due, so a signal is handled at
/// once and no thread sleeps in fixed steps.  SIGTERM/SIGINT: save and exit 0.
/// SIGHUP: re-read the config file; a broken file is reported and the old one kept.

#include <filesystem>
#include <iosfwd>

namespace legate::ndc {

/// Runs until SIGTERM/SIGINT; returns the process exit code (0 clean stop, 1 startup
/// failure, reported on `err`).
int runDaemon(const std::filesystem::path& configFile, std::ostream& err);

}  // namespace legate::ndc
