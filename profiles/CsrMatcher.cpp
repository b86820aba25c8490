#include "profiles/CsrMatcher.h"

#include <algorithm>
#include <map>
#include <set>

#include "broker/core/MessageText.h"
#include "profiles/NameSyntax.h"
#include "profiles/Vocabulary.h"

namespace legate::profiles {
namespace {

using crypto::Csr;
using crypto::GeneralName;

/// CSR-supplied text for a message (the one quoting rule, broker/core/MessageText.h).
std::string shown(std::string_view text) {
    return escapedForMessage(text, 100);
}

std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        out += (i ? std::string(separator) : std::string()) + items[i];
    }
    return out;
}

bool hasControl(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

/// "SHA-256", "sha256", "SHA256" -> "SHA256".
std::string normalHash(std::string_view name) {
    std::string out;
    for (const char c : name) {
        if (c != '-' && c != '_') {
            out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        }
    }
    return out;
}

/// What the CSR's SubjectPublicKeyInfo and signatureAlgorithm say, read from the DER as
/// encoded (not re-encoded), so explicit curve parameters or odd algorithm parameters
/// cannot hide behind a library's normalisation.
struct KeyShape {
    std::string algorithmOid;     ///< SPKI algorithm
    std::string curveOid;         ///< EC named curve; "" if absent or explicit parameters
    bool explicitCurve = false;   ///< EC key with specified (non-named) domain parameters
    bool rsaParametersOk = true;  ///< rsaEncryption with NULL (or absent) parameters
    int bits = 0;
    /// signatureAlgorithm parameters as encoded
    crypto::AlgorithmParameters signatureParameters = crypto::AlgorithmParameters::Absent;
    bool decoded = false;

    std::string describe() const {
        if (algorithmOid == kRsaEncryptionOid) {
            return "RSA-" + std::to_string(bits);
        }
        if (algorithmOid == kIdEcPublicKeyOid) {
            if (const CurveInfo* c = findCurveByOid(curveOid)) {
                return std::string(c->displayName);
            }
            return explicitCurve ? "an EC key with explicit curve parameters"
                                 : "an EC key on curve " + curveOid;
        }
        if (algorithmOid == kRsassaPssOid) {
            return "an RSASSA-PSS-only key (" + std::to_string(bits) + " bits)";
        }
        if (algorithmOid == "1.3.101.112") {
            return "Ed25519";
        }
        return "a key of type " + algorithmOid;
    }
};

KeyShape inspectKey(const Csr& csr) {
    KeyShape shape;
    const crypto::KeyEncoding& key = csr.keyEncoding();
    shape.algorithmOid = key.algorithmOid;
    if (shape.algorithmOid == kIdEcPublicKeyOid) {
        if (key.parameters == crypto::AlgorithmParameters::Oid) {
            shape.curveOid = key.parameterOid;
        } else {
            shape.explicitCurve = true;
        }
    } else if (shape.algorithmOid == kRsaEncryptionOid) {
        shape.rsaParametersOk = key.parameters == crypto::AlgorithmParameters::Null ||
                                key.parameters == crypto::AlgorithmParameters::Absent;
    }
    shape.bits = key.bits;
    shape.signatureParameters = csr.signatureAlgorithm().parameters;
    shape.decoded = !shape.algorithmOid.empty();
    return shape;
}

bool keyMatches(const KeyTypeEntry& entry, const KeyShape& key) {
    if (entry.family == KeyTypeEntry::Family::Rsa) {
        // Exact size (digest A7): a template naming RSA-2048 does not admit RSA-3072.
        return key.algorithmOid == kRsaEncryptionOid && key.rsaParametersOk &&
               key.bits == entry.publicKeyLength;
    }
    const CurveInfo* curve = findCurve(entry.namedCurve);
    return key.algorithmOid == kIdEcPublicKeyOid && !key.explicitCurve && curve &&
           key.curveOid == curve->oid;
}

bool signatureMatches(const KeyTypeEntry& entry, const crypto::SignatureAlgorithm& signature,
                      const KeyShape& key) {
    const SignatureTypeInfo* info = findSignatureType(entry.signatureType);
    if (!info || signature.oid != info->oid) {
        return false;
    }
    if (info->pss) {
        if (!signature.pss) {
            return false;
        }
        const auto& pss = *signature.pss;
        return normalHash(pss.hash) == info->hash && normalHash(pss.mgf1Hash) == info->hash &&
               pss.saltLength == info->saltLength && pss.trailerField == 1;
    }
    if (signature.pss) {
        return false;
    }
    // ECDSA: parameters MUST be absent (RFC 5758 §3.2); PKCS#1 v1.5: NULL (RFC 4055),
    // absent tolerated.
    if (info->rsa) {
        return key.signatureParameters == crypto::AlgorithmParameters::Null ||
               key.signatureParameters == crypto::AlgorithmParameters::Absent;
    }
    return key.signatureParameters == crypto::AlgorithmParameters::Absent;
}

std::string describeSignature(const crypto::SignatureAlgorithm& signature) {
    if (signature.pss) {
        const auto& pss = *signature.pss;
        return "RSASSA-PSS (hash " + pss.hash + ", MGF1 " + pss.mgf1Hash + ", salt " +
               std::to_string(pss.saltLength) + ", trailer " + std::to_string(pss.trailerField) +
               ")";
    }
    return signature.name.empty() ? signature.oid : signature.name;
}

/// Runs the checks of one match, in the order of digest §2.11.5.
class Checker {
public:
    Checker(const CsrTemplate& tmpl, const Csr& csr, const MatchContext& context)
        : tmpl_(tmpl), csr_(csr), context_(context) {}

    MatchReport run() {
        auto verified = csr_.verifySignature();
        if (!verified.ok()) {
            report_.badCsr("signature", "signature: the CSR's self-signature does not verify (" +
                                            verified.problem().detail + ")");
            return std::move(report_);
        }
        report_.pass("signature", "signature: self-signature verifies");
        accountKey();
        keyTypes();
        subject();
        attributes();
        extensions();
        subjectAltName();
        keyUsage();
        extendedKeyUsage();
        identifiers();
        return std::move(report_);
    }

private:
    void accountKey() {
        for (const auto& key : context_.accountKeys) {
            if (key.get() && csr_.publicKey().get() && key == csr_.publicKey()) {
                report_.badCsr("publicKey",
                               "publicKey: the CSR key is an ACME account key; a certificate key "
                               "must differ from every account key (RFC 8555 §11.1)");
                return;
            }
        }
        // The same modulus and exponent bounds as an account JWK (one rule, in crypto).
        if (auto fault = crypto::rsaPublicKeyFault(csr_.publicKey())) {
            report_.badCsr("publicKey", "publicKey: " + *fault);
            return;
        }
        report_.pass("publicKey", "publicKey: not an account key, acceptable parameters");
    }

    void keyTypes() {
        const KeyShape key = inspectKey(csr_);
        std::vector<std::string> allowed;
        std::vector<const KeyTypeEntry*> sameKey;
        for (const auto& entry : tmpl_.keyTypes) {
            allowed.push_back(entry.describe());
            if (key.decoded && keyMatches(entry, key)) {
                sameKey.push_back(&entry);
            }
        }
        const std::string csrSignature = describeSignature(csr_.signatureAlgorithm());
        if (sameKey.empty()) {
            report_.badCsr("keyTypes", "keyTypes: CSR key is " + key.describe() + " signed with " +
                                           csrSignature + "; the template allows " +
                                           joined(allowed, " or "));
            return;
        }
        for (const KeyTypeEntry* entry : sameKey) {
            if (signatureMatches(*entry, csr_.signatureAlgorithm(), key)) {
                report_.pass("keyTypes", "keyTypes: " + entry->describe());
                return;
            }
        }
        std::vector<std::string> forKey;
        for (const KeyTypeEntry* entry : sameKey) {
            forKey.push_back(entry->signatureType);
        }
        report_.badCsr("keyTypes", "keyTypes: CSR key " + key.describe() + " is signed with " +
                                       csrSignature + "; the template allows " + key.describe() +
                                       " with " + joined(forKey, " or ") + " only");
    }

    const SubjectField* templateField(std::string_view member) const {
        if (!tmpl_.subject) {
            return nullptr;
        }
        for (const auto& f : *tmpl_.subject) {
            if (f.member == member) {
                return &f;
            }
        }
        return nullptr;
    }

    void subject() {
        // member -> the CSR's values for it, in order
        std::map<std::string, std::vector<std::string>> values;
        bool clean = true;
        for (const auto& rdn : csr_.subject()) {
            if (rdn.attributes.size() > 1) {
                std::vector<std::string> parts;
                for (const auto& a : rdn.attributes) {
                    parts.push_back((a.shortName.empty() ? a.oid : a.shortName) + "=" +
                                    shown(a.value));
                }
                report_.badCsr("subject", "subject: CSR has the multi-valued RDN " +
                                              joined(parts, "+") +
                                              "; each attribute must be its own RDN");
                clean = false;
            }
            for (const auto& a : rdn.attributes) {
                const SubjectMemberInfo* info = findSubjectMemberByOid(a.oid);
                const std::string label =
                    (a.shortName.empty() ? a.oid : a.shortName) + "=" + shown(a.value);
                if (!info) {
                    report_.badCsr("subject", "subject: CSR has " + label + " (" + a.oid +
                                                  "); the template has no such member");
                    clean = false;
                    continue;
                }
                if (!templateField(info->member)) {
                    report_.badCsr("subject." + std::string(info->member),
                                   "subject." + std::string(info->member) + ": CSR has " + label +
                                       "; the template has no " + std::string(info->member) +
                                       (tmpl_.subject ? "" : " (the subject must be empty)"));
                    clean = false;
                    continue;
                }
                values[std::string(info->member)].push_back(a.value);
            }
        }
        if (!tmpl_.subject) {
            if (clean) {
                report_.pass("subject", "subject: empty, as the template has no subject");
            }
            return;
        }
        for (const auto& field : *tmpl_.subject) {
            subjectField(field, values[field.member]);
        }
    }

    void subjectField(const SubjectField& field, const std::vector<std::string>& found) {
        const SubjectMemberInfo* info = findSubjectMember(field.member);
        const std::string name = "subject." + field.member;
        const std::string x509 = info ? std::string(info->x509) : field.member;
        const bool isCommonName = field.member == "commonName";
        if (found.size() > 1) {
            report_.badCsr(name, name + ": CSR has " + std::to_string(found.size()) + " " + x509 +
                                     " attributes; the template allows one");
            return;
        }
        if (found.empty()) {
            if (field.value.kind == ValueKind::Optional) {
                report_.pass(name, name + ": absent (optional)");
            } else if (field.value.kind == ValueKind::Literal) {
                report_.badCsr(name, name + ": CSR has none; the template requires " + x509 + "=" +
                                         field.value.literal);
            } else {
                report_.badCsr(name, name + ": CSR has none; the template requires a " + x509 +
                                         " of the NDC's choosing (\"**\")");
            }
            return;
        }
        const std::string& value = found.front();
        if (field.value.kind == ValueKind::Literal) {
            const bool equal = isCommonName ? asciiLower(value) == asciiLower(field.value.literal)
                                            : value == field.value.literal;
            if (!equal) {
                report_.badCsr(name, name + ": CSR has " + x509 + "=" + shown(value) +
                                         "; the template requires " + x509 + "=" +
                                         field.value.literal);
                return;
            }
        } else {
            // The NDC chose this value: it must at least be a sane one.
            std::string why;
            if (value.empty()) {
                why = "is empty";
            } else if (hasControl(value)) {
                why = "contains control characters";
            } else if (info && value.size() > info->maxLength) {
                why = "is longer than " + std::to_string(info->maxLength) + " characters";
            } else if (field.member == "country" &&
                       !(value.size() == 2 && std::all_of(value.begin(), value.end(), [](char c) {
                             return c >= 'A' && c <= 'Z';
                         }))) {
                why = "is not an ISO 3166 two-letter code";
            } else if (field.member == "emailAddress" && !isEmailAddress(value)) {
                why = "is not an email address";
            }
            if (!why.empty()) {
                report_.badCsr(name, name + ": CSR has " + x509 + "=" + shown(value) + ", which " +
                                         why + "; the template lets the NDC choose a valid value");
                return;
            }
        }
        if (isCommonName) {
            // RFC 8555 §7.4 / digest A9: a commonName must repeat one of the SAN DNS names.
            bool inSan = false;
            for (const auto& gn : csr_.subjectAltNames()) {
                inSan = inSan || (gn.kind == GeneralName::Kind::Dns &&
                                  asciiLower(gn.value) == asciiLower(value));
            }
            if (!inSan) {
                report_.badCsr(name, name + ": CSR has CN=" + shown(value) +
                                         ", which is not one of its subjectAltName DNS names");
                return;
            }
        }
        report_.pass(name, name + ": " + x509 + "=" + shown(value));
    }

    void attributes() {
        if (csr_.otherAttributes().empty()) {
            report_.pass("attributes", "attributes: extensionRequest only");
            return;
        }
        for (const auto& oid : csr_.otherAttributes()) {
            report_.badCsr("attributes", "attributes: CSR carries " + attributeDisplayName(oid) +
                                             "; only extensionRequest is allowed");
        }
    }

    void extensions() {
        std::vector<std::string> allowed = {std::string(kSubjectAltNameOid)};
        std::vector<std::string> allowedNames = {"subjectAltName"};
        if (tmpl_.keyUsage) {
            allowed.emplace_back(kKeyUsageOid);
            allowedNames.emplace_back("keyUsage");
        }
        if (tmpl_.extendedKeyUsage) {
            allowed.emplace_back(kExtendedKeyUsageOid);
            allowedNames.emplace_back("extendedKeyUsage");
        }
        std::map<std::string, int> seen;
        bool clean = true;
        for (const auto& ext : csr_.extensions()) {
            if (++seen[ext.oid] == 2) {
                report_.badCsr("extensions", "extensions: CSR requests " +
                                                 extensionDisplayName(ext.oid) + " more than once");
                clean = false;
            }
            if (seen[ext.oid] == 1 &&
                std::find(allowed.begin(), allowed.end(), ext.oid) == allowed.end()) {
                report_.badCsr("extensions",
                               "extensions: CSR requests " + extensionDisplayName(ext.oid) +
                                   "; the template allows " + joined(allowedNames) + " only");
                clean = false;
            }
        }
        if (clean) {
            report_.pass("extensions", "extensions: only templated extensions requested");
        }
    }

    bool hasExtension(std::string_view oid) const {
        return std::any_of(csr_.extensions().begin(), csr_.extensions().end(),
                           [&](const crypto::Extension& e) { return e.oid == oid; });
    }

    /// The names of one SAN type in the CSR.
    std::vector<std::string> sanValues(GeneralName::Kind kind) const {
        std::vector<std::string> out;
        for (const auto& gn : csr_.subjectAltNames()) {
            if (gn.kind == kind) {
                out.push_back(gn.value);
            }
        }
        return out;
    }

    void subjectAltName() {
        const std::string field = "extensions.subjectAltName";
        if (!hasExtension(kSubjectAltNameOid) || csr_.subjectAltNames().empty()) {
            report_.badCsr(field, field + ": CSR has none; the template requires it");
            return;
        }
        bool clean = true;
        for (const auto& gn : csr_.subjectAltNames()) {
            if (gn.kind == GeneralName::Kind::Ip || gn.kind == GeneralName::Kind::Other) {
                report_.badCsr(field, field + ": CSR has " +
                                          (gn.kind == GeneralName::Kind::Ip
                                               ? "IP address " + shown(gn.value)
                                               : "a name of type " + shown(gn.value)) +
                                          "; only DNS, Email and URI names are allowed");
                clean = false;
            }
        }
        if (clean) {
            report_.pass(field, field + ": DNS/Email/URI names only");
        }
        sanType("DNS", GeneralName::Kind::Dns, tmpl_.subjectAltName.dns);
        sanType("Email", GeneralName::Kind::Email, tmpl_.subjectAltName.email);
        sanType("URI", GeneralName::Kind::Uri, tmpl_.subjectAltName.uri);
    }

    /// Comparison key of a SAN value: DNS names case-insensitive, the domain part of an
    /// email address case-insensitive, URIs exact.
    static std::string sanKey(GeneralName::Kind kind, const std::string& value) {
        if (kind == GeneralName::Kind::Dns) {
            return asciiLower(value);
        }
        if (kind == GeneralName::Kind::Email) {
            const size_t at = value.rfind('@');
            return at == std::string::npos ? value
                                           : value.substr(0, at) + asciiLower(value.substr(at));
        }
        return value;
    }

    void sanType(const std::string& type, GeneralName::Kind kind,
                 const std::optional<std::vector<TemplateValue>>& slots) {
        const std::string field = "extensions.subjectAltName." + type;
        const std::vector<std::string> names = sanValues(kind);
        if (!slots) {
            for (const auto& n : names) {
                if (kind == GeneralName::Kind::Dns) {
                    report_.rejectIdentifier(
                        field, {"dns", asciiLower(n)},
                        field + ": CSR asks for " + shown(n) + "; the template has no DNS names");
                } else {
                    report_.badCsr(field, field + ": CSR has " + shown(n) +
                                              "; the template has no " + type + " entries");
                }
            }
            return;
        }
        bool clean = true;
        // Duplicates would let one name be counted against two slots.
        std::set<std::string> keys;
        for (const auto& n : names) {
            if (!keys.insert(sanKey(kind, n)).second) {
                report_.badCsr(field, field + ": CSR lists " + shown(n) + " twice");
                clean = false;
            }
        }
        std::vector<std::string> literals;
        int mandatory = 0;
        int optional = 0;
        for (const auto& slot : *slots) {
            switch (slot.kind) {
                case ValueKind::Literal:
                    literals.push_back(slot.literal);
                    break;
                case ValueKind::Mandatory:
                    ++mandatory;
                    break;
                case ValueKind::Optional:
                    ++optional;
                    break;
            }
        }
        std::set<std::string> literalKeys;
        for (const auto& l : literals) {
            literalKeys.insert(sanKey(kind, l));
            if (!keys.count(sanKey(kind, l))) {
                report_.badCsr(field, field + ": CSR lacks " + l + "; the template requires it");
                clean = false;
            }
        }
        // Whatever is not a literal was chosen by the NDC and fills a "**" or "*" slot.
        std::vector<std::string> chosen;
        std::set<std::string> chosenKeys;
        for (const auto& n : names) {
            const std::string key = sanKey(kind, n);
            if (!literalKeys.count(key) && chosenKeys.insert(key).second) {
                chosen.push_back(n);
            }
        }
        const std::string allowedText =
            literals.empty() ? std::string("no fixed names") : joined(literals);
        if (mandatory + optional == 0) {
            for (const auto& n : chosen) {
                clean = false;
                if (kind == GeneralName::Kind::Dns) {
                    report_.rejectIdentifier(field, {"dns", asciiLower(n)},
                                             field + ": CSR asks for " + shown(n) +
                                                 "; the template allows " + allowedText + " only");
                } else {
                    report_.badCsr(field, field + ": CSR has " + shown(n) +
                                              "; the template allows " + allowedText + " only");
                }
            }
        } else {
            const int count = static_cast<int>(chosen.size());
            if (count < mandatory) {
                report_.badCsr(field, field + ": CSR has " + std::to_string(count) +
                                          " NDC-chosen name(s); the template requires " +
                                          std::to_string(mandatory) + " (\"**\")");
                clean = false;
            } else if (count > mandatory + optional) {
                report_.badCsr(field, field + ": CSR has " + std::to_string(count) +
                                          " NDC-chosen name(s); the template allows at most " +
                                          std::to_string(mandatory + optional) + " (" +
                                          std::to_string(mandatory) + " \"**\", " +
                                          std::to_string(optional) + " \"*\") besides " +
                                          allowedText);
                clean = false;
            }
            for (const auto& n : chosen) {
                if (auto why = chosenNameFault(n)) {
                    report_.rejectIdentifier(field, {"dns", asciiLower(n)}, field + ": " + *why);
                    clean = false;
                }
            }
        }
        if (clean) {
            std::vector<std::string> shownNames;
            for (const auto& n : names) {
                shownNames.push_back(shown(n));
            }
            report_.pass(field, field + ": " + joined(shownNames));
        }
    }

public:
    /// Why an NDC-chosen DNS name is not acceptable under local policy, or nullopt.
    static std::optional<std::string> chosenNameFault(const std::string& name,
                                                      const MatchContext& context) {
        if (!isHostname(name, false)) {
            return "NDC-chosen name " + shown(name) +
                   " is not a host name (wildcard names must be template literals)";
        }
        if (context.allowedSuffixes.empty()) {
            return "NDC-chosen name " + shown(name) +
                   " is not allowed: the delegation allows no NDC-chosen names";
        }
        for (const auto& suffix : context.allowedSuffixes) {
            if (isUnderSuffix(name, suffix)) {
                return std::nullopt;
            }
        }
        return "NDC-chosen name " + shown(name) + " is not under an allowed suffix (" +
               joined(context.allowedSuffixes) + ")";
    }

private:
    std::optional<std::string> chosenNameFault(const std::string& name) const {
        return chosenNameFault(name, context_);
    }

    /// Exact set comparison (digest A8); `describe` turns a member into display text.
    template <class T, class Describe>
    void exactSet(const std::string& field, const std::set<T>& wanted, const std::set<T>& got,
                  Describe describe) {
        std::vector<std::string> extra;
        std::vector<std::string> missing;
        std::vector<std::string> allowed;
        for (const auto& g : got) {
            if (!wanted.count(g)) {
                extra.push_back(describe(g));
            }
        }
        for (const auto& w : wanted) {
            allowed.push_back(describe(w));
            if (!got.count(w)) {
                missing.push_back(describe(w));
            }
        }
        if (extra.empty() && missing.empty()) {
            report_.pass(field, field + ": " + joined(allowed));
            return;
        }
        std::string detail = field + ": CSR ";
        if (!extra.empty()) {
            detail += "asks for " + joined(extra);
        }
        if (!missing.empty()) {
            detail += std::string(extra.empty() ? "" : " and ") + "lacks " + joined(missing);
        }
        detail += "; the template allows " + joined(allowed) + " only";
        report_.badCsr(field, detail);
    }

    void keyUsage() {
        if (!tmpl_.keyUsage) {
            return;  // a keyUsage in the CSR is already refused as an untemplated extension
        }
        const std::string field = "extensions.keyUsage";
        std::set<int> wanted;
        for (const auto& name : *tmpl_.keyUsage) {
            if (auto bit = keyUsageBit(name)) {
                wanted.insert(*bit);
            }
        }
        const auto& present = csr_.keyUsage();
        if (!present) {
            std::vector<std::string> names(tmpl_.keyUsage->begin(), tmpl_.keyUsage->end());
            report_.badCsr(field, field + ": CSR has none; the template requires " + joined(names));
            return;
        }
        // Bits by position in crypto's bit-name list, so naming differences between the two
        // tables ("nonRepudiation"/"contentCommitment") cannot matter.
        std::set<int> got;
        const auto& cryptoNames = crypto::keyUsageNames();
        for (const auto& name : *present) {
            const auto it = std::find(cryptoNames.begin(), cryptoNames.end(), name);
            got.insert(it == cryptoNames.end() ? 1000 : static_cast<int>(it - cryptoNames.begin()));
        }
        exactSet(field, wanted, got, [](int bit) {
            const auto& bits = keyUsageBits();
            return bit >= 0 && bit < static_cast<int>(bits.size())
                       ? std::string(bits[static_cast<size_t>(bit)])
                       : std::string("an unknown bit");
        });
    }

    void extendedKeyUsage() {
        if (!tmpl_.extendedKeyUsage) {
            return;
        }
        const std::string field = "extensions.extendedKeyUsage";
        std::set<std::string> wanted;
        for (const auto& value : *tmpl_.extendedKeyUsage) {
            wanted.insert(ekuNameToOid(value).value_or(value));
        }
        const auto& present = csr_.extendedKeyUsage();
        if (!present) {
            std::vector<std::string> names(tmpl_.extendedKeyUsage->begin(),
                                           tmpl_.extendedKeyUsage->end());
            report_.badCsr(field, field + ": CSR has none; the template requires " + joined(names));
            return;
        }
        std::set<std::string> got;
        std::set<std::string> repeated;
        for (const auto& oid : *present) {
            if (!got.insert(oid).second) {
                repeated.insert(oid);
            }
        }
        for (const auto& oid : repeated) {
            report_.badCsr(field, field + ": CSR lists " + ekuDisplayName(oid) + " twice");
        }
        exactSet(field, wanted, got,
                 [](const std::string& oid) { return shown(ekuDisplayName(oid)); });
    }

    void identifiers() {
        if (!context_.orderIdentifiers) {
            return;
        }
        std::set<std::string> orderNames;
        for (const auto& id : *context_.orderIdentifiers) {
            if (id.type != "dns") {
                report_.rejectIdentifier("identifiers", id,
                                         "identifiers: the order lists a " + shown(id.type) +
                                             " identifier; delegated orders carry dns only");
                continue;
            }
            orderNames.insert(asciiLower(id.value));
        }
        const std::vector<std::string> csrNamesList = csr_.dnsNames();
        std::set<std::string> csrNames;
        for (const auto& n : csrNamesList) {
            csrNames.insert(asciiLower(n));
        }
        if (csrNames == orderNames) {
            report_.pass("identifiers", "identifiers: CSR names equal the order's identifiers");
            return;
        }
        auto list = [](const std::set<std::string>& names) {
            std::vector<std::string> out;
            for (const auto& n : names) {
                out.push_back(shown(n));
            }
            return "{" + joined(out) + "}";
        };
        report_.badCsr("identifiers", "identifiers: CSR names " + list(csrNames) +
                                          "; the order's identifiers are " + list(orderNames));
    }

    const CsrTemplate& tmpl_;
    const Csr& csr_;
    const MatchContext& context_;
    MatchReport report_;
};

}  // namespace

MatchReport CsrMatcher::match(const CsrTemplate& tmpl, const Csr& csr,
                              const MatchContext& context) {
    return Checker(tmpl, csr, context).run();
}

MatchReport CsrMatcher::matchDer(const CsrTemplate& tmpl, const crypto::Bytes& der,
                                 const MatchContext& context) {
    auto csr = Csr::fromDer(der);
    if (!csr) {
        MatchReport report;
        report.badCsr("csr",
                      "csr: not a well-formed PKCS#10 request (" + csr.problem().detail + ")");
        return report;
    }
    return match(tmpl, *csr, context);
}

Status CsrMatcher::check(const CsrTemplate& tmpl, const Csr& csr, const MatchContext& context) {
    const MatchReport report = match(tmpl, csr, context);
    if (auto problem = report.toProblem()) {
        return *problem;
    }
    return okStatus();
}

MatchReport CsrMatcher::checkIdentifiers(const CsrTemplate& tmpl,
                                         const std::vector<acme::Identifier>& identifiers,
                                         const MatchContext& context) {
    MatchReport report;
    std::set<std::string> literals;
    bool slots = false;
    if (tmpl.subjectAltName.dns) {
        for (const auto& v : *tmpl.subjectAltName.dns) {
            if (v.kind == ValueKind::Literal) {
                literals.insert(asciiLower(v.literal));
            } else {
                slots = true;
            }
        }
    }
    for (const auto& id : identifiers) {
        const std::string field = "identifiers";
        if (id.type != "dns") {
            report.rejectIdentifier(
                field, id,
                field + ": " + shown(id.type) + " identifiers cannot be delegated; only dns");
            continue;
        }
        const std::string name = asciiLower(id.value);
        if (literals.count(name)) {
            report.pass(field, field + ": " + shown(name) + " is a template name");
            continue;
        }
        if (!slots) {
            report.rejectIdentifier(
                field, {"dns", name},
                field + ": " + shown(name) + " is not among the delegation's names");
            continue;
        }
        if (auto why = Checker::chosenNameFault(name, context)) {
            report.rejectIdentifier(field, {"dns", name}, field + ": " + *why);
            continue;
        }
        report.pass(field, field + ": " + shown(name) + " is allowed by local policy");
    }
    return report;
}

}  // namespace legate::profiles
