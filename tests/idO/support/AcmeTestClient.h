#pragma once
/// A scriptable NDC for tests: its own account key, an HTTPS client trusting the test
/// environment's development CA, nonce bookkeeping, and a JWS builder that can produce
/// both correct requests and every malformed variant a hostile test needs.
///
///   AcmeTestClient ndc(env);                         // tenant "example", P-256 key
///   auto onboarded = ndc.onboard();                  // NDC + EAB + newAccount (201)
///   auto reply = ndc.post(ndc.urls().newOrder(), order);
///   JwsOverrides noNonce;
///   noNonce.omitNonce = true;
///   auto bad = ndc.rawPost(url, ndc.signedBody(url, payload, noNonce));
///
/// Every reply's Replay-Nonce is kept; the next request uses it (or fetches one with
/// HEAD new-nonce).  `post` retries once when the server answers badNonce, with the
/// fresh nonce of that answer, as RFC 8555 §6.5 asks of clients; `rawPost` never does.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/crypto/Key.h"
#include "broker/http/Headers.h"
#include "broker/http/HttpClient.h"
#include "idO/tenant/AcmeUrls.h"
#include "tests/idO/support/AcmeTestEnvironment.h"

namespace legate::ido {

inline constexpr const char* kJoseJson = "application/jose+json";

/// One HTTP answer as the test sees it.
struct AcmeReply {
    int status = 0;
    http::Headers headers;
    std::string body;

    /// The body parsed as JSON; null when it is empty or not JSON.
    nlohmann::json json() const;
    /// The problem `type` URN of a problem+json answer, else "".
    std::string problemType() const;
    std::string contentType() const { return headers.get("Content-Type").value_or(""); }
    std::string location() const { return headers.get("Location").value_or(""); }
    std::optional<std::string> replayNonce() const { return headers.get("Replay-Nonce"); }
    /// "status <n> <body>" for assertion messages.
    std::string describe() const;
};

/// The full URN of an ACME error name: urn("badNonce").
std::string urn(const std::string& errorName);

/// How `signedBody` departs from a correct request.  The default is a correct JWS.
struct JwsOverrides {
    /// Which key reference goes into the protected header.  Auto: `kid` once the client
    /// has an account URL, `jwk` before.
    enum class KeyRef { Auto, Jwk, Kid, Both, Neither };
    /// How the signature is made.
    enum class Signature {
        Valid,     ///< with the signer's default algorithm (ES256 for P-256, RS256...)
        Tampered,  ///< a valid signature with one bit flipped
        Empty,     ///< ""
        Der,       ///< ECDSA in DER instead of r||s (RFC 7518 §3.4 forbids it)
        Hmac,      ///< HMAC-SHA256 with `hmacKey` (for HS256 on an account JWS)
    };

    /// The `alg` header value; the signature is still made as `signature` says (so
    /// {alg = "ES384"} with a P-256 key is an alg/key mismatch).
    std::optional<std::string> alg;
    /// The `nonce` value instead of a fresh one.
    std::optional<std::string> nonce;
    bool omitNonce = false;
    /// The `url` value instead of the request URL.
    std::optional<std::string> url;
    bool omitUrl = false;
    KeyRef key = KeyRef::Auto;
    /// The `kid` value instead of the client's account URL.
    std::optional<std::string> kid;
    /// The `jwk` value instead of the client's public key.
    std::optional<nlohmann::json> jwk;
    /// Members merged into the protected header last (may replace any of the above).
    nlohmann::json extraHeader = nlohmann::json::object();
    /// The exact protected-header text (base64url-encoded as given) instead of the
    /// serialized header: duplicate members, non-JSON...
    std::optional<std::string> protectedText;
    /// The exact payload bytes instead of the serialized payload.
    std::optional<std::string> payloadText;
    /// Sign with this key instead of the client's.
    const crypto::PrivateKey* signer = nullptr;
    Signature signature = Signature::Valid;
    /// Key for Signature::Hmac.
    std::string hmacKey = "not-an-account-key-but-a-mac-key";
    /// Replace the payload after signing (the signature no longer covers it).
    std::optional<std::string> payloadAfterSigning;
    /// Last word on the flattened JWS object (add "header", remove "signature"...).
    std::function<void(nlohmann::json&)> mutate;
};

/// What `onboard` made.
struct OnboardedNdc {
    std::string ndcId;
    std::string eabKid;
    std::string hmacKey;  ///< base64url
    std::string accountUrl;
    AcmeReply reply;  ///< the newAccount answer
};

class AcmeTestClient {
public:
    /// A client of `tenant` on `env` with a fresh account key of `keyType`.
    explicit AcmeTestClient(AcmeTestEnvironment& env, std::string tenant = "example",
                            crypto::KeyType keyType = crypto::KeyType::P256);

    AcmeTestEnvironment& env() { return env_; }
    const std::string& tenant() const { return tenant_; }
    /// Every URL of the tenant (the same AcmeUrls the server uses).
    const AcmeUrls& urls() const { return urls_; }
    const crypto::PrivateKey& key() const { return key_; }
    nlohmann::json publicJwk() const;

    /// Set by a successful registration (Location of newAccount); settable for tests
    /// that borrow another account's URL.
    const std::string& accountUrl() const { return accountUrl_; }
    void setAccountUrl(std::string url) { accountUrl_ = std::move(url); }
    /// The NDC id made by onboard(), else "".
    const std::string& ndcId() const { return ndcId_; }

    // ---- plain HTTP ----
    AcmeReply request(const std::string& method, const std::string& url,
                      const http::Headers& headers = {}, const std::string& body = {});
    AcmeReply get(const std::string& url) { return request("GET", url); }
    AcmeReply head(const std::string& url) { return request("HEAD", url); }
    /// GET directory.
    AcmeReply directory() { return get(urls_.directory()); }
    /// HEAD new-nonce; returns the nonce (throws std::runtime_error if none came).
    std::string fetchNonce();

    // ---- signed requests ----
    /// A correctly signed POST (nullopt payload = POST-as-GET), retried once on badNonce.
    AcmeReply post(const std::string& url, const std::optional<nlohmann::json>& payload);
    AcmeReply postAsGet(const std::string& url) { return post(url, std::nullopt); }
    /// Exactly this body, no retry.
    AcmeReply rawPost(const std::string& url, const std::string& body,
                      const std::string& contentType = kJoseJson);
    /// The JWS body for `url` and `payload` with `overrides` applied; consumes a nonce
    /// (unless one is given or omitted).
    std::string signedBody(const std::string& url, const std::optional<nlohmann::json>& payload,
                           const JwsOverrides& overrides = {});

    // ---- accounts ----
    /// The externalAccountBinding object for this client's key (RFC 8555 §7.3.4).
    nlohmann::json eabBinding(const std::string& kid, const std::string& hmacKeyBase64Url,
                              const std::string& url = {}) const;
    /// newAccount with an EAB; on 200/201 remembers the account URL.
    AcmeReply registerWithEab(const std::string& kid, const std::string& hmacKeyBase64Url,
                              const std::vector<std::string>& contacts = {
                                  "mailto:ops@cdn.example"});
    /// Creates an NDC in the tenant (TenantState::createNdc) and registers with its EAB.
    /// Throws std::runtime_error unless newAccount answered 201.
    OnboardedNdc onboard(const std::string& name = "cdn");

private:
    void remember(const AcmeReply& reply);
    std::string takeNonce();

    AcmeTestEnvironment& env_;
    std::string tenant_;
    AcmeUrls urls_;
    crypto::PrivateKey key_;
    std::unique_ptr<http::HttpClient> http_;
    std::optional<std::string> nonce_;
    std::string accountUrl_;
    std::string ndcId_;
};

}  // namespace legate::ido
