#pragma once
/// The relay's own Redis state for one tenant (docs/state.md, "Relay"): the job stream
/// and its consumer group, the per-order progress record, the per-order lock with its
/// fencing token, the wake-up schedule (a sorted set) and the upstream order budget.
///
/// Everything lives under the tenant's hash tag, next to the orders it drives, so the
/// progress record and the lock it is fenced by are checked and written by one script.
///
/// Fencing: `lock()` hands out a token from a per-tenant counter (INCR), strictly
/// increasing; every write of a progress record goes through `update()`, which refuses
/// (answers false) unless the lock still holds that very token.  A worker that stalled
/// past its lease (GC pause, network partition, SIGSTOP) and woke up after another
/// worker took the order over can therefore not overwrite the newer worker's progress.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/log/Logger.h"
#include "broker/store/RedisPool.h"
#include "idO/relay/CertificateLimits.h"
#include "idO/relay/RelayProgress.h"
#include "idO/state/Records.h"
#include "idO/state/TenantKeys.h"

namespace legate::ido::relay {

/// One entry of the relay stream.
struct Job {
    std::string id;          ///< stream entry id
    std::string kind;        ///< finalize, renew, cancel, terminate, delegation-created
    std::string order;       ///< Order1 id (finalize, renew, cancel)
    std::string delegation;  ///< delegation id (terminate, delegation-created)
};

/// What RelayState::certificateLimits answered.
struct LimitVerdict {
    bool allowed = true;
    std::string limit;   ///< when refused: the limit's name ...
    std::string key;     ///< ... and what it counts
    TimePoint freeAt{};  ///< when refused: when that limit has room again
};

/// A field of a progress record, "" when absent.
std::string fieldOf(const FieldMap& record, const std::string& name);
/// The "relay" log component every relay class writes to.
const log::Logger& relayLogger();

/// The consumer group every `ido` process reads the relay stream through.
inline constexpr const char* kRelayGroup = "relay-workers";

class RelayState {
public:
    RelayState(store::RedisPool& pool, TenantKeys keys, const Clock& clock);

    const TenantKeys& keys() const { return keys_; }

    // ---- the job stream ----
    /// Creates the consumer group (from the start of the stream, so jobs queued before
    /// the first relay ever ran are worked too); an existing group is fine.
    Status ensureGroup();
    /// New jobs for `consumer`, waiting up to `block` for one.
    Result<std::vector<Job>> readJobs(const std::string& consumer, int count,
                                      std::chrono::milliseconds block);
    /// Jobs of other consumers idle for at least `minIdle`, now owned by `consumer`
    /// (XAUTOCLAIM): how a dead worker's jobs are taken back.
    Result<std::vector<Job>> claimIdle(const std::string& consumer,
                                       std::chrono::milliseconds minIdle, int count);
    /// Resets the idle time of a job `consumer` is working on (a heartbeat).
    Status touch(const std::string& consumer, const std::string& jobId);
    Status ack(const std::string& jobId);

    // ---- the per-order lock ----
    /// A fencing token when the order's lock was free, nullopt when someone holds it.
    Result<std::optional<int64_t>> lock(const std::string& orderId, std::chrono::milliseconds ttl);
    /// Extends the lease; false when the lock is no longer ours.
    Result<bool> renewLock(const std::string& orderId, int64_t token,
                           std::chrono::milliseconds ttl);
    Status unlock(const std::string& orderId, int64_t token);

    // ---- the progress record ----
    Result<FieldMap> record(const std::string& orderId);
    /// Sets `fields` and deletes `remove` in the order's record, with an audit entry
    /// naming `step` (when not empty) — only while `token` holds the lock.  false when
    /// fenced off (the lock moved on).
    Result<bool> update(const std::string& orderId, int64_t token, const FieldMap& fields,
                        const std::vector<std::string>& remove = {}, const std::string& step = "");

    /// The record, typed (RelayProgress::parse).
    Result<RelayProgress> progress(const std::string& orderId);
    /// Replaces the whole record with `progress` (update() with its fields and absent
    /// fields), with an audit entry naming `step` when not empty.  false when fenced.
    Result<bool> save(const std::string& orderId, int64_t token, const RelayProgress& progress,
                      const std::string& step = "");

    // ---- the wake-up schedule ----
    /// An order is in at most one of two sorted sets: `renewals` (new upstream orders:
    /// the scheduler charges the budget and moves them as `renew` jobs) and `polls`
    /// (looking at the CA again: moved as `poll` jobs, no budget).  Each call moves it.
    Status wakeAt(const std::string& orderId, TimePoint due);
    Status pollAt(const std::string& orderId, TimePoint due);
    Status unschedule(const std::string& orderId);
    /// Moves up to `limit` due renewals (oldest due first) to the job stream as `renew`
    /// jobs, re-scoring each at now + `lease` (so one whose worker died comes due
    /// again).  Returns how many were moved.
    Result<int64_t> moveDue(int64_t limit, std::chrono::milliseconds lease);
    /// The same for due polls, as `poll` jobs.
    Result<int64_t> moveDuePolls(int64_t limit, std::chrono::milliseconds lease);
    /// The earliest wake-up in the tenant's poll set, or nullopt when it is empty.
    Result<std::optional<TimePoint>> nextPoll();
    /// Orders due now (score <= now) and scheduled in all.
    Result<int64_t> dueCount();
    Result<int64_t> scheduledCount();
    /// The score of an order in the renewals schedule, if it is there.
    Result<std::optional<TimePoint>> dueTime(const std::string& orderId);
    /// The score of an order in the polls schedule, if it is there.
    Result<std::optional<TimePoint>> pollTime(const std::string& orderId);

    // ---- the upstream order budget ----
    /// Takes up to `wanted` tokens from the tenant's bucket (`orders` per `period`,
    /// burst = orders); returns how many were granted.
    Result<int64_t> takeBudget(int64_t wanted, int64_t orders, std::chrono::seconds period);

    // ---- the CA's certificate-count limits (idO/relay/CertificateLimits.h) ----
    /// Whether one more certificate fits every limit in `limits` now (a sliding window
    /// per limit key); with `take`, and when it fits, counts it as `member` in each.
    /// A member already counted is not counted again (a retried step).  When it does
    /// not fit: the limit that is full and when it has room again (nothing counted).
    Result<LimitVerdict> certificateLimits(const std::vector<CertificateLimit>& limits,
                                           const std::string& member, bool take);

    // ---- what the relay learned about the CA (survives restarts) ----
    /// The value recorded for `name`, nullopt when none.
    Result<std::optional<std::string>> fact(const std::string& name);
    Status learn(const std::string& name, const std::string& value);

    // ---- metrics ----
    /// Adds `n` to a tenant-wide counter (every process adds to the same ones).
    void count(const std::string& name, int64_t n = 1);
    /// The counters, the schedule (scheduled, due, oldest due) and the job stream
    /// (length, jobs handed out and not yet acknowledged), for the admin API.
    Result<nlohmann::json> status();

private:
    Result<std::vector<Job>> jobsOf(const store::RedisReply& entries);
    Status schedule(const std::string& into, const std::string& outOf, const std::string& orderId,
                    TimePoint due);
    Result<std::optional<TimePoint>> scoreIn(const std::string& set, const std::string& orderId);
    int64_t nowMs() const;

    store::RedisPool& pool_;
    TenantKeys keys_;
    const Clock& clock_;
};

}  // namespace legate::ido::relay
