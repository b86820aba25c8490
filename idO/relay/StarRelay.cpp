#include "idO/relay/StarRelay.h"

namespace legate::ido::relay {

Result<StepOutcome> StarRelay::step(OrderContext& c) {
    auto allowed = c.takeBudget();
    LEGATE_TRY(allowed);
    if (!*allowed) {
        return StepOutcome::deferred();
    }
    IssueSpec spec;
    spec.identifiers = c.order.identifiers;
    spec.csr = &c.csr;
    spec.download = false;
    nlohmann::json autoRenewal = c.order.autoRenewal;
    autoRenewal["allow-certificate-get"] = true;
    spec.extra = {{"auto-renewal", autoRenewal}};
    auto result = c.issuance.run(spec, c.progress);
    if (auto other = StepOutcome::unlessIssued(result)) {
        return *other;
    }
    const auto& issued = std::get<Issued>(result);
    // Digest A24: Order2 must reflect what we asked, or the NDC would be told of a
    // STAR certificate the CA does not promise to renew or to serve without auth.
    const auto& reflected = issued.order2.raw.value("auto-renewal", nlohmann::json());
    const bool ok = reflected.is_object() &&
                    reflected.value("allow-certificate-get", false) == true &&
                    issued.order2.starCertificate.has_value();
    if (!ok) {
        (void)c.acme.cancelOrder(issued.order2Url);
        return StepOutcome::failedWith(
            IssueFailure{IssueFailure::Kind::permanent,
                         acme::Problem::make(acme::ErrorType::serverInternal,
                                             "the CA did not honour auto-renewal with "
                                             "allow-certificate-get in Order2",
                                             502),
                         std::nullopt});
    }
    auto relayed = c.orders.relayValid(c.order.id, *issued.order2.starCertificate);
    LEGATE_TRY(relayed);
    if (!relayed->ok()) {
        // The Order1 ended meanwhile: its Order2 is canceled (TenantRelay::endUpstream).
        return StepOutcome::ended("relaying answered " + relayed->reason + " " + relayed->detail);
    }
    crashPoint("published");
    c.relay.count("certificates_issued");
    c.progress.issue = InFlight{};
    c.progress.starOrder2 = issued.order2Url;
    c.progress.done = true;
    c.progress.attempts = 0;
    LEGATE_TRY(c.save("star-relayed"));
    c.installCnames();
    relayLogger().info("STAR order relayed", {{"tenant", c.tenant}, {"order", c.order.id}});
    return StepOutcome::finished();
}

}  // namespace legate::ido::relay
