#include "idO/acme/AccountRoutes.h"

#include <optional>
#include <string>

#include "broker/crypto/Certificate.h"
#include "broker/http/ProblemResponse.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jwk.h"
#include "idO/acme/AccountContacts.h"
#include "idO/acme/AcmeRoute.h"
#include "idO/acme/RequestAuthenticator.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;
using http::Request;
using http::Response;

Problem unauthorized(std::string detail, int status = 401) {
    return Problem::make(ErrorType::unauthorized, std::move(detail), status);
}

Problem unexpected(const std::string& what, const Outcome& outcome) {
    return Problem::make(ErrorType::serverInternal,
                         what + ": unexpected state (" + outcome.reason + ")");
}

/// An optional boolean member: nullopt when absent, malformed when not a boolean.
Result<std::optional<bool>> optionalBool(const nlohmann::json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end()) {
        return std::optional<bool>();
    }
    if (!it->is_boolean()) {
        return Problem::make(ErrorType::malformed, std::string(name) + " must be a boolean");
    }
    return std::optional<bool>(it->get<bool>());
}

/// The account object (RFC 8555 §7.1.2 plus RFC 9115's `delegations`).  Only members
/// the server owns: nothing the client sent is echoed except a verified EAB.
nlohmann::json accountJson(const TenantContext& tenant, const AccountRecord& account,
                           const nlohmann::json& verifiedEab = nullptr) {
    nlohmann::json doc = {
        {"status", account.status},
        {"contact", account.contact},
        {"orders", tenant.urls.accountOrders(account.id)},
        {"delegations", tenant.urls.accountDelegations(account.id)},
    };
    if (!tenant.config.termsOfService.empty()) {
        doc["termsOfServiceAgreed"] = true;  // newAccount refuses anyone who did not agree
    }
    if (!verifiedEab.is_null()) {
        doc["externalAccountBinding"] = verifiedEab;
    }
    return doc;
}

Response accountResponse(int status, const TenantContext& tenant, const AccountRecord& account,
                         const nlohmann::json& verifiedEab = nullptr) {
    auto response = Response::json(status, accountJson(tenant, account, verifiedEab));
    response.location(tenant.urls.account(account.id));
    return response;
}

/// A fresh read (not the cache): the answer to a change must show the change.
Result<AccountRecord> freshAccount(TenantContext& tenant, const std::string& id) {
    auto account = tenant.state.account(id);
    LEGATE_TRY(account);
    if (!*account) {
        return Problem::make(ErrorType::accountDoesNotExist, "no such account");
    }
    return std::move(**account);
}

// ---- directory and nonces ----

Result<Response> directory(Request& request, TenantContext& tenant) {
    if (request.method() == "POST") {
        LEGATE_TRY(authenticate(request, tenant, KeyMode::JwkOrKid, PayloadMode::PostAsGet));
    }
    nlohmann::json meta = {
        {"externalAccountRequired", true},
        {"delegation-enabled", true},
        {"allow-certificate-get", true},
        {"auto-renewal",
         {{"min-lifetime", tenant.config.star.minLifetime},
          {"max-duration", tenant.config.star.maxDuration},
          {"allow-certificate-get", true}}},
    };
    if (!tenant.config.termsOfService.empty()) {
        meta["termsOfService"] = tenant.config.termsOfService;
    }
    if (!tenant.config.website.empty()) {
        meta["website"] = tenant.config.website;
    }
    const auto& urls = tenant.urls;
    return Response::json(200, {{"newNonce", urls.newNonce()},
                                {"newAccount", urls.newAccount()},
                                {"newOrder", urls.newOrder()},
                                {"revokeCert", urls.revokeCert()},
                                {"keyChange", urls.keyChange()},
                                {"meta", meta}});
}

/// The nonce itself is added by acmeRoute, as on every answer.
Result<Response> newNonce(Request& request, TenantContext& tenant) {
    int status = 200;  // HEAD and POST-as-GET
    if (request.method() == "GET") {
        status = 204;
    } else if (request.method() == "POST") {
        LEGATE_TRY(authenticate(request, tenant, KeyMode::JwkOrKid, PayloadMode::Either));
    }
    Response response(status);
    response.cacheControl("no-store");
    return response;
}

// ---- newAccount ----

/// Verifies the binding and returns the EAB record it names (still unbound).
Result<EabRecord> verifiedBinding(TenantContext& tenant, const AuthenticatedRequest& auth,
                                  const nlohmann::json& binding) {
    std::optional<Problem> storeFailure;
    std::optional<EabRecord> record;
    const wire::EabKeyLookup lookup = [&](std::string_view kid) -> std::optional<crypto::Bytes> {
        auto found = tenant.state.eab(std::string(kid));
        if (!found.ok()) {
            storeFailure = found.problem();
            return std::nullopt;
        }
        if (!*found) {
            return std::nullopt;
        }
        auto key = wire::base64UrlDecode((*found)->hmacKey);
        if (!key.ok()) {
            return std::nullopt;
        }
        record = **found;
        return std::move(key).value();
    };
    auto verified = wire::verifyExternalAccountBinding(binding, auth.key, auth.jws.url(), lookup);
    if (storeFailure) {
        return *storeFailure;
    }
    LEGATE_TRY(verified);
    if (!record || record->kid != verified->keyId) {
        return unauthorized("unknown external account binding key");
    }
    if (!record->accountId.empty()) {
        return unauthorized("external account binding already used");
    }
    return std::move(*record);
}

/// 200 with the account that already has the request's key (RFC 8555 §7.3.1).
Result<Response> existingAccount(TenantContext& tenant, const std::string& id) {
    auto account = freshAccount(tenant, id);
    LEGATE_TRY(account);
    if (!account->valid()) {
        return unauthorized("the account of this key is " + account->status);
    }
    return accountResponse(200, tenant, *account);
}

Result<Response> newAccount(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Jwk, PayloadMode::Object);
    LEGATE_TRY(auth);
    const auto& payload = auth->payload;

    auto thumbprint = wire::jwkThumbprint(auth->key);
    LEGATE_TRY(thumbprint);
    auto existing = tenant.state.accountIdByThumbprint(*thumbprint);
    LEGATE_TRY(existing);
    if (*existing) {
        return existingAccount(tenant, **existing);
    }

    auto onlyExisting = optionalBool(payload, "onlyReturnExisting");
    LEGATE_TRY(onlyExisting);
    if (onlyExisting->value_or(false)) {
        return Problem::make(ErrorType::accountDoesNotExist, "no account has this key");
    }
    auto agreed = optionalBool(payload, "termsOfServiceAgreed");
    LEGATE_TRY(agreed);
    if (!tenant.config.termsOfService.empty() && !agreed->value_or(false)) {
        return Problem::make(ErrorType::malformed, "you must agree to the terms of service (" +
                                                       tenant.config.termsOfService +
                                                       "): set termsOfServiceAgreed to true");
    }
    std::vector<std::string> contacts;
    if (const auto it = payload.find("contact"); it != payload.end()) {
        auto parsed = parseContacts(*it);
        LEGATE_TRY(parsed);
        contacts = std::move(parsed).value();
    }
    const auto binding = payload.find("externalAccountBinding");
    if (binding == payload.end()) {
        return Problem::make(ErrorType::externalAccountRequired,
                             "this server requires an external account binding (the EAB key "
                             "the identifier owner gave you)");
    }
    auto eab = verifiedBinding(tenant, *auth, *binding);
    LEGATE_TRY(eab);

    AccountRecord account;
    account.id = newId();
    auto jwk = wire::toJwk(auth->key);
    LEGATE_TRY(jwk);
    account.jwk = std::move(jwk).value();
    account.thumbprint = *thumbprint;
    account.contact = std::move(contacts);
    auto outcome = tenant.state.bindAccount(account, eab->kid);
    LEGATE_TRY(outcome);
    if (outcome->reason == "key-exists") {  // a concurrent newAccount with the same key won
        return existingAccount(tenant, outcome->detail);
    }
    if (outcome->reason == "eab-used") {
        return unauthorized("external account binding already used");
    }
    if (outcome->reason == "no-eab") {
        return unauthorized("unknown external account binding key");
    }
    if (!outcome->ok()) {
        return unexpected("newAccount", *outcome);
    }
    return accountResponse(201, tenant, account, *binding);
}

// ---- the account URL: fetch, update, deactivate ----

Result<Response> accountUrl(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::Either);
    LEGATE_TRY(auth);
    const std::string id = auth->account->id;
    if (request.param("id") != id) {
        return unauthorized("the request is signed by another account", 403);
    }
    if (auth->postAsGet()) {
        return accountResponse(200, tenant, *auth->account);
    }
    const auto& payload = auth->payload;
    if (const auto status = payload.find("status"); status != payload.end()) {
        if (!status->is_string() || *status != "deactivated") {
            return Problem::make(ErrorType::malformed,
                                 "the only status a client may set is \"deactivated\"");
        }
        auto outcome = tenant.state.deactivateAccount(id);
        LEGATE_TRY(outcome);
        tenant.accounts.invalidate(id);
        if (outcome->reason == "not-valid") {
            return unauthorized("account is " + outcome->detail);
        }
        if (!outcome->ok()) {
            return unexpected("deactivate", *outcome);
        }
    } else if (const auto contact = payload.find("contact"); contact != payload.end()) {
        auto contacts = parseContacts(*contact);
        LEGATE_TRY(contacts);
        auto outcome = tenant.state.updateContact(id, *contacts);
        LEGATE_TRY(outcome);
        tenant.accounts.invalidate(id);
        if (outcome->reason == "not-valid") {
            return unauthorized("account is " + outcome->detail);
        }
        if (!outcome->ok()) {
            return unexpected("update contact", *outcome);
        }
    }
    auto account = freshAccount(tenant, id);
    LEGATE_TRY(account);
    return accountResponse(200, tenant, *account);
}

// ---- keyChange (RFC 8555 §7.3.5) ----

/// 409 with the Location of the account that already holds the new key.
Response keyInUse(const TenantContext& tenant, const std::string& holder) {
    auto response = http::problemResponse(
        Problem::make(ErrorType::malformed, "the new key is already in use by an account", 409));
    response.location(tenant.urls.account(holder));
    return response;
}

Result<Response> keyChange(Request& request, TenantContext& tenant) {
    // (1) the outer JWS: a valid account, kid, nonce, url
    auto auth = authenticate(request, tenant, KeyMode::Kid, PayloadMode::Object);
    LEGATE_TRY(auth);
    const AccountRecord& account = *auth->account;
    // (2) the payload is a JWS; (3) with a jwk and no nonce
    auto inner = wire::Jws::fromJson(auth->payload, wire::JwsOptions::keyChangeInner());
    LEGATE_TRY(inner);
    auto newKey = inner->embeddedKey();
    LEGATE_TRY(newKey);
    // (4) signed by the new key
    LEGATE_TRY(inner->verify(*newKey));
    // (5) a keyChange object
    auto change = inner->payloadJson();
    LEGATE_TRY(change);
    const auto accountMember = change->find("account");
    const auto oldKey = change->find("oldKey");
    if (accountMember == change->end() || !accountMember->is_string() || oldKey == change->end() ||
        !oldKey->is_object()) {
        return Problem::make(ErrorType::malformed,
                             "keyChange payload must have \"account\" (string) and "
                             "\"oldKey\" (JWK)");
    }
    // (6) same url inside and out
    if (inner->url() != auth->jws.url()) {
        return Problem::make(ErrorType::malformed,
                             "inner and outer JWS of keyChange must have the same url");
    }
    // (7) the account named inside is the one signing outside
    if (*accountMember != tenant.urls.account(account.id)) {
        return unauthorized("keyChange account does not match the kid of the request", 403);
    }
    // (8) oldKey is the account's current key
    auto same = wire::sameKey(*oldKey, account.jwk);
    LEGATE_TRY(same);
    if (!*same) {
        return unauthorized("oldKey is not the account's current key", 403);
    }
    // (9) nobody has the new key yet
    auto newThumbprint = wire::jwkThumbprint(*newKey);
    LEGATE_TRY(newThumbprint);
    auto holder = tenant.state.accountIdByThumbprint(*newThumbprint);
    LEGATE_TRY(holder);
    if (*holder) {
        return keyInUse(tenant, **holder);
    }
    auto newJwk = wire::toJwk(*newKey);
    LEGATE_TRY(newJwk);
    auto outcome = tenant.state.changeKey(account.id, account.thumbprint, *newThumbprint, *newJwk);
    LEGATE_TRY(outcome);
    tenant.accounts.invalidate(account.id);
    if (outcome->reason == "key-exists") {
        return keyInUse(tenant, outcome->detail);
    }
    if (outcome->reason == "not-valid") {
        return unauthorized("account is " + outcome->detail);
    }
    if (outcome->reason == "old-key-mismatch") {
        return unauthorized("the account key changed meanwhile", 403);
    }
    if (!outcome->ok()) {
        return unexpected("keyChange", *outcome);
    }
    auto updated = freshAccount(tenant, account.id);
    LEGATE_TRY(updated);
    return accountResponse(200, tenant, *updated);
}

// ---- revokeCert ----

/// RFC 5280 CRLReason values a subscriber may ask for (7 is unused, 8 removeFromCRL
/// and 10 aACompromise belong to CAs).
bool allowedReason(int64_t reason) {
    return reason >= 0 && reason <= 9 && reason != 7 && reason != 8;
}

Result<Response> revokeCert(Request& request, TenantContext& tenant) {
    auto auth = authenticate(request, tenant, KeyMode::JwkOrKid, PayloadMode::Object);
    LEGATE_TRY(auth);
    const auto& payload = auth->payload;
    const auto certificate = payload.find("certificate");
    if (certificate == payload.end() || !certificate->is_string()) {
        return Problem::make(ErrorType::malformed, "certificate (base64url DER) is required");
    }
    auto der = wire::base64UrlDecode(certificate->get<std::string>());
    if (!der.ok()) {
        return Problem::make(ErrorType::malformed, "certificate is not base64url");
    }
    auto parsed = crypto::Certificate::fromDer(*der);
    if (!parsed.ok()) {
        return Problem::make(ErrorType::malformed, "certificate is not a DER X.509 certificate");
    }
    if (const auto reason = payload.find("reason"); reason != payload.end()) {
        if (!reason->is_number_integer() || !allowedReason(reason->get<int64_t>())) {
            return Problem::make(ErrorType::badRevocationReason,
                                 "reason must be one of 0, 1, 2, 3, 4, 5, 6, 9");
        }
    }
    // Certificates of this server are issued upstream to the identifier owner's CA
    // account: the IdO ends a delegation (admin API), the NDC cannot revoke.
    return unauthorized(
        "certificates delegated by this server are revoked by the identifier owner; ask it "
        "to end the delegation",
        403);
}

}  // namespace

void addAccountRoutes(http::Router& router, const AcmeServices& services) {
    router.add("GET", "/acme/{tenant}/directory",
               acmeRoute(services, directory, {.replayNonce = false, .indexLink = false}));
    router.add("POST", "/acme/{tenant}/directory",
               acmeRoute(services, directory, {.replayNonce = true, .indexLink = false}));
    router.add({"HEAD", "GET", "POST"}, "/acme/{tenant}/new-nonce", acmeRoute(services, newNonce));
    router.add("POST", "/acme/{tenant}/new-account", acmeRoute(services, newAccount));
    router.add("POST", "/acme/{tenant}/acct/{id}", acmeRoute(services, accountUrl));
    router.add("POST", "/acme/{tenant}/key-change", acmeRoute(services, keyChange));
    router.add("POST", "/acme/{tenant}/revoke-cert", acmeRoute(services, revokeCert));
}

}  // namespace legate::ido
