#pragma once
/// What a route handler answers: status, header fields and a body, as a plain value.
///
/// Handlers build one with the helpers below; RouteRequestHandler is the one place
/// that writes it to the Poco response.  Problem documents are made only by
/// problemResponse() (ProblemResponse.h).

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/http/Headers.h"

namespace legate::http {

inline constexpr std::string_view kJsonContentType = "application/json";

class Response {
public:
    explicit Response(int status = 200) : status_(status) {}

    /// `doc` serialised as the body, `Content-Type: application/json`.
    static Response json(int status, const nlohmann::json& doc);
    /// A body of any type (e.g. application/pem-certificate-chain).
    static Response content(int status, std::string body, std::string_view contentType);

    /// Appends a header value (a repeated name gives several header lines).
    Response& header(std::string name, std::string value);
    /// Replaces any earlier value of `name`.
    Response& setHeader(const std::string& name, std::string value);

    /// `Replay-Nonce: <nonce>` (RFC 8555 §6.5); replaces an earlier nonce.
    Response& replayNonce(std::string nonce);
    /// One more `Link: <url>;rel="rel"` (RFC 8288); call once per link.
    Response& link(std::string_view url, std::string_view rel);
    /// `Location: <url>`.
    Response& location(std::string url);
    /// `Retry-After: <delta-seconds>` (negative delays are sent as 0).
    Response& retryAfter(std::chrono::seconds delay);
    /// `Cache-Control: <value>`, e.g. "no-store" on newNonce.
    Response& cacheControl(std::string value);
    /// Replaces the body and its Content-Type.
    Response& body(std::string content, std::string_view contentType);

    int status() const { return status_; }
    const Headers& headers() const { return headers_; }
    const std::string& body() const { return body_; }

private:
    int status_;
    Headers headers_;
    std::string body_;
};

}  // namespace legate::http
