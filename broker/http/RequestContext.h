#pragma once
/// State every request handler of one Server shares: limits, the logger, and the
/// counters Server::stop uses to drain in-flight requests.

#include <atomic>
#include <cstddef>

#include "broker/log/Logger.h"

namespace legate::http {

struct RequestContext {
    explicit RequestContext(size_t maxBody, const std::string& component)
        : maxBodyBytes(maxBody), log(component) {}

    const size_t maxBodyBytes;
    const log::Logger log;
    /// Requests inside RouteRequestHandler::handleRequest right now.
    std::atomic<int> inFlight{0};
    /// Set when Server::stop begins: new requests get 503, responses close the connection.
    std::atomic<bool> stopping{false};
};

}  // namespace legate::http
