#pragma once
/// What the relay tests against a real Redis share: tenant "example" in a fresh
/// redis-server, Order1s in `processing` with a real CSR as finalize leaves them, and the
/// real RelayService started on them against a test CA (BoulderCa, a scripted STAR CA).
///
///     class MyRelayTest : public RelayFixture {};
///     TEST_F(MyRelayTest, ...) {
///         test::BoulderCa ca(dir_ / "ca", profiles);
///         startRelay(upstream(ca));
///         const auto id = processingOrder("abc").id;
///         ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) == "valid"; }, 30s));
///     }
///
/// Members are declared so that the relay stops before Redis does; a test's CA, a local
/// of the test body, goes before both (its server drains its handlers first).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/store/RedisPool.h"
#include "idO/relay/RelayService.h"
#include "idO/state/TenantState.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::test {
class BoulderCa;
}

namespace legate::ido::relay {

class RelayFixture : public ::testing::Test {
protected:
    void SetUp() override;

    /// An upstream at `directory`, trusted through `caBundle` (TLS) and `roots`
    /// (issued chains), solved by http-01 on the built-in responder (any port), with an
    /// account key under dir_.
    UpstreamConfig upstream(const std::string& directory, const std::filesystem::path& caBundle,
                            const std::filesystem::path& roots) const;
    /// The same for a Boulder-shaped CA, plus what the Let's Encrypt tests want: renewal
    /// lead time 1 s, and STAR lifetimes up to 7 days on `shortlived`, longer ones on
    /// `classic`.
    UpstreamConfig upstream(test::BoulderCa& ca) const;

    struct RelayOptions {
        int workers = 2;
        int64_t tickMs = 50;
    };
    /// The RelayService on tenant "example" with `up` (claim idle 1 s), or why not.
    Result<std::unique_ptr<RelayService>> tryStartRelay(const UpstreamConfig& up,
                                                        RelayOptions options);
    Result<std::unique_ptr<RelayService>> tryStartRelay(const UpstreamConfig& up) {
        return tryStartRelay(up, RelayOptions{});
    }
    /// The same, into relay_; fails the test when it does not start.
    void startRelay(const UpstreamConfig& up, RelayOptions options);
    void startRelay(const UpstreamConfig& up) { startRelay(up, RelayOptions{}); }

    struct OrderSpec {
        /// The identifiers and the CSR's names; empty: {label + ".ido.example"}.
        std::vector<std::string> names{};
        int64_t lifetime = 86400;   ///< STAR lifetime in seconds; 0 makes a non-STAR order
        std::string termination{};  ///< the delegation's ("": the tenant's default)
        bool base64UrlCsr = false;  ///< store the CSR as releases before 2026-12 did
    };
    struct ProcessingOrder {
        std::string id;
        std::string csrDer;
    };
    /// An Order1 in processing under an NDC, account and delegation of its own (all
    /// named after `label`), with a fresh P-256 key's CSR.
    ProcessingOrder processingOrder(const std::string& label, const OrderSpec& spec);
    ProcessingOrder processingOrder(const std::string& label) {
        return processingOrder(label, OrderSpec{});
    }

    std::optional<OrderRecord> order(const std::string& id);
    std::string statusOf(const std::string& id);

    test::TempDir dir_;
    std::unique_ptr<test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<TenantState> state_;
    std::unique_ptr<RelayService> relay_;
};

}  // namespace legate::ido::relay
