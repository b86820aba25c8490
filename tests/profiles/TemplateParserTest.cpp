// Template validation: every CDDL rule and combination rule of RFC 9115 §4.1 / App. A,
// each reported with its exact JSON Pointer, all problems at once.

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "profiles/TemplateParser.h"

namespace legate::profiles {
namespace {

using nlohmann::json;

/// RFC 9115 Figure 10 (digest §2.11.6).
json figure10() {
    return json::parse(R"({
      "keyTypes": [
        {"PublicKeyType": "rsaEncryption", "PublicKeyLength": 2048,
         "SignatureType": "sha256WithRSAEncryption"},
        {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
         "SignatureType": "ecdsa-with-SHA256"}
      ],
      "subject": {"country": "CA", "stateOrProvince": "**", "locality": "**"},
      "extensions": {
        "subjectAltName": {"DNS": ["abc.ido.example"]},
        "keyUsage": ["digitalSignature"],
        "extendedKeyUsage": ["serverAuth", "clientAuth"]
      }
    })");
}

std::set<std::string> issuePaths(const json& doc) {
    std::set<std::string> out;
    for (const auto& issue : TemplateParser::validate(doc)) {
        out.insert(issue.path);
    }
    return out;
}

TEST(TemplateParserTest, Figure10IsValidAndRoundTrips) {
    const json doc = figure10();
    EXPECT_TRUE(TemplateParser::validate(doc).empty());
    auto tmpl = TemplateParser::parse(doc);
    ASSERT_TRUE(tmpl.ok()) << tmpl.problem().detail;
    EXPECT_EQ(tmpl->keyTypes.size(), 2u);
    ASSERT_TRUE(tmpl->subject);
    EXPECT_EQ(tmpl->subject->size(), 3u);
    EXPECT_EQ((*tmpl->subject)[1].value.kind, ValueKind::Mandatory);
    EXPECT_EQ(tmpl->toJson(), doc);
    auto again = TemplateParser::parse(tmpl->toJson());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *tmpl);
}

TEST(TemplateParserTest, ValueKinds) {
    EXPECT_EQ(TemplateValue::fromString("**").kind, ValueKind::Mandatory);
    EXPECT_EQ(TemplateValue::fromString("*").kind, ValueKind::Optional);
    // CDDL regtext: only exactly "*" and "**" are wildcards.
    EXPECT_EQ(TemplateValue::fromString("***").kind, ValueKind::Literal);
    EXPECT_EQ(TemplateValue::fromString("*.ido.example").kind, ValueKind::Literal);
}

struct ValidCase {
    const char* name;
    std::function<void(json&)> mutate;
};

class TemplateAccepts : public ::testing::TestWithParam<ValidCase> {};

TEST_P(TemplateAccepts, NoIssues) {
    json doc = figure10();
    GetParam().mutate(doc);
    const auto issues = TemplateParser::validate(doc);
    std::string text;
    for (const auto& i : issues) {
        text += i.toString() + "\n";
    }
    EXPECT_TRUE(issues.empty()) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TemplateAccepts,
    ::testing::Values(
        ValidCase{"no_subject", [](json& d) { d.erase("subject"); }},
        ValidCase{"no_key_usage", [](json& d) { d["extensions"].erase("keyUsage"); }},
        ValidCase{"no_eku", [](json& d) { d["extensions"].erase("extendedKeyUsage"); }},
        ValidCase{"wildcard_literal_dns",
                  [](json& d) { d["extensions"]["subjectAltName"]["DNS"] = {"*.ido.example"}; }},
        ValidCase{"ndc_chosen_dns",
                  [](json& d) {
                      d["extensions"]["subjectAltName"]["DNS"] = {"abc.ido.example", "**", "*"};
                  }},
        ValidCase{"email_and_uri",
                  [](json& d) {
                      d["extensions"]["subjectAltName"]["Email"] = {"admin@ndc.ido.example"};
                      d["extensions"]["subjectAltName"]["URI"] = {"sip:voice.ndc.ido.example"};
                  }},
        ValidCase{"only_uri",
                  [](json& d) {
                      d["extensions"]["subjectAltName"] = {{"URI", {"https://ndc.ido.example/x"}}};
                  }},
        ValidCase{"triple_star_is_a_literal", [](json& d) { d["subject"]["locality"] = "***"; }},
        ValidCase{"all_subject_members",
                  [](json& d) {
                      d["subject"] = {{"country", "*"},
                                      {"stateOrProvince", "*"},
                                      {"locality", "Montreal"},
                                      {"organization", "**"},
                                      {"organizationalUnit", "*"},
                                      {"emailAddress", "ops@ido.example"},
                                      {"commonName", "abc.ido.example"}};
                  }},
        ValidCase{"eku_oid",
                  [](json& d) {
                      d["extensions"]["extendedKeyUsage"] = {"serverAuth",   "1.3.6.1.4.1.99999.1",
                                                             "timeStamping", "OCSPSigning",
                                                             "codeSigning",  "emailProtection"};
                  }},
        ValidCase{"all_key_usages",
                  [](json& d) {
                      d["extensions"]["keyUsage"] = {
                          "digitalSignature", "nonRepudiation", "keyEncipherment",
                          "dataEncipherment", "keyAgreement",   "keyCertSign",
                          "cRLSign",          "encipherOnly",   "decipherOnly"};
                  }},
        ValidCase{"p384_p521_rsa_pss",
                  [](json& d) {
                      d["keyTypes"] = json::parse(R"([
                        {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp384r1",
                         "SignatureType": "ecdsa-with-SHA384"},
                        {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp521r1",
                         "SignatureType": "ecdsa-with-SHA512"},
                        {"PublicKeyType": "rsaEncryption", "PublicKeyLength": 4096,
                         "SignatureType": "sha512WithRSAandMGF1"}])");
                  }}),
    [](const auto& info) { return std::string(info.param.name); });

struct InvalidCase {
    const char* name;
    std::function<void(json&)> mutate;
    std::set<std::string> paths;  ///< exactly the paths reported
};

class TemplateRejects : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(TemplateRejects, WithExactPaths) {
    json doc = figure10();
    GetParam().mutate(doc);
    const auto issues = TemplateParser::validate(doc);
    std::string text;
    for (const auto& i : issues) {
        text += i.toString() + "\n";
    }
    EXPECT_EQ(issuePaths(doc), GetParam().paths) << text;
    auto parsed = TemplateParser::parse(doc);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.problem().type, acme::ErrorType::malformed);
    for (const auto& p : GetParam().paths) {
        EXPECT_NE(parsed.problem().detail.find(p.empty() ? "/:" : p), std::string::npos)
            << parsed.problem().detail;
    }
}

json& san(json& d) {
    return d["extensions"]["subjectAltName"];
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TemplateRejects,
    ::testing::Values(
        // unknown members anywhere
        InvalidCase{"unknown_top", [](json& d) { d["notAfter"] = "x"; }, {"/notAfter"}},
        InvalidCase{"unknown_subject",
                    [](json& d) { d["subject"]["surname"] = "**"; },
                    {"/subject/surname"}},
        InvalidCase{"unknown_extension",
                    [](json& d) { d["extensions"]["basicConstraints"] = {}; },
                    {"/extensions/basicConstraints"}},
        InvalidCase{"unknown_san_type",
                    [](json& d) { san(d)["IP"] = {"192.0.2.1"}; },
                    {"/extensions/subjectAltName/IP"}},
        InvalidCase{"ec_entry_with_length",
                    [](json& d) { d["keyTypes"][1]["PublicKeyLength"] = 256; },
                    {"/keyTypes/1/PublicKeyLength"}},
        InvalidCase{"rsa_entry_with_curve",
                    [](json& d) { d["keyTypes"][0]["namedCurve"] = "secp256r1"; },
                    {"/keyTypes/0/namedCurve"}},
        InvalidCase{"escaped_member_name", [](json& d) { d["a/b~c"] = 1; }, {"/a~1b~0c"}},
        // required members and empty arrays/objects
        InvalidCase{"missing_key_types", [](json& d) { d.erase("keyTypes"); }, {"/keyTypes"}},
        InvalidCase{"missing_extensions", [](json& d) { d.erase("extensions"); }, {"/extensions"}},
        InvalidCase{"missing_san",
                    [](json& d) { d["extensions"].erase("subjectAltName"); },
                    {"/extensions/subjectAltName"}},
        InvalidCase{
            "empty_key_types", [](json& d) { d["keyTypes"] = json::array(); }, {"/keyTypes"}},
        InvalidCase{"empty_subject", [](json& d) { d["subject"] = json::object(); }, {"/subject"}},
        InvalidCase{
            "empty_san", [](json& d) { san(d) = json::object(); }, {"/extensions/subjectAltName"}},
        InvalidCase{"empty_dns",
                    [](json& d) { san(d)["DNS"] = json::array(); },
                    {"/extensions/subjectAltName/DNS"}},
        InvalidCase{"empty_key_usage",
                    [](json& d) { d["extensions"]["keyUsage"] = json::array(); },
                    {"/extensions/keyUsage"}},
        InvalidCase{"empty_eku",
                    [](json& d) { d["extensions"]["extendedKeyUsage"] = json::array(); },
                    {"/extensions/extendedKeyUsage"}},
        InvalidCase{"missing_signature_type",
                    [](json& d) { d["keyTypes"][1].erase("SignatureType"); },
                    {"/keyTypes/1/SignatureType"}},
        InvalidCase{"missing_rsa_length",
                    [](json& d) { d["keyTypes"][0].erase("PublicKeyLength"); },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"missing_public_key_type",
                    [](json& d) { d["keyTypes"][1].erase("PublicKeyType"); },
                    {"/keyTypes/1/PublicKeyType"}},
        // wrong types
        InvalidCase{"root_not_object", [](json& d) { d = json::array(); }, {""}},
        InvalidCase{
            "key_types_object", [](json& d) { d["keyTypes"] = json::object(); }, {"/keyTypes"}},
        InvalidCase{
            "key_type_string", [](json& d) { d["keyTypes"][0] = "RSA-2048"; }, {"/keyTypes/0"}},
        InvalidCase{"length_as_string",
                    [](json& d) { d["keyTypes"][0]["PublicKeyLength"] = "2048"; },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"length_as_float",
                    [](json& d) { d["keyTypes"][0]["PublicKeyLength"] = 2048.5; },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"length_negative",
                    [](json& d) { d["keyTypes"][0]["PublicKeyLength"] = -4096; },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"dns_entry_number",
                    [](json& d) {
                        san(d)["DNS"] = {"abc.ido.example", 42};
                    },
                    {"/extensions/subjectAltName/DNS/1"}},
        InvalidCase{"subject_value_number",
                    [](json& d) { d["subject"]["locality"] = 7; },
                    {"/subject/locality"}},
        InvalidCase{"key_usage_string",
                    [](json& d) { d["extensions"]["keyUsage"] = "digitalSignature"; },
                    {"/extensions/keyUsage"}},
        // unknown names, malformed OIDs
        InvalidCase{"unknown_key_type",
                    [](json& d) { d["keyTypes"][1]["PublicKeyType"] = "Ed25519"; },
                    {"/keyTypes/1/PublicKeyType"}},
        InvalidCase{"unknown_curve",
                    [](json& d) { d["keyTypes"][1]["namedCurve"] = "secp256k1"; },
                    {"/keyTypes/1/namedCurve"}},
        InvalidCase{"unknown_signature",
                    [](json& d) { d["keyTypes"][0]["SignatureType"] = "sha1WithRSAEncryption"; },
                    {"/keyTypes/0/SignatureType"}},
        InvalidCase{"unknown_key_usage",
                    [](json& d) {
                        d["extensions"]["keyUsage"] = {"digitalSignature", "signing"};
                    },
                    {"/extensions/keyUsage/1"}},
        InvalidCase{"wildcard_key_usage",
                    [](json& d) { d["extensions"]["keyUsage"] = {"**"}; },
                    {"/extensions/keyUsage/0"}},
        InvalidCase{
            "unknown_eku",
            [](json& d) { d["extensions"]["extendedKeyUsage"][1] = "clientAuthentication"; },
            {"/extensions/extendedKeyUsage/1"}},
        InvalidCase{"eku_oid_leading_zero",
                    [](json& d) { d["extensions"]["extendedKeyUsage"][0] = "1.3.6.01.5"; },
                    {"/extensions/extendedKeyUsage/0"}},
        InvalidCase{"eku_oid_other_separator",  // erratum 7336: only '.' separates arcs
                    [](json& d) { d["extensions"]["extendedKeyUsage"][0] = "1,3,6,1"; },
                    {"/extensions/extendedKeyUsage/0"}},
        InvalidCase{"eku_oid_empty_arc",
                    [](json& d) { d["extensions"]["extendedKeyUsage"][0] = "1..3"; },
                    {"/extensions/extendedKeyUsage/0"}},
        InvalidCase{"eku_oid_single_arc",
                    [](json& d) { d["extensions"]["extendedKeyUsage"][0] = "2"; },
                    {"/extensions/extendedKeyUsage/0"}},
        InvalidCase{"eku_oid_first_arc_3",
                    [](json& d) { d["extensions"]["extendedKeyUsage"][0] = "3.1.2"; },
                    {"/extensions/extendedKeyUsage/0"}},
        InvalidCase{"eku_name_and_its_oid",
                    [](json& d) {
                        d["extensions"]["extendedKeyUsage"] = {"serverAuth", "1.3.6.1.5.5.7.3.1"};
                    },
                    {"/extensions/extendedKeyUsage/1"}},
        InvalidCase{"duplicate_key_usage",
                    [](json& d) {
                        d["extensions"]["keyUsage"] = {"digitalSignature", "digitalSignature"};
                    },
                    {"/extensions/keyUsage/1"}},
        // unacceptable combinations
        InvalidCase{"p256_with_sha384",
                    [](json& d) { d["keyTypes"][1]["SignatureType"] = "ecdsa-with-SHA384"; },
                    {"/keyTypes/1/SignatureType"}},
        InvalidCase{"p384_with_sha256",
                    [](json& d) { d["keyTypes"][1]["namedCurve"] = "secp384r1"; },
                    {"/keyTypes/1/SignatureType"}},
        InvalidCase{"p521_with_sha384",
                    [](json& d) {
                        d["keyTypes"][1]["namedCurve"] = "secp521r1";
                        d["keyTypes"][1]["SignatureType"] = "ecdsa-with-SHA384";
                    },
                    {"/keyTypes/1/SignatureType"}},
        InvalidCase{"rsa_1024",
                    [](json& d) { d["keyTypes"][0]["PublicKeyLength"] = 1024; },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"rsa_2047",
                    [](json& d) { d["keyTypes"][0]["PublicKeyLength"] = 2047; },
                    {"/keyTypes/0/PublicKeyLength"}},
        InvalidCase{"rsa_with_ecdsa",
                    [](json& d) { d["keyTypes"][0]["SignatureType"] = "ecdsa-with-SHA256"; },
                    {"/keyTypes/0/SignatureType"}},
        InvalidCase{"ec_with_rsa",
                    [](json& d) { d["keyTypes"][1]["SignatureType"] = "sha256WithRSAEncryption"; },
                    {"/keyTypes/1/SignatureType"}},
        InvalidCase{"duplicate_key_type",
                    [](json& d) { d["keyTypes"].push_back(d["keyTypes"][1]); },
                    {"/keyTypes/2"}},
        // SAN values incompatible with their type
        InvalidCase{"dns_not_hostname",
                    [](json& d) {
                        san(d)["DNS"] = {"abc.ido.example", "not a host"};
                    },
                    {"/extensions/subjectAltName/DNS/1"}},
        InvalidCase{"dns_underscore",
                    [](json& d) { san(d)["DNS"] = {"_acme.ido.example"}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_trailing_dot",
                    [](json& d) { san(d)["DNS"] = {"abc.ido.example."}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_inner_wildcard",
                    [](json& d) { san(d)["DNS"] = {"a.*.ido.example"}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_partial_wildcard",
                    [](json& d) { san(d)["DNS"] = {"w*.ido.example"}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_ip_address",
                    [](json& d) { san(d)["DNS"] = {"192.0.2.1"}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_empty_string",
                    [](json& d) { san(d)["DNS"] = {""}; },
                    {"/extensions/subjectAltName/DNS/0"}},
        InvalidCase{"dns_duplicate_case_insensitive",
                    [](json& d) {
                        san(d)["DNS"] = {"abc.ido.example", "ABC.ido.example"};
                    },
                    {"/extensions/subjectAltName/DNS/1"}},
        InvalidCase{"email_not_address",
                    [](json& d) { san(d)["Email"] = {"admin.ido.example"}; },
                    {"/extensions/subjectAltName/Email/0"}},
        InvalidCase{"email_wildcard",
                    [](json& d) { san(d)["Email"] = {"**"}; },
                    {"/extensions/subjectAltName/Email/0"}},
        InvalidCase{"uri_not_uri",
                    [](json& d) { san(d)["URI"] = {"voice ndc"}; },
                    {"/extensions/subjectAltName/URI/0"}},
        InvalidCase{"uri_wildcard",
                    [](json& d) {
                        san(d)["URI"] = {"sip:a@b.example", "*"};
                    },
                    {"/extensions/subjectAltName/URI/1"}},
        // subject literals
        InvalidCase{"subject_empty_literal",
                    [](json& d) { d["subject"]["locality"] = ""; },
                    {"/subject/locality"}},
        InvalidCase{"country_not_code",
                    [](json& d) { d["subject"]["country"] = "Canada"; },
                    {"/subject/country"}},
        InvalidCase{"subject_control_char",
                    [](json& d) { d["subject"]["locality"] = "a\nb"; },
                    {"/subject/locality"}},
        InvalidCase{"email_address_member",
                    [](json& d) { d["subject"]["emailAddress"] = "not an address"; },
                    {"/subject/emailAddress"}},
        InvalidCase{"common_name_not_in_san",
                    [](json& d) { d["subject"]["commonName"] = "www.ido.example"; },
                    {"/subject/commonName"}},
        // every problem, not only the first
        InvalidCase{
            "many_at_once",
            [](json& d) {
                d["extra"] = true;
                d["keyTypes"][0]["PublicKeyLength"] = 1024;
                d["keyTypes"][1]["namedCurve"] = "brainpoolP256r1";
                d["subject"]["title"] = "**";
                san(d)["DNS"] = {"abc.ido.example", "bad name"};
                san(d)["Email"] = {"*"};
                d["extensions"]["keyUsage"] = {"sign"};
                d["extensions"]["extendedKeyUsage"] = json::array();
            },
            {"/extra", "/keyTypes/0/PublicKeyLength", "/keyTypes/1/namedCurve", "/subject/title",
             "/extensions/subjectAltName/DNS/1", "/extensions/subjectAltName/Email/0",
             "/extensions/keyUsage/0", "/extensions/extendedKeyUsage"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TemplateParserTest, TextWithDuplicateMembersIsRefused) {
    auto parsed = TemplateParser::parseText(R"({"keyTypes": [], "keyTypes": [
        {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
         "SignatureType": "ecdsa-with-SHA256"}],
        "extensions": {"subjectAltName": {"DNS": ["a.example"]}}})");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.problem().type, acme::ErrorType::malformed);
    EXPECT_NE(parsed.problem().detail.find("duplicate"), std::string::npos);
}

TEST(TemplateParserTest, TextThatIsNotJsonIsRefused) {
    for (const char* text : {"", "{", "{\"keyTypes\": [}",
                             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
        auto parsed = TemplateParser::parseText(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_EQ(parsed.problem().type, acme::ErrorType::malformed);
    }
}

TEST(TemplateParserTest, ProblemCarriesOneSubproblemPerIssue) {
    json doc = figure10();
    doc["x"] = 1;
    doc["y"] = 2;
    auto parsed = TemplateParser::parse(doc);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.problem().status, 400);
    ASSERT_EQ(parsed.problem().subproblems.size(), 2u);
    EXPECT_EQ(parsed.problem().subproblems[0].detail.rfind("/x:", 0), 0u);
}

}  // namespace
}  // namespace legate::profiles
