#pragma once
/// Everything the NDC-facing ACME handlers of one tenant share, and the registry of
/// all tenants (`AcmeServices`) that the serve command builds once at start-up.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "broker/core/Clock.h"
#include "broker/crypto/Key.h"
#include "broker/store/NonceService.h"
#include "broker/store/RedisPool.h"
#include "idO/cache/InvalidatingCache.h"
#include "idO/config/ServeConfig.h"
#include "idO/state/TenantState.h"
#include "idO/tenant/AcmeUrls.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido {

struct TenantContext {
    TenantContext(const ServeConfig& serve, const TenantConfig& tenant, store::RedisPool& pool,
                  const Clock& clock);

    const ServeConfig& serve;
    const TenantConfig& config;
    TenantState state;
    store::NonceService nonces;
    AcmeUrls urls;
    /// Account records by account id (the JWS `kid` lookup).  Invalidated by the
    /// "acct:<id>" event that key change and deactivation publish.
    InvalidatingCache<AccountRecord> accounts;
    /// Certificate publications by token (the edge-polling path).  Invalidated by the
    /// "cert:<token>" event of every publication change.
    InvalidatingCache<CertificateRecord> publications;

    const std::string& name() const { return config.name; }

    /// The public half of this tenant's upstream account key, which no CSR may use
    /// (RFC 8555 §11.1): read once from the file the relay creates, then kept.  nullopt
    /// without an upstream, or while the file does not exist or cannot be read (the
    /// relay reports that itself; it issues nothing without the key).
    std::optional<crypto::PublicKey> upstreamAccountKey() const;

private:
    mutable std::mutex upstreamKeyMutex_;
    mutable std::optional<crypto::PublicKey> upstreamKey_;
};

class AcmeServices {
public:
    /// Builds one TenantContext per configured tenant.  The references must outlive it.
    AcmeServices(const ServeConfig& config, store::RedisPool& pool, const Clock& clock,
                 profiles::ProfileCatalog profiles);

    /// nullptr for a tenant that is not configured.
    TenantContext* tenant(const std::string& name) const;
    const std::map<std::string, std::unique_ptr<TenantContext>>& tenants() const {
        return tenants_;
    }

    const ServeConfig& config() const { return config_; }
    const Clock& clock() const { return clock_; }
    store::RedisPool& pool() const { return pool_; }
    const profiles::ProfileCatalog& profiles() const { return profiles_; }

private:
    const ServeConfig& config_;
    store::RedisPool& pool_;
    const Clock& clock_;
    profiles::ProfileCatalog profiles_;
    std::map<std::string, std::unique_ptr<TenantContext>> tenants_;
};

}  // namespace legate::ido
