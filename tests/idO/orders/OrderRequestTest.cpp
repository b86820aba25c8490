// newOrder payload rules of the delegation profile (RFC 9115 §2.3.4, RFC 8739 §3.1.1,
// digest §2.7, §2.19, A4) as pure functions: shape, STAR bounds, reflection.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "idO/acme/OrderRequest.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using nlohmann::json;

const AcmeUrls kUrls("https://acme.test", "example");

json nonStar() {
    return {{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
            {"delegation", kUrls.delegation("D1")},
            {"allow-certificate-get", true}};
}

json star() {
    return {{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
            {"delegation", kUrls.delegation("D1")},
            {"auto-renewal",
             {{"end-date", "2023-12-01T00:00:00Z"},
              {"lifetime", 86400},
              {"allow-certificate-get", true}}}};
}

void expectProblem(const Result<NewOrderRequest>& r, ErrorType type, int status) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, type) << r.problem().detail;
    EXPECT_EQ(r.problem().status, status);
}

TEST(OrderRequestTest, NonStarOrderParsesAndLowercasesIdentifiers) {
    auto p = nonStar();
    p["identifiers"] = {{{"type", "dns"}, {"value", "ABC.Ido.Example"}},
                        {{"type", "dns"}, {"value", "x.cdn.ido.example"}}};
    p["notBefore"] = "2023-11-15T00:00:00Z";
    p["notAfter"] = "2024-02-15T00:00:00Z";
    p["unknown-member"] = 1;  // ignored (RFC 8555 §7.4)
    auto r = parseNewOrder(p, kUrls);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    ASSERT_EQ(r->identifiers.size(), 2u);
    EXPECT_EQ(r->identifiers[0], (acme::Identifier{"dns", "abc.ido.example"}));
    EXPECT_EQ(r->delegationId, "D1");
    EXPECT_FALSE(r->star);
    EXPECT_EQ(toRfc3339(*r->notBefore), "2023-11-15T00:00:00Z");
    EXPECT_EQ(toRfc3339(*r->notAfter), "2024-02-15T00:00:00Z");
}

TEST(OrderRequestTest, IdentifiersMustBeANonEmptyArrayOfDnsNames) {
    auto p = nonStar();
    p.erase("identifiers");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["identifiers"] = json::array();
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["identifiers"] = {"abc.ido.example"};
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["identifiers"] = {{{"type", "ip"}, {"value", "192.0.2.1"}}};
    expectProblem(parseNewOrder(p, kUrls), ErrorType::unsupportedIdentifier, 400);
    p["identifiers"] = {{{"type", "dns"}, {"value", "not a host"}}};
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["identifiers"] = {{{"type", "dns"}, {"value", ""}}};
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["identifiers"] = {{{"type", "dns"}, {"value", "a.example"}},
                        {{"type", "dns"}, {"value", "A.example"}}};
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, IdentifierLevelDelegationIsMalformed) {
    auto p = nonStar();
    p["identifiers"][0]["delegation"] = kUrls.delegation("D1");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, DelegationIsRequiredAndForeignUrlsHaveNoId) {
    auto p = nonStar();
    p.erase("delegation");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["delegation"] = 7;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["delegation"] = "https://elsewhere.test/acme/example/delegation/D1";
    auto r = parseNewOrder(p, kUrls);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->delegationId, "");  // the route answers unknownDelegation
}

TEST(OrderRequestTest, MissingDelegationIsImplicitOnlyWhenAllowed) {
    // A stock client's payload: identifiers only.
    json p = {{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}}};
    expectProblem(parseNewOrder(p, kUrls, false), ErrorType::malformed, 400);
    auto r = parseNewOrder(p, kUrls, true);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_TRUE(r->implicit);
    EXPECT_EQ(r->delegationId, "");
    EXPECT_FALSE(r->allowCertificateGet);  // fetched by POST-as-GET
    p["allow-certificate-get"] = true;
    r = parseNewOrder(p, kUrls, true);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->allowCertificateGet);
    p["allow-certificate-get"] = false;  // present: the usual rule
    expectProblem(parseNewOrder(p, kUrls, true), ErrorType::malformed, 400);

    // A named delegation is never implicit; a malformed one is still refused.
    r = parseNewOrder(nonStar(), kUrls, true);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->implicit);
    EXPECT_EQ(r->delegationId, "D1");
    auto bad = nonStar();
    bad["delegation"] = 7;
    expectProblem(parseNewOrder(bad, kUrls, true), ErrorType::malformed, 400);

    // STAR keeps its rules: auto-renewal.allow-certificate-get is still required.
    auto s = star();
    s.erase("delegation");
    r = parseNewOrder(s, kUrls, true);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_TRUE(r->implicit);
    EXPECT_TRUE(r->star);
    s["auto-renewal"].erase("allow-certificate-get");
    expectProblem(parseNewOrder(s, kUrls, true), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, NonStarNeedsAllowCertificateGetTrue) {
    auto p = nonStar();
    p.erase("allow-certificate-get");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["allow-certificate-get"] = false;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["allow-certificate-get"] = "true";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, NonStarValidityMustBeOrderedRfc3339) {
    auto p = nonStar();
    p["notBefore"] = "2024-02-15T00:00:00Z";
    p["notAfter"] = "2023-11-15T00:00:00Z";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["notAfter"] = "tomorrow";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, StarOrderParses) {
    auto p = star();
    p["auto-renewal"]["start-date"] = "2023-11-20T00:00:00Z";
    p["auto-renewal"]["lifetime-adjust"] = 3600;
    auto r = parseNewOrder(p, kUrls);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    ASSERT_TRUE(r->star);
    EXPECT_EQ(toRfc3339(r->star->endDate), "2023-12-01T00:00:00Z");
    EXPECT_EQ(toRfc3339(*r->star->startDate), "2023-11-20T00:00:00Z");
    EXPECT_EQ(r->star->lifetime, 86400);
    EXPECT_EQ(*r->star->lifetimeAdjust, 3600);
}

TEST(OrderRequestTest, StarOrderRefusesNotBeforeAndNotAfter) {
    auto p = star();
    p["notBefore"] = "2023-11-15T00:00:00Z";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["notAfter"] = "2023-11-15T00:00:00Z";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, StarOrderNeedsAllowCertificateGetInsideAutoRenewal) {
    auto p = star();
    p["auto-renewal"].erase("allow-certificate-get");
    p["allow-certificate-get"] = true;  // top level does not count for STAR
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p["auto-renewal"]["allow-certificate-get"] = false;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, StarFieldsAreTyped) {
    auto p = star();
    p["auto-renewal"] = "soon";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"].erase("end-date");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"]["end-date"] = "2023-12-01";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"].erase("lifetime");
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"]["lifetime"] = 86400.5;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"]["lifetime"] = "86400";
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"]["lifetime-adjust"] = -1;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
    p = star();
    p["auto-renewal"]["start-date"] = 5;
    expectProblem(parseNewOrder(p, kUrls), ErrorType::malformed, 400);
}

TEST(OrderRequestTest, StarBoundsAreTheTenantsTightenedByTheDelegation) {
    const StarConfig tenant{3600, 30 * 86400};
    auto b = starBounds(tenant, std::nullopt);
    EXPECT_EQ(b.minLifetime, 3600);
    EXPECT_EQ(b.maxDuration, 30 * 86400);
    b = starBounds(tenant, StarPolicy{7200, 86400 * 7});
    EXPECT_EQ(b.minLifetime, 7200);
    EXPECT_EQ(b.maxDuration, 7 * 86400);
    // A delegation cannot loosen the tenant's limits.
    b = starBounds(tenant, StarPolicy{60, 365 * 86400});
    EXPECT_EQ(b.minLifetime, 3600);
    EXPECT_EQ(b.maxDuration, 30 * 86400);
}

class SettleTest : public ::testing::Test {
protected:
    const TimePoint now_ = *parseRfc3339("2023-11-15T00:00:00Z");
    const StarBounds bounds_{3600, 30 * 86400};
    StarRequest request_{std::nullopt, *parseRfc3339("2023-12-01T00:00:00Z"), 86400, {}};
};

TEST_F(SettleTest, ReflectsTheFinalValues) {
    auto r = settleAutoRenewal(request_, bounds_, now_);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(*r, (json{{"end-date", "2023-12-01T00:00:00Z"},
                        {"lifetime", 86400},
                        {"allow-certificate-get", true}}));
    request_.startDate = *parseRfc3339("2023-11-20T00:00:00Z");
    request_.lifetimeAdjust = 600;
    r = settleAutoRenewal(request_, bounds_, now_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)["start-date"], "2023-11-20T00:00:00Z");
    EXPECT_EQ((*r)["lifetime-adjust"], 600);
}

TEST_F(SettleTest, PastStartDateMovesToNow) {
    request_.startDate = *parseRfc3339("2023-01-01T00:00:00Z");
    auto r = settleAutoRenewal(request_, bounds_, now_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)["start-date"], "2023-11-15T00:00:00Z");
}

TEST_F(SettleTest, LifetimeBelowMinimumNamesTheBound) {
    request_.lifetime = 3599;
    auto r = settleAutoRenewal(request_, bounds_, now_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
    EXPECT_NE(r.problem().detail.find("3600"), std::string::npos) << r.problem().detail;
    request_.lifetime = 3600;
    EXPECT_TRUE(settleAutoRenewal(request_, bounds_, now_).ok());
}

TEST_F(SettleTest, DurationAboveMaximumNamesTheBound) {
    request_.endDate = now_ + std::chrono::seconds(30 * 86400 + 1);
    auto r = settleAutoRenewal(request_, bounds_, now_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
    EXPECT_NE(r.problem().detail.find(std::to_string(30 * 86400)), std::string::npos);
    request_.endDate = now_ + std::chrono::seconds(30 * 86400);
    EXPECT_TRUE(settleAutoRenewal(request_, bounds_, now_).ok());
    // Measured from a future start-date, not from now.
    request_.startDate = now_ + std::chrono::hours(24);
    request_.endDate = *request_.startDate + std::chrono::seconds(30 * 86400);
    EXPECT_TRUE(settleAutoRenewal(request_, bounds_, now_).ok());
}

TEST_F(SettleTest, EndDateMustFollowTheStart) {
    request_.endDate = now_;
    EXPECT_EQ(settleAutoRenewal(request_, bounds_, now_).problem().type, ErrorType::malformed);
    request_.startDate = now_ + std::chrono::hours(48);
    request_.endDate = now_ + std::chrono::hours(24);
    EXPECT_EQ(settleAutoRenewal(request_, bounds_, now_).problem().type, ErrorType::malformed);
}

}  // namespace
}  // namespace legate::ido
