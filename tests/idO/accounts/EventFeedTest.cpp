// The cache invalidation feed: RedisSubscriber against a real redis-server (messages,
// reconnect after a restart, prompt stop) and EventFeed across two AcmeServices
// sharing one Redis, as two `ido` processes would.

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "broker/store/RedisSubscriber.h"
#include "idO/acme/RequestAuthenticator.h"
#include "idO/cache/EventFeed.h"
#include "profiles/ProfileCatalog.h"
#include "tests/support/RedisServer.h"

namespace legate::ido::test {
namespace {

/// Polls `condition` until it holds or 10 seconds pass.
bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
}

class RedisSubscriberTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<legate::test::RedisServer>();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        store::SubscriberCallbacks callbacks;
        callbacks.onMessage = [this](const std::string& channel, const std::string& message) {
            std::lock_guard lock(mutex_);
            messages_.push_back(channel + "|" + message);
        };
        callbacks.onConnected = [this] { ++connected_; };
        callbacks.onDisconnected = [this] { ++disconnected_; };
        subscriber_ = std::make_unique<store::RedisSubscriber>(
            *store::RedisUrl::parse(redis_->url()),
            std::vector<std::string>{store::RedisSubscriber::literalPattern("t:{a}:events"),
                                     "other:*"},
            callbacks);
    }

    std::vector<std::string> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }

    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<store::RedisSubscriber> subscriber_;
    std::atomic<int> connected_{0};
    std::atomic<int> disconnected_{0};
    std::mutex mutex_;
    std::vector<std::string> messages_;  // guarded by mutex_
};

TEST_F(RedisSubscriberTest, DeliversMessagesOfItsPatternsOnly) {
    subscriber_->start();
    ASSERT_TRUE(eventually([&] { return connected_ == 1; }));
    ASSERT_TRUE(pool_->command({"PUBLISH", "t:{a}:events", "acct:1"}).ok());
    ASSERT_TRUE(pool_->command({"PUBLISH", "t:{b}:events", "acct:2"}).ok());
    ASSERT_TRUE(pool_->command({"PUBLISH", "other:x", "hello"}).ok());
    ASSERT_TRUE(eventually([&] { return messages().size() == 2; }));
    EXPECT_EQ(messages(), (std::vector<std::string>{"t:{a}:events|acct:1", "other:x|hello"}));
}

TEST_F(RedisSubscriberTest, ReconnectsAfterARedisRestart) {
    subscriber_->start();
    ASSERT_TRUE(eventually([&] { return connected_ == 1; }));
    redis_->restart();
    ASSERT_TRUE(eventually([&] { return disconnected_ >= 1 && connected_ == 2; }));
    ASSERT_TRUE(pool_->command({"PUBLISH", "other:y", "after"}).ok());
    ASSERT_TRUE(eventually([&] { return messages().size() == 1; }));
    EXPECT_EQ(messages()[0], "other:y|after");
}

TEST_F(RedisSubscriberTest, StopIsPromptAndReportsTheDisconnect) {
    subscriber_->start();
    ASSERT_TRUE(eventually([&] { return connected_ == 1; }));
    const auto started = std::chrono::steady_clock::now();
    subscriber_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    EXPECT_EQ(disconnected_, 1);
    subscriber_->stop();  // idempotent
}

TEST_F(RedisSubscriberTest, KeepsRetryingWhileRedisIsDown) {
    redis_->stop();
    subscriber_->start();
    redis_->restart();
    ASSERT_TRUE(eventually([&] { return connected_ == 1; }));
}

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
    ASSERT_TRUE(eventually([&] { return feedA.live() && feedB.live(); }));

    const std::string id = createAccount();
    auto& b = *second_->tenant("example");
    auto cached = cachedAccount(b, id);
    ASSERT_TRUE(cached.ok() && cached->has_value());
    EXPECT_TRUE((*cached)->valid());
    ASSERT_NE(b.accounts.get(id), nullptr);  // B now answers from its cache

    auto outcome = first_->tenant("example")->state.deactivateAccount(id);
    ASSERT_TRUE(outcome.ok() && outcome->ok());
    ASSERT_TRUE(eventually([&] { return b.accounts.get(id) == nullptr; }));
    auto after = cachedAccount(b, id);
    ASSERT_TRUE(after.ok() && after->has_value());
    EXPECT_EQ((*after)->status, "deactivated");
}

TEST_F(EventFeedTest, CertificateMessagesInvalidatePublications) {
    EventFeed feed(*second_, *url_);
    feed.start();
    ASSERT_TRUE(eventually([&] { return feed.live(); }));
    auto& tenant = *second_->tenant("example");
    CertificateRecord record;
    record.token = "tok";
    tenant.publications.put("tok", record, tenant.publications.ticket());
    ASSERT_NE(tenant.publications.get("tok"), nullptr);
    ASSERT_TRUE(
        pool_->command({"PUBLISH", tenant.state.keys().eventsChannel(), "cert:tok 3"}).ok());
    EXPECT_TRUE(eventually([&] { return tenant.publications.get("tok") == nullptr; }));
}

TEST_F(EventFeedTest, CachesGoOffWhenTheFeedStops) {
    EventFeed feed(*second_, *url_);
    feed.start();
    ASSERT_TRUE(eventually([&] { return feed.live(); }));
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
