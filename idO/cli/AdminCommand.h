#pragma once
/// `ido admin ...`: the admin API (docs/admin-api.md) for shell users.
///
///   ido admin [--url URL] [--token TOKEN | --token-file FILE] [--tenant NAME] [--json]
///             COMMAND ...
///     ndc add --name N [--contact C]        ndc list         ndc show ID
///     delegation add --ndc ID (--template FILE | --profile P --names a,b
///                    [--allowed-suffix S]...) [--cname-map FILE]
///                    [--min-lifetime S] [--max-duration S]
///     delegation list --ndc ID   delegation show ID   delegation rm ID
///
/// Defaults: --url $LEGATE_ADMIN_URL or http://127.0.0.1:8444, --token
/// $LEGATE_ADMIN_TOKEN, --tenant $LEGATE_TENANT.  Output is aligned text for people;
/// --json prints the API's JSON unchanged.  Exit status: 0 success, 1 the server (or
/// the connection) refused (the problem's detail on stderr), 2 usage error.

#include <ostream>
#include <string>
#include <vector>

namespace legate::ido {

/// Runs `ido admin` with `args` (the words after "admin").  Returns the exit status.
int runAdminCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace legate::ido
