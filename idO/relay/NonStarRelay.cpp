#include "idO/relay/NonStarRelay.h"

namespace legate::ido::relay {

Result<StepOutcome> NonStarRelay::step(OrderContext& c) {
    auto allowed = c.takeBudget();
    LEGATE_TRY(allowed);
    if (!*allowed) {
        return StepOutcome::deferred();
    }
    IssueSpec spec;
    spec.index = 0;
    spec.identifiers = c.order.identifiers;
    spec.notBefore = c.order.notBefore;
    spec.notAfter = c.order.notAfter;
    spec.csr = &c.csr;
    const bool caGet = c.caps.allowCertificateGet && c.order.allowCertificateGet;
    spec.extra = nlohmann::json::object();
    if (caGet) {
        spec.extra["allow-certificate-get"] = true;
    }
    if (const auto& profile = c.upstream.config().profiles.nonStar; !profile.empty()) {
        spec.extra["profile"] = profile;
    }
    auto result = c.issuance.run(spec, c.progress);
    if (auto other = StepOutcome::unlessIssued(result)) {
        return *other;
    }
    const auto& issued = std::get<Issued>(result);
    auto published = c.orders.publishCertificate(c.order.certToken, issued.pem, issued.notBefore,
                                                 issued.notAfter, std::nullopt);
    LEGATE_TRY(published);
    if (!published->ok()) {
        // Canceled or ended meanwhile (RFC 9115 §2.3.2 termination): never published;
        // what the CA issued is revoked (TenantRelay::endUpstream).
        return StepOutcome::ended("publishing answered " + published->reason);
    }
    if (caGet && issued.order2.certificate) {
        LEGATE_TRY(c.orders.relayValid(c.order.id, *issued.order2.certificate));
    }
    crashPoint("published");
    c.relay.count("certificates_issued");
    // One write: the in-flight certificate cleared and the order done together, so no
    // crash can leave an order that is neither (and would order a second certificate).
    c.progress.issue = InFlight{};
    c.progress.obtained = 0;
    c.progress.done = true;
    c.progress.attempts = 0;
    LEGATE_TRY(c.save("published"));
    c.installCnames();
    relayLogger().info("certificate relayed", {{"tenant", c.tenant}, {"order", c.order.id}});
    return StepOutcome::finished();
}

}  // namespace legate::ido::relay
