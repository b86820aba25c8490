#include <gtest/gtest.h>

#include "broker/acme/ProblemDocument.h"

namespace legate::acme {
namespace {

http::ClientResponse answer(int status, std::string body) {
    return http::ClientResponse{
        status, {{"Content-Type", "application/problem+json"}}, std::move(body)};
}

TEST(ProblemDocument, ReadsTypeDetailSubproblemsAndTakesTheHttpStatus) {
    auto p =
        problemDocument(answer(403, R"({"type": "urn:ietf:params:acme:error:rejectedIdentifier",
        "detail": "no", "status": 400, "subproblems": [{"type":
        "urn:ietf:params:acme:error:caa", "detail": "caa", "identifier": {"type": "dns",
        "value": "a.example"}}]})"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, ErrorType::rejectedIdentifier);
    EXPECT_EQ(p->detail, "no");
    EXPECT_EQ(p->status, 403);
    ASSERT_EQ(p->subproblems.size(), 1u);
    EXPECT_EQ(p->subproblems[0].type, ErrorType::caa);
    EXPECT_EQ(p->subproblems[0].identifier->value, "a.example");
}

TEST(ProblemDocument, UnknownTypesAreServerInternalWithTheUrnKept) {
    auto p = problemDocument(answer(500, R"({"type": "urn:example:oops", "detail": "x"})"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, ErrorType::serverInternal);
    EXPECT_EQ(p->detail, "urn:example:oops: x");
}

TEST(ProblemDocument, NoDocumentInHtmlDuplicatesOrOversizedBodies) {
    EXPECT_FALSE(problemDocument(answer(502, "<html>bad gateway</html>")));
    EXPECT_FALSE(problemDocument(answer(400, "")));
    EXPECT_FALSE(problemDocument(answer(400, R"({"detail": "no type"})")));
    EXPECT_FALSE(problemDocument(
        answer(400, R"({"type": "urn:ietf:params:acme:error:malformed", "type": "x"})")));
    EXPECT_FALSE(problemDocument(
        answer(400, R"({"type": "urn:ietf:params:acme:error:malformed", "detail": ")" +
                        std::string(100, 'x') + "\"}"),
        64));
}

}  // namespace
}  // namespace legate::acme
