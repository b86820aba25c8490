#pragma once
/// The metrics of the NDC-facing ACME listener (docs/operations.md, "Metrics"):
///
///   legate_acme_requests_total{tenant, route, status}            counter
///   legate_acme_request_duration_seconds{tenant, route}           histogram
///   legate_acme_rate_limited_total{tenant}                        counter (answers 429)
///
/// Label values come from bounded sets only: `tenant` is a configured tenant or
/// "unknown" (a request naming any other is counted there, so a client cannot mint
/// series), `route` the matched route pattern or "(404)"/"(405)", `status` the HTTP
/// status code.

#include <set>
#include <string>

#include "broker/http/RequestContext.h"
#include "broker/metrics/Registry.h"

namespace legate::ido {

class AcmeMetrics {
public:
    AcmeMetrics(metrics::Registry& registry, std::set<std::string> tenants);

    /// The observer to give the ACME listener (http::ServerOptions::observer).  The
    /// AcmeMetrics must outlive the listener.
    http::RequestObserver observer();
    /// Counts one answered request (what the observer does).
    void record(const http::RequestRecord& request);

private:
    std::set<std::string> tenants_;
    metrics::Family<metrics::Counter>& requests_;
    metrics::Family<metrics::Histogram>& duration_;
    metrics::Family<metrics::Counter>& rateLimited_;
};

}  // namespace legate::ido
