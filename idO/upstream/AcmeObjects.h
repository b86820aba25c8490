#pragma once
/// The ACME resources the upstream client reads back from the CA (RFC 8555 §7.1.3,
/// §7.1.4, §8; RFC 8739 §3.1), as plain values parsed defensively: a CA's answer is
/// outside input, so a missing required member or a wrong type is a problem value
/// (serverInternal, status 502), never an exception.  Each keeps the object as
/// received in `raw`, so callers can read extension members (auto-renewal,
/// allow-certificate-get) the structs do not name.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Problem.h"
#include "broker/core/Result.h"

namespace legate::ido::upstream {

/// One challenge of an authorization.
struct Challenge {
    std::string type;  ///< "http-01", "dns-01", "tls-alpn-01", ...
    std::string url;
    std::string status;  ///< pending, processing, valid, invalid
    std::string token;   ///< empty for challenge types without one
    std::optional<acme::Problem> error;
    nlohmann::json raw;

    /// Requires type, url, status (strings); token when present must be a string.
    static Result<Challenge> fromJson(const nlohmann::json& obj);
};

/// An authorization.
struct Authorization {
    acme::Identifier identifier;
    std::string status;  ///< pending, valid, invalid, deactivated, expired, revoked
    std::optional<std::string> expires;
    bool wildcard = false;
    std::vector<Challenge> challenges;
    nlohmann::json raw;

    /// The first challenge of `type`, if the CA offers one.
    const Challenge* challenge(std::string_view type) const;

    static Result<Authorization> fromJson(const nlohmann::json& obj);
};

/// An order.
struct Order {
    std::string status;  ///< pending, ready, processing, valid, invalid (+ canceled, RFC 8739)
    std::optional<std::string> expires;
    std::vector<acme::Identifier> identifiers;
    std::optional<std::string> notBefore;
    std::optional<std::string> notAfter;
    std::vector<std::string> authorizations;
    std::string finalize;
    std::optional<std::string> certificate;
    std::optional<std::string> starCertificate;  ///< RFC 8739
    std::optional<acme::Problem> error;
    nlohmann::json raw;

    /// Requires status, identifiers, authorizations, finalize.
    static Result<Order> fromJson(const nlohmann::json& obj);
};

}  // namespace legate::ido::upstream
