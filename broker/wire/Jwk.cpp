#include "broker/wire/Jwk.h"

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include "broker/crypto/Digest.h"
#include "broker/crypto/KeyComponents.h"
#include "broker/wire/Base64Url.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using crypto::Bytes;
using nlohmann::json;

/// A NIST curve as JWK (RFC 7518 §6.2.1.1) and SEC 2 name it.
struct Curve {
    std::string_view jwkName;
    std::string_view secName;  ///< what crypto::PublicKey::curveName() returns
    size_t coordinateBytes;
};

constexpr std::array kCurves = {
    Curve{"P-256", "secp256r1", 32},
    Curve{"P-384", "secp384r1", 48},
    Curve{"P-521", "secp521r1", 66},
};

/// Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4).
constexpr std::array<std::string_view, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                             "dq", "qi", "oth", "k"};

Problem bad(std::string detail) {
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

Result<crypto::PublicKey> parseRsa(const json& jwk) {
    auto n = integerMember(jwk, "n");
    if (!n) {
        return std::move(n).problem();
    }
    auto e = integerMember(jwk, "e");
    if (!e) {
        return std::move(e).problem();
    }
    auto key = crypto::rsaPublicKeyFromComponents(*n, *e);
    if (!key) {
        return bad(key.problem().detail);
    }
    return key;
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
    auto key = crypto::ecPublicKeyFromCoordinates(curve->jwkName, *x, *y);
    if (!key) {
        return bad("(x, y) is not a valid point on " + *crv);
    }
    return key;
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
    auto key = crypto::ed25519PublicKeyFromRaw(*x);
    if (!key) {
        return bad(key.problem().detail);
    }
    return key;
}

Problem unsupported(std::string detail) {
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
    if (key.get() == nullptr) {
        return unsupported("no key");
    }
    if (crypto::isEd25519(key)) {
        auto raw = crypto::ed25519Raw(key);
        if (!raw) {
            return unsupported("cannot read the Ed25519 public key");
        }
        return json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", base64UrlEncode(*raw)}};
    }
    switch (key.algorithm()) {
        case crypto::KeyAlgorithm::Rsa: {
            auto rsa = crypto::rsaComponents(key);
            if (!rsa) {
                return unsupported("cannot read the RSA key parameters");
            }
            return json{
                {"kty", "RSA"}, {"n", base64UrlEncode(rsa->n)}, {"e", base64UrlEncode(rsa->e)}};
        }
        case crypto::KeyAlgorithm::Ec: {
            const std::string sec = key.curveName();
            for (const auto& c : kCurves) {
                if (c.secName != sec) {
                    continue;
                }
                auto point = crypto::ecCoordinates(key, c.coordinateBytes);
                if (!point) {
                    return unsupported("cannot read the EC public point");
                }
                return json{{"kty", "EC"},
                            {"crv", std::string(c.jwkName)},
                            {"x", base64UrlEncode(point->x)},
                            {"y", base64UrlEncode(point->y)}};
            }
            return unsupported("EC curve \"" + sec + "\" has no JWK form here");
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
    const crypto::Bytes digest = crypto::sha256(*canonical);
    if (digest.empty()) {
        return Problem::make(ErrorType::serverInternal, "SHA-256 failed");
    }
    return base64UrlEncode(digest);
}

Result<std::string> jwkThumbprint(const json& jwk) {
    auto key = parseJwk(jwk);
    if (!key) {
        return std::move(key).problem();
    }
    return jwkThumbprint(*key);
}

bool sameKey(const crypto::PublicKey& a, const crypto::PublicKey& b) {
    // PublicKey's == compares type and parameters (EVP_PKEY_eq).
    return a.get() != nullptr && b.get() != nullptr && a.algorithm() == b.algorithm() &&
           crypto::isEd25519(a) == crypto::isEd25519(b) && a == b;
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
