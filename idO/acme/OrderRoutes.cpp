#include "idO/acme/OrderRoutes.h"

#include <charconv>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "idO/acme/AcmeRoute.h"
#include "idO/acme/DelegationGate.h"
#include "idO/acme/Finalize.h"
#include "idO/acme/ImplicitDelegation.h"
#include "idO/acme/OrderJson.h"
#include "idO/acme/OrderPaging.h"
#include "idO/acme/OrderRequest.h"
#include "idO/acme/Publication.h"
#include "idO/acme/RequestAuthenticator.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;
using http::Request;
using http::Response;

Problem internal(const std::string& what) {
    return Problem::make(ErrorType::serverInternal, what);
}

/// Other accounts' orders are answered like unknown ones: existence is not confirmed
/// (same policy as delegations, digest A21).
Problem noSuchOrder() {
    return Problem::make(ErrorType::malformed, "no such order", 404);
}

Problem noSuchDelegation() {
    return Problem::make(ErrorType::malformed, "no such delegation", 404);
}

/// The lists under acct/{id}/ are for that account only.
Status requireListOwner(const Request& request, const AccountRecord& account) {
    if (request.param("id") != account.id) {
        return Problem::make(ErrorType::unauthorized, "this list belongs to another account", 403);
    }
    return okStatus();
}

/// The delegation if `account` may use it: active and bound to the account's NDC.
Result<std::optional<DelegationRecord>> usableDelegation(TenantContext& tenant,
                                                         const std::string& id,
                                                         const AccountRecord& account) {
    if (id.empty()) {
        return std::optional<DelegationRecord>{};
    }
    auto d = tenant.state.delegation(id);
    LEGATE_TRY(d);
    if (!*d || (*d)->ndcId != account.ndcId || !(*d)->active()) {
        return std::optional<DelegationRecord>{};
    }
    return d;
}

/// Every active delegation of the account's NDC, in creation order (implicit delegation
/// chooses among them).
Result<std::vector<DelegationRecord>> activeDelegationsOf(TenantContext& tenant,
                                                          const AccountRecord& account) {
    std::vector<DelegationRecord> out;
    std::optional<int64_t> cursor = 0;
    while (cursor) {
        auto page = tenant.state.delegationsOfNdc(account.ndcId, *cursor, 100);
        LEGATE_TRY(page);
        for (const auto& id : page->ids) {
            auto d = usableDelegation(tenant, id, account);
            LEGATE_TRY(d);
            if (*d) {
                out.push_back(std::move(**d));
            }
        }
        cursor = page->next;
    }
    return out;
}

/// The delegation an order uses: the one it names, or the one implicit delegation
/// matches; nullopt when it names one the account cannot use.
Result<std::optional<DelegationRecord>> orderDelegation(TenantContext& tenant,
                                                        const NewOrderRequest& parsed,
                                                        const AccountRecord& account) {
    if (!parsed.implicit) {
        return usableDelegation(tenant, parsed.delegationId, account);
    }
    auto all = activeDelegationsOf(tenant, account);
    LEGATE_TRY(all);
    auto chosen = chooseImplicitDelegation(*all, parsed.identifiers, tenant.urls);
    LEGATE_TRY(chosen);
    return std::optional<DelegationRecord>(std::move(chosen).value());
}

/// The order if it belongs to `account`.
Result<OrderRecord> ownedOrder(TenantContext& tenant, const std::string& id,
                               const AccountRecord& account) {
    auto o = tenant.state.order(id);
    LEGATE_TRY(o);
    if (!*o || (*o)->accountId != account.id) {
        return noSuchOrder();
    }
    return std::move(**o);
}

Result<Response> reloadedOrder(TenantContext& tenant, const std::string& id, int status) {
    auto o = tenant.state.order(id);
    LEGATE_TRY(o);
    if (!*o) {
        return internal("the order vanished");
    }
    return orderResponse(status, **o, tenant.urls);
}

// ---- delegations ----

Result<Response> delegationList(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::PostAsGet);
    LEGATE_TRY(auth);
    const AccountRecord& account = *auth->account;
    LEGATE_TRY(requireListOwner(request, account));
    auto cursor = parseCursor(request.target());
    LEGATE_TRY(cursor);
    auto page = tenant.state.delegationsOfNdc(account.ndcId, *cursor, tenant.serve.limits.pageSize);
    LEGATE_TRY(page);
    nlohmann::json urls = nlohmann::json::array();
    for (const auto& id : page->ids) {
        auto d = tenant.state.delegation(id);
        LEGATE_TRY(d);
        if (*d && (*d)->active()) {
            urls.push_back(tenant.urls.delegation(id));
        }
    }
    auto response = Response::json(200, {{"delegations", urls}});
    if (page->next) {
        response.link(pageUrl(tenant.urls.accountDelegations(account.id), *page->next), "next");
    }
    return response;
}

Result<Response> delegationObject(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::PostAsGet);
    LEGATE_TRY(auth);
    auto d = usableDelegation(tenant, request.param("id"), *auth->account);
    LEGATE_TRY(d);
    if (!*d) {
        return noSuchDelegation();
    }
    return Response::json(200, delegationJson(**d));
}

// ---- orders ----

Result<Response> newOrder(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::Object);
    LEGATE_TRY(auth);
    const AccountRecord& account = *auth->account;
    auto parsed = parseNewOrder(auth->payload, tenant.urls, tenant.config.implicitDelegation);
    LEGATE_TRY(parsed);

    auto delegation = orderDelegation(tenant, *parsed, account);
    LEGATE_TRY(delegation);
    if (!*delegation) {
        return Problem::make(ErrorType::unknownDelegation,
                             "the delegation is not available to this account");
    }
    const DelegationRecord& deleg = **delegation;
    const TimePoint now = tenant.state.clock().now();

    OrderRecord order;
    order.accountId = account.id;
    order.delegationId = deleg.id;
    order.implicit = parsed->implicit;
    order.identifiers = parsed->identifiers;
    if (parsed->star) {
        auto settled =
            settleAutoRenewal(*parsed->star, starBounds(tenant.config.star, deleg.star), now);
        LEGATE_TRY(settled);
        if (tenant.config.upstream &&
            !tenant.config.upstream->profiles.forLifetime(parsed->star->lifetime)) {
            // Refused here, not later: the CA's profiles decide the validity it issues
            // (docs/upstream.md, "Profiles"), and none configured serves this lifetime.
            return Problem::make(
                ErrorType::malformed,
                "auto-renewal.lifetime " + std::to_string(parsed->star->lifetime) +
                    " seconds is longer than any upstream certificate profile of this IdO "
                    "serves (at most " +
                    std::to_string(
                        tenant.config.upstream->profiles.star.back().maxLifetimeSeconds) +
                    " seconds)");
        }
        order.autoRenewal = std::move(settled).value();
        order.expires = parsed->star->endDate;
    } else {
        if (parsed->implicit && !parsed->notAfter && deleg.implicit) {
            // Stock clients ask for no validity: the delegation sets it.
            const TimePoint start = parsed->notBefore ? std::max(*parsed->notBefore, now) : now;
            parsed->notAfter = std::chrono::floor<std::chrono::seconds>(start) +
                               std::chrono::seconds(deleg.implicit->lifetime);
        }
        LEGATE_TRY(
            checkRequestedValidity(*parsed, starBounds(tenant.config.star, deleg.star), now));
        order.allowCertificateGet = parsed->allowCertificateGet;
        order.notBefore = parsed->notBefore;
        order.notAfter = parsed->notAfter;
        order.expires = now + std::chrono::seconds(tenant.serve.limits.orderTtlSeconds);
    }

    auto coverage = checkDelegationFit(deleg, order.identifiers);
    LEGATE_TRY(coverage);
    if (*coverage) {
        return std::move(**coverage);
    }

    const auto& caps = tenant.config.limits;
    auto outcome =
        tenant.state.createOrder(order, {caps.openOrdersPerAccount, caps.openOrdersPerDelegation});
    LEGATE_TRY(outcome);
    if (outcome->reason == "limit") {
        // Nothing was stored (the cap is checked in the creating script).
        const auto space = outcome->detail.find(' ');
        const std::string which = outcome->detail.substr(0, space);
        int64_t seconds = 60;
        if (space != std::string::npos) {
            const auto text = std::string_view(outcome->detail).substr(space + 1);
            std::from_chars(text.data(), text.data() + text.size(), seconds);
        }
        const int64_t cap =
            which == "account" ? caps.openOrdersPerAccount : caps.openOrdersPerDelegation;
        return rateLimitedProblem(
            std::chrono::seconds(seconds),
            "this " + which + " already has " + std::to_string(cap) +
                " open (ready or processing) orders, the most this server allows; finalize "
                "or let some of them end first");
    }
    if (outcome->reason == "unknown-delegation") {
        return Problem::make(ErrorType::unknownDelegation,
                             "the delegation is not available to this account");
    }
    if (outcome->reason == "account-not-valid") {
        return Problem::make(ErrorType::unauthorized, "the account is not valid", 401);
    }
    if (!outcome->ok()) {
        return internal("order creation failed: " + outcome->reason);
    }
    return reloadedOrder(tenant, order.id, 201);
}

Result<Response> orderResource(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::Either);
    LEGATE_TRY(auth);
    auto order = ownedOrder(tenant, request.param("id"), *auth->account);
    LEGATE_TRY(order);
    if (auth->postAsGet()) {
        return orderResponse(200, *order, tenant.urls);
    }
    const auto& payload = auth->payload;
    auto status = payload.find("status");
    if (status == payload.end() || *status != "canceled") {
        return Problem::make(ErrorType::malformed,
                             "the only update of an order is {\"status\": \"canceled\"}");
    }
    auto outcome = tenant.state.cancelOrder(order->id);
    LEGATE_TRY(outcome);
    if (outcome->reason == "invalid-state") {
        return Problem::make(ErrorType::autoRenewalCancellationInvalid,
                             "only a valid STAR order can be canceled; this one is " +
                                 (outcome->detail.empty() ? order->status : outcome->detail));
    }
    if (!outcome->ok()) {
        return internal("cancel failed: " + outcome->reason);
    }
    // At once in this process; the other processes hear it on the events channel.
    tenant.publications.invalidate(order->certToken);
    return reloadedOrder(tenant, order->id, 200);
}

/// An implicitly delegated order's authorization (OrderJson.h); any other is unknown.
Result<Response> authorizationResource(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::PostAsGet);
    LEGATE_TRY(auth);
    auto order = ownedOrder(tenant, request.param("id"), *auth->account);
    LEGATE_TRY(order);
    const std::string index = request.param("index");
    const bool digits = !index.empty() && index.size() < 4 &&
                        index.find_first_not_of("0123456789") == std::string::npos;
    if (!order->implicit || !digits || std::stoul(index) >= order->identifiers.size()) {
        return Problem::make(ErrorType::malformed, "no such authorization", 404);
    }
    return Response::json(200, authorizationJson(*order, std::stoul(index)));
}

Result<Response> orderList(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::PostAsGet);
    LEGATE_TRY(auth);
    const AccountRecord& account = *auth->account;
    LEGATE_TRY(requireListOwner(request, account));
    auto cursor = parseCursor(request.target());
    LEGATE_TRY(cursor);
    auto page = tenant.state.ordersOfAccount(account.id, *cursor, tenant.serve.limits.pageSize);
    LEGATE_TRY(page);
    nlohmann::json urls = nlohmann::json::array();
    for (const auto& id : page->ids) {
        auto o = tenant.state.order(id);
        LEGATE_TRY(o);
        if (*o && (*o)->status != "invalid") {
            urls.push_back(tenant.urls.order(id));
        }
    }
    auto response = Response::json(200, {{"orders", urls}});
    if (page->next) {
        response.link(pageUrl(tenant.urls.accountOrders(account.id), *page->next), "next");
    }
    return response;
}

Result<Response> finalize(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::Object);
    LEGATE_TRY(auth);
    auto order = ownedOrder(tenant, request.param("id"), *auth->account);
    LEGATE_TRY(order);
    auto notReady = [&](const std::string& status) {
        return Problem::make(ErrorType::orderNotReady,
                             "the order is " + status + ", not ready for finalization");
    };
    // RFC 8555 section 7.1.6: an order past `expires` is invalid; the scripts below make
    // it so (and free its open-order slot) even if the sweep has not come by yet.
    auto expired = [&] {
        return Problem::make(ErrorType::orderNotReady,
                             "the order expired at " + toRfc3339(order->expires) +
                                 " and is now invalid; create a new order");
    };
    if (order->status != "ready") {
        return notReady(order->status);
    }
    auto csr = finalizeCsrDer(auth->payload);
    LEGATE_TRY(csr);
    auto delegation = tenant.state.delegation(order->delegationId);
    LEGATE_TRY(delegation);
    if (!*delegation) {
        return internal("the order's delegation is missing");
    }
    std::vector<crypto::PublicKey> upstreamKeys;
    if (auto key = tenant.upstreamAccountKey()) {
        upstreamKeys.push_back(std::move(*key));
    }
    auto verdict = checkFinalizeCsr(tenant.state, **delegation, *order, *csr, upstreamKeys);
    LEGATE_TRY(verdict);
    if (*verdict) {
        auto outcome = tenant.state.rejectFinalize(order->id, **verdict);
        LEGATE_TRY(outcome);
        if (outcome->reason == "expired") {
            return expired();
        }
        if (!outcome->ok()) {
            return notReady(outcome->detail);
        }
        return std::move(**verdict);
    }
    const auto& der = csr->der();
    auto outcome = tenant.state.acceptFinalize(order->id, std::string(der.begin(), der.end()));
    LEGATE_TRY(outcome);
    if (outcome->reason == "expired") {
        return expired();
    }
    if (!outcome->ok()) {
        return notReady(outcome->detail);
    }
    return reloadedOrder(tenant, order->id, 200);
}

// ---- certificate publication ----

PublicationConditions conditionsOf(const Request& request) {
    return {request.header("If-None-Match"), request.header("If-Modified-Since")};
}

Result<Response> certificateGet(Request& request, TenantContext& tenant) {
    return publicationGet(tenant, request.param("token"), conditionsOf(request));
}

Result<Response> certificatePost(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::PostAsGet);
    LEGATE_TRY(auth);
    auto record = cachedPublication(tenant, request.param("token"));
    LEGATE_TRY(record);
    if (*record) {
        auto order = tenant.state.order((*record)->orderId);
        LEGATE_TRY(order);
        if (!*order || (*order)->accountId != auth->account->id) {
            return publicationResponse(std::nullopt, tenant.state.clock().now());
        }
    }
    return publicationResponse(*record, tenant.state.clock().now(), conditionsOf(request));
}

}  // namespace

void addOrderRoutes(http::Router& router, const AcmeServices& services) {
    router.add("POST", "/acme/{tenant}/acct/{id}/delegations", acmeRoute(services, delegationList));
    router.add("POST", "/acme/{tenant}/delegation/{id}", acmeRoute(services, delegationObject));
    router.add("POST", "/acme/{tenant}/new-order", acmeRoute(services, newOrder));
    router.add("POST", "/acme/{tenant}/order/{id}", acmeRoute(services, orderResource));
    router.add("POST", "/acme/{tenant}/order/{id}/authz/{index}",
               acmeRoute(services, authorizationResource));
    router.add("POST", "/acme/{tenant}/acct/{id}/orders", acmeRoute(services, orderList));
    router.add("POST", "/acme/{tenant}/order/{id}/finalize", acmeRoute(services, finalize));
    router.add({"GET", "HEAD"}, "/acme/{tenant}/cert/{token}",
               acmeRoute(services, certificateGet, AcmeRouteOptions{.replayNonce = false}));
    router.add("POST", "/acme/{tenant}/cert/{token}", acmeRoute(services, certificatePost));
}

}  // namespace legate::ido
