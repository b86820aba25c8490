#include <stdexcept>

#include <gtest/gtest.h>

#include "broker/http/PathPattern.h"
#include "broker/http/Router.h"

namespace legate::http {
namespace {

Handler named(std::string name) {
    return [name](Request&) -> Result<Response> { return Response::json(200, {{"route", name}}); };
}

class RouterTest : public ::testing::Test {
protected:
    RouterTest() {
        router_.add("GET", "/acme/{tenant}/directory", named("directory"))
            .add({"GET", "HEAD"}, "/acme/{tenant}/new-nonce", named("nonce"))
            .add("POST", "/acme/{tenant}/order/{id}", named("order"))
            .add("POST", "/acme/{tenant}/order/{id}/finalize", named("finalize"))
            .add("POST", "/acme/{tenant}/{kind}/{id}", named("generic"))
            .add("DELETE", "/acme/{tenant}/order/{id}", named("order-delete"))
            .add("GET", "/", named("root"));
    }
    Router router_;
};

struct Case {
    std::string method;
    std::string path;
    RouteMatch::Kind kind;
    std::string pattern;             // when found
    PathParams params;               // when found
    std::vector<std::string> allow;  // when methodNotAllowed
};

TEST_F(RouterTest, MatchingTable) {
    using K = RouteMatch::Kind;
    const std::vector<Case> cases = {
        {"GET", "/acme/t1/directory", K::found, "/acme/{tenant}/directory", {{"tenant", "t1"}}, {}},
        {"HEAD",
         "/acme/t1/new-nonce",
         K::found,
         "/acme/{tenant}/new-nonce",
         {{"tenant", "t1"}},
         {}},
        {"GET", "/acme/t1/new-nonce", K::found, "/acme/{tenant}/new-nonce", {{"tenant", "t1"}}, {}},
        {"POST",
         "/acme/t1/order/o9",
         K::found,
         "/acme/{tenant}/order/{id}",
         {{"tenant", "t1"}, {"id", "o9"}},
         {}},
        {"POST",
         "/acme/t1/order/o9/finalize",
         K::found,
         "/acme/{tenant}/order/{id}/finalize",
         {{"tenant", "t1"}, {"id", "o9"}},
         {}},
        // literal "order" beats the {kind} parameter; another word falls to the generic route
        {"POST",
         "/acme/t1/authz/a1",
         K::found,
         "/acme/{tenant}/{kind}/{id}",
         {{"tenant", "t1"}, {"kind", "authz"}, {"id", "a1"}},
         {}},
        // percent-decoding per segment, after splitting
        {"POST",
         "/acme/t%201/order/a%2Fb",
         K::found,
         "/acme/{tenant}/order/{id}",
         {{"tenant", "t 1"}, {"id", "a/b"}},
         {}},
        {"GET", "/", K::found, "/", {}, {}},
        {"GET", "/acme/t1/order/o9", K::methodNotAllowed, "", {}, {"DELETE", "POST"}},
        {"PUT", "/acme/t1/new-nonce", K::methodNotAllowed, "", {}, {"GET", "HEAD"}},
        {"POST", "/acme/t1/directory", K::methodNotAllowed, "", {}, {"GET"}},
        {"GET", "/acme/t1", K::notFound, "", {}, {}},
        {"GET", "/acme/t1/directory/", K::notFound, "", {}, {}},  // no trailing-slash folding
        {"GET", "/acme//directory", K::notFound, "", {}, {}},     // empty parameter
        {"GET", "/other", K::notFound, "", {}, {}},
        {"GET", "", K::notFound, "", {}, {}},
        {"GET", "relative", K::notFound, "", {}, {}},
        {"GET", "/acme/%zz/directory", K::notFound, "", {}, {}},
        {"get", "/acme/t1/directory", K::methodNotAllowed, "", {}, {"GET"}},  // methods are exact
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path);
        const RouteMatch m = router_.match(c.method, c.path);
        ASSERT_EQ(m.kind, c.kind);
        if (c.kind == K::found) {
            ASSERT_NE(m.route, nullptr);
            EXPECT_EQ(m.route->pattern.text(), c.pattern);
            if (!c.params.empty() || c.pattern == "/") {
                EXPECT_EQ(m.params, c.params);
            }
        }
        if (c.kind == K::methodNotAllowed) {
            EXPECT_EQ(m.allow, c.allow);
        }
    }
}

TEST(PathPatternTest, RejectsBadPatterns) {
    for (const char* bad :
         {"", "relative/{x}", "/a/{}", "/a/x{y}", "/a/{y}z", "/a/{x}/{x}", "/a/{x{y}}", "/a/}"}) {
        EXPECT_FALSE(PathPattern::parse(bad).has_value()) << bad;
    }
    EXPECT_TRUE(PathPattern::parse("/").has_value());
    EXPECT_TRUE(PathPattern::parse("/acme/{tenant}/order/{id}").has_value());
}

TEST(RouterAddTest, InvalidPatternThrowsAtSetUp) {
    Router r;
    EXPECT_THROW(r.add("GET", "/a/{}", named("x")), std::invalid_argument);
    EXPECT_THROW(r.add("GET", "/a", Handler{}), std::invalid_argument);
}

TEST(SplitPathTest, SplitsThenDecodes) {
    EXPECT_EQ(splitPath("/a/b%2Fc"), (std::vector<std::string>{"a", "b/c"}));
    EXPECT_EQ(splitPath("/"), (std::vector<std::string>{""}));
    EXPECT_EQ(splitPath("/a/"), (std::vector<std::string>{"a", ""}));
    EXPECT_FALSE(splitPath("a").has_value());
}

}  // namespace
}  // namespace legate::http
