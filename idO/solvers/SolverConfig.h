#pragma once
/// A tenant's challenge solvers: which ones exist and in which order of preference
/// (the `solvers` member of its `upstream` section, docs/upstream.md).
///
///     "solvers": {
///       "preference": ["http-01", "dns-01", "tls-alpn-01"],   // optional
///       "http-01": {"listen": "0.0.0.0", "port": 80},
///       "dns-01": {"server": "192.0.2.53", "port": 53, "zone": "ido.example", "ttl": 60,
///                  "tsig": {"name": "k", "algorithm": "hmac-sha256", "secret": "base64"},
///                  "self-check-attempts": 20, "self-check-interval-ms": 250,
///                  "dcv-delegation": {"zone": "dcv.ido.example",           // optional
///                                     "resolver": {"server": "192.0.2.1", "port": 53}}},
///       "tls-alpn-01": {"listen": "0.0.0.0", "port": 443}
///     }
///
/// At least one solver must be configured.  `preference` may name configured solvers
/// only, each once; without it the configured ones are preferred in the order
/// http-01, dns-01, tls-alpn-01.  A preference that leaves a configured solver out
/// keeps that solver unused (a way to switch one off without deleting its settings).
///
/// `dcv-delegation` (docs/upstream.md, "DCV delegation"): the names carry
/// `_acme-challenge.<name> CNAME <label>.<zone>` and the TXT records go to the
/// validation zone `zone`, which must be the dns-01 `zone` or inside it.  `resolver`
/// is what the relay's preflight asks for the CNAMEs (RD set; `"recursive": false` to
/// ask an authoritative server without it); without it, the system's resolvers.

#include <optional>
#include <string>
#include <vector>

#include "broker/core/ConfigReader.h"
#include "idO/solvers/Dns01Solver.h"
#include "idO/solvers/Http01Responder.h"
#include "idO/solvers/TlsAlpn01Responder.h"

namespace legate::ido::solvers {

inline constexpr std::string_view kHttp01 = "http-01";
inline constexpr std::string_view kDns01 = "dns-01";
inline constexpr std::string_view kTlsAlpn01 = "tls-alpn-01";

struct SolverConfig {
    /// Challenge types in order of preference; only configured ones.
    std::vector<std::string> preference;
    std::optional<Http01ResponderOptions> http01;
    std::optional<Dns01SolverConfig> dns01;
    std::optional<TlsAlpn01ResponderOptions> tlsAlpn01;
};

/// Reads the `solvers` object at `node`.  Every problem is recorded on the node's
/// reader with its JSON path (unknown members included, at the reader's finish());
/// the returned value is only meaningful when there were none.
SolverConfig readSolverConfig(const ConfigNode& node);

/// True when `address` is an IPv4 or IPv6 literal (listen and DNS server addresses
/// must be: resolving a name would depend on the DNS the solvers change).
bool isIpLiteral(const std::string& address);

/// Reads an RFC 2136 target: "server" (IP literal), "port" (default 53), "zone",
/// "tsig" {"name", "algorithm" (default hmac-sha256), "secret" (base64)}.  Shared by
/// the dns-01 solver and the CNAME installer's zones.
Rfc2136Config readRfc2136Config(const ConfigNode& node);

}  // namespace legate::ido::solvers
