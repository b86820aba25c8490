// Hostile input against the real in-process HTTPS ACME server and admin listener: every
// case of the tables (JwsCases, AccountCases, OrderCases, AdminCases) gets the exact
// status and ACME problem type, and leaves Redis as it was.

#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "tests/idO/hostile/HostileCase.h"
#include "tests/idO/support/RedisSnapshot.h"
#include "tests/support/RedisServer.h"

#ifdef LEGATE_HAVE_ACCOUNT_ROUTES
#include "idO/acme/AccountRoutes.h"
#endif
#ifdef LEGATE_HAVE_ORDER_ROUTES
#include "idO/acme/OrderRoutes.h"
#endif
#ifdef LEGATE_HAVE_ADMIN_ROUTES
#include "idO/admin/AdminRoutes.h"
#endif

namespace legate::ido {

// ---- HostileContext ----

AcmeTestClient& HostileContext::client(const std::string& tenant, bool onboard,
                                       crypto::KeyType keyType) {
    clients_.push_back(std::make_unique<AcmeTestClient>(env_, tenant, keyType));
    auto& c = *clients_.back();
    if (onboard) {
        c.onboard();
    }
    return c;
}

AcmeTestClient& HostileContext::ndc() {
    if (main_ == nullptr) {
        main_ = &client();
    }
    return *main_;
}

std::string HostileContext::accountId(AcmeTestClient& c) {
    return c.urls().accountIdFromUrl(c.accountUrl());
}

TestDelegation HostileContext::delegation(AcmeTestClient& c, std::vector<std::string> names) {
    TestDelegationOptions options;
    options.names = std::move(names);
    return env_.createDelegation(c.ndcId(), options, c.tenant());
}

std::string HostileContext::dateIn(std::chrono::seconds offset) {
    return toRfc3339(env_.clock().now() + offset);
}

nlohmann::json HostileContext::starOrder(const std::string& delegationUrl,
                                         std::vector<std::string> names) {
    nlohmann::json identifiers = nlohmann::json::array();
    for (const auto& n : names) {
        identifiers.push_back({{"type", "dns"}, {"value", n}});
    }
    return {{"identifiers", identifiers},
            {"delegation", delegationUrl},
            {"auto-renewal",
             {{"end-date", dateIn(std::chrono::hours(24 * 7))},
              {"lifetime", 86400},
              {"allow-certificate-get", true}}}};
}

OrderRecord HostileContext::order(AcmeTestClient& c, const TestDelegation& d,
                                  const std::string& status) {
    auto& state = env_.tenant(c.tenant()).state;
    OrderRecord o;
    o.accountId = accountId(c);
    o.delegationId = d.record.id;
    for (const auto& n : d.record.csrTemplate["extensions"]["subjectAltName"]["DNS"]) {
        o.identifiers.push_back({"dns", n.get<std::string>()});
    }
    o.autoRenewal = {{"end-date", dateIn(std::chrono::hours(24 * 7))},
                     {"lifetime", 86400},
                     {"allow-certificate-get", true}};
    o.expires = env_.clock().now() + std::chrono::hours(24);
    auto created = state.createOrder(o);
    if (!created.ok() || !created->ok()) {
        throw std::runtime_error("createOrder failed");
    }
    if (status == "processing" || status == "valid") {
        auto accepted = state.acceptFinalize(o.id, "MIIBfake");
        if (!accepted.ok() || !accepted->ok()) {
            throw std::runtime_error("acceptFinalize failed");
        }
    }
    if (status == "valid") {
        const auto now = env_.clock().now();
        auto published = state.publishCertificate(
            o.certToken, "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n",
            now - std::chrono::hours(1), now + std::chrono::hours(47),
            now + std::chrono::hours(24));
        if (!published.ok() || !published->ok()) {
            throw std::runtime_error("publishCertificate failed");
        }
    }
    auto stored = state.order(o.id);
    return stored.ok() && stored->has_value() ? **stored : o;
}

AcmeReply sendDespiteReset(const std::function<AcmeReply()>& send, int attempts) {
    for (int attempt = 1;; ++attempt) {
        try {
            return send();
        } catch (const std::runtime_error& transport) {
            if (attempt >= attempts) {
                throw;
            }
        }
    }
}

namespace {

/// The route sets this build has (the others' cases are skipped, naming what is missing).
unsigned available() {
    unsigned a = 0;
#ifdef LEGATE_HAVE_ACCOUNT_ROUTES
    a |= kAccounts;
#endif
#ifdef LEGATE_HAVE_ORDER_ROUTES
    a |= kOrders;
#endif
#ifdef LEGATE_HAVE_ADMIN_ROUTES
    a |= kAdmin;
#endif
    return a;
}

std::string missing(unsigned needs) {
    std::string out;
    const unsigned gap = needs & ~available();
    if (gap & kAccounts) {
        out += " idO/acme/{RequestAuthenticator,AcmeRoute,AccountRoutes}.cpp";
    }
    if (gap & kOrders) {
        out += " idO/acme/OrderRoutes.cpp";
    }
    if (gap & kAdmin) {
        out += " idO/admin/AdminRoutes.cpp";
    }
    return out;
}

std::vector<HostileCase> allCases() {
    std::vector<HostileCase> all;
    for (auto part : {jwsCases(), accountCases(), orderCases(), adminCases()}) {
        for (auto& c : part) {
            all.push_back(std::move(c));
        }
    }
    return all;
}

class HostileTest : public ::testing::TestWithParam<HostileCase> {
protected:
    static void SetUpTestSuite() {
        if (!legate::test::RedisServer::available()) {
            return;
        }
        AcmeTestOptions options;
#ifdef LEGATE_HAVE_ACCOUNT_ROUTES
        options.acmeRoutes.push_back(addAccountRoutes);
#endif
#ifdef LEGATE_HAVE_ORDER_ROUTES
        options.acmeRoutes.push_back(addOrderRoutes);
#endif
#ifdef LEGATE_HAVE_ADMIN_ROUTES
        options.adminRoutes = addAdminRoutes;
#endif
        env_ = std::make_unique<AcmeTestEnvironment>(options);
    }
    static void TearDownTestSuite() {
        env_.reset();
    }

    static std::unique_ptr<AcmeTestEnvironment> env_;
};

std::unique_ptr<AcmeTestEnvironment> HostileTest::env_;

TEST_P(HostileTest, IsRefusedWithTheExactProblem) {
    const HostileCase& c = GetParam();
    LEGATE_REQUIRE_REDIS();
    if (!c.skip.empty()) {
        GTEST_SKIP() << c.skip;
    }
    if ((c.needs & ~available()) != 0) {
        GTEST_SKIP() << "not built yet:" << missing(c.needs);
    }
    ASSERT_NE(env_, nullptr);
    HostileContext context(*env_);
    Attack attack = c.prepare(context);

    const auto before = RedisSnapshot::take(env_->pool());
    const AcmeReply reply = attack.send();
    const auto after = RedisSnapshot::take(env_->pool());

    EXPECT_EQ(reply.status, c.status) << reply.describe();
    if (!c.error.empty()) {
        EXPECT_EQ(reply.problemType(), urn(c.error)) << reply.describe();
        EXPECT_EQ(reply.contentType(), "application/problem+json") << reply.describe();
    }
    if (attack.unchanged) {
        EXPECT_EQ(after, before) << "a refused request changed Redis";
    }
    if (attack.check) {
        attack.check(reply);
    }
}

TEST(HostileSuiteTable, HasAtLeastSixtyDistinctlyNamedCases) {
    const auto cases = allCases();
    std::set<std::string> names;
    for (const auto& c : cases) {
        EXPECT_TRUE(names.insert(c.name).second) << "duplicate case " << c.name;
    }
    EXPECT_GE(cases.size(), 60u);
}

INSTANTIATE_TEST_SUITE_P(Hostile, HostileTest, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                             return info.param.name;
                         });

}  // namespace
}  // namespace legate::ido
