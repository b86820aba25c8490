/// The upstream client's waiting rules against a scripted CA on loopback (plain HTTP,
/// answers fixed in advance): Retry-After in both forms is honoured while polling,
/// a Retry-After beyond the polling budget ends polling at once, and rateLimited comes
/// back as a problem carrying the retry time.  Time is a ManualClock moved by the
/// injected sleeper, so nothing here really waits.

#include <atomic>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/http/Server.h"
#include "broker/wire/Base64Url.h"
#include "idO/upstream/AcmeClient.h"

namespace legate::ido::upstream {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

class ScriptedCaTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto router = std::make_shared<http::Router>();
        router
            ->add("GET", "/dir",
                  [this](http::Request&) -> Result<http::Response> {
                      const std::string base = server_->baseUrl();
                      return http::Response::json(200, {{"newNonce", base + "/nonce"},
                                                        {"newAccount", base + "/acct"},
                                                        {"newOrder", base + "/new-order"}});
                  })
            .add({"HEAD", "GET"}, "/nonce",
                 [this](http::Request&) -> Result<http::Response> {
                     return http::Response(200).replayNonce(nonce());
                 })
            .add("POST", "/acct",
                 [this](http::Request&) -> Result<http::Response> {
                     return http::Response::json(200, {{"status", "valid"}})
                         .location(server_->baseUrl() + "/acct/1")
                         .replayNonce(nonce());
                 })
            .add("POST", "/new-order",
                 [this](http::Request&) -> Result<http::Response> {
                     acme::Problem p = acme::Problem::make(acme::ErrorType::rateLimited,
                                                           "too many new orders", 429);
                     return http::Response::json(429, p.toJson())
                         .setHeader("Content-Type", "application/problem+json")
                         .retryAfter(30s)
                         .replayNonce(nonce());
                 })
            .add("POST", "/order/1", [this](http::Request&) -> Result<http::Response> {
                const int poll = polls_++;
                auto response = http::Response::json(
                    200, {{"status", poll < 2 ? "processing" : "valid"},
                          {"identifiers", {{{"type", "dns"}, {"value", "a.ido.example"}}}},
                          {"authorizations", nlohmann::json::array()},
                          {"finalize", server_->baseUrl() + "/order/1/finalize"}});
                response.replayNonce(nonce());
                if (poll == 0) {
                    response.retryAfter(retryAfterSeconds_);
                } else if (poll == 1) {
                    response.setHeader("Retry-After", toHttpDate(clock_.now() + 7s));
                }
                return response;
            });
        auto server = http::Server::start({}, router);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(*server);
    }

    AcmeClient makeClient() {
        AcmeClientOptions o;
        o.directoryUrl = server_->baseUrl() + "/dir";
        o.clock = &clock_;
        o.sleep = [this](ms d) {
            waits_.push_back(d);
            clock_.advance(d);
        };
        o.random = [] { return 0.5; };
        o.poll.initialInterval = 100ms;
        o.poll.maxInterval = 1s;
        o.poll.maxTotal = 60s;
        auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
        EXPECT_TRUE(key.ok());
        return AcmeClient(o, std::move(*key));
    }

    std::string nonce() { return wire::base64UrlEncode("nonce-" + std::to_string(nonces_++)); }

    ManualClock clock_;
    std::vector<ms> waits_;
    std::atomic<int> nonces_{0};
    std::atomic<int> polls_{0};
    std::chrono::seconds retryAfterSeconds_{3};
    http::ServerPtr server_;
};

TEST_F(ScriptedCaTest, PollingHonoursRetryAfterInBothForms) {
    auto client = makeClient();
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto order = client.pollOrder(server_->baseUrl() + "/order/1", {"valid"});
    ASSERT_TRUE(order.ok()) << order.problem().detail;
    EXPECT_EQ(order->status, "valid");
    // delta-seconds 3 (beats the 100 ms interval), then an HTTP-date 7 s ahead.
    EXPECT_EQ(waits_, (std::vector<ms>{ms(3000), ms(7000)}));
}

TEST_F(ScriptedCaTest, RetryAfterBeyondThePollingBudgetEndsPollingWithoutWaiting) {
    retryAfterSeconds_ = 3600s;
    auto client = makeClient();
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto order = client.pollOrder(server_->baseUrl() + "/order/1", {"valid"});
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(order.problem().status, 504);
    EXPECT_TRUE(waits_.empty());
}

TEST_F(ScriptedCaTest, RateLimitedComesBackWithTheRetryTime) {
    auto client = makeClient();
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    NewOrderRequest request;
    request.identifiers = {{"dns", "a.ido.example"}};
    auto order = client.newOrder(request);
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(order.problem().type, acme::ErrorType::rateLimited);
    EXPECT_EQ(order.problem().status, 429);
    EXPECT_NE(order.problem().detail.find("retry after " + toRfc3339(clock_.now() + 30s)),
              std::string::npos)
        << order.problem().detail;
    EXPECT_EQ(client.lastRetryAfter(), clock_.now() + 30s);
    EXPECT_TRUE(waits_.empty());  // surfaced, not slept on
}

}  // namespace
}  // namespace legate::ido::upstream
