#pragma once
/// The Redis key layout of one tenant, and the Redis Cluster hash-slot rules it relies on.
///
/// Every key starts with `legate:<tenant>:`, so tenants never collide and one tenant's
/// keys can be found (SCAN MATCH) or removed together.  Below that, two shapes:
///
///     legate:<tenant>:<kind>:<id>             an independent key, e.g. a nonce
///     legate:<tenant>:{<kind>:<id>}:<part>    one part of a group, e.g. a delegation
///                                             and the orders and index entries that
///                                             change with it
///
/// Redis Cluster hashes only the text inside the first `{...}` of a key (the hash tag)
/// when there is one.  So all parts of one group live in one slot, and a Lua script or
/// MULTI/EXEC may touch them together, as design.md requires for multi-key state
/// transitions.  Independent keys have no tag, so they are spread over all slots:
/// putting `{tenant}` in every key would pin a whole tenant on one shard.
///
/// `kind`, `id` and `part` are escaped ('%' -> %25, '{' -> %7B, '}' -> %7D) so a value
/// that came from outside can never inject or break a hash tag.  Base64url ids, UUIDs
/// and plain words pass unchanged.

#include <cstdint>
#include <string>
#include <string_view>

#include "broker/core/Result.h"

namespace legate::store {

class KeyLayout {
public:
    /// `tenant` must be 1-63 characters of [a-z0-9._-], starting with a letter or
    /// digit; a `malformed` problem otherwise.
    static Result<KeyLayout> forTenant(std::string_view tenant);

    const std::string& tenant() const { return tenant_; }
    /// "legate:<tenant>:"
    const std::string& prefix() const { return prefix_; }

    /// "legate:<tenant>:<kind>:<id>" (no hash tag: a slot of its own).
    std::string key(std::string_view kind, std::string_view id) const;
    /// "legate:<tenant>:<kind>:" — the prefix of every key(kind, ...), e.g. for nonces.
    std::string kindPrefix(std::string_view kind) const;
    /// "legate:<tenant>:{<kind>:<id>}:<part>" (hash tag: same slot for every part).
    std::string groupKey(std::string_view kind, std::string_view id, std::string_view part) const;

    /// The part of `key` Redis Cluster hashes: the first non-empty {...}, else the key.
    static std::string_view hashTag(std::string_view key);
    /// The Redis Cluster slot of `key` (CRC16-XMODEM of the hash tag, mod 16384).
    static uint16_t hashSlot(std::string_view key);

private:
    explicit KeyLayout(std::string tenant);

    std::string tenant_;
    std::string prefix_;
};

}  // namespace legate::store
