#include "idO/acme/Publication.h"

#include <algorithm>

#include "broker/core/Time.h"
#include "broker/http/ProblemResponse.h"

namespace legate::ido {

using acme::ErrorType;
using acme::Problem;

Result<std::optional<CertificateRecord>> cachedPublication(TenantContext& tenant,
                                                           const std::string& token) {
    if (auto hit = tenant.publications.get(token)) {
        return std::optional<CertificateRecord>{*hit};
    }
    const auto ticket = tenant.publications.ticket();
    auto record = tenant.state.certificate(token);
    LEGATE_TRY(record);
    if (*record) {
        tenant.publications.put(token, **record, ticket);
    }
    return record;
}

int64_t publicationMaxAge(const CertificateRecord& record, TimePoint now) {
    const auto served = record.servedAt(now);
    if (!served) {
        return 0;
    }
    const auto next =
        std::min(served->nextPublication.value_or(served->notAfter), served->notAfter);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(next - now).count();
    return std::max<int64_t>(0, seconds);
}

Result<http::Response> publicationGet(TenantContext& tenant, const std::string& token,
                                      const PublicationConditions& conditions) {
    auto record = cachedPublication(tenant, token);
    LEGATE_TRY(record);
    if (*record && !(*record)->allowGet) {
        return publicationRefusal(Problem::make(
            ErrorType::unauthorized,
            "unauthenticated GET was not negotiated for this certificate; use POST-as-GET", 403));
    }
    return publicationResponse(*record, tenant.state.clock().now(), conditions);
}

http::Response publicationRefusal(const Problem& problem) {
    auto response = http::problemResponse(problem);
    response.cacheControl("no-store");
    return response;
}

std::string publicationETag(std::string_view pem) {
    // FNV-1a: deterministic across processes and builds (std::hash is neither promised),
    // and the chain is the IdO's own output, so no adversary picks collisions.
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char c : pem) {
        hash = (hash ^ c) * 0x100000001b3ULL;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string tag(18, '"');
    for (int i = 0; i < 16; ++i) {
        tag[static_cast<size_t>(16 - i)] = kHex[(hash >> (4 * i)) & 0xf];
    }
    return tag;
}

namespace {

/// Whether an If-None-Match field value names `etag` (RFC 9110 §13.1.2: "*" or a list of
/// entity tags, compared weakly: a W/ prefix does not matter).
bool noneMatchNames(std::string_view field, std::string_view etag) {
    size_t pos = 0;
    while (pos < field.size()) {
        const size_t comma = field.find(',', pos);
        std::string_view item =
            field.substr(pos, comma == std::string_view::npos ? field.npos : comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (item.starts_with("W/")) {
            item.remove_prefix(2);
        }
        if (item == "*" || item == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return false;
}

bool notModified(const PublicationConditions& c, std::string_view etag, TimePoint lastModified) {
    if (c.ifNoneMatch) {  // takes precedence over If-Modified-Since (RFC 9110 §13.1.3)
        return noneMatchNames(*c.ifNoneMatch, etag);
    }
    if (c.ifModifiedSince) {
        const auto since = parseHttpDate(*c.ifModifiedSince);
        return since && lastModified <= *since;
    }
    return false;
}

}  // namespace

http::Response publicationResponse(const std::optional<CertificateRecord>& record, TimePoint now,
                                   const PublicationConditions& conditions) {
    if (!record) {
        return publicationRefusal(Problem::make(ErrorType::malformed, "no such certificate", 404));
    }
    const auto& r = *record;
    if (r.state == "canceled") {
        return publicationRefusal(Problem::make(ErrorType::autoRenewalCanceled,
                                                "the order of this certificate has been canceled"));
    }
    if (r.state == "expired" || (r.star && r.endDate && *r.endDate <= now)) {
        return publicationRefusal(
            Problem::make(ErrorType::autoRenewalExpired,
                          "the auto-renewal period of this certificate has ended"));
    }
    const auto served = r.servedAt(now);
    if (r.state != "active" || !served) {
        return publicationRefusal(
            Problem::make(ErrorType::malformed, "the certificate is not issued yet", 404));
    }
    const std::string etag = publicationETag(*served->pem);
    auto response = notModified(conditions, etag, served->notBefore)
                        ? http::Response(304)
                        : http::Response::content(200, *served->pem, kPemChainContentType);
    response.header("ETag", etag);
    response.header("Last-Modified", toHttpDate(served->notBefore));
    response.header("Cert-Not-Before", toHttpDate(served->notBefore));
    response.header("Cert-Not-After", toHttpDate(served->notAfter));
    response.cacheControl("public, max-age=" + std::to_string(publicationMaxAge(r, now)));
    return response;
}

}  // namespace legate::ido
