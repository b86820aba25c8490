// The cache invalidation feed: EventFeed across two AcmeServices sharing one Redis, as
// two `ido` processes would (RedisSubscriber's own tests: tests/broker/store/).

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "idO/acme/RequestAuthenticator.h"
#include "idO/tenant/EventFeed.h"
#include "profiles/ProfileCatalog.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::test {
namespace {

/// Two AcmeServices on one Redis: two `ido` processes.
class EventFeedTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<legate::test::RedisServer>();
        url_ = std::make_unique<store::RedisUrl>(*store::RedisUrl::parse(redis_->url()));
        pool_ = std::make_unique<store::RedisPool>(*url_);
        config_.acme.baseUrl = "https://ido.test";
        TenantConfig tenant;
        tenant.name = "example";
        config_.tenants = {tenant};
        first_ = std::make_unique<AcmeServices>(config_, *pool_, clock_,
                                                profiles::ProfileCatalog::locate());
        second_ = std::make_unique<AcmeServices>(config_, *pool_, clock_,
                                                 profiles::ProfileCatalog::locate());
    }

    std::string createAccount() {
        auto& state = first_->tenant("example")->state;
        auto ndc = state.createNdc("cdn", "");
        EXPECT_TRUE(ndc.ok());
        AccountRecord account;
        account.id = newId();
        account.jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "tp"}};
        account.thumbprint = "tp";
        auto bound = state.bindAccount(account, ndc->ndc.eabKid);
        EXPECT_TRUE(bound.ok() && bound->ok());
        return account.id;
    }

    ManualClock clock_;
    ServeConfig config_;
    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisUrl> url_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<AcmeServices> first_;
    std::unique_ptr<AcmeServices> second_;
};

TEST_F(EventFeedTest, NothingIsCachedWithoutTheFeed) {
    const std::string id = createAccount();
    auto& tenant = *second_->tenant("example");
    ASSERT_TRUE(cachedAccount(tenant, id).ok());
    ASSERT_TRUE(cachedAccount(tenant, id).ok());
    EXPECT_EQ(tenant.accounts.size(), 0u);
}

TEST_F(EventFeedTest, DeactivationThroughOneProcessReachesTheOthersCache) {
    EventFeed feedA(*first_, *url_);
    EventFeed feedB(*second_, *url_);
    feedA.start();
    feedB.start();
    ASSERT_TRUE(legate::test::pollUntil([&] { return feedA.live() && feedB.live(); }));

    const std::string id = createAccount();
    auto& b = *second_->tenant("example");
    auto cached = cachedAccount(b, id);
    ASSERT_TRUE(cached.ok() && cached->has_value());
    EXPECT_TRUE((*cached)->valid());
    ASSERT_NE(b.accounts.get(id), nullptr);  // B now answers from its cache

    auto outcome = first_->tenant("example")->state.deactivateAccount(id);
    ASSERT_TRUE(outcome.ok() && outcome->ok());
    ASSERT_TRUE(legate::test::pollUntil([&] { return b.accounts.get(id) == nullptr; }));
    auto after = cachedAccount(b, id);
    ASSERT_TRUE(after.ok() && after->has_value());
    EXPECT_EQ((*after)->status, "deactivated");
}

TEST_F(EventFeedTest, CertificateMessagesInvalidatePublications) {
    EventFeed feed(*second_, *url_);
    feed.start();
    ASSERT_TRUE(legate::test::pollUntil([&] { return feed.live(); }));
    auto& tenant = *second_->tenant("example");
    CertificateRecord record;
    record.token = "tok";
    tenant.publications.put("tok", record, tenant.publications.ticket());
    ASSERT_NE(tenant.publications.get("tok"), nullptr);
    ASSERT_TRUE(
        pool_->command({"PUBLISH", tenant.state.keys().eventsChannel(), "cert:tok 3"}).ok());
    EXPECT_TRUE(legate::test::pollUntil([&] { return tenant.publications.get("tok") == nullptr; }));
}

TEST_F(EventFeedTest, CachesGoOffWhenTheFeedStops) {
    EventFeed feed(*second_, *url_);
    feed.start();
    ASSERT_TRUE(legate::test::pollUntil([&] { return feed.live(); }));
    const std::string id = createAccount();
    auto& tenant = *second_->tenant("example");
    ASSERT_TRUE(cachedAccount(tenant, id).ok());
    ASSERT_EQ(tenant.accounts.size(), 1u);
    feed.stop();
    EXPECT_FALSE(feed.live());
    EXPECT_EQ(tenant.accounts.size(), 0u);
    ASSERT_TRUE(cachedAccount(tenant, id).ok());
    EXPECT_EQ(tenant.accounts.size(), 0u);
}

}  // namespace
}  // namespace legate::ido::test
