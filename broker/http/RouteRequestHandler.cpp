#include "broker/http/RouteRequestHandler.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <ostream>
#include <string>
#include <string_view>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "broker/crypto/OpenSsl.h"
#include "broker/http/LingeringClose.h"
#include "broker/http/ProblemResponse.h"

namespace legate::http {
namespace {

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

/// The request target as the log shows it: the value of a `token` query parameter (the
/// admin dashboard's sign-in link carries the admin token there) is replaced, so no
/// credential ever reaches a log file.
std::string loggedTarget(const std::string& target) {
    const auto query = target.find('?');
    if (query == std::string::npos) {
        return target;
    }
    std::string out = target.substr(0, query + 1);
    size_t pos = query + 1;
    while (pos <= target.size()) {
        const auto end = std::min(target.find('&', pos), target.size());
        const auto pair = std::string_view(target).substr(pos, end - pos);
        if (pair.substr(0, 6) == "token=") {
            out += "token=REDACTED";
        } else {
            out += pair;
        }
        if (end < target.size()) {
            out += '&';
        }
        pos = end + 1;
    }
    return out;
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
        return result.ok() ? std::move(result).value()
                           : problemResponse(result.problem(), request.requestId());
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
    if (!serve(request, response) || !response.sent()) {
        return;
    }
    // Outside the in-flight count: the answer is out, and Server::stop() ends a linger
    // at once by shutting the socket down.
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
        const LingerOutcome outcome = lingeringClose(impl->socket());
        if (!outcome.peerClosed) {
            context_->log.debug("lingering close ended by a bound",
                                {{"discarded_bytes", outcome.discarded},
                                 {"client", request.clientAddress().toString()}});
        }
    }
}

bool RouteRequestHandler::serve(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    InFlight inFlight(context_->inFlight);
    const auto started = std::chrono::steady_clock::now();
    int status = 0;
    std::string requestId;
    // Until the handler has run, assume an announced body is still on the wire.
    bool unreadBody = Request::announcesBody(request);
    const bool isHead = request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD;
    // The observer sees the route's parameters; Request takes the originals.
    const PathParams observed = context_->observer ? params_ : PathParams{};
    try {
        Request req(request, std::move(params_), context_->maxBodyBytes, newCorrelationId());
        requestId = req.requestId();
        Response out = run(req);
        status = out.status();
        unreadBody = !req.bodyConsumed();
        // Unread body bytes would be parsed as the next request: close instead.
        if (unreadBody || context_->stopping) {
            response.setKeepAlive(false);
        }
        writeResponse(out, response, isHead);
    } catch (const std::exception& e) {
        // The peer went away mid-write, or building the response failed.
        context_->log.warn("request failed",
                           {{"request_id", requestId}, {"route", routeName_}, {"error", e.what()}});
        if (!response.sent()) {
            try {
                status = 500;
                response.setKeepAlive(false);
                writeResponse(internalError(), response, isHead);
            } catch (...) {  // nothing more can be said to this client
            }
        }
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    if (context_->observer) {
        context_->observer(
            RequestRecord{request.getMethod(), routeName_, observed, status, elapsed});
    }
    context_->log.info("request", {{"request_id", requestId},
                                   {"method", request.getMethod()},
                                   {"path", loggedTarget(request.getURI())},
                                   {"route", routeName_},
                                   {"status", status},
                                   {"duration_ms", static_cast<double>(elapsed.count()) / 1000.0},
                                   {"client", request.clientAddress().toString()}});
    return unreadBody;
}

void writeResponse(const Response& out, Poco::Net::HTTPServerResponse& response, bool head) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status()));
    for (const auto& [name, value] : out.headers().entries()) {
        if (equalsIgnoreCase(name, "Content-Type")) {
            response.setContentType(value);
        } else {
            response.add(name, value);
        }
    }
    // RFC 9110 §8.6: no Content-Length (and no body) on 204; 304 has no body.
    const bool bodyless = out.status() == 204 || out.status() == 304;
    if (!bodyless) {
        response.setChunkedTransferEncoding(false);
        response.setContentLength64(static_cast<Poco::Int64>(out.body().size()));
    }
    // send() rather than sendBuffer(): Poco keeps what either writes in a stream buffer
    // until the response object dies, after handleRequest; the flush puts the answer on
    // the wire now, before a lingering close half-closes the socket.
    std::ostream& stream = response.send();
    if (!bodyless && !head) {
        stream.write(out.body().data(), static_cast<std::streamsize>(out.body().size()));
    }
    stream.flush();
    if (!stream) {  // Poco's stream buffers report socket errors as badbit, not exceptions
        throw Poco::IOException("could not write the response");
    }
}

}  // namespace legate::http
