#include <gtest/gtest.h>

#include "idO/config/ServeConfig.h"
#include "tests/support/TestSupport.h"

namespace legate::ido {
namespace {

nlohmann::json minimal() {
    return nlohmann::json::parse(R"({
      "acme": {"port": 8443, "base-url": "https://127.0.0.1:8443",
               "tls": {"development": {"dir": "tls"}}},
      "admin": {"port": 8444, "token": "0123456789abcdef0123"},
      "redis": {"url": "redis://127.0.0.1:6379/0"},
      "tenants": [{"name": "example", "star": {"min-lifetime": 600, "max-duration": 86400}}]
    })");
}

std::vector<std::string> problemsOf(const nlohmann::json& doc) {
    auto result = parseServeConfig(doc, "/etc/legate");
    if (auto* errors = std::get_if<ConfigErrors>(&result)) {
        return errors->problems;
    }
    return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& prefix) {
    for (const auto& p : problems) {
        if (p.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

TEST(ServeConfig, AcceptsAMinimalConfigAndAppliesDefaults) {
    auto result = parseServeConfig(minimal(), "/etc/legate");
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(result))
        << std::get<ConfigErrors>(result).problems[0];
    const auto& c = std::get<ServeConfig>(result);
    EXPECT_EQ(c.acme.listener.address, "127.0.0.1");
    EXPECT_EQ(c.acme.tls.developmentDir, "/etc/legate/tls");  // relative to the config
    EXPECT_EQ(c.acme.tls.developmentCaFile, "/etc/legate/tls/ca.pem");
    EXPECT_EQ(c.limits.maxBodyBytes, 64 * 1024);
    ASSERT_NE(c.tenant("example"), nullptr);
    EXPECT_EQ(c.tenant("example")->star.minLifetime, 600);
    EXPECT_EQ(c.tenant("nope"), nullptr);
}

TEST(ServeConfig, ReportsEveryBadFieldWithItsPath) {
    auto doc = minimal();
    doc["acme"]["base-url"] = "http://insecure.example/";
    doc["acme"]["port"] = 70000;
    doc["admin"]["token"] = "short";
    doc["redis"]["pool-size"] = 0;
    doc["tenants"][0]["name"] = "Bad Name";
    doc["tenants"][0]["star"]["min-lifetime"] = "600";
    doc["tenants"].push_back({{"name", "example2"}, {"colour", "blue"}});
    doc["limits"] = {{"rate-limit", {{"burst", -1}}}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/acme/base-url: expected an https:// URL"));
    EXPECT_TRUE(mentions(problems, "/acme/port: expected an integer from 0 to 65535"));
    EXPECT_TRUE(mentions(problems, "/admin/token: the admin token must be at least 16"));
    EXPECT_TRUE(mentions(problems, "/redis/pool-size: expected an integer from 1 to 1024"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/name: expected 1 to 63 of a-z"));
    EXPECT_TRUE(mentions(problems, "/tenants/0/star/min-lifetime: expected an integer"));
    EXPECT_TRUE(mentions(problems, "/tenants/1/colour: unknown member"));
    EXPECT_TRUE(mentions(problems, "/limits/rate-limit/burst: expected an integer from 1"));
    EXPECT_EQ(problems.size(), 8u) << ::testing::PrintToString(problems);
}

TEST(ServeConfig, MissingSectionsAndConflicts) {
    auto doc = minimal();
    doc.erase("redis");
    doc["tenants"].push_back({{"name", "example"}});
    doc["admin"]["token-file"] = "/nonexistent";
    doc["acme"]["tls"] = {{"certificate", "/nonexistent/chain.pem"},
                          {"key", "/nonexistent/key.pem"}};
    const auto problems = problemsOf(doc);
    EXPECT_TRUE(mentions(problems, "/redis: missing"));
    EXPECT_TRUE(mentions(problems, "/tenants/1/name: duplicate tenant"));
    EXPECT_TRUE(mentions(problems, "/admin: give exactly one of token and token-file"));
    EXPECT_TRUE(mentions(problems, "/acme/tls/certificate: file not found"));
    EXPECT_TRUE(mentions(problems, "/acme/tls/key: file not found"));
}

TEST(ServeConfig, LoadRefusesDuplicateMembersAndReadsTokenFiles) {
    test::TempDir dir;
    test::writeFile(dir / "token", "abcdefghijklmnopqrstuvwxyz\n");
    auto doc = minimal();
    doc["admin"].erase("token");
    doc["admin"]["token-file"] = "token";
    test::writeFile(dir / "ido.json", doc.dump());
    auto loaded = loadServeConfig((dir / "ido.json").string());
    ASSERT_TRUE(std::holds_alternative<ServeConfig>(loaded));
    EXPECT_EQ(std::get<ServeConfig>(loaded).admin.token, "abcdefghijklmnopqrstuvwxyz");

    test::writeFile(dir / "dup.json", R"({"acme": {}, "acme": {}})");
    auto dup = loadServeConfig((dir / "dup.json").string());
    ASSERT_TRUE(std::holds_alternative<ConfigErrors>(dup));
    EXPECT_NE(std::get<ConfigErrors>(dup).problems[0].find("acme"), std::string::npos);

    auto missing = loadServeConfig((dir / "missing.json").string());
    ASSERT_TRUE(std::holds_alternative<ConfigErrors>(missing));
}

}  // namespace
}  // namespace legate::ido
