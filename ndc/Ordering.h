#pragma once
/// The RFC 9115 order flow of the NDC, shared by `ndc order` and the daemon:
/// read the delegation's CSR template, get the slot's key (KeyStore), build the CSR with
/// the NDC's values for the template's "**"/"*" fields (profiles::CsrBuilder), newOrder
/// with the `delegation` member (and `auto-renewal` for STAR), finalize, then poll the
/// order until it is `valid` and names its certificate URL.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "ndc/AcmeClient.h"
#include "ndc/KeyStore.h"
#include "profiles/CsrTemplate.h"

namespace legate::ndc {

/// What to order for one slot.
struct OrderSpec {
    std::string delegationUrl;
    bool star = true;
    Seconds lifetime{86400};           ///< STAR: auto-renewal.lifetime
    std::optional<TimePoint> endDate;  ///< STAR: auto-renewal.end-date
    Seconds duration{7 * 86400};       ///< STAR: end-date = now + duration when unset
    /// RFC 9115 subject member -> value for "**"/"*" subject fields.
    std::map<std::string, std::string> subject;
    /// Names for "**"/"*" DNS entries of the template.
    std::vector<std::string> dnsNames;
    /// Key type; default: the first keyTypes entry Legate can generate.
    std::optional<crypto::KeyType> keyType;
};

/// A created (and finalized) order.
struct PlacedOrder {
    std::string orderUrl;
    std::string status;
    std::vector<std::string> names;  ///< the identifiers ordered (= the CSR's DNS names)
    std::optional<Seconds> retryAfter;
    std::optional<Seconds> lifetime;  ///< STAR lifetime as the order echoes it
};

/// Where an order stands.
struct OrderState {
    std::string status;          ///< pending, ready, processing, valid, invalid, ...
    std::string certificateUrl;  ///< star-certificate or certificate, once valid
    bool star = false;
    std::optional<Seconds> lifetime;
    std::optional<Seconds> retryAfter;
    std::string error;  ///< the order's `error`, when invalid
};

using Progress = std::function<void(const std::string& step, const std::string& detail)>;

/// Reads a delegation object (POST-as-GET) and parses its csr-template.
struct Delegation {
    std::string url;
    nlohmann::json object;
    profiles::CsrTemplate csrTemplate;
};
Result<Delegation> fetchDelegation(AcmeClient& client, const std::string& url);

/// newOrder + finalize for `slot`.  The key is made (or reused) through `keys`.
Result<PlacedOrder> placeOrder(AcmeClient& client, KeyStore& keys, const std::string& slot,
                               const OrderSpec& spec, const Clock& clock,
                               const Progress& progress = {});

/// POST-as-GET on the order.
Result<OrderState> readOrder(AcmeClient& client, const std::string& orderUrl, const Clock& clock);

/// A readable multi-line summary of a template (for `ndc delegations`).
std::string describeTemplate(const profiles::CsrTemplate& tmpl, const std::string& indent);
/// The template's literal DNS names.
std::vector<std::string> templateNames(const profiles::CsrTemplate& tmpl);

}  // namespace legate::ndc
