#include "idO/upstream/AcmeClient.h"

#include <algorithm>
#include <random>
#include <thread>

#include "broker/acme/ProblemDocument.h"
#include "broker/acme/RetryAfter.h"
#include "broker/core/Time.h"
#include "broker/crypto/Digest.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"
#include "broker/wire/StrictJson.h"
#include "idO/upstream/UpstreamProblem.h"

namespace legate::ido::upstream {
namespace {

constexpr std::string_view kPemChain = "application/pem-certificate-chain";
constexpr size_t kMaxJsonBytes = acme::kMaxAcmeJsonBytes;

const std::set<std::string> kTerminalOrder = {"valid", "invalid", "canceled"};
const std::set<std::string> kTerminalAuthorization = {"valid", "invalid", "deactivated", "expired",
                                                      "revoked"};

Result<nlohmann::json> parseBody(const std::string& what, const std::string& body) {
    auto json = wire::parseStrictJson(body, {.maxBytes = kMaxJsonBytes});
    if (!json) {
        return badUpstream(what + " is not JSON: " + json.problem().detail);
    }
    return json;
}

}  // namespace

AcmeClient::AcmeClient(AcmeClientOptions options, crypto::PrivateKey accountKey)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::instance()),
      session_({.directoryUrl = options_.directoryUrl,
                .peerName = "upstream CA",
                .http = http::HttpClientOptions{.connectTimeout = options_.connectTimeout,
                                                .totalTimeout = options_.requestTimeout,
                                                .caBundle = options_.caBundle,
                                                .sleep = options_.sleep},
                .maxBadNonceAttempts = options_.maxBadNonceAttempts,
                .clock = clock_}) {
    session_.setKey(std::move(accountKey));
    if (!options_.sleep) {
        options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
    if (!options_.random) {
        auto engine = std::make_shared<std::mt19937>(std::random_device{}());
        options_.random = [engine] {
            return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
        };
    }
    options_.maxBadNonceAttempts = std::max(1, options_.maxBadNonceAttempts);
}

AcmeClient::~AcmeClient() = default;

Result<Capabilities> AcmeClient::capabilities() {
    if (capabilities_) {
        return *capabilities_;
    }
    auto json = session_.directory();
    if (!json) {
        return std::move(json).problem();
    }
    auto caps = Capabilities::fromDirectory(*json);
    if (!caps) {
        return std::move(caps).problem();
    }
    capabilities_ = std::move(*caps);
    return *capabilities_;
}

acme::Problem AcmeClient::problemFrom(const std::string& method, const std::string& url,
                                      const http::ClientResponse& response) {
    auto problem = acme::problemDocument(response, kMaxJsonBytes);
    if (!problem) {
        problem = badUpstream(method + " " + url + ": HTTP " + std::to_string(response.status) +
                              " without a problem document");
    }
    if (lastRetryAfter() && problem->type == acme::ErrorType::rateLimited) {
        problem->detail += " (retry after " + toRfc3339(*lastRetryAfter()) + ")";
    }
    return *problem;
}

Result<http::ClientResponse> AcmeClient::post(const std::string& url,
                                              const std::optional<nlohmann::json>& payload,
                                              Signer signer, const std::string& accept) {
    if (signer == Signer::Kid && !accountUrl()) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "upstream ACME client: no account yet (findOrCreateAccount)");
    }
    auto r = session_.post(url, payload, signer, accept);
    if (!r) {
        return std::move(r).problem();
    }
    if (r->status < 400) {
        return std::move(*r);
    }
    return problemFrom("POST", url, *r);
}

Result<AcmeClient::Answer> AcmeClient::postJson(const std::string& url,
                                                const std::optional<nlohmann::json>& payload,
                                                Signer signer) {
    auto r = post(url, payload, signer);
    if (!r) {
        return std::move(r).problem();
    }
    Answer answer{std::move(*r), nullptr};
    if (!answer.response.body.empty()) {
        auto json = parseBody("answer of POST " + url, answer.response.body);
        if (!json) {
            return std::move(json).problem();
        }
        answer.json = std::move(*json);
    }
    return answer;
}

Result<std::string> AcmeClient::findOrCreateAccount(const std::vector<std::string>& contact,
                                                    const std::optional<ExternalAccountKey>& eab) {
    auto caps = capabilities();
    if (!caps) {
        return std::move(caps).problem();
    }
    const std::string& url = caps->newAccount;
    auto existing = post(url, nlohmann::json{{"onlyReturnExisting", true}}, Signer::Jwk);
    if (!existing && existing.problem().type != acme::ErrorType::accountDoesNotExist) {
        return std::move(existing).problem();
    }
    if (!existing) {
        nlohmann::json payload = {{"termsOfServiceAgreed", true}};
        if (!contact.empty()) {
            payload["contact"] = contact;
        }
        if (eab) {
            auto binding = wire::createExternalAccountBinding(session_.key()->publicKey(),
                                                              eab->keyId, eab->hmacKey, url);
            if (!binding) {
                return std::move(binding).problem();
            }
            payload["externalAccountBinding"] = std::move(*binding);
        }
        existing = post(url, payload, Signer::Jwk);
        if (!existing) {
            return std::move(existing).problem();
        }
    }
    auto location = existing->headers.get("Location");
    if (!location || location->empty()) {
        return badUpstream("newAccount answer (HTTP " + std::to_string(existing->status) +
                           ") has no Location");
    }
    session_.setAccountUrl(*location);
    return *location;
}

Result<OrderHandle> AcmeClient::newOrder(const NewOrderRequest& request) {
    auto caps = capabilities();
    if (!caps) {
        return std::move(caps).problem();
    }
    if (!request.extra.is_null() && !request.extra.is_object()) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "newOrder extra members must be a JSON object");
    }
    nlohmann::json payload = request.extra.is_object() ? request.extra : nlohmann::json::object();
    payload["identifiers"] = nlohmann::json::array();
    for (const auto& id : request.identifiers) {
        payload["identifiers"].push_back(id.toJson());
    }
    payload.erase("notBefore");
    payload.erase("notAfter");
    if (request.notBefore) {
        payload["notBefore"] = toRfc3339(*request.notBefore);
    }
    if (request.notAfter) {
        payload["notAfter"] = toRfc3339(*request.notAfter);
    }
    auto answer = postJson(caps->newOrder, payload);
    if (!answer) {
        return std::move(answer).problem();
    }
    auto location = answer->response.headers.get("Location");
    if (!location || location->empty()) {
        return badUpstream("newOrder answer has no Location");
    }
    auto order = Order::fromJson(answer->json);
    if (!order) {
        return std::move(order).problem();
    }
    return OrderHandle{*location, std::move(*order)};
}

Result<Order> AcmeClient::fetchOrder(const std::string& url) {
    auto answer = postJson(url, std::nullopt);
    if (!answer) {
        return std::move(answer).problem();
    }
    return Order::fromJson(answer->json);
}

Result<Authorization> AcmeClient::fetchAuthorization(const std::string& url) {
    auto answer = postJson(url, std::nullopt);
    if (!answer) {
        return std::move(answer).problem();
    }
    return Authorization::fromJson(answer->json);
}

Result<std::string> AcmeClient::keyAuthorization(const std::string& token) const {
    auto thumbprint = wire::jwkThumbprint(session_.key()->publicKey());
    if (!thumbprint) {
        return std::move(thumbprint).problem();
    }
    return token + "." + *thumbprint;
}

Result<std::string> AcmeClient::dns01TxtValue(const std::string& token) const {
    auto keyAuth = keyAuthorization(token);
    if (!keyAuth) {
        return std::move(keyAuth).problem();
    }
    return wire::base64UrlEncode(crypto::sha256(*keyAuth));
}

Result<Challenge> AcmeClient::respondToChallenge(const std::string& url) {
    auto answer = postJson(url, nlohmann::json::object());
    if (!answer) {
        return std::move(answer).problem();
    }
    return Challenge::fromJson(answer->json);
}

bool AcmeClient::waitBeforePoll(std::chrono::milliseconds& interval, TimePoint deadline) {
    const double factor =
        1.0 + options_.poll.jitter * (2.0 * options_.random() - 1.0);  // [1-j, 1+j)
    auto wait = std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(interval.count()) * std::max(0.0, factor)));
    const TimePoint start = now();
    if (lastRetryAfter() && *lastRetryAfter() > start) {
        wait =
            std::max(wait, std::chrono::ceil<std::chrono::milliseconds>(*lastRetryAfter() - start));
    }
    if (start + wait > deadline) {
        return false;
    }
    options_.sleep(wait);
    interval = std::min(interval * 2, options_.poll.maxInterval);
    return true;
}

Result<Order> AcmeClient::pollOrder(const std::string& url, const std::set<std::string>& wanted) {
    const TimePoint deadline = now() + options_.poll.maxTotal;
    auto interval = options_.poll.initialInterval;
    for (;;) {
        auto order = fetchOrder(url);
        if (!order) {
            return order;
        }
        if (wanted.contains(order->status) || kTerminalOrder.contains(order->status)) {
            return order;
        }
        if (!waitBeforePoll(interval, deadline)) {
            return acme::Problem::make(acme::ErrorType::serverInternal,
                                       "upstream order " + url + " still '" + order->status +
                                           "' when the polling time ran out",
                                       504);
        }
    }
}

Result<Authorization> AcmeClient::pollAuthorization(const std::string& url,
                                                    const std::set<std::string>& wanted) {
    const TimePoint deadline = now() + options_.poll.maxTotal;
    auto interval = options_.poll.initialInterval;
    for (;;) {
        auto authz = fetchAuthorization(url);
        if (!authz) {
            return authz;
        }
        if (wanted.contains(authz->status) || kTerminalAuthorization.contains(authz->status)) {
            return authz;
        }
        if (!waitBeforePoll(interval, deadline)) {
            return acme::Problem::make(acme::ErrorType::serverInternal,
                                       "upstream authorization " + url + " still '" +
                                           authz->status + "' when the polling time ran out",
                                       504);
        }
    }
}

Result<Order> AcmeClient::finalize(const std::string& finalizeUrl, const crypto::Bytes& csrDer) {
    auto answer = postJson(finalizeUrl, nlohmann::json{{"csr", wire::base64UrlEncode(csrDer)}});
    if (!answer) {
        return std::move(answer).problem();
    }
    return Order::fromJson(answer->json);
}

Result<CertificateChain> AcmeClient::downloadCertificate(const std::string& url) {
    auto r = post(url, std::nullopt, Signer::Kid, std::string(kPemChain));
    if (!r) {
        return std::move(r).problem();
    }
    auto chain = crypto::parsePemChain(r->body);
    if (!chain) {
        return badUpstream("certificate at " + url + ": " + chain.problem().detail);
    }
    return CertificateChain{std::move(r->body), std::move(*chain)};
}

Result<Order> AcmeClient::cancelOrder(const std::string& orderUrl) {
    auto answer = postJson(orderUrl, nlohmann::json{{"status", "canceled"}});
    if (!answer) {
        return std::move(answer).problem();
    }
    return Order::fromJson(answer->json);
}

Result<RenewalInfo> AcmeClient::renewalInfo(const std::string& certId) {
    auto caps = capabilities();
    if (!caps) {
        return std::move(caps).problem();
    }
    if (!caps->renewalInfo) {
        return badUpstream("directory offers no renewalInfo");
    }
    std::string url = *caps->renewalInfo;
    if (url.empty() || url.back() != '/') {
        url += '/';
    }
    url += certId;
    auto r = session_.get(url);
    if (!r) {
        return std::move(r).problem();
    }
    if (r->status >= 400) {
        return problemFrom("GET", url, *r);
    }
    auto json = parseBody("renewalInfo " + url, r->body);
    if (!json) {
        return std::move(json).problem();
    }
    auto info = RenewalInfo::fromJson(*json);
    if (!info) {
        return std::move(info).problem();
    }
    if (auto retry = r->headers.get("Retry-After")) {
        info->retryAfter = acme::parseRetryAfter(*retry, now());
    }
    return info;
}

Status AcmeClient::revokeCertificate(const crypto::Bytes& certificateDer,
                                     std::optional<int> reason) {
    auto caps = capabilities();
    if (!caps) {
        return std::move(caps).problem();
    }
    if (caps->revokeCert.empty()) {
        return badUpstream("directory has no revokeCert");
    }
    nlohmann::json payload = {{"certificate", wire::base64UrlEncode(certificateDer)}};
    if (reason) {
        payload["reason"] = *reason;
    }
    auto r = post(caps->revokeCert, payload, Signer::Kid);
    if (!r) {
        return std::move(r).problem();
    }
    return okStatus();
}

}  // namespace legate::ido::upstream
