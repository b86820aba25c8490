#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/crypto/Certificate.h"
#include "broker/http/DevelopmentCertificate.h"
#include "broker/http/HttpClient.h"
#include "broker/http/Server.h"
#include "broker/log/Setup.h"
#include "tests/broker/http/HttpTestSupport.h"
#include "tests/support/TestSupport.h"

namespace legate::http {
namespace {

using namespace std::chrono_literals;

mode_t modeOf(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

TEST(DevelopmentCertificateTest, CreatesCaAndServerFiles) {
    legate::test::TempDir dir;
    auto paths = DevelopmentCertificate::ensure(dir / "tls", {"localhost", "127.0.0.1", "::1"});
    ASSERT_TRUE(paths.ok()) << paths.problem().detail;
    EXPECT_EQ(modeOf(paths->caKey), 0600u);
    EXPECT_EQ(modeOf(paths->privateKey), 0600u);
    EXPECT_EQ(modeOf(dir / "tls"), 0700u);

    auto ca = crypto::Certificate::fromPem(legate::test::readFile(paths->caCertificate));
    ASSERT_TRUE(ca.ok());
    EXPECT_TRUE(ca->isCa());
    auto chain = crypto::parsePemChain(legate::test::readFile(paths->certificateChain));
    ASSERT_TRUE(chain.ok()) << chain.problem().detail;
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_EQ(chain->front().dnsNames(), std::vector<std::string>{"localhost"});
    EXPECT_EQ(chain->front().subjectAltNames().size(), 3u);
    EXPECT_TRUE(crypto::verifyChain(*chain, {*ca}, std::chrono::system_clock::now()).ok());
}

TEST(DevelopmentCertificateTest, ReusesWhatIsStillGood) {
    legate::test::TempDir dir;
    ManualClock clock(std::chrono::system_clock::now());
    auto first = DevelopmentCertificate::ensure(dir.path(), {"localhost"}, clock);
    ASSERT_TRUE(first.ok());
    const std::string ca = legate::test::readFile(first->caCertificate);
    const std::string leaf = legate::test::readFile(first->certificateChain);

    ASSERT_TRUE(DevelopmentCertificate::ensure(dir.path(), {"localhost"}, clock).ok());
    EXPECT_EQ(legate::test::readFile(first->caCertificate), ca);
    EXPECT_EQ(legate::test::readFile(first->certificateChain), leaf);

    // A new host name: new server certificate, same CA.
    ASSERT_TRUE(DevelopmentCertificate::ensure(dir.path(), {"localhost", "127.0.0.1"}, clock).ok());
    EXPECT_EQ(legate::test::readFile(first->caCertificate), ca);
    const std::string leaf2 = legate::test::readFile(first->certificateChain);
    EXPECT_NE(leaf2, leaf);

    // Close to expiry: renewed.
    clock.advance(std::chrono::days(340));
    ASSERT_TRUE(DevelopmentCertificate::ensure(dir.path(), {"localhost", "127.0.0.1"}, clock).ok());
    EXPECT_EQ(legate::test::readFile(first->caCertificate), ca);
    EXPECT_NE(legate::test::readFile(first->certificateChain), leaf2);
}

TEST(DevelopmentCertificateTest, NoHostsIsAProblem) {
    legate::test::TempDir dir;
    EXPECT_FALSE(DevelopmentCertificate::ensure(dir.path(), {}).ok());
}

class HttpsTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto paths = DevelopmentCertificate::ensure(dir_ / "tls", {"localhost", "127.0.0.1"});
        ASSERT_TRUE(paths.ok()) << paths.problem().detail;
        paths_ = *paths;
        auto router = std::make_shared<Router>();
        router->add("GET", "/hello", [](Request&) -> Result<Response> {
            return Response::json(200, {{"hello", "tls"}});
        });
        ServerOptions options;
        options.tls = TlsFiles{paths_.certificateChain, paths_.privateKey};
        auto server = Server::start(options, router);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(server).value();
    }

    legate::test::TempDir dir_;
    DevelopmentCertificatePaths paths_;
    ServerPtr server_;
};

TEST_F(HttpsTest, VerifiedAgainstTheDevelopmentCa) {
    EXPECT_TRUE(server_->secure());
    HttpClient client({.caBundle = paths_.caCertificate});
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        auto r = client.get("https://" + host + ":" + std::to_string(server_->port()) + "/hello");
        ASSERT_TRUE(r.ok()) << r.problem().detail;
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(nlohmann::json::parse(r->body)["hello"], "tls");
    }
}

TEST_F(HttpsTest, FailsWithoutTheCaAndIsNotRetried) {
    int sleeps = 0;
    HttpClient client({.sleep = [&](std::chrono::milliseconds) { ++sleeps; }});  // system CAs
    auto r = client.get(server_->baseUrl() + "/hello");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, acme::ErrorType::connection);
    EXPECT_NE(r.problem().detail.find("curl error 60"), std::string::npos) << r.problem().detail;
    EXPECT_EQ(client.lastAttempts(), 1);
    EXPECT_EQ(sleeps, 0);
}

TEST_F(HttpsTest, PlainHttpToTheTlsPortFailsAndIsLogged) {
    Poco::AutoPtr<test::CapturingChannel> logs(new test::CapturingChannel);
    log::setup(log::Level::info, Poco::AutoPtr<Poco::Channel>(logs, true));
    HttpClient client({.totalTimeout = 5s, .maxAttempts = 1});
    auto r = client.get("http://127.0.0.1:" + std::to_string(server_->port()) + "/hello");
    EXPECT_FALSE(r.ok() && r->status == 200);
    EXPECT_TRUE(legate::test::pollUntil([&] {
        return logs->text().find("\"message\":\"connection error\"") != std::string::npos;
    })) << logs->text();
    log::setup(log::Level::info, std::clog);
}

TEST(HttpsStartTest, MissingTlsFilesAreAProblem) {
    legate::test::TempDir dir;
    ServerOptions options;
    options.tls = TlsFiles{dir / "nope.pem", dir / "nope-key.pem"};
    auto server = Server::start(options, std::make_shared<Router>());
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.problem().type, acme::ErrorType::serverInternal);
}

}  // namespace
}  // namespace legate::http
