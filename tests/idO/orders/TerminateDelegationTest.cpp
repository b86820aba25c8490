// Terminating a delegation with many orders (issue #11 item 6): the delegation is
// terminated first, its orders are ended in bounded scripts, a termination interrupted
// midway is completed by the next call, and another tenant keeps being answered
// meanwhile (latency printed, not asserted: figures for docs/operations.md).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "idO/state/Scripts.h"
#include "tests/idO/orders/OrderFixture.h"

namespace legate::ido::test {
namespace {

class TerminateDelegationTest : public OrderFixture {
protected:
    /// `n` orders under `o`'s delegation: a fifth valid STAR orders with an active
    /// publication, a fifth processing, the rest ready.
    std::vector<OrderRecord> manyOrders(const Onboarded& o, int n) {
        std::vector<OrderRecord> out;
        const auto now = clock_.now();
        const auto chain = makeChain(now, now + std::chrono::hours(24));
        for (int i = 0; i < n; ++i) {
            auto order = createOrder(o, i % 5 == 0);
            if (i % 5 == 0 || i % 5 == 1) {
                EXPECT_TRUE(state().acceptFinalize(order.id, "csr")->ok());
            }
            if (i % 5 == 0) {
                EXPECT_TRUE(state()
                                .publishCertificate(order.certToken, chain.pem, now,
                                                    now + std::chrono::hours(24), std::nullopt)
                                ->ok());
            }
            out.push_back(std::move(order));
        }
        return out;
    }

    int64_t relayTerminateJobs() {
        auto reply = pool_->command({"XRANGE", state().keys().relayStream(), "-", "+"});
        int64_t n = 0;
        for (const auto& entry : reply->elements()) {
            const auto& fields = entry.elements()[1].elements();
            for (size_t i = 0; i + 1 < fields.size(); i += 2) {
                if (fields[i].text() == "kind" && fields[i + 1].text() == "terminate") {
                    ++n;
                }
            }
        }
        return n;
    }

    void expectAllEnded(const std::vector<OrderRecord>& orders, const Onboarded& o) {
        for (const auto& order : orders) {
            auto now = *state().order(order.id).value();
            ASSERT_EQ(now.status, "canceled") << order.id;
            auto cert = state().certificate(order.certToken).value();
            ASSERT_TRUE(cert);
            EXPECT_EQ(cert->state, "canceled") << order.id;
        }
        auto counts = *state().openOrders(o.account.id, o.delegation.id);
        EXPECT_EQ(counts.account, 0);
        EXPECT_EQ(counts.delegation, 0);
        EXPECT_EQ(counts.tenant, 0);
        EXPECT_EQ(state().ordersOfDelegation(o.delegation.id)->size(), orders.size());
        EXPECT_EQ(relayTerminateJobs(), 1);
        auto d = *state().delegation(o.delegation.id).value();
        EXPECT_EQ(d.status, "terminated");
    }
};

TEST_F(TerminateDelegationTest, ManyOrdersEndInChunksAndNoNewOrderStarts) {
    auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto o = onboard(key);
    auto orders = manyOrders(o, 1000);
    auto outcome = state().terminateDelegation(o.delegation.id, 100);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->reason, "ok");
    EXPECT_EQ(outcome->detail, "1000");  // ready + processing + valid: all live
    expectAllEnded(orders, o);
    OrderRecord late;
    late.accountId = o.account.id;
    late.delegationId = o.delegation.id;
    late.identifiers = {{"dns", "abc.ido.example"}};
    late.expires = clock_.now() + std::chrono::hours(1);
    EXPECT_EQ(state().createOrder(late)->reason, "unknown-delegation");
    EXPECT_EQ(state().terminateDelegation(o.delegation.id)->reason, "already");
}

TEST_F(TerminateDelegationTest, ATerminationCutShortIsCompletedByTheNextCall) {
    auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto o = onboard(key);
    auto orders = manyOrders(o, 600);
    const auto& keys = state().keys();
    // What a crash after the first chunk leaves: terminated, some orders ended.
    auto marked = scripts::markDelegationTerminated().run(
        *pool_, {keys.delegation(o.delegation.id), keys.auditStream()},
        {o.delegation.id, timeField(clock_.now())});
    ASSERT_TRUE(marked.ok());
    auto step = scripts::terminateOrders().run(
        *pool_,
        {keys.delegation(o.delegation.id), keys.delegationOrders(o.delegation.id),
         keys.relayStream(), keys.auditStream()},
        {o.delegation.id, timeField(clock_.now()), keys.statePrefix(), keys.eventsChannel(),
         "100"});
    ASSERT_TRUE(step.ok());
    ASSERT_EQ(step->elements()[0].text(), "more");
    const auto endedSoFar = std::count_if(orders.begin(), orders.end(), [&](const auto& order) {
        return state().order(order.id).value()->status == "canceled";
    });
    EXPECT_GT(endedSoFar, 0);
    EXPECT_LT(endedSoFar, 600);
    EXPECT_EQ(relayTerminateJobs(), 0);
    // No new order starts under it meanwhile.
    OrderRecord late;
    late.accountId = o.account.id;
    late.delegationId = o.delegation.id;
    late.identifiers = {{"dns", "abc.ido.example"}};
    late.expires = clock_.now() + std::chrono::hours(1);
    EXPECT_EQ(state().createOrder(late)->reason, "unknown-delegation");

    // The operator (or a retry) calls terminate again: it finishes the job.
    auto outcome = state().terminateDelegation(o.delegation.id, 100);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->reason, "ok");
    expectAllEnded(orders, o);
    EXPECT_EQ(state().terminateDelegation(o.delegation.id)->reason, "already");
}

/// What an older release left: the orders index as a plain set, and a termination cut
/// short with an SSCAN cursor in terminate_cursor.  Reading converts the set to the sorted
/// set; terminating restarts from the first order and still ends every one.
TEST_F(TerminateDelegationTest, AnOrdersSetFromAnOlderReleaseIsConvertedAndTerminated) {
    auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto o = onboard(key);
    auto orders = manyOrders(o, 250);
    const auto& keys = state().keys();
    const auto index = keys.delegationOrders(o.delegation.id);
    auto toLegacySet = [&] {
        ASSERT_TRUE(pool_->command({"DEL", index}).ok());
        for (const auto& order : orders) {
            ASSERT_TRUE(pool_->command({"SADD", index, order.id}).ok());
        }
        ASSERT_EQ(pool_->command({"TYPE", index})->text(), "set");
    };
    toLegacySet();
    auto ids = state().ordersOfDelegation(o.delegation.id);
    ASSERT_TRUE(ids.ok()) << ids.problem().detail;
    EXPECT_EQ(ids->size(), orders.size());
    EXPECT_EQ(pool_->command({"TYPE", index})->text(), "zset");
    auto page = state().ordersOfDelegationPage(o.delegation.id, 200, 100);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->ids.size(), 50u);
    EXPECT_FALSE(page->next);

    toLegacySet();
    auto marked = scripts::markDelegationTerminated().run(
        *pool_, {keys.delegation(o.delegation.id), keys.auditStream()},
        {o.delegation.id, timeField(clock_.now())});
    ASSERT_TRUE(marked.ok());
    ASSERT_TRUE(
        pool_->command({"HSET", keys.delegation(o.delegation.id), "terminate_cursor", "248"}).ok());
    auto outcome = state().terminateDelegation(o.delegation.id, 100);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->reason, "ok");
    EXPECT_EQ(outcome->detail, "250") << "restarted from the first order, not rank 248";
    expectAllEnded(orders, o);
}

/// Another tenant's requests while 5000 orders are terminated: the longest wait with
/// chunks of 100 and with everything in one script (chunk 1 000 000), printed.
TEST_F(TerminateDelegationTest, OtherTenantLatencyDuringATerminationOf5000Orders) {
    auto otherKeys = TenantKeys(store::KeyLayout::forTenant("other").value());
    store::RedisPool otherPool(*store::RedisUrl::parse(redis_->url()));
    TenantState other(otherPool, otherKeys, clock_);
    for (const int64_t chunk : {int64_t{100}, int64_t{1'000'000}}) {
        auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
        auto o = onboard(key);
        std::vector<OrderRecord> orders;
        for (int i = 0; i < 5000; ++i) {
            orders.push_back(createOrder(o, false));
        }
        std::atomic<bool> done{false};
        std::vector<double> waits;
        std::thread probe([&] {
            while (!done) {
                const auto start = std::chrono::steady_clock::now();
                auto reply = other.order("no-such-order");
                const auto end = std::chrono::steady_clock::now();
                EXPECT_TRUE(reply.ok());
                waits.push_back(std::chrono::duration<double, std::milli>(end - start).count());
            }
        });
        const auto start = std::chrono::steady_clock::now();
        auto outcome = state().terminateDelegation(o.delegation.id, chunk);
        const auto took =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        done = true;
        probe.join();
        ASSERT_TRUE(outcome.ok());
        EXPECT_EQ(outcome->detail, "5000");
        for (const auto& order : orders) {
            ASSERT_EQ(state().order(order.id).value()->status, "canceled");
        }
        std::sort(waits.begin(), waits.end());
        ASSERT_FALSE(waits.empty());
        const auto p99 = waits[std::min(waits.size() - 1, waits.size() * 99 / 100)];
        std::printf(
            "terminate 5000 orders, chunk %lld: %.0f ms in all; other tenant: %zu requests, "
            "median %.2f ms, p99 %.2f ms, max %.2f ms\n",
            static_cast<long long>(chunk), took, waits.size(), waits[waits.size() / 2], p99,
            waits.back());
    }
}

}  // namespace
}  // namespace legate::ido::test
