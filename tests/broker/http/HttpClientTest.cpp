#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "broker/http/HttpClient.h"
#include "tests/support/TestSupport.h"

namespace legate::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpClientTest, RetriesARefusedConnectionWithBoundedBackoff) {
    const int port = legate::test::freePort();  // nothing listens there
    std::vector<std::chrono::milliseconds> sleeps;
    HttpClient client({.maxAttempts = 4,
                       .initialBackoff = 100ms,
                       .maxBackoff = 250ms,
                       .sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); }});
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    auto r = client.get(url);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(client.lastAttempts(), 4);
    EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 250ms}));
    EXPECT_EQ(r.problem().type, acme::ErrorType::connection);
    EXPECT_EQ(r.problem().status, 500);
    EXPECT_NE(r.problem().detail.find("GET " + url + ": curl error 7"), std::string::npos)
        << r.problem().detail;
    EXPECT_NE(r.problem().detail.find("(4 attempts)"), std::string::npos);
}

/// A listening socket whose accept queue is full, so new connections hang in SYN_SENT:
/// a server that is there but never answers the TCP handshake.
class BlackHole {
public:
    BlackHole() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(listener_, 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        for (int i = 0; i < 4; ++i) {  // fill the accept queue (never accepted)
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            fillers_.push_back(fd);
        }
    }
    ~BlackHole() {
        for (int fd : fillers_) {
            ::close(fd);
        }
        ::close(listener_);
    }
    int port() const { return port_; }

private:
    int listener_ = -1;
    int port_ = 0;
    std::vector<int> fillers_;
};

TEST(HttpClientTest, ConnectTimeoutIsRetried) {
    BlackHole hole;
    int sleeps = 0;
    HttpClient client({.connectTimeout = 200ms,
                       .maxAttempts = 2,
                       .sleep = [&](std::chrono::milliseconds) { ++sleeps; }});
    auto r = client.post("http://127.0.0.1:" + std::to_string(hole.port()) + "/x", "{}");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.problem().detail.find("curl error 28"), std::string::npos) << r.problem().detail;
    EXPECT_EQ(client.lastAttempts(), 2);
    EXPECT_EQ(sleeps, 1);
}

TEST(HttpClientTest, NoRetryWhenOneAttemptIsConfigured) {
    HttpClient client({.maxAttempts = 1, .sleep = [](std::chrono::milliseconds) { FAIL(); }});
    auto r = client.post("http://127.0.0.1:" + std::to_string(legate::test::freePort()), "{}");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(client.lastAttempts(), 1);
}

TEST(HttpClientTest, UnresolvableHostIsRetriedToo) {
    int sleeps = 0;
    HttpClient client({.maxAttempts = 2, .sleep = [&](std::chrono::milliseconds) { ++sleeps; }});
    auto r = client.get("http://legate-test.invalid/");  // RFC 6761: never resolves
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(client.lastAttempts(), 2);
    EXPECT_EQ(sleeps, 1);
}

TEST(HttpClientTest, InvalidMethodAndSchemeAreProblems) {
    HttpClient client({.maxAttempts = 1});
    EXPECT_FALSE(client.request("GET\r\nX", "http://127.0.0.1/").ok());
    auto r = client.get("file:///etc/passwd");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.problem().detail.find("curl error"), std::string::npos);
}

}  // namespace
}  // namespace legate::http
