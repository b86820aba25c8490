#include "tests/idO/accounts/AccountFixture.h"

#include <algorithm>
#include <cstring>

#include "broker/http/DevelopmentCertificate.h"
#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"
#include "broker/wire/Jws.h"
#include "idO/acme/AccountRoutes.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido::test {

void AccountFixture::SetUp() {
    LEGATE_REQUIRE_REDIS();
    redis_ = std::make_unique<legate::test::RedisServer>();
    pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));

    config_.acme.baseUrl = kBase;
    config_.redis.url = redis_->url();
    config_.limits.rateLimit.requestsPerSecond = 1000;
    config_.limits.rateLimit.burst = 1000;
    TenantConfig example;
    example.name = "example";
    example.star.minLifetime = 3600;
    example.star.maxDuration = 86400;
    TenantConfig other;
    other.name = "other";
    config_.tenants = {example, other};
    configure(config_);
    services_ =
        std::make_unique<AcmeServices>(config_, *pool_, clock_, profiles::ProfileCatalog::locate());

    tlsDir_ = std::make_unique<legate::test::TempDir>();
    auto tls = http::DevelopmentCertificate::ensure(tlsDir_->path(), {"127.0.0.1"});
    ASSERT_TRUE(tls.ok()) << tls.problem().detail;
    auto router = std::make_shared<http::Router>();
    addAccountRoutes(*router, *services_);
    http::ServerOptions options;
    options.tls = http::TlsFiles{tls->certificateChain, tls->privateKey};
    options.maxBodyBytes = static_cast<size_t>(config_.limits.maxBodyBytes);
    auto server = http::Server::start(options, router);
    ASSERT_TRUE(server.ok()) << server.problem().detail;
    server_ = std::move(server).value();
    http::HttpClientOptions clientOptions;
    clientOptions.caBundle = tls->caCertificate;
    clientOptions.maxAttempts = 1;
    client_ = std::make_unique<http::HttpClient>(clientOptions);
}

void AccountFixture::TearDown() {
    if (server_) {
        server_->stop(std::chrono::seconds(1));
    }
}

http::ClientResponse AccountFixture::send(const std::string& method, const std::string& url,
                                          const std::string& body, const std::string& contentType) {
    const size_t baseLength = std::strlen(kBase);
    EXPECT_EQ(url.substr(0, baseLength), kBase);
    http::Headers headers;
    if (!contentType.empty()) {
        headers.add("Content-Type", contentType);
    }
    auto response =
        client_->request(method, server_->baseUrl() + url.substr(baseLength), headers, body);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.problem().detail);
    return response.ok() ? std::move(response).value() : http::ClientResponse{};
}

std::string AccountFixture::nonce(TenantContext* of) {
    auto r = send("HEAD", (of != nullptr ? *of : tenant()).urls.newNonce(), {}, "");
    EXPECT_EQ(r.status, 200);
    return r.headers.get("Replay-Nonce").value_or("");
}

std::string AccountFixture::sign(const crypto::PrivateKey& key, const std::string& url,
                                 const std::optional<nlohmann::json>& payload, const Signing& how) {
    wire::JwsHeader header;
    header.url = how.signedUrl.value_or(url);
    header.nonce = how.nonce ? *how.nonce : nonce();
    header.kid = how.kid;
    auto body = wire::signJws(key, payload, header);
    EXPECT_TRUE(body.ok());
    return body.ok() ? *body : std::string();
}

http::ClientResponse AccountFixture::post(const crypto::PrivateKey& key, const std::string& url,
                                          const std::optional<nlohmann::json>& payload,
                                          const Signing& how) {
    return send("POST", url, sign(key, url, payload, how));
}

AccountFixture::Ndc AccountFixture::onboardNdc() {
    auto created = tenant().state.createNdc("cdn", "ops@cdn.example");
    EXPECT_TRUE(created.ok());
    auto hmac = wire::base64UrlDecode(created->hmacKey);
    EXPECT_TRUE(hmac.ok());
    return {created->ndc.id, created->ndc.eabKid, *hmac};
}

nlohmann::json AccountFixture::eab(const crypto::PrivateKey& key, const Ndc& ndc) {
    auto binding =
        wire::createExternalAccountBinding(key.publicKey(), ndc.kid, ndc.hmac, urls().newAccount());
    EXPECT_TRUE(binding.ok());
    return *binding;
}

AccountFixture::Account AccountFixture::registerAccount() {
    auto key = newKey();
    const auto ndc = onboardNdc();
    auto r = post(key, urls().newAccount(),
                  nlohmann::json{{"contact", {"mailto:ops@cdn.example"}},
                                 {"externalAccountBinding", eab(key, ndc)}});
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string url = r.headers.get("Location").value_or("");
    return {std::move(key), url, urls().accountIdFromUrl(url)};
}

http::ClientResponse AccountFixture::postAsAccount(const Account& a, const std::string& url,
                                                   const std::optional<nlohmann::json>& payload) {
    return post(a.key, url, payload, {.kid = a.url});
}

std::string AccountFixture::snapshot() {
    auto keys = pool_->command({"KEYS", "*"});
    std::vector<std::string> names;
    for (const auto& k : keys->elements()) {
        if (k.text().find(":nonce:") == std::string::npos &&
            k.text().find(":rate:") == std::string::npos) {
            names.push_back(k.text());
        }
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& k : names) {
        auto type = pool_->command({"TYPE", k});
        out += k + "=";
        if (type->text() == "hash") {
            out += pool_->command({"HGETALL", k})->toString();
        } else if (type->text() == "zset") {
            out += pool_->command({"ZRANGE", k, "0", "-1"})->toString();
        } else if (type->text() == "stream") {
            out += std::to_string(*pool_->command({"XLEN", k})->asInteger());
        } else if (type->text() == "string") {
            out += pool_->command({"GET", k})->toString();
        } else {
            out += type->text();
        }
        out += "\n";
    }
    return out;
}

crypto::PrivateKey AccountFixture::newKey(crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type);
    EXPECT_TRUE(key.ok());
    return std::move(key).value();
}

nlohmann::json AccountFixture::parsed(const http::ClientResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
}

std::string AccountFixture::problemType(const http::ClientResponse& r) {
    if (r.headers.get("Content-Type").value_or("") != "application/problem+json") {
        return "";
    }
    const auto doc = parsed(r);
    const std::string prefix = "urn:ietf:params:acme:error:";
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
        return "";
    }
    const std::string type = doc["type"];
    return type.starts_with(prefix) ? type.substr(prefix.size()) : type;
}

}  // namespace legate::ido::test
