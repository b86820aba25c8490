#pragma once
/// Outgoing HTTP(S) over libcurl: the upstream ACME client, the NDC agent, tests.
///
///   HttpClient client({.caBundle = "ca.pem"});
///   auto r = client.request("POST", url, {{"Content-Type", "application/jose+json"}}, jws);
///   if (!r) return std::move(r).problem();
///   r->status; r->headers.getAll("Link"); r->body;
///
/// Connections are reused: each client keeps one curl easy handle (with its connection
/// cache) for its lifetime; DNS and TLS sessions are shared by all clients
/// (CurlRuntime).
///
/// Thread-safety: a client may be called from several threads, but its requests are
/// serialised by a mutex inside (a curl easy handle serves one transfer at a time).
/// For parallel requests use one client per thread.
///
/// Retries: only when the request cannot have reached the server, i.e. libcurl failed
/// to resolve the host (CURLE_COULDNT_RESOLVE_HOST), to open the TCP connection
/// (CURLE_COULDNT_CONNECT), or timed out before the TCP connection was established
/// (CURLE_OPERATION_TIMEDOUT with no connect time).  Up to `maxAttempts` attempts with
/// exponential backoff (initialBackoff, doubling, capped at maxBackoff).  TLS handshake
/// failures (CURLE_SSL_CONNECT_ERROR, certificate errors) are not retried: they are
/// almost always configuration (protocol, CA, name) and retrying only delays the report.
/// Anything after the connection is up (a timeout mid-request, a reset, an HTTP 5xx) is
/// returned at once, because a POST may already have been processed.  (libcurl itself
/// transparently retries a request once on a reused keep-alive connection the server
/// had closed before it read anything.)
///
/// Errors are Problems: transport failures are `connection` with status 500 (if such a
/// problem reaches one of our own clients, it is our upstream failing, not their
/// request); a malformed request (bad method) is `serverInternal`.  The detail reads
/// "GET https://...: curl error 7 (Couldn't connect to server): ... (3 attempts)".

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/http/ClientResponse.h"
#include "broker/http/Headers.h"

namespace legate::http {

struct HttpClientOptions {
    /// Time to establish TCP (and TLS) for one attempt.
    std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
    /// Time for one whole attempt, connect to last byte.
    std::chrono::milliseconds totalTimeout{std::chrono::seconds(60)};
    /// PEM file of trusted CAs; when set, ONLY these are trusted.  Unset: the system's.
    std::optional<std::filesystem::path> caBundle{};
    /// Larger response bodies fail the request (`connection` problem).
    size_t maxResponseBytes = 16 * 1024 * 1024;
    /// Attempts in all (1 = no retry), only for failures described above.
    int maxAttempts = 3;
    std::chrono::milliseconds initialBackoff{std::chrono::milliseconds(250)};
    std::chrono::milliseconds maxBackoff{std::chrono::seconds(4)};
    /// RFC 8555 §6.1: clients MUST send a User-Agent.
    std::string userAgent = "legate/" LEGATE_VERSION;
    /// How to wait between attempts; tests inject one that does not sleep.
    std::function<void(std::chrono::milliseconds)> sleep{};
};

class HttpClient {
public:
    explicit HttpClient(HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// One request; any HTTP status is a successful Result (check `status`).  Redirects
    /// are not followed (ACME's Location headers are data, not redirects).
    Result<ClientResponse> request(std::string_view method, const std::string& url,
                                   const Headers& headers = {}, std::string_view body = {});

    Result<ClientResponse> get(const std::string& url, const Headers& headers = {}) {
        return request("GET", url, headers);
    }
    Result<ClientResponse> head(const std::string& url, const Headers& headers = {}) {
        return request("HEAD", url, headers);
    }
    Result<ClientResponse> post(const std::string& url, std::string_view body,
                                const Headers& headers = {}) {
        return request("POST", url, headers, body);
    }

    /// Attempts the last request made (1 unless retried); for logs and tests.
    int lastAttempts() const;

private:
    struct Transfer;
    Result<ClientResponse> attempt(std::string_view method, const std::string& url,
                                   const Headers& headers, std::string_view body, bool& retryable);

    HttpClientOptions options_;
    mutable std::mutex mutex_;
    void* curl_;        // CURL*, guarded by mutex_
    int lastAttempts_;  // guarded by mutex_
};

}  // namespace legate::http
