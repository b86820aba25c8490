#include <algorithm>
#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/http/HttpClient.h"
#include "broker/http/ProblemResponse.h"
#include "broker/http/Server.h"
#include "broker/log/Setup.h"
#include "tests/broker/http/HttpTestSupport.h"
#include "tests/support/TestSupport.h"

namespace legate::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        log::setup(log::Level::info, Poco::AutoPtr<Poco::Channel>(logs_, true));
        auto router = std::make_shared<Router>();
        router
            ->add("GET", "/hello",
                  [](Request&) -> Result<Response> {
                      return Response::json(200, {{"hello", "world"}});
                  })
            .add("GET", "/acme/{tenant}/order/{id}",
                 [](Request& r) -> Result<Response> {
                     return Response::json(200, {{"tenant", r.param("tenant")},
                                                 {"id", r.param("id")},
                                                 {"query", std::string(r.target())}});
                 })
            .add("POST", "/echo",
                 [](Request& r) -> Result<Response> {
                     auto body = r.body();
                     LEGATE_TRY(body);
                     return Response::content(200, *body, "application/octet-stream");
                 })
            .add("POST", "/ignore-body", [](Request&) -> Result<Response> { return Response(204); })
            .add("GET", "/problem",
                 [](Request&) -> Result<Response> {
                     return problemResponse(
                                acme::Problem::make(acme::ErrorType::badNonce, "stale nonce"))
                         .replayNonce("fresh-nonce");
                 })
            .add("GET", "/problem-value",
                 [](Request&) -> Result<Response> {
                     return acme::Problem::make(acme::ErrorType::unauthorized, "not yours");
                 })
            .add({"GET", "HEAD"}, "/nonce",
                 [](Request&) -> Result<Response> {
                     return Response(204)
                         .replayNonce("n1")
                         .cacheControl("no-store")
                         .link("https://x/dir", "index");
                 })
            .add("GET", "/headers",
                 [](Request&) -> Result<Response> {
                     return Response::json(201, json::object())
                         .location("https://x/order/1")
                         .link("https://x/dir", "index")
                         .link("https://x/alt", "alternate")
                         .retryAfter(30s);
                 })
            .add("GET", "/store-error",
                 [](Request&) -> Result<Response> {
                     return acme::Problem::make(
                         acme::ErrorType::serverInternal,
                         "redis: 10.1.2.3:6390: Connection refused (/var/lib/legate/x.sock)");
                 })
            .add("GET", "/store-error-503",
                 [](Request&) -> Result<Response> {
                     acme::Problem problem = acme::Problem::make(
                         acme::ErrorType::connection, "hiredis: 10.1.2.3:6390 timed out", 503);
                     problem.add(acme::Problem::make(acme::ErrorType::serverInternal, "inner"));
                     return problem;
                 })
            .add("GET", "/throw",
                 [](Request&) -> Result<Response> {
                     throw std::runtime_error("secret internal detail");
                 })
            .add("GET", "/fail500",
                 [this](Request&) -> Result<Response> {
                     ++fail500Calls_;
                     return Response::json(500, {{"error", "boom"}});
                 })
            .add("GET", "/slow",
                 [this](Request&) -> Result<Response> {
                     slowEntered_ = true;
                     gate_.wait();
                     return Response::json(200, {{"slow", true}});
                 })
            .add("GET", "/big",
                 [](Request&) -> Result<Response> {
                     return Response::content(200, std::string(10'000, 'x'), "text/plain");
                 })
            .add("GET", "/peer", [](Request& r) -> Result<Response> {
                return Response::json(200, {{"peer", r.clientAddress()}});
            });
        router_ = router;
        ServerOptions options;
        options.maxBodyBytes = 1024;
        options.maxThreads = 4;
        auto server = Server::start(options, router_);
        ASSERT_TRUE(server.ok()) << server.problem().detail;
        server_ = std::move(server).value();
    }

    void TearDown() override {
        gate_.open();
        server_.reset();
        log::setup(log::Level::info, std::clog);
    }

    std::string url(const std::string& path) const { return server_->baseUrl() + path; }

    Poco::AutoPtr<test::CapturingChannel> logs_{new test::CapturingChannel};
    RouterPtr router_;
    ServerPtr server_;
    test::Gate gate_;
    std::atomic<bool> slowEntered_{false};
    std::atomic<int> fail500Calls_{0};
    HttpClient client_;
};

TEST_F(ServerTest, PortZeroIsResolvedToTheBoundPort) {
    EXPECT_NE(server_->port(), 0);
    EXPECT_EQ(server_->baseUrl(), "http://127.0.0.1:" + std::to_string(server_->port()));
    EXPECT_TRUE(legate::test::portAcceptsConnections(server_->port()));
}

TEST_F(ServerTest, JsonHandler) {
    auto r = client_.get(url("/hello"));
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->headers.get("content-type"), "application/json");
    EXPECT_EQ(json::parse(r->body), (json{{"hello", "world"}}));
}

TEST_F(ServerTest, PathParamsReachTheHandler) {
    auto r = client_.get(url("/acme/t%201/order/o-9?x=1"));
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 200);
    const auto doc = json::parse(r->body);
    EXPECT_EQ(doc["tenant"], "t 1");
    EXPECT_EQ(doc["id"], "o-9");
    EXPECT_EQ(doc["query"], "/acme/t%201/order/o-9?x=1");
}

TEST_F(ServerTest, ProblemResponseFormatAndHeaders) {
    auto r = client_.get(url("/problem"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(r->headers.get("Replay-Nonce"), "fresh-nonce");
    const auto doc = json::parse(r->body);
    EXPECT_EQ(doc["type"], "urn:ietf:params:acme:error:badNonce");
    EXPECT_EQ(doc["status"], 400);
    EXPECT_EQ(doc["detail"], "stale nonce");

    auto v = client_.get(url("/problem-value"));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->status, 403);
    EXPECT_EQ(v->headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(json::parse(v->body)["type"], "urn:ietf:params:acme:error:unauthorized");
}

TEST_F(ServerTest, ResponseHeaderHelpers) {
    auto r = client_.get(url("/headers"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->headers.get("location"), "https://x/order/1");
    EXPECT_EQ(r->headers.get("Retry-After"), "30");
    EXPECT_EQ(r->headers.getAll("LINK"),
              (std::vector<std::string>{"<https://x/dir>;rel=\"index\"",
                                        "<https://x/alt>;rel=\"alternate\""}));
}

TEST_F(ServerTest, NoContentAndHead) {
    auto g = client_.get(url("/nonce"));
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->status, 204);
    EXPECT_EQ(g->headers.get("Replay-Nonce"), "n1");
    EXPECT_EQ(g->headers.get("Cache-Control"), "no-store");
    EXPECT_FALSE(g->headers.has("Content-Length"));
    auto h = client_.head(url("/nonce"));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->headers.get("Replay-Nonce"), "n1");
    // HEAD of a body-carrying resource: headers only.
    auto hb = client_.get(url("/hello"));
    ASSERT_TRUE(hb.ok());
}

TEST_F(ServerTest, NotFoundIsAProblem) {
    auto r = client_.get(url("/nope"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(json::parse(r->body)["type"], "urn:ietf:params:acme:error:malformed");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
    auto r = client_.request("DELETE", url("/nonce"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->headers.get("Allow"), "GET, HEAD");
    EXPECT_EQ(json::parse(r->body)["type"], "urn:ietf:params:acme:error:malformed");
}

TEST_F(ServerTest, BodyUnderTheCapIsRead) {
    const std::string body(1024, 'a');
    auto r = client_.post(url("/echo"), body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, body);
}

TEST_F(ServerTest, BodyOverTheCapIs413) {
    auto r = client_.post(url("/echo"), std::string(1025, 'a'));
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(json::parse(r->body)["type"], "urn:ietf:params:acme:error:malformed");
    // The server still serves the next request.
    auto next = client_.get(url("/hello"));
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, ChunkedBodyOverTheCapIs413) {
    auto r = client_.post(url("/echo"), std::string(5000, 'a'), {{"Transfer-Encoding", "chunked"}});
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, HugeAnnouncedBodyIsRefusedWithoutReadingIt) {
    // Announce 100 MB and send none of it: the answer must come at once.
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
    socket.sendBytes(head.data(), static_cast<int>(head.size()));
    char buf[4096];
    const int n = socket.receiveBytes(buf, sizeof buf);
    ASSERT_GT(n, 0);
    const std::string response(buf, static_cast<size_t>(n));
    EXPECT_TRUE(response.starts_with("HTTP/1.1 413")) << response;
    std::string lower = response;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_NE(lower.find("connection: close"), std::string::npos) << response;
}

TEST_F(ServerTest, UnreadBodyClosesTheConnection) {
    auto r = client_.post(url("/ignore-body"), "some body");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 204);
    auto next = client_.get(url("/hello"));  // on a fresh connection
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, ExceptionBecomes500ProblemAndIsLogged) {
    auto r = client_.get(url("/throw"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->headers.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(json::parse(r->body)["type"], "urn:ietf:params:acme:error:serverInternal");
    EXPECT_EQ(r->body.find("secret internal detail"), std::string::npos);
    ASSERT_TRUE(legate::test::pollUntil(
        [&] { return logs_->text().find("secret internal detail") != std::string::npos; }));
    // The server keeps serving.
    EXPECT_EQ(client_.get(url("/hello"))->status, 200);
}

TEST_F(ServerTest, InternalProblemsReachTheClientOnlyAsACorrelationId) {
    auto r = client_.get(url("/store-error"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
    const auto doc = json::parse(r->body);
    EXPECT_EQ(doc["type"], "urn:ietf:params:acme:error:serverInternal");
    const std::string detail = doc["detail"];
    for (const char* secret : {"redis", "10.1.2.3", "6390", "/var/lib", "refused"}) {
        EXPECT_EQ(r->body.find(secret), std::string::npos) << secret << " in " << r->body;
    }
    const std::string marker = "correlation id ";
    const auto at = detail.find(marker);
    ASSERT_NE(at, std::string::npos) << detail;
    const std::string id = detail.substr(at + marker.size(), 16);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    // The log line has both: the operator finds the detail by the id.
    ASSERT_TRUE(legate::test::pollUntil([&] {
        const auto text = logs_->text();
        const auto line = text.find(id);
        return line != std::string::npos &&
               text.find("10.1.2.3:6390: Connection refused", text.rfind('\n', line) + 1) !=
                   std::string::npos;
    })) << logs_->text();

    // Any 5xx is internal too: status kept, type serverInternal, no subproblems.
    auto t = client_.get(url("/store-error-503"));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->status, 503);
    const auto tdoc = json::parse(t->body);
    EXPECT_EQ(tdoc["type"], "urn:ietf:params:acme:error:serverInternal");
    EXPECT_FALSE(tdoc.contains("subproblems"));
    EXPECT_EQ(t->body.find("hiredis"), std::string::npos) << t->body;
}

TEST(ClientProblemTest, ClientErrorsAreUntouched) {
    const auto problem = acme::Problem::make(acme::ErrorType::badCSR, "csr: bad key");
    EXPECT_FALSE(isInternalProblem(problem));
    EXPECT_EQ(clientProblem(problem, "abc").detail, "csr: bad key");
    const auto internal = acme::Problem::make(acme::ErrorType::badCSR, "x", 500);
    EXPECT_TRUE(isInternalProblem(internal));
    EXPECT_EQ(clientProblem(internal, "abc").type, acme::ErrorType::serverInternal);
    EXPECT_NE(clientProblem(internal, "abc").detail.find("correlation id abc"), std::string::npos);
}

TEST_F(ServerTest, AccessLogLinesAreJson) {
    ASSERT_TRUE(client_.get(url("/hello")).ok());
    ASSERT_TRUE(legate::test::pollUntil([&] {
        for (const auto& line : logs_->lines()) {
            const auto doc = json::parse(line);
            if (doc["message"] == "request" && doc["path"] == "/hello") {
                return doc["status"] == 200 && doc["component"] == "http" &&
                       doc.contains("request_id");
            }
        }
        return false;
    }));
}

TEST_F(ServerTest, ClientReusesItsConnection) {
    auto a = client_.get(url("/peer"));
    auto b = client_.get(url("/peer"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(json::parse(a->body)["peer"], json::parse(b->body)["peer"]);
}

TEST_F(ServerTest, ClientDoesNotRetryA500) {
    HttpClient client({.initialBackoff = 1ms});
    auto r = client.get(url("/fail500"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(client.lastAttempts(), 1);
    EXPECT_EQ(fail500Calls_.load(), 1);
}

TEST_F(ServerTest, ClientTotalTimeoutIsNotRetried) {
    int sleeps = 0;
    HttpClient client(
        {.totalTimeout = 300ms, .sleep = [&](std::chrono::milliseconds) { ++sleeps; }});
    auto r = client.get(url("/slow"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, acme::ErrorType::connection);
    EXPECT_NE(r.problem().detail.find("GET " + url("/slow")), std::string::npos);
    EXPECT_NE(r.problem().detail.find("curl error 28"), std::string::npos) << r.problem().detail;
    EXPECT_EQ(client.lastAttempts(), 1);  // the request reached the server
    EXPECT_EQ(sleeps, 0);
}

TEST_F(ServerTest, ClientCapsTheResponseBody) {
    HttpClient client({.maxResponseBytes = 1000});
    auto r = client.get(url("/big"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.problem().detail.find("exceeds 1000 bytes"), std::string::npos)
        << r.problem().detail;
    HttpClient roomy({.maxResponseBytes = 10'000});
    EXPECT_TRUE(roomy.get(url("/big")).ok());
}

TEST_F(ServerTest, CleanStopFinishesTheRequestInFlight) {
    auto inFlight = std::async(std::launch::async, [&] {
        HttpClient client;
        return client.get(url("/slow"));
    });
    // In the handler, not merely counted: a request counted but not yet past the
    // shutdown check is answered 503 by stop(), by design.
    ASSERT_TRUE(legate::test::pollUntil([&] { return gate_.waiting() == 1; }));
    const uint16_t port = server_->port();
    auto stopped = std::async(std::launch::async, [&] { return server_->stop(20s); });
    // New connections are refused while the in-flight request is still running.
    ASSERT_TRUE(
        legate::test::pollUntil([&] { return !legate::test::portAcceptsConnections(port); }));
    EXPECT_EQ(server_->inFlight(), 1);
    gate_.open();
    EXPECT_TRUE(stopped.get());
    auto r = inFlight.get();
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["slow"], true);
}

TEST_F(ServerTest, StopWaitIsBounded) {
    auto inFlight = std::async(std::launch::async, [&] {
        HttpClient client;
        return client.get(url("/slow"));
    });
    // In the handler, not merely counted: a request counted but not yet past the
    // shutdown check is answered 503 by stop(), by design.
    ASSERT_TRUE(legate::test::pollUntil([&] { return gate_.waiting() == 1; }));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(server_->stop(200ms));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    gate_.open();
    EXPECT_FALSE(inFlight.get().ok());  // its connection was closed under it
}

TEST_F(ServerTest, StopIsIdempotent) {
    EXPECT_TRUE(server_->stop(1s));
    EXPECT_TRUE(server_->stop(1s));
}

TEST(ServerStartTest, PortInUseIsAProblem) {
    auto first = Server::start({}, std::make_shared<Router>());
    ASSERT_TRUE(first.ok());
    ServerOptions options;
    options.port = first.value()->port();
    auto second = Server::start(options, std::make_shared<Router>());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.problem().type, acme::ErrorType::serverInternal);
    EXPECT_NE(second.problem().detail.find(std::to_string(options.port)), std::string::npos);
}

}  // namespace
}  // namespace legate::http

namespace legate::http {
namespace {

/// Reads until the peer closes (0) or resets; false if the socket stays open past
/// `within` (poll on the raw socket: the server may only close it).
bool closedWithin(Poco::Net::StreamSocket& socket, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    char buffer[512];
    while (std::chrono::steady_clock::now() < deadline) {
        if (!socket.poll(Poco::Timespan(0, 50 * 1000), Poco::Net::Socket::SELECT_READ)) {
            continue;
        }
        try {
            if (socket.receiveBytes(buffer, sizeof buffer) <= 0) {
                return true;
            }
        } catch (const Poco::Exception&) {
            return true;  // reset
        }
    }
    return false;
}

// The header deadline (HeaderDeadline.h) on a plain listener: a header trickling in one
// byte at a time is cut off after the header timeout even though every read succeeds
// within the per-read timeout; so is the second request of a keep-alive connection;
// prompt requests are not touched.
TEST(ServerHeaderDeadlineTest, TricklingHeadersAreCutOffAfterTheHeaderTimeout) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/hello", [](Request&) -> Result<Response> {
        return Response::json(200, {{"hello", "world"}});
    });
    ServerOptions options;
    options.maxThreads = 2;
    options.headerTimeout = 500ms;
    options.ioTimeout = 30s;
    auto server = Server::start(options, router);
    ASSERT_TRUE(server.ok()) << server.problem().detail;
    const Poco::Net::SocketAddress address("127.0.0.1", (*server)->port());

    // 1. One byte every 50 ms, far within the 30 s per-read timeout.
    Poco::Net::StreamSocket slow(address);
    const auto start = std::chrono::steady_clock::now();
    const std::string header =
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(1000, 'a');
    bool closed = false;
    for (char c : header) {
        try {
            slow.sendBytes(&c, 1);
        } catch (const Poco::Exception&) {
            closed = true;
            break;
        }
        if (closedWithin(slow, 50ms)) {
            closed = true;
            break;
        }
        ASSERT_LT(std::chrono::steady_clock::now() - start, 20s) << "never cut off";
    }
    EXPECT_TRUE(closed);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 500ms);
    EXPECT_EQ((*server)->headerTimeouts(), 1);

    // 2. A prompt request, then the keep-alive connection stays silent: closed after the
    //    header timeout measured from the response.
    Poco::Net::StreamSocket keepAlive(address);
    const std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    keepAlive.sendBytes(request.data(), static_cast<int>(request.size()));
    char buffer[4096];
    const int n = keepAlive.receiveBytes(buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    EXPECT_TRUE(std::string(buffer, static_cast<size_t>(n)).starts_with("HTTP/1.1 200"));
    EXPECT_TRUE(closedWithin(keepAlive, 15s));
    EXPECT_EQ((*server)->headerTimeouts(), 2);

    // 3. Prompt requests on fresh connections are answered.
    HttpClient client;
    auto reply = client.request("GET", (*server)->baseUrl() + "/hello");
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 200);
}

}  // namespace
}  // namespace legate::http
