#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/solvers/Rfc2136Client.h"
#include "tests/support/BindServer.h"

namespace legate::ido::solvers {
namespace {

using ::testing::HasSubstr;

Rfc2136Config configFor(const test::BindServer& bind) {
    Rfc2136Config config;
    config.server = "127.0.0.1";
    config.port = static_cast<uint16_t>(bind.port());
    config.zone = bind.zone();
    config.tsig = {bind.tsigName(), bind.tsigAlgorithm(), bind.tsigSecret()};
    config.timeout = std::chrono::seconds(2);
    return config;
}

class Rfc2136ClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_NAMED();
        bind_ = std::make_unique<test::BindServer>();
    }

    Rfc2136Client client() { return Rfc2136Client::create(configFor(*bind_)).value(); }

    std::unique_ptr<test::BindServer> bind_;
};

TEST_F(Rfc2136ClientTest, AddsAndDeletesTxt) {
    auto dns = client();
    const std::string name = "_acme-challenge.abc." + bind_->zone();
    ASSERT_TRUE(dns.query(name, "TXT")->empty());

    auto added = dns.addRecord(name, "TXT", 60, "value-1");
    ASSERT_TRUE(added.ok()) << added.problem().detail;
    EXPECT_EQ(*dns.query(name, "TXT"), std::vector<std::string>{"value-1"});
    // Case and trailing dot do not matter.
    EXPECT_EQ(*dns.query("_ACME-Challenge.ABC." + bind_->zone() + ".", "txt"),
              std::vector<std::string>{"value-1"});

    auto deleted = dns.deleteRecord(name, "TXT", "value-1");
    ASSERT_TRUE(deleted.ok()) << deleted.problem().detail;
    EXPECT_TRUE(dns.query(name, "TXT")->empty());
    // Deleting what is not there is fine.
    EXPECT_TRUE(dns.deleteRecord(name, "TXT", "value-1").ok());
}

TEST_F(Rfc2136ClientTest, TxtWithQuotesAndSpacesRoundTrips) {
    auto dns = client();
    const std::string name = "t." + bind_->zone();
    const std::string text = "a \"quoted\" \\ value";
    ASSERT_TRUE(dns.addRecord(name, "TXT", 60, text).ok());
    EXPECT_EQ(*dns.query(name, "TXT"), std::vector<std::string>{text});
    ASSERT_TRUE(dns.deleteRecord(name, "TXT", text).ok());
    EXPECT_TRUE(dns.query(name, "TXT")->empty());
}

TEST_F(Rfc2136ClientTest, AddsAndDeletesCname) {
    auto dns = client();
    const std::string name = "_acme-challenge.delegated." + bind_->zone();
    const std::string target = "abc.validation." + bind_->zone() + ".";
    auto added = dns.addRecord(name, "CNAME", 60, target);
    ASSERT_TRUE(added.ok()) << added.problem().detail;
    EXPECT_EQ(*dns.query(name, "CNAME"), std::vector<std::string>{target});

    auto deleted = dns.deleteRecord(name, "CNAME");  // the whole RRset
    ASSERT_TRUE(deleted.ok()) << deleted.problem().detail;
    EXPECT_TRUE(dns.query(name, "CNAME")->empty());
}

TEST_F(Rfc2136ClientTest, WrongSecretIsReportedAndChangesNothing) {
    auto config = configFor(*bind_);
    config.tsig.secret = "c2VjcmV0LXRoYXQtaXMtbm90LXRoZS1zZXJ2ZXJzLWtleSE=";
    auto dns = Rfc2136Client::create(config).value();
    const std::string name = "_acme-challenge.bad." + bind_->zone();

    auto added = dns.addRecord(name, "TXT", 60, "nope");
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.problem().type, acme::ErrorType::dns);
    EXPECT_THAT(added.problem().detail, HasSubstr("NOTAUTH"));
    EXPECT_THAT(added.problem().detail, HasSubstr("BADSIG"));
    EXPECT_THAT(added.problem().detail, HasSubstr(name + "."));
    EXPECT_TRUE(client().query(name, "TXT")->empty());
}

TEST_F(Rfc2136ClientTest, UnknownKeyNameIsReported) {
    auto config = configFor(*bind_);
    config.tsig.name = "some-other-key";
    auto dns = Rfc2136Client::create(config).value();
    auto added = dns.addRecord("x." + bind_->zone(), "TXT", 60, "nope");
    ASSERT_FALSE(added.ok());
    EXPECT_THAT(added.problem().detail, HasSubstr("NOTAUTH"));
    EXPECT_THAT(added.problem().detail, HasSubstr("BADKEY"));
}

TEST_F(Rfc2136ClientTest, ZoneTheServerDoesNotServeIsReported) {
    // The client believes in another zone; the server is not authoritative for it.
    auto config = configFor(*bind_);
    config.zone = "other.test";
    auto dns = Rfc2136Client::create(config).value();
    auto added = dns.addRecord("x.other.test", "TXT", 60, "nope");
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.problem().type, acme::ErrorType::dns);
    EXPECT_THAT(added.problem().detail, HasSubstr("refused"));
}

TEST_F(Rfc2136ClientTest, RejectsBadRecordData) {
    auto dns = client();
    EXPECT_FALSE(dns.addRecord("x." + bind_->zone(), "TXT", 60, "line\nbreak").ok());
    EXPECT_FALSE(dns.addRecord("x." + bind_->zone(), "TXT", 60, std::string(256, 'a')).ok());
    EXPECT_FALSE(dns.addRecord("x." + bind_->zone(), "A", 60, "127.0.0.1; x").ok());
    EXPECT_FALSE(dns.addRecord("x." + bind_->zone(), "A", 60, "not-an-address").ok());
    EXPECT_FALSE(dns.addRecord("x." + bind_->zone(), "NOSUCHTYPE", 60, "x").ok());
    EXPECT_FALSE(dns.addRecord(bind_->zone(), "SOA", 60, "x").ok());
}

/// A UDP socket that counts what arrives: proof that nothing was sent.
class UdpSink {
public:
    UdpSink() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~UdpSink() { ::close(fd_); }
    uint16_t port() const { return port_; }
    bool received() const {
        char buffer[512];
        return ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT) > 0;
    }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

TEST(Rfc2136ClientRefusal, NameOutsideZoneIsRefusedBeforeSending) {
    UdpSink sink;
    Rfc2136Config config;
    config.port = sink.port();
    config.zone = "legate.test";
    config.tsig = {"k", "hmac-sha256", "c2VjcmV0"};
    auto dns = Rfc2136Client::create(config).value();
    for (const char* outside : {"evillegate.test", "x.other.test", "test", "legate.test.evil"}) {
        auto added = dns.addRecord(outside, "TXT", 60, "v");
        ASSERT_FALSE(added.ok()) << outside;
        EXPECT_EQ(added.problem().type, acme::ErrorType::rejectedIdentifier);
        EXPECT_THAT(added.problem().detail, HasSubstr("outside zone \"legate.test.\""));
        EXPECT_FALSE(dns.deleteRecord(outside, "TXT").ok());
    }
    EXPECT_FALSE(dns.addRecord("bad name.legate.test", "TXT", 60, "v").ok());
    EXPECT_FALSE(sink.received());
}

TEST(Rfc2136ClientRefusal, NoAnswerIsAProblemWithinTheTimeout) {
    UdpSink sink;  // receives, never answers
    Rfc2136Config config;
    config.port = sink.port();
    config.zone = "legate.test";
    config.tsig = {"k", "hmac-sha256", "c2VjcmV0"};
    config.timeout = std::chrono::milliseconds(200);
    config.retries = 1;
    auto dns = Rfc2136Client::create(config).value();
    auto added = dns.addRecord("x.legate.test", "TXT", 60, "v");
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.problem().type, acme::ErrorType::dns);
    EXPECT_THAT(added.problem().detail, HasSubstr("no answer"));
    EXPECT_TRUE(sink.received());
}

TEST(Rfc2136ClientConfig, RejectsBadConfiguration) {
    Rfc2136Config good;
    good.zone = "legate.test";
    good.tsig = {"k", "hmac-sha256", "c2VjcmV0"};
    EXPECT_TRUE(Rfc2136Client::create(good).ok());

    auto bad = good;
    bad.server = "ns1.legate.test";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
    bad = good;
    bad.zone = "";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
    bad = good;
    bad.tsig.algorithm = "hmac-md4";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
    bad = good;
    bad.tsig.secret = "";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
    bad = good;
    bad.tsig.secret = "not base64!";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
    bad = good;
    bad.tsig.name = "bad key";
    EXPECT_FALSE(Rfc2136Client::create(bad).ok());
}

}  // namespace
}  // namespace legate::ido::solvers
