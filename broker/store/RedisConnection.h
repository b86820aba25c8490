#pragma once
/// One blocking connection to a Redis server (RAII over a hiredis redisContext).
///
/// Connecting applies a connect timeout, then a command timeout on the socket, then
/// AUTH (when the URL has a password) and SELECT (when the database is not 0), so a
/// connection handed out is ready for commands.  Arguments are sent with the
/// argv form of the protocol, so keys and values are binary-safe.
///
/// Once a command fails in transport (timeout, reset, server gone), hiredis cannot
/// tell where the byte stream stands, so the connection is *broken* for good: every
/// later call fails at once and the owner (normally RedisPool) must discard it.
/// `state()` says why, which is what decides whether a retry is sensible.
///
/// Not thread-safe: one thread at a time (RedisPool leases enforce this).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "broker/store/RedisReply.h"
#include "broker/store/RedisUrl.h"

struct redisContext;  // hiredis; never reaches a caller

namespace legate::store {

struct ConnectionOptions {
    /// Upper bound for the TCP connect (host name resolution is not covered).
    std::chrono::milliseconds connectTimeout{1000};
    /// Upper bound for sending one command or receiving one reply.  Must be > 0.
    std::chrono::milliseconds commandTimeout{2000};
};

class RedisConnection;
using RedisConnectionPtr = std::unique_ptr<RedisConnection>;

class RedisConnection {
public:
    /// Why a connection stopped being usable.
    enum class State {
        Healthy,
        /// The server closed or reset the connection (restart, CLIENT KILL, idle
        /// timeout).  If this happened on the first write after an idle period, the
        /// command most likely never ran; see RedisPool for the retry reasoning.
        PeerClosed,
        /// No reply within the command timeout: the command may still run.
        TimedOut,
        /// Anything else (protocol error, out of memory, local socket error).
        Failed,
    };

    /// Connects, applies timeouts, AUTH and SELECT.  serverInternal "redis: ..." on
    /// failure; the detail names the server (password redacted) and the cause.
    static Result<RedisConnectionPtr> connect(const RedisUrl& url,
                                              const ConnectionOptions& options = {});

    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    /// Sends one command, e.g. {"SET", key, value}, and waits for its reply.  An
    /// error reply from the server is a RedisReply, not a Problem.
    Result<RedisReply> command(const std::vector<std::string>& args);

    /// Sends every command before reading any reply (one round trip), then returns
    /// the replies in order.  If the transport fails part-way, the whole call fails
    /// and the connection is broken; the server may have run some of the commands.
    Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& commands);

    State state() const { return state_; }
    bool broken() const { return state_ != State::Healthy; }
    const RedisUrl& url() const { return url_; }

private:
    struct ContextDeleter {
        void operator()(redisContext* c) const;
    };

    RedisConnection(RedisUrl url, std::unique_ptr<redisContext, ContextDeleter> context,
                    ConnectionOptions options);
    Status checkUsable() const;
    /// Buffers one command; nothing is sent until readReply.
    Status append(const std::vector<std::string>& args, const std::string& what);
    /// Flushes the buffer (first call) and reads the next reply.
    Result<RedisReply> readReply(const std::string& what);
    /// Records why the context failed (from hiredis' err and the errno of the call)
    /// and returns the Problem describing it.
    acme::Problem fail(int savedErrno, const std::string& during);

    RedisUrl url_;
    std::unique_ptr<redisContext, ContextDeleter> context_;
    ConnectionOptions options_;
    State state_ = State::Healthy;
    std::string brokenReason_;
};

std::string_view connectionStateName(RedisConnection::State state);

}  // namespace legate::store
