#pragma once
/// The NDC's ACME client toward the IdO: directory, nonces, JWS-signed requests with
/// the account key, and unauthenticated GET/HEAD for certificate publication.
///
/// Knows only the directory URL and follows the URLs the server hands out.  Error
/// answers become Problems whose detail starts with the ACME problem type and the HTTP
/// status ("urn:ietf:params:acme:error:unknownDelegation (403): ..."), because that is
/// what an operator needs to read in a log or on a terminal.
///
/// Nonces, signing, the badNonce retry and Retry-After are the ACME client core shared
/// with the IdO's upstream client (broker/acme/AcmeSession.h); this class adds what the
/// NDC needs on top: Replies, EAB registration and readable problems.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/acme/AcmeSession.h"
#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"

namespace legate::ndc {

/// One HTTP answer.
struct Reply {
    int status = 0;
    http::Headers headers;
    std::string body;

    /// The body as JSON (discarded value when it is not JSON).
    nlohmann::json json() const;
    std::string header(const std::string& name) const { return headers.get(name).value_or(""); }
    /// Retry-After in seconds (delta form or HTTP date), when present; bounded by
    /// acme::kMaxRetryAfter, garbage is absent (broker/acme/RetryAfter.h).
    std::optional<Seconds> retryAfter(TimePoint now) const;
    /// Cache-Control max-age, when present.
    std::optional<Seconds> maxAge() const;
    /// The problem document of an error answer (type, detail, status).
    acme::Problem problem() const;
    bool success() const { return status >= 200 && status < 300; }
};

/// `p` with its detail rewritten for people: "URN (status): detail", plus one line per
/// subproblem (identifier: URN: detail).
acme::Problem describe(const acme::Problem& p);

class AcmeClient {
public:
    AcmeClient(std::string directoryUrl, http::HttpClientOptions options);

    /// GETs the directory; must succeed before signed requests.
    Status loadDirectory();
    const nlohmann::json& directory() const { return directory_; }
    /// A directory member URL ("newOrder"); malformed problem when missing.
    Result<std::string> endpoint(const std::string& name) const;

    void setAccount(crypto::PrivateKey key, std::string accountUrl);
    void setKey(crypto::PrivateKey key);
    /// Empty before setAccount or newAccount.
    const std::string& accountUrl() const;

    /// newAccount with External Account Binding; on 200/201 the account URL is kept.
    Result<Reply> newAccount(const std::string& eabKid, const std::string& eabHmacBase64Url,
                             const std::vector<std::string>& contacts);
    /// Signed POST with `kid` (nullopt payload = POST-as-GET), retried on badNonce.
    /// Any HTTP status is a Reply; transport failures are `connection` problems.
    Result<Reply> post(const std::string& url, const std::optional<nlohmann::json>& payload);
    /// The same, but an error status becomes the server's Problem.
    Result<Reply> postOk(const std::string& url, const std::optional<nlohmann::json>& payload);
    /// Unauthenticated GET / HEAD.
    Result<Reply> get(const std::string& url);
    Result<Reply> head(const std::string& url);

private:
    acme::AcmeSession session_;
    nlohmann::json directory_;  ///< null until loadDirectory
};

}  // namespace legate::ndc
