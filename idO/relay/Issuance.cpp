#include "idO/relay/Issuance.h"

#include <csignal>
#include <cstdlib>
#include <regex>

#include "broker/core/Time.h"
#include "broker/log/Logger.h"
#include "idO/relay/CertificateCheck.h"

namespace legate::ido::relay {
namespace {

using Kind = IssueFailure::Kind;

bool transientProblem(const acme::Problem& p) {
    return p.status >= 500 || p.status == 429 || p.status == 0 ||
           p.type == acme::ErrorType::badNonce || p.type == acme::ErrorType::rateLimited;
}

IssueFailure invalidOrder2(const upstream::Order& order) {
    return IssueFailure{Kind::permanent,
                        order.error.value_or(acme::Problem::make(acme::ErrorType::serverInternal,
                                                                 "Order2 became invalid")),
                        std::nullopt};
}

}  // namespace

void crashPoint(const std::string& step) {
    static const char* target = std::getenv("LEGATE_RELAY_CRASH_AFTER");
    if (target && step == target) {
        relayLogger().warn("crash point reached, killing this process",
                           {{"step", step}, {"hook", "LEGATE_RELAY_CRASH_AFTER"}});
        std::raise(SIGKILL);
    }
}

acme::Problem scrubbed(const acme::Problem& problem) {
    static const std::regex kUrl(R"(https?://[^\s"'<>]+)");
    acme::Problem out = problem;
    out.detail = std::regex_replace(problem.detail, kUrl, "<url>");
    out.instance.clear();
    out.subproblems.clear();
    for (const auto& sub : problem.subproblems) {
        out.subproblems.push_back(scrubbed(sub));
    }
    return out;
}

bool isValidityRefusal(const acme::Problem& problem) {
    // Boulder's WFE, word for word (wfe2 NewOrder).
    return problem.type == acme::ErrorType::malformed &&
           problem.detail.find("NotBefore and NotAfter are not supported") != std::string::npos;
}

std::variant<bool, IssueFailure> Issuance::sendValidity() {
    switch (tenant_.config().orderValidity) {
        case OrderValidity::send:
            return true;
        case OrderValidity::never:
            return false;
        case OrderValidity::automatic:
            break;
    }
    auto known = state_.fact(kOrderValidityFact);
    if (!known.ok()) {
        return IssueFailure{Kind::transient, known.problem(), std::nullopt};
    }
    return !(*known && **known == "refused");
}

std::optional<IssueFailure> Issuance::stopIfEnded(const char* where) {
    if (!ended_) {
        return std::nullopt;
    }
    auto ended = ended_();
    if (!ended.ok()) {
        return IssueFailure{Kind::transient, ended.problem(), std::nullopt};
    }
    if (!*ended) {
        return std::nullopt;
    }
    relayLogger().info("the order ended during issuance: stopping",
                       {{"order", orderId_}, {"at", where}});
    return IssueFailure{Kind::ended,
                        acme::Problem::make(acme::ErrorType::malformed,
                                            std::string("the order ended (") + where + ")", 409),
                        std::nullopt};
}

IssueFailure Issuance::failure(const acme::Problem& problem) const {
    IssueFailure f;
    f.kind = transientProblem(problem) ? Kind::transient : Kind::permanent;
    f.problem = problem;
    if (problem.type == acme::ErrorType::rateLimited) {
        f.retryAt = client_.lastRetryAfter();
    }
    return f;
}

std::optional<IssueFailure> Issuance::save(RelayProgress& progress, RelayProgress next,
                                           const std::string& audit) {
    auto ok = state_.save(orderId_, fence_, next, audit);
    if (!ok.ok()) {
        return IssueFailure{Kind::transient, ok.problem(), std::nullopt};
    }
    if (!*ok) {
        return IssueFailure{Kind::fenced,
                            acme::Problem::make(acme::ErrorType::serverInternal,
                                                "the order's relay lock moved to another worker"),
                            std::nullopt};
    }
    progress = std::move(next);
    return std::nullopt;
}

std::optional<IssueFailure> Issuance::record(RelayProgress& progress, IssueStep step,
                                             const std::string& audit) {
    RelayProgress next = progress;
    next.issue.step = step;
    next.issue.polls = 0;
    if (auto failure = save(progress, std::move(next), audit)) {
        return failure;
    }
    if (!audit.empty()) {
        crashPoint(std::string(nameOf(step)));
    }
    if (heartbeat_) {
        heartbeat_();
    }
    return std::nullopt;
}

std::variant<PollLater, IssueFailure> Issuance::pollLater(RelayProgress& progress,
                                                          const std::string& what) {
    const int polls = progress.issue.polls + 1;
    auto at = policy_.nextPoll(polls, client_.lastRetryAfter(), clock_.now());
    if (!at) {
        return IssueFailure{
            Kind::transient,
            acme::Problem::make(
                acme::ErrorType::serverInternal,
                what + " after " + std::to_string(polls) + " looks; trying again later", 504),
            std::nullopt};
    }
    RelayProgress next = progress;
    next.issue.polls = polls;
    if (auto failure = save(progress, std::move(next), "")) {
        return *failure;
    }
    return PollLater{*at};
}

std::variant<bool, IssueFailure> Issuance::authorize(const std::string& url) {
    auto authz = client_.fetchAuthorization(url);
    if (!authz.ok()) {
        return failure(authz.problem());
    }
    auto& solvers = tenant_.solvers();
    const auto* challenge = solvers.choose(*authz);
    if (authz->status == "valid") {
        if (challenge && challenge->status == "valid") {
            solvers.cleanup(*authz, *challenge, client_);
        }
        return false;
    }
    if (authz->status != "pending") {
        if (challenge) {
            solvers.cleanup(*authz, *challenge, client_);
        }
        acme::Problem p = acme::Problem::make(
            acme::ErrorType::unauthorized,
            "the CA's authorization for " + authz->identifier.value + " is " + authz->status, 403);
        for (const auto& c : authz->challenges) {
            if (c.error) {
                p = *c.error;
                break;
            }
        }
        p.identifier = authz->identifier;
        return IssueFailure{Kind::permanent, p, std::nullopt};
    }
    if (!challenge) {
        std::string offered;
        for (const auto& c : authz->challenges) {
            offered += (offered.empty() ? "" : ", ") + c.type;
        }
        return IssueFailure{
            Kind::permanent,
            acme::Problem::make(acme::ErrorType::unsupportedIdentifier,
                                "no configured challenge solver can answer for " +
                                    authz->identifier.value + " (the CA offers " + offered + ")",
                                400),
            std::nullopt};
    }
    // Presented again at every look while pending: idempotent, and the process that
    // presented first may have died (an http-01 token lives in its memory).
    if (auto presented = solvers.present(*authz, *challenge, client_); !presented.ok()) {
        solvers.cleanup(*authz, *challenge, client_);
        return IssueFailure{Kind::transient, presented.problem(), std::nullopt};
    }
    if (challenge->status == "pending") {
        if (auto answered = client_.respondToChallenge(challenge->url); !answered.ok()) {
            solvers.cleanup(*authz, *challenge, client_);
            return failure(answered.problem());
        }
        relayLogger().info("challenge answered", {{"order", orderId_},
                                                  {"identifier", authz->identifier.value},
                                                  {"challenge", challenge->type}});
    }
    return true;
}

std::variant<bool, IssueFailure> Issuance::authorizeAll(const upstream::Order& order) {
    bool waiting = false;
    for (const auto& url : order.authorizations) {
        auto looked = authorize(url);
        if (auto* f = std::get_if<IssueFailure>(&looked)) {
            return *f;
        }
        waiting = waiting || std::get<bool>(looked);
        if (heartbeat_) {
            heartbeat_();
        }
    }
    return waiting;
}

std::variant<std::optional<upstream::Order>, IssueFailure> Issuance::authorized(
    const std::string& url) {
    auto order = client_.fetchOrder(url);
    if (!order.ok()) {
        return failure(order.problem());
    }
    if (order->status == "pending") {
        auto looked = authorizeAll(*order);
        if (auto* f = std::get_if<IssueFailure>(&looked)) {
            return *f;
        }
        if (std::get<bool>(looked)) {
            return std::optional<upstream::Order>{};
        }
        order = client_.fetchOrder(url);
        if (!order.ok()) {
            return failure(order.problem());
        }
        if (order->status == "pending") {
            return std::optional<upstream::Order>{};  // the CA has not caught up yet
        }
    }
    if (order->status == "invalid") {
        return invalidOrder2(*order);
    }
    return std::optional<upstream::Order>{std::move(*order)};
}

IssueResult Issuance::run(const IssueSpec& spec, RelayProgress& progress) {
    if (progress.issue.index != spec.index || progress.issue.step == IssueStep::none) {
        RelayProgress fresh = progress;
        fresh.issue = InFlight{};
        fresh.issue.index = spec.index;
        fresh.issue.startedAt = clock_.now();
        progress = fresh;
        if (auto f = record(progress, IssueStep::fresh, "issue-new")) {
            return *f;
        }
    }
    if (progress.issue.step == IssueStep::fresh) {
        // DCV delegation: a name without its _acme-challenge CNAME would fail validation
        // at the CA (and count against its failure limits); refuse before ordering.
        if (auto dcv = tenant_.solvers().dcvPreflight(spec.identifiers); !dcv.ok()) {
            state_.count("dcv_preflight_failed");
            relayLogger().warn("DCV preflight: no order placed",
                               {{"order", orderId_}, {"detail", dcv.problem().detail}});
            return failure(dcv.problem());
        }
        upstream::NewOrderRequest request;
        request.identifiers = spec.identifiers;
        request.extra = spec.extra.is_null() ? nlohmann::json::object() : spec.extra;
        auto send = sendValidity();
        if (auto* f = std::get_if<IssueFailure>(&send)) {
            return *f;
        }
        if (std::get<bool>(send)) {
            request.notBefore = spec.notBefore;
            request.notAfter = spec.notAfter;
        }
        auto created = client_.newOrder(request);
        if (!created.ok() && (request.notBefore || request.notAfter) &&
            tenant_.config().orderValidity == OrderValidity::automatic &&
            isValidityRefusal(created.problem())) {
            // Let's Encrypt: validity comes only from the profile.  Remembered for the
            // tenant (Redis), so it is asked once, not once per order or per restart.
            (void)state_.learn(kOrderValidityFact, "refused");
            state_.count("order_validity_refused");
            relayLogger().warn(
                "the CA refuses notBefore/notAfter: ordering without them from now on",
                {{"order", orderId_}, {"detail", created.problem().detail}});
            request.notBefore.reset();
            request.notAfter.reset();
            created = client_.newOrder(request);
        }
        if (!created.ok() && request.extra.contains("replaces") &&
            created.problem().type == acme::ErrorType::alreadyReplaced) {
            // Another Order2 already names that certificate: one whose answer we lost (a
            // crash between the CA's answer and recording `ordered`), never finalized by
            // us.  Once without `replaces` (no loop): that orphan yields no certificate,
            // so this cannot make a duplicate.
            state_.count("ari_already_replaced");
            relayLogger().warn(
                "the CA says the certificate is already replaced: ordering "
                "once without replaces",
                {{"order", orderId_}, {"detail", created.problem().detail}});
            request.extra.erase("replaces");
            created = client_.newOrder(request);
        }
        if (!created.ok()) {
            return failure(created.problem());
        }
        relayLogger().info("order2 created", {{"order", orderId_}, {"index", spec.index}});
        progress.issue.order2Url = created->url;
        if (auto f = record(progress, IssueStep::ordered, "issue-ordered")) {
            return *f;
        }
        if (auto f = stopIfEnded("after newOrder")) {
            return *f;
        }
    }
    const std::string url = progress.issue.order2Url;
    if (progress.issue.step == IssueStep::ordered) {
        auto order = authorized(url);
        if (auto* f = std::get_if<IssueFailure>(&order)) {
            return *f;
        }
        if (!std::get<std::optional<upstream::Order>>(order)) {
            auto later = pollLater(progress, "authorizations still pending");
            if (auto* f = std::get_if<IssueFailure>(&later)) {
                return *f;
            }
            return std::get<PollLater>(later);
        }
        if (auto f = record(progress, IssueStep::authorized, "issue-authorized")) {
            return *f;
        }
        if (auto f = stopIfEnded("after validation")) {
            return *f;
        }
    }
    if (progress.issue.step == IssueStep::authorized) {
        if (auto f = record(progress, IssueStep::finalizing, "issue-finalizing")) {
            return *f;
        }
    }
    if (progress.issue.step == IssueStep::finalizing) {
        // Authorizations that lapsed since the `authorized` step are solved again.
        auto fetched = authorized(url);
        if (auto* f = std::get_if<IssueFailure>(&fetched)) {
            return *f;
        }
        const auto& order = std::get<std::optional<upstream::Order>>(fetched);
        if (!order) {
            auto later = pollLater(progress, "authorizations pending again");
            if (auto* f = std::get_if<IssueFailure>(&later)) {
                return *f;
            }
            return std::get<PollLater>(later);
        }
        if (order->status == "ready") {
            if (auto f = stopIfEnded("before finalize")) {
                return *f;
            }
            // Only a `ready` Order2 has not seen our finalize: exactly one per Order2.
            auto finalized = client_.finalize(order->finalize, spec.csr->der());
            if (!finalized.ok()) {
                return failure(finalized.problem());
            }
            relayLogger().info("order2 finalized", {{"order", orderId_}, {"index", spec.index}});
        }
        if (auto f = record(progress, IssueStep::finalized, "issue-finalized")) {
            return *f;
        }
    }
    if (progress.issue.step == IssueStep::finalized) {
        auto order = client_.fetchOrder(url);
        if (!order.ok()) {
            return failure(order.problem());
        }
        if (order->status == "processing" || order->status == "ready") {
            auto later = pollLater(progress, "Order2 still " + order->status + " after finalize");
            if (auto* f = std::get_if<IssueFailure>(&later)) {
                return *f;
            }
            return std::get<PollLater>(later);
        }
        if (order->status != "valid") {
            return IssueFailure{order->status == "invalid" ? Kind::permanent : Kind::transient,
                                order->error.value_or(acme::Problem::make(
                                    acme::ErrorType::serverInternal,
                                    "Order2 is " + order->status + " after finalize")),
                                std::nullopt};
        }
        if (!spec.download) {
            return Issued{false, url, *order, "", {}, {}};
        }
        if (!order->certificate) {
            return IssueFailure{Kind::transient,
                                acme::Problem::make(acme::ErrorType::serverInternal,
                                                    "valid Order2 without a certificate URL", 502),
                                std::nullopt};
        }
        auto chain = client_.downloadCertificate(*order->certificate);
        if (!chain.ok()) {
            return failure(chain.problem());
        }
        auto roots = tenant_.roots();
        if (!roots.ok()) {
            return IssueFailure{Kind::transient, roots.problem(), std::nullopt};
        }
        IssuedExpectations expected;
        expected.csr = spec.csr;
        expected.identifiers = spec.identifiers;
        // Only validity the CA said it would honour (it echoed it in Order2) is required.
        if (order->notBefore && spec.notBefore) {
            expected.notBefore = spec.notBefore;
        }
        if (order->notAfter && spec.notAfter) {
            expected.notAfter = spec.notAfter;
        }
        const bool honoured = expected.notBefore && expected.notAfter;
        auto checked = checkIssued(chain->pem, expected, *roots, clock_.now());
        if (!checked.ok()) {
            relayLogger().error("certificate refused",
                                {{"order", orderId_}, {"why", checked.problem().detail}});
            // A new Order2 next time: this one produced a certificate we will not use.
            progress.issue.order2Url.clear();
            (void)record(progress, IssueStep::fresh, "issue-new");
            return IssueFailure{Kind::transient, checked.problem(), std::nullopt};
        }
        progress.issue.pem = chain->pem;
        progress.issue.notBefore = checked->front().notBefore();
        progress.issue.notAfter = checked->front().notAfter();
        progress.issue.certificateUrl = *order->certificate;
        progress.issue.honoured = honoured;
        if (auto f = record(progress, IssueStep::downloaded, "issue-downloaded")) {
            return *f;
        }
        if (auto f = stopIfEnded("after download")) {
            return *f;
        }
    }
    if (progress.issue.step == IssueStep::downloaded) {
        Issued issued;
        issued.order2Url = url;
        issued.pem = progress.issue.pem;
        issued.notBefore = progress.issue.notBefore.value_or(TimePoint{});
        issued.notAfter = progress.issue.notAfter.value_or(TimePoint{});
        issued.order2.certificate = progress.issue.certificateUrl;
        issued.validityHonoured = progress.issue.honoured;
        return issued;
    }
    return IssueFailure{Kind::transient,
                        acme::Problem::make(acme::ErrorType::serverInternal,
                                            "unknown relay step \"" +
                                                std::string(nameOf(progress.issue.step)) + "\""),
                        std::nullopt};
}

Result<bool> Issuance::finish(RelayProgress& progress) {
    RelayProgress next = progress;
    next.issue = InFlight{};
    auto ok = state_.save(orderId_, fence_, next, "");
    LEGATE_TRY(ok);
    if (*ok) {
        progress = std::move(next);
    }
    return *ok;
}

}  // namespace legate::ido::relay
