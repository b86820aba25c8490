#include "profiles/Vocabulary.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "broker/crypto/Csr.h"

namespace legate::profiles {
namespace {

struct OidName {
    std::string_view oid;
    std::string_view name;
};

constexpr std::array kExtensionNames = {
    OidName{"2.5.29.17", "subjectAltName"},
    OidName{"2.5.29.15", "keyUsage"},
    OidName{"2.5.29.37", "extendedKeyUsage"},
    OidName{"2.5.29.19", "basicConstraints"},
    OidName{"2.5.29.14", "subjectKeyIdentifier"},
    OidName{"2.5.29.35", "authorityKeyIdentifier"},
    OidName{"2.5.29.30", "nameConstraints"},
    OidName{"2.5.29.32", "certificatePolicies"},
    OidName{"2.5.29.31", "cRLDistributionPoints"},
    OidName{"2.5.29.18", "issuerAltName"},
    OidName{"1.3.6.1.5.5.7.1.1", "authorityInfoAccess"},
    OidName{"1.3.6.1.5.5.7.1.24", "tlsFeature"},
    OidName{"1.3.6.1.5.5.7.1.26", "TNAuthList"},
    OidName{"1.3.6.1.5.5.7.1.31", "acmeIdentifier"},
    OidName{"1.3.6.1.4.1.11129.2.4.3", "ctPoison"},
};

constexpr std::array kAttributeNames = {
    OidName{"1.2.840.113549.1.9.7", "challengePassword"},
    OidName{"1.2.840.113549.1.9.14", "extensionRequest"},
    OidName{"1.2.840.113549.1.9.2", "unstructuredName"},
    OidName{"1.2.840.113549.1.9.8", "unstructuredAddress"},
    OidName{"1.3.6.1.4.1.311.2.1.14", "msExtensionRequest"},
};

}  // namespace

const std::vector<SignatureTypeInfo>& signatureTypes() {
    static const std::vector<SignatureTypeInfo> kTypes = {
        {"sha256WithRSAEncryption", "1.2.840.113549.1.1.11", true, false, "SHA256", 0},
        {"sha384WithRSAEncryption", "1.2.840.113549.1.1.12", true, false, "SHA384", 0},
        {"sha512WithRSAEncryption", "1.2.840.113549.1.1.13", true, false, "SHA512", 0},
        {"sha256WithRSAandMGF1", kRsassaPssOid, true, true, "SHA256", 32},
        {"sha384WithRSAandMGF1", kRsassaPssOid, true, true, "SHA384", 48},
        {"sha512WithRSAandMGF1", kRsassaPssOid, true, true, "SHA512", 64},
        {"ecdsa-with-SHA256", "1.2.840.10045.4.3.2", false, false, "SHA256", 0},
        {"ecdsa-with-SHA384", "1.2.840.10045.4.3.3", false, false, "SHA384", 0},
        {"ecdsa-with-SHA512", "1.2.840.10045.4.3.4", false, false, "SHA512", 0},
    };
    return kTypes;
}

const std::vector<CurveInfo>& curves() {
    // RFC 9115's CDDL comment gives secp521r1 as 1.3.132.0.3, a typo (digest A12).
    static const std::vector<CurveInfo> kCurves = {
        {"secp256r1", "1.2.840.10045.3.1.7", "P-256", "ecdsa-with-SHA256"},
        {"secp384r1", "1.3.132.0.34", "P-384", "ecdsa-with-SHA384"},
        {"secp521r1", "1.3.132.0.35", "P-521", "ecdsa-with-SHA512"},
    };
    return kCurves;
}

const std::vector<SubjectMemberInfo>& subjectMembers() {
    static const std::vector<SubjectMemberInfo> kMembers = {
        {"country", "2.5.4.6", "C", 2},
        {"stateOrProvince", "2.5.4.8", "ST", 128},
        {"locality", "2.5.4.7", "L", 128},
        {"organization", "2.5.4.10", "O", 64},
        {"organizationalUnit", "2.5.4.11", "OU", 64},
        {"commonName", "2.5.4.3", "CN", 64},
        {"emailAddress", "1.2.840.113549.1.9.1", "emailAddress", 255},
    };
    return kMembers;
}

const std::vector<std::string_view>& keyUsageBits() {
    static const std::vector<std::string_view> kBits = {
        "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
        "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly",
    };
    return kBits;
}

const SignatureTypeInfo* findSignatureType(std::string_view token) {
    for (const auto& t : signatureTypes()) {
        if (t.token == token) {
            return &t;
        }
    }
    return nullptr;
}

const CurveInfo* findCurve(std::string_view token) {
    for (const auto& c : curves()) {
        if (c.token == token) {
            return &c;
        }
    }
    return nullptr;
}

const CurveInfo* findCurveByOid(std::string_view oid) {
    for (const auto& c : curves()) {
        if (c.oid == oid) {
            return &c;
        }
    }
    return nullptr;
}

const SubjectMemberInfo* findSubjectMember(std::string_view member) {
    for (const auto& m : subjectMembers()) {
        if (m.member == member) {
            return &m;
        }
    }
    return nullptr;
}

const SubjectMemberInfo* findSubjectMemberByOid(std::string_view oid) {
    for (const auto& m : subjectMembers()) {
        if (m.oid == oid) {
            return &m;
        }
    }
    return nullptr;
}

std::optional<int> keyUsageBit(std::string_view name) {
    const auto& bits = keyUsageBits();
    const auto it = std::find(bits.begin(), bits.end(), name);
    if (it == bits.end()) {
        return std::nullopt;
    }
    return static_cast<int>(it - bits.begin());
}

// The RFC 9115 EKU names live with the X.509 code that encodes them (broker/crypto).
std::optional<std::string> ekuNameToOid(std::string_view name) {
    return crypto::extendedKeyUsageOid(name);
}

std::string ekuDisplayName(std::string_view oid) {
    return crypto::extendedKeyUsageName(oid).value_or(std::string(oid));
}

std::string extensionDisplayName(std::string_view oid) {
    for (const auto& e : kExtensionNames) {
        if (e.oid == oid) {
            return std::string(e.name) + " (" + std::string(oid) + ")";
        }
    }
    return "extension " + std::string(oid);
}

std::string attributeDisplayName(std::string_view oid) {
    for (const auto& a : kAttributeNames) {
        if (a.oid == oid) {
            return std::string(a.name) + " (" + std::string(oid) + ")";
        }
    }
    return "attribute " + std::string(oid);
}

}  // namespace legate::profiles
