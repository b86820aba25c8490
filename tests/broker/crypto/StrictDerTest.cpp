#include <gtest/gtest.h>

#include "broker/crypto/StrictDer.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;

Status check(const Bytes& der) {
    return checkStrictDer(der, ErrorType::badCSR, "input");
}

void expectRefused(const Bytes& der, std::string_view why) {
    auto status = check(der);
    ASSERT_FALSE(status.ok()) << why;
    EXPECT_EQ(status.problem().type, ErrorType::badCSR);
    EXPECT_NE(status.problem().detail.find(why), std::string::npos) << status.problem().detail;
}

TEST(StrictDerTest, AcceptsDer) {
    EXPECT_TRUE(check({0x30, 0x00}).ok());
    EXPECT_TRUE(check({0x30, 0x06, 0x02, 0x01, 0x00, 0x01, 0x01, 0xFF}).ok());
    EXPECT_TRUE(check({0x02, 0x02, 0x00, 0x80}).ok());  // 128 needs its leading zero
    EXPECT_TRUE(check({0x02, 0x01, 0x80}).ok());        // -128
    EXPECT_TRUE(check({0x9F, 0x1F, 0x00}).ok());        // [31] IMPLICIT, high-tag form
    Bytes longForm = {0x04, 0x81, 0x80};
    longForm.resize(3 + 0x80, 0xAA);
    EXPECT_TRUE(check(longForm).ok());
}

TEST(StrictDerTest, RefusesNonMinimalLengths) {
    expectRefused({0x30, 0x81, 0x01, 0x05}, "long form for 1");
    expectRefused({0x30, 0x82, 0x00, 0x00}, "leading zero");
    // Inside a constructed element, too.
    expectRefused({0x30, 0x04, 0x02, 0x81, 0x01, 0x00}, "non-minimal length");
}

TEST(StrictDerTest, RefusesIndefiniteLengthAndOverruns) {
    expectRefused({0x30, 0x80, 0x00, 0x00}, "indefinite");
    expectRefused({0x30, 0x03, 0x02, 0x01}, "past the end");
    expectRefused({0x30, 0x02, 0x02, 0x05}, "past the end");
    expectRefused({0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, "past the end");
    expectRefused({0x30}, "length expected");
    expectRefused({}, "element expected");
}

TEST(StrictDerTest, RefusesTrailingData) {
    expectRefused({0x30, 0x00, 0x00}, "trailing");
}

TEST(StrictDerTest, RefusesNonCanonicalValues) {
    expectRefused({0x01, 0x01, 0x01}, "BOOLEAN");
    expectRefused({0x02, 0x02, 0x00, 0x01}, "non-minimal INTEGER");
    expectRefused({0x02, 0x02, 0xFF, 0x80}, "non-minimal INTEGER");
    expectRefused({0x02, 0x00}, "empty INTEGER");
    expectRefused({0x24, 0x03, 0x04, 0x01, 0x00}, "constructed string");
    expectRefused({0x1F, 0x05, 0x00}, "high-tag form for a low tag");
    expectRefused({0x1F, 0x80, 0x1F, 0x00}, "non-minimal tag");
}

Bytes nestedSequences(int levels) {
    Bytes der;
    for (int i = 0; i < levels; ++i) {
        Bytes outer = {0x30};
        if (der.size() < 0x80) {
            outer.push_back(static_cast<unsigned char>(der.size()));
        } else {
            outer.insert(outer.end(), {0x81, static_cast<unsigned char>(der.size())});
        }
        outer.insert(outer.end(), der.begin(), der.end());
        der = std::move(outer);
    }
    return der;
}

TEST(StrictDerTest, BoundsTheNesting) {
    EXPECT_TRUE(check(nestedSequences(60)).ok());
    expectRefused(nestedSequences(70), "nesting deeper");
}

}  // namespace
}  // namespace legate::crypto
