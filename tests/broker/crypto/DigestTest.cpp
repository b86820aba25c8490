#include <gtest/gtest.h>

#include "broker/crypto/Digest.h"

namespace legate::crypto {
namespace {

Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

TEST(DigestTest, KnownAnswers) {
    // FIPS 180-4 examples.
    EXPECT_EQ(toHex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(toHex(digest(HashAlgorithm::Sha1, std::string_view("abc"))),
              "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(toHex(digest(HashAlgorithm::Sha384, std::string_view(""))).substr(0, 16),
              "38b060a751ac9638");
    EXPECT_EQ(digest(HashAlgorithm::Sha512, std::string_view("")).size(), 64u);
    const Bytes abc = bytes("abc");
    EXPECT_EQ(sha256(std::span<const unsigned char>(abc)), sha256("abc"));
}

TEST(DigestTest, HmacRfc4231TestCase2) {
    const Bytes key = bytes("Jefe");
    EXPECT_EQ(toHex(hmac(HashAlgorithm::Sha256, key, "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hmac(HashAlgorithm::Sha512, {}, "x").size(), 64u);  // empty key allowed here
}

TEST(DigestTest, ConstantTimeEquals) {
    const Bytes a = bytes("secret");
    EXPECT_TRUE(constantTimeEquals(a, bytes("secret")));
    EXPECT_FALSE(constantTimeEquals(a, bytes("secreT")));
    EXPECT_FALSE(constantTimeEquals(a, bytes("secret!")));
    EXPECT_TRUE(constantTimeEquals({}, {}));
    EXPECT_FALSE(constantTimeEquals(a, {}));
}

}  // namespace
}  // namespace legate::crypto
