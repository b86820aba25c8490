#include <string>

#include <gtest/gtest.h>

#include "broker/crypto/Oid.h"

namespace legate::crypto {
namespace {

TEST(OidTest, AcceptsX660DottedForm) {
    for (const char* ok :
         {"0.0", "0.39", "1.0", "1.39", "2.0", "2.39", "2.40", "2.999.1", "1.2.840.113549",
          "2.5.29.17", "1.3.6.1.5.5.7.3.1", "1.2.0.3", "1.2.18446744073709551616"}) {
        EXPECT_TRUE(isDottedOid(ok)) << ok;
    }
}

TEST(OidTest, FirstArcIsZeroOneOrTwo) {
    for (const char* bad : {"3.1", "9.1", "10.1", "00.1", "01.2", "-1.2", "+1.2"}) {
        EXPECT_FALSE(isDottedOid(bad)) << bad;
    }
}

TEST(OidTest, SecondArcBelowFortyUnderZeroAndOne) {
    for (const char* bad : {"0.40", "1.40", "1.99", "1.100", "0.1000"}) {
        EXPECT_FALSE(isDottedOid(bad)) << bad;
    }
    EXPECT_TRUE(isDottedOid("2.100"));
}

TEST(OidTest, NoLeadingZerosNoEmptyArcsOnlyDigits) {
    for (const char* bad : {"1.02", "1.2.03", "1.2.00", "1..2", "1.", ".1.2", "1.2.", "1.2a", "a.b",
                            "1,2", "1.2 ", " 1.2", "1.2\n", "1.-2"}) {
        EXPECT_FALSE(isDottedOid(bad)) << bad;
    }
}

TEST(OidTest, AtLeastTwoArcs) {
    EXPECT_FALSE(isDottedOid(""));
    EXPECT_FALSE(isDottedOid("1"));
    EXPECT_FALSE(isDottedOid("2"));
}

TEST(OidTest, LengthIsBounded) {
    std::string oid = "1.2";
    while (oid.size() + 2 <= kMaxDottedOidLength) {
        oid += ".5";
    }
    EXPECT_TRUE(isDottedOid(oid)) << oid.size();
    EXPECT_FALSE(isDottedOid(oid + ".55")) << oid.size() + 3;
}

}  // namespace
}  // namespace legate::crypto
