#include "broker/crypto/RsaKeyCheck.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

namespace legate::crypto {

std::optional<std::string> rsaParameterFault(const BIGNUM* n, const BIGNUM* e) {
    const int bits = BN_num_bits(n);
    if (bits < kMinRsaBits) {
        return "RSA modulus of " + std::to_string(bits) + " bits is shorter than " +
               std::to_string(kMinRsaBits);
    }
    if (bits > kMaxRsaBits) {
        return "RSA modulus of " + std::to_string(bits) + " bits is longer than " +
               std::to_string(kMaxRsaBits);
    }
    if (!BN_is_odd(n)) {
        return std::string("RSA modulus is even");
    }
    if (!BN_is_odd(e)) {
        return std::string("RSA public exponent is even");
    }
    if (BN_num_bits(e) > kMaxRsaExponentBits) {
        return "RSA public exponent is longer than " + std::to_string(kMaxRsaExponentBits) +
               " bits";
    }
    if (BN_num_bits(e) <= 64 && BN_get_word(e) < kMinRsaExponent) {
        return "RSA public exponent " + std::to_string(BN_get_word(e)) + " is too small (minimum " +
               std::to_string(kMinRsaExponent) + ")";
    }
    return std::nullopt;
}

std::optional<std::string> rsaPublicKeyFault(const PublicKey& key) {
    EVP_PKEY* pkey = key.get();
    if (pkey == nullptr || (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA &&
                            EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA_PSS)) {
        return std::nullopt;
    }
    BIGNUM* rawN = nullptr;
    BIGNUM* rawE = nullptr;
    const bool read = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &rawN) == 1 &&
                      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &rawE) == 1;
    BignumPtr n(rawN);
    BignumPtr e(rawE);
    if (!read) {
        ERR_clear_error();
        return std::string("cannot read the RSA key parameters");
    }
    if (auto fault = rsaParameterFault(n.get(), e.get())) {
        return fault;
    }
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
        return "RSA key fails the public-key check: " + lastOpenSslError();
    }
    return std::nullopt;
}

}  // namespace legate::crypto
