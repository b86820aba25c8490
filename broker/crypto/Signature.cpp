#include "broker/crypto/Signature.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace legate::crypto {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

const EVP_MD* mdOf(const SignatureScheme& scheme) {
    return scheme.hash ? evpDigest(*scheme.hash) : nullptr;
}

/// PSS padding on a sign/verify context: MGF1 with the same hash, salt = hash length.
bool setupPadding(EVP_PKEY_CTX* pctx, const PublicKey& key, const SignatureScheme& scheme) {
    if (key.algorithm() != KeyAlgorithm::Rsa || scheme.padding != SignatureScheme::Padding::Pss) {
        return true;
    }
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mdOf(scheme)) > 0;
}

acme::Problem internal(std::string_view call) {
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               std::string(call) + " failed: " + lastOpenSslError());
}

}  // namespace

Result<bool> verifySignature(const PublicKey& key, const SignatureScheme& scheme,
                             std::span<const unsigned char> data,
                             std::span<const unsigned char> signature) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, mdOf(scheme), nullptr, key.get()) != 1 ||
        !setupPadding(pctx, key, scheme)) {
        return internal("EVP_DigestVerifyInit");
    }
    const int rc =
        EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
    ERR_clear_error();  // a signature that does not verify is an answer, not an error
    return rc == 1;
}

Result<Bytes> sign(const PrivateKey& key, const SignatureScheme& scheme,
                   std::span<const unsigned char> data) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, mdOf(scheme), nullptr, key.get()) != 1 ||
        !setupPadding(pctx, key.publicKey(), scheme)) {
        return internal("EVP_DigestSignInit");
    }
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
        return internal("EVP_DigestSign");
    }
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
        return internal("EVP_DigestSign");
    }
    sig.resize(len);
    return sig;
}

std::optional<Bytes> ecdsaRawToDer(std::span<const unsigned char> raw, size_t width) {
    if (raw.size() != 2 * width) {
        return std::nullopt;
    }
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BignumPtr r(BN_bin2bn(raw.data(), static_cast<int>(width), nullptr));
    BignumPtr s(BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    r.release();  // now owned by sig
    s.release();
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0) {
        return std::nullopt;
    }
    Bytes der(static_cast<size_t>(len));
    unsigned char* out = der.data();
    if (i2d_ECDSA_SIG(sig.get(), &out) != len) {
        return std::nullopt;
    }
    return der;
}

std::optional<Bytes> ecdsaDerToRaw(const Bytes& der, size_t width) {
    const unsigned char* p = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) {
        ERR_clear_error();
        return std::nullopt;
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    Bytes raw(2 * width);
    if (BN_bn2binpad(r, raw.data(), static_cast<int>(width)) < 0 ||
        BN_bn2binpad(s, raw.data() + width, static_cast<int>(width)) < 0) {
        return std::nullopt;
    }
    return raw;
}

size_t maxSignatureSize(const PublicKey& key) {
    const int size = key.get() != nullptr ? EVP_PKEY_get_size(key.get()) : 0;
    return size > 0 ? static_cast<size_t>(size) : 0;
}

}  // namespace legate::crypto
