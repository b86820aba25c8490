// The harness itself: the environment serves HTTPS on the URL it advertises, the client's
// JWS builder makes exactly the bodies it claims (checked with broker/wire's own
// parser), and RedisSnapshot sees every change except nonces and rate buckets.

#include <gtest/gtest.h>

#include "broker/wire/Jws.h"
#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/AcmeTestEnvironment.h"
#include "tests/idO/support/RedisSnapshot.h"

namespace legate::ido {
namespace {

/// A route of the test's own, to see the listener without any production route.
void addPing(http::Router& router, const AcmeServices& services) {
    router.add("GET", "/ping", [&services](http::Request&) -> Result<http::Response> {
        return http::Response::json(200, {{"tenants", services.tenants().size()},
                                          {"base", services.config().acme.baseUrl}});
    });
}

class HarnessTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        AcmeTestOptions options;
        options.acmeRoutes = {addPing};
        options.adminRoutes = [](http::Router& router, const AcmeServices&, std::string token) {
            router.add("GET", "/admin/ping", [token](http::Request& r) -> Result<http::Response> {
                const bool ok = r.header("Authorization") == "Bearer " + token;
                return http::Response::json(ok ? 200 : 401, nlohmann::json::object());
            });
        };
        env_ = std::make_unique<AcmeTestEnvironment>(options);
    }

    /// Parses `body` as the server would and verifies it with `key`.
    static Status parseAndVerify(const std::string& body, const crypto::PublicKey& key) {
        auto jws = wire::Jws::parse(body);
        LEGATE_TRY(jws);
        return jws->verify(key);
    }

    std::unique_ptr<AcmeTestEnvironment> env_;
};

TEST_F(HarnessTest, ServesHttpsOnTheAdvertisedBaseUrlTrustingOnlyItsCa) {
    AcmeTestClient client(*env_);
    const auto reply = client.get(env_->acmeUrl() + "/ping");
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json()["tenants"], 2);
    EXPECT_EQ(reply.json()["base"], env_->acmeUrl());
    EXPECT_EQ(env_->acmeUrl(), "https://127.0.0.1:" + std::to_string(env_->acmeServer().port()));
    EXPECT_EQ(env_->directoryUrl("other"), env_->acmeUrl() + "/acme/other/directory");
    EXPECT_EQ(&env_->tenant("other"), env_->services().tenant("other"));
    EXPECT_THROW(env_->tenant("nosuch"), std::out_of_range);

    // A client without the development CA must not get through.
    http::HttpClientOptions strangerOptions;
    strangerOptions.maxAttempts = 1;
    http::HttpClient stranger(strangerOptions);
    auto refused = stranger.get(env_->acmeUrl() + "/ping");
    EXPECT_FALSE(refused.ok());
}

TEST_F(HarnessTest, AdminListenerGetsTheConfiguredToken) {
    AcmeTestClient client(*env_);
    ASSERT_FALSE(env_->adminUrl().empty());
    auto ok = client.request("GET", env_->adminUrl() + "/admin/ping",
                             {{"Authorization", "Bearer " + env_->adminToken()}});
    EXPECT_EQ(ok.status, 200) << ok.describe();
    auto wrong =
        client.request("GET", env_->adminUrl() + "/admin/ping", {{"Authorization", "Bearer nope"}});
    EXPECT_EQ(wrong.status, 401);
}

TEST_F(HarnessTest, ManualClockDrivesTheServices) {
    const auto before = env_->clock().now();
    env_->manualClock().advance(std::chrono::hours(5));
    EXPECT_EQ(env_->services().clock().now() - before, std::chrono::hours(5));
}

TEST_F(HarnessTest, CreateDelegationStoresAnInstantiatedProfile) {
    auto ndc = env_->tenant().state.createNdc("cdn", "");
    ASSERT_TRUE(ndc.ok());
    TestDelegationOptions options;
    options.names = {"abc.ido.example", "def.ido.example"};
    options.star = StarPolicy{3600, 86400};
    const auto d = env_->createDelegation(ndc->ndc.id, options);
    EXPECT_EQ(d.url, env_->tenant().urls.delegation(d.record.id));
    auto stored = env_->tenant().state.delegation(d.record.id);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->ndcId, ndc->ndc.id);
    EXPECT_EQ((*stored)->csrTemplate["extensions"]["subjectAltName"]["DNS"],
              nlohmann::json({"abc.ido.example", "def.ido.example"}));
    TestDelegationOptions unknown;
    unknown.profile = "no-such-profile";
    EXPECT_THROW(env_->createDelegation(ndc->ndc.id, unknown), std::runtime_error);
}

TEST_F(HarnessTest, SignedBodyIsAJwsTheServerSideParserAccepts) {
    AcmeTestClient client(*env_);
    const auto url = client.urls().newAccount();
    JwsOverrides o;
    o.nonce = "AAAAAAAAAAAAAAAAAAAAAA";
    const auto body = client.signedBody(url, nlohmann::json{{"a", 1}}, o);
    auto jws = wire::Jws::parse(body);
    ASSERT_TRUE(jws.ok()) << jws.problem().detail;
    EXPECT_TRUE(jws->verify(client.key().publicKey()).ok());
    EXPECT_EQ(jws->url(), url);
    EXPECT_EQ(jws->nonce(), "AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(jws->jwk(), client.publicJwk());
    EXPECT_FALSE(jws->kid().has_value());
    EXPECT_EQ(jws->payloadJson().value(), (nlohmann::json{{"a", 1}}));

    client.setAccountUrl(client.urls().account("xyz"));
    auto asGet = wire::Jws::parse(client.signedBody(url, std::nullopt, o));
    ASSERT_TRUE(asGet.ok());
    EXPECT_TRUE(asGet->isPostAsGet());
    EXPECT_EQ(asGet->kid(), client.urls().account("xyz"));
    EXPECT_FALSE(asGet->jwk().has_value());
}

TEST_F(HarnessTest, OverridesMakeTheFaultsTheyName) {
    AcmeTestClient client(*env_);
    const auto url = client.urls().newAccount();
    const auto key = client.key().publicKey();
    const nlohmann::json payload = {{"a", 1}};
    auto body = [&](const std::function<void(JwsOverrides&)>& fault) {
        JwsOverrides o;
        fault(o);
        if (!o.nonce && !o.omitNonce) {
            o.nonce = "AAAAAAAAAAAAAAAAAAAAAA";
        }
        return client.signedBody(url, payload, o);
    };
    auto type = [](const Status& s) { return s.ok() ? std::string("ok") : s.problem().urn(); };
    using Sig = JwsOverrides::Signature;

    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.alg = "none"; }), key)),
              urn("badSignatureAlgorithm"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.signature = Sig::Hmac; }), key)),
              urn("badSignatureAlgorithm"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.alg = "ES384"; }), key)),
              urn("badSignatureAlgorithm"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.signature = Sig::Der; }), key)),
              urn("unauthorized"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.signature = Sig::Tampered; }), key)),
              urn("unauthorized"));
    EXPECT_EQ(
        type(parseAndVerify(body([](JwsOverrides& o) { o.payloadAfterSigning = "{}"; }), key)),
        urn("unauthorized"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) { o.omitNonce = true; }), key)),
              urn("badNonce"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) {
                                      o.key = JwsOverrides::KeyRef::Both;
                                      o.kid = "k";
                                  }),
                                  key)),
              urn("malformed"));
    EXPECT_EQ(
        type(parseAndVerify(body([](JwsOverrides& o) { o.protectedText = "not json"; }), key)),
        urn("malformed"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides& o) {
                                      o.mutate = [](nlohmann::json& j) {
                                          j["header"] = nlohmann::json::object();
                                      };
                                  }),
                                  key)),
              urn("malformed"));
    auto other = crypto::PrivateKey::generate(crypto::KeyType::P256);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(type(parseAndVerify(body([&](JwsOverrides& o) {
                                      o.jwk = client.publicJwk();
                                      o.signer = &*other;
                                  }),
                                  key)),
              urn("unauthorized"));
    EXPECT_EQ(type(parseAndVerify(body([](JwsOverrides&) {}), key)), "ok");
}

TEST_F(HarnessTest, SnapshotSeesEveryChangeButNoncesAndRateBuckets) {
    auto& pool = env_->pool();
    ASSERT_TRUE(
        pool.command({"HSET", "legate:example:{tenant:example}:acct:a", "status", "valid"}));
    ASSERT_TRUE(pool.command({"ZADD", "legate:example:{tenant:example}:ndcs", "1", "n"}));
    ASSERT_TRUE(pool.command({"SADD", "legate:example:{tenant:example}:s", "x"}));
    ASSERT_TRUE(pool.command({"XADD", "legate:example:{tenant:example}:audit", "*", "what", "x"}));
    ASSERT_TRUE(pool.command({"SET", "legate:example:plain", "1"}));
    const auto before = RedisSnapshot::take(pool);
    EXPECT_EQ(before.lines().size(), 5u) << before.text();

    ASSERT_TRUE(pool.command({"SET", "legate:example:nonce:abc", "1"}));
    ASSERT_TRUE(pool.command({"HSET", "legate:example:{tenant:example}:rate:a", "tokens", "3"}));
    EXPECT_EQ(RedisSnapshot::take(pool), before);

    const std::vector<std::vector<std::string>> changes = {
        {"HSET", "legate:example:{tenant:example}:acct:a", "status", "deactivated"},
        {"ZADD", "legate:example:{tenant:example}:ndcs", "2", "n"},
        {"SADD", "legate:example:{tenant:example}:s", "y"},
        {"XADD", "legate:example:{tenant:example}:audit", "*", "what", "y"},
        {"SET", "legate:example:plain", "2"},
        {"SET", "legate:example:new", "1"},
    };
    for (const auto& change : changes) {
        const auto current = RedisSnapshot::take(pool);
        ASSERT_TRUE(pool.command(change));
        EXPECT_FALSE(RedisSnapshot::take(pool) == current) << "missed: " << change[0];
    }
}

}  // namespace
}  // namespace legate::ido
