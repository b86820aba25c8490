// The graceful close after an answer that left the request body unread: a client still
// uploading must read the 413 rather than a TCP reset, and the linger must be bounded.

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include "broker/http/HttpClient.h"
#include "broker/http/LingeringClose.h"
#include "broker/http/Server.h"
#include "broker/log/Setup.h"
#include "tests/broker/http/HttpTestSupport.h"

namespace legate::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kCap = 1024;

/// A blocking loopback TCP client on plain POSIX sockets, so that every send and
/// receive error is seen as it is (no library retries, no SIGPIPE).
class RawClient {
public:
    explicit RawClient(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};  // a failing test must not hang
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }

    /// Sends all of `data`; 0, or the errno of the failed send.
    int sendAll(const char* data, size_t size) {
        while (size > 0) {
            const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return errno;
            }
            data += n;
            size -= static_cast<size_t>(n);
        }
        return 0;
    }
    int sendAll(const std::string& s) { return sendAll(s.data(), s.size()); }

    /// Reads until `marker` is in what was read, EOF, or an error (errno in `error`).
    std::string readUntil(std::string_view marker, int& error) {
        error = 0;
        std::string got;
        char buf[4096];
        while (got.find(marker) == std::string::npos) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                error = n < 0 ? errno : 0;
                break;
            }
            got.append(buf, static_cast<size_t>(n));
        }
        return got;
    }

    /// Reads to the end: 0 on a clean EOF (FIN), else the errno (ECONNRESET...).
    int readToEof(std::string* out = nullptr) {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n == 0) {
                return 0;
            }
            if (n < 0) {
                return errno;
            }
            if (out != nullptr) {
                out->append(buf, static_cast<size_t>(n));
            }
        }
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

std::string postHead(const std::string& path, size_t contentLength, bool keepAlive = false) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n" +
           (keepAlive ? "" : "Connection: close\r\n") +
           "Content-Length: " + std::to_string(contentLength) + "\r\n\r\n";
}

bool hasConnectionClose(std::string response) {
    std::transform(response.begin(), response.end(), response.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return response.find("\r\nconnection: close\r\n") != std::string::npos;
}

class LingeringCloseServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        log::setup(log::Level::info, Poco::AutoPtr<Poco::Channel>(logs_, true));
        auto router = std::make_shared<Router>();
        router
            ->add("POST", "/echo",
                  [](Request& r) -> Result<Response> {
                      auto body = r.body();
                      LEGATE_TRY(body);
                      return Response::content(200, *body, "application/octet-stream");
                  })
            .add("GET", "/hello", [](Request&) -> Result<Response> {
                return Response::json(200, {{"hello", "world"}});
            });
        router_ = router;
    }

    void startServer(int maxThreads) {
        ServerOptions options;
        options.maxBodyBytes = kCap;
        options.maxThreads = maxThreads;
        auto server = Server::start(options, router_);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(server).value();
    }

    void TearDown() override {
        server_.reset();
        log::setup(log::Level::info, std::clog);
    }

    Poco::AutoPtr<test::CapturingChannel> logs_{new test::CapturingChannel};
    RouterPtr router_;
    ServerPtr server_;
};

// The race of the bug: the server answers 413 after reading only the head, while the
// client is still pushing megabytes.  Before the fix the close with unread bytes sent
// an RST, and the client's send (or its read of the answer) failed with a reset.
TEST_F(LingeringCloseServerTest, UploadingClientAlwaysReadsThe413) {
    startServer(4);
    const std::string body(2 * 1024 * 1024, 'a');  // well over the cap, under the linger bound
    const std::string head = postHead("/echo", body.size());
    for (int attempt = 0; attempt < 200; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        RawClient client(server_->port());
        ASSERT_TRUE(client.connected());
        ASSERT_EQ(client.sendAll(head), 0);
        const int sendError = client.sendAll(body);
        ASSERT_EQ(sendError, 0) << "upload failed: " << std::strerror(sendError);
        std::string response;
        const int readError = client.readToEof(&response);
        ASSERT_EQ(readError, 0) << "read failed: " << std::strerror(readError);
        ASSERT_TRUE(response.starts_with("HTTP/1.1 413")) << response;
        ASSERT_TRUE(hasConnectionClose(response)) << response;
        ASSERT_NE(response.find("urn:ietf:params:acme:error:malformed"), std::string::npos);
    }
}

// The same through libcurl, the client the broker's own tests use.
TEST_F(LingeringCloseServerTest, CurlUploadAlwaysGetsThe413) {
    startServer(4);
    HttpClientOptions options;
    options.maxAttempts = 1;
    HttpClient client(options);
    const std::string body(2 * 1024 * 1024, 'a');
    for (int attempt = 0; attempt < 50; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        auto r = client.post(server_->baseUrl() + "/echo", body);
        ASSERT_TRUE(r.ok()) << r.problem().detail;
        ASSERT_EQ(r->status, 413);
    }
}

// A body read in full keeps the connection: two requests on one socket.
TEST_F(LingeringCloseServerTest, KeepAliveIsKeptWhenTheBodyWasRead) {
    startServer(4);
    RawClient client(server_->port());
    ASSERT_TRUE(client.connected());
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(client.sendAll(postHead("/echo", 5, true) + "hello"), 0);
        int error = 0;
        const std::string response = client.readUntil("\r\n\r\nhello", error);
        ASSERT_EQ(error, 0) << std::strerror(error);
        EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
        EXPECT_FALSE(hasConnectionClose(response)) << response;
    }
}

// A client that announces a body, sends none of it and keeps the connection open holds
// the only server thread for no longer than the linger's idle bound.
TEST_F(LingeringCloseServerTest, SilentClientDoesNotHoldTheThread) {
    startServer(1);
    RawClient silent(server_->port());
    ASSERT_TRUE(silent.connected());
    ASSERT_EQ(silent.sendAll(postHead("/echo", 100'000'000)), 0);
    int error = 0;
    const std::string response = silent.readUntil("\r\n\r\n", error);
    ASSERT_TRUE(response.starts_with("HTTP/1.1 413")) << response;
    // The half-close: the answer is followed by EOF although the client sent nothing.
    EXPECT_EQ(silent.readToEof(), 0);

    const auto started = Clock::now();
    HttpClient client;
    auto r = client.get(server_->baseUrl() + "/hello");
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(Clock::now() - started, 2s);
}

// A client that never stops uploading is cut off after the byte bound.
TEST_F(LingeringCloseServerTest, EndlessUploadIsCutOff) {
    startServer(1);
    RawClient client(server_->port());
    ASSERT_TRUE(client.connected());
    ASSERT_EQ(client.sendAll(postHead("/echo", 1'000'000'000)), 0);
    const std::string chunk(64 * 1024, 'a');
    const auto started = Clock::now();
    size_t sent = 0;
    int error = 0;
    while (error == 0 && Clock::now() - started < 5s) {
        error = client.sendAll(chunk);
        sent += error == 0 ? chunk.size() : 0;
    }
    EXPECT_TRUE(error == ECONNRESET || error == EPIPE) << std::strerror(error);
    EXPECT_LT(Clock::now() - started, 3s);
    EXPECT_LT(sent, size_t{64} * 1024 * 1024);
}

/// A connected loopback pair: `server` is the accepted side.
struct SocketPair {
    Poco::Net::ServerSocket listener{Poco::Net::SocketAddress("127.0.0.1", 0)};
    Poco::Net::StreamSocket client{listener.address()};
    Poco::Net::StreamSocket server{listener.acceptConnection()};
};

const LingerLimits kShort{.total = 300ms, .idle = 100ms, .maxBytes = 256 * 1024};

TEST(LingeringCloseTest, DrainsUntilThePeerCloses) {
    SocketPair pair;
    const std::string data(100'000, 'x');
    auto peer = std::async(std::launch::async, [&] {
        pair.client.sendBytes(data.data(), static_cast<int>(data.size()), MSG_NOSIGNAL);
        char c = 0;
        const int n = pair.client.receiveBytes(&c, 1);  // the half-close
        pair.client.close();
        return n;
    });
    const LingerOutcome outcome = lingeringClose(pair.server, kShort);
    EXPECT_EQ(peer.get(), 0);
    EXPECT_TRUE(outcome.peerClosed);
    EXPECT_EQ(outcome.discarded, data.size());
}

TEST(LingeringCloseTest, SilentPeerEndsAfterTheIdleBound) {
    SocketPair pair;
    const auto started = Clock::now();
    const LingerOutcome outcome = lingeringClose(pair.server, kShort);
    const auto took = Clock::now() - started;
    EXPECT_FALSE(outcome.peerClosed);
    EXPECT_EQ(outcome.discarded, 0u);
    EXPECT_GE(took, 90ms);
    EXPECT_LT(took, 1s);  // loose: the machine may be busy
}

TEST(LingeringCloseTest, TricklingPeerEndsAfterTheTotalBound) {
    SocketPair pair;
    std::atomic<bool> stop{false};
    std::thread trickler([&] {
        while (!stop) {
            try {
                pair.client.sendBytes("x", 1, MSG_NOSIGNAL);
            } catch (const Poco::Exception&) {
                return;
            }
            std::this_thread::sleep_for(20ms);
        }
    });
    const auto started = Clock::now();
    const LingerOutcome outcome = lingeringClose(pair.server, kShort);
    const auto took = Clock::now() - started;
    stop = true;
    trickler.join();
    EXPECT_FALSE(outcome.peerClosed);
    EXPECT_GT(outcome.discarded, 0u);
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 1500ms);
}

TEST(LingeringCloseTest, FloodingPeerEndsAfterTheByteBound) {
    SocketPair pair;
    std::atomic<bool> stop{false};
    std::thread flooder([&] {
        const std::string chunk(16 * 1024, 'x');
        while (!stop) {
            try {
                pair.client.sendBytes(chunk.data(), static_cast<int>(chunk.size()), MSG_NOSIGNAL);
            } catch (const Poco::Exception&) {
                return;
            }
        }
    });
    const LingerOutcome outcome = lingeringClose(pair.server, kShort);
    stop = true;
    pair.server.close();  // unblocks the flooder's send
    flooder.join();
    EXPECT_FALSE(outcome.peerClosed);
    EXPECT_EQ(outcome.discarded, kShort.maxBytes);
}

}  // namespace
}  // namespace legate::http
