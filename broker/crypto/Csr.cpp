#include "broker/crypto/Csr.h"

#include <algorithm>
#include <array>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "broker/crypto/Pem.h"
#include "broker/crypto/StrictDer.h"
#include "broker/crypto/X509Util.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using acme::Problem;

constexpr std::string_view kCsrLabel = "CERTIFICATE REQUEST";
/// RFC 7468 §7: parsers may accept the label some older tools still write.
constexpr std::string_view kLegacyCsrLabel = "NEW CERTIFICATE REQUEST";

Problem badCsr(std::string detail) {
    return Problem::make(ErrorType::badCSR, std::move(detail));
}
Problem badCsrCall(std::string_view call) {
    return badCsr(std::string(call) + ": " + lastOpenSslError());
}
struct EkuName {
    std::string_view name;
    std::string_view oid;
};
constexpr std::array kEkuNames = {
    EkuName{"serverAuth", "1.3.6.1.5.5.7.3.1"},   EkuName{"clientAuth", "1.3.6.1.5.5.7.3.2"},
    EkuName{"codeSigning", "1.3.6.1.5.5.7.3.3"},  EkuName{"emailProtection", "1.3.6.1.5.5.7.3.4"},
    EkuName{"timeStamping", "1.3.6.1.5.5.7.3.8"}, EkuName{"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
};

/// Short name of a known OID ("SHA256"), else its dotted text.
std::string hashName(const ASN1_OBJECT* obj) {
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
        if (const char* sn = OBJ_nid2sn(nid)) {
            return sn;
        }
    }
    return oidText(obj);
}

Result<PssParameters> decodePss(const X509_ALGOR* alg) {
    const ASN1_OBJECT* obj = nullptr;
    int ptype = V_ASN1_UNDEF;
    const void* pval = nullptr;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    PssParameters pss;
    pss.hash = "SHA1";
    pss.mgf1Hash = "SHA1";
    if (ptype == V_ASN1_UNDEF) {
        return pss;  // RFC 4055 defaults throughout
    }
    if (ptype != V_ASN1_SEQUENCE) {
        return badCsr("RSASSA-PSS parameters are not a SEQUENCE");
    }
    const auto* seq = static_cast<const ASN1_STRING*>(pval);
    const Bytes der(ASN1_STRING_get0_data(seq),
                    ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq));
    auto params = decodeExact<RsaPssParamsPtr>(der, d2i_RSA_PSS_PARAMS);
    if (!params) {
        return badCsrCall("d2i_RSA_PSS_PARAMS");
    }
    if (params->hashAlgorithm != nullptr) {
        pss.hash = hashName(params->hashAlgorithm->algorithm);
    }
    if (params->maskGenAlgorithm != nullptr) {
        const X509_ALGOR* mgf = params->maskGenAlgorithm;
        if (OBJ_obj2nid(mgf->algorithm) != NID_mgf1) {
            pss.mgf1Hash = "";  // not MGF1 at all
        } else {
            if (mgf->parameter == nullptr || mgf->parameter->type != V_ASN1_SEQUENCE) {
                return badCsr("RSASSA-PSS MGF1 parameters missing");
            }
            const ASN1_STRING* mseq = mgf->parameter->value.sequence;
            const Bytes mder(ASN1_STRING_get0_data(mseq),
                             ASN1_STRING_get0_data(mseq) + ASN1_STRING_length(mseq));
            auto mgfHash = decodeExact<X509AlgorPtr>(mder, d2i_X509_ALGOR);
            if (!mgfHash) {
                return badCsrCall("d2i_X509_ALGOR (MGF1 hash)");
            }
            pss.mgf1Hash = hashName(mgfHash->algorithm);
        }
    }
    if (params->saltLength != nullptr) {
        int64_t salt = 0;
        if (ASN1_INTEGER_get_int64(&salt, params->saltLength) != 1 || salt < 0 || salt > 65536) {
            return badCsr("RSASSA-PSS saltLength out of range");
        }
        pss.saltLength = static_cast<int>(salt);
    }
    if (params->trailerField != nullptr) {
        int64_t trailer = 0;
        if (ASN1_INTEGER_get_int64(&trailer, params->trailerField) != 1 || trailer < 0 ||
            trailer > 255) {
            return badCsr("RSASSA-PSS trailerField out of range");
        }
        pss.trailerField = static_cast<int>(trailer);
    }
    return pss;
}

std::string pssName(const PssParameters& pss) {
    struct Known {
        std::string_view hash;
        int salt;
        std::string_view name;
    };
    static constexpr std::array kKnown = {
        Known{"SHA256", 32, "sha256WithRSAandMGF1"},
        Known{"SHA384", 48, "sha384WithRSAandMGF1"},
        Known{"SHA512", 64, "sha512WithRSAandMGF1"},
    };
    for (const auto& k : kKnown) {
        if (pss.hash == k.hash && pss.mgf1Hash == k.hash && pss.saltLength == k.salt &&
            pss.trailerField == 1) {
            return std::string(k.name);
        }
    }
    return "RSASSA-PSS(hash=" + pss.hash +
           ",mgf=" + (pss.mgf1Hash.empty() ? std::string("non-MGF1") : "MGF1-" + pss.mgf1Hash) +
           ",salt=" + std::to_string(pss.saltLength) +
           ",trailer=" + std::to_string(pss.trailerField) + ")";
}

AlgorithmParameters parametersOf(int type) {
    switch (type) {
        case V_ASN1_UNDEF:
            return AlgorithmParameters::Absent;
        case V_ASN1_NULL:
            return AlgorithmParameters::Null;
        case V_ASN1_OBJECT:
            return AlgorithmParameters::Oid;
        default:
            return AlgorithmParameters::Other;
    }
}

/// The SubjectPublicKeyInfo's algorithm and parameters as encoded.
Result<KeyEncoding> decodeKeyEncoding(X509_REQ* req, const PublicKey& key) {
    KeyEncoding out;
    X509_PUBKEY* spki = X509_REQ_get_X509_PUBKEY(req);
    ASN1_OBJECT* algorithm = nullptr;
    X509_ALGOR* algor = nullptr;
    if (spki == nullptr ||
        X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, &algor, spki) != 1 ||
        algorithm == nullptr) {
        return badCsrCall("X509_PUBKEY_get0_param");
    }
    out.algorithmOid = oidText(algorithm);
    if (algor != nullptr) {
        const ASN1_OBJECT* ignored = nullptr;
        int type = V_ASN1_UNDEF;
        const void* parameter = nullptr;
        X509_ALGOR_get0(&ignored, &type, &parameter, algor);
        out.parameters = parametersOf(type);
        if (type == V_ASN1_OBJECT && parameter != nullptr) {
            out.parameterOid = oidText(static_cast<const ASN1_OBJECT*>(parameter));
        }
    }
    out.bits = key.bits();
    return out;
}

Result<SignatureAlgorithm> decodeSignatureAlgorithm(const X509_ALGOR* alg) {
    SignatureAlgorithm out;
    const ASN1_OBJECT* obj = nullptr;
    int parameterType = V_ASN1_UNDEF;
    const void* parameter = nullptr;
    X509_ALGOR_get0(&obj, &parameterType, &parameter, alg);
    out.parameters = parametersOf(parameterType);
    out.oid = oidText(obj);
    const int nid = OBJ_obj2nid(obj);
    if (nid == NID_rsassaPss) {
        auto pss = decodePss(alg);
        LEGATE_TRY(pss);
        out.name = pssName(*pss);
        out.pss = std::move(*pss);
        return out;
    }
    // OpenSSL's long names are the RFC 9115 tokens for PKCS#1 v1.5 and ECDSA
    // ("sha256WithRSAEncryption", "ecdsa-with-SHA256") and "ED25519" for Ed25519.
    const char* ln = nid != NID_undef ? OBJ_nid2ln(nid) : nullptr;
    out.name = ln != nullptr ? ln : out.oid;
    return out;
}

Result<std::string> utf8Of(const ASN1_STRING* s, std::string_view what) {
    unsigned char* out = nullptr;
    const int len = ASN1_STRING_to_UTF8(&out, s);
    if (len < 0) {
        return badCsr(std::string(what) + " is not a decodable string (ASN1_STRING_to_UTF8: " +
                      lastOpenSslError() + ")");
    }
    OpenSslBytesPtr owner(out);
    return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
}

Result<std::vector<Rdn>> decodeName(const X509_NAME* name) {
    std::vector<Rdn> rdns;
    int lastSet = -1;
    const int count = X509_NAME_entry_count(name);
    for (int i = 0; i < count; ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
        const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
        NameAttribute attr;
        attr.oid = oidText(obj);
        const int nid = OBJ_obj2nid(obj);
        if (nid != NID_undef) {
            if (const char* sn = OBJ_nid2sn(nid)) {
                attr.shortName = sn;
            }
        }
        auto value = utf8Of(data, "subject attribute " + attr.oid);
        LEGATE_TRY(value);
        attr.value = std::move(*value);
        attr.asn1Type = ASN1_STRING_type(data);
        const int set = X509_NAME_ENTRY_set(entry);
        if (rdns.empty() || set != lastSet) {
            rdns.emplace_back();
        }
        lastSet = set;
        rdns.back().attributes.push_back(std::move(attr));
    }
    return rdns;
}

/// Decodes the value of the (first) extensionRequest attribute: exactly one SEQUENCE OF
/// Extension, nothing after it.
Result<X509ExtensionsPtr> decodeExtensionRequest(X509_ATTRIBUTE* attr) {
    if (X509_ATTRIBUTE_count(attr) != 1) {
        return badCsr("extensionRequest attribute must carry exactly one value");
    }
    const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    if (value == nullptr || value->type != V_ASN1_SEQUENCE) {
        return badCsr("extensionRequest value is not a SEQUENCE");
    }
    const ASN1_STRING* seq = value->value.sequence;
    const Bytes der(ASN1_STRING_get0_data(seq),
                    ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq));
    const unsigned char* p = der.data();
    X509ExtensionsPtr exts(reinterpret_cast<STACK_OF(X509_EXTENSION)*>(ASN1_item_d2i(
        nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(X509_EXTENSIONS))));
    if (!exts) {
        return badCsrCall("ASN1_item_d2i (extensionRequest)");
    }
    if (p != der.data() + der.size()) {
        return badCsr("trailing data in extensionRequest");
    }
    return exts;
}

Result<X509ReqPtr> decodeRequest(const Bytes& der) {
    if (der.empty()) {
        return badCsr("empty CSR");
    }
    // Before any parser sees it: OpenSSL keeps the received bytes of the signed part,
    // so the re-encoding comparison below cannot see BER inside it.
    LEGATE_TRY(checkStrictDer(der, ErrorType::badCSR, "CSR"));
    const unsigned char* p = der.data();
    X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    if (!req) {
        return badCsrCall("d2i_X509_REQ");
    }
    if (p != der.data() + der.size()) {
        return badCsr("trailing data after the CSR (" +
                      std::to_string(der.data() + der.size() - p) + " bytes)");
    }
    // Belt and braces: DER re-encodes to the same bytes.
    unsigned char* reencoded = nullptr;
    const int len = i2d_X509_REQ(req.get(), &reencoded);
    OpenSslBytesPtr owner(reencoded);
    if (len <= 0) {
        return badCsrCall("i2d_X509_REQ");
    }
    if (static_cast<size_t>(len) != der.size() || !std::equal(der.begin(), der.end(), reencoded)) {
        return badCsr("CSR is not DER-encoded");
    }
    return req;
}

}  // namespace

const std::vector<std::string>& keyUsageNames() {
    static const std::vector<std::string> names = {
        "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
        "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly",
    };
    return names;
}

std::optional<std::string> extendedKeyUsageOid(std::string_view name) {
    for (const auto& e : kEkuNames) {
        if (e.name == name) {
            return std::string(e.oid);
        }
    }
    return std::nullopt;
}

std::optional<std::string> extendedKeyUsageName(std::string_view oid) {
    for (const auto& e : kEkuNames) {
        if (e.oid == oid) {
            return std::string(e.name);
        }
    }
    return std::nullopt;
}

// ---- Csr ----

Result<Csr> Csr::fromDer(const Bytes& der) {
    auto decoded = decodeRequest(der);
    LEGATE_TRY(decoded);
    X509_REQ* req = decoded->get();

    Csr csr;
    csr.der_ = der;

    if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
        return badCsr("CSR version must be 0 (v1), got " +
                      std::to_string(X509_REQ_get_version(req)));
    }

    EvpPkeyPtr key(X509_REQ_get_pubkey(req));
    if (!key) {
        return badCsrCall("X509_REQ_get_pubkey");
    }
    csr.publicKey_ = PublicKey::adopt(std::move(key));
    auto encoding = decodeKeyEncoding(req, csr.publicKey_);
    LEGATE_TRY(encoding);
    csr.keyEncoding_ = std::move(*encoding);

    const ASN1_BIT_STRING* signature = nullptr;
    const X509_ALGOR* alg = nullptr;
    X509_REQ_get0_signature(req, &signature, &alg);
    auto sigAlg = decodeSignatureAlgorithm(alg);
    LEGATE_TRY(sigAlg);
    csr.signatureAlgorithm_ = std::move(*sigAlg);

    auto subject = decodeName(X509_REQ_get_subject_name(req));
    LEGATE_TRY(subject);
    csr.subject_ = std::move(*subject);

    X509ExtensionsPtr exts;
    const int attrCount = X509_REQ_get_attr_count(req);
    for (int i = 0; i < attrCount; ++i) {
        X509_ATTRIBUTE* attr = X509_REQ_get_attr(req, i);
        const ASN1_OBJECT* obj = X509_ATTRIBUTE_get0_object(attr);
        if (OBJ_obj2nid(obj) == NID_ext_req && !exts) {
            auto decodedExts = decodeExtensionRequest(attr);
            LEGATE_TRY(decodedExts);
            exts = std::move(*decodedExts);
        } else {
            csr.otherAttributes_.push_back(oidText(obj));
        }
    }

    bool haveSan = false;
    for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
        X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
        Extension e;
        e.oid = oidText(X509_EXTENSION_get_object(ext));
        e.critical = X509_EXTENSION_get_critical(ext) > 0;
        const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
        e.value.assign(ASN1_STRING_get0_data(data),
                       ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
        switch (OBJ_obj2nid(X509_EXTENSION_get_object(ext))) {
            case NID_subject_alt_name: {
                // One decoded view per extension: a repeat would make it ambiguous.
                if (haveSan) {
                    return badCsr("subjectAltName extension requested twice");
                }
                haveSan = true;
                auto names = decodeGeneralNames(e.value, ErrorType::badCSR);
                LEGATE_TRY(names);
                csr.subjectAltNames_ = std::move(*names);
                break;
            }
            case NID_key_usage: {
                if (csr.keyUsage_) {
                    return badCsr("keyUsage extension requested twice");
                }
                auto ku = decodeKeyUsage(e.value, ErrorType::badCSR);
                LEGATE_TRY(ku);
                csr.keyUsage_ = std::move(*ku);
                break;
            }
            case NID_ext_key_usage: {
                if (csr.extendedKeyUsage_) {
                    return badCsr("extendedKeyUsage extension requested twice");
                }
                auto eku = decodeExtendedKeyUsage(e.value, ErrorType::badCSR);
                LEGATE_TRY(eku);
                csr.extendedKeyUsage_ = std::move(*eku);
                break;
            }
            default:
                break;
        }
        csr.extensions_.push_back(std::move(e));
    }
    return csr;
}

Result<Csr> Csr::fromPem(std::string_view pem) {
    auto blocks = parsePemBlocks(pem, ErrorType::badCSR);
    LEGATE_TRY(blocks);
    if (blocks->size() != 1) {
        return badCsr("expected exactly one PEM block, got " + std::to_string(blocks->size()));
    }
    const PemBlock& block = blocks->front();
    if (block.label != kCsrLabel && block.label != kLegacyCsrLabel) {
        return badCsr("PEM block is \"" + block.label + "\", not \"CERTIFICATE REQUEST\"");
    }
    return fromDer(block.der);
}

std::string Csr::toPem() const {
    return crypto::toPem(kCsrLabel, der_);
}

Status Csr::verifySignature() const {
    auto req = decodeRequest(der_);
    LEGATE_TRY(req);
    // X509_REQ_verify applies the AlgorithmIdentifier's own parameters (including
    // RSASSA-PSS hash, MGF1 and salt), so a non-template salt still verifies here and
    // is judged from signatureAlgorithm().pss instead.
    const int rc = X509_REQ_verify(req->get(), publicKey_.get());
    if (rc != 1) {
        return badCsr("CSR signature does not verify with its own public key (X509_REQ_verify: " +
                      lastOpenSslError() + ")");
    }
    return okStatus();
}

std::vector<std::string> Csr::dnsNames() const {
    std::vector<std::string> names;
    for (const auto& san : subjectAltNames_) {
        if (san.kind == GeneralName::Kind::Dns) {
            names.push_back(lowerAscii(san.value));
        }
    }
    for (const auto& rdn : subject_) {
        for (const auto& attr : rdn.attributes) {
            if (attr.oid == "2.5.4.3") {
                names.push_back(lowerAscii(attr.value));
            }
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

// ---- createCsr ----

namespace {

/// A short name, long name or dotted OID as an ASN1_OBJECT.
Result<Asn1ObjectPtr> objectFor(std::string_view text, std::string_view what) {
    const std::string s(text);
    Asn1ObjectPtr obj(s.empty() ? nullptr : OBJ_txt2obj(s.c_str(), 0));
    if (!obj) {
        return malformed("unknown " + std::string(what) + " \"" + s +
                         "\" (OBJ_txt2obj: " + lastOpenSslError() + ")");
    }
    return obj;
}

Result<X509NamePtr> buildSubject(const std::vector<CsrRequest::SubjectEntry>& entries) {
    X509NamePtr name(X509_NAME_new());
    if (!name) {
        return malformedCall("X509_NAME_new");
    }
    bool first = true;
    for (const auto& entry : entries) {
        auto obj = objectFor(entry.type, "subject attribute type");
        LEGATE_TRY(obj);
        const int type = entry.stringType != 0 ? entry.stringType : MBSTRING_UTF8;
        X509NameEntryPtr ne(X509_NAME_ENTRY_create_by_OBJ(
            nullptr, obj->get(), type, reinterpret_cast<const unsigned char*>(entry.value.data()),
            static_cast<int>(entry.value.size())));
        if (!ne) {
            return malformed("subject " + entry.type + "=\"" + entry.value +
                             "\": X509_NAME_ENTRY_create_by_OBJ: " + lastOpenSslError());
        }
        if (entry.sameRdnAsPrevious && first) {
            return malformed("the first subject entry cannot join a previous RDN");
        }
        if (X509_NAME_add_entry(name.get(), ne.get(), -1, entry.sameRdnAsPrevious ? -1 : 0) != 1) {
            return malformedCall("X509_NAME_add_entry");
        }
        first = false;
    }
    return name;
}

}  // namespace

Result<Bytes> createCsrDer(const PrivateKey& key, const CsrRequest& request) {
    if (key.get() == nullptr) {
        return malformed("no private key");
    }
    X509ReqPtr req(X509_REQ_new());
    if (!req) {
        return malformedCall("X509_REQ_new");
    }
    if (X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
        return malformedCall("X509_REQ_set_version");
    }
    auto subject = buildSubject(request.subject);
    LEGATE_TRY(subject);
    if (X509_REQ_set_subject_name(req.get(), subject->get()) != 1) {
        return malformedCall("X509_REQ_set_subject_name");
    }
    if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
        return malformedCall("X509_REQ_set_pubkey");
    }

    X509ExtensionsPtr exts(sk_X509_EXTENSION_new_null());
    if (!exts) {
        return malformedCall("sk_X509_EXTENSION_new_null");
    }
    auto push = [&](Result<X509ExtensionPtr> ext) -> Status {
        LEGATE_TRY(ext);
        if (sk_X509_EXTENSION_push(exts.get(), ext->get()) <= 0) {
            return malformedCall("sk_X509_EXTENSION_push");
        }
        ext->release();
        return okStatus();
    };
    if (!request.dnsNames.empty() || !request.emails.empty() || !request.uris.empty() ||
        !request.ipAddresses.empty()) {
        // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity: critical.
        LEGATE_TRY(push(subjectAltNameExtension(request.dnsNames, request.emails, request.uris,
                                                request.ipAddresses, request.subject.empty())));
    }
    if (!request.keyUsage.empty()) {
        LEGATE_TRY(push(keyUsageExtension(request.keyUsage, request.keyUsageCritical)));
    }
    if (!request.extendedKeyUsage.empty()) {
        LEGATE_TRY(push(extendedKeyUsageExtension(request.extendedKeyUsage)));
    }
    for (const auto& raw : request.extraExtensions) {
        LEGATE_TRY(push(rawExtension(raw.oid, raw.critical, raw.value)));
    }
    if (sk_X509_EXTENSION_num(exts.get()) > 0 &&
        X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
        return malformedCall("X509_REQ_add_extensions");
    }
    if (request.challengePassword) {
        const auto& pw = *request.challengePassword;
        if (X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(pw.data()),
                                      static_cast<int>(pw.size())) != 1) {
            return malformedCall("X509_REQ_add1_attr_by_NID (challengePassword)");
        }
    }

    const PublicKey pub = key.publicKey();
    auto md = digestFor(pub, request.digest);
    LEGATE_TRY(md);
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, *md, nullptr, key.get()) != 1) {
        return malformedCall("EVP_DigestSignInit");
    }
    if (request.pssSaltLength) {
        if (pub.algorithm() != KeyAlgorithm::Rsa) {
            return malformed("RSASSA-PSS needs an RSA key");
        }
        if (*request.pssSaltLength < 0) {
            return malformed("RSASSA-PSS salt length must not be negative");
        }
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, *request.pssSaltLength) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, *md) != 1) {
            return malformedCall("EVP_PKEY_CTX_set_rsa_pss_saltlen");
        }
    }
    if (X509_REQ_sign_ctx(req.get(), ctx.get()) <= 0) {
        return malformedCall("X509_REQ_sign_ctx");
    }
    unsigned char* der = nullptr;
    const int len = i2d_X509_REQ(req.get(), &der);
    OpenSslBytesPtr owner(der);
    if (len <= 0) {
        return malformedCall("i2d_X509_REQ");
    }
    return Bytes(der, der + len);
}

Result<Csr> createCsr(const PrivateKey& key, const CsrRequest& request) {
    auto der = createCsrDer(key, request);
    LEGATE_TRY(der);
    return Csr::fromDer(*der);
}

}  // namespace legate::crypto
