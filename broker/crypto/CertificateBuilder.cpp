#include "broker/crypto/CertificateBuilder.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "broker/crypto/X509Util.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using acme::Problem;

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value.
Result<Bytes> keyIdentifier(const PublicKey& key) {
    X509_PUBKEY* spki = nullptr;
    if (X509_PUBKEY_set(&spki, key.get()) != 1) {
        return malformedCall("X509_PUBKEY_set");
    }
    std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY_free>> owner(spki);
    const unsigned char* bits = nullptr;
    int len = 0;
    if (X509_PUBKEY_get0_param(nullptr, &bits, &len, nullptr, spki) != 1) {
        return malformedCall("X509_PUBKEY_get0_param");
    }
    Bytes digest(EVP_MAX_MD_SIZE);
    unsigned int digestLen = 0;
    if (EVP_Digest(bits, static_cast<size_t>(len), digest.data(), &digestLen, EVP_sha1(),
                   nullptr) != 1) {
        return malformedCall("EVP_Digest");
    }
    digest.resize(digestLen);
    return digest;
}

Result<X509ExtensionPtr> subjectKeyIdExtension(const Bytes& id) {
    Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
    if (!os || ASN1_OCTET_STRING_set(os.get(), id.data(), static_cast<int>(id.size())) != 1) {
        return malformedCall("ASN1_OCTET_STRING_set");
    }
    X509ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_key_identifier, 0, os.get()));
    if (!ext) {
        return malformedCall("X509V3_EXT_i2d (subjectKeyIdentifier)");
    }
    return ext;
}

Result<X509ExtensionPtr> authorityKeyIdExtension(const Bytes& id) {
    AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
    if (!akid) {
        return malformedCall("AUTHORITY_KEYID_new");
    }
    akid->keyid = ASN1_OCTET_STRING_new();
    if (akid->keyid == nullptr ||
        ASN1_OCTET_STRING_set(akid->keyid, id.data(), static_cast<int>(id.size())) != 1) {
        return malformedCall("ASN1_OCTET_STRING_set");
    }
    X509ExtensionPtr ext(X509V3_EXT_i2d(NID_authority_key_identifier, 0, akid.get()));
    if (!ext) {
        return malformedCall("X509V3_EXT_i2d (authorityKeyIdentifier)");
    }
    return ext;
}

Result<X509ExtensionPtr> basicConstraintsExtension(bool ca, std::optional<int> pathLength) {
    BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
    if (!bc) {
        return malformedCall("BASIC_CONSTRAINTS_new");
    }
    bc->ca = ca ? 0xff : 0;
    if (ca && pathLength) {
        if (*pathLength < 0) {
            return malformed("pathLength must not be negative");
        }
        bc->pathlen = ASN1_INTEGER_new();
        if (bc->pathlen == nullptr || ASN1_INTEGER_set(bc->pathlen, *pathLength) != 1) {
            return malformedCall("ASN1_INTEGER_set");
        }
    }
    X509ExtensionPtr ext(X509V3_EXT_i2d(NID_basic_constraints, 1, bc.get()));
    if (!ext) {
        return malformedCall("X509V3_EXT_i2d (basicConstraints)");
    }
    return ext;
}

Result<Asn1IntegerPtr> serialFrom(const std::optional<Bytes>& fixed) {
    Bytes magnitude = fixed ? *fixed : randomBytes(16);  // 128 random bits
    BignumPtr bn(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
    if (!bn) {
        return malformedCall("BN_bin2bn");
    }
    if (BN_is_zero(bn.get())) {
        if (fixed) {
            return malformed("serial number must be positive");
        }
        BN_one(bn.get());  // 2^-128: a zero serial is not allowed (RFC 5280 §4.1.2.2)
    }
    Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!serial) {
        return malformedCall("BN_to_ASN1_INTEGER");
    }
    return serial;
}

}  // namespace

CertificateBuilder& CertificateBuilder::commonName(std::string cn) {
    commonName_ = std::move(cn);
    return *this;
}

CertificateBuilder& CertificateBuilder::organization(std::string o) {
    organization_ = std::move(o);
    return *this;
}

CertificateBuilder& CertificateBuilder::dnsNames(std::vector<std::string> names) {
    dnsNames_.insert(dnsNames_.end(), names.begin(), names.end());
    return *this;
}

CertificateBuilder& CertificateBuilder::ipAddresses(std::vector<std::string> addresses) {
    ipAddresses_.insert(ipAddresses_.end(), addresses.begin(), addresses.end());
    return *this;
}

CertificateBuilder& CertificateBuilder::validity(TimePoint notBefore, TimePoint notAfter) {
    notBefore_ = notBefore;
    notAfter_ = notAfter;
    return *this;
}

CertificateBuilder& CertificateBuilder::certificateAuthority(std::optional<int> pathLength) {
    isCa_ = true;
    pathLength_ = pathLength;
    return *this;
}

CertificateBuilder& CertificateBuilder::extendedKeyUsage(std::vector<std::string> purposes) {
    extendedKeyUsage_.insert(extendedKeyUsage_.end(), purposes.begin(), purposes.end());
    return *this;
}

CertificateBuilder& CertificateBuilder::keyUsage(std::vector<std::string> usages) {
    keyUsage_ = std::move(usages);
    return *this;
}

CertificateBuilder& CertificateBuilder::extension(std::string oid, bool critical, Bytes value) {
    extraExtensions_.push_back({std::move(oid), critical, std::move(value)});
    return *this;
}

CertificateBuilder& CertificateBuilder::digest(std::string name) {
    digest_ = std::move(name);
    return *this;
}

CertificateBuilder& CertificateBuilder::serialNumber(Bytes serial) {
    serial_ = std::move(serial);
    return *this;
}

Result<Certificate> CertificateBuilder::selfSigned(const PrivateKey& key) const {
    if (key.get() == nullptr) {
        return malformed("no private key");
    }
    return build(key.publicKey(), nullptr, key);
}

Result<Certificate> CertificateBuilder::issuedBy(const PublicKey& subjectKey,
                                                 const Certificate& issuer,
                                                 const PrivateKey& issuerKey) const {
    if (subjectKey.get() == nullptr || issuerKey.get() == nullptr) {
        return malformed("no key");
    }
    if (!(issuerKey.publicKey() == issuer.publicKey())) {
        return malformed("the issuer key does not match the issuer certificate");
    }
    if (!issuer.isCa()) {
        return malformed("the issuer certificate is not a CA (" + issuer.subject() + ")");
    }
    return build(subjectKey, &issuer, issuerKey);
}

Result<Certificate> CertificateBuilder::build(const PublicKey& subjectKey,
                                              const Certificate* issuer,
                                              const PrivateKey& signingKey) const {
    if (!notBefore_ || !notAfter_) {
        return malformed("certificate validity not set");
    }
    if (*notAfter_ < *notBefore_) {
        return malformed("certificate notAfter is before notBefore");
    }
    X509Ptr cert(X509_new());
    if (!cert) {
        return malformedCall("X509_new");
    }
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return malformedCall("X509_set_version");
    }
    auto serial = serialFrom(serial_);
    LEGATE_TRY(serial);
    if (X509_set_serialNumber(cert.get(), serial->get()) != 1) {
        return malformedCall("X509_set_serialNumber");
    }

    X509NamePtr subject(X509_NAME_new());
    if (!subject) {
        return malformedCall("X509_NAME_new");
    }
    auto addName = [&](const char* field, const std::string& value) -> Status {
        if (!value.empty() &&
            X509_NAME_add_entry_by_txt(subject.get(), field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) != 1) {
            return malformed(std::string("subject ") + field +
                             ": X509_NAME_add_entry_by_txt: " + lastOpenSslError());
        }
        return okStatus();
    };
    LEGATE_TRY(addName("O", organization_));
    LEGATE_TRY(addName("CN", commonName_));
    if (X509_set_subject_name(cert.get(), subject.get()) != 1) {
        return malformedCall("X509_set_subject_name");
    }
    const X509_NAME* issuerName =
        issuer != nullptr ? X509_get_subject_name(issuer->get()) : subject.get();
    if (X509_set_issuer_name(cert.get(), issuerName) != 1) {
        return malformedCall("X509_set_issuer_name");
    }

    Asn1TimePtr notBefore = toAsn1Time(*notBefore_);
    Asn1TimePtr notAfter = toAsn1Time(*notAfter_);
    if (!notBefore || !notAfter || X509_set1_notBefore(cert.get(), notBefore.get()) != 1 ||
        X509_set1_notAfter(cert.get(), notAfter.get()) != 1) {
        return malformedCall("X509_set1_notBefore/notAfter");
    }
    if (X509_set_pubkey(cert.get(), subjectKey.get()) != 1) {
        return malformedCall("X509_set_pubkey");
    }

    auto add = [&](Result<X509ExtensionPtr> ext) -> Status {
        LEGATE_TRY(ext);
        if (X509_add_ext(cert.get(), ext->get(), -1) != 1) {
            return malformedCall("X509_add_ext");
        }
        return okStatus();
    };
    LEGATE_TRY(add(basicConstraintsExtension(isCa_, pathLength_)));
    std::vector<std::string> usages;
    if (keyUsage_) {
        usages = *keyUsage_;
    } else if (isCa_) {
        usages = {"digitalSignature", "keyCertSign", "cRLSign"};
    } else {
        usages = {"digitalSignature"};
        if (subjectKey.algorithm() == KeyAlgorithm::Rsa) {
            usages.push_back("keyEncipherment");
        }
    }
    if (!usages.empty()) {
        LEGATE_TRY(add(keyUsageExtension(usages, true)));
    }
    if (!extendedKeyUsage_.empty()) {
        LEGATE_TRY(add(extendedKeyUsageExtension(extendedKeyUsage_)));
    }
    if (!dnsNames_.empty() || !ipAddresses_.empty()) {
        const bool emptySubject = commonName_.empty() && organization_.empty();
        LEGATE_TRY(add(subjectAltNameExtension(dnsNames_, {}, {}, ipAddresses_, emptySubject)));
    }
    auto subjectKeyId = keyIdentifier(subjectKey);
    LEGATE_TRY(subjectKeyId);
    LEGATE_TRY(add(subjectKeyIdExtension(*subjectKeyId)));
    Bytes authorityKeyId = *subjectKeyId;
    if (issuer != nullptr) {
        authorityKeyId = issuer->subjectKeyIdentifier();
        if (authorityKeyId.empty()) {
            auto computed = keyIdentifier(issuer->publicKey());
            LEGATE_TRY(computed);
            authorityKeyId = std::move(*computed);
        }
    }
    LEGATE_TRY(add(authorityKeyIdExtension(authorityKeyId)));
    for (const auto& raw : extraExtensions_) {
        LEGATE_TRY(add(rawExtension(raw.oid, raw.critical, raw.value)));
    }

    auto md = digestFor(signingKey.publicKey(), digest_);
    LEGATE_TRY(md);
    if (X509_sign(cert.get(), signingKey.get(), *md) <= 0) {
        return malformedCall("X509_sign");
    }
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    OpenSslBytesPtr owner(der);
    if (len <= 0) {
        return malformedCall("i2d_X509");
    }
    return Certificate::fromDer(Bytes(der, der + len));
}

}  // namespace legate::crypto
