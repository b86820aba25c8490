#pragma once
/// The JSON of the order-side resources, rendered in one place so every answer that
/// carries an order (newOrder, order, finalize) shows the same document.
///
/// Order (RFC 8555 §7.1.3, RFC 8739 §3.1, RFC 9115 §2.3.4, digest §2.8): status,
/// expires, identifiers, `authorizations: []` (the NDC leg has no challenges; an
/// implicitly delegated order lists one already-valid authorization per identifier,
/// because stock clients such as certbot refuse an order without any),
/// finalize, delegation; STAR: the reflected `auto-renewal` and never
/// notBefore/notAfter; non-STAR: top-level `allow-certificate-get` and
/// notBefore/notAfter when known; `error` when invalid; when valid, `star-certificate`
/// (STAR) or `certificate` (non-STAR), both the publication URL.

#include <chrono>

#include <nlohmann/json.hpp>

#include "broker/http/Response.h"
#include "idO/state/Records.h"
#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

/// How long a client should wait before polling a `processing` order again.
inline constexpr std::chrono::seconds kOrderRetryAfter{10};

nlohmann::json orderJson(const OrderRecord& order, const AcmeUrls& urls);

/// `status` + the order JSON + `Location: <order URL>`, and `Retry-After` while the
/// order is `processing` (digest §2.9).
http::Response orderResponse(int status, const OrderRecord& order, const AcmeUrls& urls);

/// Authorization `index` (< identifiers.size()) of an implicitly delegated order
/// (RFC 8555 §7.1.4): status valid (the delegation is the authorization: the IdO owns
/// the name and the operator gave this NDC the delegation), no challenges, the order's
/// expiry; a "*." name is the base name with `wildcard: true`.
nlohmann::json authorizationJson(const OrderRecord& order, size_t index);

/// The delegation object (RFC 9115 §2.3.3): csr-template, and cname-map when set.
nlohmann::json delegationJson(const DelegationRecord& delegation);

}  // namespace legate::ido
