#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/store/KeyLayout.h"
#include "broker/store/NonceService.h"
#include "tests/broker/store/RedisTestFixture.h"
#include "tests/support/TestSupport.h"

namespace legate::store {
namespace {

using namespace std::chrono_literals;
using NonceServiceTest = testing::RedisTest;

NonceService service(RedisPool& pool,
                     std::string prefix = "legate:t1:nonce:", std::chrono::seconds ttl = 300s) {
    return *NonceService::create(pool, std::move(prefix), ttl);
}

TEST_F(NonceServiceTest, ANonceIsAcceptedExactlyOnce) {
    RedisPool pool(url());
    auto nonces = service(pool);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok()) << nonce.problem().detail;
    EXPECT_EQ(nonce->size(), NonceService::kNonceLength);
    EXPECT_TRUE(NonceService::wellFormed(*nonce));

    const auto first = nonces.consume(*nonce);
    ASSERT_TRUE(first.ok()) << first.problem().detail;
    EXPECT_TRUE(*first);
    const auto second = nonces.consume(*nonce);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
}

TEST_F(NonceServiceTest, IsStoredUnderThePrefixWithTheTtl) {
    RedisPool pool(url());
    const auto layout = *KeyLayout::forTenant("tenant-a");
    auto nonces = service(pool, layout.kindPrefix("nonce"), 120s);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok());
    EXPECT_EQ(nonces.keyFor(*nonce), "legate:tenant-a:nonce:" + *nonce);
    const auto ttl = pool.command({"TTL", nonces.keyFor(*nonce)});
    ASSERT_TRUE(ttl.ok());
    ASSERT_TRUE(ttl->asInteger().has_value()) << ttl->toString();
    EXPECT_GT(*ttl->asInteger(), 0) << "-1 would mean no expiry, -2 no key";
    EXPECT_LE(*ttl->asInteger(), 120);
}

TEST_F(NonceServiceTest, ConcurrentConsumersOfOneNonceHaveExactlyOneWinner) {
    RedisPool pool(url());
    auto nonces = service(pool);
    constexpr int kThreads = 8;
    for (int round = 0; round < 20; ++round) {
        const auto nonce = nonces.issue();
        ASSERT_TRUE(nonce.ok());
        std::atomic<int> winners{0};
        std::atomic<int> failures{0};
        std::latch start(kThreads);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                start.arrive_and_wait();
                const auto won = nonces.consume(*nonce);
                if (!won.ok()) {
                    ++failures;
                } else if (*won) {
                    ++winners;
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_EQ(failures.load(), 0);
        EXPECT_EQ(winners.load(), 1) << "round " << round;
    }
}

TEST_F(NonceServiceTest, UnknownNoncesAreRefused) {
    RedisPool pool(url());
    auto nonces = service(pool);
    const auto unknown = nonces.consume("AAAAAAAAAAAAAAAAAAAAAA");  // well-formed, never issued
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE(*unknown);
}

TEST_F(NonceServiceTest, TenantsDoNotShareNonces) {
    RedisPool pool(url());
    auto a = service(pool, "legate:a:nonce:");
    auto b = service(pool, "legate:b:nonce:");
    const auto nonce = a.issue();
    ASSERT_TRUE(nonce.ok());
    EXPECT_FALSE(*b.consume(*nonce));
    EXPECT_TRUE(*a.consume(*nonce));
}

TEST_F(NonceServiceTest, IssuedNoncesAreDistinct) {
    RedisPool pool(url());
    auto nonces = service(pool);
    std::set<std::string> seen;
    for (int i = 0; i < 500; ++i) {
        const auto nonce = nonces.issue();
        ASSERT_TRUE(nonce.ok());
        EXPECT_TRUE(seen.insert(*nonce).second);
    }
    const auto size = pool.command({"DBSIZE"});
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(size->asInteger(), 500);
}

TEST_F(NonceServiceTest, ReportsRedisBeingDownAsAProblem) {
    RedisPool pool(url());
    auto nonces = service(pool);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok());
    server_->stop();
    const auto issued = nonces.issue();
    ASSERT_FALSE(issued.ok());
    EXPECT_EQ(issued.problem().type, acme::ErrorType::serverInternal);
    const auto consumed = nonces.consume(*nonce);
    ASSERT_FALSE(consumed.ok()) << "unknown availability is not a 'no'";
}

TEST(NonceService, MalformedNoncesAreRefusedWithoutAskingRedis) {
    // Nothing listens on this port: any round trip would come back as a Problem.
    RedisPool pool(RedisUrl::plain("127.0.0.1", test::freePort()));
    auto nonces = *NonceService::create(pool, "p:", 60s);
    for (const std::string& bad : std::vector<std::string>{
             "", "abc", "AAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA",
             "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAA/A",
             "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAB",
             std::string("AAAAAAAAAAAAAAAAAAAA\0A", 22), "AAAAAAAAAA AAAAAAAAAAA"}) {
        EXPECT_FALSE(NonceService::wellFormed(bad)) << bad;
        const auto consumed = nonces.consume(bad);
        ASSERT_TRUE(consumed.ok()) << bad << ": " << consumed.problem().detail;
        EXPECT_FALSE(*consumed);
    }
    EXPECT_EQ(pool.stats().connectsFailed, 0u) << "no connection was attempted";
    EXPECT_TRUE(NonceService::wellFormed("AAAAAAAAAAAAAAAAAAAAAQ"));
}

TEST(NonceService, RefusesANonPositiveTtl) {
    RedisPool pool(RedisUrl::plain("127.0.0.1", 6379));
    const auto nonces = NonceService::create(pool, "p:", 0s);
    ASSERT_FALSE(nonces.ok());
    EXPECT_EQ(nonces.problem().type, acme::ErrorType::malformed);
}

}  // namespace
}  // namespace legate::store
