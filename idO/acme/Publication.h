#pragma once
/// The certificate publication endpoint CDN edges poll (RFC 8739 §3.3–§3.4, RFC 9115
/// §2.3.5, digest §3.7, A26–A28): the hottest path of the product, so it reads through
/// the tenant's `publications` cache and answers from the record alone.
///
/// Answers, by the publication's state:
///  * unknown token: 404 `malformed` "no such certificate";
///  * `pending` (the order has no certificate yet): 404 `malformed` "not issued yet" —
///    a capability URL that exists but has nothing to serve, and a 404 keeps edges
///    retrying without treating the order as dead;
///  * `canceled`: 403 `autoRenewalCanceled`;
///  * STAR whose end-date has passed (or state `expired`): 403 `autoRenewalExpired`;
///  * `active`: 200 `application/pem-certificate-chain` with the chain served at that
///    instant (CertificateRecord::servedAt: a staged STAR successor replaces the current
///    certificate at its scheduled second), `Cert-Not-Before`
///    / `Cert-Not-After` (IMF-fixdate, the end-entity validity) and
///    `Cache-Control: public, max-age=N`, N = seconds until the next publication (or
///    notAfter when none is scheduled), capped at seconds until notAfter, at least 0
///    (digest A27).
/// An active answer also carries validators edges can revalidate with (RFC 9110 §8.8,
/// §13.1): `ETag` (a strong tag of the chain served, the same in every `ido` process)
/// and `Last-Modified` (= Cert-Not-Before of the certificate served).  A request whose
/// `If-None-Match` names the served tag, or, without `If-None-Match`, whose
/// `If-Modified-Since` is not before Last-Modified, gets `304 Not Modified` with the same
/// validators, Cert-Not-Before/After and Cache-Control and no body.  A refusal is never
/// a 304: it must reach the edge.
/// Every refusal carries `Cache-Control: no-store`, so a cancel reaches edges at once.
/// A HEAD answer is built like GET's (the HTTP server sends its headers, including the
/// GET body's Content-Length, and no body).

#include <cstdint>
#include <optional>
#include <string>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/http/Response.h"
#include "idO/state/Records.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

inline constexpr std::string_view kPemChainContentType = "application/pem-certificate-chain";

/// The publication behind `token`, through `tenant.publications` (ticket pattern of
/// InvalidatingCache).  Unknown tokens are not cached.
Result<std::optional<CertificateRecord>> cachedPublication(TenantContext& tenant,
                                                           const std::string& token);

/// The max-age of an active publication at `now` (see above).
int64_t publicationMaxAge(const CertificateRecord& record, TimePoint now);

/// The conditional request headers of a publication GET/HEAD/POST-as-GET.
struct PublicationConditions {
    std::optional<std::string> ifNoneMatch;
    std::optional<std::string> ifModifiedSince;
};

/// The strong entity tag of a served chain: a quoted 64-bit FNV-1a of the PEM, in hex.
std::string publicationETag(std::string_view pem);

/// The complete answer for a publication (or its absence) at `now`.
http::Response publicationResponse(const std::optional<CertificateRecord>& record, TimePoint now,
                                   const PublicationConditions& conditions = {});

/// The answer to an unauthenticated GET/HEAD of `token` at `now` (both listeners): the
/// publication, or 403 `unauthorized` when the order did not negotiate
/// `allow-certificate-get`.  A Problem only when Redis cannot be asked.
Result<http::Response> publicationGet(TenantContext& tenant, const std::string& token,
                                      const PublicationConditions& conditions);

/// A refusal of the publication endpoint: the problem with `Cache-Control: no-store`.
http::Response publicationRefusal(const acme::Problem& problem);

}  // namespace legate::ido
