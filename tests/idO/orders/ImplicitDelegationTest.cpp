// Implicit delegation's choice among an account's delegations, as a pure function:
// exactly one implicit delegation covering every identifier is chosen; none, several or
// no implicit one at all is a 403 naming the account's delegations, with one subproblem
// per identifier (RFC 8555 §6.7.1).

#include <gtest/gtest.h>

#include "idO/acme/ImplicitDelegation.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using nlohmann::json;

const AcmeUrls kUrls("https://acme.test", "example");

/// A delegation whose template has the literal SAN names `names` (and an NDC-chosen
/// slot under `suffix` when given).
DelegationRecord delegation(const std::string& id, std::vector<std::string> names, bool implicit,
                            const std::string& suffix = "") {
    json dns = json::array();
    for (const auto& n : names) {
        dns.push_back(n);
    }
    DelegationRecord d;
    d.id = id;
    d.ndcId = "N1";
    d.status = "active";
    if (!suffix.empty()) {
        dns.push_back("*");
        d.allowedSuffixes = {suffix};
    }
    d.csrTemplate = {{"keyTypes",
                      {{{"PublicKeyType", "id-ecPublicKey"},
                        {"namedCurve", "secp256r1"},
                        {"SignatureType", "ecdsa-with-SHA256"}}}},
                     {"extensions", {{"subjectAltName", {{"DNS", dns}}}}}};
    if (implicit) {
        d.implicit = ImplicitPolicy{3600};
    }
    return d;
}

std::vector<acme::Identifier> dnsNames(std::vector<std::string> names) {
    std::vector<acme::Identifier> out;
    for (auto& n : names) {
        out.push_back({"dns", std::move(n)});
    }
    return out;
}

TEST(ImplicitDelegationTest, TheOneImplicitDelegationCoveringAllNamesIsChosen) {
    const std::vector<DelegationRecord> all = {
        delegation("A", {"a.ido.example"}, true),
        delegation("B", {"b.ido.example", "c.ido.example"}, true),
        // Covers b too, but is not implicit: not a candidate.
        delegation("C", {"b.ido.example", "c.ido.example"}, false)};
    auto chosen =
        chooseImplicitDelegation(all, dnsNames({"b.ido.example", "c.ido.example"}), kUrls);
    ASSERT_TRUE(chosen.ok()) << chosen.problem().detail;
    EXPECT_EQ(chosen->id, "B");
    chosen = chooseImplicitDelegation(all, dnsNames({"x.cdn.ido.example"}), kUrls);
    EXPECT_FALSE(chosen.ok());

    const std::vector<DelegationRecord> chosenSlot = {delegation("S", {}, true, "cdn.ido.example")};
    chosen = chooseImplicitDelegation(chosenSlot, dnsNames({"x.cdn.ido.example"}), kUrls);
    ASSERT_TRUE(chosen.ok()) << chosen.problem().detail;
    EXPECT_EQ(chosen->id, "S");
}

TEST(ImplicitDelegationTest, NoImplicitDelegationIsUnauthorizedNamingTheDelegations) {
    const std::vector<DelegationRecord> all = {delegation("A", {"a.ido.example"}, false),
                                               delegation("B", {"b.ido.example"}, false)};
    auto chosen =
        chooseImplicitDelegation(all, dnsNames({"a.ido.example", "z.ido.example"}), kUrls);
    ASSERT_FALSE(chosen.ok());
    const auto& p = chosen.problem();
    EXPECT_EQ(p.type, ErrorType::unauthorized);
    EXPECT_EQ(p.status, 403);
    EXPECT_NE(p.detail.find(kUrls.delegation("A")), std::string::npos) << p.detail;
    EXPECT_NE(p.detail.find(kUrls.delegation("B")), std::string::npos) << p.detail;
    EXPECT_EQ(p.detail.find("(implicit)"), std::string::npos) << p.detail;
    ASSERT_EQ(p.subproblems.size(), 2u);
    EXPECT_EQ(p.subproblems[0].identifier, (acme::Identifier{"dns", "a.ido.example"}));
    // The subproblem says which delegation to name for this identifier.
    EXPECT_EQ(p.subproblems[0].detail,
              "a.ido.example is covered by the delegation " + kUrls.delegation("A"));
    EXPECT_EQ(p.subproblems[1].detail, "no delegation of this account covers z.ido.example");

    chosen = chooseImplicitDelegation({}, dnsNames({"a.ido.example"}), kUrls);
    ASSERT_FALSE(chosen.ok());
    EXPECT_EQ(chosen.problem().type, ErrorType::unauthorized);
}

TEST(ImplicitDelegationTest, SeveralCoveringDelegationsAreAmbiguous) {
    const std::vector<DelegationRecord> all = {
        delegation("A", {"a.ido.example"}, true),
        delegation("B", {"a.ido.example", "b.ido.example"}, true)};
    auto chosen = chooseImplicitDelegation(all, dnsNames({"a.ido.example"}), kUrls);
    ASSERT_FALSE(chosen.ok());
    const auto& p = chosen.problem();
    EXPECT_EQ(p.type, ErrorType::unauthorized);
    EXPECT_EQ(p.status, 403);
    EXPECT_NE(p.detail.find("2 of this account's delegations"), std::string::npos) << p.detail;
    EXPECT_NE(p.detail.find(kUrls.delegation("A") + " (implicit)"), std::string::npos);
    ASSERT_EQ(p.subproblems.size(), 1u);
    EXPECT_EQ(p.subproblems[0].detail, "a.ido.example is covered by the implicit delegations " +
                                           kUrls.delegation("A") + ", " + kUrls.delegation("B"));
    // Naming both names picks the one that covers both.
    auto both = chooseImplicitDelegation(all, dnsNames({"a.ido.example", "b.ido.example"}), kUrls);
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(both->id, "B");
}

TEST(ImplicitDelegationTest, NoSingleCoveringDelegationIsRejectedIdentifier) {
    const std::vector<DelegationRecord> all = {delegation("A", {"a.ido.example"}, true),
                                               delegation("B", {"b.ido.example"}, true),
                                               delegation("C", {"c.ido.example"}, false)};
    auto chosen = chooseImplicitDelegation(
        all, dnsNames({"a.ido.example", "b.ido.example", "c.ido.example"}), kUrls);
    ASSERT_FALSE(chosen.ok());
    const auto& p = chosen.problem();
    EXPECT_EQ(p.type, ErrorType::rejectedIdentifier);
    EXPECT_EQ(p.status, 403);
    EXPECT_NE(p.detail.find(kUrls.delegation("C")), std::string::npos) << p.detail;
    ASSERT_EQ(p.subproblems.size(), 3u);
    for (const auto& sub : p.subproblems) {
        EXPECT_EQ(sub.type, ErrorType::rejectedIdentifier);
        EXPECT_TRUE(sub.identifier.has_value());
    }
    EXPECT_EQ(p.subproblems[0].detail,
              "a.ido.example is covered by the implicit delegation " + kUrls.delegation("A"));
    // c is only in a delegation without implicit delegation.
    EXPECT_EQ(p.subproblems[2].detail,
              "no implicit delegation of this account covers c.ido.example");
}

}  // namespace
}  // namespace legate::ido
