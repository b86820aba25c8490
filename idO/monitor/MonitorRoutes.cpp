#include "idO/monitor/MonitorRoutes.h"

#include <nlohmann/json.hpp>

#include "broker/http/ProblemResponse.h"
#include "idO/admin/BearerToken.h"

namespace legate::ido {

void addMonitorRoutes(http::Router& router, const metrics::Registry& registry,
                      std::vector<ReadinessCheck> checks, const std::string& bearerToken) {
    router.add({"GET", "HEAD"}, "/healthz", [](http::Request&) -> Result<http::Response> {
        auto response = http::Response::content(200, "ok\n", "text/plain; charset=utf-8");
        response.cacheControl("no-store");
        return response;
    });

    router.add({"GET", "HEAD"}, "/readyz",
               [checks = std::move(checks)](http::Request&) -> Result<http::Response> {
                   nlohmann::json outcomes = nlohmann::json::object();
                   bool ready = true;
                   for (const auto& c : checks) {
                       const auto status = c.check();
                       outcomes[c.name] = status.ok() ? "ok" : status.problem().detail;
                       ready = ready && status.ok();
                   }
                   auto response = http::Response::json(
                       ready ? 200 : 503,
                       {{"status", ready ? "ready" : "not ready"}, {"checks", outcomes}});
                   response.cacheControl("no-store");
                   return response;
               });

    auto token = std::make_shared<const BearerToken>(bearerToken);
    router.add({"GET", "HEAD"}, "/metrics",
               [&registry, token](http::Request& request) -> Result<http::Response> {
                   auto authorised = token->check(request.header("Authorization"));
                   if (!authorised) {
                       auto response = http::problemResponse(authorised.problem());
                       response.setHeader("WWW-Authenticate", "Bearer");
                       return response;
                   }
                   auto response = http::Response::content(
                       200, registry.exposition(), "text/plain; version=0.0.4; charset=utf-8");
                   response.cacheControl("no-store");
                   return response;
               });
}

}  // namespace legate::ido
