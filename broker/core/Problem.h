#pragma once
/// ACME problem documents (RFC 7807 + RFC 8555 §6.7) as plain values.
///
/// Inside Legate an error is a `Problem`; it becomes an HTTP response in exactly one
/// place (broker/http/ProblemResponse).  Every error URN registered by RFC 8555,
/// RFC 8739, RFC 9115 and RFC 9773 has an `ErrorType` and a default HTTP status.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace legate::acme {

enum class ErrorType {
    // RFC 8555
    accountDoesNotExist,
    alreadyRevoked,
    badCSR,
    badNonce,
    badPublicKey,
    badRevocationReason,
    badSignatureAlgorithm,
    caa,
    compound,
    connection,
    dns,
    externalAccountRequired,
    incorrectResponse,
    invalidContact,
    malformed,
    orderNotReady,
    rateLimited,
    rejectedIdentifier,
    serverInternal,
    tls,
    unauthorized,
    unsupportedContact,
    unsupportedIdentifier,
    userActionRequired,
    // RFC 8739 (STAR)
    autoRenewalCanceled,
    autoRenewalExpired,
    autoRenewalCancellationInvalid,
    autoRenewalRevocationNotSupported,
    // RFC 9115 (delegation)
    unknownDelegation,
    // RFC 9773 (ARI)
    alreadyReplaced,
};

/// Every registered type, in declaration order (for tests and tables).
const std::vector<ErrorType>& allErrorTypes();

/// "badNonce" for ErrorType::badNonce.
std::string_view errorName(ErrorType type);
/// "urn:ietf:params:acme:error:badNonce".
std::string urnOf(ErrorType type);
/// Inverse of urnOf; nullopt for anything not registered.
std::optional<ErrorType> errorTypeFromUrn(std::string_view urn);
/// The status a problem of this type gets unless the caller says otherwise.
int defaultStatus(ErrorType type);

/// An ACME identifier object, e.g. {"type": "dns", "value": "abc.ido.example"}.
struct Identifier {
    std::string type;
    std::string value;

    bool operator==(const Identifier&) const = default;
    nlohmann::json toJson() const { return {{"type", type}, {"value", value}}; }
};

inline constexpr std::string_view kProblemContentType = "application/problem+json";

struct Problem {
    ErrorType type = ErrorType::serverInternal;
    std::string detail;
    int status = 500;
    /// Only on subproblems: the identifier this one is about (RFC 8555 §6.7.1).
    std::optional<Identifier> identifier;
    std::vector<Problem> subproblems;
    /// Only for badSignatureAlgorithm: the algorithms the server accepts.
    std::vector<std::string> algorithms;
    std::string instance;

    /// A problem of `type` with its default status.
    static Problem make(ErrorType type, std::string detail);
    /// The same, with an explicit HTTP status.
    static Problem make(ErrorType type, std::string detail, int status);

    Problem& withStatus(int s) {
        status = s;
        return *this;
    }
    Problem& withIdentifier(Identifier id) {
        identifier = std::move(id);
        return *this;
    }
    Problem& add(Problem sub) {
        subproblems.push_back(std::move(sub));
        return *this;
    }

    std::string urn() const { return urnOf(type); }
    /// The RFC 7807 document: type, title, status, detail, plus the ACME members.
    nlohmann::json toJson() const;
    /// Parses a problem document received from a peer (e.g. the upstream CA).
    /// Unknown `type` URNs map to serverInternal with the URN kept in detail.
    static std::optional<Problem> fromJson(const nlohmann::json& doc);
};

}  // namespace legate::acme
