#include "idO/state/TenantState.h"

#include <charconv>
#include <limits>
#include <span>
#include <utility>

#include "broker/core/Time.h"
#include "broker/crypto/Digest.h"
#include "broker/crypto/OpenSsl.h"
#include "broker/wire/Base64Url.h"
#include "idO/state/Scripts.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;

std::string jsonText(const nlohmann::json& doc) {
    return doc.is_null() ? "" : doc.dump();
}

std::string optionalTime(const std::optional<TimePoint>& t) {
    return t ? timeField(*t) : "";
}

Problem unexpected(const std::string& what, const store::RedisReply& reply) {
    return Problem::make(ErrorType::serverInternal,
                         "redis: unexpected reply to " + what + ": " + reply.toString());
}

}  // namespace

/// Random bytes as base64url, never starting with '-': ids and keys are pasted into
/// command lines (`ido admin delegation show ID`, `ndc register --eab-hmac KEY`), where
/// a leading '-' reads as an option.  Redrawing keeps the value uniform over the rest.
std::string newToken(size_t bytes) {
    for (;;) {
        std::string token = wire::base64UrlEncode(crypto::randomBytes(bytes));
        if (token.front() != '-') {
            return token;
        }
    }
}

std::string newId() {
    return newToken(16);
}

TenantState::TenantState(store::RedisPool& pool, TenantKeys keys, const Clock& clock)
    : pool_(pool), keys_(std::move(keys)), clock_(clock) {}

Result<Outcome> TenantState::run(const store::LuaScript& script,
                                 const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args) {
    auto reply = store::rejectErrorReply(script.run(pool_, keys, args));
    LEGATE_TRY(reply);
    const auto& e = reply->elements();
    if (e.empty()) {
        return unexpected("a state transition", *reply);
    }
    return Outcome{e[0].text(), e.size() > 1 ? e[1].text() : std::string()};
}

Result<FieldMap> TenantState::hash(const std::string& key) {
    auto reply = store::rejectErrorReply(pool_.command({"HGETALL", key}));
    LEGATE_TRY(reply);
    return fieldsOf(*reply);
}

// ---- NDCs ----

Result<TenantState::NewNdc> TenantState::createNdc(const std::string& name,
                                                   const std::string& contact) {
    NewNdc out;
    out.ndc.id = newId();
    out.ndc.name = name;
    out.ndc.contact = contact;
    out.ndc.eabKid = newId();
    out.ndc.created = clock_.now();
    out.hmacKey = newToken(32);
    auto outcome =
        run(scripts::createNdc(),
            {keys_.ndc(out.ndc.id), keys_.ndcs(), keys_.eab(out.ndc.eabKid), keys_.auditStream()},
            {out.ndc.id, name, contact, out.ndc.eabKid, out.hmacKey, timeField(out.ndc.created)});
    LEGATE_TRY(outcome);
    // "exists" can only be our own first attempt (128-bit random ids), seen on a retry.
    return out;
}

Result<std::optional<NdcRecord>> TenantState::ndc(const std::string& id) {
    auto f = hash(keys_.ndc(id));
    LEGATE_TRY(f);
    return NdcRecord::fromFields(id, *f);
}

Result<std::vector<NdcRecord>> TenantState::ndcs() {
    auto ids = store::rejectErrorReply(pool_.command({"ZRANGE", keys_.ndcs(), "0", "-1"}));
    LEGATE_TRY(ids);
    std::vector<std::vector<std::string>> commands;
    for (const auto& id : ids->elements()) {
        commands.push_back({"HGETALL", keys_.ndc(id.text())});
    }
    std::vector<NdcRecord> out;
    if (commands.empty()) {
        return out;
    }
    auto replies = pool_.pipeline(commands);
    LEGATE_TRY(replies);
    for (size_t i = 0; i < replies->size(); ++i) {
        if (auto n = NdcRecord::fromFields(ids->elements()[i].text(), fieldsOf((*replies)[i]))) {
            out.push_back(std::move(*n));
        }
    }
    return out;
}

Result<std::optional<EabRecord>> TenantState::eab(const std::string& kid) {
    auto f = hash(keys_.eab(kid));
    LEGATE_TRY(f);
    return EabRecord::fromFields(kid, *f);
}

// ---- accounts ----

Result<std::optional<AccountRecord>> TenantState::account(const std::string& id) {
    auto f = hash(keys_.account(id));
    LEGATE_TRY(f);
    return AccountRecord::fromFields(id, *f);
}

Result<std::optional<std::string>> TenantState::accountIdByThumbprint(
    const std::string& thumbprint) {
    auto reply = store::rejectErrorReply(pool_.command({"GET", keys_.accountByKey(thumbprint)}));
    LEGATE_TRY(reply);
    return reply->asString();
}

Result<Outcome> TenantState::bindAccount(AccountRecord& account, const std::string& eabKid) {
    auto eabRecord = eab(eabKid);
    LEGATE_TRY(eabRecord);
    if (!*eabRecord) {
        return Outcome{"no-eab", ""};
    }
    account.ndcId = (*eabRecord)->ndcId;
    account.eabKid = eabKid;
    account.status = "valid";
    account.created = clock_.now();
    auto outcome = run(
        scripts::bindAccount(),
        {keys_.eab(eabKid), keys_.account(account.id), keys_.accountByKey(account.thumbprint),
         keys_.ndc(account.ndcId), keys_.auditStream()},
        {account.id, account.jwk.dump(), account.thumbprint, nlohmann::json(account.contact).dump(),
         timeField(account.created), account.ndcId, eabKid});
    LEGATE_TRY(outcome);
    if (outcome->reason == "key-exists" && outcome->detail == account.id) {
        return Outcome{"ok", ""};  // our own first attempt, seen on a retry
    }
    return outcome;
}

Result<Outcome> TenantState::updateContact(const std::string& id,
                                           const std::vector<std::string>& contact) {
    return run(scripts::updateContact(), {keys_.account(id), keys_.auditStream()},
               {nlohmann::json(contact).dump(), now(), id, keys_.eventsChannel()});
}

Result<Outcome> TenantState::deactivateAccount(const std::string& id) {
    return run(scripts::deactivateAccount(), {keys_.account(id), keys_.auditStream()},
               {id, now(), keys_.eventsChannel()});
}

Result<Outcome> TenantState::changeKey(const std::string& id, const std::string& oldThumbprint,
                                       const std::string& newThumbprint,
                                       const nlohmann::json& newJwk) {
    return run(scripts::changeKey(),
               {keys_.account(id), keys_.accountByKey(oldThumbprint),
                keys_.accountByKey(newThumbprint), keys_.auditStream()},
               {id, oldThumbprint, newThumbprint, newJwk.dump(), now(), keys_.eventsChannel()});
}

// ---- delegations ----

Result<Outcome> TenantState::createDelegation(DelegationRecord& d) {
    d.id = newId();
    d.created = clock_.now();
    d.status = "active";
    nlohmann::json star = nullptr;
    if (d.star) {
        star = {{"min-lifetime", d.star->minLifetime}, {"max-duration", d.star->maxDuration}};
    }
    nlohmann::json implicit = nullptr;
    if (d.implicit) {
        implicit = {{"lifetime", d.implicit->lifetime}};
    }
    return run(scripts::createDelegation(),
               {keys_.delegation(d.id), keys_.ndcDelegations(d.ndcId), keys_.ndc(d.ndcId),
                keys_.auditStream(), keys_.relayStream()},
               {d.id, d.ndcId, d.csrTemplate.dump(), jsonText(d.cnameMap),
                nlohmann::json(d.allowedSuffixes).dump(), jsonText(star), d.profile,
                timeField(d.created), jsonText(implicit), d.termination});
}

Result<Outcome> TenantState::setDelegationTermination(const std::string& id,
                                                      const std::string& termination) {
    return run(scripts::setDelegationTermination(), {keys_.delegation(id), keys_.auditStream()},
               {id, termination, now()});
}

Result<std::optional<DelegationRecord>> TenantState::delegation(const std::string& id) {
    auto f = hash(keys_.delegation(id));
    LEGATE_TRY(f);
    return DelegationRecord::fromFields(id, *f);
}

namespace {

Result<Page> pageOf(store::RedisPool& pool, const std::string& key, int64_t offset, int64_t limit) {
    // One more than asked tells whether a next page exists.
    auto reply = store::rejectErrorReply(
        pool.command({"ZRANGE", key, std::to_string(offset), std::to_string(offset + limit)}));
    LEGATE_TRY(reply);
    Page page;
    for (const auto& e : reply->elements()) {
        if (static_cast<int64_t>(page.ids.size()) == limit) {
            page.next = offset + limit;
            break;
        }
        page.ids.push_back(e.text());
    }
    return page;
}

}  // namespace

Result<Page> TenantState::delegationsOfNdc(const std::string& ndcId, int64_t offset,
                                           int64_t limit) {
    return pageOf(pool_, keys_.ndcDelegations(ndcId), offset, limit);
}

Result<int64_t> TenantState::delegationCount(const std::string& ndcId) {
    auto reply = store::rejectErrorReply(pool_.command({"ZCARD", keys_.ndcDelegations(ndcId)}));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<std::vector<std::optional<DelegationRecord>>> TenantState::delegations(
    const std::vector<std::string>& ids) {
    std::vector<std::optional<DelegationRecord>> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<std::vector<std::string>> commands;
    commands.reserve(ids.size());
    for (const auto& id : ids) {
        commands.push_back({"HGETALL", keys_.delegation(id)});
    }
    auto replies = pool_.pipeline(commands);
    LEGATE_TRY(replies);
    for (size_t i = 0; i < ids.size() && i < replies->size(); ++i) {
        if ((*replies)[i].isError()) {
            return unexpected("HGETALL of a delegation", (*replies)[i]);
        }
        out.push_back(DelegationRecord::fromFields(ids[i], fieldsOf((*replies)[i])));
    }
    return out;
}

Result<Outcome> TenantState::terminateDelegation(const std::string& id, int64_t chunk) {
    // 1. Terminated at once: no order starts under it from here on.
    auto marked = run(scripts::markDelegationTerminated(),
                      {keys_.delegation(id), keys_.auditStream()}, {id, now()});
    LEGATE_TRY(marked);
    if (marked->reason == "not-found") {
        return marked;
    }
    if (marked->reason == "already") {
        // A termination whose orders were not all ended (a crash midway) is completed
        // by the next call; one that finished is "already".
        auto f = hash(keys_.delegation(id));
        LEGATE_TRY(f);
        if (!f->contains("pending_orders")) {
            return marked;
        }
    }
    // 2. Its orders, `chunk` per script, so no single script holds Redis for long.
    int64_t canceled = 0;
    while (true) {
        auto step =
            run(scripts::terminateOrders(),
                {keys_.delegation(id), keys_.delegationOrders(id), keys_.relayStream(),
                 keys_.auditStream()},
                {id, now(), keys_.statePrefix(), keys_.eventsChannel(), std::to_string(chunk)});
        LEGATE_TRY(step);
        int64_t n = 0;
        std::from_chars(step->detail.data(), step->detail.data() + step->detail.size(), n);
        canceled += n;
        if (step->reason == "done") {
            return Outcome{"ok", std::to_string(canceled)};
        }
        if (step->reason != "more") {
            return step;
        }
    }
}

Result<Page> TenantState::ordersOfDelegationPage(const std::string& id, uint64_t cursor,
                                                 int64_t limit) {
    // One more than asked tells whether a next page exists.
    const auto from =
        static_cast<int64_t>(std::min<uint64_t>(cursor, std::numeric_limits<int64_t>::max() / 2));
    auto reply = store::rejectErrorReply(scripts::ordersOfDelegation().run(
        pool_, {keys_.delegationOrders(id)}, {std::to_string(from), std::to_string(from + limit)}));
    LEGATE_TRY(reply);
    Page page;
    for (const auto& e : reply->elements()) {
        if (static_cast<int64_t>(page.ids.size()) == limit) {
            page.next = from + limit;
            break;
        }
        page.ids.push_back(e.text());
    }
    return page;
}

Result<OpenOrderCounts> TenantState::openOrders(const std::string& accountId,
                                                const std::string& delegationId) {
    OpenOrderCounts counts;
    for (auto [key, out] : {std::pair{keys_.accountOpenOrders(accountId), &counts.account},
                            std::pair{keys_.delegationOpenOrders(delegationId), &counts.delegation},
                            std::pair{keys_.openOrders(), &counts.tenant}}) {
        auto reply = store::rejectErrorReply(pool_.command({"ZCARD", key}));
        LEGATE_TRY(reply);
        *out = reply->asInteger().value_or(0);
    }
    return counts;
}

Result<SweepResult> TenantState::sweepExpiredOrders(int64_t batch) {
    auto reply = store::rejectErrorReply(scripts::sweepExpiredOrders().run(
        pool_, {keys_.openOrders(), keys_.auditStream()}, {now(), std::to_string(batch)}));
    LEGATE_TRY(reply);
    const auto& e = reply->elements();
    if (e.size() != 3) {
        return unexpected("the expiry sweep", *reply);
    }
    SweepResult r;
    const auto n = e[1].text();
    std::from_chars(n.data(), n.data() + n.size(), r.expired);
    r.more = e[2].text() == "1";
    return r;
}

// ---- orders ----

Result<Outcome> TenantState::createOrder(OrderRecord& o, const OpenOrderLimits& limits) {
    o.id = newId();
    o.certToken = newId();
    o.created = clock_.now();
    o.status = "ready";
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& i : o.identifiers) {
        ids.push_back(i.toJson());
    }
    std::string endDate;
    if (o.star() && o.autoRenewal.contains("end-date")) {
        if (auto t = parseRfc3339(o.autoRenewal["end-date"].get<std::string>())) {
            endDate = timeField(*t);
        }
    }
    const bool allowGet =
        o.star() ? o.autoRenewal.value("allow-certificate-get", false) : o.allowCertificateGet;
    o.allowCertificateGet = allowGet;
    auto outcome =
        run(scripts::createOrder(),
            {keys_.order(o.id), keys_.accountOrders(o.accountId),
             keys_.delegationOrders(o.delegationId), keys_.delegation(o.delegationId),
             keys_.account(o.accountId), keys_.certificate(o.certToken), keys_.auditStream(),
             keys_.accountOpenOrders(o.accountId), keys_.delegationOpenOrders(o.delegationId),
             keys_.openOrders()},
            {o.id, o.accountId, o.delegationId, ids.dump(), jsonText(o.autoRenewal),
             o.allowCertificateGet ? "1" : "0", optionalTime(o.notBefore), optionalTime(o.notAfter),
             timeField(o.expires), timeField(o.created), o.certToken, o.star() ? "1" : "0", endDate,
             o.implicit ? "1" : "0", std::to_string(limits.perAccount),
             std::to_string(limits.perDelegation), keys_.statePrefix()});
    LEGATE_TRY(outcome);
    if (outcome->reason == "exists") {
        return Outcome{"ok", ""};  // our own first attempt, seen on a retry
    }
    return outcome;
}

Result<std::optional<OrderRecord>> TenantState::order(const std::string& id) {
    auto f = hash(keys_.order(id));
    LEGATE_TRY(f);
    return OrderRecord::fromFields(id, *f);
}

Result<Page> TenantState::ordersOfAccount(const std::string& accountId, int64_t offset,
                                          int64_t limit) {
    return pageOf(pool_, keys_.accountOrders(accountId), offset, limit);
}

Result<std::vector<std::string>> TenantState::ordersOfDelegation(const std::string& id) {
    auto reply = store::rejectErrorReply(
        scripts::ordersOfDelegation().run(pool_, {keys_.delegationOrders(id)}, {"0", "-1"}));
    LEGATE_TRY(reply);
    std::vector<std::string> out;
    for (const auto& e : reply->elements()) {
        out.push_back(e.text());
    }
    return out;
}

Result<Outcome> TenantState::acceptFinalize(const std::string& id, const std::string& csrDer) {
    return run(scripts::acceptFinalize(),
               {keys_.order(id), keys_.relayStream(), keys_.auditStream()}, {id, csrDer, now()});
}

Result<Outcome> TenantState::rejectFinalize(const std::string& id, const Problem& problem) {
    return run(scripts::rejectFinalize(), {keys_.order(id), keys_.auditStream()},
               {id, problem.toJson().dump(), now()});
}

Result<Outcome> TenantState::cancelOrder(const std::string& id) {
    auto o = order(id);
    LEGATE_TRY(o);
    const std::string token = *o ? (*o)->certToken : std::string();
    return run(
        scripts::cancelOrder(),
        {keys_.order(id), keys_.certificate(token), keys_.relayStream(), keys_.auditStream()},
        {id, now(), keys_.eventsChannel()});
}

Result<Outcome> TenantState::failOrder(const std::string& id, const Problem& problem) {
    return run(scripts::failOrder(), {keys_.order(id), keys_.auditStream()},
               {id, problem.toJson().dump(), now()});
}

// ---- certificates ----

namespace {

/// The end-entity certificate of a PEM chain (through its END line and line break) and
/// the rest, the issuer chain; the rest is empty for a single certificate.
std::pair<std::string, std::string> splitChain(const std::string& pem) {
    constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
    auto at = pem.find(kEnd);
    if (at == std::string::npos) {
        return {pem, ""};
    }
    at += kEnd.size();
    while (at < pem.size() && (pem[at] == '\r' || pem[at] == '\n')) {
        ++at;
    }
    return {pem.substr(0, at), pem.substr(at)};
}

}  // namespace

Result<std::optional<CertificateRecord>> TenantState::certificate(const std::string& token) {
    auto f = hash(keys_.certificate(token));
    LEGATE_TRY(f);
    auto record = CertificateRecord::fromFields(token, *f);
    if (!record) {
        return record;
    }
    // The issuer chains, stored once per tenant (publishCertificate): appended to the
    // end-entity certificates, so every reader sees the whole chain.
    const auto chain = f->find("chain");
    const auto nextChain = f->find("next_chain");
    const bool hasChain = chain != f->end() && !chain->second.empty();
    const bool hasNext = nextChain != f->end() && !nextChain->second.empty();
    if (!hasChain && !hasNext) {
        return record;
    }
    auto chains =
        store::rejectErrorReply(pool_.command({"MGET", keys_.chain(hasChain ? chain->second : ""),
                                               keys_.chain(hasNext ? nextChain->second : "")}));
    LEGATE_TRY(chains);
    const auto& texts = chains->elements();
    auto append = [&](bool wanted, size_t index, std::string& pem) -> Status {
        if (!wanted) {
            return okStatus();
        }
        if (texts.size() <= index || !texts[index].isString()) {
            return Problem::make(ErrorType::serverInternal,
                                 "the issuer chain of publication " + token + " is missing");
        }
        pem += texts[index].text();
        return okStatus();
    };
    LEGATE_TRY(append(hasChain, 0, record->pem));
    LEGATE_TRY(append(hasNext, 1, record->nextPem));
    return record;
}

Result<Outcome> TenantState::publishCertificate(const std::string& token, const std::string& pem,
                                                TimePoint notBefore, TimePoint notAfter,
                                                std::optional<TimePoint> nextPublication,
                                                std::optional<TimePoint> from) {
    auto c = certificate(token);
    LEGATE_TRY(c);
    if (!*c) {
        return Outcome{"not-found", ""};
    }
    const std::string orderId = (*c)->orderId;
    auto [endEntity, issuers] = splitChain(pem);
    std::string chainId;
    // Relative to the injected clock (Redis expires by its own): a week after notAfter.
    const auto chainLifetime = std::chrono::duration_cast<Seconds>(
        std::max(notAfter, clock_.now()) + kChainGrace - clock_.now());
    if (!issuers.empty()) {
        const auto digest = crypto::sha256(issuers);
        chainId = crypto::toHex(std::span(digest).first(16));
    }
    return run(
        scripts::publishCertificate(),
        {keys_.certificate(token), keys_.order(orderId), keys_.auditStream(),
         keys_.certificateHistory(token), keys_.chain(chainId)},
        {token, certificateForStorage(endEntity), timeField(notBefore), timeField(notAfter),
         optionalTime(nextPublication), now(), keys_.eventsChannel(), orderId, optionalTime(from),
         std::to_string(kHistoryLength), chainId, issuers, std::to_string(chainLifetime.count())});
}

Result<std::vector<CertificateWindow>> TenantState::certificateHistory(const std::string& token) {
    auto reply = pool_.command(
        {"LRANGE", keys_.certificateHistory(token), "0", std::to_string(kHistoryLength - 1)});
    LEGATE_TRY(reply);
    std::vector<CertificateWindow> out;
    for (const auto& element : reply->elements()) {
        // Written only by the publish script; an entry that does not parse is skipped.
        const auto entry = nlohmann::json::parse(element.text(), nullptr, false);
        if (!entry.is_object()) {
            continue;
        }
        auto time = [&entry](const char* name) -> std::optional<TimePoint> {
            const auto it = entry.find(name);
            if (it == entry.end() || !it->is_string() || it->get<std::string>().empty()) {
                return std::nullopt;
            }
            return timeFromField(it->get<std::string>());
        };
        CertificateWindow w;
        w.version = entry.value("version", int64_t{0});
        const auto nb = time("not_before");
        const auto na = time("not_after");
        if (!nb || !na) {
            continue;
        }
        w.notBefore = *nb;
        w.notAfter = *na;
        w.servedFrom = time("from").value_or(*nb);
        w.published = time("published").value_or(*nb);
        out.push_back(w);
    }
    return out;
}

Result<Outcome> TenantState::relayValid(const std::string& orderId,
                                        const std::string& upstreamUrl) {
    return run(scripts::relayValid(), {keys_.order(orderId), keys_.auditStream()},
               {orderId, upstreamUrl, now()});
}

// ---- rate limit ----

Result<std::optional<std::chrono::milliseconds>> TenantState::takeToken(
    const std::string& accountId, int ratePerSecond, int burst) {
    const auto nowMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
            .count();
    auto reply = store::rejectErrorReply(scripts::takeToken().run(
        pool_, {keys_.rateLimit(accountId)},
        {std::to_string(ratePerSecond), std::to_string(burst), std::to_string(nowMs)},
        store::Retry::Never));
    LEGATE_TRY(reply);
    const auto wait = reply->asInteger().value_or(0);
    if (wait <= 0) {
        return std::optional<std::chrono::milliseconds>{};
    }
    return std::optional<std::chrono::milliseconds>{std::chrono::milliseconds(wait)};
}

// ---- audit ----

Result<std::vector<FieldMap>> TenantState::audit(size_t count) {
    auto reply = store::rejectErrorReply(pool_.command(
        {"XREVRANGE", keys_.auditStream(), "+", "-", "COUNT", std::to_string(count)}));
    LEGATE_TRY(reply);
    std::vector<FieldMap> out;
    for (auto it = reply->elements().rbegin(); it != reply->elements().rend(); ++it) {
        if (it->elements().size() == 2) {
            out.push_back(fieldsOf(it->elements()[1]));
        }
    }
    return out;
}

}  // namespace legate::ido
