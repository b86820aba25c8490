#pragma once
/// An NDC written from the RFCs alone, for end-to-end tests: it knows only the
/// directory URL and discovers every other URL from the server's answers, as a real
/// CDN's client would.  Signs with broker/wire, talks HTTPS with broker/http.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"

namespace legate::test {

struct Answer {
    int status = 0;
    http::Headers headers;
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
    std::string header(const std::string& name) const { return headers.get(name).value_or(""); }
};

class IndependentNdc {
public:
    IndependentNdc(std::string directoryUrl, std::string caFile);

    const nlohmann::json& directory() const { return directory_; }
    const crypto::PrivateKey& key() const { return key_; }
    const std::string& accountUrl() const { return accountUrl_; }

    /// GET the directory (done by the constructor; again after a server restart).
    void refreshDirectory();
    /// newAccount with External Account Binding; returns the answer (201 expected).
    Answer registerAccount(const std::string& eabKid, const std::string& hmacKey);
    /// A signed POST (nullopt = POST-as-GET) with `kid`, retried once on badNonce.
    Answer post(const std::string& url, const std::optional<nlohmann::json>& payload);
    /// Unauthenticated GET / HEAD (certificate fetching).
    Answer get(const std::string& url);
    Answer head(const std::string& url);

private:
    Answer send(const std::string& url, const std::optional<nlohmann::json>& payload, bool useJwk);
    Answer toAnswer(const Result<http::ClientResponse>& r);
    std::string nonce();

    std::string directoryUrl_;
    http::HttpClient client_;
    crypto::PrivateKey key_;
    nlohmann::json directory_;
    std::string accountUrl_;
    std::string nonce_;
};

}  // namespace legate::test
