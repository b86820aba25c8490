#include "broker/acme/AcmeSession.h"

#include <algorithm>

#include "broker/acme/ProblemDocument.h"
#include "broker/wire/Jws.h"
#include "broker/wire/StrictJson.h"

namespace legate::acme {

AcmeSession::AcmeSession(AcmeSessionOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::instance()),
      http_(options_.http) {
    options_.maxBadNonceAttempts = std::max(1, options_.maxBadNonceAttempts);
}

Problem AcmeSession::badServer(std::string detail) const {
    return Problem::make(ErrorType::serverInternal, options_.peerName + ": " + std::move(detail),
                         502);
}

Result<http::ClientResponse> AcmeSession::keep(Result<http::ClientResponse> r) {
    if (r) {
        nonces_.keep(r->headers);
    }
    return r;
}

Result<nlohmann::json> AcmeSession::directory() {
    if (directory_) {
        return *directory_;
    }
    auto r = get(options_.directoryUrl);
    if (!r) {
        return std::move(r).problem();
    }
    if (r->status != 200) {
        if (auto problem = problemDocument(*r)) {
            return *problem;
        }
        return badServer("GET " + options_.directoryUrl + ": HTTP " + std::to_string(r->status) +
                         " without a problem document");
    }
    auto json = wire::parseStrictJson(r->body, {.maxBytes = kMaxAcmeJsonBytes});
    if (!json) {
        return badServer("directory " + options_.directoryUrl +
                         " is not JSON: " + json.problem().detail);
    }
    if (!json->is_object()) {
        return badServer("directory " + options_.directoryUrl + " is not a JSON object");
    }
    directory_ = std::move(*json);
    return *directory_;
}

Result<std::string> AcmeSession::endpoint(const std::string& name) {
    auto dir = directory();
    if (!dir) {
        return std::move(dir).problem();
    }
    auto it = dir->find(name);
    if (it == dir->end() || !it->is_string() || it->get<std::string>().empty()) {
        return Problem::make(ErrorType::malformed, "the directory has no " + name);
    }
    return it->get<std::string>();
}

Result<std::string> AcmeSession::takeNonce() {
    if (auto nonce = nonces_.take()) {
        return std::move(*nonce);
    }
    auto url = endpoint("newNonce");
    if (!url) {
        return std::move(url).problem();
    }
    auto r = head(*url);
    if (!r) {
        return std::move(r).problem();
    }
    if (auto nonce = nonces_.take()) {
        return std::move(*nonce);
    }
    return badServer("HEAD " + *url + " gave no Replay-Nonce (HTTP " + std::to_string(r->status) +
                     ")");
}

Result<http::ClientResponse> AcmeSession::post(const std::string& url,
                                               const std::optional<nlohmann::json>& payload,
                                               JwsSigner signer, const std::string& accept) {
    if (!key_) {
        return Problem::make(ErrorType::serverInternal, "ACME client: no account key loaded");
    }
    if (signer == JwsSigner::Kid && !accountUrl_) {
        return Problem::make(ErrorType::serverInternal, "ACME client: no account yet");
    }
    for (int attempt = 1;; ++attempt) {
        auto nonce = takeNonce();
        if (!nonce) {
            return std::move(nonce).problem();
        }
        wire::JwsHeader header;
        header.url = url;
        header.nonce = std::move(*nonce);
        if (signer == JwsSigner::Kid) {
            header.kid = *accountUrl_;
        }
        auto body = wire::signJws(*key_, payload, header);
        if (!body) {
            return std::move(body).problem();
        }
        http::Headers headers{{"Content-Type", "application/jose+json"}};
        if (!accept.empty()) {
            headers.add("Accept", accept);
        }
        auto r = keep(http_.post(url, *body, headers));
        if (!r) {
            return r;
        }
        lastRetryAfter_.reset();
        if (auto value = r->headers.get("Retry-After")) {
            lastRetryAfter_ = parseRetryAfter(*value, clock_->now(), options_.maxRetryAfter);
        }
        if (r->status >= 400 && attempt < options_.maxBadNonceAttempts) {
            auto problem = problemDocument(*r);
            if (problem && problem->type == ErrorType::badNonce) {
                ++badNonceRetries_;
                continue;  // §6.5: the answer carried a fresh nonce (kept above)
            }
        }
        return r;
    }
}

Result<http::ClientResponse> AcmeSession::get(const std::string& url,
                                              const http::Headers& headers) {
    return keep(http_.get(url, headers));
}

Result<http::ClientResponse> AcmeSession::head(const std::string& url) {
    return keep(http_.head(url));
}

}  // namespace legate::acme
