#pragma once
/// Where the Redis server is and how to log in to it, parsed from a `redis://` URL.
///
///     redis://[[user]:password@]host[:port][/db]
///
/// The port defaults to 6379 and the database to 0.  User and password may be
/// percent-encoded (a password containing '@' or '/' must be).  Parsing is strict:
/// every refusal is a `malformed` problem whose detail names the offending part, and
/// never quotes the password.  `rediss://` (TLS) is refused because the hiredis we
/// build on has no TLS support.

#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"

namespace legate::store {

class RedisUrl {
public:
    static constexpr int kDefaultPort = 6379;

    /// Parses `text`; a `malformed` problem naming the bad part otherwise.
    static Result<RedisUrl> parse(std::string_view text);

    /// A URL for an unauthenticated server (tests, defaults).
    static RedisUrl plain(std::string host, int port, int db = 0);

    const std::string& host() const { return host_; }
    int port() const { return port_; }
    int db() const { return db_; }
    /// Empty when no user was given (AUTH then uses the single-password form).
    const std::string& user() const { return user_; }
    /// The secret: only the connection code reads it, never a log line.
    const std::optional<std::string>& password() const { return password_; }

    /// The URL with the password replaced by "***", safe for logs and problems.
    std::string toString() const;

    bool operator==(const RedisUrl&) const = default;

private:
    RedisUrl() = default;

    std::string host_;
    int port_ = kDefaultPort;
    int db_ = 0;
    std::string user_;
    std::optional<std::string> password_;
};

}  // namespace legate::store
