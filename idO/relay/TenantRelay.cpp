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
        progress.issue = InFlight{};
        progress.issue.step = IssueStep::fresh;
        progress.issue.index = index;
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
    if (!*order || (*order)->status == "canceled" || (*order)->status == "invalid") {
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

    auto csrDer = wire::base64UrlDecode(o.csr);
    if (!csrDer.ok()) {
        return handleFailure(o, p, held.token(),
                             IssueFailure{Kind::permanent, csrDer.problem(), std::nullopt});
    }
    auto csr = crypto::Csr::fromDer(*csrDer);
    if (!csr.ok()) {
        return handleFailure(o, p, held.token(),
                             IssueFailure{Kind::permanent, csr.problem(), std::nullopt});
    }

    const auto& budget = upstream_->config().budget;
    auto takeBudget = [&]() -> Result<bool> {
        // Renewals were paid for by the scheduler, and an Order2 in flight was paid
        // for when it was created; everything else pays here.
        if (!budget.enabled() || kind == JobKind::renew || p.issue.step != IssueStep::none) {
            return true;
        }
        auto granted =
            relayState_.takeBudget(1, budget.orders, std::chrono::seconds(budget.periodSeconds));
        LEGATE_TRY(granted);
        if (*granted >= 1) {
            return true;
        }
        relayState_.count("budget_deferred");
        relayLogger().warn("upstream order budget exhausted; the order waits its turn",
                           {{"tenant", tenant_}, {"order", orderId}});
        LEGATE_TRY(relayState_.wakeAt(orderId, clock_.now()));
        return false;
    };

    Issuance issuance(relayState_, *upstream_, **acme, orderId, held.token(), clock_,
                      worker.heartbeat, policy_);
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
    return apply(o, p, held.token(), *outcome);
}

Status TenantRelay::stopOrder(const std::string& orderId, WorkerContext& worker) {
    LEGATE_TRY(relayState_.unschedule(orderId));
    auto progress = relayState_.progress(orderId);
    LEGATE_TRY(progress);
    const auto starOrder2 = progress->starOrder2;
    const bool revoke = upstream_->config().revokeOnTermination;
    if (starOrder2.empty() && !revoke) {
        return okStatus();
    }
    auto acme = client(worker);
    LEGATE_TRY(acme);
    if (!starOrder2.empty()) {
        auto canceled = (*acme)->cancelOrder(starOrder2);
        if (!canceled.ok() && canceled.problem().status >= 500) {
            return canceled.problem();  // try again later
        }
        relayLogger().info("STAR Order2 canceled at the CA",
                           {{"tenant", tenant_}, {"order", orderId}});
    }
    if (revoke) {
        auto order = tenantState_.order(orderId);
        LEGATE_TRY(order);
        if (*order) {
            auto cert = tenantState_.certificate((*order)->certToken);
            LEGATE_TRY(cert);
            if (*cert) {
                for (const auto* pem : {&(*cert)->pem, &(*cert)->nextPem}) {
                    if (pem->empty()) {
                        continue;
                    }
                    auto chain = crypto::parsePemChain(*pem);
                    if (!chain.ok()) {
                        continue;
                    }
                    // reasonCode 5: cessationOfOperation (RFC 5280 §5.3.1).
                    auto revoked = (*acme)->revokeCertificate(chain->front().der(), 5);
                    if (!revoked.ok() &&
                        revoked.problem().type != acme::ErrorType::alreadyRevoked) {
                        relayLogger().warn(
                            "revocation failed",
                            {{"order", orderId}, {"detail", revoked.problem().detail}});
                    } else {
                        relayLogger().info(
                            "certificate revoked at the CA",
                            {{"order", orderId}, {"serial", chain->front().serialHex()}});
                    }
                }
            }
        }
    }
    return okStatus();
}

Status TenantRelay::terminate(const std::string& delegationId, WorkerContext& worker) {
    auto orders = tenantState_.ordersOfDelegation(delegationId);
    LEGATE_TRY(orders);
    for (const auto& id : *orders) {
        LEGATE_TRY(stopOrder(id, worker));
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
