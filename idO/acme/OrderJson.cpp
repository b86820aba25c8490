#include "idO/acme/OrderJson.h"

#include "broker/core/Time.h"

namespace legate::ido {

nlohmann::json orderJson(const OrderRecord& order, const AcmeUrls& urls) {
    nlohmann::json doc = nlohmann::json::object();
    doc["status"] = order.status;
    doc["expires"] = toRfc3339(order.expires);
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& i : order.identifiers) {
        ids.push_back(i.toJson());
    }
    doc["identifiers"] = std::move(ids);
    doc["authorizations"] = nlohmann::json::array();
    if (order.implicit) {
        for (size_t i = 0; i < order.identifiers.size(); ++i) {
            doc["authorizations"].push_back(urls.authorization(order.id, i));
        }
    }
    doc["finalize"] = urls.finalize(order.id);
    doc["delegation"] = urls.delegation(order.delegationId);
    if (order.star()) {
        doc["auto-renewal"] = order.autoRenewal;
    } else {
        doc["allow-certificate-get"] = order.allowCertificateGet;
        if (order.notBefore) {
            doc["notBefore"] = toRfc3339(*order.notBefore);
        }
        if (order.notAfter) {
            doc["notAfter"] = toRfc3339(*order.notAfter);
        }
    }
    if (order.status == "invalid" && !order.error.is_null()) {
        doc["error"] = order.error;
    }
    if (order.status == "valid") {
        doc[order.star() ? "star-certificate" : "certificate"] =
            order.upstreamUrl.empty()
                ? urls.publishedCertificate(order.certToken, order.allowCertificateGet)
                : order.upstreamUrl;
    }
    return doc;
}

http::Response orderResponse(int status, const OrderRecord& order, const AcmeUrls& urls) {
    auto response = http::Response::json(status, orderJson(order, urls));
    response.location(urls.order(order.id));
    if (order.status == "processing") {
        response.retryAfter(kOrderRetryAfter);
    }
    return response;
}

nlohmann::json authorizationJson(const OrderRecord& order, size_t index) {
    const auto& id = order.identifiers.at(index);
    nlohmann::json doc = {{"status", "valid"},
                          {"expires", toRfc3339(order.expires)},
                          {"challenges", nlohmann::json::array()}};
    if (id.value.rfind("*.", 0) == 0) {
        doc["identifier"] = acme::Identifier{id.type, id.value.substr(2)}.toJson();
        doc["wildcard"] = true;
    } else {
        doc["identifier"] = id.toJson();
    }
    return doc;
}

nlohmann::json delegationJson(const DelegationRecord& delegation) {
    nlohmann::json doc = {{"csr-template", delegation.csrTemplate}};
    if (delegation.cnameMap.is_object()) {
        doc["cname-map"] = delegation.cnameMap;
    }
    return doc;
}

}  // namespace legate::ido
