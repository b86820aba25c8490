// Hostile delegation-profile requests (RFC 9115 §2.3; RFC 8739 §3.1; digest §2.19, A1-A5,
// A14, A17, A21): foreign delegations, orders with forbidden or out-of-bound fields,
// finalize out of turn or with template-violating CSRs, cancellation out of turn or by
// a stranger, and resources that do not take GET.

#include "broker/crypto/Csr.h"
#include "broker/wire/Base64Url.h"
#include "tests/idO/hostile/HostileCase.h"

namespace legate::ido {
namespace {

constexpr unsigned kOrderRoutes = kAccounts | kOrders;

/// The client's signed POST of `payload` (nullopt: POST-as-GET) to `url`.
Attack signedPost(AcmeTestClient& c, const std::string& url,
                  const std::optional<nlohmann::json>& payload) {
    const auto body = c.signedBody(url, payload);
    return Attack{[&c, url, body] { return c.rawPost(url, body); }};
}

/// newOrder by the main client under its own delegation, with the payload spoiled by
/// `spoil`.
HostileCase spoiledOrder(std::string name, std::string error,
                         std::function<void(HostileContext&, nlohmann::json&)> spoil,
                         int status = 400) {
    return {std::move(name), kOrderRoutes, status, std::move(error), [spoil](HostileContext& ctx) {
                auto& c = ctx.ndc();
                auto order = ctx.starOrder(ctx.delegation(c).url);
                spoil(ctx, order);
                return signedPost(c, c.urls().newOrder(), order);
            }};
}

/// The CSR that the default delegation (profile cdn-tls-ecdsa for abc.ido.example)
/// accepts, as a request to spoil.
crypto::CsrRequest conformingCsr() {
    crypto::CsrRequest r;
    r.dnsNames = {"abc.ido.example"};
    r.keyUsage = {"digitalSignature"};
    r.extendedKeyUsage = {"serverAuth"};
    return r;
}

/// Finalize of a ready order with a CSR that strays from the template.  The order then
/// becomes invalid with the problem as its error (RFC 9115 §2.3.3, digest A1): the one
/// refusal that must change state, and exactly that way.
HostileCase strayCsr(std::string name, std::string error,
                     std::function<crypto::Csr(HostileContext&, AcmeTestClient&)> makeCsr) {
    return {std::move(name), kOrderRoutes, 403, error, [makeCsr, error](HostileContext& ctx) {
                auto& c = ctx.ndc();
                const auto order = ctx.order(c, ctx.delegation(c));
                const auto csr = makeCsr(ctx, c);
                const auto url = c.urls().finalize(order.id);
                Attack attack =
                    signedPost(c, url, nlohmann::json{{"csr", wire::base64UrlEncode(csr.der())}});
                attack.unchanged = false;
                TenantState* state = &ctx.tenant().state;
                const std::string id = order.id;
                attack.check = [state, id, error](const AcmeReply&) {
                    auto stored = state->order(id);
                    ASSERT_TRUE(stored.ok() && stored->has_value());
                    EXPECT_EQ((*stored)->status, "invalid");
                    EXPECT_EQ((*stored)->error.value("type", ""), urn(error));
                    EXPECT_TRUE((*stored)->csrDer.empty()) << "a refused CSR was kept";
                };
                return attack;
            }};
}

crypto::Csr csrOf(const crypto::PrivateKey& key, const crypto::CsrRequest& request) {
    auto csr = crypto::createCsr(key, request);
    EXPECT_TRUE(csr.ok()) << (csr.ok() ? "" : csr.problem().detail);
    return std::move(csr).value();
}

crypto::PrivateKey keyOf(crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type);
    EXPECT_TRUE(key.ok());
    return std::move(key).value();
}

}  // namespace

std::vector<HostileCase> orderCases() {
    std::vector<HostileCase> cases;

    // ---- foreign and unknown delegations ----
    cases.push_back({"NewOrderWithAnotherNdcsDelegation", kOrderRoutes, 403, "unknownDelegation",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto& owner = ctx.client();
                         auto order = ctx.starOrder(ctx.delegation(owner).url);
                         return signedPost(c, c.urls().newOrder(), order);
                     }});
    cases.push_back({"NewOrderWithAnotherTenantsDelegation", kOrderRoutes, 403, "unknownDelegation",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto& foreign = ctx.client("other");
                         auto order = ctx.starOrder(ctx.delegation(foreign).url);
                         return signedPost(c, c.urls().newOrder(), order);
                     }});
    cases.push_back({"NewOrderWithUnknownDelegation", kOrderRoutes, 403, "unknownDelegation",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto order = ctx.starOrder(c.urls().delegation("AAAAAAAAAAAAAAAAAAAAAA"));
                         return signedPost(c, c.urls().newOrder(), order);
                     }});
    cases.push_back({"NewOrderWithTerminatedDelegation", kOrderRoutes, 403, "unknownDelegation",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         const auto d = ctx.delegation(c);
                         auto ended = ctx.tenant().state.terminateDelegation(d.record.id);
                         EXPECT_TRUE(ended.ok() && ended->ok());
                         return signedPost(c, c.urls().newOrder(), ctx.starOrder(d.url));
                     }});
    cases.push_back(
        {"ReadAnotherNdcsDelegationIs404", kOrderRoutes, 404, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto d = ctx.delegation(ctx.client());
             return signedPost(c, d.url, std::nullopt);
         }});
    cases.push_back({"ReadAnotherAccountsDelegationListIs403", kOrderRoutes, 403, "unauthorized",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto& victim = ctx.client();
                         ctx.delegation(victim);
                         return signedPost(c, c.urls().accountDelegations(ctx.accountId(victim)),
                                           std::nullopt);
                     }});
    cases.push_back(
        {"ReadAnotherAccountsOrderIs404", kOrderRoutes, 404, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             auto& victim = ctx.client();
             const auto o = ctx.order(victim, ctx.delegation(victim));
             return signedPost(c, c.urls().order(o.id), std::nullopt);
         }});
    cases.push_back(
        {"DelegationObjectWithPayload", kOrderRoutes, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             return signedPost(c, ctx.delegation(c).url, nlohmann::json::object());
         }});

    // ---- newOrder fields (RFC 8739 §3.1.1, RFC 9115 §2.3.4, digest A4, A14) ----
    cases.push_back(spoiledOrder("StarOrderWithNotBefore", "malformed",
                                 [](HostileContext& ctx, nlohmann::json& o) {
                                     o["notBefore"] = ctx.dateIn(std::chrono::hours(1));
                                 }));
    cases.push_back(spoiledOrder("StarOrderWithNotAfter", "malformed",
                                 [](HostileContext& ctx, nlohmann::json& o) {
                                     o["notAfter"] = ctx.dateIn(std::chrono::hours(48));
                                 }));
    cases.push_back(spoiledOrder("AllowCertificateGetMissing", "malformed",
                                 [](HostileContext&, nlohmann::json& o) {
                                     o["auto-renewal"].erase("allow-certificate-get");
                                 }));
    cases.push_back(spoiledOrder("AllowCertificateGetFalse", "malformed",
                                 [](HostileContext&, nlohmann::json& o) {
                                     o["auto-renewal"]["allow-certificate-get"] = false;
                                 }));
    cases.push_back(
        spoiledOrder("NonStarOrderWithoutAllowCertificateGet", "malformed",
                     [](HostileContext&, nlohmann::json& o) { o.erase("auto-renewal"); }));
    cases.push_back(spoiledOrder(
        "LifetimeBelowMinLifetime", "malformed",
        [](HostileContext&, nlohmann::json& o) { o["auto-renewal"]["lifetime"] = 60; }));
    cases.push_back(spoiledOrder(
        "LifetimeNotAnInteger", "malformed",
        [](HostileContext&, nlohmann::json& o) { o["auto-renewal"]["lifetime"] = "86400"; }));
    cases.push_back(spoiledOrder(
        "DurationAboveMaxDuration", "malformed", [](HostileContext& ctx, nlohmann::json& o) {
            o["auto-renewal"]["end-date"] = ctx.dateIn(std::chrono::hours(24 * 60));
        }));
    cases.push_back(
        spoiledOrder("EndDateInThePast", "malformed", [](HostileContext& ctx, nlohmann::json& o) {
            o["auto-renewal"]["end-date"] = ctx.dateIn(-std::chrono::hours(1));
        }));
    cases.push_back(
        spoiledOrder("EndDateNotRfc3339", "malformed", [](HostileContext&, nlohmann::json& o) {
            o["auto-renewal"]["end-date"] = "next tuesday";
        }));
    cases.push_back(
        spoiledOrder("MissingDelegation", "malformed",
                     [](HostileContext&, nlohmann::json& o) { o.erase("delegation"); }));
    cases.push_back(spoiledOrder("IdentifierLevelDelegation", "malformed",
                                 [](HostileContext&, nlohmann::json& o) {
                                     o["identifiers"][0]["delegation"] = o["delegation"];
                                 }));
    cases.push_back(spoiledOrder("UnsupportedIdentifierType", "unsupportedIdentifier",
                                 [](HostileContext&, nlohmann::json& o) {
                                     o["identifiers"] = {{{"type", "ip"}, {"value", "192.0.2.1"}}};
                                 }));
    cases.push_back(spoiledOrder(
        "EmptyIdentifiers", "malformed",
        [](HostileContext&, nlohmann::json& o) { o["identifiers"] = nlohmann::json::array(); }));
    cases.push_back(
        spoiledOrder("DuplicateIdentifier", "malformed", [](HostileContext&, nlohmann::json& o) {
            o["identifiers"].push_back(o["identifiers"][0]);
        }));
    {
        auto notCovered = spoiledOrder(
            "IdentifierNotCoveredByTheDelegation", "rejectedIdentifier",
            [](HostileContext&, nlohmann::json& o) {
                o["identifiers"].push_back({{"type", "dns"}, {"value", "www.ido.example"}});
            },
            403);
        auto prepare = notCovered.prepare;
        notCovered.prepare = [prepare](HostileContext& ctx) {
            auto attack = prepare(ctx);
            attack.check = [](const AcmeReply& reply) {
                const auto doc = reply.json();
                ASSERT_TRUE(doc.contains("subproblems")) << reply.describe();
                bool named = false;
                for (const auto& sub : doc["subproblems"]) {
                    named = named || (sub.value("type", "") == urn("rejectedIdentifier") &&
                                      sub["identifier"].value("value", "") == "www.ido.example");
                }
                EXPECT_TRUE(named) << "no subproblem names www.ido.example: " << reply.describe();
            };
            return attack;
        };
        cases.push_back(std::move(notCovered));
    }

    // ---- finalize ----
    cases.push_back({"FinalizeProcessingOrderIsOrderNotReady", kOrderRoutes, 403, "orderNotReady",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         const auto o = ctx.order(c, ctx.delegation(c), "processing");
                         auto csr = csrOf(keyOf(crypto::KeyType::P256), conformingCsr());
                         return signedPost(
                             c, c.urls().finalize(o.id),
                             nlohmann::json{{"csr", wire::base64UrlEncode(csr.der())}});
                     }});
    cases.push_back({"FinalizeValidOrderIsOrderNotReady", kOrderRoutes, 403, "orderNotReady",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         const auto o = ctx.order(c, ctx.delegation(c), "valid");
                         auto csr = csrOf(keyOf(crypto::KeyType::P256), conformingCsr());
                         return signedPost(
                             c, c.urls().finalize(o.id),
                             nlohmann::json{{"csr", wire::base64UrlEncode(csr.der())}});
                     }});
    cases.push_back({"FinalizeAnotherAccountsOrderIs404", kOrderRoutes, 404, "malformed",
                     [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         auto& victim = ctx.client();
                         const auto o = ctx.order(victim, ctx.delegation(victim));
                         auto csr = csrOf(keyOf(crypto::KeyType::P256), conformingCsr());
                         return signedPost(
                             c, c.urls().finalize(o.id),
                             nlohmann::json{{"csr", wire::base64UrlEncode(csr.der())}});
                     }});
    cases.push_back({"FinalizeWithoutCsr", kOrderRoutes, 400, "malformed", [](HostileContext& ctx) {
                         auto& c = ctx.ndc();
                         const auto o = ctx.order(c, ctx.delegation(c));
                         return signedPost(c, c.urls().finalize(o.id), nlohmann::json::object());
                     }});
    cases.push_back(
        {"FinalizeCsrNotBase64Url", kOrderRoutes, 400, "badCSR", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c));
             return signedPost(c, c.urls().finalize(o.id), nlohmann::json{{"csr", "MII+/="}});
         }});
    cases.push_back(
        {"FinalizeCsrNotDer", kOrderRoutes, 400, "badCSR", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c));
             return signedPost(c, c.urls().finalize(o.id), nlohmann::json{{"csr", "bm90IGEgQ1NS"}});
         }});
    cases.push_back(
        strayCsr("FinalizeCsrWithExtraSan", "badCSR", [](HostileContext&, AcmeTestClient&) {
            auto r = conformingCsr();
            r.dnsNames.push_back("www.ido.example");
            return csrOf(keyOf(crypto::KeyType::P256), r);
        }));
    cases.push_back(
        strayCsr("FinalizeCsrWithWrongKeyType", "badCSR", [](HostileContext&, AcmeTestClient&) {
            return csrOf(keyOf(crypto::KeyType::P384), conformingCsr());
        }));
    cases.push_back(
        strayCsr("FinalizeCsrWithExtraExtension", "badCSR", [](HostileContext&, AcmeTestClient&) {
            auto r = conformingCsr();
            // basicConstraints (2.5.29.19), an empty SEQUENCE.
            r.extraExtensions.push_back({"2.5.29.19", true, {0x30, 0x00}});
            return csrOf(keyOf(crypto::KeyType::P256), r);
        }));
    cases.push_back(strayCsr(
        "FinalizeCsrSignedWithTheAccountKey", "badCSR",
        [](HostileContext&, AcmeTestClient& c) { return csrOf(c.key(), conformingCsr()); }));
    cases.push_back(strayCsr("FinalizeCsrWithUntemplatedSubject", "badCSR",
                             [](HostileContext&, AcmeTestClient&) {
                                 auto r = conformingCsr();
                                 r.subject.push_back({"CN", "abc.ido.example"});
                                 return csrOf(keyOf(crypto::KeyType::P256), r);
                             }));

    // ---- cancellation (RFC 8739 §3.1.2) ----
    cases.push_back(
        {"CancelReadyOrder", kOrderRoutes, 400, "autoRenewalCancellationInvalid",
         [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c));
             return signedPost(c, c.urls().order(o.id), nlohmann::json{{"status", "canceled"}});
         }});
    cases.push_back(
        {"CancelProcessingOrder", kOrderRoutes, 400, "autoRenewalCancellationInvalid",
         [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c), "processing");
             return signedPost(c, c.urls().order(o.id), nlohmann::json{{"status", "canceled"}});
         }});
    cases.push_back(
        {"CancelCanceledOrder", kOrderRoutes, 400, "autoRenewalCancellationInvalid",
         [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c), "valid");
             auto canceled = ctx.tenant().state.cancelOrder(o.id);
             EXPECT_TRUE(canceled.ok() && canceled->ok());
             return signedPost(c, c.urls().order(o.id), nlohmann::json{{"status", "canceled"}});
         }});
    cases.push_back(
        {"CancelByAnotherAccountIs404", kOrderRoutes, 404, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             auto& owner = ctx.client();
             const auto o = ctx.order(owner, ctx.delegation(owner), "valid");
             return signedPost(c, c.urls().order(o.id), nlohmann::json{{"status", "canceled"}});
         }});
    cases.push_back(
        {"OrderUpdateOtherThanCancel", kOrderRoutes, 400, "malformed", [](HostileContext& ctx) {
             auto& c = ctx.ndc();
             const auto o = ctx.order(c, ctx.delegation(c), "valid");
             return signedPost(c, c.urls().order(o.id), nlohmann::json{{"status", "valid"}});
         }});

    // ---- GET on POST-only resources, unknown certificates ----
    auto get = [](std::string name, int status,
                  std::function<std::string(HostileContext&, AcmeTestClient&)> url) {
        return HostileCase{std::move(name), kOrderRoutes, status, "malformed",
                           [url](HostileContext& ctx) {
                               auto& c = ctx.ndc();
                               const auto target = url(ctx, c);
                               return Attack{[&c, target] { return c.get(target); }};
                           }};
    };
    cases.push_back(get("GetOnNewOrderIs405", 405,
                        [](HostileContext&, AcmeTestClient& c) { return c.urls().newOrder(); }));
    cases.push_back(get("GetOnOrderIs405", 405, [](HostileContext& ctx, AcmeTestClient& c) {
        return c.urls().order(ctx.order(c, ctx.delegation(c)).id);
    }));
    cases.push_back(get("GetOnFinalizeIs405", 405, [](HostileContext& ctx, AcmeTestClient& c) {
        return c.urls().finalize(ctx.order(c, ctx.delegation(c)).id);
    }));
    cases.push_back(get("GetOnDelegationIs405", 405, [](HostileContext& ctx, AcmeTestClient& c) {
        return ctx.delegation(c).url;
    }));
    cases.push_back(get("GetUnknownCertificateIs404", 404, [](HostileContext&, AcmeTestClient& c) {
        return c.urls().certificate("AAAAAAAAAAAAAAAAAAAAAA");
    }));
    return cases;
}

}  // namespace legate::ido
