#pragma once
/// An in-process `ido serve` for tests: a real redis-server, the NDC-facing ACME
/// listener over HTTPS (development certificate in a temporary directory) and the
/// plain-HTTP admin listener, both on 127.0.0.1, wired exactly as production wires them
/// (AcmeServices + route registration functions), with the clock and limits the test
/// chooses.
///
///   AcmeTestOptions options;
///   options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
///   AcmeTestEnvironment env(options);
///   AcmeTestClient client(env);                 // tenant "example"
///   auto ndc = client.onboard();                // NDC + EAB + newAccount
///
/// Route registrations are passed as std::function values, so a test binary links only
/// the route files it actually uses (tests/idO/support/AllRoutes.h names them all).
///
/// Port choice (the base URL must be known before AcmeServices builds its AcmeUrls, and
/// the URL must carry the port the listener really has): a port is taken from
/// test::freePort(), the services are built for it, and the listener is started on it.
/// If another process grabbed the port in that instant, Server::start fails and the
/// whole step is repeated with a fresh port (a few attempts), so the race can only
/// cost a retry, never a wrong URL.  The admin listener needs no URL up front and binds
/// port 0.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/http/Router.h"
#include "broker/http/Server.h"
#include "broker/store/RedisPool.h"
#include "idO/config/ServeConfig.h"
#include "idO/state/Records.h"
#include "idO/tenant/TenantContext.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido {

/// `addAccountRoutes`, `addOrderRoutes`, or a test's own.
using AcmeRouteRegistration = std::function<void(http::Router&, const AcmeServices&)>;
/// `addAdminRoutes`.
using AdminRouteRegistration =
    std::function<void(http::Router&, const AcmeServices&, std::string bearerToken)>;

struct AcmeTestOptions {
    /// Tenants to configure; the first is the default one.  "other" exists for
    /// isolation tests.
    std::vector<std::string> tenants = {"example", "other"};
    /// Every tenant's advertised STAR limits.
    StarConfig star{3600, 30 * 86400};
    /// Limits (body cap, nonce TTL, rate limit, page size...).  The default rate limit
    /// is generous so that only a test about rate limiting ever meets it.
    LimitsConfig limits = defaultLimits();
    /// Registered on the ACME router in this order.  Empty: a router with no routes.
    std::vector<AcmeRouteRegistration> acmeRoutes;
    /// When set, an admin listener is started with these routes.
    AdminRouteRegistration adminRoutes;
    std::string adminToken = "test-admin-token-0123456789";
    /// The clock every service reads.  nullptr: the environment's ManualClock, which
    /// starts at the current wall-clock second and moves only when the test says so.
    const Clock* clock = nullptr;
    /// Last word on the configuration, before the services are built.
    std::function<void(ServeConfig&)> configure;

    static LimitsConfig defaultLimits() {
        LimitsConfig l;
        l.rateLimit.requestsPerSecond = 1000;
        l.rateLimit.burst = 1000;
        return l;
    }
};

/// What `createDelegation` makes: the stored record and the ACME URL of the
/// delegation object.
struct TestDelegation {
    DelegationRecord record;
    std::string url;
};

/// Options of `createDelegation`.
struct TestDelegationOptions {
    /// Bundled profile (profiles/templates/<name>.json) instantiated with `names`...
    std::string profile = "cdn-tls-ecdsa";
    std::vector<std::string> names = {"abc.ido.example"};
    /// ...unless a complete RFC 9115 template is given here (stored as is).
    std::optional<nlohmann::json> csrTemplate;
    std::vector<std::string> allowedSuffixes;
    nlohmann::json cnameMap;  ///< null: none
    std::optional<StarPolicy> star;
    std::optional<ImplicitPolicy> implicit;  ///< implicit delegation on, with this lifetime
};

class AcmeTestEnvironment {
public:
    /// Starts everything; throws std::runtime_error when a part cannot start (the test
    /// fails with the reason).  Call LEGATE_REQUIRE_REDIS() before constructing.
    explicit AcmeTestEnvironment(AcmeTestOptions options = {});
    ~AcmeTestEnvironment();
    AcmeTestEnvironment(const AcmeTestEnvironment&) = delete;
    AcmeTestEnvironment& operator=(const AcmeTestEnvironment&) = delete;

    const ServeConfig& config() const { return config_; }
    AcmeServices& services() { return *services_; }
    /// A configured tenant; throws std::out_of_range for an unknown one.
    TenantContext& tenant(const std::string& name = "example");
    const std::string& defaultTenant() const { return options_.tenants.front(); }

    /// "https://127.0.0.1:<port>" (the configured base-url).
    const std::string& acmeUrl() const { return config_.acme.baseUrl; }
    std::string directoryUrl(const std::string& tenant = "example") const;
    /// "http://127.0.0.1:<port>"; empty when no admin routes were given.
    std::string adminUrl() const;
    const std::string& adminToken() const { return options_.adminToken; }
    /// The development CA certificate clients must trust.
    const std::filesystem::path& caFile() const { return caFile_; }
    /// The ACME listener's certificate chain and key (another listener may share them).
    const std::optional<http::TlsFiles>& tlsFiles() const { return tls_; }

    store::RedisPool& pool() { return *pool_; }
    legate::test::RedisServer& redis() { return *redis_; }
    /// The clock the services read.
    const Clock& clock() const { return *clock_; }
    /// The environment's own ManualClock (moves nothing when options.clock was given).
    ManualClock& manualClock() { return manualClock_; }

    /// A delegation for `ndcId` written straight through TenantState (no admin API
    /// needed); throws std::runtime_error if the profile or the write fails.
    TestDelegation createDelegation(const std::string& ndcId, const TestDelegationOptions& options,
                                    const std::string& tenant = "example");

    /// The ACME server (e.g. to stop it in a shutdown test).
    http::Server& acmeServer() { return *acmeServer_; }
    http::Server* adminServer() { return adminServer_.get(); }

private:
    void startAcme();
    void startAdmin();

    AcmeTestOptions options_;
    ManualClock manualClock_;
    const Clock* clock_;
    legate::test::TempDir tlsDir_;
    std::filesystem::path caFile_;
    std::optional<http::TlsFiles> tls_;
    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    ServeConfig config_;
    std::unique_ptr<AcmeServices> services_;
    http::ServerPtr acmeServer_;
    http::ServerPtr adminServer_;
};

}  // namespace legate::ido
