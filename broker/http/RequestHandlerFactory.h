#pragma once
/// The Poco side of routing: for each request, match the Router and hand Poco a small
/// RouteRequestHandler for the matched route, or one answering 404 / 405.

#include <memory>

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "broker/http/RequestContext.h"
#include "broker/http/Router.h"

namespace legate::http {

class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    RequestHandlerFactory(RouterPtr router, std::shared_ptr<RequestContext> context);

    /// Marks the header complete (HeaderDeadline) and re-arms the deadline once the
    /// handler has answered.
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

    /// What Poco::Net::HTTPServer::stopAll does after stopping the acceptor: tells every
    /// connection the server stopped (`abortCurrent`: shut their sockets down).
    void notifyStopped(bool abortCurrent) { serverStopped(this, abortCurrent); }

private:
    Poco::Net::HTTPRequestHandler* routeHandler(const Poco::Net::HTTPServerRequest& request);

    RouterPtr router_;
    std::shared_ptr<RequestContext> context_;
};

}  // namespace legate::http
