#include "idO/acme/RequestAuthenticator.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/http/Headers.h"
#include "broker/wire/Jwk.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;

constexpr std::string_view kJoseContentType = "application/jose+json";
constexpr std::string_view kRetryMarker = "retry after ";

/// The media type of a Content-Type value: before any parameter, spaces trimmed.
std::string_view mediaType(std::string_view value) {
    value = value.substr(0, value.find(';'));
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    return value;
}

/// Step 1.
Status checkContentType(const http::Request& request) {
    const auto contentType = request.header("Content-Type");
    if (!contentType || !http::equalsIgnoreCase(mediaType(*contentType), kJoseContentType)) {
        return Problem::make(ErrorType::malformed, "Content-Type must be application/jose+json",
                             415);
    }
    return okStatus();
}

/// Decoded account keys by the account's stored JWK text.  Decoding a JWK into an
/// OpenSSL key (the point check, EVP_PKEY from parameters) cost more than verifying the
/// signature with it — 17 % of a POST-as-GET's CPU (docs/benchmarks.md, "ACME POST
/// throughput").  The text names the key: a key rollover stores a new JWK, so an entry
/// is never stale and needs no invalidation.  Bounded: emptied when full.  Shared by
/// every tenant and listener thread.
class AccountKeyCache {
public:
    Result<crypto::PublicKey> keyOf(const nlohmann::json& jwk) {
        std::string text = jwk.dump();
        {
            std::shared_lock lock(mutex_);
            if (auto it = keys_.find(text); it != keys_.end()) {
                return it->second;
            }
        }
        auto parsed = wire::parseJwk(jwk);
        LEGATE_TRY(parsed);
        std::unique_lock lock(mutex_);
        if (keys_.size() >= kMaxEntries) {
            keys_.clear();
        }
        keys_.emplace(std::move(text), *parsed);
        return std::move(parsed).value();
    }

private:
    static constexpr size_t kMaxEntries = 10000;  // an EC key is ~1 KiB in OpenSSL 3
    std::shared_mutex mutex_;
    std::unordered_map<std::string, crypto::PublicKey> keys_;
};

AccountKeyCache& accountKeys() {
    static AccountKeyCache cache;
    return cache;
}

/// Step 5 for kid requests: the account of THIS tenant the kid names, valid.
Result<AccountRecord> accountOfKid(TenantContext& tenant, const std::string& kid) {
    const std::string id = tenant.urls.accountIdFromUrl(kid);
    if (id.empty() || tenant.urls.account(id) != kid) {
        return Problem::make(ErrorType::accountDoesNotExist,
                             "kid is not an account URL of this server");
    }
    auto account = cachedAccount(tenant, id);
    LEGATE_TRY(account);
    if (!*account) {
        return Problem::make(ErrorType::accountDoesNotExist, "no account at kid " + kid);
    }
    if (!(*account)->valid()) {
        return Problem::make(ErrorType::unauthorized, "account is " + (*account)->status, 401);
    }
    return std::move(**account);
}

}  // namespace

Result<std::optional<AccountRecord>> cachedAccount(TenantContext& tenant, const std::string& id) {
    if (auto hit = tenant.accounts.get(id)) {
        return std::optional<AccountRecord>(*hit);
    }
    const auto ticket = tenant.accounts.ticket();
    auto record = tenant.state.account(id);
    LEGATE_TRY(record);
    if (*record) {
        tenant.accounts.put(id, **record, ticket);
    }
    return std::move(record).value();
}

Result<AuthenticatedRequest> authenticate(http::Request& request, TenantContext& tenant,
                                          KeyMode keys, PayloadMode payload) {
    // 1. media type
    LEGATE_TRY(checkContentType(request));

    // 2. body under the cap, flattened JWS syntax and policy
    auto body = request.body();
    LEGATE_TRY(body);
    auto wireOptions = wire::JwsOptions::request();
    wireOptions.maxBytes = static_cast<size_t>(tenant.serve.limits.maxBodyBytes);
    auto jws = wire::Jws::parse(*body, wireOptions);
    LEGATE_TRY(jws);

    // 3. the nonce, consumed now so it is spent whatever fails later
    auto fresh = tenant.nonces.consume(jws->nonce().value_or(""));
    LEGATE_TRY(fresh);
    if (!*fresh) {
        return Problem::make(ErrorType::badNonce, "nonce unknown, expired or already used");
    }

    // 4. the url the client signed must be this request's, byte for byte
    if (jws->url() != tenant.urls.requestUrl(request.target())) {
        return Problem::make(ErrorType::unauthorized, "JWS url does not match the request URL",
                             401);
    }

    // 5. the key: jwk or the kid's account, as the route demands
    std::optional<AccountRecord> account;
    std::optional<crypto::PublicKey> key;
    if (jws->jwk()) {
        if (keys == KeyMode::Kid) {
            return Problem::make(ErrorType::malformed,
                                 "this resource needs a kid (account URL), not a jwk");
        }
        auto embedded = jws->embeddedKey();
        LEGATE_TRY(embedded);
        key.emplace(std::move(embedded).value());
    } else {
        if (keys == KeyMode::Jwk) {
            return Problem::make(ErrorType::malformed, "this resource needs a jwk, not a kid");
        }
        auto found = accountOfKid(tenant, jws->kid().value_or(""));
        LEGATE_TRY(found);
        auto parsed = accountKeys().keyOf(found->jwk);
        LEGATE_TRY(parsed);
        key.emplace(std::move(parsed).value());
        account = std::move(found).value();
    }

    // 6. the signature
    LEGATE_TRY(jws->verify(*key));

    // 7. the account's rate limit
    if (account) {
        const auto& limit = tenant.serve.limits.rateLimit;
        auto wait = tenant.state.takeToken(account->id, limit.requestsPerSecond, limit.burst);
        LEGATE_TRY(wait);
        if (*wait) {
            return rateLimitedProblem(**wait);
        }
    }

    // 8. the payload the route accepts
    nlohmann::json object;
    if (jws->isPostAsGet()) {
        if (payload == PayloadMode::Object) {
            return Problem::make(ErrorType::malformed, "payload must be a JSON object");
        }
    } else {
        if (payload == PayloadMode::PostAsGet) {
            return Problem::make(ErrorType::malformed, "POST-as-GET: the payload must be empty");
        }
        auto parsed = jws->payloadJson();
        LEGATE_TRY(parsed);
        object = std::move(parsed).value();
    }
    return AuthenticatedRequest{std::move(jws).value(), std::move(*key), std::move(account),
                                std::move(object)};
}

Problem rateLimitedProblem(std::chrono::milliseconds delay, const std::string& what) {
    const auto seconds =
        std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(delay).count());
    return Problem::make(ErrorType::rateLimited, what + "; " + std::string(kRetryMarker) +
                                                     std::to_string(seconds) + " seconds");
}

std::optional<std::chrono::seconds> retryAfterOf(const Problem& problem) {
    if (problem.type != ErrorType::rateLimited) {
        return std::nullopt;
    }
    const auto at = problem.detail.rfind(kRetryMarker);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    int64_t seconds = 0;
    bool digits = false;
    for (size_t i = at + kRetryMarker.size(); i < problem.detail.size(); ++i) {
        const char c = problem.detail[i];
        if (!std::isdigit(static_cast<unsigned char>(c)) || seconds > 1'000'000'000) {
            break;
        }
        seconds = seconds * 10 + (c - '0');
        digits = true;
    }
    if (!digits) {
        return std::nullopt;
    }
    return std::chrono::seconds(seconds);
}

}  // namespace legate::ido
