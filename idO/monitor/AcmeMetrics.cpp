#include "idO/monitor/AcmeMetrics.h"

namespace legate::ido {

AcmeMetrics::AcmeMetrics(metrics::Registry& registry, std::set<std::string> tenants)
    : tenants_(std::move(tenants)),
      requests_(registry.counter("legate_acme_requests_total",
                                 "ACME requests answered, by tenant, route pattern and status",
                                 {"tenant", "route", "status"})),
      duration_(registry.histogram("legate_acme_request_duration_seconds",
                                   "Time to answer an ACME request, by tenant and route pattern",
                                   {"tenant", "route"}, metrics::Registry::latencyBuckets())),
      rateLimited_(registry.counter("legate_acme_rate_limited_total",
                                    "ACME requests answered 429 rateLimited, by tenant",
                                    {"tenant"})) {}

http::RequestObserver AcmeMetrics::observer() {
    return [this](const http::RequestRecord& request) { record(request); };
}

void AcmeMetrics::record(const http::RequestRecord& request) {
    std::string tenant = "unknown";
    for (const auto& [name, value] : request.params) {
        if (name == "tenant" && tenants_.contains(value)) {
            tenant = value;
        }
    }
    const std::string route(request.route);
    requests_.labels({tenant, route, std::to_string(request.status)}).add();
    duration_.labels({tenant, route}).observe(static_cast<double>(request.duration.count()) / 1e6);
    if (request.status == 429) {
        rateLimited_.labels({tenant}).add();
    }
}

}  // namespace legate::ido
