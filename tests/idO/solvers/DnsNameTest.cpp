#include <gtest/gtest.h>

#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {
namespace {

TEST(DnsNameTest, NormalisesCaseAndTrailingDot) {
    EXPECT_EQ(*normaliseDnsName("Foo.Example.TEST"), "foo.example.test.");
    EXPECT_EQ(*normaliseDnsName("foo.example.test."), "foo.example.test.");
    EXPECT_EQ(*normaliseDnsName("_acme-challenge.x.test"), "_acme-challenge.x.test.");
    EXPECT_EQ(*normaliseDnsName("*.x.test"), "*.x.test.");
}

TEST(DnsNameTest, RejectsBadNames) {
    for (const char* bad :
         {"", ".", "a..b", "a b.test", "a\"b.test", "a;b.test", "x.*.test", "foo.test..", "a\nb"}) {
        EXPECT_FALSE(normaliseDnsName(bad).ok()) << bad;
    }
    EXPECT_FALSE(normaliseDnsName(std::string(64, 'a') + ".test").ok());
    EXPECT_TRUE(normaliseDnsName(std::string(63, 'a') + ".test").ok());
}

TEST(DnsNameTest, ZoneMembershipIsLabelWise) {
    EXPECT_TRUE(isInZone("legate.test", "legate.test."));
    EXPECT_TRUE(isInZone("A.Legate.Test.", "legate.test"));
    EXPECT_FALSE(isInZone("evillegate.test", "legate.test"));
    EXPECT_FALSE(isInZone("legate.test.evil", "legate.test"));
    EXPECT_FALSE(isInZone("test", "legate.test"));
}

TEST(DnsNameTest, ChallengeNameStripsWildcard) {
    EXPECT_EQ(*acmeChallengeName("abc.legate.test"), "_acme-challenge.abc.legate.test.");
    EXPECT_EQ(*acmeChallengeName("*.abc.legate.test"), "_acme-challenge.abc.legate.test.");
    EXPECT_EQ(*acmeChallengeName("ABC.legate.test."), "_acme-challenge.abc.legate.test.");
    EXPECT_FALSE(acmeChallengeName("*.*.legate.test").ok());
    EXPECT_FALSE(acmeChallengeName("a b").ok());
}

}  // namespace
}  // namespace legate::ido::solvers
