#pragma once
/// Health and metrics on the admin listener (docs/operations.md, "Health and metrics"):
///
///  * `GET /healthz`: 200 `ok` while the process serves requests at all (liveness);
///    no credentials, says nothing about the deployment.
///  * `GET /readyz`: 200 when every readiness check passes, else 503; the body names each
///    check and its outcome (`{"status": "ready"|"not ready", "checks": {name: "ok" |
///    reason}}`); no credentials (a load balancer or Kubernetes probe asks it).
///  * `GET /metrics`: the Prometheus text exposition of the process's registry, behind
///    the admin bearer token (it names tenants).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "broker/http/Router.h"
#include "broker/metrics/Registry.h"

namespace legate::ido {

/// One readiness check: ok, or a problem whose detail says what is wrong.
struct ReadinessCheck {
    std::string name;
    std::function<Status()> check;
};

/// Adds the three routes.  `registry` must outlive the router.
void addMonitorRoutes(http::Router& router, const metrics::Registry& registry,
                      std::vector<ReadinessCheck> checks, const std::string& bearerToken);

}  // namespace legate::ido
