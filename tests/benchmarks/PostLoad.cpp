// post_load: how many signed ACME POSTs per second one `ido serve` answers, next to the
// bound that matters on this 2-core machine: ES256 signature verifications per second on
// both cores (OpenSSL alone, jose_benchmark), measured in the same run.
//
// Peers (real, on loopback, started here): Redis and the real `ido serve`, at its
// production defaults (16 ACME threads, request log at level information, stateless
// nonces) but with no upstream CA: a finalized order stays `processing`.  The relay and
// the CA behind it are what relay_bench measures; here it is the ACME request path alone
// (JWS parse and verify, nonce check, account lookup, rate limit, the order's Redis
// scripts, the CSR check, the answer).  The per-account rate limit and the open-order
// caps are lifted so that they are not what is measured.
//
// Clients: `clients` threads, each with its own NDC (tenant "example"), ES256 account
// (registered with EAB), delegation (profile cdn-tls-ecdsa), one libcurl easy handle
// (one keep-alive TLS connection; keep `clients` at most ido's 16 ACME threads, since a
// Poco server thread stays with its connection) and its own nonce chain: each answer's
// Replay-Nonce signs the next request; a badNonce answer is counted and its own nonce
// signs the retry (RFC 8555 §6.5).
//
//   0. Warm-up: `warmup` s of phase 1, not counted (TLS sessions, caches).
//   1. POST-as-GET of the account's `orders-each` existing (ready) orders, round robin.
//   2. new-order (STAR, with the delegation) + finalize with a CSR built from the
//      delegation's CSR template.  One CSR per account, built before the phase: the
//      server checks it against the delegation on every finalize all the same, and
//      building one per order (key generation + ES256 signature) would make the
//      generator's CPU, not ido's, the limit on these 2 cores.
//   Each phase runs `seconds` s; only answers completed inside the window count.
//
// The bound: jose_benchmark's openSslVerify/ES256_2threads (two threads at once on the
// two cores, items_per_second summed over both, wall clock) run before phase 1 and after
// phase 2; the ratio uses their mean, and a second ratio uses twice the one-thread rate
// (two free cores: steadier when another process holds a core during the 2-thread run).
// The generator's own signing (one ES256 signature per request) runs on the same 2 cores,
// so the CPU each process used during each window is printed too (getrusage for this
// process, /proc for ido, INFO cpu for Redis).
//
// Not a test (nothing asserts a figure): scripts/bench-post.sh runs it, and the table it
// prints goes to docs/benchmarks.md.  Options: --name=value (see kDefaults).  Exit code
// 77 when Redis is not installed, 1 when any answer was neither 2xx nor badNonce.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Time.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Jws.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/benchmarks/BenchSupport.h"
#include "tests/integration/IdoProcess.h"
#include "tests/integration/IndependentNdc.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using bench::commandOutput;
using bench::ownCpuSeconds;
using bench::percentile;
using bench::processCpuSeconds;
using bench::redisCpuSeconds;
using bench::require;

constexpr const char* kZone = "legate.test";

// ---------------------------------------------------------------------------------
// Options

const std::map<std::string, int> kDefaults = {
    {"clients", 8},          // client threads = connections = accounts
    {"seconds", 20},         // per measured phase
    {"warmup", 3},           // s of POST-as-GET before measuring
    {"orders-each", 4},      // existing orders per account for phase 1
    {"bound-min-ms", 1000},  // jose_benchmark --benchmark_min_time, per benchmark
};

// ---------------------------------------------------------------------------------
// Small helpers

double secondsSince(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// ---------------------------------------------------------------------------------
// CPU time of the three processes sharing the 2 cores

struct CpuSeconds {
    double generator = 0;
    double ido = 0;
    double redis = 0;
};

CpuSeconds cpuNow(pid_t ido, int redisPort) {
    return {ownCpuSeconds(), processCpuSeconds(ido), redisCpuSeconds(redisPort)};
}

// ---------------------------------------------------------------------------------
// The bound: ES256 verifications per second, OpenSSL alone, on both cores

struct Bound {
    double oneThread = 0;   // verifications/s of one thread
    double twoThreads = 0;  // verifications/s of two threads at once, summed
};

Bound measureBound(int minMs) {
    const auto out = commandOutput(std::string(LEGATE_JOSE_BENCHMARK) +
                                   " --benchmark_filter='^openSslVerify/ES256'"
                                   " --benchmark_format=json --benchmark_min_time=" +
                                   std::to_string(minMs / 1000.0) + " 2>/dev/null");
    const auto doc = json::parse(out);  // named: a range-for does not keep a temporary alive
    Bound bound;
    for (const auto& b : doc.at("benchmarks")) {
        const double rate = b.value("items_per_second", 0.0);
        (b.value("threads", 1) == 2 ? bound.twoThreads : bound.oneThread) = rate;
    }
    if (bound.oneThread <= 0 || bound.twoThreads <= 0) {
        throw std::runtime_error("jose_benchmark printed no ES256 verify rates: " + out);
    }
    return bound;
}

// ---------------------------------------------------------------------------------
// One client: an account, one keep-alive connection, a nonce chain

struct Answer {
    int status = 0;
    std::string body;
    std::string location;
    double ms = 0;  // first send to final answer, badNonce retries included
};

class LoadClient {
public:
    LoadClient(const IndependentNdc& ndc, const std::string& caFile)
        : http_(clientOptions(caFile)),
          key_(require(crypto::PrivateKey::fromDer(ndc.key().toDer()), "account key copy")),
          kid_(ndc.accountUrl()),
          newNonceUrl_(ndc.directory().at("newNonce").get<std::string>()) {}

    /// A signed POST with the account's kid (nullopt: POST-as-GET).
    Answer post(const std::string& url, const std::optional<json>& payload) {
        const auto start = SteadyClock::now();
        for (;;) {
            wire::JwsHeader header;
            header.url = url;
            header.nonce = takeNonce();
            header.kid = kid_;
            const auto body = require(wire::signJws(key_, payload, header), "sign");
            auto r = require(http_.post(url, body, {{"Content-Type", "application/jose+json"}}),
                             "POST " + url);
            nonce_ = r.headers.get("Replay-Nonce").value_or("");
            if (isBadNonce(r.status, r.body)) {
                ++badNonces_;  // retried with the nonce of this answer, or a fresh one
                continue;
            }
            return {r.status, std::move(r.body), r.headers.get("Location").value_or(""),
                    secondsSince(start) * 1000};
        }
    }

    int badNonces() const { return badNonces_; }

private:
    static http::HttpClientOptions clientOptions(const std::string& caFile) {
        http::HttpClientOptions options;
        options.caBundle = caFile;
        return options;
    }

    static bool isBadNonce(int status, const std::string& body) {
        return status == 400 && json::parse(body, nullptr, false).value("type", "") ==
                                    "urn:ietf:params:acme:error:badNonce";
    }

    /// The nonce of the last answer; a HEAD new-nonce only when there is none (the first
    /// request, or an answer without one).
    std::string takeNonce() {
        if (nonce_.empty()) {
            auto r = require(http_.head(newNonceUrl_), "HEAD new-nonce");
            nonce_ = r.headers.get("Replay-Nonce").value_or("");
            if (nonce_.empty()) {
                throw std::runtime_error("new-nonce answered without a Replay-Nonce");
            }
        }
        return std::exchange(nonce_, {});
    }

    http::HttpClient http_;
    crypto::PrivateKey key_;
    std::string kid_;
    std::string newNonceUrl_;
    std::string nonce_;
    int badNonces_ = 0;
};

// ---------------------------------------------------------------------------------
// Set-up: ido, and per client an NDC, its account, a delegation, orders

/// A STAR order on the delegation, renewing daily for a week (the server's bounds).
json starOrderPayload(const std::string& name, const std::string& delegationUrl) {
    return {{"identifiers", {{{"type", "dns"}, {"value", name}}}},
            {"delegation", delegationUrl},
            {"auto-renewal",
             {{"end-date", toRfc3339(std::chrono::system_clock::now() + 24h * 7)},
              {"lifetime", 86400},
              {"allow-certificate-get", true}}}};
}

struct Account {
    std::unique_ptr<IndependentNdc> ndc;  // registered; its key and kid sign the load
    std::string name;                     // the delegated name
    std::string delegationUrl;
    std::string csr;                  // base64url DER, from the delegation's template
    std::vector<std::string> orders;  // phase 1's existing orders
};

std::unique_ptr<IdoProcess> startIdo(const RedisServer& redis) {
    // Production defaults but for the limits that would otherwise be measured: the
    // per-account rate limit (20/s) and the open-order caps (phase 2 leaves every order
    // processing, since no upstream takes them on).
    const json extra = {{"limits",
                         {{"rate-limit", {{"requests-per-second", 100000}, {"burst", 100000}}},
                          {"open-orders-per-account", 10000},
                          {"open-orders-per-delegation", 10000}}}};
    auto ido = std::make_unique<IdoProcess>(IdoProcess::Options{.redisUrl = redis.url(),
                                                                .minLifetime = 3600,
                                                                .maxDuration = 30 * 86400,
                                                                .extra = extra,
                                                                .upstream = nullptr,
                                                                .env = {}});
    ido->start();
    return ido;
}

json admin(IdoProcess& ido, const std::string& path, const json& body) {
    auto r = ido.admin("POST", path, body);
    if (!r.success()) {
        throw std::runtime_error("admin " + path + ": " + std::to_string(r.status) + " " + r.body);
    }
    return json::parse(r.body);
}

/// The delegation's CSR template, turned into a CSR with a fresh key as an NDC would.
std::string csrFromTemplate(IndependentNdc& ndc, const std::string& delegationUrl) {
    auto delegation = ndc.post(delegationUrl, std::nullopt);
    auto tmpl =
        require(profiles::TemplateParser::parse(delegation.json().at("csr-template")), "template");
    auto key = require(
        crypto::PrivateKey::generate(require(profiles::CsrBuilder::chooseKeyType(tmpl), "key")),
        "key");
    auto csr = require(profiles::CsrBuilder::build(tmpl, key, {}), "csr");
    return wire::base64UrlEncode(csr.der());
}

Account enrol(IdoProcess& ido, int index, int ordersEach) {
    Account a;
    a.name = "c" + std::to_string(index) + "." + kZone;
    const std::string ndcs = "/admin/v1/tenants/example/ndcs";
    auto ndc = admin(ido, ndcs, {{"name", "load" + std::to_string(index)}});
    a.ndc = std::make_unique<IndependentNdc>(ido.directoryUrl(), ido.caFile());
    auto account = a.ndc->registerAccount(ndc["eab"]["kid"], ndc["eab"]["hmac_key"]);
    if (account.status != 201) {
        throw std::runtime_error("NDC account: " + account.body);
    }
    auto delegation = admin(ido, ndcs + "/" + ndc.at("id").get<std::string>() + "/delegations",
                            {{"profile", "cdn-tls-ecdsa"}, {"names", {a.name}}});
    a.delegationUrl = delegation.at("url");
    a.csr = csrFromTemplate(*a.ndc, a.delegationUrl);
    for (int i = 0; i < ordersEach; ++i) {
        auto created = a.ndc->post(a.ndc->directory().at("newOrder"),
                                   starOrderPayload(a.name, a.delegationUrl));
        if (created.status != 201) {
            throw std::runtime_error("newOrder: " + created.body);
        }
        a.orders.push_back(created.header("Location"));
    }
    return a;
}

// ---------------------------------------------------------------------------------
// Phases

/// What one thread saw in one phase.
class Recorder {
public:
    explicit Recorder(SteadyClock::time_point end) : end_(end) {}

    /// Counts `answer` under `kind` when it completed inside the window; any status but
    /// `expected` is an error whenever it came.  Returns false on an error.
    bool record(const std::string& kind, const Answer& answer, int expected) {
        if (answer.status != expected) {
            if (errors_++ == 0) {
                firstError_ = kind + ": " + std::to_string(answer.status) + " " + answer.body;
            }
            return false;
        }
        if (SteadyClock::now() <= end_) {
            ms_[kind].push_back(answer.ms);
        }
        return true;
    }

    const std::map<std::string, std::vector<double>>& latencies() const { return ms_; }
    int errors() const { return errors_; }
    const std::string& firstError() const { return firstError_; }

private:
    SteadyClock::time_point end_;
    std::map<std::string, std::vector<double>> ms_;
    int errors_ = 0;
    std::string firstError_;
};

/// One unit of a phase's work for one client (phase 1: a POST-as-GET; phase 2: new-order
/// then finalize).
using Step = std::function<void(LoadClient&, Account&, Recorder&, long iteration)>;

void postAsGetStep(LoadClient& client, Account& account, Recorder& rec, long i) {
    rec.record("POST-as-GET order", client.post(account.orders[i % account.orders.size()], {}),
               200);
}

void newOrderFinalizeStep(LoadClient& client, Account& account, Recorder& rec, long) {
    const auto created = client.post(account.ndc->directory().at("newOrder"),
                                     starOrderPayload(account.name, account.delegationUrl));
    if (!rec.record("new-order", created, 201)) {
        return;
    }
    const auto finalizeUrl =
        json::parse(created.body, nullptr, false).value("finalize", std::string());
    rec.record("finalize", client.post(finalizeUrl, json{{"csr", account.csr}}), 200);
}

struct PhaseResult {
    std::string name;
    double seconds = 0;
    std::map<std::string, std::vector<double>> latencies;  // per request kind
    long requests = 0;
    int badNonces = 0;
    int errors = 0;
    std::string firstError;
    CpuSeconds cpu;  // used during the window
};

PhaseResult runPhase(const std::string& name, const Step& step, std::vector<Account>& accounts,
                     std::vector<std::unique_ptr<LoadClient>>& clients, std::chrono::seconds length,
                     pid_t ido, int redisPort) {
    std::vector<int> badNoncesBefore;
    for (const auto& c : clients) {
        badNoncesBefore.push_back(c->badNonces());
    }
    const auto cpu0 = cpuNow(ido, redisPort);
    const auto start = SteadyClock::now();
    const auto end = start + length;
    std::vector<Recorder> recorders(clients.size(), Recorder(end));
    std::vector<std::thread> threads;
    for (size_t t = 0; t < clients.size(); ++t) {
        threads.emplace_back([&, t] {
            for (long i = 0; SteadyClock::now() < end; ++i) {
                step(*clients[t], accounts[t], recorders[t], i);
            }
        });
    }
    // A fixed measuring window, not a wait for readiness: CPU is read when it closes,
    // before the requests still in flight finish.
    std::this_thread::sleep_until(end);
    const auto cpu1 = cpuNow(ido, redisPort);
    for (auto& th : threads) {
        th.join();
    }
    PhaseResult r;
    r.name = name;
    // The window is `length`: answers after it are not counted, whenever they came.
    r.seconds = std::chrono::duration<double>(length).count();
    r.cpu = {cpu1.generator - cpu0.generator, cpu1.ido - cpu0.ido, cpu1.redis - cpu0.redis};
    for (size_t t = 0; t < clients.size(); ++t) {
        r.badNonces += clients[t]->badNonces() - badNoncesBefore[t];
        r.errors += recorders[t].errors();
        if (r.firstError.empty()) {
            r.firstError = recorders[t].firstError();
        }
        for (const auto& [kind, ms] : recorders[t].latencies()) {
            auto& all = r.latencies[kind];
            all.insert(all.end(), ms.begin(), ms.end());
            r.requests += static_cast<long>(ms.size());
        }
    }
    return r;
}

// ---------------------------------------------------------------------------------
// Report

void printReport(const std::vector<PhaseResult>& phases, const Bound& before, const Bound& after,
                 int clients) {
    // The bound as measured: two threads at once, mean of before and after.  On a shared
    // machine another process may hold a core while it runs, so twice the one-thread rate
    // (two free cores) is printed beside it as the steadier of the two.
    const double bound = (before.twoThreads + after.twoThreads) / 2;
    const double freeCores = before.oneThread + after.oneThread;
    std::printf(
        "\npost_load (%d clients = connections = ES256 accounts; ido at its production "
        "defaults, no upstream)\n",
        clients);
    // CPU per request puts the processes' costs in the unit of the bound: one ES256
    // verification takes 1/oneThread s of one core.
    std::printf(
        "| phase | requests/s | ratio to the bound: 2 threads / 2 x 1 thread | badNonce | "
        "errors | CPU cores used: generator / ido / Redis | ido CPU per request |\n"
        "|---|---|---|---|---|---|---|\n");
    for (const auto& p : phases) {
        const double rate = static_cast<double>(p.requests) / p.seconds;
        std::printf("| %s | %.0f | %.2f / %.2f | %d | %d | %.2f / %.2f / %.2f | %.0f µs |\n",
                    p.name.c_str(), rate, rate / bound, rate / freeCores, p.badNonces, p.errors,
                    p.cpu.generator / p.seconds, p.cpu.ido / p.seconds, p.cpu.redis / p.seconds,
                    p.requests > 0 ? p.cpu.ido / static_cast<double>(p.requests) * 1e6 : 0.0);
    }
    std::printf("\nlatency (ms, first send to answer):\n");
    for (const auto& p : phases) {
        for (const auto& [kind, ms] : p.latencies) {
            std::printf("  %-20s n=%-7zu p50 %.2f  p99 %.2f\n", kind.c_str(), ms.size(),
                        percentile(ms, 0.5), percentile(ms, 0.99));
        }
    }
    std::printf(
        "\nbound: OpenSSL ES256 verifications/s (jose_benchmark openSslVerify): 2 threads "
        "%.0f before, %.0f after (mean %.0f); 1 thread %.0f before, %.0f after (one verify "
        "%.0f µs)\n",
        before.twoThreads, after.twoThreads, bound, before.oneThread, after.oneThread,
        2e6 / (before.oneThread + after.oneThread));
    for (const auto& p : phases) {
        if (!p.firstError.empty()) {
            std::printf("first error in %s: %s\n", p.name.c_str(), p.firstError.c_str());
        }
    }
}

int run(const std::map<std::string, int>& opt) {
    for (const char* program : {"redis-server", "redis-cli"}) {
        if (!haveProgram(program)) {
            std::cerr << program << " is not installed (scripts/bench-post.sh installs it)\n";
            return 77;
        }
    }
    const int clients = opt.at("clients");
    RedisServer redis;
    auto ido = startIdo(redis);
    std::cout << "enrolling " << clients << " NDC accounts with a delegation and "
              << opt.at("orders-each") << " orders each" << std::endl;
    std::vector<Account> accounts;
    std::vector<std::unique_ptr<LoadClient>> loadClients;
    for (int i = 0; i < clients; ++i) {
        accounts.push_back(enrol(*ido, i, opt.at("orders-each")));
        loadClients.push_back(std::make_unique<LoadClient>(*accounts.back().ndc, ido->caFile()));
    }

    std::cout << "bound: jose_benchmark ES256 verify, 1 and 2 threads" << std::endl;
    const Bound before = measureBound(opt.at("bound-min-ms"));
    auto phase = [&](const std::string& name, const Step& step, int seconds) {
        std::cout << name << " for " << seconds << " s" << std::endl;
        return runPhase(name, step, accounts, loadClients, std::chrono::seconds(seconds),
                        ido->pid(), redis.port());
    };
    const auto warmup = phase("warm-up (POST-as-GET)", postAsGetStep, opt.at("warmup"));
    std::vector<PhaseResult> phases;
    phases.push_back(phase("POST-as-GET order", postAsGetStep, opt.at("seconds")));
    phases.push_back(phase("new-order + finalize", newOrderFinalizeStep, opt.at("seconds")));
    const Bound after = measureBound(opt.at("bound-min-ms"));

    printReport(phases, before, after, clients);
    std::printf("load average at the end: %s", readFile("/proc/loadavg").c_str());
    const bool failed =
        warmup.errors > 0 ||
        std::any_of(phases.begin(), phases.end(), [](const auto& p) { return p.errors > 0; });
    if (failed) {
        std::cerr << "post_load: some answers were neither 2xx nor badNonce"
                  << (warmup.errors > 0 ? "; first in the warm-up: " + warmup.firstError : "")
                  << "\n";
    }
    return failed ? 1 : 0;
}

}  // namespace
}  // namespace legate::test

int main(int argc, char** argv) {
    return legate::test::bench::main("post_load", legate::test::kDefaults, argc, argv,
                                     legate::test::run);
}
