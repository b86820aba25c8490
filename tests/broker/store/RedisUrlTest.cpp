#include <gtest/gtest.h>

#include "broker/store/RedisUrl.h"

namespace legate::store {
namespace {

struct Accepted {
    std::string text;
    std::string host;
    int port;
    int db;
    std::string user;
    std::optional<std::string> password;
    std::string redacted;
};

class RedisUrlAccepts : public ::testing::TestWithParam<Accepted> {};

TEST_P(RedisUrlAccepts, ParsesEveryPart) {
    const auto& c = GetParam();
    const auto url = RedisUrl::parse(c.text);
    ASSERT_TRUE(url.ok()) << c.text << ": " << url.problem().detail;
    EXPECT_EQ(url->host(), c.host);
    EXPECT_EQ(url->port(), c.port);
    EXPECT_EQ(url->db(), c.db);
    EXPECT_EQ(url->user(), c.user);
    EXPECT_EQ(url->password(), c.password);
    EXPECT_EQ(url->toString(), c.redacted);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RedisUrlAccepts,
    ::testing::Values(
        Accepted{"redis://localhost", "localhost", 6379, 0, "", std::nullopt,
                 "redis://localhost:6379/0"},
        Accepted{"redis://127.0.0.1:7000", "127.0.0.1", 7000, 0, "", std::nullopt,
                 "redis://127.0.0.1:7000/0"},
        Accepted{"redis://redis.internal:6380/3", "redis.internal", 6380, 3, "", std::nullopt,
                 "redis://redis.internal:6380/3"},
        Accepted{"redis://host/", "host", 6379, 0, "", std::nullopt, "redis://host:6379/0"},
        Accepted{"redis://:s3cret@host:1/15", "host", 1, 15, "", "s3cret",
                 "redis://:***@host:1/15"},
        Accepted{"redis://legate:s3cret@host:65535", "host", 65535, 0, "legate", "s3cret",
                 "redis://legate:***@host:65535/0"},
        Accepted{"redis://u%40x:p%40ss%2Fw%3Ard@host", "host", 6379, 0, "u@x", "p@ss/w:rd",
                 "redis://u%40x:***@host:6379/0"},
        Accepted{"redis://:a@b@host", "host", 6379, 0, "", "a@b", "redis://:***@host:6379/0"},
        Accepted{"redis://[::1]:6390/2", "::1", 6390, 2, "", std::nullopt, "redis://[::1]:6390/2"},
        Accepted{"REDIS://Host-1.example", "Host-1.example", 6379, 0, "", std::nullopt,
                 "redis://Host-1.example:6379/0"}));

struct Refused {
    std::string text;
    std::string mentions;  // the detail must name the bad part
};

class RedisUrlRefuses : public ::testing::TestWithParam<Refused> {};

TEST_P(RedisUrlRefuses, WithAMalformedProblemNamingThePart) {
    const auto& c = GetParam();
    const auto url = RedisUrl::parse(c.text);
    ASSERT_FALSE(url.ok()) << c.text << " was accepted";
    EXPECT_EQ(url.problem().type, acme::ErrorType::malformed);
    EXPECT_NE(url.problem().detail.find(c.mentions), std::string::npos)
        << c.text << " -> " << url.problem().detail;
    EXPECT_EQ(url.problem().detail.find("hunter2"), std::string::npos)
        << "password leaked: " << url.problem().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RedisUrlRefuses,
    ::testing::Values(
        Refused{"", "missing scheme"}, Refused{"localhost:6379", "missing scheme"},
        Refused{"http://localhost", "unsupported scheme 'http'"},
        Refused{"rediss://localhost", "TLS"}, Refused{"redis://", "missing host"},
        Refused{"redis://:6379", "missing host"}, Refused{"redis://host:", "bad port ''"},
        Refused{"redis://host:0", "bad port '0'"},
        Refused{"redis://host:65536", "bad port '65536'"},
        Refused{"redis://host:-1", "bad port '-1'"},
        Refused{"redis://host:63x9", "bad port '63x9'"},
        Refused{"redis://host:1:2", "bad port '1:2'"},
        Refused{"redis://host/x", "bad database 'x'"},
        Refused{"redis://host/-1", "bad database '-1'"},
        Refused{"redis://host/1/2", "bad database '1/2'"},
        Refused{"redis://host/99999999999", "bad database"}, Refused{"redis://host?db=1", "query"},
        Refused{"redis://host#x", "fragment"}, Refused{"redis://ho st", "whitespace"},
        Refused{"redis://ho_st!", "bad host 'ho_st!'"}, Refused{"redis://[::1", "unterminated '['"},
        Refused{"redis://[zz]:1", "bad IPv6 host"},
        Refused{"redis://[::1]x", "unexpected 'x' after host"},
        Refused{"redis://hunter2@host", "missing ':'"},
        Refused{"redis://user:@host", "empty password"},
        Refused{"redis://:hunter2%zz@host", "percent-encoding in password"},
        Refused{"redis://:hunter2%4@host", "percent-encoding in password"},
        Refused{"redis://us%g0er:hunter2@host", "percent-encoding in user"}));

TEST(RedisUrl, PasswordNeverAppearsInItsTextForm) {
    const auto url = RedisUrl::parse("redis://admin:hunter2@db.internal:6379/1");
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->toString().find("hunter2"), std::string::npos);
    EXPECT_EQ(url->password(), "hunter2");
}

TEST(RedisUrl, PlainBuildsAnUnauthenticatedUrl) {
    const auto url = RedisUrl::plain("127.0.0.1", 7001, 2);
    EXPECT_EQ(url.toString(), "redis://127.0.0.1:7001/2");
    EXPECT_FALSE(url.password().has_value());
}

}  // namespace
}  // namespace legate::store
