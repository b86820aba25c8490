#include <gtest/gtest.h>

#include "broker/store/LuaScript.h"
#include "tests/broker/store/RedisTestFixture.h"

namespace legate::store {
namespace {

using namespace std::chrono_literals;
using LuaScriptTest = testing::RedisTest;

const char* const kIncrAndEcho =
    "local n = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    "return {KEYS[1], ARGV[2], n}\n";

TEST(LuaScript, HashesItsSourceLikeRedis) {
    EXPECT_EQ(sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    const LuaScript script("return 1");
    EXPECT_EQ(script.sha1(), sha1Hex("return 1"));
    EXPECT_EQ(script.source(), "return 1");
}

TEST_F(LuaScriptTest, ComputesTheSameSha1AsScriptLoad) {
    const LuaScript script(kIncrAndEcho);
    auto c = direct();
    ASSERT_TRUE(c);
    const auto loaded = c->command({"SCRIPT", "LOAD", kIncrAndEcho});
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->asString(), script.sha1());
}

TEST_F(LuaScriptTest, RunsWithKeysAndArgsLoadingItselfOnFirstUse) {
    RedisPool pool(url());
    const LuaScript script(kIncrAndEcho);
    for (int i = 1; i <= 3; ++i) {
        const auto reply = script.run(pool, {"counter"}, {"5", std::string("bin\0ary", 7)});
        ASSERT_TRUE(reply.ok()) << reply.problem().detail;
        EXPECT_EQ(*reply, RedisReply::array({RedisReply::string("counter"),
                                             RedisReply::string(std::string("bin\0ary", 7)),
                                             RedisReply::integer(5 * i)}));
    }
}

TEST_F(LuaScriptTest, ReloadsAfterScriptFlush) {
    RedisPool pool(url());
    const LuaScript script(kIncrAndEcho);
    ASSERT_TRUE(script.run(pool, {"k"}, {"1", "x"}).ok());
    ASSERT_TRUE(pool.command({"SCRIPT", "FLUSH"}).ok());
    const auto exists = pool.command({"SCRIPT", "EXISTS", script.sha1()});
    ASSERT_TRUE(exists.ok());
    ASSERT_EQ(*exists, RedisReply::array({RedisReply::integer(0)})) << "really flushed";

    const auto reply = script.run(pool, {"k"}, {"1", "x"});
    ASSERT_TRUE(reply.ok()) << reply.problem().detail;
    EXPECT_EQ(reply->elements().at(2), RedisReply::integer(2)) << "ran exactly once more";
}

TEST_F(LuaScriptTest, ReloadsAfterARestartOnTheSamePool) {
    RedisPool pool(url());
    const LuaScript script(kIncrAndEcho);
    ASSERT_TRUE(script.run(pool, {"k"}, {"1", "x"}).ok());
    server_->restart();  // script cache gone, connection dead, AOF keeps k
    const auto reply = script.run(pool, {"k"}, {"1", "x"});
    ASSERT_TRUE(reply.ok()) << reply.problem().detail;
    ASSERT_TRUE(reply->isArray()) << reply->toString();
    EXPECT_EQ(reply->elements().at(2), RedisReply::integer(2));
}

TEST_F(LuaScriptTest, RunsOnALeasedConnectionToo) {
    RedisPool pool(url());
    const LuaScript script(kIncrAndEcho);
    auto lease = pool.borrow();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->command({"SCRIPT", "FLUSH"}).ok());
    const auto reply = script.run(**lease, {"k"}, {"7", "x"});
    ASSERT_TRUE(reply.ok()) << reply.problem().detail;
    EXPECT_EQ(reply->elements().at(2), RedisReply::integer(7));
}

TEST_F(LuaScriptTest, ScriptErrorsAreRepliesAndBrokenScriptsAreProblems) {
    RedisPool pool(url());
    const LuaScript refusing("return redis.error_reply('CONFLICT state changed')");
    const auto refused = refusing.run(pool, {}, {});
    ASSERT_TRUE(refused.ok()) << refused.problem().detail;
    EXPECT_TRUE(refused->isErrorCode("CONFLICT"));
    EXPECT_FALSE(rejectErrorReply(refused).ok());

    const LuaScript broken("this is not lua");
    const auto failed = broken.run(pool, {}, {});
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.problem().detail.find("SCRIPT LOAD"), std::string::npos)
        << failed.problem().detail;
}

}  // namespace
}  // namespace legate::store
