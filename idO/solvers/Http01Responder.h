#pragma once
/// The http-01 challenge responder (RFC 8555 §8.3): a small built-in HTTP server that
/// answers `GET /.well-known/acme-challenge/{token}` with the key authorization
/// (text/plain) from an in-memory map, and 404 for any other token or path.
///
///   auto responder = Http01Responder::start({.host = "0.0.0.0", .port = 80});
///   (*responder)->present(token, keyAuthorization);
///   (*responder)->selfCheck(token);         // fetches its own URL over HTTP
///   ...  the CA validates ...
///   (*responder)->cleanup(token);
///
/// The Host header is not looked at: the CA connects to whatever address the
/// identifier resolves to, and this server answers for every name pointed at it.
/// The map is shared with the request handlers and guarded by a mutex, so present()
/// and cleanup() may be called from any thread while requests are served.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/http/Server.h"

namespace legate::ido::solvers {

struct Http01ResponderOptions {
    /// Address to listen on; the CA dials port 80 of the identifier's address.
    std::string host = "127.0.0.1";
    /// 0 picks a free port (tests); read it back with port().
    uint16_t port = 80;
    /// Bound of the self-check request.
    std::chrono::milliseconds selfCheckTimeout{std::chrono::seconds(5)};
};

class Http01Responder;
using Http01ResponderPtr = std::unique_ptr<Http01Responder>;

class Http01Responder {
public:
    /// Binds and starts serving; a port in use or a bad address is a Problem.
    static Result<Http01ResponderPtr> start(const Http01ResponderOptions& options);

    ~Http01Responder();
    Http01Responder(const Http01Responder&) = delete;
    Http01Responder& operator=(const Http01Responder&) = delete;

    /// Serves `keyAuthorization` for `token` from now on.  A token that is not
    /// base64url (RFC 8555 §8.3: its characters are [A-Za-z0-9_-]) or an empty key
    /// authorization is a `malformed` Problem.
    Status present(std::string_view token, std::string_view keyAuthorization);
    /// Stops serving `token` (a 404 from now on); unknown tokens are ignored.
    void cleanup(std::string_view token);

    /// Fetches this server's own URL for `token` and compares the body with what was
    /// presented; a Problem (`connection` or `incorrectResponse`) when it differs.
    Status selfCheck(std::string_view token) const;

    /// "/.well-known/acme-challenge/<token>".
    static std::string path(std::string_view token);
    uint16_t port() const { return server_->port(); }
    /// "http://HOST:PORT" as bound.
    const std::string& baseUrl() const { return server_->baseUrl(); }

    /// Stops serving (also done by the destructor).
    void stop();

private:
    /// Token -> key authorization, shared with the route handler.
    struct Tokens {
        std::mutex mutex;
        std::map<std::string, std::string, std::less<>> byToken;  // guarded by mutex
    };

    Http01Responder(Http01ResponderOptions options, std::shared_ptr<Tokens> tokens,
                    http::ServerPtr server)
        : options_(std::move(options)), tokens_(std::move(tokens)), server_(std::move(server)) {}

    Http01ResponderOptions options_;
    std::shared_ptr<Tokens> tokens_;
    http::ServerPtr server_;
};

}  // namespace legate::ido::solvers
