#include "idO/monitor/TenantOverview.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "broker/core/Time.h"
#include "idO/relay/RelayState.h"

namespace legate::ido {
namespace {

using nlohmann::json;

constexpr int64_t kPageSize = 500;

/// The template's DNS entries as they are ("*" and "**" included: the NDC fills them).
std::vector<std::string> templateNames(const json& csrTemplate) {
    std::vector<std::string> out;
    const auto* dns = csrTemplate.is_object() ? &csrTemplate : nullptr;
    for (const char* member : {"extensions", "subjectAltName", "DNS"}) {
        if (dns == nullptr || !dns->is_object() || !dns->contains(member)) {
            return out;
        }
        dns = &(*dns)[member];
    }
    if (dns->is_array()) {
        for (const auto& name : *dns) {
            if (name.is_string()) {
                out.push_back(name.get<std::string>());
            }
        }
    }
    return out;
}

json timeOrNull(const std::optional<TimePoint>& t) {
    return t ? json(toRfc3339(*t)) : json(nullptr);
}

json certificateJson(const CertificateView& c) {
    return {{"order", c.orderId},
            {"version", c.version},
            {"state", c.state},
            {"notBefore", toRfc3339(c.notBefore)},
            {"notAfter", toRfc3339(c.notAfter)},
            {"servedFrom", toRfc3339(c.servedFrom)}};
}

/// The windows of one publication: its history, marked against what it serves at `now`.
/// A publication from before the history existed contributes its served certificate.
std::vector<CertificateView> windowsOf(const OrderRecord& order, const CertificateRecord& cert,
                                       const std::vector<CertificateWindow>& history,
                                       TimePoint now) {
    std::vector<CertificateView> out;
    const auto served = cert.servedAt(now);
    for (const auto& w : history) {
        CertificateView v{order.id, w.version, w.notBefore, w.notAfter, w.servedFrom, "past"};
        if (cert.state == "canceled") {
            v.state = "canceled";
        } else if (served && served->notBefore == w.notBefore && served->notAfter == w.notAfter) {
            v.state = "served";
        } else if (w.servedFrom > now) {
            v.state = "staged";
        }
        out.push_back(v);
    }
    if (history.empty() && served) {
        out.push_back({order.id, cert.version, served->notBefore, served->notAfter,
                       served->notBefore, cert.state == "canceled" ? "canceled" : "served"});
    }
    return out;
}

}  // namespace

Result<TenantOverview> TenantOverview::read(TenantContext& tenant, store::RedisPool& pool,
                                            const Clock& clock) {
    TenantOverview o;
    o.tenant = tenant.name();
    o.at = clock.now();
    auto& state = tenant.state;
    const auto& keys = state.keys();

    auto ndcs = state.ndcs();
    LEGATE_TRY(ndcs);
    o.ndcs = std::move(*ndcs);

    relay::RelayState relayState(pool, keys, clock);
    std::vector<std::string> delegationIds;
    for (auto it = o.ndcs.rbegin(); it != o.ndcs.rend() && !o.truncated; ++it) {
        int64_t offset = 0;
        while (true) {
            auto page = state.delegationsOfNdc(it->id, offset, kPageSize);
            LEGATE_TRY(page);
            for (const auto& id : page->ids) {
                if (delegationIds.size() == kMaxDelegations) {
                    o.truncated = true;
                    break;
                }
                delegationIds.push_back(id);
            }
            if (o.truncated || !page->next) {
                break;
            }
            offset = *page->next;
        }
    }

    for (const auto& id : delegationIds) {
        auto record = state.delegation(id);
        LEGATE_TRY(record);
        if (!record->has_value()) {
            continue;
        }
        DelegationOverview d;
        d.record = std::move(**record);
        d.names = templateNames(d.record.csrTemplate);
        o.delegationsByStatus[d.record.status]++;

        auto orderIds = state.ordersOfDelegation(id);
        LEGATE_TRY(orderIds);
        d.orders = static_cast<int64_t>(orderIds->size());
        // Every order's status and creation time in one round trip; the full records of
        // the newest few only.
        std::vector<std::vector<std::string>> commands;
        for (const auto& orderId : *orderIds) {
            commands.push_back({"HMGET", keys.order(orderId), "status", "created"});
        }
        std::vector<std::pair<int64_t, std::string>> newest;
        if (!commands.empty()) {
            auto replies = pool.pipeline(commands);
            LEGATE_TRY(replies);
            for (size_t i = 0; i < replies->size(); ++i) {
                const auto& fields = (*replies)[i].elements();
                if (fields.size() != 2 || fields[0].isNil()) {
                    continue;
                }
                d.ordersByState[fields[0].text()]++;
                o.ordersByState[fields[0].text()]++;
                newest.emplace_back(std::atoll(fields[1].text().c_str()), (*orderIds)[i]);
            }
        }
        std::sort(newest.rbegin(), newest.rend());
        if (newest.size() > kMaxOrdersPerDelegation) {
            newest.resize(kMaxOrdersPerDelegation);
            o.truncated = true;
        }
        for (const auto& entry : newest) {
            auto order = state.order(entry.second);
            LEGATE_TRY(order);
            if (!order->has_value() || (*order)->certToken.empty()) {
                continue;
            }
            const auto& orderRecord = **order;
            const bool live = orderRecord.status == "valid" || orderRecord.status == "processing";
            if (live) {
                auto due = relayState.dueTime(orderRecord.id);
                LEGATE_TRY(due);
                if (*due && (!d.nextRenewal || **due < *d.nextRenewal)) {
                    d.nextRenewal = **due;
                }
            }
            auto cert = state.certificate(orderRecord.certToken);
            LEGATE_TRY(cert);
            if (!cert->has_value()) {
                continue;
            }
            auto history = state.certificateHistory(orderRecord.certToken);
            LEGATE_TRY(history);
            for (auto& w : windowsOf(orderRecord, **cert, *history, o.at)) {
                if (live && w.state == "served" &&
                    (!d.current || w.notAfter > d.current->notAfter)) {
                    d.current = w;
                }
                d.certificates.push_back(std::move(w));
            }
        }
        std::sort(d.certificates.begin(), d.certificates.end(),
                  [](const auto& a, const auto& b) { return a.notBefore > b.notBefore; });
        o.delegations.push_back(std::move(d));
    }

    auto relay = relayState.status();
    LEGATE_TRY(relay);
    o.relay = std::move(*relay);

    if (tenant.config.upstream) {
        o.hasUpstream = true;
        const auto& budget = tenant.config.upstream->budget;
        if (budget.enabled()) {
            o.budgetCapacity = budget.orders;
            o.budgetPeriodSeconds = budget.periodSeconds;
            // The token bucket of RelayState::takeBudget, refilled to now without taking.
            auto bucket = pool.command({"HMGET", keys.upstreamBudget(), "tokens", "ts"});
            LEGATE_TRY(bucket);
            const auto& f = bucket->elements();
            double tokens = static_cast<double>(budget.orders);
            if (f.size() == 2 && !f[0].isNil() && !f[1].isNil()) {
                tokens = std::atof(f[0].text().c_str());
                const double ts = std::atof(f[1].text().c_str());
                const auto nowMs = static_cast<double>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(o.at.time_since_epoch())
                        .count());
                if (nowMs > ts) {
                    tokens += (nowMs - ts) * static_cast<double>(budget.orders) /
                              (static_cast<double>(budget.periodSeconds) * 1000.0);
                }
                tokens = std::min(tokens, static_cast<double>(budget.orders));
            }
            o.budgetAvailable = std::floor(std::max(tokens, 0.0));
        }
    }
    return o;
}

json TenantOverview::toJson() const {
    json ndcList = json::array();
    for (const auto& n : ndcs) {
        ndcList.push_back({{"id", n.id},
                           {"name", n.name},
                           {"account", n.accountId.empty() ? json(nullptr) : json(n.accountId)},
                           {"created", toRfc3339(n.created)}});
    }
    json delegationList = json::array();
    for (const auto& d : delegations) {
        json certs = json::array();
        for (const auto& c : d.certificates) {
            certs.push_back(certificateJson(c));
        }
        delegationList.push_back(
            {{"id", d.record.id},
             {"ndc", d.record.ndcId},
             {"status", d.record.status},
             {"profile", d.record.profile.empty() ? json(nullptr) : json(d.record.profile)},
             {"names", d.names},
             {"created", toRfc3339(d.record.created)},
             {"orders", d.orders},
             {"orders-by-state", d.ordersByState},
             {"current", d.current ? certificateJson(*d.current) : json(nullptr)},
             {"next-renewal", timeOrNull(d.nextRenewal)},
             {"certificates", certs}});
    }
    json budget = nullptr;
    if (budgetCapacity > 0) {
        budget = {{"available", budgetAvailable},
                  {"capacity", budgetCapacity},
                  {"period-seconds", budgetPeriodSeconds}};
    }
    return {{"name", tenant},
            {"at", toRfc3339(at)},
            {"truncated", truncated},
            {"upstream", hasUpstream},
            {"ndcs", ndcList},
            {"delegations", delegationList},
            {"delegations-by-status", delegationsByStatus},
            {"orders-by-state", ordersByState},
            {"relay", relay},
            {"budget", budget}};
}

}  // namespace legate::ido
