#include "broker/wire/JwsAlgorithm.h"

#include <array>

#include "broker/crypto/KeyComponents.h"
#include "broker/crypto/Signature.h"
#include "broker/wire/Jwk.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using crypto::Bytes;

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

/// RFC 7518 §3.1: the hash and padding each algorithm signs with.
crypto::SignatureScheme schemeOf(JwsAlgorithm alg) {
    using crypto::HashAlgorithm;
    switch (alg) {
        case JwsAlgorithm::RS256:
        case JwsAlgorithm::ES256:
            return {HashAlgorithm::Sha256, crypto::SignatureScheme::Padding::Pkcs1};
        case JwsAlgorithm::PS256:
            return {HashAlgorithm::Sha256, crypto::SignatureScheme::Padding::Pss};
        case JwsAlgorithm::ES384:
            return {HashAlgorithm::Sha384, crypto::SignatureScheme::Padding::Pkcs1};
        case JwsAlgorithm::ES512:
            return {HashAlgorithm::Sha512, crypto::SignatureScheme::Padding::Pkcs1};
        case JwsAlgorithm::EdDSA:
            return {std::nullopt, crypto::SignatureScheme::Padding::Pkcs1};  // PureEdDSA
    }
    return {};
}

/// The key's family for algorithm checks: RSA, EC, Ed25519 or none of them.
enum class Family { Rsa, Ec, Ed25519, Other };
Family familyOf(const crypto::PublicKey& key) {
    if (key.get() == nullptr) {
        return Family::Other;
    }
    if (crypto::isEd25519(key)) {
        return Family::Ed25519;
    }
    switch (key.algorithm()) {
        case crypto::KeyAlgorithm::Rsa:
            return Family::Rsa;
        case crypto::KeyAlgorithm::Ec:
            return Family::Ec;
        default:
            return Family::Other;
    }
}

/// A short human name of a key's shape, for details: "P-384", "RSA-2048", "Ed25519".
std::string describe(const crypto::PublicKey& key) {
    switch (familyOf(key)) {
        case Family::Rsa:
            return "RSA-" + std::to_string(key.bits());
        case Family::Ec: {
            const std::string c = key.curveName();
            return c == "secp256r1"   ? "P-256"
                   : c == "secp384r1" ? "P-384"
                   : c == "secp521r1" ? "P-521"
                                      : "EC " + c;
        }
        case Family::Ed25519:
            return "Ed25519";
        case Family::Other:
            break;
    }
    return "unsupported";
}

Problem unauthorized(std::string detail) {
    return Problem::make(ErrorType::unauthorized, "JWS signature: " + std::move(detail), 401);
}

Problem internal(std::string_view what) {
    return Problem::make(ErrorType::serverInternal, std::string(what) + " failed");
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
    switch (familyOf(key)) {
        case Family::Rsa:
            return JwsAlgorithm::RS256;
        case Family::Ed25519:
            return JwsAlgorithm::EdDSA;
        case Family::Ec:
            for (const auto& a : kAlgorithms) {
                if (!a.curve.empty() && a.curve == key.curveName()) {
                    return a.alg;
                }
            }
            break;
        case Family::Other:
            break;
    }
    return Problem::make(ErrorType::badPublicKey,
                         "no JWS algorithm for a " + describe(key) + " key");
}

Status checkKeyFitsAlgorithm(JwsAlgorithm alg, const crypto::PublicKey& key) {
    if (key.get() == nullptr) {
        return Problem::make(ErrorType::badPublicKey, "no key");
    }
    const Family family = familyOf(key);
    const auto& a = info(alg);
    bool fits = false;
    switch (alg) {
        case JwsAlgorithm::RS256:
        case JwsAlgorithm::PS256:
            fits = family == Family::Rsa;
            if (fits && key.bits() < kMinRsaBits) {
                return Problem::make(ErrorType::badPublicKey,
                                     "RSA modulus of " + std::to_string(key.bits()) +
                                         " bits is shorter than " + std::to_string(kMinRsaBits));
            }
            break;
        case JwsAlgorithm::ES256:
        case JwsAlgorithm::ES384:
        case JwsAlgorithm::ES512:
            fits = family == Family::Ec && key.curveName() == a.curve;
            break;
        case JwsAlgorithm::EdDSA:
            fits = family == Family::Ed25519;
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
        auto converted = crypto::ecdsaRawToDer(signature, a.coordinateBytes);
        if (!converted) {
            return internal("ECDSA_SIG conversion");
        }
        der = std::move(*converted);
        signature = der;
    } else if (alg == JwsAlgorithm::EdDSA && signature.size() != 64) {
        return unauthorized("EdDSA signature must be 64 bytes, got " +
                            std::to_string(signature.size()));
    } else if (alg != JwsAlgorithm::EdDSA && signature.size() != crypto::maxSignatureSize(key)) {
        return unauthorized(std::string(a.name) + " signature must be " +
                            std::to_string(crypto::maxSignatureSize(key)) + " bytes, got " +
                            std::to_string(signature.size()));
    }
    const auto* data = reinterpret_cast<const unsigned char*>(signingInput.data());
    auto verified =
        crypto::verifySignature(key, schemeOf(alg), {data, signingInput.size()}, signature);
    LEGATE_TRY(verified);
    if (!*verified) {
        return unauthorized("does not verify with the " + describe(key) + " key");
    }
    return okStatus();
}

Result<Bytes> createJwsSignature(JwsAlgorithm alg, const crypto::PrivateKey& key,
                                 std::string_view signingInput) {
    LEGATE_TRY(checkKeyFitsAlgorithm(alg, key.publicKey()));
    const auto* data = reinterpret_cast<const unsigned char*>(signingInput.data());
    auto signed_ = crypto::sign(key, schemeOf(alg), {data, signingInput.size()});
    LEGATE_TRY(signed_);
    Bytes sig = std::move(signed_).value();
    if (!isEcdsa(alg)) {
        return sig;
    }
    auto raw = crypto::ecdsaDerToRaw(sig, info(alg).coordinateBytes);
    if (!raw) {
        return internal("ECDSA signature conversion");
    }
    return std::move(*raw);
}

}  // namespace legate::wire
