// Hostile newAccount and account requests (RFC 8555 §7.3, §7.3.4 External Account
// Binding; digest §4.7): every refusal leaves the NDC unbound and no account behind,
// plus the resources that do not exist or do not take GET.

#include "broker/wire/Jws.h"
#include "tests/idO/hostile/HostileCase.h"

namespace legate::ido {
namespace {

/// newAccount by a fresh key with `payload(ctx, client)`.
HostileCase newAccount(std::string name, int status, std::string error,
                       std::function<nlohmann::json(HostileContext&, AcmeTestClient&)> payload) {
    return {std::move(name), kAccounts, status, std::move(error), [payload](HostileContext& ctx) {
                auto& c = ctx.client("example", false);
                const auto url = c.urls().newAccount();
                const auto body = c.signedBody(url, payload(ctx, c));
                return Attack{[&c, url, body] { return c.rawPost(url, body); }};
            }};
}

/// A fresh NDC's EAB key id and HMAC key.
TenantState::NewNdc freshNdc(HostileContext& ctx, const std::string& tenant = "example") {
    auto ndc = ctx.tenant(tenant).state.createNdc("cdn", "mailto:ops@cdn.example");
    EXPECT_TRUE(ndc.ok());
    return *ndc;
}

/// newAccount with a correct EAB for a fresh NDC and these contacts.
HostileCase withContacts(std::string name, std::string error, nlohmann::json contacts) {
    return newAccount(
        std::move(name), 400, std::move(error), [contacts](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx);
            return nlohmann::json{
                {"termsOfServiceAgreed", true},
                {"contact", contacts},
                {"externalAccountBinding", c.eabBinding(ndc.ndc.eabKid, ndc.hmacKey)}};
        });
}

/// A plain request without a JWS (GET, HEAD, unknown tenant...).
HostileCase plain(std::string name, unsigned needs, int status, std::string error,
                  std::string method, std::function<std::string(HostileContext&)> url) {
    return {std::move(name), needs, status, std::move(error), [method, url](HostileContext& ctx) {
                auto& c = ctx.client("example", false);
                const auto target = url(ctx);
                return Attack{[&c, method, target] { return c.request(method, target); }};
            }};
}

/// The pieces of a keyChange request (RFC 8555 §7.3.5), correct until a case spoils one.
struct KeyChangeParts {
    AcmeTestClient* client = nullptr;
    nlohmann::json newJwk;
    nlohmann::json change;  ///< {"account", "oldKey"}
    std::string innerUrl;
    std::optional<std::string> innerNonce;
    bool innerSignedByOldKey = false;
    bool newKeyOfAnAccount = false;            ///< the new key already belongs to another account
    std::optional<nlohmann::json> rawPayload;  ///< replaces the inner JWS
};

HostileCase keyChange(std::string name, int status, std::string error,
                      std::function<void(KeyChangeParts&)> spoil) {
    return {std::move(name), kAccounts, status, std::move(error), [spoil](HostileContext& ctx) {
                auto& c = ctx.ndc();
                auto& spare = ctx.client("example", /*onboard=*/false);  // holds the new key
                KeyChangeParts p;
                p.client = &c;
                p.newJwk = spare.publicJwk();
                p.innerUrl = c.urls().keyChange();
                p.change = {{"account", c.accountUrl()}, {"oldKey", c.publicJwk()}};
                spoil(p);

                // The inner JWS: jwk = the new key, no nonce, signed by the new key.
                JwsOverrides inner;
                inner.key = JwsOverrides::KeyRef::Jwk;
                inner.jwk = p.newJwk;
                inner.signer = &spare.key();
                inner.omitNonce = !p.innerNonce;
                inner.nonce = p.innerNonce;
                if (p.innerSignedByOldKey) {
                    inner.signer = &c.key();
                }
                if (p.newKeyOfAnAccount) {
                    auto& holder = ctx.client();
                    inner.signer = &holder.key();
                    inner.jwk = holder.publicJwk();
                }
                const auto innerJws =
                    nlohmann::json::parse(c.signedBody(p.innerUrl, p.change, inner));
                const auto url = c.urls().keyChange();
                const auto body = c.signedBody(url, p.rawPayload ? *p.rawPayload : innerJws);
                return Attack{[&c, url, body] { return c.rawPost(url, body); }};
            }};
}

}  // namespace

std::vector<HostileCase> accountCases() {
    std::vector<HostileCase> cases;

    // ---- External Account Binding ----
    cases.push_back(newAccount("NewAccountWithoutEab", 400, "externalAccountRequired",
                               [](HostileContext&, AcmeTestClient&) {
                                   return nlohmann::json{{"termsOfServiceAgreed", true},
                                                         {"contact", {"mailto:a@cdn.example"}}};
                               }));
    cases.push_back(newAccount(
        "EabWithWrongMac", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx);
            // Another NDC's HMAC key under this NDC's key id.
            const auto other = freshNdc(ctx);
            return nlohmann::json{
                {"externalAccountBinding", c.eabBinding(ndc.ndc.eabKid, other.hmacKey)}};
        }));
    cases.push_back(newAccount(
        "EabUnknownKeyId", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx);
            return nlohmann::json{
                {"externalAccountBinding", c.eabBinding("no-such-eab-key-id", ndc.hmacKey)}};
        }));
    cases.push_back(newAccount(
        "EabOfAnotherTenant", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx, "other");
            return nlohmann::json{
                {"externalAccountBinding", c.eabBinding(ndc.ndc.eabKid, ndc.hmacKey)}};
        }));
    cases.push_back(newAccount(
        "EabAlreadyUsed", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx);
            auto& first = ctx.client("example", false);
            auto bound = first.registerWithEab(ndc.ndc.eabKid, ndc.hmacKey);
            EXPECT_EQ(bound.status, 201) << bound.describe();
            return nlohmann::json{
                {"externalAccountBinding", c.eabBinding(ndc.ndc.eabKid, ndc.hmacKey)}};
        }));
    cases.push_back(newAccount(
        "EabPayloadIsAnotherKey", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient&) {
            const auto ndc = freshNdc(ctx);
            auto& other = ctx.client("example", false);
            return nlohmann::json{
                {"externalAccountBinding", other.eabBinding(ndc.ndc.eabKid, ndc.hmacKey)}};
        }));
    cases.push_back(newAccount(
        "EabForAnotherUrl", 401, "unauthorized", [](HostileContext& ctx, AcmeTestClient& c) {
            const auto ndc = freshNdc(ctx);
            return nlohmann::json{{"externalAccountBinding",
                                   c.eabBinding(ndc.ndc.eabKid, ndc.hmacKey, c.urls().newOrder())}};
        }));
    cases.push_back(
        newAccount("EabNotAJws", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            return nlohmann::json{{"externalAccountBinding", "kid:mac"}};
        }));
    cases.push_back(newAccount("EabSignedWithAnAccountAlgorithm", 400, "malformed",
                               [](HostileContext& ctx, AcmeTestClient& c) {
                                   const auto ndc = freshNdc(ctx);
                                   wire::JwsHeader header;
                                   header.url = c.urls().newAccount();
                                   header.kid = ndc.ndc.eabKid;
                                   auto jws = wire::signJwsObject(c.key(), c.publicJwk(), header);
                                   EXPECT_TRUE(jws.ok());
                                   return nlohmann::json{{"externalAccountBinding", *jws}};
                               }));

    // ---- contacts ----
    cases.push_back(withContacts("ContactWithHfields", "invalidContact",
                                 {"mailto:ops@cdn.example?subject=hello"}));
    cases.push_back(withContacts("ContactWithTwoAddresses", "invalidContact",
                                 {"mailto:a@cdn.example,b@cdn.example"}));
    cases.push_back(withContacts("ContactNotAUrl", "invalidContact", {"ops@cdn.example"}));
    cases.push_back(
        withContacts("ContactUnsupportedScheme", "unsupportedContact", {"tel:+15555550100"}));
    cases.push_back(withContacts("ContactNotAnArray", "malformed", "mailto:ops@cdn.example"));

    // ---- other newAccount faults ----
    cases.push_back(newAccount("OnlyReturnExistingForUnknownKey", 400, "accountDoesNotExist",
                               [](HostileContext&, AcmeTestClient&) {
                                   return nlohmann::json{{"onlyReturnExisting", true}};
                               }));
    cases.push_back(newAccount("OnlyReturnExistingNotBoolean", 400, "malformed",
                               [](HostileContext&, AcmeTestClient&) {
                                   return nlohmann::json{{"onlyReturnExisting", "yes"}};
                               }));

    // ---- the account URL ----
    cases.push_back(
        {"UpdateOfAnotherAccount", kAccounts, 403, "unauthorized", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             auto& victim = ctx.client();
             const auto url = victim.accountUrl();
             const auto body = c.signedBody(url, nlohmann::json{{"status", "deactivated"}});
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});
    cases.push_back(
        {"AccountStatusOtherThanDeactivated", kAccounts, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto url = c.accountUrl();
             const auto body = c.signedBody(url, nlohmann::json{{"status", "revoked"}});
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});

    // ---- keyChange (RFC 8555 §7.3.5) ----
    cases.push_back(keyChange("KeyChangeInnerWithNonce", 400, "malformed",
                              [](KeyChangeParts& p) { p.innerNonce = p.client->fetchNonce(); }));
    cases.push_back(keyChange("KeyChangeInnerForAnotherUrl", 400, "malformed",
                              [](KeyChangeParts& p) { p.innerUrl = p.client->urls().newOrder(); }));
    cases.push_back(keyChange(
        "KeyChangeForAnotherAccount", 403, "unauthorized",
        [](KeyChangeParts& p) { p.change["account"] = p.client->urls().account("someoneelse"); }));
    cases.push_back(keyChange("KeyChangeWithWrongOldKey", 403, "unauthorized",
                              [](KeyChangeParts& p) { p.change["oldKey"] = p.newJwk; }));
    cases.push_back(keyChange("KeyChangeInnerNotAJws", 400, "malformed",
                              [](KeyChangeParts& p) { p.rawPayload = p.change; }));
    cases.push_back(keyChange("KeyChangeInnerSignedByTheOldKey", 401, "unauthorized",
                              [](KeyChangeParts& p) { p.innerSignedByOldKey = true; }));
    cases.push_back(keyChange("KeyChangeToAKeyInUseIs409", 409, "malformed",
                              [](KeyChangeParts& p) { p.newKeyOfAnAccount = true; }));

    // ---- directory, revokeCert ----
    cases.push_back(
        {"DirectoryPostWithPayload", kAccounts, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto url = c.urls().directory();
             const auto body = c.signedBody(url, nlohmann::json::object());
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});
    cases.push_back(
        {"RevokeCertWithoutCertificate", kAccounts, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto url = c.urls().revokeCert();
             const auto body = c.signedBody(url, nlohmann::json{{"reason", 1}});
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});
    cases.push_back(
        {"RevokeCertNotACertificate", kAccounts, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto url = c.urls().revokeCert();
             const auto body = c.signedBody(url, nlohmann::json{{"certificate", "bm90IGEgY2VydA"}});
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});

    // ---- methods and tenants ----
    cases.push_back(plain("GetOnNewAccountIs405", kAccounts, 405, "malformed", "GET",
                          [](HostileContext& ctx) { return ctx.tenant().urls.newAccount(); }));
    cases.push_back(plain("GetOnAccountUrlIs405", kAccounts, 405, "malformed", "GET",
                          [](HostileContext& ctx) { return ctx.ndc().accountUrl(); }));
    cases.push_back(plain("GetOnKeyChangeIs405", kAccounts, 405, "malformed", "GET",
                          [](HostileContext& ctx) { return ctx.tenant().urls.keyChange(); }));
    cases.push_back(plain("UnknownTenantDirectoryIs404", kAccounts, 404, "malformed", "GET",
                          [](HostileContext& ctx) {
                              return AcmeUrls(ctx.env().acmeUrl(), "nosuchtenant").directory();
                          }));
    cases.push_back(plain("UnknownTenantNewNonceIs404", kAccounts, 404, "malformed", "GET",
                          [](HostileContext& ctx) {
                              return AcmeUrls(ctx.env().acmeUrl(), "nosuchtenant").newNonce();
                          }));
    cases.push_back(
        {"UnknownTenantNewAccountIs404", kAccounts, 404, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.client("example", false);
             const auto url = AcmeUrls(ctx.env().acmeUrl(), "nosuchtenant").newAccount();
             JwsOverrides o;
             o.nonce = c.fetchNonce();
             const auto body = c.signedBody(url, nlohmann::json{{"termsOfServiceAgreed", true}}, o);
             return Attack{[&c, url, body] { return c.rawPost(url, body); }};
         }});
    cases.push_back(plain("UnknownPathIs404", kAccounts, 404, "malformed", "GET",
                          [](HostileContext& ctx) { return ctx.tenant().urls.root() + "/admin"; }));
    return cases;
}

}  // namespace legate::ido
