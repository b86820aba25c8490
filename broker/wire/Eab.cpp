#include "broker/wire/Eab.h"

#include <array>

#include "broker/crypto/Digest.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

struct MacInfo {
    MacAlgorithm alg;
    std::string_view name;
    crypto::HashAlgorithm hash;
};

constexpr std::array kMacs = {
    MacInfo{MacAlgorithm::HS256, "HS256", crypto::HashAlgorithm::Sha256},
    MacInfo{MacAlgorithm::HS384, "HS384", crypto::HashAlgorithm::Sha384},
    MacInfo{MacAlgorithm::HS512, "HS512", crypto::HashAlgorithm::Sha512},
};

const MacInfo& info(MacAlgorithm alg) {
    for (const auto& m : kMacs) {
        if (m.alg == alg) {
            return m;
        }
    }
    return kMacs[0];
}

Problem unauthorized(std::string detail) {
    return Problem::make(ErrorType::unauthorized, "externalAccountBinding: " + std::move(detail),
                         401);
}

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, "externalAccountBinding: " + std::move(detail));
}

}  // namespace

std::string_view macAlgorithmName(MacAlgorithm alg) {
    return info(alg).name;
}

std::optional<MacAlgorithm> parseMacAlgorithm(std::string_view name) {
    for (const auto& m : kMacs) {
        if (m.name == name) {
            return m.alg;
        }
    }
    return std::nullopt;
}

crypto::Bytes computeMac(MacAlgorithm alg, std::span<const unsigned char> key,
                         std::string_view input) {
    return crypto::hmac(info(alg).hash, key, input);
}

Status verifyMac(MacAlgorithm alg, std::span<const unsigned char> key, std::string_view input,
                 std::span<const unsigned char> mac) {
    if (key.empty()) {
        // An empty key would make the MAC forgeable by anyone.
        return unauthorized("no usable MAC key");
    }
    const crypto::Bytes expected = computeMac(alg, key, input);
    if (expected.empty()) {
        return Problem::make(ErrorType::serverInternal,
                             "HMAC failed: " + crypto::lastOpenSslError());
    }
    if (!crypto::constantTimeEquals(mac, expected)) {
        return unauthorized("MAC does not verify");
    }
    return okStatus();
}

Result<json> createExternalAccountBinding(const crypto::PublicKey& accountKey,
                                          std::string_view keyId,
                                          std::span<const unsigned char> hmacKey,
                                          std::string_view newAccountUrl, MacAlgorithm alg) {
    if (hmacKey.empty()) {
        return Problem::make(ErrorType::serverInternal, "EAB: empty HMAC key");
    }
    auto jwk = toJwk(accountKey);
    if (!jwk) {
        return std::move(jwk).problem();
    }
    try {
        const json header = {{"alg", std::string(macAlgorithmName(alg))},
                             {"kid", std::string(keyId)},
                             {"url", std::string(newAccountUrl)}};
        const std::string protectedText = base64UrlEncode(header.dump());
        const std::string payloadText = base64UrlEncode(jwk->dump());
        const std::string signingInput = protectedText + "." + payloadText;
        const crypto::Bytes mac = computeMac(alg, hmacKey, signingInput);
        if (mac.empty()) {
            return Problem::make(ErrorType::serverInternal,
                                 "HMAC failed: " + crypto::lastOpenSslError());
        }
        return json{{"protected", protectedText},
                    {"payload", payloadText},
                    {"signature", base64UrlEncode(mac)}};
    } catch (const json::exception& ex) {
        // dump() refuses a key id or URL that is not UTF-8: a caller bug, as a value.
        return Problem::make(ErrorType::serverInternal, std::string("EAB: ") + ex.what());
    }
}

Result<VerifiedEab> verifyExternalAccountBinding(const json& binding,
                                                 const crypto::PublicKey& accountKey,
                                                 std::string_view outerUrl,
                                                 const EabKeyLookup& lookup) {
    auto jws = Jws::fromJson(binding, JwsOptions::externalAccountBinding());
    if (!jws) {
        auto p = std::move(jws).problem();
        p.detail = "externalAccountBinding: " + p.detail;
        return p;
    }
    const auto alg = parseMacAlgorithm(jws->algorithm());
    if (!alg) {
        return malformed("alg \"" + jws->algorithm() + "\" is not a MAC algorithm");
    }
    if (jws->url() != outerUrl) {
        return unauthorized("url does not match the newAccount request's url");
    }
    const std::string& keyId = *jws->kid();
    const auto key = lookup ? lookup(keyId) : std::nullopt;
    if (!key) {
        return unauthorized("unknown key identifier");
    }
    LEGATE_TRY(verifyMac(*alg, *key, jws->signingInput(), jws->signature()));

    auto payload = jws->payloadJson();
    if (!payload) {
        return malformed("payload must be the account's JWK: " + payload.problem().detail);
    }
    auto boundKey = parseJwk(*payload);
    if (!boundKey) {
        return malformed("payload is not an acceptable JWK: " + boundKey.problem().detail);
    }
    if (!sameKey(*boundKey, accountKey)) {
        return unauthorized("payload key differs from the account key of the request");
    }
    return VerifiedEab{keyId, *alg};
}

}  // namespace legate::wire
