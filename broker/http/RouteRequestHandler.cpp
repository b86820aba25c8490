#include "broker/http/RouteRequestHandler.h"

#include <chrono>
#include <exception>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "broker/crypto/OpenSsl.h"
#include "broker/http/ProblemResponse.h"

namespace legate::http {
namespace {

std::string newRequestId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : crypto::randomBytes(8)) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 0xf]);
    }
    return id;
}

/// Counts a request as in flight for as long as it lives.
class InFlight {
public:
    explicit InFlight(std::atomic<int>& counter) : counter_(counter) { ++counter_; }
    ~InFlight() { --counter_; }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

private:
    std::atomic<int>& counter_;
};

Response internalError() {
    return problemResponse(
        acme::Problem::make(acme::ErrorType::serverInternal, "internal server error"));
}

}  // namespace

RouteRequestHandler::RouteRequestHandler(std::shared_ptr<RequestContext> context,
                                         const Handler* handler, PathParams params,
                                         std::string routeName)
    : context_(std::move(context)),
      handler_(handler),
      params_(std::move(params)),
      routeName_(std::move(routeName)) {}

RouteRequestHandler::RouteRequestHandler(std::shared_ptr<RequestContext> context, Handler handler,
                                         std::string routeName)
    : context_(std::move(context)),
      ownHandler_(std::move(handler)),
      handler_(&ownHandler_),
      routeName_(std::move(routeName)) {}

Response RouteRequestHandler::run(Request& request) {
    if (context_->stopping) {
        return problemResponse(acme::Problem::make(acme::ErrorType::serverInternal,
                                                   "server is shutting down", 503))
            .retryAfter(std::chrono::seconds(1));
    }
    try {
        Result<Response> result = (*handler_)(request);
        return result.ok() ? std::move(result).value() : problemResponse(result.problem());
    } catch (const std::exception& e) {
        context_->log.error(
            "handler threw",
            {{"request_id", request.requestId()}, {"route", routeName_}, {"error", e.what()}});
    } catch (...) {
        context_->log.error("handler threw a non-standard exception",
                            {{"request_id", request.requestId()}, {"route", routeName_}});
    }
    return internalError();
}

void RouteRequestHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                        Poco::Net::HTTPServerResponse& response) {
    InFlight inFlight(context_->inFlight);
    const auto started = std::chrono::steady_clock::now();
    int status = 0;
    std::string requestId;
    try {
        Request req(request, std::move(params_), context_->maxBodyBytes, newRequestId());
        requestId = req.requestId();
        Response out = run(req);
        status = out.status();
        // Unread body bytes would be parsed as the next request: close instead.
        if (!req.bodyConsumed() || context_->stopping) {
            response.setKeepAlive(false);
        }
        writeResponse(out, response);
    } catch (const std::exception& e) {
        // The peer went away mid-write, or building the response failed.
        context_->log.warn("request failed",
                           {{"request_id", requestId}, {"route", routeName_}, {"error", e.what()}});
        if (!response.sent()) {
            try {
                status = 500;
                response.setKeepAlive(false);
                writeResponse(internalError(), response);
            } catch (...) {  // nothing more can be said to this client
            }
        }
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    context_->log.info("request", {{"request_id", requestId},
                                   {"method", request.getMethod()},
                                   {"path", request.getURI()},
                                   {"route", routeName_},
                                   {"status", status},
                                   {"duration_ms", static_cast<double>(elapsed.count()) / 1000.0},
                                   {"client", request.clientAddress().toString()}});
}

void writeResponse(const Response& out, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status()));
    for (const auto& [name, value] : out.headers().entries()) {
        if (equalsIgnoreCase(name, "Content-Type")) {
            response.setContentType(value);
        } else {
            response.add(name, value);
        }
    }
    if (out.status() == 204 || out.status() == 304) {
        // RFC 9110 §8.6: no Content-Length (and no body) on 204; 304 has no body.
        response.send();
        return;
    }
    response.sendBuffer(out.body().data(), out.body().size());
}

}  // namespace legate::http
