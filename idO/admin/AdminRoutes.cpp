#include "idO/admin/AdminRoutes.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/Time.h"
#include "broker/http/ProblemResponse.h"
#include "idO/admin/AdminRequest.h"
#include "idO/admin/AdminViews.h"
#include "idO/admin/BearerToken.h"
#include "idO/admin/DelegationRequest.h"
#include "idO/relay/RelayState.h"
#include "profiles/NameSyntax.h"

namespace legate::ido {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "/admin/v1/tenants/{tenant}";
constexpr size_t kMaxNdcNameChars = 100;
/// Entries per page of a paged listing (an NDC's delegations, a delegation's orders;
/// docs/admin-api.md): default and maximum.
constexpr int64_t kListPage = 100;
constexpr int64_t kMaxListPage = 1000;

/// A handler that already has its (authorised) tenant.
using TenantHandler = std::function<Result<http::Response>(http::Request&, TenantContext&)>;

/// Wraps `handler`: bearer token first (401 + `WWW-Authenticate: Bearer`), so nothing,
/// not even which tenants exist, is visible without it; then the tenant (404).
http::Handler adminRoute(const AcmeServices& services, std::shared_ptr<const BearerToken> token,
                         TenantHandler handler) {
    return [&services, token = std::move(token),
            handler = std::move(handler)](http::Request& request) -> Result<http::Response> {
        auto authorised = token->check(request.header("Authorization"));
        if (!authorised) {
            auto response = http::problemResponse(authorised.problem());
            response.setHeader("WWW-Authenticate", "Bearer");
            return response;
        }
        auto* tenant = services.tenant(request.param("tenant"));
        if (tenant == nullptr) {
            return notFound("unknown tenant \"" + request.param("tenant") + "\"");
        }
        return handler(request, *tenant);
    };
}

std::string adminPath(const TenantContext& tenant, const std::string& rest) {
    return "/admin/v1/tenants/" + tenant.name() + rest;
}

/// 1..100 characters (code points), no control characters.
Status checkNdcName(const json& value) {
    if (!value.is_string()) {
        return badRequest("\"name\" must be a string");
    }
    const auto name = value.get<std::string>();
    size_t chars = 0;
    for (size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        const bool c1Control =
            c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) < 0xA0;
        if (c < 0x20 || c == 0x7F || c1Control) {
            return badRequest("\"name\" must not contain control characters");
        }
        chars += (c & 0xC0) != 0x80 ? 1 : 0;
    }
    if (chars == 0 || chars > kMaxNdcNameChars) {
        return badRequest("\"name\" must be 1 to 100 characters");
    }
    return okStatus();
}

/// "mailto:addr" or a bare address, stored as "mailto:addr"; "" when absent.
Result<std::string> ndcContact(const json& body) {
    if (!body.contains("contact") || body["contact"].is_null()) {
        return std::string();
    }
    if (!body["contact"].is_string()) {
        return badRequest("\"contact\" must be a string");
    }
    auto address = body["contact"].get<std::string>();
    if (address.rfind("mailto:", 0) == 0) {
        address.erase(0, 7);
    }
    if (!profiles::isEmailAddress(address)) {
        return acme::Problem::make(acme::ErrorType::invalidContact,
                                   "\"contact\" must be an email address or a mailto: URL", 400);
    }
    return "mailto:" + address;
}

Result<NdcRecord> existingNdc(TenantContext& tenant, const std::string& id) {
    auto ndc = tenant.state.ndc(id);
    LEGATE_TRY(ndc);
    if (!ndc->has_value()) {
        return notFound("unknown NDC \"" + id + "\"");
    }
    return std::move(**ndc);
}

Result<DelegationRecord> existingDelegation(TenantContext& tenant, const std::string& id) {
    auto d = tenant.state.delegation(id);
    LEGATE_TRY(d);
    if (!d->has_value()) {
        return notFound("unknown delegation \"" + id + "\"");
    }
    return std::move(**d);
}

/// The tenant's default termination (upstream.termination; stop-renewal without upstream).
std::string tenantTermination(const TenantContext& tenant) {
    return std::string(tenant.config.upstream ? nameOf(tenant.config.upstream->termination)
                                              : nameOf(Termination::stopRenewal));
}

/// `?cursor=C&limit=N` of a paged listing (both optional, any order): cursor is the
/// opaque position the previous page named, limit 1 to kMaxListPage.
struct PageQuery {
    uint64_t cursor = 0;
    int64_t limit = kListPage;
};

Result<PageQuery> parsePageQuery(std::string_view target) {
    PageQuery q;
    const auto at = target.find('?');
    if (at == std::string_view::npos) {
        return q;
    }
    std::string_view query = target.substr(at + 1);
    auto bad = [](const std::string& why) { return badRequest(why); };
    bool seenCursor = false;
    bool seenLimit = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto eq = item.find('=');
        const std::string_view name = item.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        uint64_t number = 0;
        const bool digits = !value.empty() && value.size() <= 19 &&
                            value.find_first_not_of("0123456789") == std::string_view::npos;
        if (digits) {
            std::from_chars(value.data(), value.data() + value.size(), number);
        }
        if (name == "cursor" && !seenCursor) {
            seenCursor = true;
            if (!digits) {
                return bad(
                    "query parameter \"cursor\": expected the cursor a previous page "
                    "named (decimal digits)");
            }
            q.cursor = number;
        } else if (name == "limit" && !seenLimit) {
            seenLimit = true;
            if (!digits || number < 1 || number > static_cast<uint64_t>(kMaxListPage)) {
                return bad("query parameter \"limit\": expected 1 to " +
                           std::to_string(kMaxListPage));
            }
            q.limit = static_cast<int64_t>(number);
        } else {
            return bad("query parameter \"" + std::string(name) +
                       "\": this listing accepts cursor and limit, each once");
        }
    }
    return q;
}

/// The admin path of one page of an NDC's delegations.
std::string delegationListPage(const TenantContext& tenant, const std::string& ndcId,
                               int64_t cursor, int64_t limit) {
    return adminPath(tenant, "/ndcs/" + ndcId + "/delegations") +
           "?cursor=" + std::to_string(cursor) + "&limit=" + std::to_string(limit);
}

Result<http::Response> createNdc(http::Request& request, TenantContext& tenant) {
    auto body = jsonObjectBody(request);
    LEGATE_TRY(body);
    LEGATE_TRY(onlyMembers(*body, {"name", "contact"}, "the request"));
    if (!body->contains("name")) {
        return badRequest("\"name\" is required");
    }
    LEGATE_TRY(checkNdcName((*body)["name"]));
    auto contact = ndcContact(*body);
    LEGATE_TRY(contact);
    auto created = tenant.state.createNdc((*body)["name"].get<std::string>(), *contact);
    LEGATE_TRY(created);
    const auto& ndc = created->ndc;
    json doc = ndcView(ndc);
    doc["eab"] = {{"kid", ndc.eabKid}, {"hmac_key", created->hmacKey}};
    auto response = http::Response::json(201, doc);
    response.location(adminPath(tenant, "/ndcs/" + ndc.id));
    response.cacheControl("no-store");  // carries a secret
    return response;
}

Result<http::Response> listNdcs(http::Request&, TenantContext& tenant) {
    auto ndcs = tenant.state.ndcs();
    LEGATE_TRY(ndcs);
    json list = json::array();
    for (const auto& ndc : *ndcs) {
        list.push_back(ndcView(ndc));
    }
    return http::Response::json(200, {{"ndcs", list}});
}

Result<http::Response> showNdc(http::Request& request, TenantContext& tenant) {
    auto ndc = existingNdc(tenant, request.param("id"));
    LEGATE_TRY(ndc);
    // The first page of its delegations' ids and how many there are: an NDC may hold
    // any number of them (a CDN with a million customer names), a response may not.
    auto page = tenant.state.delegationsOfNdc(ndc->id, 0, kListPage);
    LEGATE_TRY(page);
    auto count = tenant.state.delegationCount(ndc->id);
    LEGATE_TRY(count);
    json doc = ndcView(*ndc);
    doc["delegations"] = page->ids;
    doc["delegation-count"] = *count;
    doc["delegations-next"] = nullptr;
    if (page->next) {
        doc["delegations-next"] = delegationListPage(tenant, ndc->id, *page->next, kListPage);
    }
    return http::Response::json(200, doc);
}

Result<http::Response> createDelegation(http::Request& request, TenantContext& tenant,
                                        const AcmeServices& services) {
    auto ndc = existingNdc(tenant, request.param("ndc"));
    LEGATE_TRY(ndc);
    auto body = jsonObjectBody(request);
    LEGATE_TRY(body);
    auto delegation = parseDelegationRequest(*body, services.profiles(), tenant.config.star);
    LEGATE_TRY(delegation);
    delegation->ndcId = ndc->id;
    auto outcome = tenant.state.createDelegation(*delegation);
    LEGATE_TRY(outcome);
    if (!outcome->ok()) {  // no-ndc: the NDC vanished since the check above
        return notFound("unknown NDC \"" + ndc->id + "\"");
    }
    auto response = http::Response::json(
        201, {{"id", delegation->id}, {"url", tenant.urls.delegation(delegation->id)}});
    response.location(adminPath(tenant, "/delegations/" + delegation->id));
    return response;
}

Result<http::Response> listDelegations(http::Request& request, TenantContext& tenant) {
    auto ndc = existingNdc(tenant, request.param("ndc"));
    LEGATE_TRY(ndc);
    auto query = parsePageQuery(request.target());
    LEGATE_TRY(query);
    // One page, oldest first, read in one pipelined round trip.
    const auto offset = static_cast<int64_t>(std::min<uint64_t>(
        query->cursor, static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 2)));
    auto page = tenant.state.delegationsOfNdc(ndc->id, offset, query->limit);
    LEGATE_TRY(page);
    auto records = tenant.state.delegations(page->ids);
    LEGATE_TRY(records);
    json list = json::array();
    const auto termination = tenantTermination(tenant);
    for (const auto& d : *records) {
        if (d) {
            list.push_back(delegationView(*d, tenant.urls, termination));
        }
    }
    json doc = {{"delegations", list}, {"next", nullptr}};
    std::string next;
    if (page->next) {
        next = delegationListPage(tenant, ndc->id, *page->next, query->limit);
        doc["next"] = next;
    }
    auto response = http::Response::json(200, doc);
    if (!next.empty()) {
        response.link(next, "next");
    }
    return response;
}

/// How the relay obtains an order's certificates: the mode, the ACME profile asked for,
/// whether validity follows what the CA issues (docs/star-emulation.md), the validity of
/// the certificate last obtained and the ARI identifier the next renewal replaces.
json upstreamView(const relay::RelayProgress& p) {
    json view = {{"mode", std::string(relay::nameOf(p.mode))},
                 {"profile", p.profile.empty() ? json(nullptr) : json(p.profile)},
                 {"validity", p.followIssued ? "issued by the CA" : "requested"},
                 {"certificates", p.obtained ? json(*p.obtained + 1) : json(0)}};
    if (p.currentNotBefore && p.currentNotAfter) {
        view["issued"] = {{"notBefore", toRfc3339(*p.currentNotBefore)},
                          {"notAfter", toRfc3339(*p.currentNotAfter)}};
    }
    if (!p.currentCertId.empty()) {
        view["ari-cert-id"] = p.currentCertId;
    }
    if (p.ariRenewAt) {
        view["ari-renew-at"] = toRfc3339(*p.ariRenewAt);
    }
    if (!p.lastError.empty()) {
        view["last-error"] = p.lastError;
    }
    return view;
}

Result<http::Response> showDelegation(http::Request& request, TenantContext& tenant,
                                      const AcmeServices& services) {
    relay::RelayState relayState(services.pool(), tenant.state.keys(), services.clock());
    auto d = existingDelegation(tenant, request.param("id"));
    LEGATE_TRY(d);
    auto query = parsePageQuery(request.target());
    LEGATE_TRY(query);
    // One page of the delegation's orders: a delegation may hold any number of them,
    // and one response (and one Redis call) must stay bounded.
    auto page = tenant.state.ordersOfDelegationPage(d->id, query->cursor, query->limit);
    LEGATE_TRY(page);
    std::vector<OrderRecord> orders;
    for (const auto& id : page->ids) {
        auto order = tenant.state.order(id);
        LEGATE_TRY(order);
        if (order->has_value()) {
            orders.push_back(std::move(**order));
        }
    }
    json list = json::array();
    for (const auto& order : orders) {
        std::optional<CertificateRecord> cert;
        if (!order.certToken.empty()) {
            auto c = tenant.state.certificate(order.certToken);
            LEGATE_TRY(c);
            cert = std::move(*c);
        }
        auto view = orderView(order, cert, tenant.state.clock().now());
        if (auto progress = relayState.progress(order.id); progress.ok()) {
            view["upstream"] = upstreamView(*progress);
        }
        list.push_back(std::move(view));
    }
    json doc = delegationView(*d, tenant.urls, tenantTermination(tenant));
    doc["orders"] = list;
    if (auto dcv = dcvView(tenant.config, delegationNames(*d, orders), tenant.state.clock().now());
        !dcv.is_null()) {
        doc["dcv"] = std::move(dcv);
    }
    doc["orders-next"] = nullptr;
    std::string next;
    if (page->next) {
        next = adminPath(tenant, "/delegations/" + d->id) +
               "?cursor=" + std::to_string(static_cast<uint64_t>(*page->next)) +
               "&limit=" + std::to_string(query->limit);
        doc["orders-next"] = next;
    }
    auto response = http::Response::json(200, doc);
    if (!next.empty()) {
        response.link(next, "next");
    }
    return response;
}

/// The DCV records names need, and whether they are in place (before a delegation is
/// made for them): POST {"names": ["www.example.com", ...]}.
Result<http::Response> dcvRecords(http::Request& request, TenantContext& tenant) {
    auto body = jsonObjectBody(request);
    LEGATE_TRY(body);
    LEGATE_TRY(onlyMembers(*body, {"names"}, "the request"));
    const auto& names = (*body)["names"];
    if (!names.is_array() || names.empty() || names.size() > 100) {
        return badRequest("\"names\" must be an array of 1 to 100 DNS names");
    }
    std::vector<acme::Identifier> ids;
    for (const auto& name : names) {
        if (!name.is_string()) {
            return badRequest("\"names\" must be an array of 1 to 100 DNS names");
        }
        ids.push_back({"dns", name.get<std::string>()});
    }
    auto view = dcvView(tenant.config, ids, tenant.state.clock().now());
    if (view.is_null()) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "tenant \"" + tenant.name() +
                                       "\" has no DCV delegation (upstream solvers dns-01 "
                                       "dcv-delegation)",
                                   409);
    }
    return http::Response::json(200, view);
}

/// PATCH: {"termination": "stop-renewal" | "revoke" | null} (null: the tenant's default),
/// while the delegation is active.  Read by the relay when an order ends, so it applies
/// to orders already issued under the delegation.
Result<http::Response> updateDelegation(http::Request& request, TenantContext& tenant) {
    const auto& id = request.param("id");
    auto body = jsonObjectBody(request);
    LEGATE_TRY(body);
    LEGATE_TRY(onlyMembers(*body, {"termination"}, "the request"));
    if (!body->contains("termination")) {
        return badRequest("nothing to change: the request names no member (\"termination\")");
    }
    auto termination = parseTerminationMember(*body);
    LEGATE_TRY(termination);
    auto outcome = tenant.state.setDelegationTermination(id, *termination);
    LEGATE_TRY(outcome);
    if (outcome->reason == "not-found") {
        return notFound("unknown delegation \"" + id + "\"");
    }
    if (outcome->reason == "already") {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "delegation \"" + id + "\" is terminated", 409);
    }
    auto d = existingDelegation(tenant, id);
    LEGATE_TRY(d);
    return http::Response::json(200, delegationView(*d, tenant.urls, tenantTermination(tenant)));
}

Result<http::Response> terminateDelegation(http::Request& request, TenantContext& tenant) {
    const auto& id = request.param("id");
    auto outcome = tenant.state.terminateDelegation(id);
    LEGATE_TRY(outcome);
    if (outcome->reason == "not-found") {
        return notFound("unknown delegation \"" + id + "\"");
    }
    if (outcome->reason == "already") {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "delegation \"" + id + "\" is already terminated", 409);
    }
    if (!outcome->ok()) {
        return acme::Problem::make(
            acme::ErrorType::serverInternal,
            "terminating delegation \"" + id + "\": unexpected outcome " + outcome->reason, 500);
    }
    // This process drops its cached publications at once, so its next GET already
    // answers autoRenewalCanceled; the other processes hear it on the events channel.
    // Termination is rare, so clearing the whole tenant's cache is simpler than
    // enumerating the delegation's orders and costs nothing worth measuring.
    tenant.publications.clear();
    // The script's count is informational: the termination itself has happened.
    int64_t canceled = 0;
    std::from_chars(outcome->detail.data(), outcome->detail.data() + outcome->detail.size(),
                    canceled);
    return http::Response::json(
        200, {{"id", id}, {"status", "terminated"}, {"orders-canceled", canceled}});
}

/// The relay's view of the tenant: counters shared by every process, the renewal
/// schedule (how many are due now, how late the oldest is: non-zero means the budget
/// or the workers cannot keep up) and the job stream.
Result<http::Response> relayStatus(http::Request&, TenantContext& tenant,
                                   const AcmeServices& services) {
    relay::RelayState state(services.pool(), tenant.state.keys(), services.clock());
    auto status = state.status();
    LEGATE_TRY(status);
    return http::Response::json(200, *status);
}

}  // namespace

void addAdminRoutes(http::Router& router, const AcmeServices& services, std::string bearerToken) {
    auto token = std::make_shared<const BearerToken>(bearerToken);
    const std::string prefix(kPrefix);
    auto route = [&](const char* method, const std::string& path, TenantHandler handler) {
        router.add(method, prefix + path, adminRoute(services, token, std::move(handler)));
    };
    route("POST", "/ndcs", createNdc);
    route("GET", "/ndcs", listNdcs);
    route("GET", "/ndcs/{id}", showNdc);
    route("POST", "/ndcs/{ndc}/delegations", [&services](http::Request& r, TenantContext& t) {
        return createDelegation(r, t, services);
    });
    route("GET", "/ndcs/{ndc}/delegations", listDelegations);
    route("GET", "/delegations/{id}", [&services](http::Request& r, TenantContext& t) {
        return showDelegation(r, t, services);
    });
    route("PATCH", "/delegations/{id}", updateDelegation);
    route("DELETE", "/delegations/{id}", terminateDelegation);
    route("POST", "/dcv-records", dcvRecords);
    route("GET", "/relay",
          [&services](http::Request& r, TenantContext& t) { return relayStatus(r, t, services); });
}

}  // namespace legate::ido
