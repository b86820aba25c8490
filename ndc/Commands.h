#pragma once
/// The `ndc` command line: register, delegations, order, run, status.  Each command
/// prints its progress step by step (or one JSON document with --json) and returns the
/// process exit code: 0 success, 1 failure (the reason on stderr, with the server's
/// ACME problem type and detail), 2 usage error.

#include <iosfwd>
#include <string>
#include <vector>

namespace legate::ndc {

int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace legate::ndc
