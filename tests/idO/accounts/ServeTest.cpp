// `ido serve` as a program: --check-config, start-up against a real Redis with a
// development certificate, one "ready" line, HTTPS directory, SIGTERM -> exit 0, and
// a fast, clear failure when Redis does not answer.

#include <functional>
#include <regex>
#include <sys/wait.h>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/http/HttpClient.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;

bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

class ServeTest : public ::testing::Test {
protected:
    json config(const std::string& redisUrl) {
        return {{"acme",
                 {{"listen", "127.0.0.1"},
                  {"port", 0},
                  {"base-url", "https://127.0.0.1"},
                  {"tls",
                   {{"development",
                     {{"dir", (dir_ / "tls").string()},
                      {"names", {"127.0.0.1"}},
                      {"ca-file", (dir_ / "ca.pem").string()}}}}}}},
                {"admin", {{"port", 0}, {"token", "0123456789abcdef0123"}}},
                {"redis", {{"url", redisUrl}}},
                {"tenants", {{{"name", "example"}}}}};
    }

    /// Runs `ido serve ARGS` to completion; returns the exit code.
    int run(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {LEGATE_IDO_BINARY, "serve"};
        argv.insert(argv.end(), args.begin(), args.end());
        legate::test::Process process(argv, dir_ / "out.log");
        return process.wait(std::chrono::seconds(30));
    }

    std::string output() { return legate::test::readFile(dir_ / "out.log"); }

    legate::test::TempDir dir_;
};

TEST_F(ServeTest, CheckConfigAcceptsAValidFile) {
    legate::test::writeFile(dir_ / "ido.json", config("redis://127.0.0.1:1/0").dump());
    EXPECT_EQ(run({"--check-config", (dir_ / "ido.json").string()}), 0);
    EXPECT_NE(output().find("config OK"), std::string::npos);
}

TEST_F(ServeTest, CheckConfigListsEveryProblemWithItsPath) {
    json bad = config("redis://127.0.0.1:1/0");
    bad["acme"]["base-url"] = "http://x/";
    bad["tenants"][0]["name"] = "Bad Name";
    legate::test::writeFile(dir_ / "ido.json", bad.dump());
    EXPECT_EQ(run({"--check-config", (dir_ / "ido.json").string()}), 1);
    EXPECT_NE(output().find("/acme/base-url: "), std::string::npos) << output();
    EXPECT_NE(output().find("/tenants/0/name: "), std::string::npos) << output();
    EXPECT_EQ(output().find("config OK"), std::string::npos);
}

TEST_F(ServeTest, RedisThatDoesNotAnswerFailsFast) {
    const int port = legate::test::freePort();
    legate::test::writeFile(dir_ / "ido.json",
                            config("redis://127.0.0.1:" + std::to_string(port) + "/0").dump());
    EXPECT_EQ(run({"--config", (dir_ / "ido.json").string()}), 1);
    EXPECT_NE(output().find("does not answer PING"), std::string::npos) << output();
}

TEST_F(ServeTest, ServesTheDirectoryAndStopsCleanlyOnSigterm) {
    LEGATE_REQUIRE_REDIS();
    legate::test::RedisServer redis;
    legate::test::writeFile(dir_ / "ido.json", config(redis.url()).dump());
    legate::test::Process process(
        {LEGATE_IDO_BINARY, "serve", "--config", (dir_ / "ido.json").string()}, dir_ / "out.log");
    std::smatch ready;
    std::string log;  // outlives the match: `ready` points into it
    const std::regex kReady(R"("message":"ready".*"acme_port":(\d+).*"admin_port":(\d+))");
    ASSERT_TRUE(eventually([&] {
        log = output();
        return std::regex_search(log, ready, kReady);
    })) << output();
    const std::string acmePort = ready[1];

    http::HttpClientOptions options;
    options.caBundle = dir_ / "ca.pem";
    http::HttpClient client(options);
    auto directory = client.get("https://127.0.0.1:" + acmePort + "/acme/example/directory");
    ASSERT_TRUE(directory.ok()) << directory.problem().detail;
    EXPECT_EQ(directory->status, 200);
    EXPECT_EQ(json::parse(directory->body)["meta"]["delegation-enabled"], true);

    // Health, readiness and metrics on the admin listener (docs/operations.md).
    const std::string admin = "http://127.0.0.1:" + std::string(ready[2]);
    auto healthz = client.get(admin + "/healthz");
    ASSERT_TRUE(healthz.ok()) << healthz.problem().detail;
    EXPECT_EQ(healthz->status, 200);
    auto readyz = client.get(admin + "/readyz");
    ASSERT_TRUE(readyz.ok());
    EXPECT_EQ(readyz->status, 200) << readyz->body;
    EXPECT_EQ(json::parse(readyz->body)["checks"]["redis"], "ok");
    auto anonymous = client.get(admin + "/metrics");
    ASSERT_TRUE(anonymous.ok());
    EXPECT_EQ(anonymous->status, 401);
    http::Headers bearer;
    bearer.set("Authorization", "Bearer 0123456789abcdef0123");
    auto metrics = client.get(admin + "/metrics", bearer);
    ASSERT_TRUE(metrics.ok());
    EXPECT_EQ(metrics->status, 200);
    EXPECT_NE(metrics->body.find(R"(legate_acme_requests_total{tenant="example",)"
                                 R"(route="/acme/{tenant}/directory",status="200"} 1)"),
              std::string::npos)
        << metrics->body;

    const int status = process.stop(SIGTERM, std::chrono::seconds(15));
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_NE(output().find("\"stopped\""), std::string::npos) << output();
}

}  // namespace
}  // namespace legate::ido::test
