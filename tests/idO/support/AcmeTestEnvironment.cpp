#include "tests/idO/support/AcmeTestEnvironment.h"

#include <algorithm>
#include <stdexcept>

#include "broker/http/DevelopmentCertificate.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido {
namespace {

/// Attempts at the freePort()/start race before giving up.
constexpr int kPortAttempts = 5;

[[noreturn]] void fail(const std::string& what, const acme::Problem& problem) {
    throw std::runtime_error(what + ": " + problem.detail);
}

TimePoint wholeSecondNow() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

AcmeTestEnvironment::AcmeTestEnvironment(AcmeTestOptions options)
    : options_(std::move(options)),
      manualClock_(wholeSecondNow()),
      clock_(options_.clock ? options_.clock : &manualClock_) {
    if (options_.tenants.empty()) {
        throw std::invalid_argument("AcmeTestEnvironment needs at least one tenant");
    }
    // TLS: the development CA and server certificate, on the wall clock (the services'
    // ManualClock may be moved far away; the TLS handshake uses real time).
    auto tls = http::DevelopmentCertificate::ensure(tlsDir_.path(), {"127.0.0.1", "localhost"});
    if (!tls.ok()) {
        fail("development certificate", tls.problem());
    }
    caFile_ = tls->caCertificate;
    tls_ = http::TlsFiles{tls->certificateChain, tls->privateKey};

    redis_ = std::make_unique<legate::test::RedisServer>();
    auto url = store::RedisUrl::parse(redis_->url());
    if (!url.ok()) {
        fail("redis url", url.problem());
    }
    pool_ = std::make_unique<store::RedisPool>(std::move(url).value());

    config_.redis.url = redis_->url();
    config_.limits = options_.limits;
    config_.admin.token = options_.adminToken;
    config_.acme.tls.developmentDir = tlsDir_.path().string();
    config_.acme.tls.developmentCaFile = caFile_.string();
    for (const auto& name : options_.tenants) {
        TenantConfig t;
        t.name = name;
        t.star = options_.star;
        t.limits = {options_.limits.openOrdersPerAccount, options_.limits.openOrdersPerDelegation};
        config_.tenants.push_back(std::move(t));
    }
    startAcme();
    if (options_.adminRoutes) {
        startAdmin();
    }
}

AcmeTestEnvironment::~AcmeTestEnvironment() {
    // Listeners first: no request may reach services that are going away.
    if (adminServer_) {
        adminServer_->stop(std::chrono::seconds(5));
    }
    if (acmeServer_) {
        acmeServer_->stop(std::chrono::seconds(5));
    }
    adminServer_.reset();
    acmeServer_.reset();
    services_.reset();
}

void AcmeTestEnvironment::startAcme() {
    acme::Problem last;
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        const int port = legate::test::freePort();
        config_.acme.listener.port = port;
        config_.acme.baseUrl = "https://127.0.0.1:" + std::to_string(port);
        if (options_.configure) {
            options_.configure(config_);
        }
        services_ = std::make_unique<AcmeServices>(config_, *pool_, *clock_,
                                                   profiles::ProfileCatalog::locate());
        auto router = std::make_shared<http::Router>();
        for (const auto& add : options_.acmeRoutes) {
            add(*router, *services_);
        }
        http::ServerOptions server;
        server.port = static_cast<uint16_t>(port);
        server.tls = tls_;
        server.maxThreads = std::min(8, config_.limits.threads);
        server.maxBodyBytes = static_cast<size_t>(config_.limits.maxBodyBytes);
        server.headerTimeout = std::chrono::milliseconds(config_.limits.headerTimeoutMs);
        server.logComponent = "acme";
        auto started = http::Server::start(server, router);
        if (started.ok()) {
            acmeServer_ = std::move(started).value();
            return;
        }
        last = started.problem();
        services_.reset();
    }
    fail("ACME listener", last);
}

void AcmeTestEnvironment::startAdmin() {
    auto router = std::make_shared<http::Router>();
    options_.adminRoutes(*router, *services_, options_.adminToken);
    http::ServerOptions server;
    server.port = 0;
    server.maxThreads = 4;
    server.maxBodyBytes = static_cast<size_t>(config_.limits.maxBodyBytes);
    server.headerTimeout = std::chrono::milliseconds(config_.limits.headerTimeoutMs);
    server.logComponent = "admin";
    auto started = http::Server::start(server, router);
    if (!started.ok()) {
        fail("admin listener", started.problem());
    }
    adminServer_ = std::move(started).value();
    config_.admin.listener.port = adminServer_->port();
}

TenantContext& AcmeTestEnvironment::tenant(const std::string& name) {
    auto* t = services_->tenant(name);
    if (t == nullptr) {
        throw std::out_of_range("no tenant " + name + " in the test environment");
    }
    return *t;
}

std::string AcmeTestEnvironment::directoryUrl(const std::string& tenant) const {
    return AcmeUrls(config_.acme.baseUrl, tenant).directory();
}

std::string AcmeTestEnvironment::adminUrl() const {
    return adminServer_ ? adminServer_->baseUrl() : std::string();
}

TestDelegation AcmeTestEnvironment::createDelegation(const std::string& ndcId,
                                                     const TestDelegationOptions& options,
                                                     const std::string& tenantName) {
    TenantContext& t = tenant(tenantName);
    DelegationRecord d;
    d.ndcId = ndcId;
    if (options.csrTemplate) {
        d.csrTemplate = *options.csrTemplate;
        d.allowedSuffixes = options.allowedSuffixes;
    } else {
        auto instance = services_->profiles().instantiate(options.profile, options.names,
                                                          options.allowedSuffixes);
        if (!instance.ok()) {
            fail("profile " + options.profile, instance.problem());
        }
        d.csrTemplate = instance->csrTemplate.toJson();
        d.allowedSuffixes = instance->allowedSuffixes;
        d.profile = options.profile;
    }
    d.cnameMap = options.cnameMap;
    d.star = options.star;
    d.implicit = options.implicit;
    auto created = t.state.createDelegation(d);
    if (!created.ok()) {
        fail("create delegation", created.problem());
    }
    if (!created->ok()) {
        throw std::runtime_error("create delegation: " + created->reason);
    }
    return {d, t.urls.delegation(d.id)};
}

}  // namespace legate::ido
