// The publication endpoint's answers (RFC 8739 §3.3–§3.4, digest §3.7, A26–A28) from
// real records in Redis, read through the tenant's invalidating cache.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/http/Response.h"
#include "idO/acme/Publication.h"
#include "tests/idO/orders/OrderFixture.h"

namespace legate::ido {
namespace {

using acme::ErrorType;

PublicationConditions ifNoneMatch(std::string value) {
    PublicationConditions c;
    c.ifNoneMatch = std::move(value);
    return c;
}

PublicationConditions ifModifiedSince(std::string value) {
    PublicationConditions c;
    c.ifModifiedSince = std::move(value);
    return c;
}

class PublicationTest : public test::OrderFixture {
protected:
    void SetUp() override {
        OrderFixture::SetUp();
        if (IsSkipped()) {
            return;
        }
        key_ = std::make_unique<crypto::PrivateKey>(
            *crypto::PrivateKey::generate(crypto::KeyType::P256));
        onboarded_ = onboard(*key_);
    }

    /// Publishes a real chain for `order`, as the upstream side does.
    test::Chain publish(const OrderRecord& order, TimePoint notBefore, TimePoint notAfter,
                        std::optional<TimePoint> next) {
        auto chain = test::makeChain(notBefore, notAfter);
        EXPECT_TRUE(state().acceptFinalize(order.id, "csr")->ok() ||
                    state().order(order.id).value()->status == "valid");
        auto outcome =
            state().publishCertificate(order.certToken, chain.pem, notBefore, notAfter, next);
        EXPECT_TRUE(outcome.ok() && outcome->ok());
        return chain;
    }

    http::Response fetch(const std::string& token, const PublicationConditions& conditions = {}) {
        auto record = cachedPublication(*tenant_, token);
        EXPECT_TRUE(record.ok());
        return publicationResponse(*record, clock_.now(), conditions);
    }

    static nlohmann::json problemOf(const http::Response& r) {
        return nlohmann::json::parse(r.body());
    }

    std::unique_ptr<crypto::PrivateKey> key_;
    Onboarded onboarded_;
};

TEST_F(PublicationTest, ActiveCertificateHasChainValidityHeadersAndMaxAge) {
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    const auto chain = publish(order, now - std::chrono::hours(1), now + std::chrono::hours(24),
                               now + std::chrono::hours(12));
    const auto r = fetch(order.certToken);
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.headers().get("Content-Type").value_or(""), "application/pem-certificate-chain");
    EXPECT_EQ(r.body(), chain.pem);
    EXPECT_EQ(r.headers().get("Cert-Not-Before").value_or(""), toHttpDate(chain.leaf.notBefore()));
    EXPECT_EQ(r.headers().get("Cert-Not-After").value_or(""), toHttpDate(chain.leaf.notAfter()));
    EXPECT_EQ(r.headers().get("Cert-Not-After").value_or(""),
              toHttpDate(now + std::chrono::hours(24)));
    EXPECT_EQ(r.headers().get("Cache-Control").value_or(""),
              "public, max-age=" + std::to_string(12 * 3600));
}

TEST_F(PublicationTest, EdgesRevalidateWithETagOrLastModifiedAndGet304) {
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    const auto chain = publish(order, now - std::chrono::hours(1), now + std::chrono::hours(24),
                               now + std::chrono::hours(12));
    const auto full = fetch(order.certToken);
    ASSERT_EQ(full.status(), 200);
    const std::string etag = full.headers().get("ETag").value_or("");
    EXPECT_EQ(etag, publicationETag(chain.pem));
    EXPECT_EQ(etag.size(), 18u);
    EXPECT_EQ(full.headers().get("Last-Modified").value_or(""), toHttpDate(chain.leaf.notBefore()))
        << "Last-Modified is the served certificate's Cert-Not-Before";

    for (const std::string& match : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
        const auto r = fetch(order.certToken, ifNoneMatch(match));
        EXPECT_EQ(r.status(), 304) << match;
        EXPECT_TRUE(r.body().empty());
        EXPECT_EQ(r.headers().get("ETag").value_or(""), etag);
        EXPECT_EQ(r.headers().get("Cert-Not-After").value_or(""),
                  full.headers().get("Cert-Not-After").value_or("-"));
        EXPECT_EQ(r.headers().get("Cache-Control").value_or(""),
                  full.headers().get("Cache-Control").value_or("-"));
    }
    EXPECT_EQ(fetch(order.certToken, ifNoneMatch("\"0000000000000000\"")).status(), 200);
    EXPECT_EQ(fetch(order.certToken, ifNoneMatch(etag.substr(0, 10))).status(), 200);

    const auto lastModified = toHttpDate(chain.leaf.notBefore());
    EXPECT_EQ(fetch(order.certToken, ifModifiedSince(lastModified)).status(), 304);
    EXPECT_EQ(fetch(order.certToken,
                    ifModifiedSince(toHttpDate(chain.leaf.notBefore() - std::chrono::seconds(1))))
                  .status(),
              200);
    EXPECT_EQ(fetch(order.certToken, ifModifiedSince("yesterday")).status(), 200);
    EXPECT_EQ(fetch(order.certToken, PublicationConditions{"\"nope\"", lastModified}).status(), 200)
        << "If-None-Match takes precedence";

    // A renewal changes the tag: the old one no longer matches.
    const auto renewed = publish(order, now, now + std::chrono::hours(30), std::nullopt);
    const auto after = fetch(order.certToken, ifNoneMatch(etag));
    EXPECT_EQ(after.status(), 200);
    EXPECT_EQ(after.body(), renewed.pem);
    EXPECT_NE(after.headers().get("ETag").value_or(""), etag);
}

TEST_F(PublicationTest, RefusalsAreNeverNotModified) {
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    const auto chain = publish(order, now, now + std::chrono::hours(24), std::nullopt);
    ASSERT_TRUE(state().cancelOrder(order.id)->ok());
    const auto r = fetch(order.certToken, ifNoneMatch(publicationETag(chain.pem)));
    EXPECT_EQ(r.status(), 403);
    EXPECT_FALSE(r.headers().get("ETag"));
}

TEST_F(PublicationTest, MaxAgeIsCappedAtNotAfterAndNeverNegative) {
    const auto now = clock_.now();
    CertificateRecord r;
    r.pem = "chain";
    r.notBefore = now - std::chrono::seconds(10);
    r.notAfter = now + std::chrono::seconds(100);
    EXPECT_EQ(publicationMaxAge(r, now), 100);  // no next publication: until notAfter
    r.nextPublication = now + std::chrono::seconds(40);
    EXPECT_EQ(publicationMaxAge(r, now), 40);
    r.nextPublication = now + std::chrono::seconds(400);
    EXPECT_EQ(publicationMaxAge(r, now), 100);  // capped at notAfter
    r.nextPublication = now - std::chrono::seconds(5);
    EXPECT_EQ(publicationMaxAge(r, now), 0);  // overdue: do not cache
}

TEST_F(PublicationTest, AStagedSuccessorIsServedFromItsSecondOn) {
    const auto now = clock_.now();
    CertificateRecord r;
    r.pem = "current";
    r.notBefore = now - std::chrono::seconds(50);
    r.notAfter = now + std::chrono::seconds(100);
    r.nextPem = "next";
    r.nextNotBefore = now - std::chrono::seconds(10);
    r.nextNotAfter = now + std::chrono::seconds(200);
    r.nextFrom = now + std::chrono::seconds(30);
    r.nextNextPublication = now + std::chrono::seconds(130);

    auto before = r.servedAt(now + std::chrono::seconds(29));
    ASSERT_TRUE(before);
    EXPECT_EQ(*before->pem, "current");
    EXPECT_EQ(before->nextPublication, r.nextFrom);  // the staged one's switch time
    EXPECT_EQ(publicationMaxAge(r, now), 30);

    auto at = r.servedAt(now + std::chrono::seconds(30));
    ASSERT_TRUE(at);
    EXPECT_EQ(*at->pem, "next");
    EXPECT_EQ(at->notAfter, *r.nextNotAfter);
    EXPECT_EQ(at->nextPublication, r.nextNextPublication);
    EXPECT_EQ(publicationMaxAge(r, now + std::chrono::seconds(30)), 100);

    r.pem.clear();  // only a staged certificate (a future start-date): it is served
    auto only = r.servedAt(now);
    ASSERT_TRUE(only);
    EXPECT_EQ(*only->pem, "next");
}

TEST_F(PublicationTest, UnknownAndPendingTokensAre404Malformed) {
    auto r = fetch("no-such-token");
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(problemOf(r)["type"], acme::urnOf(ErrorType::malformed));
    EXPECT_EQ(r.headers().get("Cache-Control").value_or(""), "no-store");
    const auto order = createOrder(onboarded_, true);
    r = fetch(order.certToken);
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(problemOf(r)["type"], acme::urnOf(ErrorType::malformed));
    EXPECT_EQ(problemOf(r)["detail"], "the certificate is not issued yet");
}

TEST_F(PublicationTest, CanceledStarOrderAnswersAutoRenewalCanceledNoStore) {
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    publish(order, now, now + std::chrono::hours(24), std::nullopt);
    ASSERT_TRUE(state().cancelOrder(order.id)->ok());
    const auto r = fetch(order.certToken);
    EXPECT_EQ(r.status(), 403);
    EXPECT_EQ(problemOf(r)["type"], acme::urnOf(ErrorType::autoRenewalCanceled));
    EXPECT_EQ(r.headers().get("Cache-Control").value_or(""), "no-store");
}

TEST_F(PublicationTest, StarPastEndDateAnswersAutoRenewalExpired) {
    const auto order = createOrder(onboarded_, true);  // end-date: now + 240 h
    const auto now = clock_.now();
    publish(order, now, now + std::chrono::hours(24), std::nullopt);
    clock_.advance(std::chrono::hours(240) - std::chrono::seconds(1));
    EXPECT_EQ(fetch(order.certToken).status(), 200);
    clock_.advance(std::chrono::seconds(1));
    const auto r = fetch(order.certToken);
    EXPECT_EQ(r.status(), 403);
    EXPECT_EQ(problemOf(r)["type"], acme::urnOf(ErrorType::autoRenewalExpired));
    EXPECT_EQ(r.headers().get("Cache-Control").value_or(""), "no-store");
}

TEST_F(PublicationTest, NonStarCertificateNeverExpiresAsAutoRenewal) {
    const auto order = createOrder(onboarded_, false);
    const auto now = clock_.now();
    publish(order, now, now + std::chrono::hours(24 * 90), std::nullopt);
    clock_.advance(std::chrono::hours(24 * 30));
    const auto r = fetch(order.certToken);
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.headers().get("Cache-Control").value_or(""),
              "public, max-age=" + std::to_string(60 * 86400));
}

TEST_F(PublicationTest, CacheServesUntilInvalidatedThenTheNewChain) {
    tenant_->publications.setLive(true);  // the invalidation feed is connected
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    const auto first = publish(order, now, now + std::chrono::hours(24), std::nullopt);
    EXPECT_EQ(fetch(order.certToken).body(), first.pem);
    EXPECT_EQ(tenant_->publications.size(), 1u);

    // A new certificate in Redis is not seen until its invalidation arrives...
    const auto second =
        publish(order, now + std::chrono::hours(12), now + std::chrono::hours(36), std::nullopt);
    EXPECT_EQ(fetch(order.certToken).body(), first.pem);
    // ...and is served right after it.
    tenant_->publications.invalidate(order.certToken);
    const auto r = fetch(order.certToken);
    EXPECT_EQ(r.body(), second.pem);
    EXPECT_EQ(r.headers().get("Cert-Not-After").value_or(""), toHttpDate(second.leaf.notAfter()));

    // Cancel: the invalidation makes the next read a 403.
    ASSERT_TRUE(state().cancelOrder(order.id)->ok());
    tenant_->publications.invalidate(order.certToken);
    EXPECT_EQ(fetch(order.certToken).status(), 403);
}

TEST_F(PublicationTest, WithoutTheFeedNothingIsCached) {
    const auto order = createOrder(onboarded_, true);
    const auto now = clock_.now();
    publish(order, now, now + std::chrono::hours(24), std::nullopt);
    EXPECT_EQ(fetch(order.certToken).status(), 200);
    EXPECT_EQ(tenant_->publications.size(), 0u);
    ASSERT_TRUE(state().cancelOrder(order.id)->ok());
    EXPECT_EQ(fetch(order.certToken).status(), 403);  // no invalidation needed
}

/// A CA (root key and certificate) that issues leaves whose issuer chain is always
/// the same text, as one intermediate of a real CA.
struct TestCa {
    crypto::PrivateKey key = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    crypto::Certificate root;

    explicit TestCa(TimePoint now)
        : root(*crypto::CertificateBuilder()
                    .commonName("Chain Test Root")
                    .validity(now - std::chrono::hours(24), now + std::chrono::hours(24 * 365))
                    .certificateAuthority()
                    .selfSigned(key)) {}

    std::string chain(const std::string& name, TimePoint notBefore, TimePoint notAfter) const {
        auto leafKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
        auto leaf = *crypto::CertificateBuilder()
                         .dnsNames({name})
                         .validity(notBefore, notAfter)
                         .serverAuth()
                         .issuedBy(leafKey.publicKey(), root, key);
        return leaf.toPem() + root.toPem();
    }
};

// docs/state.md "Issuer chains": the part of a chain after the end-entity certificate is
// stored once per tenant; every reader still gets the exact chain that was published,
// the staged successor's too, and the shared copy outlives every certificate naming it.
TEST_F(PublicationTest, IssuerChainsAreStoredOnceAndReadersGetTheWholeChain) {
    const auto now = clock_.now();
    const TestCa ca(now);
    const TestCa otherCa(now);
    auto first = createOrder(onboarded_, true);
    auto second = createOrder(onboarded_, true);
    const auto firstPem = ca.chain("abc.ido.example", now, now + std::chrono::hours(24));
    const auto secondPem = ca.chain("abc.ido.example", now, now + std::chrono::hours(48));
    for (const auto* o : {&first, &second}) {
        ASSERT_TRUE(state().acceptFinalize(o->id, "csr")->ok());
    }
    ASSERT_TRUE(state()
                    .publishCertificate(first.certToken, firstPem, now,
                                        now + std::chrono::hours(24), std::nullopt)
                    ->ok());
    ASSERT_TRUE(state()
                    .publishCertificate(second.certToken, secondPem, now,
                                        now + std::chrono::hours(48), std::nullopt)
                    ->ok());

    auto chainKeys = [this] {
        return pool_->command({"KEYS", "legate:example:*chain:*"})->elements().size();
    };
    EXPECT_EQ(chainKeys(), 1u);  // one issuer chain for both publications
    EXPECT_EQ((*state().certificate(first.certToken))->pem, firstPem);
    EXPECT_EQ((*state().certificate(second.certToken))->pem, secondPem);
    // The publication itself holds the end-entity certificate only, as DER.
    const auto stored =
        pool_->command({"HGET", state().keys().certificate(first.certToken), "pem"})->text();
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(static_cast<unsigned char>(stored[0]), 0x30);
    const auto endEntityPem = storedCertificatePem(stored);
    EXPECT_EQ(firstPem.rfind(endEntityPem, 0), 0u);
    EXPECT_LT(stored.size() * 4, endEntityPem.size() * 3 + 4);
    // Kept until a week after the later notAfter of the two.
    const auto key = pool_->command({"KEYS", "legate:example:*chain:*"})->elements()[0].text();
    const auto ttl = pool_->command({"TTL", key})->asInteger().value_or(-1);
    const auto wanted = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::hours(48) +
                                                                         TenantState::kChainGrace)
                            .count();
    EXPECT_LE(ttl, wanted);
    EXPECT_GT(ttl, wanted - 60);

    // A successor from another CA, staged until its second comes, then promoted.
    const auto from = now + std::chrono::hours(12);
    const auto stagedPem = otherCa.chain("abc.ido.example", now, now + std::chrono::hours(36));
    ASSERT_TRUE(state()
                    .publishCertificate(first.certToken, stagedPem, now,
                                        now + std::chrono::hours(36), std::nullopt, from)
                    ->ok());
    EXPECT_EQ(chainKeys(), 2u);
    auto staged = *state().certificate(first.certToken);
    EXPECT_EQ(staged->pem, firstPem);
    EXPECT_EQ(staged->nextPem, stagedPem);

    clock_.set(from + std::chrono::seconds(1));
    const auto thirdPem = ca.chain("abc.ido.example", now, now + std::chrono::hours(60));
    ASSERT_TRUE(state()
                    .publishCertificate(first.certToken, thirdPem, now,
                                        now + std::chrono::hours(60), std::nullopt,
                                        now + std::chrono::hours(30))
                    ->ok());
    auto promoted = *state().certificate(first.certToken);
    EXPECT_EQ(promoted->pem, stagedPem);  // the staged one, promoted with its own chain
    EXPECT_EQ(promoted->nextPem, thirdPem);
}

// A publication whose shared issuer chain is gone is an error, never a leaf alone.
TEST_F(PublicationTest, AMissingIssuerChainIsAnErrorNotAnIncompleteChain) {
    const auto now = clock_.now();
    auto order = createOrder(onboarded_, true);
    ASSERT_TRUE(state().acceptFinalize(order.id, "csr")->ok());
    const auto pem = TestCa(now).chain("abc.ido.example", now, now + std::chrono::hours(24));
    ASSERT_TRUE(state()
                    .publishCertificate(order.certToken, pem, now, now + std::chrono::hours(24),
                                        std::nullopt)
                    ->ok());
    auto chains = pool_->command({"KEYS", "legate:example:*chain:*"});
    ASSERT_TRUE(chains.ok());
    ASSERT_EQ(chains->elements().size(), 1u);
    ASSERT_TRUE(pool_->command({"DEL", chains->elements()[0].text()}).ok());
    auto read = state().certificate(order.certToken);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.problem().type, ErrorType::serverInternal);
}

}  // namespace
}  // namespace legate::ido
