#pragma once
/// One tenant's side of the upstream CA at run time: its configuration, the challenge
/// solvers (shared by every worker), the CNAME installer, and a factory for the ACME
/// clients workers use (one each: a client is not thread-safe).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "idO/config/UpstreamConfig.h"
#include "idO/solvers/ChallengeSolvers.h"
#include "idO/solvers/CnameInstaller.h"
#include "idO/upstream/AcmeClient.h"

namespace legate::ido::relay {

class UpstreamTenant {
public:
    /// Loads (or creates, 0600) the account key, starts the solvers' listeners, and
    /// prepares the CNAME installer.  Nothing is sent to the CA yet.
    static Result<std::unique_ptr<UpstreamTenant>> start(std::string tenant, UpstreamConfig config,
                                                         const Clock& clock);

    const std::string& tenant() const { return tenant_; }
    const UpstreamConfig& config() const { return config_; }
    solvers::ChallengeSolvers& solvers() { return *solvers_; }
    /// nullptr when the tenant has no `cname` section.
    solvers::CnameInstaller* cname() { return cname_.get(); }

    /// A client with the tenant's account found or created at the CA; its waits go
    /// through `sleep` (empty: really sleep), so a stopping worker is not held up.
    Result<std::unique_ptr<upstream::AcmeClient>> newClient(
        std::function<void(std::chrono::milliseconds)> sleep = {});

    /// With `profiles` configured: every profile named must be in the CA's directory
    /// `meta.profiles` — a problem naming the config path of the first one that is not
    /// (or of `profiles` when the CA offers none).  A directory that cannot be fetched
    /// is logged, not fatal: the CA may be down while the IdO starts.
    Status checkProfiles();

    /// The CA's issuing roots, from the `roots` file (read again when it changed, so
    /// an operator can rotate roots without a restart).
    Result<std::vector<crypto::Certificate>> roots();

private:
    UpstreamTenant(std::string tenant, UpstreamConfig config, const Clock& clock,
                   crypto::PrivateKey accountKey)
        : tenant_(std::move(tenant)),
          config_(std::move(config)),
          clock_(clock),
          accountKey_(std::move(accountKey)) {}

    std::string tenant_;
    UpstreamConfig config_;
    const Clock& clock_;
    crypto::PrivateKey accountKey_;
    std::unique_ptr<solvers::ChallengeSolvers> solvers_;
    std::unique_ptr<solvers::CnameInstaller> cname_;

    std::mutex rootsMutex_;
    std::string rootsText_;                        // guarded by rootsMutex_
    std::vector<crypto::Certificate> rootsCache_;  // guarded by rootsMutex_
};

}  // namespace legate::ido::relay
