#pragma once
/// The metrics of what lives in Redis and in long-lived objects, computed at scrape time
/// (docs/operations.md, "Metrics", lists every family with its labels and bounds):
///
///  * from each tenant's TenantOverview (one bounded pass over Redis, cached for
///    `maxAge` so several scrapers and the dashboard share it): delegations by status,
///    orders by state, per delegation the served certificate's notAfter and the next
///    renewal, the relay's backlog and the upstream budget;
///  * from the relay's tenant-wide counters in Redis (every `ido` process adds to the same
///    ones, so every process reports the same value: aggregate with max(), not sum()):
///    jobs by kind, retries, failures by kind and CA problem type, certificates issued,
///    budget deferrals, upstream errors;
///  * from this process: nonces issued and refused per tenant, failed Redis commands per
///    connection pool.
///
/// Label values are configured tenants, delegation ids (made by the operator, at most
/// TenantOverview::kMaxDelegations per tenant), and fixed vocabularies (statuses, job
/// kinds, ACME error types).

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "broker/metrics/Registry.h"
#include "broker/store/RedisPool.h"
#include "idO/monitor/TenantOverview.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

class StateMetrics {
public:
    /// A connection pool whose failed commands are counted; `pool` returns nullptr while
    /// the pool does not exist (the relay's, before it started).
    struct PoolSource {
        std::string name;
        std::function<const store::RedisPool*()> pool;
    };

    /// Registers the collectors.  `services` and the registry must outlive this object,
    /// and this object the registry's last scrape.
    StateMetrics(metrics::Registry& registry, const AcmeServices& services,
                 std::vector<PoolSource> pools,
                 std::chrono::milliseconds maxAge = std::chrono::seconds(5));

    /// Every tenant's overview, read again when the last read is older than `maxAge`.
    /// A Redis failure is the problem (nothing cached is served past its age).
    Result<std::vector<TenantOverview>> overviews() { return overviews(maxAge_); }
    /// The same with another bound on the age (the dashboard wants fresher data).
    Result<std::vector<TenantOverview>> overviews(std::chrono::milliseconds maxAge);

private:
    std::vector<metrics::Sample> fromOverviews(
        const std::function<void(const TenantOverview&, std::vector<metrics::Sample>&)>& f);
    void registerFamilies(metrics::Registry& registry);

    const AcmeServices& services_;
    std::vector<PoolSource> pools_;
    std::chrono::milliseconds maxAge_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point readAt_{};  // guarded by mutex_
    std::vector<TenantOverview> cached_;              // guarded by mutex_
    bool haveCache_ = false;                          // guarded by mutex_
};

}  // namespace legate::ido
