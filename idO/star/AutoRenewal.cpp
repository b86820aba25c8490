#include "idO/star/AutoRenewal.h"

#include <string>

#include "broker/core/Time.h"

namespace legate::ido::star {
namespace {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, "auto-renewal." + std::move(detail));
}

Result<std::optional<TimePoint>> timeMember(const json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::optional<TimePoint>{};
    }
    if (!it->is_string()) {
        return malformed(std::string(name) + " must be an RFC 3339 date-time string");
    }
    auto t = parseRfc3339(it->get<std::string>());
    if (!t) {
        return malformed(std::string(name) + " is not an RFC 3339 date-time");
    }
    return std::optional<TimePoint>{*t};
}

Result<std::optional<Seconds>> secondsMember(const json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::optional<Seconds>{};
    }
    if (!it->is_number_integer()) {
        return malformed(std::string(name) + " must be an integer number of seconds");
    }
    return std::optional<Seconds>{Seconds{it->get<int64_t>()}};
}

}  // namespace

Result<AutoRenewal> AutoRenewal::fromJson(const json& object) {
    if (!object.is_object()) {
        return Problem::make(ErrorType::malformed, "auto-renewal must be an object");
    }
    auto start = timeMember(object, "start-date");
    LEGATE_TRY(start);
    auto end = timeMember(object, "end-date");
    LEGATE_TRY(end);
    auto lifetime = secondsMember(object, "lifetime");
    LEGATE_TRY(lifetime);
    auto adjust = secondsMember(object, "lifetime-adjust");
    LEGATE_TRY(adjust);
    if (!end.value()) {
        return malformed("end-date is required");
    }
    if (!lifetime.value()) {
        return malformed("lifetime is required");
    }
    AutoRenewal out;
    out.startDate = *start;
    out.endDate = **end;
    out.lifetime = **lifetime;
    out.lifetimeAdjust = adjust.value().value_or(Seconds{0});
    return out;
}

}  // namespace legate::ido::star
