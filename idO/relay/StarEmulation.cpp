#include "idO/relay/StarEmulation.h"

#include <set>

#include "broker/core/Time.h"
#include "idO/star/AutoRenewal.h"
#include "idO/star/RenewalPlanner.h"
#include "idO/star/StarSchedule.h"

namespace legate::ido::relay {
namespace {

StepOutcome permanent(const acme::Problem& problem) {
    return StepOutcome::failedWith(
        IssueFailure{IssueFailure::Kind::permanent, problem, std::nullopt});
}

}  // namespace

Result<StepOutcome> StarEmulation::step(OrderContext& c) {
    auto settings = star::AutoRenewal::fromJson(c.order.autoRenewal);
    if (!settings.ok()) {
        return permanent(settings.problem());
    }
    const auto& renewal = c.upstream.config().renewal;
    star::StarScheduleOptions options;
    options.paddingFactor = renewal.paddingPercent / 100.0;
    options.leadTime = Seconds(renewal.leadTimeSeconds);
    if (!c.progress.anchor) {
        c.progress.anchor = std::chrono::time_point_cast<Seconds>(c.clock.now());
        LEGATE_TRY(c.save("anchored"));
    }
    auto schedule = star::StarSchedule::create(*settings, *c.progress.anchor, options);
    if (!schedule.ok()) {
        return permanent(schedule.problem());
    }
    star::RenewalPlannerOptions plannerOptions;
    plannerOptions.maxJitter = Seconds(renewal.maxJitterSeconds);
    if (renewal.maxJitterSeconds > 0) {
        plannerOptions.jitter =
            star::RenewalPlanner::hashedJitter(std::hash<std::string>{}(c.order.id));
    }
    const star::RenewalPlanner planner(plannerOptions);

    for (int round = 0; round < 4; ++round) {
        std::optional<star::StarWindow> window;
        const auto obtained = c.progress.obtained;
        const auto inFlight = c.progress.issue.step;
        if (inFlight != IssueStep::none && inFlight != IssueStep::fresh) {
            window = schedule->window(c.progress.issue.index);
        }
        if (!window) {
            std::set<std::size_t> have;
            if (obtained) {
                have.insert(*obtained);
            }
            auto decision = planner.next(*schedule, have, c.clock.now());
            if (decision.action == star::RenewalDecision::Action::done) {
                c.progress.done = true;
                LEGATE_TRY(c.save("emulation-done"));
                relayLogger().info(
                    "STAR emulation finished",
                    {{"tenant", c.tenant}, {"order", c.order.id}, {"why", decision.reason}});
                return StepOutcome::finished();
            }
            if (decision.action == star::RenewalDecision::Action::wait) {
                return StepOutcome::renewAt(*decision.wakeAt);
            }
            if (decision.rebased) {
                // Persist the new anchor before ordering, so the validity requested and
                // the schedule later renewals follow agree (docs/star-emulation.md).
                c.progress.anchor =
                    std::chrono::time_point_cast<Seconds>(decision.rebased->firstIssuance());
                LEGATE_TRY(c.save("re-anchored"));
                schedule = *decision.rebased;
            }
            window = decision.window;
            auto allowed = c.takeBudget();
            LEGATE_TRY(allowed);
            if (!*allowed) {
                return StepOutcome::deferred();
            }
        }
        IssueSpec spec;
        spec.index = window->index;
        spec.identifiers = c.order.identifiers;
        spec.notBefore = window->notBefore;
        spec.notAfter = window->notAfter;
        spec.csr = &c.csr;
        auto result = c.issuance.run(spec, c.progress);
        if (auto other = StepOutcome::unlessIssued(result)) {
            return *other;
        }
        const auto& issued = std::get<Issued>(result);
        auto next = schedule->window(window->index + 1);
        std::optional<TimePoint> nextPublication;
        if (next) {
            nextPublication = next->currentFrom;
        }
        std::optional<TimePoint> from;
        if (window->index > 0) {
            from = window->currentFrom;
        }
        auto published =
            c.orders.publishCertificate(c.order.certToken, issued.pem, issued.notBefore,
                                        issued.notAfter, nextPublication, from);
        LEGATE_TRY(published);
        if (!published->ok()) {
            // Canceled or ended meanwhile: stop here.
            c.progress.done = true;
            LEGATE_TRY(c.save("stopped"));
            return StepOutcome::finished();
        }
        crashPoint("published");
        c.relay.count("certificates_issued");
        c.progress.issue = InFlight{};
        c.progress.obtained = window->index;
        c.progress.attempts = 0;
        c.progress.lastError.clear();
        LEGATE_TRY(c.save("published-" + std::to_string(window->index)));
        relayLogger().info("STAR certificate published",
                           {{"tenant", c.tenant},
                            {"order", c.order.id},
                            {"index", window->index},
                            {"not_before", toRfc3339(issued.notBefore)},
                            {"not_after", toRfc3339(issued.notAfter)},
                            {"current_from", toRfc3339(window->currentFrom)}});
        if (window->index == 0 || !obtained) {
            c.installCnames();
        }
    }
    return StepOutcome::renewAt(c.clock.now());
}

}  // namespace legate::ido::relay
