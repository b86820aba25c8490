#pragma once
/// Runs one route handler for one request: the top of every request, and the one place
/// where exceptions are caught.
///
/// It wraps the Poco request in a capped Request, calls the handler, turns a returned
/// Problem into problem+json, turns any exception into a logged 500 `serverInternal`
/// (the exception text goes to the log, never to the client), writes the Response to
/// Poco, and writes one access-log line.

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
    Response run(Request& request);

    std::shared_ptr<RequestContext> context_;
    Handler ownHandler_;
    const Handler* handler_;
    PathParams params_;
    std::string routeName_;
};

/// Writes `out` to the Poco response (status, headers, body; no body for HEAD, 204, 304).
void writeResponse(const Response& out, Poco::Net::HTTPServerResponse& response);

}  // namespace legate::http
