#include "tests/idO/admin/AdminTestServer.h"

#include <algorithm>
#include <stdexcept>

#include <gtest/gtest.h>

#include "idO/admin/AdminRoutes.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido::test {

AdminTestServer::AdminTestServer(const std::function<void(TenantConfig&)>& configure)
    : redis_(std::make_unique<legate::test::RedisServer>()),
      client_(http::HttpClientOptions{.maxAttempts = 1}) {
    pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
    config_.acme.baseUrl = "https://acme.ido.example:8443";
    TenantConfig tenant;
    tenant.name = kTenant;
    tenant.star = {kTenantMinLifetime, kTenantMaxDuration};
    if (configure) {
        configure(tenant);
    }
    config_.tenants.push_back(tenant);
    services_ =
        std::make_unique<AcmeServices>(config_, *pool_, clock_, profiles::ProfileCatalog::locate());
    auto router = std::make_shared<http::Router>();
    addAdminRoutes(*router, *services_, kAdminToken);
    auto server = http::Server::start(http::ServerOptions{}, router);
    if (!server.ok()) {
        throw std::runtime_error("admin server: " + server.problem().detail);
    }
    server_ = std::move(server).value();
}

AdminTestServer::~AdminTestServer() {
    if (server_) {
        server_->stop(std::chrono::seconds(5));
    }
}

http::ClientResponse AdminTestServer::request(const std::string& method, const std::string& url,
                                              const std::optional<std::string>& body,
                                              const std::string& contentType,
                                              const std::optional<std::string>& authorization) {
    http::Headers headers;
    if (authorization && !authorization->empty()) {
        headers.add("Authorization", *authorization);
    }
    if (body && !contentType.empty()) {
        headers.add("Content-Type", contentType);
    }
    auto response = client_.request(method, url, headers, body.value_or(""));
    if (!response.ok()) {
        throw std::runtime_error(method + " " + url + ": " + response.problem().detail);
    }
    return std::move(response).value();
}

std::string AdminTestServer::snapshot() {
    auto keys = pool_->command({"KEYS", "*"});
    std::vector<std::string> names;
    for (const auto& k : keys->elements()) {
        names.push_back(k.text());
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& k : names) {
        auto type = pool_->command({"TYPE", k});
        out += k + "=" + type->text() + ":";
        if (type->text() == "hash") {
            // Field order of a hashtable-encoded hash is not stable across rehashing
            // (which even reads advance), so compare the fields sorted.
            auto fields = pool_->command({"HGETALL", k});
            std::vector<std::pair<std::string, std::string>> pairs;
            const auto& e = fields->elements();
            for (size_t i = 0; i + 1 < e.size(); i += 2) {
                pairs.emplace_back(e[i].text(), e[i + 1].text());
            }
            std::sort(pairs.begin(), pairs.end());
            for (const auto& [field, value] : pairs) {
                out += field + "=" + value + ";";
            }
        } else if (type->text() == "zset") {
            out += pool_->command({"ZRANGE", k, "0", "-1", "WITHSCORES"})->toString();
        } else if (type->text() == "set") {
            out += pool_->command({"SMEMBERS", k})->toString();
        } else if (type->text() == "stream") {
            out += pool_->command({"XRANGE", k, "-", "+"})->toString();
        } else {
            out += pool_->command({"GET", k})->toString();
        }
        out += "\n";
    }
    return out;
}

nlohmann::json AdminTestServer::createNdc(const std::string& name) {
    auto r = request("POST", tenantUrl() + "/ndcs", nlohmann::json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return nlohmann::json::parse(r.body);
}

std::string AdminTestServer::bindAccount(const nlohmann::json& ndc) {
    AccountRecord account;
    account.id = newId();
    account.jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", account.id}};
    account.thumbprint = "tp-" + account.id;
    auto bound = tenant().state.bindAccount(account, ndc["eab"]["kid"].get<std::string>());
    EXPECT_TRUE(bound.ok() && bound->ok());
    return account.id;
}

nlohmann::json sampleTemplate() {
    return nlohmann::json::parse(R"({
        "keyTypes": [{"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
                      "SignatureType": "ecdsa-with-SHA256"}],
        "extensions": {
            "subjectAltName": {"DNS": ["www.ido.example", "**"]},
            "keyUsage": ["digitalSignature"],
            "extendedKeyUsage": ["serverAuth"]
        }
    })");
}

}  // namespace legate::ido::test
