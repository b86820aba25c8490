#pragma once
/// A bounded, thread-safe pool of RedisConnections, and the place where Legate
/// survives a Redis restart.
///
/// * Connections are made lazily, up to `PoolOptions::size`, and borrowed through an
///   RAII `Lease` that hands the connection back (or discards it, if broken) when it
///   goes out of scope.  A borrower waits at most `borrowTimeout` for a free one.
/// * A connection that failed in transport is never reused.  When the server closed
///   it (a restart), every idle connection is dropped too: they were all talking to
///   the same, now gone, process, and reconnecting is cheap.
/// * `command` and `pipeline` retry ONCE, on a freshly made connection, when a
///   *reused* connection turns out to have been closed by the server.
///
/// Retry semantics.  When the server closes a connection we cannot know whether our
/// command reached it before it went away: running it once more makes delivery
/// at-least-once, not retrying makes it at-most-once.  The likely case for a reused
/// connection is that it died while idle (restart, idle timeout), so the command never
/// ran and the retry is what makes a restart invisible to callers.  Legate is built so
/// at-least-once is correct: multi-key writes are Lua scripts written to be safe to
/// repeat, and plain SET/DEL/EXPIRE are idempotent or fail closed (a repeated nonce
/// DEL answers 0, so the nonce is refused rather than accepted twice).  A caller whose
/// command must not run twice (INCR, XADD with an auto id, LPUSH...) passes
/// `Retry::Never` and gets at-most-once with the failure reported.  Timeouts are never
/// retried: the server is alive but slow, and the command may still run.
///
/// Reconnecting backs off: after a failed connect, no new connect is attempted until a
/// delay has passed (doubling from `reconnectBackoffInitial` up to
/// `reconnectBackoffMax`, reset by a success).  During that window borrowers that need
/// a new connection fail at once instead of queueing behind a dead server.
///
/// Errors are serverInternal Problems whose detail starts with "redis: ".  A Lease must
/// not outlive its pool.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/store/RedisConnection.h"
#include "broker/store/RedisReply.h"
#include "broker/store/RedisUrl.h"

namespace legate::store {

/// Whether a command may be sent again after its connection was found dead.
enum class Retry {
    Once,   ///< at-least-once: for idempotent commands and Legate's Lua scripts
    Never,  ///< at-most-once: for commands whose repetition would change the outcome
};

struct PoolOptions {
    /// Most connections open at once (idle + leased).
    size_t size = 8;
    /// Longest a borrower waits for a connection when all are leased.
    std::chrono::milliseconds borrowTimeout{1000};
    ConnectionOptions connection;
    std::chrono::milliseconds reconnectBackoffInitial{50};
    std::chrono::milliseconds reconnectBackoffMax{2000};
    /// Time source for the backoff window (tests pass a ManualClock).
    const Clock* clock = &SystemClock::instance();
};

class RedisPool {
public:
    /// Exclusive use of one connection; returns it to the pool on destruction.
    class Lease {
    public:
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&& other) noexcept;
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        RedisConnection& operator*() const { return *connection_; }
        RedisConnection* operator->() const { return connection_.get(); }
        /// True when the connection served an earlier lease (it may have died idle).
        bool reused() const { return reused_; }

    private:
        friend class RedisPool;
        Lease(RedisPool* pool, RedisConnectionPtr connection, bool reused);
        void giveBack();

        RedisPool* pool_ = nullptr;
        RedisConnectionPtr connection_;
        bool reused_ = false;
    };

    struct Stats {
        size_t open = 0;  ///< idle + leased + being connected
        size_t idle = 0;
        uint64_t connectsSucceeded = 0;
        uint64_t connectsFailed = 0;
        uint64_t discarded = 0;  ///< broken or stale connections thrown away
        uint64_t retries = 0;    ///< commands sent a second time after a dead connection
        /// Commands and pipelines that failed in the end (no connection, I/O error,
        /// timeout), for the `legate_redis_errors_total` metric.  Error replies are answers.
        uint64_t errors = 0;
    };

    explicit RedisPool(RedisUrl url, PoolOptions options = {});
    ~RedisPool();
    RedisPool(const RedisPool&) = delete;
    RedisPool& operator=(const RedisPool&) = delete;

    /// A connection for several commands in a row (MULTI/EXEC, WATCH...).  No retry:
    /// the caller sees the connection's failures directly.
    Result<Lease> borrow();

    /// One command on a pooled connection; see the class comment for `retry`.
    Result<RedisReply> command(const std::vector<std::string>& args, Retry retry = Retry::Once);
    /// Several commands in one round trip.  With Retry::Once the whole batch is sent
    /// again after a dead connection, so every command in it must be safe to repeat.
    Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& commands,
                                             Retry retry = Retry::Once);

    Stats stats() const;
    const RedisUrl& url() const { return url_; }

private:
    enum class Source { AnyConnection, FreshConnection };

    Result<Lease> acquire(Source source);
    void giveBack(RedisConnectionPtr connection);
    template <class T, class Fn>
    Result<T> runWithRetry(Retry retry, Fn&& fn);
    template <class T, class Fn>
    Result<T> attemptWithRetry(Retry retry, Fn&& fn);

    const RedisUrl url_;
    const PoolOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable connectionFreed_;  // signalled with mutex_ held or just released
    std::vector<RedisConnectionPtr> idle_;     // guarded by mutex_; back = most recently used
    size_t open_ = 0;                          // guarded by mutex_
    TimePoint nextConnectAttempt_{};           // guarded by mutex_
    std::chrono::milliseconds backoff_;        // guarded by mutex_
    std::string lastConnectError_;             // guarded by mutex_
    Stats counters_;                           // guarded by mutex_ (open/idle unused)
};

}  // namespace legate::store
