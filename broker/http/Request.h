#pragma once
/// What a route handler sees of one request: method, path, the route's parameters,
/// header fields, and the body read under a size cap.
///
/// Wraps the Poco request for the duration of one handleRequest call; handlers never
/// touch the Poco stream themselves, so the cap cannot be bypassed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPServerRequest.h>

#include "broker/core/Result.h"
#include "broker/http/PathPattern.h"

namespace legate::http {

class Request {
public:
    Request(Poco::Net::HTTPServerRequest& raw, PathParams params, size_t maxBodyBytes,
            std::string requestId);

    const std::string& method() const { return raw_.getMethod(); }
    /// The request target exactly as received (path and query, not decoded).
    const std::string& target() const { return raw_.getURI(); }
    /// The target's path, not decoded (what ACME compares the JWS `url` against).
    std::string_view rawPath() const;

    /// The decoded value of route parameter `name` ("" when the route has none such).
    const std::string& param(std::string_view name) const;
    const PathParams& params() const { return params_; }

    /// First value of a request header field, case-insensitive.
    std::optional<std::string> header(const std::string& name) const;

    /// The whole body, read once and kept.  More than maxBodyBytes (announced by
    /// Content-Length or found while reading) is a 413 `malformed` problem, and no more
    /// than the cap plus one buffer is ever read; a read failure or timeout is a 400
    /// `malformed` problem.
    Result<std::string> body();
    /// True when nothing of the request body is left unread on the connection (so the
    /// connection can carry another request).
    bool bodyConsumed() const;
    /// True when `raw` announces a body (chunked, or a Content-Length above 0).
    static bool announcesBody(const Poco::Net::HTTPServerRequest& raw);

    const std::string& requestId() const { return requestId_; }
    /// "ip:port" of the peer.
    std::string clientAddress() const;
    /// The Poco request, for what this class does not cover.  Do not read its stream.
    Poco::Net::HTTPServerRequest& raw() { return raw_; }

private:
    bool hasBody() const;
    Result<std::string> readBody();

    Poco::Net::HTTPServerRequest& raw_;
    PathParams params_;
    size_t maxBodyBytes_;
    std::string requestId_;
    std::optional<Result<std::string>> body_;
};

}  // namespace legate::http
