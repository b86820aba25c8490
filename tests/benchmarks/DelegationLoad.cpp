// delegation_load: what N active STAR delegations cost in Redis, and whether the paths
// that touch all of them stay fast (#11 item 5): Redis memory per delegation, the relay
// scheduler tick's Redis work, and the admin listing of an NDC's delegations.
//
// The loader writes through the same code `ido` runs — TenantState and RelayState, so
// the same Lua scripts and the same key layout (docs/state.md), no shortcut writes:
// per NDC: createNdc + bindAccount (an ES256 account); per delegation, the steady state
// of an emulated STAR delegation after its first certificate:
//   createDelegation  (the admin API's parseDelegationRequest, profile cdn-tls-ecdsa,
//                      one name)
//   createOrder       (STAR: end-date, lifetime 1 day, allow-certificate-get)
//   acceptFinalize    (a real P-256 CSR built from the delegation's template)
//   the relay's job   (read from the relay stream by a consumer group and acked)
//   RelayState lock, save "mode-emulate", save "published-0" (anchor, validity, ARI
//                      certificate id), unlock, wakeAt(renewal time)
//   publishCertificate (a real chain: a P-256 leaf for the name, issued by an
//                      intermediate shared by all, as a CA's chain repeats)
// Renewal times are spread uniformly over one lifetime, as a fleet in steady state.
//
// Then, on the loaded Redis (nothing else running):
//   memory   INFO used_memory after the load minus before it (the empty tenant), per
//            delegation; and MEMORY USAGE of each key of `sample` delegations, by kind.
//   tick     what RelayService::scheduleTenant sends to Redis every tick
//            (moveDuePolls, dueCount, moveDue of at most per-tick renewals): median and
//            p99 over `tick-samples` ticks, each at a later "now" so that renewals are
//            due as in steady state.
//   listing  the admin API's page of an NDC's delegations (TenantState::delegationsOfNdc
//            + one pipelined HGETALL per page, as AdminRoutes listDelegations): first,
//            middle and last page of the largest NDC, median of `page-samples`.
//
// Not a test (nothing asserts a figure): scripts/bench-delegations.sh runs it for
// N = 100k and 1M, and docs/benchmarks.md records the table.  Options: --name=value (see
// kDefaults).  Exit code 77 when Redis is not installed, 1 when a step fails.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Time.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Key.h"
#include "broker/store/RedisPool.h"
#include "broker/store/RedisUrl.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "idO/admin/DelegationRequest.h"
#include "idO/relay/RelayProgress.h"
#include "idO/relay/RelayState.h"
#include "idO/state/TenantState.h"
#include "idO/upstream/RenewalInfo.h"
#include "profiles/CsrBuilder.h"
#include "profiles/ProfileCatalog.h"
#include "profiles/TemplateParser.h"
#include "tests/benchmarks/BenchSupport.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using bench::percentile;
using bench::require;
using ido::DelegationRecord;
using ido::OrderRecord;
using ido::TenantState;
using ido::relay::RelayProgress;
using ido::relay::RelayState;

const std::map<std::string, int> kDefaults = {
    {"delegations", 100000},  // N
    {"ndcs", 10},             // delegations spread round robin over this many NDCs
    {"threads", 2},           // loader threads (each its own connections)
    {"lifetime", 86400},      // STAR lifetime in seconds
    {"sample", 200},          // delegations whose keys are sized one by one
    {"tick-samples", 200},    // scheduler ticks timed
    {"per-tick", 100},        // renewals moved per tick at most (UpstreamConfig default)
    {"page-samples", 50},     // listing pages timed at each position
    {"listpack-value", 0},    // hash-max-listpack-value for redis-server; 0 = its default
};

constexpr const char* kTenant = "example";
constexpr const char* kConsumer = "delegation-load";

int64_t usedMemory(store::RedisPool& pool) {
    auto info = require(pool.command({"INFO", "memory"}), "INFO memory");
    const auto& text = info.text();
    const std::string field = "used_memory:";
    const auto at = text.find(field);
    if (at == std::string::npos) {
        throw std::runtime_error("INFO memory has no used_memory");
    }
    return std::stoll(text.substr(at + field.size()));
}

int64_t memoryUsage(store::RedisPool& pool, const std::string& key) {
    auto reply = require(pool.command({"MEMORY", "USAGE", key, "SAMPLES", "0"}), "MEMORY USAGE");
    return reply.asInteger().value_or(0);
}

struct Ndc {
    std::string id;
    std::string accountId;
};

/// What every loader thread shares: the CA that issues the leaves, the template source.
struct Fixture {
    crypto::PrivateKey caKey;
    crypto::Certificate intermediate;
    profiles::ProfileCatalog catalog;
    ido::StarConfig star;
};

/// One delegation in the steady state described at the top; returns its order id.
struct Loaded {
    std::string delegation;
    std::string order;
    std::string certToken;
};

Loaded loadOne(TenantState& state, RelayState& relay, const Fixture& fx, const Ndc& ndc,
               size_t index, int lifetime, TimePoint renewAt, const Clock& clock) {
    const std::string name = "d" + std::to_string(index) + ".cdn.example";
    auto delegation =
        require(ido::parseDelegationRequest({{"profile", "cdn-tls-ecdsa"}, {"names", {name}}},
                                            fx.catalog, fx.star),
                "delegation request");
    delegation.ndcId = ndc.id;
    auto created = require(state.createDelegation(delegation), "createDelegation");
    if (!created.ok()) {
        throw std::runtime_error("createDelegation: " + created.reason);
    }

    const auto now = clock.now();
    OrderRecord order;
    order.accountId = ndc.accountId;
    order.delegationId = delegation.id;
    order.identifiers = {{"dns", name}};
    order.autoRenewal = {{"end-date", toRfc3339(now + std::chrono::hours(24 * 365))},
                         {"lifetime", lifetime},
                         {"lifetime-adjust", 0},
                         {"allow-certificate-get", true}};
    order.expires = now + std::chrono::hours(24 * 7);
    auto placed = require(state.createOrder(order), "createOrder");
    if (!placed.ok()) {
        throw std::runtime_error("createOrder: " + placed.reason + " " + placed.detail);
    }

    auto tmpl = require(profiles::TemplateParser::parse(delegation.csrTemplate), "template");
    auto key = require(crypto::PrivateKey::generate(
                           require(profiles::CsrBuilder::chooseKeyType(tmpl), "key type")),
                       "key");
    auto csr = require(profiles::CsrBuilder::build(tmpl, key, {}), "csr");
    auto finalized =
        require(state.acceptFinalize(order.id, std::string(csr.der().begin(), csr.der().end())),
                "acceptFinalize");
    if (!finalized.ok()) {
        throw std::runtime_error("acceptFinalize: " + finalized.reason);
    }

    // The relay's record, as StarEmulation leaves it after the first certificate.
    const auto notBefore = std::chrono::time_point_cast<Seconds>(now);
    const auto notAfter = notBefore + Seconds(lifetime);
    auto leaf = require(crypto::CertificateBuilder()
                            .dnsNames({name})
                            .validity(notBefore, notAfter)
                            .serverAuth()
                            .issuedBy(key.publicKey(), fx.intermediate, fx.caKey),
                        "leaf");
    auto token = require(relay.lock(order.id, 30s), "lock");
    if (!token) {
        throw std::runtime_error("lock: held");
    }
    RelayProgress progress;
    progress.mode = ido::relay::RelayMode::emulate;
    require(relay.save(order.id, *token, progress, "mode-emulate"), "save mode");
    progress.anchor = notBefore;
    progress.obtained = 0;
    progress.currentNotBefore = notBefore;
    progress.currentNotAfter = notAfter;
    progress.currentCertId = require(ido::upstream::RenewalInfo::certIdOf(leaf), "cert id");
    auto published =
        require(state.publishCertificate(order.certToken, leaf.toPem() + fx.intermediate.toPem(),
                                         notBefore, notAfter, renewAt),
                "publishCertificate");
    if (!published.ok()) {
        throw std::runtime_error("publishCertificate: " + published.reason);
    }
    require(relay.save(order.id, *token, progress, "published-0"), "save published");
    require(relay.unlock(order.id, *token), "unlock");
    require(relay.wakeAt(order.id, renewAt), "wakeAt");
    return {delegation.id, order.id, order.certToken};
}

/// Reads and acks what the relay stream holds, as a worker does after its step.
void drainRelayStream(RelayState& relay) {
    while (true) {
        auto jobs = require(relay.readJobs(kConsumer, 1000, 1ms), "readJobs");
        if (jobs.empty()) {
            return;
        }
        for (const auto& job : jobs) {
            require(relay.ack(job.id), "ack");
        }
    }
}

std::string kib(double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f KiB", bytes / 1024);
    return text;
}

std::string ms(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", value);
    return text;
}

int run(const std::map<std::string, int>& options) {
    if (!RedisServer::available()) {
        std::cerr << "delegation_load: redis-server not installed\n";
        return 77;
    }
    const auto n = static_cast<size_t>(options.at("delegations"));
    const auto ndcCount = static_cast<size_t>(std::max(1, options.at("ndcs")));
    const int threads = std::max(1, options.at("threads"));
    const int lifetime = options.at("lifetime");

    RedisServer::Options redisOptions;
    // Memory is what is measured, not persistence: no AOF of a few GB on disk.
    redisOptions.extraArgs = {"--appendonly", "no", "--save", ""};
    if (options.at("listpack-value") > 0) {
        redisOptions.extraArgs.push_back("--hash-max-listpack-value");
        redisOptions.extraArgs.push_back(std::to_string(options.at("listpack-value")));
    }
    RedisServer redis(redisOptions);
    const auto url = require(store::RedisUrl::parse(redis.url()), "redis url");
    store::RedisPool pool(url);
    SystemClock clock;
    auto layout = require(store::KeyLayout::forTenant(kTenant), "tenant");
    TenantState state(pool, ido::TenantKeys(layout), clock);
    RelayState relay(pool, ido::TenantKeys(layout), clock);
    require(relay.ensureGroup(), "ensureGroup");

    auto caKey = require(crypto::PrivateKey::generate(crypto::KeyType::P256), "CA key");
    const auto now = clock.now();
    auto root = require(crypto::CertificateBuilder()
                            .commonName("Legate Load Root")
                            .validity(now, now + std::chrono::hours(24 * 3650))
                            .certificateAuthority(1)
                            .selfSigned(caKey),
                        "root");
    auto intermediateKey = require(crypto::PrivateKey::generate(crypto::KeyType::P384), "key");
    auto intermediate = require(crypto::CertificateBuilder()
                                    .commonName("Legate Load Intermediate E1")
                                    .organization("Legate Load")
                                    .validity(now, now + std::chrono::hours(24 * 1095))
                                    .certificateAuthority(0)
                                    .issuedBy(intermediateKey.publicKey(), root, caKey),
                                "intermediate");
    const Fixture fx{std::move(intermediateKey), std::move(intermediate),
                     profiles::ProfileCatalog::locate(), ido::StarConfig{3600, 2 * 365 * 86400}};

    std::vector<Ndc> ndcs;
    for (size_t i = 0; i < ndcCount; ++i) {
        auto made = require(state.createNdc("cdn-" + std::to_string(i), "ops@cdn.example"), "ndc");
        ido::AccountRecord account;
        account.id = ido::newId();
        auto key = require(crypto::PrivateKey::generate(crypto::KeyType::P256), "account key");
        account.jwk = require(wire::toJwk(key.publicKey()), "jwk");
        account.thumbprint = require(wire::jwkThumbprint(key.publicKey()), "thumbprint");
        auto bound = require(state.bindAccount(account, made.ndc.eabKid), "bindAccount");
        if (!bound.ok()) {
            throw std::runtime_error("bindAccount: " + bound.reason);
        }
        ndcs.push_back({made.ndc.id, account.id});
    }
    drainRelayStream(relay);
    const int64_t before = usedMemory(pool);

    // ---- load ----
    std::cout << "loading " << n << " delegations over " << ndcCount << " NDCs with " << threads
              << " threads...\n"
              << std::flush;
    std::vector<Loaded> sample;
    std::mutex sampleMutex;
    const size_t sampleEvery = std::max<size_t>(1, n / std::max(1, options.at("sample")));
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::string failure;
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            try {
                store::RedisPool own(url);
                TenantState s(own, ido::TenantKeys(layout), clock);
                RelayState r(own, ido::TenantKeys(layout), clock);
                std::mt19937_64 random(static_cast<uint64_t>(t) + 1);
                std::uniform_int_distribution<int64_t> spread(0, int64_t(lifetime) * 1000);
                size_t done = 0;
                for (size_t i = next++; i < n && !failed; i = next++) {
                    const auto renewAt = clock.now() + std::chrono::milliseconds(spread(random));
                    auto loaded =
                        loadOne(s, r, fx, ndcs[i % ndcCount], i, lifetime, renewAt, clock);
                    if (i % sampleEvery == 0) {
                        std::lock_guard lock(sampleMutex);
                        sample.push_back(std::move(loaded));
                    }
                    if (++done % 1000 == 0) {
                        drainRelayStream(r);
                    }
                    if (t == 0 && i > 0 && i % 100000 < static_cast<size_t>(threads)) {
                        std::cout << "  " << i << "\n" << std::flush;
                    }
                }
                drainRelayStream(r);
            } catch (const std::exception& e) {
                std::lock_guard lock(sampleMutex);
                failure = e.what();
                failed = true;
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    if (failed) {
        throw std::runtime_error(failure);
    }
    const double loadSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const int64_t after = usedMemory(pool);
    const double perDelegation = double(after - before) / double(n);

    // ---- memory by kind, on the sampled delegations ----
    ido::TenantKeys keys(layout);
    std::map<std::string, double> byKind;
    for (const auto& s : sample) {
        auto order = require(state.order(s.order), "order");
        byKind["delegation hash"] += double(memoryUsage(pool, keys.delegation(s.delegation)));
        byKind["delegation's orders (zset)"] +=
            double(memoryUsage(pool, keys.delegationOrders(s.delegation)));
        byKind["order hash"] += double(memoryUsage(pool, keys.order(s.order)));
        byKind["publication hash (cert chain)"] +=
            double(memoryUsage(pool, keys.certificate(s.certToken)));
        byKind["publication history (list)"] +=
            double(memoryUsage(pool, keys.certificateHistory(s.certToken)));
        byKind["relay progress hash"] += double(memoryUsage(pool, keys.relay(s.order)));
    }
    std::map<std::string, double> shared;
    for (const auto& [what, key] : std::vector<std::pair<std::string, std::string>>{
             {"renewal schedule (zset)", keys.renewals()},
             {"audit stream", keys.auditStream()},
             {"relay stream", keys.relayStream()},
             {"open-orders index (zset)", keys.openOrders()}}) {
        shared[what] = double(memoryUsage(pool, key));
    }
    for (const auto& ndc : ndcs) {
        shared["NDCs' delegation indexes (zsets)"] +=
            double(memoryUsage(pool, keys.ndcDelegations(ndc.id)));
        shared["accounts' order indexes (zsets)"] +=
            double(memoryUsage(pool, keys.accountOrders(ndc.accountId)));
    }

    // ---- the scheduler tick ----
    // Each tick at a later instant (a manual clock walking through one lifetime), so
    // renewals fall due at the steady-state rate; due ones are moved to the stream (and
    // acked here, as workers would) with a lease that keeps them out of later ticks.
    ManualClock tickClock(clock.now());
    RelayState tickRelay(pool, ido::TenantKeys(layout), tickClock);
    const int tickSamples = std::max(1, options.at("tick-samples"));
    const auto step = std::chrono::milliseconds(int64_t(lifetime) * 1000 / tickSamples);
    std::vector<double> tickMs;
    int64_t moved = 0;
    for (int i = 0; i < tickSamples; ++i) {
        tickClock.advance(step);
        const auto t0 = std::chrono::steady_clock::now();
        require(tickRelay.moveDuePolls(1000, 30s), "moveDuePolls");
        auto due = require(tickRelay.dueCount(), "dueCount");
        if (due > 0) {
            moved += require(tickRelay.moveDue(std::min<int64_t>(due, options.at("per-tick")),
                                               std::chrono::seconds(lifetime)),
                             "moveDue");
        }
        tickMs.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        drainRelayStream(tickRelay);
    }

    // ---- the admin listing, one page ----
    const int64_t pageSize = 100;
    const auto largest = n / ndcCount + (n % ndcCount ? 1 : 0);
    auto timePage = [&](int64_t offset) {
        std::vector<double> samples;
        for (int i = 0; i < std::max(1, options.at("page-samples")); ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            auto page = require(state.delegationsOfNdc(ndcs[0].id, offset, pageSize), "page");
            std::vector<std::vector<std::string>> commands;
            for (const auto& id : page.ids) {
                commands.push_back({"HGETALL", keys.delegation(id)});
            }
            if (!commands.empty()) {
                require(pool.pipeline(commands), "HGETALL page");
            }
            samples.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        return percentile(samples, 0.5);
    };
    const double firstPage = timePage(0);
    const double middlePage = timePage(int64_t(largest) / 2);
    const double lastPage = timePage(std::max<int64_t>(0, int64_t(largest) - pageSize));

    // ---- report ----
    std::cout << "\n## delegation_load: N = " << n << " active STAR delegations (" << ndcCount
              << " NDCs, lifetime " << lifetime << " s), hash-max-listpack-value "
              << (options.at("listpack-value") > 0 ? std::to_string(options.at("listpack-value"))
                                                   : std::string("default"))
              << "\n\n"
              << "loaded in " << static_cast<int>(loadSeconds) << " s ("
              << static_cast<int>(double(n) / loadSeconds) << " delegations/s)\n\n"
              << "| measure | value |\n|---|---|\n"
              << "| Redis used_memory, empty tenant | " << kib(double(before)) << " |\n"
              << "| Redis used_memory, loaded | " << kib(double(after)) << " |\n"
              << "| **per active STAR delegation** | **" << kib(perDelegation) << "** |\n"
              << "| scheduler tick (Redis work), median | " << ms(percentile(tickMs, 0.5)) << " |\n"
              << "| scheduler tick, p99 | " << ms(percentile(tickMs, 0.99)) << " |\n"
              << "| renewals moved in " << tickSamples << " ticks | " << moved << " |\n"
              << "| admin listing page (" << pageSize << " of " << largest << "), first | "
              << ms(firstPage) << " |\n"
              << "| ... middle | " << ms(middlePage) << " |\n"
              << "| ... last | " << ms(lastPage) << " |\n\n"
              << "Per delegation, by key (MEMORY USAGE, mean of " << sample.size()
              << " delegations):\n\n| key | bytes |\n|---|---|\n";
    for (const auto& [what, total] : byKind) {
        std::cout << "| " << what << " | " << static_cast<int64_t>(total / double(sample.size()))
                  << " |\n";
    }
    std::cout << "\nShared keys, divided by N:\n\n| key | bytes per delegation |\n|---|---|\n";
    for (const auto& [what, total] : shared) {
        std::cout << "| " << what << " | " << static_cast<int64_t>(total / double(n)) << " |\n";
    }
    std::cout << std::flush;
    return 0;
}

}  // namespace
}  // namespace legate::test

int main(int argc, char** argv) {
    return legate::test::bench::main("delegation_load", legate::test::kDefaults, argc, argv,
                                     legate::test::run);
}
