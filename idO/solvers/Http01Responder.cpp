#include "idO/solvers/Http01Responder.h"

#include <algorithm>
#include <cctype>

#include "broker/http/HttpClient.h"
#include "broker/http/Router.h"

namespace legate::ido::solvers {
namespace {

constexpr std::string_view kPathPrefix = "/.well-known/acme-challenge/";
constexpr std::string_view kTextPlain = "text/plain";

bool isBase64Url(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
}

}  // namespace

Result<Http01ResponderPtr> Http01Responder::start(const Http01ResponderOptions& options) {
    auto tokens = std::make_shared<Tokens>();
    auto router = std::make_shared<http::Router>();
    router->add("GET", std::string(kPathPrefix) + "{token}",
                [tokens](http::Request& request) -> Result<http::Response> {
                    std::lock_guard lock(tokens->mutex);
                    const auto found = tokens->byToken.find(request.param("token"));
                    if (found == tokens->byToken.end()) {
                        return http::Response::content(404, "no such token\n", kTextPlain);
                    }
                    return http::Response::content(200, found->second, kTextPlain);
                });
    http::ServerOptions serverOptions;
    serverOptions.host = options.host;
    serverOptions.port = options.port;
    serverOptions.maxThreads = 4;
    serverOptions.maxBodyBytes = 1024;
    serverOptions.ioTimeout = std::chrono::seconds(10);
    serverOptions.logComponent = "http-01";
    auto server = http::Server::start(serverOptions, std::move(router));
    if (!server) {
        return std::move(server).problem();
    }
    return Http01ResponderPtr(
        new Http01Responder(options, std::move(tokens), std::move(server).value()));
}

Http01Responder::~Http01Responder() {
    stop();
}

void Http01Responder::stop() {
    server_->stop(std::chrono::seconds(2));
}

std::string Http01Responder::path(std::string_view token) {
    return std::string(kPathPrefix) + std::string(token);
}

Status Http01Responder::present(std::string_view token, std::string_view keyAuthorization) {
    if (!isBase64Url(token)) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "http-01 token \"" + std::string(token) + "\" is not base64url");
    }
    if (keyAuthorization.empty()) {
        return acme::Problem::make(
            acme::ErrorType::malformed,
            "http-01 key authorization for token \"" + std::string(token) + "\" is empty");
    }
    std::lock_guard lock(tokens_->mutex);
    tokens_->byToken.insert_or_assign(std::string(token), std::string(keyAuthorization));
    return okStatus();
}

void Http01Responder::cleanup(std::string_view token) {
    std::lock_guard lock(tokens_->mutex);
    const auto found = tokens_->byToken.find(token);
    if (found != tokens_->byToken.end()) {
        tokens_->byToken.erase(found);
    }
}

Status Http01Responder::selfCheck(std::string_view token) const {
    std::string expected;
    {
        std::lock_guard lock(tokens_->mutex);
        const auto found = tokens_->byToken.find(token);
        if (found == tokens_->byToken.end()) {
            return acme::Problem::make(
                acme::ErrorType::serverInternal,
                "http-01 self-check of token \"" + std::string(token) + "\": it was not presented");
        }
        expected = found->second;
    }
    // The bound address may be a wildcard ("0.0.0.0"): ask over loopback then.
    std::string base = server_->baseUrl();
    if (options_.host == "0.0.0.0" || options_.host == "::" || options_.host.empty()) {
        base = "http://127.0.0.1:" + std::to_string(server_->port());
    }
    http::HttpClient client({.connectTimeout = options_.selfCheckTimeout,
                             .totalTimeout = options_.selfCheckTimeout,
                             .maxResponseBytes = 64 * 1024,
                             .maxAttempts = 1});
    const std::string url = base + path(token);
    auto response = client.get(url);
    if (!response) {
        return std::move(response).problem();
    }
    if (response->status != 200 || response->body != expected) {
        return acme::Problem::make(acme::ErrorType::incorrectResponse,
                                   "http-01 self-check: GET " + url + " answered " +
                                       std::to_string(response->status) +
                                       " with a body other than the key authorization");
    }
    return okStatus();
}

}  // namespace legate::ido::solvers
