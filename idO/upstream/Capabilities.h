#pragma once
/// What an upstream CA's ACME directory says it can do (RFC 8555 §7.1.1, RFC 8739 §3.1.1,
/// RFC 9115 §2.3.5, RFC 9773 §4, and the ACME profiles extension).
///
/// The IdO reads this before forwarding a delegated order: STAR needs
/// `autoRenewal->allowCertificateGet`, non-STAR delegation needs `allowCertificateGet`
/// (RFC 9115 §2.3.1 step 8: without it the IdO must not send the order).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"

namespace legate::ido::upstream {

struct Capabilities {
    /// meta.auto-renewal (RFC 8739): present when the CA offers STAR.
    struct AutoRenewal {
        std::optional<int64_t> minLifetime;  ///< seconds
        std::optional<int64_t> maxDuration;  ///< seconds
        /// STAR certificates may be fetched by unauthenticated GET.
        bool allowCertificateGet = false;
    };

    std::string newNonce;
    std::string newAccount;
    std::string newOrder;
    std::string revokeCert;
    std::string keyChange;
    std::optional<std::string> newAuthz;
    /// RFC 9773 ARI endpoint, when offered.
    std::optional<std::string> renewalInfo;

    std::optional<std::string> termsOfService;
    bool externalAccountRequired = false;
    std::optional<AutoRenewal> autoRenewal;
    /// meta.allow-certificate-get (RFC 9115, non-STAR certificate URLs).
    bool allowCertificateGet = false;
    /// meta.profiles: profile name -> description.
    std::map<std::string, std::string> profiles;

    /// The directory as received.
    nlohmann::json raw;

    /// Reads a directory object.  serverInternal (status 502) when a URL RFC 8555
    /// requires (newNonce, newAccount, newOrder) is missing or a member has the wrong
    /// type: the CA is then not one we can talk to.
    static Result<Capabilities> fromDirectory(const nlohmann::json& directory);
};

}  // namespace legate::ido::upstream
