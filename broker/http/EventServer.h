#pragma once
/// An event-driven HTTP/1.1 and HTTP/2 server (h2o's evloop) for the one path that must
/// answer at a static file server's speed: the certificate publication every CDN edge
/// polls (docs/benchmarks.md has the figures that chose it over Poco's
/// thread-per-connection server).
///
///   auto server = EventServer::start(options, [](const EventRequest& r) { ... });
///   server.value()->port();
///   server.value()->stop(std::chrono::seconds(5));
///
/// `threads` event loops share one listening socket; each loop accepts, reads, parses
/// (h2o's picohttpparser), calls the handler and writes, without ever blocking on a
/// client.  So a slow client costs a few hundred bytes of state, not a thread: a request
/// whose header has not arrived within `headerTimeout` is closed (HTTP/1.1, and the
/// HTTP/2 idle timeout), and a TLS handshake must finish within `handshakeTimeout`.
///
/// The handler runs on a loop thread and must not block for long: it should answer from
/// memory (the publication cache) and reach Redis only on a miss.  It answers GET and HEAD
/// (h2o sends a HEAD answer's headers with the GET body's Content-Length and no body);
/// any other method is answered 405 by the server without calling it.  Nothing is logged
/// per request: the hot path allocates the response and nothing else.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/core/Result.h"
#include "broker/http/Response.h"
#include "broker/http/Server.h"

namespace legate::http {

/// What the handler sees of one request; valid only during the call.
class EventRequest {
public:
    explicit EventRequest(const void* raw) : raw_(raw) {}
    std::string_view method() const;
    /// The path of the request target, normalized (percent-decoded, dot segments
    /// removed), without the query.
    std::string_view path() const;
    /// The first value of a header field; `lowercaseName` must be lower case.
    std::optional<std::string_view> header(std::string_view lowercaseName) const;

private:
    const void* raw_;  // h2o_req_t
};

using EventHandler = std::function<Response(const EventRequest&)>;

struct EventServerOptions {
    std::string host = "127.0.0.1";
    /// 0 picks a free port; read it back with EventServer::port().
    uint16_t port = 0;
    /// HTTPS (with HTTP/2 by ALPN) when set, plain HTTP/1.1 otherwise.
    std::optional<TlsFiles> tls{};
    /// Event loops (threads).  One per core is the right number.
    int threads = 2;
    /// A request's header must arrive within this, or the connection is closed.
    std::chrono::milliseconds headerTimeout{std::chrono::seconds(10)};
    /// A TLS handshake must finish within this.
    std::chrono::milliseconds handshakeTimeout{std::chrono::seconds(10)};
};

class EventServer {
public:
    /// Binds, listens and starts the loops.  A port in use, a bad address or unreadable /
    /// mismatched TLS files are Problems (serverInternal), reported before serving.
    static Result<std::unique_ptr<EventServer>> start(const EventServerOptions& options,
                                                      EventHandler handler);
    ~EventServer();
    EventServer(const EventServer&) = delete;
    EventServer& operator=(const EventServer&) = delete;

    uint16_t port() const { return port_; }
    /// "https://127.0.0.1:PORT" (or http://): the bound address.
    const std::string& baseUrl() const { return baseUrl_; }
    /// Requests answered so far (all loops).
    uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }

    /// Stops accepting, asks every connection to close (idle ones at once, busy ones after
    /// their response), waits up to `grace` for them, then releases every loop.
    /// Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    struct Impl;

private:
    EventServer() = default;

    std::unique_ptr<Impl> impl_;
    uint16_t port_ = 0;
    std::string baseUrl_;
    std::atomic<uint64_t> requests_{0};
};

}  // namespace legate::http
