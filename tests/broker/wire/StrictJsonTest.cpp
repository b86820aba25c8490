#include <string>

#include <gtest/gtest.h>

#include "broker/wire/StrictJson.h"

namespace legate::wire {
namespace {

using acme::ErrorType;

void expectMalformed(std::string_view text, std::string_view detailPart,
                     const JsonLimits& limits = {}) {
    auto r = parseStrictJson(text, limits);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
    EXPECT_EQ(r.problem().status, 400);
    EXPECT_NE(r.problem().detail.find(detailPart), std::string::npos)
        << "detail: " << r.problem().detail;
}

std::string nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

TEST(StrictJson, ParsesOrdinaryDocuments) {
    auto r = parseStrictJson(R"({"a": [1, -2, 3.5, "x", true, null, {"b": {}}], "c": "\u00e9"})");
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ((*r)["a"].size(), 7u);
    EXPECT_EQ((*r)["a"][1], -2);
    EXPECT_EQ((*r)["a"][6]["b"], nlohmann::json::object());
    EXPECT_EQ((*r)["c"], "\xc3\xa9");
    EXPECT_TRUE(parseStrictJson("  42 ").ok());
    EXPECT_TRUE(parseStrictJson("\"\xe2\x82\xac\"").ok());   // raw UTF-8 euro sign
    EXPECT_TRUE(parseStrictJson(R"("\ud83d\ude00")").ok());  // escaped surrogate pair
}

TEST(StrictJson, KeepsEqualNamesInDifferentObjects) {
    auto r = parseStrictJson(R"({"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]})");
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ((*r)["b"][1]["a"], 3);
}

TEST(StrictJson, RejectsDuplicateTopLevelMember) {
    expectMalformed(R"({"a": 1, "a": 2})", "duplicate object member \"a\"");
    expectMalformed(R"({"protected": "x", "payload": "", "protected": "y"})", "duplicate");
}

TEST(StrictJson, RejectsDuplicateNestedMember) {
    expectMalformed(R"({"x": {"b": 1, "c": 2, "b": 1}})", "duplicate object member \"b\"");
    expectMalformed(R"([[{"k": null, "k": null}]])", "duplicate");
    // Escapes do not hide a duplicate: "\u0061" is "a".
    expectMalformed(R"({"a": 1, "\u0061": 2})", "duplicate");
}

TEST(StrictJson, EnforcesTheSizeCap) {
    const std::string big = "\"" + std::string(kDefaultMaxJsonBytes, 'a') + "\"";
    expectMalformed(big, "exceeds the 65536-byte limit");

    JsonLimits small;
    small.maxBytes = 7;
    EXPECT_TRUE(parseStrictJson("[1,2,3]", small).ok());  // exactly at the cap
    expectMalformed("[1,2,34]", "exceeds the 7-byte limit", small);
}

TEST(StrictJson, EnforcesTheDepthCap) {
    EXPECT_TRUE(parseStrictJson(nested(kDefaultMaxJsonDepth)).ok());
    expectMalformed(nested(kDefaultMaxJsonDepth + 1), "nesting deeper than 32");

    JsonLimits shallow;
    shallow.maxDepth = 2;
    EXPECT_TRUE(parseStrictJson(R"({"a": [1]})", shallow).ok());
    expectMalformed(R"({"a": [{}]})", "nesting deeper than 2", shallow);
    expectMalformed(R"([[[1]]])", "nesting", shallow);
    // Deep input far beyond the cap fails fast instead of exhausting the stack.
    expectMalformed(std::string(60000, '['), "nesting");
}

TEST(StrictJson, RejectsInvalidUtf8) {
    expectMalformed("\"\xff\"", "ill-formed UTF-8 at byte 1");
    expectMalformed("\"\xc0\xaf\"", "UTF-8");          // overlong '/'
    expectMalformed("\"\xe0\x80\xaf\"", "UTF-8");      // overlong 3-byte
    expectMalformed("\"\xed\xa0\x80\"", "UTF-8");      // encoded surrogate U+D800
    expectMalformed("\"\xf4\x90\x80\x80\"", "UTF-8");  // above U+10FFFF
    expectMalformed("\"\xe2\x82\"", "UTF-8");          // truncated sequence
    expectMalformed("\"\x80\"", "UTF-8");              // lone continuation byte
    expectMalformed("{\"\xfe\": 1}", "UTF-8");         // in a member name
    // An escaped lone surrogate is not a Unicode scalar value either.
    expectMalformed(R"("\ud800")", "surrogate");
}

TEST(StrictJson, RejectsSyntaxErrorsAndExtras) {
    expectMalformed("", "");
    expectMalformed("{", "");
    expectMalformed(R"({"a": 1,})", "");
    expectMalformed("{} x", "");
    expectMalformed("{}{}", "");
    expectMalformed("[1] // comment", "");
    expectMalformed("\xef\xbb\xbf{}", "byte-order mark");
    expectMalformed("{'a': 1}", "");
    expectMalformed("\"tab\tinside\"", "");
    expectMalformed("NaN", "");
}

TEST(StrictJson, FindInvalidUtf8ReportsTheFirstBadOffset) {
    EXPECT_EQ(findInvalidUtf8("plain ascii"), std::nullopt);
    EXPECT_EQ(findInvalidUtf8("\xf0\x9f\x98\x80 ok \xc3\xa9"), std::nullopt);
    EXPECT_EQ(findInvalidUtf8("ab\xc3"), std::optional<size_t>(2));
    EXPECT_EQ(findInvalidUtf8("abc\xc3\xa9\xc1\x81"), std::optional<size_t>(5));
}

}  // namespace
}  // namespace legate::wire
