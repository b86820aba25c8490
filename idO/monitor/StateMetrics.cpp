#include "idO/monitor/StateMetrics.h"

#include <stdexcept>

namespace legate::ido {
namespace {

using Samples = std::vector<metrics::Sample>;

double seconds(TimePoint t) {
    return static_cast<double>(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

/// "urn:ietf:params:acme:error:rateLimited" -> "rateLimited" (every type is one of the
/// ACME error enum's: a bounded label).
std::string shortType(const std::string& urn) {
    const auto colon = urn.rfind(':');
    return colon == std::string::npos ? urn : urn.substr(colon + 1);
}

double counterOf(const TenantOverview& o, const std::string& name) {
    const auto& counters = o.relay.value("counters", nlohmann::json::object());
    const auto it = counters.find(name);
    return it != counters.end() && it->is_number() ? it->get<double>() : 0.0;
}

/// The relay counters named "<prefix><rest>", by rest.
std::vector<std::pair<std::string, double>> countersWithPrefix(const TenantOverview& o,
                                                               const std::string& prefix) {
    std::vector<std::pair<std::string, double>> out;
    const auto& counters = o.relay.value("counters", nlohmann::json::object());
    for (const auto& [name, value] : counters.items()) {
        if (name.rfind(prefix, 0) == 0 && value.is_number()) {
            out.emplace_back(name.substr(prefix.size()), value.get<double>());
        }
    }
    return out;
}

double relayNumber(const TenantOverview& o, const char* group, const char* name) {
    const auto g = o.relay.find(group);
    if (g == o.relay.end() || !g->is_object()) {
        return 0;
    }
    const auto v = g->find(name);
    return v != g->end() && v->is_number() ? v->get<double>() : 0.0;
}

}  // namespace

StateMetrics::StateMetrics(metrics::Registry& registry, const AcmeServices& services,
                           std::vector<PoolSource> pools, std::chrono::milliseconds maxAge)
    : services_(services), pools_(std::move(pools)), maxAge_(maxAge) {
    registerFamilies(registry);
}

Result<std::vector<TenantOverview>> StateMetrics::overviews(std::chrono::milliseconds maxAge) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (haveCache_ && maxAge.count() > 0 && now - readAt_ < maxAge) {
        return cached_;
    }
    std::vector<TenantOverview> fresh;
    for (const auto& [name, tenant] : services_.tenants()) {
        auto o = TenantOverview::read(*tenant, services_.pool(), services_.clock());
        LEGATE_TRY(o);
        fresh.push_back(std::move(*o));
    }
    cached_ = fresh;
    readAt_ = now;
    haveCache_ = true;
    return fresh;
}

std::vector<metrics::Sample> StateMetrics::fromOverviews(
    const std::function<void(const TenantOverview&, Samples&)>& f) {
    auto all = overviews();
    if (!all.ok()) {
        // The registry leaves the family out and counts the failure.
        throw std::runtime_error(all.problem().detail);
    }
    Samples out;
    for (const auto& o : *all) {
        f(o, out);
    }
    return out;
}

void StateMetrics::registerFamilies(metrics::Registry& registry) {
    auto gauge = [&](const std::string& name, const std::string& help,
                     std::vector<std::string> labels,
                     std::function<void(const TenantOverview&, Samples&)> f) {
        registry.collector(name, help, std::move(labels),
                           [this, f = std::move(f)] { return fromOverviews(f); });
    };
    auto counter = [&](const std::string& name, const std::string& help,
                       std::vector<std::string> labels,
                       std::function<void(const TenantOverview&, Samples&)> f) {
        registry.counterCollector(name, help, std::move(labels),
                                  [this, f = std::move(f)] { return fromOverviews(f); });
    };

    // ---- delegation state ----
    gauge("legate_delegations", "Delegations by status", {"tenant", "status"},
          [](const TenantOverview& o, Samples& out) {
              for (const char* status : {"active", "terminated"}) {
                  const auto it = o.delegationsByStatus.find(status);
                  out.push_back(
                      {{o.tenant, status},
                       static_cast<double>(it == o.delegationsByStatus.end() ? 0 : it->second)});
              }
          });
    gauge(
        "legate_orders", "Orders (Order1) by state", {"tenant", "state"},
        [](const TenantOverview& o, Samples& out) {
            for (const char* state : {"ready", "processing", "valid", "invalid", "canceled"}) {
                const auto it = o.ordersByState.find(state);
                out.push_back({{o.tenant, state},
                               static_cast<double>(it == o.ordersByState.end() ? 0 : it->second)});
            }
        });
    gauge("legate_certificate_expiration_timestamp_seconds",
          "notAfter of the certificate an active delegation serves now (the longest-lived "
          "over its live orders), Unix seconds",
          {"tenant", "delegation"}, [](const TenantOverview& o, Samples& out) {
              for (const auto& d : o.delegations) {
                  if (d.record.active() && d.current) {
                      out.push_back({{o.tenant, d.record.id}, seconds(d.current->notAfter)});
                  }
              }
          });
    gauge("legate_certificate_not_before_timestamp_seconds",
          "notBefore of the certificate an active delegation serves now, Unix seconds",
          {"tenant", "delegation"}, [](const TenantOverview& o, Samples& out) {
              for (const auto& d : o.delegations) {
                  if (d.record.active() && d.current) {
                      out.push_back({{o.tenant, d.record.id}, seconds(d.current->notBefore)});
                  }
              }
          });
    gauge("legate_certificate_renewal_timestamp_seconds",
          "When the relay next orders from the CA for an active delegation (its earliest "
          "scheduled renewal), Unix seconds; absent when none is scheduled",
          {"tenant", "delegation"}, [](const TenantOverview& o, Samples& out) {
              for (const auto& d : o.delegations) {
                  if (d.record.active() && d.nextRenewal) {
                      out.push_back({{o.tenant, d.record.id}, seconds(*d.nextRenewal)});
                  }
              }
          });
    gauge("legate_monitor_truncated",
          "1 when the tenant has more delegations or orders than the scrape reads "
          "(TenantOverview bounds), else 0",
          {"tenant"}, [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, o.truncated ? 1.0 : 0.0});
          });

    // ---- relay: backlog and budget ----
    gauge("legate_relay_renewals_scheduled", "Orders with a renewal or retry scheduled", {"tenant"},
          [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "renewals", "scheduled")});
          });
    gauge("legate_relay_renewals_due", "Scheduled renewals whose time has come (backlog)",
          {"tenant"}, [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "renewals", "due")});
          });
    gauge("legate_relay_renewals_oldest_due_seconds",
          "How late the most overdue renewal is (0: none overdue)", {"tenant"},
          [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "renewals", "oldest-due-seconds")});
          });
    gauge("legate_relay_polls_waiting", "Orders waiting for the CA to be looked at again",
          {"tenant"}, [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "polls", "waiting")});
          });
    gauge("legate_relay_jobs_pending", "Relay jobs handed to a worker and not yet acknowledged",
          {"tenant"}, [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "jobs", "pending")});
          });
    gauge("legate_relay_stream_length", "Entries in the tenant's relay job stream", {"tenant"},
          [](const TenantOverview& o, Samples& out) {
              out.push_back({{o.tenant}, relayNumber(o, "jobs", "stream-length")});
          });
    gauge("legate_upstream_budget_available",
          "New upstream orders the budget grants now (tenants with a budget)", {"tenant"},
          [](const TenantOverview& o, Samples& out) {
              if (o.budgetCapacity > 0) {
                  out.push_back({{o.tenant}, o.budgetAvailable});
              }
          });
    gauge("legate_upstream_budget_capacity",
          "New upstream orders the budget grants per period (tenants with a budget)", {"tenant"},
          [](const TenantOverview& o, Samples& out) {
              if (o.budgetCapacity > 0) {
                  out.push_back({{o.tenant}, static_cast<double>(o.budgetCapacity)});
              }
          });

    // ---- relay: tenant-wide counters kept in Redis ----
    counter("legate_relay_jobs_total", "Relay jobs worked, by kind (tenant-wide)",
            {"tenant", "kind"}, [](const TenantOverview& o, Samples& out) {
                for (const auto& [kind, n] : countersWithPrefix(o, "job:")) {
                    out.push_back({{o.tenant, kind.empty() ? "unknown" : kind}, n});
                }
            });
    counter("legate_relay_certificates_issued_total",
            "Certificates the relay obtained from the CA and published (tenant-wide)", {"tenant"},
            [](const TenantOverview& o, Samples& out) {
                out.push_back({{o.tenant}, counterOf(o, "certificates_issued")});
            });
    counter("legate_relay_retries_total", "Failed relay steps that will be retried (tenant-wide)",
            {"tenant"}, [](const TenantOverview& o, Samples& out) {
                out.push_back({{o.tenant}, counterOf(o, "retries")});
            });
    counter("legate_relay_orders_failed_total",
            "Orders the relay gave up on (the CA's refusal mirrored into Order1; tenant-wide)",
            {"tenant"}, [](const TenantOverview& o, Samples& out) {
                out.push_back({{o.tenant}, counterOf(o, "orders_failed")});
            });
    counter("legate_relay_budget_deferred_total",
            "Upstream orders deferred because the budget was exhausted (tenant-wide)", {"tenant"},
            [](const TenantOverview& o, Samples& out) {
                out.push_back({{o.tenant}, counterOf(o, "budget_deferred")});
            });
    counter(
        "legate_relay_failures_total",
        "Failed relay steps by kind (transient: CA or network trouble; permanent: the CA "
        "refused) and the CA's ACME problem type (tenant-wide)",
        {"tenant", "kind", "type"}, [](const TenantOverview& o, Samples& out) {
            for (const auto& [rest, n] : countersWithPrefix(o, "failure:")) {
                const auto colon = rest.find(':');
                if (colon != std::string::npos) {
                    out.push_back(
                        {{o.tenant, rest.substr(0, colon), shortType(rest.substr(colon + 1))}, n});
                }
            }
        });
    counter("legate_upstream_errors_total",
            "Errors talking to the upstream CA (transient relay failures; tenant-wide)", {"tenant"},
            [](const TenantOverview& o, Samples& out) {
                double n = 0;
                for (const auto& entry : countersWithPrefix(o, "failure:transient:")) {
                    n += entry.second;
                }
                out.push_back({{o.tenant}, n});
            });

    // ---- this process ----
    registry.counterCollector(
        "legate_nonces_issued_total", "Replay-Nonce values issued by this process", {"tenant"},
        [this] {
            Samples out;
            for (const auto& [name, tenant] : services_.tenants()) {
                out.push_back({{name}, static_cast<double>(tenant->nonces.issuedCount())});
            }
            return out;
        });
    registry.counterCollector(
        "legate_nonces_rejected_total",
        "Presented nonces this process refused (badNonce: forged, expired, replayed)", {"tenant"},
        [this] {
            Samples out;
            for (const auto& [name, tenant] : services_.tenants()) {
                out.push_back({{name}, static_cast<double>(tenant->nonces.rejectedCount())});
            }
            return out;
        });
    registry.counterCollector(
        "legate_redis_errors_total",
        "Redis commands of this process that failed (no connection, I/O error, timeout), by "
        "connection pool",
        {"pool"}, [this] {
            Samples out;
            for (const auto& source : pools_) {
                if (const auto* pool = source.pool()) {
                    out.push_back({{source.name}, static_cast<double>(pool->stats().errors)});
                }
            }
            return out;
        });
}

}  // namespace legate::ido
