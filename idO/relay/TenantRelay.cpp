#include "idO/relay/TenantRelay.h"

#include <algorithm>
#include <set>
#include <thread>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "broker/log/Logger.h"
#include "broker/wire/Base64Url.h"
#include "idO/star/AutoRenewal.h"
#include "idO/star/RenewalPlanner.h"
#include "idO/star/StarSchedule.h"

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

int64_t intField(const FieldMap& rec, const std::string& name, int64_t fallback) {
    const auto text = fieldOf(rec, name);
    if (text.empty()) {
        return fallback;
    }
    try {
        return std::stoll(text);
    } catch (const std::exception&) {
        return fallback;
    }
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

std::chrono::seconds TenantRelay::backoff(int attempt) {
    const int shift = std::clamp(attempt, 0, 8);
    return std::min(std::chrono::seconds(2) * (1 << shift), std::chrono::seconds(900));
}

Result<upstream::AcmeClient*> TenantRelay::client(WorkerContext& worker) {
    if (!*worker.client) {
        auto made = upstream_->newClient(worker.sleep);
        LEGATE_TRY(made);
        *worker.client = std::move(*made);
    }
    return worker.client->get();
}

Status TenantRelay::handle(const Job& job, WorkerContext& worker) {
    if (job.kind == "finalize" || job.kind == "renew") {
        return advance(job.order, job.kind, worker);
    }
    if (job.kind == "cancel") {
        return stopOrder(job.order, worker);
    }
    if (job.kind == "terminate") {
        return terminate(job.delegation, worker);
    }
    if (job.kind == "delegation-created") {
        return delegationCreated(job.delegation);
    }
    relayLogger().warn("unknown relay job ignored", {{"tenant", tenant_}, {"kind", job.kind}});
    return okStatus();
}

Status TenantRelay::handleFailure(const OrderRecord& order, FieldMap& rec, int64_t token,
                                  const IssueFailure& failure) {
    if (failure.kind == Kind::fenced) {
        relayLogger().warn("fenced off", {{"order", order.id}});
        return okStatus();
    }
    const int attempts = static_cast<int>(intField(rec, "attempts", 0)) + 1;
    const bool first = order.status == "processing";
    const bool giveUp = failure.kind == Kind::permanent || (first && attempts >= kMaxFirstAttempts);
    relayState_.count(giveUp && first ? "orders_failed" : "retries");
    if (giveUp && first) {
        auto problem = scrubbed(failure.problem);
        relayLogger().error("order failed upstream", {{"tenant", tenant_},
                                                      {"order", order.id},
                                                      {"type", problem.urn()},
                                                      {"detail", problem.detail},
                                                      {"attempts", attempts}});
        auto failed = tenantState_.failOrder(order.id, problem);
        LEGATE_TRY(failed);
        (void)relayState_.update(
            order.id, token, {{"done", "1"}, {"attempts", std::to_string(attempts)}}, {}, "failed");
        return relayState_.unschedule(order.id);
    }
    auto wait = backoff(attempts);
    TimePoint due = clock_.now() + wait;
    if (failure.retryAt && *failure.retryAt > due) {
        due = *failure.retryAt;
    }
    relayLogger().warn(failure.kind == Kind::permanent ? "renewal refused by the CA, retrying"
                                                       : "upstream trouble, retrying",
                       {{"tenant", tenant_},
                        {"order", order.id},
                        {"detail", failure.problem.detail},
                        {"attempt", attempts},
                        {"retry_at", toRfc3339(due)}});
    std::vector<std::string> remove;
    FieldMap fields = {{"attempts", std::to_string(attempts)},
                       {"last_error", failure.problem.detail}};
    if (failure.kind == Kind::permanent) {
        fields["i_step"] = "new";  // that Order2 is dead: a new one next time
        remove = {"i_order2", "i_pem"};
    }
    (void)relayState_.update(order.id, token, fields, remove, "");
    return relayState_.wakeAt(order.id, due);
}

Status TenantRelay::advance(const std::string& orderId, const std::string& jobKind,
                            WorkerContext& worker) {
    const auto ttl = std::chrono::milliseconds(relayConfig_.claimIdleMs);
    auto token = relayState_.lock(orderId, ttl);
    LEGATE_TRY(token);
    if (!*token) {
        // Someone else is working on it; look again once their lease could have lapsed.
        return relayState_.wakeAt(orderId, clock_.now() + ttl);
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
    auto rec = relayState_.record(orderId);
    LEGATE_TRY(rec);
    if (fieldOf(*rec, "done") == "1") {
        return relayState_.unschedule(orderId);
    }

    auto acme = client(worker);
    if (!acme.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::transient, acme.problem(), std::nullopt});
    }
    auto caps = (*acme)->capabilities();
    if (!caps.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::transient, caps.problem(), std::nullopt});
    }

    std::string mode = fieldOf(*rec, "mode");
    if (mode.empty()) {
        if (!(*order)->star()) {
            mode = "relay";
        } else if (upstream_->config().mode == "auto" && caps->autoRenewal &&
                   caps->autoRenewal->allowCertificateGet) {
            mode = "star-relay";
        } else {
            mode = "emulate";
        }
        auto ok = relayState_.update(orderId, held.token(), {{"mode", mode}}, {}, "mode-" + mode);
        LEGATE_TRY(ok);
        relayLogger().info("relay mode chosen",
                           {{"tenant", tenant_}, {"order", orderId}, {"mode", mode}});
    }

    auto csrDer = wire::base64UrlDecode((*order)->csr);
    if (!csrDer.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::permanent, csrDer.problem(), std::nullopt});
    }
    auto csr = crypto::Csr::fromDer(*csrDer);
    if (!csr.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::permanent, csr.problem(), std::nullopt});
    }

    const auto& budget = upstream_->config().budget;
    auto budgetAllows = [&]() -> Result<bool> {
        // Renewals were paid for by the scheduler; everything else pays here.
        if (!budget.enabled() || jobKind == "renew" || fieldOf(*rec, "i_step") != "") {
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
                      worker.heartbeat);

    if (mode == "relay") {
        auto allowed = budgetAllows();
        LEGATE_TRY(allowed);
        if (!*allowed) {
            return okStatus();
        }
        IssueSpec spec;
        spec.index = 0;
        spec.identifiers = (*order)->identifiers;
        spec.notBefore = (*order)->notBefore;
        spec.notAfter = (*order)->notAfter;
        spec.csr = &*csr;
        const bool caGet = caps->allowCertificateGet && (*order)->allowCertificateGet;
        if (caGet) {
            spec.extra = {{"allow-certificate-get", true}};
        }
        auto result = issuance.run(spec, *rec);
        if (auto* f = std::get_if<IssueFailure>(&result)) {
            return handleFailure(**order, *rec, held.token(), *f);
        }
        const auto& issued = std::get<Issued>(result);
        auto published = tenantState_.publishCertificate(
            (*order)->certToken, issued.pem, issued.notBefore, issued.notAfter, std::nullopt);
        LEGATE_TRY(published);
        if (caGet && issued.order2.certificate) {
            LEGATE_TRY(tenantState_.relayValid(orderId, *issued.order2.certificate));
        }
        crashPoint("published");
        relayState_.count("certificates_issued");
        LEGATE_TRY(issuance.finish(*rec));
        LEGATE_TRY(relayState_.update(orderId, held.token(),
                                      {{"obtained", "0"}, {"done", "1"}, {"attempts", "0"}}, {},
                                      "published"));
        installCnames((*order)->delegationId);
        relayLogger().info("certificate relayed", {{"tenant", tenant_}, {"order", orderId}});
        return relayState_.unschedule(orderId);
    }

    if (mode == "star-relay") {
        auto allowed = budgetAllows();
        LEGATE_TRY(allowed);
        if (!*allowed) {
            return okStatus();
        }
        IssueSpec spec;
        spec.identifiers = (*order)->identifiers;
        spec.csr = &*csr;
        spec.download = false;
        nlohmann::json autoRenewal = (*order)->autoRenewal;
        autoRenewal["allow-certificate-get"] = true;
        spec.extra = {{"auto-renewal", autoRenewal}};
        auto result = issuance.run(spec, *rec);
        if (auto* f = std::get_if<IssueFailure>(&result)) {
            return handleFailure(**order, *rec, held.token(), *f);
        }
        const auto& issued = std::get<Issued>(result);
        // Digest A24: Order2 must reflect what we asked, or the NDC would be told of a
        // STAR certificate the CA does not promise to renew or to serve without auth.
        const auto& reflected = issued.order2.raw.value("auto-renewal", nlohmann::json());
        const bool ok = reflected.is_object() &&
                        reflected.value("allow-certificate-get", false) == true &&
                        issued.order2.starCertificate.has_value();
        if (!ok) {
            auto c = (*acme)->cancelOrder(issued.order2Url);
            (void)c;
            return handleFailure(
                **order, *rec, held.token(),
                IssueFailure{Kind::permanent,
                             acme::Problem::make(acme::ErrorType::serverInternal,
                                                 "the CA did not honour auto-renewal with "
                                                 "allow-certificate-get in Order2",
                                                 502),
                             std::nullopt});
        }
        LEGATE_TRY(tenantState_.relayValid(orderId, *issued.order2.starCertificate));
        crashPoint("published");
        relayState_.count("certificates_issued");
        LEGATE_TRY(issuance.finish(*rec));
        LEGATE_TRY(relayState_.update(
            orderId, held.token(),
            {{"star_order2", issued.order2Url}, {"done", "1"}, {"attempts", "0"}}, {},
            "star-relayed"));
        installCnames((*order)->delegationId);
        relayLogger().info("STAR order relayed", {{"tenant", tenant_}, {"order", orderId}});
        return relayState_.unschedule(orderId);
    }

    // ---- STAR emulation ----
    auto settings = star::AutoRenewal::fromJson((*order)->autoRenewal);
    if (!settings.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::permanent, settings.problem(), std::nullopt});
    }
    const auto& renewal = upstream_->config().renewal;
    star::StarScheduleOptions options;
    options.paddingFactor = renewal.paddingPercent / 100.0;
    options.leadTime = Seconds(renewal.leadTimeSeconds);
    if (fieldOf(*rec, "anchor").empty()) {
        LEGATE_TRY(relayState_.update(orderId, held.token(), {{"anchor", timeField(clock_.now())}},
                                      {}, "anchored"));
        (*rec)["anchor"] = timeField(clock_.now());
    }
    auto schedule =
        star::StarSchedule::create(*settings, timeFromField(fieldOf(*rec, "anchor")), options);
    if (!schedule.ok()) {
        return handleFailure(**order, *rec, held.token(),
                             IssueFailure{Kind::permanent, schedule.problem(), std::nullopt});
    }
    star::RenewalPlannerOptions plannerOptions;
    plannerOptions.maxJitter = Seconds(renewal.maxJitterSeconds);
    if (renewal.maxJitterSeconds > 0) {
        plannerOptions.jitter =
            star::RenewalPlanner::hashedJitter(std::hash<std::string>{}(orderId));
    }
    const star::RenewalPlanner planner(plannerOptions);

    for (int round = 0; round < 4; ++round) {
        std::optional<star::StarWindow> window;
        const int64_t obtained = intField(*rec, "obtained", -1);
        const auto inFlight = fieldOf(*rec, "i_step");
        if (!inFlight.empty() && inFlight != "new") {
            window = schedule->window(static_cast<size_t>(intField(*rec, "i_index", 0)));
        }
        if (!window) {
            std::set<std::size_t> have;
            if (obtained >= 0) {
                have.insert(static_cast<size_t>(obtained));
            }
            auto decision = planner.next(*schedule, have, clock_.now());
            if (decision.action == star::RenewalDecision::Action::done) {
                LEGATE_TRY(relayState_.update(orderId, held.token(), {{"done", "1"}}, {},
                                              "emulation-done"));
                relayLogger().info(
                    "STAR emulation finished",
                    {{"tenant", tenant_}, {"order", orderId}, {"why", decision.reason}});
                return relayState_.unschedule(orderId);
            }
            if (decision.action == star::RenewalDecision::Action::wait) {
                return relayState_.wakeAt(orderId, *decision.wakeAt);
            }
            if (decision.rebased) {
                // Persist the new anchor before ordering, so the validity requested and
                // the schedule later renewals follow agree (docs/star-emulation.md).
                const auto anchor = timeField(decision.rebased->firstIssuance());
                LEGATE_TRY(relayState_.update(orderId, held.token(), {{"anchor", anchor}}, {},
                                              "re-anchored"));
                (*rec)["anchor"] = anchor;
                schedule = *decision.rebased;
            }
            window = decision.window;
            auto allowed = budgetAllows();
            LEGATE_TRY(allowed);
            if (!*allowed) {
                return okStatus();
            }
        }
        IssueSpec spec;
        spec.index = window->index;
        spec.identifiers = (*order)->identifiers;
        spec.notBefore = window->notBefore;
        spec.notAfter = window->notAfter;
        spec.csr = &*csr;
        const auto started = std::chrono::steady_clock::now();
        auto result = issuance.run(spec, *rec);
        if (auto* f = std::get_if<IssueFailure>(&result)) {
            return handleFailure(**order, *rec, held.token(), *f);
        }
        const auto& issued = std::get<Issued>(result);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
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
            tenantState_.publishCertificate((*order)->certToken, issued.pem, issued.notBefore,
                                            issued.notAfter, nextPublication, from);
        LEGATE_TRY(published);
        if (!published->ok()) {
            // Canceled or ended meanwhile: stop here.
            LEGATE_TRY(relayState_.update(orderId, held.token(), {{"done", "1"}}, {}, "stopped"));
            return relayState_.unschedule(orderId);
        }
        crashPoint("published");
        relayState_.count("certificates_issued");
        LEGATE_TRY(issuance.finish(*rec));
        const auto index = std::to_string(window->index);
        LEGATE_TRY(relayState_.update(orderId, held.token(),
                                      {{"obtained", index}, {"attempts", "0"}}, {"last_error"},
                                      "published-" + index));
        (*rec)["obtained"] = index;
        relayLogger().info("STAR certificate published",
                           {{"tenant", tenant_},
                            {"order", orderId},
                            {"index", window->index},
                            {"not_before", toRfc3339(issued.notBefore)},
                            {"not_after", toRfc3339(issued.notAfter)},
                            {"current_from", toRfc3339(window->currentFrom)},
                            {"took_ms", took}});
        if (window->index == 0 || obtained < 0) {
            installCnames((*order)->delegationId);
        }
    }
    return relayState_.wakeAt(orderId, clock_.now());
}

Status TenantRelay::stopOrder(const std::string& orderId, WorkerContext& worker) {
    LEGATE_TRY(relayState_.unschedule(orderId));
    auto rec = relayState_.record(orderId);
    LEGATE_TRY(rec);
    const auto starOrder2 = fieldOf(*rec, "star_order2");
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
