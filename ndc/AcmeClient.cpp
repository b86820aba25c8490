#include "ndc/AcmeClient.h"

#include <cctype>

#include "broker/acme/ProblemDocument.h"
#include "broker/acme/RetryAfter.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

nlohmann::json Reply::json() const {
    return nlohmann::json::parse(body, nullptr, false);
}

std::optional<Seconds> Reply::retryAfter(TimePoint now) const {
    const auto value = headers.get("Retry-After");
    if (!value) {
        return std::nullopt;
    }
    return acme::parseRetryAfterDelay(*value, now);
}

std::optional<Seconds> Reply::maxAge() const {
    for (const auto& line : headers.getAll("Cache-Control")) {
        const auto at = line.find("max-age=");
        if (at == std::string::npos) {
            continue;
        }
        size_t i = at + 8;
        int64_t value = 0;
        bool digits = false;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])) &&
               value < 1'000'000'000) {
            value = value * 10 + (line[i] - '0');
            digits = true;
            ++i;
        }
        if (digits) {
            return Seconds{value};
        }
    }
    return std::nullopt;
}

Problem Reply::problem() const {
    auto parsed = acme::problemDocument(http::ClientResponse{status, headers, body});
    Problem p = parsed ? *parsed
                       : Problem::make(ErrorType::serverInternal,
                                       "HTTP " + std::to_string(status) +
                                           (body.empty() ? "" : ": " + body.substr(0, 200)));
    p.status = status;
    return p;
}

Problem describe(const Problem& p) {
    Problem out = p;
    std::string text = p.urn() + " (" + std::to_string(p.status) + ")";
    if (!p.detail.empty()) {
        text += ": " + p.detail;
    }
    for (const auto& sub : p.subproblems) {
        text += "\n  - " + (sub.identifier ? sub.identifier->value + ": " : std::string()) +
                sub.urn() + ": " + sub.detail;
    }
    out.detail = text;
    return out;
}

namespace {

Result<Reply> toReply(Result<http::ClientResponse> r) {
    if (!r.ok()) {
        return std::move(r).problem();
    }
    return Reply{r->status, std::move(r->headers), std::move(r->body)};
}

}  // namespace

AcmeClient::AcmeClient(std::string directoryUrl, http::HttpClientOptions options)
    : session_({.directoryUrl = std::move(directoryUrl),
                .peerName = "ACME server",
                .http = std::move(options),
                .maxBadNonceAttempts = 3}) {}

Status AcmeClient::loadDirectory() {
    auto dir = session_.directory();
    if (!dir) {
        return std::move(dir).problem();
    }
    directory_ = std::move(*dir);
    return okStatus();
}

Result<std::string> AcmeClient::endpoint(const std::string& name) const {
    if (!directory_.contains(name) || !directory_[name].is_string()) {
        return Problem::make(ErrorType::malformed, "the directory has no " + name);
    }
    return directory_[name].get<std::string>();
}

const std::string& AcmeClient::accountUrl() const {
    static const std::string kNone;
    return session_.accountUrl() ? *session_.accountUrl() : kNone;
}

void AcmeClient::setAccount(crypto::PrivateKey key, std::string accountUrl) {
    session_.setKey(std::move(key));
    session_.setAccountUrl(std::move(accountUrl));
}

void AcmeClient::setKey(crypto::PrivateKey key) {
    session_.setKey(std::move(key));
}

Result<Reply> AcmeClient::newAccount(const std::string& eabKid, const std::string& eabHmacBase64Url,
                                     const std::vector<std::string>& contacts) {
    if (directory_.is_null()) {
        LEGATE_TRY(loadDirectory());
    }
    auto url = endpoint("newAccount");
    LEGATE_TRY(url);
    auto mac = wire::base64UrlDecode(eabHmacBase64Url);
    if (!mac.ok()) {
        return Problem::make(ErrorType::malformed,
                             "--eab-hmac is not base64url: " + mac.problem().detail);
    }
    if (!session_.key()) {
        return Problem::make(ErrorType::serverInternal, "no account key loaded");
    }
    auto eab = wire::createExternalAccountBinding(session_.key()->publicKey(), eabKid, *mac, *url);
    LEGATE_TRY(eab);
    nlohmann::json payload = {{"termsOfServiceAgreed", true}, {"externalAccountBinding", *eab}};
    if (!contacts.empty()) {
        payload["contact"] = contacts;
    }
    auto r = toReply(session_.post(*url, payload, acme::JwsSigner::Jwk));
    LEGATE_TRY(r);
    if (!r->success()) {
        return describe(r->problem());
    }
    if (r->header("Location").empty()) {
        return Problem::make(ErrorType::serverInternal, "newAccount answered without Location");
    }
    session_.setAccountUrl(r->header("Location"));
    return r;
}

Result<Reply> AcmeClient::post(const std::string& url,
                               const std::optional<nlohmann::json>& payload) {
    if (!session_.key()) {
        return Problem::make(ErrorType::serverInternal, "no account key loaded");
    }
    if (directory_.is_null()) {
        LEGATE_TRY(loadDirectory());
    }
    return toReply(session_.post(url, payload, acme::JwsSigner::Kid));
}

Result<Reply> AcmeClient::postOk(const std::string& url,
                                 const std::optional<nlohmann::json>& payload) {
    auto r = post(url, payload);
    LEGATE_TRY(r);
    if (!r->success()) {
        return describe(r->problem());
    }
    return r;
}

Result<Reply> AcmeClient::get(const std::string& url) {
    return toReply(session_.get(url));
}

Result<Reply> AcmeClient::head(const std::string& url) {
    return toReply(session_.head(url));
}

}  // namespace legate::ndc
