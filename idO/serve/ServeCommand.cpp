#include "idO/serve/ServeCommand.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "broker/http/DevelopmentCertificate.h"
#include "broker/http/EventServer.h"
#include "broker/http/Server.h"
#include "broker/log/Logger.h"
#include "broker/log/Setup.h"
#include "broker/store/RedisPool.h"
#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "idO/acme/PublicationListener.h"
#include "idO/admin/AdminRoutes.h"
#include "idO/config/ServeConfig.h"
#include "idO/monitor/AcmeMetrics.h"
#include "idO/monitor/DashboardRoutes.h"
#include "idO/monitor/MonitorRoutes.h"
#include "idO/monitor/StateMetrics.h"
#include "idO/monitor/UpstreamReadiness.h"
#include "idO/relay/RelayService.h"
#include "idO/state/ExpirySweeper.h"
#include "idO/tenant/EventFeed.h"
#include "idO/tenant/TenantContext.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido {
namespace {

constexpr std::string_view kUsage = R"(usage: ido serve --config FILE
       ido serve --check-config FILE

Runs the identifier-owner service (NDC-facing ACME server and admin API) with the
configuration in FILE (docs/operations.md), or only validates FILE.
)";

constexpr auto kStopGrace = std::chrono::seconds(10);

/// Poco level names (the config's vocabulary) to ours.
log::Level levelOf(const std::string& name) {
    if (name == "trace") {
        return log::Level::trace;
    }
    if (name == "debug") {
        return log::Level::debug;
    }
    if (name == "notice" || name == "information") {
        return log::Level::info;
    }
    if (name == "warning") {
        return log::Level::warning;
    }
    return log::Level::error;
}

int fail(const std::string& message) {
    std::cerr << "ido serve: " << message << "\n";
    return 1;
}

std::optional<ServeConfig> loadOrReport(const std::string& file) {
    auto loaded = loadServeConfig(file);
    if (auto* errors = std::get_if<ConfigErrors>(&loaded)) {
        for (const auto& line : errors->problems) {
            std::cerr << line << "\n";
        }
        return std::nullopt;
    }
    return std::get<ServeConfig>(std::move(loaded));
}

/// The certificate and key the ACME listener serves.
Result<http::TlsFiles> tlsFiles(const TlsConfig& tls) {
    if (!tls.development()) {
        return http::TlsFiles{tls.certificateFile, tls.keyFile};
    }
    auto paths = http::DevelopmentCertificate::ensure(tls.developmentDir, tls.developmentNames);
    LEGATE_TRY(paths);
    const std::filesystem::path target = tls.developmentCaFile;
    std::error_code ec;
    if (!std::filesystem::equivalent(paths->caCertificate, target, ec)) {
        if (target.has_parent_path()) {
            std::filesystem::create_directories(target.parent_path(), ec);
        }
        std::filesystem::copy_file(paths->caCertificate, target,
                                   std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) {
            return acme::Problem::make(
                acme::ErrorType::serverInternal,
                "cannot write the development CA to " + target.string() + ": " + ec.message());
        }
    }
    return http::TlsFiles{paths->certificateChain, paths->privateKey};
}

int serve(const ServeConfig& config) {
    const log::Logger logger("serve");
    if (auto status = log::setup(levelOf(config.log.level),
                                 config.log.file.empty() ? "stderr" : config.log.file);
        !status.ok()) {
        return fail("log: " + status.problem().detail);
    }

    // Signals are taken synchronously by this thread (sigwait below); every thread
    // started from here on inherits the mask, so none of them is interrupted.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto url = store::RedisUrl::parse(config.redis.url);
    if (!url.ok()) {
        return fail("redis.url: " + url.problem().detail);
    }
    store::PoolOptions poolOptions;
    poolOptions.size = static_cast<size_t>(config.redis.poolSize);
    poolOptions.connection.connectTimeout =
        std::chrono::milliseconds(config.redis.connectTimeoutMs);
    poolOptions.connection.commandTimeout =
        std::chrono::milliseconds(config.redis.commandTimeoutMs);
    store::RedisPool pool(*url, poolOptions);
    auto pong = pool.command({"PING"}, store::Retry::Never);
    if (!pong.ok() || !pong->isStatus("PONG")) {
        return fail("Redis at " + url->toString() + " does not answer PING" +
                    (pong.ok() ? ": " + pong->toString() : ": " + pong.problem().detail));
    }

    auto catalog = profiles::ProfileCatalog::locate();
    AcmeServices services(config, pool, SystemClock::instance(), std::move(catalog));

    auto tls = tlsFiles(config.acme.tls);
    if (!tls.ok()) {
        return fail("acme.tls: " + tls.problem().detail);
    }

    // Metrics and readiness (docs/operations.md, "Health and metrics"); declared before
    // the listeners, which use them until they stop.
    metrics::Registry registry;
    std::set<std::string> tenantNames;
    for (const auto& tenant : config.tenants) {
        tenantNames.insert(tenant.name);
    }
    AcmeMetrics acmeMetrics(registry, tenantNames);
    std::atomic<bool> relayRunning{false};
    // The relay's own pool exists once the relay started (and until it stopped).
    std::atomic<const store::RedisPool*> relayPool{nullptr};
    StateMetrics stateMetrics(registry, services,
                              {{"serve", [&pool] { return &pool; }},
                               {"relay", [&relayPool] { return relayPool.load(); }}});
    std::vector<ReadinessCheck> readiness{
        {"redis",
         [&pool]() -> Status {
             const auto pong = pool.command({"PING"}, store::Retry::Never);
             if (pong.ok() && pong->isStatus("PONG")) {
                 return okStatus();
             }
             return acme::Problem::make(acme::ErrorType::serverInternal,
                                        "Redis does not answer PING", 503);
         }},
        {"relay", [&relayRunning]() -> Status {
             if (relayRunning) {
                 return okStatus();
             }
             return acme::Problem::make(acme::ErrorType::serverInternal, "the relay is not running",
                                        503);
         }}};
    for (auto& check : UpstreamReadiness::checksFor(config)) {
        readiness.push_back(std::move(check));
    }

    auto acmeRouter = std::make_shared<http::Router>();
    addAccountRoutes(*acmeRouter, services);
    addOrderRoutes(*acmeRouter, services);
    http::ServerOptions acmeOptions;
    acmeOptions.host = config.acme.listener.address;
    acmeOptions.port = static_cast<uint16_t>(config.acme.listener.port);
    acmeOptions.tls = *tls;
    acmeOptions.maxThreads = config.limits.threads;
    acmeOptions.maxQueued = config.limits.queue;
    acmeOptions.maxBodyBytes = static_cast<size_t>(config.limits.maxBodyBytes);
    acmeOptions.logComponent = "acme";
    acmeOptions.headerTimeout = std::chrono::milliseconds(config.limits.headerTimeoutMs);
    acmeOptions.observer = acmeMetrics.observer();
    auto acme = http::Server::start(acmeOptions, acmeRouter);
    if (!acme.ok()) {
        return fail("acme listener: " + acme.problem().detail);
    }

    auto adminRouter = std::make_shared<http::Router>();
    addAdminRoutes(*adminRouter, services, config.admin.token);
    addMonitorRoutes(*adminRouter, registry, std::move(readiness), config.admin.token);
    addDashboardRoutes(
        *adminRouter, [&stateMetrics] { return stateMetrics.overviews(std::chrono::seconds(1)); },
        SystemClock::instance(), config.admin.token);
    http::ServerOptions adminOptions;
    adminOptions.host = config.admin.listener.address;
    adminOptions.port = static_cast<uint16_t>(config.admin.listener.port);
    adminOptions.maxThreads = 4;
    adminOptions.maxBodyBytes = static_cast<size_t>(config.limits.maxBodyBytes);
    adminOptions.logComponent = "admin";
    adminOptions.headerTimeout = std::chrono::milliseconds(config.limits.headerTimeoutMs);
    auto admin = http::Server::start(adminOptions, adminRouter);
    if (!admin.ok()) {
        (*acme)->stop(std::chrono::seconds(0));
        return fail("admin listener: " + admin.problem().detail);
    }

    // The publication listener (optional): edges' GETs at nginx speed, event-driven.
    std::unique_ptr<http::EventServer> publication;
    if (config.publication) {
        http::EventServerOptions options;
        options.host = config.publication->listener.address;
        options.port = static_cast<uint16_t>(config.publication->listener.port);
        options.tls = *tls;
        options.threads = config.publication->threads;
        options.headerTimeout = std::chrono::milliseconds(config.publication->headerTimeoutMs);
        options.handshakeTimeout = options.headerTimeout;
        auto started = http::EventServer::start(options, publicationHandler(services));
        if (!started.ok()) {
            (*acme)->stop(std::chrono::seconds(0));
            (*admin)->stop(std::chrono::seconds(0));
            return fail("publication listener: " + started.problem().detail);
        }
        publication = std::move(*started);
    }

    EventFeed feed(services, *url);
    feed.start();

    auto relay = relay::RelayService::start(config, *url, SystemClock::instance());
    if (!relay.ok()) {
        (*acme)->stop(std::chrono::seconds(0));
        (*admin)->stop(std::chrono::seconds(0));
        if (publication) {
            publication->stop(std::chrono::seconds(0));
        }
        feed.stop();
        return fail("relay: " + relay.problem().detail);
    }

    relayPool = &(*relay)->pool();
    relayRunning = true;

    // Orders past `expires` (idO/state/ExpirySweeper.h).
    std::vector<TenantState*> sweptTenants;
    for (const auto& [name, tenant] : services.tenants()) {
        sweptTenants.push_back(&tenant->state);
    }
    ExpirySweeper sweeper(std::move(sweptTenants),
                          {.period = std::chrono::milliseconds(config.limits.expirySweepMs)});
    sweeper.start();
    logger.info("ready", {{"acme_port", (*acme)->port()},
                          {"admin_port", (*admin)->port()},
                          {"publication_port", publication ? publication->port() : 0},
                          {"base_url", config.acme.baseUrl},
                          {"tenants", config.tenants.size()}});

    int received = 0;
    sigwait(&signals, &received);
    logger.info("stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // Both listeners drain at once, so the whole stop takes at most one grace period.
    bool adminDrained = false;
    std::thread adminStop([&] { adminDrained = (*admin)->stop(kStopGrace); });
    std::thread publicationStop([&] {
        if (publication) {
            publication->stop(kStopGrace);
        }
    });
    const bool acmeDrained = (*acme)->stop(kStopGrace);
    adminStop.join();
    publicationStop.join();
    relayRunning = false;
    relayPool = nullptr;
    sweeper.stop();
    const bool relayStopped = (*relay)->stop(kStopGrace);
    feed.stop();
    logger.info("stopped", {{"drained", acmeDrained && adminDrained}, {"relay", relayStopped}});
    if (!relayStopped) {
        // A worker is still inside a call to the CA.  Its job stays pending in the
        // stream and is claimed back (every relay step is idempotent); leave without
        // running destructors under its feet.
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(0);
    }
    return 0;
}

}  // namespace

int runServeCommand(int argc, char** argv) {
    if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
        std::cout << kUsage;
        return 0;
    }
    if (argc != 3) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string_view option = argv[1];
    const std::string file = argv[2];
    if (option == "--check-config") {
        if (!loadOrReport(file)) {
            return 1;
        }
        std::cout << "config OK\n";
        return 0;
    }
    if (option != "--config") {
        std::cerr << kUsage;
        return 2;
    }
    auto config = loadOrReport(file);
    if (!config) {
        return fail("invalid configuration " + file);
    }
    return serve(*config);
}

}  // namespace legate::ido
