#pragma once
/// The strict JWS pipeline every ACME POST goes through (spec digest §4.2, §4.3),
/// in this order, so each request is verified exactly once:
///
///  1. `Content-Type: application/jose+json`, else 415 `malformed`;
///  2. the body under the size cap (413), parsed with `wire::Jws::parse`;
///  3. the nonce consumed (single use, even if the request fails later), else
///     400 `badNonce` (the route wrapper adds the fresh Replay-Nonce to every answer);
///  4. the JWS `url` equal to `urls.requestUrl(rawPath)`, else 401 `unauthorized`;
///  5. the key: `jwk` where the route expects one (newAccount, revokeCert by
///     certificate key), else `kid` naming an account of THIS tenant
///     (400 `accountDoesNotExist`; 401 `unauthorized` if deactivated);
///     the wrong one of jwk/kid is 400 `malformed`;
///  6. the signature (`wire::Jws::verify`);
///  7. the per-account rate limit (429 `rateLimited` with Retry-After);
///  8. the payload: exactly "" for POST-as-GET, else a JSON object (400 `malformed`).

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/http/Request.h"
#include "broker/wire/Jws.h"
#include "idO/state/Records.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

/// Which key reference a route accepts.
enum class KeyMode {
    Jwk,       ///< newAccount
    Kid,       ///< every request of an existing account
    JwkOrKid,  ///< revokeCert (account or certificate key)
};

/// Which payload a route accepts.
enum class PayloadMode {
    PostAsGet,  ///< exactly "" (fetching a resource)
    Object,     ///< a JSON object
    Either,     ///< account URL, new-nonce: both are meaningful
};

struct AuthenticatedRequest {
    wire::Jws jws;
    crypto::PublicKey key;
    /// The account the `kid` names (valid); nullopt for jwk requests.
    std::optional<AccountRecord> account;
    /// The payload object, or null for POST-as-GET.
    nlohmann::json payload;

    bool postAsGet() const { return jws.isPostAsGet(); }
};

/// Runs steps 1–8 for one request of `tenant`.  A Problem says exactly what failed.
Result<AuthenticatedRequest> authenticate(http::Request& request, TenantContext& tenant,
                                          KeyMode keys, PayloadMode payload);

/// The account behind `id` through the tenant's cache (see InvalidatingCache).
Result<std::optional<AccountRecord>> cachedAccount(TenantContext& tenant, const std::string& id);

/// Step 7's refusal: 429 `rateLimited` whose detail ends with "retry after N seconds"
/// (N = the delay rounded up, at least 1).  acme::Problem has no header member, so
/// the delay travels in this fixed, documented form and `retryAfterOf` reads it back:
/// acmeRoute turns it into the `Retry-After` header.
/// `what` says which limit was met (the open-order caps use it too).
acme::Problem rateLimitedProblem(std::chrono::milliseconds delay,
                                 const std::string& what = "too many requests for this account");
/// The delay a rateLimitedProblem carries; nullopt for any other problem.
std::optional<std::chrono::seconds> retryAfterOf(const acme::Problem& problem);

}  // namespace legate::ido
