#pragma once
/// A real redis-server for tests: its own free port, its own data directory, AOF on,
/// stopped by PID when the fixture goes away.
///
/// Readiness is polled (PING until it answers), never slept for.  `restart()` brings
/// the server back on the same port and directory, so data written before it survives
/// through the append-only file and clients see exactly what a production restart
/// looks like: their connections die, the address stays the same.
///
/// Use `LEGATE_REQUIRE_REDIS()` first in a test (or SetUp) to skip when redis-server is
/// not installed.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/TestSupport.h"

namespace legate::test {

class RedisServer {
public:
    struct Options {
        /// When set, the server demands AUTH (--requirepass) and url() carries it.
        std::string password;
        /// Appended to the command line, e.g. {"--maxclients", "10"}.
        std::vector<std::string> extraArgs;
    };

    /// True when `redis-server` is on PATH.
    static bool available();

    /// Starts the server; throws std::runtime_error when it does not answer PING
    /// within a few seconds (the log is in dir()/redis.log).
    RedisServer();
    explicit RedisServer(Options options);
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    /// "redis://127.0.0.1:<port>/0", or "redis://:<password>@127.0.0.1:<port>/0".
    std::string url() const;
    const std::filesystem::path& dir() const { return dir_.path(); }
    bool running() const;

    /// SIGTERM and wait: Redis flushes the AOF and closes every client connection.
    void stop();
    /// Starts again on the same port and directory; returns once PING answers.
    void restart();
    /// The server process (-1 when stopped), e.g. for its CPU time in benchmarks.
    pid_t pid() const { return process_ ? process_->pid() : -1; }

private:
    /// Starts on port_ and polls until PING answers; false if it exited or timed out.
    bool start();
    std::vector<std::string> commandLine() const;

    Options options_;
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

/// True when a Redis on 127.0.0.1:port answers an inline PING with +PONG (or -NOAUTH
/// when a password is required); -LOADING (AOF replay in progress) is not ready.
bool redisAnswersPing(int port);

}  // namespace legate::test

/// Skips the current test when redis-server is not installed.
#define LEGATE_REQUIRE_REDIS()                                                          \
    do {                                                                                \
        if (!::legate::test::RedisServer::available()) {                                \
            GTEST_SKIP() << "redis-server is not installed (apt install redis-server)"; \
        }                                                                               \
    } while (false)
