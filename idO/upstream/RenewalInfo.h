#pragma once
/// ACME Renewal Information (ARI, RFC 9773): the certificate identifier a client names
/// in `GET <renewalInfo>/<certID>` and in newOrder `replaces`, and the CA's answer.
///
/// Why the IdO uses it (docs/upstream.md, "Let's Encrypt"): the CA says when it wants a
/// certificate renewed (earlier, e.g., before a mass revocation), and Let's Encrypt
/// exempts renewals that name the certificate they replace from its rate limits.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"

namespace legate::ido::upstream {

struct RenewalInfo {
    /// suggestedWindow (RFC 9773 §4.2): renew at a point in [start, end].
    TimePoint start;
    TimePoint end;
    std::optional<std::string> explanationUrl;
    /// When to ask again (the answer's Retry-After), if it named one.
    std::optional<TimePoint> retryAfter;

    /// The RFC 9773 §4.1 identifier: base64url(authorityKeyIdentifier keyIdentifier) "."
    /// base64url(serial number DER contents octets).  badUpstream-style problem when the
    /// certificate has no AKI (the CA's answer is then not one ARI can name).
    static Result<std::string> certIdOf(const crypto::Certificate& certificate);

    /// Reads an answer: suggestedWindow with RFC 3339 start and end, start before end;
    /// serverInternal (502) otherwise.
    static Result<RenewalInfo> fromJson(const nlohmann::json& obj);

    /// A point in the window: start + u·(end − start) for u in [0, 1), whole seconds.
    TimePoint pick(double u) const;
};

}  // namespace legate::ido::upstream
