#pragma once
/// State every request handler of one Server shares: limits, the logger, and the
/// counters Server::stop uses to drain in-flight requests.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

#include "broker/http/PathPattern.h"
#include "broker/log/Logger.h"

namespace legate::http {

/// What a RequestObserver learns of each answered request (metrics).  `route` is the
/// route's pattern ("/acme/{tenant}/new-order"), never the raw path, so it is a bounded
/// label; `params` are the pattern's values for this request.
struct RequestRecord {
    std::string_view method;
    std::string_view route;
    const PathParams& params;
    int status;
    std::chrono::microseconds duration;
};

/// Called once per request after the answer was written, on the connection's thread: it
/// must be quick and must not throw.
using RequestObserver = std::function<void(const RequestRecord&)>;

struct RequestContext {
    RequestContext(size_t maxBody, const std::string& component, RequestObserver observe = {})
        : maxBodyBytes(maxBody), log(component), observer(std::move(observe)) {}

    const size_t maxBodyBytes;
    const log::Logger log;
    const RequestObserver observer;
    /// Requests inside RouteRequestHandler::handleRequest right now.
    std::atomic<int> inFlight{0};
    /// Set when Server::stop begins: new requests get 503, responses close the connection.
    std::atomic<bool> stopping{false};
};

}  // namespace legate::http
