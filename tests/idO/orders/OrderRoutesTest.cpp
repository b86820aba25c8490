// The order side of the NDC-facing ACME server over HTTPS, end to end: delegations,
// newOrder, order, orders list, finalize, cancel and the certificate publication.
// Every refusal asserts its status, problem type and that Redis did not change.

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "idO/acme/PublicationListener.h"
#include "idO/upstream/UpstreamAccountKey.h"
#include "tests/idO/orders/OrderFixture.h"
#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/RedisSnapshot.h"

namespace legate::ido {
namespace {

using nlohmann::json;

class OrderRoutesTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        AcmeTestOptions options;
        options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
        options.limits.pageSize = 2;
        options.configure = configure_;
        env_ = std::make_unique<AcmeTestEnvironment>(options);
        ndc_ = std::make_unique<AcmeTestClient>(*env_);
        on_ = ndc_->onboard();
        TestDelegationOptions delegation;
        delegation.names = {"abc.ido.example", "*"};
        delegation.allowedSuffixes = {"cdn.ido.example"};
        deleg_ = env_->createDelegation(on_.ndcId, delegation);
    }

    TenantContext& tenant() { return env_->tenant(); }

    static TestDelegationOptions withCnameMap(json map) {
        TestDelegationOptions o;
        o.cnameMap = std::move(map);
        return o;
    }
    static TestDelegationOptions withStar(StarPolicy policy) {
        TestDelegationOptions o;
        o.star = policy;
        return o;
    }

    /// A delegation of the test NDC created one second after the previous one.
    TestDelegation delegationLater(const TestDelegationOptions& options) {
        env_->manualClock().advance(std::chrono::seconds(1));
        return env_->createDelegation(on_.ndcId, options);
    }
    TenantState& state() { return tenant().state; }
    TimePoint now() { return env_->clock().now(); }
    std::string accountId(const AcmeTestClient& c) {
        return c.urls().accountIdFromUrl(c.accountUrl());
    }
    RedisSnapshot snapshot() { return RedisSnapshot::take(env_->pool()); }

    json nonStar(const std::string& delegationUrl,
                 json ids = {{{"type", "dns"}, {"value", "abc.ido.example"}}}) {
        return {
            {"identifiers", ids}, {"delegation", delegationUrl}, {"allow-certificate-get", true}};
    }

    json star(const std::string& delegationUrl, TimePoint endDate) {
        return {{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
                {"delegation", delegationUrl},
                {"auto-renewal",
                 {{"end-date", toRfc3339(endDate)},
                  {"lifetime", 86400},
                  {"allow-certificate-get", true}}}};
    }

    /// newOrder that must succeed; returns the order id.
    std::string newOrder(const json& payload, AcmeTestClient* client = nullptr) {
        auto& c = client ? *client : *ndc_;
        auto reply = c.post(c.urls().newOrder(), payload);
        EXPECT_EQ(reply.status, 201) << reply.describe();
        const auto id = reply.location().substr(c.urls().order("").size());
        return id;
    }

    /// The order made valid with a real certificate, as the upstream side does.
    test::Chain publish(const std::string& orderId, TimePoint notBefore, TimePoint notAfter,
                        std::optional<TimePoint> next = std::nullopt) {
        auto order = *state().order(orderId).value();
        if (order.status == "ready") {
            EXPECT_TRUE(state().acceptFinalize(orderId, "csr")->ok());
        }
        auto chain = test::makeChain(notBefore, notAfter);
        auto outcome =
            state().publishCertificate(order.certToken, chain.pem, notBefore, notAfter, next);
        EXPECT_TRUE(outcome.ok() && outcome->ok());
        return chain;
    }

    std::string certUrl(const std::string& orderId) {
        return tenant().urls.certificate(state().order(orderId).value()->certToken);
    }

    std::string csrPayload(const crypto::PrivateKey& key, std::vector<std::string> names) {
        return wire::base64UrlEncode(test::csrFor(key, std::move(names)).der());
    }

    /// Expects `reply` to be problem `type` with `status` and Redis to equal `before`.
    void expectRefused(const AcmeReply& reply, int status, const std::string& type,
                       const RedisSnapshot& before) {
        EXPECT_EQ(reply.status, status) << reply.describe();
        EXPECT_EQ(reply.problemType(), urn(type)) << reply.describe();
        EXPECT_EQ(snapshot(), before);
    }

    /// Set by derived fixtures before SetUp: changes the configuration.
    std::function<void(ServeConfig&)> configure_;
    std::unique_ptr<AcmeTestEnvironment> env_;
    std::unique_ptr<AcmeTestClient> ndc_;
    OnboardedNdc on_;
    TestDelegation deleg_;
};

// ---- delegations ----

TEST_F(OrderRoutesTest, DelegationsListShowsActiveDelegationsOfTheNdcPaged) {
    // Listed in creation order: one second apart so the order is unambiguous.
    const auto second = delegationLater({});
    const auto ended = delegationLater({});
    const auto third = delegationLater({});
    ASSERT_TRUE(state().terminateDelegation(ended.record.id)->ok());
    AcmeTestClient other(*env_);
    const auto otherOn = other.onboard("cdn2");
    env_->createDelegation(otherOn.ndcId, {});

    const auto listUrl = ndc_->urls().accountDelegations(accountId(*ndc_));
    auto page1 = ndc_->postAsGet(listUrl);
    ASSERT_EQ(page1.status, 200) << page1.describe();
    EXPECT_EQ(page1.json()["delegations"], (json{deleg_.url, second.url}));
    const auto next = listUrl + "?cursor=2";
    const auto links = page1.headers.getAll("Link");
    EXPECT_NE(std::find(links.begin(), links.end(), "<" + next + ">;rel=\"next\""), links.end());
    auto page2 = ndc_->postAsGet(next);
    ASSERT_EQ(page2.status, 200) << page2.describe();
    // The terminated one (offset 2) is left out; no further page.
    EXPECT_EQ(page2.json()["delegations"], (json{third.url}));
    for (const auto& link : page2.headers.getAll("Link")) {
        EXPECT_EQ(link.find("rel=\"next\""), std::string::npos) << link;
    }
}

TEST_F(OrderRoutesTest, DelegationsListOfAnotherAccountIsUnauthorized) {
    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    const auto before = snapshot();
    auto reply = other.postAsGet(ndc_->urls().accountDelegations(accountId(*ndc_)));
    expectRefused(reply, 403, "unauthorized", before);
}

TEST_F(OrderRoutesTest, DelegationObjectOnlyForTheNdcsActiveDelegations) {
    const auto mapped =
        env_->createDelegation(on_.ndcId, withCnameMap({{"abc.ido.example.", "abc.ndc.example."}}));
    auto reply = ndc_->postAsGet(mapped.url);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json()["csr-template"], mapped.record.csrTemplate);
    EXPECT_EQ(reply.json()["cname-map"], (json{{"abc.ido.example.", "abc.ndc.example."}}));
    reply = ndc_->postAsGet(deleg_.url);
    ASSERT_EQ(reply.status, 200);
    EXPECT_FALSE(reply.json().contains("cname-map"));

    AcmeTestClient other(*env_);
    const auto otherOn = other.onboard("cdn2");
    const auto foreign = env_->createDelegation(otherOn.ndcId, {});
    ASSERT_TRUE(state().terminateDelegation(mapped.record.id)->ok());
    // A delegation of another tenant, addressed under this tenant's URL.
    auto otherNdc = env_->tenant("other").state.createNdc("cdn", "ops@cdn.example");
    ASSERT_TRUE(otherNdc.ok());
    const auto otherTenant = env_->createDelegation(otherNdc->ndc.id, {}, "other");
    const auto before = snapshot();
    for (const auto& url : {foreign.url, mapped.url, ndc_->urls().delegation("nope"),
                            ndc_->urls().delegation(otherTenant.record.id)}) {
        auto refused = ndc_->postAsGet(url);
        expectRefused(refused, 404, "malformed", before);
        EXPECT_EQ(refused.json()["detail"], "no such delegation");
    }
}

// ---- newOrder ----

TEST_F(OrderRoutesTest, NonStarOrderIsCreatedReady) {
    auto reply =
        ndc_->post(ndc_->urls().newOrder(),
                   nonStar(deleg_.url, {{{"type", "dns"}, {"value", "ABC.ido.example"}},
                                        {{"type", "dns"}, {"value", "x.cdn.ido.example"}}}));
    ASSERT_EQ(reply.status, 201) << reply.describe();
    const auto doc = reply.json();
    EXPECT_EQ(doc["status"], "ready");
    EXPECT_EQ(doc["identifiers"], (json{{{"type", "dns"}, {"value", "abc.ido.example"}},
                                        {{"type", "dns"}, {"value", "x.cdn.ido.example"}}}));
    EXPECT_EQ(doc["authorizations"], json::array());
    EXPECT_EQ(doc["delegation"], deleg_.url);
    EXPECT_EQ(doc["allow-certificate-get"], true);
    EXPECT_FALSE(doc.contains("auto-renewal"));
    EXPECT_EQ(doc["expires"],
              toRfc3339(now() + std::chrono::seconds(env_->config().limits.orderTtlSeconds)));
    const auto id = reply.location().substr(ndc_->urls().order("").size());
    EXPECT_EQ(doc["finalize"], ndc_->urls().finalize(id));
    auto stored = state().order(id).value();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->accountId, accountId(*ndc_));
    EXPECT_EQ(stored->delegationId, deleg_.record.id);
}

TEST_F(OrderRoutesTest, NonStarOrderReflectsNotBeforeAndNotAfter) {
    auto payload = nonStar(deleg_.url);
    payload["notBefore"] = toRfc3339(now() + std::chrono::hours(1));
    payload["notAfter"] = toRfc3339(now() + std::chrono::hours(24 * 30));
    auto reply = ndc_->post(ndc_->urls().newOrder(), payload);
    ASSERT_EQ(reply.status, 201) << reply.describe();
    EXPECT_EQ(reply.json()["notBefore"], payload["notBefore"]);
    EXPECT_EQ(reply.json()["notAfter"], payload["notAfter"]);
    const auto before = snapshot();
    std::swap(payload["notBefore"], payload["notAfter"]);
    expectRefused(ndc_->post(ndc_->urls().newOrder(), payload), 400, "malformed", before);
}

TEST_F(OrderRoutesTest, NonStarValidityBoundsAreEnforcedWithTheBoundInTheDetail) {
    using std::chrono::hours;
    using std::chrono::seconds;
    const auto before = snapshot();
    const auto refused = [&](std::optional<TimePoint> notBefore, std::optional<TimePoint> notAfter,
                             const std::string& inDetail) {
        auto p = nonStar(deleg_.url);
        if (notBefore) {
            p["notBefore"] = toRfc3339(*notBefore);
        }
        if (notAfter) {
            p["notAfter"] = toRfc3339(*notAfter);
        }
        auto reply = ndc_->post(ndc_->urls().newOrder(), p);
        expectRefused(reply, 400, "malformed", before);
        EXPECT_NE(reply.json().value("detail", "").find(inDetail), std::string::npos)
            << reply.describe();
    };
    const int64_t maxDuration = 30 * 86400;  // the test tenant's max-duration
    refused(now(), now(), "earlier than notAfter");
    refused(now() - seconds(86401), now() + hours(1), "86400 seconds in the past");
    refused(now() + seconds(maxDuration + 1), std::nullopt, std::to_string(maxDuration));
    refused(std::nullopt, now(), "not in the future");
    refused(now() - hours(2), now() - hours(1), "not in the future");
    refused(std::nullopt, now() + seconds(maxDuration + 1), std::to_string(maxDuration));
    refused(now() + hours(1), now() + hours(1) + seconds(maxDuration + 1),
            std::to_string(maxDuration + 1) + " seconds of validity");

    // A delegation's own max-duration tightens the tenant's for non-STAR orders too.
    const auto strict = env_->createDelegation(on_.ndcId, withStar(StarPolicy{3600, 86400 * 2}));
    const auto strictBefore = snapshot();
    auto p = nonStar(strict.url);
    p["notAfter"] = toRfc3339(now() + hours(24 * 3));
    auto reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", strictBefore);
    EXPECT_NE(reply.json().value("detail", "").find(std::to_string(2 * 86400)), std::string::npos);

    // At the bounds exactly: accepted.
    p = nonStar(deleg_.url);
    p["notBefore"] = toRfc3339(now() - seconds(86400));
    p["notAfter"] = toRfc3339(now() + seconds(maxDuration));
    EXPECT_EQ(ndc_->post(ndc_->urls().newOrder(), p).status, 201);
    p["notBefore"] = toRfc3339(now() + seconds(maxDuration));
    p.erase("notAfter");
    EXPECT_EQ(ndc_->post(ndc_->urls().newOrder(), p).status, 201);
}

TEST_F(OrderRoutesTest, StarOrderReflectsTheSettledAutoRenewal) {
    auto payload = star(deleg_.url, now() + std::chrono::hours(24 * 10));
    payload["auto-renewal"]["start-date"] = toRfc3339(now() - std::chrono::hours(1));
    payload["auto-renewal"]["lifetime-adjust"] = 600;
    auto reply = ndc_->post(ndc_->urls().newOrder(), payload);
    ASSERT_EQ(reply.status, 201) << reply.describe();
    const auto doc = reply.json();
    EXPECT_EQ(doc["auto-renewal"],
              (json{{"start-date", toRfc3339(now())},
                    {"end-date", toRfc3339(now() + std::chrono::hours(24 * 10))},
                    {"lifetime", 86400},
                    {"lifetime-adjust", 600},
                    {"allow-certificate-get", true}}));
    EXPECT_EQ(doc["expires"], toRfc3339(now() + std::chrono::hours(24 * 10)));
    EXPECT_FALSE(doc.contains("notBefore"));
    EXPECT_FALSE(doc.contains("allow-certificate-get"));
}

TEST_F(OrderRoutesTest, MalformedNewOrdersChangeNothing) {
    const auto before = snapshot();
    auto p = nonStar(deleg_.url);
    p.erase("delegation");
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
    p = nonStar(deleg_.url);
    p["identifiers"][0]["delegation"] = deleg_.url;
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
    p = nonStar(deleg_.url, {{{"type", "ip"}, {"value", "192.0.2.1"}}});
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "unsupportedIdentifier", before);
    p = nonStar(deleg_.url);
    p["allow-certificate-get"] = false;
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
    p = star(deleg_.url, now() + std::chrono::hours(48));
    p["notAfter"] = toRfc3339(now() + std::chrono::hours(48));
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
    p = star(deleg_.url, now() + std::chrono::hours(48));
    p["auto-renewal"].erase("allow-certificate-get");
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
    p = star(deleg_.url, now() - std::chrono::hours(1));
    expectRefused(ndc_->post(ndc_->urls().newOrder(), p), 400, "malformed", before);
}

TEST_F(OrderRoutesTest, StarBoundsAreEnforcedWithTheBoundInTheDetail) {
    const auto before = snapshot();
    auto p = star(deleg_.url, now() + std::chrono::hours(48));
    p["auto-renewal"]["lifetime"] = 3599;
    auto reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", before);
    EXPECT_NE(reply.json()["detail"].get<std::string>().find("3600"), std::string::npos);
    p = star(deleg_.url, now() + std::chrono::seconds(30 * 86400 + 1));
    reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", before);
    EXPECT_NE(reply.json()["detail"].get<std::string>().find(std::to_string(30 * 86400)),
              std::string::npos);
    // At the bound exactly, accepted.
    p = star(deleg_.url, now() + std::chrono::seconds(30 * 86400));
    EXPECT_EQ(ndc_->post(ndc_->urls().newOrder(), p).status, 201);
}

/// A tenant whose upstream CA chooses the validity by ACME profile (Let's Encrypt):
/// STAR lifetimes up to 7 days get `shortlived`, up to 9 days `classic` (scaled down).
class OrderRoutesProfilesTest : public OrderRoutesTest {
protected:
    OrderRoutesProfilesTest() {
        configure_ = [](ServeConfig& config) {
            UpstreamConfig up;
            up.profiles.star = {{7 * 86400, "shortlived", ""}, {9 * 86400, "classic", ""}};
            config.tenants.front().upstream = up;
        };
    }
};

TEST_F(OrderRoutesProfilesTest, ALifetimeNoUpstreamProfileServesIsRefusedAtNewOrder) {
    const auto before = snapshot();
    auto p = star(deleg_.url, now() + std::chrono::hours(20 * 24));
    p["auto-renewal"]["lifetime"] = 9 * 86400 + 1;
    auto reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", before);
    const auto detail = reply.json()["detail"].get<std::string>();
    EXPECT_NE(detail.find("profile"), std::string::npos) << detail;
    EXPECT_NE(detail.find(std::to_string(9 * 86400)), std::string::npos) << detail;
    // The last band's bound exactly: accepted.
    p["auto-renewal"]["lifetime"] = 9 * 86400;
    EXPECT_EQ(ndc_->post(ndc_->urls().newOrder(), p).status, 201);
}

TEST_F(OrderRoutesTest, DelegationStarPolicyTightensTheTenantBounds) {
    const auto strict = env_->createDelegation(on_.ndcId, withStar(StarPolicy{7200, 86400 * 2}));
    const auto before = snapshot();
    auto p = star(strict.url, now() + std::chrono::hours(24));
    p["auto-renewal"]["lifetime"] = 3600;  // fine for the tenant, not for this delegation
    auto reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", before);
    EXPECT_NE(reply.json()["detail"].get<std::string>().find("7200"), std::string::npos);
    p = star(strict.url, now() + std::chrono::hours(24 * 3));
    reply = ndc_->post(ndc_->urls().newOrder(), p);
    expectRefused(reply, 400, "malformed", before);
    EXPECT_NE(reply.json()["detail"].get<std::string>().find(std::to_string(2 * 86400)),
              std::string::npos);
    EXPECT_EQ(ndc_->post(ndc_->urls().newOrder(), star(strict.url, now() + std::chrono::hours(24)))
                  .status,
              201);
}

TEST_F(OrderRoutesTest, UnusableDelegationsAreUnknownDelegation) {
    AcmeTestClient other(*env_);
    const auto otherOn = other.onboard("cdn2");
    const auto foreign = env_->createDelegation(otherOn.ndcId, {});
    const auto ended = env_->createDelegation(on_.ndcId, {});
    ASSERT_TRUE(state().terminateDelegation(ended.record.id)->ok());
    const auto before = snapshot();
    for (const auto& url : {foreign.url, ended.url, ndc_->urls().delegation("nope"),
                            std::string("https://elsewhere.test/delegation/x")}) {
        expectRefused(ndc_->post(ndc_->urls().newOrder(), nonStar(url)), 403, "unknownDelegation",
                      before);
    }
}

TEST_F(OrderRoutesTest, UncoveredIdentifiersAreRejectedOnePerName) {
    const auto before = snapshot();
    auto reply = ndc_->post(ndc_->urls().newOrder(),
                            nonStar(deleg_.url, {{{"type", "dns"}, {"value", "abc.ido.example"}},
                                                 {{"type", "dns"}, {"value", "evil.example"}},
                                                 {{"type", "dns"}, {"value", "x.other.example"}}}));
    expectRefused(reply, 403, "rejectedIdentifier", before);
    const auto subs = reply.json()["subproblems"];
    ASSERT_EQ(subs.size(), 2u) << reply.describe();
    EXPECT_EQ(subs[0]["identifier"], (json{{"type", "dns"}, {"value", "evil.example"}}));
    EXPECT_EQ(subs[1]["identifier"], (json{{"type", "dns"}, {"value", "x.other.example"}}));
}

// ---- order, cancel, orders list ----

TEST_F(OrderRoutesTest, OrderIsVisibleOnlyToItsAccount) {
    const auto id = newOrder(nonStar(deleg_.url));
    auto reply = ndc_->postAsGet(ndc_->urls().order(id));
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json()["status"], "ready");
    EXPECT_EQ(reply.location(), ndc_->urls().order(id));
    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    const auto before = snapshot();
    expectRefused(other.postAsGet(ndc_->urls().order(id)), 404, "malformed", before);
    expectRefused(other.post(ndc_->urls().order(id), json{{"status", "canceled"}}), 404,
                  "malformed", before);
}

TEST_F(OrderRoutesTest, ValidStarOrderCancelsOnceThenCancellationIsInvalid) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    auto before = snapshot();
    // Not valid yet.
    expectRefused(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}), 400,
                  "autoRenewalCancellationInvalid", before);
    publish(id, now(), now() + std::chrono::hours(24));
    before = snapshot();
    expectRefused(ndc_->post(ndc_->urls().order(id), json{{"status", "valid"}}), 400, "malformed",
                  before);
    expectRefused(ndc_->post(ndc_->urls().order(id), json::object()), 400, "malformed", before);
    auto reply = ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}});
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json()["status"], "canceled");
    EXPECT_EQ(state().order(id).value()->status, "canceled");
    before = snapshot();
    expectRefused(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}), 400,
                  "autoRenewalCancellationInvalid", before);
}

TEST_F(OrderRoutesTest, NonStarOrdersCannotBeCanceled) {
    const auto id = newOrder(nonStar(deleg_.url));
    publish(id, now(), now() + std::chrono::hours(24 * 90));
    const auto before = snapshot();
    expectRefused(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}), 400,
                  "autoRenewalCancellationInvalid", before);
}

TEST_F(OrderRoutesTest, OrdersListIsTheOwnersWithoutInvalidOrdersPaged) {
    // Listed in creation order: one second apart so the order is unambiguous.
    const auto a = newOrder(nonStar(deleg_.url));
    env_->manualClock().advance(std::chrono::seconds(1));
    const auto b = newOrder(nonStar(deleg_.url));
    env_->manualClock().advance(std::chrono::seconds(1));
    const auto c = newOrder(nonStar(deleg_.url));
    ASSERT_TRUE(state().rejectFinalize(b, acme::Problem::make(acme::ErrorType::badCSR, "x"))->ok());
    const auto listUrl = ndc_->urls().accountOrders(accountId(*ndc_));
    auto page1 = ndc_->postAsGet(listUrl);
    ASSERT_EQ(page1.status, 200) << page1.describe();
    EXPECT_EQ(page1.json()["orders"], (json{ndc_->urls().order(a)}));  // b is invalid
    auto page2 = ndc_->postAsGet(listUrl + "?cursor=2");
    ASSERT_EQ(page2.status, 200) << page2.describe();
    EXPECT_EQ(page2.json()["orders"], (json{ndc_->urls().order(c)}));

    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    const auto before = snapshot();
    expectRefused(other.postAsGet(listUrl), 403, "unauthorized", before);
    expectRefused(ndc_->postAsGet(listUrl + "?cursor=x"), 400, "malformed", before);
}

// ---- finalize ----

TEST_F(OrderRoutesTest, ConformingCsrMovesTheOrderToProcessing) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    auto certKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    const auto csr = csrPayload(certKey, {"abc.ido.example"});
    auto reply = ndc_->post(ndc_->urls().finalize(id), json{{"csr", csr}});
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json()["status"], "processing");
    EXPECT_EQ(reply.location(), ndc_->urls().order(id));
    EXPECT_TRUE(reply.headers.get("Retry-After"));
    const auto stored = *state().order(id).value();
    EXPECT_EQ(stored.status, "processing");
    const auto der = *wire::base64UrlDecode(csr);
    EXPECT_EQ(stored.csrDer, std::string(der.begin(), der.end()));
    // Redis holds the DER itself, not its base64url text (docs/state.md "Encodings").
    EXPECT_EQ(env_->pool().command({"HGET", state().keys().order(id), "csr"})->text().size(),
              der.size());

    // A second finalize: the order is no longer ready.
    const auto before = snapshot();
    expectRefused(ndc_->post(ndc_->urls().finalize(id), json{{"csr", csr}}), 403, "orderNotReady",
                  before);
}

TEST_F(OrderRoutesTest, UndecodableCsrIsBadCsrAndLeavesTheOrderReady) {
    const auto id = newOrder(nonStar(deleg_.url));
    const auto before = snapshot();
    expectRefused(ndc_->post(ndc_->urls().finalize(id), json{{"csr", "!!"}}), 400, "badCSR",
                  before);
    expectRefused(ndc_->post(ndc_->urls().finalize(id),
                             json{{"csr", wire::base64UrlEncode(std::string_view("junk"))}}),
                  400, "badCSR", before);
    expectRefused(ndc_->post(ndc_->urls().finalize(id), json::object()), 400, "malformed", before);
    EXPECT_EQ(state().order(id).value()->status, "ready");
}

TEST_F(OrderRoutesTest, TemplateViolationInvalidatesTheOrderWithTheProblem) {
    const auto id = newOrder(nonStar(deleg_.url));
    auto p384 = *crypto::PrivateKey::generate(crypto::KeyType::P384);
    auto reply =
        ndc_->post(ndc_->urls().finalize(id), json{{"csr", csrPayload(p384, {"abc.ido.example"})}});
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("badCSR"));
    auto order = ndc_->postAsGet(ndc_->urls().order(id));
    EXPECT_EQ(order.json()["status"], "invalid");
    EXPECT_EQ(order.json()["error"]["type"], urn("badCSR"));
}

TEST_F(OrderRoutesTest, CsrNamesOutsideTheOrderAreRejected) {
    const auto id = newOrder(nonStar(deleg_.url));
    auto certKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto reply =
        ndc_->post(ndc_->urls().finalize(id),
                   json{{"csr", csrPayload(certKey, {"abc.ido.example", "x.cdn.ido.example"})}});
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("badCSR"));
    const auto stored = *state().order(id).value();
    EXPECT_EQ(stored.status, "invalid");
    EXPECT_EQ(stored.error, reply.json());
}

TEST_F(OrderRoutesTest, AccountKeyAsCertificateKeyIsBadCsr) {
    const auto id = newOrder(nonStar(deleg_.url));
    auto reply = ndc_->post(ndc_->urls().finalize(id),
                            json{{"csr", csrPayload(ndc_->key(), {"abc.ido.example"})}});
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("badCSR"));
    EXPECT_EQ(state().order(id).value()->status, "invalid");
}

TEST_F(OrderRoutesTest, TheTenantsUpstreamAccountKeyAsCertificateKeyIsBadCsr) {
    // The tenant's account key at the CA, in its file as the relay creates it.
    const auto keyFile = std::filesystem::path(::testing::TempDir()) /
                         ("legate-upstream-" + std::to_string(::getpid()) + ".pem");
    std::filesystem::remove(keyFile);
    auto upstreamKey = upstream::UpstreamAccountKey::loadOrCreate(keyFile);
    ASSERT_TRUE(upstreamKey.ok()) << upstreamKey.problem().detail;
    // A tenant with that upstream (one environment at a time on the test Redis).
    ndc_.reset();
    env_.reset();
    AcmeTestOptions options;
    options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
    options.configure = [&keyFile](ServeConfig& config) {
        UpstreamConfig upstream;
        upstream.directory = "https://ca.invalid/directory";
        upstream.accountKey = keyFile.string();
        config.tenants[0].upstream = upstream;
    };
    env_ = std::make_unique<AcmeTestEnvironment>(options);
    ndc_ = std::make_unique<AcmeTestClient>(*env_);
    on_ = ndc_->onboard();
    TestDelegationOptions delegation;
    delegation.names = {"abc.ido.example"};
    deleg_ = env_->createDelegation(on_.ndcId, delegation);

    const auto id = newOrder(nonStar(deleg_.url));
    auto reply = ndc_->post(ndc_->urls().finalize(id),
                            json{{"csr", csrPayload(*upstreamKey, {"abc.ido.example"})}});
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.problemType(), urn("badCSR"));
    EXPECT_NE(reply.json().value("detail", "").find("account key"), std::string::npos)
        << reply.describe();
    // Another key passes the same gate.
    const auto other = newOrder(nonStar(deleg_.url));
    const auto certKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    EXPECT_EQ(ndc_->post(ndc_->urls().finalize(other),
                         json{{"csr", csrPayload(certKey, {"abc.ido.example"})}})
                  .status,
              200);
    std::filesystem::remove(keyFile);
}

TEST_F(OrderRoutesTest, FinalizeOfAnotherAccountsOrderIsNotFound) {
    const auto id = newOrder(nonStar(deleg_.url));
    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    auto certKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    const auto before = snapshot();
    expectRefused(other.post(ndc_->urls().finalize(id),
                             json{{"csr", csrPayload(certKey, {"abc.ido.example"})}}),
                  404, "malformed", before);
}

// ---- certificate publication ----

TEST_F(OrderRoutesTest, PublicationGetAndHeadCarryTheCertificateHeaders) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    const auto chain =
        publish(id, now(), now() + std::chrono::hours(24), now() + std::chrono::hours(12));
    const auto url = certUrl(id);
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().order(id)).json()["star-certificate"], url);

    auto get = ndc_->get(url);
    ASSERT_EQ(get.status, 200) << get.describe();
    EXPECT_EQ(get.contentType(), "application/pem-certificate-chain");
    EXPECT_EQ(get.body, chain.pem);
    EXPECT_EQ(get.headers.get("Cert-Not-Before").value_or(""), toHttpDate(chain.leaf.notBefore()));
    EXPECT_EQ(get.headers.get("Cert-Not-After").value_or(""), toHttpDate(chain.leaf.notAfter()));
    EXPECT_EQ(get.headers.get("Cache-Control").value_or(""), "public, max-age=43200");
    EXPECT_FALSE(get.replayNonce());
    const auto links = get.headers.getAll("Link");
    EXPECT_NE(
        std::find(links.begin(), links.end(), "<" + ndc_->urls().directory() + ">;rel=\"index\""),
        links.end());

    auto head = ndc_->head(url);
    ASSERT_EQ(head.status, 200) << head.describe();
    EXPECT_TRUE(head.body.empty());
    for (const char* h : {"Content-Type", "Cert-Not-Before", "Cert-Not-After", "Cache-Control"}) {
        EXPECT_EQ(head.headers.get(h), get.headers.get(h)) << h;
    }
    EXPECT_FALSE(head.replayNonce());
    // The server announces the GET body's length and sends none (RFC 9110 §9.3.2).
    EXPECT_EQ(head.headers.get("Content-Length").value_or(""), std::to_string(chain.pem.size()));

    // POST-as-GET always works, and carries a nonce.
    auto post = ndc_->postAsGet(url);
    ASSERT_EQ(post.status, 200) << post.describe();
    EXPECT_EQ(post.body, chain.pem);
    EXPECT_TRUE(post.replayNonce());
}

TEST_F(OrderRoutesTest, PublicationPostAsGetIsForTheOrdersAccountOnly) {
    const auto id = newOrder(nonStar(deleg_.url));
    publish(id, now(), now() + std::chrono::hours(24 * 90));
    AcmeTestClient other(*env_);
    other.onboard("cdn2");
    const auto before = snapshot();
    expectRefused(other.postAsGet(certUrl(id)), 404, "malformed", before);
    auto own = ndc_->postAsGet(certUrl(id));
    EXPECT_EQ(own.status, 200) << own.describe();
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().order(id)).json()["certificate"], certUrl(id));
}

TEST_F(OrderRoutesTest, UnauthenticatedGetNeedsNegotiation) {
    // An order without allow-certificate-get (not creatable through newOrder, which
    // demands it): GET and HEAD are refused, POST-as-GET still works.
    OrderRecord order;
    order.accountId = accountId(*ndc_);
    order.delegationId = deleg_.record.id;
    order.identifiers = {{"dns", "abc.ido.example"}};
    order.expires = now() + std::chrono::hours(24);
    ASSERT_TRUE(state().createOrder(order)->ok());
    publish(order.id, now(), now() + std::chrono::hours(24));
    const auto url = tenant().urls.certificate(order.certToken);
    auto get = ndc_->get(url);
    EXPECT_EQ(get.status, 403);
    EXPECT_EQ(get.problemType(), urn("unauthorized"));
    EXPECT_EQ(get.headers.get("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(ndc_->head(url).status, 403);
    EXPECT_EQ(ndc_->postAsGet(url).status, 200);
}

TEST_F(OrderRoutesTest, UnknownAndPendingPublicationsAreNotFound) {
    auto reply = ndc_->get(tenant().urls.certificate("nope"));
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.problemType(), urn("malformed"));
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    reply = ndc_->get(certUrl(id));
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.json()["detail"], "the certificate is not issued yet");
}

TEST_F(OrderRoutesTest, CanceledPublicationIsAutoRenewalCanceledNoStore) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    publish(id, now(), now() + std::chrono::hours(24));
    ASSERT_EQ(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}).status, 200);
    for (const auto& reply : {ndc_->get(certUrl(id)), ndc_->postAsGet(certUrl(id))}) {
        EXPECT_EQ(reply.status, 403) << reply.describe();
        EXPECT_EQ(reply.problemType(), urn("autoRenewalCanceled"));
        EXPECT_EQ(reply.headers.get("Cache-Control").value_or(""), "no-store");
    }
}

TEST_F(OrderRoutesTest, PublicationAfterEndDateIsAutoRenewalExpired) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    publish(id, now(), now() + std::chrono::hours(24));
    env_->manualClock().advance(std::chrono::hours(48) - std::chrono::seconds(1));
    EXPECT_EQ(ndc_->get(certUrl(id)).status, 200);
    env_->manualClock().advance(std::chrono::seconds(1));
    auto reply = ndc_->get(certUrl(id));
    EXPECT_EQ(reply.status, 403);
    EXPECT_EQ(reply.problemType(), urn("autoRenewalExpired"));
    EXPECT_EQ(reply.headers.get("Cache-Control").value_or(""), "no-store");
}

TEST_F(OrderRoutesTest, LiveCacheServesANewChainAfterItsInvalidation) {
    tenant().publications.setLive(true);
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    const auto first = publish(id, now(), now() + std::chrono::hours(24));
    EXPECT_EQ(ndc_->get(certUrl(id)).body, first.pem);
    const auto second = publish(id, now() + std::chrono::hours(12), now() + std::chrono::hours(36));
    EXPECT_EQ(ndc_->get(certUrl(id)).body, first.pem);  // cached until invalidated
    const auto token = state().order(id).value()->certToken;
    tenant().publications.invalidate(token);
    auto reply = ndc_->get(certUrl(id));
    EXPECT_EQ(reply.body, second.pem);
    EXPECT_EQ(reply.headers.get("Cert-Not-After").value_or(""), toHttpDate(second.leaf.notAfter()));
    ASSERT_EQ(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}).status, 200);
    tenant().publications.invalidate(token);
    EXPECT_EQ(ndc_->get(certUrl(id)).problemType(), urn("autoRenewalCanceled"));
}

// ---- the event-driven publication listener (config `publication`) ----

class PublicationListenerTest : public OrderRoutesTest {
protected:
    void SetUp() override {
        port_ = legate::test::freePort();
        configure_ = [this](ServeConfig& c) {
            PublicationConfig p;
            p.listener = {"127.0.0.1", port_};
            p.baseUrl = "https://127.0.0.1:" + std::to_string(port_);
            p.newNonce = true;
            c.publication = p;
        };
        OrderRoutesTest::SetUp();
        http::EventServerOptions options;
        options.port = static_cast<uint16_t>(port_);
        options.tls = env_->tlsFiles();
        auto started = http::EventServer::start(options, publicationHandler(env_->services()));
        ASSERT_TRUE(started.ok()) << started.problem().detail;
        server_ = std::move(*started);
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
        }
    }
    std::string eventUrl(const std::string& orderId) {
        return server_->baseUrl() + "/acme/example/cert/" +
               state().order(orderId).value()->certToken;
    }

    int port_ = 0;
    std::unique_ptr<http::EventServer> server_;
};

TEST_F(PublicationListenerTest, OrdersPointEdgesAtItAndItAnswersAsTheAcmeListenerDoes) {
    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    const auto chain =
        publish(id, now(), now() + std::chrono::hours(24), now() + std::chrono::hours(12));
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().order(id)).json()["star-certificate"], eventUrl(id));

    auto fast = ndc_->get(eventUrl(id));
    auto poco = ndc_->get(certUrl(id));
    ASSERT_EQ(fast.status, 200) << fast.describe();
    EXPECT_EQ(fast.body, chain.pem);
    EXPECT_EQ(fast.body, poco.body);
    for (const char* h : {"Content-Type", "Cert-Not-Before", "Cert-Not-After", "Cache-Control",
                          "ETag", "Last-Modified"}) {
        EXPECT_TRUE(fast.headers.get(h).has_value()) << h;
        EXPECT_EQ(fast.headers.get(h), poco.headers.get(h)) << h;
    }
    EXPECT_FALSE(fast.replayNonce());

    auto head = ndc_->head(eventUrl(id));
    ASSERT_EQ(head.status, 200) << head.describe();
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.headers.get("Content-Length").value_or(""), std::to_string(chain.pem.size()));

    http::Headers conditional;
    conditional.add("If-None-Match", fast.headers.get("ETag").value_or(""));
    auto revalidated = ndc_->request("GET", eventUrl(id), conditional);
    EXPECT_EQ(revalidated.status, 304) << revalidated.describe();
    EXPECT_TRUE(revalidated.body.empty());

    // POST-as-GET is not served here; it stays at the ACME listener's URL.
    auto post =
        ndc_->request("POST", eventUrl(id), {{"Content-Type", "application/jose+json"}}, "{}");
    EXPECT_EQ(post.status, 405) << post.describe();
    EXPECT_EQ(post.headers.get("Allow").value_or(""), "GET, HEAD");
    EXPECT_EQ(ndc_->postAsGet(certUrl(id)).status, 200);
    EXPECT_GE(server_->requests(), 4u);
}

TEST_F(PublicationListenerTest, HandsOutTheNoncesTheDirectoryPointsAtAndTheAcmeListenerTakes) {
    const std::string nonceUrl = server_->baseUrl() + "/acme/example/new-nonce";
    EXPECT_EQ(ndc_->directory().json()["newNonce"], nonceUrl);

    auto head = ndc_->head(nonceUrl);
    ASSERT_EQ(head.status, 200) << head.describe();
    EXPECT_EQ(head.headers.get("Cache-Control").value_or(""), "no-store");
    EXPECT_NE(head.headers.get("Link").value_or("").find("rel=\"index\""), std::string::npos);
    auto get = ndc_->get(nonceUrl);
    ASSERT_EQ(get.status, 204) << get.describe();  // RFC 8555 §7.2
    ASSERT_TRUE(head.replayNonce() && get.replayNonce());
    EXPECT_NE(*head.replayNonce(), *get.replayNonce());

    // Each is a nonce of the tenant, good once at the ACME listener.
    const std::string orders = ndc_->urls().accountOrders(accountId(*ndc_));
    for (const auto& nonce : {*head.replayNonce(), *get.replayNonce()}) {
        JwsOverrides withNonce;
        withNonce.nonce = nonce;
        const auto body = ndc_->signedBody(orders, std::nullopt, withNonce);
        EXPECT_EQ(ndc_->rawPost(orders, body).status, 200);
        auto replayed = ndc_->rawPost(orders, body);
        EXPECT_EQ(replayed.status, 400);
        EXPECT_EQ(replayed.problemType(), urn("badNonce"));
    }
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/acme/nosuchtenant/new-nonce").status, 404);
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/acme/example/new-nonce/x").status, 404);
}

TEST_F(PublicationListenerTest, RefusalsAreTheAcmeListenersToo) {
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/acme/example/cert/nope").problemType(),
              urn("malformed"));
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/acme/nosuchtenant/cert/x").status, 404);
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/acme/example/directory").status, 404);
    EXPECT_EQ(ndc_->get(server_->baseUrl() + "/").status, 404);

    const auto id = newOrder(star(deleg_.url, now() + std::chrono::hours(48)));
    auto pending = ndc_->get(eventUrl(id));
    EXPECT_EQ(pending.status, 404);
    EXPECT_EQ(pending.json()["detail"], "the certificate is not issued yet");
    publish(id, now(), now() + std::chrono::hours(24));
    ASSERT_EQ(ndc_->post(ndc_->urls().order(id), json{{"status", "canceled"}}).status, 200);
    tenant().publications.invalidate(state().order(id).value()->certToken);
    auto canceled = ndc_->get(eventUrl(id));
    EXPECT_EQ(canceled.status, 403);
    EXPECT_EQ(canceled.problemType(), urn("autoRenewalCanceled"));
    EXPECT_EQ(canceled.headers.get("Cache-Control").value_or(""), "no-store");

    // An order that did not negotiate unauthenticated GET keeps the ACME URL, and GET at
    // the publication listener is refused as at the ACME listener.
    OrderRecord order;
    order.accountId = accountId(*ndc_);
    order.delegationId = deleg_.record.id;
    order.identifiers = {{"dns", "abc.ido.example"}};
    order.expires = now() + std::chrono::hours(24);
    ASSERT_TRUE(state().createOrder(order)->ok());
    publish(order.id, now(), now() + std::chrono::hours(24));
    EXPECT_EQ(ndc_->postAsGet(ndc_->urls().order(order.id)).json()["certificate"],
              tenant().urls.certificate(order.certToken));
    auto refused = ndc_->get(eventUrl(order.id));
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.problemType(), urn("unauthorized"));
}

}  // namespace
}  // namespace legate::ido
