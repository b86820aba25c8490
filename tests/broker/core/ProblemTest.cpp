#include <set>

#include <gtest/gtest.h>

#include "broker/core/Problem.h"
#include "broker/core/Result.h"

namespace legate::acme {
namespace {

TEST(Problem, EveryRegisteredUrnRoundTrips) {
    // RFC 8555 (24) + RFC 8739 (4) + RFC 9115 (1) + RFC 9773 (1).
    EXPECT_EQ(allErrorTypes().size(), 30u);
    std::set<std::string> urns;
    for (ErrorType t : allErrorTypes()) {
        const std::string urn = urnOf(t);
        EXPECT_TRUE(urn.starts_with("urn:ietf:params:acme:error:")) << urn;
        EXPECT_EQ(errorTypeFromUrn(urn), t) << urn;
        urns.insert(urn);
        const int status = defaultStatus(t);
        EXPECT_GE(status, 400) << urn;
        EXPECT_LT(status, 600) << urn;
    }
    EXPECT_EQ(urns.size(), allErrorTypes().size());
}

TEST(Problem, DefaultStatusesFollowTheDigest) {
    EXPECT_EQ(defaultStatus(ErrorType::badNonce), 400);
    EXPECT_EQ(defaultStatus(ErrorType::malformed), 400);
    EXPECT_EQ(defaultStatus(ErrorType::rateLimited), 429);
    EXPECT_EQ(defaultStatus(ErrorType::orderNotReady), 403);
    EXPECT_EQ(defaultStatus(ErrorType::unknownDelegation), 403);
    EXPECT_EQ(defaultStatus(ErrorType::autoRenewalCanceled), 403);
    EXPECT_EQ(defaultStatus(ErrorType::autoRenewalExpired), 403);
    EXPECT_EQ(defaultStatus(ErrorType::autoRenewalCancellationInvalid), 400);
    EXPECT_EQ(defaultStatus(ErrorType::autoRenewalRevocationNotSupported), 403);
    EXPECT_EQ(defaultStatus(ErrorType::alreadyReplaced), 409);
    EXPECT_EQ(defaultStatus(ErrorType::serverInternal), 500);
}

TEST(Problem, UnknownUrnsAreNotRegistered) {
    EXPECT_FALSE(errorTypeFromUrn("urn:ietf:params:acme:error:malformedRequest"));
    EXPECT_FALSE(errorTypeFromUrn("malformed"));
    EXPECT_FALSE(errorTypeFromUrn("urn:ietf:params:acme:error:"));
    EXPECT_FALSE(errorTypeFromUrn("about:blank"));
}

TEST(Problem, SerializesSubproblemsWithIdentifiers) {
    Problem p = Problem::make(ErrorType::rejectedIdentifier, "names not delegated", 403);
    p.add(Problem::make(ErrorType::rejectedIdentifier, "www.ido.example is not delegated")
              .withIdentifier({"dns", "www.ido.example"}));
    const auto doc = p.toJson();
    EXPECT_EQ(doc["type"], "urn:ietf:params:acme:error:rejectedIdentifier");
    EXPECT_EQ(doc["status"], 403);
    EXPECT_EQ(doc["detail"], "names not delegated");
    EXPECT_FALSE(doc.contains("identifier"));  // never at top level
    ASSERT_EQ(doc["subproblems"].size(), 1u);
    EXPECT_EQ(doc["subproblems"][0]["identifier"]["type"], "dns");
    EXPECT_EQ(doc["subproblems"][0]["identifier"]["value"], "www.ido.example");
    EXPECT_EQ(kProblemContentType, "application/problem+json");
}

TEST(Problem, BadSignatureAlgorithmListsAlgorithms) {
    Problem p = Problem::make(ErrorType::badSignatureAlgorithm, "alg none");
    p.algorithms = {"ES256", "EdDSA"};
    EXPECT_EQ(p.toJson()["algorithms"], nlohmann::json({"ES256", "EdDSA"}));
}

TEST(Problem, ParsesPeerDocumentsAndKeepsUnknownTypes) {
    auto parsed = Problem::fromJson(nlohmann::json::parse(
        R"({"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids","status":403,
            "subproblems":[{"type":"urn:ietf:params:acme:error:dns","detail":"x",
                            "identifier":{"type":"dns","value":"a.example"}}]})"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->type, ErrorType::caa);
    EXPECT_EQ(parsed->status, 403);
    ASSERT_EQ(parsed->subproblems.size(), 1u);
    EXPECT_EQ(parsed->subproblems[0].identifier, (Identifier{"dns", "a.example"}));

    auto foreign = Problem::fromJson(nlohmann::json::parse(
        R"({"type":"https://ca.example/errors/quota","detail":"over quota"})"));
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->type, ErrorType::serverInternal);
    EXPECT_NE(foreign->detail.find("https://ca.example/errors/quota"), std::string::npos);

    EXPECT_FALSE(Problem::fromJson(nlohmann::json::parse(R"({"detail":"no type"})")));
    EXPECT_FALSE(Problem::fromJson(nlohmann::json::parse(R"([1,2])")));
}

Result<int> half(int x) {
    if (x % 2 != 0) {
        return Problem::make(ErrorType::malformed, "odd");
    }
    return x / 2;
}

Result<int> quarter(int x) {
    auto h = half(x);
    LEGATE_TRY(h);
    return half(*h);
}

TEST(Result, CarriesValueOrProblem) {
    EXPECT_EQ(*quarter(8), 2);
    auto r = quarter(6);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
}

}  // namespace
}  // namespace legate::acme
