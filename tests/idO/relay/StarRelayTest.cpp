/// STAR relay (RFC 9115 as written) against a small scripted STAR-capable ACME server:
/// no public CA implements RFC 8739, so the only way to exercise this mode is a CA
/// made for the test.  The scripted CA advertises meta.auto-renewal with
/// allow-certificate-get, reflects (or, in one test, drops) the order's auto-renewal,
/// answers authorizations as already valid, and records every request, so the test can
/// check what the IdO sent: Order2 without `delegation`, with Order1's auto-renewal and
/// allow-certificate-get, the NDC's CSR byte for byte, and a POST canceled on
/// cancellation.  The real RelayService threads run against a real Redis.

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "broker/http/DevelopmentCertificate.h"
#include "broker/http/Server.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/StrictJson.h"
#include "tests/idO/relay/RelayFixture.h"

namespace legate::ido::relay {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// The payload of a flattened JWS (not verified: the scripted CA trusts its test).
json payloadOf(const std::string& body) {
    auto jws = json::parse(body, nullptr, false);
    if (!jws.is_object() || !jws.contains("payload")) {
        return nullptr;
    }
    const std::string p = jws["payload"];
    if (p.empty()) {
        return json::object();  // POST-as-GET
    }
    auto bytes = wire::base64UrlDecode(p);
    return json::parse(std::string(bytes->begin(), bytes->end()), nullptr, false);
}

class ScriptedStarCa {
public:
    explicit ScriptedStarCa(const std::filesystem::path& tlsDir, bool reflectAutoRenewal)
        : reflect_(reflectAutoRenewal) {
        auto paths = http::DevelopmentCertificate::ensure(tlsDir, {"127.0.0.1"});
        caFile_ = paths->caCertificate;
        auto router = std::make_shared<http::Router>();
        router->add("GET", "/dir", [this](http::Request&) -> Result<http::Response> {
            const auto base = server_->baseUrl();
            return http::Response::json(200, {{"newNonce", base + "/nonce"},
                                              {"newAccount", base + "/acct"},
                                              {"newOrder", base + "/new-order"},
                                              {"revokeCert", base + "/revoke"},
                                              {"keyChange", base + "/key-change"},
                                              {"meta",
                                               {{"auto-renewal",
                                                 {{"min-lifetime", 10},
                                                  {"max-duration", 864000},
                                                  {"allow-certificate-get", true}}}}}});
        });
        router->add({"HEAD", "GET"}, "/nonce", [this](http::Request&) -> Result<http::Response> {
            return http::Response(200).replayNonce(nonce());
        });
        router->add("POST", "/acct", [this](http::Request& r) -> Result<http::Response> {
            auto payload = payloadOf(*r.body());
            if (payload.value("onlyReturnExisting", false) && !accountMade_) {
                auto p = acme::Problem::make(acme::ErrorType::accountDoesNotExist, "no account");
                return http::Response::json(400, p.toJson())
                    .setHeader("Content-Type", "application/problem+json")
                    .replayNonce(nonce());
            }
            accountMade_ = true;
            return http::Response::json(201, {{"status", "valid"}})
                .location(server_->baseUrl() + "/acct/1")
                .replayNonce(nonce());
        });
        router->add("POST", "/new-order", [this](http::Request& r) -> Result<http::Response> {
            std::unique_lock lock(mutex_);
            newOrdersReceived_++;
            received_.notify_all();
            // Held: the request has arrived and its answer waits (newOrder in flight).
            released_.wait(lock, [this] { return !holdNewOrders_; });
            newOrder_ = payloadOf(*r.body());
            orders_.push_back(Order{newOrder_, "ready"});
            const auto id = std::to_string(orders_.size());
            return http::Response::json(201, orderJson(id))
                .location(server_->baseUrl() + "/order/" + id)
                .replayNonce(nonce());
        });
        router->add("POST", "/order/{id}", [this](http::Request& r) -> Result<http::Response> {
            std::lock_guard lock(mutex_);
            auto* order = find(r.param("id"));
            if (!order) {
                return http::Response(404).replayNonce(nonce());
            }
            auto payload = payloadOf(*r.body());
            if (payload.value("status", "") == "canceled") {
                order->status = "canceled";
                canceled_++;
            }
            if (order->status == "processing" && !hold_) {
                order->status = "valid";
            }
            return http::Response::json(200, orderJson(r.param("id"))).replayNonce(nonce());
        });
        router->add(
            "POST", "/order/{id}/finalize", [this](http::Request& r) -> Result<http::Response> {
                std::lock_guard lock(mutex_);
                auto* order = find(r.param("id"));
                if (!order) {
                    return http::Response(404).replayNonce(nonce());
                }
                if (failFinalizes_ > 0) {
                    failFinalizes_--;
                    auto p = acme::Problem::make(acme::ErrorType::serverInternal, "scripted outage",
                                                 503);
                    return http::Response::json(503, p.toJson())
                        .setHeader("Content-Type", "application/problem+json")
                        .replayNonce(nonce());
                }
                finalize_ = payloadOf(*r.body());
                finalizations_++;
                order->status = hold_ ? "processing" : "valid";
                return http::Response::json(200, orderJson(r.param("id"))).replayNonce(nonce());
            });
        http::ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.tls = http::TlsFiles{paths->certificateChain, paths->privateKey};
        server_ = std::move(*http::Server::start(options, router));
    }

    /// A held newOrder is released first, or stopping the server would wait for it;
    /// then the server drains its handlers before any member they use is destroyed.
    ~ScriptedStarCa() {
        holdNewOrders(false);
        server_->stop();
    }

    std::string directoryUrl() const { return server_->baseUrl() + "/dir"; }
    std::string starUrl(int order = 1) const {
        return server_->baseUrl() + "/star/" + std::to_string(order);
    }
    const std::filesystem::path& caFile() const { return caFile_; }

    json newOrder() {
        std::lock_guard lock(mutex_);
        return newOrder_;
    }
    json finalize() {
        std::lock_guard lock(mutex_);
        return finalize_;
    }
    int finalizations() {
        std::lock_guard lock(mutex_);
        return finalizations_;
    }
    int canceled() {
        std::lock_guard lock(mutex_);
        return canceled_;
    }
    /// The next `n` finalize requests are answered 503 (and change nothing).
    void failFinalizes(int n) {
        std::lock_guard lock(mutex_);
        failFinalizes_ = n;
    }
    /// While held, newOrder requests are received (counted) but not answered: the
    /// IdO's newOrder is in flight and its Order2 URL not yet known.
    void holdNewOrders(bool on) {
        std::lock_guard lock(mutex_);
        holdNewOrders_ = on;
        released_.notify_all();
    }
    int newOrdersReceived() {
        std::lock_guard lock(mutex_);
        return newOrdersReceived_;
    }
    /// While held, a finalized order stays `processing` (the CA is "issuing").
    void hold(bool on) {
        std::lock_guard lock(mutex_);
        hold_ = on;
    }

private:
    std::string nonce() { return wire::base64UrlEncode("nonce-" + std::to_string(nonces_++)); }

    struct Order {
        json request;
        std::string status;
    };

    Order* find(const std::string& id) {  // mutex_ held
        const auto n = static_cast<size_t>(std::atoi(id.c_str()));
        return n >= 1 && n <= orders_.size() ? &orders_[n - 1] : nullptr;
    }

    json orderJson(const std::string& id) {  // mutex_ held
        const auto& order = *find(id);
        json o = {{"status", order.status},
                  {"identifiers", order.request.value("identifiers", json::array())},
                  {"authorizations", json::array()},
                  {"finalize", server_->baseUrl() + "/order/" + id + "/finalize"}};
        if (reflect_ && order.request.contains("auto-renewal")) {
            o["auto-renewal"] = order.request["auto-renewal"];
        }
        if (order.status == "valid") {
            o["star-certificate"] = starUrl(std::atoi(id.c_str()));
        }
        return o;
    }

    bool reflect_;
    std::filesystem::path caFile_;
    std::atomic<int> nonces_{0};
    std::atomic<bool> accountMade_{false};
    std::mutex mutex_;
    json newOrder_ = json::object();
    json finalize_;
    std::vector<Order> orders_;
    bool hold_ = false;
    bool holdNewOrders_ = false;
    int newOrdersReceived_ = 0;
    std::condition_variable received_;
    std::condition_variable released_;
    int failFinalizes_ = 0;
    int finalizations_ = 0;
    int canceled_ = 0;
    // Last, so destroyed first: the relay under test outlives the CA and may still be
    // polling it, and a handler in flight must never see the members above destroyed.
    http::ServerPtr server_;
};

class StarRelayTest : public RelayFixture {
protected:
    void startRelay(const ScriptedStarCa& ca, int workers = 2) {
        RelayFixture::startRelay(upstream(ca.directoryUrl(), ca.caFile(), ca.caFile()),
                                 {.workers = workers});
    }

    /// A STAR Order1 in processing with a real CSR, stored as base64url as a release
    /// before 2026-12 did (Records.h): the relay still reads it (the other relay tests
    /// store DER, as ido does now).  Returns the id and the CSR as base64url.
    std::pair<std::string, std::string> processingStarOrder(const std::string& label = "abc") {
        auto made = processingOrder(label, {.base64UrlCsr = true});
        return {made.id, wire::base64UrlEncode(made.csrDer)};
    }
};

TEST_F(StarRelayTest, Order1GetsTheCasStarUrlAndCancelReachesOrder2) {
    ScriptedStarCa ca(dir_ / "ca-tls", true);
    startRelay(ca);
    // Named copies, not structured bindings: clang 14 cannot capture those in lambdas.
    const auto made = processingStarOrder();
    const std::string id = made.first;
    const std::string csr64 = made.second;
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) != "processing"; }, 20s));
    auto order = state_->order(id);
    ASSERT_EQ((*order)->status, "valid") << (*order)->error.dump();
    EXPECT_EQ((*order)->upstreamUrl, ca.starUrl()) << "RFC 9115: the CA's star-certificate URL";

    const auto sent = ca.newOrder();
    EXPECT_FALSE(sent.contains("delegation")) << "the delegation member is never sent upstream";
    EXPECT_EQ(sent["identifiers"], json::array({{{"type", "dns"}, {"value", "abc.ido.example"}}}));
    EXPECT_EQ(sent["auto-renewal"]["end-date"], "2030-01-01T00:00:00Z");
    EXPECT_EQ(sent["auto-renewal"]["lifetime"], 86400);
    EXPECT_EQ(sent["auto-renewal"]["allow-certificate-get"], true);
    EXPECT_EQ(ca.finalize()["csr"], csr64) << "the NDC's CSR byte for byte";
    EXPECT_EQ(ca.finalizations(), 1);

    // The NDC cancels: the relay POSTs canceled to Order2 (RFC 8739 §3.1.2).
    ASSERT_TRUE(state_->cancelOrder(id)->ok());
    EXPECT_TRUE(test::pollUntil([&] { return ca.canceled() == 1; }, 20s));
}

TEST_F(StarRelayTest, ACaThatDropsAutoRenewalFailsTheOrder) {
    ScriptedStarCa ca(dir_ / "ca-tls", false);
    startRelay(ca);
    // Named copies, not structured bindings: clang 14 cannot capture those in lambdas.
    const auto made = processingStarOrder();
    const std::string id = made.first;
    const std::string csr64 = made.second;
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) != "processing"; }, 20s));
    auto order = state_->order(id);
    ASSERT_EQ((*order)->status, "invalid");
    EXPECT_NE((*order)->error.dump().find("auto-renewal"), std::string::npos)
        << (*order)->error.dump();
    // Digest A24: Order2 is not left running when it does not reflect what was asked.
    EXPECT_TRUE(test::pollUntil([&] { return ca.canceled() >= 1; }, 20s));
}

TEST_F(StarRelayTest, OneWorkerKeepsEveryOrderInFlightWhileTheCaIssues) {
    ScriptedStarCa ca(dir_ / "ca-tls", true);
    ca.hold(true);  // every finalized Order2 stays `processing` until released
    startRelay(ca, 1);
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(processingStarOrder("o" + std::to_string(i)).first);
    }
    // One worker thread: only a relay that leaves a wake-up instead of waiting for the
    // CA reaches the fourth finalize while the first Order2 is still processing.
    ASSERT_TRUE(test::pollUntil([&] { return ca.finalizations() == 4; }, 20s))
        << ca.finalizations() << " finalizations";
    auto* tenant = relay_->tenant("example");
    ASSERT_NE(tenant, nullptr);
    for (const auto& id : ids) {
        EXPECT_EQ(statusOf(id), "processing");
    }
    EXPECT_TRUE(test::pollUntil(
        [&] {
            for (const auto& id : ids) {
                auto at = tenant->state().pollTime(id);
                if (!at.ok() || !*at) {
                    return false;
                }
            }
            return true;
        },
        10s))
        << "each order waits in the polls set";

    ca.hold(false);
    for (const auto& id : ids) {
        EXPECT_TRUE(test::pollUntil([&] { return statusOf(id) != "processing"; }, 30s)) << id;
        EXPECT_EQ(statusOf(id), "valid") << id;
    }
    EXPECT_EQ(ca.finalizations(), 4) << "exactly one finalize per Order2";
    // The order is published before its job ends and unschedules it: wait for that.
    for (const auto& id : ids) {
        EXPECT_TRUE(test::pollUntil(
            [&] {
                auto at = tenant->state().pollTime(id);
                return at.ok() && !at->has_value();
            },
            10s))
            << "a relayed order leaves the polls set: " << id;
    }
}

TEST_F(StarRelayTest, ACaOutageIsRetriedLaterFromTheScheduleNotInAWorker) {
    ScriptedStarCa ca(dir_ / "ca-tls", true);
    ca.failFinalizes(1);
    startRelay(ca, 1);
    const auto made = processingStarOrder();
    const std::string id = made.first;
    auto* tenant = relay_->tenant("example");
    ASSERT_NE(tenant, nullptr);
    // The 503 is recorded and the order waits in `renewals` for the RetryPolicy's time.
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto p = tenant->state().progress(id);
            return p.ok() && p->attempts == 1;
        },
        10s));
    auto progress = tenant->state().progress(id);
    EXPECT_EQ(progress->issue.step, IssueStep::finalizing) << "resumes at the same Order2";
    EXPECT_NE(progress->lastError.find("scripted outage"), std::string::npos);
    auto due = tenant->state().dueTime(id);
    ASSERT_TRUE(due.ok() && due->has_value()) << "a retry waits in renewals";
    EXPECT_GT(**due, std::chrono::system_clock::now() + 1s) << "after the backoff, not at once";
    EXPECT_EQ(statusOf(id), "processing");

    EXPECT_TRUE(test::pollUntil([&] { return statusOf(id) == "valid"; }, 30s));
    EXPECT_EQ(ca.finalizations(), 1) << "one finalize took effect, on the one Order2";
    progress = tenant->state().progress(id);
    EXPECT_TRUE(progress->done);
    EXPECT_EQ(progress->attempts, 0) << "a success resets the count";
}

TEST_F(StarRelayTest, TerminatedWhileNewOrderIsInFlightTheOrder2IsCanceledOnceKnown) {
    ScriptedStarCa ca(dir_ / "ca-tls", true);
    ca.holdNewOrders(true);
    startRelay(ca);
    const auto made = processingStarOrder();
    const std::string id = made.first;
    // The IdO's newOrder has reached the CA; its answer (the Order2 URL) has not come back.
    ASSERT_TRUE(test::pollUntil([&] { return ca.newOrdersReceived() == 1; }, 20s));
    auto progress = relay_->tenant("example")->state().progress(id);
    ASSERT_TRUE(progress.ok());
    EXPECT_TRUE(progress->issue.order2Url.empty()) << "no Order2 URL recorded yet";

    const auto delegation = (*state_->order(id))->delegationId;
    ASSERT_TRUE(state_->terminateDelegation(delegation)->ok());
    EXPECT_EQ(statusOf(id), "canceled");
    ca.holdNewOrders(false);

    // The URL becomes known after the termination: the CA still receives the cancel.
    EXPECT_TRUE(test::pollUntil([&] { return ca.canceled() == 1; }, 20s))
        << ca.canceled() << " cancels";
    auto* tenant = relay_->tenant("example");
    EXPECT_TRUE(test::pollUntil(
        [&] {
            auto p = tenant->state().progress(id);
            return p.ok() && p->ended;
        },
        10s));
    EXPECT_EQ(ca.finalizations(), 0) << "issuance stopped right after newOrder";
    EXPECT_EQ(statusOf(id), "canceled") << "never relayed to valid";
    EXPECT_TRUE((*state_->order(id))->upstreamUrl.empty());
    EXPECT_EQ(ca.canceled(), 1) << "once";
}

TEST_F(StarRelayTest, TerminatedWhileTheCaIssuesTheRecordedOrder2IsCanceled) {
    ScriptedStarCa ca(dir_ / "ca-tls", true);
    ca.hold(true);  // the finalized Order2 stays `processing`
    startRelay(ca);
    const auto made = processingStarOrder();
    const std::string id = made.first;
    ASSERT_TRUE(test::pollUntil([&] { return ca.finalizations() == 1; }, 20s));
    const auto delegation = (*state_->order(id))->delegationId;
    ASSERT_TRUE(state_->terminateDelegation(delegation)->ok());
    EXPECT_TRUE(test::pollUntil([&] { return ca.canceled() == 1; }, 20s))
        << "the Order2 recorded in flight (not yet relayed) is canceled at the CA";
    ca.hold(false);
    auto* tenant = relay_->tenant("example");
    EXPECT_TRUE(test::pollUntil(
        [&] {
            auto p = tenant->state().progress(id);
            return p.ok() && p->ended && p->issue.step == IssueStep::none;
        },
        10s));
    EXPECT_EQ(statusOf(id), "canceled");
    EXPECT_TRUE((*state_->order(id))->upstreamUrl.empty()) << "never relayed";
}

}  // namespace
}  // namespace legate::ido::relay
