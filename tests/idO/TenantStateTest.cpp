// The ido state layer against a real redis-server: every transition of docs/state.md,
// its precondition, and that a refused transition changes nothing.

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Csr.h"
#include "broker/store/RedisPool.h"
#include "broker/wire/Base64Url.h"
#include "idO/state/TenantState.h"
#include "tests/idO/support/RedisSnapshot.h"
#include "tests/support/RedisServer.h"

namespace legate::ido {
namespace {

class TenantStateTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<test::RedisServer>();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        state_ = std::make_unique<TenantState>(
            *pool_, TenantKeys(*store::KeyLayout::forTenant("example")), clock_);
    }

    /// Everything in Redis but nonces and rate buckets, for "nothing changed" assertions.
    RedisSnapshot snapshot() { return RedisSnapshot::take(*pool_); }

    struct Onboarded {
        std::string ndc;
        std::string account;
        std::string delegation;
    };

    Onboarded onboard(const std::string& thumbprint = "tp-1") {
        auto ndc = state_->createNdc("cdn", "ops@cdn.example");
        EXPECT_TRUE(ndc.ok());
        AccountRecord a;
        a.id = newId();
        a.jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", thumbprint}};
        a.thumbprint = thumbprint;
        a.contact = {"mailto:ops@cdn.example"};
        auto bound = state_->bindAccount(a, ndc->ndc.eabKid);
        EXPECT_TRUE(bound.ok() && bound->ok()) << (bound.ok() ? bound->reason : "");
        DelegationRecord d;
        d.ndcId = ndc->ndc.id;
        d.csrTemplate = {{"keyTypes", nlohmann::json::array()}};
        d.allowedSuffixes = {"cdn.ido.example"};
        d.star = StarPolicy{3600, 86400};
        auto created = state_->createDelegation(d);
        EXPECT_TRUE(created.ok() && created->ok());
        return {ndc->ndc.id, a.id, d.id};
    }

    OrderRecord starOrder(const Onboarded& o) {
        OrderRecord order;
        order.accountId = o.account;
        order.delegationId = o.delegation;
        order.identifiers = {{"dns", "abc.ido.example"}};
        order.autoRenewal = {{"end-date", "2030-01-01T00:00:00Z"},
                             {"lifetime", 86400},
                             {"allow-certificate-get", true}};
        order.expires = clock_.now() + std::chrono::hours(24);
        return order;
    }

    ManualClock clock_;
    std::unique_ptr<test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<TenantState> state_;
};

TEST_F(TenantStateTest, NdcOnboardingIssuesAnEabKeyThatBindsOnce) {
    auto ndc = state_->createNdc("cdn", "ops@cdn.example");
    ASSERT_TRUE(ndc.ok());
    EXPECT_EQ(ndc->hmacKey.size(), 43u);  // 256 bits, base64url
    auto eab = state_->eab(ndc->ndc.eabKid);
    ASSERT_TRUE(eab.ok() && eab->has_value());
    EXPECT_EQ((*eab)->ndcId, ndc->ndc.id);
    EXPECT_EQ((*eab)->hmacKey, ndc->hmacKey);

    AccountRecord a;
    a.id = newId();
    a.jwk = {{"kty", "OKP"}};
    a.thumbprint = "tp-a";
    ASSERT_TRUE(state_->bindAccount(a, ndc->ndc.eabKid)->ok());
    EXPECT_EQ(a.ndcId, ndc->ndc.id);
    EXPECT_EQ(*state_->accountIdByThumbprint("tp-a").value(), a.id);
    EXPECT_EQ(state_->ndc(ndc->ndc.id).value()->accountId, a.id);

    // A second account cannot use the same EAB key, and nothing changes.
    const auto before = snapshot();
    AccountRecord b;
    b.id = newId();
    b.jwk = {{"kty", "OKP"}};
    b.thumbprint = "tp-b";
    auto second = state_->bindAccount(b, ndc->ndc.eabKid);
    EXPECT_EQ(second->reason, "eab-used");
    // The same key again reports the existing account.
    AccountRecord again = a;
    again.id = newId();
    EXPECT_EQ(state_->bindAccount(again, ndc->ndc.eabKid)->reason, "key-exists");
    EXPECT_EQ(state_->bindAccount(b, "no-such-kid")->reason, "no-eab");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(TenantStateTest, KeyChangeMovesTheKeyIndex) {
    const auto o = onboard("old-tp");
    EXPECT_EQ(state_->changeKey(o.account, "wrong", "new-tp", {})->reason, "old-key-mismatch");
    ASSERT_TRUE(state_->changeKey(o.account, "old-tp", "new-tp", {{"kty", "EC"}})->ok());
    EXPECT_FALSE(state_->accountIdByThumbprint("old-tp").value().has_value());
    EXPECT_EQ(*state_->accountIdByThumbprint("new-tp").value(), o.account);
    EXPECT_EQ(state_->account(o.account).value()->jwk["kty"], "EC");

    const auto other = onboard("other-tp");
    auto clash = state_->changeKey(o.account, "new-tp", "other-tp", {});
    EXPECT_EQ(clash->reason, "key-exists");
    EXPECT_EQ(clash->detail, other.account);
}

TEST_F(TenantStateTest, DeactivatedAccountsCannotOrder) {
    const auto o = onboard();
    ASSERT_TRUE(state_->deactivateAccount(o.account)->ok());
    EXPECT_EQ(state_->deactivateAccount(o.account)->reason, "not-valid");
    EXPECT_EQ(state_->updateContact(o.account, {"mailto:x@y.example"})->reason, "not-valid");
    const auto before = snapshot();
    auto order = starOrder(o);
    EXPECT_EQ(state_->createOrder(order)->reason, "account-not-valid");
    EXPECT_EQ(snapshot(), before);
}

TEST_F(TenantStateTest, AnotherNdcsDelegationIsUnknown) {
    const auto mine = onboard("tp-mine");
    const auto theirs = onboard("tp-theirs");
    auto order = starOrder(mine);
    order.delegationId = theirs.delegation;
    const auto before = snapshot();
    EXPECT_EQ(state_->createOrder(order)->reason, "unknown-delegation");
    order.delegationId = "no-such-delegation";
    EXPECT_EQ(state_->createOrder(order)->reason, "unknown-delegation");
    EXPECT_EQ(snapshot(), before);
}

// docs/state.md "Encodings": the CSR and the end-entity certificate are stored as DER;
// readers still take the base64url and PEM text that releases before 2026-12 wrote.
TEST_F(TenantStateTest, CsrAndCertificateAreStoredAsDerAndOlderTextStillReads) {
    using namespace std::chrono_literals;
    const auto o = onboard();
    auto key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    crypto::CsrRequest request;
    request.dnsNames = {"abc.ido.example"};
    const auto csr = *crypto::createCsr(key, request);
    const std::string der(csr.der().begin(), csr.der().end());
    const auto nb = clock_.now();
    const auto leafPem = crypto::CertificateBuilder()
                             .dnsNames({"abc.ido.example"})
                             .validity(nb, nb + 48h)
                             .selfSigned(key)
                             ->toPem();

    auto order = starOrder(o);
    ASSERT_TRUE(state_->createOrder(order)->ok());
    ASSERT_TRUE(state_->acceptFinalize(order.id, der)->ok());
    EXPECT_EQ(state_->order(order.id).value()->csrDer, der);
    EXPECT_EQ(pool_->command({"HGET", state_->keys().order(order.id), "csr"})->text(), der);
    ASSERT_TRUE(
        state_->publishCertificate(order.certToken, leafPem, nb, nb + 48h, std::nullopt)->ok());
    EXPECT_EQ(state_->certificate(order.certToken).value()->pem, leafPem);
    const auto stored =
        pool_->command({"HGET", state_->keys().certificate(order.certToken), "pem"})->text();
    const auto leafDer = crypto::Certificate::fromPem(leafPem)->der();
    EXPECT_EQ(stored, std::string(leafDer.begin(), leafDer.end()));

    // The same order and publication as an older release left them: text.
    const auto csr64 = wire::base64UrlEncode(csr.der());
    ASSERT_TRUE(pool_->command({"HSET", state_->keys().order(order.id), "csr", csr64}).ok());
    ASSERT_TRUE(
        pool_->command({"HSET", state_->keys().certificate(order.certToken), "pem", leafPem}).ok());
    EXPECT_EQ(state_->order(order.id).value()->csrDer, der);
    EXPECT_EQ(state_->certificate(order.certToken).value()->pem, leafPem);
}

TEST_F(TenantStateTest, OrderLifecycleFinalizePublishCancel) {
    const auto o = onboard();
    auto order = starOrder(o);
    ASSERT_TRUE(state_->createOrder(order)->ok());
    EXPECT_EQ(state_->order(order.id).value()->status, "ready");
    EXPECT_EQ(state_->ordersOfAccount(o.account, 0, 10)->ids, std::vector<std::string>{order.id});
    EXPECT_EQ(state_->certificate(order.certToken).value()->state, "pending");

    // Cancel is only for valid STAR orders.
    EXPECT_EQ(state_->cancelOrder(order.id)->reason, "invalid-state");

    ASSERT_TRUE(state_->acceptFinalize(order.id, "Q1NS")->ok());
    EXPECT_EQ(state_->acceptFinalize(order.id, "Q1NS")->reason, "not-ready");
    auto processing = state_->order(order.id).value();
    EXPECT_EQ(processing->status, "processing");
    EXPECT_EQ(processing->csrDer, "CSR");  // base64url text, as an older release stored it
    auto jobs = pool_->command({"XRANGE", state_->keys().relayStream(), "-", "+"});
    ASSERT_EQ(jobs->elements().size(), 1u);
    EXPECT_EQ(jobs->elements()[0].toString().find("finalize") != std::string::npos, true);

    const TimePoint nb = clock_.now();
    const TimePoint na = nb + std::chrono::hours(48);
    auto published =
        state_->publishCertificate(order.certToken, "PEM", nb, na, nb + std::chrono::hours(24));
    ASSERT_TRUE(published->ok());
    EXPECT_EQ(published->detail, "1");
    EXPECT_EQ(state_->order(order.id).value()->status, "valid");
    auto cert = state_->certificate(order.certToken).value();
    EXPECT_EQ(cert->state, "active");
    EXPECT_EQ(cert->pem, "PEM");
    EXPECT_EQ(cert->notAfter, na);
    EXPECT_TRUE(cert->allowGet);
    EXPECT_TRUE(cert->star);

    ASSERT_TRUE(state_->cancelOrder(order.id)->ok());
    EXPECT_EQ(state_->cancelOrder(order.id)->reason, "invalid-state");
    EXPECT_EQ(state_->order(order.id).value()->status, "canceled");
    EXPECT_EQ(state_->certificate(order.certToken).value()->state, "canceled");
    // A canceled publication is never re-published.
    EXPECT_EQ(state_->publishCertificate(order.certToken, "PEM2", nb, na, {})->reason, "canceled");
}

TEST_F(TenantStateTest, RejectedFinalizeRecordsTheProblem) {
    const auto o = onboard();
    auto order = starOrder(o);
    ASSERT_TRUE(state_->createOrder(order)->ok());
    auto problem = acme::Problem::make(acme::ErrorType::badCSR, "extensions.keyUsage: ...", 403);
    ASSERT_TRUE(state_->rejectFinalize(order.id, problem)->ok());
    auto invalid = state_->order(order.id).value();
    EXPECT_EQ(invalid->status, "invalid");
    EXPECT_EQ(invalid->error["type"], "urn:ietf:params:acme:error:badCSR");
    EXPECT_EQ(state_->acceptFinalize(order.id, "x")->reason, "not-ready");
}

TEST_F(TenantStateTest, TerminationCancelsLiveOrdersAndQueuesUpstreamWork) {
    const auto o = onboard();
    auto live = starOrder(o);
    auto ready = starOrder(o);
    ASSERT_TRUE(state_->createOrder(live)->ok());
    ASSERT_TRUE(state_->createOrder(ready)->ok());
    ASSERT_TRUE(state_->acceptFinalize(live.id, "Q1NS")->ok());
    ASSERT_TRUE(state_
                    ->publishCertificate(live.certToken, "PEM", clock_.now(),
                                         clock_.now() + std::chrono::hours(1), {})
                    ->ok());

    auto ended = state_->terminateDelegation(o.delegation);
    ASSERT_TRUE(ended->ok());
    EXPECT_EQ(ended->detail, "2");
    EXPECT_EQ(state_->terminateDelegation(o.delegation)->reason, "already");
    EXPECT_EQ(state_->terminateDelegation("nope")->reason, "not-found");
    EXPECT_EQ(state_->order(live.id).value()->status, "canceled");
    EXPECT_EQ(state_->order(ready.id).value()->status, "canceled");
    EXPECT_EQ(state_->certificate(live.certToken).value()->state, "canceled");
    EXPECT_FALSE(state_->delegation(o.delegation).value()->active());

    // Future orders under it are refused.
    auto next = starOrder(o);
    EXPECT_EQ(state_->createOrder(next)->reason, "unknown-delegation");

    // The audit stream saw every transition.
    auto audit = state_->audit(100);
    ASSERT_TRUE(audit.ok());
    int terminated = 0;
    for (const auto& e : *audit) {
        terminated += e.at("to") == "terminated";
    }
    EXPECT_EQ(terminated, 1);
}

TEST_F(TenantStateTest, ListsArePaged) {
    const auto o = onboard();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto order = starOrder(o);
        clock_.advance(std::chrono::seconds(1));
        ASSERT_TRUE(state_->createOrder(order)->ok());
        ids.push_back(order.id);
    }
    auto first = state_->ordersOfAccount(o.account, 0, 2);
    EXPECT_EQ(first->ids, (std::vector<std::string>{ids[0], ids[1]}));
    ASSERT_TRUE(first->next);
    auto last = state_->ordersOfAccount(o.account, 4, 2);
    EXPECT_EQ(last->ids, std::vector<std::string>{ids[4]});
    EXPECT_FALSE(last->next);
}

TEST_F(TenantStateTest, TokenBucketLimitsBursts) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(state_->takeToken("acct", 1, 3).value().has_value());
    }
    auto wait = state_->takeToken("acct", 1, 3);
    ASSERT_TRUE(wait->has_value());
    EXPECT_GT(**wait, std::chrono::milliseconds(0));
    EXPECT_LE(**wait, std::chrono::milliseconds(1000));
    clock_.advance(std::chrono::seconds(1));
    EXPECT_FALSE(state_->takeToken("acct", 1, 3).value().has_value());
}

TEST(NewId, NeverStartsWithADashSoCommandLinesCannotMistakeItForAnOption) {
    for (int i = 0; i < 2000; ++i) {  // 1 in 64 raw draws starts with '-'
        const auto id = newId();
        ASSERT_EQ(id.size(), 22u);
        ASSERT_NE(id.front(), '-') << id;
    }
}

TEST_F(TenantStateTest, TenantsAreIsolated) {
    const auto o = onboard();
    TenantState other(*pool_, TenantKeys(*store::KeyLayout::forTenant("other")), clock_);
    EXPECT_FALSE(other.account(o.account).value().has_value());
    EXPECT_FALSE(other.delegation(o.delegation).value().has_value());
    EXPECT_TRUE(other.ndcs().value().empty());
}

}  // namespace
}  // namespace legate::ido
