#pragma once
/// An in-process cache of Redis-backed records that is never served stale after an
/// invalidation, even when an invalidation races a fill.
///
/// Readers follow one pattern:
///
///     if (auto hit = cache.get(id)) return *hit;
///     const auto ticket = cache.ticket();      // BEFORE reading Redis
///     auto record = state.read(id);            // may race an invalidation
///     cache.put(id, record, ticket);           // dropped if anything was invalidated since
///
/// `invalidate` and `clear` advance an epoch; a `put` whose ticket predates the current
/// epoch is dropped, so a value read before an invalidation can never be stored after
/// it.  While `setLive(false)` (the invalidation feed is disconnected and may have
/// missed messages) nothing is cached at all: every read goes to Redis.
///
/// Thread-safe.  Bounded: past `capacity` entries the cache is emptied (simple and
/// good enough: entries are cheap to refetch).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace legate::ido {

template <class V>
class InvalidatingCache {
public:
    using Ticket = uint64_t;

    explicit InvalidatingCache(size_t capacity = 100'000) : capacity_(capacity) {}

    std::shared_ptr<const V> get(const std::string& key) const {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : it->second;
    }

    Ticket ticket() const { return epoch_.load(); }

    void put(const std::string& key, V value, Ticket ticket) {
        std::lock_guard lock(mutex_);
        if (!live_ || ticket != epoch_.load()) {
            return;
        }
        if (entries_.size() >= capacity_) {
            entries_.clear();
        }
        entries_[key] = std::make_shared<const V>(std::move(value));
    }

    void invalidate(const std::string& key) {
        std::lock_guard lock(mutex_);
        ++epoch_;
        entries_.erase(key);
    }

    void clear() {
        std::lock_guard lock(mutex_);
        ++epoch_;
        entries_.clear();
    }

    /// Caching only while the invalidation feed is connected.
    void setLive(bool live) {
        std::lock_guard lock(mutex_);
        ++epoch_;
        live_ = live;
        entries_.clear();
    }

    size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const V>> entries_;  // guarded by mutex_
    std::atomic<Ticket> epoch_{0};
    bool live_ = false;  // guarded by mutex_; false until the feed is up
};

}  // namespace legate::ido
