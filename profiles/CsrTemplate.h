#pragma once
/// The RFC 9115 CSR template (RFC 9115 §4.1 and Appendix A; digest §2.11.1) as a value.
///
/// A `CsrTemplate` only ever exists in validated form: the one way to get one from
/// outside JSON is `TemplateParser`, which refuses anything the CDDL or the combination
/// rules forbid.  The member names mirror the RFC's JSON vocabulary exactly, so the
/// model, the JSON and the documentation read the same.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace legate::profiles {

/// How a template value constrains its CSR field (digest §2.11.3).
enum class ValueKind {
    Literal,    ///< the field is mandatory and carries exactly `literal`
    Mandatory,  ///< "**": the field is mandatory, the NDC chooses its value
    Optional,   ///< "*": the field is optional, the NDC chooses its value
};

/// One subject member value or one subjectAltName entry.
struct TemplateValue {
    ValueKind kind = ValueKind::Literal;
    std::string literal;  ///< set only for ValueKind::Literal

    /// "**" -> Mandatory, "*" -> Optional, anything else -> Literal.
    static TemplateValue fromString(const std::string& text);
    static TemplateValue makeLiteral(std::string text) {
        return {ValueKind::Literal, std::move(text)};
    }
    /// The JSON spelling: the literal, "**" or "*".
    std::string toString() const;
    bool operator==(const TemplateValue&) const = default;
};

/// One `keyTypes` entry: an RSA or EC key shape plus the one signature algorithm the CSR
/// must be signed with.
struct KeyTypeEntry {
    enum class Family { Rsa, Ec };
    Family family = Family::Ec;
    int publicKeyLength = 0;    ///< RSA only: modulus bits (`PublicKeyLength`)
    std::string namedCurve;     ///< EC only: "secp256r1", "secp384r1", "secp521r1"
    std::string signatureType;  ///< `SignatureType` token, e.g. "ecdsa-with-SHA256"

    /// "RSA-2048" or "P-256".
    std::string keyDescription() const;
    /// "P-256 with ecdsa-with-SHA256".
    std::string describe() const;
    nlohmann::json toJson() const;
    bool operator==(const KeyTypeEntry&) const = default;
};

/// One `subject` member: the RFC 9115 member name ("stateOrProvince") and its value.
struct SubjectField {
    std::string member;
    TemplateValue value;
    bool operator==(const SubjectField&) const = default;
};

/// `extensions.subjectAltName`: each array absent, or non-empty.
struct SubjectAltNameTemplate {
    std::optional<std::vector<TemplateValue>> dns;    ///< "DNS": literals, "*" or "**"
    std::optional<std::vector<TemplateValue>> email;  ///< "Email": literals only
    std::optional<std::vector<TemplateValue>> uri;    ///< "URI": literals only
    bool operator==(const SubjectAltNameTemplate&) const = default;
};

/// A validated RFC 9115 CSR template.
struct CsrTemplate {
    std::vector<KeyTypeEntry> keyTypes;
    /// Absent means the CSR subject must be empty; members in canonical order
    /// (country, stateOrProvince, locality, organization, organizationalUnit, commonName,
    /// emailAddress).
    std::optional<std::vector<SubjectField>> subject;
    SubjectAltNameTemplate subjectAltName;
    /// keyUsage bit names as written; absent means the CSR must not request keyUsage.
    std::optional<std::vector<std::string>> keyUsage;
    /// extendedKeyUsage as written (RFC 9115 names or dotted OIDs); absent = forbidden.
    std::optional<std::vector<std::string>> extendedKeyUsage;

    /// The RFC 9115 JSON form (round-trips through TemplateParser).
    nlohmann::json toJson() const;
    bool operator==(const CsrTemplate&) const = default;
};

}  // namespace legate::profiles
