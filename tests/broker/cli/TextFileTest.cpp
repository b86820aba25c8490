#include <fstream>

#include <gtest/gtest.h>

#include "broker/cli/TextFile.h"
#include "tests/support/TestSupport.h"

namespace legate::cli {
namespace {

TEST(TextFile, ReadsWholeFilesByteForByte) {
    test::TempDir dir;
    const auto path = dir.path() / "t.json";
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string("{\"a\":\0\n}", 8);
    }
    auto text = readTextFile(path);
    ASSERT_TRUE(text.ok()) << text.problem().detail;
    EXPECT_EQ(*text, std::string("{\"a\":\0\n}", 8));
}

TEST(TextFile, ErrorsNameTheFileAndTheReason) {
    test::TempDir dir;
    auto missing = readTextFile(dir.path() / "nope.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.problem().detail,
              "cannot read " + (dir.path() / "nope.json").string() + ": No such file or directory");
    auto directory = readTextFile(dir.path());
    ASSERT_FALSE(directory.ok());
    EXPECT_NE(directory.problem().detail.find("it is a directory"), std::string::npos);
    {
        std::ofstream out(dir.path() / "big");
        out << std::string(100, 'x');
    }
    auto big = readTextFile(dir.path() / "big", 10);
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.problem().detail.find("larger than 10 bytes"), std::string::npos);
}

}  // namespace
}  // namespace legate::cli
