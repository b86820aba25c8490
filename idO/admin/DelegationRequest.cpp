#include "idO/admin/DelegationRequest.h"

#include <algorithm>
#include <string>
#include <vector>

#include "broker/core/MessageText.h"
#include "idO/admin/AdminRequest.h"
#include "profiles/NameSyntax.h"
#include "profiles/TemplateParser.h"

namespace legate::ido {
namespace {

using nlohmann::json;

/// A JSON array of strings, or a 400 naming `member`.
Result<std::vector<std::string>> stringArray(const json& body, const char* member) {
    const auto& value = body.at(member);
    if (!value.is_array()) {
        return badRequest(std::string("\"") + member + "\" must be an array of strings");
    }
    std::vector<std::string> out;
    for (const auto& e : value) {
        if (!e.is_string()) {
            return badRequest(std::string("\"") + member + "\" must be an array of strings");
        }
        out.push_back(e.get<std::string>());
    }
    return out;
}

/// The template of the request (and its normalised JSON), from either source.
Result<profiles::ProfileInstance> templateOf(const json& body,
                                             const profiles::ProfileCatalog& catalog,
                                             const std::vector<std::string>& suffixes) {
    const bool hasTemplate = body.contains("csr-template");
    const bool hasProfile = body.contains("profile");
    if (hasTemplate == hasProfile) {
        return badRequest("exactly one of \"csr-template\" and \"profile\" is required");
    }
    if (hasProfile) {
        if (!body["profile"].is_string()) {
            return badRequest("\"profile\" must be a string");
        }
        if (!body.contains("names")) {
            return badRequest("\"profile\" requires \"names\"");
        }
        auto names = stringArray(body, "names");
        LEGATE_TRY(names);
        return catalog.instantiate(body["profile"].get<std::string>(), *names, suffixes);
    }
    if (body.contains("names")) {
        return badRequest("\"names\" belongs with \"profile\", not with \"csr-template\"");
    }
    auto issues = profiles::TemplateParser::validate(body["csr-template"]);
    if (!issues.empty()) {
        for (auto& issue : issues) {
            issue.path = "/csr-template" + issue.path;
        }
        return profiles::TemplateParser::toProblem(issues);
    }
    auto parsed = profiles::TemplateParser::parse(body["csr-template"]);
    LEGATE_TRY(parsed);
    profiles::ProfileInstance instance{std::move(parsed).value(), suffixes};
    bool chosenSlot = false;
    for (const auto& v :
         instance.csrTemplate.subjectAltName.dns.value_or(std::vector<profiles::TemplateValue>{})) {
        chosenSlot = chosenSlot || v.kind != profiles::ValueKind::Literal;
    }
    if (chosenSlot && suffixes.empty()) {
        return badRequest(
            "the template lets the NDC choose DNS names (\"*\"/\"**\"): \"allowed-suffixes\" "
            "is required (RFC 9115 §4.1 local policy)");
    }
    return instance;
}

Result<std::vector<std::string>> suffixesOf(const json& body) {
    if (!body.contains("allowed-suffixes")) {
        return std::vector<std::string>{};
    }
    auto suffixes = stringArray(body, "allowed-suffixes");
    LEGATE_TRY(suffixes);
    for (auto& s : *suffixes) {
        if (!profiles::isHostname(s, false)) {
            return badRequest("\"allowed-suffixes\": \"" + s + "\" is not a domain name");
        }
        s = profiles::asciiLower(s);
    }
    return suffixes;
}

/// `name` with exactly one trailing dot removed, if it is an FQDN written that way.
std::optional<std::string> fqdnWithDot(const json& value) {
    if (!value.is_string()) {
        return std::nullopt;
    }
    const auto text = value.get<std::string>();
    if (text.size() < 2 || text.back() != '.') {
        return std::nullopt;
    }
    const auto name = text.substr(0, text.size() - 1);
    if (!profiles::isHostname(name, false)) {
        return std::nullopt;
    }
    return profiles::asciiLower(name);
}

Result<json> cnameMapOf(const json& body, const profiles::ProfileInstance& instance) {
    if (!body.contains("cname-map") || body["cname-map"].is_null()) {
        return json(nullptr);
    }
    const auto& map = body["cname-map"];
    if (!map.is_object()) {
        return badRequest("\"cname-map\" must be an object of FQDN to FQDN");
    }
    auto problem = badRequest("invalid \"cname-map\"");
    for (const auto& [key, value] : map.items()) {
        const auto where = "/cname-map/" + jsonPointerToken(key);
        const auto name = fqdnWithDot(json(key));
        if (!name) {
            problem.add(badRequest(where + ": the key must be a fully qualified domain name "
                                           "with a trailing dot"));
        } else if (!templateCoversName(instance.csrTemplate, instance.allowedSuffixes, *name)) {
            problem.add(badRequest(where + ": \"" + *name +
                                   "\" is not a name the delegation's template covers"));
        }
        if (!fqdnWithDot(value)) {
            problem.add(badRequest(where + ": the value must be a fully qualified domain name "
                                           "with a trailing dot"));
        }
    }
    if (!problem.subproblems.empty()) {
        for (const auto& sub : problem.subproblems) {
            problem.detail += "; " + sub.detail;
        }
        return problem;
    }
    return map.empty() ? json(nullptr) : map;
}

Result<std::optional<StarPolicy>> starOf(const json& body, const StarConfig& tenant) {
    if (!body.contains("star") || body["star"].is_null()) {
        return std::optional<StarPolicy>{};
    }
    const auto& star = body["star"];
    if (!star.is_object()) {
        return badRequest("\"star\" must be an object");
    }
    LEGATE_TRY(onlyMembers(star, {"min-lifetime", "max-duration"}, "\"star\""));
    StarPolicy policy{tenant.minLifetime, tenant.maxDuration};
    for (const auto* member : {"min-lifetime", "max-duration"}) {
        if (!star.contains(member)) {
            continue;
        }
        const auto& v = star[member];
        if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
            return badRequest(std::string("\"star\".\"") + member +
                              "\" must be a positive integer (seconds)");
        }
        (std::string_view(member) == "min-lifetime" ? policy.minLifetime : policy.maxDuration) =
            v.get<int64_t>();
    }
    if (policy.minLifetime < tenant.minLifetime) {
        return badRequest("\"star\".\"min-lifetime\" " + std::to_string(policy.minLifetime) +
                          " is below the tenant's " + std::to_string(tenant.minLifetime) +
                          ": a delegation can only tighten the tenant's STAR limits");
    }
    if (policy.maxDuration > tenant.maxDuration) {
        return badRequest("\"star\".\"max-duration\" " + std::to_string(policy.maxDuration) +
                          " exceeds the tenant's " + std::to_string(tenant.maxDuration) +
                          ": a delegation can only tighten the tenant's STAR limits");
    }
    if (policy.minLifetime > policy.maxDuration) {
        return badRequest("\"star\".\"min-lifetime\" exceeds \"max-duration\"");
    }
    return std::optional<StarPolicy>(policy);
}

/// `"implicit"`: true/false, or {"lifetime": S} with 0 < S <= the effective max-duration.
Result<std::optional<ImplicitPolicy>> implicitOf(const json& body, const StarConfig& tenant,
                                                 const std::optional<StarPolicy>& star) {
    if (!body.contains("implicit") || body["implicit"].is_null()) {
        return std::optional<ImplicitPolicy>{};
    }
    const auto& implicit = body["implicit"];
    const int64_t maxDuration = star ? star->maxDuration : tenant.maxDuration;
    if (implicit.is_boolean()) {
        if (!implicit.get<bool>()) {
            return std::optional<ImplicitPolicy>{};
        }
        return std::optional<ImplicitPolicy>(
            ImplicitPolicy{std::min(kDefaultImplicitLifetime, maxDuration)});
    }
    if (!implicit.is_object()) {
        return badRequest("\"implicit\" must be true, false or an object {\"lifetime\": S}");
    }
    LEGATE_TRY(onlyMembers(implicit, {"lifetime"}, "\"implicit\""));
    ImplicitPolicy policy{std::min(kDefaultImplicitLifetime, maxDuration)};
    if (implicit.contains("lifetime")) {
        const auto& v = implicit["lifetime"];
        if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
            return badRequest("\"implicit\".\"lifetime\" must be a positive integer (seconds)");
        }
        policy.lifetime = v.get<int64_t>();
    }
    if (policy.lifetime > maxDuration) {
        return badRequest("\"implicit\".\"lifetime\" " + std::to_string(policy.lifetime) +
                          " exceeds the delegation's max-duration of " +
                          std::to_string(maxDuration) + " seconds");
    }
    return std::optional<ImplicitPolicy>(policy);
}

}  // namespace

Result<std::string> parseTerminationMember(const json& body) {
    if (!body.contains("termination") || body["termination"].is_null()) {
        return std::string();
    }
    const auto& value = body["termination"];
    if (!value.is_string() || !terminationOf(value.get<std::string>())) {
        return badRequest(
            "\"termination\" must be \"stop-renewal\" or \"revoke\" (docs/upstream.md, "
            "\"Termination\")");
    }
    return value.get<std::string>();
}

bool templateCoversName(const profiles::CsrTemplate& csrTemplate,
                        const std::vector<std::string>& allowedSuffixes, const std::string& name) {
    if (!csrTemplate.subjectAltName.dns) {
        return false;
    }
    for (const auto& v : *csrTemplate.subjectAltName.dns) {
        if (v.kind != profiles::ValueKind::Literal) {
            for (const auto& suffix : allowedSuffixes) {
                if (profiles::isUnderSuffix(name, suffix)) {
                    return true;
                }
            }
            continue;
        }
        const auto literal = profiles::asciiLower(v.literal);
        if (literal == name) {
            return true;
        }
        if (literal.rfind("*.", 0) == 0) {
            const auto parent = literal.substr(2);
            const auto dot = name.find('.');
            if (dot != std::string::npos && name.substr(dot + 1) == parent) {
                return true;
            }
        }
    }
    return false;
}

Result<DelegationRecord> parseDelegationRequest(const json& body,
                                                const profiles::ProfileCatalog& catalog,
                                                const StarConfig& tenantStar) {
    LEGATE_TRY(onlyMembers(body,
                           {"csr-template", "profile", "names", "allowed-suffixes", "cname-map",
                            "star", "implicit", "termination"},
                           "the request"));
    auto suffixes = suffixesOf(body);
    LEGATE_TRY(suffixes);
    auto instance = templateOf(body, catalog, *suffixes);
    LEGATE_TRY(instance);
    auto cnameMap = cnameMapOf(body, *instance);
    LEGATE_TRY(cnameMap);
    auto star = starOf(body, tenantStar);
    LEGATE_TRY(star);
    auto implicit = implicitOf(body, tenantStar, *star);
    LEGATE_TRY(implicit);
    auto termination = parseTerminationMember(body);
    LEGATE_TRY(termination);

    DelegationRecord d;
    d.csrTemplate = instance->csrTemplate.toJson();
    d.cnameMap = std::move(cnameMap).value();
    d.allowedSuffixes = instance->allowedSuffixes;
    d.star = *star;
    d.implicit = *implicit;
    d.termination = *termination;
    if (body.contains("profile")) {
        d.profile = body["profile"].get<std::string>();
    }
    return d;
}

}  // namespace legate::ido
