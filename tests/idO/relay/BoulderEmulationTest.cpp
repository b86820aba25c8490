/// STAR emulation against a CA shaped like Let's Encrypt (tests/support/BoulderCa.h):
/// it refuses notBefore/notAfter with Boulder's exact problem, issues the validity of the
/// profile asked for (scaled down to seconds), serves ARI renewalInfo, checks `replaces`,
/// and rate-limits new orders with 429 + Retry-After.  The real RelayService threads run
/// against a real Redis; nothing sleeps, every wait polls.

#include <gtest/gtest.h>

#include "broker/crypto/Key.h"
#include "idO/upstream/AcmeClient.h"
#include "tests/idO/relay/RelayFixture.h"
#include "tests/support/BoulderCa.h"

namespace legate::ido::relay {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// Let's Encrypt's profiles with validities of seconds: shortlived 6 s, tlsserver 30 s,
/// classic 60 s (orders live long enough for a slow machine).
std::vector<test::BoulderProfile> scaledProfiles() {
    return {{"classic", "The profile you're accustomed to", 60s, 30s, 600s, 100},
            {"tlsserver", "Forward-looking TLS server profile", 30s, 1s, 600s, 25},
            {"shortlived", "Six-day certificates", 6s, 1s, 600s, 25}};
}

class BoulderEmulationTest : public RelayFixture {
protected:
    void startRelay(const UpstreamConfig& up, int64_t tickMs = 50) {
        RelayFixture::startRelay(up, {.tickMs = tickMs});
    }

    /// A STAR Order1 in processing with a real CSR, as finalize leaves it.
    std::string processingStarOrder(const std::string& label, int64_t lifetime = 86400) {
        return processingOrder(label, {.lifetime = lifetime}).id;
    }

    /// Certificates issued for `name`, in order.
    static std::vector<test::BoulderIssued> issuedFor(test::BoulderCa& ca,
                                                      const std::string& name) {
        std::vector<test::BoulderIssued> out;
        for (auto& i : ca.issued()) {
            if (i.certificate.dnsNames() == std::vector<std::string>{name}) {
                out.push_back(i);
            }
        }
        return out;
    }

    TenantRelay& tenant() { return *relay_->tenant("example"); }
};

TEST_F(BoulderEmulationTest, ThreeCertificatesWithProfileAriReplacesAndNoValidityFields) {
    test::BoulderCa ca(dir_ / "ca",
                       {.profiles = scaledProfiles(), .ariRetryAfter = std::chrono::seconds(60)});
    startRelay(upstream(ca));
    const std::string id = processingStarOrder("abc");
    ASSERT_TRUE(test::pollUntil([&] { return issuedFor(ca, "abc.ido.example").size() >= 3; }, 60s))
        << issuedFor(ca, "abc.ido.example").size() << " certificates; order " << statusOf(id);
    EXPECT_EQ(statusOf(id), "valid");

    const auto issued = issuedFor(ca, "abc.ido.example");
    for (std::size_t i = 0; i < issued.size(); ++i) {
        EXPECT_EQ(issued[i].profile, "shortlived") << "a one-day lifetime is in the first band";
        const auto validity = issued[i].certificate.notAfter() - issued[i].certificate.notBefore();
        EXPECT_LE(validity, 6s) << "the profile's validity, not the STAR lifetime";
        if (i == 0) {
            EXPECT_TRUE(issued[i].replaces.empty());
        } else {
            EXPECT_EQ(issued[i].replaces, issued[i - 1].certId)
                << "renewal " << i << " names the certificate it replaces (RFC 9773)";
        }
    }
    // The first newOrder asked for the validity (auto), was refused exactly as Boulder
    // does, and every later one left it out.
    const auto orders = ca.newOrders();
    ASSERT_GE(orders.size(), 4u);
    EXPECT_TRUE(orders[0].payload.contains("notBefore"));
    EXPECT_EQ(orders[0].status, 400);
    EXPECT_EQ(orders[0].problem, "urn:ietf:params:acme:error:malformed");
    for (std::size_t i = 1; i < orders.size(); ++i) {
        EXPECT_FALSE(orders[i].payload.contains("notBefore")) << i;
        EXPECT_FALSE(orders[i].payload.contains("notAfter")) << i;
        EXPECT_EQ(orders[i].payload.value("profile", ""), "shortlived") << i;
        EXPECT_EQ(orders[i].status, 201) << orders[i].problem;
    }
    EXPECT_GE(ca.renewalInfoRequests(), 2) << "renewal times come from the ARI window";

    auto fact = tenant().state().fact("order-validity");
    ASSERT_TRUE(fact.ok() && *fact);
    EXPECT_EQ(**fact, "refused") << "remembered for the tenant, in Redis";
    auto progress = tenant().state().progress(id);
    EXPECT_TRUE(progress->followIssued);
    EXPECT_EQ(progress->profile, "shortlived");

    // The publication serves the newest certificate with the CA's validity.
    auto order = state_->order(id);
    auto cert = state_->certificate((*order)->certToken);
    ASSERT_TRUE(cert.ok() && *cert);
    EXPECT_FALSE((*cert)->pem.empty());
}

TEST_F(BoulderEmulationTest, APollRunsWhenDueNotAtTheNextTick) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    ca.holdIssuance(true);
    // Renewals move once a minute here; the first certificate needs none of that, only
    // polls of the finalized Order2.
    startRelay(upstream(ca), /*tickMs=*/60000);
    const std::string id = processingStarOrder("poll");
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto p = tenant().state().progress(id);
            return p.ok() && p->issue.step == IssueStep::finalized && p->issue.polls >= 1;
        },
        20s))
        << "the Order2 is finalized and its first poll found it processing";
    ca.holdIssuance(false);
    EXPECT_TRUE(test::pollUntil([&] { return statusOf(id) == "valid"; }, 20s))
        << "the next poll (0.5 s, 1 s, ... after the last) ran without waiting for the tick; "
        << "order " << statusOf(id);
}

TEST_F(BoulderEmulationTest, TheRefusalIsRememberedAcrossARestart) {
    test::BoulderCa ca(dir_ / "ca",
                       {.profiles = scaledProfiles(), .ariRetryAfter = std::chrono::seconds(60)});
    auto up = upstream(ca);
    startRelay(up);
    const std::string first = processingStarOrder("one");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(first) == "valid"; }, 30s));
    relay_.reset();  // a restart: nothing of the relay survives but Redis

    startRelay(up);
    const auto before = ca.newOrders().size();
    const std::string second = processingStarOrder("two");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(second) == "valid"; }, 30s));
    const auto orders = ca.newOrders();
    int withValidity = 0;
    for (const auto& o : orders) {
        withValidity += o.payload.contains("notBefore") ? 1 : 0;
    }
    EXPECT_EQ(withValidity, 1) << "asked once for the tenant, never again";
    ASSERT_GT(orders.size(), before);
    EXPECT_FALSE(orders[before].payload.contains("notBefore"));
    EXPECT_EQ(orders[before].status, 201);
}

TEST_F(BoulderEmulationTest, SendIsRefusedAndFailsTheOrderWithTheCasProblem) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    auto up = upstream(ca);
    up.orderValidity = OrderValidity::send;
    startRelay(up);
    const std::string id = processingStarOrder("abc");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) != "processing"; }, 30s));
    EXPECT_EQ(statusOf(id), "invalid");
    auto order = state_->order(id);
    EXPECT_NE((*order)->error.dump().find("NotBefore and NotAfter are not supported"),
              std::string::npos)
        << (*order)->error.dump();
    EXPECT_EQ(ca.newOrders().size(), 1u) << "`send` never retries without: exactly one try";
}

TEST_F(BoulderEmulationTest, ALifetimeNoBandServesFailsBeforeAnyUpstreamOrder) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    startRelay(upstream(ca));
    const std::string id = processingStarOrder("abc", 200LL * 86400);
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) != "processing"; }, 30s));
    EXPECT_EQ(statusOf(id), "invalid");
    EXPECT_TRUE(ca.newOrders().empty());
}

TEST_F(BoulderEmulationTest, ARateLimitDefersTheOrderToRetryAfterAndAriRenewalsAreExempt) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles(),
                                     .newOrdersPerWindow = 1,
                                     .rateWindow = std::chrono::seconds(8),
                                     .ariRetryAfter = std::chrono::seconds(60)});
    auto up = upstream(ca);
    up.orderValidity = OrderValidity::never;
    startRelay(up);
    const std::string first = processingStarOrder("one");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(first) == "valid"; }, 30s));
    const std::string second = processingStarOrder("two");
    ASSERT_TRUE(test::pollUntil([&] { return ca.rateLimited() >= 1; }, 30s));
    // Deferred to the CA's Retry-After, counted, and visible in the admin relay view.
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto status = tenant().state().status();
            return status.ok() && (*status)["counters"].value("rate_limited", 0) >= 1 &&
                   (*status)["upstream"].contains("rate-limited-until");
        },
        10s));
    // The counter is written just before the wake-up: wait for that too.
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto d = tenant().state().dueTime(second);
            return d.ok() && d->has_value();
        },
        10s))
        << "waits in renewals";
    auto due = tenant().state().dueTime(second);
    EXPECT_GT(**due, std::chrono::system_clock::now() + 1s) << "at Retry-After, not at once";
    EXPECT_EQ(statusOf(second), "processing") << "a rate limit does not fail the order";

    // Meanwhile the first order's ARI renewals go through: exempt at the CA, and
    // charged to no budget here.
    EXPECT_TRUE(test::pollUntil([&] { return issuedFor(ca, "one.ido.example").size() >= 2; }, 30s));
    EXPECT_TRUE(test::pollUntil([&] { return statusOf(second) == "valid"; }, 30s))
        << "issued once the window allows";
    for (const auto& o : ca.newOrders()) {
        EXPECT_FALSE(o.payload.contains("notBefore") || o.payload.contains("notAfter"))
            << "order-validity never";
    }
}

TEST_F(BoulderEmulationTest, TheIdenticalSetLimitDefersARenewalUntilTheWindowFreesASlot) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    auto up = upstream(ca);
    up.ari = false;  // ARI renewals would be exempt from the limit
    up.orderValidity = OrderValidity::never;
    // Let's Encrypt's 5 per identical set per 7 days, scaled down: 2 per 15 s.
    up.budget.duplicateCertificates = 2;
    up.budget.duplicatePeriodSeconds = 15;
    startRelay(up);
    const std::string id = processingStarOrder("abc");
    // 6 s certificates renewed every few seconds: the third is one too many for 15 s.
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto status = tenant().state().status();
            return status.ok() &&
                   (*status)["counters"].value("limit_deferred:duplicate-certificates", 0) >= 1 &&
                   (*status)["counters"].value("certificate_limit_deferred", 0) >= 1 &&
                   (*status)["upstream"].contains("duplicate-certificates-until");
        },
        30s))
        << "counted, and visible in the admin relay view";
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto d = tenant().state().dueTime(id);
            return d.ok() && d->has_value();
        },
        10s));
    EXPECT_GT(**tenant().state().dueTime(id), std::chrono::system_clock::now() + 3s)
        << "deferred to when the window frees a slot, not retried at once";
    EXPECT_EQ(issuedFor(ca, "abc.ido.example").size(), 2u);
    EXPECT_EQ(statusOf(id), "valid") << "deferred, not failed";
    EXPECT_NE(tenant().state().progress(id)->lastError.find("duplicate-certificates"),
              std::string::npos);

    ASSERT_TRUE(test::pollUntil([&] { return issuedFor(ca, "abc.ido.example").size() >= 3; }, 40s))
        << "ordered once the oldest certificate left the window";
    const auto issued = issuedFor(ca, "abc.ido.example");
    EXPECT_GE(issued[2].certificate.notBefore(), issued[0].certificate.notBefore() + 14s);
    for (const auto& o : ca.newOrders()) {
        EXPECT_EQ(o.status, 201) << "the deferral was local: " << o.problem;
    }
}

TEST_F(BoulderEmulationTest, AlreadyReplacedOrdersOnceWithoutReplacesAndNeverLoops) {
    // The ARI window late in each 12 s certificate, so the test can get in first.
    auto profiles = scaledProfiles();
    profiles[2].validity = 12s;
    test::BoulderCa ca(dir_ / "ca", {.profiles = profiles,
                                     .ariWindowStart = 0.8,
                                     .ariWindowEnd = 0.9,
                                     .ariRetryAfter = std::chrono::seconds(60)});
    startRelay(upstream(ca));
    const std::string id = processingStarOrder("abc");
    ASSERT_TRUE(test::pollUntil([&] { return !issuedFor(ca, "abc.ido.example").empty(); }, 30s));
    // Someone (an Order2 whose answer the relay lost in a crash) already names the first
    // certificate in `replaces`.
    upstream::AcmeClientOptions options;
    options.directoryUrl = ca.directoryUrl();
    options.caBundle = ca.tlsCaFile();
    upstream::AcmeClient other(options,
                               std::move(*crypto::PrivateKey::generate(crypto::KeyType::P256)));
    ASSERT_TRUE(other.findOrCreateAccount({}).ok());
    upstream::NewOrderRequest orphan;
    orphan.identifiers = {{"dns", "abc.ido.example"}};
    orphan.extra = {{"replaces", issuedFor(ca, "abc.ido.example")[0].certId},
                    {"profile", "shortlived"}};
    ASSERT_TRUE(other.newOrder(orphan).ok());

    ASSERT_TRUE(test::pollUntil([&] { return issuedFor(ca, "abc.ido.example").size() >= 3; }, 60s));
    const auto issued = issuedFor(ca, "abc.ido.example");
    EXPECT_TRUE(issued[1].replaces.empty()) << "ordered once without replaces";
    EXPECT_EQ(issued[2].replaces, issued[1].certId) << "the next renewal names its predecessor";
    int refused = 0;
    for (const auto& o : ca.newOrders()) {
        refused += o.status == 409 ? 1 : 0;
    }
    EXPECT_EQ(refused, 1) << "one alreadyReplaced, no loop";
    auto status = tenant().state().status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ((*status)["counters"].value("ari_already_replaced", 0), 1);
    EXPECT_EQ(statusOf(id), "valid");
}

TEST_F(BoulderEmulationTest, ARefusedRenewalIsRetriedNoFasterThanTheAuthorizationFailureBudget) {
    auto profiles = scaledProfiles();
    profiles[2].validity = 12s;  // renewed after about 6 s: time to make the CA refuse
    test::BoulderCa ca(dir_ / "ca",
                       {.profiles = profiles, .ariRetryAfter = std::chrono::seconds(60)});
    auto up = upstream(ca);
    up.budget.authorizationFailures = 2;  // per 20 s: one refusal per 10 s at most
    up.budget.failuresPeriodSeconds = 20;
    startRelay(up);
    const std::string id = processingStarOrder("abc");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) == "valid"; }, 30s));
    ca.failValidation(true);  // the renewal's validation fails
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto p = tenant().state().progress(id);
            return p.ok() && p->attempts == 1;
        },
        30s));
    auto due = tenant().state().dueTime(id);
    ASSERT_TRUE(due.ok() && due->has_value());
    EXPECT_GT(**due, std::chrono::system_clock::now() + 7s)
        << "period / limit after the refusal, not the 2 s backoff";
    auto status = tenant().state().status();
    EXPECT_GE((*status)["counters"].value("refusals_spaced", 0), 1);
    EXPECT_EQ(statusOf(id), "valid") << "the NDC keeps its certificate";

    ca.failValidation(false);
    EXPECT_TRUE(test::pollUntil([&] { return issuedFor(ca, "abc.ido.example").size() >= 2; }, 30s))
        << "renewed once the CA validates again";
}

TEST_F(BoulderEmulationTest, TheAriWindowIsFetchedAgainAtRetryAfterAndMovesTheRenewal) {
    // 60 s certificates renewed in [48 s, 54 s] by the window, and the window asked
    // for again every second (Retry-After: 1).
    auto profiles = scaledProfiles();
    profiles[2].validity = 60s;
    test::BoulderCa ca(dir_ / "ca", {.profiles = profiles,
                                     .ariWindowStart = 0.8,
                                     .ariWindowEnd = 0.9,
                                     .ariRetryAfter = std::chrono::seconds(1)});
    startRelay(upstream(ca));
    const std::string id = processingStarOrder("abc");
    ASSERT_TRUE(test::pollUntil([&] { return statusOf(id) == "valid"; }, 30s));
    ASSERT_TRUE(test::pollUntil([&] { return ca.renewalInfoRequests() >= 3; }, 20s))
        << "fetched again per Retry-After while the renewal waits";
    EXPECT_EQ(issuedFor(ca, "abc.ido.example").size(), 1u) << "not renewed before the window";
    auto progress = tenant().state().progress(id);
    ASSERT_TRUE(progress->ariRenewAt.has_value());
    EXPECT_GT(*progress->ariRenewAt, std::chrono::system_clock::now() + 30s);

    // The CA wants it replaced now (an incident): the next fetch moves the renewal.
    ca.suggestRenewalNow(true);
    ASSERT_TRUE(test::pollUntil([&] { return issuedFor(ca, "abc.ido.example").size() >= 2; }, 20s))
        << "renewed at once, long before the first window";
    const auto issued = issuedFor(ca, "abc.ido.example");
    EXPECT_EQ(issued[1].replaces, issued[0].certId);
}

TEST_F(BoulderEmulationTest, AProfileTheCaDoesNotOfferStopsTheStartWithItsConfigPath) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    auto up = upstream(ca);
    up.profiles.star = {{604800, "shortlived", "/tenants/0/upstream/profiles/star/0/profile"},
                        {7776000, "sixmonths", "/tenants/0/upstream/profiles/star/1/profile"}};
    auto service = tryStartRelay(up);
    ASSERT_FALSE(service.ok());
    EXPECT_EQ(service.problem().detail.rfind("/tenants/0/upstream/profiles/star/1/profile: ", 0),
              0u)
        << service.problem().detail;
    EXPECT_NE(service.problem().detail.find("sixmonths"), std::string::npos);
    EXPECT_NE(service.problem().detail.find("shortlived"), std::string::npos)
        << "names what the CA offers";
}

}  // namespace
}  // namespace legate::ido::relay
