#pragma once
/// Makes X.509 v3 certificates: self-signed CAs, intermediates and leaves issued by a
/// CA.  Used for the HTTPS development certificate, for tests that build chains, and
/// for tls-alpn-01 challenge certificates (RFC 8737: an acmeIdentifier extension
/// 1.3.6.1.5.5.7.1.31, added with extension()).
///
///     auto root = CertificateBuilder()
///                     .commonName("Legate Dev Root")
///                     .validity(now, now + days(3650))
///                     .certificateAuthority(1)
///                     .selfSigned(rootKey);
///     auto leaf = CertificateBuilder()
///                     .dnsNames({"localhost"})
///                     .ipAddresses({"127.0.0.1"})
///                     .validity(now, now + days(90))
///                     .serverAuth()
///                     .issuedBy(leafKey.publicKey(), *root, rootKey);
///
/// Every certificate gets a 128-bit random serial, subject and authority key
/// identifiers, a critical basicConstraints and a critical keyUsage that fits its role
/// (CA: keyCertSign + cRLSign + digitalSignature; leaf: digitalSignature, plus
/// keyEncipherment for RSA keys) unless keyUsage() overrides it.  Bad input
/// (unknown EKU name, bad IP text, empty or inverted validity, an issuer key that does
/// not match the issuer certificate) gives a `malformed` problem.

#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/Key.h"

namespace legate::crypto {

class CertificateBuilder {
public:
    /// Subject commonName (omitted when empty: a SAN-only certificate).
    CertificateBuilder& commonName(std::string cn);
    /// Subject organizationName (omitted when empty).
    CertificateBuilder& organization(std::string o);
    /// subjectAltName dNSNames, appended in order.
    CertificateBuilder& dnsNames(std::vector<std::string> names);
    /// subjectAltName iPAddresses ("127.0.0.1", "::1"), appended in order.
    CertificateBuilder& ipAddresses(std::vector<std::string> addresses);
    /// notBefore / notAfter (whole seconds; notBefore must not be after notAfter).
    CertificateBuilder& validity(TimePoint notBefore, TimePoint notAfter);
    /// Makes a CA certificate (basicConstraints cA, optional pathLenConstraint).
    CertificateBuilder& certificateAuthority(std::optional<int> pathLength = std::nullopt);
    /// extendedKeyUsage purposes by RFC 9115 name ("serverAuth") or dotted OID.
    CertificateBuilder& extendedKeyUsage(std::vector<std::string> purposes);
    CertificateBuilder& serverAuth() { return extendedKeyUsage({"serverAuth"}); }
    CertificateBuilder& clientAuth() { return extendedKeyUsage({"clientAuth"}); }
    /// Replaces the default keyUsage bits (names from keyUsageNames()); empty = no
    /// keyUsage extension at all.
    CertificateBuilder& keyUsage(std::vector<std::string> usages);
    /// Any extra extension, e.g. RFC 8737's acmeIdentifier ("1.3.6.1.5.5.7.1.31",
    /// critical, DER OCTET STRING of the key authorization digest).
    CertificateBuilder& extension(std::string oid, bool critical, Bytes value);
    /// Signature digest ("SHA256", ...); default: the signing key's natural one.
    CertificateBuilder& digest(std::string name);
    /// A fixed serial (big-endian magnitude) instead of 128 random bits; for tests.
    CertificateBuilder& serialNumber(Bytes serial);

    /// Issuer = subject, signed with `key` (whose public half is the subject key).
    Result<Certificate> selfSigned(const PrivateKey& key) const;
    /// A certificate for `subjectKey`, issued and signed by `issuer` / `issuerKey`.
    Result<Certificate> issuedBy(const PublicKey& subjectKey, const Certificate& issuer,
                                 const PrivateKey& issuerKey) const;

private:
    Result<Certificate> build(const PublicKey& subjectKey, const Certificate* issuer,
                              const PrivateKey& signingKey) const;

    std::string commonName_;
    std::string organization_;
    std::vector<std::string> dnsNames_;
    std::vector<std::string> ipAddresses_;
    std::optional<TimePoint> notBefore_;
    std::optional<TimePoint> notAfter_;
    bool isCa_ = false;
    std::optional<int> pathLength_;
    std::vector<std::string> extendedKeyUsage_;
    std::optional<std::vector<std::string>> keyUsage_;
    std::vector<CsrRequest::RawExtension> extraExtensions_;
    std::string digest_;
    std::optional<Bytes> serial_;
};

}  // namespace legate::crypto
