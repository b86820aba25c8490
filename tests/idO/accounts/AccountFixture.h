#pragma once
// A real ACME listener (HTTPS, development certificate, port 0) serving the account
// routes of two tenants over a real redis-server, and a small signing client.
//
// The configured base URL is "https://ido.test": every URL the server hands out and
// every JWS `url` uses it, and the client sends the request to the real listener at
// the same path.  (tests/idO/support's AcmeTestEnvironment was not there yet when
// these tests were written; this fixture is deliberately minimal.)

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/crypto/Key.h"
#include "broker/http/HttpClient.h"
#include "broker/http/Server.h"
#include "broker/store/RedisPool.h"
#include "idO/config/ServeConfig.h"
#include "idO/tenant/TenantContext.h"
#include "tests/support/RedisServer.h"

namespace legate::ido::test {

inline constexpr const char* kBase = "https://ido.test";

/// How a test request is signed.
struct Signing {
    std::optional<std::string> kid = std::nullopt;        ///< unset: embed the jwk
    std::optional<std::string> nonce = std::nullopt;      ///< unset: a fresh one
    std::optional<std::string> signedUrl = std::nullopt;  ///< unset: the url posted to
};

class AccountFixture : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    /// Lets a test change the configuration before the server starts.
    virtual void configure(ServeConfig&) {}

    TenantContext& tenant() { return *services_->tenant("example"); }
    TenantContext& otherTenant() { return *services_->tenant("other"); }
    const AcmeUrls& urls() { return tenant().urls; }

    /// Sends to the listener; `url` starts with kBase.
    http::ClientResponse send(const std::string& method, const std::string& url,
                              const std::string& body = {},
                              const std::string& contentType = "application/jose+json");
    /// A fresh nonce of `tenant` (HEAD new-nonce).
    std::string nonce(TenantContext* of = nullptr);

    /// The flattened JWS body; `payload` nullopt is POST-as-GET.
    std::string sign(const crypto::PrivateKey& key, const std::string& url,
                     const std::optional<nlohmann::json>& payload, const Signing& how = {});
    http::ClientResponse post(const crypto::PrivateKey& key, const std::string& url,
                              const std::optional<nlohmann::json>& payload,
                              const Signing& how = {});

    struct Ndc {
        std::string id;
        std::string kid;
        crypto::Bytes hmac;
    };
    Ndc onboardNdc();
    nlohmann::json eab(const crypto::PrivateKey& key, const Ndc& ndc);

    struct Account {
        crypto::PrivateKey key;
        std::string url;
        std::string id;
    };
    /// newAccount with a fresh key and NDC; asserts 201.
    Account registerAccount();
    http::ClientResponse postAsAccount(const Account& a, const std::string& url,
                                       const std::optional<nlohmann::json>& payload);

    /// Every Redis key and value except nonces and rate-limit buckets (which every
    /// request touches): for "a refusal changed nothing" assertions.
    std::string snapshot();

    static crypto::PrivateKey newKey(crypto::KeyType type = crypto::KeyType::P256);
    static nlohmann::json parsed(const http::ClientResponse& r);
    /// "badNonce" for urn:ietf:params:acme:error:badNonce, "" when not a problem.
    static std::string problemType(const http::ClientResponse& r);

    ManualClock clock_;
    ServeConfig config_;
    std::unique_ptr<legate::test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<AcmeServices> services_;
    std::unique_ptr<legate::test::TempDir> tlsDir_;
    http::ServerPtr server_;
    std::unique_ptr<http::HttpClient> client_;
};

}  // namespace legate::ido::test
