#pragma once
/// The configuration of `ido serve`: one JSON file.  An invalid file is refused at
/// start with the JSON path of every bad field (`ido serve --check-config FILE`).
///
/// Example (docs/operations.md has the full reference):
///
///     {
///       "acme":  {"listen": "127.0.0.1", "port": 8443, "base-url": "https://127.0.0.1:8443",
///                 "tls": {"development": {"dir": "/var/lib/legate/tls"}}},
///       "admin": {"listen": "127.0.0.1", "port": 8444, "token-file": "/etc/legate/admin.token"},
///       "redis": {"url": "redis://127.0.0.1:6379/0"},
///       "tenants": [{"name": "example", "star": {"min-lifetime": 3600, "max-duration": 2592000}}]
///     }

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "idO/config/UpstreamConfig.h"

namespace legate::ido {

struct TlsConfig {
    /// Operator-provided certificate chain and key (PEM files)...
    std::string certificateFile;
    std::string keyFile;
    /// ...or an auto-generated development certificate kept in this directory, whose
    /// CA certificate is written to `developmentCaFile` for clients to trust.
    std::string developmentDir;
    std::string developmentCaFile;
    std::vector<std::string> developmentNames;

    bool development() const { return !developmentDir.empty(); }
};

struct ListenerConfig {
    std::string address = "127.0.0.1";
    int port = 0;
};

struct AcmeConfig {
    ListenerConfig listener;
    /// Public base URL as NDCs reach it, without trailing slash; every URL handed out
    /// (and every JWS `url` checked) starts with it.
    std::string baseUrl;
    TlsConfig tls;
};

/// The event-driven publication listener (optional; docs/operations.md): GET and HEAD of
/// `/acme/<tenant>/cert/<token>` at nginx speed, on its own port, with the ACME
/// listener's TLS certificate.  When set, the `certificate` / `star-certificate` URL of an
/// order that negotiated `allow-certificate-get` points at `base-url`; POST-as-GET of
/// the same certificate stays on the ACME listener (docs/conformance.md).  With
/// `new-nonce` it also hands out nonces, and the directory says so.
struct PublicationConfig {
    ListenerConfig listener;
    /// Public base URL as edges reach this listener, without trailing slash.
    std::string baseUrl;
    int threads = 2;                  ///< event loops; one per core
    int64_t headerTimeoutMs = 10000;  ///< a request header must arrive within this
    /// The directory's `newNonce` points at this listener, which answers HEAD and GET
    /// `/acme/<tenant>/new-nonce` as the ACME listener does (RFC 8555 §7.2).
    bool newNonce = false;
};

struct AdminConfig {
    ListenerConfig listener;
    std::string token;  ///< bearer token; never logged
};

struct RedisConfig {
    std::string url;
    int poolSize = 8;
    int connectTimeoutMs = 2000;
    int commandTimeoutMs = 2000;
};

struct RateLimitConfig {
    int requestsPerSecond = 20;
    int burst = 40;
};

struct LimitsConfig {
    int64_t maxBodyBytes = 64 * 1024;
    int64_t nonceTtlSeconds = 3600;
    int64_t orderTtlSeconds = 7 * 24 * 3600;  ///< `expires` of a not-yet-valid order
    int threads = 16;
    int queue = 256;
    int pageSize = 100;  ///< orders / delegations lists
    RateLimitConfig rateLimit;
    /// Open (ready or processing) orders one account / one delegation may hold; a
    /// newOrder beyond either is 429 rateLimited.  Defaults of every tenant, which may
    /// override them (`tenants[].limits`).
    int64_t openOrdersPerAccount = 100;
    int64_t openOrdersPerDelegation = 10;
    /// How often this process sweeps orders past `expires` (docs/operations.md).
    int64_t expirySweepMs = 60000;
    /// A connection must deliver a request's complete header within this long of its
    /// start or of the previous response (every listener: slowloris guard).
    int64_t headerTimeoutMs = 10000;
};

/// The open-order caps one tenant applies (LimitsConfig's unless overridden).
struct TenantLimits {
    int64_t openOrdersPerAccount = 100;
    int64_t openOrdersPerDelegation = 10;
};

struct StarConfig {
    int64_t minLifetime = 3600;         ///< seconds; advertised as meta.auto-renewal.min-lifetime
    int64_t maxDuration = 365 * 86400;  ///< seconds; advertised as max-duration
};

struct TenantConfig {
    std::string name;  ///< [a-z0-9-]{1,63}; appears in URLs /acme/{name}/
    std::string termsOfService;
    std::string website;
    StarConfig star;
    /// Implicit delegation (docs/conformance.md): a newOrder without `delegation` is
    /// matched to the account's NDC's delegations that allow it.  Off unless the operator
    /// opts in; each delegation must opt in too.
    bool implicitDelegation = false;
    TenantLimits limits;
    /// The real CA behind this tenant; without it orders stay `processing` (an IdO that
    /// only answers NDCs, e.g. while it is being set up).
    std::optional<UpstreamConfig> upstream;
};

/// The relay and renewal workers of this process (idO/relay).
struct RelayConfig {
    int workers = 4;  ///< threads working relay jobs (one upstream ACME client each)
    /// A job held this long by a worker that stopped heart-beating is claimed back.
    int64_t claimIdleMs = 60000;
    int64_t tickMs = 1000;  ///< renewal scheduler period
};

struct LogConfig {
    std::string level = "information";
    std::string file;  ///< empty: standard error
};

struct ServeConfig {
    AcmeConfig acme;
    AdminConfig admin;
    std::optional<PublicationConfig> publication;
    RedisConfig redis;
    LimitsConfig limits;
    LogConfig log;
    RelayConfig relay;
    std::vector<TenantConfig> tenants;

    const TenantConfig* tenant(const std::string& name) const;
};

/// Every problem as "JSON-path: message", in document order.
struct ConfigErrors {
    std::vector<std::string> problems;
};

/// Parses and validates.  `baseDir` resolves relative file paths (the config file's
/// directory).  Reads `token-file` when given.
std::variant<ServeConfig, ConfigErrors> parseServeConfig(const nlohmann::json& doc,
                                                         const std::string& baseDir);
/// Reads FILE (strict JSON: duplicate members are an error) and parses it.
std::variant<ServeConfig, ConfigErrors> loadServeConfig(const std::string& file);

}  // namespace legate::ido
