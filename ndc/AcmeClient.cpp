#include "ndc/AcmeClient.h"

#include <algorithm>
#include <cctype>

#include "broker/core/Time.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jws.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

nlohmann::json Reply::json() const {
    return nlohmann::json::parse(body, nullptr, false);
}

std::optional<Seconds> Reply::retryAfter(TimePoint now) const {
    const auto value = headers.get("Retry-After");
    if (!value || value->empty()) {
        return std::nullopt;
    }
    if (std::all_of(value->begin(), value->end(),
                    [](unsigned char c) { return std::isdigit(c); })) {
        if (value->size() > 9) {
            return Seconds{999'999'999};
        }
        return Seconds{std::stoll(*value)};
    }
    if (auto at = parseHttpDate(*value)) {
        return std::max(Seconds{0}, std::chrono::duration_cast<Seconds>(*at - now));
    }
    return std::nullopt;
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
    auto parsed = Problem::fromJson(json());
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

AcmeClient::AcmeClient(std::string directoryUrl, http::HttpClientOptions options)
    : directoryUrl_(std::move(directoryUrl)), http_(std::move(options)) {}

Status AcmeClient::loadDirectory() {
    auto r = toReply(http_.get(directoryUrl_));
    LEGATE_TRY(r);
    if (r->status != 200 || !r->json().is_object()) {
        return Problem::make(ErrorType::serverInternal,
                             "directory " + directoryUrl_ + ": HTTP " + std::to_string(r->status));
    }
    directory_ = r->json();
    return okStatus();
}

Result<std::string> AcmeClient::endpoint(const std::string& name) const {
    if (!directory_.contains(name) || !directory_[name].is_string()) {
        return Problem::make(ErrorType::malformed, "the directory has no " + name);
    }
    return directory_[name].get<std::string>();
}

void AcmeClient::setAccount(crypto::PrivateKey key, std::string accountUrl) {
    key_.emplace(std::move(key));
    accountUrl_ = std::move(accountUrl);
}

void AcmeClient::setKey(crypto::PrivateKey key) {
    key_.emplace(std::move(key));
}

Result<Reply> AcmeClient::toReply(Result<http::ClientResponse> r) {
    if (!r.ok()) {
        return std::move(r).problem();
    }
    Reply reply{r->status, std::move(r->headers), std::move(r->body)};
    if (auto n = reply.headers.get("Replay-Nonce")) {
        nonce_ = *n;
    }
    return reply;
}

Result<std::string> AcmeClient::nonce() {
    if (nonce_.empty()) {
        auto url = endpoint("newNonce");
        LEGATE_TRY(url);
        auto r = toReply(http_.head(*url));
        LEGATE_TRY(r);
        if (nonce_.empty()) {
            return Problem::make(ErrorType::badNonce, "newNonce returned no Replay-Nonce");
        }
    }
    return std::exchange(nonce_, {});
}

Result<Reply> AcmeClient::send(const std::string& url, const std::optional<nlohmann::json>& payload,
                               bool useJwk) {
    if (!key_) {
        return Problem::make(ErrorType::serverInternal, "no account key loaded");
    }
    if (directory_.is_null()) {
        LEGATE_TRY(loadDirectory());
    }
    for (int attempt = 0;; ++attempt) {
        wire::JwsHeader header;
        header.url = url;
        auto n = nonce();
        LEGATE_TRY(n);
        header.nonce = *n;
        if (!useJwk) {
            header.kid = accountUrl_;
        }
        auto body = wire::signJws(*key_, payload, header);
        LEGATE_TRY(body);
        auto r = toReply(http_.post(url, *body, {{"Content-Type", "application/jose+json"}}));
        LEGATE_TRY(r);
        if (attempt < 2 && r->status == 400 &&
            r->json().value("type", "") == "urn:ietf:params:acme:error:badNonce") {
            continue;  // RFC 8555 §6.5: retry with the nonce this answer carried
        }
        return r;
    }
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
    auto eab = wire::createExternalAccountBinding(key_->publicKey(), eabKid, *mac, *url);
    LEGATE_TRY(eab);
    nlohmann::json payload = {{"termsOfServiceAgreed", true}, {"externalAccountBinding", *eab}};
    if (!contacts.empty()) {
        payload["contact"] = contacts;
    }
    auto r = send(*url, payload, true);
    LEGATE_TRY(r);
    if (!r->success()) {
        return describe(r->problem());
    }
    accountUrl_ = r->header("Location");
    if (accountUrl_.empty()) {
        return Problem::make(ErrorType::serverInternal, "newAccount answered without Location");
    }
    return r;
}

Result<Reply> AcmeClient::post(const std::string& url,
                               const std::optional<nlohmann::json>& payload) {
    return send(url, payload, false);
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
    return toReply(http_.get(url));
}

Result<Reply> AcmeClient::head(const std::string& url) {
    return toReply(http_.head(url));
}

}  // namespace legate::ndc
