#pragma once
/// The admin listener in-process for tests: a real redis-server, AcmeServices with one
/// tenant ("example", STAR limits 3600 s .. 30 days), and a plain-HTTP server on
/// 127.0.0.1 port 0 serving addAdminRoutes, as `ido serve` runs it.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/http/HttpClient.h"
#include "broker/http/Server.h"
#include "broker/store/RedisPool.h"
#include "idO/tenant/TenantContext.h"
#include "tests/support/RedisServer.h"

namespace legate::ido::test {

inline constexpr const char* kAdminToken = "s3cret-admin-token";
inline constexpr const char* kTenant = "example";
inline constexpr int64_t kTenantMinLifetime = 3600;
inline constexpr int64_t kTenantMaxDuration = 30 * 86400;

class AdminTestServer {
public:
    /// `configure` may change the tenant's configuration first (e.g. give it an upstream).
    explicit AdminTestServer(const std::function<void(TenantConfig&)>& configure = {});
    ~AdminTestServer();

    /// "http://127.0.0.1:PORT"
    const std::string& baseUrl() const { return server_->baseUrl(); }
    /// baseUrl() + "/admin/v1/tenants/example"
    std::string tenantUrl() const { return baseUrl() + "/admin/v1/tenants/" + kTenant; }

    TenantContext& tenant() const { return *services_->tenant(kTenant); }
    store::RedisPool& pool() { return *pool_; }
    ManualClock& clock() { return clock_; }

    /// One request to the admin API with the right token unless `authorization` says
    /// otherwise ("" sends no Authorization header).
    http::ClientResponse request(
        const std::string& method, const std::string& url,
        const std::optional<std::string>& body = std::nullopt,
        const std::string& contentType = "application/json",
        const std::optional<std::string>& authorization = std::string("Bearer ") + kAdminToken);

    /// Every key and value in Redis (hash fields sorted), for "nothing changed" assertions.
    std::string snapshot();

    /// POST .../ndcs {"name": name}; the response document (asserts 201).
    nlohmann::json createNdc(const std::string& name = "cdn");
    /// Binds an ACME account to the NDC's EAB key (what new-account would do).
    std::string bindAccount(const nlohmann::json& ndc);

private:
    ManualClock clock_;
    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    ServeConfig config_;
    std::unique_ptr<AcmeServices> services_;
    http::ServerPtr server_;
    http::HttpClient client_;
};

/// A valid RFC 9115 template for www.ido.example and *.cdn.ido.example-chosen names.
nlohmann::json sampleTemplate();

}  // namespace legate::ido::test
