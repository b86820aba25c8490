// The `ndc run` configuration: defaults, paths, and every error with its JSON path.

#include <gtest/gtest.h>

#include "ndc/Config.h"
#include "tests/support/TestSupport.h"

namespace legate::ndc {
namespace {

using nlohmann::json;

json minimal() {
    return {{"state", "state"},
            {"trust", "/etc/ndc/root.pem"},
            {"delegations",
             {{{"name", "www"},
               {"delegation", "https://ido.example/acme/t/delegation/abc"},
               {"out", "/etc/nginx/tls/www"}}}}};
}

std::string errorsOf(const json& doc) {
    auto c = parseConfig(doc, "/etc/ndc");
    return c.ok() ? "" : c.problem().detail;
}

TEST(NdcConfig, MinimalConfigGetsDefaultsAndResolvesRelativePaths) {
    auto c = parseConfig(minimal(), "/etc/ndc");
    ASSERT_TRUE(c.ok()) << c.problem().detail;
    EXPECT_EQ(c->stateDir, "/etc/ndc/state");
    EXPECT_EQ(c->trust, "/etc/ndc/root.pem");
    EXPECT_FALSE(c->caBundle);
    EXPECT_EQ(c->timing, Timing{});
    ASSERT_EQ(c->slots.size(), 1u);
    const auto& s = c->slots[0];
    EXPECT_TRUE(s.star);
    EXPECT_FALSE(s.reorder);
    EXPECT_EQ(s.lifetime, Seconds{86400});
    EXPECT_EQ(s.reload, "");
}

TEST(NdcConfig, EveryOptionIsRead) {
    auto doc = minimal();
    doc["ca-bundle"] = "ido-ca.pem";
    doc["reload"] = "nginx -s reload";
    doc["log"] = {{"level", "debug"}, {"file", "ndc.log"}};
    doc["timing"] = {{"min-interval", 2}, {"max-interval", 60},  {"initial-backoff", 3},
                     {"max-backoff", 30}, {"max-order-poll", 4}, {"jitter-percent", 0},
                     {"max-jitter", 0}};
    doc["delegations"].push_back({{"name", "img"},
                                  {"delegation", "https://ido.example/acme/t/delegation/x"},
                                  {"out", "img"},
                                  {"star", false},
                                  {"reload", "systemctl reload haproxy"},
                                  {"key-type", "P-384"},
                                  {"subject", {{"organization", "CDN"}}},
                                  {"dns-names", {"img.cdn.example"}},
                                  {"reorder", true}});
    doc["delegations"][0]["star"] = {{"lifetime", 3600}, {"duration", 86400}};
    auto c = parseConfig(doc, "/etc/ndc");
    ASSERT_TRUE(c.ok()) << c.problem().detail;
    EXPECT_EQ(*c->caBundle, "/etc/ndc/ido-ca.pem");
    EXPECT_EQ(c->logLevel, "debug");
    EXPECT_EQ(c->logFile, "/etc/ndc/ndc.log");
    EXPECT_EQ(c->timing.maxInterval, Seconds{60});
    EXPECT_EQ(c->timing.jitter, 0.0);
    EXPECT_EQ(c->slots[0].lifetime, Seconds{3600});
    EXPECT_EQ(c->slots[0].duration, Seconds{86400});
    EXPECT_EQ(c->slots[0].reload, "nginx -s reload");  // the default
    const auto& img = c->slots[1];
    EXPECT_FALSE(img.star);
    EXPECT_TRUE(img.reorder);
    EXPECT_EQ(img.out, "/etc/ndc/img");
    EXPECT_EQ(img.reload, "systemctl reload haproxy");
    EXPECT_EQ(*img.keyType, crypto::KeyType::P384);
    EXPECT_EQ(img.subject.at("organization"), "CDN");
    EXPECT_EQ(img.dnsNames, std::vector<std::string>{"img.cdn.example"});
}

TEST(NdcConfig, ReportsEveryProblemWithItsJsonPath) {
    auto doc = minimal();
    doc.erase("trust");
    doc["timing"] = {{"min-interval", 0}, {"jitter-percent", "ten"}};
    doc["delegations"][0]["relaod"] = "typo";
    doc["delegations"][0]["key-type"] = "DSA-1024";
    doc["delegations"].push_back({{"name", "www"}, {"delegation", "ftp://x"}, {"out", 7}});
    const auto errors = errorsOf(doc);
    for (const char* expected :
         {"/trust: missing", "/timing/min-interval", "/timing/jitter-percent",
          "/delegations/0/relaod: unknown", "/delegations/0/key-type: unknown key type",
          "/delegations/1/name: duplicate name", "/delegations/1/delegation",
          "/delegations/1/out"}) {
        EXPECT_NE(errors.find(expected), std::string::npos) << expected << " in\n" << errors;
    }
}

TEST(NdcConfig, RefusesSharedOutputDirectoriesAndBadNames) {
    auto doc = minimal();
    doc["delegations"].push_back({{"name", "../x"},
                                  {"delegation", "https://ido.example/acme/t/delegation/y"},
                                  {"out", "/etc/nginx/tls/www"}});
    const auto errors = errorsOf(doc);
    EXPECT_NE(errors.find("/delegations/1/name: expected"), std::string::npos) << errors;
    EXPECT_NE(errors.find("/delegations/1/out: two delegations share"), std::string::npos)
        << errors;
}

TEST(NdcConfig, FileWithDuplicateMembersOrBadJsonIsRefused) {
    test::TempDir dir;
    test::writeFile(dir / "dup.json", R"({"state": "a", "state": "b"})");
    auto c = loadConfig(dir / "dup.json");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.problem().detail.find("not valid JSON"), std::string::npos) << c.problem().detail;
    test::writeFile(dir / "ok.json", minimal().dump());
    auto ok = loadConfig(dir / "ok.json");
    ASSERT_TRUE(ok.ok()) << ok.problem().detail;
    EXPECT_EQ(ok->stateDir, dir.path() / "state");
    EXPECT_FALSE(loadConfig(dir / "missing.json").ok());
}

}  // namespace
}  // namespace legate::ndc
