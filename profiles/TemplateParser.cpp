#include "profiles/TemplateParser.h"

#include <algorithm>
#include <set>

#include "broker/core/MessageText.h"
#include "profiles/JsonText.h"
#include "profiles/NameSyntax.h"
#include "profiles/Vocabulary.h"

namespace legate::profiles {
namespace {

using nlohmann::json;

std::string typeName(const json& value) {
    if (value.is_number_integer()) {
        return "an integer";
    }
    if (value.is_number_float()) {
        return "a number";
    }
    const std::string name = value.type_name();
    return (name == "array" || name == "object" ? "an " : "a ") + name;
}

bool hasControl(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

/// Walks one document, building the model and recording every issue on the way.
class Walker {
public:
    std::vector<TemplateIssue> issues;
    CsrTemplate result;

    void document(const json& doc) {
        if (!expectObject(doc, "")) {
            return;
        }
        rejectUnknown(doc, "", {"keyTypes", "subject", "extensions"});
        if (!doc.contains("keyTypes")) {
            issue("/keyTypes", "required member is missing");
        } else {
            keyTypes(doc["keyTypes"], "/keyTypes");
        }
        if (doc.contains("subject")) {
            subject(doc["subject"], "/subject");
        }
        if (!doc.contains("extensions")) {
            issue("/extensions", "required member is missing");
        } else {
            extensions(doc["extensions"], "/extensions");
        }
        crossChecks();
    }

private:
    void issue(std::string path, std::string message) {
        issues.push_back({std::move(path), std::move(message)});
    }

    bool expectObject(const json& v, const std::string& path) {
        if (!v.is_object()) {
            issue(path, "expected an object, got " + typeName(v));
            return false;
        }
        return true;
    }

    /// A non-empty array; reports and returns false otherwise.
    bool expectNonEmptyArray(const json& v, const std::string& path) {
        if (!v.is_array()) {
            issue(path, "expected an array, got " + typeName(v));
            return false;
        }
        if (v.empty()) {
            issue(path, "array must not be empty");
            return false;
        }
        return true;
    }

    bool expectString(const json& v, const std::string& path) {
        if (!v.is_string()) {
            issue(path, "expected a string, got " + typeName(v));
            return false;
        }
        return true;
    }

    void rejectUnknown(const json& object, const std::string& path,
                       std::initializer_list<std::string_view> known) {
        for (const auto& [name, value] : object.items()) {
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string allowed;
                for (const auto k : known) {
                    allowed += (allowed.empty() ? "" : ", ") + std::string(k);
                }
                issue(path + "/" + jsonPointerToken(name), "unknown member " +
                                                               quotedForMessage(name) +
                                                               " (allowed here: " + allowed + ")");
            }
        }
    }

    // ---- keyTypes ----

    void keyTypes(const json& v, const std::string& path) {
        if (!expectNonEmptyArray(v, path)) {
            return;
        }
        for (size_t i = 0; i < v.size(); ++i) {
            const std::string p = path + "/" + std::to_string(i);
            if (auto entry = keyType(v[i], p)) {
                for (size_t j = 0; j < result.keyTypes.size(); ++j) {
                    if (result.keyTypes[j] == *entry) {
                        issue(p,
                              "duplicate of an earlier keyTypes entry (" + entry->describe() + ")");
                    }
                }
                result.keyTypes.push_back(*entry);
            }
        }
    }

    std::optional<KeyTypeEntry> keyType(const json& v, const std::string& path) {
        if (!expectObject(v, path)) {
            return std::nullopt;
        }
        const size_t before = issues.size();
        KeyTypeEntry entry;
        if (!v.contains("PublicKeyType")) {
            issue(path + "/PublicKeyType", "required member is missing");
            rejectUnknown(v, path,
                          {"PublicKeyType", "PublicKeyLength", "namedCurve", "SignatureType"});
            return std::nullopt;
        }
        const json& type = v["PublicKeyType"];
        if (!expectString(type, path + "/PublicKeyType")) {
            return std::nullopt;
        }
        const std::string typeToken = type.get<std::string>();
        if (typeToken == kRsaEncryption) {
            entry.family = KeyTypeEntry::Family::Rsa;
            rejectUnknown(v, path, {"PublicKeyType", "PublicKeyLength", "SignatureType"});
            rsaLength(v, path, entry);
        } else if (typeToken == kIdEcPublicKey) {
            entry.family = KeyTypeEntry::Family::Ec;
            rejectUnknown(v, path, {"PublicKeyType", "namedCurve", "SignatureType"});
            curve(v, path, entry);
        } else {
            issue(path + "/PublicKeyType", "unknown PublicKeyType " + quotedForMessage(typeToken) +
                                               " (known: rsaEncryption, id-ecPublicKey)");
            return std::nullopt;
        }
        signature(v, path, entry);
        if (issues.size() != before) {
            return std::nullopt;
        }
        return entry;
    }

    void rsaLength(const json& v, const std::string& path, KeyTypeEntry& entry) {
        const std::string p = path + "/PublicKeyLength";
        if (!v.contains("PublicKeyLength")) {
            issue(p, "required member is missing in an rsaEncryption entry");
            return;
        }
        const json& length = v["PublicKeyLength"];
        if (!length.is_number_integer()) {
            issue(p, "expected an unsigned integer, got " + typeName(length));
            return;
        }
        if (length.is_number_unsigned() ? length.get<uint64_t>() < kMinRsaBits
                                        : length.get<int64_t>() < kMinRsaBits) {
            issue(p, "RSA keys below " + std::to_string(kMinRsaBits) +
                         " bits are not acceptable (got " + length.dump() + ")");
            return;
        }
        if (length.get<uint64_t>() > static_cast<uint64_t>(kMaxRsaBits)) {
            issue(p, "RSA keys above " + std::to_string(kMaxRsaBits) +
                         " bits are not supported (got " + length.dump() + ")");
            return;
        }
        entry.publicKeyLength = length.get<int>();
    }

    void curve(const json& v, const std::string& path, KeyTypeEntry& entry) {
        const std::string p = path + "/namedCurve";
        if (!v.contains("namedCurve")) {
            issue(p, "required member is missing in an id-ecPublicKey entry");
            return;
        }
        if (!expectString(v["namedCurve"], p)) {
            return;
        }
        const std::string token = v["namedCurve"].get<std::string>();
        if (!findCurve(token)) {
            issue(p, "unknown namedCurve " + quotedForMessage(token) +
                         " (known: secp256r1, secp384r1, secp521r1)");
            return;
        }
        entry.namedCurve = token;
    }

    void signature(const json& v, const std::string& path, KeyTypeEntry& entry) {
        const std::string p = path + "/SignatureType";
        if (!v.contains("SignatureType")) {
            issue(p, "required member is missing");
            return;
        }
        if (!expectString(v["SignatureType"], p)) {
            return;
        }
        const std::string token = v["SignatureType"].get<std::string>();
        const SignatureTypeInfo* info = findSignatureType(token);
        if (!info) {
            issue(p, "unknown SignatureType " + quotedForMessage(token));
            return;
        }
        if (entry.family == KeyTypeEntry::Family::Rsa && !info->rsa) {
            issue(p, quotedForMessage(token) + " is not an RSA signature algorithm");
            return;
        }
        if (entry.family == KeyTypeEntry::Family::Ec) {
            if (info->rsa) {
                issue(p, quotedForMessage(token) + " is not an ECDSA signature algorithm");
                return;
            }
            const CurveInfo* c = findCurve(entry.namedCurve);
            if (c && c->signatureType != token) {
                issue(p, std::string(c->token) + " pairs with " + std::string(c->signatureType) +
                             ", not " + token);
                return;
            }
        }
        entry.signatureType = token;
    }

    // ---- subject ----

    void subject(const json& v, const std::string& path) {
        if (!expectObject(v, path)) {
            return;
        }
        if (v.empty()) {
            issue(path, "subject must not be empty when present (omit it for an empty subject)");
            return;
        }
        rejectUnknown(v, path,
                      {"country", "stateOrProvince", "locality", "organization",
                       "organizationalUnit", "emailAddress", "commonName"});
        std::vector<SubjectField> fields;
        for (const auto& info : subjectMembers()) {
            const std::string member(info.member);
            if (!v.contains(member)) {
                continue;
            }
            const std::string p = path + "/" + member;
            if (!expectString(v[member], p)) {
                continue;
            }
            TemplateValue value = TemplateValue::fromString(v[member].get<std::string>());
            if (value.kind == ValueKind::Literal && !subjectLiteral(info, value.literal, p)) {
                continue;
            }
            fields.push_back({member, std::move(value)});
        }
        result.subject = std::move(fields);
    }

    bool subjectLiteral(const SubjectMemberInfo& info, const std::string& literal,
                        const std::string& path) {
        if (literal.empty()) {
            issue(path, "an empty string is not a valid value (use \"*\" or \"**\")");
            return false;
        }
        if (hasControl(literal)) {
            issue(path, "value contains control characters");
            return false;
        }
        if (literal.size() > info.maxLength) {
            issue(path, "value longer than " + std::to_string(info.maxLength) +
                            " characters (RFC 5280 upper bound)");
            return false;
        }
        if (info.member == "country" &&
            !(literal.size() == 2 && std::all_of(literal.begin(), literal.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; }))) {
            issue(path, quotedForMessage(literal) + " is not an ISO 3166 two-letter country code");
            return false;
        }
        if (info.member == "emailAddress" && !isEmailAddress(literal)) {
            issue(path, quotedForMessage(literal) + " is not an email address");
            return false;
        }
        if (info.member == "commonName" && !isHostname(literal, true)) {
            issue(path, quotedForMessage(literal) +
                            " is not a host name (a commonName must repeat a SAN DNS name)");
            return false;
        }
        return true;
    }

    // ---- extensions ----

    void extensions(const json& v, const std::string& path) {
        if (!expectObject(v, path)) {
            return;
        }
        rejectUnknown(v, path, {"subjectAltName", "keyUsage", "extendedKeyUsage"});
        if (!v.contains("subjectAltName")) {
            issue(path + "/subjectAltName", "required member is missing");
        } else {
            subjectAltName(v["subjectAltName"], path + "/subjectAltName");
        }
        if (v.contains("keyUsage")) {
            keyUsage(v["keyUsage"], path + "/keyUsage");
        }
        if (v.contains("extendedKeyUsage")) {
            extendedKeyUsage(v["extendedKeyUsage"], path + "/extendedKeyUsage");
        }
    }

    void subjectAltName(const json& v, const std::string& path) {
        if (!expectObject(v, path)) {
            return;
        }
        if (v.empty()) {
            issue(path, "subjectAltName needs at least one of DNS, Email, URI");
            return;
        }
        rejectUnknown(v, path, {"DNS", "Email", "URI"});
        if (v.contains("DNS")) {
            result.subjectAltName.dns = sanArray(v["DNS"], path + "/DNS", SanKind::Dns);
        }
        if (v.contains("Email")) {
            result.subjectAltName.email = sanArray(v["Email"], path + "/Email", SanKind::Email);
        }
        if (v.contains("URI")) {
            result.subjectAltName.uri = sanArray(v["URI"], path + "/URI", SanKind::Uri);
        }
    }

    enum class SanKind { Dns, Email, Uri };

    std::vector<TemplateValue> sanArray(const json& v, const std::string& path, SanKind kind) {
        std::vector<TemplateValue> values;
        if (!expectNonEmptyArray(v, path)) {
            return values;
        }
        std::set<std::string> seen;
        for (size_t i = 0; i < v.size(); ++i) {
            const std::string p = path + "/" + std::to_string(i);
            if (!expectString(v[i], p)) {
                continue;
            }
            const std::string text = v[i].get<std::string>();
            TemplateValue value = TemplateValue::fromString(text);
            if (value.kind != ValueKind::Literal) {
                if (kind != SanKind::Dns) {
                    issue(p, "\"" + text +
                                 "\" is allowed only in subject and subjectAltName.DNS; Email and "
                                 "URI entries must be literal");
                    continue;
                }
                values.push_back(value);
                continue;
            }
            bool ok = false;
            std::string what;
            switch (kind) {
                case SanKind::Dns:
                    ok = isHostname(text, true);
                    what = "a host name (or a *.example.com wildcard name)";
                    break;
                case SanKind::Email:
                    ok = isEmailAddress(text);
                    what = "an email address";
                    break;
                case SanKind::Uri:
                    ok = isUri(text);
                    what = "an absolute URI";
                    break;
            }
            if (!ok) {
                issue(p, quotedForMessage(text) + " is not " + what);
                continue;
            }
            const std::string key = kind == SanKind::Uri ? text : asciiLower(text);
            if (!seen.insert(key).second) {
                issue(p, quotedForMessage(text) + " is listed twice");
                continue;
            }
            values.push_back(value);
        }
        return values;
    }

    void keyUsage(const json& v, const std::string& path) {
        if (!expectNonEmptyArray(v, path)) {
            return;
        }
        std::vector<std::string> names;
        for (size_t i = 0; i < v.size(); ++i) {
            const std::string p = path + "/" + std::to_string(i);
            if (!expectString(v[i], p)) {
                continue;
            }
            const std::string name = v[i].get<std::string>();
            if (!keyUsageBit(name)) {
                issue(p, "unknown keyUsage " + quotedForMessage(name) +
                             " (known: digitalSignature, nonRepudiation, keyEncipherment, "
                             "dataEncipherment, keyAgreement, keyCertSign, cRLSign, "
                             "encipherOnly, decipherOnly)");
                continue;
            }
            if (std::find(names.begin(), names.end(), name) != names.end()) {
                issue(p, quotedForMessage(name) + " is listed twice");
                continue;
            }
            names.push_back(name);
        }
        result.keyUsage = std::move(names);
    }

    void extendedKeyUsage(const json& v, const std::string& path) {
        if (!expectNonEmptyArray(v, path)) {
            return;
        }
        std::vector<std::string> values;
        std::set<std::string> oids;
        for (size_t i = 0; i < v.size(); ++i) {
            const std::string p = path + "/" + std::to_string(i);
            if (!expectString(v[i], p)) {
                continue;
            }
            const std::string text = v[i].get<std::string>();
            std::string oid;
            if (auto named = ekuNameToOid(text)) {
                oid = *named;
            } else if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
                if (!isDottedOid(text)) {
                    issue(p, quotedForMessage(text) + " is not a well-formed dotted OID");
                    continue;
                }
                oid = text;
            } else {
                issue(p, "unknown extendedKeyUsage " + quotedForMessage(text) +
                             " (known: serverAuth, clientAuth, codeSigning, emailProtection, "
                             "timeStamping, OCSPSigning, or a dotted OID)");
                continue;
            }
            if (!oids.insert(oid).second) {
                issue(p, quotedForMessage(text) + " repeats an earlier entry (" + oid + ")");
                continue;
            }
            values.push_back(text);
        }
        result.extendedKeyUsage = std::move(values);
    }

    /// Rules that span members: a literal commonName must be one of the SAN DNS literals
    /// (RFC 8555 §7.4: every name in the CSR is an identifier of the order).
    void crossChecks() {
        if (!result.subject) {
            return;
        }
        for (const auto& field : *result.subject) {
            if (field.member != "commonName" || field.value.kind != ValueKind::Literal) {
                continue;
            }
            bool found = false;
            if (result.subjectAltName.dns) {
                for (const auto& dns : *result.subjectAltName.dns) {
                    found = found || (dns.kind == ValueKind::Literal &&
                                      asciiLower(dns.literal) == asciiLower(field.value.literal));
                }
            }
            if (!found) {
                issue("/subject/commonName", quotedForMessage(field.value.literal) +
                                                 " must also be a literal in "
                                                 "/extensions/subjectAltName/DNS");
            }
        }
    }
};

}  // namespace

std::vector<TemplateIssue> TemplateParser::validate(const json& doc) {
    Walker walker;
    walker.document(doc);
    return walker.issues;
}

Result<CsrTemplate> TemplateParser::parse(const json& doc) {
    Walker walker;
    walker.document(doc);
    if (!walker.issues.empty()) {
        return toProblem(walker.issues);
    }
    return std::move(walker.result);
}

Result<CsrTemplate> TemplateParser::parseText(std::string_view text) {
    auto doc = parseJsonStrict(text);
    if (!doc) {
        return std::move(doc).problem();
    }
    return parse(*doc);
}

acme::Problem TemplateParser::toProblem(const std::vector<TemplateIssue>& issues) {
    std::string detail = "invalid CSR template: ";
    for (size_t i = 0; i < issues.size(); ++i) {
        detail += (i ? "; " : "") + issues[i].toString();
    }
    auto problem = acme::Problem::make(acme::ErrorType::malformed, detail, 400);
    if (issues.size() > 1) {
        for (const auto& i : issues) {
            problem.add(acme::Problem::make(acme::ErrorType::malformed, i.toString(), 400));
        }
    }
    return problem;
}

}  // namespace legate::profiles
