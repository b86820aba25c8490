// The upstream relay end to end: the real `ido serve` with a tenant whose upstream is a
// real Pebble, whose validator resolves names through a real BIND 9 authoritative for
// legate.test (wildcard A 127.0.0.1) and dials ido's built-in http-01 responder; an NDC
// that knows only the directory URL; Redis with AOF.  Covers STAR emulation (several
// consecutive certificates without a gap, cancellation, end-date), non-STAR relay,
// failure mirroring, chaos (nonce rejection, authorization reuse, validation delays),
// SIGKILL after every relay step (exactly one finalize per Order2, counted in Pebble's
// own log), a Redis restart mid-flow, two ido processes sharing one Redis, and the
// CNAME map in BIND.

#include <map>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "broker/wire/Base64Url.h"
#include "idO/solvers/Rfc2136Client.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/integration/IdoProcess.h"
#include "tests/integration/IndependentNdc.h"
#include "tests/support/BindServer.h"
#include "tests/support/PebbleServer.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kZone = "legate.test";

json identifiers(const std::vector<std::string>& names) {
    json ids = json::array();
    for (const auto& n : names) {
        ids.push_back({{"type", "dns"}, {"value", n}});
    }
    return ids;
}

/// An NDC with its account, one delegation and the key + CSR built from its template.
struct Ndc {
    std::unique_ptr<IndependentNdc> client;
    std::string delegationUrl;
    std::vector<std::string> names;
    std::optional<crypto::PrivateKey> key;
    std::string csr64;

    /// newOrder + finalize; returns the order URL.
    std::string order(const json& extra) {
        json payload = {{"identifiers", identifiers(names)}, {"delegation", delegationUrl}};
        if (extra.is_object()) {
            payload.merge_patch(extra);
        }
        if (!payload.contains("auto-renewal")) {
            payload["allow-certificate-get"] = true;  // RFC 9115 §2.3.4: delegated non-STAR
        }
        auto created = client->post(client->directory()["newOrder"], payload);
        if (created.status != 201) {
            throw std::runtime_error("newOrder: " + created.body);
        }
        auto finalized = client->post(created.json()["finalize"], json{{"csr", csr64}});
        if (finalized.status != 200) {
            throw std::runtime_error("finalize: " + finalized.body);
        }
        return created.header("Location");
    }

    json fetch(const std::string& orderUrl) { return client->post(orderUrl, std::nullopt).json(); }

    /// Polls the order until its status leaves `processing` (or `timeout`).
    json settle(const std::string& orderUrl, std::chrono::milliseconds timeout = 60s) {
        json last;
        pollUntil(
            [&] {
                last = fetch(orderUrl);
                return last.value("status", "") != "processing";
            },
            timeout);
        return last;
    }
};

class RelayEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        LEGATE_REQUIRE_PEBBLE();
        if (!BindServer::available()) {
            GTEST_SKIP() << "named is not installed (apt install bind9)";
        }
        redis_ = std::make_unique<RedisServer>();
        bind_ = std::make_unique<BindServer>(kZone);
        httpPort_ = freePort();
    }

    void TearDown() override {
        if (HasFailure()) {
            for (auto* ido : {ido_.get(), second_.get()}) {
                if (ido) {
                    std::cerr << "---- ido log ----\n" << ido->log();
                }
            }
            if (pebble_) {
                std::cerr << "---- pebble log (tail) ----\n" << tail(pebbleLog(), 4000);
            }
        }
    }

    static std::string tail(const std::string& s, size_t n) {
        return s.size() <= n ? s : s.substr(s.size() - n);
    }

    void startPebble(PebbleServer::Options options = {}) {
        options.httpPort = httpPort_;
        options.dnsServer = "127.0.0.1:" + std::to_string(bind_->port());
        pebble_ = std::make_unique<PebbleServer>(options);
        writeFile(dir_ / "roots.pem", pebble_->issuingRoot());
    }

    json upstreamConfig(const json& extra = json::object()) const {
        json u = {{"directory", pebble_->directoryUrl()},
                  {"ca-bundle", pebble_->caFile().string()},
                  {"roots", (dir_ / "roots.pem").string()},
                  {"account-key", (dir_ / "upstream-account.pem").string()},
                  {"contact", {"mailto:ops@legate.test"}},
                  {"solvers", {{"http-01", {{"listen", "127.0.0.1"}, {"port", httpPort_}}}}},
                  {"renewal", {{"lead-time", 4}}}};
        u.merge_patch(extra);
        return u;
    }

    json dnsSolver() const {
        return {{"dns-01",
                 {{"server", "127.0.0.1"},
                  {"port", bind_->port()},
                  {"zone", kZone},
                  {"tsig",
                   {{"name", bind_->tsigName()},
                    {"algorithm", bind_->tsigAlgorithm()},
                    {"secret", bind_->tsigSecret()}}},
                  {"self-check-interval-ms", 50}}}};
    }

    std::unique_ptr<IdoProcess> makeIdo(const json& upstream, int workers = 4,
                                        const json& extra = json::object()) {
        json merged = {
            {"relay", {{"workers", workers}, {"claim-idle-ms", 1500}, {"tick-ms", 100}}}};
        merged.merge_patch(extra);
        return std::make_unique<IdoProcess>(IdoProcess::Options{.redisUrl = redis_->url(),
                                                                .minLifetime = 10,
                                                                .maxDuration = 86400,
                                                                .extra = merged,
                                                                .upstream = upstream,
                                                                .env = {}});
    }

    void startIdo(const json& upstream) {
        ido_ = makeIdo(upstream);
        ido_->start();
    }

    ido::AdminAnswer admin(const std::string& method, const std::string& path,
                           const json& body = nullptr) {
        return ido_->admin(method, path, body);
    }

    /// Admin onboards an NDC with a cdn-tls-ecdsa delegation for `names`; the NDC
    /// registers, reads the delegation and builds its key and CSR.
    Ndc onboard(const std::vector<std::string>& names, const json& cnameMap = nullptr) {
        auto ndc = admin("POST", "/admin/v1/tenants/example/ndcs", {{"name", "cdn"}});
        if (ndc.status != 201) {
            throw std::runtime_error(ndc.body);
        }
        json body = {{"profile", "cdn-tls-ecdsa"}, {"names", names}};
        if (!cnameMap.is_null()) {
            body["cname-map"] = cnameMap;
        }
        auto d = admin("POST",
                       "/admin/v1/tenants/example/ndcs/" + ndc.json()["id"].get<std::string>() +
                           "/delegations",
                       body);
        if (d.status != 201) {
            throw std::runtime_error(d.body);
        }
        Ndc out;
        out.client = std::make_unique<IndependentNdc>(ido_->directoryUrl(), ido_->caFile());
        auto account =
            out.client->registerAccount(ndc.json()["eab"]["kid"], ndc.json()["eab"]["hmac_key"]);
        if (account.status != 201) {
            throw std::runtime_error(account.body);
        }
        out.delegationUrl = d.json()["url"];
        out.names = names;
        auto delegation = out.client->post(out.delegationUrl, std::nullopt);
        auto tmpl = profiles::TemplateParser::parse(delegation.json().at("csr-template"));
        if (!tmpl.ok()) {
            throw std::runtime_error(tmpl.problem().detail);
        }
        auto key = crypto::PrivateKey::generate(*profiles::CsrBuilder::chooseKeyType(*tmpl));
        auto csr = profiles::CsrBuilder::build(*tmpl, *key, {});
        if (!csr.ok()) {
            throw std::runtime_error(csr.problem().detail);
        }
        out.csr64 = wire::base64UrlEncode(csr->der());
        out.key = std::move(*key);
        return out;
    }

    std::string pebbleLog() const { return readFile(pebble_->dir() / "pebble.log"); }

    /// Order2 id -> number of finalize requests Pebble accepted for it (from its log).
    std::map<std::string, int> pebbleFinalizations() const {
        static const std::regex kLine(
            R"(Order (\S+) is fully authorized\. Processing finalization)");
        std::map<std::string, int> out;
        const auto log = pebbleLog();
        for (auto it = std::sregex_iterator(log.begin(), log.end(), kLine);
             it != std::sregex_iterator(); ++it) {
            out[(*it)[1].str()]++;
        }
        return out;
    }

    std::vector<crypto::Certificate> roots() const {
        return *crypto::parsePemCertificates(readFile(dir_ / "roots.pem"));
    }

    void expectChainsToPebble(const std::string& pem, const crypto::PublicKey& key,
                              const std::vector<std::string>& names) {
        auto chain = crypto::parsePemChain(pem);
        ASSERT_TRUE(chain.ok()) << chain.problem().detail;
        EXPECT_TRUE(chain->front().publicKey() == key);
        EXPECT_EQ(chain->front().dnsNames(), names);
        // At its own notBefore: a short-lived certificate seen early in a test may have
        // expired by the time it is checked here.
        auto verified = crypto::verifyChain(*chain, roots(), chain->front().notBefore());
        EXPECT_TRUE(verified.ok()) << verified.problem().detail;
    }

    TempDir dir_;
    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<BindServer> bind_;
    std::unique_ptr<PebbleServer> pebble_;
    std::unique_ptr<IdoProcess> ido_;
    std::unique_ptr<IdoProcess> second_;
    int httpPort_ = 0;
};

/// One observation of the publication URL.
struct Seen {
    TimePoint at;
    std::string serial;
    TimePoint notBefore;
    TimePoint notAfter;
};

TEST_F(RelayEndToEnd, EmulatedStarRenewsWithoutGapsThenCancelsAndExpires) {
    startPebble();
    startIdo(upstreamConfig());
    auto ndc = onboard({"www.legate.test"});
    const auto now = std::chrono::system_clock::now();
    const int64_t lifetime = 16;
    const std::string orderUrl = ndc.order({{"auto-renewal",
                                             {{"end-date", toRfc3339(now + 10min)},
                                              {"lifetime", lifetime},
                                              {"allow-certificate-get", true}}}});
    // A second STAR order of the same delegation that ends soon (autoRenewalExpired).
    const auto shortEnd = std::chrono::time_point_cast<std::chrono::seconds>(now + 24s);
    const std::string shortUrl = ndc.order(
        {{"auto-renewal",
          {{"end-date", toRfc3339(shortEnd)}, {"lifetime", 10}, {"allow-certificate-get", true}}}});

    auto valid = ndc.settle(orderUrl);
    ASSERT_EQ(valid.value("status", ""), "valid") << valid.dump();
    const std::string certUrl = valid["star-certificate"];
    EXPECT_EQ(certUrl.rfind(ido_->baseUrl(), 0), 0u) << "emulation publishes at the IdO";

    // Watch the publication until three different certificates were served.
    std::vector<Seen> seen;
    std::map<std::string, std::string> pems;
    const bool three = pollUntil(
        [&] {
            auto r = ndc.client->get(certUrl);
            if (r.status != 200) {
                ADD_FAILURE() << "publication answered " << r.status << " " << r.body;
                return true;
            }
            const auto at = std::chrono::system_clock::now();
            auto chain = crypto::parsePemChain(r.body);
            if (!chain.ok()) {
                ADD_FAILURE() << chain.problem().detail;
                return true;
            }
            const auto& leaf = chain->front();
            // The headers describe exactly the certificate served.
            EXPECT_EQ(r.header("Cert-Not-Before"), toHttpDate(leaf.notBefore()));
            EXPECT_EQ(r.header("Cert-Not-After"), toHttpDate(leaf.notAfter()));
            // No gap: whatever is served is valid at the moment it is served.
            EXPECT_TRUE(leaf.validAt(std::chrono::time_point_cast<std::chrono::seconds>(at)))
                << "served " << leaf.serialHex() << " outside its validity at " << toRfc3339(at);
            seen.push_back({at, leaf.serialHex(), leaf.notBefore(), leaf.notAfter()});
            pems.emplace(leaf.serialHex(), r.body);
            return pems.size() >= 3;
        },
        std::chrono::seconds(4 * lifetime + 30));
    ASSERT_TRUE(three) << "only " << pems.size() << " certificates published";

    // Consecutive certificates overlap, chain to Pebble's root, carry the NDC's key.
    std::vector<Seen> distinct;
    for (const auto& s : seen) {
        if (distinct.empty() || distinct.back().serial != s.serial) {
            distinct.push_back(s);
        }
    }
    ASSERT_GE(distinct.size(), 3u);
    for (size_t i = 0; i + 1 < distinct.size(); ++i) {
        EXPECT_LE(distinct[i + 1].notBefore, distinct[i].notAfter) << "gap between " << i;
        EXPECT_LT(distinct[i].notAfter, distinct[i + 1].notAfter);
        EXPECT_LE(distinct[i + 1].notAfter - distinct[i + 1].notBefore,
                  std::chrono::seconds(lifetime) + std::chrono::seconds(lifetime));
    }
    for (const auto& [serial, pem] : pems) {
        expectChainsToPebble(pem, ndc.key->publicKey(), {"www.legate.test"});
    }

    // The short order ran to its end-date: publication says autoRenewalExpired.
    auto shortOrder = ndc.fetch(shortUrl);
    EXPECT_EQ(shortOrder.value("status", ""), "valid") << shortOrder.dump();
    const std::string shortCert = shortOrder.value("star-certificate", "");
    ASSERT_FALSE(shortCert.empty());
    ASSERT_TRUE(pollUntil([&] { return std::chrono::system_clock::now() > shortEnd + 1s; }, 60s));
    auto expired = ndc.client->get(shortCert);
    EXPECT_EQ(expired.status, 403);
    EXPECT_EQ(expired.json().value("type", ""), "urn:ietf:params:acme:error:autoRenewalExpired");

    // The NDC cancels: publication answers autoRenewalCanceled and renewals stop.
    auto canceled = ndc.client->post(orderUrl, json{{"status", "canceled"}});
    ASSERT_EQ(canceled.status, 200) << canceled.body;
    auto refused = ndc.client->get(certUrl);
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.json().value("type", ""), "urn:ietf:params:acme:error:autoRenewalCanceled");
    const auto issuedAtCancel = pebbleFinalizations().size();
    const auto until = std::chrono::system_clock::now() + std::chrono::seconds(lifetime + 4);
    pollUntil([&] { return std::chrono::system_clock::now() > until; }, 60s);
    EXPECT_EQ(pebbleFinalizations().size(), issuedAtCancel) << "a renewal after cancellation";
    for (const auto& [order2, count] : pebbleFinalizations()) {
        EXPECT_EQ(count, 1) << "Order2 " << order2 << " finalized " << count << " times";
    }
}

TEST_F(RelayEndToEnd, NonStarIsRelayedAndUpstreamRefusalIsMirrored) {
    startPebble();
    startIdo(upstreamConfig());
    auto ndc = onboard({"shop.legate.test"});
    const auto orderUrl = ndc.order({{"allow-certificate-get", true}});
    auto valid = ndc.settle(orderUrl);
    ASSERT_EQ(valid.value("status", ""), "valid") << valid.dump();
    EXPECT_TRUE(valid.contains("notBefore") && valid.contains("notAfter"));
    // Pebble does not offer unauthenticated certificate GET: the IdO hosts the copy.
    const std::string certUrl = valid["certificate"];
    EXPECT_EQ(certUrl.rfind(ido_->baseUrl(), 0), 0u);
    auto fetched = ndc.client->post(certUrl, std::nullopt);
    ASSERT_EQ(fetched.status, 200) << fetched.body;
    expectChainsToPebble(fetched.body, ndc.key->publicKey(), {"shop.legate.test"});

    // A name the CA's validator cannot resolve (BIND is authoritative only for
    // legate.test): Order2 goes invalid and Order1 mirrors it.
    auto bad = onboard({"www.unresolvable.example"});
    const auto badUrl = bad.order({});
    auto invalid = bad.settle(badUrl);
    ASSERT_EQ(invalid.value("status", ""), "invalid") << invalid.dump();
    ASSERT_TRUE(invalid.contains("error"));
    const std::string type = invalid["error"].value("type", "");
    EXPECT_EQ(type.rfind("urn:ietf:params:acme:error:", 0), 0u) << type;
    const std::string text = invalid["error"].dump();
    EXPECT_EQ(text.find(pebble_->directoryUrl().substr(0, 20)), std::string::npos)
        << "the CA's URLs (account, orders) must not reach the NDC: " << text;
}

TEST_F(RelayEndToEnd, ChaosEveryOrderStillCompletes) {
    PebbleServer::Options chaos;
    chaos.nonceRejectPercent = 20;
    chaos.authzReusePercent = 50;
    chaos.vaNoSleep = false;
    chaos.extraEnv = {{"PEBBLE_VA_SLEEPTIME", "2"}};
    startPebble(chaos);
    startIdo(upstreamConfig());
    std::vector<std::pair<Ndc, std::string>> orders;
    for (int i = 0; i < 4; ++i) {
        auto ndc = onboard({"chaos" + std::to_string(i) + ".legate.test"});
        auto url = ndc.order(
            i % 2 == 0 ? json::object()
                       : json{{"auto-renewal",
                               {{"end-date", toRfc3339(std::chrono::system_clock::now() + 1h)},
                                {"lifetime", 600},
                                {"allow-certificate-get", true}}}});
        orders.emplace_back(std::move(ndc), url);
    }
    for (auto& [ndc, url] : orders) {
        auto settled = ndc.settle(url, 120s);
        EXPECT_EQ(settled.value("status", ""), "valid") << settled.dump();
    }
    EXPECT_GT(pebbleLog().find("Configured to reject 20% of good nonces"), 0u);
    for (const auto& [order2, count] : pebbleFinalizations()) {
        EXPECT_EQ(count, 1) << "Order2 " << order2;
    }
}

TEST_F(RelayEndToEnd, KilledAfterEveryStepResumesWithOneFinalizePerOrder2) {
    startPebble();
    const auto upstream = upstreamConfig();
    ido_ = makeIdo(upstream);
    ido_->start();
    std::vector<std::pair<Ndc, std::string>> orders;
    for (const std::string step :
         {"ordered", "authorized", "finalizing", "finalized", "downloaded", "published"}) {
        SCOPED_TRACE(step);
        ido_->stop();
        ido_->setEnv({{"LEGATE_RELAY_CRASH_AFTER", step}});
        ido_->start();
        auto ndc = onboard({step + ".legate.test"});
        auto url = ndc.order({});
        ASSERT_TRUE(ido_->waitForExit(60s)) << "ido did not reach the crash point " << step;
        ido_->setEnv({});
        ido_->start();  // a new process: it claims the dead worker's job back
        ndc.client->refreshDirectory();
        auto settled = ndc.settle(url, 60s);
        EXPECT_EQ(settled.value("status", ""), "valid") << settled.dump();
        orders.emplace_back(std::move(ndc), url);
    }
    const auto finalized = pebbleFinalizations();
    EXPECT_EQ(finalized.size(), orders.size()) << "one Order2 per order";
    for (const auto& [order2, count] : finalized) {
        EXPECT_EQ(count, 1) << "Order2 " << order2 << " finalized " << count << " times";
    }
}

TEST_F(RelayEndToEnd, RedisRestartMidFlowLosesNothing) {
    startPebble();
    startIdo(upstreamConfig());
    auto ndc = onboard({"redis.legate.test"});
    auto url = ndc.order({});
    redis_->restart();  // AOF on: the job and the order survive
    auto settled = ndc.settle(url, 60s);
    EXPECT_EQ(settled.value("status", ""), "valid") << settled.dump();
}

TEST_F(RelayEndToEnd, TwoProcessesShareTheWorkAndDoNothingTwice) {
    startPebble();
    // Two processes on one host cannot both listen on the http-01 port Pebble dials;
    // dns-01 through BIND has no such limit (and is what a fleet would use).
    json upstream = upstreamConfig();
    upstream["solvers"] = dnsSolver();
    ido_ = makeIdo(upstream, 1);
    ido_->start();
    second_ = makeIdo(upstream, 1);
    second_->start();
    std::vector<std::pair<Ndc, std::string>> orders;
    for (int i = 0; i < 6; ++i) {
        auto ndc = onboard({"pair" + std::to_string(i) + ".legate.test"});
        auto url = ndc.order({});
        orders.emplace_back(std::move(ndc), url);
    }
    for (auto& [ndc, url] : orders) {
        auto settled = ndc.settle(url, 90s);
        EXPECT_EQ(settled.value("status", ""), "valid") << settled.dump();
    }
    const auto finalized = pebbleFinalizations();
    EXPECT_EQ(finalized.size(), orders.size());
    for (const auto& [order2, count] : finalized) {
        EXPECT_EQ(count, 1) << "Order2 " << order2;
    }
    const auto created = [](const std::string& log) {
        size_t n = 0;
        for (size_t at = log.find("order2 created"); at != std::string::npos;
             at = log.find("order2 created", at + 1)) {
            ++n;
        }
        return n;
    };
    const auto first = created(ido_->log());
    const auto second = created(second_->log());
    EXPECT_EQ(first + second, orders.size());
    EXPECT_GT(first, 0u) << "the first process did no work";
    EXPECT_GT(second, 0u) << "the second process did no work";
}

TEST_F(RelayEndToEnd, CnameMapAppearsInBindWhenValidAndGoesOnTermination) {
    startPebble();
    json upstream = upstreamConfig({{"cname",
                                     {{"install", "on-valid"},
                                      {"zones",
                                       {{{"server", "127.0.0.1"},
                                         {"port", bind_->port()},
                                         {"zone", kZone},
                                         {"tsig",
                                          {{"name", bind_->tsigName()},
                                           {"algorithm", bind_->tsigAlgorithm()},
                                           {"secret", bind_->tsigSecret()}}}}}}}}});
    startIdo(upstream);
    auto ndc = onboard({"cdn.legate.test"}, {{"cdn.legate.test.", "edge-17.legate.test."}});
    auto dns = ido::solvers::Rfc2136Client::create(
        {.server = "127.0.0.1",
         .port = static_cast<uint16_t>(bind_->port()),
         .zone = kZone,
         .tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()}});
    ASSERT_TRUE(dns.ok()) << dns.problem().detail;
    auto cname = [&] {
        auto answer = dns->query("cdn.legate.test", "CNAME");
        return answer.ok() ? *answer : std::vector<std::string>{};
    };
    EXPECT_TRUE(cname().empty()) << "installed before the order is valid";

    auto url = ndc.order({});
    auto settled = ndc.settle(url);
    ASSERT_EQ(settled.value("status", ""), "valid") << settled.dump();
    ASSERT_TRUE(pollUntil([&] { return !cname().empty(); }, 20s)) << "no CNAME in BIND";
    EXPECT_EQ(cname(), std::vector<std::string>{"edge-17.legate.test."});

    const std::string id = ndc.delegationUrl.substr(ndc.delegationUrl.rfind('/') + 1);
    auto ended = admin("DELETE", "/admin/v1/tenants/example/delegations/" + id);
    ASSERT_EQ(ended.status, 200) << ended.body;
    EXPECT_TRUE(pollUntil([&] { return cname().empty(); }, 20s)) << "CNAME left after termination";
}

TEST_F(RelayEndToEnd, TerminationRevokesWhenTheTenantSaysRevoke) {
    startPebble();
    startIdo(upstreamConfig({{"termination", "revoke"}}));
    auto ndc = onboard({"revoke.legate.test"});
    auto url = ndc.order({{"auto-renewal",
                           {{"end-date", toRfc3339(std::chrono::system_clock::now() + 1h)},
                            {"lifetime", 600},
                            {"allow-certificate-get", true}}}});
    auto valid = ndc.settle(url);
    ASSERT_EQ(valid.value("status", ""), "valid") << valid.dump();
    auto served = ndc.client->get(valid["star-certificate"]);
    auto chain = crypto::parsePemChain(served.body);
    ASSERT_TRUE(chain.ok()) << served.body;
    const std::string serial = chain->front().serialHex();

    // What Pebble's management API says about the serial.
    auto status = [&] {
        http::HttpClientOptions options;
        options.caBundle = pebble_->caFile();
        http::HttpClient client(options);
        auto r = client.get(pebble_->managementUrl() + "/cert-status-by-serial/" + serial);
        return r.ok() ? json::parse(r->body, nullptr, false).value("Status", "") : "";
    };
    EXPECT_EQ(status(), "Valid");
    const std::string id = ndc.delegationUrl.substr(ndc.delegationUrl.rfind('/') + 1);
    ASSERT_EQ(admin("DELETE", "/admin/v1/tenants/example/delegations/" + id).status, 200);
    EXPECT_TRUE(pollUntil([&] { return status() == "Revoked"; }, 20s))
        << "Pebble says " << status();
}

TEST_F(RelayEndToEnd, TheBudgetHoldsOrdersBackAndSaysSo) {
    startPebble();
    // Two new upstream orders per hour: the third and fourth first certificates wait.
    startIdo(upstreamConfig({{"budget", {{"orders", 2}, {"period", 3600}}}}));
    std::vector<std::pair<Ndc, std::string>> orders;
    for (int i = 0; i < 4; ++i) {
        auto ndc = onboard({"budget" + std::to_string(i) + ".legate.test"});
        auto url = ndc.order({});
        orders.emplace_back(std::move(ndc), url);
    }
    int valid = 0;
    pollUntil(
        [&] {
            valid = 0;
            for (auto& [ndc, url] : orders) {
                valid += ndc.fetch(url).value("status", "") == "valid" ? 1 : 0;
            }
            return valid >= 2;
        },
        60s);
    EXPECT_EQ(valid, 2);
    auto relay = admin("GET", "/admin/v1/tenants/example/relay");
    ASSERT_EQ(relay.status, 200) << relay.body;
    EXPECT_TRUE(pollUntil(
        [&] {
            auto r = admin("GET", "/admin/v1/tenants/example/relay").json();
            return r["counters"].value("budget_deferred", 0) > 0 &&
                   r["renewals"].value("scheduled", 0) == 2;
        },
        20s))
        << admin("GET", "/admin/v1/tenants/example/relay").body;
    EXPECT_EQ(pebbleFinalizations().size(), 2u) << "the CA saw no more than the budget";
    int stillProcessing = 0;
    for (auto& [ndc, url] : orders) {
        stillProcessing += ndc.fetch(url).value("status", "") == "processing" ? 1 : 0;
    }
    EXPECT_EQ(stillProcessing, 2);
    EXPECT_NE(ido_->log().find("upstream order budget exhausted"), std::string::npos);
}

}  // namespace
}  // namespace legate::test
