// Bundled profiles: each instantiates to a valid template, a CSR from the NDC-side
// builder passes it, and every single mutation of that CSR fails.

#include <cstdlib>
#include <functional>

#include <gtest/gtest.h>

#include "profiles/CsrBuilder.h"
#include "profiles/CsrMatcher.h"
#include "profiles/ProfileCatalog.h"
#include "tests/profiles/TestKeys.h"

namespace legate::profiles {
namespace {

using crypto::CsrRequest;
using crypto::KeyType;

const std::vector<std::string> kNames = {"www.ido.example", "api.ido.example"};

ProfileCatalog sourceCatalog() {
    // ctest sets LEGATE_SOURCE_DIR; a test binary run by hand uses the compiled-in path.
    const char* root = std::getenv("LEGATE_SOURCE_DIR");
    return ProfileCatalog(std::filesystem::path(root ? root : LEGATE_TEST_SOURCE_DIR) / "profiles" /
                          "templates");
}

std::vector<std::string> allProfiles() {
    return {"cdn-tls-compat", "cdn-tls-ecdsa", "cdn-tls-p384", "mtls-client"};
}

TEST(ProfileCatalogTest, BundledProfilesAreListed) {
    const auto names = sourceCatalog().names();
    for (const auto& p : allProfiles()) {
        EXPECT_NE(std::find(names.begin(), names.end(), p), names.end()) << p;
    }
}

TEST(ProfileCatalogTest, LocateUsesCompiledSourceDirAndEnvOverride) {
    unsetenv(std::string(kProfilesDirEnv).c_str());
    EXPECT_EQ(ProfileCatalog::locate().names().size(), sourceCatalog().names().size());
    setenv(std::string(kProfilesDirEnv).c_str(), "/nonexistent-legate-profiles", 1);
    EXPECT_EQ(ProfileCatalog::locate().directory(), "/nonexistent-legate-profiles");
    EXPECT_TRUE(ProfileCatalog::locate().names().empty());
    unsetenv(std::string(kProfilesDirEnv).c_str());
    EXPECT_EQ(ProfileCatalog::locate(std::filesystem::path("/x")).directory(), "/x");
}

TEST(ProfileCatalogTest, ProfilesAreProfilesAndNotRawTemplates) {
    for (const auto& p : allProfiles()) {
        auto doc = sourceCatalog().load(p);
        ASSERT_TRUE(doc.ok()) << doc.problem().detail;
        EXPECT_TRUE(ProfileCatalog::isProfile(*doc)) << p;
        // The placeholder is not a host name: an un-instantiated profile is not a template.
        EXPECT_FALSE(TemplateParser::validate(*doc).empty()) << p;
    }
}

TEST(ProfileCatalogTest, ProfileContents) {
    auto ecdsa = sourceCatalog().instantiate("cdn-tls-ecdsa", kNames);
    ASSERT_TRUE(ecdsa.ok()) << ecdsa.problem().detail;
    const CsrTemplate& t = ecdsa->csrTemplate;
    ASSERT_EQ(t.keyTypes.size(), 1u);
    EXPECT_EQ(t.keyTypes[0].describe(), "P-256 with ecdsa-with-SHA256");
    EXPECT_EQ(*t.keyUsage, std::vector<std::string>{"digitalSignature"});
    EXPECT_EQ(*t.extendedKeyUsage, std::vector<std::string>{"serverAuth"});
    EXPECT_FALSE(t.subject);
    ASSERT_TRUE(t.subjectAltName.dns);
    EXPECT_EQ(t.subjectAltName.dns->size(), 2u);
    EXPECT_EQ((*t.subjectAltName.dns)[0].literal, "www.ido.example");

    auto compat = sourceCatalog().instantiate("cdn-tls-compat", kNames);
    ASSERT_TRUE(compat.ok());
    ASSERT_EQ(compat->csrTemplate.keyTypes.size(), 2u);
    EXPECT_EQ(compat->csrTemplate.keyTypes[1].describe(), "RSA-2048 with sha256WithRSAEncryption");
    EXPECT_EQ(*compat->csrTemplate.keyUsage, std::vector<std::string>{"digitalSignature"});

    auto p384 = sourceCatalog().instantiate("cdn-tls-p384", kNames);
    ASSERT_TRUE(p384.ok());
    EXPECT_EQ(p384->csrTemplate.keyTypes[0].describe(), "P-384 with ecdsa-with-SHA384");

    auto mtls = sourceCatalog().instantiate("mtls-client", kNames);
    ASSERT_TRUE(mtls.ok());
    EXPECT_EQ(*mtls->csrTemplate.extendedKeyUsage, std::vector<std::string>{"clientAuth"});
}

struct InstantiateFailure {
    const char* name;
    std::string profile;
    std::vector<std::string> names;
    std::vector<std::string> suffixes;
    std::string detail;
};

class ProfileInstantiationRejects : public ::testing::TestWithParam<InstantiateFailure> {};

TEST_P(ProfileInstantiationRejects, WithReason) {
    const auto& c = GetParam();
    auto r = sourceCatalog().instantiate(c.profile, c.names, c.suffixes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().type, acme::ErrorType::malformed);
    EXPECT_NE(r.problem().detail.find(c.detail), std::string::npos) << r.problem().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProfileInstantiationRejects,
    ::testing::Values(
        InstantiateFailure{"unknown_profile", "no-such-profile", kNames, {}, "unknown profile"},
        InstantiateFailure{
            "path_traversal", "../templates/cdn-tls-ecdsa", kNames, {}, "profile names"},
        InstantiateFailure{"no_names", "cdn-tls-ecdsa", {}, {}, "names: at least one"},
        InstantiateFailure{"bad_name",
                           "cdn-tls-ecdsa",
                           {"www.ido.example", "bad name"},
                           {},
                           "/extensions/subjectAltName/DNS/1"},
        InstantiateFailure{"duplicate_name",
                           "cdn-tls-ecdsa",
                           {"a.ido.example", "A.ido.example"},
                           {},
                           "listed twice"},
        InstantiateFailure{"chosen_without_suffix", "cdn-tls-ecdsa", {"**"}, {}, "allowedSuffixes"},
        InstantiateFailure{
            "bad_suffix", "cdn-tls-ecdsa", {"**"}, {"not a suffix"}, "allowedSuffixes/0"}),
    [](const auto& info) { return std::string(info.param.name); });

/// One mutation of a builder-made CSR request; every one must make the CSR fail.
struct Mutation {
    const char* name;
    std::function<void(CsrRequest&)> apply;
};

const std::vector<Mutation>& mutations() {
    static const std::vector<Mutation> kMutations = {
        {"add_san", [](CsrRequest& r) { r.dnsNames.push_back("extra.ido.example"); }},
        {"drop_san", [](CsrRequest& r) { r.dnsNames.pop_back(); }},
        {"replace_san", [](CsrRequest& r) { r.dnsNames[0] = "evil.example"; }},
        {"add_ip_san", [](CsrRequest& r) { r.ipAddresses.push_back("192.0.2.7"); }},
        {"add_email_san", [](CsrRequest& r) { r.emails.push_back("a@ido.example"); }},
        {"add_uri_san", [](CsrRequest& r) { r.uris.push_back("https://ido.example/"); }},
        {"add_key_usage_bit", [](CsrRequest& r) { r.keyUsage.push_back("keyEncipherment"); }},
        {"drop_key_usage", [](CsrRequest& r) { r.keyUsage.clear(); }},
        {"swap_key_usage", [](CsrRequest& r) { r.keyUsage = {"keyAgreement"}; }},
        {"add_eku", [](CsrRequest& r) { r.extendedKeyUsage.push_back("codeSigning"); }},
        {"drop_eku", [](CsrRequest& r) { r.extendedKeyUsage.clear(); }},
        {"add_cn",
         [](CsrRequest& r) {
             r.subject.push_back({"CN", r.dnsNames[0]});
         }},
        {"add_org",
         [](CsrRequest& r) {
             r.subject.push_back({"O", "NDC Inc"});
         }},
        {"challenge_password", [](CsrRequest& r) { r.challengePassword = "pw"; }},
        {"basic_constraints",
         [](CsrRequest& r) {
             r.extraExtensions.push_back({"2.5.29.19", true, {0x30, 0x00}});
         }},
        {"tls_feature",
         [](CsrRequest& r) {
             r.extraExtensions.push_back(
                 {"1.3.6.1.5.5.7.1.24", false, {0x30, 0x03, 0x02, 0x01, 0x05}});
         }},
        {"unknown_extension",
         [](CsrRequest& r) {
             r.extraExtensions.push_back({"1.3.6.1.4.1.99999.7", false, {0x05, 0x00}});
         }},
        {"other_digest",
         [](CsrRequest& r) { r.digest = r.digest == "SHA512" ? "SHA256" : "SHA512"; }},
    };
    return kMutations;
}

struct ProfileKey {
    std::string profile;
    KeyType key;
};

class BundledProfile : public ::testing::TestWithParam<ProfileKey> {
protected:
    void SetUp() override {
        auto instance = sourceCatalog().instantiate(GetParam().profile, kNames);
        ASSERT_TRUE(instance.ok()) << instance.problem().detail;
        tmpl_ = std::move(instance->csrTemplate);
        context_.orderIdentifiers =
            std::vector<acme::Identifier>{{"dns", kNames[0]}, {"dns", kNames[1]}};
    }
    CsrTemplate tmpl_;
    MatchContext context_;
};

TEST_P(BundledProfile, BuilderCsrPassesAndEveryMutationFails) {
    const crypto::PrivateKey& key = test::testKey(GetParam().key);
    auto built = CsrBuilder::build(tmpl_, key, {});
    ASSERT_TRUE(built.ok()) << built.problem().detail;
    const MatchReport report = CsrMatcher::match(tmpl_, *built, context_);
    ASSERT_TRUE(report.ok()) << report.toProblem()->detail;

    auto request = CsrBuilder::request(tmpl_, key, {});
    ASSERT_TRUE(request.ok());
    for (const auto& m : mutations()) {
        CsrRequest mutated = *request;
        m.apply(mutated);
        const crypto::Csr csr = test::makeCsr(key, mutated);
        EXPECT_FALSE(CsrMatcher::match(tmpl_, csr, context_).ok())
            << GetParam().profile << " accepted mutation " << m.name;
    }
}

TEST_P(BundledProfile, OtherKeyTypesFail) {
    for (const KeyType other : {KeyType::P256, KeyType::P384, KeyType::P521, KeyType::Rsa2048,
                                KeyType::Rsa3072, KeyType::Ed25519}) {
        bool allowed = false;
        for (const auto& entry : tmpl_.keyTypes) {
            allowed = allowed || (entry.keyDescription() == crypto::keyTypeName(other));
        }
        if (allowed) {
            continue;
        }
        CsrRequest request;
        request.dnsNames = kNames;
        request.keyUsage = *tmpl_.keyUsage;
        request.extendedKeyUsage = *tmpl_.extendedKeyUsage;
        const crypto::Csr csr = test::makeCsr(test::testKey(other), request);
        const MatchReport report = CsrMatcher::match(tmpl_, csr, context_);
        ASSERT_FALSE(report.ok()) << GetParam().profile << " accepted " << keyTypeName(other);
        EXPECT_EQ(report.failures()[0].field, "keyTypes");
    }
}

INSTANTIATE_TEST_SUITE_P(Profiles, BundledProfile,
                         ::testing::Values(ProfileKey{"cdn-tls-ecdsa", KeyType::P256},
                                           ProfileKey{"cdn-tls-compat", KeyType::P256},
                                           ProfileKey{"cdn-tls-compat", KeyType::Rsa2048},
                                           ProfileKey{"cdn-tls-p384", KeyType::P384},
                                           ProfileKey{"mtls-client", KeyType::P256}),
                         [](const auto& info) {
                             std::string n = info.param.profile + "_" +
                                             std::string(crypto::keyTypeName(info.param.key));
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(CsrBuilderTest, ChooseKeyTypeTakesTheFirstUsableEntry) {
    auto compat = sourceCatalog().instantiate("cdn-tls-compat", kNames);
    ASSERT_TRUE(compat.ok());
    auto type = CsrBuilder::chooseKeyType(compat->csrTemplate);
    ASSERT_TRUE(type.ok());
    EXPECT_EQ(*type, KeyType::P256);
    CsrTemplate rsaOnly = compat->csrTemplate;
    rsaOnly.keyTypes.erase(rsaOnly.keyTypes.begin());
    EXPECT_EQ(*CsrBuilder::chooseKeyType(rsaOnly), KeyType::Rsa2048);
    rsaOnly.keyTypes[0].publicKeyLength = 2304;  // valid in a template, not generated by Legate
    EXPECT_FALSE(CsrBuilder::chooseKeyType(rsaOnly).ok());
}

TEST(CsrBuilderTest, NdcChosenFieldsAndTheirLimits) {
    const CsrTemplate tmpl = test::parseTemplate(R"({
      "keyTypes": [{"PublicKeyType": "rsaEncryption", "PublicKeyLength": 2048,
                    "SignatureType": "sha384WithRSAandMGF1"}],
      "subject": {"country": "CA", "stateOrProvince": "**", "organization": "*"},
      "extensions": {"subjectAltName": {"DNS": ["abc.ido.example", "**", "*"],
                                        "Email": ["ops@ido.example"]},
                     "extendedKeyUsage": ["serverAuth", "1.3.6.1.4.1.99999.1"]}})");
    const auto& key = test::testKey(KeyType::Rsa2048);
    MatchContext context;
    context.allowedSuffixes = {"cdn.ido.example"};

    CsrChoices choices;
    choices.subject = {{"stateOrProvince", "Quebec"}};
    choices.dnsNames = {"e1.cdn.ido.example"};
    auto csr = CsrBuilder::build(tmpl, key, choices);
    ASSERT_TRUE(csr.ok()) << csr.problem().detail;
    MatchReport report = CsrMatcher::match(tmpl, *csr, context);
    EXPECT_TRUE(report.ok()) << report.toProblem()->detail;

    choices.subject["organization"] = "NDC";
    choices.dnsNames.push_back("e2.cdn.ido.example");
    csr = CsrBuilder::build(tmpl, key, choices);
    ASSERT_TRUE(csr.ok()) << csr.problem().detail;
    report = CsrMatcher::match(tmpl, *csr, context);
    EXPECT_TRUE(report.ok()) << report.toProblem()->detail;

    // The builder refuses what the gate would refuse.
    CsrChoices tooMany = choices;
    tooMany.dnsNames.push_back("e3.cdn.ido.example");
    EXPECT_FALSE(CsrBuilder::build(tmpl, key, tooMany).ok());
    CsrChoices missing = choices;
    missing.subject.erase("stateOrProvince");
    EXPECT_FALSE(CsrBuilder::build(tmpl, key, missing).ok());
    CsrChoices literal = choices;
    literal.subject["country"] = "US";
    EXPECT_FALSE(CsrBuilder::build(tmpl, key, literal).ok());
    CsrChoices noName;
    noName.subject = {{"stateOrProvince", "Quebec"}};
    EXPECT_FALSE(CsrBuilder::build(tmpl, key, noName).ok());
    EXPECT_FALSE(CsrBuilder::build(tmpl, test::testKey(KeyType::P256), choices).ok());
}

TEST(ProfileCatalogTest, NdcChosenNamesWithSuffixPolicy) {
    auto instance = sourceCatalog().instantiate("cdn-tls-ecdsa", {"www.ido.example", "**"},
                                                {"CDN.ido.example"});
    ASSERT_TRUE(instance.ok()) << instance.problem().detail;
    EXPECT_EQ(instance->allowedSuffixes, std::vector<std::string>{"cdn.ido.example"});
    MatchContext context;
    context.allowedSuffixes = instance->allowedSuffixes;
    const auto& key = test::testKey(KeyType::P256);

    CsrChoices choices;
    choices.dnsNames = {"edge7.cdn.ido.example"};
    auto good = CsrBuilder::build(instance->csrTemplate, key, choices);
    ASSERT_TRUE(good.ok());
    EXPECT_TRUE(CsrMatcher::match(instance->csrTemplate, *good, context).ok());

    choices.dnsNames = {"edge7.other.example"};
    auto bad = CsrBuilder::build(instance->csrTemplate, key, choices);
    ASSERT_TRUE(bad.ok());
    const auto problem = CsrMatcher::match(instance->csrTemplate, *bad, context).toProblem();
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->type, acme::ErrorType::rejectedIdentifier);
    EXPECT_EQ(problem->subproblems.at(0).identifier->value, "edge7.other.example");
}

}  // namespace
}  // namespace legate::profiles
