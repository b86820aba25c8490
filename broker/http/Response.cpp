#include "broker/http/Response.h"

namespace legate::http {

Response Response::json(int status, const nlohmann::json& doc) {
    Response r(status);
    r.body(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJsonContentType);
    return r;
}

Response Response::content(int status, std::string body, std::string_view contentType) {
    Response r(status);
    r.body(std::move(body), contentType);
    return r;
}

Response& Response::header(std::string name, std::string value) {
    headers_.add(std::move(name), std::move(value));
    return *this;
}

Response& Response::setHeader(const std::string& name, std::string value) {
    headers_.set(name, std::move(value));
    return *this;
}

Response& Response::replayNonce(std::string nonce) {
    return setHeader("Replay-Nonce", std::move(nonce));
}

Response& Response::link(std::string_view url, std::string_view rel) {
    std::string value;
    value.reserve(url.size() + rel.size() + 9);
    value.append("<").append(url).append(">;rel=\"").append(rel).append("\"");
    return header("Link", std::move(value));
}

Response& Response::location(std::string url) {
    return setHeader("Location", std::move(url));
}

Response& Response::retryAfter(std::chrono::seconds delay) {
    return setHeader("Retry-After", std::to_string(std::max<long long>(0, delay.count())));
}

Response& Response::cacheControl(std::string value) {
    return setHeader("Cache-Control", std::move(value));
}

Response& Response::body(std::string content, std::string_view contentType) {
    body_ = std::move(content);
    headers_.set("Content-Type", std::string(contentType));
    return *this;
}

}  // namespace legate::http
