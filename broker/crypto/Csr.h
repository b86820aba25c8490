#pragma once
/// PKCS#10 certificate signing requests: creation (NDC side, tests) and parsing that
/// exposes everything an RFC 9115 template check needs (IdO side).
///
/// Parsing never trusts the input: `Csr::fromDer` rejects trailing data, unknown
/// versions and undecodable extensions, and records (rather than hides) everything a
/// template gate must refuse: multi-valued RDNs, repeated attributes, extra PKCS#9
/// attributes, extension criticality, SAN name types outside DNS/email/URI.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/crypto/Oid.h"  // isDottedOid, for the OIDs of a CsrRequest

namespace legate::crypto {

/// One AttributeTypeAndValue of a subject name.
struct NameAttribute {
    std::string oid;  ///< dotted, e.g. "2.5.4.6"
    /// OpenSSL short name, e.g. "C", "ST", "CN", "emailAddress" ("" if none).
    std::string shortName;
    std::string value;  ///< decoded to UTF-8, whatever the DirectoryString choice
    int asn1Type = 0;   ///< V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, ...
};

/// One RelativeDistinguishedName; more than one attribute means a multi-valued RDN.
struct Rdn {
    std::vector<NameAttribute> attributes;
};

/// One GeneralName of a subjectAltName.
struct GeneralName {
    enum class Kind { Dns, Email, Uri, Ip, Other };
    Kind kind = Kind::Other;
    /// DNS/email/URI text as encoded; IP in text form; for Other a description
    /// ("otherName", "directoryName", "registeredID", ...).
    std::string value;
    bool operator==(const GeneralName&) const = default;
};

/// One extension from the extensionRequest attribute.
struct Extension {
    std::string oid;  ///< dotted
    bool critical = false;
    Bytes value;  ///< the extnValue OCTET STRING contents (DER of the extension itself)
};

/// RSASSA-PSS parameters as present in an AlgorithmIdentifier.
struct PssParameters {
    std::string hash;      ///< "SHA256", "SHA384", "SHA512", "SHA1" (the default), ...
    std::string mgf1Hash;  ///< MGF1's hash
    int saltLength = 20;
    int trailerField = 1;
};

/// How an AlgorithmIdentifier's parameters are encoded.
enum class AlgorithmParameters { Absent, Null, Oid, Other };

/// The CSR's SubjectPublicKeyInfo as encoded, not as a library normalises it, so
/// explicit curve parameters or odd algorithm parameters cannot hide behind it.
struct KeyEncoding {
    std::string algorithmOid;  ///< SPKI algorithm, dotted ("1.2.840.10045.2.1")
    AlgorithmParameters parameters = AlgorithmParameters::Absent;
    std::string parameterOid;  ///< when parameters == Oid (EC: the named curve)
    int bits = 0;              ///< PublicKey::bits()
};

/// The CSR's signatureAlgorithm.
struct SignatureAlgorithm {
    AlgorithmParameters parameters = AlgorithmParameters::Absent;  ///< as encoded
    std::string oid;   ///< dotted, e.g. "1.2.840.10045.4.3.2"
    std::string name;  ///< RFC 9115 token where one exists ("ecdsa-with-SHA256",
                       ///< "sha256WithRSAEncryption", "sha256WithRSAandMGF1" for PSS with
                       ///< SHA-256/MGF1-SHA-256/salt 32, "ED25519"), else OpenSSL's long name
    std::optional<PssParameters> pss;  ///< set for id-RSASSA-PSS
};

/// RFC 5280 keyUsage bit names, in bit order (bit 0 = digitalSignature).
const std::vector<std::string>& keyUsageNames();
/// "serverAuth" -> "1.3.6.1.5.5.7.3.1" etc. for the RFC 9115 EKU names; nullopt if unknown.
std::optional<std::string> extendedKeyUsageOid(std::string_view name);
/// The inverse: "1.3.6.1.5.5.7.3.1" -> "serverAuth"; nullopt for other OIDs.
std::optional<std::string> extendedKeyUsageName(std::string_view oid);

class Csr {
public:
    /// Strict DER decode: no trailing bytes, version 1 (value 0), decodable extensions.
    /// subjectAltName, keyUsage and extendedKeyUsage must decode completely and may
    /// appear at most once each (a repeat would make their decoded view ambiguous);
    /// other extensions may repeat and are all listed by extensions().
    /// Does NOT verify the signature: call verifySignature().
    static Result<Csr> fromDer(const Bytes& der);
    /// One "CERTIFICATE REQUEST" PEM block.
    static Result<Csr> fromPem(std::string_view pem);

    const Bytes& der() const { return der_; }
    std::string toPem() const;

    /// Proof of possession: the self-signature verifies with the CSR's own key
    /// (RSA-PSS parameters honoured).  badCSR problem otherwise.
    Status verifySignature() const;

    const PublicKey& publicKey() const { return publicKey_; }
    const KeyEncoding& keyEncoding() const { return keyEncoding_; }
    const SignatureAlgorithm& signatureAlgorithm() const { return signatureAlgorithm_; }

    /// Subject RDNs in order, as encoded (multi-valued RDNs and repeats preserved).
    const std::vector<Rdn>& subject() const { return subject_; }

    /// OIDs of every attribute in the CSR other than a single extensionRequest, in order
    /// (e.g. challengePassword "1.2.840.113549.1.9.7"; a second extensionRequest too).
    const std::vector<std::string>& otherAttributes() const { return otherAttributes_; }
    /// Every requested extension, in order, repeats preserved.
    const std::vector<Extension>& extensions() const { return extensions_; }

    /// Decoded from the subjectAltName extension (empty when absent).
    const std::vector<GeneralName>& subjectAltNames() const { return subjectAltNames_; }
    /// keyUsage bit names set (nullopt when the extension is absent).
    const std::optional<std::vector<std::string>>& keyUsage() const { return keyUsage_; }
    /// extendedKeyUsage purposes as dotted OIDs (nullopt when absent).
    const std::optional<std::vector<std::string>>& extendedKeyUsage() const {
        return extendedKeyUsage_;
    }

    /// DNS names the CSR asks for: SAN dNSNames plus any subject commonName, lower-cased,
    /// de-duplicated, sorted (RFC 8555 §7.4 identifier comparison).
    std::vector<std::string> dnsNames() const;

private:
    Csr() = default;
    Bytes der_;
    PublicKey publicKey_ = PublicKey::adopt(nullptr);
    KeyEncoding keyEncoding_;
    SignatureAlgorithm signatureAlgorithm_;
    std::vector<Rdn> subject_;
    std::vector<std::string> otherAttributes_;
    std::vector<Extension> extensions_;
    std::vector<GeneralName> subjectAltNames_;
    std::optional<std::vector<std::string>> keyUsage_;
    std::optional<std::vector<std::string>> extendedKeyUsage_;
};

/// What to put into a new CSR.  The defaults make a plain, well-formed request; the
/// extra knobs exist so tests can build every kind of hostile CSR a gate must refuse.
struct CsrRequest {
    struct SubjectEntry {
        /// Short name ("C", "ST", "L", "O", "OU", "CN", "emailAddress") or dotted OID.
        std::string type;
        std::string value;
        bool sameRdnAsPrevious = false;  ///< true makes a multi-valued RDN
        /// 0: OpenSSL's choice for the attribute (PrintableString for C, IA5String for
        /// emailAddress, UTF8String otherwise).  Or an exact V_ASN1_* string type
        /// (V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, ...), encoded as given, unchecked.
        int stringType = 0;
    };
    struct RawExtension {
        std::string oid;  ///< dotted
        bool critical = false;
        Bytes value;  ///< DER of the extension value
    };

    std::vector<SubjectEntry> subject;
    std::vector<std::string> dnsNames;
    std::vector<std::string> emails;
    std::vector<std::string> uris;
    std::vector<std::string> ipAddresses;  ///< only for negative tests
    std::vector<std::string> keyUsage;     ///< names from keyUsageNames()
    bool keyUsageCritical = true;
    std::vector<std::string> extendedKeyUsage;  ///< RFC 9115 names or dotted OIDs
    std::vector<RawExtension> extraExtensions;  ///< appended after SAN/KU/EKU
    std::optional<std::string> challengePassword;

    /// Digest for RSA/ECDSA signatures ("SHA256", "SHA384", "SHA512"); empty = match the
    /// key (P-256/RSA: SHA256, P-384: SHA384, P-521: SHA512).  Ignored for Ed25519.
    std::string digest;
    /// Sign RSA keys with RSASSA-PSS (MGF1 with `digest`) and this salt length (bytes).
    std::optional<int> pssSaltLength;
};

/// Builds and signs a CSR.  malformed problem for unknown names, bad OIDs, etc.
Result<Csr> createCsr(const PrivateKey& key, const CsrRequest& request);
/// The same CSR as DER, without parsing it back: lets tests build CSRs that Csr::fromDer
/// must refuse (e.g. an undecodable subjectAltName passed as a raw extension).
Result<Bytes> createCsrDer(const PrivateKey& key, const CsrRequest& request);

}  // namespace legate::crypto
