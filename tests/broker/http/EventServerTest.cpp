// The event-driven server (broker/http/EventServer): what it answers, over real sockets,
// and that slow clients cannot take it away from the others (slowloris).

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "broker/http/DevelopmentCertificate.h"
#include "broker/http/EventServer.h"
#include "broker/http/HttpClient.h"
#include "tests/support/TestSupport.h"

namespace legate::http {
namespace {

using namespace std::chrono_literals;

/// A plain TCP connection to 127.0.0.1:port (-1 when it fails).
int connectTo(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/// Sends `request` and reads until the peer closes or `limit` passes.
std::string exchange(uint16_t port, const std::string& request,
                     std::chrono::milliseconds limit = 5s) {
    const int fd = connectTo(port);
    if (fd < 0) {
        return {};
    }
    (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            break;
        }
        answer.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
    return answer;
}

Response pemAnswer(const EventRequest& request) {
    if (request.path() != "/cert") {
        return Response::content(404, "no\n", "text/plain");
    }
    auto response = Response::content(200, "-----BEGIN CERTIFICATE-----\n", "application/pem");
    response.header("ETag", "\"abc\"");
    if (request.header("if-none-match") == std::optional<std::string_view>("\"abc\"")) {
        Response notModified(304);
        notModified.header("ETag", "\"abc\"");
        return notModified;
    }
    return response;
}

std::unique_ptr<EventServer> plainServer(EventServerOptions options = {}) {
    auto server = EventServer::start(options, pemAnswer);
    if (!server.ok()) {
        ADD_FAILURE() << server.problem().detail;
        return nullptr;
    }
    return std::move(*server);
}

TEST(EventServerTest, AnswersGetWithHeadersAndLength) {
    auto server = plainServer();
    ASSERT_TRUE(server);
    const auto answer = exchange(server->port(),
                                 "GET /cert HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    EXPECT_NE(answer.find("\r\nContent-Type: application/pem\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("\r\nETag: \"abc\"\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("\r\nContent-Length: 28\r\n"), std::string::npos) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\n-----BEGIN CERTIFICATE-----\n")) << answer;
    EXPECT_EQ(server->requests(), 1u);
}

TEST(EventServerTest, HeadHasTheGetLengthAndNoBody) {
    auto server = plainServer();
    ASSERT_TRUE(server);
    const auto answer = exchange(server->port(),
                                 "HEAD /cert HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    EXPECT_NE(answer.find("\r\nContent-Length: 28\r\n"), std::string::npos) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << answer;
}

TEST(EventServerTest, NotModifiedHasNoBody) {
    auto server = plainServer();
    ASSERT_TRUE(server);
    const auto answer = exchange(server->port(),
                                 "GET /cert HTTP/1.1\r\nHost: x\r\n"
                                 "If-None-Match: \"abc\"\r\n"
                                 "Connection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 304 Not Modified\r\n")) << answer;
    EXPECT_EQ(answer.find("BEGIN"), std::string::npos) << answer;
}

TEST(EventServerTest, OtherMethodsAre405WithoutCallingTheHandler) {
    std::atomic<int> calls = 0;
    auto server = EventServer::start({}, [&](const EventRequest& r) {
        ++calls;
        return pemAnswer(r);
    });
    ASSERT_TRUE(server.ok());
    const auto answer = exchange((*server)->port(),
                                 "POST /cert HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                 "Connection: close\r\n\r\n{}");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 405 ")) << answer;
    EXPECT_NE(answer.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("urn:ietf:params:acme:error:malformed"), std::string::npos) << answer;
    EXPECT_EQ(calls.load(), 0);
}

TEST(EventServerTest, AGarbledRequestIsRefusedAndTheServerGoesOn) {
    auto server = plainServer();
    ASSERT_TRUE(server);
    const auto bad = exchange(server->port(), "\x01\x02 nonsense\r\n\r\n", 2s);
    EXPECT_FALSE(bad.starts_with("HTTP/1.1 200")) << bad;
    const auto good = exchange(server->port(),
                               "GET /cert HTTP/1.1\r\nHost: x\r\n"
                               "Connection: close\r\n\r\n");
    EXPECT_TRUE(good.starts_with("HTTP/1.1 200 OK\r\n")) << good;
}

TEST(EventServerTest, ServesTlsWithTheGivenCertificate) {
    legate::test::TempDir dir;
    auto paths = DevelopmentCertificate::ensure(dir / "tls", {"127.0.0.1"});
    ASSERT_TRUE(paths.ok()) << paths.problem().detail;
    EventServerOptions options;
    options.tls = TlsFiles{paths->certificateChain, paths->privateKey};
    auto server = plainServer(options);
    ASSERT_TRUE(server);
    EXPECT_TRUE(server->baseUrl().starts_with("https://127.0.0.1:"));
    HttpClientOptions clientOptions;
    clientOptions.caBundle = paths->caCertificate;
    clientOptions.maxAttempts = 1;
    HttpClient client(clientOptions);
    auto got = client.get(server->baseUrl() + "/cert");
    ASSERT_TRUE(got.ok()) << got.problem().detail;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, "-----BEGIN CERTIFICATE-----\n");
    EXPECT_EQ(got->headers.get("ETag"), "\"abc\"");
}

TEST(EventServerTest, UnreadableTlsFilesAndAPortInUseAreProblems) {
    EventServerOptions options;
    options.tls = TlsFiles{"/nonexistent/chain.pem", "/nonexistent/key.pem"};
    auto refused = EventServer::start(options, pemAnswer);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.problem().detail.find("/nonexistent/chain.pem"), std::string::npos);

    auto first = plainServer();
    ASSERT_TRUE(first);
    EventServerOptions same;
    same.port = first->port();
    auto second = EventServer::start(same, pemAnswer);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.problem().detail.find("cannot listen"), std::string::npos)
        << second.problem().detail;
}

// Slowloris: many more connections than loops, each trickling its header one byte at a
// time.  The server keeps answering others at once, and closes the slow ones once their
// header is late.
TEST(EventServerTest, SlowHeadersDoNotStopOthersAndAreClosedWhenLate) {
    EventServerOptions options;
    options.threads = 1;
    options.headerTimeout = 1500ms;
    auto server = plainServer(options);
    ASSERT_TRUE(server);

    constexpr int kSlow = 200;
    std::vector<int> slow;
    for (int i = 0; i < kSlow; ++i) {
        const int fd = connectTo(server->port());
        ASSERT_GE(fd, 0);
        slow.push_back(fd);
    }
    const std::string header = "GET /cert HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    std::atomic<bool> trickling = true;
    std::thread trickle([&] {
        for (size_t i = 0; trickling && i < 1000; ++i) {
            const char c = i < header.size() ? header[i] : 'a';
            for (int fd : slow) {
                (void)send(fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            std::this_thread::sleep_for(100ms);  // the attack's own pace, not a wait
        }
    });

    // While all of them are open and trickling, a normal client is answered.
    for (int i = 0; i < 5; ++i) {
        const auto answer =
            exchange(server->port(), "GET /cert HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << "request " << i << ": " << answer;
    }

    // Each slow connection is closed by the server (EOF or reset) after its header
    // timeout, although its client keeps sending.
    int closed = 0;
    const bool allClosed = legate::test::pollUntil(
        [&] {
            for (int& fd : slow) {
                if (fd < 0) {
                    continue;
                }
                char buffer[512];
                const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                    close(fd);
                    fd = -1;
                    ++closed;
                }
            }
            return closed == kSlow;
        },
        20s);
    trickling = false;
    trickle.join();
    for (int fd : slow) {
        if (fd >= 0) {
            close(fd);
        }
    }
    EXPECT_TRUE(allClosed) << closed << " of " << kSlow << " slow connections closed";
}

TEST(EventServerTest, StopReturnsWithAnIdleKeepAliveConnectionOpen) {
    auto server = plainServer();
    ASSERT_TRUE(server);
    const int fd = connectTo(server->port());
    ASSERT_GE(fd, 0);
    const std::string request = "GET /cert HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    char buffer[1024];
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    ASSERT_GT(recv(fd, buffer, sizeof buffer, 0), 0);
    const auto started = std::chrono::steady_clock::now();
    server->stop(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(recv(fd, buffer, sizeof buffer, 0), 0);  // closed by the server
    close(fd);
}

}  // namespace
}  // namespace legate::http
