#pragma once
/// One tenant's delegation state in Redis: every read, and every transition of
/// docs/state.md as one atomic Lua script.  Stateless apart from its references, so
/// any number of `ido` processes (and threads) can use it at once.
///
/// Transitions return an `Outcome`: `ok`, or the reason the precondition did not hold
/// (the script then changed nothing).  Callers map reasons to ACME problems.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/store/LuaScript.h"
#include "broker/store/RedisPool.h"
#include "idO/state/Records.h"
#include "idO/state/TenantKeys.h"

namespace legate::ido {

/// What a transition script answered.
struct Outcome {
    std::string reason;  ///< "ok" or the script's reason code ("not-ready", ...)
    std::string detail;  ///< second element, e.g. the current status or an existing id
    bool ok() const { return reason == "ok"; }
};

/// One page of ids from an ordered index, and the offset of the next page (if any).
struct Page {
    std::vector<std::string> ids;
    std::optional<int64_t> next;
};

/// Caps on open (ready or processing) orders, checked atomically with the order's
/// creation (docs/state.md, "Open-order caps").  The defaults cap nothing: newOrder
/// passes the tenant's configured caps (TenantConfig::limits).
struct OpenOrderLimits {
    static constexpr int64_t kUnlimited = 1'000'000'000'000;
    int64_t perAccount = kUnlimited;
    int64_t perDelegation = kUnlimited;
};

struct OpenOrderCounts {
    int64_t account = 0;
    int64_t delegation = 0;
    int64_t tenant = 0;  ///< in the expiry sweep's index (processing ones past expires left it)
};

struct SweepResult {
    int64_t expired = 0;  ///< ready orders made invalid
    bool more = false;    ///< the batch was full: more may be due
};

/// `bytes` from the OS CSPRNG as base64url, never starting with '-'.
std::string newToken(size_t bytes);
/// A fresh 128-bit base64url identifier (unguessable in URLs), never starting with '-'.
std::string newId();

class TenantState {
public:
    TenantState(store::RedisPool& pool, TenantKeys keys, const Clock& clock);

    const TenantKeys& keys() const { return keys_; }
    const std::string& tenant() const { return keys_.tenant(); }
    const Clock& clock() const { return clock_; }

    // ---- NDCs and their EAB keys ----
    struct NewNdc {
        NdcRecord ndc;
        std::string hmacKey;  ///< base64url, shown once to the admin
    };
    Result<NewNdc> createNdc(const std::string& name, const std::string& contact);
    Result<std::optional<NdcRecord>> ndc(const std::string& id);
    Result<std::vector<NdcRecord>> ndcs();
    Result<std::optional<EabRecord>> eab(const std::string& kid);

    // ---- accounts ----
    Result<std::optional<AccountRecord>> account(const std::string& id);
    Result<std::optional<std::string>> accountIdByThumbprint(const std::string& thumbprint);
    /// Creates `account` (id, jwk, thumbprint, contact set; ndc taken from the EAB key)
    /// and binds the EAB key to it.  Reasons: no-eab, eab-used, key-exists (detail:
    /// the account that has the key).
    Result<Outcome> bindAccount(AccountRecord& account, const std::string& eabKid);
    Result<Outcome> updateContact(const std::string& id, const std::vector<std::string>& contact);
    Result<Outcome> deactivateAccount(const std::string& id);
    /// Reasons: not-valid, old-key-mismatch, key-exists (detail: that account).
    Result<Outcome> changeKey(const std::string& id, const std::string& oldThumbprint,
                              const std::string& newThumbprint, const nlohmann::json& newJwk);

    // ---- delegations ----
    /// Assigns id and created; reasons: no-ndc.
    Result<Outcome> createDelegation(DelegationRecord& delegation);
    Result<std::optional<DelegationRecord>> delegation(const std::string& id);
    /// One page of the NDC's delegation ids, oldest first (`offset` into the index).
    Result<Page> delegationsOfNdc(const std::string& ndcId, int64_t offset, int64_t limit);
    /// How many delegations the NDC has (terminated ones included).
    Result<int64_t> delegationCount(const std::string& ndcId);
    /// The delegations of `ids` in one pipelined round trip, in order (nullopt: gone).
    Result<std::vector<std::optional<DelegationRecord>>> delegations(
        const std::vector<std::string>& ids);
    /// Ends it: marked terminated first (no new order starts), then its live orders and
    /// publications canceled `chunk` orders per script (each script short, resumable: a
    /// call after a crash midway completes the work), then a relay job queued.
    /// Reasons: not-found, already.  detail of ok: number of orders canceled.
    static constexpr int64_t kTerminateChunk = 100;
    Result<Outcome> terminateDelegation(const std::string& id, int64_t chunk = kTerminateChunk);
    /// Sets (or, with "", clears) the delegation's `termination` option while it is
    /// active.  Reasons: not-found, already (terminated).
    Result<Outcome> setDelegationTermination(const std::string& id, const std::string& termination);

    // ---- orders ----
    /// Assigns id, certToken and created; reasons: account-not-valid, unknown-delegation,
    /// limit (detail: "account <retry-after seconds>" or "delegation <seconds>": that
    /// many open orders already, nothing stored).
    Result<Outcome> createOrder(OrderRecord& order, const OpenOrderLimits& limits = {});
    Result<std::optional<OrderRecord>> order(const std::string& id);
    Result<Page> ordersOfAccount(const std::string& accountId, int64_t offset, int64_t limit);
    /// The delegation's order ids, oldest first.
    Result<std::vector<std::string>> ordersOfDelegation(const std::string& delegationId);
    /// One page of the delegation's orders, oldest first: `cursor` is the rank to start
    /// at (0: the first page), at most `limit` ids; next is absent on the last page.
    Result<Page> ordersOfDelegationPage(const std::string& delegationId, uint64_t cursor,
                                        int64_t limit);
    /// How many open orders count against the caps right now.
    Result<OpenOrderCounts> openOrders(const std::string& accountId,
                                       const std::string& delegationId);
    /// One bounded step of the expiry sweep: at most `batch` due orders; ready ones
    /// become invalid (RFC 8555 section 7.1.6) and free their open-order slots.
    Result<SweepResult> sweepExpiredOrders(int64_t batch = 100);
    /// ready -> processing with the CSR (DER) stored and a relay job queued; reasons
    /// not-ready, expired (a ready order past `expires`: made invalid instead).
    Result<Outcome> acceptFinalize(const std::string& id, const std::string& csrDer);
    /// ready -> invalid with the problem in `error`; reasons not-ready, expired.
    Result<Outcome> rejectFinalize(const std::string& id, const acme::Problem& problem);
    /// STAR valid -> canceled, publication canceled, relay job; reason invalid-state.
    Result<Outcome> cancelOrder(const std::string& id);
    /// processing -> invalid with the (upstream) problem; reason invalid-state.
    Result<Outcome> failOrder(const std::string& id, const acme::Problem& problem);

    // ---- certificate publication ----
    Result<std::optional<CertificateRecord>> certificate(const std::string& token);
    /// Stores a chain for the order's publication and makes the order valid.  With a
    /// `from` still ahead (a STAR successor obtained early) the chain is staged and
    /// served from that second on; the first chain is always served at once.  The
    /// issuer part of `pem` is stored once per tenant (`chain:<id>`); certificate()
    /// puts the whole chain back together.  Reasons: not-found, canceled, invalid-state.
    Result<Outcome> publishCertificate(const std::string& token, const std::string& pem,
                                       TimePoint notBefore, TimePoint notAfter,
                                       std::optional<TimePoint> nextPublication,
                                       std::optional<TimePoint> from = std::nullopt);
    /// The publication's most recent certificates (at most kHistoryLength), newest first.
    Result<std::vector<CertificateWindow>> certificateHistory(const std::string& token);
    static constexpr int64_t kHistoryLength = 8;
    /// How long an issuer chain (`chain:<id>`) outlives the last certificate naming it.
    static constexpr std::chrono::hours kChainGrace{24 * 7};
    /// processing -> valid with Order1 pointing at the CA's certificate URL (STAR relay).
    /// Reason: invalid-state.
    Result<Outcome> relayValid(const std::string& orderId, const std::string& upstreamUrl);

    // ---- rate limit ----
    /// Takes one token from the account's bucket; nullopt when allowed, otherwise how
    /// long until a token is available.
    Result<std::optional<std::chrono::milliseconds>> takeToken(const std::string& accountId,
                                                               int ratePerSecond, int burst);

    // ---- audit ----
    /// The newest `count` audit entries, oldest first.
    Result<std::vector<FieldMap>> audit(size_t count);

private:
    Result<Outcome> run(const store::LuaScript& script, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args);
    Result<FieldMap> hash(const std::string& key);
    std::string now() const { return timeField(clock_.now()); }

    store::RedisPool& pool_;
    TenantKeys keys_;
    const Clock& clock_;
};

}  // namespace legate::ido
