#pragma once
/// A server-side Lua script, run by its SHA1 (EVALSHA) so its source crosses the wire
/// only when the server does not know it yet.
///
/// The SHA1 is computed locally, exactly as Redis does (lowercase hex of the source
/// bytes).  When the server answers NOSCRIPT (after SCRIPT FLUSH, a restart, or a
/// failover to a replica that never saw the script) the script is loaded with SCRIPT
/// LOAD and run once more; the NOSCRIPT reply guarantees the first attempt did not run.
///
/// Scripts are how Legate makes multi-key state transitions atomic.  Each must name
/// every key it touches in `keys` (required by Redis Cluster), those keys must share a
/// hash slot (see KeyLayout), and it must be safe to run twice, because RedisPool
/// retries once after a dead connection (Retry::Once).

#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "broker/store/RedisConnection.h"
#include "broker/store/RedisPool.h"
#include "broker/store/RedisReply.h"

namespace legate::store {

class LuaScript {
public:
    explicit LuaScript(std::string source);

    const std::string& source() const { return source_; }
    /// 40 lowercase hex digits.
    const std::string& sha1() const { return sha1_; }

    /// Runs the script on a pooled connection.  The script's own result may be an
    /// error reply (redis.error_reply); that is returned as a RedisReply.
    Result<RedisReply> run(RedisPool& pool, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args, Retry retry = Retry::Once) const;
    /// The same on a connection the caller holds (e.g. inside a Lease).
    Result<RedisReply> run(RedisConnection& connection, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args) const;

private:
    std::vector<std::string> evalshaCommand(const std::vector<std::string>& keys,
                                            const std::vector<std::string>& args) const;
    /// Checks that SCRIPT LOAD answered our own SHA1.
    Status checkLoaded(const Result<RedisReply>& loaded) const;

    std::string source_;
    std::string sha1_;
};

/// Lowercase hex SHA1 of `data` (OpenSSL EVP).
std::string sha1Hex(std::string_view data);

}  // namespace legate::store
