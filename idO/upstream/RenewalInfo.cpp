#include "idO/upstream/RenewalInfo.h"

#include <algorithm>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "idO/upstream/UpstreamProblem.h"

namespace legate::ido::upstream {

Result<std::string> RenewalInfo::certIdOf(const crypto::Certificate& certificate) {
    if (certificate.authorityKeyIdentifier().empty()) {
        return badUpstream("certificate " + certificate.serialHex() +
                           " has no authorityKeyIdentifier: no ARI identifier");
    }
    return wire::base64UrlEncode(certificate.authorityKeyIdentifier()) + "." +
           wire::base64UrlEncode(certificate.serialBytes());
}

Result<RenewalInfo> RenewalInfo::fromJson(const nlohmann::json& obj) {
    if (!obj.is_object() || !obj.contains("suggestedWindow") ||
        !obj["suggestedWindow"].is_object()) {
        return badUpstream("renewalInfo has no suggestedWindow object");
    }
    const auto& w = obj["suggestedWindow"];
    if (!w.contains("start") || !w["start"].is_string() || !w.contains("end") ||
        !w["end"].is_string()) {
        return badUpstream("renewalInfo suggestedWindow needs string start and end");
    }
    auto start = parseRfc3339(w["start"].get<std::string>());
    auto end = parseRfc3339(w["end"].get<std::string>());
    if (!start || !end) {
        return badUpstream("renewalInfo suggestedWindow start/end are not RFC 3339 times");
    }
    if (*end < *start) {
        return badUpstream("renewalInfo suggestedWindow ends before it starts");
    }
    RenewalInfo info;
    info.start = *start;
    info.end = *end;
    if (obj.contains("explanationURL") && obj["explanationURL"].is_string()) {
        info.explanationUrl = obj["explanationURL"].get<std::string>();
    }
    return info;
}

TimePoint RenewalInfo::pick(double u) const {
    const auto span = std::chrono::duration_cast<Seconds>(end - start);
    const auto offset =
        Seconds(static_cast<int64_t>(static_cast<double>(span.count()) * std::clamp(u, 0.0, 1.0)));
    return std::chrono::time_point_cast<Seconds>(start + std::min(offset, span));
}

}  // namespace legate::ido::upstream
