// The one order renderer (RFC 8555 §7.1.3, RFC 8739 §3.1, RFC 9115 §2.3.4) and the
// delegation object, for every status and both order kinds.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "idO/acme/OrderJson.h"

namespace legate::ido {
namespace {

using nlohmann::json;

const AcmeUrls kUrls("https://acme.test", "example");

OrderRecord baseOrder() {
    OrderRecord o;
    o.id = "O1";
    o.accountId = "A1";
    o.delegationId = "D1";
    o.status = "ready";
    o.identifiers = {{"dns", "abc.ido.example"}};
    o.expires = *parseRfc3339("2023-12-01T00:00:00Z");
    o.certToken = "T1";
    return o;
}

OrderRecord starOrder() {
    auto o = baseOrder();
    o.autoRenewal = {
        {"end-date", "2023-12-01T00:00:00Z"}, {"lifetime", 86400}, {"allow-certificate-get", true}};
    return o;
}

TEST(OrderJsonTest, StarOrderReflectsAutoRenewalAndHasNoValidityFields) {
    auto o = starOrder();
    o.notBefore = *parseRfc3339("2023-11-15T00:00:00Z");  // never shown for STAR
    const auto doc = orderJson(o, kUrls);
    EXPECT_EQ(doc, (json{{"status", "ready"},
                         {"expires", "2023-12-01T00:00:00Z"},
                         {"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
                         {"authorizations", json::array()},
                         {"finalize", "https://acme.test/acme/example/order/O1/finalize"},
                         {"delegation", "https://acme.test/acme/example/delegation/D1"},
                         {"auto-renewal", o.autoRenewal}}));
}

TEST(OrderJsonTest, NonStarOrderHasTopLevelAllowCertificateGetAndValidity) {
    auto o = baseOrder();
    o.allowCertificateGet = true;
    o.notBefore = *parseRfc3339("2023-11-15T00:00:00Z");
    o.notAfter = *parseRfc3339("2024-02-15T00:00:00Z");
    const auto doc = orderJson(o, kUrls);
    EXPECT_EQ(doc["allow-certificate-get"], true);
    EXPECT_EQ(doc["notBefore"], "2023-11-15T00:00:00Z");
    EXPECT_EQ(doc["notAfter"], "2024-02-15T00:00:00Z");
    EXPECT_FALSE(doc.contains("auto-renewal"));
    EXPECT_FALSE(doc.contains("certificate"));
    o.notBefore.reset();
    o.notAfter.reset();
    EXPECT_FALSE(orderJson(o, kUrls).contains("notBefore"));
    EXPECT_FALSE(orderJson(o, kUrls).contains("notAfter"));
}

TEST(OrderJsonTest, ValidOrdersLinkTheirPublication) {
    auto s = starOrder();
    s.status = "valid";
    auto doc = orderJson(s, kUrls);
    EXPECT_EQ(doc["star-certificate"], "https://acme.test/acme/example/cert/T1");
    EXPECT_FALSE(doc.contains("certificate"));
    auto n = baseOrder();
    n.status = "valid";
    doc = orderJson(n, kUrls);
    EXPECT_EQ(doc["certificate"], "https://acme.test/acme/example/cert/T1");
    EXPECT_FALSE(doc.contains("star-certificate"));
    // Not valid: no certificate URL.
    n.status = "processing";
    EXPECT_FALSE(orderJson(n, kUrls).contains("certificate"));
}

TEST(OrderJsonTest, InvalidOrdersCarryTheirError) {
    auto o = baseOrder();
    o.status = "invalid";
    o.error = acme::Problem::make(acme::ErrorType::badCSR, "bad", 403).toJson();
    EXPECT_EQ(orderJson(o, kUrls)["error"], o.error);
    o.status = "ready";
    EXPECT_FALSE(orderJson(o, kUrls).contains("error"));
}

TEST(OrderJsonTest, ResponseHasLocationAndRetryAfterOnlyWhileProcessing) {
    auto o = baseOrder();
    auto r = orderResponse(201, o, kUrls);
    EXPECT_EQ(r.status(), 201);
    EXPECT_EQ(r.headers().get("Location").value_or(""), "https://acme.test/acme/example/order/O1");
    EXPECT_FALSE(r.headers().get("Retry-After"));
    EXPECT_EQ(json::parse(r.body()), orderJson(o, kUrls));
    o.status = "processing";
    r = orderResponse(200, o, kUrls);
    EXPECT_EQ(r.headers().get("Retry-After").value_or(""),
              std::to_string(kOrderRetryAfter.count()));
}

TEST(OrderJsonTest, DelegationObjectShowsCnameMapOnlyWhenSet) {
    DelegationRecord d;
    d.csrTemplate = {{"keyTypes", json::array()}};
    EXPECT_EQ(delegationJson(d), (json{{"csr-template", d.csrTemplate}}));
    d.cnameMap = {{"abc.ido.example.", "abc.ndc.example."}};
    EXPECT_EQ(delegationJson(d),
              (json{{"csr-template", d.csrTemplate}, {"cname-map", d.cnameMap}}));
}

}  // namespace
}  // namespace legate::ido
