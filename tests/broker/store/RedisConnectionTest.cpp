#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "broker/store/RedisConnection.h"
#include "tests/broker/store/RedisTestFixture.h"
#include "tests/support/TestSupport.h"

namespace legate::store {
namespace {

using namespace std::chrono_literals;
using testing::RedisTest;

RedisReply run(RedisConnection& c, const std::vector<std::string>& args) {
    auto reply = c.command(args);
    EXPECT_TRUE(reply.ok()) << reply.problem().detail;
    return reply.ok() ? *reply : RedisReply::error("transport failure");
}

using RedisConnectionTest = RedisTest;

TEST_F(RedisConnectionTest, ConvertsEveryReplyType) {
    auto c = direct();
    ASSERT_TRUE(c);
    EXPECT_EQ(run(*c, {"PING"}), RedisReply::status("PONG"));
    EXPECT_EQ(run(*c, {"SET", "k", "v"}), RedisReply::status("OK"));
    EXPECT_EQ(run(*c, {"GET", "k"}), RedisReply::string("v"));
    EXPECT_EQ(run(*c, {"GET", "missing"}), RedisReply::nil());
    EXPECT_EQ(run(*c, {"INCRBY", "n", "-5"}), RedisReply::integer(-5));
    EXPECT_EQ(run(*c, {"RPUSH", "l", "a", "b"}), RedisReply::integer(2));
    EXPECT_EQ(run(*c, {"LRANGE", "l", "0", "-1"}),
              RedisReply::array({RedisReply::string("a"), RedisReply::string("b")}));
    EXPECT_EQ(run(*c, {"LRANGE", "missing", "0", "-1"}), RedisReply::array({}));

    const auto wrongType = run(*c, {"INCR", "l"});
    EXPECT_TRUE(wrongType.isErrorCode("WRONGTYPE")) << wrongType.toString();
    const auto unknown = run(*c, {"NOSUCHCOMMAND"});
    EXPECT_TRUE(unknown.isErrorCode("ERR")) << unknown.toString();
    EXPECT_FALSE(c->broken()) << "an error reply leaves the connection usable";

    // Nested arrays, with a Lua false becoming nil.
    EXPECT_EQ(run(*c, {"EVAL", "return {1, {'x', false}, 'y'}", "0"}),
              RedisReply::array({RedisReply::integer(1),
                                 RedisReply::array({RedisReply::string("x"), RedisReply::nil()}),
                                 RedisReply::string("y")}));
}

TEST_F(RedisConnectionTest, KeysAndValuesAreBinarySafe) {
    auto c = direct();
    ASSERT_TRUE(c);
    std::string value;
    for (int i = 0; i < 256; ++i) {
        value.push_back(static_cast<char>(i));
    }
    value += "\r\n$3\r\n*1\r\n";  // protocol-looking bytes must stay data
    const std::string key("k\0ey\r\n", 6);
    EXPECT_TRUE(run(*c, {"SET", key, value}).isStatus("OK"));
    EXPECT_EQ(run(*c, {"GET", key}), RedisReply::string(value));
    EXPECT_EQ(run(*c, {"STRLEN", key}), RedisReply::integer(static_cast<int64_t>(value.size())));
    EXPECT_EQ(run(*c, {"EXISTS", "k"}), RedisReply::integer(0)) << "the key was not cut at NUL";
    EXPECT_EQ(run(*c, {"SET", "empty", ""}), RedisReply::status("OK"));
    EXPECT_EQ(run(*c, {"GET", "empty"}), RedisReply::string(""));
}

TEST_F(RedisConnectionTest, PipelineReturnsRepliesInOrderIncludingErrors) {
    auto c = direct();
    ASSERT_TRUE(c);
    std::vector<std::vector<std::string>> commands;
    for (int i = 0; i < 100; ++i) {
        commands.push_back({"SET", "p" + std::to_string(i), std::to_string(i * i)});
    }
    commands.push_back({"INCR", "p3"});       // 9 -> 10
    commands.push_back({"HGET", "p4", "x"});  // WRONGTYPE, but the pipeline goes on
    commands.push_back({"GET", "p3"});
    auto replies = c->pipeline(commands);
    ASSERT_TRUE(replies.ok()) << replies.problem().detail;
    ASSERT_EQ(replies->size(), 103u);
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE((*replies)[i].isStatus("OK"));
    }
    EXPECT_EQ((*replies)[100], RedisReply::integer(10));
    EXPECT_TRUE((*replies)[101].isErrorCode("WRONGTYPE"));
    EXPECT_EQ((*replies)[102], RedisReply::string("10"));

    const auto none = c->pipeline({});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

TEST_F(RedisConnectionTest, EmptyCommandsAreRefusedWithoutSendingAnything) {
    auto c = direct();
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->command({}).ok());
    EXPECT_FALSE(c->pipeline({{"SET", "a", "1"}, {}}).ok());
    EXPECT_FALSE(c->broken());
    EXPECT_EQ(run(*c, {"EXISTS", "a"}), RedisReply::integer(0)) << "nothing half-sent";
}

TEST_F(RedisConnectionTest, SelectsTheDatabaseFromTheUrl) {
    auto db3 = RedisConnection::connect(RedisUrl::plain("127.0.0.1", server_->port(), 3));
    ASSERT_TRUE(db3.ok()) << db3.problem().detail;
    EXPECT_TRUE(run(**db3, {"SET", "only-in-3", "x"}).isStatus("OK"));
    auto db0 = direct();
    ASSERT_TRUE(db0);
    EXPECT_EQ(run(*db0, {"EXISTS", "only-in-3"}), RedisReply::integer(0));
    EXPECT_EQ(run(*db0, {"SELECT", "3"}), RedisReply::status("OK"));
    EXPECT_EQ(run(*db0, {"EXISTS", "only-in-3"}), RedisReply::integer(1));
}

TEST_F(RedisConnectionTest, ReportsAConnectionTheServerClosed) {
    auto victim = direct();
    auto killer = direct();
    ASSERT_TRUE(victim && killer);
    const auto id = run(*victim, {"CLIENT", "ID"}).asInteger();
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(run(*killer, {"CLIENT", "KILL", "ID", std::to_string(*id)}), RedisReply::integer(1));

    const auto reply = victim->command({"PING"});
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.problem().type, acme::ErrorType::serverInternal);
    EXPECT_TRUE(reply.problem().detail.starts_with("redis: ")) << reply.problem().detail;
    EXPECT_EQ(victim->state(), RedisConnection::State::PeerClosed);
    // Broken for good: later calls fail at once, saying why.
    const auto again = victim->command({"PING"});
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.problem().detail.find("earlier failure"), std::string::npos);
}

TEST_F(RedisConnectionTest, ReportsAServerThatWentAway) {
    auto c = direct();
    ASSERT_TRUE(c);
    server_->stop();
    const auto reply = c->command({"PING"});
    ASSERT_FALSE(reply.ok());
    EXPECT_TRUE(c->broken());
    EXPECT_EQ(c->state(), RedisConnection::State::PeerClosed) << reply.problem().detail;
}

class RedisAuthTest : public RedisTest {
protected:
    test::RedisServer::Options serverOptions() const override {
        return {.password = "correct horse", .extraArgs = {}};
    }
};

TEST_F(RedisAuthTest, AuthenticatesWithThePasswordFromTheUrl) {
    // url() is "redis://:correct horse@..."; percent-encode the space for the parser.
    const std::string port = std::to_string(server_->port());
    auto c =
        RedisConnection::connect(*RedisUrl::parse("redis://:correct%20horse@127.0.0.1:" + port));
    ASSERT_TRUE(c.ok()) << c.problem().detail;
    EXPECT_EQ(run(**c, {"PING"}), RedisReply::status("PONG"));

    // The default user by name works too (Redis 6+ two-argument AUTH).
    auto named = RedisConnection::connect(
        *RedisUrl::parse("redis://default:correct%20horse@127.0.0.1:" + port));
    ASSERT_TRUE(named.ok()) << named.problem().detail;
    EXPECT_EQ(run(**named, {"PING"}), RedisReply::status("PONG"));
}

TEST_F(RedisAuthTest, WrongPasswordFailsToConnectWithoutLeakingIt) {
    const std::string port = std::to_string(server_->port());
    auto c = RedisConnection::connect(*RedisUrl::parse("redis://:hunter2@127.0.0.1:" + port));
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.problem().detail.find("AUTH"), std::string::npos) << c.problem().detail;
    EXPECT_EQ(c.problem().detail.find("hunter2"), std::string::npos) << c.problem().detail;
    EXPECT_NE(c.problem().detail.find(":***@"), std::string::npos) << c.problem().detail;
}

TEST_F(RedisAuthTest, WithoutAPasswordCommandsAreRefused) {
    auto c = RedisConnection::connect(RedisUrl::plain("127.0.0.1", server_->port()));
    ASSERT_TRUE(c.ok()) << c.problem().detail;
    EXPECT_TRUE(run(**c, {"GET", "x"}).isErrorCode("NOAUTH"));
}

TEST(RedisConnection, ConnectToAClosedPortFailsQuickly) {
    const int port = test::freePort();  // nothing listens there
    const auto started = std::chrono::steady_clock::now();
    auto c = RedisConnection::connect(RedisUrl::plain("127.0.0.1", port),
                                      {.connectTimeout = 500ms, .commandTimeout = 500ms});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.problem().type, acme::ErrorType::serverInternal);
    EXPECT_NE(
        c.problem().detail.find("redis: connect to redis://127.0.0.1:" + std::to_string(port)),
        std::string::npos)
        << c.problem().detail;
    EXPECT_LT(elapsed, 2s);
}

TEST(RedisConnection, RefusesNonPositiveTimeouts) {
    auto c = RedisConnection::connect(RedisUrl::plain("127.0.0.1", 1),
                                      {.connectTimeout = 0ms, .commandTimeout = 100ms});
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.problem().detail.find("timeouts must be positive"), std::string::npos);
}

/// A socket that completes TCP handshakes (the kernel does that from the backlog) but
/// never reads or answers: a server that hangs.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 8);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

TEST(RedisConnection, CommandTimeoutBoundsAHangingServer) {
    SilentListener silent;
    auto c = RedisConnection::connect(RedisUrl::plain("127.0.0.1", silent.port()),
                                      {.connectTimeout = 500ms, .commandTimeout = 200ms});
    ASSERT_TRUE(c.ok()) << c.problem().detail;
    const auto started = std::chrono::steady_clock::now();
    const auto reply = (*c)->command({"PING"});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ((*c)->state(), RedisConnection::State::TimedOut) << reply.problem().detail;
    EXPECT_NE(reply.problem().detail.find("no reply within 200 ms"), std::string::npos)
        << reply.problem().detail;
    EXPECT_GE(elapsed, 150ms);
    EXPECT_LT(elapsed, 2s);
}

}  // namespace
}  // namespace legate::store
