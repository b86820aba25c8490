// Hostile admin API requests (design.md "Fixed interfaces"): no token, a wrong token,
// another scheme, oversize and malformed bodies, unknown tenants, NDCs and delegations.

#include "tests/idO/hostile/HostileCase.h"

namespace legate::ido {
namespace {

/// An admin request: `path` under /admin/v1/tenants/, with the headers `headers(env)`
/// gives (the correct token unless a case says otherwise) and `body`.
HostileCase admin(
    std::string name, int status, std::string error, std::string method,
    std::function<std::string(HostileContext&)> path,
    std::function<http::Headers(HostileContext&)> headers,
    std::function<std::string()> body = [] { return std::string(); }) {
    return {std::move(name), kAdmin, status, std::move(error),
            [method, path, headers, body](HostileContext& ctx) {
                auto& c = ctx.client("example", false);
                const auto url = ctx.env().adminUrl() + "/admin/v1/tenants/" + path(ctx);
                const auto h = headers(ctx);
                const auto b = body();
                return Attack{[&c, method, url, h, b] {
                    return sendDespiteReset([&] { return c.request(method, url, h, b); });
                }};
            }};
}

http::Headers withToken(HostileContext& ctx) {
    return {{"Authorization", "Bearer " + ctx.env().adminToken()},
            {"Content-Type", "application/json"}};
}

std::string ndcs(HostileContext&) {
    return "example/ndcs";
}

/// A fresh NDC's delegations collection.
std::string delegationsOfFreshNdc(HostileContext& ctx) {
    auto ndc = ctx.tenant().state.createNdc("cdn", "");
    EXPECT_TRUE(ndc.ok());
    return "example/ndcs/" + ndc->ndc.id + "/delegations";
}

/// The `WWW-Authenticate: Bearer` challenge of a 401 (RFC 6750 §3).
void challenges(const AcmeReply& reply) {
    EXPECT_EQ(reply.headers.get("WWW-Authenticate").value_or(""), "Bearer") << reply.describe();
}

HostileCase unauthenticated(std::string name, std::function<http::Headers(HostileContext&)> h) {
    auto c = admin(std::move(name), 401, "unauthorized", "POST", ndcs, std::move(h),
                   [] { return std::string(R"({"name":"cdn"})"); });
    auto prepare = c.prepare;
    c.prepare = [prepare](HostileContext& ctx) {
        auto attack = prepare(ctx);
        attack.check = challenges;
        return attack;
    };
    return c;
}

}  // namespace

std::vector<HostileCase> adminCases() {
    std::vector<HostileCase> cases;
    cases.push_back(unauthenticated("AdminWithoutToken", [](HostileContext&) {
        return http::Headers{{"Content-Type", "application/json"}};
    }));
    cases.push_back(unauthenticated("AdminWithWrongToken", [](HostileContext&) {
        return http::Headers{{"Authorization", "Bearer not-the-token"},
                             {"Content-Type", "application/json"}};
    }));
    cases.push_back(unauthenticated("AdminWithTokenPrefix", [](HostileContext& ctx) {
        const auto& token = ctx.env().adminToken();
        return http::Headers{{"Authorization", "Bearer " + token.substr(0, token.size() - 1)},
                             {"Content-Type", "application/json"}};
    }));
    cases.push_back(unauthenticated("AdminWithBasicScheme", [](HostileContext& ctx) {
        return http::Headers{{"Authorization", "Basic " + ctx.env().adminToken()},
                             {"Content-Type", "application/json"}};
    }));
    cases.push_back({"AdminWithoutTokenDoesNotRevealTenants", kAdmin, 401, "unauthorized",
                     [](HostileContext& ctx) {
                         auto& c = ctx.client("example", false);
                         const auto url = ctx.env().adminUrl() + "/admin/v1/tenants/nosuch/ndcs";
                         return Attack{[&c, url] { return c.get(url); }};
                     }});
    cases.push_back(admin("AdminOversizeBodyIs413", 413, "malformed", "POST", ndcs, withToken,
                          [] { return R"({"name":")" + std::string(70 * 1024, 'a') + R"("})"; }));
    cases.push_back(admin(
        "AdminWrongContentTypeIs415", 415, "malformed", "POST", ndcs,
        [](HostileContext& ctx) {
            return http::Headers{{"Authorization", "Bearer " + ctx.env().adminToken()},
                                 {"Content-Type", "text/plain"}};
        },
        [] { return std::string(R"({"name":"cdn"})"); }));
    cases.push_back(admin("AdminBodyNotJson", 400, "malformed", "POST", ndcs, withToken,
                          [] { return std::string("name=cdn"); }));
    cases.push_back(admin("AdminDuplicateMember", 400, "malformed", "POST", ndcs, withToken,
                          [] { return std::string(R"({"name":"a","name":"b"})"); }));
    cases.push_back(admin("AdminNdcWithoutName", 400, "malformed", "POST", ndcs, withToken,
                          [] { return std::string(R"({"contact":"ops@cdn.example"})"); }));
    cases.push_back(admin("AdminNdcUnknownMember", 400, "malformed", "POST", ndcs, withToken,
                          [] { return std::string(R"({"name":"cdn","admin":true})"); }));
    cases.push_back(admin("AdminNdcBadContact", 400, "invalidContact", "POST", ndcs, withToken, [] {
        return std::string(R"({"name":"cdn","contact":"not an address"})");
    }));
    cases.push_back(admin(
        "AdminUnknownTenantIs404", 404, "malformed", "POST",
        [](HostileContext&) { return std::string("nosuchtenant/ndcs"); }, withToken,
        [] { return std::string(R"({"name":"cdn"})"); }));
    cases.push_back(admin(
        "AdminDelegationForUnknownNdcIs404", 404, "malformed", "POST",
        [](HostileContext&) {
            return std::string("example/ndcs/AAAAAAAAAAAAAAAAAAAAAA/delegations");
        },
        withToken,
        [] { return std::string(R"({"profile":"cdn-tls-ecdsa","names":["abc.ido.example"]})"); }));
    cases.push_back(admin("AdminDelegationUnknownProfile", 400, "malformed", "POST",
                          delegationsOfFreshNdc, withToken, [] {
                              return std::string(
                                  R"({"profile":"no-such-profile","names":["abc.ido.example"]})");
                          }));
    cases.push_back(admin("AdminDelegationInvalidTemplate", 400, "malformed", "POST",
                          delegationsOfFreshNdc, withToken,
                          [] { return std::string(R"({"csr-template":{"keyTypes":[]}})"); }));
    cases.push_back(admin(
        "AdminDelegationProfileAndTemplate", 400, "malformed", "POST", delegationsOfFreshNdc,
        withToken, [] {
            return std::string(
                R"({"profile":"cdn-tls-ecdsa","names":["abc.ido.example"],"csr-template":{}})");
        }));
    cases.push_back(admin(
        "AdminDeleteUnknownDelegationIs404", 404, "malformed", "DELETE",
        [](HostileContext&) { return std::string("example/delegations/AAAAAAAAAAAAAAAAAAAAAA"); },
        withToken));
    cases.push_back(admin(
        "AdminDelegationOfAnotherTenantIs404", 404, "malformed", "GET",
        [](HostileContext& ctx) {
            auto ndc = ctx.tenant("other").state.createNdc("cdn", "");
            EXPECT_TRUE(ndc.ok());
            const auto d = ctx.env().createDelegation(ndc->ndc.id, {}, "other");
            return "example/delegations/" + d.record.id;
        },
        withToken));
    return cases;
}

}  // namespace legate::ido
