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

std::string stepOf(const FieldMap& rec) {
    return fieldOf(rec, "i_step");
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

IssueFailure Issuance::failure(const acme::Problem& problem) const {
    IssueFailure f;
    f.kind = transientProblem(problem) ? Kind::transient : Kind::permanent;
    f.problem = problem;
    if (problem.type == acme::ErrorType::rateLimited) {
        f.retryAt = client_.lastRetryAfter();
    }
    return f;
}

std::optional<IssueFailure> Issuance::record(FieldMap& rec, const FieldMap& fields,
                                             const std::string& step,
                                             const std::vector<std::string>& remove) {
    FieldMap all = fields;
    if (!step.empty()) {
        all["i_step"] = step;
    }
    auto ok = state_.update(orderId_, fence_, all, remove, step.empty() ? "" : "issue-" + step);
    if (!ok.ok()) {
        return IssueFailure{Kind::transient, ok.problem(), std::nullopt};
    }
    if (!*ok) {
        return IssueFailure{Kind::fenced,
                            acme::Problem::make(acme::ErrorType::serverInternal,
                                                "the order's relay lock moved to another worker"),
                            std::nullopt};
    }
    for (const auto& [k, v] : all) {
        rec[k] = v;
    }
    for (const auto& k : remove) {
        rec.erase(k);
    }
    if (!step.empty()) {
        crashPoint(step);
    }
    if (heartbeat_) {
        heartbeat_();
    }
    return std::nullopt;
}

std::optional<IssueFailure> Issuance::authorize(const std::string& url) {
    auto authz = client_.fetchAuthorization(url);
    if (!authz.ok()) {
        return failure(authz.problem());
    }
    if (authz->status == "valid") {
        return std::nullopt;
    }
    if (authz->status != "pending") {
        return IssueFailure{
            Kind::permanent,
            acme::Problem::make(
                acme::ErrorType::unauthorized,
                "the CA's authorization for " + authz->identifier.value + " is " + authz->status,
                403),
            std::nullopt};
    }
    const auto* challenge = tenant_.solvers().choose(*authz);
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
    if (auto presented = tenant_.solvers().present(*authz, *challenge, client_); !presented.ok()) {
        tenant_.solvers().cleanup(*authz, *challenge, client_);
        return IssueFailure{Kind::transient, presented.problem(), std::nullopt};
    }
    if (challenge->status == "pending") {
        if (auto answered = client_.respondToChallenge(challenge->url); !answered.ok()) {
            tenant_.solvers().cleanup(*authz, *challenge, client_);
            return failure(answered.problem());
        }
    }
    auto final = client_.pollAuthorization(url, {"valid", "invalid"});
    tenant_.solvers().cleanup(*authz, *challenge, client_);
    if (!final.ok()) {
        return failure(final.problem());
    }
    if (final->status != "valid") {
        acme::Problem p = acme::Problem::make(
            acme::ErrorType::unauthorized,
            "the CA could not validate " + final->identifier.value + " (" + challenge->type + ")",
            403);
        if (const auto* c = final->challenge(challenge->type); c && c->error) {
            p = *c->error;
        }
        p.identifier = final->identifier;
        return IssueFailure{Kind::permanent, p, std::nullopt};
    }
    relayLogger().info("authorized", {{"order", orderId_},
                                      {"identifier", final->identifier.value},
                                      {"challenge", challenge->type}});
    return std::nullopt;
}

std::optional<IssueFailure> Issuance::authorizeAll(const upstream::Order& order) {
    for (const auto& url : order.authorizations) {
        if (auto failed = authorize(url)) {
            return failed;
        }
        if (heartbeat_) {
            heartbeat_();
        }
    }
    return std::nullopt;
}

std::variant<upstream::Order, IssueFailure> Issuance::authorized(const std::string& url) {
    auto order = client_.fetchOrder(url);
    if (!order.ok()) {
        return failure(order.problem());
    }
    if (order->status == "pending") {
        if (auto f = authorizeAll(*order)) {
            return *f;
        }
        order = client_.fetchOrder(url);
        if (!order.ok()) {
            return failure(order.problem());
        }
    }
    if (order->status == "invalid") {
        return invalidOrder2(*order);
    }
    return *order;
}

IssueResult Issuance::run(const IssueSpec& spec, FieldMap& rec) {
    const std::string index = std::to_string(spec.index);
    if (fieldOf(rec, "i_index") != index || stepOf(rec).empty()) {
        if (auto f = record(rec, {{"i_index", index}}, "new", {"i_order2", "i_pem"})) {
            return *f;
        }
    }
    if (stepOf(rec) == "new") {
        upstream::NewOrderRequest request;
        request.identifiers = spec.identifiers;
        request.notBefore = spec.notBefore;
        request.notAfter = spec.notAfter;
        request.extra = spec.extra.is_null() ? nlohmann::json::object() : spec.extra;
        auto created = client_.newOrder(request);
        if (!created.ok()) {
            return failure(created.problem());
        }
        relayLogger().info("order2 created", {{"order", orderId_}, {"index", spec.index}});
        if (auto f = record(rec, {{"i_order2", created->url}}, "ordered")) {
            return *f;
        }
    }
    const std::string url = fieldOf(rec, "i_order2");
    if (stepOf(rec) == "ordered") {
        auto order = authorized(url);
        if (auto* f = std::get_if<IssueFailure>(&order)) {
            return *f;
        }
        if (auto f = record(rec, {}, "authorized")) {
            return *f;
        }
    }
    if (stepOf(rec) == "authorized") {
        if (auto f = record(rec, {}, "finalizing")) {
            return *f;
        }
    }
    if (stepOf(rec) == "finalizing") {
        // Authorizations that lapsed since the `authorized` step are solved again.
        auto fetched = authorized(url);
        if (auto* f = std::get_if<IssueFailure>(&fetched)) {
            return *f;
        }
        const auto* order = &std::get<upstream::Order>(fetched);
        if (order->status == "ready") {
            // Only a `ready` Order2 has not seen our finalize: exactly one per Order2.
            auto finalized = client_.finalize(order->finalize, spec.csr->der());
            if (!finalized.ok()) {
                return failure(finalized.problem());
            }
            relayLogger().info("order2 finalized", {{"order", orderId_}, {"index", spec.index}});
        }
        if (auto f = record(rec, {}, "finalized")) {
            return *f;
        }
    }
    if (stepOf(rec) == "finalized") {
        auto order = client_.pollOrder(url, {"valid"});
        if (!order.ok()) {
            return failure(order.problem());
        }
        if (order->status != "valid") {
            return IssueFailure{order->status == "invalid" ? Kind::permanent : Kind::transient,
                                order->error.value_or(acme::Problem::make(
                                    acme::ErrorType::serverInternal,
                                    "Order2 is " + order->status + " after finalize")),
                                std::nullopt};
        }
        if (!spec.download) {
            return Issued{url, *order, "", {}, {}};
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
        auto checked = checkIssued(chain->pem, expected, *roots, clock_.now());
        if (!checked.ok()) {
            relayLogger().error("certificate refused",
                                {{"order", orderId_}, {"why", checked.problem().detail}});
            // A new Order2 next time: this one produced a certificate we will not use.
            (void)record(rec, {}, "new", {"i_order2", "i_pem"});
            return IssueFailure{Kind::transient, checked.problem(), std::nullopt};
        }
        if (auto f = record(rec,
                            {{"i_pem", chain->pem},
                             {"i_nb", timeField(checked->front().notBefore())},
                             {"i_na", timeField(checked->front().notAfter())},
                             {"i_cert_url", *order->certificate}},
                            "downloaded")) {
            return *f;
        }
    }
    if (stepOf(rec) == "downloaded") {
        Issued issued;
        issued.order2Url = url;
        issued.pem = fieldOf(rec, "i_pem");
        issued.notBefore = timeFromField(fieldOf(rec, "i_nb"));
        issued.notAfter = timeFromField(fieldOf(rec, "i_na"));
        issued.order2.certificate = fieldOf(rec, "i_cert_url");
        return issued;
    }
    return IssueFailure{Kind::transient,
                        acme::Problem::make(acme::ErrorType::serverInternal,
                                            "unknown relay step \"" + stepOf(rec) + "\""),
                        std::nullopt};
}

Result<bool> Issuance::finish(FieldMap& rec) {
    std::vector<std::string> remove = {"i_step", "i_order2", "i_pem", "i_nb", "i_na", "i_cert_url"};
    auto ok = state_.update(orderId_, fence_, {}, remove, "");
    LEGATE_TRY(ok);
    for (const auto& k : remove) {
        rec.erase(k);
    }
    return *ok;
}

}  // namespace legate::ido::relay
