#include "ndc/Daemon.h"

#include <csignal>
#include <ctime>
#include <ostream>
#include <random>

#include "broker/log/Level.h"
#include "broker/log/Logger.h"
#include "broker/log/Setup.h"
#include "ndc/Agent.h"
#include "ndc/Config.h"
#include "ndc/KeyStore.h"
#include "ndc/StateStore.h"

namespace legate::ndc {

namespace {

http::HttpClientOptions daemonHttpOptions(const std::optional<std::filesystem::path>& caBundle) {
    http::HttpClientOptions o;
    o.caBundle = caBundle;
    // The agent does its own backoff; one quick attempt per action keeps it responsive.
    o.maxAttempts = 1;
    o.connectTimeout = std::chrono::seconds(5);
    o.totalTimeout = std::chrono::seconds(30);
    o.userAgent = "legate-ndc/" LEGATE_VERSION;
    return o;
}

}  // namespace

int runDaemon(const std::filesystem::path& configFile, std::ostream& err) {
    // Before any thread exists (libcurl may start resolver threads), so all inherit it.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto config = loadConfig(configFile);
    if (!config.ok()) {
        err << "ndc: invalid configuration " << config.problem().detail << "\n";
        return 1;
    }
    auto level = log::parseLevel(config->logLevel).value_or(log::Level::info);
    if (auto logged = log::setup(level, config->logFile); !logged.ok()) {
        err << "ndc: " << logged.problem().detail << "\n";
        return 1;
    }
    log::Logger log("ndc");

    StateStore store(config->stateDir);
    auto state = store.load();
    if (!state.ok()) {
        err << "ndc: " << state.problem().detail << "\n";
        return 1;
    }
    if (state->accountUrl.empty() || state->server.empty()) {
        err << "ndc: no account in " << config->stateDir.string() << " (run `ndc register --state "
            << config->stateDir.string() << " ...` first)\n";
        return 1;
    }
    KeyStore keys(config->stateDir);
    auto accountKey = keys.accountKey(false);
    if (!accountKey.ok()) {
        err << "ndc: " << accountKey.problem().detail << "\n";
        return 1;
    }
    std::optional<std::filesystem::path> caBundle = config->caBundle;
    if (!caBundle && !state->caBundle.empty()) {
        caBundle = state->caBundle;
    }
    AcmeClient client(state->server, daemonHttpOptions(caBundle));
    client.setAccount(std::move(accountKey).value(), state->accountUrl);

    std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    Agent agent(*config, client, keys, store, SystemClock::instance(),
                [&] { return uniform(random); });
    if (auto started = agent.start(); !started.ok()) {
        err << "ndc: " << started.problem().detail << "\n";
        return 1;
    }
    log.info("ndc running", {{"config", configFile.string()},
                             {"slots", static_cast<int>(config->slots.size())},
                             {"server", state->server}});

    for (;;) {
        const TimePoint next = agent.runDue();
        auto wait = next - std::chrono::system_clock::now();
        wait = std::clamp<TimePoint::duration>(wait, std::chrono::milliseconds(0),
                                               std::chrono::hours(1));
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
        timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                         static_cast<long>(ns % 1'000'000'000)};
        siginfo_t info{};
        const int sig = sigtimedwait(&signals, &info, &timeout);
        if (sig == SIGTERM || sig == SIGINT) {
            log.info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
            return 0;
        }
        if (sig == SIGHUP) {
            auto fresh = loadConfig(configFile);
            if (!fresh.ok()) {
                log.error("SIGHUP: configuration refused, keeping the running one",
                          {{"error", fresh.problem().detail}});
                continue;
            }
            if (fresh->stateDir != agent.config().stateDir) {
                log.error("SIGHUP: `state` cannot change while running; restart ndc");
                continue;
            }
            if (auto applied = agent.reconfigure(std::move(fresh).value()); !applied.ok()) {
                log.error("SIGHUP: configuration refused, keeping the running one",
                          {{"error", applied.problem().detail}});
                continue;
            }
            log.info("SIGHUP: configuration reloaded",
                     {{"slots", static_cast<int>(agent.config().slots.size())}});
        }
        // Timeout (EAGAIN) or EINTR: run what is due.
    }
}

}  // namespace legate::ndc
