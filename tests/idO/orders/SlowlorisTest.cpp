// Slow clients cannot pin the ACME listener's threads (issue #11 item 6): more TLS
// connections than server threads each send a request header one byte at a time and
// never finish it.  The publication endpoint (GET /acme/{t}/cert/{token}) must still
// answer, and every slow connection must be closed by the server once its header time
// (limits.header-timeout-ms) has passed.  Real sockets against the real in-process
// server; the bounds are generous (no timing is measured as performance).

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "broker/http/HttpClient.h"
#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "tests/idO/orders/OrderFixture.h"
#include "tests/idO/support/AcmeTestClient.h"

namespace legate::ido {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kServerThreads = 2;
constexpr int kSlowClients = 8;  // four times the server's threads
constexpr auto kHeaderTimeout = std::chrono::milliseconds(1000);

/// One slowloris connection: TLS handshake, then one byte of a never-ending header
/// every 100 ms until the server closes the connection or `stop` is set.
class SlowClient {
public:
    SlowClient(uint16_t port, std::string host, std::atomic<bool>& stop)
        : thread_([this, port, host = std::move(host), &stop] { run(port, host, stop); }) {}
    ~SlowClient() { thread_.join(); }

    bool closedByServer() const { return closed_.load(); }
    bool handshakeDone() const { return handshaken_.load(); }
    /// From connect() to the server closing the connection.
    std::chrono::milliseconds lifetime() const {
        std::lock_guard lock(mutex_);
        return std::chrono::duration_cast<std::chrono::milliseconds>(closedAt_ - connectedAt_);
    }

private:
    void run(uint16_t port, const std::string& host, std::atomic<bool>& stop) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        {
            std::lock_guard lock(mutex_);
            connectedAt_ = SteadyClock::now();
        }
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return;
        }
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        // TLS 1.2: no session tickets after the handshake, so anything readable on the
        // socket later is the server closing it.
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        const std::string header = "GET /acme/example/cert/slow HTTP/1.1\r\nHost: " + host +
                                   "\r\nX-Slow: " + std::string(100000, 'a');
        if (SSL_connect(ssl) == 1) {
            handshaken_ = true;
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            for (size_t i = 0; i < header.size() && !stop;) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 100) > 0) {
                    char byte = 0;
                    const int n = SSL_read(ssl, &byte, 1);
                    if (n <= 0 && SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) {
                        break;  // end of stream or reset: the server closed it
                    }
                    continue;
                }
                const int n = SSL_write(ssl, &header[i], 1);
                if (n == 1) {
                    ++i;
                } else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_WRITE) {
                    break;
                }
            }
        }
        if (!stop) {
            std::lock_guard lock(mutex_);
            closedAt_ = SteadyClock::now();
            closed_ = true;
        }
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ::close(fd);
    }

    mutable std::mutex mutex_;
    SteadyClock::time_point connectedAt_;
    SteadyClock::time_point closedAt_;
    std::atomic<bool> closed_{false};
    std::atomic<bool> handshaken_{false};
    std::thread thread_;
};

TEST(Slowloris, PublicationKeepsAnsweringAndSlowConnectionsAreClosed) {
    LEGATE_REQUIRE_REDIS();
    std::signal(SIGPIPE, SIG_IGN);
    AcmeTestOptions options;
    options.acmeRoutes = {addAccountRoutes, addOrderRoutes};
    options.limits.threads = kServerThreads;
    options.limits.headerTimeoutMs = kHeaderTimeout.count();
    AcmeTestEnvironment env(options);

    // A published certificate (what every CDN edge polls).
    AcmeTestClient ndc(env);
    auto on = ndc.onboard();
    TestDelegationOptions d;
    d.names = {"abc.ido.example"};
    auto deleg = env.createDelegation(on.ndcId, d);
    auto created = ndc.post(ndc.urls().newOrder(),
                            json{{"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
                                 {"delegation", deleg.url},
                                 {"allow-certificate-get", true}});
    ASSERT_EQ(created.status, 201) << created.describe();
    const auto orderId = created.location().substr(ndc.urls().order("").size());
    auto& state = env.tenant().state;
    ASSERT_TRUE(state.acceptFinalize(orderId, "csr")->ok());
    const auto now = env.clock().now();
    auto chain = test::makeChain(now, now + std::chrono::hours(24));
    const auto token = state.order(orderId).value()->certToken;
    ASSERT_TRUE(
        state.publishCertificate(token, chain.pem, now, now + std::chrono::hours(24), std::nullopt)
            ->ok());
    const auto certUrl = env.tenant().urls.certificate(token);

    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<SlowClient>> slow;
    for (int i = 0; i < kSlowClients; ++i) {
        slow.push_back(std::make_unique<SlowClient>(env.acmeServer().port(), "127.0.0.1", stop));
    }
    // Every server thread is held by a slow client before the edge asks.
    const auto pinnedBy = SteadyClock::now() + std::chrono::seconds(30);
    auto handshaken = [&] {
        int n = 0;
        for (const auto& c : slow) {
            n += c->handshakeDone() ? 1 : 0;
        }
        return n;
    };
    while (handshaken() < kServerThreads && SteadyClock::now() < pinnedBy) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GE(handshaken(), kServerThreads);

    // The edge: answered while slow clients keep coming.  Each slow connection holds a
    // thread for at most the header timeout, so the wait is about
    // kSlowClients / kServerThreads header timeouts; 20 s is far above that, and far
    // below "never" (the slow clients would go on for minutes).
    http::HttpClientOptions edgeOptions;
    edgeOptions.caBundle = env.caFile();
    edgeOptions.totalTimeout = std::chrono::seconds(20);
    edgeOptions.maxAttempts = 1;
    http::HttpClient edge(edgeOptions);
    auto got = edge.request("GET", certUrl);
    ASSERT_TRUE(got.ok()) << got.problem().detail;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, chain.pem);

    // Every slow connection is closed by the server, none before its header time.
    const auto closedBy = SteadyClock::now() + std::chrono::seconds(30);
    auto allClosed = [&] {
        for (const auto& c : slow) {
            if (!c->closedByServer()) {
                return false;
            }
        }
        return true;
    };
    while (!allClosed() && SteadyClock::now() < closedBy) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop = true;
    for (const auto& c : slow) {
        ASSERT_TRUE(c->closedByServer());
        EXPECT_GE(c->lifetime(), kHeaderTimeout);
    }
    EXPECT_GE(env.acmeServer().headerTimeouts(), kSlowClients);
    slow.clear();
}

}  // namespace
}  // namespace legate::ido
