#pragma once
/// What an operator watches of one tenant, read from Redis in one pass: its NDCs, its
/// delegations with their orders by state, the certificate each serves now, the recent
/// certificates (validity windows) and the next renewal, and the relay's backlog and
/// budget.  The scrape-time metrics (StateMetrics) and the dashboard's JSON
/// (DashboardRoutes) are both views of it, so they never disagree.
///
/// Bounded work: at most kMaxDelegations delegations per tenant (the newest NDCs'
/// first), the states of every order of each (one pipelined round trip per
/// delegation), and the publications of its kMaxOrdersPerDelegation newest orders.
/// `truncated` says when a bound cut something off.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "idO/state/Records.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

/// One certificate window of a delegation, for the timeline.
struct CertificateView {
    std::string orderId;
    int64_t version = 0;
    TimePoint notBefore;
    TimePoint notAfter;
    TimePoint servedFrom;
    /// "served" (what the publication serves now), "staged" (obtained early, served
    /// from servedFrom), "past" (replaced), "canceled" (its publication was canceled).
    std::string state;
};

struct DelegationOverview {
    DelegationRecord record;
    std::vector<std::string> names;  ///< the template's literal DNS names
    int64_t orders = 0;
    std::map<std::string, int64_t> ordersByState;
    /// The served certificate that lasts longest, over the delegation's live orders.
    std::optional<CertificateView> current;
    /// The earliest renewal the relay has scheduled for one of its orders.
    std::optional<TimePoint> nextRenewal;
    /// Newest first, at most TenantState::kHistoryLength per order.
    std::vector<CertificateView> certificates;
};

struct TenantOverview {
    static constexpr size_t kMaxDelegations = 1000;
    static constexpr size_t kMaxOrdersPerDelegation = 20;

    std::string tenant;
    TimePoint at;
    std::vector<NdcRecord> ndcs;
    std::vector<DelegationOverview> delegations;
    std::map<std::string, int64_t> delegationsByStatus;
    std::map<std::string, int64_t> ordersByState;
    bool truncated = false;
    bool hasUpstream = false;
    /// The relay's view (RelayState::status(): counters, renewals, polls, jobs).
    nlohmann::json relay = nlohmann::json::object();
    /// The upstream new-order budget: tokens left now, of `capacity` per `periodSeconds`
    /// (capacity 0: no budget configured).
    double budgetAvailable = 0;
    int64_t budgetCapacity = 0;
    int64_t budgetPeriodSeconds = 0;

    /// Reads the tenant at `clock.now()`.
    static Result<TenantOverview> read(TenantContext& tenant, store::RedisPool& pool,
                                       const Clock& clock);

    /// The dashboard's JSON of the tenant (docs/operations.md, "Dashboard").
    nlohmann::json toJson() const;
};

}  // namespace legate::ido
