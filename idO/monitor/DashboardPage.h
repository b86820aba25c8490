#pragma once
/// The operator dashboard's one HTML page (docs/operations.md, "Dashboard"): inline CSS,
/// inline JavaScript and SVG drawn by it, no external asset of any kind, so it works on
/// an air-gapped admin network and its Content-Security-Policy can forbid everything
/// else.  The script fetches `/admin/dashboard/data` (same origin, the session cookie)
/// and renders tenants, NDCs, delegations with their served certificate, validity and
/// next renewal, a timeline of certificate validity windows per delegation, and the
/// relay's backlog and budget.

#include <string>

namespace legate::ido {

class DashboardPage {
public:
    /// The document.
    static const std::string& html();
    /// The Content-Security-Policy that lets exactly the page's own script and style run
    /// (by their SHA-256) and connect only to its own origin.
    static const std::string& contentSecurityPolicy();
    /// A small page that says how to sign in (the 401 answer to a browser).
    static std::string signIn(const std::string& reason);
};

}  // namespace legate::ido
