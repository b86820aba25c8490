/// ChallengeSolvers against a real Pebble whose validator really checks the responses
/// (PEBBLE_VA_ALWAYS_VALID off): one full order to a certificate per solver, http-01
/// through the built-in responder, tls-alpn-01 through TlsAlpn01Responder, dns-01
/// through RFC 2136 updates to a real named.  Pebble resolves names through that same
/// named (`-dnsserver`), whose zone has a wildcard A 127.0.0.1, so every name under
/// the zone leads Pebble's validator back to our responders on loopback.  The same
/// named also serves a separate validation zone, `dcv-validation.test`, for DCV
/// delegation: Pebble follows `_acme-challenge.<name>` CNAMEs into it.

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
        bind_ = new test::BindServer("solvers.test", {"dcv-validation.test"});
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

        // DCV delegation: dns-01 only, its TXT records in the validation zone.
        SolverConfig dcvConfig;
        dcvConfig.preference = {"dns-01"};
        Dns01SolverConfig dcvDns = dns;
        dcvDns.dns.zone = "dcv-validation.test";
        DcvDelegationConfig dcv;
        dcv.zone = "dcv-validation.test";
        dcv.resolver.server = "127.0.0.1";
        dcv.resolver.port = static_cast<uint16_t>(bind_->port());
        dcvDns.dcv = dcv;
        dcvConfig.dns01 = dcvDns;
        auto dcvSolvers = ChallengeSolvers::start(dcvConfig);
        if (!dcvSolvers) {
            throw std::runtime_error(dcvSolvers.problem().detail);
        }
        dcvSolvers_ = dcvSolvers->release();

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
        delete dcvSolvers_;
        delete bind_;
        pebble_ = nullptr;
        solvers_ = nullptr;
        dcvSolvers_ = nullptr;
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
        std::vector<std::string>& used, ChallengeSolvers* solvers = nullptr) {
        if (solvers == nullptr) {
            solvers = solvers_;
        }
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

            auto presented = solvers->present(*authz, *challenge, *client_);
            ASSERT_TRUE(presented.ok()) << presented.problem().detail;
            auto answered = client_->respondToChallenge(challenge->url);
            ASSERT_TRUE(answered.ok()) << answered.problem().detail;
            auto done = client_->pollAuthorization(url, {"valid", "invalid"});
            solvers->cleanup(*authz, *challenge, *client_);
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
    static ChallengeSolvers* dcvSolvers_;
    static test::PebbleServer* pebble_;
    std::unique_ptr<upstream::AcmeClient> client_;
    std::vector<std::string> issued_;
};

test::BindServer* SolversPebbleTest::bind_ = nullptr;
ChallengeSolvers* SolversPebbleTest::solvers_ = nullptr;
ChallengeSolvers* SolversPebbleTest::dcvSolvers_ = nullptr;
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

// DCV delegation: the names' zone carries only `_acme-challenge.<name> CNAME
// <label>.dcv-validation.test.`; the solver writes the TXT record in the validation
// zone, and Pebble's validator follows the CNAME there (named serves both zones).
TEST_F(SolversPebbleTest, Dns01ThroughDcvDelegation) {
    const std::vector<std::string> names = {"cdn.solvers.test", "*.cdn.solvers.test"};
    const std::vector<acme::Identifier> ids = {{"dns", names[0]}, {"dns", names[1]}};
    auto refused = dcvSolvers_->dcvPreflight(ids);
    ASSERT_FALSE(refused.ok()) << "no CNAME yet";
    EXPECT_EQ(refused.problem().subproblems.size(), 2u);

    // What the operator does once (the records `ido admin delegation dcv` prints).
    Rfc2136Config namesZone;
    namesZone.port = static_cast<uint16_t>(bind_->port());
    namesZone.zone = "solvers.test";
    namesZone.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
    auto operatorClient = Rfc2136Client::create(namesZone).value();
    const auto record = dcvRecord(names[0], "dcv-validation.test").value();
    ASSERT_EQ(record.owner, dcvRecord(names[1], "dcv-validation.test")->owner);
    ASSERT_TRUE(operatorClient.addRecord(record.owner, "CNAME", 60, record.target).ok());
    auto ready = dcvSolvers_->dcvPreflight(ids);
    ASSERT_TRUE(ready.ok()) << ready.problem().detail;

    std::vector<std::string> used;
    orderAndIssue(
        names, [](const upstream::Authorization& a) { return dcvSolvers_->choose(a); }, used,
        dcvSolvers_);
    EXPECT_THAT(used, ElementsAre("dns-01", "dns-01"));
    EXPECT_THAT(issued_, ::testing::UnorderedElementsAre(names[0], names[1]));
    // The TXT records lived only in the validation zone, and are gone.
    EXPECT_TRUE(operatorClient.query(record.owner, "TXT").value().empty());
    EXPECT_TRUE(dcvSolvers_->dns01()->client().query(record.target, "TXT").value().empty());
}

// Pebble really follows the CNAME: without it, the same TXT record in the validation
// zone validates nothing.
TEST_F(SolversPebbleTest, Dns01ThroughDcvDelegationFailsWithoutTheCname) {
    const std::string name = "nocname.solvers.test";
    upstream::NewOrderRequest request;
    request.identifiers.push_back({"dns", name});
    auto handle = client_->newOrder(request);
    ASSERT_TRUE(handle.ok()) << handle.problem().detail;
    const auto& url = handle->order.authorizations.front();
    auto authz = client_->fetchAuthorization(url);
    ASSERT_TRUE(authz.ok());
    const auto* challenge = authz->challenge("dns-01");
    ASSERT_NE(challenge, nullptr);
    ASSERT_TRUE(dcvSolvers_->present(*authz, *challenge, *client_).ok());
    ASSERT_TRUE(client_->respondToChallenge(challenge->url).ok());
    auto done = client_->pollAuthorization(url, {"valid", "invalid"});
    dcvSolvers_->cleanup(*authz, *challenge, *client_);
    ASSERT_TRUE(done.ok()) << done.problem().detail;
    EXPECT_EQ(done->status, "invalid");
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
