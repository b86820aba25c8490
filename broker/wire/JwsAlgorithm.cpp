#include "broker/wire/JwsAlgorithm.h"

#include <array>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "broker/wire/Jwk.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using crypto::Bytes;

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, crypto::Deleter<ECDSA_SIG_free>>;

struct AlgorithmInfo {
    JwsAlgorithm alg;
    std::string_view name;
    /// For ECDSA: the SEC 2 curve name the key must have and the r (= s) length.
    std::string_view curve;
    size_t coordinateBytes;
};

constexpr std::array kAlgorithms = {
    AlgorithmInfo{JwsAlgorithm::RS256, "RS256", "", 0},
    AlgorithmInfo{JwsAlgorithm::PS256, "PS256", "", 0},
    AlgorithmInfo{JwsAlgorithm::ES256, "ES256", "secp256r1", 32},
    AlgorithmInfo{JwsAlgorithm::ES384, "ES384", "secp384r1", 48},
    AlgorithmInfo{JwsAlgorithm::ES512, "ES512", "secp521r1", 66},
    AlgorithmInfo{JwsAlgorithm::EdDSA, "EdDSA", "", 0},
};

const AlgorithmInfo& info(JwsAlgorithm alg) {
    for (const auto& a : kAlgorithms) {
        if (a.alg == alg) {
            return a;
        }
    }
    return kAlgorithms[0];
}

bool isEcdsa(JwsAlgorithm alg) {
    return alg == JwsAlgorithm::ES256 || alg == JwsAlgorithm::ES384 || alg == JwsAlgorithm::ES512;
}

const EVP_MD* digestOf(JwsAlgorithm alg) {
    switch (alg) {
        case JwsAlgorithm::RS256:
        case JwsAlgorithm::PS256:
        case JwsAlgorithm::ES256:
            return EVP_sha256();
        case JwsAlgorithm::ES384:
            return EVP_sha384();
        case JwsAlgorithm::ES512:
            return EVP_sha512();
        case JwsAlgorithm::EdDSA:
            return nullptr;  // Ed25519 hashes internally (PureEdDSA)
    }
    return nullptr;
}

/// A short human name of a key's shape, for details: "P-384", "RSA-2048", "Ed25519".
std::string describe(const crypto::PublicKey& key) {
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            return "RSA-" + std::to_string(key.bits());
        case EVP_PKEY_EC: {
            const std::string c = key.curveName();
            return c == "secp256r1"   ? "P-256"
                   : c == "secp384r1" ? "P-384"
                   : c == "secp521r1" ? "P-521"
                                      : "EC " + c;
        }
        case EVP_PKEY_ED25519:
            return "Ed25519";
        default:
            return "unsupported";
    }
}

Problem unauthorized(std::string detail) {
    ERR_clear_error();
    return Problem::make(ErrorType::unauthorized, "JWS signature: " + std::move(detail), 401);
}

Problem internal(std::string_view call) {
    return Problem::make(ErrorType::serverInternal,
                         std::string(call) + " failed: " + crypto::lastOpenSslError());
}

/// Sets up PS256's padding on a sign/verify context (RFC 7518 §3.5: MGF1 with the
/// same hash, salt as long as the hash).
bool setupPss(EVP_PKEY_CTX* pctx) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

/// r‖s (each `width` bytes) to the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<Bytes> rawToDer(std::span<const unsigned char> raw, size_t width) {
    EcdsaSigPtr sig(ECDSA_SIG_new());
    crypto::BignumPtr r(BN_bin2bn(raw.data(), static_cast<int>(width), nullptr));
    crypto::BignumPtr s(BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
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

/// DER ECDSA-Sig-Value to r‖s, each left-padded to `width` bytes.
std::optional<Bytes> derToRaw(const Bytes& der, size_t width) {
    const unsigned char* p = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) {
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

}  // namespace

std::string_view jwsAlgorithmName(JwsAlgorithm alg) {
    return info(alg).name;
}

std::optional<JwsAlgorithm> parseJwsAlgorithm(std::string_view name) {
    for (const auto& a : kAlgorithms) {
        if (a.name == name) {
            return a.alg;
        }
    }
    return std::nullopt;
}

const std::vector<std::string>& acceptedJwsAlgorithms() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& a : kAlgorithms) {
            v.emplace_back(a.name);
        }
        return v;
    }();
    return names;
}

Problem badSignatureAlgorithm(std::string detail) {
    auto p = Problem::make(ErrorType::badSignatureAlgorithm, std::move(detail));
    p.algorithms = acceptedJwsAlgorithms();
    return p;
}

Result<JwsAlgorithm> defaultJwsAlgorithm(const crypto::PublicKey& key) {
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            return JwsAlgorithm::RS256;
        case EVP_PKEY_ED25519:
            return JwsAlgorithm::EdDSA;
        case EVP_PKEY_EC:
            for (const auto& a : kAlgorithms) {
                if (!a.curve.empty() && a.curve == key.curveName()) {
                    return a.alg;
                }
            }
            break;
        default:
            break;
    }
    return Problem::make(ErrorType::badPublicKey,
                         "no JWS algorithm for a " + describe(key) + " key");
}

Status checkKeyFitsAlgorithm(JwsAlgorithm alg, const crypto::PublicKey& key) {
    if (key.get() == nullptr) {
        return Problem::make(ErrorType::badPublicKey, "no key");
    }
    const int base = EVP_PKEY_get_base_id(key.get());
    const auto& a = info(alg);
    bool fits = false;
    switch (alg) {
        case JwsAlgorithm::RS256:
        case JwsAlgorithm::PS256:
            fits = base == EVP_PKEY_RSA || base == EVP_PKEY_RSA_PSS;
            if (fits && key.bits() < kMinRsaBits) {
                return Problem::make(ErrorType::badPublicKey,
                                     "RSA modulus of " + std::to_string(key.bits()) +
                                         " bits is shorter than " + std::to_string(kMinRsaBits));
            }
            break;
        case JwsAlgorithm::ES256:
        case JwsAlgorithm::ES384:
        case JwsAlgorithm::ES512:
            fits = base == EVP_PKEY_EC && key.curveName() == a.curve;
            break;
        case JwsAlgorithm::EdDSA:
            fits = base == EVP_PKEY_ED25519;
            break;
    }
    if (!fits) {
        std::string detail =
            "alg " + std::string(a.name) + " does not fit a " + describe(key) + " key";
        if (auto right = defaultJwsAlgorithm(key)) {
            detail += " (use " + std::string(jwsAlgorithmName(*right)) + ")";
        }
        return badSignatureAlgorithm(std::move(detail));
    }
    return okStatus();
}

Status verifyJwsSignature(JwsAlgorithm alg, const crypto::PublicKey& key,
                          std::string_view signingInput, std::span<const unsigned char> signature) {
    LEGATE_TRY(checkKeyFitsAlgorithm(alg, key));
    const auto& a = info(alg);
    Bytes der;
    if (isEcdsa(alg)) {
        if (signature.size() != 2 * a.coordinateBytes) {
            return unauthorized(std::string(a.name) + " signature must be the " +
                                std::to_string(2 * a.coordinateBytes) + "-byte r||s form, got " +
                                std::to_string(signature.size()) + " bytes");
        }
        auto converted = rawToDer(signature, a.coordinateBytes);
        if (!converted) {
            return internal("ECDSA_SIG conversion");
        }
        der = std::move(*converted);
        signature = der;
    } else if (alg == JwsAlgorithm::EdDSA && signature.size() != 64) {
        return unauthorized("EdDSA signature must be 64 bytes, got " +
                            std::to_string(signature.size()));
    } else if (alg != JwsAlgorithm::EdDSA &&
               signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key.get()))) {
        return unauthorized(std::string(a.name) + " signature must be " +
                            std::to_string(EVP_PKEY_get_size(key.get())) + " bytes, got " +
                            std::to_string(signature.size()));
    }
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digestOf(alg), nullptr, key.get()) != 1 ||
        (alg == JwsAlgorithm::PS256 && !setupPss(pctx))) {
        return internal("EVP_DigestVerifyInit");
    }
    const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                    reinterpret_cast<const unsigned char*>(signingInput.data()),
                                    signingInput.size());
    if (rc != 1) {
        return unauthorized("does not verify with the " + describe(key) + " key");
    }
    return okStatus();
}

Result<Bytes> createJwsSignature(JwsAlgorithm alg, const crypto::PrivateKey& key,
                                 std::string_view signingInput) {
    LEGATE_TRY(checkKeyFitsAlgorithm(alg, key.publicKey()));
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digestOf(alg), nullptr, key.get()) != 1 ||
        (alg == JwsAlgorithm::PS256 && !setupPss(pctx))) {
        return internal("EVP_DigestSignInit");
    }
    const auto* data = reinterpret_cast<const unsigned char*>(signingInput.data());
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, data, signingInput.size()) != 1) {
        return internal("EVP_DigestSign");
    }
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data, signingInput.size()) != 1) {
        return internal("EVP_DigestSign");
    }
    sig.resize(len);
    if (!isEcdsa(alg)) {
        return sig;
    }
    auto raw = derToRaw(sig, info(alg).coordinateBytes);
    if (!raw) {
        return internal("d2i_ECDSA_SIG");
    }
    return std::move(*raw);
}

}  // namespace legate::wire
