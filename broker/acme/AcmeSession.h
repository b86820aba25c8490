#pragma once
/// The client side of RFC 8555's request layer, shared by `ndc` (toward the IdO) and the
/// IdO's upstream client (toward the CA): the directory, a nonce pool, JWS-signed POSTs
/// with `jwk` or `kid`, the badNonce retry, and the Retry-After of the last answer.
///
///   AcmeSession s({.directoryUrl = "https://ca.example/dir", .peerName = "upstream CA"});
///   s.setKey(std::move(key));
///   auto r = s.post(newAccountUrl, payload, JwsSigner::Jwk);   // any HTTP status
///   if (r && r->status >= 400) auto p = problemDocument(*r);
///
/// What an answer *means* (a Reply for the NDC, typed objects upstream) stays with the
/// two clients; this class only moves signed requests.  Nonces come from the
/// Replay-Nonce header of every answer (GET and HEAD too); when none is pooled a HEAD to
/// the directory's newNonce fetches one.  A `badNonce` answer is retried at once with
/// the nonce it carried, up to `maxBadNonceAttempts` attempts in all (§6.5).  Nothing
/// else is retried: a POST may have taken effect.
///
/// Not thread-safe: one session per client (nonces and the account URL are per client).

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/acme/NoncePool.h"
#include "broker/acme/RetryAfter.h"
#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"

namespace legate::acme {

struct AcmeSessionOptions {
    std::string directoryUrl;
    /// Who the server is, for problem details ("upstream CA: directory ... is not JSON").
    std::string peerName = "ACME server";
    http::HttpClientOptions http{};
    /// Attempts in all for a request answered with badNonce (at least 1).
    int maxBadNonceAttempts = 3;
    /// Upper bound of lastRetryAfter() (RetryAfter.h).
    Seconds maxRetryAfter = kMaxRetryAfter;
    /// Time source for Retry-After; default the system clock.  Must outlive the session.
    const Clock* clock = nullptr;
};

/// How a POST identifies its signer (RFC 8555 §6.2): the public key itself (newAccount,
/// revocation by certificate key) or the account URL.
enum class JwsSigner { Jwk, Kid };

class AcmeSession {
public:
    explicit AcmeSession(AcmeSessionOptions options);
    AcmeSession(const AcmeSession&) = delete;
    AcmeSession& operator=(const AcmeSession&) = delete;

    void setKey(crypto::PrivateKey key) { key_.emplace(std::move(key)); }
    /// The signing key; nullptr before setKey.
    const crypto::PrivateKey* key() const { return key_ ? &*key_ : nullptr; }
    /// The `kid` of JwsSigner::Kid requests.
    void setAccountUrl(std::string url) { accountUrl_ = std::move(url); }
    const std::optional<std::string>& accountUrl() const { return accountUrl_; }
    const std::string& directoryUrl() const { return options_.directoryUrl; }

    /// GETs the directory once; later calls return the cached object.  Transport
    /// failures come back as they are; an error status as the server's problem document
    /// (or serverInternal 502 without one); a body that is not a JSON object as
    /// serverInternal 502.
    Result<nlohmann::json> directory();
    /// A directory member URL ("newOrder"); malformed problem when missing.
    Result<std::string> endpoint(const std::string& name);

    /// Signed POST (nullopt payload = POST-as-GET).  Any HTTP status is a response:
    /// the caller decides what an error means (problemDocument()).  Transport failures
    /// and signing failures are problems.
    Result<http::ClientResponse> post(const std::string& url,
                                      const std::optional<nlohmann::json>& payload,
                                      JwsSigner signer, const std::string& accept = "");
    /// Unauthenticated GET / HEAD (their nonces are kept too).
    Result<http::ClientResponse> get(const std::string& url, const http::Headers& headers = {});
    Result<http::ClientResponse> head(const std::string& url);

    /// The Retry-After of the last POST answer, if it had one (bounded, RetryAfter.h).
    const std::optional<TimePoint>& lastRetryAfter() const { return lastRetryAfter_; }
    /// badNonce answers retried since construction (for tests and metrics).
    int badNonceRetries() const { return badNonceRetries_; }
    /// Nonces waiting in the pool (for tests).
    size_t pooledNonces() const { return nonces_.size(); }

private:
    Result<std::string> takeNonce();
    Result<http::ClientResponse> keep(Result<http::ClientResponse> r);
    acme::Problem badServer(std::string detail) const;

    AcmeSessionOptions options_;
    const Clock* clock_;
    http::HttpClient http_;
    NoncePool nonces_;
    std::optional<crypto::PrivateKey> key_;
    std::optional<std::string> accountUrl_;
    std::optional<nlohmann::json> directory_;
    std::optional<TimePoint> lastRetryAfter_;
    int badNonceRetries_ = 0;
};

}  // namespace legate::acme
