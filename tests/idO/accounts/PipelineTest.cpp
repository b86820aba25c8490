// The JWS pipeline (RequestAuthenticator) seen through the account URL and newAccount:
// every fault gets its exact problem type and status, a fresh Replay-Nonce, and
// changes nothing in Redis.

#include <gtest/gtest.h>

#include "broker/store/NonceService.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/JwsAlgorithm.h"
#include "idO/acme/RequestAuthenticator.h"
#include "tests/idO/accounts/AccountFixture.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;

class PipelineTest : public AccountFixture {
protected:
    void SetUp() override {
        AccountFixture::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        account_ = std::make_unique<Account>(registerAccount());
        before_ = snapshot();
    }

    /// A flattened JWS with any protected header, signed by `key` with `alg` (or with
    /// the given signature bytes when `alg` is empty).
    std::string handmade(const json& header, const std::string& payloadText,
                         const crypto::PrivateKey& key, const std::string& alg = "ES256") {
        const std::string protectedB64 = wire::base64UrlEncode(header.dump());
        const std::string payloadB64 = wire::base64UrlEncode(payloadText);
        std::string signature = "c2ln";
        if (auto parsed = wire::parseJwsAlgorithm(alg)) {
            auto sig = wire::createJwsSignature(*parsed, key, protectedB64 + "." + payloadB64);
            EXPECT_TRUE(sig.ok());
            signature = wire::base64UrlEncode(*sig);
        }
        return json{{"protected", protectedB64}, {"payload", payloadB64}, {"signature", signature}}
            .dump();
    }

    json kidHeader(const std::string& alg = "ES256") {
        return json{
            {"alg", alg}, {"kid", account_->url}, {"nonce", nonce()}, {"url", account_->url}};
    }

    /// The answer is `status` + `type`, carries a fresh nonce, and Redis is unchanged.
    /// `index`: the resource carries Link rel="index" (all but the directory).
    void expectRefused(const http::ClientResponse& r, int status, const std::string& type,
                       bool index = true) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(problemType(r), type) << r.body;
        EXPECT_EQ(r.headers.get("Replay-Nonce").value_or("").size(),
                  store::NonceService::kNonceLength);
        const std::vector<std::string> link = {"<" + urls().directory() + ">;rel=\"index\""};
        EXPECT_EQ(r.headers.getAll("Link"), index ? link : std::vector<std::string>{});
        EXPECT_EQ(r.headers.get("Access-Control-Allow-Origin"), "*");
        EXPECT_EQ(snapshot(), before_);
    }

    std::unique_ptr<Account> account_;
    std::string before_;
};

TEST_F(PipelineTest, WrongContentTypeIs415) {
    expectRefused(send("POST", account_->url,
                       sign(account_->key, account_->url, std::nullopt, {.kid = account_->url}),
                       "application/json"),
                  415, "malformed");
}

TEST_F(PipelineTest, OversizeBodyIs413) {
    std::string body(static_cast<size_t>(config_.limits.maxBodyBytes) + 10, 'a');
    auto r = send("POST", account_->url, body);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(problemType(r), "malformed");
    EXPECT_EQ(snapshot(), before_);
}

TEST_F(PipelineTest, BadJsonIsMalformed) {
    expectRefused(send("POST", account_->url, "{\"protected\": "), 400, "malformed");
}

TEST_F(PipelineTest, ReplayedNonceIsBadNonceWithAFreshNonce) {
    const std::string used = nonce();
    ASSERT_EQ(postAsAccount(*account_, account_->url, std::nullopt).status, 200);
    auto first =
        post(account_->key, account_->url, std::nullopt, {.kid = account_->url, .nonce = used});
    EXPECT_EQ(first.status, 200) << first.body;
    auto replay =
        post(account_->key, account_->url, std::nullopt, {.kid = account_->url, .nonce = used});
    expectRefused(replay, 400, "badNonce");
    EXPECT_NE(replay.headers.get("Replay-Nonce"), used);
    // The nonce that came with the badNonce works.
    auto retry = post(account_->key, account_->url, std::nullopt,
                      {.kid = account_->url, .nonce = replay.headers.get("Replay-Nonce")});
    EXPECT_EQ(retry.status, 200) << retry.body;
}

TEST_F(PipelineTest, NonceIsSpentEvenWhenTheRequestFails) {
    const std::string spent = nonce();
    expectRefused(post(account_->key, account_->url, std::nullopt,
                       {.kid = account_->url, .nonce = spent, .signedUrl = urls().newOrder()}),
                  401, "unauthorized");
    expectRefused(
        post(account_->key, account_->url, std::nullopt, {.kid = account_->url, .nonce = spent}),
        400, "badNonce");
}

TEST_F(PipelineTest, ForeignNonceIsBadNonce) {
    // Issued by the other tenant: nonces are per tenant.
    const std::string foreign = nonce(&otherTenant());
    expectRefused(
        post(account_->key, account_->url, std::nullopt, {.kid = account_->url, .nonce = foreign}),
        400, "badNonce");
    // Well-formed but never issued.
    expectRefused(post(account_->key, account_->url, std::nullopt,
                       {.kid = account_->url, .nonce = "AAAAAAAAAAAAAAAAAAAAAA"}),
                  400, "badNonce");
}

TEST_F(PipelineTest, UrlMismatchIs401) {
    expectRefused(post(account_->key, account_->url, std::nullopt,
                       {.kid = account_->url, .signedUrl = urls().newOrder()}),
                  401, "unauthorized");
}

TEST_F(PipelineTest, UnknownKidIsAccountDoesNotExist) {
    expectRefused(
        post(account_->key, account_->url, std::nullopt, {.kid = urls().account("nobody")}), 400,
        "accountDoesNotExist");
}

TEST_F(PipelineTest, KidOfAnotherTenantIsAccountDoesNotExist) {
    const std::string foreignKid = otherTenant().urls.account(account_->id);
    expectRefused(post(account_->key, account_->url, std::nullopt, {.kid = foreignKid}), 400,
                  "accountDoesNotExist");
}

TEST_F(PipelineTest, AlgNoneAndHs256AreBadSignatureAlgorithm) {
    expectRefused(send("POST", account_->url, handmade(kidHeader("none"), "", account_->key, "")),
                  400, "badSignatureAlgorithm");
    expectRefused(send("POST", account_->url, handmade(kidHeader("HS256"), "", account_->key, "")),
                  400, "badSignatureAlgorithm");
}

TEST_F(PipelineTest, BothJwkAndKidIsMalformed) {
    json header = kidHeader();
    header["jwk"] = *wire::toJwk(account_->key.publicKey());
    expectRefused(send("POST", account_->url, handmade(header, "", account_->key)), 400,
                  "malformed");
}

TEST_F(PipelineTest, JwkWhereAKidIsNeededIsMalformed) {
    expectRefused(post(account_->key, account_->url, std::nullopt), 400, "malformed");
}

TEST_F(PipelineTest, KidWhereAJwkIsNeededIsMalformed) {
    expectRefused(post(account_->key, urls().newAccount(), json::object(), {.kid = account_->url}),
                  400, "malformed");
}

TEST_F(PipelineTest, BadSignatureIs401) {
    auto stranger = newKey();
    expectRefused(send("POST", account_->url, handmade(kidHeader(), "", stranger)), 401,
                  "unauthorized");
}

TEST_F(PipelineTest, PayloadWherePostAsGetIsRequiredIsMalformed) {
    expectRefused(postAsAccount(*account_, urls().directory(), json::object()), 400, "malformed",
                  false);
}

TEST_F(PipelineTest, NonObjectPayloadIsMalformed) {
    expectRefused(send("POST", account_->url, handmade(kidHeader(), "[1,2]", account_->key)), 400,
                  "malformed");
}

TEST(RetryAfterTest, RateLimitedProblemCarriesItsDelay) {
    auto problem = rateLimitedProblem(std::chrono::milliseconds(1500));
    EXPECT_EQ(problem.type, acme::ErrorType::rateLimited);
    EXPECT_EQ(problem.status, 429);
    EXPECT_EQ(retryAfterOf(problem), std::chrono::seconds(2));
    EXPECT_EQ(retryAfterOf(rateLimitedProblem(std::chrono::milliseconds(0))),
              std::chrono::seconds(1));
    EXPECT_FALSE(retryAfterOf(acme::Problem::make(acme::ErrorType::malformed, "retry after 5")));
}

class RateLimitTest : public AccountFixture {
protected:
    void configure(ServeConfig& config) override {
        config.limits.rateLimit.requestsPerSecond = 1;
        config.limits.rateLimit.burst = 2;
    }
};

TEST_F(RateLimitTest, OverTheBurstIs429WithRetryAfter) {
    const auto account = registerAccount();  // jwk request: not counted
    EXPECT_EQ(postAsAccount(account, account.url, std::nullopt).status, 200);
    EXPECT_EQ(postAsAccount(account, account.url, std::nullopt).status, 200);
    auto limited = postAsAccount(account, account.url, std::nullopt);
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(problemType(limited), "rateLimited");
    EXPECT_EQ(limited.headers.get("Retry-After"), "1");
    EXPECT_TRUE(limited.headers.has("Replay-Nonce"));
    clock_.advance(std::chrono::seconds(1));
    EXPECT_EQ(postAsAccount(account, account.url, std::nullopt).status, 200);
}

}  // namespace
}  // namespace legate::ido::test
