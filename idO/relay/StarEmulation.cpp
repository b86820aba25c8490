#include "idO/relay/StarEmulation.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "idO/star/AutoRenewal.h"
#include "idO/star/RenewalPlanner.h"
#include "idO/star/StarSchedule.h"
#include "idO/upstream/RenewalInfo.h"

namespace legate::ido::relay {
namespace {

StepOutcome permanent(const acme::Problem& problem) {
    return StepOutcome::failedWith(
        IssueFailure{IssueFailure::Kind::permanent, problem, std::nullopt});
}

double uniform() {
    thread_local std::mt19937 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

/// When the certificate in `p` (validity V) should be replaced by the schedule alone:
/// the same rule as the grid's (a successor current s = ceil(f·V) before the
/// predecessor ends, ordered `lead` before that), but measured from the validity the
/// CA issued instead of the one requested.
TimePoint scheduledRenewal(const RelayProgress& p, double paddingFactor, Seconds lead) {
    const auto nb = *p.currentNotBefore;
    const auto na = *p.currentNotAfter;
    const int64_t v = std::max<int64_t>(2, std::chrono::duration_cast<Seconds>(na - nb).count());
    const auto s =
        std::clamp<int64_t>(static_cast<int64_t>(std::ceil(paddingFactor * static_cast<double>(v))),
                            (v + 1) / 2, v - 1);
    return std::max(nb, na - Seconds(s) - lead);
}

/// Follow mode (the CA chose the validity): order now (nullopt), or the outcome that
/// waits for the renewal time — from the CA's renewalInfo window when it offers one
/// (a random point in it, re-fetched per Retry-After), else from the schedule.
Result<std::optional<StepOutcome>> followPlan(OrderContext& c, const star::AutoRenewal& settings,
                                              bool ari, bool ariExempt) {
    const auto& renewal = c.upstream.config().renewal;
    const auto now = c.clock.now();
    auto& p = c.progress;
    if (now >= settings.endDate || *p.currentNotAfter >= settings.endDate) {
        // The certificate served already reaches end-date: no successor is needed.
        p.done = true;
        LEGATE_TRY(c.save("emulation-done"));
        relayLogger().info("STAR emulation finished",
                           {{"tenant", c.tenant},
                            {"order", c.order.id},
                            {"why", "the served certificate reaches end-date"}});
        return std::optional<StepOutcome>{StepOutcome::finished()};
    }
    TimePoint renewAt =
        scheduledRenewal(p, renewal.paddingPercent / 100.0, Seconds(renewal.leadTimeSeconds));
    if (ari && !p.currentCertId.empty()) {
        if (!p.ariRenewAt || (p.ariRecheckAt && now >= *p.ariRecheckAt)) {
            auto info = c.acme.renewalInfo(p.currentCertId);
            if (info.ok()) {
                p.ariRenewAt = info->pick(uniform());
                p.ariRecheckAt = info->retryAfter;
                if (p.ariRecheckAt && *p.ariRecheckAt < now + Seconds(1)) {
                    // A Retry-After of 0 (or in the past) must not become a busy loop.
                    p.ariRecheckAt = now + Seconds(1);
                }
                LEGATE_TRY(c.save("ari-window"));
                relayLogger().info("ARI renewal window", {{"tenant", c.tenant},
                                                          {"order", c.order.id},
                                                          {"start", toRfc3339(info->start)},
                                                          {"end", toRfc3339(info->end)},
                                                          {"renew_at", toRfc3339(*p.ariRenewAt)}});
            } else {
                c.relay.count("ari_errors");
                relayLogger().warn("renewalInfo unavailable: renewing by the schedule",
                                   {{"order", c.order.id}, {"detail", info.problem().detail}});
            }
        }
        if (p.ariRenewAt) {
            renewAt = *p.ariRenewAt;
        }
    }
    if (now < renewAt) {
        if (p.ariRecheckAt && *p.ariRecheckAt < renewAt) {
            return std::optional<StepOutcome>{StepOutcome::pollAt(*p.ariRecheckAt)};
        }
        // An ARI renewal waits among the polls, which the budget does not charge.
        return std::optional<StepOutcome>{ariExempt ? StepOutcome::pollAt(renewAt)
                                                    : StepOutcome::renewAt(renewAt)};
    }
    return std::optional<StepOutcome>{};
}

}  // namespace

Result<StepOutcome> StarEmulation::step(OrderContext& c) {
    auto settings = star::AutoRenewal::fromJson(c.order.autoRenewal);
    if (!settings.ok()) {
        return permanent(settings.problem());
    }
    const auto& config = c.upstream.config();
    const auto& renewal = config.renewal;
    auto profile = config.profiles.forLifetime(settings->lifetime.count());
    if (!profile) {
        return permanent(
            acme::Problem::make(acme::ErrorType::malformed,
                                "no upstream profile is configured for a STAR lifetime of " +
                                    std::to_string(settings->lifetime.count()) + " seconds"));
    }
    const bool ari = config.ari && c.caps.renewalInfo.has_value();
    star::StarScheduleOptions options;
    options.paddingFactor = renewal.paddingPercent / 100.0;
    options.leadTime = Seconds(renewal.leadTimeSeconds);
    if (!c.progress.anchor || c.progress.profile != *profile) {
        if (!c.progress.anchor) {
            c.progress.anchor = std::chrono::time_point_cast<Seconds>(c.clock.now());
        }
        c.progress.profile = *profile;
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
        const auto obtained = c.progress.obtained;
        const auto inFlight = c.progress.issue.step;
        const bool resuming = inFlight != IssueStep::none && inFlight != IssueStep::fresh;
        const bool follow =
            c.progress.followIssued && obtained && c.progress.currentNotAfter.has_value();
        const bool replaces = ari && follow && !c.progress.currentCertId.empty();
        const bool exempt = replaces && config.budget.ariExempt;
        std::optional<star::StarWindow> window;
        std::size_t index = 0;
        if (follow) {
            index = resuming ? c.progress.issue.index : *obtained + 1;
            if (!resuming) {
                auto plan = followPlan(c, *settings, ari, exempt);
                LEGATE_TRY(plan);
                if (*plan) {
                    return **plan;
                }
                if (!exempt) {
                    auto allowed = c.takeBudget();
                    LEGATE_TRY(allowed);
                    if (!*allowed) {
                        return StepOutcome::deferred();
                    }
                } else {
                    c.relay.count("ari_exempt_orders");
                }
            }
        } else {
            if (resuming) {
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
            index = window->index;
        }
        IssueSpec spec;
        spec.index = index;
        spec.identifiers = c.order.identifiers;
        if (window) {
            // Follow mode never asks: the CA has shown it chooses the validity itself.
            spec.notBefore = window->notBefore;
            spec.notAfter = window->notAfter;
        }
        spec.extra = nlohmann::json::object();
        if (!profile->empty()) {
            spec.extra["profile"] = *profile;
        }
        if (ari && index > 0 && !c.progress.currentCertId.empty()) {
            // RFC 9773 §5: every renewal names the certificate it replaces.
            spec.extra["replaces"] = c.progress.currentCertId;
        }
        spec.csr = &c.csr;
        auto result = c.issuance.run(spec, c.progress);
        if (auto other = StepOutcome::unlessIssued(result)) {
            return *other;
        }
        const auto& issued = std::get<Issued>(result);
        if (!issued.validityHonoured && !c.progress.followIssued) {
            c.progress.followIssued = true;
            relayLogger().info("the CA chose the validity: renewals follow what it issues",
                               {{"tenant", c.tenant},
                                {"order", c.order.id},
                                {"not_before", toRfc3339(issued.notBefore)},
                                {"not_after", toRfc3339(issued.notAfter)},
                                {"profile", *profile}});
        }
        std::optional<TimePoint> nextPublication;
        std::optional<TimePoint> from;
        if (window && !c.progress.followIssued) {
            if (auto next = schedule->window(window->index + 1)) {
                nextPublication = next->currentFrom;
            }
            if (window->index > 0) {
                from = window->currentFrom;
            }
        }
        auto published =
            c.orders.publishCertificate(c.order.certToken, issued.pem, issued.notBefore,
                                        issued.notAfter, nextPublication, from);
        LEGATE_TRY(published);
        if (!published->ok()) {
            // Canceled or ended meanwhile: never published, and what the CA issued is
            // revoked (TenantRelay::endUpstream).
            return StepOutcome::ended("publishing answered " + published->reason);
        }
        crashPoint("published");
        c.relay.count("certificates_issued");
        const auto started = c.progress.issue.startedAt;
        c.progress.issue = InFlight{};
        c.progress.obtained = index;
        c.progress.attempts = 0;
        c.progress.lastError.clear();
        c.progress.currentNotBefore = issued.notBefore;
        c.progress.currentNotAfter = issued.notAfter;
        c.progress.currentCertId.clear();
        c.progress.ariRenewAt.reset();
        c.progress.ariRecheckAt.reset();
        if (auto chain = crypto::parsePemChain(issued.pem); chain.ok() && !chain->empty()) {
            if (auto id = upstream::RenewalInfo::certIdOf(chain->front()); id.ok()) {
                c.progress.currentCertId = *id;
            }
        }
        LEGATE_TRY(c.save("published-" + std::to_string(index)));
        relayLogger().info(
            "STAR certificate published",
            {{"tenant", c.tenant},
             {"order", c.order.id},
             {"index", index},
             {"not_before", toRfc3339(issued.notBefore)},
             {"not_after", toRfc3339(issued.notAfter)},
             {"replaces", spec.extra.value("replaces", "")},
             {"took_ms", started ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                       c.clock.now() - *started)
                                       .count()
                                 : -1}});
        if (index == 0 || !obtained) {
            c.installCnames();
        }
    }
    return StepOutcome::renewAt(c.clock.now());
}

}  // namespace legate::ido::relay
