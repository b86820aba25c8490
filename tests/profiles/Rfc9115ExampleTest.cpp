// RFC 9115 Figure 10 and the consistency check of digest §2.11.6: the conforming CSR
// and each listed rejection.

#include <functional>

#include <gtest/gtest.h>

#include "profiles/CsrMatcher.h"
#include "tests/profiles/TestKeys.h"

namespace legate::profiles {
namespace {

using crypto::CsrRequest;
using crypto::KeyType;

constexpr const char* kFigure10 = R"({
  "keyTypes": [
    {
      "PublicKeyType": "rsaEncryption",
      "PublicKeyLength": 2048,
      "SignatureType": "sha256WithRSAEncryption"
    },
    {
      "PublicKeyType": "id-ecPublicKey",
      "namedCurve": "secp256r1",
      "SignatureType": "ecdsa-with-SHA256"
    }
  ],
  "subject": {
    "country": "CA",
    "stateOrProvince": "**",
    "locality": "**"
  },
  "extensions": {
    "subjectAltName": {
      "DNS": ["abc.ido.example"]
    },
    "keyUsage": ["digitalSignature"],
    "extendedKeyUsage": ["serverAuth", "clientAuth"]
  }
})";

CsrRequest conforming() {
    CsrRequest r;
    r.subject = {{"C", "CA"}, {"ST", "Ontario"}, {"L", "Ottawa"}};
    r.dnsNames = {"abc.ido.example"};
    r.keyUsage = {"digitalSignature"};
    r.extendedKeyUsage = {"serverAuth", "clientAuth"};
    return r;
}

MatchReport run(KeyType key, const CsrRequest& request) {
    const CsrTemplate tmpl = test::parseTemplate(kFigure10);
    MatchContext context;  // no NDC-chosen names in Figure 10
    context.orderIdentifiers = std::vector<acme::Identifier>{{"dns", "abc.ido.example"}};
    return CsrMatcher::match(tmpl, test::makeCsr(test::testKey(key), request), context);
}

TEST(Rfc9115ExampleTest, ConformingCsrP256) {
    const MatchReport report = run(KeyType::P256, conforming());
    EXPECT_TRUE(report.ok()) << report.toProblem()->detail;
}

TEST(Rfc9115ExampleTest, ConformingCsrRsa2048) {
    const MatchReport report = run(KeyType::Rsa2048, conforming());
    EXPECT_TRUE(report.ok()) << report.toProblem()->detail;
}

struct Rejection {
    const char* name;
    KeyType key;
    std::function<void(CsrRequest&)> mutate;
    acme::ErrorType type;
    std::string detailPrefix;
};

class Rfc9115Rejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(Rfc9115Rejects, AsTheDigestSays) {
    CsrRequest r = conforming();
    GetParam().mutate(r);
    const MatchReport report = run(GetParam().key, r);
    const auto problem = report.toProblem();
    ASSERT_TRUE(problem) << "accepted";
    EXPECT_EQ(problem->type, GetParam().type) << problem->toJson().dump(2);
    EXPECT_EQ(problem->status, 403);
    EXPECT_NE(problem->detail.find(GetParam().detailPrefix), std::string::npos) << problem->detail;
}

INSTANTIATE_TEST_SUITE_P(
    Figure10, Rfc9115Rejects,
    ::testing::Values(Rejection{"common_name_added", KeyType::P256,
                                [](CsrRequest& r) {
                                    r.subject.push_back({"CN", "abc.ido.example"});
                                },
                                acme::ErrorType::badCSR,
                                "subject.commonName: CSR has CN=abc.ido.example"},
                      Rejection{"www_added_to_san", KeyType::P256,
                                [](CsrRequest& r) { r.dnsNames.push_back("www.ido.example"); },
                                acme::ErrorType::badCSR,  // rejectedIdentifier + order mismatch
                                "extensions.subjectAltName.DNS: CSR asks for www.ido.example"},
                      Rejection{"rsa_3072", KeyType::Rsa3072, [](CsrRequest&) {},
                                acme::ErrorType::badCSR, "keyTypes: CSR key is RSA-3072"},
                      Rejection{"p384", KeyType::P384, [](CsrRequest&) {}, acme::ErrorType::badCSR,
                                "keyTypes: CSR key is P-384"},
                      Rejection{"st_omitted", KeyType::P256,
                                [](CsrRequest& r) { r.subject.erase(r.subject.begin() + 1); },
                                acme::ErrorType::badCSR, "subject.stateOrProvince: CSR has none"},
                      Rejection{"basic_constraints_added", KeyType::P256,
                                [](CsrRequest& r) {
                                    r.extraExtensions.push_back({"2.5.29.19", true, {0x30, 0x00}});
                                },
                                acme::ErrorType::badCSR,
                                "extensions: CSR requests basicConstraints"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc9115ExampleTest, WwwAloneIsARejectedIdentifier) {
    // Without the order cross-check the only fault is the uncovered name.
    CsrRequest r = conforming();
    r.dnsNames.push_back("www.ido.example");
    const CsrTemplate tmpl = test::parseTemplate(kFigure10);
    const auto problem =
        CsrMatcher::match(tmpl, test::makeCsr(test::testKey(KeyType::P256), r), MatchContext{})
            .toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->type, acme::ErrorType::rejectedIdentifier);
    ASSERT_EQ(problem->subproblems.size(), 1u);
    EXPECT_EQ(problem->subproblems[0].identifier, (acme::Identifier{"dns", "www.ido.example"}));
}

}  // namespace
}  // namespace legate::profiles
