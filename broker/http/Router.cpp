#include "broker/http/Router.h"

#include <algorithm>
#include <stdexcept>

namespace legate::http {

Router& Router::add(Methods methods, std::string_view pattern, Handler handler) {
    auto parsed = PathPattern::parse(pattern);
    if (!parsed) {
        throw std::invalid_argument("invalid route pattern: " + std::string(pattern));
    }
    if (methods.list.empty() || !handler) {
        throw std::invalid_argument("route without method or handler: " + std::string(pattern));
    }
    routes_.push_back(Route{std::move(methods.list), std::move(*parsed), std::move(handler)});
    return *this;
}

RouteMatch Router::match(std::string_view method, std::string_view rawPath) const {
    RouteMatch result;
    const auto segments = splitPath(rawPath);
    if (!segments) {
        return result;
    }
    bool pathMatched = false;
    for (const Route& route : routes_) {
        auto params = route.pattern.match(*segments);
        if (!params) {
            continue;
        }
        pathMatched = true;
        const bool methodOk =
            std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
        if (!methodOk) {
            result.allow.insert(result.allow.end(), route.methods.begin(), route.methods.end());
            continue;
        }
        if (result.route == nullptr || route.pattern.moreSpecificThan(result.route->pattern)) {
            result.route = &route;
            result.params = std::move(*params);
        }
    }
    if (result.route != nullptr) {
        result.kind = RouteMatch::Kind::found;
        result.allow.clear();
    } else if (pathMatched) {
        result.kind = RouteMatch::Kind::methodNotAllowed;
        std::sort(result.allow.begin(), result.allow.end());
        result.allow.erase(std::unique(result.allow.begin(), result.allow.end()),
                           result.allow.end());
    }
    return result;
}

}  // namespace legate::http
