// The CSR gate, rule by rule: for every rule at least one CSR that passes and one that
// fails, each built with crypto::createCsr.

#include <functional>

#include <gtest/gtest.h>
#include <openssl/objects.h>

#include "profiles/CsrMatcher.h"
#include "tests/broker/crypto/CryptoTestSupport.h"
#include "tests/profiles/TestKeys.h"

namespace legate::profiles {
namespace {

using crypto::CsrRequest;
using crypto::KeyType;
using nlohmann::json;
using test::makeCsr;
using test::testKey;

/// The template most cases start from: both key families, a literal, a "**" and a "*"
/// in subject and in SAN DNS, keyUsage and extendedKeyUsage.
json baseTemplate() {
    return json::parse(R"({
      "keyTypes": [
        {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
         "SignatureType": "ecdsa-with-SHA256"},
        {"PublicKeyType": "rsaEncryption", "PublicKeyLength": 2048,
         "SignatureType": "sha256WithRSAEncryption"}
      ],
      "subject": {"country": "CA", "stateOrProvince": "**", "locality": "*"},
      "extensions": {
        "subjectAltName": {"DNS": ["abc.ido.example", "**", "*"]},
        "keyUsage": ["digitalSignature"],
        "extendedKeyUsage": ["serverAuth"]
      }
    })");
}

/// A CSR that satisfies baseTemplate() under baseContext().
CsrRequest baseRequest() {
    CsrRequest r;
    r.subject = {{"C", "CA"}, {"ST", "Quebec"}};
    r.dnsNames = {"abc.ido.example", "edge1.cdn.ido.example"};
    r.keyUsage = {"digitalSignature"};
    r.extendedKeyUsage = {"serverAuth"};
    return r;
}

MatchContext baseContext() {
    MatchContext c;
    c.allowedSuffixes = {"cdn.ido.example"};
    return c;
}

enum class Expect { Pass, BadCsr, Rejected };

struct MatchCase {
    const char* name;
    Expect expect;
    std::string field;  ///< the field of a failing finding (failures only)
    std::function<void(CsrRequest&)> request = [](CsrRequest&) {};
    KeyType key = KeyType::P256;
    std::function<void(json&)> tmpl = [](json&) {};
    std::function<void(MatchContext&)> context = [](MatchContext&) {};
};

std::string describe(const MatchReport& report) {
    std::string out;
    for (const auto& f : report.findings()) {
        out += std::string(f.failed() ? "FAIL " : "pass ") + f.detail + "\n";
    }
    return out;
}

class CsrMatcherRule : public ::testing::TestWithParam<MatchCase> {};

TEST_P(CsrMatcherRule, Verdict) {
    const MatchCase& c = GetParam();
    json tmplJson = baseTemplate();
    c.tmpl(tmplJson);
    auto tmpl = TemplateParser::parse(tmplJson);
    ASSERT_TRUE(tmpl.ok()) << tmpl.problem().detail;
    CsrRequest request = baseRequest();
    c.request(request);
    const crypto::Csr csr = makeCsr(testKey(c.key), request);
    MatchContext context = baseContext();
    c.context(context);

    const MatchReport report = CsrMatcher::match(*tmpl, csr, context);
    const auto problem = report.toProblem();
    if (c.expect == Expect::Pass) {
        EXPECT_TRUE(report.ok()) << describe(report);
        EXPECT_FALSE(problem.has_value());
        EXPECT_TRUE(CsrMatcher::check(*tmpl, csr, context).ok());
        return;
    }
    ASSERT_FALSE(report.ok()) << describe(report);
    ASSERT_TRUE(problem.has_value());
    EXPECT_EQ(problem->status, 403);
    EXPECT_EQ(problem->type, c.expect == Expect::BadCsr ? acme::ErrorType::badCSR
                                                        : acme::ErrorType::rejectedIdentifier)
        << problem->toJson().dump(2);
    bool fieldFound = false;
    for (const auto& f : report.failures()) {
        fieldFound = fieldFound || f.field == c.field;
        EXPECT_EQ(f.detail.rfind(f.field + ":", 0), 0u)
            << "detail must name the field: " << f.detail;
    }
    EXPECT_TRUE(fieldFound) << "expected a failure on " << c.field << "\n" << describe(report);
}

std::vector<std::string> without(std::vector<std::string> v, const std::string& drop) {
    v.erase(std::remove(v.begin(), v.end(), drop), v.end());
    return v;
}

const std::vector<MatchCase>& cases() {
    static const std::vector<MatchCase> kCases = {
        // ---- baseline and accepted variations ----
        {"base", Expect::Pass, ""},
        {"optional_subject_member_present", Expect::Pass, "",
         [](CsrRequest& r) {
             r.subject.push_back({"L", "Montreal"});
         }},
        {"optional_dns_slot_filled", Expect::Pass, "",
         [](CsrRequest& r) { r.dnsNames.push_back("edge2.cdn.ido.example"); }},
        {"dns_literal_other_case", Expect::Pass, "",
         [](CsrRequest& r) { r.dnsNames[0] = "ABC.ido.example"; }},
        {"rsa_2048", Expect::Pass, "", [](CsrRequest&) {}, KeyType::Rsa2048},
        {"key_usage_not_critical", Expect::Pass, "",
         [](CsrRequest& r) { r.keyUsageCritical = false; }},
        {"printable_string_subject", Expect::Pass, "",
         [](CsrRequest& r) {
             r.subject = {{"C", "CA", false, V_ASN1_PRINTABLESTRING},
                          {"ST", "Quebec", false, V_ASN1_UTF8STRING}};
         }},
        {"utf8_subject_value", Expect::Pass, "",
         [](CsrRequest& r) {
             r.subject[1].value =
                 "Qu\xc3\xa9"
                 "bec";
         }},

        // ---- keyTypes and signature algorithm ----
        {"wrong_curve_p384", Expect::BadCsr, "keyTypes", [](CsrRequest&) {}, KeyType::P384},
        {"wrong_curve_p521", Expect::BadCsr, "keyTypes", [](CsrRequest&) {}, KeyType::P521},
        {"right_curve_wrong_hash", Expect::BadCsr, "keyTypes",
         [](CsrRequest& r) { r.digest = "SHA384"; }},
        {"rsa_3072_against_2048", Expect::BadCsr, "keyTypes", [](CsrRequest&) {}, KeyType::Rsa3072},
        {"rsa_wrong_hash", Expect::BadCsr, "keyTypes", [](CsrRequest& r) { r.digest = "SHA512"; },
         KeyType::Rsa2048},
        {"rsa_pss_against_pkcs1", Expect::BadCsr, "keyTypes",
         [](CsrRequest& r) { r.pssSaltLength = 32; }, KeyType::Rsa2048},
        {"ed25519", Expect::BadCsr, "keyTypes", [](CsrRequest&) {}, KeyType::Ed25519},
        {"pss_right_salt", Expect::Pass, "", [](CsrRequest& r) { r.pssSaltLength = 32; },
         KeyType::Rsa2048,
         [](json& t) { t["keyTypes"][1]["SignatureType"] = "sha256WithRSAandMGF1"; }},
        {"pss_wrong_salt", Expect::BadCsr, "keyTypes", [](CsrRequest& r) { r.pssSaltLength = 20; },
         KeyType::Rsa2048,
         [](json& t) { t["keyTypes"][1]["SignatureType"] = "sha256WithRSAandMGF1"; }},
        {"pss_wrong_hash", Expect::BadCsr, "keyTypes",
         [](CsrRequest& r) {
             r.pssSaltLength = 48;
             r.digest = "SHA384";
         },
         KeyType::Rsa2048,
         [](json& t) { t["keyTypes"][1]["SignatureType"] = "sha256WithRSAandMGF1"; }},
        {"pss_template_pkcs1_csr", Expect::BadCsr, "keyTypes", [](CsrRequest&) {}, KeyType::Rsa2048,
         [](json& t) { t["keyTypes"][1]["SignatureType"] = "sha256WithRSAandMGF1"; }},
        {"p384_template_p384_key", Expect::Pass, "", [](CsrRequest&) {}, KeyType::P384,
         [](json& t) {
             t["keyTypes"][0]["namedCurve"] = "secp384r1";
             t["keyTypes"][0]["SignatureType"] = "ecdsa-with-SHA384";
         }},

        // ---- subject ----
        {"extra_subject_attribute", Expect::BadCsr, "subject.organization",
         [](CsrRequest& r) {
             r.subject.push_back({"O", "Evil Corp"});
         }},
        {"common_name_not_templated", Expect::BadCsr, "subject.commonName",
         [](CsrRequest& r) {
             r.subject.push_back({"CN", "abc.ido.example"});
         }},
        {"unknown_subject_attribute", Expect::BadCsr, "subject",
         [](CsrRequest& r) {
             r.subject.push_back({"2.5.4.12", "Boss"});
         }},
        {"missing_mandatory", Expect::BadCsr, "subject.stateOrProvince",
         [](CsrRequest& r) {
             r.subject = {{"C", "CA"}};
         }},
        {"missing_literal", Expect::BadCsr, "subject.country",
         [](CsrRequest& r) {
             r.subject = {{"ST", "Quebec"}};
         }},
        {"wrong_literal", Expect::BadCsr, "subject.country",
         [](CsrRequest& r) { r.subject[0].value = "US"; }},
        {"literal_case_differs", Expect::BadCsr, "subject.country",
         [](CsrRequest& r) { r.subject[0].value = "ca"; }},
        {"multi_valued_rdn", Expect::BadCsr, "subject",
         [](CsrRequest& r) {
             r.subject.push_back({"L", "Montreal", true});
         }},
        {"duplicate_attribute", Expect::BadCsr, "subject.stateOrProvince",
         [](CsrRequest& r) {
             r.subject.push_back({"ST", "Ontario"});
         }},
        {"duplicate_optional_attribute", Expect::BadCsr, "subject.locality",
         [](CsrRequest& r) {
             r.subject.push_back({"L", "Montreal"});
             r.subject.push_back({"L", "Laval"});
         }},
        {"chosen_value_with_control_char", Expect::BadCsr, "subject.stateOrProvince",
         [](CsrRequest& r) { r.subject[1].value = "Quebec\r\nCN=evil"; }},
        {"chosen_country_not_code", Expect::BadCsr, "subject.country",
         [](CsrRequest& r) { r.subject[0].value = "c1"; }, KeyType::P256,
         [](json& t) { t["subject"]["country"] = "**"; }},
        {"no_subject_template_empty_csr", Expect::Pass, "", [](CsrRequest& r) { r.subject = {}; },
         KeyType::P256, [](json& t) { t.erase("subject"); }},
        {"no_subject_template_csr_has_one", Expect::BadCsr, "subject.country", [](CsrRequest&) {},
         KeyType::P256, [](json& t) { t.erase("subject"); }},
        {"templated_common_name_in_san", Expect::Pass, "",
         [](CsrRequest& r) {
             r.subject.push_back({"CN", "edge1.cdn.ido.example"});
         },
         KeyType::P256, [](json& t) { t["subject"]["commonName"] = "*"; }},
        {"templated_common_name_not_in_san", Expect::BadCsr, "subject.commonName",
         [](CsrRequest& r) {
             r.subject.push_back({"CN", "other.cdn.ido.example"});
         },
         KeyType::P256, [](json& t) { t["subject"]["commonName"] = "*"; }},

        // ---- attributes ----
        {"challenge_password", Expect::BadCsr, "attributes",
         [](CsrRequest& r) { r.challengePassword = "secret"; }},

        // ---- extensions ----
        {"basic_constraints", Expect::BadCsr, "extensions",
         [](CsrRequest& r) {
             // BasicConstraints ::= SEQUENCE {} (cA FALSE)
             r.extraExtensions.push_back({"2.5.29.19", true, {0x30, 0x00}});
         }},
        {"basic_constraints_ca_true", Expect::BadCsr, "extensions",
         [](CsrRequest& r) {
             r.extraExtensions.push_back({"2.5.29.19", true, {0x30, 0x03, 0x01, 0x01, 0xff}});
         }},
        {"tls_feature_must_staple", Expect::BadCsr, "extensions",
         [](CsrRequest& r) {
             // TLSFeature ::= SEQUENCE OF INTEGER { status_request (5) }
             r.extraExtensions.push_back(
                 {"1.3.6.1.5.5.7.1.24", false, {0x30, 0x03, 0x02, 0x01, 0x05}});
         }},
        {"unknown_extension", Expect::BadCsr, "extensions",
         [](CsrRequest& r) {
             r.extraExtensions.push_back({"1.3.6.1.4.1.99999.7", false, {0x05, 0x00}});
         }},
        {"repeated_unknown_extension", Expect::BadCsr, "extensions",
         [](CsrRequest& r) {
             r.extraExtensions.push_back({"1.3.6.1.4.1.99999.7", false, {0x05, 0x00}});
             r.extraExtensions.push_back({"1.3.6.1.4.1.99999.7", false, {0x05, 0x00}});
         }},
        {"key_usage_bit_added", Expect::BadCsr, "extensions.keyUsage",
         [](CsrRequest& r) { r.keyUsage.push_back("keyEncipherment"); }},
        {"key_usage_bit_missing", Expect::BadCsr, "extensions.keyUsage", [](CsrRequest&) {},
         KeyType::P256,
         [](json& t) {
             t["extensions"]["keyUsage"] = {"digitalSignature", "keyAgreement"};
         }},
        {"key_usage_two_bits_any_order", Expect::Pass, "",
         [](CsrRequest& r) {
             r.keyUsage = {"keyAgreement", "digitalSignature"};
         },
         KeyType::P256,
         [](json& t) {
             t["extensions"]["keyUsage"] = {"digitalSignature", "keyAgreement"};
         }},
        {"key_usage_absent", Expect::BadCsr, "extensions.keyUsage",
         [](CsrRequest& r) { r.keyUsage.clear(); }},
        {"key_usage_not_templated", Expect::BadCsr, "extensions", [](CsrRequest&) {}, KeyType::P256,
         [](json& t) { t["extensions"].erase("keyUsage"); }},
        {"no_key_usage_either_side", Expect::Pass, "", [](CsrRequest& r) { r.keyUsage.clear(); },
         KeyType::P256, [](json& t) { t["extensions"].erase("keyUsage"); }},
        {"eku_added", Expect::BadCsr, "extensions.extendedKeyUsage",
         [](CsrRequest& r) { r.extendedKeyUsage.push_back("clientAuth"); }},
        {"eku_any_added", Expect::BadCsr, "extensions.extendedKeyUsage",
         [](CsrRequest& r) { r.extendedKeyUsage.push_back("2.5.29.37.0"); }},
        {"eku_missing_one", Expect::BadCsr, "extensions.extendedKeyUsage", [](CsrRequest&) {},
         KeyType::P256,
         [](json& t) {
             t["extensions"]["extendedKeyUsage"] = {"serverAuth", "clientAuth"};
         }},
        {"eku_absent", Expect::BadCsr, "extensions.extendedKeyUsage",
         [](CsrRequest& r) { r.extendedKeyUsage.clear(); }},
        {"eku_wrong", Expect::BadCsr, "extensions.extendedKeyUsage",
         [](CsrRequest& r) { r.extendedKeyUsage = {"clientAuth"}; }},
        {"eku_by_oid", Expect::Pass, "",
         [](CsrRequest& r) {
             r.extendedKeyUsage = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.99999.1"};
         },
         KeyType::P256,
         [](json& t) {
             t["extensions"]["extendedKeyUsage"] = {"serverAuth", "1.3.6.1.4.1.99999.1"};
         }},
        {"eku_not_templated", Expect::BadCsr, "extensions", [](CsrRequest&) {}, KeyType::P256,
         [](json& t) { t["extensions"].erase("extendedKeyUsage"); }},

        // ---- subjectAltName slots ----
        {"extra_san_beyond_slots", Expect::BadCsr, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) {
             r.dnsNames.push_back("edge2.cdn.ido.example");
             r.dnsNames.push_back("edge3.cdn.ido.example");
         }},
        {"extra_san_no_slots", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) {
             r.dnsNames = {"abc.ido.example", "www.ido.example"};
         },
         KeyType::P256,
         [](json& t) { t["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example"}; }},
        {"missing_literal_san", Expect::BadCsr, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames = without(r.dnsNames, "abc.ido.example"); }},
        {"second_name_in_mandatory_slot", Expect::BadCsr, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames.push_back("edge2.cdn.ido.example"); }, KeyType::P256,
         [](json& t) {
             t["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example", "**"};
         }},
        {"mandatory_slot_empty", Expect::BadCsr, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames = {"abc.ido.example"}; }},
        {"optional_slot_only_may_be_empty", Expect::Pass, "",
         [](CsrRequest& r) { r.dnsNames = {"abc.ido.example"}; }, KeyType::P256,
         [](json& t) {
             t["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example", "*"};
         }},
        {"chosen_name_outside_suffix", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames[1] = "www.evil.example"; }},
        {"chosen_name_suffix_lookalike", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames[1] = "edge1.evilcdn.ido.example"; }},
        {"chosen_name_is_suffix_apex", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames[1] = "cdn.ido.example"; }},
        {"chosen_wildcard_name", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames[1] = "*.cdn.ido.example"; }},
        {"chosen_name_with_no_policy", Expect::Rejected, "extensions.subjectAltName.DNS",
         [](CsrRequest&) {}, KeyType::P256, [](json&) {},
         [](MatchContext& c) { c.allowedSuffixes.clear(); }},
        {"wildcard_literal_exact", Expect::Pass, "",
         [](CsrRequest& r) { r.dnsNames = {"*.ido.example"}; }, KeyType::P256,
         [](json& t) { t["extensions"]["subjectAltName"]["DNS"] = {"*.ido.example"}; }},
        {"duplicate_san_name", Expect::BadCsr, "extensions.subjectAltName.DNS",
         [](CsrRequest& r) { r.dnsNames.push_back("ABC.ido.example"); }},
        {"ip_san", Expect::BadCsr, "extensions.subjectAltName",
         [](CsrRequest& r) { r.ipAddresses = {"192.0.2.1"}; }},
        {"email_san_not_templated", Expect::BadCsr, "extensions.subjectAltName.Email",
         [](CsrRequest& r) { r.emails = {"admin@ido.example"}; }},
        {"uri_san_not_templated", Expect::BadCsr, "extensions.subjectAltName.URI",
         [](CsrRequest& r) { r.uris = {"https://ido.example/"}; }},
        {"email_and_uri_literals", Expect::Pass, "",
         [](CsrRequest& r) {
             r.emails = {"admin@ndc.IDO.example"};
             r.uris = {"sip:voice.ndc.ido.example"};
         },
         KeyType::P256,
         [](json& t) {
             t["extensions"]["subjectAltName"]["Email"] = {"admin@ndc.ido.example"};
             t["extensions"]["subjectAltName"]["URI"] = {"sip:voice.ndc.ido.example"};
         }},
        {"email_literal_missing", Expect::BadCsr, "extensions.subjectAltName.Email",
         [](CsrRequest&) {}, KeyType::P256,
         [](json& t) { t["extensions"]["subjectAltName"]["Email"] = {"admin@ndc.ido.example"}; }},
        {"email_extra", Expect::BadCsr, "extensions.subjectAltName.Email",
         [](CsrRequest& r) {
             r.emails = {"admin@ndc.ido.example", "root@ndc.ido.example"};
         },
         KeyType::P256,
         [](json& t) { t["extensions"]["subjectAltName"]["Email"] = {"admin@ndc.ido.example"}; }},
        {"uri_case_matters", Expect::BadCsr, "extensions.subjectAltName.URI",
         [](CsrRequest& r) { r.uris = {"sip:VOICE.ndc.ido.example"}; }, KeyType::P256,
         [](json& t) { t["extensions"]["subjectAltName"]["URI"] = {"sip:voice.ndc.ido.example"}; }},
        {"no_san_at_all", Expect::BadCsr, "extensions.subjectAltName",
         [](CsrRequest& r) { r.dnsNames.clear(); }},

        // ---- order identifiers (RFC 8555 §7.4) ----
        {"identifiers_equal", Expect::Pass, "", [](CsrRequest&) {}, KeyType::P256, [](json&) {},
         [](MatchContext& c) {
             c.orderIdentifiers = std::vector<acme::Identifier>{{"dns", "edge1.cdn.ido.example"},
                                                                {"dns", "ABC.ido.example"}};
         }},
        {"identifiers_order_has_more", Expect::BadCsr, "identifiers", [](CsrRequest&) {},
         KeyType::P256, [](json&) {},
         [](MatchContext& c) {
             c.orderIdentifiers = std::vector<acme::Identifier>{{"dns", "abc.ido.example"},
                                                                {"dns", "edge1.cdn.ido.example"},
                                                                {"dns", "edge2.cdn.ido.example"}};
         }},
        {"identifiers_csr_has_more", Expect::BadCsr, "identifiers", [](CsrRequest&) {},
         KeyType::P256, [](json&) {},
         [](MatchContext& c) {
             c.orderIdentifiers = std::vector<acme::Identifier>{{"dns", "abc.ido.example"}};
         }},
        {"identifiers_ip", Expect::Rejected, "identifiers", [](CsrRequest&) {}, KeyType::P256,
         [](json&) {},
         [](MatchContext& c) {
             c.orderIdentifiers = std::vector<acme::Identifier>{
                 {"dns", "abc.ido.example"}, {"dns", "edge1.cdn.ido.example"}, {"ip", "192.0.2.1"}};
         }},
    };
    return kCases;
}

INSTANTIATE_TEST_SUITE_P(Rules, CsrMatcherRule, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

CsrTemplate base() {
    auto t = TemplateParser::parse(baseTemplate());
    EXPECT_TRUE(t.ok());
    return std::move(*t);
}

TEST(CsrMatcherTest, BadSelfSignatureIsTheOnlyFinding) {
    const crypto::Csr good = makeCsr(testKey(KeyType::P256), baseRequest());
    crypto::Bytes der = good.der();
    der.back() ^= 0x01;  // the last byte belongs to the signature value
    auto tampered = crypto::Csr::fromDer(der);
    MatchReport report;
    if (tampered.ok()) {
        report = CsrMatcher::match(base(), *tampered, baseContext());
    } else {
        report = CsrMatcher::matchDer(base(), der, baseContext());
    }
    ASSERT_EQ(report.failures().size(), 1u) << describe(report);
    EXPECT_EQ(report.failures()[0].field, tampered.ok() ? "signature" : "csr");
    EXPECT_EQ(report.toProblem()->type, acme::ErrorType::badCSR);
}

TEST(CsrMatcherTest, SubjectTamperedAfterSigningFailsTheSignature) {
    const crypto::Csr good = makeCsr(testKey(KeyType::P256), baseRequest());
    crypto::Bytes der = good.der();
    // "Quebec" -> "Quebed": a valid structure whose signature no longer covers it.
    const std::string needle = "Quebec";
    auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
    ASSERT_NE(it, der.end());
    *(it + 5) = 'd';
    auto tampered = crypto::Csr::fromDer(der);
    ASSERT_TRUE(tampered.ok()) << tampered.problem().detail;
    const MatchReport report = CsrMatcher::match(base(), *tampered, baseContext());
    ASSERT_EQ(report.failures().size(), 1u) << describe(report);
    EXPECT_EQ(report.failures()[0].field, "signature");
}

TEST(CsrMatcherTest, GarbageDerIsBadCsr) {
    const MatchReport report =
        CsrMatcher::matchDer(base(), {0x30, 0x03, 0x02, 0x01}, baseContext());
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.toProblem()->type, acme::ErrorType::badCSR);
}

TEST(CsrMatcherTest, AccountKeyIsRefused) {
    const auto& key = testKey(KeyType::P256);
    const crypto::Csr csr = makeCsr(key, baseRequest());
    MatchContext context = baseContext();
    context.accountKeys = {test::otherP256().publicKey()};
    EXPECT_TRUE(CsrMatcher::match(base(), csr, context).ok());
    context.accountKeys.push_back(key.publicKey());
    const MatchReport report = CsrMatcher::match(base(), csr, context);
    ASSERT_EQ(report.failures().size(), 1u) << describe(report);
    EXPECT_EQ(report.failures()[0].field, "publicKey");
    EXPECT_EQ(report.toProblem()->type, acme::ErrorType::badCSR);
}

TEST(CsrMatcherTest, RsaKeyGetsTheAccountKeyExponentRule) {
    // RSA-2048 is in the template, but e = 3 is below the bound account JWKs obey too.
    const crypto::PrivateKey key = crypto::test::rsaKeyWithExponent(2048, 3);
    const MatchReport report =
        CsrMatcher::match(base(), makeCsr(key, baseRequest()), baseContext());
    ASSERT_EQ(report.failures().size(), 1u) << describe(report);
    EXPECT_EQ(report.failures()[0].field, "publicKey");
    EXPECT_NE(report.failures()[0].detail.find("exponent 3 is too small"), std::string::npos)
        << report.failures()[0].detail;
    EXPECT_EQ(report.toProblem()->type, acme::ErrorType::badCSR);
    EXPECT_TRUE(
        CsrMatcher::match(base(), makeCsr(testKey(KeyType::Rsa2048), baseRequest()), baseContext())
            .ok());
}

TEST(CsrMatcherTest, DetailNamesBothSides) {
    CsrRequest r = baseRequest();
    r.keyUsage.push_back("keyEncipherment");
    const MatchReport report =
        CsrMatcher::match(base(), makeCsr(testKey(KeyType::P256), r), baseContext());
    const auto problem = report.toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->detail,
              "extensions.keyUsage: CSR asks for keyEncipherment; the template allows "
              "digitalSignature only");
    EXPECT_TRUE(problem->subproblems.empty());
}

TEST(CsrMatcherTest, RejectedIdentifiersGetOneSubproblemEach) {
    json t = baseTemplate();
    t["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example"};
    auto tmpl = TemplateParser::parse(t);
    ASSERT_TRUE(tmpl.ok());
    CsrRequest r = baseRequest();
    r.dnsNames = {"abc.ido.example", "www.ido.example", "mail.ido.example"};
    const auto problem =
        CsrMatcher::match(*tmpl, makeCsr(testKey(KeyType::P256), r), baseContext()).toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->type, acme::ErrorType::rejectedIdentifier);
    EXPECT_EQ(problem->status, 403);
    ASSERT_EQ(problem->subproblems.size(), 2u);
    EXPECT_EQ(problem->subproblems[0].type, acme::ErrorType::rejectedIdentifier);
    EXPECT_EQ(problem->subproblems[0].identifier, (acme::Identifier{"dns", "www.ido.example"}));
    EXPECT_EQ(problem->subproblems[1].identifier, (acme::Identifier{"dns", "mail.ido.example"}));
    const json doc = problem->toJson();
    EXPECT_EQ(doc["subproblems"][0]["identifier"]["value"], "www.ido.example");
}

TEST(CsrMatcherTest, MixedFaultsAreBadCsrWithEverySubproblem) {
    json t = baseTemplate();
    t["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example"};
    auto tmpl = TemplateParser::parse(t);
    ASSERT_TRUE(tmpl.ok());
    CsrRequest r = baseRequest();
    r.dnsNames = {"abc.ido.example", "www.ido.example"};
    r.extendedKeyUsage.push_back("clientAuth");
    const auto problem =
        CsrMatcher::match(*tmpl, makeCsr(testKey(KeyType::P256), r), baseContext()).toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->type, acme::ErrorType::badCSR);
    ASSERT_EQ(problem->subproblems.size(), 2u);
    int rejected = 0;
    for (const auto& sub : problem->subproblems) {
        if (sub.type == acme::ErrorType::rejectedIdentifier) {
            ++rejected;
            EXPECT_EQ(sub.identifier, (acme::Identifier{"dns", "www.ido.example"}));
        } else {
            EXPECT_EQ(sub.type, acme::ErrorType::badCSR);
            EXPECT_FALSE(sub.identifier);
        }
        EXPECT_EQ(sub.status, 403);
    }
    EXPECT_EQ(rejected, 1);
}

TEST(CsrMatcherTest, CheckIdentifiersAtNewOrder) {
    const CsrTemplate tmpl = base();
    const MatchReport ok = CsrMatcher::checkIdentifiers(
        tmpl, {{"dns", "abc.ido.example"}, {"dns", "x.cdn.ido.example"}}, baseContext());
    EXPECT_TRUE(ok.ok()) << describe(ok);
    const MatchReport bad = CsrMatcher::checkIdentifiers(
        tmpl, {{"dns", "abc.ido.example"}, {"dns", "x.evil.example"}, {"ip", "192.0.2.1"}},
        baseContext());
    const auto problem = bad.toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->type, acme::ErrorType::rejectedIdentifier);
    ASSERT_EQ(problem->subproblems.size(), 2u);
    EXPECT_EQ(problem->subproblems[0].identifier->value, "x.evil.example");
    EXPECT_EQ(problem->subproblems[1].identifier->type, "ip");
}

TEST(CsrMatcherTest, EveryFindingIsListedForPerFieldVerdicts) {
    const MatchReport report =
        CsrMatcher::match(base(), makeCsr(testKey(KeyType::P256), baseRequest()), baseContext());
    std::vector<std::string> fields;
    for (const auto& f : report.findings()) {
        fields.push_back(f.field);
    }
    for (const char* expected :
         {"signature", "publicKey", "keyTypes", "subject.country", "subject.stateOrProvince",
          "subject.locality", "attributes", "extensions", "extensions.subjectAltName",
          "extensions.subjectAltName.DNS", "extensions.keyUsage", "extensions.extendedKeyUsage"}) {
        EXPECT_NE(std::find(fields.begin(), fields.end(), expected), fields.end()) << expected;
    }
}

}  // namespace
}  // namespace legate::profiles
