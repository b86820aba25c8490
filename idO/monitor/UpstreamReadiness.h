#pragma once
/// The `/readyz` check "upstream:<tenant>": the tenant's upstream CA directory has been
/// fetched and is an ACME directory (it names newOrder).  Until that first success every
/// probe tries again (at most one fetch per `retryEvery`, short timeouts, so a probe
/// never hangs); once fetched the check stays ok — a CA that is down later is the relay's
/// business (retries, `legate_upstream_errors_total`), not a reason to take the IdO out
/// of its load balancer, which would stop publication too.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "idO/config/ServeConfig.h"
#include "idO/monitor/MonitorRoutes.h"

namespace legate::ido {

class UpstreamReadiness {
public:
    UpstreamReadiness(std::string tenant, std::string directoryUrl, std::string caBundle,
                      std::chrono::milliseconds retryEvery = std::chrono::seconds(2));

    /// ok once the directory was fetched; otherwise the latest failure.
    Status check();

    /// One check per tenant with an upstream, each named "upstream:<tenant>".
    static std::vector<ReadinessCheck> checksFor(const ServeConfig& config);

private:
    Status fetch();

    std::string tenant_;
    std::string directoryUrl_;
    std::string caBundle_;
    std::chrono::milliseconds retryEvery_;
    std::mutex mutex_;
    bool fetched_ = false;                                       // guarded by mutex_
    std::optional<std::chrono::steady_clock::time_point> last_;  // guarded by mutex_
    Status lastFailure_ = okStatus();                            // guarded by mutex_
};

}  // namespace legate::ido
