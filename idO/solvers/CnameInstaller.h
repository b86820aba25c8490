#pragma once
/// Installs the CNAMEs of a delegation's RFC 9115 `cname-map` (§2.3.1, "the IdO can
/// add `abc.ido.example. CNAME abc.ndc.example.` to its zone") through RFC 2136
/// updates, and removes them when the delegation goes away.
///
///     "cname": {"install": "on-valid",          // or "on-create"; when the caller acts
///               "ttl": 300,
///               "zones": [{"server": "192.0.2.53", "port": 53, "zone": "ido.example",
///                          "tsig": {"name": "k", "algorithm": "hmac-sha256",
///                                   "secret": "base64"}}]}
///
///   auto installer = CnameInstaller::create(config);
///   installer->install(delegation["cname-map"]);   // {"abc.ido.example.": "abc.ndc.example."}
///   installer->remove(delegation["cname-map"]);
///
/// Every owner name (map key) must fall inside one configured zone; the most specific
/// zone containing it is used.  The whole map is checked BEFORE any update is sent: a
/// key outside every zone, the apex of a zone (a CNAME cannot sit beside SOA and NS),
/// a wildcard or a malformed name on either side refuses the call and nothing at all
/// is written, so a bad map never leaves half of itself in DNS.  The map is outside
/// input as far as DNS is concerned; the zone fence is what keeps it from writing
/// names the IdO does not own.
///
/// install() adds each CNAME, then asks the zone's server for it and requires the
/// target back: a server that silently ignores the add (RFC 2136 §3.4.2.2: a CNAME
/// where other data exists) is an error, not a success.  remove() deletes exactly
/// that CNAME rdata.  Both are idempotent.  A failure part-way through install()
/// leaves the CNAMEs before it in place; remove() with the same map cleans up.
///
/// When to install ("on-valid": after Order1 is valid; "on-create": when the
/// delegation is made) is the caller's decision; the installer only carries the setting.
/// Thread-safe (Rfc2136Client uses one resolver per call).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/ConfigReader.h"
#include "broker/core/Result.h"
#include "idO/solvers/Rfc2136Client.h"

namespace legate::ido::solvers {

enum class CnameInstallTime { OnValid, OnCreate };

struct CnameConfig {
    CnameInstallTime install = CnameInstallTime::OnValid;
    uint32_t ttl = 300;
    std::vector<Rfc2136Config> zones;
};

/// Reads the `cname` object at `node`; every problem is recorded on the node's reader
/// with its JSON path.
CnameConfig readCnameConfig(const ConfigNode& node);

/// One CNAME to install: owner in `zone`, both names normalised (lowercase, one dot).
struct CnameRecord {
    std::string owner;
    std::string target;
    std::string zone;
};

class CnameInstaller {
public:
    /// Creates one Rfc2136Client per zone (see Rfc2136Client::create for the checks);
    /// no zones, or two zones with the same name, is a Problem.
    static Result<CnameInstaller> create(CnameConfig config);

    /// Adds every `owner CNAME target` of `cnameMap` (a JSON object; null or {} is
    /// nothing to do) after checking all of it (see above).
    Status install(const nlohmann::json& cnameMap);
    /// Deletes exactly those CNAME records (absent ones are fine).
    Status remove(const nlohmann::json& cnameMap);

    /// The records `cnameMap` stands for, or the Problem that refuses it (malformed for
    /// syntax, rejectedIdentifier for a name outside every zone; one subproblem per
    /// bad entry).  Sends nothing.
    Result<std::vector<CnameRecord>> plan(const nlohmann::json& cnameMap) const;

    const CnameConfig& config() const { return config_; }

private:
    CnameInstaller(CnameConfig config, std::vector<Rfc2136Client> clients)
        : config_(std::move(config)), clients_(std::move(clients)) {}
    Rfc2136Client& clientFor(const std::string& zone);

    CnameConfig config_;
    std::vector<Rfc2136Client> clients_;  // one per zone, same order as config_.zones
};

}  // namespace legate::ido::solvers
