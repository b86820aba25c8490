#include <gtest/gtest.h>

#include "broker/wire/Base64Url.h"

namespace legate::wire {
namespace {

using acme::ErrorType;

std::string decodeToString(std::string_view text) {
    auto bytes = base64UrlDecode(text);
    EXPECT_TRUE(bytes.ok()) << text;
    return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
}

TEST(Base64Url, EncodesRfc4648TestVectorsWithoutPadding) {
    // RFC 4648 §10, with the padding removed as RFC 7515 §2 requires.
    EXPECT_EQ(base64UrlEncode(std::string_view("")), "");
    EXPECT_EQ(base64UrlEncode(std::string_view("f")), "Zg");
    EXPECT_EQ(base64UrlEncode(std::string_view("fo")), "Zm8");
    EXPECT_EQ(base64UrlEncode(std::string_view("foo")), "Zm9v");
    EXPECT_EQ(base64UrlEncode(std::string_view("foob")), "Zm9vYg");
    EXPECT_EQ(base64UrlEncode(std::string_view("fooba")), "Zm9vYmE");
    EXPECT_EQ(base64UrlEncode(std::string_view("foobar")), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
    const crypto::Bytes bytes = {0xfb, 0xff, 0xbf};
    EXPECT_EQ(base64UrlEncode(bytes), "-_-_");
}

TEST(Base64Url, DecodesRfc4648TestVectors) {
    EXPECT_EQ(decodeToString(""), "");
    EXPECT_EQ(decodeToString("Zg"), "f");
    EXPECT_EQ(decodeToString("Zm8"), "fo");
    EXPECT_EQ(decodeToString("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, RoundTripsEveryByteValueAndLength) {
    crypto::Bytes all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<unsigned char>(i));
    }
    for (size_t len = 0; len <= all.size(); len += 37) {
        crypto::Bytes part(all.begin(), all.begin() + static_cast<long>(len));
        auto back = base64UrlDecode(base64UrlEncode(part));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, part);
    }
}

TEST(Base64Url, RejectsPadding) {
    for (const char* text : {"Zg==", "Zm8=", "Zm9v=", "="}) {
        auto r = base64UrlDecode(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.problem().type, ErrorType::malformed);
        EXPECT_NE(r.problem().detail.find("padding"), std::string::npos) << r.problem().detail;
    }
}

TEST(Base64Url, RejectsCharactersOutsideTheUrlSafeAlphabet) {
    for (const char* text : {"Zm9+", "Zm9/", "Zm 9", "Zm9v\n", "Zm9\x80", "Zm.v"}) {
        auto r = base64UrlDecode(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.problem().type, ErrorType::malformed);
    }
}

TEST(Base64Url, RejectsImpossibleLength) {
    for (const char* text : {"Z", "Zm9vY", "Zm9vYmFyZ"}) {
        auto r = base64UrlDecode(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.problem().detail.find("length"), std::string::npos);
    }
}

TEST(Base64Url, RejectsNonZeroTrailingBits) {
    // "Zg" is the only encoding of "f"; "Zh".."Zv" differ only in discarded bits.
    for (const char* text : {"Zh", "Zv", "Zm9", "Zm-"}) {
        auto r = base64UrlDecode(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.problem().detail.find("trailing bits"), std::string::npos);
    }
}

}  // namespace
}  // namespace legate::wire
