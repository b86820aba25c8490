/// ChallengeSolvers against a real Pebble whose validator really checks the responses
/// (PEBBLE_VA_ALWAYS_VALID off): one full order to a certificate per solver, http-01
/// through the built-in responder, tls-alpn-01 through TlsAlpn01Responder, dns-01
/// through RFC 2136 updates to a real named.  Pebble resolves names through that same
/// named (`-dnsserver`), whose zone has a wildcard A 127.0.0.1, so every name under
/// the zone leads Pebble's validator back to our responders on loopback.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/crypto/Certificate.h"
#include "broker/crypto/Csr.h"
#include "idO/solvers/ChallengeSolvers.h"
#include "idO/upstream/AcmeClient.h"
#include "tests/support/BindServer.h"
#include "tests/support/PebbleServer.h"

namespace legate::ido::solvers {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

class SolversPebbleTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!test::PebbleServer::available() || !test::BindServer::available()) {
            return;
        }
        bind_ = new test::BindServer("solvers.test");
        SolverConfig config;
        config.preference = {"http-01", "tls-alpn-01", "dns-01"};
        config.http01 = Http01ResponderOptions{.host = "127.0.0.1", .port = 0};
        config.tlsAlpn01 = TlsAlpn01ResponderOptions{.host = "127.0.0.1", .port = 0};
        Dns01SolverConfig dns;
        dns.dns.port = static_cast<uint16_t>(bind_->port());
        dns.dns.zone = bind_->zone();
        dns.dns.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        dns.selfCheckInterval = 20ms;
        config.dns01 = dns;
        auto solvers = ChallengeSolvers::start(config);
        if (!solvers) {
            throw std::runtime_error(solvers.problem().detail);
        }
        solvers_ = solvers->release();

        test::PebbleServer::Options options;
        options.httpPort = solvers_->http01()->port();
        options.tlsPort = solvers_->tlsAlpn01()->port();
        options.dnsServer = "127.0.0.1:" + std::to_string(bind_->port());
        options.authzReusePercent = 0;  // every order really validates
        pebble_ = new test::PebbleServer(options);
    }
    static void TearDownTestSuite() {
        delete pebble_;
        delete solvers_;
        delete bind_;
        pebble_ = nullptr;
        solvers_ = nullptr;
        bind_ = nullptr;
    }
    void SetUp() override {
        LEGATE_REQUIRE_PEBBLE();
        LEGATE_REQUIRE_NAMED();
        ASSERT_NE(pebble_, nullptr);
        upstream::AcmeClientOptions o;
        o.directoryUrl = pebble_->directoryUrl();
        o.caBundle = pebble_->caFile();
        o.poll.initialInterval = 20ms;
        o.poll.maxInterval = 200ms;
        o.poll.maxTotal = 30s;
        client_ = std::make_unique<upstream::AcmeClient>(
            o, crypto::PrivateKey::generate(crypto::KeyType::P256).value());
        auto account = client_->findOrCreateAccount({"mailto:ops@solvers.test"});
        ASSERT_TRUE(account.ok()) << account.problem().detail;
    }

    /// Answers every authorization of an order for `names` with the challenge `pick`
    /// selects, finalizes, and returns the certificate's dNSNames.  Records the
    /// challenge types used in `used`.
    void orderAndIssue(
        const std::vector<std::string>& names,
        const std::function<const upstream::Challenge*(const upstream::Authorization&)>& pick,
        std::vector<std::string>& used) {
        upstream::NewOrderRequest request;
        for (const auto& n : names) {
            request.identifiers.push_back({"dns", n});
        }
        auto handle = client_->newOrder(request);
        ASSERT_TRUE(handle.ok()) << handle.problem().detail;
        for (const auto& url : handle->order.authorizations) {
            auto authz = client_->fetchAuthorization(url);
            ASSERT_TRUE(authz.ok()) << authz.problem().detail;
            ASSERT_EQ(authz->status, "pending");
            const upstream::Challenge* challenge = pick(*authz);
            ASSERT_NE(challenge, nullptr) << authz->identifier.value;
            used.push_back(challenge->type);

            auto presented = solvers_->present(*authz, *challenge, *client_);
            ASSERT_TRUE(presented.ok()) << presented.problem().detail;
            auto answered = client_->respondToChallenge(challenge->url);
            ASSERT_TRUE(answered.ok()) << answered.problem().detail;
            auto done = client_->pollAuthorization(url, {"valid", "invalid"});
            solvers_->cleanup(*authz, *challenge, *client_);
            ASSERT_TRUE(done.ok()) << done.problem().detail;
            ASSERT_EQ(done->status, "valid") << done->raw.dump();
        }
        auto ready = client_->pollOrder(handle->url, {"ready"});
        ASSERT_TRUE(ready.ok()) << ready.problem().detail;
        ASSERT_EQ(ready->status, "ready");

        auto key = crypto::PrivateKey::generate(crypto::KeyType::P256).value();
        crypto::CsrRequest csrRequest;
        csrRequest.dnsNames = names;
        auto csr = crypto::createCsr(key, csrRequest);
        ASSERT_TRUE(csr.ok()) << csr.problem().detail;
        ASSERT_TRUE(client_->finalize(handle->order.finalize, csr->der()).ok());
        auto valid = client_->pollOrder(handle->url, {"valid"});
        ASSERT_TRUE(valid.ok()) << valid.problem().detail;
        ASSERT_EQ(valid->status, "valid");
        ASSERT_TRUE(valid->certificate);
        auto chain = client_->downloadCertificate(*valid->certificate);
        ASSERT_TRUE(chain.ok()) << chain.problem().detail;
        issued_ = chain->certificates.front().dnsNames();
    }

    std::function<const upstream::Challenge*(const upstream::Authorization&)> only(
        const std::string& type) {
        return [type](const upstream::Authorization& a) { return a.challenge(type); };
    }

    static test::BindServer* bind_;
    static ChallengeSolvers* solvers_;
    static test::PebbleServer* pebble_;
    std::unique_ptr<upstream::AcmeClient> client_;
    std::vector<std::string> issued_;
};

test::BindServer* SolversPebbleTest::bind_ = nullptr;
ChallengeSolvers* SolversPebbleTest::solvers_ = nullptr;
test::PebbleServer* SolversPebbleTest::pebble_ = nullptr;

TEST_F(SolversPebbleTest, Http01ThroughTheBuiltInResponder) {
    std::vector<std::string> used;
    orderAndIssue({"web.solvers.test"}, only("http-01"), used);
    EXPECT_THAT(used, ElementsAre("http-01"));
    EXPECT_THAT(issued_, ElementsAre("web.solvers.test"));
}

TEST_F(SolversPebbleTest, TlsAlpn01ThroughTheTlsResponder) {
    std::vector<std::string> used;
    orderAndIssue({"tls.solvers.test"}, only("tls-alpn-01"), used);
    EXPECT_THAT(used, ElementsAre("tls-alpn-01"));
    EXPECT_THAT(issued_, ElementsAre("tls.solvers.test"));
}

TEST_F(SolversPebbleTest, Dns01ThroughRfc2136Updates) {
    std::vector<std::string> used;
    orderAndIssue({"txt.solvers.test"}, only("dns-01"), used);
    EXPECT_THAT(used, ElementsAre("dns-01"));
    EXPECT_THAT(issued_, ElementsAre("txt.solvers.test"));
    // cleanup removed the TXT record.
    EXPECT_TRUE(solvers_->dns01()
                    ->client()
                    .query("_acme-challenge.txt.solvers.test", "TXT")
                    .value()
                    .empty());
}

TEST_F(SolversPebbleTest, ChooseUsesThePreferenceAndDns01ForTheWildcard) {
    std::vector<std::string> used;
    orderAndIssue(
        {"both.solvers.test", "*.both.solvers.test"},
        [](const upstream::Authorization& a) { return solvers_->choose(a); }, used);
    // Pebble lists authorizations in identifier order; the wildcard one can only use
    // dns-01, the other takes the first preference.
    EXPECT_THAT(used, ::testing::UnorderedElementsAre("http-01", "dns-01"));
    EXPECT_THAT(issued_,
                ::testing::UnorderedElementsAre("both.solvers.test", "*.both.solvers.test"));
}

// The validator really checks: a challenge answered without presenting anything (the
// responders serve nothing for this name) makes the authorization invalid.
TEST_F(SolversPebbleTest, UnpresentedChallengesAreInvalid) {
    for (const std::string type : {"http-01", "tls-alpn-01", "dns-01"}) {
        upstream::NewOrderRequest request;
        request.identifiers.push_back({"dns", "absent-" + type + ".solvers.test"});
        auto handle = client_->newOrder(request);
        ASSERT_TRUE(handle.ok()) << handle.problem().detail;
        const auto& url = handle->order.authorizations.front();
        auto authz = client_->fetchAuthorization(url);
        ASSERT_TRUE(authz.ok());
        const auto* challenge = authz->challenge(type);
        ASSERT_NE(challenge, nullptr);
        ASSERT_TRUE(client_->respondToChallenge(challenge->url).ok());
        auto done = client_->pollAuthorization(url, {"valid", "invalid"});
        ASSERT_TRUE(done.ok()) << done.problem().detail;
        EXPECT_EQ(done->status, "invalid") << type;
    }
}

}  // namespace
}  // namespace legate::ido::solvers
