#include "broker/core/Problem.h"

#include <array>

namespace legate::acme {
namespace {

struct TypeInfo {
    ErrorType type;
    std::string_view name;
    int status;
    std::string_view title;
};

// Default statuses follow docs/rfc-digest.md §4.14; callers override where a
// profile says otherwise (RFC 9115 answers template rejections with 403).
constexpr std::array kTypes = {
    TypeInfo{ErrorType::accountDoesNotExist, "accountDoesNotExist", 400, "Account does not exist"},
    TypeInfo{ErrorType::alreadyRevoked, "alreadyRevoked", 400, "Certificate already revoked"},
    TypeInfo{ErrorType::badCSR, "badCSR", 400, "Unacceptable CSR"},
    TypeInfo{ErrorType::badNonce, "badNonce", 400, "Unacceptable anti-replay nonce"},
    TypeInfo{ErrorType::badPublicKey, "badPublicKey", 400, "Unsupported public key"},
    TypeInfo{ErrorType::badRevocationReason, "badRevocationReason", 400,
             "Revocation reason not allowed"},
    TypeInfo{ErrorType::badSignatureAlgorithm, "badSignatureAlgorithm", 400,
             "Unsupported signature algorithm"},
    TypeInfo{ErrorType::caa, "caa", 403, "CAA records forbid issuance"},
    TypeInfo{ErrorType::compound, "compound", 403, "Multiple errors"},
    TypeInfo{ErrorType::connection, "connection", 400, "Could not connect to validation target"},
    TypeInfo{ErrorType::dns, "dns", 400, "DNS problem"},
    TypeInfo{ErrorType::externalAccountRequired, "externalAccountRequired", 400,
             "External account binding required"},
    TypeInfo{ErrorType::incorrectResponse, "incorrectResponse", 403,
             "Challenge response did not match"},
    TypeInfo{ErrorType::invalidContact, "invalidContact", 400, "Invalid contact URL"},
    TypeInfo{ErrorType::malformed, "malformed", 400, "Malformed request"},
    TypeInfo{ErrorType::orderNotReady, "orderNotReady", 403, "Order not ready"},
    TypeInfo{ErrorType::rateLimited, "rateLimited", 429, "Rate limit exceeded"},
    TypeInfo{ErrorType::rejectedIdentifier, "rejectedIdentifier", 400, "Identifier rejected"},
    TypeInfo{ErrorType::serverInternal, "serverInternal", 500, "Internal server error"},
    TypeInfo{ErrorType::tls, "tls", 400, "TLS error during validation"},
    TypeInfo{ErrorType::unauthorized, "unauthorized", 403, "Unauthorized"},
    TypeInfo{ErrorType::unsupportedContact, "unsupportedContact", 400,
             "Unsupported contact URL scheme"},
    TypeInfo{ErrorType::unsupportedIdentifier, "unsupportedIdentifier", 400,
             "Unsupported identifier type"},
    TypeInfo{ErrorType::userActionRequired, "userActionRequired", 403, "User action required"},
    TypeInfo{ErrorType::autoRenewalCanceled, "autoRenewalCanceled", 403, "Auto-renewal canceled"},
    TypeInfo{ErrorType::autoRenewalExpired, "autoRenewalExpired", 403, "Auto-renewal expired"},
    TypeInfo{ErrorType::autoRenewalCancellationInvalid, "autoRenewalCancellationInvalid", 400,
             "Cancellation not allowed in this state"},
    TypeInfo{ErrorType::autoRenewalRevocationNotSupported, "autoRenewalRevocationNotSupported", 403,
             "Revocation of STAR certificates is not supported"},
    TypeInfo{ErrorType::unknownDelegation, "unknownDelegation", 403, "Unknown delegation"},
    TypeInfo{ErrorType::alreadyReplaced, "alreadyReplaced", 409, "Certificate already replaced"},
};

constexpr std::string_view kUrnPrefix = "urn:ietf:params:acme:error:";

const TypeInfo& info(ErrorType type) {
    for (const auto& t : kTypes) {
        if (t.type == type) {
            return t;
        }
    }
    return kTypes[static_cast<size_t>(ErrorType::serverInternal)];
}

}  // namespace

const std::vector<ErrorType>& allErrorTypes() {
    static const std::vector<ErrorType> all = [] {
        std::vector<ErrorType> v;
        for (const auto& t : kTypes) {
            v.push_back(t.type);
        }
        return v;
    }();
    return all;
}

std::string_view errorName(ErrorType type) {
    return info(type).name;
}

std::string urnOf(ErrorType type) {
    return std::string(kUrnPrefix) + std::string(errorName(type));
}

std::optional<ErrorType> errorTypeFromUrn(std::string_view urn) {
    if (!urn.starts_with(kUrnPrefix)) {
        return std::nullopt;
    }
    urn.remove_prefix(kUrnPrefix.size());
    for (const auto& t : kTypes) {
        if (t.name == urn) {
            return t.type;
        }
    }
    return std::nullopt;
}

int defaultStatus(ErrorType type) {
    return info(type).status;
}

Problem Problem::make(ErrorType type, std::string detail) {
    return make(type, std::move(detail), defaultStatus(type));
}

Problem Problem::make(ErrorType type, std::string detail, int status) {
    Problem p;
    p.type = type;
    p.detail = std::move(detail);
    p.status = status;
    return p;
}

nlohmann::json Problem::toJson() const {
    nlohmann::json doc = {
        {"type", urn()},
        {"title", std::string(info(type).title)},
        {"status", status},
        {"detail", detail},
    };
    if (identifier) {
        doc["identifier"] = identifier->toJson();
    }
    if (!instance.empty()) {
        doc["instance"] = instance;
    }
    if (!algorithms.empty()) {
        doc["algorithms"] = algorithms;
    }
    if (!subproblems.empty()) {
        auto& subs = doc["subproblems"] = nlohmann::json::array();
        for (const auto& sub : subproblems) {
            auto s = sub.toJson();
            s.erase("status");  // subproblems carry no HTTP status of their own
            subs.push_back(std::move(s));
        }
    }
    return doc;
}

std::optional<Problem> Problem::fromJson(const nlohmann::json& doc) {
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
        return std::nullopt;
    }
    const auto urn = doc["type"].get<std::string>();
    Problem p;
    const auto detail = doc.contains("detail") && doc["detail"].is_string()
                            ? doc["detail"].get<std::string>()
                            : std::string();
    if (auto t = errorTypeFromUrn(urn)) {
        p.type = *t;
        p.detail = detail;
    } else {
        p.type = ErrorType::serverInternal;
        p.detail = urn + (detail.empty() ? "" : ": " + detail);
    }
    p.status = doc.contains("status") && doc["status"].is_number_integer()
                   ? doc["status"].get<int>()
                   : defaultStatus(p.type);
    if (doc.contains("identifier") && doc["identifier"].is_object()) {
        const auto& id = doc["identifier"];
        if (id.contains("type") && id["type"].is_string() && id.contains("value") &&
            id["value"].is_string()) {
            p.identifier =
                Identifier{id["type"].get<std::string>(), id["value"].get<std::string>()};
        }
    }
    if (doc.contains("subproblems") && doc["subproblems"].is_array()) {
        for (const auto& sub : doc["subproblems"]) {
            if (auto s = fromJson(sub)) {
                p.subproblems.push_back(std::move(*s));
            }
        }
    }
    return p;
}

}  // namespace legate::acme
