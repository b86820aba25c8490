#include "idO/upstream/AcmeObjects.h"

#include "idO/upstream/UpstreamProblem.h"

namespace legate::ido::upstream {
namespace {

bool isString(const nlohmann::json& obj, const char* name) {
    return obj.contains(name) && obj[name].is_string();
}

/// Reads an optional string member; false when present with another type.
bool optionalString(const nlohmann::json& obj, const char* name, std::optional<std::string>& out) {
    if (!obj.contains(name) || obj[name].is_null()) {
        return true;
    }
    if (!obj[name].is_string()) {
        return false;
    }
    out = obj[name].get<std::string>();
    return true;
}

std::optional<acme::Problem> errorMember(const nlohmann::json& obj) {
    if (!obj.contains("error")) {
        return std::nullopt;
    }
    return acme::Problem::fromJson(obj["error"]);
}

Result<acme::Identifier> identifierFrom(const nlohmann::json& id) {
    if (!id.is_object() || !isString(id, "type") || !isString(id, "value")) {
        return badUpstream("identifier is not {\"type\", \"value\"}");
    }
    return acme::Identifier{id["type"].get<std::string>(), id["value"].get<std::string>()};
}

}  // namespace

Result<Challenge> Challenge::fromJson(const nlohmann::json& obj) {
    if (!obj.is_object() || !isString(obj, "type") || !isString(obj, "url") ||
        !isString(obj, "status")) {
        return badUpstream("challenge without string type, url and status");
    }
    Challenge c;
    c.type = obj["type"].get<std::string>();
    c.url = obj["url"].get<std::string>();
    c.status = obj["status"].get<std::string>();
    std::optional<std::string> token;
    if (!optionalString(obj, "token", token)) {
        return badUpstream("challenge token is not a string");
    }
    c.token = token.value_or("");
    c.error = errorMember(obj);
    c.raw = obj;
    return c;
}

const Challenge* Authorization::challenge(std::string_view type) const {
    for (const auto& c : challenges) {
        if (c.type == type) {
            return &c;
        }
    }
    return nullptr;
}

Result<Authorization> Authorization::fromJson(const nlohmann::json& obj) {
    if (!obj.is_object() || !obj.contains("identifier") || !isString(obj, "status")) {
        return badUpstream("authorization without identifier and status");
    }
    Authorization a;
    auto id = identifierFrom(obj["identifier"]);
    if (!id) {
        return std::move(id).problem();
    }
    a.identifier = std::move(*id);
    a.status = obj["status"].get<std::string>();
    if (!optionalString(obj, "expires", a.expires)) {
        return badUpstream("authorization expires is not a string");
    }
    if (obj.contains("wildcard")) {
        if (!obj["wildcard"].is_boolean()) {
            return badUpstream("authorization wildcard is not a boolean");
        }
        a.wildcard = obj["wildcard"].get<bool>();
    }
    if (obj.contains("challenges")) {
        if (!obj["challenges"].is_array()) {
            return badUpstream("authorization challenges is not an array");
        }
        for (const auto& c : obj["challenges"]) {
            auto challenge = Challenge::fromJson(c);
            if (!challenge) {
                return std::move(challenge).problem();
            }
            a.challenges.push_back(std::move(*challenge));
        }
    }
    a.raw = obj;
    return a;
}

Result<Order> Order::fromJson(const nlohmann::json& obj) {
    if (!obj.is_object() || !isString(obj, "status") || !isString(obj, "finalize") ||
        !obj.contains("identifiers") || !obj["identifiers"].is_array()) {
        return badUpstream("order without status, identifiers and finalize");
    }
    Order o;
    o.status = obj["status"].get<std::string>();
    o.finalize = obj["finalize"].get<std::string>();
    for (const auto& id : obj["identifiers"]) {
        auto identifier = identifierFrom(id);
        if (!identifier) {
            return std::move(identifier).problem();
        }
        o.identifiers.push_back(std::move(*identifier));
    }
    if (obj.contains("authorizations")) {
        if (!obj["authorizations"].is_array()) {
            return badUpstream("order authorizations is not an array");
        }
        for (const auto& url : obj["authorizations"]) {
            if (!url.is_string()) {
                return badUpstream("order authorization URL is not a string");
            }
            o.authorizations.push_back(url.get<std::string>());
        }
    }
    if (!optionalString(obj, "expires", o.expires) ||
        !optionalString(obj, "notBefore", o.notBefore) ||
        !optionalString(obj, "notAfter", o.notAfter) ||
        !optionalString(obj, "certificate", o.certificate) ||
        !optionalString(obj, "star-certificate", o.starCertificate)) {
        return badUpstream("order has a member of the wrong type");
    }
    o.error = errorMember(obj);
    o.raw = obj;
    return o;
}

}  // namespace legate::ido::upstream
