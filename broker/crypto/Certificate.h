#pragma once
/// X.509 certificates: strict parsing, the fields Legate reads (validity for
/// Cert-Not-Before/After and renewal timing, SANs, the authority key identifier for
/// ARI), PEM chains as ACME delivers them, and chain verification at a given time.
///
/// Parse failures are `malformed` problems (a certificate comes from outside: the
/// upstream CA, or an NDC's revocation request).  Chain verification failures are
/// `serverInternal` problems whose detail names the OpenSSL verify error; callers that
/// answer a peer map them to whatever their protocol step calls for.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

/// An immutable, parsed certificate.  Cheap to copy (the X509 is shared).
class Certificate {
public:
    /// Strict DER: one Certificate, no trailing bytes, DER (not BER) encoding, and
    /// decodable subjectAltName / keyUsage / extendedKeyUsage / basicConstraints /
    /// key identifier extensions.
    static Result<Certificate> fromDer(const Bytes& der);
    /// Exactly one "CERTIFICATE" PEM block, nothing but whitespace around it.
    static Result<Certificate> fromPem(std::string_view pem);

    const Bytes& der() const { return der_; }
    std::string toPem() const;

    /// The serial number as lower-case hexadecimal without leading zeros ("0" for zero,
    /// a leading "-" for the (non-conforming) negative case), e.g. "1a2b3c".
    std::string serialHex() const;
    /// The serial number's DER INTEGER contents octets (two's complement, minimal), as
    /// ARI's CertID needs them (RFC 9773 §4.1).
    const Bytes& serialBytes() const { return serialBytes_; }

    /// RFC 2253 strings, most significant RDN last, e.g. "CN=Legate Test Root,O=Legate".
    /// Non-ASCII characters stay UTF-8 (not \xx-escaped).
    const std::string& issuer() const { return issuer_; }
    const std::string& subject() const { return subject_; }
    /// The subject commonName values, in order (usually zero or one).
    std::vector<std::string> commonNames() const;

    const std::vector<GeneralName>& subjectAltNames() const { return subjectAltNames_; }
    /// SAN dNSNames lower-cased, de-duplicated, sorted.
    std::vector<std::string> dnsNames() const;

    TimePoint notBefore() const { return notBefore_; }
    TimePoint notAfter() const { return notAfter_; }
    /// notBefore <= at <= notAfter (RFC 5280 §4.1.2.5: both ends inclusive).
    bool validAt(TimePoint at) const { return notBefore_ <= at && at <= notAfter_; }

    PublicKey publicKey() const { return publicKey_; }

    /// basicConstraints cA; false when the extension is absent.
    bool isCa() const { return isCa_; }
    /// basicConstraints pathLenConstraint, when present.
    std::optional<int> pathLength() const { return pathLength_; }
    /// keyUsage bit names (see keyUsageNames()); nullopt when absent.
    const std::optional<std::vector<std::string>>& keyUsage() const { return keyUsage_; }
    /// extendedKeyUsage purposes as dotted OIDs; nullopt when absent.
    const std::optional<std::vector<std::string>>& extendedKeyUsage() const {
        return extendedKeyUsage_;
    }
    /// authorityKeyIdentifier keyIdentifier bytes (empty when absent).
    const Bytes& authorityKeyIdentifier() const { return authorityKeyIdentifier_; }
    /// subjectKeyIdentifier bytes (empty when absent).
    const Bytes& subjectKeyIdentifier() const { return subjectKeyIdentifier_; }
    /// Every extension in order, with criticality and raw value.
    const std::vector<Extension>& extensions() const { return extensions_; }

    /// Same encoding.
    bool operator==(const Certificate& other) const { return der_ == other.der_; }

    /// The OpenSSL object, for code that hands the certificate to OpenSSL (TLS contexts,
    /// X509_STORE).  Owned by this Certificate; do not modify.
    X509* get() const { return cert_.get(); }

private:
    Certificate() = default;
    std::shared_ptr<X509> cert_;
    Bytes der_;
    Bytes serialBytes_;
    std::string issuer_;
    std::string subject_;
    std::vector<GeneralName> subjectAltNames_;
    TimePoint notBefore_;
    TimePoint notAfter_;
    PublicKey publicKey_ = PublicKey::adopt(nullptr);
    bool isCa_ = false;
    std::optional<int> pathLength_;
    std::optional<std::vector<std::string>> keyUsage_;
    std::optional<std::vector<std::string>> extendedKeyUsage_;
    Bytes authorityKeyIdentifier_;
    Bytes subjectKeyIdentifier_;
    std::vector<Extension> extensions_;
};

/// Every certificate of a PEM text, in order: "CERTIFICATE" blocks only, nothing but
/// whitespace between them, at least one.  For trust bundles (no order implied).
Result<std::vector<Certificate>> parsePemCertificates(std::string_view text);

/// A PEM chain as ACME delivers it (RFC 8555 §9.1): parsePemCertificates, plus the
/// order check "end-entity first, then each certificate's issuer": certificate i+1 must
/// have issued certificate i by name and key identifier (the signatures are checked by
/// verifyChain, not here).
Result<std::vector<Certificate>> parsePemChain(std::string_view text);

/// The certificates of a PEM file (parsePemCertificates); malformed when unreadable.
Result<std::vector<Certificate>> loadPemCertificates(const std::filesystem::path& file);

/// Verifies `chain` (end-entity first, then untrusted intermediates, in any order) up
/// to one of `trustedRoots`, as of time `at` (X509_V_FLAG_USE_CHECK_TIME), so tests and
/// renewal logic can ask "is this valid then?" with an injected clock.
Status verifyChain(const std::vector<Certificate>& chain,
                   const std::vector<Certificate>& trustedRoots, TimePoint at);

}  // namespace legate::crypto
