// Host name, email, URI and OID syntax used by template validation and the CSR gate.

#include <gtest/gtest.h>

#include "profiles/NameSyntax.h"
#include "profiles/Vocabulary.h"

namespace legate::profiles {
namespace {

TEST(NameSyntaxTest, Hostnames) {
    for (const char* ok : {"abc.ido.example", "a-b.c0.example", "xn--bcher-kva.example",
                           "A.EXAMPLE", "1.2.3.example"}) {
        EXPECT_TRUE(isHostname(ok, false)) << ok;
    }
    for (const char* bad : {"", "example", "-a.example", "a-.example", "a..example", ".a.example",
                            "a.example.", "a_b.example", "a b.example", "192.0.2.1",
                            "*.example.com", "\xc3\xa9.example", "a.example\n"}) {
        EXPECT_FALSE(isHostname(bad, false)) << bad;
    }
    EXPECT_TRUE(isHostname("*.example.com", true));
    EXPECT_FALSE(isHostname("*.com", true));
    EXPECT_FALSE(isHostname("**.example.com", true));
    EXPECT_FALSE(isHostname("a.*.example.com", true));
    EXPECT_FALSE(isHostname(std::string(64, 'a') + ".example", false));
    EXPECT_TRUE(isHostname(std::string(63, 'a') + ".example", false));
}

TEST(NameSyntaxTest, EmailAndUri) {
    EXPECT_TRUE(isEmailAddress("admin@ndc.ido.example"));
    EXPECT_TRUE(isEmailAddress("first.last+tag@ido.example"));
    for (const char* bad : {"admin", "@ido.example", "admin@", "a..b@ido.example", ".a@ido.example",
                            "a@b@ido.example", "\"a\"@ido.example", "a@localhost"}) {
        EXPECT_FALSE(isEmailAddress(bad)) << bad;
    }
    EXPECT_TRUE(isUri("sip:voice.ndc.ido.example"));
    EXPECT_TRUE(isUri("https://ndc.ido.example/path?q=1"));
    for (const char* bad : {"", "voice", ":x", "1http://x", "http:", "http://a b", "http://x\n"}) {
        EXPECT_FALSE(isUri(bad)) << bad;
    }
}

TEST(NameSyntaxTest, Suffixes) {
    EXPECT_TRUE(isUnderSuffix("a.cdn.example", "cdn.example"));
    EXPECT_TRUE(isUnderSuffix("A.b.CDN.example", ".cdn.example"));
    EXPECT_FALSE(isUnderSuffix("cdn.example", "cdn.example"));
    EXPECT_FALSE(isUnderSuffix("evilcdn.example", "cdn.example"));
    EXPECT_FALSE(isUnderSuffix("a.cdn.example", ""));
}

TEST(VocabularyTest, Oids) {
    EXPECT_TRUE(isDottedOid("1.3.6.1.5.5.7.3.1"));
    EXPECT_TRUE(isDottedOid("2.999.1"));
    EXPECT_TRUE(isDottedOid("0.0"));
    for (const char* bad :
         {"", "1", "3.1", "1.40", "1.3.06", "1..3", "1.3.", ".1.3", "1,3", "1.3.6.1 ", "01.3"}) {
        EXPECT_FALSE(isDottedOid(bad)) << bad;
    }
    EXPECT_EQ(findCurve("secp521r1")->oid, "1.3.132.0.35");  // not the RFC's typo 1.3.132.0.3
    EXPECT_EQ(*ekuNameToOid("OCSPSigning"), "1.3.6.1.5.5.7.3.9");
    EXPECT_EQ(*keyUsageBit("decipherOnly"), 8);
}

}  // namespace
}  // namespace legate::profiles
