#pragma once
/// How a browser presents the admin bearer token to the dashboard (docs/operations.md,
/// "Dashboard").  A browser cannot add `Authorization: Bearer` to a page it navigates to,
/// so the operator opens `/admin/dashboard?token=TOKEN` once: the token is checked and
/// exchanged for a cookie, and the browser is redirected to the bare URL, so the token
/// leaves the address bar (and is never sent again, nor as a Referer).
///
/// The cookie is not the token: it is HMAC-SHA256(token, "legate dashboard session"),
/// HttpOnly (no script reads it), SameSite=Strict (no other site's page can make the
/// browser send it), Path=/admin/dashboard (the admin API does not accept it: a leaked
/// cookie shows the dashboard, it cannot create NDCs or terminate delegations), and
/// lasts 12 hours.  Rotating the admin token invalidates every cookie.  Comparisons are
/// constant-time.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"

namespace legate::ido {

class DashboardSession {
public:
    static constexpr std::string_view kCookieName = "legate_dashboard";
    static constexpr int kMaxAgeSeconds = 12 * 3600;

    /// An empty `token` accepts nothing.
    explicit DashboardSession(std::string_view token);

    /// True when `value` is the admin token itself (the `?token=` exchange).
    bool isToken(std::string_view value) const;
    /// True when the `Cookie` header carries this token's session cookie.
    bool hasSession(const std::optional<std::string>& cookieHeader) const;
    /// The `Set-Cookie` value that starts a session.
    std::string setCookie() const;

private:
    std::vector<unsigned char> tokenDigest_;
    std::string cookieValue_;
    bool configured_ = false;
};

}  // namespace legate::ido
