#pragma once
/// A tenant's `upstream` section: the real CA the IdO orders from, how it proves control
/// of names (solvers), the CNAME map, and the pacing of STAR emulation (docs/upstream.md
/// "Configuration").
///
///     "upstream": {
///       "directory": "https://acme-v02.api.letsencrypt.org/directory",
///       "ca-bundle": "/etc/ssl/certs/ca-certificates.crt",    // optional
///       "roots": "/etc/legate/isrg-roots.pem",                // issued chains must reach one
///       "account-key": "/var/lib/legate/example-upstream.pem",// made (0600) when missing
///       "contact": ["mailto:ops@example.com"],                // optional
///       "eab": {"kid": "...", "hmac-key": "base64url"},        // optional
///       "mode": "auto",                                       // auto | emulate
///       "solvers": {"http-01": {"listen": "0.0.0.0", "port": 80}},
///       "cname": {"install": "on-valid", "zones": [...]},     // optional
///       "termination": "stop-renewal",                       // stop-renewal | revoke
///       "renewal": {"lead-time": 3600, "max-jitter": 300, "padding-percent": 50,
///                   "per-tick": 100},
///       "budget": {"orders": 300, "period": 10800,            // optional: no budget
///                  "ari-exempt": true,
///                  "certificates-per-domain": {"limit": 50, "period": 604800},
///                  "duplicate-certificates": {"limit": 5, "period": 604800},
///                  "authorization-failures": {"limit": 5, "period": 3600}},
///       "order-validity": "auto",                             // auto | send | never
///       "profiles": {"star": [{"max-lifetime": 604800, "profile": "shortlived"},
///                             {"max-lifetime": 7776000, "profile": "classic"}],
///                    "default": "classic"},                   // optional
///       "ari": true                                           // use renewalInfo when offered
///     }

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/ConfigReader.h"
#include "idO/solvers/CnameInstaller.h"
#include "idO/solvers/SolverConfig.h"

namespace legate::ido {

struct UpstreamEab {
    std::string kid;
    std::string hmacKey;  ///< base64url, as the CA hands it out; secret
};

/// How STAR emulation paces its upstream orders (idO/star, docs/star-emulation.md).
struct RenewalConfig {
    int64_t leadTimeSeconds = 3600;  ///< order this long before a certificate is due
    int64_t maxJitterSeconds = 0;    ///< orders move up to this much earlier, per order
    int paddingPercent = 50;         ///< f of RFC 8739 §3.5, in percent (50..99)
    int perTick = 100;               ///< renewals started per scheduler tick and process
};

/// The tenant-wide budget of new upstream orders (Let's Encrypt: 300 per account per
/// 3 hours).  Disabled when `orders` is 0.
struct BudgetConfig {
    int64_t orders = 0;
    int64_t periodSeconds = 10800;
    /// Renewals that carry ARI `replaces` take no token (Let's Encrypt exempts them from
    /// its rate limits, RFC 9773 §5 and docs/upstream.md).
    bool ariExempt = true;
    /// Authorization failures allowed per `failuresPeriodSeconds` (Let's Encrypt: 5 per
    /// identifier per account per hour).  A renewal the CA refused is retried no sooner
    /// than period / limit after the refusal, so repeated refusals never reach the CA's
    /// limit.  Always on, with Let's Encrypt's values by default.
    int64_t authorizationFailures = 5;
    int64_t failuresPeriodSeconds = 3600;
    /// New certificates per registered domain (public suffix + one label, libpsl) per
    /// `perDomainPeriodSeconds` (Let's Encrypt: 50 per 7 days); 0 = not counted.
    int64_t certificatesPerDomain = 0;
    int64_t perDomainPeriodSeconds = 7 * 86400;
    /// New certificates per identical identifier set per `duplicatePeriodSeconds` (Let's
    /// Encrypt: 5 per 7 days); 0 = not counted.
    int64_t duplicateCertificates = 0;
    int64_t duplicatePeriodSeconds = 7 * 86400;
    bool enabled() const { return orders > 0; }
    bool certificateLimits() const {
        return certificatesPerDomain > 0 || duplicateCertificates > 0;
    }
};

/// What ending an Order1 (the NDC's cancel, or its delegation terminated) does to the
/// certificates already obtained (docs/upstream.md, "Termination").  Per delegation,
/// defaulting to the tenant's `upstream.termination`.
enum class Termination {
    stopRenewal,  ///< "stop-renewal": no more renewals; the current certificate stays
                  ///< valid at the CA until its notAfter
    revoke,       ///< "revoke": also revoke the current and staged certificates
};
std::string_view nameOf(Termination t);
/// nullopt for anything but "stop-renewal" and "revoke".
std::optional<Termination> terminationOf(std::string_view name);

/// Whether Order2 carries `notBefore`/`notAfter` (RFC 8555 §7.4).  Let's Encrypt refuses
/// both (400 malformed "NotBefore and NotAfter are not supported").
enum class OrderValidity {
    automatic,  ///< "auto": send, and on that exact refusal retry once without and remember
    send,       ///< always send (a CA known to honour them, e.g. Pebble)
    never,      ///< never send: validity comes from the CA (its profile)
};

/// One STAR lifetime band: orders whose auto-renewal lifetime is at most `maxLifetime`
/// seconds (and above the band before) use ACME profile `profile`.
struct ProfileBand {
    int64_t maxLifetimeSeconds = 0;
    std::string profile;
    std::string path;  ///< of `profile` in the configuration, for errors found later
};

/// ACME profiles (draft-aaron-acme-profiles) to ask for, by STAR lifetime band.
struct ProfilesConfig {
    /// Ascending by maxLifetimeSeconds; a STAR lifetime above the last band is refused.
    std::vector<ProfileBand> star;
    /// Non-STAR orders (empty: no `profile` member, the CA's default).
    std::string nonStar;
    std::string nonStarPath;
    bool empty() const { return star.empty() && nonStar.empty(); }
    /// The profile for a STAR lifetime: "" when no bands are configured (the CA's default),
    /// nullopt when bands are configured and none serves `lifetimeSeconds`.
    std::optional<std::string> forLifetime(int64_t lifetimeSeconds) const;
};

struct UpstreamConfig {
    std::string directory;
    std::string caBundle;  ///< empty: the system's trust store
    std::string roots;     ///< PEM file of the CA's issuing roots (re-read when it changes)
    std::string accountKey;
    std::vector<std::string> contact;
    std::optional<UpstreamEab> eab;
    /// "auto": STAR relay when the CA offers STAR with allow-certificate-get, else
    /// emulation.  "emulate": always emulate (never hand out the CA's STAR URL).
    std::string mode = "auto";
    solvers::SolverConfig solvers;
    std::optional<solvers::CnameConfig> cname;
    /// The tenant's default for delegations that do not choose (`termination`).
    Termination termination = Termination::stopRenewal;
    RenewalConfig renewal;
    BudgetConfig budget;
    OrderValidity orderValidity = OrderValidity::automatic;
    ProfilesConfig profiles;
    /// Use the CA's renewalInfo (RFC 9773) when its directory offers it: renewal time
    /// from its window and `replaces` in every renewal Order2.
    bool ari = true;
};

/// "auto", "send", "never".
std::string_view nameOf(OrderValidity v);

/// Reads the section at `node`; file paths are resolved against `baseDir`.  Every
/// problem is recorded on the node's reader with its JSON path.
UpstreamConfig readUpstreamConfig(const ConfigNode& node, const std::string& baseDir);

}  // namespace legate::ido
