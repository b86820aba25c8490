/// Which of the CA's certificate-count limits a new certificate counts against
/// (idO/relay/CertificateLimits.h): registered domains from the Public Suffix List, the
/// identifier-set key, and the renewal exemption of the per-domain limit.  The counting
/// in Redis is in RelayStateTest.

#include <gtest/gtest.h>

#include "idO/relay/CertificateLimits.h"

namespace legate::ido::relay {
namespace {

TEST(CertificateLimitsTest, RegisteredDomainIsThePublicSuffixPlusOneLabel) {
    EXPECT_EQ(registeredDomain("www.example.com"), "example.com");
    EXPECT_EQ(registeredDomain("a.b.Example.COM."), "example.com") << "case and root dot";
    EXPECT_EQ(registeredDomain("example.com"), "example.com");
    // Multi-label suffixes: what a hand-written "last two labels" gets wrong.
    EXPECT_EQ(registeredDomain("shop.example.co.uk"), "example.co.uk");
    EXPECT_EQ(registeredDomain("cdn.customer.github.io"), "customer.github.io")
        << "a private-section suffix (each github.io site is its own domain)";
    EXPECT_EQ(registeredDomain("*.api.example.org"), "example.org") << "a wildcard's parent";
    EXPECT_EQ(registeredDomain("co.uk"), "co.uk") << "a suffix itself counts as itself";
}

TEST(CertificateLimitsTest, TheIdentifierSetKeyIgnoresOrderAndCase) {
    const std::vector<acme::Identifier> a = {{"dns", "a.example.com"}, {"dns", "B.example.com"}};
    const std::vector<acme::Identifier> b = {{"dns", "b.example.com."}, {"dns", "a.example.com"}};
    const std::vector<acme::Identifier> c = {{"dns", "a.example.com"}};
    EXPECT_EQ(identifierSetKey(a), identifierSetKey(b));
    EXPECT_NE(identifierSetKey(a), identifierSetKey(c));
    EXPECT_EQ(identifierSetKey(a).size(), 64u) << "bounded: a SHA-256 in hex";
}

TEST(CertificateLimitsTest, LimitsAreOffUnlessConfiguredAndRenewalsSkipThePerDomainOne) {
    const std::vector<acme::Identifier> ids = {
        {"dns", "a.example.com"}, {"dns", "b.example.com"}, {"dns", "www.example.co.uk"}};
    BudgetConfig none;
    EXPECT_TRUE(limitsFor(none, ids, false).empty());

    BudgetConfig le;
    le.certificatesPerDomain = 50;
    le.duplicateCertificates = 5;
    auto first = limitsFor(le, ids, false);
    ASSERT_EQ(first.size(), 3u) << "two registered domains and the set";
    EXPECT_EQ(first[0].key, "domain:example.co.uk");
    EXPECT_EQ(first[1].key, "domain:example.com");
    EXPECT_EQ(first[1].limit, 50);
    EXPECT_EQ(first[1].period, std::chrono::seconds(7 * 86400));
    EXPECT_EQ(first[2].name, "duplicate-certificates");
    EXPECT_EQ(first[2].limit, 5);

    auto renewal = limitsFor(le, ids, true);
    ASSERT_EQ(renewal.size(), 1u) << "a renewal counts against the identical-set limit only";
    EXPECT_EQ(renewal[0].name, "duplicate-certificates");
}

}  // namespace
}  // namespace legate::ido::relay
