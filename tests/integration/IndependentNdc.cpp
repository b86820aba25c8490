#include "tests/integration/IndependentNdc.h"

#include <stdexcept>

#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jws.h"

namespace legate::test {
namespace {

http::HttpClientOptions clientOptions(const std::string& caFile) {
    http::HttpClientOptions o;
    o.caBundle = caFile;
    return o;
}

crypto::PrivateKey newKey() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    if (!key.ok()) {
        throw std::runtime_error(key.problem().detail);
    }
    return std::move(key).value();
}

}  // namespace

IndependentNdc::IndependentNdc(std::string directoryUrl, std::string caFile)
    : directoryUrl_(std::move(directoryUrl)), client_(clientOptions(caFile)), key_(newKey()) {
    refreshDirectory();
}

void IndependentNdc::refreshDirectory() {
    auto r = toAnswer(client_.get(directoryUrl_));
    if (r.status != 200) {
        throw std::runtime_error("directory: " + std::to_string(r.status) + " " + r.body);
    }
    directory_ = r.json();
}

Answer IndependentNdc::toAnswer(const Result<http::ClientResponse>& r) {
    if (!r.ok()) {
        throw std::runtime_error(r.problem().detail);
    }
    Answer a{r->status, r->headers, r->body};
    if (auto n = r->headers.get("Replay-Nonce")) {
        nonce_ = *n;
    }
    return a;
}

std::string IndependentNdc::nonce() {
    if (nonce_.empty()) {
        toAnswer(client_.head(directory_.at("newNonce").get<std::string>()));
    }
    return std::exchange(nonce_, {});
}

Answer IndependentNdc::send(const std::string& url, const std::optional<nlohmann::json>& payload,
                            bool useJwk) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        wire::JwsHeader header;
        header.url = url;
        header.nonce = nonce();
        if (!useJwk) {
            header.kid = accountUrl_;
        }
        auto body = wire::signJws(key_, payload, header);
        if (!body.ok()) {
            throw std::runtime_error(body.problem().detail);
        }
        auto a = toAnswer(client_.post(url, *body, {{"Content-Type", "application/jose+json"}}));
        if (a.status == 400 &&
            a.json().value("type", "") == "urn:ietf:params:acme:error:badNonce") {
            continue;  // RFC 8555 §6.5: retry with the nonce of this answer
        }
        return a;
    }
    throw std::runtime_error("badNonce twice for " + url);
}

Answer IndependentNdc::registerAccount(const std::string& eabKid, const std::string& hmacKey) {
    const std::string url = directory_.at("newAccount").get<std::string>();
    auto mac = wire::base64UrlDecode(hmacKey);
    if (!mac.ok()) {
        throw std::runtime_error(mac.problem().detail);
    }
    auto eab = wire::createExternalAccountBinding(key_.publicKey(), eabKid, *mac, url);
    if (!eab.ok()) {
        throw std::runtime_error(eab.problem().detail);
    }
    auto a = send(url,
                  nlohmann::json{{"contact", {"mailto:ops@cdn.example"}},
                                 {"termsOfServiceAgreed", true},
                                 {"externalAccountBinding", *eab}},
                  true);
    if (a.status == 201 || a.status == 200) {
        accountUrl_ = a.header("Location");
    }
    return a;
}

Answer IndependentNdc::post(const std::string& url, const std::optional<nlohmann::json>& payload) {
    return send(url, payload, false);
}

Answer IndependentNdc::get(const std::string& url) {
    return toAnswer(client_.get(url));
}

Answer IndependentNdc::head(const std::string& url) {
    return toAnswer(client_.head(url));
}

}  // namespace legate::test
