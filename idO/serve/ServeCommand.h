#pragma once
/// `ido serve`: the daemon.
///
///   ido serve --config FILE          run until SIGTERM or SIGINT
///   ido serve --check-config FILE    validate FILE: "config OK", or every problem as
///                                    "JSON-path: message" and exit status 1
///
/// Start-up, in order, each step failing fast with one clear message: config, logging,
/// Redis (must answer PING), CSR profiles, tenants, TLS (operator files or the
/// development certificate), the ACME listener (HTTPS), the admin listener (HTTP,
/// loopback by default), the cache invalidation feed; then one "ready" log line with
/// both ports.  SIGTERM/SIGINT: both listeners stop accepting, in-flight requests get
/// 10 seconds to finish, the feed stops, exit 0.  docs/operations.md is the guide.

namespace legate::ido {

/// argv[0] is "serve".  Returns the process exit status.
int runServeCommand(int argc, char** argv);

}  // namespace legate::ido
