#include "broker/wire/Jws.h"

#include <array>

#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

constexpr std::array<std::string_view, 3> kMacAlgorithms = {"HS256", "HS384", "HS512"};

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, "JWS: " + std::move(detail));
}

/// A member of the flattened object that must be a string.
Result<std::string> stringMember(const json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end()) {
        return malformed(std::string("missing member \"") + name + "\"");
    }
    if (!it->is_string()) {
        return malformed(std::string("member \"") + name + "\" must be a string, not " +
                         it->type_name());
    }
    return it->get<std::string>();
}

Result<crypto::Bytes> decode(const std::string& text, const char* what) {
    auto bytes = base64UrlDecode(text);
    if (!bytes) {
        return malformed(std::string(what) + ": " + bytes.problem().detail);
    }
    return bytes;
}

bool isMacAlgorithm(std::string_view alg) {
    for (const auto m : kMacAlgorithms) {
        if (m == alg) {
            return true;
        }
    }
    return false;
}

}  // namespace

Result<Jws> Jws::parse(std::string_view body, const JwsOptions& options) {
    JsonLimits limits;
    limits.maxBytes = options.maxBytes;
    auto doc = parseStrictJson(body, limits);
    if (!doc) {
        return std::move(doc).problem();
    }
    return fromJson(*doc, options);
}

Result<Jws> Jws::fromJson(const json& flattened, const JwsOptions& options) {
    if (!flattened.is_object()) {
        return malformed(std::string("must be a JSON object (flattened serialization), not ") +
                         flattened.type_name());
    }
    // RFC 8555 §6.2: flattened serialization only, everything integrity-protected.
    if (flattened.contains("signatures")) {
        return malformed("the general JSON serialization (\"signatures\") is not accepted");
    }
    if (flattened.contains("header")) {
        return malformed("an unprotected \"header\" is not accepted");
    }
    for (const auto& [name, value] : flattened.items()) {
        if (name != "protected" && name != "payload" && name != "signature") {
            return malformed("unexpected member \"" + name.substr(0, 64) + "\"");
        }
    }

    Jws jws;
    {
        auto p = stringMember(flattened, "protected");
        if (!p) {
            return std::move(p).problem();
        }
        auto pl = stringMember(flattened, "payload");
        if (!pl) {
            return std::move(pl).problem();
        }
        auto s = stringMember(flattened, "signature");
        if (!s) {
            return std::move(s).problem();
        }
        jws.protectedText_ = std::move(*p);
        jws.payloadText_ = std::move(*pl);
        jws.signatureText_ = std::move(*s);
    }
    if (jws.protectedText_.empty()) {
        return malformed("\"protected\" is empty");
    }
    if (jws.signatureText_.empty()) {
        return malformed("\"signature\" is empty");
    }

    // Protected header.
    auto headerBytes = decode(jws.protectedText_, "protected header");
    if (!headerBytes) {
        return std::move(headerBytes).problem();
    }
    JsonLimits limits;
    limits.maxBytes = options.maxBytes;
    auto header = parseStrictJson(
        std::string_view(reinterpret_cast<const char*>(headerBytes->data()), headerBytes->size()),
        limits);
    if (!header) {
        return malformed("protected header: " + header.problem().detail);
    }
    if (!header->is_object()) {
        return malformed("protected header must be a JSON object");
    }
    jws.header_ = std::move(*header);
    const json& h = jws.header_;

    if (h.contains("b64")) {
        return malformed("the \"b64\" header parameter (RFC 7797) is not accepted");
    }
    if (h.contains("crit")) {
        return malformed(
            "the \"crit\" header parameter is not accepted: no extension is supported");
    }

    // alg
    {
        auto alg = stringMember(h, "alg");
        if (!alg) {
            return malformed("protected header: " + alg.problem().detail);
        }
        jws.alg_ = std::move(*alg);
    }
    if (options.algorithms == AlgorithmFamily::Signature) {
        if (!parseJwsAlgorithm(jws.alg_)) {
            return badSignatureAlgorithm("alg \"" + jws.alg_.substr(0, 32) +
                                         "\" is not accepted for an ACME request");
        }
    } else if (!isMacAlgorithm(jws.alg_)) {
        return malformed("alg \"" + jws.alg_.substr(0, 32) +
                         "\" is not a MAC algorithm (HS256, HS384, HS512)");
    }

    // nonce
    if (const auto it = h.find("nonce"); it != h.end()) {
        if (options.nonce == NoncePolicy::Forbidden) {
            return malformed("this JWS must not carry a \"nonce\"");
        }
        if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
            !base64UrlDecode(it->get_ref<const std::string&>())) {
            return Problem::make(ErrorType::badNonce, "JWS: \"nonce\" is not a base64url string");
        }
        jws.nonce_ = it->get<std::string>();
    } else if (options.nonce == NoncePolicy::Required) {
        return Problem::make(ErrorType::badNonce, "JWS: the protected header has no \"nonce\"");
    }

    // url
    {
        auto url = stringMember(h, "url");
        if (!url) {
            return malformed("protected header: " + url.problem().detail);
        }
        if (url->empty()) {
            return malformed("protected header: \"url\" is empty");
        }
        jws.url_ = std::move(*url);
    }

    // jwk xor kid
    const bool hasJwk = h.contains("jwk");
    const bool hasKid = h.contains("kid");
    if (hasJwk && hasKid) {
        return malformed("the protected header carries both \"jwk\" and \"kid\"");
    }
    if (!hasJwk && !hasKid) {
        return malformed("the protected header carries neither \"jwk\" nor \"kid\"");
    }
    if (hasJwk && options.key == KeyReference::Kid) {
        return malformed("this request must be signed with \"kid\", not \"jwk\"");
    }
    if (hasKid && options.key == KeyReference::Jwk) {
        return malformed("this request must be signed with \"jwk\", not \"kid\"");
    }
    if (hasJwk) {
        const json& jwk = *h.find("jwk");
        if (!jwk.is_object()) {
            return malformed("\"jwk\" must be a JSON object");
        }
        jws.jwk_ = jwk;
    } else {
        const json& kid = *h.find("kid");
        if (!kid.is_string() || kid.get_ref<const std::string&>().empty()) {
            return malformed("\"kid\" must be a non-empty string");
        }
        jws.kid_ = kid.get<std::string>();
    }

    // payload: "" is POST-as-GET; anything else is base64url (JSON is checked on use).
    if (!jws.payloadText_.empty()) {
        auto payload = decode(jws.payloadText_, "payload");
        if (!payload) {
            return std::move(payload).problem();
        }
        jws.payload_ = std::move(*payload);
    }
    auto signature = decode(jws.signatureText_, "signature");
    if (!signature) {
        return std::move(signature).problem();
    }
    jws.signature_ = std::move(*signature);
    jws.signingInput_ = jws.protectedText_ + "." + jws.payloadText_;
    return jws;
}

Result<json> Jws::payloadJson() const {
    if (isPostAsGet()) {
        return malformed("payload is empty (POST-as-GET) where a JSON object is expected");
    }
    auto doc = parseStrictJson(
        std::string_view(reinterpret_cast<const char*>(payload_.data()), payload_.size()));
    if (!doc) {
        return malformed("payload: " + doc.problem().detail);
    }
    if (!doc->is_object()) {
        return malformed(std::string("payload must be a JSON object, not ") + doc->type_name());
    }
    return doc;
}

json Jws::toJson() const {
    return {
        {"protected", protectedText_}, {"payload", payloadText_}, {"signature", signatureText_}};
}

Result<crypto::PublicKey> Jws::embeddedKey() const {
    if (!jwk_) {
        return malformed("the protected header has no \"jwk\"");
    }
    return parseJwk(*jwk_);
}

Status Jws::verify(const crypto::PublicKey& key) const {
    const auto alg = parseJwsAlgorithm(alg_);
    if (!alg) {
        return badSignatureAlgorithm("alg \"" + alg_.substr(0, 32) +
                                     "\" is not accepted for an ACME request");
    }
    return verifyJwsSignature(*alg, key, signingInput_, signature_);
}

namespace {

Result<json> signUnchecked(const crypto::PrivateKey& key, const std::optional<json>& payload,
                           const JwsHeader& header) {
    const crypto::PublicKey pub = key.publicKey();
    JwsAlgorithm alg{};
    if (header.alg) {
        alg = *header.alg;
    } else {
        auto chosen = defaultJwsAlgorithm(pub);
        if (!chosen) {
            return std::move(chosen).problem();
        }
        alg = *chosen;
    }
    LEGATE_TRY(checkKeyFitsAlgorithm(alg, pub));
    if (payload && !payload->is_object()) {
        return Problem::make(ErrorType::serverInternal, "JWS payload must be a JSON object");
    }

    json protectedHeader = {{"alg", std::string(jwsAlgorithmName(alg))}, {"url", header.url}};
    if (header.nonce) {
        protectedHeader["nonce"] = *header.nonce;
    }
    if (header.kid) {
        protectedHeader["kid"] = *header.kid;
    } else {
        auto jwk = toJwk(pub);
        if (!jwk) {
            return std::move(jwk).problem();
        }
        protectedHeader["jwk"] = std::move(*jwk);
    }
    const std::string protectedText = base64UrlEncode(protectedHeader.dump());
    const std::string payloadText = payload ? base64UrlEncode(payload->dump()) : std::string();
    const std::string signingInput = protectedText + "." + payloadText;
    auto signature = createJwsSignature(alg, key, signingInput);
    if (!signature) {
        return std::move(signature).problem();
    }
    return json{{"protected", protectedText},
                {"payload", payloadText},
                {"signature", base64UrlEncode(*signature)}};
}

}  // namespace

Result<json> signJwsObject(const crypto::PrivateKey& key, const std::optional<json>& payload,
                           const JwsHeader& header) {
    try {
        return signUnchecked(key, payload, header);
    } catch (const json::exception& ex) {
        // dump() refuses strings that are not UTF-8: a caller bug, reported as a value.
        return Problem::make(ErrorType::serverInternal, std::string("JWS signing: ") + ex.what());
    }
}

Result<std::string> signJws(const crypto::PrivateKey& key, const std::optional<json>& payload,
                            const JwsHeader& header) {
    auto object = signJwsObject(key, payload, header);
    if (!object) {
        return std::move(object).problem();
    }
    return object->dump();
}

}  // namespace legate::wire
