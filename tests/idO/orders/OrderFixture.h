#pragma once
/// A tenant on a real redis-server, without HTTP: the state, the caches and the URLs the
/// order handlers use, plus an onboarded NDC (account with a real P-256 key, delegation
/// with a CSR template) and helpers to build orders, CSRs and certificates.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/core/Clock.h"
#include "broker/core/Time.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/store/RedisPool.h"
#include "broker/wire/Jwk.h"
#include "idO/tenant/TenantContext.h"
#include "tests/support/RedisServer.h"

namespace legate::ido::test {

/// The template every test delegation uses: one literal name and one NDC-chosen slot.
inline nlohmann::json testTemplate() {
    return nlohmann::json::parse(R"({
      "keyTypes": [{"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
                    "SignatureType": "ecdsa-with-SHA256"}],
      "extensions": {"subjectAltName": {"DNS": ["abc.ido.example", "*"]},
                     "keyUsage": ["digitalSignature"],
                     "extendedKeyUsage": ["serverAuth"]}
    })");
}

/// A CSR that the test template (and the cdn-tls-ecdsa profile) accepts for `names`.
inline crypto::Csr csrFor(const crypto::PrivateKey& key, std::vector<std::string> names) {
    crypto::CsrRequest request;
    request.dnsNames = std::move(names);
    request.keyUsage = {"digitalSignature"};
    request.extendedKeyUsage = {"serverAuth"};
    return *crypto::createCsr(key, request);
}

/// A leaf + root chain (PEM) with this validity, and the leaf, as the upstream CA
/// would publish it.
struct Chain {
    std::string pem;
    crypto::Certificate leaf;
};

inline Chain makeChain(TimePoint notBefore, TimePoint notAfter) {
    auto rootKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto leafKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    auto root =
        *crypto::CertificateBuilder()
             .commonName("Test Root")
             .validity(notBefore - std::chrono::hours(24), notAfter + std::chrono::hours(24))
             .certificateAuthority()
             .selfSigned(rootKey);
    auto leaf = *crypto::CertificateBuilder()
                     .dnsNames({"abc.ido.example"})
                     .validity(notBefore, notAfter)
                     .serverAuth()
                     .issuedBy(leafKey.publicKey(), root, rootKey);
    return {leaf.toPem() + root.toPem(), leaf};
}

class OrderFixture : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<legate::test::RedisServer>();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        serve_.acme.baseUrl = "https://acme.test";
        TenantConfig tenant;
        tenant.name = "example";
        tenant.star = StarConfig{3600, 30 * 86400};
        serve_.tenants.push_back(tenant);
        tenant_ = std::make_unique<TenantContext>(serve_, serve_.tenants.front(), *pool_, clock_);
    }

    TenantState& state() { return tenant_->state; }

    struct Onboarded {
        std::string ndc;
        AccountRecord account;
        DelegationRecord delegation;
    };

    /// An NDC with a bound account whose key is `key` and one active delegation.
    Onboarded onboard(const crypto::PrivateKey& key) {
        Onboarded o;
        auto ndc = state().createNdc("cdn", "ops@cdn.example");
        EXPECT_TRUE(ndc.ok());
        o.ndc = ndc->ndc.id;
        o.account.id = newId();
        o.account.jwk = *wire::toJwk(key.publicKey());
        o.account.thumbprint = *wire::jwkThumbprint(key.publicKey());
        auto bound = state().bindAccount(o.account, ndc->ndc.eabKid);
        EXPECT_TRUE(bound.ok() && bound->ok());
        o.account = *state().account(o.account.id).value();
        o.delegation.ndcId = o.ndc;
        o.delegation.csrTemplate = testTemplate();
        o.delegation.allowedSuffixes = {"cdn.ido.example"};
        auto created = state().createDelegation(o.delegation);
        EXPECT_TRUE(created.ok() && created->ok());
        o.delegation = *state().delegation(o.delegation.id).value();
        return o;
    }

    /// A ready order of `o`'s account under its delegation.
    OrderRecord createOrder(const Onboarded& o, bool star,
                            std::vector<acme::Identifier> ids = {{"dns", "abc.ido.example"}}) {
        OrderRecord order;
        order.accountId = o.account.id;
        order.delegationId = o.delegation.id;
        order.identifiers = std::move(ids);
        if (star) {
            order.autoRenewal = {{"end-date", toRfc3339(clock_.now() + std::chrono::hours(240))},
                                 {"lifetime", 86400},
                                 {"allow-certificate-get", true}};
        } else {
            order.allowCertificateGet = true;
        }
        order.expires = clock_.now() + std::chrono::hours(240);
        auto created = state().createOrder(order);
        EXPECT_TRUE(created.ok() && created->ok());
        return *state().order(order.id).value();
    }

    ManualClock clock_;
    ServeConfig serve_;
    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<TenantContext> tenant_;
};

}  // namespace legate::ido::test
