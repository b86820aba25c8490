#include <gtest/gtest.h>

#include "broker/core/ConfigReader.h"

namespace legate {
namespace {

using nlohmann::json;

TEST(ConfigReader, ReadsTypedMembers) {
    const json doc = json::parse(R"({"port": 8443, "name": "example", "tls": {"enabled": true},
                                     "tenants": [{"name": "a"}, {"name": "b"}]})");
    ConfigReader r(doc);
    auto root = r.root();
    EXPECT_EQ(root.integer("port", 1, 65535), 8443);
    EXPECT_EQ(root.string("name"), "example");
    EXPECT_TRUE(root.object("tls").boolean("enabled"));
    std::vector<std::string> names;
    for (const auto& t : root.array("tenants")) {
        names.push_back(t.string("name"));
    }
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(root.string("missing-optional", "dflt"), "dflt");
    EXPECT_TRUE(r.finish().empty());
}

TEST(ConfigReader, ReportsEveryProblemWithItsJsonPath) {
    const json doc = json::parse(R"({"port": "8443", "tls": [], "tenants": [{"name": 5},
                                     {"nmae": "typo"}], "extra": 1, "a/b": 2})");
    ConfigReader r(doc);
    auto root = r.root();
    root.integer("port", 1, 65535);
    root.object("tls");
    for (const auto& t : root.array("tenants")) {
        t.string("name");
    }
    root.string("base-url");
    const auto problems = r.finish();
    auto has = [&](const std::string& prefix) {
        for (const auto& p : problems) {
            if (p.starts_with(prefix)) {
                return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(has("/port: expected an integer from 1 to 65535, got \"8443\"")) << problems[0];
    EXPECT_TRUE(has("/tls: expected an object, got an array"));
    EXPECT_TRUE(has("/tenants/0/name: expected a non-empty string, got 5"));
    EXPECT_TRUE(has("/tenants/1/name: missing"));
    EXPECT_TRUE(has("/tenants/1/nmae: unknown member"));
    EXPECT_TRUE(has("/base-url: missing"));
    EXPECT_TRUE(has("/extra: unknown member"));
    EXPECT_TRUE(has("/a~1b: unknown member"));  // RFC 6901 escaping
    EXPECT_EQ(problems.size(), 8u);
}

TEST(ConfigReader, RangeAndEmptinessChecks) {
    const json doc = json::parse(R"({"n": 0, "list": [], "names": ["x", ""]})");
    ConfigReader r(doc);
    auto root = r.root();
    root.integer("n", 1, 10);
    root.array("list");
    root.strings("names");
    const auto problems = r.finish();
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_EQ(problems[0], "/n: expected an integer from 1 to 10, got 0");
    EXPECT_EQ(problems[1], "/list: must not be empty");
    EXPECT_EQ(problems[2], "/names/1: expected a non-empty string, got \"\"");
}

TEST(ConfigReader, NonObjectRootIsReported) {
    const json doc = json::parse("[1]");
    ConfigReader r(doc);
    r.root().string("x");
    const auto problems = r.finish();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "/: expected a JSON object, got an array");
}

}  // namespace
}  // namespace legate
