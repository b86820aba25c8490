#include "idO/state/Records.h"

#include <charconv>

#include "broker/crypto/Pem.h"
#include "broker/store/RedisReply.h"
#include "broker/wire/Base64Url.h"

namespace legate::ido {
namespace {

std::string get(const FieldMap& f, const std::string& name) {
    auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
}

std::optional<TimePoint> optionalTime(const FieldMap& f, const std::string& name) {
    const auto text = get(f, name);
    if (text.empty()) {
        return std::nullopt;
    }
    return timeFromField(text);
}

nlohmann::json jsonField(const FieldMap& f, const std::string& name) {
    const auto text = get(f, name);
    if (text.empty()) {
        return nullptr;
    }
    // Written only by ido itself; a corrupt value reads as null rather than throwing.
    return nlohmann::json::parse(text, nullptr, false);
}

std::vector<std::string> stringsField(const FieldMap& f, const std::string& name) {
    std::vector<std::string> out;
    const auto doc = jsonField(f, name);
    if (doc.is_array()) {
        for (const auto& v : doc) {
            if (v.is_string()) {
                out.push_back(v.get<std::string>());
            }
        }
    }
    return out;
}

bool looksLikeDer(std::string_view v) {
    return v.size() >= 4 && static_cast<unsigned char>(v[0]) == 0x30 &&
           static_cast<unsigned char>(v[1]) >= 0x81 && static_cast<unsigned char>(v[1]) <= 0x83;
}

}  // namespace

std::string certificateForStorage(std::string_view pem) {
    auto blocks = crypto::parsePemBlocks(pem, acme::ErrorType::malformed);
    if (!blocks.ok() || blocks->size() != 1 || (*blocks)[0].label != "CERTIFICATE" ||
        !looksLikeDer(std::string_view(reinterpret_cast<const char*>((*blocks)[0].der.data()),
                                       (*blocks)[0].der.size()))) {
        return std::string(pem);
    }
    const auto& der = (*blocks)[0].der;
    return std::string(der.begin(), der.end());
}

std::string storedCertificatePem(std::string_view stored) {
    if (!looksLikeDer(stored)) {
        return std::string(stored);
    }
    return crypto::toPem("CERTIFICATE", crypto::Bytes(stored.begin(), stored.end()));
}

std::string storedCsrDer(std::string_view stored) {
    if (stored.empty() || looksLikeDer(stored)) {
        return std::string(stored);
    }
    auto der = wire::base64UrlDecode(stored);
    return der.ok() ? std::string(der->begin(), der->end()) : std::string(stored);
}

FieldMap fieldsOf(const store::RedisReply& reply) {
    FieldMap out;
    const auto& e = reply.elements();
    for (size_t i = 0; i + 1 < e.size(); i += 2) {
        out[e[i].text()] = e[i + 1].text();
    }
    return out;
}

std::string timeField(TimePoint t) {
    return std::to_string(std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count());
}

TimePoint timeFromField(const std::string& text) {
    int64_t secs = 0;
    std::from_chars(text.data(), text.data() + text.size(), secs);
    return TimePoint{Seconds{secs}};
}

std::optional<NdcRecord> NdcRecord::fromFields(std::string id, const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    return NdcRecord{std::move(id),     get(f, "name"),    get(f, "contact"),
                     get(f, "eab_kid"), get(f, "account"), timeFromField(get(f, "created"))};
}

std::optional<EabRecord> EabRecord::fromFields(std::string kid, const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    return EabRecord{std::move(kid), get(f, "hmac_key"), get(f, "ndc"), get(f, "account")};
}

std::optional<AccountRecord> AccountRecord::fromFields(std::string id, const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    AccountRecord a;
    a.id = std::move(id);
    a.ndcId = get(f, "ndc");
    a.status = get(f, "status");
    a.jwk = jsonField(f, "jwk");
    a.thumbprint = get(f, "thumbprint");
    a.contact = stringsField(f, "contact");
    a.eabKid = get(f, "eab_kid");
    a.created = timeFromField(get(f, "created"));
    return a;
}

std::optional<DelegationRecord> DelegationRecord::fromFields(std::string id, const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    DelegationRecord d;
    d.id = std::move(id);
    d.ndcId = get(f, "ndc");
    d.csrTemplate = jsonField(f, "template");
    d.cnameMap = jsonField(f, "cname_map");
    d.allowedSuffixes = stringsField(f, "allowed_suffixes");
    const auto star = jsonField(f, "star");
    if (star.is_object()) {
        d.star = StarPolicy{star.value("min-lifetime", int64_t{0}),
                            star.value("max-duration", int64_t{0})};
    }
    const auto implicit = jsonField(f, "implicit");
    if (implicit.is_object()) {
        d.implicit = ImplicitPolicy{implicit.value("lifetime", int64_t{0})};
    }
    d.profile = get(f, "profile");
    d.termination = get(f, "termination");
    d.status = get(f, "status");
    d.created = timeFromField(get(f, "created"));
    return d;
}

std::optional<OrderRecord> OrderRecord::fromFields(std::string id, const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    OrderRecord o;
    o.id = std::move(id);
    o.accountId = get(f, "account");
    o.delegationId = get(f, "delegation");
    o.implicit = get(f, "implicit") == "1";
    o.status = get(f, "status");
    const auto ids = jsonField(f, "identifiers");
    if (ids.is_array()) {
        for (const auto& i : ids) {
            o.identifiers.push_back({i.value("type", ""), i.value("value", "")});
        }
    }
    o.autoRenewal = jsonField(f, "auto_renewal");
    o.allowCertificateGet = get(f, "allow_certificate_get") == "1";
    o.notBefore = optionalTime(f, "not_before");
    o.notAfter = optionalTime(f, "not_after");
    o.expires = timeFromField(get(f, "expires"));
    o.csrDer = storedCsrDer(get(f, "csr"));
    o.error = jsonField(f, "error");
    o.certToken = get(f, "cert");
    o.upstreamUrl = get(f, "upstream_url");
    o.created = timeFromField(get(f, "created"));
    return o;
}

std::optional<CertificateRecord> CertificateRecord::fromFields(std::string token,
                                                               const FieldMap& f) {
    if (f.empty()) {
        return std::nullopt;
    }
    CertificateRecord c;
    c.token = std::move(token);
    c.orderId = get(f, "order");
    c.state = get(f, "state");
    c.pem = storedCertificatePem(get(f, "pem"));
    c.notBefore = optionalTime(f, "not_before");
    c.notAfter = optionalTime(f, "not_after");
    c.nextPublication = optionalTime(f, "next_publication");
    c.endDate = optionalTime(f, "end_date");
    c.allowGet = get(f, "allow_get") == "1";
    c.star = get(f, "star") == "1";
    c.version = std::atoll(get(f, "version").c_str());
    c.nextPem = storedCertificatePem(get(f, "next_pem"));
    c.nextNotBefore = optionalTime(f, "next_not_before");
    c.nextNotAfter = optionalTime(f, "next_not_after");
    c.nextFrom = optionalTime(f, "next_from");
    c.nextNextPublication = optionalTime(f, "next_next_publication");
    return c;
}

std::optional<CertificateRecord::Served> CertificateRecord::servedAt(TimePoint now) const {
    const bool staged = !nextPem.empty() && nextNotBefore && nextNotAfter && nextFrom;
    if (staged && (*nextFrom <= now || pem.empty() || !notBefore || !notAfter)) {
        return Served{&nextPem, *nextNotBefore, *nextNotAfter, nextNextPublication};
    }
    if (pem.empty() || !notBefore || !notAfter) {
        return std::nullopt;
    }
    auto next = nextPublication;
    if (staged && (!next || *nextFrom < *next)) {
        next = nextFrom;
    }
    return Served{&pem, *notBefore, *notAfter, next};
}

}  // namespace legate::ido
