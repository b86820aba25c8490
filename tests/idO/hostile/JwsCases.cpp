// Hostile JWS bodies (spec digest §4.2, §4.3; RequestAuthenticator.h steps 1-8): the
// transport, the flattened serialization, the protected header, the algorithm, the
// signature, the nonce, the url, the key reference and the payload.  jwk cases go to
// new-account (a fresh key, no account), kid cases to the client's own account URL.

#include "broker/wire/Base64Url.h"
#include "tests/idO/hostile/HostileCase.h"

namespace legate::ido {
namespace {

using Sig = JwsOverrides::Signature;
using Ref = JwsOverrides::KeyRef;

/// A newAccount payload that, if the JWS were accepted, would be answered with
/// externalAccountRequired: so any other answer comes from the JWS check.
nlohmann::json registration() {
    return {{"termsOfServiceAgreed", true}};
}

/// A case against new-account signed by an unregistered key, with `overrides`.
HostileCase onNewAccount(std::string name, int status, std::string error,
                         std::function<JwsOverrides(HostileContext&, AcmeTestClient&)> overrides,
                         std::string contentType = kJoseJson) {
    return {std::move(name), kAccounts, status, std::move(error),
            [overrides, contentType](HostileContext& ctx) {
                auto& c = ctx.client("example", /*onboard=*/false);
                const auto url = c.urls().newAccount();
                const auto body = c.signedBody(url, registration(), overrides(ctx, c));
                return Attack{
                    [&c, url, body, contentType] { return c.rawPost(url, body, contentType); }};
            }};
}

/// A case against the client's own account URL (POST-as-GET), with `overrides`.
HostileCase onAccountUrl(std::string name, int status, std::string error,
                         std::function<JwsOverrides(HostileContext&, AcmeTestClient&)> overrides) {
    return {std::move(name), kAccounts, status, std::move(error), [overrides](HostileContext& ctx) {
                auto& c = ctx.ndc();
                const auto url = c.accountUrl();
                const auto body = c.signedBody(url, std::nullopt, overrides(ctx, c));
                return Attack{[&c, url, body] { return c.rawPost(url, body); }};
            }};
}

/// A case that mutates the flattened JWS object of a correct newAccount request.
HostileCase mutated(std::string name, std::function<void(nlohmann::json&)> mutate) {
    return onNewAccount(std::move(name), 400, "malformed",
                        [mutate](HostileContext&, AcmeTestClient&) {
                            JwsOverrides o;
                            o.mutate = mutate;
                            return o;
                        });
}

/// The answer must carry a fresh nonce (RFC 8555 §6.5: MUST on badNonce).
void hasFreshNonce(const AcmeReply& reply) {
    EXPECT_TRUE(reply.replayNonce().has_value() && !reply.replayNonce()->empty())
        << "badNonce without a fresh Replay-Nonce: " << reply.describe();
}

HostileCase badNonce(std::string name,
                     std::function<JwsOverrides(HostileContext&, AcmeTestClient&)> overrides) {
    auto c = onNewAccount(std::move(name), 400, "badNonce", std::move(overrides));
    auto prepare = c.prepare;
    c.prepare = [prepare](HostileContext& ctx) {
        auto attack = prepare(ctx);
        attack.check = hasFreshNonce;
        return attack;
    };
    return c;
}

/// A POST whose body is `body` exactly (no JWS at all).
HostileCase rawBody(std::string name, int status, std::function<std::string()> body) {
    return {std::move(name), kAccounts, status, "malformed", [body](HostileContext& ctx) {
                auto& c = ctx.client("example", false);
                const auto url = c.urls().newAccount();
                return Attack{[&c, url, body] {
                    return sendDespiteReset([&] { return c.rawPost(url, body()); });
                }};
            }};
}

}  // namespace

std::vector<HostileCase> jwsCases() {
    std::vector<HostileCase> cases;

    // ---- transport ----
    cases.push_back(onNewAccount(
        "WrongContentTypeIs415", 415, "malformed",
        [](HostileContext&, AcmeTestClient&) { return JwsOverrides{}; }, "application/json"));
    cases.push_back(onNewAccount(
        "FormContentTypeIs415", 415, "malformed",
        [](HostileContext&, AcmeTestClient&) { return JwsOverrides{}; },
        "application/x-www-form-urlencoded"));
    cases.push_back(rawBody("OversizeBodyIs413", 413, [] { return std::string(70 * 1024, 'x'); }));
    cases.push_back(rawBody("BodyNotJson", 400, [] { return std::string("this is not JSON"); }));
    cases.push_back(rawBody("BodyJsonArray", 400, [] { return std::string("[]"); }));
    cases.push_back(rawBody("BodyEmpty", 400, [] { return std::string(); }));

    // ---- flattened serialization ----
    cases.push_back({"DuplicateJwsMember", kAccounts, 400, "malformed", [](HostileContext& ctx) {
                         auto& c = ctx.client("example", false);
                         const auto url = c.urls().newAccount();
                         auto body = c.signedBody(url, registration());
                         body.insert(1, R"("payload":"e30",)");  // {"payload":"e30","payload":...}
                         return Attack{[&c, url, body] { return c.rawPost(url, body); }};
                     }});
    cases.push_back(mutated("GeneralSerialization", [](nlohmann::json& j) {
        j["signatures"] =
            nlohmann::json::array({{{"protected", j["protected"]}, {"signature", j["signature"]}}});
        j.erase("protected");
        j.erase("signature");
    }));
    cases.push_back(mutated("UnprotectedHeader", [](nlohmann::json& j) {
        j["header"] = {{"kid", "x"}};
    }));
    cases.push_back(mutated("MissingProtected", [](nlohmann::json& j) { j.erase("protected"); }));
    cases.push_back(mutated("MissingPayload", [](nlohmann::json& j) { j.erase("payload"); }));
    cases.push_back(mutated("MissingSignature", [](nlohmann::json& j) { j.erase("signature"); }));
    cases.push_back(mutated("UnknownJwsMember", [](nlohmann::json& j) { j["extra"] = 1; }));
    cases.push_back(
        mutated("ProtectedNotBase64Url", [](nlohmann::json& j) { j["protected"] = "eyJ!!!"; }));
    cases.push_back(mutated("PayloadWithBase64Padding", [](nlohmann::json& j) {
        j["payload"] = j["payload"].get<std::string>() + "=";
    }));
    cases.push_back(mutated("MemberNotAString", [](nlohmann::json& j) { j["signature"] = 7; }));
    cases.push_back(
        onNewAccount("EmptySignature", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.signature = Sig::Empty;
            return o;
        }));

    // ---- protected header ----
    cases.push_back(onNewAccount("ProtectedHeaderNotJson", 400, "malformed",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.protectedText = "not json";
                                     return o;
                                 }));
    cases.push_back(onNewAccount("DuplicateProtectedHeaderMember", 400, "malformed",
                                 [](HostileContext&, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     std::string text = nlohmann::json{
                                         {"alg", "ES256"},
                                         {"nonce", c.fetchNonce()},
                                         {"url", c.urls().newAccount()},
                                         {"jwk",
                                          c.publicJwk()}}.dump();
                                     text.insert(1, R"("alg":"ES256",)");
                                     o.protectedText = text;
                                     return o;
                                 }));
    cases.push_back(
        onNewAccount("B64FalseHeader", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.extraHeader = {{"b64", false}};
            return o;
        }));
    cases.push_back(
        onNewAccount("CritHeader", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.extraHeader = {{"crit", {"exp"}}, {"exp", 1}};
            return o;
        }));
    cases.push_back(
        onNewAccount("MissingUrl", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.omitUrl = true;
            return o;
        }));

    // ---- algorithm ----
    cases.push_back(
        onNewAccount("AlgNone", 400, "badSignatureAlgorithm", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.alg = "none";
            return o;
        }));
    cases.push_back(onNewAccount("AlgHs256OnAccountJws", 400, "badSignatureAlgorithm",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.signature = Sig::Hmac;
                                     return o;
                                 }));
    cases.push_back(onNewAccount("AlgUnknown", 400, "badSignatureAlgorithm",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.alg = "ES999";
                                     return o;
                                 }));
    cases.push_back(onNewAccount("AlgEs384WithP256Key", 400, "badSignatureAlgorithm",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.alg = "ES384";
                                     return o;
                                 }));
    cases.push_back(onNewAccount("AlgRs256WithEcKey", 400, "badSignatureAlgorithm",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.alg = "RS256";
                                     return o;
                                 }));

    // ---- signature ----
    cases.push_back(onNewAccount("EcdsaDerSignature", 401, "unauthorized",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.signature = Sig::Der;
                                     return o;
                                 }));
    cases.push_back(onNewAccount("TamperedSignature", 401, "unauthorized",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.signature = Sig::Tampered;
                                     return o;
                                 }));
    cases.push_back(
        onNewAccount("TamperedPayload", 401, "unauthorized", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.payloadAfterSigning = R"({"termsOfServiceAgreed":false})";
            return o;
        }));
    cases.push_back(onNewAccount("SignedByAnotherKeyThanTheJwk", 401, "unauthorized",
                                 [](HostileContext& ctx, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     o.signer = &ctx.client("example", false).key();
                                     o.jwk = c.publicJwk();
                                     return o;
                                 }));

    // ---- jwk ----
    cases.push_back(onNewAccount("JwkWithPrivateMembers", 400, "badPublicKey",
                                 [](HostileContext&, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     auto jwk = c.publicJwk();
                                     jwk["d"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
                                     o.jwk = jwk;
                                     return o;
                                 }));
    cases.push_back(onNewAccount("JwkPointNotOnCurve", 400, "badPublicKey",
                                 [](HostileContext&, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     auto jwk = c.publicJwk();
                                     auto y = jwk["y"].get<std::string>();
                                     y[5] = y[5] == 'A' ? 'B' : 'A';
                                     jwk["y"] = y;
                                     o.jwk = jwk;
                                     return o;
                                 }));
    cases.push_back(
        onNewAccount("JwkSymmetricKey", 400, "badPublicKey", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.jwk = nlohmann::json{{"kty", "oct"}, {"k", "c2VjcmV0"}};
            return o;
        }));

    // ---- nonce ----
    cases.push_back(badNonce("MissingNonce", [](HostileContext&, AcmeTestClient&) {
        JwsOverrides o;
        o.omitNonce = true;
        return o;
    }));
    cases.push_back(badNonce("ReplayedNonce", [](HostileContext&, AcmeTestClient& c) {
        const auto nonce = c.fetchNonce();
        JwsOverrides first;
        first.nonce = nonce;
        // Spend it: a correct request (refused later for lack of an EAB).
        auto spent = c.rawPost(c.urls().newAccount(),
                               c.signedBody(c.urls().newAccount(), registration(), first));
        EXPECT_EQ(spent.problemType(), urn("externalAccountRequired")) << spent.describe();
        JwsOverrides o;
        o.nonce = nonce;
        return o;
    }));
    cases.push_back(badNonce("NeverIssuedNonce", [](HostileContext&, AcmeTestClient&) {
        JwsOverrides o;
        o.nonce = wire::base64UrlEncode(std::string(48, '\x5a'));  // well-formed, forged
        return o;
    }));
    cases.push_back(badNonce("NonceOfAnotherTenant", [](HostileContext& ctx, AcmeTestClient&) {
        JwsOverrides o;
        o.nonce = ctx.client("other", false).fetchNonce();
        return o;
    }));
    cases.push_back(badNonce("GarbageNonce", [](HostileContext&, AcmeTestClient&) {
        JwsOverrides o;
        o.nonce = "!!not base64url!!";
        return o;
    }));
    cases.push_back(badNonce("TruncatedNonce", [](HostileContext&, AcmeTestClient& c) {
        JwsOverrides o;
        o.nonce = c.fetchNonce().substr(0, 10);
        return o;
    }));

    // ---- url ----
    cases.push_back(onNewAccount("UrlOfAnotherResource", 401, "unauthorized",
                                 [](HostileContext&, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     o.url = c.urls().newOrder();
                                     return o;
                                 }));
    cases.push_back(onNewAccount("UrlOfAnotherTenant", 401, "unauthorized",
                                 [](HostileContext& ctx, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.url = ctx.tenant("other").urls.newAccount();
                                     return o;
                                 }));
    cases.push_back(onNewAccount("UrlWithAnotherHostName", 401, "unauthorized",
                                 [](HostileContext& ctx, AcmeTestClient&) {
                                     JwsOverrides o;
                                     auto url = ctx.tenant().urls.newAccount();
                                     url.replace(url.find("127.0.0.1"), 9, "localhost");
                                     o.url = url;
                                     return o;
                                 }));

    // ---- key reference ----
    cases.push_back(
        onAccountUrl("BothJwkAndKid", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.key = Ref::Both;
            return o;
        }));
    cases.push_back(
        onAccountUrl("NeitherJwkNorKid", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.key = Ref::Neither;
            return o;
        }));
    cases.push_back(
        onAccountUrl("JwkOnKidEndpoint", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.key = Ref::Jwk;
            return o;
        }));
    cases.push_back(
        onNewAccount("KidOnNewAccount", 400, "malformed", [](HostileContext& ctx, AcmeTestClient&) {
            JwsOverrides o;
            o.key = Ref::Kid;
            o.kid = ctx.ndc().accountUrl();
            return o;
        }));
    cases.push_back(onAccountUrl("UnknownKid", 400, "accountDoesNotExist",
                                 [](HostileContext&, AcmeTestClient& c) {
                                     JwsOverrides o;
                                     o.kid = c.urls().account("AAAAAAAAAAAAAAAAAAAAAA");
                                     return o;
                                 }));
    cases.push_back(onAccountUrl("KidNotAnAccountUrl", 400, "accountDoesNotExist",
                                 [](HostileContext&, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.kid = "https://attacker.example/acct/1";
                                     return o;
                                 }));
    cases.push_back(onAccountUrl("KidOfAnotherTenant", 400, "accountDoesNotExist",
                                 [](HostileContext& ctx, AcmeTestClient&) {
                                     auto& foreign = ctx.client("other");
                                     JwsOverrides o;
                                     o.kid = foreign.accountUrl();
                                     o.signer = &foreign.key();
                                     return o;
                                 }));
    cases.push_back(onAccountUrl("KidWithAnotherAccountsKey", 401, "unauthorized",
                                 [](HostileContext& ctx, AcmeTestClient&) {
                                     JwsOverrides o;
                                     o.signer = &ctx.client().key();
                                     return o;
                                 }));
    cases.push_back({"DeactivatedAccount", kAccounts, 401, "unauthorized", [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto done = ctx.tenant().state.deactivateAccount(ctx.accountId(c));
                         EXPECT_TRUE(done.ok() && done->ok());
                         ctx.tenant().accounts.invalidate(ctx.accountId(c));
                         const auto url = c.accountUrl();
                         const auto body = c.signedBody(url, std::nullopt);
                         return Attack{[&c, url, body] { return c.rawPost(url, body); }};
                     }});

    // ---- payload ----
    cases.push_back(
        onNewAccount("PayloadNotAnObject", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.payloadText = "[1]";
            return o;
        }));
    cases.push_back(
        onNewAccount("PayloadNotJson", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.payloadText = "termsOfServiceAgreed=true";
            return o;
        }));
    cases.push_back(onNewAccount(
        "PayloadDuplicateMember", 400, "malformed", [](HostileContext&, AcmeTestClient&) {
            JwsOverrides o;
            o.payloadText = R"({"termsOfServiceAgreed":true,"termsOfServiceAgreed":false})";
            return o;
        }));
    cases.push_back({"PostAsGetOnNewAccount", kAccounts, 400, "malformed", [](HostileContext& ctx) {
                         auto& c = ctx.client("example", false);
                         const auto url = c.urls().newAccount();
                         const auto body = c.signedBody(url, std::nullopt);
                         return Attack{[&c, url, body] { return c.rawPost(url, body); }};
                     }});
    cases.push_back({"PayloadWhereOnlyPostAsGetIsAllowed", kAccounts | kOrders, 400, "malformed",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         const auto url = c.urls().accountOrders(ctx.accountId(c));
                         const auto body = c.signedBody(url, nlohmann::json::object());
                         return Attack{[&c, url, body] { return c.rawPost(url, body); }};
                     }});
    return cases;
}

}  // namespace legate::ido
