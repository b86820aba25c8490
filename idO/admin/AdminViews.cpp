#include "idO/admin/AdminViews.h"

#include <set>

#include "broker/core/Time.h"
#include "idO/solvers/DcvDelegation.h"

namespace legate::ido {
namespace {

using nlohmann::json;

json textOrNull(const std::string& text) {
    return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

json ndcView(const NdcRecord& ndc) {
    return {{"id", ndc.id},
            {"name", ndc.name},
            {"contact", textOrNull(ndc.contact)},
            {"account", textOrNull(ndc.accountId)},
            {"eab-kid", ndc.eabKid},
            {"created", toRfc3339(ndc.created)}};
}

json delegationView(const DelegationRecord& d, const AcmeUrls& urls,
                    std::string_view tenantTermination) {
    json star = nullptr;
    if (d.star) {
        star = {{"min-lifetime", d.star->minLifetime}, {"max-duration", d.star->maxDuration}};
    }
    return {{"id", d.id},
            {"ndc", d.ndcId},
            {"status", d.status},
            {"profile", textOrNull(d.profile)},
            {"csr-template", d.csrTemplate},
            {"cname-map", d.cnameMap.is_object() ? d.cnameMap : json(nullptr)},
            {"star", star},
            {"implicit", d.implicit ? json{{"lifetime", d.implicit->lifetime}} : json(nullptr)},
            {"allowed-suffixes", d.allowedSuffixes},
            {"termination", d.termination.empty() ? std::string(tenantTermination) : d.termination},
            {"termination-from", d.termination.empty() ? "tenant" : "delegation"},
            {"created", toRfc3339(d.created)},
            {"url", urls.delegation(d.id)}};
}

json orderView(const OrderRecord& order, const std::optional<CertificateRecord>& cert,
               TimePoint now) {
    json identifiers = json::array();
    for (const auto& i : order.identifiers) {
        identifiers.push_back(i.toJson());
    }
    json view = {{"id", order.id},
                 {"status", order.status},
                 {"identifiers", identifiers},
                 {"expires", toRfc3339(order.expires)},
                 {"certificate", nullptr}};
    if (order.star()) {
        view["star"] = order.autoRenewal;
    }
    if (order.error.is_object()) {
        view["error"] = order.error;  // why it is invalid (e.g. the DCV preflight's problem)
    }
    if (cert) {
        const auto served = cert->servedAt(now);
        view["certificate"] = {
            {"state", cert->state},
            {"notBefore", served ? json(toRfc3339(served->notBefore)) : json(nullptr)},
            {"notAfter", served ? json(toRfc3339(served->notAfter)) : json(nullptr)}};
        if (cert->nextFrom && *cert->nextFrom > now && cert->nextNotBefore && cert->nextNotAfter) {
            view["certificate"]["next"] = {{"notBefore", toRfc3339(*cert->nextNotBefore)},
                                           {"notAfter", toRfc3339(*cert->nextNotAfter)},
                                           {"from", toRfc3339(*cert->nextFrom)}};
        }
    }
    return view;
}

json dcvView(const TenantConfig& tenant, const std::vector<acme::Identifier>& names,
             TimePoint now) {
    if (!tenant.upstream || !tenant.upstream->solvers.dns01 ||
        !tenant.upstream->solvers.dns01->dcv) {
        return nullptr;
    }
    const auto& solverConfig = tenant.upstream->solvers;
    const auto& dcv = *solverConfig.dns01->dcv;
    json view = {{"zone", dcv.zone},
                 {"resolver", dcv.resolver.text()},
                 {"checked", toRfc3339(now)},
                 {"names", json::array()}};
    std::vector<std::string> valid;
    for (const auto& name : solvers::dcvIdentifiers(solverConfig.preference, names)) {
        if (solvers::dcvRecord(name, dcv.zone).ok()) {
            valid.push_back(name);
        } else {
            view["names"].push_back({{"name", name}, {"status", "invalid"}});
        }
    }
    // One try per name: an admin view waits at most one timeout for a silent resolver.
    auto resolver = dcv.resolver;
    resolver.retries = 0;
    auto checks = solvers::DcvChecker(resolver).check(valid, dcv.zone);
    if (!checks) {
        view["error"] = checks.problem().detail;
    }
    for (size_t i = 0; i < valid.size(); ++i) {
        const auto record = *solvers::dcvRecord(valid[i], dcv.zone);
        json entry = {{"name", valid[i]},
                      {"owner", record.owner},
                      {"target", record.target},
                      {"record", record.zoneLine()},
                      {"status", "unknown"}};
        if (checks) {
            const auto& check = (*checks)[i];
            entry["status"] = std::string(solvers::nameOf(check.state));
            if (check.state == solvers::DcvState::wrongTarget) {
                entry["found"] = check.found;
            }
        }
        view["names"].push_back(std::move(entry));
    }
    return view;
}

std::vector<acme::Identifier> delegationNames(const DelegationRecord& delegation,
                                              const std::vector<OrderRecord>& orders) {
    std::vector<acme::Identifier> names;
    std::set<std::string> seen;
    auto add = [&](const acme::Identifier& id) {
        if (id.type == "dns" && seen.insert(id.value).second) {
            names.push_back(id);
        }
    };
    const auto& t = delegation.csrTemplate;
    if (t.is_object() && t.contains("extensions") && t["extensions"].is_object() &&
        t["extensions"].contains("subjectAltName") &&
        t["extensions"]["subjectAltName"].is_object() &&
        t["extensions"]["subjectAltName"].contains("DNS") &&
        t["extensions"]["subjectAltName"]["DNS"].is_array()) {
        for (const auto& entry : t["extensions"]["subjectAltName"]["DNS"]) {
            if (entry.is_string() && entry != "*" && entry != "**") {
                add({"dns", entry.get<std::string>()});
            }
        }
    }
    for (const auto& order : orders) {
        for (const auto& id : order.identifiers) {
            add(id);
        }
    }
    return names;
}

}  // namespace legate::ido
