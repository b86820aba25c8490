#pragma once
/// The route table: method + path pattern -> handler.
///
///   router.add("POST", "/acme/{tenant}/order/{id}", [](Request& r) -> Result<Response> {...});
///
/// Matching is pure (no Poco, no I/O) so it is tested as a table.  Among patterns
/// that match a path, the most specific wins (a literal segment beats a parameter,
/// from the left).  A path no pattern matches is 404; a path that matches but not
/// with this method is 405 with the allowed methods (RFC 9110 §15.5.6).  Both are
/// answered with `malformed` problem documents by RequestHandlerFactory.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"
#include "broker/http/PathPattern.h"
#include "broker/http/Request.h"
#include "broker/http/Response.h"

namespace legate::http {

/// A route handler.  Returning a Problem is the normal way to fail: it is turned into a
/// problem+json response by problemResponse().  An exception escaping a handler is a
/// bug; it is caught at the top, logged, and answered 500 `serverInternal`.
using Handler = std::function<Result<Response>(Request&)>;

/// The methods of a route: `"GET"` or `{"GET", "HEAD"}`.
struct Methods {
    Methods(const char* method) : list{method} {}
    Methods(std::string method) : list{std::move(method)} {}
    Methods(std::initializer_list<std::string> methods) : list(methods) {}
    std::vector<std::string> list;
};

struct Route {
    std::vector<std::string> methods;
    PathPattern pattern;
    Handler handler;
};

/// The outcome of matching one request line.
struct RouteMatch {
    enum class Kind { found, notFound, methodNotAllowed };
    Kind kind = Kind::notFound;
    const Route* route = nullptr;    ///< set when found; owned by the Router
    PathParams params;               ///< set when found
    std::vector<std::string> allow;  ///< set when methodNotAllowed: sorted, unique
};

class Router {
public:
    /// Adds a route for one method or several (`{"GET", "HEAD"}`).  An invalid pattern is
    /// a programming error and throws std::invalid_argument at set-up time (never on a
    /// request).
    Router& add(Methods methods, std::string_view pattern, Handler handler);

    /// Routes `method` + the raw (not decoded) request path, without query.
    RouteMatch match(std::string_view method, std::string_view rawPath) const;

private:
    std::vector<Route> routes_;
};

using RouterPtr = std::shared_ptr<const Router>;

}  // namespace legate::http
