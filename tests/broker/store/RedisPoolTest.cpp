#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "broker/store/RedisPool.h"
#include "tests/broker/store/RedisTestFixture.h"
#include "tests/support/TestSupport.h"

namespace legate::store {
namespace {

using namespace std::chrono_literals;
using RedisPoolTest = testing::RedisTest;

PoolOptions smallPool(size_t size) {
    PoolOptions options;
    options.size = size;
    options.borrowTimeout = 2s;
    options.reconnectBackoffInitial = 10ms;
    options.reconnectBackoffMax = 100ms;
    return options;
}

/// Holds `n` leases at once so the pool really opens `n` connections.
void openConnections(RedisPool& pool, size_t n) {
    std::vector<RedisPool::Lease> leases;
    for (size_t i = 0; i < n; ++i) {
        auto lease = pool.borrow();
        ASSERT_TRUE(lease.ok()) << lease.problem().detail;
        ASSERT_TRUE((*lease)->command({"PING"}).ok());
        leases.push_back(std::move(*lease));
    }
}

TEST_F(RedisPoolTest, ConnectsLazilyAndReusesConnections) {
    RedisPool pool(url(), smallPool(4));
    EXPECT_EQ(pool.stats().open, 0u);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(pool.command({"SET", "k", std::to_string(i)}).ok());
    }
    EXPECT_EQ(pool.stats().open, 1u);
    EXPECT_EQ(pool.stats().connectsSucceeded, 1u);
    const auto value = pool.command({"GET", "k"});
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(value->asString(), "19");
}

TEST_F(RedisPoolTest, ServesConcurrentThreadsWithinItsSize) {
    RedisPool pool(url(), smallPool(3));
    constexpr int kThreads = 8;
    constexpr int kIncrements = 200;
    std::atomic<int> failures{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < kIncrements; ++i) {
                // INCR is not idempotent: at-most-once.
                if (!pool.command({"INCR", "counter"}, Retry::Never).ok()) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    const auto counter = pool.command({"GET", "counter"});
    ASSERT_TRUE(counter.ok());
    EXPECT_EQ(counter->asString(), std::to_string(kThreads * kIncrements));
    EXPECT_LE(pool.stats().open, 3u);
    EXPECT_GE(pool.stats().open, 1u);
}

TEST_F(RedisPoolTest, BorrowWaitsABoundedTimeWhenAllConnectionsAreLeased) {
    auto options = smallPool(1);
    options.borrowTimeout = 100ms;
    RedisPool pool(url(), options);
    auto held = pool.borrow();
    ASSERT_TRUE(held.ok()) << held.problem().detail;

    const auto started = std::chrono::steady_clock::now();
    auto second = pool.borrow();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.problem().detail.find("no connection"), std::string::npos)
        << second.problem().detail;
    EXPECT_GE(elapsed, 90ms);
    EXPECT_LT(elapsed, 2s);
}

TEST_F(RedisPoolTest, AWaitingBorrowerGetsTheConnectionWhenItIsHandedBack) {
    RedisPool pool(url(), smallPool(1));  // waits up to 2 s
    auto held = pool.borrow();
    ASSERT_TRUE(held.ok()) << held.problem().detail;
    std::atomic<bool> served{false};
    std::thread waiter([&] {
        auto lease = pool.borrow();
        served = lease.ok() && (*lease)->command({"PING"}).ok();
    });
    { const RedisPool::Lease handBack = std::move(*held); }
    waiter.join();
    EXPECT_TRUE(served.load());
    EXPECT_EQ(pool.stats().open, 1u);
}

TEST_F(RedisPoolTest, DiscardsABrokenConnectionInsteadOfReturningIt) {
    RedisPool pool(url(), smallPool(2));
    {
        auto lease = pool.borrow();
        ASSERT_TRUE(lease.ok());
        const auto id = (*lease)->command({"CLIENT", "ID"});
        ASSERT_TRUE(id.ok());
        auto killer = direct();
        ASSERT_TRUE(killer);
        ASSERT_TRUE(
            killer->command({"CLIENT", "KILL", "ID", std::to_string(*id->asInteger())}).ok());
        EXPECT_FALSE((*lease)->command({"PING"}).ok());
    }
    EXPECT_EQ(pool.stats().open, 0u);
    EXPECT_EQ(pool.stats().discarded, 1u);
    EXPECT_TRUE(pool.command({"PING"}).ok());
}

TEST_F(RedisPoolTest, RecoversTransparentlyWhenRedisRestartsMidUse) {
    RedisPool pool(url(), smallPool(4));
    openConnections(pool, 4);  // four idle connections, all to the old process
    ASSERT_EQ(pool.stats().idle, 4u);
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(pool.command({"SET", "before:" + std::to_string(i), "kept"}).ok());
    }

    server_->restart();  // every pooled connection is now dead

    // The very first command after the restart succeeds: the dead connection is
    // detected, every stale idle connection is dropped, and the command is sent once
    // more on a fresh connection.  The AOF brought the data back.
    const auto first = pool.command({"GET", "before:0"});
    ASSERT_TRUE(first.ok()) << first.problem().detail;
    EXPECT_EQ(first->asString(), "kept");
    EXPECT_EQ(pool.stats().retries, 1u);
    EXPECT_GE(pool.stats().discarded, 4u);

    // Everything after that, from several threads at once, just works.
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const auto key = "after:" + std::to_string(t) + ":" + std::to_string(i);
                if (!pool.command({"SET", key, "v"}).ok() ||
                    pool.command({"GET", "before:" + std::to_string(i % 10)})->asString() !=
                        "kept") {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(pool.stats().retries, 1u) << "no retries once the pool is healthy";
}

TEST_F(RedisPoolTest, RetryNeverReportsTheDeadConnectionInsteadOfResending) {
    RedisPool pool(url(), smallPool(2));
    ASSERT_TRUE(pool.command({"SET", "n", "0"}).ok());
    server_->restart();

    const auto once = pool.command({"INCR", "n"}, Retry::Never);
    ASSERT_FALSE(once.ok()) << "at-most-once: the failure is reported, not hidden";
    EXPECT_TRUE(once.problem().detail.starts_with("redis: ")) << once.problem().detail;
    EXPECT_EQ(pool.stats().retries, 0u);
    // The dead connection is gone, so the next call uses a fresh one.
    const auto next = pool.command({"INCR", "n"}, Retry::Never);
    ASSERT_TRUE(next.ok()) << next.problem().detail;
    EXPECT_EQ(next->asInteger(), 1);
}

TEST_F(RedisPoolTest, FailsWhileRedisIsDownAndRecoversAfterwards) {
    RedisPool pool(url(), smallPool(2));
    ASSERT_TRUE(pool.command({"SET", "k", "v"}).ok());
    server_->stop();

    const auto down = pool.command({"GET", "k"});
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.problem().type, acme::ErrorType::serverInternal);
    EXPECT_TRUE(down.problem().detail.starts_with("redis: ")) << down.problem().detail;

    server_->restart();
    // The reconnect backoff (10..100 ms here) may still hold for a moment: poll.
    EXPECT_TRUE(test::pollUntil([&] {
        const auto reply = pool.command({"GET", "k"});
        return reply.ok() && reply->asString() == "v";
    }));
}

TEST(RedisPool, BacksOffExponentiallyBetweenFailedConnects) {
    ManualClock clock;
    PoolOptions options;
    options.size = 2;
    options.reconnectBackoffInitial = 50ms;
    options.reconnectBackoffMax = 200ms;
    options.connection.connectTimeout = 500ms;
    options.clock = &clock;
    RedisPool pool(RedisUrl::plain("127.0.0.1", test::freePort()), options);

    auto attempt = [&] {
        const auto reply = pool.command({"PING"});
        EXPECT_FALSE(reply.ok());
        return reply.ok() ? std::string() : reply.problem().detail;
    };
    EXPECT_NE(attempt().find("connect to"), std::string::npos);
    EXPECT_NE(attempt().find("backoff"), std::string::npos);
    EXPECT_EQ(pool.stats().connectsFailed, 1u);

    clock.advance(50ms);  // first window (50 ms) over
    EXPECT_NE(attempt().find("connect to"), std::string::npos);
    clock.advance(60ms);  // second window is 100 ms
    EXPECT_NE(attempt().find("backoff"), std::string::npos);
    clock.advance(40ms);
    EXPECT_NE(attempt().find("connect to"), std::string::npos);
    EXPECT_EQ(pool.stats().connectsFailed, 3u);

    for (int i = 0; i < 5; ++i) {  // capped at 200 ms
        clock.advance(200ms);
        EXPECT_NE(attempt().find("connect to"), std::string::npos);
    }
    EXPECT_EQ(pool.stats().connectsFailed, 8u);
    EXPECT_EQ(pool.stats().open, 0u);
}

}  // namespace
}  // namespace legate::store
