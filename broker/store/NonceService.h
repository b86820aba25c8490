#pragma once
/// ACME anti-replay nonces (RFC 8555 §6.5) that cost nothing to issue and are accepted
/// once by any `ido` process behind the load balancer.
///
/// Issuing writes nothing.  A nonce is an authenticated, time-stamped token:
///
///     base64url( issued-at (8 bytes, ms since the epoch, big-endian)
///              | random (8 bytes, OS CSPRNG)
///              | HMAC-SHA256(secret of the period, key prefix | the 16 bytes before) )
///
/// 48 bytes, 64 characters.  The secret belongs to the hour (the *period*) the nonce was
/// issued in and is shared by every process through Redis: the first process that needs
/// it creates it (`SET <prefix>secret:<period> ... NX EX`, so all agree on one), and each
/// process keeps the secrets it has seen in memory.  So issuing costs one HMAC and, once
/// an hour, one round trip; an unauthenticated flood of `new-nonce` stores nothing.
///
/// Consuming checks the shape, the age (older than the TTL, or issued more than a minute
/// in the future: refused) and the MAC without touching Redis, then records the nonce as
/// used, once: `SET <prefix><nonce> 1 NX PX <remaining lifetime>`.  Redis runs commands one
/// at a time, so of any number of concurrent consumers in any number of processes
/// exactly one sees OK; the record expires when the nonce would have anyway.  Redis thus
/// holds only nonces that were really used, each for at most its remaining lifetime.
///
/// The key prefix is part of the MAC and names the secrets, so a nonce of one tenant is
/// worthless at another.  Hash slots: each used nonce and each secret is an independent
/// key touched by single-key commands; the prefix should not contain a `{...}` tag
/// (KeyLayout::kindPrefix("nonce") gives `legate:<tenant>:nonce:`).
///
/// Retries: both commands use Retry::Once.  Repeating the secret's SET NX is harmless.
/// Repeating the consuming SET NX fails closed: if the first one ran but its reply was
/// lost, the repeat answers nil and the nonce is refused, never accepted twice; the ACME
/// client then retries with the fresh nonce that comes with the badNonce error.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/OpenSsl.h"
#include "broker/store/RedisPool.h"

namespace legate::store {

class NonceService {
public:
    /// Issued-at, random part and HMAC-SHA256.
    static constexpr size_t kNonceBytes = 8 + 8 + 32;
    /// Length of its base64url encoding without padding.
    static constexpr size_t kNonceLength = 64;
    /// How long one secret signs new nonces.
    static constexpr std::chrono::seconds kSecretPeriod{3600};
    /// How far in the future a nonce's issue time may lie (clocks of several processes).
    static constexpr std::chrono::seconds kClockSkew{60};

    /// `keyPrefix` is prepended to every used nonce and to the secrets to form their
    /// keys; `ttl` (a nonce's lifetime) must be positive (a `malformed` problem
    /// otherwise).  The pool and the clock must outlive the service; copies share the
    /// secrets they have seen.
    static Result<NonceService> create(RedisPool& pool, std::string keyPrefix,
                                       std::chrono::seconds ttl,
                                       const Clock& clock = SystemClock::instance());

    /// A fresh nonce.  Needs Redis only for the first nonce of each period.
    Result<std::string> issue();
    /// True for the first consumer of a nonce this prefix issued that is still within its
    /// lifetime; false for one that is forged, expired, already used or malformed.  A
    /// Problem only when Redis cannot be asked.
    Result<bool> consume(std::string_view nonce);

    /// Exactly the shape issue() produces: 64 base64url characters encoding 48 bytes.
    static bool wellFormed(std::string_view nonce);
    /// The Redis key that records `nonce` as used.
    std::string keyFor(std::string_view nonce) const { return keyPrefix_ + std::string(nonce); }
    /// The Redis key of the secret of `period` (seconds since the epoch / kSecretPeriod).
    std::string secretKey(int64_t period) const;
    std::chrono::seconds ttl() const { return ttl_; }

    /// Nonces this service (and its copies) issued, and presented nonces it refused
    /// (forged, expired, replayed, malformed), since start: the process's metrics.
    uint64_t issuedCount() const { return counts_->issued.load(std::memory_order_relaxed); }
    uint64_t rejectedCount() const { return counts_->rejected.load(std::memory_order_relaxed); }

private:
    struct Counts {
        std::atomic<uint64_t> issued{0};
        std::atomic<uint64_t> rejected{0};
    };
    struct Secrets {
        std::mutex mutex;
        std::map<int64_t, crypto::Bytes> byPeriod;  ///< guarded by mutex
    };

    NonceService(RedisPool& pool, std::string keyPrefix, std::chrono::seconds ttl,
                 const Clock& clock);
    /// The secret of `period`, from memory or Redis; made when `create` and missing.  An
    /// empty one when it does not exist (a nonce of that period was never issued).
    Result<crypto::Bytes> secretFor(int64_t period, bool create);
    /// consume() without the count.
    Result<bool> check(std::string_view nonce);
    /// The MAC input of a nonce's first 16 bytes.
    std::string macInput(const unsigned char* stampAndRandom) const;

    RedisPool* pool_;
    std::string keyPrefix_;
    std::chrono::seconds ttl_;
    const Clock* clock_;
    std::shared_ptr<Secrets> secrets_;
    std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace legate::store
