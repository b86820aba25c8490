#include "ndc/Ordering.h"

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

namespace {

std::optional<Seconds> lifetimeOf(const json& order) {
    if (order.contains("auto-renewal") && order["auto-renewal"].is_object()) {
        const auto& ar = order["auto-renewal"];
        if (ar.contains("lifetime") && ar["lifetime"].is_number_integer()) {
            return Seconds{ar["lifetime"].get<int64_t>()};
        }
    }
    return std::nullopt;
}

std::string valueText(const profiles::TemplateValue& v) {
    switch (v.kind) {
        case profiles::ValueKind::Literal:
            return v.literal;
        case profiles::ValueKind::Mandatory:
            return "** (you must choose)";
        case profiles::ValueKind::Optional:
            return "* (you may choose)";
    }
    return v.toString();
}

std::string list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ", ") + i;
    }
    return out;
}

}  // namespace

Result<Delegation> fetchDelegation(AcmeClient& client, const std::string& url) {
    auto r = client.postOk(url, std::nullopt);
    LEGATE_TRY(r);
    auto object = r->json();
    if (!object.is_object() || !object.contains("csr-template")) {
        return Problem::make(ErrorType::malformed, url + ": not a delegation object");
    }
    auto tmpl = profiles::TemplateParser::parse(object["csr-template"]);
    if (!tmpl.ok()) {
        return Problem::make(ErrorType::malformed,
                             url + ": unusable csr-template: " + tmpl.problem().detail);
    }
    return Delegation{url, std::move(object), std::move(tmpl).value()};
}

std::vector<std::string> templateNames(const profiles::CsrTemplate& tmpl) {
    std::vector<std::string> names;
    if (tmpl.subjectAltName.dns) {
        for (const auto& v : *tmpl.subjectAltName.dns) {
            if (v.kind == profiles::ValueKind::Literal) {
                names.push_back(v.literal);
            }
        }
    }
    return names;
}

std::string describeTemplate(const profiles::CsrTemplate& tmpl, const std::string& indent) {
    std::string out;
    std::vector<std::string> keys;
    for (const auto& k : tmpl.keyTypes) {
        keys.push_back(k.describe());
    }
    out += indent + "key types:  " + list(keys) + " (first usable one is the default)\n";
    if (tmpl.subjectAltName.dns) {
        std::vector<std::string> dns;
        for (const auto& v : *tmpl.subjectAltName.dns) {
            dns.push_back(valueText(v));
        }
        out += indent + "DNS names:  " + list(dns) + "\n";
    }
    if (tmpl.subjectAltName.email) {
        std::vector<std::string> e;
        for (const auto& v : *tmpl.subjectAltName.email) {
            e.push_back(valueText(v));
        }
        out += indent + "emails:     " + list(e) + "\n";
    }
    if (tmpl.subjectAltName.uri) {
        std::vector<std::string> u;
        for (const auto& v : *tmpl.subjectAltName.uri) {
            u.push_back(valueText(v));
        }
        out += indent + "URIs:       " + list(u) + "\n";
    }
    if (tmpl.subject) {
        for (const auto& f : *tmpl.subject) {
            out += indent + "subject " + f.member + ": " + valueText(f.value) +
                   (f.value.kind == profiles::ValueKind::Literal
                        ? ""
                        : "  [--value " + f.member + "=...]") +
                   "\n";
        }
    } else {
        out += indent + "subject:    empty\n";
    }
    if (tmpl.keyUsage) {
        out += indent + "keyUsage:   " + list(*tmpl.keyUsage) + "\n";
    }
    if (tmpl.extendedKeyUsage) {
        out += indent + "extKeyUsage: " + list(*tmpl.extendedKeyUsage) + "\n";
    }
    return out;
}

Result<PlacedOrder> placeOrder(AcmeClient& client, KeyStore& keys, const std::string& slot,
                               const OrderSpec& spec, const Clock& clock,
                               const Progress& progress) {
    auto step = [&](const std::string& s, const std::string& d) {
        if (progress) {
            progress(s, d);
        }
    };
    auto delegation = fetchDelegation(client, spec.delegationUrl);
    LEGATE_TRY(delegation);
    step("delegation", "template read: " + list(templateNames(delegation->csrTemplate)));

    crypto::KeyType type;
    if (spec.keyType) {
        type = *spec.keyType;
    } else {
        auto chosen = profiles::CsrBuilder::chooseKeyType(delegation->csrTemplate);
        LEGATE_TRY(chosen);
        type = *chosen;
    }
    const bool existed = keys.hasSlotKey(slot);
    auto key = keys.slotKey(slot, type);
    LEGATE_TRY(key);
    // A reused key must still fit the template (the IdO may have changed it).
    auto entry = profiles::CsrBuilder::entryForKey(delegation->csrTemplate, key->publicKey());
    if (!entry.ok()) {
        return Problem::make(
            ErrorType::badPublicKey,
            "the key of '" + slot + "' (" + keys.keyFile(slot).string() +
                ") does not fit the delegation's keyTypes: " + entry.problem().detail);
    }
    step("key", std::string(existed ? "reusing " : "generated ") + entry->keyDescription() +
                    " key " + keys.keyFile(slot).string());

    profiles::CsrChoices choices{spec.subject, spec.dnsNames};
    auto csr = profiles::CsrBuilder::build(delegation->csrTemplate, *key, choices);
    if (!csr.ok()) {
        return Problem::make(ErrorType::malformed,
                             "cannot build a CSR from the template: " + csr.problem().detail);
    }
    const auto names = csr->dnsNames();
    step("csr", "built for " + list(names));

    json identifiers = json::array();
    for (const auto& n : names) {
        identifiers.push_back({{"type", "dns"}, {"value", n}});
    }
    json payload = {{"identifiers", identifiers}, {"delegation", spec.delegationUrl}};
    if (spec.star) {
        const auto end = spec.endDate.value_or(clock.now() + spec.duration);
        payload["auto-renewal"] = {{"end-date", toRfc3339(end)},
                                   {"lifetime", spec.lifetime.count()},
                                   {"allow-certificate-get", true}};
    } else {
        payload["allow-certificate-get"] = true;
    }
    auto newOrder = client.endpoint("newOrder");
    LEGATE_TRY(newOrder);
    auto created = client.postOk(*newOrder, payload);
    LEGATE_TRY(created);
    PlacedOrder placed;
    placed.orderUrl = created->header("Location");
    placed.names = names;
    const auto order = created->json();
    if (placed.orderUrl.empty() || !order.is_object() || !order.contains("finalize")) {
        return Problem::make(ErrorType::serverInternal, "newOrder: no Location or finalize URL");
    }
    placed.lifetime = lifetimeOf(order);
    step("order", placed.orderUrl + " (" + order.value("status", "?") + ")");

    auto finalized = client.postOk(order["finalize"].get<std::string>(),
                                   json{{"csr", wire::base64UrlEncode(csr->der())}});
    if (!finalized.ok()) {
        auto p = std::move(finalized).problem();
        p.detail = "finalize of " + placed.orderUrl + ": " + p.detail;
        return p;
    }
    placed.status = finalized->json().value("status", "");
    placed.retryAfter = finalized->retryAfter(clock.now());
    step("finalize", "CSR accepted, order is " + placed.status);
    return placed;
}

Result<OrderState> readOrder(AcmeClient& client, const std::string& orderUrl, const Clock& clock) {
    auto r = client.postOk(orderUrl, std::nullopt);
    LEGATE_TRY(r);
    const auto order = r->json();
    if (!order.is_object() || !order.contains("status") || !order["status"].is_string()) {
        return Problem::make(ErrorType::serverInternal, orderUrl + ": not an order object");
    }
    OrderState s;
    s.status = order["status"].get<std::string>();
    s.star = order.contains("auto-renewal");
    s.lifetime = lifetimeOf(order);
    s.retryAfter = r->retryAfter(clock.now());
    const char* member = s.star ? "star-certificate" : "certificate";
    if (order.contains(member) && order[member].is_string()) {
        s.certificateUrl = order[member].get<std::string>();
    }
    if (order.contains("error")) {
        auto p = acme::Problem::fromJson(order["error"]);
        s.error = p ? describe(*p).detail : order["error"].dump();
    }
    return s;
}

}  // namespace legate::ndc
