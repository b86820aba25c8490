#include "idO/relay/TenantRelay.h"

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "broker/log/Logger.h"
#include "broker/wire/Base64Url.h"
#include "idO/relay/NonStarRelay.h"
#include "idO/relay/OrderContext.h"
#include "idO/relay/StarEmulation.h"
#include "idO/relay/StarRelay.h"

namespace legate::ido::relay {
namespace {

using Kind = IssueFailure::Kind;

TenantKeys keysFor(const std::string& tenant) {
    auto layout = store::KeyLayout::forTenant(tenant);
    if (!layout.ok()) {
        throw std::logic_error(layout.problem().detail);  // names are validated in config
    }
    return TenantKeys(std::move(layout).value());
}

/// The order lock, released when the job is done with it.
class HeldLock {
public:
    HeldLock(RelayState& state, WorkerContext& worker, std::string orderId, int64_t token)
        : state_(state), worker_(worker), orderId_(std::move(orderId)), token_(token) {
        if (worker_.holdLock) {
            worker_.holdLock(orderId_, token_);
        }
    }
    ~HeldLock() {
        if (worker_.holdLock) {
            worker_.holdLock("", 0);
        }
        (void)state_.unlock(orderId_, token_);
    }
    HeldLock(const HeldLock&) = delete;
    HeldLock& operator=(const HeldLock&) = delete;
    int64_t token() const { return token_; }

private:
    RelayState& state_;
    WorkerContext& worker_;
    std::string orderId_;
    int64_t token_;
};

/// CA trouble that may pass (the job is left to be retried), as opposed to a refusal.
bool worthRetrying(const acme::Problem& p) {
    return p.status >= 500 || p.status == 0 || p.status == 429 ||
           p.type == acme::ErrorType::badNonce;
}

}  // namespace

TenantRelay::TenantRelay(store::RedisPool& pool, const TenantConfig& config,
                         std::unique_ptr<UpstreamTenant> upstream, const RelayConfig& relay,
                         const Clock& clock)
    : tenant_(config.name),
      relayConfig_(relay),
      clock_(clock),
      upstream_(std::move(upstream)),
      relayState_(pool, keysFor(config.name), clock),
      tenantState_(pool, keysFor(config.name), clock) {}

Result<upstream::AcmeClient*> TenantRelay::client(WorkerContext& worker) {
    if (!*worker.client) {
        auto made = upstream_->newClient(worker.sleep);
        LEGATE_TRY(made);
        *worker.client = std::move(*made);
    }
    return worker.client->get();
}

Status TenantRelay::handle(const Job& job, WorkerContext& worker) {
    const auto kind = jobKindOf(job.kind);
    // Metrics (idO/monitor/RelayMetrics): jobs by kind, a bounded set.
    relayState_.count("job:" + std::string(nameOf(kind)));
    switch (kind) {
        case JobKind::finalize:
        case JobKind::renew:
        case JobKind::poll:
            return advance(job.order, kind, worker);
        case JobKind::cancel:
            return stopOrder(job.order, worker);
        case JobKind::terminate:
            return terminate(job.delegation, worker);
        case JobKind::delegationCreated:
            return delegationCreated(job.delegation);
        case JobKind::unknown:
            break;
    }
    relayLogger().warn("unknown relay job ignored", {{"tenant", tenant_}, {"kind", job.kind}});
    return okStatus();
}

Status TenantRelay::handleFailure(const OrderRecord& order, RelayProgress& progress, int64_t token,
                                  const IssueFailure& failure) {
    if (failure.kind == Kind::fenced) {
        relayLogger().warn("fenced off", {{"order", order.id}});
        return okStatus();
    }
    if (failure.problem.type == acme::ErrorType::rateLimited) {
        // The CA's rate limit: wait exactly as long as it says (never give up over it,
        // and it is no failure of the order's), counted for the admin relay view.
        const auto due =
            failure.retryAt.value_or(clock_.now() + policy_.backoff(progress.attempts + 1));
        relayState_.count("rate_limited");
        (void)relayState_.learn("rate-limited-until", toRfc3339(due));
        relayLogger().warn("rate limited by the CA: the order waits until Retry-After",
                           {{"tenant", tenant_},
                            {"order", order.id},
                            {"detail", failure.problem.detail},
                            {"retry_at", toRfc3339(due)}});
        progress.lastError = failure.problem.detail;
        progress.issue.polls = 0;
        (void)relayState_.save(order.id, token, progress);
        return relayState_.wakeAt(order.id, due);
    }
    const int attempts = progress.attempts + 1;
    const bool first = order.status == "processing";
    const bool permanent = failure.kind == Kind::permanent;
    auto decision = policy_.afterFailure(attempts, permanent, first, failure.retryAt, clock_.now());
    if (permanent && !decision.giveUp) {
        // A refusal (a failed validation, most likely) costs one of the CA's
        // authorization-failure allowance: space the retries so they cannot use it up
        // (Let's Encrypt: 5 per identifier per hour, budget.authorization-failures).
        const auto& budget = upstream_->config().budget;
        const auto spacing = std::chrono::seconds(
            budget.failuresPeriodSeconds / std::max<int64_t>(1, budget.authorizationFailures));
        if (decision.due < clock_.now() + spacing) {
            decision.due = clock_.now() + spacing;
            relayState_.count("refusals_spaced");
        }
    }
    relayState_.count(decision.giveUp ? "orders_failed" : "retries");
    // Metrics (idO/monitor/RelayMetrics): by kind and the CA's problem type (an enum).
    relayState_.count(std::string(permanent ? "failure:permanent:" : "failure:transient:") +
                      failure.problem.urn());
    if (decision.giveUp) {
        auto problem = scrubbed(failure.problem);
        relayLogger().error("order failed upstream", {{"tenant", tenant_},
                                                      {"order", order.id},
                                                      {"type", problem.urn()},
                                                      {"detail", problem.detail},
                                                      {"attempts", attempts}});
        auto failed = tenantState_.failOrder(order.id, problem);
        LEGATE_TRY(failed);
        progress.done = true;
        progress.attempts = attempts;
        (void)relayState_.save(order.id, token, progress, "failed");
        return relayState_.unschedule(order.id);
    }
    relayLogger().warn(
        permanent ? "renewal refused by the CA, retrying" : "upstream trouble, retrying",
        {{"tenant", tenant_},
         {"order", order.id},
         {"detail", failure.problem.detail},
         {"attempt", attempts},
         {"retry_at", toRfc3339(decision.due)}});
    progress.attempts = attempts;
    progress.lastError = failure.problem.detail;
    progress.issue.polls = 0;
    if (permanent) {
        // That Order2 is dead: a new one next time, for the same certificate.
        const auto index = progress.issue.index;
        const auto started = progress.issue.startedAt;
        progress.issue = InFlight{};
        progress.issue.step = IssueStep::fresh;
        progress.issue.index = index;
        progress.issue.startedAt = started;
    }
    (void)relayState_.save(order.id, token, progress);
    return relayState_.wakeAt(order.id, decision.due);
}

Status TenantRelay::apply(const OrderRecord& order, RelayProgress& progress, int64_t token,
                          const StepOutcome& outcome) {
    switch (outcome.kind) {
        case StepOutcome::Kind::done:
            return relayState_.unschedule(order.id);
        case StepOutcome::Kind::renewAt:
            return relayState_.wakeAt(order.id, outcome.at);
        case StepOutcome::Kind::pollAt:
            return relayState_.pollAt(order.id, outcome.at);
        case StepOutcome::Kind::failed:
            return handleFailure(order, progress, token, outcome.failure);
        case StepOutcome::Kind::deferred:
            return okStatus();
    }
    return okStatus();
}

Status TenantRelay::advance(const std::string& orderId, JobKind kind, WorkerContext& worker) {
    const auto ttl = std::chrono::milliseconds(relayConfig_.claimIdleMs);
    auto token = relayState_.lock(orderId, ttl);
    LEGATE_TRY(token);
    if (!*token) {
        // Someone else is working on it; look again once their lease could have lapsed
        // (a poll: this costs no upstream order).
        return relayState_.pollAt(orderId, clock_.now() + ttl);
    }
    HeldLock held(relayState_, worker, orderId, **token);

    auto order = tenantState_.order(orderId);
    LEGATE_TRY(order);
    if (*order && (*order)->status == "canceled") {
        return endUpstream(orderId, held.token(), worker);
    }
    if (!*order || (*order)->status == "invalid") {
        return relayState_.unschedule(orderId);
    }
    if ((*order)->status == "ready") {
        return okStatus();
    }
    auto progress = relayState_.progress(orderId);
    if (!progress.ok()) {
        relayLogger().error(
            "unreadable relay progress record",
            {{"tenant", tenant_}, {"order", orderId}, {"detail", progress.problem().detail}});
        return progress.problem();
    }
    if (progress->done) {
        return relayState_.unschedule(orderId);
    }
    const auto& o = **order;
    auto& p = *progress;

    auto acme = client(worker);
    if (!acme.ok()) {
        return handleFailure(o, p, held.token(),
                             IssueFailure{Kind::transient, acme.problem(), std::nullopt});
    }
    auto caps = (*acme)->capabilities();
    if (!caps.ok()) {
        return handleFailure(o, p, held.token(),
                             IssueFailure{Kind::transient, caps.problem(), std::nullopt});
    }

    if (p.mode == RelayMode::unchosen) {
        if (!o.star()) {
            p.mode = RelayMode::relay;
        } else if (upstream_->config().mode == "auto" && caps->autoRenewal &&
                   caps->autoRenewal->allowCertificateGet) {
            p.mode = RelayMode::starRelay;
        } else {
            p.mode = RelayMode::emulate;
        }
        const std::string mode(nameOf(p.mode));
        LEGATE_TRY(relayState_.save(orderId, held.token(), p, "mode-" + mode));
        relayLogger().info("relay mode chosen",
                           {{"tenant", tenant_}, {"order", orderId}, {"mode", mode}});
    }

    auto csr = crypto::Csr::fromDer(crypto::Bytes(o.csrDer.begin(), o.csrDer.end()));
    if (!csr.ok()) {
        return handleFailure(o, p, held.token(),
                             IssueFailure{Kind::permanent, csr.problem(), std::nullopt});
    }

    const auto& budget = upstream_->config().budget;
    auto takeBudget = [&]() -> Result<bool> {
        // An Order2 in flight was paid for when it was created.
        if (p.issue.step != IssueStep::none) {
            return true;
        }
        // The CA's certificate-count limits (never for ARI renewals, which do not call
        // this): looked at first, counted only once the order budget granted too.  A
        // certificate of an Order1 that already has one renews it (same identifiers).
        const auto limits = limitsFor(budget, o.identifiers, p.obtained.has_value());
        const auto member = orderId + "#" + std::to_string(p.obtained ? *p.obtained + 1 : 0);
        auto deferByLimit = [&](const LimitVerdict& verdict) -> Result<bool> {
            relayState_.count("certificate_limit_deferred");
            relayState_.count("limit_deferred:" + verdict.limit);
            (void)relayState_.learn(verdict.limit + "-until", toRfc3339(verdict.freeAt));
            relayLogger().warn(
                "the CA's certificate limit is reached: the order waits for a "
                "free slot",
                {{"tenant", tenant_},
                 {"order", orderId},
                 {"limit", verdict.limit},
                 {"counted", verdict.key},
                 {"until", toRfc3339(verdict.freeAt)}});
            p.lastError = "waiting for the CA's " + verdict.limit + " limit (" + verdict.key +
                          ") until " + toRfc3339(verdict.freeAt);
            (void)relayState_.save(orderId, held.token(), p);
            LEGATE_TRY(relayState_.wakeAt(orderId, verdict.freeAt));
            return false;
        };
        if (!limits.empty()) {
            auto verdict = relayState_.certificateLimits(limits, member, false);
            LEGATE_TRY(verdict);
            if (!verdict->allowed) {
                return deferByLimit(*verdict);
            }
        }
        // Renewals were paid for by the scheduler; everything else pays here.
        if (budget.enabled() && kind != JobKind::renew) {
            auto granted = relayState_.takeBudget(1, budget.orders,
                                                  std::chrono::seconds(budget.periodSeconds));
            LEGATE_TRY(granted);
            if (*granted < 1) {
                relayState_.count("budget_deferred");
                relayLogger().warn("upstream order budget exhausted; the order waits its turn",
                                   {{"tenant", tenant_}, {"order", orderId}});
                LEGATE_TRY(relayState_.wakeAt(orderId, clock_.now()));
                return false;
            }
        }
        if (!limits.empty()) {
            // Another process may have taken the last slot since the look above.
            auto verdict = relayState_.certificateLimits(limits, member, true);
            LEGATE_TRY(verdict);
            if (!verdict->allowed) {
                return deferByLimit(*verdict);
            }
        }
        return true;
    };

    Issuance issuance(relayState_, *upstream_, **acme, orderId, held.token(), clock_,
                      worker.heartbeat, policy_, [this, &orderId]() -> Result<bool> {
                          auto now = tenantState_.order(orderId);
                          LEGATE_TRY(now);
                          return !*now || (*now)->status == "canceled";
                      });
    OrderContext context{tenant_,      o,
                         *csr,         p,
                         held.token(), **acme,
                         *caps,        *upstream_,
                         relayState_,  tenantState_,
                         clock_,       issuance,
                         takeBudget,   [this, &o] { installCnames(o.delegationId); }};

    Result<StepOutcome> outcome = StepOutcome::finished();
    switch (p.mode) {
        case RelayMode::relay:
            outcome = NonStarRelay::step(context);
            break;
        case RelayMode::starRelay:
            outcome = StarRelay::step(context);
            break;
        case RelayMode::emulate:
        case RelayMode::unchosen:
            outcome = StarEmulation::step(context);
            break;
    }
    LEGATE_TRY(outcome);
    if (outcome->kind == StepOutcome::Kind::failed && outcome->failure.kind == Kind::ended) {
        return endUpstream(orderId, held.token(), worker);
    }
    return apply(o, p, held.token(), *outcome);
}

Status TenantRelay::stopOrder(const std::string& orderId, WorkerContext& worker) {
    const auto ttl = std::chrono::milliseconds(relayConfig_.claimIdleMs);
    auto token = relayState_.lock(orderId, ttl);
    LEGATE_TRY(token);
    if (!*token) {
        // A worker is issuing for it: it sees the order ended at its next step and ends
        // the upstream side itself.  Should it die first, this poll does it once its
        // lease lapsed (advance on a canceled order).
        return relayState_.pollAt(orderId, clock_.now() + ttl);
    }
    HeldLock held(relayState_, worker, orderId, **token);
    return endUpstream(orderId, held.token(), worker);
}

Result<Termination> TenantRelay::terminationOf(const OrderRecord& order) {
    auto delegation = tenantState_.delegation(order.delegationId);
    LEGATE_TRY(delegation);
    if (*delegation && !(*delegation)->termination.empty()) {
        if (auto t = ido::terminationOf((*delegation)->termination)) {
            return *t;
        }
    }
    return upstream_->config().termination;
}

Status TenantRelay::revoke(upstream::AcmeClient& acme, const std::string& orderId,
                           const std::string& pem, const char* what) {
    auto chain = crypto::parsePemChain(pem);
    if (!chain.ok() || chain->empty()) {
        return okStatus();
    }
    // reasonCode 5: cessationOfOperation (RFC 5280 §5.3.1).
    auto revoked = acme.revokeCertificate(chain->front().der(), 5);
    if (!revoked.ok() && revoked.problem().type != acme::ErrorType::alreadyRevoked) {
        relayLogger().warn("revocation failed", {{"tenant", tenant_},
                                                 {"order", orderId},
                                                 {"certificate", what},
                                                 {"detail", revoked.problem().detail}});
        if (worthRetrying(revoked.problem())) {
            return revoked.problem();
        }
        return okStatus();
    }
    relayState_.count("termination_revoked");
    relayLogger().info("certificate revoked at the CA", {{"tenant", tenant_},
                                                         {"order", orderId},
                                                         {"certificate", what},
                                                         {"serial", chain->front().serialHex()}});
    return okStatus();
}

Status TenantRelay::endUpstream(const std::string& orderId, int64_t token, WorkerContext& worker) {
    auto progress = relayState_.progress(orderId);
    LEGATE_TRY(progress);
    auto& p = *progress;
    if (p.ended) {
        return relayState_.unschedule(orderId);
    }
    auto order = tenantState_.order(orderId);
    LEGATE_TRY(order);
    if (!*order) {
        return relayState_.unschedule(orderId);
    }
    auto termination = terminationOf(**order);
    LEGATE_TRY(termination);
    const bool revokePublished =
        *termination == Termination::revoke && !(*order)->certToken.empty();
    // The Order2 in flight, recorded as soon as newOrder answered (Issuance): it may have
    // been recorded after the order ended, and is ended here all the same.
    const bool inFlight = p.issue.step != IssueStep::none && p.issue.step != IssueStep::fresh &&
                          !p.issue.order2Url.empty();
    if (p.starOrder2.empty() && !inFlight && !revokePublished) {
        if (p.mode != RelayMode::unchosen) {
            p.ended = true;
            p.done = true;
            LEGATE_TRY(relayState_.save(orderId, token, p, "ended"));
        }
        return relayState_.unschedule(orderId);
    }
    auto acme = client(worker);
    LEGATE_TRY(acme);
    auto cancel = [&](const std::string& url) -> Status {
        auto canceled = (*acme)->cancelOrder(url);
        if (!canceled.ok()) {
            // Let's Encrypt implements no order cancellation (a 4xx): a pending Order2
            // then expires unused; only what was issued needs revoking.
            relayLogger().warn(
                "Order2 cancel refused by the CA",
                {{"tenant", tenant_}, {"order", orderId}, {"detail", canceled.problem().detail}});
            return worthRetrying(canceled.problem()) ? Status(canceled.problem()) : okStatus();
        }
        relayState_.count("termination_order2_canceled");
        relayLogger().info("Order2 canceled at the CA", {{"tenant", tenant_}, {"order", orderId}});
        return okStatus();
    };
    if (!p.starOrder2.empty()) {
        LEGATE_TRY(cancel(p.starOrder2));
    }
    if (inFlight && p.issue.order2Url != p.starOrder2) {
        if (p.issue.step == IssueStep::downloaded) {
            // Obtained and never published: it must not outlive the order.
            LEGATE_TRY(revoke(**acme, orderId, p.issue.pem, "unpublished"));
        } else {
            auto order2 = (*acme)->fetchOrder(p.issue.order2Url);
            if (!order2.ok()) {
                if (worthRetrying(order2.problem())) {
                    return order2.problem();
                }
            } else if (order2->status == "valid" && p.mode != RelayMode::starRelay &&
                       order2->certificate) {
                // Issued after the order ended, before we downloaded it: revoke it.
                auto chain = (*acme)->downloadCertificate(*order2->certificate);
                if (!chain.ok()) {
                    if (worthRetrying(chain.problem())) {
                        return chain.problem();
                    }
                } else {
                    LEGATE_TRY(revoke(**acme, orderId, chain->pem, "unpublished"));
                }
            } else if (order2->status == "processing" && p.mode != RelayMode::starRelay) {
                // Issuance has started and no ACME request stops it: wait for the
                // certificate, then revoke it (the order stays ended meanwhile).
                const auto at = policy_.nextPoll(1, (*acme)->lastRetryAfter(), clock_.now())
                                    .value_or(clock_.now() + std::chrono::seconds(5));
                relayLogger().info(
                    "the ended order's Order2 is being issued: revoking it once "
                    "issued",
                    {{"tenant", tenant_}, {"order", orderId}});
                return relayState_.pollAt(orderId, at);
            } else if (order2->status != "invalid" && order2->status != "canceled" &&
                       order2->status != "expired") {
                LEGATE_TRY(cancel(p.issue.order2Url));
            }
        }
    }
    if (revokePublished) {
        auto cert = tenantState_.certificate((*order)->certToken);
        LEGATE_TRY(cert);
        if (*cert) {
            LEGATE_TRY(revoke(**acme, orderId, (*cert)->pem, "current"));
            LEGATE_TRY(revoke(**acme, orderId, (*cert)->nextPem, "staged"));
        }
    }
    p.ended = true;
    p.done = true;
    p.issue = InFlight{};
    LEGATE_TRY(relayState_.save(orderId, token, p, "ended"));
    relayLogger().info("upstream side ended", {{"tenant", tenant_},
                                               {"order", orderId},
                                               {"termination", std::string(nameOf(*termination))}});
    return relayState_.unschedule(orderId);
}

Status TenantRelay::terminate(const std::string& delegationId, WorkerContext& worker) {
    auto orders = tenantState_.ordersOfDelegation(delegationId);
    LEGATE_TRY(orders);
    for (const auto& id : *orders) {
        auto order = tenantState_.order(id);
        LEGATE_TRY(order);
        if (*order && (*order)->status == "canceled") {
            LEGATE_TRY(stopOrder(id, worker));
        }
    }
    if (auto* cname = upstream_->cname()) {
        auto delegation = tenantState_.delegation(delegationId);
        LEGATE_TRY(delegation);
        if (*delegation && (*delegation)->cnameMap.is_object() &&
            !(*delegation)->cnameMap.empty()) {
            auto removed = cname->remove((*delegation)->cnameMap);
            if (!removed.ok()) {
                relayLogger().error("CNAME removal failed", {{"delegation", delegationId},
                                                             {"detail", removed.problem().detail}});
                return removed.problem();
            }
            relayLogger().info("CNAME map removed",
                               {{"tenant", tenant_}, {"delegation", delegationId}});
        }
    }
    return okStatus();
}

void TenantRelay::installCnames(const std::string& delegationId) {
    auto* cname = upstream_->cname();
    if (!cname) {
        return;
    }
    auto delegation = tenantState_.delegation(delegationId);
    if (!delegation.ok() || !*delegation || !(*delegation)->active() ||
        !(*delegation)->cnameMap.is_object() || (*delegation)->cnameMap.empty()) {
        return;
    }
    auto installed = cname->install((*delegation)->cnameMap);
    if (!installed.ok()) {
        relayLogger().error("CNAME installation failed",
                            {{"delegation", delegationId}, {"detail", installed.problem().detail}});
        return;
    }
    relayLogger().info("CNAME map installed", {{"tenant", tenant_}, {"delegation", delegationId}});
}

Status TenantRelay::delegationCreated(const std::string& delegationId) {
    const auto& cname = upstream_->config().cname;
    if (cname && cname->install == solvers::CnameInstallTime::OnCreate) {
        installCnames(delegationId);
    }
    return okStatus();
}

}  // namespace legate::ido::relay
