#pragma once
/// The relay and renewal workers of one `ido serve` process (docs/upstream.md).
///
///  * `workers` threads read the relay streams of every tenant with an upstream through
///    one consumer group, so any number of `ido` processes share the work; each job is
///    acknowledged only once handled, and a job whose worker stopped heart-beating for
///    `claim-idle-ms` is claimed back (XAUTOCLAIM) by another.
///  * Each worker has a heartbeat thread that, while a job runs, resets the job's idle
///    time and extends the order lock it holds.
///  * A job is one step of one order and never sleeps: where the CA is still working,
///    the step leaves a wake-up in the tenant's `relay-polls` set and the thread moves on.
///  * One scheduler thread per process moves due wake-ups from each tenant's sorted
///    sets to its stream.  Polls the moment they are due (up to 1000 at a time, no
///    budget) as `poll` jobs: it sleeps until the earliest one, and a worker that
///    finished a step (which may have left an earlier one) wakes it to look again — so
///    a poll waits its interval, not a tick as well.  Every `tick-ms`, due renewals and
///    retries as `renew` jobs, at most
///    `per-tick` per tenant, oldest due first, and no more than the tenant's upstream
///    budget grants — when the budget runs short, the ones due longest (closest to
///    expiry) go first, the rest wait, and a warning plus the `budget_deferred`
///    counter say so.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/store/RedisPool.h"
#include "idO/config/ServeConfig.h"
#include "idO/relay/TenantRelay.h"

namespace legate::ido::relay {

class RelayService {
public:
    /// Prepares every tenant with an `upstream` (account key, solvers' listeners) and
    /// starts the threads.  Tenants without one are left alone (their orders stay
    /// processing).  A service with no such tenant starts no thread.
    static Result<std::unique_ptr<RelayService>> start(const ServeConfig& config,
                                                       const store::RedisUrl& redis,
                                                       const Clock& clock);
    ~RelayService();
    RelayService(const RelayService&) = delete;
    RelayService& operator=(const RelayService&) = delete;

    /// Stops taking jobs and waits up to `grace` for running ones; true when every
    /// thread ended (an unfinished job stays pending and is claimed back later).
    bool stop(std::chrono::milliseconds grace);

    /// The tenant's relay, or nullptr.
    TenantRelay* tenant(const std::string& name);
    size_t tenantCount() const { return tenants_.size(); }
    /// The relay's Redis connections (their stats feed `legate_redis_errors_total`).
    const store::RedisPool& pool() const { return pool_; }

private:
    RelayService(const ServeConfig& config, const store::RedisUrl& redis);
    void workerLoop(int index);
    void schedulerLoop();
    void scheduleTenant(TenantRelay& relay, std::chrono::steady_clock::time_point& lastWarning);
    /// Waits up to `d` unless stopping; false when stopping.
    bool pause(std::chrono::milliseconds d);
    /// Moves the tenant's due polls to its stream if its earliest one is due; returns
    /// when the scheduler should look again for that tenant's polls.
    std::chrono::steady_clock::time_point movePollsIfDue(TenantRelay& relay);
    /// The scheduler's wait: until `until`, a nudge, or stop; false when stopping.
    bool pauseScheduler(std::chrono::steady_clock::time_point until);
    /// A worker finished a step: the scheduler looks at the poll sets again.
    void nudgeScheduler();

    RelayConfig config_;
    store::RedisPool pool_;
    std::vector<std::unique_ptr<TenantRelay>> tenants_;
    std::string consumerPrefix_;

    const Clock* clock_ = &SystemClock::instance();
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable schedulerWake_;
    bool nudged_ = false;  ///< guarded by mutex_
    std::vector<std::thread> threads_;
    std::atomic<int> running_{0};
};

}  // namespace legate::ido::relay
