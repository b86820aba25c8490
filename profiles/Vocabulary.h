#pragma once
/// The RFC 9115 CSR-template vocabulary (§2.11.2 of the digest, RFC 9115 Appendix A):
/// every token a template may use and the X.509 object it stands for.
///
/// Both the template validator and the CSR matcher read these tables, so a token the
/// validator accepts is always one the matcher knows how to compare.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/crypto/Oid.h"
#include "broker/crypto/RsaKeyCheck.h"

namespace legate::profiles {

/// One `SignatureType` token and how it appears in a CSR's signatureAlgorithm.
struct SignatureTypeInfo {
    std::string_view token;  ///< "ecdsa-with-SHA256", "sha256WithRSAandMGF1", ...
    std::string_view oid;    ///< signatureAlgorithm OID (id-RSASSA-PSS for the MGF1 forms)
    bool rsa = false;        ///< true for RSA signatures (PKCS#1 v1.5 or PSS)
    bool pss = false;        ///< RSASSA-PSS: hash = MGF1 hash = `hash`, salt = `saltLength`
    std::string_view hash;   ///< "SHA256", "SHA384", "SHA512"
    int saltLength = 0;      ///< PSS only: 32, 48, 64
};

/// One `namedCurve` token.
struct CurveInfo {
    std::string_view token;          ///< "secp256r1"
    std::string_view oid;            ///< "1.2.840.10045.3.1.7"
    std::string_view displayName;    ///< "P-256"
    std::string_view signatureType;  ///< the one ECDSA SignatureType it pairs with
};

/// One `subject` member.
struct SubjectMemberInfo {
    std::string_view member;  ///< "stateOrProvince"
    std::string_view oid;     ///< "2.5.4.8"
    std::string_view x509;    ///< "ST" (OpenSSL short name, used when building CSRs)
    size_t maxLength;         ///< RFC 5280 Appendix A upper bound (ub-*)
};

inline constexpr std::string_view kRsaEncryption = "rsaEncryption";
inline constexpr std::string_view kRsaEncryptionOid = "1.2.840.113549.1.1.1";
inline constexpr std::string_view kIdEcPublicKey = "id-ecPublicKey";
inline constexpr std::string_view kIdEcPublicKeyOid = "1.2.840.10045.2.1";
inline constexpr std::string_view kRsassaPssOid = "1.2.840.113549.1.1.10";
/// RSA moduli a template may name: the bounds every RSA key Legate accepts obeys.
inline constexpr int kMinRsaBits = crypto::kMinRsaBits;
inline constexpr int kMaxRsaBits = crypto::kMaxRsaBits;

inline constexpr std::string_view kSubjectAltNameOid = "2.5.29.17";
inline constexpr std::string_view kKeyUsageOid = "2.5.29.15";
inline constexpr std::string_view kExtendedKeyUsageOid = "2.5.29.37";

const std::vector<SignatureTypeInfo>& signatureTypes();
const std::vector<CurveInfo>& curves();
/// In canonical (X.500 big-endian) order: country first, emailAddress last.
const std::vector<SubjectMemberInfo>& subjectMembers();
/// RFC 5280 keyUsage bit names, bit 0 first, exactly as RFC 9115 spells them.
const std::vector<std::string_view>& keyUsageBits();

const SignatureTypeInfo* findSignatureType(std::string_view token);
const CurveInfo* findCurve(std::string_view token);
const CurveInfo* findCurveByOid(std::string_view oid);
const SubjectMemberInfo* findSubjectMember(std::string_view member);
const SubjectMemberInfo* findSubjectMemberByOid(std::string_view oid);
/// Bit number of a keyUsage name ("digitalSignature" -> 0); nullopt if unknown.
std::optional<int> keyUsageBit(std::string_view name);

/// "serverAuth" -> "1.3.6.1.5.5.7.3.1" for the six RFC 9115 EKU names; nullopt otherwise.
std::optional<std::string> ekuNameToOid(std::string_view name);
/// The reverse, for messages ("1.3.6.1.5.5.7.3.1" -> "serverAuth"); the OID itself if unnamed.
std::string ekuDisplayName(std::string_view oid);

/// A dotted OID: the one rule, in broker/crypto/Oid.h.
using crypto::isDottedOid;

/// A human name for an extension OID in messages ("2.5.29.19" -> "basicConstraints").
std::string extensionDisplayName(std::string_view oid);
/// A human name for a CSR attribute OID ("1.2.840.113549.1.9.7" -> "challengePassword").
std::string attributeDisplayName(std::string_view oid);

}  // namespace legate::profiles
