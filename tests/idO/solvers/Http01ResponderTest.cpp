#include <gtest/gtest.h>

#include "broker/http/HttpClient.h"
#include "idO/solvers/Http01Responder.h"

namespace legate::ido::solvers {
namespace {

class Http01ResponderTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto started = Http01Responder::start({.host = "127.0.0.1", .port = 0});
        ASSERT_TRUE(started.ok()) << started.problem().detail;
        responder_ = std::move(started).value();
    }

    Result<http::ClientResponse> get(const std::string& path) {
        return client_.get(responder_->baseUrl() + path);
    }

    Http01ResponderPtr responder_;
    http::HttpClient client_{{.maxAttempts = 1}};
};

TEST_F(Http01ResponderTest, ServesPresentedTokenAsTextPlain) {
    ASSERT_TRUE(responder_->present("tok_en-1", "tok_en-1.thumbprint").ok());
    auto response = get("/.well-known/acme-challenge/tok_en-1");
    ASSERT_TRUE(response.ok()) << response.problem().detail;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "tok_en-1.thumbprint");
    EXPECT_EQ(response->headers.get("Content-Type").value_or("").rfind("text/plain", 0), 0u);
}

TEST_F(Http01ResponderTest, UnknownTokensAndPathsAre404) {
    ASSERT_TRUE(responder_->present("known", "known.thumb").ok());
    EXPECT_EQ(get("/.well-known/acme-challenge/unknown")->status, 404);
    EXPECT_EQ(get("/.well-known/acme-challenge/")->status, 404);
    EXPECT_EQ(get("/known")->status, 404);
    EXPECT_EQ(get("/")->status, 404);
}

TEST_F(Http01ResponderTest, SelfCheckPassesAndCleanupRemoves) {
    ASSERT_TRUE(responder_->present("abc", "abc.thumb").ok());
    auto checked = responder_->selfCheck("abc");
    EXPECT_TRUE(checked.ok()) << checked.problem().detail;

    responder_->cleanup("abc");
    EXPECT_EQ(get("/.well-known/acme-challenge/abc")->status, 404);
    EXPECT_FALSE(responder_->selfCheck("abc").ok());
    responder_->cleanup("abc");  // twice is harmless
}

TEST_F(Http01ResponderTest, PresentReplacesAndRejectsBadInput) {
    ASSERT_TRUE(responder_->present("t", "first").ok());
    ASSERT_TRUE(responder_->present("t", "second").ok());
    EXPECT_EQ(get("/.well-known/acme-challenge/t")->body, "second");
    EXPECT_FALSE(responder_->present("bad/token", "x").ok());
    EXPECT_FALSE(responder_->present("", "x").ok());
    EXPECT_FALSE(responder_->present("t", "").ok());
}

TEST(Http01ResponderStart, PortInUseIsAProblem) {
    auto first = Http01Responder::start({.host = "127.0.0.1", .port = 0});
    ASSERT_TRUE(first.ok());
    auto second = Http01Responder::start({.host = "127.0.0.1", .port = (*first)->port()});
    EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace legate::ido::solvers
