#include "idO/acme/OrderRequest.h"

#include <algorithm>
#include <set>

#include "broker/core/Time.h"
#include "profiles/NameSyntax.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, std::move(detail));
}

/// An optional RFC 3339 member; a present member of another form is `malformed`.
Result<std::optional<TimePoint>> timeMember(const json& object, const std::string& name,
                                            const std::string& where) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::optional<TimePoint>{};
    }
    if (!it->is_string()) {
        return malformed(where + name + " must be an RFC 3339 date-time string");
    }
    auto t = parseRfc3339(it->get<std::string>());
    if (!t) {
        return malformed(where + name + " is not an RFC 3339 date-time: " + it->get<std::string>());
    }
    return std::optional<TimePoint>{*t};
}

/// An optional integer member (JSON integer, not a float or a string).
Result<std::optional<int64_t>> integerMember(const json& object, const std::string& name,
                                             const std::string& where) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::optional<int64_t>{};
    }
    if (it->is_number_unsigned()) {
        const auto v = it->get<uint64_t>();
        if (v > static_cast<uint64_t>(INT64_MAX)) {
            return malformed(where + name + " is too large");
        }
        return std::optional<int64_t>{static_cast<int64_t>(v)};
    }
    if (it->is_number_integer()) {
        return std::optional<int64_t>{it->get<int64_t>()};
    }
    return malformed(where + name + " must be an integer number of seconds");
}

Result<std::vector<acme::Identifier>> parseIdentifiers(const json& payload) {
    auto it = payload.find("identifiers");
    if (it == payload.end() || !it->is_array() || it->empty()) {
        return malformed("identifiers must be a non-empty array of identifier objects");
    }
    std::vector<acme::Identifier> out;
    std::set<std::string> seen;
    for (const auto& entry : *it) {
        if (!entry.is_object()) {
            return malformed("each identifier must be an object");
        }
        if (entry.contains("delegation")) {
            // Draft-era identifier-level delegation (digest A4): refused, not ignored.
            return malformed(
                "delegation belongs at the top level of the order (RFC 9115 §2.3.4), "
                "not inside an identifier");
        }
        auto type = entry.find("type");
        auto value = entry.find("value");
        if (type == entry.end() || !type->is_string() || value == entry.end() ||
            !value->is_string()) {
            return malformed("each identifier needs string members type and value");
        }
        if (type->get<std::string>() != "dns") {
            return Problem::make(ErrorType::unsupportedIdentifier,
                                 "identifier type " + type->dump() + " is not supported; only dns");
        }
        const std::string name = profiles::asciiLower(value->get<std::string>());
        if (!profiles::isHostname(name, true)) {
            return malformed("identifier " + value->dump() + " is not a DNS host name");
        }
        if (!seen.insert(name).second) {
            return malformed("identifier " + name + " is listed more than once");
        }
        out.push_back({"dns", name});
    }
    return out;
}

Result<StarRequest> parseStar(const json& payload) {
    const json& ar = payload.at("auto-renewal");
    if (!ar.is_object()) {
        return malformed("auto-renewal must be an object");
    }
    if (payload.contains("notBefore") || payload.contains("notAfter")) {
        return malformed("a STAR order must not carry notBefore or notAfter (RFC 8739 §3.1.1)");
    }
    auto get = ar.find("allow-certificate-get");
    if (get == ar.end() || !get->is_boolean() || !get->get<bool>()) {
        return malformed(
            "auto-renewal.allow-certificate-get must be present and true for a delegated "
            "STAR order (RFC 9115 §2.3.4)");
    }
    const std::string where = "auto-renewal.";
    StarRequest star;
    auto end = timeMember(ar, "end-date", where);
    LEGATE_TRY(end);
    if (!*end) {
        return malformed("auto-renewal.end-date is required");
    }
    star.endDate = **end;
    auto start = timeMember(ar, "start-date", where);
    LEGATE_TRY(start);
    star.startDate = *start;
    auto lifetime = integerMember(ar, "lifetime", where);
    LEGATE_TRY(lifetime);
    if (!*lifetime) {
        return malformed("auto-renewal.lifetime is required");
    }
    if (**lifetime <= 0) {
        return malformed("auto-renewal.lifetime must be a positive number of seconds");
    }
    star.lifetime = **lifetime;
    auto adjust = integerMember(ar, "lifetime-adjust", where);
    LEGATE_TRY(adjust);
    if (*adjust && **adjust < 0) {
        return malformed("auto-renewal.lifetime-adjust must not be negative");
    }
    star.lifetimeAdjust = *adjust;
    return star;
}

}  // namespace

StarBounds starBounds(const StarConfig& tenant, const std::optional<StarPolicy>& delegation) {
    StarBounds b{tenant.minLifetime, tenant.maxDuration};
    if (delegation) {
        if (delegation->minLifetime > 0) {
            b.minLifetime = std::max(b.minLifetime, delegation->minLifetime);
        }
        if (delegation->maxDuration > 0) {
            b.maxDuration = std::min(b.maxDuration, delegation->maxDuration);
        }
    }
    return b;
}

Result<NewOrderRequest> parseNewOrder(const json& payload, const AcmeUrls& urls,
                                      bool implicitAllowed) {
    if (!payload.is_object()) {
        return malformed("the newOrder payload must be a JSON object");
    }
    NewOrderRequest req;
    auto ids = parseIdentifiers(payload);
    LEGATE_TRY(ids);
    req.identifiers = std::move(ids).value();

    auto deleg = payload.find("delegation");
    if (deleg == payload.end()) {
        if (!implicitAllowed) {
            return malformed(
                "delegation is required: this server only issues delegated certificates "
                "(RFC 9115 §2.3.4)");
        }
        req.implicit = true;
    } else if (!deleg->is_string()) {
        return malformed("delegation must be a delegation URL string");
    } else {
        req.delegationId = urls.delegationIdFromUrl(deleg->get<std::string>());
    }

    if (payload.contains("auto-renewal")) {
        auto star = parseStar(payload);
        LEGATE_TRY(star);
        req.star = std::move(star).value();
        return req;
    }
    auto get = payload.find("allow-certificate-get");
    if (req.implicit && get == payload.end()) {
        req.allowCertificateGet = false;
    } else if (get == payload.end() || !get->is_boolean() || !get->get<bool>()) {
        return malformed(
            "allow-certificate-get must be present and true for a delegated order "
            "(RFC 9115 §2.3.4)");
    } else {
        req.allowCertificateGet = true;
    }
    auto nb = timeMember(payload, "notBefore", "");
    LEGATE_TRY(nb);
    auto na = timeMember(payload, "notAfter", "");
    LEGATE_TRY(na);
    if (*nb && *na && !(**nb < **na)) {
        return malformed("notBefore must be earlier than notAfter");
    }
    req.notBefore = *nb;
    req.notAfter = *na;
    return req;
}

Status checkRequestedValidity(const NewOrderRequest& request, const StarBounds& bounds,
                              TimePoint now) {
    if (request.star) {
        return okStatus();
    }
    using std::chrono::seconds;
    const auto secondsBetween = [](TimePoint from, TimePoint to) {
        return std::chrono::duration_cast<seconds>(to - from).count();
    };
    if (request.notBefore) {
        if (*request.notBefore < now - seconds(kMaxNotBeforeBackdateSeconds)) {
            return malformed("notBefore " + toRfc3339(*request.notBefore) + " lies more than " +
                             std::to_string(kMaxNotBeforeBackdateSeconds) +
                             " seconds in the past (now is " + toRfc3339(now) + ")");
        }
        if (*request.notBefore > now + seconds(bounds.maxDuration)) {
            return malformed("notBefore " + toRfc3339(*request.notBefore) +
                             " lies further in the future than this delegation's max-duration "
                             "of " +
                             std::to_string(bounds.maxDuration) + " seconds");
        }
    }
    if (request.notAfter) {
        if (*request.notAfter <= now) {
            return malformed("notAfter " + toRfc3339(*request.notAfter) +
                             " is not in the future (now is " + toRfc3339(now) + ")");
        }
        const TimePoint start = request.notBefore ? std::max(*request.notBefore, now) : now;
        const int64_t validity = secondsBetween(start, *request.notAfter);
        if (validity > bounds.maxDuration) {
            return malformed("notAfter " + toRfc3339(*request.notAfter) + " asks for " +
                             std::to_string(validity) +
                             " seconds of validity, more than this delegation's max-duration of " +
                             std::to_string(bounds.maxDuration) + " seconds");
        }
    }
    return okStatus();
}

Result<json> settleAutoRenewal(const StarRequest& star, const StarBounds& bounds, TimePoint now) {
    const auto start = star.startDate ? std::max(*star.startDate, now) : now;
    const auto startSec = std::chrono::floor<std::chrono::seconds>(start);
    if (star.lifetime < bounds.minLifetime) {
        return malformed("auto-renewal.lifetime " + std::to_string(star.lifetime) +
                         " is below this delegation's min-lifetime of " +
                         std::to_string(bounds.minLifetime) + " seconds");
    }
    if (star.endDate <= start) {
        return malformed("auto-renewal.end-date " + toRfc3339(star.endDate) +
                         " must be later than the start (" + toRfc3339(start) + ")");
    }
    const auto duration =
        std::chrono::duration_cast<std::chrono::seconds>(star.endDate - startSec).count();
    if (duration > bounds.maxDuration) {
        return malformed("auto-renewal spans " + std::to_string(duration) +
                         " seconds, more than this delegation's max-duration of " +
                         std::to_string(bounds.maxDuration) + " seconds");
    }
    json out = json::object();
    if (star.startDate) {
        out["start-date"] = toRfc3339(start);
    }
    out["end-date"] = toRfc3339(star.endDate);
    out["lifetime"] = star.lifetime;
    if (star.lifetimeAdjust) {
        out["lifetime-adjust"] = *star.lifetimeAdjust;
    }
    out["allow-certificate-get"] = true;
    return out;
}

}  // namespace legate::ido
