#include <sstream>
#include <string>
#include <vector>

#include <Poco/Message.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/core/Time.h"
#include "broker/log/JsonFormatter.h"
#include "broker/log/Logger.h"
#include "broker/log/Redaction.h"
#include "broker/log/Setup.h"
#include "tests/support/TestSupport.h"

namespace legate::log {
namespace {

std::vector<nlohmann::json> lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(nlohmann::json::parse(line));  // throws (fails the test) if not JSON
    }
    return out;
}

class LoggerTest : public ::testing::Test {
protected:
    void SetUp() override { setup(Level::debug, out_); }
    void TearDown() override { setup(Level::info, std::clog); }
    std::ostringstream out_;
};

TEST_F(LoggerTest, WritesOneJsonObjectPerLineWithFields) {
    Logger log("acme");
    log.info("order created", {{"tenant", "t1"}, {"order", "o9"}, {"attempt", 3}});
    log.warn("second");
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["level"], "info");
    EXPECT_EQ(got[0]["component"], "acme");
    EXPECT_EQ(got[0]["message"], "order created");
    EXPECT_EQ(got[0]["tenant"], "t1");
    EXPECT_EQ(got[0]["order"], "o9");
    EXPECT_EQ(got[0]["attempt"], 3);
    EXPECT_EQ(got[1]["level"], "warning");
    EXPECT_FALSE(got[1].contains("tenant"));
}

TEST_F(LoggerTest, TimeIsRfc3339UtcWithMilliseconds) {
    Logger("acme").info("x");
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 1u);
    const std::string time = got[0]["time"];
    ASSERT_EQ(time.size(), 24u) << time;  // 2026-11-22T17:36:24.123Z
    EXPECT_EQ(time[19], '.');
    EXPECT_EQ(time.back(), 'Z');
    const auto parsed = parseRfc3339(time);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_LT(std::chrono::abs(*parsed - std::chrono::system_clock::now()),
              std::chrono::minutes(1));
}

TEST(JsonFormatterTest, FormatsKnownTimestamp) {
    EXPECT_EQ(rfc3339Millis(Poco::Timestamp(1'700'000'000'123'456)), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(rfc3339Millis(Poco::Timestamp(0)), "1970-01-01T00:00:00.000Z");
}

TEST_F(LoggerTest, FieldOrderFollowsTheCallSite) {
    Logger("acme").info("x", {{"zeta", 1}, {"alpha", 2}});
    const std::string line = out_.str();
    EXPECT_LT(line.find("\"time\""), line.find("\"level\""));
    EXPECT_LT(line.find("\"message\""), line.find("\"zeta\""));
    EXPECT_LT(line.find("\"zeta\""), line.find("\"alpha\""));
}

TEST_F(LoggerTest, SecretFieldsAreRedactedAtAnyDepth) {
    Logger("admin").info("ndc created", {
                                            {"hmac_key", "c2VjcmV0"},
                                            {"Authorization", "Bearer abc"},
                                            {"privateKey", "-----BEGIN"},
                                            {"key_pem", "pem"},
                                            {"eab", {{"kid", "k1"}, {"hmac_key", "s3cr3t"}}},
                                            {"list", {{{"password", "p"}}}},
                                            {"tenant", "t1"},
                                        });
    const std::string text = out_.str();
    for (const char* secret : {"c2VjcmV0", "Bearer abc", "-----BEGIN", "s3cr3t", "\"pem\""}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked: " << text;
    }
    const auto got = lines(text);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["hmac_key"], "[redacted]");
    EXPECT_EQ(got[0]["Authorization"], "[redacted]");
    EXPECT_EQ(got[0]["privateKey"], "[redacted]");
    EXPECT_EQ(got[0]["key_pem"], "[redacted]");
    EXPECT_EQ(got[0]["eab"]["kid"], "k1");
    EXPECT_EQ(got[0]["eab"]["hmac_key"], "[redacted]");
    EXPECT_EQ(got[0]["list"][0]["password"], "[redacted]");
    EXPECT_EQ(got[0]["tenant"], "t1");
}

TEST(RedactionTest, DenylistMatchesNormalisedNames) {
    for (const char* name : {"hmac_key", "hmac", "HMAC-Key", "token", "access_token",
                             "authorization", "password", "secret", "client_secret", "private_key",
                             "key_pem", "eab_key", "eabKey", "api-key", "cookie"}) {
        EXPECT_TRUE(isSecretFieldName(name)) << name;
    }
    for (const char* name :
         {"tenant", "account", "order", "request_id", "kid", "key_type", "status", "thumbprint"}) {
        EXPECT_FALSE(isSecretFieldName(name)) << name;
    }
}

TEST_F(LoggerTest, LevelsFilter) {
    setLevel(Level::warning);
    Logger log("acme");
    log.debug("hidden");
    log.info("hidden too");
    log.warn("shown");
    log.error("shown too");
    EXPECT_FALSE(log.enabled(Level::info));
    EXPECT_TRUE(log.enabled(Level::error));
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["level"], "warning");
    EXPECT_EQ(got[1]["level"], "error");
}

TEST_F(LoggerTest, LoggersCreatedAfterSetupInheritTheLevel) {
    setup(Level::error, out_);
    Logger("component-made-later").info("hidden");
    Logger("component-made-later").error("shown");
    EXPECT_EQ(lines(out_.str()).size(), 1u);
}

TEST_F(LoggerTest, FieldsCannotOverwriteLineMembers) {
    Logger("acme").info("real", {{"message", "fake"}, {"level", "fake"}});
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["message"], "real");
    EXPECT_EQ(got[0]["level"], "info");
    EXPECT_EQ(got[0]["field.message"], "fake");
}

TEST_F(LoggerTest, InvalidUtf8IsReplacedNotThrown) {
    Logger("acme").info("bad \xff bytes", {{"path", "/x\xfe"}});
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0]["message"].get<std::string>().find("bad"), std::string::npos);
}

TEST_F(LoggerTest, PlainPocoLoggerGetsJsonToo) {
    Poco::Logger::get("poco-internal").warning("from poco");
    const auto got = lines(out_.str());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["component"], "poco-internal");
    EXPECT_EQ(got[0]["message"], "from poco");
}

TEST(LogSetupTest, FileDestination) {
    test::TempDir dir;
    const auto path = dir / "legate.log";
    ASSERT_TRUE(setup(Level::info, path.string()).ok());
    Logger("file").info("to file", {{"tenant", "t"}});
    setup(Level::info, std::clog);  // closes the file channel
    const auto got = lines(test::readFile(path));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["message"], "to file");
}

TEST(LogSetupTest, UnwritableFileIsAProblem) {
    const auto status = setup(Level::info, "/nonexistent-dir/legate.log");
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.problem().detail.find("/nonexistent-dir/legate.log"), std::string::npos);
    setup(Level::info, std::clog);
}

TEST(LevelTest, ParsesNames) {
    EXPECT_EQ(parseLevel("debug"), Level::debug);
    EXPECT_EQ(parseLevel("warn"), Level::warning);
    EXPECT_EQ(parseLevel("loud"), std::nullopt);
}

}  // namespace
}  // namespace legate::log
