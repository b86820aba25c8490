#include <string>

#include <gtest/gtest.h>

#include "broker/core/MessageText.h"

namespace legate {
namespace {

TEST(MessageTextTest, JsonPointerTokenEscapesTildeThenSlash) {
    EXPECT_EQ(jsonPointerToken("plain"), "plain");
    EXPECT_EQ(jsonPointerToken("a/b"), "a~1b");
    EXPECT_EQ(jsonPointerToken("a~b"), "a~0b");
    EXPECT_EQ(jsonPointerToken("~1"), "~01");  // not "~1": the RFC 6901 order
    EXPECT_EQ(jsonPointerToken(""), "");
}

TEST(MessageTextTest, ControlBytesQuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(escapedForMessage("a\nb\x7f"), "a\\x0ab\\x7f");
    EXPECT_EQ(escapedForMessage("say \"hi\" \\o/"), "say \\\"hi\\\" \\\\o/");
    EXPECT_EQ(quotedForMessage("x\ty"), "\"x\\x09y\"");
    EXPECT_EQ(escapedForMessage("h\xc3\xa9"), "h\xc3\xa9");  // UTF-8 kept
}

TEST(MessageTextTest, LongTextIsCut) {
    const std::string text(200, 'a');
    EXPECT_EQ(escapedForMessage(text), std::string(80, 'a') + "...");
    EXPECT_EQ(escapedForMessage(text, 100), std::string(100, 'a') + "...");
    EXPECT_EQ(escapedForMessage(std::string(80, 'a')), std::string(80, 'a'));
    EXPECT_EQ(quotedForMessage(text, 3), "\"aaa...\"");
}

}  // namespace
}  // namespace legate
