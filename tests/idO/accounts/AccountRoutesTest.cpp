// The account side of the NDC-facing ACME server over HTTPS: directory, new-nonce,
// newAccount with External Account Binding, the account URL, keyChange, revokeCert.

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "broker/store/NonceService.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"
#include "tests/idO/accounts/AccountFixture.h"

namespace legate::ido::test {
namespace {

using nlohmann::json;

class AccountRoutesTest : public AccountFixture {};

// ---- directory and nonces ----

TEST_F(AccountRoutesTest, DirectoryListsResourcesAndDelegationMeta) {
    auto r = send("GET", urls().directory(), {}, "");
    ASSERT_EQ(r.status, 200);
    const auto doc = parsed(r);
    EXPECT_EQ(doc["newNonce"], urls().newNonce());
    EXPECT_EQ(doc["newAccount"], urls().newAccount());
    EXPECT_EQ(doc["newOrder"], urls().newOrder());
    EXPECT_EQ(doc["keyChange"], urls().keyChange());
    EXPECT_EQ(doc["revokeCert"], urls().revokeCert());
    EXPECT_FALSE(doc.contains("newAuthz"));
    const auto& meta = doc["meta"];
    EXPECT_EQ(meta["delegation-enabled"], true);
    EXPECT_EQ(meta["externalAccountRequired"], true);
    EXPECT_EQ(meta["allow-certificate-get"], true);
    EXPECT_EQ(meta["auto-renewal"]["min-lifetime"], 3600);
    EXPECT_EQ(meta["auto-renewal"]["max-duration"], 86400);
    EXPECT_EQ(meta["auto-renewal"]["allow-certificate-get"], true);
    EXPECT_FALSE(meta.contains("termsOfService"));
    EXPECT_FALSE(meta.contains("website"));
    EXPECT_EQ(r.headers.get("Access-Control-Allow-Origin"), "*");
    EXPECT_TRUE(r.headers.getAll("Link").empty());
}

TEST_F(AccountRoutesTest, DirectoryAnswersPostAsGet) {
    const auto account = registerAccount();
    auto r = postAsAccount(account, urls().directory(), std::nullopt);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(parsed(r)["newAccount"], urls().newAccount());
    EXPECT_TRUE(r.headers.has("Replay-Nonce"));
}

TEST_F(AccountRoutesTest, UnknownTenantIs404Malformed) {
    auto r = send("GET", std::string(kBase) + "/acme/nobody/directory", {}, "");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(problemType(r), "malformed");
}

TEST_F(AccountRoutesTest, NewNonceHeadGetAndPostAsGet) {
    auto head = send("HEAD", urls().newNonce(), {}, "");
    EXPECT_EQ(head.status, 200);
    auto get = send("GET", urls().newNonce(), {}, "");
    EXPECT_EQ(get.status, 204);
    EXPECT_TRUE(get.body.empty());
    for (const auto* r : {&head, &get}) {
        EXPECT_EQ(r->headers.get("Replay-Nonce").value_or("").size(),
                  store::NonceService::kNonceLength);
        EXPECT_EQ(r->headers.get("Cache-Control"), "no-store");
        const auto links = r->headers.getAll("Link");
        ASSERT_EQ(links.size(), 1u);
        EXPECT_EQ(links[0], "<" + urls().directory() + ">;rel=\"index\"");
    }
    EXPECT_NE(head.headers.get("Replay-Nonce"), get.headers.get("Replay-Nonce"));

    const auto account = registerAccount();
    auto post = postAsAccount(account, urls().newNonce(), std::nullopt);
    EXPECT_EQ(post.status, 200) << post.body;
    EXPECT_TRUE(post.headers.has("Replay-Nonce"));
    EXPECT_EQ(post.headers.get("Cache-Control"), "no-store");
}

// ---- newAccount ----

TEST_F(AccountRoutesTest, NewAccountWithEabCreatesAndBinds) {
    auto key = newKey();
    const auto ndc = onboardNdc();
    const auto binding = eab(key, ndc);
    auto r = post(key, urls().newAccount(),
                  json{{"contact", {"mailto:ops@cdn.example"}},
                       {"termsOfServiceAgreed", true},
                       {"externalAccountBinding", binding},
                       {"orders", "https://evil.example/"},
                       {"surprise", 1}});
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string location = r.headers.get("Location").value_or("");
    const std::string id = urls().accountIdFromUrl(location);
    ASSERT_FALSE(id.empty());
    const auto doc = parsed(r);
    EXPECT_EQ(doc["status"], "valid");
    EXPECT_EQ(doc["contact"], json::array({"mailto:ops@cdn.example"}));
    EXPECT_EQ(doc["orders"], urls().accountOrders(id));
    EXPECT_EQ(doc["delegations"], urls().accountDelegations(id));
    EXPECT_EQ(doc["externalAccountBinding"], binding);
    EXPECT_FALSE(doc.contains("surprise"));
    EXPECT_FALSE(doc.contains("onlyReturnExisting"));
    EXPECT_TRUE(r.headers.has("Replay-Nonce"));

    auto stored = tenant().state.account(id);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->ndcId, ndc.id);
    auto eabRecord = tenant().state.eab(ndc.kid);
    EXPECT_EQ((*eabRecord)->accountId, id);
}

TEST_F(AccountRoutesTest, ExistingKeyAnswers200WithTheAccount) {
    const auto account = registerAccount();
    const auto before = snapshot();
    auto r =
        post(account.key, urls().newAccount(), json{{"contact", {"mailto:other@cdn.example"}}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("Location"), account.url);
    EXPECT_EQ(parsed(r)["contact"], json::array({"mailto:ops@cdn.example"}));
    EXPECT_EQ(snapshot(), before);

    auto lookup = post(account.key, urls().newAccount(), json{{"onlyReturnExisting", true}});
    EXPECT_EQ(lookup.status, 200);
    EXPECT_EQ(lookup.headers.get("Location"), account.url);
}

TEST_F(AccountRoutesTest, OnlyReturnExistingWithoutAccountIs400AccountDoesNotExist) {
    const auto before = snapshot();
    auto r = post(newKey(), urls().newAccount(), json{{"onlyReturnExisting", true}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(problemType(r), "accountDoesNotExist");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, MissingEabIsExternalAccountRequired) {
    onboardNdc();
    const auto before = snapshot();
    auto r = post(newKey(), urls().newAccount(), json{{"contact", {"mailto:a@b.example"}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(problemType(r), "externalAccountRequired");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, WrongMacIsUnauthorized) {
    auto key = newKey();
    auto ndc = onboardNdc();
    ndc.hmac[0] ^= 0x01;
    const auto before = snapshot();
    auto r = post(key, urls().newAccount(), json{{"externalAccountBinding", eab(key, ndc)}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(problemType(r), "unauthorized");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, UnknownEabKidIsUnauthorized) {
    auto key = newKey();
    auto ndc = onboardNdc();
    ndc.kid = "no-such-kid";
    const auto before = snapshot();
    auto r = post(key, urls().newAccount(), json{{"externalAccountBinding", eab(key, ndc)}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(problemType(r), "unauthorized");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, EabReusedByASecondKeyIsUnauthorized) {
    auto first = newKey();
    const auto ndc = onboardNdc();
    ASSERT_EQ(
        post(first, urls().newAccount(), json{{"externalAccountBinding", eab(first, ndc)}}).status,
        201);
    auto second = newKey();
    const auto before = snapshot();
    auto r = post(second, urls().newAccount(), json{{"externalAccountBinding", eab(second, ndc)}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(problemType(r), "unauthorized");
    EXPECT_NE(parsed(r)["detail"].get<std::string>().find("already used"), std::string::npos);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, BadContactsAreRefused) {
    auto key = newKey();
    const auto ndc = onboardNdc();
    const auto binding = eab(key, ndc);
    const auto before = snapshot();
    const std::vector<std::pair<json, std::string>> cases = {
        {json::array({"tel:+15551234"}), "unsupportedContact"},
        {json::array({"https://cdn.example/contact"}), "unsupportedContact"},
        {json::array({"mailto:ops@cdn.example?subject=hi"}), "invalidContact"},
        {json::array({"mailto:a@cdn.example,b@cdn.example"}), "invalidContact"},
        {json::array({"mailto:not-an-address"}), "invalidContact"},
        {json::array({"mailto:a%40b@cdn.example"}), "invalidContact"},
        {json::array({"mailto:a@-bad-.example"}), "invalidContact"},
        {json::array({"mailto:a@b.example", "mailto:c@b.example", "mailto:d@b.example",
                      "mailto:e@b.example", "mailto:f@b.example"}),
         "malformed"},
        {json("mailto:ops@cdn.example"), "malformed"},
    };
    for (const auto& [contact, type] : cases) {
        auto r = post(key, urls().newAccount(),
                      json{{"contact", contact}, {"externalAccountBinding", binding}});
        EXPECT_EQ(r.status, 400) << contact;
        EXPECT_EQ(problemType(r), type) << contact;
    }
    EXPECT_EQ(snapshot(), before);
}

// ---- the account URL ----

TEST_F(AccountRoutesTest, AccountPostAsGetUpdateAndDeactivate) {
    const auto account = registerAccount();
    auto fetched = postAsAccount(account, account.url, std::nullopt);
    ASSERT_EQ(fetched.status, 200) << fetched.body;
    EXPECT_EQ(parsed(fetched)["status"], "valid");

    auto updated =
        postAsAccount(account, account.url, json{{"contact", {"mailto:new@cdn.example"}}});
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_EQ(parsed(updated)["contact"], json::array({"mailto:new@cdn.example"}));
    EXPECT_EQ((*tenant().state.account(account.id))->contact,
              std::vector<std::string>{"mailto:new@cdn.example"});

    auto deactivated = postAsAccount(account, account.url, json{{"status", "deactivated"}});
    ASSERT_EQ(deactivated.status, 200) << deactivated.body;
    EXPECT_EQ(parsed(deactivated)["status"], "deactivated");

    auto after = postAsAccount(account, account.url, std::nullopt);
    EXPECT_EQ(after.status, 401);
    EXPECT_EQ(problemType(after), "unauthorized");
    auto lookup = post(account.key, urls().newAccount(), json{{"onlyReturnExisting", true}});
    EXPECT_EQ(lookup.status, 401);
}

TEST_F(AccountRoutesTest, OtherStatusIsMalformedAndChangesNothing) {
    const auto account = registerAccount();
    const auto before = snapshot();
    for (const json& status : {json("valid"), json("revoked"), json(true)}) {
        auto r = postAsAccount(account, account.url, json{{"status", status}});
        EXPECT_EQ(r.status, 400);
        EXPECT_EQ(problemType(r), "malformed");
    }
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AccountRoutesTest, AnotherAccountsUrlIs403Unauthorized) {
    const auto a = registerAccount();
    const auto b = registerAccount();
    const auto before = snapshot();
    auto r = postAsAccount(b, a.url, json{{"status", "deactivated"}});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(problemType(r), "unauthorized");
    EXPECT_EQ(snapshot(), before);
}

// ---- terms of service ----

class TermsOfServiceTest : public AccountFixture {
protected:
    void configure(ServeConfig& config) override {
        config.tenants[0].termsOfService = "https://ido.example/tos";
        config.tenants[0].website = "https://ido.example/";
    }
};

TEST_F(TermsOfServiceTest, DirectoryAdvertisesThemAndNewAccountRequiresAgreement) {
    const auto meta = parsed(send("GET", urls().directory(), {}, ""))["meta"];
    EXPECT_EQ(meta["termsOfService"], "https://ido.example/tos");
    EXPECT_EQ(meta["website"], "https://ido.example/");

    auto key = newKey();
    const auto ndc = onboardNdc();
    const auto binding = eab(key, ndc);
    const auto before = snapshot();
    for (const json& agreed : {json(false), json("yes"), json(nullptr)}) {
        json payload = {{"externalAccountBinding", binding}};
        if (!agreed.is_null()) {
            payload["termsOfServiceAgreed"] = agreed;
        }
        auto r = post(key, urls().newAccount(), payload);
        EXPECT_EQ(r.status, 400) << agreed;
        EXPECT_EQ(problemType(r), "malformed") << agreed;
    }
    EXPECT_EQ(snapshot(), before);
    auto r = post(key, urls().newAccount(),
                  json{{"externalAccountBinding", binding}, {"termsOfServiceAgreed", true}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(parsed(r)["termsOfServiceAgreed"], true);
}

// ---- keyChange ----

class KeyChangeTest : public AccountFixture {
protected:
    /// The inner JWS: signed by `newKey`, payload {account, oldKey}.
    json inner(const crypto::PrivateKey& key, const json& payload,
               std::optional<std::string> url = {}, std::optional<std::string> nonce = {}) {
        wire::JwsHeader header;
        header.url = url.value_or(urls().keyChange());
        header.nonce = nonce;
        auto jws = wire::signJwsObject(key, payload, header);
        EXPECT_TRUE(jws.ok());
        return *jws;
    }
    json change(const Account& a) {
        return json{{"account", a.url}, {"oldKey", *wire::toJwk(a.key.publicKey())}};
    }
};

TEST_F(KeyChangeTest, RollsTheKeyOver) {
    const auto account = registerAccount();
    auto fresh = newKey();  // same type as the old key: the old signature is checked, fails
    auto r = postAsAccount(account, urls().keyChange(), inner(fresh, change(account)));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(parsed(r)["status"], "valid");

    auto withOld = postAsAccount(account, account.url, std::nullopt);
    EXPECT_EQ(withOld.status, 401);
    EXPECT_EQ(problemType(withOld), "unauthorized");
    auto withNew = post(fresh, account.url, std::nullopt, {.kid = account.url});
    EXPECT_EQ(withNew.status, 200) << withNew.body;
    EXPECT_EQ((*tenant().state.account(account.id))->thumbprint,
              *wire::jwkThumbprint(fresh.publicKey()));
}

TEST_F(KeyChangeTest, RollsOverToAnotherKeyType) {
    const auto account = registerAccount();
    auto fresh = newKey(crypto::KeyType::Ed25519);
    ASSERT_EQ(postAsAccount(account, urls().keyChange(), inner(fresh, change(account))).status,
              200);
    // ES256 no longer fits the account's (Ed25519) key.
    auto withOld = postAsAccount(account, account.url, std::nullopt);
    EXPECT_EQ(withOld.status, 400);
    EXPECT_EQ(problemType(withOld), "badSignatureAlgorithm");
    EXPECT_EQ(post(fresh, account.url, std::nullopt, {.kid = account.url}).status, 200);
}

TEST_F(KeyChangeTest, EachFailedCheckChangesNothing) {
    const auto account = registerAccount();
    const auto other = registerAccount();
    auto fresh = newKey();
    const auto before = snapshot();
    struct Case {
        const char* name;
        json payload;
        int status;
        std::string type;
    };
    json wrongAccount = change(account);
    wrongAccount["account"] = other.url;
    json wrongOldKey = change(account);
    wrongOldKey["oldKey"] = *wire::toJwk(other.key.publicKey());
    const std::vector<Case> cases = {
        {"inner nonce present", inner(fresh, change(account), {}, nonce()), 400, "malformed"},
        {"url mismatch", inner(fresh, change(account), urls().newAccount()), 400, "malformed"},
        {"account mismatch", inner(fresh, wrongAccount), 403, "unauthorized"},
        {"oldKey mismatch", inner(fresh, wrongOldKey), 403, "unauthorized"},
        {"not a JWS", change(account), 400, "malformed"},
        {"missing oldKey", inner(fresh, json{{"account", account.url}}), 400, "malformed"},
    };
    for (const auto& c : cases) {
        auto r = postAsAccount(account, urls().keyChange(), c.payload);
        EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
        EXPECT_EQ(problemType(r), c.type) << c.name;
    }
    EXPECT_EQ(snapshot(), before);
}

TEST_F(KeyChangeTest, InnerSignedByAnotherKeyIsRefused) {
    const auto account = registerAccount();
    auto fresh = newKey();
    auto jws = inner(fresh, change(account));
    // Swap the signature for one of another key: the inner JWS no longer verifies.
    jws["signature"] = inner(newKey(), change(account))["signature"];
    const auto before = snapshot();
    auto r = postAsAccount(account, urls().keyChange(), jws);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(problemType(r), "unauthorized");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(KeyChangeTest, NewKeyInUseIs409WithLocation) {
    const auto account = registerAccount();
    const auto other = registerAccount();
    const auto before = snapshot();
    auto r = postAsAccount(account, urls().keyChange(), inner(other.key, change(account)));
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(r.headers.get("Location"), other.url);
    EXPECT_EQ(problemType(r), "malformed");
    EXPECT_EQ(snapshot(), before);
}

// ---- revokeCert ----

TEST_F(AccountRoutesTest, RevokeCertIsRefusedAsTheIdOsJob) {
    const auto account = registerAccount();
    auto r = postAsAccount(account, urls().revokeCert(), json{{"certificate", "AAAA"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(problemType(r), "malformed");
}

TEST_F(AccountRoutesTest, RevokeCertOfAValidCertificateIs403Unauthorized) {
    auto certKey = newKey();
    auto certificate = crypto::CertificateBuilder()
                           .dnsNames({"abc.ido.example"})
                           .validity(clock_.now(), clock_.now() + std::chrono::hours(24))
                           .selfSigned(certKey);
    ASSERT_TRUE(certificate.ok());
    const json payload = {{"certificate", wire::base64UrlEncode(certificate->der())}};
    // By the certificate key (jwk) and by an account (kid): both are the IdO's job.
    auto byKey = post(certKey, urls().revokeCert(), payload);
    EXPECT_EQ(byKey.status, 403) << byKey.body;
    EXPECT_EQ(problemType(byKey), "unauthorized");
    const auto account = registerAccount();
    auto byAccount = postAsAccount(account, urls().revokeCert(), payload);
    EXPECT_EQ(byAccount.status, 403);
    EXPECT_EQ(problemType(byAccount), "unauthorized");
    auto badReason = postAsAccount(account, urls().revokeCert(),
                                   json{{"certificate", payload["certificate"]}, {"reason", 7}});
    EXPECT_EQ(badReason.status, 400);
    EXPECT_EQ(problemType(badReason), "badRevocationReason");
}

}  // namespace
}  // namespace legate::ido::test
