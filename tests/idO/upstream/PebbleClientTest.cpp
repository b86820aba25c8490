/// The upstream ACME client against a real Pebble started per test suite (or per
/// test, when it needs its own Pebble settings): account discovery, a full order to a
/// certificate that chains to this Pebble's root, notBefore/notAfter, badNonce
/// retries, and the CA's problems coming back as values.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "broker/crypto/Certificate.h"
#include "broker/crypto/Csr.h"
#include "broker/wire/Base64Url.h"
#include "idO/upstream/AcmeClient.h"
#include "idO/upstream/UpstreamAccountKey.h"
#include "tests/support/PebbleServer.h"

namespace legate::ido::upstream {
namespace {

using namespace std::chrono_literals;

AcmeClientOptions clientOptions(const test::PebbleServer& pebble) {
    AcmeClientOptions o;
    o.directoryUrl = pebble.directoryUrl();
    o.caBundle = pebble.caFile();
    o.poll.initialInterval = 20ms;
    o.poll.maxInterval = 200ms;
    o.poll.maxTotal = 20s;
    return o;
}

crypto::PrivateKey newKey() {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    EXPECT_TRUE(key.ok());
    return std::move(*key);
}

std::vector<acme::Identifier> dns(std::initializer_list<std::string> names) {
    std::vector<acme::Identifier> ids;
    for (const auto& n : names) {
        ids.push_back({"dns", n});
    }
    return ids;
}

NewOrderRequest orderFor(std::vector<acme::Identifier> ids,
                         std::optional<TimePoint> notBefore = std::nullopt,
                         std::optional<TimePoint> notAfter = std::nullopt) {
    NewOrderRequest request;
    request.identifiers = std::move(ids);
    request.notBefore = notBefore;
    request.notAfter = notAfter;
    return request;
}

crypto::Csr csrFor(const crypto::PrivateKey& key, std::vector<std::string> names) {
    crypto::CsrRequest request;
    request.dnsNames = std::move(names);
    auto csr = crypto::createCsr(key, request);
    if (!csr) {
        throw std::runtime_error(csr.problem().detail);
    }
    return std::move(*csr);
}

/// Answers one challenge of every authorization and polls the order to `ready`.
void authorize(AcmeClient& client, const OrderHandle& handle) {
    for (const auto& url : handle.order.authorizations) {
        auto authz = client.fetchAuthorization(url);
        ASSERT_TRUE(authz.ok()) << authz.problem().detail;
        if (authz->status == "valid") {
            continue;  // reused
        }
        const Challenge* challenge = authz->challenge("http-01");
        ASSERT_NE(challenge, nullptr);
        EXPECT_FALSE(challenge->token.empty());
        auto answered = client.respondToChallenge(challenge->url);
        ASSERT_TRUE(answered.ok()) << answered.problem().detail;
    }
    auto ready = client.pollOrder(handle.url, {"ready"});
    ASSERT_TRUE(ready.ok()) << ready.problem().detail;
    ASSERT_EQ(ready->status, "ready");
}

class PebbleClientTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!test::PebbleServer::available()) {
            return;
        }
        test::PebbleServer::Options options;
        options.vaAlwaysValid = true;
        pebble_ = new test::PebbleServer(options);
    }
    static void TearDownTestSuite() {
        delete pebble_;
        pebble_ = nullptr;
    }
    void SetUp() override { LEGATE_REQUIRE_PEBBLE(); }

    static test::PebbleServer* pebble_;
};

test::PebbleServer* PebbleClientTest::pebble_ = nullptr;

TEST_F(PebbleClientTest, DirectoryCapabilitiesOfPebble) {
    AcmeClient client(clientOptions(*pebble_), newKey());
    auto caps = client.capabilities();
    ASSERT_TRUE(caps.ok()) << caps.problem().detail;
    EXPECT_FALSE(caps->newNonce.empty());
    EXPECT_FALSE(caps->newAccount.empty());
    EXPECT_FALSE(caps->newOrder.empty());
    EXPECT_FALSE(caps->revokeCert.empty());
    EXPECT_FALSE(caps->autoRenewal.has_value());  // Pebble has no STAR
    EXPECT_FALSE(caps->allowCertificateGet);
    EXPECT_FALSE(caps->renewalInfo.has_value());
    EXPECT_TRUE(caps->profiles.empty());
    EXPECT_FALSE(caps->externalAccountRequired);
}

TEST_F(PebbleClientTest, AccountKeyFileIsCreatedOnceAndFindsTheSameAccount) {
    test::TempDir dir;
    const auto path = dir / "upstream-account.pem";
    std::string firstUrl;
    {
        auto key = UpstreamAccountKey::loadOrCreate(path);
        ASSERT_TRUE(key.ok()) << key.problem().detail;
        AcmeClient client(clientOptions(*pebble_), std::move(*key));
        auto url = client.findOrCreateAccount({"mailto:ops@ido.example"});
        ASSERT_TRUE(url.ok()) << url.problem().detail;
        firstUrl = *url;
    }
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // The second run: same file, same key, the existing account (onlyReturnExisting).
    auto key = UpstreamAccountKey::loadOrCreate(path);
    ASSERT_TRUE(key.ok());
    AcmeClient client(clientOptions(*pebble_), std::move(*key));
    auto url = client.findOrCreateAccount({"mailto:other@ido.example"});
    ASSERT_TRUE(url.ok()) << url.problem().detail;
    EXPECT_EQ(*url, firstUrl);
    EXPECT_EQ(client.accountUrl(), firstUrl);
}

TEST_F(PebbleClientTest, FullOrderToAVerifiedCertificate) {
    AcmeClient client(clientOptions(*pebble_), newKey());
    ASSERT_TRUE(client.findOrCreateAccount({"mailto:ops@ido.example"}).ok());
    const auto names = dns({"abc.ido.example", "www.abc.ido.example"});
    auto handle = client.newOrder(orderFor(names));
    ASSERT_TRUE(handle.ok()) << handle.problem().detail;
    EXPECT_EQ(handle->order.status, "pending");
    EXPECT_EQ(handle->order.authorizations.size(), 2u);
    authorize(client, *handle);
    if (HasFatalFailure()) {
        return;
    }

    auto csrKey = newKey();
    const auto csr = csrFor(csrKey, {"abc.ido.example", "www.abc.ido.example"});
    auto finalized = client.finalize(handle->order.finalize, csr.der());
    ASSERT_TRUE(finalized.ok()) << finalized.problem().detail;
    auto valid = client.pollOrder(handle->url, {"valid"});
    ASSERT_TRUE(valid.ok()) << valid.problem().detail;
    ASSERT_EQ(valid->status, "valid");
    ASSERT_TRUE(valid->certificate);

    auto chain = client.downloadCertificate(*valid->certificate);
    ASSERT_TRUE(chain.ok()) << chain.problem().detail;
    ASSERT_GE(chain->certificates.size(), 1u);
    const auto& leaf = chain->certificates.front();
    EXPECT_TRUE(leaf.publicKey() == csrKey.publicKey());
    EXPECT_EQ(leaf.dnsNames(),
              (std::vector<std::string>{"abc.ido.example", "www.abc.ido.example"}));

    auto root = crypto::parsePemCertificates(pebble_->issuingRoot());
    auto intermediate = crypto::parsePemCertificates(pebble_->issuingIntermediate());
    ASSERT_TRUE(root.ok() && intermediate.ok());
    std::vector<crypto::Certificate> path = {leaf, intermediate->front()};
    auto verified = crypto::verifyChain(path, *root, std::chrono::system_clock::now());
    EXPECT_TRUE(verified.ok()) << verified.problem().detail;
    auto asDelivered =
        crypto::verifyChain(chain->certificates, *root, std::chrono::system_clock::now());
    EXPECT_TRUE(asDelivered.ok()) << asDelivered.problem().detail;
}

TEST_F(PebbleClientTest, OrderNotBeforeAndNotAfterGoIntoTheCertificate) {
    AcmeClient client(clientOptions(*pebble_), newKey());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    const TimePoint notBefore = std::chrono::floor<Seconds>(std::chrono::system_clock::now()) - 60s;
    const TimePoint notAfter = notBefore + 1h;
    auto handle = client.newOrder(orderFor(dns({"short.ido.example"}), notBefore, notAfter));
    ASSERT_TRUE(handle.ok()) << handle.problem().detail;
    authorize(client, *handle);
    if (HasFatalFailure()) {
        return;
    }
    auto csrKey = newKey();
    const auto csr = csrFor(csrKey, {"short.ido.example"});
    ASSERT_TRUE(client.finalize(handle->order.finalize, csr.der()).ok());
    auto valid = client.pollOrder(handle->url, {"valid"});
    ASSERT_TRUE(valid.ok() && valid->certificate);
    auto chain = client.downloadCertificate(*valid->certificate);
    ASSERT_TRUE(chain.ok()) << chain.problem().detail;
    EXPECT_EQ(chain->certificates.front().notBefore(), notBefore);
    EXPECT_EQ(chain->certificates.front().notAfter(), notAfter);
}

TEST_F(PebbleClientTest, CsrWithOtherNamesComesBackAsTheCasProblem) {
    AcmeClient client(clientOptions(*pebble_), newKey());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto handle = client.newOrder(orderFor(dns({"right.ido.example"})));
    ASSERT_TRUE(handle.ok()) << handle.problem().detail;
    authorize(client, *handle);
    if (HasFatalFailure()) {
        return;
    }
    auto csrKey = newKey();
    const auto csr = csrFor(csrKey, {"wrong.ido.example"});
    auto finalized = client.finalize(handle->order.finalize, csr.der());
    ASSERT_FALSE(finalized.ok());
    // Pebble 2.4 answers a CSR that lacks an order name with unauthorized (403), not
    // badCSR: what matters here is that the CA's own type, status and detail come back.
    EXPECT_EQ(finalized.problem().type, acme::ErrorType::unauthorized)
        << finalized.problem().urn() << ": " << finalized.problem().detail;
    EXPECT_EQ(finalized.problem().status, 403);
    EXPECT_NE(finalized.problem().detail.find("right.ido.example"), std::string::npos);
}

TEST_F(PebbleClientTest, ProblemsWithoutAnAccountAndForUnknownResources) {
    AcmeClient client(clientOptions(*pebble_), newKey());
    // No account yet: refused locally, nothing sent.
    EXPECT_FALSE(client.newOrder(orderFor(dns({"a.ido.example"}))).ok());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto missing =
        client.fetchOrder(pebble_->directoryUrl().substr(0, pebble_->directoryUrl().size() - 3) +
                          "my-order/doesnotexist");
    ASSERT_FALSE(missing.ok());
    EXPECT_GE(missing.problem().status, 400);
}

TEST_F(PebbleClientTest, PollingBacksOffAndGivesUpAtMaxTotalWithoutSleeping) {
    ManualClock clock;
    std::vector<std::chrono::milliseconds> waits;
    auto o = clientOptions(*pebble_);
    o.clock = &clock;
    o.sleep = [&](std::chrono::milliseconds d) {
        waits.push_back(d);
        clock.advance(d);
    };
    o.random = [] { return 0.5; };  // jitter factor exactly 1
    o.poll.initialInterval = 100ms;
    o.poll.maxInterval = 1s;
    o.poll.maxTotal = 5s;
    AcmeClient client(o, newKey());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto handle = client.newOrder(orderFor(dns({"never.ido.example"})));
    ASSERT_TRUE(handle.ok()) << handle.problem().detail;
    // No challenge answered: the order stays pending and never becomes ready.
    auto ready = client.pollOrder(handle->url, {"ready"});
    ASSERT_FALSE(ready.ok());
    EXPECT_EQ(ready.problem().status, 504);
    using ms = std::chrono::milliseconds;
    EXPECT_EQ(waits,
              (std::vector<ms>{ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000), ms(1000)}));
}

TEST_F(PebbleClientTest, PollingJitterStaysWithinItsBounds) {
    ManualClock clock;
    std::vector<std::chrono::milliseconds> waits;
    auto o = clientOptions(*pebble_);
    o.clock = &clock;
    o.sleep = [&](std::chrono::milliseconds d) {
        waits.push_back(d);
        clock.advance(d);
    };
    bool low = true;
    o.random = [&] {
        low = !low;
        return low ? 0.0 : 0.999999;
    };
    o.poll.initialInterval = 1000ms;
    o.poll.maxInterval = 1000ms;
    o.poll.maxTotal = 4s;
    AcmeClient client(o, newKey());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    auto handle = client.newOrder(orderFor(dns({"jitter.ido.example"})));
    ASSERT_TRUE(handle.ok());
    ASSERT_FALSE(client.pollOrder(handle->url, {"ready"}).ok());
    ASSERT_FALSE(waits.empty());
    for (auto w : waits) {
        EXPECT_GE(w, 800ms);
        EXPECT_LE(w, 1200ms);
    }
}

TEST(PebbleEabTest, ExternalAccountBindingIsRequiredAndAccepted) {
    LEGATE_REQUIRE_PEBBLE();
    // Pebble's example key (base64url of the HMAC key).
    const std::string hmacText = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
    test::PebbleServer::Options options;
    options.externalAccountBindingRequired = true;
    options.eabKeys = {{"kid-1", hmacText}};
    test::PebbleServer pebble(options);
    {
        AcmeClient client(clientOptions(pebble), newKey());
        auto caps = client.capabilities();
        ASSERT_TRUE(caps.ok());
        EXPECT_TRUE(caps->externalAccountRequired);
        auto refused = client.findOrCreateAccount({});
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.problem().type, acme::ErrorType::externalAccountRequired)
            << refused.problem().urn() << ": " << refused.problem().detail;
    }
    auto hmac = wire::base64UrlDecode(hmacText);
    ASSERT_TRUE(hmac.ok());
    AcmeClient client(clientOptions(pebble), newKey());
    auto url = client.findOrCreateAccount({}, ExternalAccountKey{"kid-1", *hmac});
    ASSERT_TRUE(url.ok()) << url.problem().detail;
}

TEST(PebbleNonceTest, BadNonceIsRetriedWithTheFreshNonce) {
    LEGATE_REQUIRE_PEBBLE();
    test::PebbleServer::Options options;
    options.nonceRejectPercent = 50;
    test::PebbleServer pebble(options);
    auto o = clientOptions(pebble);
    // Half of all nonces are refused: 20 attempts make a failure ~1e-6 per request.
    o.maxBadNonceAttempts = 20;
    AcmeClient client(o, newKey());
    ASSERT_TRUE(client.findOrCreateAccount({}).ok());
    for (int i = 0; i < 12; ++i) {
        auto handle = client.newOrder(orderFor(dns({"n" + std::to_string(i) + ".ido.example"})));
        ASSERT_TRUE(handle.ok()) << handle.problem().detail;
        auto order = client.fetchOrder(handle->url);
        ASSERT_TRUE(order.ok()) << order.problem().detail;
    }
    EXPECT_GT(client.badNonceRetries(), 0);
}

TEST(PebbleNonceTest, BadNonceAttemptsAreBounded) {
    LEGATE_REQUIRE_PEBBLE();
    test::PebbleServer::Options options;
    options.nonceRejectPercent = 100;
    test::PebbleServer pebble(options);
    auto o = clientOptions(pebble);
    o.maxBadNonceAttempts = 3;
    AcmeClient client(o, newKey());
    auto account = client.findOrCreateAccount({});
    ASSERT_FALSE(account.ok());
    EXPECT_EQ(account.problem().type, acme::ErrorType::badNonce);
    EXPECT_EQ(client.badNonceRetries(), 2);
}

}  // namespace
}  // namespace legate::ido::upstream
