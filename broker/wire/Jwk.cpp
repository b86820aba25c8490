#include "broker/wire/Jwk.h"

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "broker/wire/Base64Url.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using crypto::Bytes;
using crypto::EvpPkeyCtxPtr;
using crypto::EvpPkeyPtr;
using nlohmann::json;

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, crypto::Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, crypto::Deleter<OSSL_PARAM_free>>;

/// A NIST curve as JWK (RFC 7518 §6.2.1.1), OpenSSL and SEC 2 name it.
struct Curve {
    std::string_view jwkName;
    const char* opensslName;
    std::string_view secName;  ///< what crypto::PublicKey::curveName() returns
    size_t coordinateBytes;
};

constexpr std::array kCurves = {
    Curve{"P-256", "P-256", "secp256r1", 32},
    Curve{"P-384", "P-384", "secp384r1", 48},
    Curve{"P-521", "P-521", "secp521r1", 66},
};

/// Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4).
constexpr std::array<std::string_view, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                             "dq", "qi", "oth", "k"};

/// Smallest public exponent accepted: FIPS 186-5 requires e > 2^16, and OpenSSL's
/// own public-key check (SP 800-56B) refuses anything smaller as well.
constexpr unsigned long kMinRsaExponent = 65537;
/// ... and e < 2^256.
constexpr size_t kMaxRsaExponentBytes = 32;

Problem bad(std::string detail) {
    ERR_clear_error();  // do not leave stale OpenSSL errors for the next caller
    return Problem::make(ErrorType::badPublicKey, "JWK: " + std::move(detail));
}

std::string typeName(const json& v) {
    return v.type_name();
}

Result<std::string> stringMember(const json& jwk, const char* name) {
    const auto it = jwk.find(name);
    if (it == jwk.end()) {
        return bad(std::string("missing member \"") + name + "\"");
    }
    if (!it->is_string()) {
        return bad(std::string("member \"") + name + "\" must be a string, not " + typeName(*it));
    }
    return it->get<std::string>();
}

/// A base64url member holding an unsigned big-endian integer or raw key bytes.
Result<Bytes> bytesMember(const json& jwk, const char* name) {
    auto text = stringMember(jwk, name);
    if (!text) {
        return std::move(text).problem();
    }
    auto bytes = base64UrlDecode(*text);
    if (!bytes) {
        return bad(std::string("member \"") + name + "\": " + bytes.problem().detail);
    }
    if (bytes->empty()) {
        return bad(std::string("member \"") + name + "\" is empty");
    }
    return std::move(*bytes);
}

/// RFC 7518 §6.3.1: n and e use the minimum number of octets.
Result<Bytes> integerMember(const json& jwk, const char* name) {
    auto bytes = bytesMember(jwk, name);
    if (bytes && bytes->front() == 0) {
        return bad(std::string("member \"") + name + "\" has a leading zero octet");
    }
    return bytes;
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

crypto::BignumPtr toBignum(const Bytes& bytes) {
    return crypto::BignumPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

Result<crypto::PublicKey> parseRsa(const json& jwk) {
    auto n = integerMember(jwk, "n");
    if (!n) {
        return std::move(n).problem();
    }
    auto e = integerMember(jwk, "e");
    if (!e) {
        return std::move(e).problem();
    }
    auto nBn = toBignum(*n);
    auto eBn = toBignum(*e);
    if (!nBn || !eBn) {
        return bad("BN_bin2bn failed");
    }
    const int bits = BN_num_bits(nBn.get());
    if (bits < kMinRsaBits) {
        return bad("RSA modulus of " + std::to_string(bits) + " bits is shorter than " +
                   std::to_string(kMinRsaBits));
    }
    if (bits > kMaxRsaBits) {
        return bad("RSA modulus of " + std::to_string(bits) + " bits is longer than " +
                   std::to_string(kMaxRsaBits));
    }
    if (!BN_is_odd(nBn.get())) {
        return bad("RSA modulus is even");
    }
    if (!BN_is_odd(eBn.get())) {
        return bad("RSA public exponent is even");
    }
    if (e->size() > kMaxRsaExponentBytes) {
        return bad("RSA public exponent is longer than 256 bits");
    }
    if (BN_num_bits(eBn.get()) <= 64 && BN_get_word(eBn.get()) < kMinRsaExponent) {
        return bad("RSA public exponent " + std::to_string(BN_get_word(eBn.get())) +
                   " is too small (minimum 65537)");
    }
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nBn.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eBn.get()) != 1) {
        return bad("OSSL_PARAM_BLD_push_BN failed");
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    EvpPkeyPtr key = params ? fromData("RSA", params.get()) : nullptr;
    if (!key) {
        return bad("not a usable RSA key: " + crypto::lastOpenSslError());
    }
    if (!publicCheck(key.get())) {
        return bad("RSA key fails the public-key check: " + crypto::lastOpenSslError());
    }
    return crypto::PublicKey::adopt(std::move(key));
}

Result<crypto::PublicKey> parseEc(const json& jwk) {
    auto crv = stringMember(jwk, "crv");
    if (!crv) {
        return std::move(crv).problem();
    }
    const Curve* curve = nullptr;
    for (const auto& c : kCurves) {
        if (c.jwkName == *crv) {
            curve = &c;
        }
    }
    if (curve == nullptr) {
        if (*crv == "Ed25519" || *crv == "Ed448" || *crv == "X25519" || *crv == "X448") {
            return bad("crv \"" + *crv + "\" belongs to kty OKP, not EC");
        }
        return bad("unsupported EC curve \"" + *crv + "\" (P-256, P-384, P-521 are accepted)");
    }
    auto x = bytesMember(jwk, "x");
    if (!x) {
        return std::move(x).problem();
    }
    auto y = bytesMember(jwk, "y");
    if (!y) {
        return std::move(y).problem();
    }
    // RFC 7518 §6.2.1.2/3: each coordinate is exactly the full field size.
    for (const auto& [name, value] : {std::pair{"x", &*x}, std::pair{"y", &*y}}) {
        if (value->size() != curve->coordinateBytes) {
            return bad(std::string("coordinate ") + name + " of a " + *crv + " key must be " +
                       std::to_string(curve->coordinateBytes) + " bytes, not " +
                       std::to_string(value->size()));
        }
    }
    Bytes point;  // SEC 1 uncompressed form: 04 || x || y
    point.reserve(1 + 2 * curve->coordinateBytes);
    point.push_back(0x04);
    point.insert(point.end(), x->begin(), x->end());
    point.insert(point.end(), y->begin(), y->end());

    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->opensslName,
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return bad("OSSL_PARAM_BLD_push failed");
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    EvpPkeyPtr key = params ? fromData("EC", params.get()) : nullptr;
    if (!key || !publicCheck(key.get())) {
        return bad("(x, y) is not a valid point on " + *crv);
    }
    return crypto::PublicKey::adopt(std::move(key));
}

Result<crypto::PublicKey> parseOkp(const json& jwk) {
    auto crv = stringMember(jwk, "crv");
    if (!crv) {
        return std::move(crv).problem();
    }
    if (*crv != "Ed25519") {
        for (const auto& c : kCurves) {
            if (c.jwkName == *crv) {
                return bad("crv \"" + *crv + "\" belongs to kty EC, not OKP");
            }
        }
        return bad("unsupported OKP curve \"" + *crv + "\" (only Ed25519 is accepted)");
    }
    auto x = bytesMember(jwk, "x");
    if (!x) {
        return std::move(x).problem();
    }
    if (x->size() != 32) {
        return bad("Ed25519 public key must be 32 bytes, not " + std::to_string(x->size()));
    }
    EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x->data(), x->size()));
    if (!key || !publicCheck(key.get())) {
        return bad("not a valid Ed25519 public key");
    }
    return crypto::PublicKey::adopt(std::move(key));
}

/// Unsigned big-endian bytes of a BIGNUM key parameter, left-padded to `width` (0: minimal).
std::optional<Bytes> bignumParam(EVP_PKEY* key, const char* name, size_t width) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
        return std::nullopt;
    }
    const crypto::BignumPtr bn(raw);
    const size_t size = width != 0 ? width : static_cast<size_t>(BN_num_bytes(bn.get()));
    Bytes out(size);
    if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) {
        return std::nullopt;
    }
    return out;
}

Problem unsupported(std::string detail) {
    ERR_clear_error();
    return Problem::make(ErrorType::badPublicKey, std::move(detail));
}

}  // namespace

Result<crypto::PublicKey> parseJwk(const json& jwk) {
    if (!jwk.is_object()) {
        return bad("must be a JSON object, not " + typeName(jwk));
    }
    for (const auto name : kPrivateMembers) {
        if (jwk.contains(name)) {
            return bad("contains the private member \"" + std::string(name) +
                       "\"; send only the public key");
        }
    }
    auto kty = stringMember(jwk, "kty");
    if (!kty) {
        return std::move(kty).problem();
    }
    if (*kty == "RSA") {
        return parseRsa(jwk);
    }
    if (*kty == "EC") {
        return parseEc(jwk);
    }
    if (*kty == "OKP") {
        return parseOkp(jwk);
    }
    return bad("unsupported kty \"" + *kty + "\" (RSA, EC, OKP are accepted)");
}

Result<json> toJwk(const crypto::PublicKey& key) {
    EVP_PKEY* pkey = key.get();
    if (pkey == nullptr) {
        return unsupported("no key");
    }
    switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS: {
            auto n = bignumParam(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
            auto e = bignumParam(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
            if (!n || !e) {
                return unsupported("cannot read the RSA key parameters");
            }
            return json{{"kty", "RSA"}, {"n", base64UrlEncode(*n)}, {"e", base64UrlEncode(*e)}};
        }
        case EVP_PKEY_EC: {
            const std::string sec = key.curveName();
            for (const auto& c : kCurves) {
                if (c.secName != sec) {
                    continue;
                }
                auto x = bignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, c.coordinateBytes);
                auto y = bignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, c.coordinateBytes);
                if (!x || !y) {
                    return unsupported("cannot read the EC public point");
                }
                return json{{"kty", "EC"},
                            {"crv", std::string(c.jwkName)},
                            {"x", base64UrlEncode(*x)},
                            {"y", base64UrlEncode(*y)}};
            }
            return unsupported("EC curve \"" + sec + "\" has no JWK form here");
        }
        case EVP_PKEY_ED25519: {
            std::array<unsigned char, 32> raw{};
            size_t len = raw.size();
            if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size()) {
                return unsupported("cannot read the Ed25519 public key");
            }
            return json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", base64UrlEncode(raw)}};
        }
        default:
            return unsupported("key type has no JWK form here");
    }
}

Result<std::string> canonicalJwk(const crypto::PublicKey& key) {
    auto jwk = toJwk(key);
    if (!jwk) {
        return std::move(jwk).problem();
    }
    // toJwk emits exactly the required members; nlohmann's object keeps them sorted and
    // dump() without indent adds no whitespace: that is RFC 7638 §3.2's canonical form.
    return jwk->dump();
}

Result<std::string> jwkThumbprint(const crypto::PublicKey& key) {
    auto canonical = canonicalJwk(key);
    if (!canonical) {
        return std::move(canonical).problem();
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    if (EVP_Digest(canonical->data(), canonical->size(), digest.data(), &len, EVP_sha256(),
                   nullptr) != 1) {
        return Problem::make(ErrorType::serverInternal,
                             "EVP_Digest: " + crypto::lastOpenSslError());
    }
    return base64UrlEncode(std::span<const unsigned char>(digest.data(), len));
}

Result<std::string> jwkThumbprint(const json& jwk) {
    auto key = parseJwk(jwk);
    if (!key) {
        return std::move(key).problem();
    }
    return jwkThumbprint(*key);
}

bool sameKey(const crypto::PublicKey& a, const crypto::PublicKey& b) {
    return a.get() != nullptr && b.get() != nullptr &&
           EVP_PKEY_get_base_id(a.get()) == EVP_PKEY_get_base_id(b.get()) && a == b;
}

Result<bool> sameKey(const json& a, const json& b) {
    auto ka = parseJwk(a);
    if (!ka) {
        return std::move(ka).problem();
    }
    auto kb = parseJwk(b);
    if (!kb) {
        return std::move(kb).problem();
    }
    return sameKey(*ka, *kb);
}

}  // namespace legate::wire
