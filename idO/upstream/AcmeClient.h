#pragma once
/// The IdO's ACME client toward the real CA (RFC 8555 client side, plus the RFC 8739
/// cancel and the members RFC 9115 relays).
///
///   auto key = UpstreamAccountKey::loadOrCreate("var/upstream-account.pem");
///   AcmeClient ca({.directoryUrl = "https://ca.example/dir"}, std::move(*key));
///   auto account = ca.findOrCreateAccount({"mailto:ops@ido.example"});
///   auto order = ca.newOrder({.identifiers = {{"dns", "abc.ido.example"}}});
///   ... fetchAuthorization / respondToChallenge / pollOrder / finalize / download ...
///
/// Every POST is a JWS signed with the account key (`jwk` for newAccount, `kid` after),
/// sent through the ACME client core shared with `ndc` (broker/acme/AcmeSession.h):
/// nonces from every answer's Replay-Nonce (a HEAD to newNonce when none is pooled), a
/// `badNonce` answer retried at once with the nonce it carried, up to
/// `maxBadNonceAttempts` attempts in all.  Nothing else is retried here: a POST may have
/// taken effect.  Problems from the CA are returned as acme::Problem values
/// (acme::problemDocument), never thrown; `rateLimited` comes back with the time the CA
/// named in Retry-After (bounded by acme::kMaxRetryAfter, broker/acme/RetryAfter.h)
/// appended to its detail and kept in lastRetryAfter().
///
/// Polling (pollOrder, pollAuthorization) waits between requests with exponential
/// backoff (initialInterval doubling to maxInterval, each wait jittered by ±jitter), but
/// never less than a Retry-After the CA sent, and gives up when `maxTotal` would be
/// exceeded.  Waiting goes through the injected `sleep`, and time through the injected
/// Clock, so tests do not sleep.
///
/// Not thread-safe: one client per worker (nonces and the account URL are per client).

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/acme/AcmeSession.h"
#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"
#include "idO/upstream/AcmeObjects.h"
#include "idO/upstream/Capabilities.h"
#include "idO/upstream/RenewalInfo.h"

namespace legate::ido::upstream {

/// How long and how often polling waits.
struct PollOptions {
    std::chrono::milliseconds initialInterval{std::chrono::seconds(1)};
    std::chrono::milliseconds maxInterval{std::chrono::seconds(10)};
    /// Each wait is multiplied by a factor drawn from [1 - jitter, 1 + jitter].
    double jitter = 0.2;
    /// Give up (serverInternal, 504) when the next wait would end after this.
    std::chrono::milliseconds maxTotal{std::chrono::minutes(5)};
};

struct AcmeClientOptions {
    std::string directoryUrl;
    /// Trusted CAs for the CA's HTTPS endpoint; unset: the system's.
    std::optional<std::filesystem::path> caBundle;
    /// Attempts in all for a request answered with badNonce.
    int maxBadNonceAttempts = 5;
    PollOptions poll;
    /// Per-request HTTP limits.
    std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
    std::chrono::milliseconds requestTimeout{std::chrono::seconds(60)};
    /// Time source; default the system clock.  Must outlive the client.
    const Clock* clock = nullptr;
    /// How to wait; default std::this_thread::sleep_for.  Tests inject one that
    /// advances a ManualClock instead.
    std::function<void(std::chrono::milliseconds)> sleep;
    /// A number in [0, 1) for jitter; default a seeded std::mt19937.
    std::function<double()> random;
};

/// Options for newOrder.
struct NewOrderRequest {
    std::vector<acme::Identifier> identifiers;
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
    /// More top-level members copied into the payload as given, e.g. RFC 8739
    /// "auto-renewal" or RFC 9115 "allow-certificate-get".  Must be an object or null;
    /// it cannot override identifiers/notBefore/notAfter.
    nlohmann::json extra;
};

/// An order and where it lives.
struct OrderHandle {
    std::string url;
    Order order;
};

/// A downloaded certificate chain.
struct CertificateChain {
    std::string pem;                                ///< as received
    std::vector<crypto::Certificate> certificates;  ///< end-entity first
};

/// External account binding credentials given by the CA out of band.
struct ExternalAccountKey {
    std::string keyId;
    crypto::Bytes hmacKey;
};

class AcmeClient {
public:
    AcmeClient(AcmeClientOptions options, crypto::PrivateKey accountKey);
    ~AcmeClient();
    AcmeClient(const AcmeClient&) = delete;
    AcmeClient& operator=(const AcmeClient&) = delete;

    /// GETs the directory (once; later calls return the cached value).
    Result<Capabilities> capabilities();

    /// The account of our key: newAccount with onlyReturnExisting first, and only when
    /// the CA answers accountDoesNotExist, a new account with `contact`,
    /// termsOfServiceAgreed and, when given, an external account binding.  Returns the
    /// account URL (also kept as the `kid` of later requests).
    Result<std::string> findOrCreateAccount(const std::vector<std::string>& contact,
                                            const std::optional<ExternalAccountKey>& eab = {});
    const std::optional<std::string>& accountUrl() const { return session_.accountUrl(); }

    Result<OrderHandle> newOrder(const NewOrderRequest& request);
    /// POST-as-GET of an order.
    Result<Order> fetchOrder(const std::string& url);
    /// POST-as-GET of an authorization.
    Result<Authorization> fetchAuthorization(const std::string& url);

    /// token "." base64url(JWK thumbprint of the account key) (RFC 8555 §8.1).
    Result<std::string> keyAuthorization(const std::string& token) const;
    /// base64url(SHA-256(keyAuthorization(token))): the dns-01 TXT value (§8.4).
    Result<std::string> dns01TxtValue(const std::string& token) const;

    /// Tells the CA to validate a challenge (POST {}).
    Result<Challenge> respondToChallenge(const std::string& url);

    /// Polls until the order's status is in `wanted` or terminal (valid, invalid,
    /// canceled) and returns it (check its status); serverInternal 504 on timeout.
    Result<Order> pollOrder(const std::string& url, const std::set<std::string>& wanted);
    /// The same for an authorization (terminal: valid, invalid, deactivated, expired,
    /// revoked).
    Result<Authorization> pollAuthorization(const std::string& url,
                                            const std::set<std::string>& wanted);

    /// POST {"csr": base64url(csrDer)}, the CSR byte for byte.
    Result<Order> finalize(const std::string& finalizeUrl, const crypto::Bytes& csrDer);
    /// POST-as-GET with Accept: application/pem-certificate-chain; the chain is checked
    /// to parse and be in order (crypto::parsePemChain) before it is returned.
    Result<CertificateChain> downloadCertificate(const std::string& url);
    /// POST {"status": "canceled"} to an order (RFC 8739 §3.1.2, ends STAR renewals).
    Result<Order> cancelOrder(const std::string& orderUrl);
    /// revokeCert signed with the account key; `reason` is an RFC 5280 reasonCode.
    Status revokeCertificate(const crypto::Bytes& certificateDer,
                             std::optional<int> reason = std::nullopt);

    /// GET <renewalInfo>/<certId> (RFC 9773 §4.2, unauthenticated); the answer's
    /// Retry-After, when present, in RenewalInfo::retryAfter.  serverInternal (502) when
    /// the directory offers no renewalInfo.
    Result<RenewalInfo> renewalInfo(const std::string& certId);

    /// The Retry-After of the last answer, if it had one.
    const std::optional<TimePoint>& lastRetryAfter() const { return session_.lastRetryAfter(); }
    /// Nonces refused with badNonce and retried, since construction (for tests/metrics).
    int badNonceRetries() const { return session_.badNonceRetries(); }

private:
    struct Answer {
        http::ClientResponse response;
        nlohmann::json json;  ///< null unless the body was JSON
    };
    using Signer = acme::JwsSigner;

    /// Signs and POSTs, retrying badNonce; any status >= 400 becomes the CA's problem.
    Result<http::ClientResponse> post(const std::string& url,
                                      const std::optional<nlohmann::json>& payload, Signer signer,
                                      const std::string& accept = "");
    /// post() + JSON body.
    Result<Answer> postJson(const std::string& url, const std::optional<nlohmann::json>& payload,
                            Signer signer = Signer::Kid);
    acme::Problem problemFrom(const std::string& method, const std::string& url,
                              const http::ClientResponse& response);
    /// Waits before the next poll; false when the deadline does not allow it.
    bool waitBeforePoll(std::chrono::milliseconds& interval, TimePoint deadline);
    TimePoint now() const { return clock_->now(); }

    AcmeClientOptions options_;
    const Clock* clock_;
    acme::AcmeSession session_;
    std::optional<Capabilities> capabilities_;
};

}  // namespace legate::ido::upstream
