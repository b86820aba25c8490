#include <gtest/gtest.h>

#include "broker/crypto/Pem.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;

TEST(PemTest, RoundTripsOneBlock) {
    const Bytes der = {0x30, 0x03, 0x02, 0x01, 0x05};
    const std::string pem = toPem("THING", der);
    EXPECT_EQ(pem, "-----BEGIN THING-----\nMAMCAQU=\n-----END THING-----\n");
    auto blocks = parsePemBlocks(pem, ErrorType::malformed);
    ASSERT_TRUE(blocks.ok()) << blocks.problem().detail;
    ASSERT_EQ(blocks->size(), 1u);
    EXPECT_EQ((*blocks)[0].label, "THING");
    EXPECT_EQ((*blocks)[0].der, der);
}

TEST(PemTest, SeveralBlocksWithWhitespaceBetween) {
    const std::string text = "\n" + toPem("A", {1}) + "\r\n\t \n" + toPem("B", {2, 3}) + "\n";
    auto blocks = parsePemBlocks(text, ErrorType::malformed);
    ASSERT_TRUE(blocks.ok()) << blocks.problem().detail;
    ASSERT_EQ(blocks->size(), 2u);
    EXPECT_EQ((*blocks)[1].label, "B");
    EXPECT_EQ((*blocks)[1].der, (Bytes{2, 3}));
}

TEST(PemTest, EmptyTextHasNoBlocks) {
    auto blocks = parsePemBlocks(" \n", ErrorType::malformed);
    ASSERT_TRUE(blocks.ok());
    EXPECT_TRUE(blocks->empty());
}

TEST(PemTest, RejectsGarbageMismatchAndHeaders) {
    const std::string good = toPem("A", {1, 2, 3});
    for (const std::string& bad : {
             "x" + good,
             good + "trailing words\n",
             good + "-----BEGIN B-----\nAQID\n",                         // no END
             std::string("-----BEGIN A-----\nAQID\n-----END B-----\n"),  // mismatched
             std::string("-----BEGIN A-----\n!!!!\n-----END A-----\n"),  // not base64
             std::string("-----BEGIN A\nAQID\n-----END A-----\n"),       // broken BEGIN
             std::string("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
                         "AES-128-CBC,00000000000000000000000000000000\n\nAQID\n-----END "
                         "A-----\n"),
         }) {
        auto blocks = parsePemBlocks(bad, ErrorType::badCSR);
        ASSERT_FALSE(blocks.ok()) << bad;
        EXPECT_EQ(blocks.problem().type, ErrorType::badCSR);
    }
}

}  // namespace
}  // namespace legate::crypto
