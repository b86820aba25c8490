#include "profiles/CsrTemplate.h"

#include "profiles/Vocabulary.h"

namespace legate::profiles {

TemplateValue TemplateValue::fromString(const std::string& text) {
    if (text == "**") {
        return {ValueKind::Mandatory, {}};
    }
    if (text == "*") {
        return {ValueKind::Optional, {}};
    }
    return makeLiteral(text);
}

std::string TemplateValue::toString() const {
    switch (kind) {
        case ValueKind::Mandatory:
            return "**";
        case ValueKind::Optional:
            return "*";
        case ValueKind::Literal:
            break;
    }
    return literal;
}

std::string KeyTypeEntry::keyDescription() const {
    if (family == Family::Rsa) {
        return "RSA-" + std::to_string(publicKeyLength);
    }
    const CurveInfo* curve = findCurve(namedCurve);
    return curve ? std::string(curve->displayName) : namedCurve;
}

std::string KeyTypeEntry::describe() const {
    return keyDescription() + " with " + signatureType;
}

nlohmann::json KeyTypeEntry::toJson() const {
    if (family == Family::Rsa) {
        return {{"PublicKeyType", kRsaEncryption},
                {"PublicKeyLength", publicKeyLength},
                {"SignatureType", signatureType}};
    }
    return {{"PublicKeyType", kIdEcPublicKey},
            {"namedCurve", namedCurve},
            {"SignatureType", signatureType}};
}

nlohmann::json CsrTemplate::toJson() const {
    nlohmann::json doc = nlohmann::json::object();
    doc["keyTypes"] = nlohmann::json::array();
    for (const auto& k : keyTypes) {
        doc["keyTypes"].push_back(k.toJson());
    }
    if (subject) {
        doc["subject"] = nlohmann::json::object();
        for (const auto& field : *subject) {
            doc["subject"][field.member] = field.value.toString();
        }
    }
    auto values = [](const std::vector<TemplateValue>& list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : list) {
            out.push_back(v.toString());
        }
        return out;
    };
    nlohmann::json san = nlohmann::json::object();
    if (subjectAltName.dns) {
        san["DNS"] = values(*subjectAltName.dns);
    }
    if (subjectAltName.email) {
        san["Email"] = values(*subjectAltName.email);
    }
    if (subjectAltName.uri) {
        san["URI"] = values(*subjectAltName.uri);
    }
    doc["extensions"] = {{"subjectAltName", san}};
    if (keyUsage) {
        doc["extensions"]["keyUsage"] = *keyUsage;
    }
    if (extendedKeyUsage) {
        doc["extensions"]["extendedKeyUsage"] = *extendedKeyUsage;
    }
    return doc;
}

}  // namespace legate::profiles
