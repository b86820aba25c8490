#include "idO/admin/AdminViews.h"

#include "broker/core/Time.h"

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

json delegationView(const DelegationRecord& d, const AcmeUrls& urls) {
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

}  // namespace legate::ido
