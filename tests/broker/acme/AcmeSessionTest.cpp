/// The ACME client core against a scripted server on loopback (plain HTTP, answers
/// fixed in advance): nonces from every answer, HEAD newNonce when the pool is empty,
/// jwk vs kid, the badNonce retry and its limit, the bounded Retry-After, and the
/// directory's error answers.

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "broker/acme/AcmeSession.h"
#include "broker/acme/ProblemDocument.h"
#include "broker/core/Time.h"
#include "broker/http/Server.h"
#include "broker/wire/Base64Url.h"

namespace legate::acme {
namespace {

using namespace std::chrono_literals;

class AcmeSessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto router = std::make_shared<http::Router>();
        router
            ->add("GET", "/dir",
                  [this](http::Request&) -> Result<http::Response> {
                      if (directoryBroken_) {
                          return http::Response::content(502, "<html>bad gateway</html>",
                                                         "text/html");
                      }
                      const std::string base = server_->baseUrl();
                      return http::Response::json(
                          200, {{"newNonce", base + "/nonce"}, {"newAccount", base + "/acct"}});
                  })
            .add("HEAD", "/nonce",
                 [this](http::Request&) -> Result<http::Response> {
                     ++nonceHeads_;
                     return http::Response(200).replayNonce(nonce());
                 })
            .add("POST", "/acct", [this](http::Request& request) -> Result<http::Response> {
                auto body = request.body();
                if (!body) {
                    return std::move(body).problem();
                }
                auto jws = nlohmann::json::parse(*body);
                auto header = wire::base64UrlDecode(jws["protected"].get<std::string>());
                {
                    std::lock_guard lock(mutex_);
                    headers_.push_back(
                        nlohmann::json::parse(std::string(header->begin(), header->end())));
                }
                if (badNonces_ > 0) {
                    --badNonces_;
                    return http::Response::json(
                               400, Problem::make(ErrorType::badNonce, "stale").toJson())
                        .replayNonce(nonce());
                }
                auto response = http::Response::json(201, {{"status", "valid"}})
                                    .location(server_->baseUrl() + "/acct/1")
                                    .replayNonce(retryNonceValid_ ? nonce() : "not a nonce!");
                if (!retryAfter_.empty()) {
                    response.setHeader("Retry-After", retryAfter_);
                }
                return response;
            });
        auto server = http::Server::start({}, router);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(*server);
    }

    std::unique_ptr<AcmeSession> makeSession(int maxBadNonceAttempts = 3) {
        auto s = std::make_unique<AcmeSession>(
            AcmeSessionOptions{.directoryUrl = server_->baseUrl() + "/dir",
                               .peerName = "test CA",
                               .maxBadNonceAttempts = maxBadNonceAttempts,
                               .clock = &clock_});
        auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
        EXPECT_TRUE(key.ok());
        s->setKey(std::move(*key));
        return s;
    }

    std::string nonce() {
        const std::string n = wire::base64UrlEncode("nonce-" + std::to_string(nonces_++));
        std::lock_guard lock(mutex_);
        issued_.push_back(n);
        return n;
    }
    std::string url(const std::string& path) const { return server_->baseUrl() + path; }

    ManualClock clock_;
    std::mutex mutex_;
    std::vector<nlohmann::json> headers_;  ///< protected headers of POST /acct
    std::vector<std::string> issued_;      ///< nonces handed out, in order
    std::atomic<int> nonces_{0};
    std::atomic<int> nonceHeads_{0};
    std::atomic<int> badNonces_{0};
    std::atomic<bool> directoryBroken_{false};
    std::atomic<bool> retryNonceValid_{true};
    std::string retryAfter_;
    http::ServerPtr server_;
};

TEST_F(AcmeSessionTest, JwkThenKidWithNoncesFromTheAnswers) {
    auto session = makeSession();
    auto& s = *session;
    auto r = s.post(url("/acct"), nlohmann::json{{"termsOfServiceAgreed", true}}, JwsSigner::Jwk);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(nonceHeads_, 1);  // the pool was empty
    s.setAccountUrl(*r->headers.get("Location"));
    r = s.post(url("/acct"), std::nullopt, JwsSigner::Kid);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(nonceHeads_, 1);  // the first answer's nonce was used
    ASSERT_EQ(headers_.size(), 2u);
    EXPECT_TRUE(headers_[0].contains("jwk"));
    EXPECT_FALSE(headers_[0].contains("kid"));
    EXPECT_EQ(headers_[1]["kid"], url("/acct/1"));
    EXPECT_FALSE(headers_[1].contains("jwk"));
    EXPECT_EQ(headers_[1]["nonce"], issued_[1]);
    EXPECT_EQ(headers_[1]["url"], url("/acct"));
}

TEST_F(AcmeSessionTest, KidWithoutAccountAndNoKeyAreRefusedBeforeSending) {
    auto session = makeSession();
    auto& s = *session;
    auto r = s.post(url("/acct"), std::nullopt, JwsSigner::Kid);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.problem().detail.find("no account"), std::string::npos);
    AcmeSession keyless({.directoryUrl = url("/dir")});
    r = keyless.post(url("/acct"), std::nullopt, JwsSigner::Jwk);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.problem().detail.find("no account key"), std::string::npos);
    EXPECT_TRUE(headers_.empty());
}

TEST_F(AcmeSessionTest, BadNonceIsRetriedWithTheNonceItCarried) {
    badNonces_ = 2;
    auto session = makeSession(3);
    auto& s = *session;
    auto r = s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(s.badNonceRetries(), 2);
    ASSERT_EQ(headers_.size(), 3u);
    // issued_: HEAD nonce, then one per badNonce answer.
    EXPECT_EQ(headers_[1]["nonce"], issued_[1]);
    EXPECT_EQ(headers_[2]["nonce"], issued_[2]);
    EXPECT_EQ(nonceHeads_, 1);
}

TEST_F(AcmeSessionTest, BadNonceAttemptsAreLimitedAndTheLastAnswerReturned) {
    badNonces_ = 10;
    auto session = makeSession(2);
    auto& s = *session;
    auto r = s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(problemDocument(*r)->type, ErrorType::badNonce);
    EXPECT_EQ(headers_.size(), 2u);
    EXPECT_EQ(s.badNonceRetries(), 1);
}

TEST_F(AcmeSessionTest, InvalidReplayNonceIsNotPooled) {
    retryNonceValid_ = false;
    auto session = makeSession();
    auto& s = *session;
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_EQ(s.pooledNonces(), 0u);
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_EQ(nonceHeads_, 2);  // fetched a fresh one instead
}

TEST_F(AcmeSessionTest, RetryAfterOfTheLastAnswerIsBounded) {
    auto session = makeSession();
    auto& s = *session;
    retryAfter_ = "30";
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_EQ(s.lastRetryAfter(), clock_.now() + 30s);
    retryAfter_ = toHttpDate(clock_.now() - 3600s);
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_EQ(s.lastRetryAfter(), clock_.now());
    retryAfter_ = "31536000";  // a year
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_EQ(s.lastRetryAfter(), clock_.now() + kMaxRetryAfter);
    retryAfter_ = "";
    ASSERT_TRUE(s.post(url("/acct"), nlohmann::json::object(), JwsSigner::Jwk).ok());
    EXPECT_FALSE(s.lastRetryAfter());
}

TEST_F(AcmeSessionTest, DirectoryErrorsNameThePeerAndAreNotCached) {
    directoryBroken_ = true;
    auto session = makeSession();
    auto& s = *session;
    auto dir = s.directory();
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.problem().status, 502);
    EXPECT_EQ(dir.problem().detail.rfind("test CA: GET ", 0), 0u) << dir.problem().detail;
    directoryBroken_ = false;
    ASSERT_TRUE(s.directory().ok());
    auto missing = s.endpoint("newOrder");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.problem().type, ErrorType::malformed);
    EXPECT_EQ(*s.endpoint("newNonce"), url("/nonce"));
}

TEST_F(AcmeSessionTest, TransportFailuresAreConnectionProblems) {
    AcmeSession s({.directoryUrl = "http://127.0.0.1:1/dir",
                   .http = {.maxAttempts = 1, .sleep = [](std::chrono::milliseconds) {}}});
    auto dir = s.directory();
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.problem().type, ErrorType::connection);
}

}  // namespace
}  // namespace legate::acme
