#include "broker/store/RedisPool.h"

#include <algorithm>
#include <cassert>

namespace legate::store {
namespace {

acme::Problem redisProblem(const std::string& detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, "redis: " + detail);
}

}  // namespace

RedisPool::Lease::Lease(RedisPool* pool, RedisConnectionPtr connection, bool reused)
    : pool_(pool), connection_(std::move(connection)), reused_(reused) {}

RedisPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      reused_(other.reused_) {}

RedisPool::Lease& RedisPool::Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        giveBack();
        pool_ = std::exchange(other.pool_, nullptr);
        connection_ = std::move(other.connection_);
        reused_ = other.reused_;
    }
    return *this;
}

RedisPool::Lease::~Lease() {
    giveBack();
}

void RedisPool::Lease::giveBack() {
    if (pool_ != nullptr && connection_) {
        pool_->giveBack(std::move(connection_));
    }
    pool_ = nullptr;
}

RedisPool::RedisPool(RedisUrl url, PoolOptions options)
    : url_(std::move(url)), options_(options), backoff_(options.reconnectBackoffInitial) {}

RedisPool::~RedisPool() {
    const std::lock_guard lock(mutex_);
    // A Lease outliving its pool is a programming error, not something input can cause.
    assert(open_ == idle_.size() && "RedisPool destroyed while a Lease is outstanding");
}

Result<RedisPool::Lease> RedisPool::borrow() {
    return acquire(Source::AnyConnection);
}

Result<RedisPool::Lease> RedisPool::acquire(Source source) {
    const auto deadline = std::chrono::steady_clock::now() + options_.borrowTimeout;
    std::unique_lock lock(mutex_);
    while (true) {
        if (source == Source::AnyConnection && !idle_.empty()) {
            // LIFO: the most recently used connection is the most likely to be alive.
            RedisConnectionPtr connection = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(connection), true);
        }
        if (source == Source::FreshConnection && open_ >= options_.size && !idle_.empty()) {
            // Make room for the fresh connection by dropping the oldest idle one.
            const RedisConnectionPtr stale = std::move(idle_.front());
            idle_.erase(idle_.begin());
            --open_;
            ++counters_.discarded;
        }
        if (open_ < options_.size) {
            const TimePoint now = options_.clock->now();
            if (now < nextConnectAttempt_) {
                const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                    nextConnectAttempt_ - now);
                return redisProblem(url_.toString() + ": not reconnecting for another " +
                                    std::to_string(wait.count()) +
                                    " ms (backoff) after: " + lastConnectError_);
            }
            ++open_;  // reserve the slot, then connect without holding the lock
            lock.unlock();
            auto connection = RedisConnection::connect(url_, options_.connection);
            lock.lock();
            if (!connection) {
                --open_;
                ++counters_.connectsFailed;
                lastConnectError_ = connection.problem().detail;
                nextConnectAttempt_ =
                    std::max(nextConnectAttempt_, options_.clock->now() + backoff_);
                backoff_ = std::min(backoff_ * 2, options_.reconnectBackoffMax);
                connectionFreed_.notify_one();  // the slot is free again
                return std::move(connection).problem();
            }
            ++counters_.connectsSucceeded;
            backoff_ = options_.reconnectBackoffInitial;
            nextConnectAttempt_ = TimePoint{};
            return Lease(this, std::move(*connection), false);
        }
        if (connectionFreed_.wait_until(lock, deadline) == std::cv_status::timeout &&
            idle_.empty() && open_ >= options_.size) {
            return redisProblem("no connection to " + url_.toString() + " free within " +
                                std::to_string(options_.borrowTimeout.count()) + " ms (pool of " +
                                std::to_string(options_.size) + ", all in use)");
        }
    }
}

void RedisPool::giveBack(RedisConnectionPtr connection) {
    std::vector<RedisConnectionPtr> discarded;  // closed after the lock is released
    {
        const std::lock_guard lock(mutex_);
        if (!connection->broken()) {
            idle_.push_back(std::move(connection));
            connectionFreed_.notify_one();
            return;
        }
        const bool serverWentAway = connection->state() == RedisConnection::State::PeerClosed;
        discarded.push_back(std::move(connection));
        if (serverWentAway) {
            // The idle connections talked to the same server process: most likely they
            // are dead too, and each would cost a failed command to find out.
            for (auto& idle : idle_) {
                discarded.push_back(std::move(idle));
            }
            idle_.clear();
        }
        open_ -= discarded.size();
        counters_.discarded += discarded.size();
        connectionFreed_.notify_all();
    }
}

template <class T, class Fn>
Result<T> RedisPool::runWithRetry(Retry retry, Fn&& fn) {
    Result<T> result = attemptWithRetry<T>(retry, std::forward<Fn>(fn));
    if (!result.ok()) {
        const std::lock_guard lock(mutex_);
        ++counters_.errors;
    }
    return result;
}

template <class T, class Fn>
Result<T> RedisPool::attemptWithRetry(Retry retry, Fn&& fn) {
    bool retryable = false;
    {
        auto lease = acquire(Source::AnyConnection);
        if (!lease) {
            return std::move(lease).problem();
        }
        Result<T> result = fn(**lease);
        retryable = !result.ok() && retry == Retry::Once && lease->reused() &&
                    (*lease)->state() == RedisConnection::State::PeerClosed;
        if (!retryable) {
            return result;
        }
        // The dead lease is given back here, before a fresh connection is requested, so
        // a pool of one cannot deadlock on itself.
    }
    {
        const std::lock_guard lock(mutex_);
        ++counters_.retries;
    }
    auto fresh = acquire(Source::FreshConnection);
    if (!fresh) {
        return std::move(fresh).problem();
    }
    return fn(**fresh);
}

Result<RedisReply> RedisPool::command(const std::vector<std::string>& args, Retry retry) {
    return runWithRetry<RedisReply>(
        retry, [&args](RedisConnection& connection) { return connection.command(args); });
}

Result<std::vector<RedisReply>> RedisPool::pipeline(
    const std::vector<std::vector<std::string>>& commands, Retry retry) {
    return runWithRetry<std::vector<RedisReply>>(
        retry, [&commands](RedisConnection& connection) { return connection.pipeline(commands); });
}

RedisPool::Stats RedisPool::stats() const {
    const std::lock_guard lock(mutex_);
    Stats s = counters_;
    s.open = open_;
    s.idle = idle_.size();
    return s;
}

}  // namespace legate::store
