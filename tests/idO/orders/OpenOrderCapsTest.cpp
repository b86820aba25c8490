// The caps of issue #11 item 6 at the NDC-facing ACME server, over HTTPS: open orders per
// account and per delegation (429 rateLimited with Retry-After, nothing stored), the
// slots coming back when orders end, and orders past `expires` refused at finalize and
// swept (the clock is the environment's ManualClock).

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "idO/state/ExpirySweeper.h"
#include "tests/idO/orders/OrderFixture.h"
#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/RedisSnapshot.h"

namespace legate::ido {
namespace {

using nlohmann::json;

class OpenOrderCapsTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        AcmeTestOptions options;
        options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
        options.limits.openOrdersPerAccount = 5;
        options.limits.openOrdersPerDelegation = 3;
        options.limits.orderTtlSeconds = 3600;
        env_ = std::make_unique<AcmeTestEnvironment>(options);
        ndc_ = std::make_unique<AcmeTestClient>(*env_);
        on_ = ndc_->onboard();
        first_ = delegation();
        second_ = delegation();
    }

    TestDelegation delegation() {
        TestDelegationOptions d;
        d.names = {"abc.ido.example", "*"};
        d.allowedSuffixes = {"cdn.ido.example"};
        return env_->createDelegation(on_.ndcId, d);
    }

    TenantState& state() { return env_->tenant().state; }
    RedisSnapshot snapshot() { return RedisSnapshot::take(env_->pool()); }
    std::string accountId() { return ndc_->urls().accountIdFromUrl(ndc_->accountUrl()); }

    AcmeReply post(const TestDelegation& d) {
        return ndc_->post(ndc_->urls().newOrder(),
                          json{{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
                               {"delegation", d.url},
                               {"allow-certificate-get", true}});
    }
    std::string newOrder(const TestDelegation& d) {
        auto reply = post(d);
        EXPECT_EQ(reply.status, 201) << reply.describe();
        return reply.location().substr(ndc_->urls().order("").size());
    }

    void expectCapped(const TestDelegation& d, const std::string& which) {
        const auto before = snapshot();
        auto reply = post(d);
        EXPECT_EQ(reply.status, 429) << reply.describe();
        EXPECT_EQ(reply.problemType(), urn("rateLimited"));
        EXPECT_NE(reply.json()["detail"].get<std::string>().find("this " + which + " already has"),
                  std::string::npos)
            << reply.describe();
        const auto retry = reply.headers.get("Retry-After");
        ASSERT_TRUE(retry) << reply.describe();
        EXPECT_GE(std::stoi(*retry), 10);
        EXPECT_LE(std::stoi(*retry), 3600);
        EXPECT_EQ(snapshot(), before);  // nothing stored
    }

    OpenOrderCounts counts(const TestDelegation& d) {
        return state().openOrders(accountId(), d.record.id).value();
    }

    std::string csr() {
        auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
        return wire::base64UrlEncode(test::csrFor(key, {"abc.ido.example"}).der());
    }

    std::unique_ptr<AcmeTestEnvironment> env_;
    std::unique_ptr<AcmeTestClient> ndc_;
    OnboardedNdc on_;
    TestDelegation first_;
    TestDelegation second_;
};

TEST_F(OpenOrderCapsTest, PerDelegationCapIsRateLimitedAndStoresNothing) {
    for (int i = 0; i < 3; ++i) {
        newOrder(first_);
    }
    EXPECT_EQ(counts(first_).delegation, 3);
    expectCapped(first_, "delegation");
    // The other delegation of the same account still has room.
    newOrder(second_);
}

TEST_F(OpenOrderCapsTest, PerAccountCapCountsEveryDelegation) {
    for (int i = 0; i < 3; ++i) {
        newOrder(first_);
    }
    newOrder(second_);
    newOrder(second_);
    EXPECT_EQ(counts(second_).account, 5);
    EXPECT_EQ(counts(second_).delegation, 2);
    expectCapped(second_, "account");
}

TEST_F(OpenOrderCapsTest, SlotsComeBackWhenOrdersEnd) {
    const auto a = newOrder(first_);
    const auto b = newOrder(first_);
    const auto c = newOrder(first_);
    expectCapped(first_, "delegation");

    // processing still counts: the order is open until the relay ends it.
    ASSERT_TRUE(state().acceptFinalize(a, "csr")->ok());
    expectCapped(first_, "delegation");
    // processing -> invalid (the CA refused) frees it.
    ASSERT_TRUE(
        state().failOrder(a, acme::Problem::make(acme::ErrorType::serverInternal, "ca"))->ok());
    EXPECT_EQ(counts(first_).delegation, 2);
    const auto d = newOrder(first_);
    expectCapped(first_, "delegation");

    // processing -> valid frees it.
    ASSERT_TRUE(state().acceptFinalize(b, "csr")->ok());
    const auto now = env_->clock().now();
    auto chain = test::makeChain(now, now + std::chrono::hours(24));
    auto token = state().order(b).value()->certToken;
    ASSERT_TRUE(
        state()
            .publishCertificate(token, chain.pem, now, now + std::chrono::hours(24), std::nullopt)
            ->ok());
    EXPECT_EQ(counts(first_).delegation, 2);
    newOrder(first_);

    // ready -> invalid by a rejected CSR frees it.
    ASSERT_TRUE(
        state().rejectFinalize(c, acme::Problem::make(acme::ErrorType::badCSR, "no"))->ok());
    EXPECT_EQ(counts(first_).delegation, 2);
    (void)d;
}

TEST_F(OpenOrderCapsTest, ExpiredOrderIsRefusedAtFinalizeAndFreesItsSlot) {
    const auto id = newOrder(first_);
    EXPECT_EQ(counts(first_).delegation, 1);
    env_->manualClock().advance(std::chrono::seconds(3601));
    auto reply = ndc_->post(ndc_->urls().finalize(id), json{{"csr", csr()}});
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("orderNotReady"));
    EXPECT_NE(reply.json()["detail"].get<std::string>().find("expired"), std::string::npos);
    auto order = ndc_->postAsGet(ndc_->urls().order(id));
    EXPECT_EQ(order.json()["status"], "invalid");
    EXPECT_EQ(order.json()["error"]["type"], urn("orderNotReady"));
    EXPECT_EQ(counts(first_).delegation, 0);
    EXPECT_EQ(counts(first_).tenant, 0);
}

TEST_F(OpenOrderCapsTest, OrderJustBeforeExpiresStillFinalizes) {
    const auto id = newOrder(first_);
    env_->manualClock().advance(std::chrono::seconds(3599));
    auto reply = ndc_->post(ndc_->urls().finalize(id), json{{"csr", csr()}});
    EXPECT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(state().order(id).value()->status, "processing");
}

TEST_F(OpenOrderCapsTest, ExpiredOrdersAtTheCapGiveWayToANewOne) {
    // Not swept yet: newOrder at the cap expires them itself (lazily).
    for (int i = 0; i < 3; ++i) {
        newOrder(first_);
    }
    expectCapped(first_, "delegation");
    env_->manualClock().advance(std::chrono::seconds(3601));
    newOrder(first_);
    EXPECT_EQ(counts(first_).delegation, 1);
}

TEST_F(OpenOrderCapsTest, SweepMakesExpiredReadyOrdersInvalidInBoundedBatches) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(newOrder(first_));
    }
    env_->manualClock().advance(std::chrono::seconds(1));  // due after the first three
    const auto processing = newOrder(second_);
    ASSERT_TRUE(state().acceptFinalize(processing, "csr")->ok());
    env_->manualClock().advance(std::chrono::seconds(1799));
    const auto fresh = newOrder(second_);
    env_->manualClock().advance(std::chrono::seconds(1801));  // all but `fresh` are due

    auto step = state().sweepExpiredOrders(2);
    ASSERT_TRUE(step.ok());
    EXPECT_EQ(step->expired, 2);
    EXPECT_TRUE(step->more);

    ExpirySweeper sweeper({&state()}, {.batch = 2});
    EXPECT_EQ(sweeper.sweepOnce(), 1);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(state().order(ids[i]).value()->status, "invalid") << i;
    }
    // The relay owns processing orders: still open, out of the sweep's index.
    EXPECT_EQ(state().order(processing).value()->status, "processing");
    EXPECT_EQ(state().order(fresh).value()->status, "ready");
    EXPECT_EQ(counts(first_).delegation, 0);
    EXPECT_EQ(counts(second_).delegation, 2);
    EXPECT_EQ(counts(second_).account, 2);
    EXPECT_EQ(counts(second_).tenant, 1);  // only `fresh` is still due later
    EXPECT_EQ(sweeper.sweepOnce(), 0);
}

}  // namespace
}  // namespace legate::ido
