#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "broker/store/KeyLayout.h"
#include "broker/store/NonceService.h"
#include "broker/wire/Base64Url.h"
#include "tests/broker/store/RedisTestFixture.h"
#include "tests/support/TestSupport.h"

namespace legate::store {
namespace {

using namespace std::chrono_literals;
using NonceServiceTest = testing::RedisTest;

NonceService service(RedisPool& pool,
                     std::string prefix = "legate:t1:nonce:", std::chrono::seconds ttl = 300s,
                     const Clock& clock = SystemClock::instance()) {
    return *NonceService::create(pool, std::move(prefix), ttl, clock);
}

int64_t dbSize(RedisPool& pool) {
    const auto size = pool.command({"DBSIZE"});
    EXPECT_TRUE(size.ok());
    return size.ok() ? size->asInteger().value_or(-1) : -1;
}

/// Redis's count of the commands it has run (INFO stats).
int64_t commandsProcessed(RedisPool& pool) {
    const auto info = pool.command({"INFO", "stats"});
    EXPECT_TRUE(info.ok());
    const std::string text = info.ok() ? info->asString().value_or("") : "";
    const std::string field = "total_commands_processed:";
    const auto at = text.find(field);
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + field.size()));
}

/// `nonce` with one bit of byte `index` of its decoded form flipped.
std::string flipBit(const std::string& nonce, size_t index) {
    auto bytes = *wire::base64UrlDecode(nonce);
    bytes[index] ^= 0x01;
    return wire::base64UrlEncode(bytes);
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

TEST_F(NonceServiceTest, IssuingStoresNothingAndAUsedNonceIsKeptForItsRemainingLifetime) {
    RedisPool pool(url());
    const auto layout = *KeyLayout::forTenant("tenant-a");
    ManualClock clock;
    auto nonces = service(pool, layout.kindPrefix("nonce"), 120s, clock);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok());
    EXPECT_EQ(dbSize(pool), 1) << "only the period's secret";
    const int64_t period =
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()) /
        NonceService::kSecretPeriod;
    EXPECT_TRUE(pool.command({"EXISTS", nonces.secretKey(period)})->asInteger() == 1);

    clock.advance(20s);
    ASSERT_TRUE(*nonces.consume(*nonce));
    EXPECT_EQ(nonces.keyFor(*nonce), "legate:tenant-a:nonce:" + *nonce);
    const auto ttl = pool.command({"PTTL", nonces.keyFor(*nonce)});
    ASSERT_TRUE(ttl.ok());
    ASSERT_TRUE(ttl->asInteger().has_value()) << ttl->toString();
    EXPECT_GT(*ttl->asInteger(), 0) << "-1 would mean no expiry, -2 no key";
    EXPECT_LE(*ttl->asInteger(), 100'000) << "the 100 s the nonce had left, not the whole TTL";
}

TEST_F(NonceServiceTest, AHundredThousandNoncesLeaveRedisAsItWas) {
    RedisPool pool(url());
    auto nonces = service(pool);
    ASSERT_TRUE(nonces.issue().ok());
    const int64_t before = dbSize(pool);
    const int64_t commandsBefore = commandsProcessed(pool);
    for (int i = 0; i < 100'000; ++i) {
        ASSERT_TRUE(nonces.issue().ok());
    }
    EXPECT_LE(commandsProcessed(pool) - commandsBefore, 2) << "none but the two INFO";
    EXPECT_EQ(dbSize(pool), before);
}

TEST_F(NonceServiceTest, ReplayIsRefusedByAnotherProcess) {
    // Two pools and two services: two `ido` processes sharing only Redis.
    RedisPool poolA(url());
    RedisPool poolB(url());
    auto a = service(poolA);
    auto b = service(poolB);
    const auto nonce = a.issue();
    ASSERT_TRUE(nonce.ok());
    const auto atB = b.consume(*nonce);
    ASSERT_TRUE(atB.ok()) << atB.problem().detail;
    EXPECT_TRUE(*atB) << "B learns A's secret from Redis";
    EXPECT_FALSE(*a.consume(*nonce)) << "replayed at A after B accepted it";
    EXPECT_FALSE(*b.consume(*nonce));
}

TEST_F(NonceServiceTest, ANonceOutsideItsLifetimeIsRefused) {
    RedisPool pool(url());
    ManualClock clock;
    auto nonces = service(pool, "legate:t1:nonce:", 60s, clock);
    const auto late = nonces.issue();
    const auto inTime = nonces.issue();
    ASSERT_TRUE(late.ok() && inTime.ok());
    clock.advance(59s);
    EXPECT_TRUE(*nonces.consume(*inTime));
    clock.advance(1s);
    EXPECT_FALSE(*nonces.consume(*late)) << "exactly its lifetime old";
    EXPECT_EQ(pool.command({"EXISTS", nonces.keyFor(*late)})->asInteger(), 0)
        << "an expired nonce is refused without recording it";

    // Issued by a process whose clock runs two minutes ahead.
    ManualClock ahead(clock.now() + 120s);
    auto fast = service(pool, "legate:t1:nonce:", 60s, ahead);
    const auto future = fast.issue();
    ASSERT_TRUE(future.ok());
    EXPECT_FALSE(*nonces.consume(*future));
}

TEST_F(NonceServiceTest, ANonceFromTheLastPeriodIsStillAccepted) {
    RedisPool pool(url());
    ManualClock clock(TimePoint{NonceService::kSecretPeriod * 480'000 - 10s});
    auto nonces = service(pool, "legate:t1:nonce:", 60s, clock);
    const auto old = nonces.issue();
    ASSERT_TRUE(old.ok());
    clock.advance(20s);  // into the next period
    const auto fresh = nonces.issue();
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(dbSize(pool), 2) << "one secret per period";
    RedisPool other(url());
    auto elsewhere = service(other, "legate:t1:nonce:", 60s, clock);
    EXPECT_TRUE(*elsewhere.consume(*old));
    EXPECT_TRUE(*elsewhere.consume(*fresh));
}

TEST_F(NonceServiceTest, ForgedNoncesAreRefused) {
    RedisPool pool(url());
    auto nonces = service(pool);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok());
    for (size_t index : {0u, 7u, 8u, 15u, 16u, 47u}) {  // issued-at, random part, MAC
        const std::string forged = flipBit(*nonce, index);
        ASSERT_TRUE(NonceService::wellFormed(forged));
        const auto consumed = nonces.consume(forged);
        ASSERT_TRUE(consumed.ok());
        EXPECT_FALSE(*consumed) << "bit flipped in byte " << index;
    }
    EXPECT_FALSE(*nonces.consume(std::string(NonceService::kNonceLength, 'A')));
    EXPECT_TRUE(*nonces.consume(*nonce)) << "the genuine one is still good";
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
}

TEST_F(NonceServiceTest, IssuingGoesOnWithoutRedisButConsumingReportsIt) {
    RedisPool pool(url());
    auto nonces = service(pool);
    const auto nonce = nonces.issue();
    ASSERT_TRUE(nonce.ok());
    server_->stop();
    EXPECT_TRUE(nonces.issue().ok()) << "the period's secret is in memory";
    const auto consumed = nonces.consume(*nonce);
    ASSERT_FALSE(consumed.ok()) << "unknown availability is not a 'no'";
    EXPECT_EQ(consumed.problem().type, acme::ErrorType::serverInternal);

    RedisPool fresh(url());
    auto cold = service(fresh);
    const auto issued = cold.issue();
    ASSERT_FALSE(issued.ok()) << "no secret known yet and Redis is down";
    EXPECT_EQ(issued.problem().type, acme::ErrorType::serverInternal);
}

TEST(NonceService, MalformedNoncesAreRefusedWithoutAskingRedis) {
    // Nothing listens on this port: any round trip would come back as a Problem.
    RedisPool pool(RedisUrl::plain("127.0.0.1", test::freePort()));
    auto nonces = *NonceService::create(pool, "p:", 60s);
    const std::string good(64, 'A');
    for (const std::string& bad : std::vector<std::string>{
             "", "abc", good.substr(1), good + "A", good.substr(2) + "+A", good.substr(2) + "/A",
             good.substr(1) + "=", std::string("AAAA\0A", 6) + good.substr(6),
             "AAAAAAAAAA " + good.substr(11), "AAAAAAAAAAAAAAAAAAAAAQ"}) {
        EXPECT_FALSE(NonceService::wellFormed(bad)) << bad;
        const auto consumed = nonces.consume(bad);
        ASSERT_TRUE(consumed.ok()) << bad << ": " << consumed.problem().detail;
        EXPECT_FALSE(*consumed);
    }
    EXPECT_TRUE(NonceService::wellFormed(good));
    EXPECT_FALSE(*nonces.consume(good)) << "issued at the epoch: long expired";
    EXPECT_EQ(pool.stats().connectsFailed, 0u) << "no connection was attempted";
}

TEST(NonceService, RefusesANonPositiveTtl) {
    RedisPool pool(RedisUrl::plain("127.0.0.1", 6379));
    const auto nonces = NonceService::create(pool, "p:", 0s);
    ASSERT_FALSE(nonces.ok());
    EXPECT_EQ(nonces.problem().type, acme::ErrorType::malformed);
}

}  // namespace
}  // namespace legate::store
