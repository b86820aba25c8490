// The admin API (design.md "Fixed interfaces") over a real HTTP listener and a real
// redis-server: every endpoint, authentication, body checks, and that every refusal
// leaves Redis exactly as it was.

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "idO/admin/DelegationRequest.h"
#include "idO/relay/RelayState.h"
#include "tests/idO/admin/AdminTestServer.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;

constexpr const char* kMalformed = "urn:ietf:params:acme:error:malformed";

class AdminRoutesTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        server_ = std::make_unique<AdminTestServer>();
    }

    std::string url(const std::string& rest) { return server_->tenantUrl() + rest; }

    /// Asserts a problem+json answer with `status` and `type`; returns the document.
    static json problem(const http::ClientResponse& r, int status,
                        const std::string& type = kMalformed) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/problem+json");
        auto doc = json::parse(r.body, nullptr, false);
        EXPECT_TRUE(doc.is_object()) << r.body;
        if (!doc.is_object()) {
            return json::object();
        }
        EXPECT_EQ(doc.value("type", ""), type) << r.body;
        EXPECT_EQ(doc.value("status", 0), status);
        return doc;
    }

    /// POSTs a delegation body for `ndc`; the response.
    http::ClientResponse postDelegation(const std::string& ndc, const json& body) {
        return server_->request("POST", url("/ndcs/" + ndc + "/delegations"), body.dump());
    }

    /// Asserts that POSTing `body` as a delegation is refused with 400 `malformed`, that
    /// Redis is unchanged, and returns the problem document.
    json refusedDelegation(const std::string& ndc, const json& body) {
        const auto before = server_->snapshot();
        auto doc = problem(postDelegation(ndc, body), 400);
        EXPECT_EQ(server_->snapshot(), before);
        return doc;
    }

    std::unique_ptr<AdminTestServer> server_;
};

// ---- NDCs ----

TEST_F(AdminRoutesTest, CreateNdcIssuesAnEabKeyOnce) {
    auto r = server_->request("POST", url("/ndcs"),
                              R"({"name": "Example CDN", "contact": "ops@cdn.example"})");
    ASSERT_EQ(r.status, 201) << r.body;
    auto doc = json::parse(r.body);
    const auto id = doc["id"].get<std::string>();
    EXPECT_EQ(doc["name"], "Example CDN");
    EXPECT_EQ(doc["contact"], "mailto:ops@cdn.example");
    const auto kid = doc["eab"]["kid"].get<std::string>();
    const auto key = doc["eab"]["hmac_key"].get<std::string>();
    EXPECT_EQ(key.size(), 43u);  // 256 bits, base64url without padding
    EXPECT_EQ(key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_"),
              std::string::npos);
    EXPECT_EQ(r.headers.get("Location").value_or(""), "/admin/v1/tenants/example/ndcs/" + id);

    auto eab = server_->tenant().state.eab(kid);
    ASSERT_TRUE(eab.ok() && eab->has_value());
    EXPECT_EQ((*eab)->hmacKey, key);
    EXPECT_EQ((*eab)->ndcId, id);
}

TEST_F(AdminRoutesTest, ListAndShowNdcsNeverRevealTheHmacKey) {
    auto a = server_->createNdc("cdn-a");
    auto b = server_->createNdc("cdn-b");
    const auto account = server_->bindAccount(a);

    auto list = server_->request("GET", url("/ndcs"));
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.body.find(a["eab"]["hmac_key"].get<std::string>()), std::string::npos);
    auto ndcs = json::parse(list.body)["ndcs"];
    ASSERT_EQ(ndcs.size(), 2u);
    std::map<std::string, json> byId;
    for (const auto& n : ndcs) {
        byId[n["id"]] = n;
    }
    EXPECT_EQ(byId[a["id"]]["name"], "cdn-a");
    EXPECT_EQ(byId[a["id"]]["account"], account);
    EXPECT_TRUE(byId[b["id"]]["account"].is_null());
    EXPECT_TRUE(byId[b["id"]]["contact"].is_null());
    EXPECT_EQ(byId[b["id"]]["created"], toRfc3339(server_->clock().now()));

    auto show = server_->request("GET", url("/ndcs/" + a["id"].get<std::string>()));
    ASSERT_EQ(show.status, 200) << show.body;
    EXPECT_EQ(show.body.find(a["eab"]["hmac_key"].get<std::string>()), std::string::npos);
    auto doc = json::parse(show.body);
    EXPECT_EQ(doc["id"], a["id"]);
    EXPECT_EQ(doc["delegations"], json::array());

    auto created = postDelegation(
        a["id"], {{"csr-template", sampleTemplate()}, {"allowed-suffixes", {"cdn.ido.example"}}});
    ASSERT_EQ(created.status, 201) << created.body;
    doc = json::parse(server_->request("GET", url("/ndcs/" + a["id"].get<std::string>())).body);
    EXPECT_EQ(doc["delegations"], json::array({json::parse(created.body)["id"]}));
}

TEST_F(AdminRoutesTest, NdcNameAndContactAreChecked) {
    const auto before = server_->snapshot();
    problem(server_->request("POST", url("/ndcs"), R"({"name": ""})"), 400);
    problem(server_->request("POST", url("/ndcs"), json{{"name", std::string(101, 'x')}}.dump()),
            400);
    problem(server_->request("POST", url("/ndcs"), R"({"name": "a\nb"})"), 400);
    problem(server_->request("POST", url("/ndcs"), R"({"name": 7})"), 400);
    problem(server_->request("POST", url("/ndcs"), R"({})"), 400);
    problem(server_->request("POST", url("/ndcs"), R"({"name": "cdn", "contact": "not mail"})"),
            400, "urn:ietf:params:acme:error:invalidContact");
    EXPECT_EQ(server_->snapshot(), before);
    // 100 characters (not bytes) is the limit.
    std::string hundred;
    for (int i = 0; i < 100; ++i) {
        hundred += "\xc3\xa9";  // é
    }
    EXPECT_EQ(server_->request("POST", url("/ndcs"), json{{"name", hundred}}.dump()).status, 201);
}

TEST_F(AdminRoutesTest, UnknownTenantAndNdcAre404) {
    const auto before = server_->snapshot();
    auto doc =
        problem(server_->request("GET", server_->baseUrl() + "/admin/v1/tenants/other/ndcs"), 404);
    EXPECT_NE(doc.value("detail", "").find("other"), std::string::npos);
    problem(server_->request("POST", server_->baseUrl() + "/admin/v1/tenants/other/ndcs",
                             R"({"name": "cdn"})"),
            404);
    problem(server_->request("GET", url("/ndcs/nope")), 404);
    problem(server_->request("GET", url("/ndcs/nope/delegations")), 404);
    problem(postDelegation("nope", {{"csr-template", sampleTemplate()}}), 404);
    problem(server_->request("GET", url("/delegations/nope")), 404);
    problem(server_->request("DELETE", url("/delegations/nope")), 404);
    EXPECT_EQ(server_->snapshot(), before);
}

// ---- authentication ----

TEST_F(AdminRoutesTest, RequestsWithoutTheRightBearerTokenAre401) {
    const auto before = server_->snapshot();
    const std::string body = R"({"name": "cdn"})";
    const std::vector<std::optional<std::string>> refused = {
        std::string(""),                             // no Authorization at all
        std::string("Bearer wrong-token"),           // wrong token
        std::string("Bearer s3cret-admin-token-x"),  // right prefix, longer
        std::string("Bearer "),                      // empty token
        std::string("Basic s3cret-admin-token"),     // wrong scheme, right secret
        std::string("s3cret-admin-token"),           // no scheme
    };
    for (const auto& authorization : refused) {
        for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
                 {"POST", "/ndcs"}, {"GET", "/ndcs"}, {"DELETE", "/delegations/x"}}) {
            auto r = server_->request(method, url(path),
                                      method == "POST" ? std::optional(body) : std::nullopt,
                                      "application/json", authorization);
            problem(r, 401, "urn:ietf:params:acme:error:unauthorized");
            EXPECT_EQ(r.headers.get("WWW-Authenticate").value_or(""), "Bearer")
                << method << " " << path << " with '" << *authorization << "'";
        }
    }
    // Not even the existence of a tenant is revealed without the token.
    auto r = server_->request("GET", server_->baseUrl() + "/admin/v1/tenants/other/ndcs",
                              std::nullopt, "", std::string("Bearer wrong"));
    problem(r, 401, "urn:ietf:params:acme:error:unauthorized");
    EXPECT_EQ(server_->snapshot(), before);
    // The scheme is case-insensitive (RFC 9110 §11.1).
    EXPECT_EQ(
        server_
            ->request("GET", url("/ndcs"), std::nullopt, "", std::string("bearer ") + kAdminToken)
            .status,
        200);
}

// ---- request bodies ----

TEST_F(AdminRoutesTest, BodiesMustBeStrictJsonObjectsWithKnownMembers) {
    const auto before = server_->snapshot();
    problem(server_->request("POST", url("/ndcs"), R"({"name": "cdn")"), 400);
    auto dup =
        problem(server_->request("POST", url("/ndcs"), R"({"name": "a", "name": "b"})"), 400);
    EXPECT_NE(dup.value("detail", "").find("name"), std::string::npos);
    auto unknown = problem(
        server_->request("POST", url("/ndcs"), R"({"name": "cdn", "contcat": "x@y.example"})"),
        400);
    EXPECT_NE(unknown.value("detail", "").find("\"contcat\""), std::string::npos);
    problem(server_->request("POST", url("/ndcs"), R"(["name"])"), 400);
    problem(server_->request("POST", url("/ndcs"), R"({"name": "cdn"})", "text/plain"), 415);
    problem(server_->request("POST", url("/ndcs"), R"({"name": "cdn"})", ""), 415);
    EXPECT_EQ(server_->snapshot(), before);
    // Parameters of the media type are fine.
    EXPECT_EQ(
        server_
            ->request("POST", url("/ndcs"), R"({"name": "cdn"})", "application/json; charset=utf-8")
            .status,
        201);
}

// ---- delegations ----

TEST_F(AdminRoutesTest, CreateDelegationFromATemplate) {
    auto ndc = server_->createNdc();
    const json cnameMap = {{"www.ido.example.", "www.cdn.example."},
                           {"shop.cdn.ido.example.", "shop.cdn.example."}};
    auto r =
        postDelegation(ndc["id"], {{"csr-template", sampleTemplate()},
                                   {"allowed-suffixes", {"cdn.ido.example"}},
                                   {"cname-map", cnameMap},
                                   {"star", {{"min-lifetime", 7200}, {"max-duration", 86400}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    auto doc = json::parse(r.body);
    const auto id = doc["id"].get<std::string>();
    EXPECT_EQ(doc["url"], server_->tenant().urls.delegation(id));
    EXPECT_EQ(r.headers.get("Location").value_or(""),
              "/admin/v1/tenants/example/delegations/" + id);

    auto stored = server_->tenant().state.delegation(id);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->ndcId, ndc["id"]);
    EXPECT_EQ((*stored)->cnameMap, cnameMap);
    EXPECT_EQ((*stored)->allowedSuffixes, std::vector<std::string>{"cdn.ido.example"});
    ASSERT_TRUE((*stored)->star.has_value());
    EXPECT_EQ((*stored)->star->minLifetime, 7200);
    EXPECT_EQ((*stored)->star->maxDuration, 86400);
    EXPECT_EQ((*stored)->csrTemplate["extensions"]["subjectAltName"]["DNS"],
              json::array({"www.ido.example", "**"}));

    auto show = server_->request("GET", url("/delegations/" + id));
    ASSERT_EQ(show.status, 200) << show.body;
    auto view = json::parse(show.body);
    EXPECT_EQ(view["id"], id);
    EXPECT_EQ(view["ndc"], ndc["id"]);
    EXPECT_EQ(view["status"], "active");
    EXPECT_TRUE(view["profile"].is_null());
    EXPECT_EQ(view["cname-map"], cnameMap);
    EXPECT_EQ(view["star"], json({{"min-lifetime", 7200}, {"max-duration", 86400}}));
    EXPECT_EQ(view["url"], doc["url"]);
    EXPECT_EQ(view["orders"], json::array());
    EXPECT_EQ(view["csr-template"], (*stored)->csrTemplate);
}

TEST_F(AdminRoutesTest, CreateDelegationFromAProfile) {
    auto ndc = server_->createNdc();
    auto r =
        postDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}});
    ASSERT_EQ(r.status, 201) << r.body;
    const auto id = json::parse(r.body)["id"].get<std::string>();
    auto stored = server_->tenant().state.delegation(id).value();
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->profile, "cdn-tls-ecdsa");
    EXPECT_FALSE(stored->star.has_value());
    EXPECT_EQ(stored->csrTemplate["extensions"]["subjectAltName"]["DNS"],
              json::array({"www.ido.example"}));

    auto list =
        server_->request("GET", url("/ndcs/" + ndc["id"].get<std::string>() + "/delegations"));
    ASSERT_EQ(list.status, 200) << list.body;
    auto delegations = json::parse(list.body)["delegations"];
    ASSERT_EQ(delegations.size(), 1u);
    EXPECT_EQ(delegations[0]["id"], id);
    EXPECT_EQ(delegations[0]["profile"], "cdn-tls-ecdsa");
}

// An NDC may hold any number of delegations: its listing and its view are paged
// (docs/admin-api.md), oldest first, each page linking the next, bad paging refused.
TEST_F(AdminRoutesTest, DelegationListingIsPagedOldestFirst) {
    auto ndc = server_->createNdc();
    const std::string ndcId = ndc["id"];
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto r = postDelegation(ndcId, {{"profile", "cdn-tls-ecdsa"},
                                        {"names", {"w" + std::to_string(i) + ".ido.example"}}});
        ASSERT_EQ(r.status, 201) << r.body;
        ids.push_back(json::parse(r.body)["id"]);
    }
    std::vector<std::string> seen;
    std::string next = url("/ndcs/" + ndcId + "/delegations?limit=2");
    int pages = 0;
    while (!next.empty()) {
        auto page = server_->request("GET", next);
        ASSERT_EQ(page.status, 200) << page.body;
        auto doc = json::parse(page.body);
        EXPECT_LE(doc["delegations"].size(), 2u);
        for (const auto& d : doc["delegations"]) {
            seen.push_back(d["id"]);
        }
        ++pages;
        ASSERT_LE(pages, 3);
        next = doc["next"].is_string() ? url(doc["next"].get<std::string>().substr(
                                             std::string("/admin/v1/tenants/example").size()))
                                       : "";
    }
    EXPECT_EQ(pages, 3);
    std::vector<std::string> sortedIds = ids;
    std::vector<std::string> sortedSeen = seen;
    std::sort(sortedIds.begin(), sortedIds.end());
    std::sort(sortedSeen.begin(), sortedSeen.end());
    EXPECT_EQ(sortedSeen, sortedIds);  // every delegation once, none twice

    problem(server_->request("GET", url("/ndcs/" + ndcId + "/delegations?limit=0")), 400);
    problem(server_->request("GET", url("/ndcs/" + ndcId + "/delegations?limit=1001")), 400);
    problem(server_->request("GET", url("/ndcs/" + ndcId + "/delegations?page=2")), 400);

    auto view = json::parse(server_->request("GET", url("/ndcs/" + ndcId)).body);
    EXPECT_EQ(view["delegation-count"], 5);
    EXPECT_EQ(view["delegations"].size(), 5u);
    EXPECT_TRUE(view["delegations-next"].is_null());
}

TEST_F(AdminRoutesTest, BadTemplateIsRefusedWithEveryJsonPath) {
    auto ndc = server_->createNdc();
    auto bad = sampleTemplate();
    bad["keyTypes"][0]["namedCurve"] = "secp255r1";
    bad["extensions"]["keyUsage"] = {"signEverything"};
    auto doc = refusedDelegation(ndc["id"], {{"csr-template", bad}});
    const auto detail = doc.value("detail", "");
    EXPECT_NE(detail.find("/csr-template/keyTypes/0"), std::string::npos) << detail;
    EXPECT_NE(detail.find("/csr-template/extensions/keyUsage"), std::string::npos) << detail;
    ASSERT_GE(doc["subproblems"].size(), 2u);
    EXPECT_NE(doc["subproblems"][0].value("detail", "").find("/csr-template/"), std::string::npos);
    // Not an object at all.
    doc = refusedDelegation(ndc["id"], {{"csr-template", "x"}});
    EXPECT_NE(doc.value("detail", "").find("/csr-template"), std::string::npos);
    // NDC-chosen names need suffixes.
    doc = refusedDelegation(ndc["id"], {{"csr-template", sampleTemplate()}});
    EXPECT_NE(doc.value("detail", "").find("allowed-suffixes"), std::string::npos);
}

TEST_F(AdminRoutesTest, ProfileFaultsAreRefused) {
    auto ndc = server_->createNdc();
    auto doc = refusedDelegation(ndc["id"],
                                 {{"profile", "no-such-profile"}, {"names", {"www.ido.example"}}});
    EXPECT_NE(doc.value("detail", "").find("no-such-profile"), std::string::npos);
    refusedDelegation(ndc["id"], {{"profile", "../etc/passwd"}, {"names", {"a.example"}}});
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"not a name"}}});
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"**"}}});
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", json::array()}});
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}});
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", "a.example"}});
    refusedDelegation(
        ndc["id"],
        {{"profile", "cdn-tls-ecdsa"}, {"names", {"**"}}, {"allowed-suffixes", {"not a suffix"}}});
    // Exactly one of csr-template and profile.
    refusedDelegation(ndc["id"], json::object());
    refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"},
                                  {"names", {"www.ido.example"}},
                                  {"csr-template", sampleTemplate()}});
    // names belong to profiles; unknown members are named.
    refusedDelegation(ndc["id"], {{"csr-template", sampleTemplate()},
                                  {"allowed-suffixes", {"cdn.ido.example"}},
                                  {"names", {"a.example"}}});
    doc = refusedDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"},
                                        {"names", {"www.ido.example"}},
                                        {"cname_map", json::object()}});
    EXPECT_NE(doc.value("detail", "").find("\"cname_map\""), std::string::npos);
    // An unknown member's name is quoted with its control bytes escaped.
    doc = refusedDelegation(
        ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}, {"x\ny", 1}});
    EXPECT_NE(doc.value("detail", "").find("\"x\\x0ay\""), std::string::npos) << doc.dump();
}

TEST_F(AdminRoutesTest, CnameMapFaultsAreRefused) {
    auto ndc = server_->createNdc();
    auto withMap = [](const json& map) {
        return json{{"csr-template", sampleTemplate()},
                    {"allowed-suffixes", {"cdn.ido.example"}},
                    {"cname-map", map}};
    };
    auto doc = refusedDelegation(ndc["id"], withMap({{"www.ido.example", "www.cdn.example."}}));
    EXPECT_NE(doc.value("detail", "").find("/cname-map/www.ido.example"), std::string::npos);
    EXPECT_NE(doc.value("detail", "").find("trailing dot"), std::string::npos);
    // The key is one RFC 6901 reference token in the path.
    doc = refusedDelegation(ndc["id"], withMap({{"a/b~c", "www.cdn.example."}}));
    EXPECT_NE(doc.value("detail", "").find("/cname-map/a~1b~0c:"), std::string::npos) << doc.dump();
    doc = refusedDelegation(ndc["id"], withMap({{"www.ido.example.", "www.cdn.example"}}));
    EXPECT_NE(doc.value("detail", "").find("trailing dot"), std::string::npos);
    doc = refusedDelegation(ndc["id"], withMap({{"other.ido.example.", "x.cdn.example."}}));
    EXPECT_NE(doc.value("detail", "").find("not a name the delegation's template covers"),
              std::string::npos);
    // The suffix itself is not under itself.
    refusedDelegation(ndc["id"], withMap({{"cdn.ido.example.", "x.cdn.example."}}));
    refusedDelegation(ndc["id"], withMap({{"www.ido.example.", 5}}));
    refusedDelegation(ndc["id"], withMap(json::array({"www.ido.example."})));
    // Keys compare case-insensitively.
    auto ok = postDelegation(ndc["id"], withMap({{"WWW.ido.example.", "www.cdn.example."}}));
    EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(AdminRoutesTest, StarLimitsCanOnlyTightenTheTenants) {
    auto ndc = server_->createNdc();
    auto withStar = [](const json& star) {
        return json{{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}, {"star", star}};
    };
    auto doc = refusedDelegation(ndc["id"], withStar({{"min-lifetime", kTenantMinLifetime - 1}}));
    EXPECT_NE(doc.value("detail", "").find("min-lifetime"), std::string::npos);
    doc = refusedDelegation(ndc["id"], withStar({{"max-duration", kTenantMaxDuration + 1}}));
    EXPECT_NE(doc.value("detail", "").find("max-duration"), std::string::npos);
    refusedDelegation(ndc["id"], withStar({{"min-lifetime", 90000}, {"max-duration", 86400}}));
    refusedDelegation(ndc["id"], withStar({{"min-lifetime", "7200"}}));
    refusedDelegation(ndc["id"], withStar({{"min-lifetime", 7200.5}}));
    refusedDelegation(ndc["id"], withStar({{"lifetime", 7200}}));
    refusedDelegation(ndc["id"], withStar(7200));

    // Equal to the tenant's is allowed; an absent member takes the tenant's value.
    auto r = postDelegation(ndc["id"], withStar({{"max-duration", kTenantMaxDuration}}));
    ASSERT_EQ(r.status, 201) << r.body;
    auto stored =
        server_->tenant().state.delegation(json::parse(r.body)["id"].get<std::string>()).value();
    EXPECT_EQ(stored->star->minLifetime, kTenantMinLifetime);
    EXPECT_EQ(stored->star->maxDuration, kTenantMaxDuration);
}

TEST_F(AdminRoutesTest, ImplicitDelegationOptionIsCheckedAndShown) {
    auto ndc = server_->createNdc();
    auto with = [](const json& implicit, const json& star = nullptr) {
        json body = {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}};
        body["implicit"] = implicit;
        if (!star.is_null()) {
            body["star"] = star;
        }
        return body;
    };
    refusedDelegation(ndc["id"], with("yes"));
    refusedDelegation(ndc["id"], with({{"lifetime", 0}}));
    refusedDelegation(ndc["id"], with({{"lifetime", "600"}}));
    refusedDelegation(ndc["id"], with({{"lifetme", 600}}));
    // At most the delegation's max-duration (here tightened to a day).
    auto doc = refusedDelegation(ndc["id"], with({{"lifetime", 86401}}, {{"max-duration", 86400}}));
    EXPECT_NE(doc.value("detail", "").find("max-duration"), std::string::npos);

    auto stored = [&](const json& body) {
        auto r = postDelegation(ndc["id"], body);
        EXPECT_EQ(r.status, 201) << r.body;
        return *server_->tenant()
                    .state.delegation(json::parse(r.body).value("id", std::string()))
                    .value();
    };
    EXPECT_EQ(stored(with(true)).implicit->lifetime, kDefaultImplicitLifetime);
    EXPECT_EQ(stored(with(true, {{"max-duration", 86400}})).implicit->lifetime, 86400);
    EXPECT_FALSE(stored(with(false)).implicit);
    const auto d = stored(with({{"lifetime", 600}}));
    EXPECT_EQ(d.implicit->lifetime, 600);
    auto show = server_->request("GET", url("/delegations/" + d.id));
    ASSERT_EQ(show.status, 200) << show.body;
    EXPECT_EQ(json::parse(show.body)["implicit"], (json{{"lifetime", 600}}));
}

TEST_F(AdminRoutesTest, TerminationOptionIsCheckedShownAndChangeable) {
    auto ndc = server_->createNdc();
    auto with = [](const json& termination) {
        json body = {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}};
        body["termination"] = termination;
        return body;
    };
    auto doc = refusedDelegation(ndc["id"], with("delete"));
    EXPECT_NE(doc.value("detail", "").find("\"stop-renewal\" or \"revoke\""), std::string::npos);
    refusedDelegation(ndc["id"], with(true));

    auto created = postDelegation(ndc["id"], with("revoke"));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = json::parse(created.body)["id"].get<std::string>();
    EXPECT_EQ(server_->tenant().state.delegation(id).value()->termination, "revoke");
    auto show = json::parse(server_->request("GET", url("/delegations/" + id)).body);
    EXPECT_EQ(show["termination"], "revoke");
    EXPECT_EQ(show["termination-from"], "delegation");

    // Without the option: the tenant's default (stop-renewal here), said to be so.
    auto plain = postDelegation(ndc["id"], with(nullptr));
    ASSERT_EQ(plain.status, 201) << plain.body;
    const auto plainId = json::parse(plain.body)["id"].get<std::string>();
    show = json::parse(server_->request("GET", url("/delegations/" + plainId)).body);
    EXPECT_EQ(show["termination"], "stop-renewal");
    EXPECT_EQ(show["termination-from"], "tenant");

    // PATCH changes it while the delegation is active; null goes back to the default.
    auto patched = server_->request("PATCH", url("/delegations/" + plainId),
                                    json{{"termination", "revoke"}}.dump());
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json::parse(patched.body)["termination"], "revoke");
    EXPECT_EQ(server_->tenant().state.delegation(plainId).value()->termination, "revoke");
    patched = server_->request("PATCH", url("/delegations/" + plainId),
                               json{{"termination", nullptr}}.dump());
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json::parse(patched.body)["termination-from"], "tenant");
    EXPECT_EQ(server_
                  ->request("PATCH", url("/delegations/" + plainId),
                            json{{"termination", "later"}}.dump())
                  .status,
              400);
    EXPECT_EQ(
        server_->request("PATCH", url("/delegations/" + plainId), json{{"star", 1}}.dump()).status,
        400);
    EXPECT_EQ(server_->request("PATCH", url("/delegations/" + plainId), "{}").status, 400);
    EXPECT_EQ(
        server_->request("PATCH", url("/delegations/nope"), json{{"termination", "revoke"}}.dump())
            .status,
        404);
    ASSERT_EQ(server_->request("DELETE", url("/delegations/" + plainId)).status, 200);
    EXPECT_EQ(server_
                  ->request("PATCH", url("/delegations/" + plainId),
                            json{{"termination", "revoke"}}.dump())
                  .status,
              409)
        << "a terminated delegation has nothing left to end";
}

/// An order under `delegation` made valid with a published certificate.
OrderRecord publishedOrder(AdminTestServer& server, const std::string& account,
                           const std::string& delegation) {
    OrderRecord order;
    order.accountId = account;
    order.delegationId = delegation;
    order.identifiers = {{"dns", "www.ido.example"}};
    order.autoRenewal = {{"end-date", "2030-01-01T00:00:00Z"}, {"lifetime", 86400}};
    order.expires = server.clock().now() + std::chrono::hours(24);
    auto& state = server.tenant().state;
    EXPECT_TRUE(state.createOrder(order)->ok());
    EXPECT_TRUE(state.acceptFinalize(order.id, "Q1NS")->ok());
    EXPECT_TRUE(state
                    .publishCertificate(order.certToken, "PEM", server.clock().now(),
                                        server.clock().now() + std::chrono::hours(25), {})
                    ->ok());
    return order;
}

TEST_F(AdminRoutesTest, ShowDelegationListsOrdersAndCertificateValidity) {
    auto ndc = server_->createNdc();
    const auto account = server_->bindAccount(ndc);
    auto created =
        postDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}});
    const auto id = json::parse(created.body)["id"].get<std::string>();
    const auto order = publishedOrder(*server_, account, id);

    auto show = server_->request("GET", url("/delegations/" + id));
    ASSERT_EQ(show.status, 200) << show.body;
    auto orders = json::parse(show.body)["orders"];
    ASSERT_EQ(orders.size(), 1u);
    EXPECT_EQ(orders[0]["id"], order.id);
    EXPECT_EQ(orders[0]["status"], "valid");
    EXPECT_EQ(orders[0]["identifiers"],
              json::array({{{"type", "dns"}, {"value", "www.ido.example"}}}));
    EXPECT_EQ(orders[0]["star"]["lifetime"], 86400);
    EXPECT_EQ(orders[0]["expires"], toRfc3339(order.expires));
    EXPECT_EQ(orders[0]["certificate"]["state"], "active");
    EXPECT_EQ(orders[0]["certificate"]["notBefore"], toRfc3339(server_->clock().now()));
    EXPECT_EQ(orders[0]["certificate"]["notAfter"],
              toRfc3339(server_->clock().now() + std::chrono::hours(25)));
}

TEST_F(AdminRoutesTest, ShowDelegationSaysHowTheRelayObtainsEachOrder) {
    auto ndc = server_->createNdc();
    const auto account = server_->bindAccount(ndc);
    auto created =
        postDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}});
    const auto id = json::parse(created.body)["id"].get<std::string>();
    const auto order = publishedOrder(*server_, account, id);
    // What STAR emulation against Let's Encrypt leaves in the progress record.
    relay::RelayState relayState(server_->pool(), server_->tenant().state.keys(), server_->clock());
    relay::RelayProgress p;
    p.mode = relay::RelayMode::emulate;
    p.profile = "shortlived";
    p.followIssued = true;
    p.obtained = 2;
    p.currentNotBefore = server_->clock().now();
    p.currentNotAfter = server_->clock().now() + std::chrono::hours(160);
    p.currentCertId = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
    auto token = relayState.lock(order.id, std::chrono::seconds(10));
    ASSERT_TRUE(token.ok() && token->has_value());
    ASSERT_TRUE(relayState.save(order.id, **token, p).ok());

    auto show = server_->request("GET", url("/delegations/" + id));
    ASSERT_EQ(show.status, 200) << show.body;
    const auto upstream = json::parse(show.body)["orders"][0]["upstream"];
    EXPECT_EQ(upstream["mode"], "emulate");
    EXPECT_EQ(upstream["profile"], "shortlived");
    EXPECT_EQ(upstream["validity"], "issued by the CA");
    EXPECT_EQ(upstream["certificates"], 3);
    EXPECT_EQ(upstream["issued"]["notAfter"],
              toRfc3339(server_->clock().now() + std::chrono::hours(160)));
    EXPECT_EQ(upstream["ari-cert-id"], "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST_F(AdminRoutesTest, DeleteTerminatesTheDelegationOnce) {
    auto ndc = server_->createNdc();
    const auto account = server_->bindAccount(ndc);
    auto created =
        postDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}});
    const auto id = json::parse(created.body)["id"].get<std::string>();
    const auto order = publishedOrder(*server_, account, id);

    auto r = server_->request("DELETE", url("/delegations/" + id));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body),
              json({{"id", id}, {"status", "terminated"}, {"orders-canceled", 1}}));

    auto& state = server_->tenant().state;
    EXPECT_EQ(state.delegation(id).value()->status, "terminated");
    EXPECT_EQ(state.order(order.id).value()->status, "canceled");
    EXPECT_EQ(state.certificate(order.certToken).value()->state, "canceled");
    auto jobs = server_->pool().command({"XLEN", state.keys().relayStream()});
    EXPECT_GE(*jobs->asInteger(), 2);  // the finalize job, then the termination job

    const auto before = server_->snapshot();
    auto again = problem(server_->request("DELETE", url("/delegations/" + id)), 409);
    EXPECT_NE(again.value("detail", "").find("already terminated"), std::string::npos);
    EXPECT_EQ(server_->snapshot(), before);

    auto show = json::parse(server_->request("GET", url("/delegations/" + id)).body);
    EXPECT_EQ(show["status"], "terminated");
    EXPECT_EQ(show["orders"][0]["status"], "canceled");
    EXPECT_EQ(show["orders"][0]["certificate"]["state"], "canceled");
}

TEST_F(AdminRoutesTest, ShowDelegationPagesItsOrders) {
    auto ndc = server_->createNdc();
    const auto account = server_->bindAccount(ndc);
    auto created =
        postDelegation(ndc["id"], {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.ido.example"}}});
    const auto id = json::parse(created.body)["id"].get<std::string>();
    auto& state = server_->tenant().state;
    std::set<std::string> all;
    for (int i = 0; i < 250; ++i) {
        OrderRecord order;
        order.accountId = account;
        order.delegationId = id;
        order.identifiers = {{"dns", "www.ido.example"}};
        order.expires = server_->clock().now() + std::chrono::hours(1);
        ASSERT_TRUE(state.createOrder(order)->ok());
        all.insert(order.id);
    }

    std::vector<std::string> seen;
    std::string next = url("/delegations/" + id) + "?limit=40";
    int pages = 0;
    while (!next.empty()) {
        ASSERT_LT(++pages, 100) << "the cursor never ends";
        auto r = server_->request("GET", next);
        ASSERT_EQ(r.status, 200) << r.body;
        auto doc = json::parse(r.body);
        // Exactly `limit`, but the last page: pages are ranks of the orders index.
        EXPECT_EQ(doc["orders"].size(), doc["orders-next"].is_null() ? 250u % 40 : 40u);
        for (const auto& o : doc["orders"]) {
            seen.push_back(o["id"].get<std::string>());
        }
        if (doc["orders-next"].is_null()) {
            EXPECT_FALSE(r.headers.get("Link"));
            next.clear();
        } else {
            const auto path = doc["orders-next"].get<std::string>();
            EXPECT_NE(path.find("limit=40"), std::string::npos);
            EXPECT_EQ(r.headers.get("Link").value_or(""), "<" + path + ">;rel=\"next\"");
            next = server_->baseUrl() + path;
        }
    }
    EXPECT_EQ(pages, 7);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
    // Every order once, in the index's order: creation time (one second here), then id.
    EXPECT_EQ(seen, std::vector<std::string>(all.begin(), all.end()));

    // Without a query: the first page of the default size, not every order.
    auto first = json::parse(server_->request("GET", url("/delegations/" + id)).body);
    EXPECT_LE(first["orders"].size(), 200u);
    EXPECT_FALSE(first["orders-next"].is_null());

    for (const auto* bad : {"?limit=0", "?limit=1001", "?limit=x", "?cursor=-1",
                            "?cursor=1&cursor=2", "?page=2", "?limit="}) {
        auto doc = problem(server_->request("GET", url("/delegations/" + id) + bad), 400);
        EXPECT_NE(doc.value("detail", "").find("query parameter"), std::string::npos) << bad;
    }
}

}  // namespace
}  // namespace legate::ido::test
