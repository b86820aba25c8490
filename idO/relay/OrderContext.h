#pragma once
/// Everything one step of a relay mode works with for one Order1, gathered by
/// TenantRelay (which holds the order's lock for the step): the order, its CSR, its
/// typed progress, the worker's ACME client, and the tenant's state and services.

#include <functional>
#include <string>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "idO/relay/Issuance.h"
#include "idO/relay/RelayProgress.h"
#include "idO/relay/RelayState.h"
#include "idO/relay/UpstreamTenant.h"
#include "idO/state/TenantState.h"
#include "idO/upstream/AcmeClient.h"

namespace legate::ido::relay {

struct OrderContext {
    const std::string& tenant;
    const OrderRecord& order;
    const crypto::Csr& csr;
    RelayProgress& progress;
    int64_t token;  ///< the fencing token of the order lock held for this step
    upstream::AcmeClient& acme;
    const upstream::Capabilities& caps;
    UpstreamTenant& upstream;
    RelayState& relay;
    TenantState& orders;
    const Clock& clock;
    Issuance& issuance;
    /// Before a new Order2: takes an upstream budget token; false when none is left
    /// (the order was then put back in `renewals` and the step must stop, deferred).
    std::function<Result<bool>()> takeBudget;
    /// Installs the delegation's CNAME map (when the tenant has one).
    std::function<void()> installCnames;

    /// Writes `progress` (the whole record), with an audit entry naming `step`.
    Result<bool> save(const std::string& step) {
        return relay.save(order.id, token, progress, step);
    }
};

}  // namespace legate::ido::relay
