// relay_bench: what one emulated STAR renewal costs against Pebble, and how many
// renewals per minute one `ido` sustains with the upstream budget disabled — each as a
// ratio against Pebble alone, measured in the same run on the same Pebble.
//
// Peers (real, on loopback, started here): Redis, BIND 9 authoritative for legate.test
// (wildcard A 127.0.0.1), Pebble (PEBBLE_VA_NOSLEEP=1, no nonce rejection, no
// authorization reuse, so every order really validates) whose validator dials the
// http-01 port used by both the reference client and `ido`.
//
//   1. Reference, sequential: full orders (newOrder, http-01 through idO's own
//      ChallengeSolvers/Http01Responder, finalize, poll, download) by idO's AcmeClient
//      with the relay's default polling, one after another: median and p90.
//   2. Reference, concurrent: `ref-threads` clients (default 32; one thread and one
//      AcmeClient each, one shared solver set) doing full orders in a loop for
//      `ref-seconds`: orders per minute — what Pebble delivers to that many clients.  Both
//      references run before `ido` starts: they need the http-01 port that ido's responder takes.
//   3. One emulated renewal: `star-orders` STAR orders (lifetime `latency-lifetime` s)
//      through the real `ido serve`; `took_ms` of each renewal (index >= 1) from ido's
//      "STAR certificate published" log line; median/p90 and the ratio to (1).
//   4. Throughput: `orders` STAR orders with lifetime `lifetime` s (each wants one new
//      certificate per lifetime: the defaults ask for 4500 renewals/min, more than one
//      ido delivered here with 2 workers, so the figure is its capacity, not the demand),
//      no budget, `workers` relay workers (default 2: the relay never sleeps in a job, so
//      orders in flight do not depend on threads).
//      Once every first certificate is out, renewals published during `window` seconds
//      (ido's log) and finalizations Pebble saw (its log) give renewals per minute; the
//      ratio is against (2).
//
// In (2) and (4) the CPU seconds of every process on the machine's cores are sampled
// (/proc, getrusage): the ratio of (4) to (2) is bounded by how much of the cores Pebble
// keeps once ido, Redis and the http-01 responder share them, and the table says so.
//
// Not a test (nothing asserts a figure): scripts/bench-relay.sh runs it, and the table
// it prints goes to docs/benchmarks.md.  Options: --name=value (see kDefaults).  Exit
// code 77 when a peer is not installed, 1 when a phase did not complete.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Time.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"
#include "broker/wire/Base64Url.h"
#include "idO/solvers/ChallengeSolvers.h"
#include "idO/upstream/AcmeClient.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/benchmarks/BenchSupport.h"
#include "tests/integration/IdoProcess.h"
#include "tests/integration/IndependentNdc.h"
#include "tests/support/BindServer.h"
#include "tests/support/PebbleServer.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using bench::ownCpuSeconds;
using bench::percentile;
using bench::processCpuSeconds;
using bench::require;

constexpr const char* kZone = "legate.test";

// ---------------------------------------------------------------------------------
// Options

const std::map<std::string, int> kDefaults = {
    {"ref-runs", 20},          // sequential reference orders (after one warm-up)
    {"ref-seconds", 45},       // concurrent reference duration
    {"workers", 2},            // relay workers
    {"ref-threads", 32},       // concurrent reference clients
    {"star-orders", 3},        // STAR orders for the renewal latency
    {"renewals-each", 3},      // renewals to observe per latency order
    {"latency-lifetime", 16},  // s
    {"orders", 1500},          // STAR orders for the throughput phase
    {"lifetime", 20},          // s
    {"window", 60},            // s of counting renewals
};

// ---------------------------------------------------------------------------------
// Small statistics

double mean(const std::vector<double>& values) {
    double sum = 0;
    for (double v : values) {
        sum += v;
    }
    return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

double msSince(SteadyClock::time_point start) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

/// pollUntil with a coarse interval: each check reads and parses ido's whole log, which
/// every 50 ms would take CPU from the ido being measured.
bool watch(const std::function<bool()>& condition, std::chrono::seconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (!condition()) {
        if (SteadyClock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(500ms);
    }
    return true;
}

// ---------------------------------------------------------------------------------
// The reference: Pebble driven by idO's own client and solvers, nothing else.

/// One full certificate, as Issuance does it minus the persistence: newOrder, every
/// authorization by the chosen challenge, finalize, poll, download.
void fullOrder(ido::upstream::AcmeClient& client, ido::solvers::ChallengeSolvers& solvers,
               const std::string& name, const crypto::Csr& csr) {
    ido::upstream::NewOrderRequest request;
    request.identifiers = {{"dns", name}};
    auto order = require(client.newOrder(request), "newOrder " + name);
    for (const auto& url : order.order.authorizations) {
        auto authz = require(client.fetchAuthorization(url), "authorization");
        if (authz.status == "valid") {
            continue;
        }
        const auto* challenge = solvers.choose(authz);
        if (!challenge) {
            throw std::runtime_error("no solvable challenge for " + name);
        }
        Status answered = solvers.present(authz, *challenge, client);
        if (answered.ok() && challenge->status == "pending") {
            if (auto r = client.respondToChallenge(challenge->url); !r.ok()) {
                answered = r.problem();
            }
        }
        if (!answered.ok()) {
            solvers.cleanup(authz, *challenge, client);
            require(answered, "challenge of " + name);
        }
        auto final = client.pollAuthorization(url, {"valid", "invalid"});
        solvers.cleanup(authz, *challenge, client);
        if (require(std::move(final), "authorization of " + name).status != "valid") {
            throw std::runtime_error("authorization of " + name + " is not valid");
        }
    }
    require(client.finalize(order.order.finalize, csr.der()), "finalize " + name);
    auto done = require(client.pollOrder(order.url, {"valid"}), "poll order " + name);
    if (done.status != "valid" || !done.certificate) {
        throw std::runtime_error("order for " + name + " ended " + done.status);
    }
    require(client.downloadCertificate(*done.certificate), "download " + name);
}

/// CPU seconds used so far by each process sharing the cores (0 for one not running).
struct Cpu {
    double pebble = 0;
    double ido = 0;
    double redis = 0;
    double named = 0;
    double bench = 0;  ///< this program: the reference clients and their http-01 responder

    double total() const { return pebble + ido + redis + named + bench; }
    Cpu operator-(const Cpu& o) const {
        return {pebble - o.pebble, ido - o.ido, redis - o.redis, named - o.named, bench - o.bench};
    }
};

struct Reference {
    std::vector<double> sequentialMs;
    int concurrentOrders = 0;
    double concurrentSeconds = 0;
    Cpu concurrentCpu;  ///< used during the concurrent phase
};

Reference runReference(const PebbleServer& pebble, int httpPort,
                       const std::map<std::string, int>& opt, const std::function<Cpu()>& cpuNow) {
    ido::solvers::SolverConfig config;
    config.http01 = ido::solvers::Http01ResponderOptions{.host = "127.0.0.1",
                                                         .port = static_cast<uint16_t>(httpPort)};
    auto solvers = require(ido::solvers::ChallengeSolvers::start(config), "solvers");
    auto accountKey = require(crypto::PrivateKey::generate(crypto::KeyType::P256), "key");
    auto newClient = [&] {
        ido::upstream::AcmeClientOptions options;
        options.directoryUrl = pebble.directoryUrl();
        options.caBundle = pebble.caFile();
        auto client = std::make_unique<ido::upstream::AcmeClient>(
            std::move(options),
            require(crypto::PrivateKey::fromDer(accountKey.toDer()), "key copy"));
        require(client->findOrCreateAccount({"mailto:bench@legate.test"}), "account");
        return client;
    };
    auto certKey = require(crypto::PrivateKey::generate(crypto::KeyType::P256), "cert key");
    auto csrFor = [&](const std::string& name) {
        crypto::CsrRequest r;
        r.dnsNames = {name};
        return require(crypto::createCsr(certKey, r), "csr");
    };

    Reference out;
    auto client = newClient();
    const int runs = opt.at("ref-runs");
    std::cout << "reference: " << runs << " sequential orders (+1 warm-up)" << std::endl;
    for (int i = 0; i <= runs; ++i) {
        const auto name = "ref" + std::to_string(i) + "." + kZone;
        const auto csr = csrFor(name);
        const auto start = SteadyClock::now();
        fullOrder(*client, *solvers, name, csr);
        if (i > 0) {
            out.sequentialMs.push_back(msSince(start));
        }
    }

    const int threads = opt.at("ref-threads");
    const auto duration = std::chrono::seconds(opt.at("ref-seconds"));
    std::cout << "reference: " << threads << " threads of full orders for " << duration.count()
              << " s" << std::endl;
    std::vector<std::unique_ptr<ido::upstream::AcmeClient>> clients;
    for (int t = 0; t < threads; ++t) {
        clients.push_back(newClient());
    }
    std::atomic<int> completed{0};
    std::atomic<int> failed{0};
    const auto cpuStart = cpuNow();
    const auto start = SteadyClock::now();
    const auto end = start + duration;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; SteadyClock::now() < end; ++i) {
                const auto name = "par" + std::to_string(t) + "-" + std::to_string(i) + "." + kZone;
                try {
                    fullOrder(*clients[t], *solvers, name, csrFor(name));
                    // Only orders completed inside the window count, as on ido's side.
                    if (SteadyClock::now() <= end) {
                        completed++;
                    }
                } catch (const std::exception& e) {
                    std::cerr << "reference order failed: " << e.what() << std::endl;
                    failed++;
                }
            }
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    out.concurrentCpu = cpuNow() - cpuStart;
    if (failed > 0) {
        throw std::runtime_error(std::to_string(failed.load()) + " reference orders failed");
    }
    out.concurrentOrders = completed;
    out.concurrentSeconds = std::chrono::duration<double>(duration).count();
    return out;  // the solvers stop here and free the http-01 port for ido
}

// ---------------------------------------------------------------------------------
// ido

/// The emulated-STAR side: the real `ido serve`, an NDC account, delegations.
class IdoSide {
public:
    IdoSide(const RedisServer& redis, const PebbleServer& pebble, const TempDir& dir, int httpPort,
            int workers) {
        writeFile(dir / "roots.pem", pebble.issuingRoot());
        const json upstream = {
            {"directory", pebble.directoryUrl()},
            {"ca-bundle", pebble.caFile().string()},
            {"roots", (dir / "roots.pem").string()},
            {"account-key", (dir / "upstream-account.pem").string()},
            {"contact", {"mailto:ops@legate.test"}},
            {"solvers", {{"http-01", {{"listen", "127.0.0.1"}, {"port", httpPort}}}}},
            {"renewal", {{"lead-time", 4}}}};  // no "budget": the upstream budget is off
        // The relay at its production defaults (claim-idle-ms 60000, tick-ms 1000) but
        // for the worker count; the NDC's own request rate limit and its cap on open
        // orders (one account places them all) are lifted so that placing the orders is
        // not what is measured.
        const json extra = {{"relay", {{"workers", workers}}},
                            {"limits",
                             {{"rate-limit", {{"requests-per-second", 1000}, {"burst", 1000}}},
                              {"open-orders-per-account", 10000}}}};
        ido_ = std::make_unique<IdoProcess>(IdoProcess::Options{.redisUrl = redis.url(),
                                                                .minLifetime = 10,
                                                                .maxDuration = 86400,
                                                                .extra = extra,
                                                                .upstream = upstream,
                                                                .env = {}});
        ido_->start();
        auto ndc = admin("POST", "/admin/v1/tenants/example/ndcs", {{"name", "bench"}});
        ndcId_ = ndc.at("id").get<std::string>();
        ndc_ = std::make_unique<IndependentNdc>(ido_->directoryUrl(), ido_->caFile());
        auto account = ndc_->registerAccount(ndc["eab"]["kid"], ndc["eab"]["hmac_key"]);
        if (account.status != 201) {
            throw std::runtime_error("NDC account: " + account.body);
        }
    }

    IdoProcess& process() { return *ido_; }

    /// A delegation for `name` and a STAR order on it (lifetime s, ends in 10 min);
    /// returns the Order1 URL.
    std::string starOrder(const std::string& name, int lifetime) {
        auto d = admin("POST", "/admin/v1/tenants/example/ndcs/" + ndcId_ + "/delegations",
                       {{"profile", "cdn-tls-ecdsa"}, {"names", {name}}});
        const std::string delegationUrl = d.at("url");
        auto delegation = ndc_->post(delegationUrl, std::nullopt);
        auto tmpl = require(profiles::TemplateParser::parse(delegation.json().at("csr-template")),
                            "template");
        auto key = require(crypto::PrivateKey::generate(
                               require(profiles::CsrBuilder::chooseKeyType(tmpl), "key type")),
                           "key");
        auto csr = require(profiles::CsrBuilder::build(tmpl, key, {}), "csr");
        const json payload = {{"identifiers", {{{"type", "dns"}, {"value", name}}}},
                              {"delegation", delegationUrl},
                              {"auto-renewal",
                               {{"end-date", toRfc3339(std::chrono::system_clock::now() + 10min)},
                                {"lifetime", lifetime},
                                {"allow-certificate-get", true}}}};
        auto created = ndc_->post(ndc_->directory()["newOrder"], payload);
        if (created.status != 201) {
            throw std::runtime_error("newOrder: " + created.body);
        }
        auto finalized =
            ndc_->post(created.json()["finalize"], json{{"csr", wire::base64UrlEncode(csr.der())}});
        if (finalized.status != 200) {
            throw std::runtime_error("finalize: " + finalized.body);
        }
        return created.header("Location");
    }

    void cancel(const std::string& orderUrl) {
        auto r = ndc_->post(orderUrl, json{{"status", "canceled"}});
        if (r.status != 200) {
            throw std::runtime_error("cancel: " + r.body);
        }
    }

    /// The "STAR certificate published" lines of ido's log from byte `from` on.
    std::vector<json> published(size_t from = 0) const {
        const auto log = ido_->log();
        std::vector<json> out;
        size_t at = std::min(from, log.size());
        while (at < log.size()) {
            auto nl = log.find('\n', at);
            if (nl == std::string::npos) {
                break;  // a line still being written
            }
            std::string_view line(log.data() + at, nl - at);
            if (line.find("\"STAR certificate published\"") != std::string_view::npos) {
                auto j = json::parse(line, nullptr, false);
                if (!j.is_discarded()) {
                    out.push_back(std::move(j));
                }
            }
            at = nl + 1;
        }
        return out;
    }
    size_t logSize() const { return ido_->log().size(); }

private:
    json admin(const std::string& method, const std::string& path, const json& body) {
        auto r = ido_->admin(method, path, body);
        if (!r.success()) {
            throw std::runtime_error("admin " + path + ": " + std::to_string(r.status) + " " +
                                     r.body);
        }
        return json::parse(r.body);
    }

    std::unique_ptr<IdoProcess> ido_;
    std::string ndcId_;
    std::unique_ptr<IndependentNdc> ndc_;
};

int pebbleFinalizations(const PebbleServer& pebble) {
    const auto log = readFile(pebble.dir() / "pebble.log");
    int n = 0;
    for (size_t at = log.find("is fully authorized. Processing finalization");
         at != std::string::npos;
         at = log.find("is fully authorized. Processing finalization", at + 1)) {
        ++n;
    }
    return n;
}

int run(const std::map<std::string, int>& opt) {
    for (const char* program : {"redis-server", "pebble", "named"}) {
        if (!haveProgram(program)) {
            std::cerr << program << " is not installed (scripts/bench-relay.sh installs it)\n";
            return 77;
        }
    }
    const auto benchStart = SteadyClock::now();
    TempDir dir;
    RedisServer redis;
    BindServer bind(kZone);
    const int httpPort = freePort();
    PebbleServer::Options pebbleOptions;
    pebbleOptions.httpPort = httpPort;
    pebbleOptions.dnsServer = "127.0.0.1:" + std::to_string(bind.port());
    pebbleOptions.vaNoSleep = true;
    pebbleOptions.nonceRejectPercent = 0;
    pebbleOptions.authzReusePercent = 0;  // every order validates, as a fresh name would
    PebbleServer pebble(pebbleOptions);

    pid_t idoPid = -1;
    auto cpuNow = [&] {
        return Cpu{processCpuSeconds(pebble.pid()), idoPid > 0 ? processCpuSeconds(idoPid) : 0,
                   processCpuSeconds(redis.pid()), processCpuSeconds(bind.pid()), ownCpuSeconds()};
    };
    const auto reference = runReference(pebble, httpPort, opt, cpuNow);
    const double refMedian = percentile(reference.sequentialMs, 0.5);
    const double refP90 = percentile(reference.sequentialMs, 0.9);
    const double refRate = reference.concurrentOrders * 60.0 / reference.concurrentSeconds;

    const int workers = opt.at("workers");
    IdoSide ido(redis, pebble, dir, httpPort, workers);
    idoPid = ido.process().pid();

    // One emulated renewal.
    const int starOrders = opt.at("star-orders");
    const int renewalsEach = opt.at("renewals-each");
    const int latencyLifetime = opt.at("latency-lifetime");
    std::cout << "ido: " << starOrders << " STAR orders, lifetime " << latencyLifetime
              << " s, until " << renewalsEach << " renewals each" << std::endl;
    std::vector<std::string> latencyOrders;
    for (int i = 0; i < starOrders; ++i) {
        latencyOrders.push_back(
            ido.starOrder("lat" + std::to_string(i) + "." + kZone, latencyLifetime));
    }
    std::vector<double> renewalMs;
    std::vector<double> firstMs;
    const bool observed = watch(
        [&] {
            std::map<std::string, int> perOrder;
            renewalMs.clear();
            firstMs.clear();
            for (const auto& line : ido.published()) {
                if (line.value("index", 0) >= 1) {
                    perOrder[line.value("order", "")]++;
                    renewalMs.push_back(line.value("took_ms", 0.0));
                } else {
                    firstMs.push_back(line.value("took_ms", 0.0));
                }
            }
            return static_cast<int>(perOrder.size()) == starOrders &&
                   std::all_of(perOrder.begin(), perOrder.end(),
                               [&](const auto& kv) { return kv.second >= renewalsEach; });
        },
        std::chrono::seconds(latencyLifetime * (renewalsEach + 2) + 60));
    if (!observed) {
        std::cerr << "renewals were not observed in time; ido log:\n" << ido.process().log();
        return 1;
    }
    for (const auto& url : latencyOrders) {
        ido.cancel(url);
    }
    const double renewMedian = percentile(renewalMs, 0.5);
    const double renewP90 = percentile(renewalMs, 0.9);

    // Throughput.
    const int orders = opt.at("orders");
    const int lifetime = opt.at("lifetime");
    const auto window = std::chrono::seconds(opt.at("window"));
    std::cout << "ido: " << orders << " STAR orders, lifetime " << lifetime << " s, " << workers
              << " workers, no budget" << std::endl;
    const size_t logFrom = ido.logSize();
    const auto placedAt = SteadyClock::now();
    for (int i = 0; i < orders; ++i) {
        ido.starOrder("load" + std::to_string(i) + "." + kZone, lifetime);
    }
    auto count = [&](bool renewals) {
        int n = 0;
        for (const auto& line : ido.published(logFrom)) {
            n += (line.value("index", 0) >= 1) == renewals ? 1 : 0;
        }
        return n;
    };
    const bool allFirst = watch([&] { return count(false) >= orders; }, 240s);
    if (!allFirst) {
        std::cerr << "only " << count(false) << " of " << orders
                  << " first certificates in time; ido log tail:\n"
                  << ido.process().log().substr(
                         ido.process().log().size() > 4000 ? ido.process().log().size() - 4000 : 0);
        return 1;
    }
    const double firstAllSeconds = msSince(placedAt) / 1000;
    std::cout << "ido: all first certificates after " << firstAllSeconds << " s; counting for "
              << window.count() << " s" << std::endl;
    const int renewals0 = count(true);
    const int finalized0 = pebbleFinalizations(pebble);
    const auto cpuStart = cpuNow();
    const auto windowStart = SteadyClock::now();
    // A fixed measuring window, not a wait for readiness: the renewals land in it.
    std::this_thread::sleep_for(window);
    const double windowSeconds = msSince(windowStart) / 1000;
    const auto windowCpu = cpuNow() - cpuStart;
    const int renewals = count(true) - renewals0;
    const int finalized = pebbleFinalizations(pebble) - finalized0;
    std::vector<double> loadedMs;
    for (const auto& line : ido.published(logFrom)) {
        if (line.value("index", 0) >= 1) {
            loadedMs.push_back(line.value("took_ms", 0.0));
        }
    }
    const double idoRate = renewals * 60.0 / windowSeconds;
    const double pebbleSeenRate = finalized * 60.0 / windowSeconds;
    const double demand = orders * 60.0 / lifetime;  // one certificate per lifetime

    std::printf("\nrelay_bench (workers %d; Pebble VA no-sleep, nonce reject 0, authz reuse 0)\n",
                workers);
    std::printf("| measure | ido | reference (Pebble alone) | ratio |\n|---|---|---|---|\n");
    std::printf("| one renewal / full order, median | %.0f ms | %.0f ms | %.2f |\n", renewMedian,
                refMedian, renewMedian / refMedian);
    std::printf("| one renewal / full order, mean | %.0f ms | %.0f ms | %.2f |\n", mean(renewalMs),
                mean(reference.sequentialMs), mean(renewalMs) / mean(reference.sequentialMs));
    std::printf("| renewals / orders per minute, %d workers / %d clients | %.0f | %.0f | %.2f |\n",
                workers, opt.at("ref-threads"), idoRate, refRate, idoRate / refRate);
    std::printf(
        "\nemulated renewal (took_ms, index >= 1): n=%zu median %.0f ms p90 %.0f ms; "
        "first certificates n=%zu median %.0f ms\n",
        renewalMs.size(), renewMedian, renewP90, firstMs.size(), percentile(firstMs, 0.5));
    std::printf(
        "reference full order: n=%zu median %.0f ms p90 %.0f ms; concurrent: %d orders "
        "in %.0f s\n",
        reference.sequentialMs.size(), refMedian, refP90, reference.concurrentOrders,
        reference.concurrentSeconds);
    std::printf(
        "throughput: %d STAR orders x lifetime %d s = demand %.0f renewals/min; "
        "first %d certificates took %.0f s;\n"
        "  in %.0f s: %d renewals published (%.0f/min), %d finalizations at Pebble "
        "(%.0f/min);\n  renewal took_ms under load: median %.0f p90 %.0f (n=%zu)\n",
        orders, lifetime, demand, orders, firstAllSeconds, windowSeconds, renewals, idoRate,
        finalized, pebbleSeenRate, percentile(loadedMs, 0.5), percentile(loadedMs, 0.9),
        loadedMs.size());
    // The samples themselves: a full order against Pebble is bimodal (a poll finds the
    // CA done at once, or waits the 1 s first poll interval), which a median hides.
    auto samples = [](const char* what, std::vector<double> v) {
        std::sort(v.begin(), v.end());
        std::printf("%s ms:", what);
        for (double x : v) {
            std::printf(" %.0f", x);
        }
        std::printf("\n");
    };
    // Where the cores went: in the reference Pebble has them nearly to itself; with ido it
    // shares them, and the throughput ratio cannot exceed what it keeps.
    const auto& refCpu = reference.concurrentCpu;
    std::printf(
        "\nCPU while counting: cores (CPU s / wall s), and ms of CPU per order (reference) "
        "or per renewal (ido)\n| process | reference, %d clients | per order | ido, %d workers "
        "| per renewal |\n|---|---|---|---|---|\n",
        opt.at("ref-threads"), workers);
    auto row = [&](const char* name, double ref, double measured) {
        std::printf("| %s | %.2f | %.1f ms | %.2f | %.1f ms |\n", name,
                    ref / reference.concurrentSeconds,
                    ref * 1000 / std::max(1, reference.concurrentOrders), measured / windowSeconds,
                    measured * 1000 / std::max(1, renewals));
    };
    row("Pebble", refCpu.pebble, windowCpu.pebble);
    row("ido", refCpu.ido, windowCpu.ido);
    row("Redis", refCpu.redis, windowCpu.redis);
    row("named", refCpu.named, windowCpu.named);
    row("relay_bench (reference clients, http-01)", refCpu.bench, windowCpu.bench);
    row("all", refCpu.total(), windowCpu.total());
    std::printf(
        "Pebble's share of the CPU used: %.2f in the reference, %.2f with ido; Pebble's CPU "
        "per order, ido phase / reference: %.2f\n",
        refCpu.pebble / std::max(1e-9, refCpu.total()),
        windowCpu.pebble / std::max(1e-9, windowCpu.total()),
        (windowCpu.pebble / std::max(1, renewals)) /
            std::max(1e-9, refCpu.pebble / std::max(1, reference.concurrentOrders)));
    samples("reference samples", reference.sequentialMs);
    samples("renewal samples", renewalMs);
    std::printf("total bench time %.0f s\n", msSince(benchStart) / 1000);
    return 0;
}

}  // namespace
}  // namespace legate::test

int main(int argc, char** argv) {
    return legate::test::bench::main("relay_bench", legate::test::kDefaults, argc, argv,
                                     legate::test::run);
}
