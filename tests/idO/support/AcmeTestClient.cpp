#include "tests/idO/support/AcmeTestClient.h"

#include <stdexcept>

#include <openssl/evp.h>

#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/JwsAlgorithm.h"

namespace legate::ido {
namespace {

crypto::PrivateKey generateKey(crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type);
    if (!key.ok()) {
        throw std::runtime_error("key generation: " + key.problem().detail);
    }
    return std::move(key).value();
}

template <class T>
T orThrow(Result<T> result, const std::string& what) {
    if (!result.ok()) {
        throw std::runtime_error(what + ": " + result.problem().detail);
    }
    return std::move(result).value();
}

/// An ECDSA signature in DER (what OpenSSL makes natively), for the hostile case that
/// JWS must refuse.
crypto::Bytes derSignature(const crypto::PrivateKey& key, const std::string& input) {
    const auto bits = key.publicKey().bits();
    const EVP_MD* md = bits > 384 ? EVP_sha512() : bits > 256 ? EVP_sha384() : EVP_sha256();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    crypto::Bytes out;
    size_t len = 0;
    if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key.get()) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1) {
        out.resize(len);
        if (EVP_DigestSign(ctx, out.data(), &len,
                           reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1) {
            out.resize(len);
        } else {
            out.clear();
        }
    }
    EVP_MD_CTX_free(ctx);
    if (out.empty()) {
        throw std::runtime_error("DER signature: OpenSSL failed (not an EC key?)");
    }
    return out;
}

}  // namespace

nlohmann::json AcmeReply::json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string AcmeReply::problemType() const {
    const auto doc = json();
    if (doc.is_object() && doc.contains("type") && doc["type"].is_string()) {
        return doc["type"].get<std::string>();
    }
    return {};
}

std::string AcmeReply::describe() const {
    return "status " + std::to_string(status) + " " + contentType() + " " + body;
}

std::string urn(const std::string& errorName) {
    return "urn:ietf:params:acme:error:" + errorName;
}

AcmeTestClient::AcmeTestClient(AcmeTestEnvironment& env, std::string tenant,
                               crypto::KeyType keyType)
    : env_(env),
      tenant_(std::move(tenant)),
      urls_(env.acmeUrl(), tenant_),
      key_(generateKey(keyType)) {
    http::HttpClientOptions options;
    options.caBundle = env.caFile();
    options.connectTimeout = std::chrono::seconds(5);
    options.totalTimeout = std::chrono::seconds(30);
    options.maxAttempts = 1;
    http_ = std::make_unique<http::HttpClient>(options);
}

nlohmann::json AcmeTestClient::publicJwk() const {
    return orThrow(wire::toJwk(key_.publicKey()), "toJwk");
}

AcmeReply AcmeTestClient::request(const std::string& method, const std::string& url,
                                  const http::Headers& headers, const std::string& body) {
    auto r = http_->request(method, url, headers, body);
    if (!r.ok()) {
        throw std::runtime_error(method + " " + url + ": " + r.problem().detail);
    }
    AcmeReply reply{r->status, r->headers, r->body};
    remember(reply);
    return reply;
}

void AcmeTestClient::remember(const AcmeReply& reply) {
    if (auto n = reply.replayNonce(); n && !n->empty()) {
        nonce_ = *n;
    }
}

std::string AcmeTestClient::fetchNonce() {
    auto reply = head(urls_.newNonce());
    auto n = reply.replayNonce();
    if (!n || n->empty()) {
        throw std::runtime_error("HEAD new-nonce gave no Replay-Nonce: " + reply.describe());
    }
    nonce_.reset();
    return *n;
}

std::string AcmeTestClient::takeNonce() {
    if (nonce_) {
        std::string n = std::move(*nonce_);
        nonce_.reset();
        return n;
    }
    return fetchNonce();
}

std::string AcmeTestClient::signedBody(const std::string& url,
                                       const std::optional<nlohmann::json>& payload,
                                       const JwsOverrides& o) {
    const crypto::PrivateKey& signer = o.signer ? *o.signer : key_;
    const auto algorithm = orThrow(wire::defaultJwsAlgorithm(signer.publicKey()), "alg");

    nlohmann::json header = nlohmann::json::object();
    header["alg"] = o.alg ? *o.alg
                          : (o.signature == JwsOverrides::Signature::Hmac
                                 ? std::string("HS256")
                                 : std::string(wire::jwsAlgorithmName(algorithm)));
    if (!o.omitNonce) {
        header["nonce"] = o.nonce ? *o.nonce : takeNonce();
    }
    if (!o.omitUrl) {
        header["url"] = o.url ? *o.url : url;
    }
    auto ref = o.key;
    if (ref == JwsOverrides::KeyRef::Auto) {
        ref = accountUrl_.empty() ? JwsOverrides::KeyRef::Jwk : JwsOverrides::KeyRef::Kid;
    }
    if (ref == JwsOverrides::KeyRef::Jwk || ref == JwsOverrides::KeyRef::Both) {
        header["jwk"] = o.jwk ? *o.jwk : orThrow(wire::toJwk(signer.publicKey()), "toJwk");
    }
    if (ref == JwsOverrides::KeyRef::Kid || ref == JwsOverrides::KeyRef::Both) {
        header["kid"] = o.kid ? *o.kid : accountUrl_;
    }
    for (const auto& [k, v] : o.extraHeader.items()) {
        header[k] = v;
    }

    const std::string protectedB64 =
        wire::base64UrlEncode(o.protectedText ? *o.protectedText : header.dump());
    std::string payloadBytes;
    if (o.payloadText) {
        payloadBytes = *o.payloadText;
    } else if (payload) {
        payloadBytes = payload->dump();
    }
    const std::string payloadB64 = payloadBytes.empty() && !o.payloadText
                                       ? std::string()
                                       : wire::base64UrlEncode(payloadBytes);
    const std::string signingInput = protectedB64 + "." + payloadB64;

    crypto::Bytes signature;
    switch (o.signature) {
        case JwsOverrides::Signature::Valid:
        case JwsOverrides::Signature::Tampered:
            signature =
                orThrow(wire::createJwsSignature(algorithm, signer, signingInput), "signature");
            if (o.signature == JwsOverrides::Signature::Tampered) {
                signature[signature.size() / 2] ^= 0x01;
            }
            break;
        case JwsOverrides::Signature::Empty:
            break;
        case JwsOverrides::Signature::Der:
            signature = derSignature(signer, signingInput);
            break;
        case JwsOverrides::Signature::Hmac: {
            const std::string& k = o.hmacKey;
            signature =
                wire::computeMac(wire::MacAlgorithm::HS256,
                                 std::span<const unsigned char>(
                                     reinterpret_cast<const unsigned char*>(k.data()), k.size()),
                                 signingInput);
            break;
        }
    }

    nlohmann::json flattened = {
        {"protected", protectedB64},
        {"payload",
         o.payloadAfterSigning ? wire::base64UrlEncode(*o.payloadAfterSigning) : payloadB64},
        {"signature", wire::base64UrlEncode(signature)},
    };
    if (o.mutate) {
        o.mutate(flattened);
    }
    return flattened.dump();
}

AcmeReply AcmeTestClient::rawPost(const std::string& url, const std::string& body,
                                  const std::string& contentType) {
    http::Headers headers;
    if (!contentType.empty()) {
        headers.add("Content-Type", contentType);
    }
    return request("POST", url, headers, body);
}

AcmeReply AcmeTestClient::post(const std::string& url,
                               const std::optional<nlohmann::json>& payload) {
    auto reply = rawPost(url, signedBody(url, payload));
    if (reply.status == 400 && reply.problemType() == urn("badNonce")) {
        // remember() kept the fresh nonce of the badNonce answer; takeNonce() uses it.
        reply = rawPost(url, signedBody(url, payload));
    }
    return reply;
}

nlohmann::json AcmeTestClient::eabBinding(const std::string& kid,
                                          const std::string& hmacKeyBase64Url,
                                          const std::string& url) const {
    const auto hmac = orThrow(wire::base64UrlDecode(hmacKeyBase64Url), "EAB HMAC key");
    return orThrow(wire::createExternalAccountBinding(key_.publicKey(), kid, hmac,
                                                      url.empty() ? urls_.newAccount() : url),
                   "EAB");
}

AcmeReply AcmeTestClient::registerWithEab(const std::string& kid,
                                          const std::string& hmacKeyBase64Url,
                                          const std::vector<std::string>& contacts) {
    nlohmann::json payload = {{"termsOfServiceAgreed", true},
                              {"contact", contacts},
                              {"externalAccountBinding", eabBinding(kid, hmacKeyBase64Url)}};
    const std::string saved = std::move(accountUrl_);
    accountUrl_.clear();  // newAccount is signed with jwk
    auto reply = post(urls_.newAccount(), payload);
    if ((reply.status == 200 || reply.status == 201) && !reply.location().empty()) {
        accountUrl_ = reply.location();
    } else {
        accountUrl_ = saved;
    }
    return reply;
}

OnboardedNdc AcmeTestClient::onboard(const std::string& name) {
    auto ndc = env_.tenant(tenant_).state.createNdc(name, "mailto:ops@" + name + ".example");
    if (!ndc.ok()) {
        throw std::runtime_error("createNdc: " + ndc.problem().detail);
    }
    ndcId_ = ndc->ndc.id;
    OnboardedNdc out;
    out.ndcId = ndc->ndc.id;
    out.eabKid = ndc->ndc.eabKid;
    out.hmacKey = ndc->hmacKey;
    out.reply = registerWithEab(out.eabKid, out.hmacKey);
    if (out.reply.status != 201) {
        throw std::runtime_error("onboard: newAccount answered " + out.reply.describe());
    }
    out.accountUrl = accountUrl_;
    return out;
}

}  // namespace legate::ido
