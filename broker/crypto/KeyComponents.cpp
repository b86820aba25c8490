#include "broker/crypto/KeyComponents.h"

#include <array>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "broker/crypto/RsaKeyCheck.h"

namespace legate::crypto {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

acme::Problem bad(std::string detail) {
    ERR_clear_error();  // do not leave stale OpenSSL errors for the next caller
    return acme::Problem::make(acme::ErrorType::badPublicKey, std::move(detail));
}

EvpPkeyPtr fromData(const char* type, const OSSL_PARAM* params) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) <=
            0) {
        return nullptr;
    }
    return EvpPkeyPtr(raw);
}

bool publicCheck(EVP_PKEY* key) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

BignumPtr toBignum(const Bytes& bytes) {
    return BignumPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

/// Unsigned big-endian bytes of a BIGNUM key parameter, left-padded to `width` (0: minimal).
std::optional<Bytes> bignumParam(EVP_PKEY* key, const char* name, size_t width) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    const BignumPtr bn(raw);
    const size_t size = width != 0 ? width : static_cast<size_t>(BN_num_bytes(bn.get()));
    Bytes out(size);
    if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) {
        return std::nullopt;
    }
    return out;
}

struct Curve {
    std::string_view name;
    size_t coordinateBytes;
};
constexpr std::array kCurves = {Curve{"P-256", 32}, Curve{"P-384", 48}, Curve{"P-521", 66}};

}  // namespace

Result<PublicKey> rsaPublicKeyFromComponents(const Bytes& n, const Bytes& e) {
    auto nBn = toBignum(n);
    auto eBn = toBignum(e);
    if (!nBn || !eBn) {
        return bad("BN_bin2bn failed");
    }
    if (auto fault = rsaParameterFault(nBn.get(), eBn.get())) {
        return bad(std::move(*fault));
    }
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nBn.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eBn.get()) != 1) {
        return bad("OSSL_PARAM_BLD_push_BN failed");
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    EvpPkeyPtr key = params ? fromData("RSA", params.get()) : nullptr;
    if (!key) {
        return bad("not a usable RSA key: " + lastOpenSslError());
    }
    if (!publicCheck(key.get())) {
        return bad("RSA key fails the public-key check: " + lastOpenSslError());
    }
    return PublicKey::adopt(std::move(key));
}

Result<PublicKey> ecPublicKeyFromCoordinates(std::string_view curve, const Bytes& x,
                                             const Bytes& y) {
    const Curve* known = nullptr;
    for (const auto& c : kCurves) {
        if (c.name == curve) {
            known = &c;
        }
    }
    if (known == nullptr) {
        return bad("unsupported EC curve \"" + std::string(curve) + "\"");
    }
    Bytes point;  // SEC 1 uncompressed form: 04 || x || y
    point.reserve(1 + 2 * known->coordinateBytes);
    point.push_back(0x04);
    point.insert(point.end(), x.begin(), x.end());
    point.insert(point.end(), y.begin(), y.end());
    const std::string group(curve);
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return bad("OSSL_PARAM_BLD_push failed");
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    EvpPkeyPtr key = params ? fromData("EC", params.get()) : nullptr;
    if (x.size() != known->coordinateBytes || y.size() != known->coordinateBytes || !key ||
        !publicCheck(key.get())) {
        return bad("(x, y) is not a valid point on " + group);
    }
    return PublicKey::adopt(std::move(key));
}

Result<PublicKey> ed25519PublicKeyFromRaw(const Bytes& raw) {
    if (raw.size() != 32) {
        return bad("Ed25519 public key must be 32 bytes, not " + std::to_string(raw.size()));
    }
    EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
    if (!key || !publicCheck(key.get())) {
        return bad("not a valid Ed25519 public key");
    }
    return PublicKey::adopt(std::move(key));
}

std::optional<RsaComponents> rsaComponents(const PublicKey& key) {
    EVP_PKEY* pkey = key.get();
    if (pkey == nullptr || key.algorithm() != KeyAlgorithm::Rsa) {
        return std::nullopt;
    }
    auto n = bignumParam(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
    auto e = bignumParam(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n || !e) {
        return std::nullopt;
    }
    return RsaComponents{std::move(*n), std::move(*e)};
}

std::optional<EcCoordinates> ecCoordinates(const PublicKey& key, size_t width) {
    EVP_PKEY* pkey = key.get();
    if (pkey == nullptr || key.algorithm() != KeyAlgorithm::Ec) {
        return std::nullopt;
    }
    auto x = bignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, width);
    auto y = bignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, width);
    if (!x || !y) {
        return std::nullopt;
    }
    return EcCoordinates{std::move(*x), std::move(*y)};
}

std::optional<Bytes> ed25519Raw(const PublicKey& key) {
    if (!isEd25519(key)) {
        return std::nullopt;
    }
    Bytes raw(32);
    size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &len) != 1 || len != raw.size()) {
        ERR_clear_error();
        return std::nullopt;
    }
    return raw;
}

bool isEd25519(const PublicKey& key) {
    return key.get() != nullptr && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
}

}  // namespace legate::crypto
