// Health, readiness and metrics routes, and the ACME request metrics, through a real
// listener (the shape of the admin and ACME listeners of `ido serve`).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/http/HttpClient.h"
#include "broker/http/Server.h"
#include "idO/monitor/AcmeMetrics.h"
#include "idO/monitor/MonitorRoutes.h"
#include "idO/monitor/UpstreamReadiness.h"
#include "tests/support/TestSupport.h"

namespace legate::ido {
namespace {

constexpr const char* kToken = "0123456789abcdef0123";

class MonitorTest : public ::testing::Test {
protected:
    /// A listener with the monitor routes and one ACME-shaped route, observed by the
    /// ACME metrics of the tenant "example".
    void start(std::vector<ReadinessCheck> checks) {
        auto router = std::make_shared<http::Router>();
        addMonitorRoutes(*router, registry_, std::move(checks), kToken);
        router->add("GET", "/acme/{tenant}/thing", [](http::Request&) -> Result<http::Response> {
            return http::Response::content(200, "thing", "text/plain");
        });
        http::ServerOptions options;
        options.observer = metrics_.observer();
        auto server = http::Server::start(options, router);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(server).value();
    }

    http::ClientResponse get(const std::string& path, const std::string& token = "") {
        http::Headers headers;
        if (!token.empty()) {
            headers.set("Authorization", "Bearer " + token);
        }
        auto response = client_.get(server_->baseUrl() + path, headers);
        EXPECT_TRUE(response.ok()) << response.problem().detail;
        return response.ok() ? *response : http::ClientResponse{};
    }

    metrics::Registry registry_;
    AcmeMetrics metrics_{registry_, {"example"}};
    http::HttpClient client_;
    http::ServerPtr server_;
};

TEST_F(MonitorTest, HealthzNeedsNoCredentials) {
    start({});
    const auto r = get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
}

TEST_F(MonitorTest, ReadyzNamesEachCheckAndIs503UntilAllPass) {
    bool relayUp = false;
    start({{"redis", [] { return okStatus(); }}, {"relay", [&relayUp]() -> Status {
                                                      if (relayUp) {
                                                          return okStatus();
                                                      }
                                                      return acme::Problem::make(
                                                          acme::ErrorType::serverInternal,
                                                          "the relay is not running", 503);
                                                  }}});
    auto r = get("/readyz");
    EXPECT_EQ(r.status, 503);
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "not ready");
    EXPECT_EQ(body["checks"]["redis"], "ok");
    EXPECT_EQ(body["checks"]["relay"], "the relay is not running");
    relayUp = true;
    r = get("/readyz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "ready");
}

TEST_F(MonitorTest, MetricsNeedTheTokenAndCountRequestsWithBoundedLabels) {
    start({});
    EXPECT_EQ(get("/metrics").status, 401);
    EXPECT_EQ(get("/metrics", "wrong-token-wrong-token").status, 401);

    EXPECT_EQ(get("/acme/example/thing").status, 200);
    EXPECT_EQ(get("/acme/example/thing").status, 200);
    EXPECT_EQ(get("/acme/made-up-tenant-1/thing").status, 200);
    EXPECT_EQ(get("/acme/made-up-tenant-2/thing").status, 200);
    EXPECT_EQ(get("/no/such/path").status, 404);

    const auto r = get("/metrics", kToken);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.headers.get("Content-Type").value_or("").find("text/plain; version=0.0.4"),
              std::string::npos);
    const std::string& text = r.body;
    EXPECT_NE(
        text.find(
            R"(legate_acme_requests_total{tenant="example",route="/acme/{tenant}/thing",status="200"} 2)"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(
            R"(legate_acme_requests_total{tenant="unknown",route="/acme/{tenant}/thing",status="200"} 2)"),
        std::string::npos)
        << "tenants that are not configured share one series: " << text;
    EXPECT_EQ(text.find("made-up-tenant"), std::string::npos) << text;
    EXPECT_NE(text.find(R"x(route="(404)",status="404"} 1)x"), std::string::npos) << text;
    EXPECT_NE(
        text.find(
            R"(legate_acme_request_duration_seconds_count{tenant="example",route="/acme/{tenant}/thing"} 2)"),
        std::string::npos)
        << text;
}

TEST(UpstreamReadinessTest, NotReadyUntilTheDirectoryWasFetchedThenReady) {
    const int port = test::freePort();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/directory";
    UpstreamReadiness readiness("example", url, "", std::chrono::milliseconds(0));

    // Nothing listens yet.
    auto status = readiness.check();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.problem().detail.find(url), std::string::npos) << status.problem().detail;

    bool acme = false;
    int fetches = 0;
    auto router = std::make_shared<http::Router>();
    router->add("GET", "/directory", [&](http::Request&) -> Result<http::Response> {
        ++fetches;
        if (!acme) {
            return http::Response::json(200, {{"hello", "world"}});
        }
        return http::Response::json(200, {{"newOrder", "http://ca.example/new-order"}});
    });
    http::ServerOptions options;
    options.port = static_cast<uint16_t>(port);
    auto server = http::Server::start(options, router);
    ASSERT_TRUE(server.ok()) << server.problem().detail;

    status = readiness.check();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.problem().detail.find("not an ACME directory"), std::string::npos);
    acme = true;
    EXPECT_TRUE(readiness.check().ok());
    // Once fetched it stays ready without asking the CA again.
    EXPECT_TRUE(readiness.check().ok());
    EXPECT_EQ(fetches, 2);
}

TEST(UpstreamReadinessTest, ProbesDoNotHammerAnUnreachableCa) {
    const std::string url = "http://127.0.0.1:" + std::to_string(test::freePort()) + "/dir";
    UpstreamReadiness readiness("example", url, "", std::chrono::hours(1));
    const auto first = readiness.check();
    ASSERT_FALSE(first.ok());
    // Within retryEvery the last answer is repeated (a probe never waits on the CA).
    const auto second = readiness.check();
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.problem().detail, first.problem().detail);
}

TEST(UpstreamReadinessTest, OneCheckPerTenantWithAnUpstream) {
    ServeConfig config;
    TenantConfig plain;
    plain.name = "plain";
    TenantConfig relayed;
    relayed.name = "relayed";
    relayed.upstream = UpstreamConfig{};
    relayed.upstream->directory = "http://127.0.0.1:1/directory";
    config.tenants = {plain, relayed};
    const auto checks = UpstreamReadiness::checksFor(config);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].name, "upstream:relayed");
    EXPECT_FALSE(checks[0].check().ok());
}

}  // namespace
}  // namespace legate::ido
