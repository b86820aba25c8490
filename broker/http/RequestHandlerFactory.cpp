#include "broker/http/RequestHandlerFactory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "broker/http/HeaderDeadline.h"
#include "broker/http/ProblemResponse.h"
#include "broker/http/RouteRequestHandler.h"

namespace legate::http {
namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        out += out.empty() ? i : ", " + i;
    }
    return out;
}

/// Runs the route's handler, then starts the clock of the connection's next header.
class RearmingHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RearmingHandler(Poco::Net::HTTPRequestHandler* inner) : inner_(inner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        struct Rearm {
            ~Rearm() { HeaderDeadline::responseSent(); }
        } rearm;
        inner_->handleRequest(request, response);
    }

private:
    std::unique_ptr<Poco::Net::HTTPRequestHandler> inner_;
};

}  // namespace

RequestHandlerFactory::RequestHandlerFactory(RouterPtr router,
                                             std::shared_ptr<RequestContext> context)
    : router_(std::move(router)), context_(std::move(context)) {}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
    HeaderDeadline::headerReceived();
    return new RearmingHandler(routeHandler(request));
}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::routeHandler(
    const Poco::Net::HTTPServerRequest& request) {
    std::string_view target = request.getURI();
    target = target.substr(0, target.find_first_of("?#"));
    RouteMatch match = router_->match(request.getMethod(), target);
    switch (match.kind) {
        case RouteMatch::Kind::found:
            return new RouteRequestHandler(context_, &match.route->handler, std::move(match.params),
                                           match.route->pattern.text());
        case RouteMatch::Kind::methodNotAllowed: {
            const std::string allow = join(match.allow);
            return new RouteRequestHandler(
                context_,
                [allow, method = request.getMethod()](Request&) -> Result<Response> {
                    return problemResponse(
                               acme::Problem::make(acme::ErrorType::malformed,
                                                   "method " + method + " not allowed here", 405))
                        .setHeader("Allow", allow);
                },
                "(405)");
        }
        case RouteMatch::Kind::notFound:
            break;
    }
    return new RouteRequestHandler(
        context_,
        [](Request&) -> Result<Response> {
            return acme::Problem::make(acme::ErrorType::malformed, "no such resource", 404);
        },
        "(404)");
}

}  // namespace legate::http
