// RedisSubscriber against a real redis-server: messages of its patterns only, reconnect
// after a restart, retrying while Redis is down, prompt stop.

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "broker/store/RedisPool.h"
#include "broker/store/RedisSubscriber.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::store {
namespace {

class RedisSubscriberTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<test::RedisServer>();
        pool_ = std::make_unique<RedisPool>(*RedisUrl::parse(redis_->url()));
        SubscriberCallbacks callbacks;
        callbacks.onMessage = [this](const std::string& channel, const std::string& message) {
            std::lock_guard lock(mutex_);
            messages_.push_back(channel + "|" + message);
        };
        callbacks.onConnected = [this] { ++connected_; };
        callbacks.onDisconnected = [this] { ++disconnected_; };
        subscriber_ = std::make_unique<RedisSubscriber>(
            *RedisUrl::parse(redis_->url()),
            std::vector<std::string>{RedisSubscriber::literalPattern("t:{a}:events"), "other:*"},
            callbacks);
    }

    std::vector<std::string> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }

    std::unique_ptr<test::RedisServer> redis_;
    std::unique_ptr<RedisPool> pool_;
    std::unique_ptr<RedisSubscriber> subscriber_;
    std::atomic<int> connected_{0};
    std::atomic<int> disconnected_{0};
    std::mutex mutex_;
    std::vector<std::string> messages_;  // guarded by mutex_
};

TEST_F(RedisSubscriberTest, DeliversMessagesOfItsPatternsOnly) {
    subscriber_->start();
    ASSERT_TRUE(test::pollUntil([&] { return connected_ == 1; }));
    ASSERT_TRUE(pool_->command({"PUBLISH", "t:{a}:events", "acct:1"}).ok());
    ASSERT_TRUE(pool_->command({"PUBLISH", "t:{b}:events", "acct:2"}).ok());
    ASSERT_TRUE(pool_->command({"PUBLISH", "other:x", "hello"}).ok());
    ASSERT_TRUE(test::pollUntil([&] { return messages().size() == 2; }));
    EXPECT_EQ(messages(), (std::vector<std::string>{"t:{a}:events|acct:1", "other:x|hello"}));
}

TEST_F(RedisSubscriberTest, ReconnectsAfterARedisRestart) {
    subscriber_->start();
    ASSERT_TRUE(test::pollUntil([&] { return connected_ == 1; }));
    redis_->restart();
    ASSERT_TRUE(test::pollUntil([&] { return disconnected_ >= 1 && connected_ == 2; }));
    ASSERT_TRUE(pool_->command({"PUBLISH", "other:y", "after"}).ok());
    ASSERT_TRUE(test::pollUntil([&] { return messages().size() == 1; }));
    EXPECT_EQ(messages()[0], "other:y|after");
}

TEST_F(RedisSubscriberTest, StopIsPromptAndReportsTheDisconnect) {
    subscriber_->start();
    ASSERT_TRUE(test::pollUntil([&] { return connected_ == 1; }));
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
    ASSERT_TRUE(test::pollUntil([&] { return connected_ == 1; }));
}

}  // namespace
}  // namespace legate::store
