#pragma once
/// The CA's certificate-count limits, counted by the IdO before it places an Order2, so
/// that a burst of orders is spread out instead of refused (docs/upstream.md, "Rate
/// limits").  Let's Encrypt's two (https://letsencrypt.org/docs/rate-limits/):
///
///  * certificates-per-domain — new certificates per registered domain (the public
///    suffix plus one label: "a.b.example.co.uk" → "example.co.uk") per 7 days, 50;
///    certificates renewing an Order1's earlier one (same identifier set) do not count,
///    as Let's Encrypt does not count renewals against it;
///  * duplicate-certificates — new certificates per identical identifier set per 7 days,
///    5; renewals count.
///
/// ARI renewals (`replaces`, with budget.ari-exempt) are exempt from both, as from every
/// Let's Encrypt limit: the relay never consults the limits for them.
///
/// The registered domain comes from the Public Suffix List through libpsl (the list
/// Debian ships, /usr/share/publicsuffix, else libpsl's built-in copy): the list has
/// thousands of rules with wildcards and exceptions ("*.ck", "!www.ck") and changes
/// every week, which no hand-written rule would keep up with.
///
/// The counting itself is RelayState::certificateLimits (one sorted set per limit key
/// under the tenant's hash tag, bounded and expiring); this file only says which keys a
/// certificate counts against.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "broker/core/Problem.h"
#include "idO/config/UpstreamConfig.h"

namespace legate::ido::relay {

/// The registered domain of DNS name `name` (lower-cased, trailing dot removed): the
/// public suffix plus one label; `name` itself when it is a public suffix or the list
/// has no rule for it (the default rule "*" then makes its last label the suffix).
std::string registeredDomain(const std::string& name);

/// A stable, bounded key for a set of identifiers regardless of their order and case:
/// the hex SHA-256 of the sorted "type:value" lines.
std::string identifierSetKey(const std::vector<acme::Identifier>& identifiers);

/// One limit a new certificate counts against.
struct CertificateLimit {
    std::string name;  ///< "certificates-per-domain" or "duplicate-certificates"
    std::string key;   ///< what is counted: "domain:<registered domain>", "set:<hash>"
    int64_t limit = 0;
    std::chrono::seconds period{0};
};

/// The limits a new certificate for `identifiers` counts against under `budget` (none
/// when neither limit is configured).  `renewal`: it replaces an earlier certificate of
/// the same Order1 (same identifiers), which the per-domain limit does not count.
std::vector<CertificateLimit> limitsFor(const BudgetConfig& budget,
                                        const std::vector<acme::Identifier>& identifiers,
                                        bool renewal);

}  // namespace legate::ido::relay
