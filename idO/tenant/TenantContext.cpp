#include "idO/tenant/TenantContext.h"

#include <stdexcept>

#include "idO/upstream/UpstreamAccountKey.h"

namespace legate::ido {
namespace {

store::NonceService makeNonces(store::RedisPool& pool, const TenantKeys& keys,
                               const ServeConfig& serve) {
    auto nonces = store::NonceService::create(pool, keys.noncePrefix(),
                                              std::chrono::seconds(serve.limits.nonceTtlSeconds));
    if (!nonces.ok()) {
        // The config was validated (TTL > 0); failing here is a programming error.
        throw std::logic_error(nonces.problem().detail);
    }
    return std::move(nonces).value();
}

TenantKeys keysFor(const std::string& tenant) {
    auto layout = store::KeyLayout::forTenant(tenant);
    if (!layout.ok()) {
        throw std::logic_error(layout.problem().detail);  // names are validated in config
    }
    return TenantKeys(std::move(layout).value());
}

}  // namespace

TenantContext::TenantContext(const ServeConfig& serveConfig, const TenantConfig& tenant,
                             store::RedisPool& pool, const Clock& clock)
    : serve(serveConfig),
      config(tenant),
      state(pool, keysFor(tenant.name), clock),
      nonces(makeNonces(pool, state.keys(), serveConfig)),
      urls(serveConfig.acme.baseUrl, tenant.name,
           serveConfig.publication ? serveConfig.publication->baseUrl : "",
           serveConfig.publication && serveConfig.publication->newNonce) {}

std::optional<crypto::PublicKey> TenantContext::upstreamAccountKey() const {
    if (!config.upstream) {
        return std::nullopt;
    }
    const std::lock_guard lock(upstreamKeyMutex_);
    if (!upstreamKey_) {
        // Read-only: creating the key is the relay's job (UpstreamTenant).
        auto key = upstream::UpstreamAccountKey::load(config.upstream->accountKey);
        if (key.ok()) {
            upstreamKey_ = key->publicKey();
        }
    }
    return upstreamKey_;
}

AcmeServices::AcmeServices(const ServeConfig& config, store::RedisPool& pool, const Clock& clock,
                           profiles::ProfileCatalog profiles)
    : config_(config), pool_(pool), clock_(clock), profiles_(std::move(profiles)) {
    for (const auto& t : config_.tenants) {
        tenants_[t.name] = std::make_unique<TenantContext>(config_, t, pool_, clock_);
    }
}

TenantContext* AcmeServices::tenant(const std::string& name) const {
    auto it = tenants_.find(name);
    return it == tenants_.end() ? nullptr : it->second.get();
}

}  // namespace legate::ido
