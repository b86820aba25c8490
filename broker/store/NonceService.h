#pragma once
/// ACME anti-replay nonces (RFC 8555 §6.5) kept in Redis, so any `ido` process behind
/// the load balancer accepts a nonce any other one issued.
///
/// * issue(): 128 bits from the OS CSPRNG, base64url without padding (22 characters),
///   stored as `<prefix><nonce>` with a TTL (`SET key 1 EX ttl`): unused nonces
///   expire on their own.
/// * consume(): one atomic `DEL`; Redis runs commands one at a time, so of any number
///   of concurrent consumers exactly one sees 1 and gets true.  A nonce that is not
///   exactly the shape issue() makes is refused without a Redis round trip.
///
/// Hash slots: each nonce is an independent key touched by single-key commands, so it
/// needs no hash tag and is hashed whole: nonces spread over every cluster slot.  The
/// prefix should therefore not contain a `{...}` tag (KeyLayout::kindPrefix("nonce")
/// gives `legate:<tenant>:nonce:`), or every nonce of a tenant would land on one shard.
///
/// Retries: both commands use Retry::Once.  Repeating the SET is harmless.  Repeating
/// the DEL fails closed: if the first DEL ran but its reply was lost, the repeat
/// answers 0 and the nonce is refused, never accepted twice; the ACME client then
/// retries with the fresh nonce that comes with the badNonce error.

#include <chrono>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/store/RedisPool.h"

namespace legate::store {

class NonceService {
public:
    /// 128 bits of randomness per nonce.
    static constexpr size_t kNonceBytes = 16;
    /// Length of its base64url encoding without padding.
    static constexpr size_t kNonceLength = 22;

    /// `keyPrefix` is prepended to every nonce to form its key; `ttl` must be positive
    /// (a `malformed` problem otherwise).  The pool must outlive the service.
    static Result<NonceService> create(RedisPool& pool, std::string keyPrefix,
                                       std::chrono::seconds ttl);

    /// A fresh nonce, stored in Redis with the TTL.
    Result<std::string> issue();
    /// True for the first consumer of an issued, unexpired nonce; false for a nonce
    /// that is unknown, expired, already used or malformed.  A Problem only when Redis
    /// cannot be asked.
    Result<bool> consume(std::string_view nonce);

    /// Exactly the shape issue() produces: 22 base64url characters encoding 16 bytes
    /// (canonical, i.e. zero trailing bits).
    static bool wellFormed(std::string_view nonce);
    /// The Redis key holding `nonce`.
    std::string keyFor(std::string_view nonce) const { return keyPrefix_ + std::string(nonce); }
    std::chrono::seconds ttl() const { return ttl_; }

private:
    NonceService(RedisPool& pool, std::string keyPrefix, std::chrono::seconds ttl);

    RedisPool* pool_;
    std::string keyPrefix_;
    std::chrono::seconds ttl_;
};

}  // namespace legate::store
