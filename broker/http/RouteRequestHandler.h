#pragma once
/// Runs one route handler for one request: the top of every request, and the one place
/// where exceptions are caught.
///
/// It wraps the Poco request in a capped Request, calls the handler, turns a returned
/// Problem into problem+json, turns any exception into a logged 500 `serverInternal`
/// (the exception text goes to the log, never to the client), writes the Response to
/// Poco, and writes one access-log line.
///
/// When the request body was left unread (a 413, or a handler that never asked for
/// it), the answer carries `Connection: close` and the connection then ends with a
/// bounded lingering close (LingeringClose.h), so that a client still uploading reads
/// the answer instead of a TCP reset.

#include <memory>
#include <string>

#include <Poco/Net/HTTPRequestHandler.h>

#include "broker/http/RequestContext.h"
#include "broker/http/Router.h"

namespace legate::http {

class RouteRequestHandler : public Poco::Net::HTTPRequestHandler {
public:
    /// Runs `*handler`, owned by the Router (which outlives the server).
    RouteRequestHandler(std::shared_ptr<RequestContext> context, const Handler* handler,
                        PathParams params, std::string routeName);
    /// Runs a handler of its own (404 / 405 answers).
    RouteRequestHandler(std::shared_ptr<RequestContext> context, Handler handler,
                        std::string routeName);

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

private:
    /// Everything but the linger; true when the request body was left unread (the
    /// connection is then closed after the answer).
    bool serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    Response run(Request& request);

    std::shared_ptr<RequestContext> context_;
    Handler ownHandler_;
    const Handler* handler_;
    PathParams params_;
    std::string routeName_;
};

/// Writes `out` to the Poco response and flushes it to the socket (status, headers, body;
/// no body for HEAD requests, 204, 304).  A failed write throws Poco::IOException.
void writeResponse(const Response& out, Poco::Net::HTTPServerResponse& response, bool head = false);

}  // namespace legate::http
