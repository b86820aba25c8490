#pragma once
/// The admin API (docs/admin-api.md) as a small HTTP client: bearer token, JSON bodies,
/// any HTTP status back to the caller.  `ido admin` prints on top of it; the
/// integration tests and benchmarks onboard NDCs and delegations through the same code.
///
///   AdminClient admin("http://127.0.0.1:8444", token);
///   auto r = admin.request("POST", AdminClient::tenantPath("example") + "/ndcs",
///                          json{{"name", "cdn"}});
///   if (r && r->status == 201) r->json()["eab"]["kid"];

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/http/HttpClient.h"

namespace legate::ido {

/// One answer of the admin API.
struct AdminAnswer {
    int status = 0;
    http::Headers headers;
    std::string body;

    /// The body as JSON; a discarded value when it is not JSON.
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
    bool success() const { return status >= 200 && status < 300; }
};

class AdminClient {
public:
    /// `baseUrl` is the admin listener ("http://127.0.0.1:8444"; a trailing "/" is
    /// dropped).  Requests are not retried: one connection attempt of at most
    /// `connectTimeout`.
    AdminClient(std::string baseUrl, std::string token,
                std::chrono::milliseconds connectTimeout = std::chrono::seconds(5));
    AdminClient(const AdminClient&) = delete;
    AdminClient& operator=(const AdminClient&) = delete;

    /// "/admin/v1/tenants/<tenant>", the tenant as one path segment (pathSegment).
    static std::string tenantPath(const std::string& tenant);
    /// `text` percent-encoded but for RFC 3986 unreserved characters, so an id or name
    /// stays one path segment.
    static std::string pathSegment(const std::string& text);

    /// `method` on baseUrl + `path` with the bearer token; `body` (when given) is sent as
    /// application/json.  Any HTTP status is an answer; transport failures are problems.
    Result<AdminAnswer> request(const std::string& method, const std::string& path,
                                const std::optional<nlohmann::json>& body = std::nullopt);

    const std::string& baseUrl() const { return baseUrl_; }

private:
    http::HttpClient client_;
    std::string baseUrl_;
    std::string token_;
};

}  // namespace legate::ido
