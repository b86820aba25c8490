#pragma once
/// ACME's JSON Web Signature: the flattened JSON serialization (RFC 7515 §7.2.2) with
/// the restrictions of RFC 8555 §6.2, as a request body is checked before anything
/// else looks at it (spec digest §4.2 steps 2-4 and 10; the caller does the nonce
/// store, the account lookup and the URL comparison).
///
/// `Jws::parse` is pure syntax and policy: it decodes, refuses every shape ACME does
/// not allow, and keeps the exact signing input.  It does not verify; `verify` does,
/// with the key the caller has chosen (the embedded `jwk` or the account's key
/// found by `kid`).  `signJws` is the client side, used by the NDC agent and by the
/// IdO toward its upstream CA.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/wire/JwsAlgorithm.h"
#include "broker/wire/StrictJson.h"

namespace legate::wire {

/// Whether the protected header must carry `nonce`.
enum class NoncePolicy {
    Required,   ///< every request JWS (missing or not base64url: badNonce)
    Forbidden,  ///< the inner JWS of keyChange and of externalAccountBinding
};

/// Which key reference the protected header must carry.  Both at once, or neither,
/// is always refused.
enum class KeyReference {
    JwkOrKid,  ///< the router decides later (newAccount and revokeCert use jwk)
    Jwk,       ///< newAccount, the inner JWS of keyChange
    Kid,       ///< every request of an existing account, the EAB inner JWS
};

/// Which `alg` values are acceptable.
enum class AlgorithmFamily {
    Signature,  ///< acceptedJwsAlgorithms(); anything else (none, HS*) is badSignatureAlgorithm
    Mac,        ///< HS256/HS384/HS512: only for externalAccountBinding (Eab.h)
};

struct JwsOptions {
    NoncePolicy nonce = NoncePolicy::Required;
    KeyReference key = KeyReference::JwkOrKid;
    AlgorithmFamily algorithms = AlgorithmFamily::Signature;
    /// Cap on the body and on the decoded protected header.
    size_t maxBytes = kDefaultMaxJsonBytes;

    /// An ACME request body (nonce required, jwk or kid).
    static JwsOptions request() { return {}; }
    /// The inner JWS of a keyChange payload (RFC 8555 §7.3.5): jwk, no nonce.
    static JwsOptions keyChangeInner() {
        JwsOptions o;
        o.nonce = NoncePolicy::Forbidden;
        o.key = KeyReference::Jwk;
        return o;
    }
    /// The externalAccountBinding JWS (RFC 8555 §7.3.4): kid, no nonce, MAC alg.
    static JwsOptions externalAccountBinding() {
        JwsOptions o;
        o.nonce = NoncePolicy::Forbidden;
        o.key = KeyReference::Kid;
        o.algorithms = AlgorithmFamily::Mac;
        return o;
    }
};

/// A parsed, not yet verified, flattened JWS.
class Jws {
public:
    /// Parses a request body.  malformed for anything that is not exactly
    /// {"protected", "payload", "signature"} with a well-formed protected header;
    /// badSignatureAlgorithm for an alg outside the family; badNonce for a missing or
    /// syntactically invalid nonce when one is required.
    static Result<Jws> parse(std::string_view body, const JwsOptions& options = {});
    /// The same for a JWS that is already a JSON value (keyChange payload, EAB object).
    static Result<Jws> fromJson(const nlohmann::json& flattened, const JwsOptions& options = {});

    /// `alg` exactly as received.
    const std::string& algorithm() const { return alg_; }
    /// `alg` as an account signature algorithm (nullopt for the MAC family).
    std::optional<JwsAlgorithm> signatureAlgorithm() const { return parseJwsAlgorithm(alg_); }
    const std::optional<std::string>& nonce() const { return nonce_; }
    const std::string& url() const { return url_; }
    /// The embedded key as received (not yet decoded: see embeddedKey()).
    const std::optional<nlohmann::json>& jwk() const { return jwk_; }
    const std::optional<std::string>& kid() const { return kid_; }
    /// The whole decoded protected header.
    const nlohmann::json& protectedHeader() const { return header_; }

    /// POST-as-GET: `payload` was exactly "".
    bool isPostAsGet() const { return payloadText_.empty(); }
    /// The decoded payload bytes (empty for POST-as-GET).
    const crypto::Bytes& payload() const { return payload_; }
    /// The payload parsed strictly as JSON; malformed unless it is a JSON object
    /// (so also for POST-as-GET).
    Result<nlohmann::json> payloadJson() const;

    /// ASCII(BASE64URL(protected) || "." || BASE64URL(payload)), exactly as received.
    const std::string& signingInput() const { return signingInput_; }
    const crypto::Bytes& signature() const { return signature_; }
    /// The flattened JWS as a JSON value (the three members as received).
    nlohmann::json toJson() const;

    /// Decodes `jwk` (malformed if the header has none; badPublicKey if unacceptable).
    Result<crypto::PublicKey> embeddedKey() const;

    /// Verifies the signature with `key`: badSignatureAlgorithm for an alg outside the
    /// allowlist (none, HS*) or one that does not fit the key, badPublicKey for an
    /// unacceptable key, unauthorized (401) when the signature does not verify.
    Status verify(const crypto::PublicKey& key) const;

private:
    Jws() = default;

    std::string protectedText_;
    std::string payloadText_;
    std::string signatureText_;
    nlohmann::json header_;
    std::string alg_;
    std::optional<std::string> nonce_;
    std::string url_;
    std::optional<nlohmann::json> jwk_;
    std::optional<std::string> kid_;
    crypto::Bytes payload_;
    crypto::Bytes signature_;
    std::string signingInput_;
};

/// What goes into the protected header of a JWS we sign.
struct JwsHeader {
    std::string url;
    /// Omit for the inner JWS of keyChange (and EAB, which Eab.h builds).
    std::optional<std::string> nonce;
    /// The account URL; when unset the signer's public key is embedded as `jwk`.
    std::optional<std::string> kid;
    /// Default: defaultJwsAlgorithm(key).
    std::optional<JwsAlgorithm> alg;
};

/// Signs `payload` (a JSON object; nullopt for POST-as-GET, sent as "") and returns
/// the flattened JWS object.  serverInternal if the payload is not an object;
/// badSignatureAlgorithm if an explicit alg does not fit the key.
Result<nlohmann::json> signJwsObject(const crypto::PrivateKey& key,
                                     const std::optional<nlohmann::json>& payload,
                                     const JwsHeader& header);
/// The same, serialized: the request body to POST.
Result<std::string> signJws(const crypto::PrivateKey& key,
                            const std::optional<nlohmann::json>& payload, const JwsHeader& header);

}  // namespace legate::wire
