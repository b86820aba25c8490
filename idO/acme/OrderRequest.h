#pragma once
/// The newOrder payload of the delegation profile (RFC 9115 §2.3.4, RFC 8739 §3.1.1,
/// digest §2.7, §2.19, A4) checked as pure functions, so every rule is unit-tested
/// without Redis.  The route does, in this order:
///
///  1. `parseNewOrder` (shape, 400 `malformed` / `unsupportedIdentifier`);
///  2. the delegation lookup (403 `unknownDelegation`, needs Redis);
///  3. `settleAutoRenewal` with `starBounds` of the tenant and the delegation
///     (400 `malformed` naming the bound);
///     or, for a non-STAR order, `checkRequestedValidity` with the same bounds;
///  4. the identifier coverage check against the delegation's template (403
///     `rejectedIdentifier`, one subproblem per name).
///
/// Decisions: an identifier value that is not a host name (a wildcard "*.x" is
/// syntax-valid), or that repeats another, is 400 `malformed`, since the request itself
/// is wrong; 403 `rejectedIdentifier` is kept for well-formed names the delegation
/// does not cover.
/// Unknown payload members are ignored (RFC 8555 §7.4).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "idO/config/ServeConfig.h"
#include "idO/state/Records.h"
#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

/// The `auto-renewal` object as the NDC sent it (types checked, bounds not yet).
struct StarRequest {
    std::optional<TimePoint> startDate;
    TimePoint endDate;
    int64_t lifetime = 0;
    std::optional<int64_t> lifetimeAdjust;
};

/// A newOrder payload whose shape is valid.
struct NewOrderRequest {
    std::vector<acme::Identifier> identifiers;  ///< "dns", lower-cased, unique
    std::string delegationId;                   ///< from the `delegation` URL ("" if not ours)
    /// No `delegation` member was sent (implicit delegation allowed): the route matches
    /// one of the account's delegations and delegationId is still "".
    bool implicit = false;
    std::optional<StarRequest> star;     ///< set when `auto-renewal` is present
    std::optional<TimePoint> notBefore;  ///< non-STAR only
    std::optional<TimePoint> notAfter;   ///< non-STAR only
    bool allowCertificateGet = false;    ///< non-STAR only
};

/// The effective STAR limits of one delegation: the tenant's, tightened by the
/// delegation's own policy (a larger min-lifetime, a smaller max-duration).
struct StarBounds {
    int64_t minLifetime = 0;
    int64_t maxDuration = 0;
};

StarBounds starBounds(const StarConfig& tenant, const std::optional<StarPolicy>& delegation);

/// Checks the payload's shape.  `delegation` not a string is `malformed`; a string that
/// is not one of our delegation URLs gives delegationId "" (the route answers
/// `unknownDelegation` for it, like for any delegation it cannot use).  A missing
/// `delegation` is `malformed` unless `implicitAllowed` (the tenant opted in to implicit
/// delegation): then the result is `implicit`, and a non-STAR order need not carry
/// `allow-certificate-get` (stock clients do not; it is then false: they fetch the
/// certificate by POST-as-GET).  A STAR order keeps every RFC 8739/9115 rule.
Result<NewOrderRequest> parseNewOrder(const nlohmann::json& payload, const AcmeUrls& urls,
                                      bool implicitAllowed = false);

/// How far in the past a non-STAR `notBefore` may lie: enough for clock skew and for
/// backdating a certificate as CAs do, not enough to mint one for a past period.
inline constexpr int64_t kMaxNotBeforeBackdateSeconds = 86400;

/// The non-STAR validity bounds (RFC 8555 §7.4 leaves them to the server), applied at
/// `now` with the same bounds as STAR: the validity a certificate of this delegation may
/// have is at most its `maxDuration`.  400 `malformed` naming the bound when
///  * `notBefore` lies more than kMaxNotBeforeBackdateSeconds in the past, or further
///    in the future than `maxDuration`;
///  * `notAfter` is not in the future;
///  * `notAfter` minus the start (the later of `notBefore` and `now`) exceeds
///    `maxDuration`.
/// (`notAfter` <= `notBefore` is refused by parseNewOrder.)  Ok for a STAR request.
Status checkRequestedValidity(const NewOrderRequest& request, const StarBounds& bounds,
                              TimePoint now);

/// Applies the bounds at `now` and returns the `auto-renewal` object to store and
/// reflect: start-date (moved to now when in the past, else as sent; omitted when not
/// sent), end-date, lifetime, lifetime-adjust (when sent), allow-certificate-get true.
Result<nlohmann::json> settleAutoRenewal(const StarRequest& star, const StarBounds& bounds,
                                         TimePoint now);

}  // namespace legate::ido
