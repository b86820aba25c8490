// Stock ACME clients as NDCs (implicit delegation, docs/conformance.md): lego and certbot,
// unmodified, against the real `ido serve` whose tenant relays to a real Pebble (http-01
// answered by ido's responder, names resolved by a real BIND 9).  Each registers with its
// EAB key, obtains a certificate for its delegated name that chains to Pebble's root,
// renews it, and is refused for a name outside its delegation and for a CSR the template
// forbids (an RSA key where the template allows only P-256).  No challenge is solved by
// the clients: an implicitly delegated order is ready, its authorizations already valid.

#include <gtest/gtest.h>

#include "broker/crypto/Certificate.h"
#include "tests/integration/IdoProcess.h"
#include "tests/support/BindServer.h"
#include "tests/support/PebbleServer.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kZone = "legate.test";

/// P-256 only, the delegated name(s) only, an optional commonName (stock clients set one
/// to the first name), no key usage demands (stock clients send none).
json stockTemplate(const std::vector<std::string>& names) {
    return {{"keyTypes",
             {{{"PublicKeyType", "id-ecPublicKey"},
               {"namedCurve", "secp256r1"},
               {"SignatureType", "ecdsa-with-SHA256"}}}},
            {"subject", {{"commonName", "*"}}},
            {"extensions", {{"subjectAltName", {{"DNS", names}}}}}};
}

struct ClientRun {
    int code = -1;
    std::string output;
};

class StockClients : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        LEGATE_REQUIRE_PEBBLE();
        if (!BindServer::available()) {
            GTEST_SKIP() << "named is not installed (apt install bind9)";
        }
        redis_ = std::make_unique<RedisServer>();
        bind_ = std::make_unique<BindServer>(kZone);
        const int httpPort = freePort();
        PebbleServer::Options options;
        options.httpPort = httpPort;
        options.dnsServer = "127.0.0.1:" + std::to_string(bind_->port());
        pebble_ = std::make_unique<PebbleServer>(options);
        writeFile(dir_ / "roots.pem", pebble_->issuingRoot());
        json upstream = {{"directory", pebble_->directoryUrl()},
                         {"ca-bundle", pebble_->caFile().string()},
                         {"roots", (dir_ / "roots.pem").string()},
                         {"account-key", (dir_ / "upstream-account.pem").string()},
                         {"contact", {"mailto:ops@legate.test"}},
                         {"solvers", {{"http-01", {{"listen", "127.0.0.1"}, {"port", httpPort}}}}}};
        ido_ = std::make_unique<IdoProcess>(
            IdoProcess::Options{.redisUrl = redis_->url(),
                                .minLifetime = 10,
                                .maxDuration = 86400,
                                .extra = {{"relay", {{"workers", 2}, {"tick-ms", 100}}}},
                                .tenantExtra = {{"implicit-delegation", true}},
                                .upstream = upstream});
        ido_->start();
    }

    void TearDown() override {
        if (HasFailure() && ido_) {
            std::cerr << "---- ido log ----\n" << ido_->log();
        }
    }

    struct Onboarded {
        std::string kid;
        std::string hmac;
    };

    /// An NDC with one implicit delegation for `names` (certificates of 600 s).
    Onboarded onboard(const std::string& name, const std::vector<std::string>& names) {
        auto ndc = ido_->admin("POST", "/admin/v1/tenants/example/ndcs", {{"name", name}});
        EXPECT_EQ(ndc.status, 201) << ndc.body;
        auto d = ido_->admin(
            "POST",
            "/admin/v1/tenants/example/ndcs/" + ndc.json()["id"].get<std::string>() +
                "/delegations",
            {{"csr-template", stockTemplate(names)}, {"implicit", {{"lifetime", 600}}}});
        EXPECT_EQ(d.status, 201) << d.body;
        return {ndc.json()["eab"]["kid"], ndc.json()["eab"]["hmac_key"]};
    }

    /// Runs a client to its end (at most 55 s), output captured.
    ClientRun run(std::vector<std::string> argv, std::map<std::string, std::string> env) {
        const auto log = dir_ / ("client-" + std::to_string(++runs_) + ".log");
        Process p(std::move(argv), log, std::move(env));
        ClientRun r;
        r.code = p.wait(55s);
        r.output = readFile(log);
        return r;
    }

    void expectChainsToPebble(const std::string& pem, const std::string& name) {
        auto chain = crypto::parsePemChain(pem);
        ASSERT_TRUE(chain.ok()) << chain.problem().detail;
        EXPECT_EQ(chain->front().dnsNames(), std::vector<std::string>{name});
        const auto lifetime = chain->front().notAfter() - chain->front().notBefore();
        EXPECT_LE(lifetime, 600s) << "the delegation's implicit lifetime";
        auto roots = *crypto::parsePemCertificates(readFile(dir_ / "roots.pem"));
        auto verified = crypto::verifyChain(*chain, roots, chain->front().notBefore());
        EXPECT_TRUE(verified.ok()) << verified.problem().detail;
    }

    TempDir dir_;
    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<BindServer> bind_;
    std::unique_ptr<PebbleServer> pebble_;
    std::unique_ptr<IdoProcess> ido_;
    int runs_ = 0;
};

TEST_F(StockClients, LegoObtainsRenewsAndIsRefusedOutsideItsDelegation) {
    const auto eab = onboard("lego-cdn", {"shop.legate.test"});
    const auto path = (dir_ / "lego").string();
    const auto lego = [&](const std::string& domain, const std::string& keyType,
                          std::vector<std::string> command) {
        std::vector<std::string> argv = {"lego",        "--accept-tos",
                                         "--server",    ido_->directoryUrl(),
                                         "--email",     "ops@lego-cdn.example",
                                         "--eab",       "--kid",
                                         eab.kid,       "--hmac",
                                         eab.hmac,      "--path",
                                         path,          "--key-type",
                                         keyType,       "--domains",
                                         domain,        "--http",
                                         "--http.port", "127.0.0.1:" + std::to_string(freePort())};
        argv.insert(argv.end(), command.begin(), command.end());
        return run(argv, {{"LEGO_CA_CERTIFICATES", ido_->caFile()}});
    };
    const auto certFile = std::filesystem::path(path) / "certificates" / "shop.legate.test.crt";

    auto obtained = lego("shop.legate.test", "ec256", {"run"});
    ASSERT_EQ(obtained.code, 0) << obtained.output;
    const auto first = readFile(certFile);
    expectChainsToPebble(first, "shop.legate.test");

    // 600 s left is less than a day: lego renews.
    auto renewed = lego("shop.legate.test", "ec256", {"renew", "--days", "1", "--no-random-sleep"});
    ASSERT_EQ(renewed.code, 0) << renewed.output;
    const auto second = readFile(certFile);
    EXPECT_NE(second, first);
    expectChainsToPebble(second, "shop.legate.test");

    auto outside = lego("other.legate.test", "ec256", {"run"});
    EXPECT_NE(outside.code, 0) << outside.output;
    EXPECT_NE(outside.output.find("rejectedIdentifier"), std::string::npos) << outside.output;

    auto rsa = lego("shop.legate.test", "rsa2048", {"run"});
    EXPECT_NE(rsa.code, 0) << rsa.output;
    EXPECT_NE(rsa.output.find("badCSR"), std::string::npos) << rsa.output;
    EXPECT_EQ(readFile(certFile), second);
}

TEST_F(StockClients, CertbotObtainsRenewsAndIsRefusedOutsideItsDelegation) {
    const auto eab = onboard("certbot-cdn", {"blog.legate.test"});
    const auto base = dir_ / "certbot";
    const std::vector<std::string> dirs = {"--config-dir", (base / "config").string(),
                                           "--work-dir",   (base / "work").string(),
                                           "--logs-dir",   (base / "logs").string()};
    const std::map<std::string, std::string> env = {{"REQUESTS_CA_BUNDLE", ido_->caFile()}};
    const auto certbot = [&](const std::string& domain, std::vector<std::string> keyArgs) {
        std::vector<std::string> argv = {"certbot",
                                         "certonly",
                                         "--non-interactive",
                                         "--agree-tos",
                                         "-m",
                                         "ops@certbot-cdn.example",
                                         "--server",
                                         ido_->directoryUrl(),
                                         "--eab-kid",
                                         eab.kid,
                                         "--eab-hmac-key",
                                         eab.hmac,
                                         "--standalone",
                                         "--http-01-address",
                                         "127.0.0.1",
                                         "--http-01-port",
                                         std::to_string(freePort()),
                                         "--cert-name",
                                         domain,
                                         "-d",
                                         domain};
        argv.insert(argv.end(), dirs.begin(), dirs.end());
        argv.insert(argv.end(), keyArgs.begin(), keyArgs.end());
        return run(argv, env);
    };
    const std::vector<std::string> ecdsa = {"--key-type", "ecdsa", "--elliptic-curve", "secp256r1"};
    const auto fullchain = base / "config" / "live" / "blog.legate.test" / "fullchain.pem";

    const auto certbotLog = [&] { return readFile(base / "logs" / "letsencrypt.log"); };
    auto obtained = certbot("blog.legate.test", ecdsa);
    ASSERT_EQ(obtained.code, 0) << obtained.output << certbotLog();
    const auto first = readFile(fullchain);
    expectChainsToPebble(first, "blog.legate.test");

    // 600 s left is well inside certbot's renewal window (30 days).
    // Without a TTY certbot sleeps up to 8 minutes before renewing unless told not to.
    std::vector<std::string> renew = {"certbot", "renew", "--non-interactive",
                                      "--no-random-sleep-on-renew"};
    renew.insert(renew.end(), dirs.begin(), dirs.end());
    auto renewed = run(renew, env);
    ASSERT_EQ(renewed.code, 0) << renewed.output;
    const auto second = readFile(fullchain);
    EXPECT_NE(second, first);
    expectChainsToPebble(second, "blog.legate.test");

    auto outside = certbot("other.legate.test", ecdsa);
    EXPECT_NE(outside.code, 0) << outside.output;
    EXPECT_NE(readFile(base / "logs" / "letsencrypt.log").find("rejectedIdentifier"),
              std::string::npos);

    auto rsa = certbot("blog.legate.test", {"--key-type", "rsa", "--force-renewal"});
    EXPECT_NE(rsa.code, 0) << rsa.output;
    EXPECT_NE(readFile(base / "logs" / "letsencrypt.log").find("badCSR"), std::string::npos);
    EXPECT_EQ(readFile(fullchain), second);
}

}  // namespace
}  // namespace legate::test
