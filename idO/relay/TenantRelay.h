#pragma once
/// The relay of one tenant: what each job of its relay stream means (docs/upstream.md).
///
///  * `finalize` / `renew` / `poll` (an Order1): advance it by one step — lock it, read
///    its typed progress (RelayProgress), choose the mode once and record it, then let
///    the mode's unit (NonStarRelay, StarRelay, StarEmulation) do what is due, and turn
///    its StepOutcome into Redis: done, a wake-up (`renewals` for a new upstream order,
///    `polls` while the CA works), or the RetryPolicy's verdict on a failure (retry
///    later, or mirror the CA's refusal into Order1).  Nothing here ever sleeps: a
///    worker thread does one step and returns, so orders in flight do not depend on
///    the number of threads.
///  * `cancel` (an Order1 the NDC canceled) and `terminate` (a delegation the IdO ended):
///    endUpstream for each ended Order1, under the order's lock (so it cannot race a
///    worker issuing for it) — every Order2 recorded for it canceled at the CA, whatever
///    was obtained and never published revoked, and with the delegation's `termination:
///    revoke` the published certificates too; for a delegation, remove its CNAME
///    records.  A worker issuing when the order ends finds out between steps (Issuance)
///    or when publishing is refused, and runs endUpstream itself.
///  * `delegation-created`: install the delegation's CNAME map when the tenant installs
///    at creation.
///
/// Modes (chosen per Order1 from the CA's directory and the tenant's `mode`):
///  * relay      — non-STAR: one certificate; Order1 `certificate` is the CA's URL when
///                 the CA allows unauthenticated GET and the NDC asked for it, otherwise
///                 the IdO's hosted copy.
///  * star-relay — the CA offers STAR with allow-certificate-get: RFC 9115 as written,
///                 Order1 `star-certificate` is the CA's URL.
///  * emulate    — every real CA today: the IdO re-orders each period (idO/star) and
///                 publishes at its own URL.
///
/// Thread-safe: workers share one TenantRelay; each brings its own AcmeClient.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/store/RedisPool.h"
#include "idO/config/ServeConfig.h"
#include "idO/relay/Issuance.h"
#include "idO/relay/RelayProgress.h"
#include "idO/relay/RelayState.h"
#include "idO/relay/RetryPolicy.h"
#include "idO/relay/StepOutcome.h"
#include "idO/relay/UpstreamTenant.h"
#include "idO/state/TenantState.h"

namespace legate::ido::relay {

/// What a worker lends a job: its client for this tenant and its heartbeat.
struct WorkerContext {
    std::string consumer;
    /// The worker's client for the tenant (made lazily; nullptr until then).
    std::unique_ptr<upstream::AcmeClient>* client = nullptr;
    /// How the client waits, should anything in it wait (the relay's own steps never
    /// do: they poll by scheduling a wake-up); interrupted when the service stops.
    std::function<void(std::chrono::milliseconds)> sleep;
    /// Called between steps; the worker extends its claim on the job.
    std::function<void()> heartbeat;
    /// Tells the worker which order lock to keep alive (token 0: none).
    std::function<void(const std::string& orderId, int64_t token)> holdLock;
};

class TenantRelay {
public:
    TenantRelay(store::RedisPool& pool, const TenantConfig& config,
                std::unique_ptr<UpstreamTenant> upstream, const RelayConfig& relay,
                const Clock& clock);

    const std::string& tenant() const { return tenant_; }
    RelayState& state() { return relayState_; }
    TenantState& orders() { return tenantState_; }
    UpstreamTenant& upstream() { return *upstream_; }

    /// Works one job.  An error means "not done, leave it pending" (it will be claimed
    /// back); deferring work to later (the wake-up schedule) counts as done.
    Status handle(const Job& job, WorkerContext& worker);

    const RetryPolicy& retryPolicy() const { return policy_; }

private:
    Status advance(const std::string& orderId, JobKind kind, WorkerContext& worker);
    /// Makes Redis say what `outcome` means for the order.
    Status apply(const OrderRecord& order, RelayProgress& progress, int64_t token,
                 const StepOutcome& outcome);
    Status stopOrder(const std::string& orderId, WorkerContext& worker);
    /// Ends the upstream side of the ended Order1 `orderId`, whose lock `token` holds:
    /// once (RelayProgress::ended), an error (left to retry) on transient CA trouble.
    Status endUpstream(const std::string& orderId, int64_t token, WorkerContext& worker);
    /// revokeCert (RFC 8555 §7.6) of the leaf of `pem`, reason cessationOfOperation;
    /// an error only for trouble worth retrying.
    Status revoke(upstream::AcmeClient& acme, const std::string& orderId, const std::string& pem,
                  const char* what);
    /// The termination option of the order's delegation (or the tenant's default).
    Result<Termination> terminationOf(const OrderRecord& order);
    Status terminate(const std::string& delegationId, WorkerContext& worker);
    Status delegationCreated(const std::string& delegationId);

    Result<upstream::AcmeClient*> client(WorkerContext& worker);
    Status handleFailure(const OrderRecord& order, RelayProgress& progress, int64_t token,
                         const IssueFailure& failure);
    void installCnames(const std::string& delegationId);

    std::string tenant_;
    RelayConfig relayConfig_;
    const Clock& clock_;
    RetryPolicy policy_;
    std::unique_ptr<UpstreamTenant> upstream_;
    RelayState relayState_;
    TenantState tenantState_;
};

}  // namespace legate::ido::relay
