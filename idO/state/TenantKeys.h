#pragma once
/// Redis key names of one tenant's delegation state (docs/state.md).
///
/// Every key carries the tenant's hash tag, `legate:<tenant>:{tenant:<tenant>}:<part>`,
/// so every multi-key transition (an order changing state, the relay job it enqueues,
/// the audit entry it appends) is one Lua script on one slot.  Nonces are the exception:
/// independent keys spread over all slots (broker/store/NonceService).

#include <string>
#include <string_view>

#include "broker/store/KeyLayout.h"

namespace legate::ido {

class TenantKeys {
public:
    explicit TenantKeys(store::KeyLayout layout) : layout_(std::move(layout)) {}

    const std::string& tenant() const { return layout_.tenant(); }
    const store::KeyLayout& layout() const { return layout_; }

    /// "legate:<t>:{tenant:<t>}:" — Lua scripts build per-order keys from it.
    std::string statePrefix() const { return part(""); }

    std::string ndc(std::string_view id) const { return part("ndc:" + std::string(id)); }
    std::string ndcs() const { return part("ndcs"); }
    std::string ndcDelegations(std::string_view ndc) const {
        return part("ndc:" + std::string(ndc) + ":delegs");
    }
    std::string eab(std::string_view kid) const { return part("eab:" + std::string(kid)); }
    std::string account(std::string_view id) const { return part("acct:" + std::string(id)); }
    std::string accountByKey(std::string_view thumbprint) const {
        return part("acctkey:" + std::string(thumbprint));
    }
    std::string accountOrders(std::string_view id) const {
        return part("acct:" + std::string(id) + ":orders");
    }
    std::string delegation(std::string_view id) const { return part("deleg:" + std::string(id)); }
    std::string delegationOrders(std::string_view id) const {
        return part("deleg:" + std::string(id) + ":orders");
    }
    /// Open (ready or processing) orders, scored by `expires` in seconds: the
    /// account's and the delegation's (the open-order caps) and the tenant's (the expiry
    /// sweep).  Lua scripts build the same names from statePrefix() (Scripts.cpp).
    std::string accountOpenOrders(std::string_view id) const {
        return part("acct:" + std::string(id) + ":open");
    }
    std::string delegationOpenOrders(std::string_view id) const {
        return part("deleg:" + std::string(id) + ":open");
    }
    std::string openOrders() const { return part("open-orders"); }
    std::string order(std::string_view id) const { return part("order:" + std::string(id)); }
    std::string certificate(std::string_view token) const {
        return part("cert:" + std::string(token));
    }
    /// An issuer chain (the certificates after the end-entity one), stored once per
    /// tenant and named by publications (`id`: hex of the first 16 bytes of its SHA-256).
    std::string chain(std::string_view id) const { return part("chain:" + std::string(id)); }
    /// The publication's recent certificates, newest first (TenantState::kHistoryLength).
    std::string certificateHistory(std::string_view token) const {
        return part("cert:" + std::string(token) + ":history");
    }
    std::string relayStream() const { return part("relay"); }
    std::string auditStream() const { return part("audit"); }
    /// The upstream relay's progress for one Order1 (idO/relay/RelayState.h).
    std::string relay(std::string_view orderId) const {
        return part("relay:" + std::string(orderId));
    }
    /// STAR emulation renewals due, scored by due time in ms (idO/relay).
    std::string renewals() const { return part("renewals"); }
    /// Orders whose relay waits for the CA (a poll), scored by when to look again in ms;
    /// never charged to the upstream budget (idO/relay).
    std::string relayPolls() const { return part("relay-polls"); }
    /// The per-order relay lock and the tenant's fencing counter.
    std::string relayLock(std::string_view orderId) const {
        return part("lock:" + std::string(orderId));
    }
    std::string fence() const { return part("fence"); }
    /// The tenant-wide upstream new-order budget (token bucket).
    std::string upstreamBudget() const { return part("budget"); }
    /// One certificate-count limit of the CA (idO/relay/CertificateLimits.h): a sorted
    /// set of the certificates counted, scored by when (ms); `what` is
    /// "domain:<registered domain>" or "set:<sha256 of the identifier set>".
    std::string certificateLimit(std::string_view what) const {
        return part("cert-limit:" + std::string(what));
    }
    /// What the relay learned about the tenant's CA and must not forget over a restart
    /// (a hash: `order-validity` = "refused" once the CA refused notBefore/notAfter).
    std::string upstreamFacts() const { return part("upstream-facts"); }
    /// Relay counters shared by every process (issued, failed, retried, budget_deferred).
    std::string relayMetrics() const { return part("relay-metrics"); }
    std::string rateLimit(std::string_view account) const {
        return part("rate:" + std::string(account));
    }
    /// Pub/sub channel for cache invalidation: messages "cert:<token>" and "acct:<id>".
    std::string eventsChannel() const { return part("events"); }
    /// Prefix of nonce keys (no hash tag; see NonceService).
    std::string noncePrefix() const { return layout_.kindPrefix("nonce"); }

private:
    std::string part(std::string_view p) const { return layout_.groupKey("tenant", tenant(), p); }
    store::KeyLayout layout_;
};

}  // namespace legate::ido
