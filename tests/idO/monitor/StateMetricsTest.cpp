// The scrape-time metrics of Redis state (StateMetrics, TenantOverview), the operator
// dashboard's routes and session (DashboardRoutes, DashboardSession), against a real
// Redis with the state written through TenantState.

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/core/Time.h"
#include "broker/http/HttpClient.h"
#include "idO/admin/AdminRoutes.h"
#include "idO/monitor/DashboardPage.h"
#include "idO/monitor/DashboardRoutes.h"
#include "idO/monitor/StateMetrics.h"
#include "idO/relay/RelayState.h"
#include "tests/idO/support/AcmeTestEnvironment.h"

namespace legate::ido {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class MonitorStateTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        AcmeTestOptions options;
        options.adminRoutes = [this](http::Router& router, const AcmeServices& services,
                                     std::string token) {
            addAdminRoutes(router, services, token);
            addDashboardRoutes(
                router, [this] { return metrics_->overviews(0ms); }, services.clock(), token);
        };
        env_ = std::make_unique<AcmeTestEnvironment>(options);
        brokenPool_ = std::make_unique<store::RedisPool>(
            *store::RedisUrl::parse("redis://127.0.0.1:" + std::to_string(test::freePort())));
        metrics_ = std::make_unique<StateMetrics>(
            registry_, env_->services(),
            std::vector<StateMetrics::PoolSource>{{"serve", [this] { return &env_->pool(); }},
                                                  {"broken", [this] { return brokenPool_.get(); }}},
            0ms);
    }

    TenantState& state() { return env_->tenant().state; }
    TimePoint now() { return env_->clock().now(); }

    /// An NDC with a bound account and one delegation; returns {account id, delegation}.
    std::pair<std::string, std::string> onboard() {
        auto ndc = state().createNdc("Example CDN", "");
        EXPECT_TRUE(ndc.ok());
        AccountRecord account;
        account.id = newId();
        account.jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", account.id}};
        account.thumbprint = "tp-" + account.id;
        auto bound = state().bindAccount(account, ndc->ndc.eabKid);
        EXPECT_TRUE(bound.ok() && bound->ok());
        auto d = env_->createDelegation(ndc->ndc.id, {});
        return {account.id, d.record.id};
    }

    /// A STAR order under the delegation, finalized, with its first certificate.
    OrderRecord validOrder(const std::string& account, const std::string& delegation, TimePoint nb,
                           TimePoint na) {
        OrderRecord order;
        order.accountId = account;
        order.delegationId = delegation;
        order.identifiers = {{"dns", "abc.ido.example"}};
        order.autoRenewal = {{"end-date", "2030-01-01T00:00:00Z"}, {"lifetime", 3600}};
        order.expires = now() + 24h;
        EXPECT_TRUE(state().createOrder(order)->ok());
        EXPECT_TRUE(state().acceptFinalize(order.id, "Q1NS")->ok());
        EXPECT_TRUE(state().publishCertificate(order.certToken, "PEM1", nb, na, {})->ok());
        return order;
    }

    /// The value of the sample `name{labels}` in the exposition, or nullopt.
    std::optional<double> sample(const std::string& name, const std::string& labels) {
        const std::string text = registry_.exposition();
        const std::string prefix = name + "{" + labels + "} ";
        const auto at = text.find("\n" + prefix);
        if (at == std::string::npos) {
            return std::nullopt;
        }
        return std::stod(text.substr(at + 1 + prefix.size()));
    }

    http::ClientResponse get(const std::string& path, const http::Headers& headers = {}) {
        auto r = client_.get(env_->adminUrl() + path, headers);
        EXPECT_TRUE(r.ok()) << r.problem().detail;
        return r.ok() ? *r : http::ClientResponse{};
    }
    http::Headers bearer() {
        http::Headers h;
        h.set("Authorization", "Bearer " + env_->adminToken());
        return h;
    }

    static double unix(TimePoint t) {
        return static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
    }

    metrics::Registry registry_;
    std::unique_ptr<AcmeTestEnvironment> env_;
    std::unique_ptr<store::RedisPool> brokenPool_;
    std::unique_ptr<StateMetrics> metrics_;
    http::HttpClient client_;
};

TEST_F(MonitorStateTest, DelegationsOrdersAndCertificateTimestamps) {
    const auto [account, delegation] = onboard();
    const auto t0 = std::chrono::time_point_cast<std::chrono::seconds>(now());
    const auto order = validOrder(account, delegation, t0, t0 + 1h);
    const std::string t = "tenant=\"example\",";

    EXPECT_EQ(sample("legate_delegations", t + "status=\"active\""), 1);
    EXPECT_EQ(sample("legate_delegations", t + "status=\"terminated\""), 0);
    EXPECT_EQ(sample("legate_orders", t + "state=\"valid\""), 1);
    EXPECT_EQ(sample("legate_orders", t + "state=\"ready\""), 0);
    const std::string d = t + "delegation=\"" + delegation + "\"";
    EXPECT_EQ(sample("legate_certificate_expiration_timestamp_seconds", d), unix(t0 + 1h));
    EXPECT_EQ(sample("legate_certificate_not_before_timestamp_seconds", d), unix(t0));
    // No renewal scheduled yet: no sample (the alert "expiring, no renewal" keys on that).
    EXPECT_EQ(sample("legate_certificate_renewal_timestamp_seconds", d), std::nullopt);
    EXPECT_EQ(sample("legate_monitor_truncated", "tenant=\"example\""), 0);
    // The other tenant is reported with zeros, not left out.
    EXPECT_EQ(sample("legate_delegations", "tenant=\"other\",status=\"active\""), 0);

    relay::RelayState relay(env_->pool(), state().keys(), env_->clock());
    ASSERT_TRUE(relay.wakeAt(order.id, t0 + 30min).ok());
    EXPECT_EQ(sample("legate_certificate_renewal_timestamp_seconds", d), unix(t0 + 30min));

    // A second order whose certificate lasts longer is the delegation's current one.
    const auto longer = validOrder(account, delegation, t0, t0 + 2h);
    EXPECT_NE(longer.id, order.id);
    EXPECT_EQ(sample("legate_orders", t + "state=\"valid\""), 2);
    EXPECT_EQ(sample("legate_certificate_expiration_timestamp_seconds", d), unix(t0 + 2h));

    // Terminated: its certificates are no longer "current" (nothing to renew, nothing
    // to alert on); the orders count as canceled.
    ASSERT_TRUE(state().terminateDelegation(delegation)->ok());
    EXPECT_EQ(sample("legate_delegations", t + "status=\"terminated\""), 1);
    EXPECT_EQ(sample("legate_orders", t + "state=\"canceled\""), 2);
    EXPECT_EQ(sample("legate_certificate_expiration_timestamp_seconds", d), std::nullopt);
}

TEST_F(MonitorStateTest, CertificateHistoryShowsServedStagedAndPastWindows) {
    const auto [account, delegation] = onboard();
    const auto t0 = std::chrono::time_point_cast<std::chrono::seconds>(now());
    const auto order = validOrder(account, delegation, t0, t0 + 1h);
    // The successor, obtained early and staged from t0 + 30 min (STAR, RFC 8739 §3.4).
    ASSERT_TRUE(
        state()
            .publishCertificate(order.certToken, "PEM2", t0 + 25min, t0 + 85min, {}, t0 + 30min)
            ->ok());

    auto overviews = metrics_->overviews(0ms);
    ASSERT_TRUE(overviews.ok()) << overviews.problem().detail;
    const auto& example = overviews->front();
    ASSERT_EQ(example.tenant, "example");
    ASSERT_EQ(example.delegations.size(), 1u);
    const auto& d = example.delegations.front();
    EXPECT_EQ(d.names, std::vector<std::string>{"abc.ido.example"});
    ASSERT_EQ(d.certificates.size(), 2u);
    EXPECT_EQ(d.certificates[0].version, 2);
    EXPECT_EQ(d.certificates[0].state, "staged");
    EXPECT_EQ(d.certificates[0].servedFrom, t0 + 30min);
    EXPECT_EQ(d.certificates[1].version, 1);
    EXPECT_EQ(d.certificates[1].state, "served");
    ASSERT_TRUE(d.current);
    EXPECT_EQ(d.current->notAfter, t0 + 1h);

    // Once the staged one's time has come it is served, and the first one is past.
    env_->manualClock().advance(31min);
    overviews = metrics_->overviews(0ms);
    ASSERT_TRUE(overviews.ok());
    const auto& later = overviews->front().delegations.front();
    EXPECT_EQ(later.certificates[0].state, "served");
    EXPECT_EQ(later.certificates[1].state, "past");
    EXPECT_EQ(later.current->notAfter, t0 + 85min);

    // The history is bounded.
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(
            state().publishCertificate(order.certToken, "PEM", t0 + 30min, t0 + 90min, {})->ok());
    }
    auto history = state().certificateHistory(order.certToken);
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->size(), static_cast<size_t>(TenantState::kHistoryLength));
    EXPECT_EQ(history->front().version, 22);
}

TEST_F(MonitorStateTest, RelayCountersNoncesAndRedisErrors) {
    relay::RelayState relay(env_->pool(), state().keys(), env_->clock());
    relay.count("job:finalize", 3);
    relay.count("job:renew");
    relay.count("retries", 2);
    relay.count("budget_deferred", 4);
    relay.count("failure:transient:urn:ietf:params:acme:error:rateLimited", 2);
    relay.count("failure:permanent:urn:ietf:params:acme:error:rejectedIdentifier");
    const std::string t = "tenant=\"example\"";

    EXPECT_EQ(sample("legate_relay_jobs_total", t + ",kind=\"finalize\""), 3);
    EXPECT_EQ(sample("legate_relay_jobs_total", t + ",kind=\"renew\""), 1);
    EXPECT_EQ(sample("legate_relay_retries_total", t), 2);
    EXPECT_EQ(sample("legate_relay_budget_deferred_total", t), 4);
    EXPECT_EQ(sample("legate_relay_orders_failed_total", t), 0);
    EXPECT_EQ(sample("legate_relay_failures_total", t + ",kind=\"transient\",type=\"rateLimited\""),
              2);
    EXPECT_EQ(sample("legate_relay_failures_total",
                     t + ",kind=\"permanent\",type=\"rejectedIdentifier\""),
              1);
    EXPECT_EQ(sample("legate_upstream_errors_total", t), 2);
    EXPECT_NE(registry_.exposition().find("# TYPE legate_relay_retries_total counter"),
              std::string::npos);

    auto& nonces = env_->tenant().nonces;
    ASSERT_TRUE(nonces.issue().ok());
    ASSERT_TRUE(nonces.issue().ok());
    ASSERT_TRUE(nonces.consume("forged").ok());
    EXPECT_EQ(sample("legate_nonces_issued_total", t), 2);
    EXPECT_EQ(sample("legate_nonces_rejected_total", t), 1);
    EXPECT_EQ(sample("legate_nonces_issued_total", "tenant=\"other\""), 0);

    EXPECT_EQ(sample("legate_redis_errors_total", "pool=\"broken\""), 0);
    EXPECT_FALSE(brokenPool_->command({"PING"}, store::Retry::Never).ok());
    EXPECT_EQ(sample("legate_redis_errors_total", "pool=\"broken\""), 1);
    EXPECT_EQ(sample("legate_redis_errors_total", "pool=\"serve\""), 0);
}

TEST_F(MonitorStateTest, StateFamiliesAreLeftOutAndCountedWhenRedisIsDown) {
    env_->redis().stop();
    const auto text = registry_.exposition();
    EXPECT_EQ(text.find("legate_delegations{"), std::string::npos);
    EXPECT_NE(text.find("legate_metrics_collector_errors_total "), std::string::npos);
    EXPECT_EQ(text.find("legate_metrics_collector_errors_total 0\n"), std::string::npos);
    // Process-local families are still there.
    EXPECT_NE(text.find("legate_nonces_issued_total{tenant=\"example\"} 0"), std::string::npos);
}

// ---- the dashboard ----

TEST_F(MonitorStateTest, DashboardPageNeedsTheTokenOrItsSession) {
    auto r = get("/admin/dashboard");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.get("WWW-Authenticate").value_or(""), "Bearer");
    EXPECT_NE(r.body.find("id=\"refused\""), std::string::npos);
    EXPECT_EQ(r.body.find("<script"), std::string::npos);

    http::Headers wrong;
    wrong.set("Authorization", "Bearer not-the-token");
    EXPECT_EQ(get("/admin/dashboard", wrong).status, 401);
    EXPECT_EQ(get("/admin/dashboard?token=not-the-token").status, 401);
    EXPECT_EQ(get("/admin/dashboard/data").status, 401);

    r = get("/admin/dashboard", bearer());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, DashboardPage::html());
    EXPECT_EQ(r.headers.get("Cache-Control").value_or(""), "no-store");
    const auto csp = r.headers.get("Content-Security-Policy").value_or("");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("script-src 'sha256-"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
    // No external asset: nothing is loaded from anywhere (only the SVG namespace URI).
    for (const char* external : {"src=", "href=", "@import", "url("}) {
        EXPECT_EQ(r.body.find(external), std::string::npos) << external;
    }
}

TEST_F(MonitorStateTest, TheQueryTokenIsExchangedForAnHttpOnlyStrictCookie) {
    const auto r = get("/admin/dashboard?token=" + env_->adminToken());  // the token is URL-safe
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(r.headers.get("Location").value_or(""), "/admin/dashboard");
    EXPECT_EQ(r.headers.get("Referrer-Policy").value_or(""), "no-referrer");
    const auto cookie = r.headers.get("Set-Cookie").value_or("");
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Path=/admin/dashboard"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find(env_->adminToken()), std::string::npos) << "the cookie is not the token";
    const auto pair = cookie.substr(0, cookie.find(';'));

    http::Headers session;
    session.set("Cookie", "theme=dark; " + pair);
    EXPECT_EQ(get("/admin/dashboard", session).status, 200);
    EXPECT_EQ(get("/admin/dashboard/data", session).status, 200);
    // The session opens the dashboard only, not the admin API.
    EXPECT_EQ(get("/admin/v1/tenants/example/ndcs", session).status, 401);
    // A tampered cookie is refused.
    session.set("Cookie", pair.substr(0, pair.size() - 1) + (pair.back() == '0' ? "1" : "0"));
    EXPECT_EQ(get("/admin/dashboard", session).status, 401);
}

TEST_F(MonitorStateTest, DashboardDataListsNdcsDelegationsCertificatesAndRelay) {
    const auto [account, delegation] = onboard();
    const auto t0 = std::chrono::time_point_cast<std::chrono::seconds>(now());
    const auto order = validOrder(account, delegation, t0, t0 + 1h);
    ASSERT_TRUE(
        state()
            .publishCertificate(order.certToken, "PEM2", t0 + 25min, t0 + 85min, {}, t0 + 30min)
            ->ok());
    relay::RelayState relay(env_->pool(), state().keys(), env_->clock());
    ASSERT_TRUE(relay.wakeAt(order.id, t0 + 50min).ok());

    const auto r = get("/admin/dashboard/data", bearer());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto doc = json::parse(r.body);
    EXPECT_EQ(doc["generated"], toRfc3339(t0));
    ASSERT_EQ(doc["tenants"].size(), 2u);
    const auto& example = doc["tenants"][0];
    EXPECT_EQ(example["name"], "example");
    ASSERT_EQ(example["ndcs"].size(), 1u);
    EXPECT_EQ(example["ndcs"][0]["name"], "Example CDN");
    EXPECT_EQ(example["ndcs"][0]["account"], account);
    ASSERT_EQ(example["delegations"].size(), 1u);
    const auto& d = example["delegations"][0];
    EXPECT_EQ(d["id"], delegation);
    EXPECT_EQ(d["status"], "active");
    EXPECT_EQ(d["names"], json::array({"abc.ido.example"}));
    EXPECT_EQ(d["current"]["notAfter"], toRfc3339(t0 + 1h));
    EXPECT_EQ(d["next-renewal"], toRfc3339(t0 + 50min));
    ASSERT_EQ(d["certificates"].size(), 2u);
    EXPECT_EQ(d["certificates"][0]["state"], "staged");
    EXPECT_EQ(d["certificates"][0]["notBefore"], toRfc3339(t0 + 25min));
    EXPECT_EQ(d["certificates"][1]["state"], "served");
    EXPECT_EQ(d["certificates"][1]["order"], order.id);
    EXPECT_EQ(example["relay"]["renewals"]["scheduled"], 1);
    EXPECT_EQ(example["orders-by-state"]["valid"], 1);
    EXPECT_TRUE(example["budget"].is_null()) << "no upstream budget configured";
}

}  // namespace
}  // namespace legate::ido
