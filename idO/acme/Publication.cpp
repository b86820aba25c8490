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

http::Response publicationRefusal(const Problem& problem) {
    auto response = http::problemResponse(problem);
    response.cacheControl("no-store");
    return response;
}

http::Response publicationResponse(const std::optional<CertificateRecord>& record, TimePoint now) {
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
    auto response = http::Response::content(200, *served->pem, kPemChainContentType);
    response.header("Cert-Not-Before", toHttpDate(served->notBefore));
    response.header("Cert-Not-After", toHttpDate(served->notAfter));
    response.cacheControl("public, max-age=" + std::to_string(publicationMaxAge(r, now)));
    return response;
}

}  // namespace legate::ido
