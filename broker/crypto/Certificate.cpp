#include "broker/crypto/Certificate.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include "broker/crypto/Pem.h"
#include "broker/crypto/X509Util.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using acme::Problem;

constexpr std::string_view kCertificateLabel = "CERTIFICATE";

std::string rfc2253(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    // RFC 2253 escaping, but UTF-8 passes through rather than becoming \xx escapes.
    constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) {
        ERR_clear_error();
        return {};
    }
    return bioContents(bio.get());
}

Result<X509Ptr> decodeCertificate(const Bytes& der) {
    if (der.empty()) {
        return malformed("empty certificate");
    }
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) {
        return malformedCall("d2i_X509");
    }
    if (p != der.data() + der.size()) {
        return malformed("trailing data after the certificate (" +
                         std::to_string(der.data() + der.size() - p) + " bytes)");
    }
    unsigned char* reencoded = nullptr;
    const int len = i2d_X509(cert.get(), &reencoded);
    OpenSslBytesPtr owner(reencoded);
    if (len <= 0) {
        return malformedCall("i2d_X509");
    }
    if (static_cast<size_t>(len) != der.size() || !std::equal(der.begin(), der.end(), reencoded)) {
        return malformed("certificate is not DER-encoded");
    }
    return cert;
}

/// The contents octets of an INTEGER's DER encoding (ASN1_INTEGER keeps the magnitude
/// and a sign flag instead).
Result<Bytes> integerContents(const ASN1_INTEGER* value) {
    unsigned char* der = nullptr;
    const int len = i2d_ASN1_INTEGER(value, &der);
    OpenSslBytesPtr owner(der);
    if (len <= 0) {
        return malformedCall("i2d_ASN1_INTEGER");
    }
    const unsigned char* p = der;
    long contentLength = 0;
    int tag = 0;
    int cls = 0;
    if (ASN1_get_object(&p, &contentLength, &tag, &cls, len) & 0x80) {
        return malformedCall("ASN1_get_object");
    }
    return Bytes(p, p + contentLength);
}

}  // namespace

Result<Certificate> Certificate::fromDer(const Bytes& der) {
    auto decoded = decodeCertificate(der);
    LEGATE_TRY(decoded);
    Certificate c;
    c.der_ = der;
    X509* x = decoded->get();

    auto serial = integerContents(X509_get0_serialNumber(x));
    LEGATE_TRY(serial);
    c.serialBytes_ = std::move(*serial);
    c.issuer_ = rfc2253(X509_get_issuer_name(x));
    c.subject_ = rfc2253(X509_get_subject_name(x));

    const auto notBefore = fromAsn1Time(X509_get0_notBefore(x));
    const auto notAfter = fromAsn1Time(X509_get0_notAfter(x));
    if (!notBefore || !notAfter) {
        return malformed("certificate validity is not a valid time (ASN1_TIME_to_tm)");
    }
    c.notBefore_ = *notBefore;
    c.notAfter_ = *notAfter;

    EvpPkeyPtr key(X509_get_pubkey(x));
    if (!key) {
        return malformedCall("X509_get_pubkey");
    }
    c.publicKey_ = PublicKey::adopt(std::move(key));

    for (int i = 0; i < X509_get_ext_count(x); ++i) {
        X509_EXTENSION* ext = X509_get_ext(x, i);
        Extension e;
        e.oid = oidText(X509_EXTENSION_get_object(ext));
        e.critical = X509_EXTENSION_get_critical(ext) > 0;
        e.value = bytesOf(X509_EXTENSION_get_data(ext));
        switch (OBJ_obj2nid(X509_EXTENSION_get_object(ext))) {
            case NID_subject_alt_name: {
                auto names = decodeGeneralNames(e.value, ErrorType::malformed);
                LEGATE_TRY(names);
                c.subjectAltNames_ = std::move(*names);
                break;
            }
            case NID_key_usage: {
                auto ku = decodeKeyUsage(e.value, ErrorType::malformed);
                LEGATE_TRY(ku);
                c.keyUsage_ = std::move(*ku);
                break;
            }
            case NID_ext_key_usage: {
                auto eku = decodeExtendedKeyUsage(e.value, ErrorType::malformed);
                LEGATE_TRY(eku);
                c.extendedKeyUsage_ = std::move(*eku);
                break;
            }
            case NID_basic_constraints: {
                auto bc = decodeExact<BasicConstraintsPtr>(e.value, d2i_BASIC_CONSTRAINTS);
                if (!bc) {
                    return malformed("basicConstraints value does not decode: " +
                                     lastOpenSslError());
                }
                c.isCa_ = bc->ca != 0;
                if (bc->pathlen != nullptr) {
                    int64_t len = 0;
                    if (ASN1_INTEGER_get_int64(&len, bc->pathlen) != 1 || len < 0 || len > 1024) {
                        return malformed("basicConstraints pathLenConstraint out of range");
                    }
                    c.pathLength_ = static_cast<int>(len);
                }
                break;
            }
            case NID_authority_key_identifier: {
                auto akid = decodeExact<AuthorityKeyIdPtr>(e.value, d2i_AUTHORITY_KEYID);
                if (!akid) {
                    return malformed("authorityKeyIdentifier value does not decode: " +
                                     lastOpenSslError());
                }
                c.authorityKeyIdentifier_ = bytesOf(akid->keyid);
                break;
            }
            case NID_subject_key_identifier: {
                auto skid = decodeExact<Asn1OctetStringPtr>(e.value, d2i_ASN1_OCTET_STRING);
                if (!skid) {
                    return malformed("subjectKeyIdentifier value does not decode: " +
                                     lastOpenSslError());
                }
                c.subjectKeyIdentifier_ = bytesOf(skid.get());
                break;
            }
            default:
                break;
        }
        c.extensions_.push_back(std::move(e));
    }
    c.cert_ = std::shared_ptr<X509>(decoded->release(), X509_free);
    return c;
}

Result<Certificate> Certificate::fromPem(std::string_view pem) {
    auto certs = parsePemCertificates(pem);
    LEGATE_TRY(certs);
    if (certs->size() != 1) {
        return malformed("expected one certificate, got " + std::to_string(certs->size()));
    }
    return certs->front();
}

std::string Certificate::toPem() const {
    return crypto::toPem(kCertificateLabel, der_);
}

std::string Certificate::serialHex() const {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert_.get());
    BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) {
        ERR_clear_error();
        return {};
    }
    OpenSslStringPtr hex(BN_bn2hex(bn.get()));
    if (!hex) {
        return {};
    }
    std::string text = lowerAscii(hex.get());
    const bool negative = !text.empty() && text[0] == '-';
    std::string digits = negative ? text.substr(1) : text;
    const size_t first = digits.find_first_not_of('0');
    digits = first == std::string::npos ? "0" : digits.substr(first);
    return negative ? "-" + digits : digits;
}

std::vector<std::string> Certificate::commonNames() const {
    std::vector<std::string> out;
    const X509_NAME* name = X509_get_subject_name(cert_.get());
    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
        unsigned char* utf8 = nullptr;
        const int len =
            ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        OpenSslBytesPtr owner(utf8);
        if (len >= 0) {
            out.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
        } else {
            ERR_clear_error();
        }
    }
    return out;
}

std::vector<std::string> Certificate::dnsNames() const {
    std::vector<std::string> out;
    for (const auto& san : subjectAltNames_) {
        if (san.kind == GeneralName::Kind::Dns) {
            out.push_back(lowerAscii(san.value));
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Result<std::vector<Certificate>> parsePemCertificates(std::string_view text) {
    auto blocks = parsePemBlocks(text, ErrorType::malformed);
    LEGATE_TRY(blocks);
    if (blocks->empty()) {
        return malformed("no certificate in PEM text");
    }
    std::vector<Certificate> certs;
    for (size_t i = 0; i < blocks->size(); ++i) {
        const PemBlock& block = (*blocks)[i];
        if (block.label != kCertificateLabel) {
            return malformed("PEM block " + std::to_string(i) + " is \"" + block.label +
                             "\", not \"CERTIFICATE\"");
        }
        auto cert = Certificate::fromDer(block.der);
        if (!cert.ok()) {
            Problem p = std::move(cert).problem();
            p.detail = "certificate " + std::to_string(i) + ": " + p.detail;
            return p;
        }
        certs.push_back(std::move(*cert));
    }
    return certs;
}

Result<std::vector<Certificate>> parsePemChain(std::string_view text) {
    auto certs = parsePemCertificates(text);
    LEGATE_TRY(certs);
    for (size_t i = 1; i < certs->size(); ++i) {
        const Certificate& subject = (*certs)[i - 1];
        const Certificate& issuer = (*certs)[i];
        const int rc = X509_check_issued(issuer.get(), subject.get());
        if (rc != X509_V_OK) {
            return malformed("chain out of order: certificate " + std::to_string(i) + " (" +
                             issuer.subject() + ") did not issue certificate " +
                             std::to_string(i - 1) + " (" + subject.subject() +
                             "): " + X509_verify_cert_error_string(rc));
        }
    }
    return certs;
}

Result<std::vector<Certificate>> loadPemCertificates(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return malformed("cannot read " + file.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return malformed("cannot read " + file.string());
    }
    auto certs = parsePemCertificates(text.str());
    if (!certs.ok()) {
        Problem p = std::move(certs).problem();
        p.detail = file.string() + ": " + p.detail;
        return p;
    }
    return certs;
}

Status verifyChain(const std::vector<Certificate>& chain,
                   const std::vector<Certificate>& trustedRoots, TimePoint at) {
    auto fail = [](std::string detail) {
        return Problem::make(ErrorType::serverInternal, std::move(detail));
    };
    if (chain.empty()) {
        return fail("certificate chain is empty");
    }
    if (trustedRoots.empty()) {
        return fail("no trusted root certificates");
    }
    X509StorePtr store(X509_STORE_new());
    if (!store) {
        return fail("X509_STORE_new: " + lastOpenSslError());
    }
    for (const auto& root : trustedRoots) {
        if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
            return fail("X509_STORE_add_cert: " + lastOpenSslError());
        }
    }
    X509StackPtr untrusted(sk_X509_new_null());
    if (!untrusted) {
        return fail("sk_X509_new_null: " + lastOpenSslError());
    }
    for (size_t i = 1; i < chain.size(); ++i) {
        if (X509_add_cert(untrusted.get(), chain[i].get(), X509_ADD_FLAG_UP_REF) != 1) {
            return fail("X509_add_cert: " + lastOpenSslError());
        }
    }
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx ||
        X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
        return fail("X509_STORE_CTX_init: " + lastOpenSslError());
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch());
    // Sets X509_V_FLAG_USE_CHECK_TIME: validity is judged at `at`, not at the wall clock.
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(seconds.count()));
    const int rc = X509_verify_cert(ctx.get());
    if (rc == 1) {
        return okStatus();
    }
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    std::string detail =
        "certificate chain does not verify: " + std::string(X509_verify_cert_error_string(err)) +
        " (X509_verify_cert error " + std::to_string(err) + ") at depth " + std::to_string(depth);
    if (X509* bad = X509_STORE_CTX_get_current_cert(ctx.get())) {
        detail += ", certificate " + rfc2253(X509_get_subject_name(bad));
    }
    ERR_clear_error();
    return fail(std::move(detail));
}

}  // namespace legate::crypto
