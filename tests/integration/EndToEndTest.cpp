// The whole NDC-facing flow against the real `ido serve` binary, a real redis-server,
// HTTPS over loopback, and an NDC that knows nothing but the directory URL:
// admin onboards an NDC and a delegation; the NDC registers with EAB, lists its
// delegations, reads the template, builds a CSR from it, orders STAR and non-STAR,
// finalizes, and (once a certificate is stored for the order, as the upstream side
// will do) fetches it unauthenticated.  Then ido restarts mid-flow, and the delegation
// is terminated.

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/store/RedisPool.h"
#include "broker/wire/Base64Url.h"
#include "idO/state/TenantState.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/integration/IdoProcess.h"
#include "tests/integration/IndependentNdc.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;

class EndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<RedisServer>();
        ido_ = std::make_unique<IdoProcess>(IdoProcess::Options{.redisUrl = redis_->url()});
        ido_->start();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        state_ = std::make_unique<ido::TenantState>(
            *pool_, ido::TenantKeys(*store::KeyLayout::forTenant("example")),
            SystemClock::instance());
    }

    void TearDown() override {
        if (HasFailure() && ido_) {
            std::cerr << "---- ido log ----\n" << ido_->log();
        }
    }

    ido::AdminAnswer admin(const std::string& method, const std::string& path,
                           const json& body = nullptr) {
        return ido_->admin(method, path, body);
    }

    /// Admin onboards an NDC and a cdn-tls-ecdsa delegation for abc.ido.example.
    std::pair<json, std::string> onboard() {
        auto ndc = admin("POST", "/admin/v1/tenants/example/ndcs",
                         {{"name", "cdn"}, {"contact", "mailto:ops@cdn.example"}});
        EXPECT_EQ(ndc.status, 201) << ndc.body;
        auto d = admin("POST",
                       "/admin/v1/tenants/example/ndcs/" + ndc.json()["id"].get<std::string>() +
                           "/delegations",
                       {{"profile", "cdn-tls-ecdsa"}, {"names", {"abc.ido.example"}}});
        EXPECT_EQ(d.status, 201) << d.body;
        return {ndc.json(), d.json()["url"].get<std::string>()};
    }

    /// Stores a certificate for the order's publication, as the upstream side will.
    void publishFor(const std::string& orderUrl, const crypto::PublicKey& key, TimePoint notBefore,
                    TimePoint notAfter) {
        const std::string id = orderUrl.substr(orderUrl.rfind('/') + 1);
        auto order = state_->order(id);
        ASSERT_TRUE(order.ok() && order->has_value());
        auto caKey = crypto::PrivateKey::generate(crypto::KeyType::P256);
        auto ca = crypto::CertificateBuilder()
                      .commonName("Test CA")
                      .validity(notBefore - std::chrono::hours(1), notAfter + std::chrono::hours(1))
                      .certificateAuthority(std::nullopt)
                      .selfSigned(*caKey);
        ASSERT_TRUE(ca.ok()) << ca.problem().detail;
        auto leaf = crypto::CertificateBuilder()
                        .dnsNames({"abc.ido.example"})
                        .validity(notBefore, notAfter)
                        .serverAuth()
                        .issuedBy(key, *ca, *caKey);
        ASSERT_TRUE(leaf.ok()) << leaf.problem().detail;
        auto published =
            state_->publishCertificate((*order)->certToken, leaf->toPem() + ca->toPem(), notBefore,
                                       notAfter, notBefore + std::chrono::hours(1));
        ASSERT_TRUE(published.ok() && published->ok());
    }

    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<IdoProcess> ido_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<ido::TenantState> state_;
};

/// Reads the delegation's template and builds a CSR for it with a fresh key.
struct BuiltCsr {
    crypto::PrivateKey key;
    std::string der64;
};

BuiltCsr csrFor(const json& delegationObject) {
    auto tmpl = profiles::TemplateParser::parse(delegationObject.at("csr-template"));
    if (!tmpl.ok()) {
        throw std::runtime_error(tmpl.problem().detail);
    }
    auto type = profiles::CsrBuilder::chooseKeyType(*tmpl);
    auto key = crypto::PrivateKey::generate(*type);
    auto csr = profiles::CsrBuilder::build(*tmpl, *key, {});
    if (!csr.ok()) {
        throw std::runtime_error(csr.problem().detail);
    }
    return {std::move(key).value(), wire::base64UrlEncode(csr->der())};
}

/// A non-STAR newOrder payload for abc.ido.example under `delegationUrl`.
json nonStarOrder(const std::string& delegationUrl) {
    return {{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
            {"delegation", delegationUrl},
            {"allow-certificate-get", true}};
}

TEST_F(EndToEnd, NdcOnboardsOrdersAndFetchesItsStarCertificate) {
    auto [ndcInfo, delegationUrl] = onboard();
    IndependentNdc ndc(ido_->directoryUrl(), ido_->caFile());
    EXPECT_EQ(ndc.directory()["meta"]["delegation-enabled"], true);
    EXPECT_EQ(ndc.directory()["meta"]["auto-renewal"]["allow-certificate-get"], true);

    auto account = ndc.registerAccount(ndcInfo["eab"]["kid"], ndcInfo["eab"]["hmac_key"]);
    ASSERT_EQ(account.status, 201) << account.body;
    const std::string delegationsUrl = account.json()["delegations"];

    auto list = ndc.post(delegationsUrl, std::nullopt);
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_EQ(list.json()["delegations"], json::array({delegationUrl}));
    auto delegation = ndc.post(delegationUrl, std::nullopt);
    ASSERT_EQ(delegation.status, 200) << delegation.body;
    auto csr = csrFor(delegation.json());

    const auto endDate = toRfc3339(std::chrono::system_clock::now() + std::chrono::hours(24));
    auto order = ndc.post(
        ndc.directory()["newOrder"],
        json{{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
             {"delegation", delegationUrl},
             {"auto-renewal",
              {{"end-date", endDate}, {"lifetime", 3600}, {"allow-certificate-get", true}}}});
    ASSERT_EQ(order.status, 201) << order.body;
    EXPECT_EQ(order.json()["status"], "ready");
    EXPECT_EQ(order.json()["authorizations"], json::array());
    EXPECT_EQ(order.json()["delegation"], delegationUrl);
    EXPECT_EQ(order.json()["auto-renewal"]["allow-certificate-get"], true);
    const std::string orderUrl = order.header("Location");

    auto finalized = ndc.post(order.json()["finalize"], json{{"csr", csr.der64}});
    ASSERT_EQ(finalized.status, 200) << finalized.body;
    EXPECT_EQ(finalized.json()["status"], "processing");
    EXPECT_FALSE(finalized.header("Retry-After").empty());

    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    publishFor(orderUrl, csr.key.publicKey(), now - std::chrono::minutes(5),
               now + std::chrono::hours(2));

    auto valid = ndc.post(orderUrl, std::nullopt);
    ASSERT_EQ(valid.json()["status"], "valid") << valid.body;
    const std::string certUrl = valid.json()["star-certificate"];

    auto fetched = ndc.get(certUrl);  // unauthenticated, as every CDN edge does
    ASSERT_EQ(fetched.status, 200) << fetched.body;
    EXPECT_EQ(fetched.header("Content-Type"), "application/pem-certificate-chain");
    auto chain = crypto::parsePemCertificates(fetched.body);
    ASSERT_TRUE(chain.ok());
    EXPECT_TRUE((*chain)[0].publicKey() == csr.key.publicKey());
    EXPECT_EQ(fetched.header("Cert-Not-Before"), toHttpDate((*chain)[0].notBefore()));
    EXPECT_EQ(fetched.header("Cert-Not-After"), toHttpDate((*chain)[0].notAfter()));
    EXPECT_NE(fetched.header("Cache-Control").find("max-age="), std::string::npos);

    auto head = ndc.head(certUrl);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("Cert-Not-After"), fetched.header("Cert-Not-After"));

    // The IdO ends the delegation: publication answers autoRenewalCanceled at once.
    const std::string id = delegationUrl.substr(delegationUrl.rfind('/') + 1);
    auto ended = admin("DELETE", "/admin/v1/tenants/example/delegations/" + id);
    ASSERT_EQ(ended.status, 200) << ended.body;
    auto gone = ndc.get(certUrl);
    EXPECT_EQ(gone.status, 403);
    EXPECT_EQ(gone.json()["type"], "urn:ietf:params:acme:error:autoRenewalCanceled");
    EXPECT_EQ(ndc.post(orderUrl, std::nullopt).json()["status"], "canceled");
    auto refused = ndc.post(ndc.directory()["newOrder"], nonStarOrder(delegationUrl));
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.json()["type"], "urn:ietf:params:acme:error:unknownDelegation");
}

TEST_F(EndToEnd, NonStarOrderReachesProcessing) {
    auto [ndcInfo, delegationUrl] = onboard();
    IndependentNdc ndc(ido_->directoryUrl(), ido_->caFile());
    ASSERT_EQ(ndc.registerAccount(ndcInfo["eab"]["kid"], ndcInfo["eab"]["hmac_key"]).status, 201);
    auto csr = csrFor(ndc.post(delegationUrl, std::nullopt).json());
    auto order = ndc.post(ndc.directory()["newOrder"], nonStarOrder(delegationUrl));
    ASSERT_EQ(order.status, 201) << order.body;
    EXPECT_EQ(order.json()["allow-certificate-get"], true);
    EXPECT_FALSE(order.json().contains("auto-renewal"));
    auto finalized = ndc.post(order.json()["finalize"], json{{"csr", csr.der64}});
    ASSERT_EQ(finalized.status, 200) << finalized.body;
    EXPECT_EQ(finalized.json()["status"], "processing");
}

TEST_F(EndToEnd, RestartMidFlowLosesNothing) {
    auto [ndcInfo, delegationUrl] = onboard();
    IndependentNdc ndc(ido_->directoryUrl(), ido_->caFile());
    ASSERT_EQ(ndc.registerAccount(ndcInfo["eab"]["kid"], ndcInfo["eab"]["hmac_key"]).status, 201);
    auto csr = csrFor(ndc.post(delegationUrl, std::nullopt).json());
    auto order = ndc.post(ndc.directory()["newOrder"], nonStarOrder(delegationUrl));
    ASSERT_EQ(order.status, 201) << order.body;

    EXPECT_EQ(ido_->stop(), 0);  // SIGTERM: a clean exit
    ido_->start();               // same ports, same Redis

    // The account, the order and the delegation are all still there.
    auto again = ndc.post(order.header("Location"), std::nullopt);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["status"], "ready");
    auto finalized = ndc.post(order.json()["finalize"], json{{"csr", csr.der64}});
    ASSERT_EQ(finalized.status, 200) << finalized.body;
    EXPECT_EQ(finalized.json()["status"], "processing");

    // A crash (SIGKILL) is no different.
    ido_->kill();
    ido_->start();
    EXPECT_EQ(ndc.post(order.header("Location"), std::nullopt).json()["status"], "processing");
}

TEST(IdoServe, CheckConfigReportsEveryBadFieldAndExitsNonZero) {
    TempDir dir;
    writeFile(dir / "bad.json", R"({"acme": {"port": "x"}, "tenants": []})");
    Process check({idoBinary(), "serve", "--check-config", (dir / "bad.json").string()},
                  dir / "out.log");
    EXPECT_EQ(check.wait(std::chrono::seconds(20)), 1);
    const auto out = readFile(dir / "out.log");
    EXPECT_NE(out.find("/acme/port"), std::string::npos) << out;
    EXPECT_NE(out.find("/tenants: must not be empty"), std::string::npos) << out;
    EXPECT_NE(out.find("/redis: missing"), std::string::npos) << out;
}

}  // namespace
}  // namespace legate::test

namespace legate::test {
namespace {

TEST_F(EndToEnd, Python3AcmeNdcWrittenFromTheRfcReachesProcessing) {
    auto [ndcInfo, delegationUrl] = onboard();
    const std::string script =
        std::string(LEGATE_SOURCE_DIR) + "/tests/integration/python/ndc_python_acme.py";
    // "--opt=value": base64url ids may start with '-', which argparse would take for an option.
    Process python(
        {"/usr/bin/python3", script, "--directory=" + ido_->directoryUrl(),
         "--ca=" + ido_->caFile(), "--eab-kid=" + ndcInfo["eab"]["kid"].get<std::string>(),
         "--eab-hmac=" + ndcInfo["eab"]["hmac_key"].get<std::string>()},
        ido_->dir() / "python.log");
    const int code = python.wait(std::chrono::seconds(60));
    const auto out = readFile(ido_->dir() / "python.log");
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("\"status\": \"processing\""), std::string::npos) << out;
}

}  // namespace
}  // namespace legate::test
