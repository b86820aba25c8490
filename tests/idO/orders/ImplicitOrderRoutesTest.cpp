// Implicit delegation over HTTPS: a stock client's newOrder (identifiers only) from an
// EAB-bound account is matched to its NDC's implicit delegation, proceeds like a named
// one (ready, the template gate at finalize), lists already-valid authorizations, and
// gets the delegation's lifetime; refusals name the delegations and change nothing.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "tests/idO/orders/OrderFixture.h"
#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/RedisSnapshot.h"

namespace legate::ido {
namespace {

using nlohmann::json;

class ImplicitOrderRoutesTest : public ::testing::Test {
protected:
    void start(bool tenantOptIn) {
        LEGATE_REQUIRE_REDIS();
        AcmeTestOptions options;
        options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
        options.configure = [tenantOptIn](ServeConfig& c) {
            for (auto& t : c.tenants) {
                t.implicitDelegation = tenantOptIn;
            }
        };
        env_ = std::make_unique<AcmeTestEnvironment>(options);
        ndc_ = std::make_unique<AcmeTestClient>(*env_);
        on_ = ndc_->onboard();
        TestDelegationOptions d;
        d.names = {"abc.ido.example"};
        d.implicit = ImplicitPolicy{3600};
        deleg_ = env_->createDelegation(on_.ndcId, d);
    }

    static json stockOrder(std::vector<std::string> names) {
        json ids = json::array();
        for (const auto& n : names) {
            ids.push_back({{"type", "dns"}, {"value", n}});
        }
        return {{"identifiers", ids}};
    }

    TenantState& state() { return env_->tenant().state; }
    RedisSnapshot snapshot() { return RedisSnapshot::take(env_->pool()); }
    std::string csr(crypto::KeyType type, std::vector<std::string> names) {
        auto key = *crypto::PrivateKey::generate(type);
        return wire::base64UrlEncode(test::csrFor(key, std::move(names)).der());
    }

    std::unique_ptr<AcmeTestEnvironment> env_;
    std::unique_ptr<AcmeTestClient> ndc_;
    OnboardedNdc on_;
    TestDelegation deleg_;
};

TEST_F(ImplicitOrderRoutesTest, StockOrderIsMatchedToTheImplicitDelegation) {
    start(true);
    const auto now = env_->clock().now();
    auto reply = ndc_->post(ndc_->urls().newOrder(), stockOrder({"abc.ido.example"}));
    ASSERT_EQ(reply.status, 201) << reply.describe();
    const auto doc = reply.json();
    EXPECT_EQ(doc["status"], "ready");
    EXPECT_EQ(doc["delegation"], deleg_.url);
    EXPECT_EQ(doc["allow-certificate-get"], false);
    // The delegation sets the lifetime: the client asked for none.
    EXPECT_EQ(doc["notAfter"], toRfc3339(std::chrono::floor<std::chrono::seconds>(now) +
                                         std::chrono::seconds(3600)));
    const auto id = reply.location().substr(ndc_->urls().order("").size());
    const auto stored = *state().order(id).value();
    EXPECT_EQ(stored.delegationId, deleg_.record.id);
    EXPECT_TRUE(stored.implicit);

    // One already-valid authorization per identifier, for clients that need one.
    ASSERT_EQ(doc["authorizations"], (json{ndc_->urls().authorization(id, 0)}));
    auto authz = ndc_->postAsGet(ndc_->urls().authorization(id, 0));
    ASSERT_EQ(authz.status, 200) << authz.describe();
    EXPECT_EQ(authz.json()["status"], "valid");
    EXPECT_EQ(authz.json()["identifier"], (json{{"type", "dns"}, {"value", "abc.ido.example"}}));
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().authorization(id, 1)).status, 404);
    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    EXPECT_EQ(other.postAsGet(ndc_->urls().authorization(id, 0)).status, 404);

    // The CSR still goes through the template gate: a P-384 key is refused...
    auto refused = ndc_->post(ndc_->urls().finalize(id),
                              json{{"csr", csr(crypto::KeyType::P384, {"abc.ido.example"})}});
    EXPECT_EQ(refused.status, 403) << refused.describe();
    EXPECT_EQ(refused.problemType(), urn("badCSR"));
    // ...and a conforming one is accepted on a fresh order.
    reply = ndc_->post(ndc_->urls().newOrder(), stockOrder({"abc.ido.example"}));
    ASSERT_EQ(reply.status, 201) << reply.describe();
    auto done = ndc_->post(reply.json()["finalize"].get<std::string>(),
                           json{{"csr", csr(crypto::KeyType::P256, {"abc.ido.example"})}});
    ASSERT_EQ(done.status, 200) << done.describe();
    EXPECT_EQ(done.json()["status"], "processing");
}

TEST_F(ImplicitOrderRoutesTest, NamedOrdersListNoAuthorizations) {
    start(true);
    json named = stockOrder({"abc.ido.example"});
    named["delegation"] = deleg_.url;
    named["allow-certificate-get"] = true;
    auto reply = ndc_->post(ndc_->urls().newOrder(), named);
    ASSERT_EQ(reply.status, 201) << reply.describe();
    EXPECT_EQ(reply.json()["authorizations"], json::array());
    EXPECT_FALSE(reply.json().contains("notAfter"));
    const auto id = reply.location().substr(ndc_->urls().order("").size());
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().authorization(id, 0)).status, 404);
}

TEST_F(ImplicitOrderRoutesTest, NoCoveringDelegationIsRejectedAndChangesNothing) {
    start(true);
    const auto before = snapshot();
    auto reply = ndc_->post(ndc_->urls().newOrder(), stockOrder({"other.example"}));
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("rejectedIdentifier"));
    const auto doc = reply.json();
    EXPECT_NE(doc["detail"].get<std::string>().find(deleg_.url), std::string::npos);
    ASSERT_EQ(doc["subproblems"].size(), 1u);
    EXPECT_EQ(doc["subproblems"][0]["identifier"]["value"], "other.example");
    EXPECT_EQ(snapshot(), before);

    // A second implicit delegation for the same name makes the match ambiguous.
    TestDelegationOptions d;
    d.names = {"abc.ido.example"};
    d.implicit = ImplicitPolicy{3600};
    env_->createDelegation(on_.ndcId, d);
    const auto before2 = snapshot();
    reply = ndc_->post(ndc_->urls().newOrder(), stockOrder({"abc.ido.example"}));
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("unauthorized"));
    EXPECT_EQ(snapshot(), before2);
}

TEST_F(ImplicitOrderRoutesTest, TenantThatDidNotOptInRequiresDelegation) {
    start(false);
    const auto before = snapshot();
    auto reply = ndc_->post(ndc_->urls().newOrder(), stockOrder({"abc.ido.example"}));
    EXPECT_EQ(reply.status, 400) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("malformed"));
    EXPECT_EQ(snapshot(), before);
}

}  // namespace
}  // namespace legate::ido
