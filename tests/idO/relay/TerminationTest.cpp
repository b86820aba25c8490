/// Termination that really ends certificates (docs/upstream.md, "Termination"), against
/// the Boulder-shaped CA (tests/support/BoulderCa.h): the CA's validation or issuance is
/// held, the delegation terminated, the CA released — and the CA sees the Order2
/// canceled or, when issuance had already started, the certificate revoked; never
/// published.  Then the delegation's `termination` option: `revoke` revokes the
/// certificate served, `stop-renewal` leaves it valid until its notAfter.  The real
/// RelayService threads run against a real Redis; nothing sleeps, every wait polls.

#include <algorithm>

#include <gtest/gtest.h>

#include "broker/crypto/Certificate.h"
#include "tests/idO/relay/RelayFixture.h"
#include "tests/support/BoulderCa.h"

namespace legate::ido::relay {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// Let's Encrypt's profiles with validities of seconds; classic long enough that an
/// order in the test renews at most once.
std::vector<test::BoulderProfile> scaledProfiles() {
    return {{"classic", "The profile you're accustomed to", 120s, 30s, 600s, 100},
            {"shortlived", "Six-day certificates", 6s, 1s, 600s, 25}};
}

class TerminationTest : public RelayFixture {
protected:
    void startRelay(test::BoulderCa& ca, Termination tenantDefault = Termination::stopRenewal) {
        auto up = upstream(ca);
        up.orderValidity = OrderValidity::never;
        up.termination = tenantDefault;
        RelayFixture::startRelay(up);
    }

    /// An Order1 in processing with a real CSR (STAR with `lifetime`, or non-STAR when 0),
    /// under a delegation of its own with `termination` ("" = the tenant's default).
    std::string processingOrder(const std::string& label, int64_t lifetime,
                                const std::string& termination = "") {
        return RelayFixture::processingOrder(label,
                                             {.lifetime = lifetime, .termination = termination})
            .id;
    }

    void terminate(const std::string& orderId) {
        auto order = state_->order(orderId);
        ASSERT_TRUE(order.ok() && *order);
        auto outcome = state_->terminateDelegation((*order)->delegationId);
        ASSERT_TRUE(outcome.ok() && outcome->ok());
    }

    bool ended(const std::string& id) {
        auto p = relay_->tenant("example")->state().progress(id);
        return p.ok() && p->ended;
    }

    IssueStep stepOf(const std::string& id) {
        auto p = relay_->tenant("example")->state().progress(id);
        return p.ok() ? p->issue.step : IssueStep::none;
    }

    std::string publishedPem(const std::string& id) {
        auto order = state_->order(id);
        auto cert = state_->certificate((*order)->certToken);
        return cert.ok() && *cert ? (*cert)->pem : "";
    }

    static bool revoked(test::BoulderCa& ca, const std::string& serial) {
        const auto all = ca.revokedSerials();
        return std::find(all.begin(), all.end(), serial) != all.end();
    }
};

TEST_F(TerminationTest, TerminatedDuringValidationTheCaSeesTheOrder2Canceled) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    ca.holdValidation(true);
    startRelay(ca);
    const std::string id = processingOrder("abc", 86400);
    ASSERT_TRUE(test::pollUntil([&] { return ca.challengesAnswered() >= 1; }, 30s));
    ASSERT_EQ(ca.newOrders().size(), 1u);
    const auto order2 = ca.newOrders()[0].orderUrl;

    terminate(id);
    ASSERT_TRUE(test::pollUntil([&] { return ended(id); }, 20s));
    ca.holdValidation(false);

    const auto cancels = ca.cancelRequests();
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0], order2) << "the Order2 in flight, canceled at the CA";
    // The relay neither finalizes nor orders again once released.
    EXPECT_TRUE(ca.issued().empty());
    EXPECT_EQ(ca.newOrders().size(), 1u);
    EXPECT_EQ(statusOf(id), "canceled");
    EXPECT_TRUE(publishedPem(id).empty());
}

TEST_F(TerminationTest, TerminatedDuringIssuanceTheIssuedCertificateIsRevokedNotPublished) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    ca.holdIssuance(true);
    startRelay(ca);
    const std::string id = processingOrder("abc", 0);  // non-STAR relay
    ASSERT_TRUE(test::pollUntil([&] { return stepOf(id) == IssueStep::finalized; }, 30s));
    ASSERT_EQ(ca.issued().size(), 1u) << "the CA is issuing it";
    const auto serial = ca.issued()[0].certificate.serialHex();

    terminate(id);
    // No ACME request stops an issuance under way: the relay waits for the certificate
    // and revokes it.
    ASSERT_TRUE(test::pollUntil(
        [&] {
            auto status = relay_->tenant("example")->state().status();
            return status.ok() && (*status)["counters"].value("job:terminate", 0) >= 1;
        },
        20s));
    EXPECT_FALSE(ended(id)) << "not ended while the certificate is still to come";
    EXPECT_TRUE(ca.revokedSerials().empty());
    ca.holdIssuance(false);
    EXPECT_TRUE(test::pollUntil([&] { return revoked(ca, serial); }, 30s))
        << "revokeCert (RFC 8555 §7.6) of the certificate issued after the order ended";
    EXPECT_TRUE(test::pollUntil([&] { return ended(id); }, 20s));
    EXPECT_EQ(statusOf(id), "canceled");
    EXPECT_TRUE(publishedPem(id).empty()) << "never published";
    EXPECT_EQ(ca.issued().size(), 1u);
}

TEST_F(TerminationTest, RevokeRevokesTheServedCertificateAndStopRenewalDoesNot) {
    test::BoulderCa ca(dir_ / "ca", {.profiles = scaledProfiles()});
    startRelay(ca);  // the tenant's default: stop-renewal
    // Thirty days: the `classic` band (120 s here), so nothing renews during the test.
    const std::string revoking = processingOrder("rev", 30LL * 86400, "revoke");
    const std::string stopping = processingOrder("stop", 30LL * 86400);
    ASSERT_TRUE(test::pollUntil(
        [&] { return statusOf(revoking) == "valid" && statusOf(stopping) == "valid"; }, 30s));
    const auto revokingPem = publishedPem(revoking);
    const auto stoppingPem = publishedPem(stopping);
    ASSERT_FALSE(revokingPem.empty());
    ASSERT_FALSE(stoppingPem.empty());
    const auto revokingSerial = crypto::parsePemChain(revokingPem)->front().serialHex();
    const auto stoppingSerial = crypto::parsePemChain(stoppingPem)->front().serialHex();

    terminate(revoking);
    terminate(stopping);
    ASSERT_TRUE(test::pollUntil([&] { return ended(revoking) && ended(stopping); }, 30s));
    EXPECT_TRUE(revoked(ca, revokingSerial)) << "termination: revoke";
    EXPECT_FALSE(revoked(ca, stoppingSerial)) << "stop-renewal: valid at the CA until its notAfter";
    EXPECT_EQ(ca.revokedSerials().size(), 1u);
    EXPECT_EQ(ca.issued().size(), 2u) << "and neither is renewed";
}

}  // namespace
}  // namespace legate::ido::relay
