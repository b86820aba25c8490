#include <gtest/gtest.h>

#include "broker/store/RedisReply.h"

namespace legate::store {
namespace {

TEST(RedisReply, AccessorsNeverAssertOnTheWrongType) {
    const auto s = RedisReply::string("abc");
    EXPECT_EQ(s.asString(), "abc");
    EXPECT_EQ(s.asInteger(), std::nullopt);
    EXPECT_TRUE(s.elements().empty());

    const auto i = RedisReply::integer(-7);
    EXPECT_EQ(i.asInteger(), -7);
    EXPECT_EQ(i.asString(), std::nullopt);
    EXPECT_EQ(i.text(), "");

    EXPECT_EQ(RedisReply::nil().asString(), std::nullopt);
    EXPECT_TRUE(RedisReply().isNil());
    EXPECT_EQ(RedisReply::status("OK").asString(), "OK");
    EXPECT_EQ(RedisReply::error("ERR x").asString(), std::nullopt);
}

TEST(RedisReply, RecognisesStatusAndErrorCodes) {
    EXPECT_TRUE(RedisReply::status("OK").isStatus("OK"));
    EXPECT_FALSE(RedisReply::string("OK").isStatus("OK"));
    const auto noscript = RedisReply::error("NOSCRIPT No matching script. Please use EVAL.");
    EXPECT_TRUE(noscript.isErrorCode("NOSCRIPT"));
    EXPECT_FALSE(noscript.isErrorCode("NOSCRIP"));
    EXPECT_FALSE(noscript.isErrorCode("ERR"));
    EXPECT_TRUE(RedisReply::error("NOSCRIPT").isErrorCode("NOSCRIPT"));
}

TEST(RedisReply, PrintsAReadableForm) {
    const auto reply = RedisReply::array(
        {RedisReply::string(std::string("a\0\"", 3)), RedisReply::integer(1), RedisReply::nil(),
         RedisReply::status("OK"), RedisReply::error("ERR no"), RedisReply::array({})});
    EXPECT_EQ(reply.toString(), R"(["a\x00\"", 1, nil, +OK, -ERR no, []])");
    EXPECT_EQ(replyTypeName(reply.type()), "array");
}

TEST(RedisReply, RejectErrorReplyTurnsOnlyErrorsIntoProblems) {
    EXPECT_TRUE(rejectErrorReply(RedisReply::integer(1)).ok());
    const auto rejected = rejectErrorReply(RedisReply::error("WRONGTYPE Operation"));
    ASSERT_FALSE(rejected.ok());
    EXPECT_EQ(rejected.problem().type, acme::ErrorType::serverInternal);
    EXPECT_EQ(rejected.problem().detail, "redis: WRONGTYPE Operation");
}

}  // namespace
}  // namespace legate::store
