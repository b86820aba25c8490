#pragma once
/// An HTTP or HTTPS server over Poco's HTTP connections serving one Router, each
/// connection under a header deadline (HeaderDeadline.h: slow clients cannot hold the
/// threads).
///
///   auto server = Server::start(options, router);   // Result<ServerPtr>
///   server.value()->port();                          // the real port when options.port == 0
///   server.value()->stop(std::chrono::seconds(10));
///
/// Connections are served by a thread pool of its own (not Poco's default pool), so
/// several servers in one process (ACME listener, admin listener) do not compete.
/// HTTPS uses a Poco::Net::Context built from a PEM certificate chain and key,
/// TLS 1.2 minimum, no client certificates.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include "broker/core/Result.h"
#include "broker/http/HeaderDeadline.h"
#include "broker/http/RequestContext.h"
#include "broker/http/RequestHandlerFactory.h"
#include "broker/http/Router.h"

namespace legate::http {

/// The server's certificate chain (leaf first) and its private key, both PEM files.
struct TlsFiles {
    std::filesystem::path certificateChain;
    std::filesystem::path privateKey;
};

struct ServerOptions {
    /// Address to bind: an IP literal or a host name ("0.0.0.0" / "::" for all).
    std::string host = "127.0.0.1";
    /// 0 picks a free port; read it back with Server::port().
    uint16_t port = 0;
    /// HTTPS when set, plain HTTP otherwise.
    std::optional<TlsFiles> tls{};
    /// Requests served at once (pool threads).
    int maxThreads = 16;
    /// Accepted connections waiting for a thread; beyond this new ones are closed.
    int maxQueued = 64;
    /// Socket send/receive timeout for one request.
    std::chrono::milliseconds ioTimeout{std::chrono::seconds(30)};
    /// How long an idle keep-alive connection is held open.
    std::chrono::milliseconds keepAliveTimeout{std::chrono::seconds(10)};
    /// A request's complete header (TLS handshake included) must arrive within this of
    /// the connection's start or of the previous response, else the connection is closed
    /// (HeaderDeadline.h: slow clients cannot hold the threads).  Zero: no bound.
    std::chrono::milliseconds headerTimeout{std::chrono::seconds(10)};
    /// Request bodies larger than this are refused with 413.
    size_t maxBodyBytes = 64 * 1024;
    /// The log component of access and error lines.
    std::string logComponent = "http";
    /// Told of every answered request (RequestContext.h), e.g. to count it; optional.
    RequestObserver observer{};
};

class Server;
using ServerPtr = std::unique_ptr<Server>;

class Server {
public:
    /// Binds, listens and starts serving.  A port in use, a bad address, or unreadable /
    /// mismatched TLS files are Problems (serverInternal), reported before serving.
    static Result<ServerPtr> start(const ServerOptions& options, RouterPtr router);

    /// Stops (with the default grace) if stop() was not called.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// The port actually bound.
    uint16_t port() const { return port_; }
    bool secure() const { return secure_; }
    /// "http://127.0.0.1:PORT" or "https://...": the bound address (for tests and logs).
    const std::string& baseUrl() const { return baseUrl_; }
    /// Requests being handled right now.
    int inFlight() const { return context_->inFlight.load(); }
    /// Connections closed because their request header did not arrive in time.
    int64_t headerTimeouts() const { return watchdog_ ? watchdog_->closed() : 0; }

    /// Stops accepting connections at once (new ones are refused), answers requests
    /// that arrive on open keep-alive connections with 503, waits up to `grace` for
    /// in-flight requests to finish, then closes every connection.  Returns true when
    /// all in-flight requests finished within `grace`.  Idempotent and thread-safe (a
    /// second caller waits for the first and gets the same answer).
    bool stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

private:
    Server() = default;

    std::shared_ptr<RequestContext> context_;
    RouterPtr router_;
    std::unique_ptr<Poco::ThreadPool> pool_;    // outlives httpServer_ (declared first)
    std::shared_ptr<HeaderWatchdog> watchdog_;  // shared with the connections
    Poco::SharedPtr<RequestHandlerFactory> factory_;
    Poco::Net::ServerSocket socket_;
    std::unique_ptr<Poco::Net::TCPServer> httpServer_;
    uint16_t port_ = 0;
    std::string baseUrl_;
    bool secure_ = false;
    std::mutex stopMutex_;
    bool stopped_ = false;  // guarded by stopMutex_
    bool drained_ = true;   // guarded by stopMutex_
};

}  // namespace legate::http
