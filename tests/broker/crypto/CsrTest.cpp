#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "broker/crypto/Csr.h"
#include "tests/broker/crypto/CryptoTestSupport.h"
#include "tests/support/TestSupport.h"

namespace legate::crypto {
namespace {

using acme::ErrorType;
using test::allKeyTypes;
using test::cachedKey;

constexpr const char* kChallengePasswordOid = "1.2.840.113549.1.9.7";
constexpr const char* kExtensionRequestOid = "1.2.840.113549.1.9.14";

CsrRequest plainRequest() {
    CsrRequest req;
    req.subject = {{"CN", "abc.ido.example"}};
    req.dnsNames = {"abc.ido.example", "www.abc.ido.example"};
    return req;
}

Csr mustCreate(const PrivateKey& key, const CsrRequest& request) {
    auto csr = createCsr(key, request);
    if (!csr.ok()) {
        ADD_FAILURE() << "createCsr: " << csr.problem().detail;
        std::abort();
    }
    return std::move(csr).value();
}

const Extension* findExtension(const Csr& csr, std::string_view oid) {
    for (const auto& e : csr.extensions()) {
        if (e.oid == oid) {
            return &e;
        }
    }
    return nullptr;
}

std::string expectedSignatureName(KeyType type) {
    switch (type) {
        case KeyType::P256:
            return "ecdsa-with-SHA256";
        case KeyType::P384:
            return "ecdsa-with-SHA384";
        case KeyType::P521:
            return "ecdsa-with-SHA512";
        case KeyType::Ed25519:
            return "ED25519";
        default:
            return "sha256WithRSAEncryption";
    }
}

// ---- round trips ----

class CsrKeyTypeTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(CsrKeyTypeTest, CreateParseRoundTrip) {
    const PrivateKey& key = cachedKey(GetParam());
    CsrRequest request = plainRequest();
    request.subject = {{"C", "CA"}, {"O", "NDC Inc."}, {"CN", "abc.ido.example"}};
    request.emails = {"admin@ndc.ido.example"};
    request.uris = {"sip:voice.ndc.ido.example"};
    request.keyUsage = {"digitalSignature", "keyEncipherment"};
    request.extendedKeyUsage = {"serverAuth", "clientAuth"};
    const Csr csr = mustCreate(key, request);

    EXPECT_TRUE(csr.verifySignature().ok());
    EXPECT_TRUE(csr.publicKey() == key.publicKey());
    EXPECT_EQ(csr.signatureAlgorithm().name, expectedSignatureName(GetParam()));
    EXPECT_FALSE(csr.signatureAlgorithm().pss.has_value());

    ASSERT_EQ(csr.subject().size(), 3u);
    EXPECT_EQ(csr.subject()[0].attributes[0].oid, "2.5.4.6");
    EXPECT_EQ(csr.subject()[0].attributes[0].shortName, "C");
    EXPECT_EQ(csr.subject()[0].attributes[0].value, "CA");
    EXPECT_EQ(csr.subject()[1].attributes[0].value, "NDC Inc.");
    EXPECT_EQ(csr.subject()[2].attributes[0].shortName, "CN");

    const std::vector<GeneralName> sans = {
        {GeneralName::Kind::Dns, "abc.ido.example"},
        {GeneralName::Kind::Dns, "www.abc.ido.example"},
        {GeneralName::Kind::Email, "admin@ndc.ido.example"},
        {GeneralName::Kind::Uri, "sip:voice.ndc.ido.example"},
    };
    EXPECT_EQ(csr.subjectAltNames(), sans);
    ASSERT_TRUE(csr.keyUsage().has_value());
    EXPECT_EQ(*csr.keyUsage(), (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
    ASSERT_TRUE(csr.extendedKeyUsage().has_value());
    EXPECT_EQ(*csr.extendedKeyUsage(),
              (std::vector<std::string>{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}));
    EXPECT_TRUE(csr.otherAttributes().empty());
    EXPECT_EQ(csr.extensions().size(), 3u);

    auto fromPem = Csr::fromPem(csr.toPem());
    ASSERT_TRUE(fromPem.ok()) << fromPem.problem().detail;
    EXPECT_EQ(fromPem->der(), csr.der());
    auto fromDer = Csr::fromDer(csr.der());
    ASSERT_TRUE(fromDer.ok());
    EXPECT_EQ(fromDer->dnsNames(), csr.dnsNames());
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, CsrKeyTypeTest, ::testing::ValuesIn(allKeyTypes()),
                         [](const auto& info) {
                             std::string name(keyTypeName(info.param));
                             std::erase(name, '-');
                             return name;
                         });

TEST(CsrTest, ExplicitDigestChoice) {
    CsrRequest request = plainRequest();
    request.digest = "SHA384";
    const Csr ec = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(ec.signatureAlgorithm().name, "ecdsa-with-SHA384");
    EXPECT_EQ(ec.signatureAlgorithm().oid, "1.2.840.10045.4.3.3");
    request.digest = "SHA512";
    const Csr rsa = mustCreate(cachedKey(KeyType::Rsa2048), request);
    EXPECT_EQ(rsa.signatureAlgorithm().name, "sha512WithRSAEncryption");
    EXPECT_EQ(rsa.signatureAlgorithm().oid, "1.2.840.113549.1.1.13");
    EXPECT_TRUE(rsa.verifySignature().ok());
}

TEST(CsrTest, NoExtensionsMeansNoExtensionRequest) {
    CsrRequest request;
    request.subject = {{"CN", "abc.ido.example"}};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_TRUE(csr.extensions().empty());
    EXPECT_TRUE(csr.subjectAltNames().empty());
    EXPECT_FALSE(csr.keyUsage().has_value());
    EXPECT_FALSE(csr.extendedKeyUsage().has_value());
    EXPECT_EQ(csr.dnsNames(), std::vector<std::string>{"abc.ido.example"});
}

TEST(CsrTest, EmptySubjectMakesSanCritical) {
    CsrRequest request;
    request.dnsNames = {"abc.ido.example"};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_TRUE(csr.subject().empty());
    ASSERT_EQ(csr.extensions().size(), 1u);
    EXPECT_EQ(csr.extensions()[0].oid, "2.5.29.17");
    EXPECT_TRUE(csr.extensions()[0].critical);
}

// ---- hostile knobs ----

TEST(CsrTest, MultiValuedRdnAndRepeatedAttributesArePreserved) {
    CsrRequest request = plainRequest();
    request.subject = {
        {"O", "First"},
        {"OU", "Joined", true},
        {"CN", "abc.ido.example"},
        {"CN", "other.ido.example"},
        {"2.5.4.7", "Montreal"},
    };
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.subject().size(), 4u);
    ASSERT_EQ(csr.subject()[0].attributes.size(), 2u);
    // DER sorts a SET's members by encoding; both survive, in whatever order was encoded.
    std::vector<std::string> multi = {csr.subject()[0].attributes[0].shortName,
                                      csr.subject()[0].attributes[1].shortName};
    std::sort(multi.begin(), multi.end());
    EXPECT_EQ(multi, (std::vector<std::string>{"O", "OU"}));
    EXPECT_EQ(csr.subject()[1].attributes.size(), 1u);
    EXPECT_EQ(csr.subject()[1].attributes[0].value, "abc.ido.example");
    EXPECT_EQ(csr.subject()[2].attributes[0].value, "other.ido.example");
    EXPECT_EQ(csr.subject()[3].attributes[0].oid, "2.5.4.7");
    EXPECT_EQ(csr.subject()[3].attributes[0].shortName, "L");
    EXPECT_EQ(csr.dnsNames(), (std::vector<std::string>{"abc.ido.example", "other.ido.example",
                                                        "www.abc.ido.example"}));
}

TEST(CsrTest, FirstSubjectEntryCannotJoinAPreviousRdn) {
    CsrRequest request = plainRequest();
    request.subject = {{"CN", "x", true}};
    auto csr = createCsr(cachedKey(KeyType::P256), request);
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.problem().type, ErrorType::malformed);
}

TEST(CsrTest, ChallengePasswordIsReportedAsOtherAttribute) {
    CsrRequest request = plainRequest();
    request.challengePassword = "secret";
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(csr.otherAttributes(), std::vector<std::string>{kChallengePasswordOid});
    EXPECT_EQ(csr.subjectAltNames().size(), 2u);  // the extensionRequest is still decoded
    EXPECT_TRUE(csr.verifySignature().ok());
}

TEST(CsrTest, IpSanIsDecoded) {
    CsrRequest request = plainRequest();
    request.ipAddresses = {"192.0.2.1", "2001:db8::1"};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.subjectAltNames().size(), 4u);
    EXPECT_EQ(csr.subjectAltNames()[2], (GeneralName{GeneralName::Kind::Ip, "192.0.2.1"}));
    EXPECT_EQ(csr.subjectAltNames()[3], (GeneralName{GeneralName::Kind::Ip, "2001:db8::1"}));
    // IP addresses are not DNS names.
    EXPECT_EQ(csr.dnsNames(), (std::vector<std::string>{"abc.ido.example", "www.abc.ido.example"}));
}

TEST(CsrTest, OtherNameAndDirectoryNameAreKindOther) {
    // SEQUENCE { [0] { OID 1.3.6.1.4.1.311.20.2.3, [0] { UTF8String "u@x" } },
    //            [4] { SEQUENCE { SET { SEQUENCE { OID CN, UTF8String "d" } } } } }
    const Bytes san = {0x30, 0x28, 0xa0, 0x13, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
                       0x82, 0x37, 0x14, 0x02, 0x03, 0xa0, 0x05, 0x0c, 0x03, 'u',  '@',
                       'x',  0xa4, 0x11, 0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03,
                       0x55, 0x04, 0x03, 0x0c, 0x04, 'd',  'i',  'r',  'n'};
    CsrRequest request;
    request.subject = {{"CN", "abc.ido.example"}};
    request.extraExtensions = {{"2.5.29.17", false, san}};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.subjectAltNames().size(), 2u);
    EXPECT_EQ(csr.subjectAltNames()[0].kind, GeneralName::Kind::Other);
    EXPECT_EQ(csr.subjectAltNames()[0].value, "otherName:1.3.6.1.4.1.311.20.2.3");
    EXPECT_EQ(csr.subjectAltNames()[1].kind, GeneralName::Kind::Other);
    EXPECT_EQ(csr.subjectAltNames()[1].value, "directoryName");
}

TEST(CsrTest, ExtraExtensionsAreListedWithCriticality) {
    CsrRequest request = plainRequest();
    request.extraExtensions = {
        {"2.5.29.19", true, {0x30, 0x03, 0x01, 0x01, 0xff}},            // basicConstraints CA
        {"1.3.6.1.5.5.7.1.24", false, {0x30, 0x03, 0x02, 0x01, 0x05}},  // TLS feature
        {"1.2.3.4.5.6", false, {0x05, 0x00}},                           // unknown OID
    };
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.extensions().size(), 4u);
    EXPECT_EQ(csr.extensions()[0].oid, "2.5.29.17");
    const Extension* bc = findExtension(csr, "2.5.29.19");
    ASSERT_NE(bc, nullptr);
    EXPECT_TRUE(bc->critical);
    EXPECT_EQ(bc->value, (Bytes{0x30, 0x03, 0x01, 0x01, 0xff}));
    const Extension* tls = findExtension(csr, "1.3.6.1.5.5.7.1.24");
    ASSERT_NE(tls, nullptr);
    EXPECT_FALSE(tls->critical);
    EXPECT_EQ(tls->value, (Bytes{0x30, 0x03, 0x02, 0x01, 0x05}));
    const Extension* unknown = findExtension(csr, "1.2.3.4.5.6");
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->value, (Bytes{0x05, 0x00}));
}

TEST(CsrTest, RepeatedUnknownExtensionIsPreserved) {
    CsrRequest request = plainRequest();
    request.extraExtensions = {{"1.2.3.4", false, {0x05, 0x00}}, {"1.2.3.4", true, {0x05, 0x00}}};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.extensions().size(), 3u);
    EXPECT_EQ(csr.extensions()[1].oid, "1.2.3.4");
    EXPECT_EQ(csr.extensions()[2].oid, "1.2.3.4");
    EXPECT_TRUE(csr.extensions()[2].critical);
}

TEST(CsrTest, KeyUsageCriticalityAndBitOrder) {
    CsrRequest request = plainRequest();
    request.keyUsage = {"keyAgreement", "digitalSignature", "decipherOnly"};
    request.keyUsageCritical = true;
    const Csr critical = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(*critical.keyUsage(),
              (std::vector<std::string>{"digitalSignature", "keyAgreement", "decipherOnly"}));
    EXPECT_TRUE(findExtension(critical, "2.5.29.15")->critical);

    request.keyUsageCritical = false;
    const Csr plain = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_FALSE(findExtension(plain, "2.5.29.15")->critical);
}

TEST(CsrTest, UndefinedKeyUsageBitsAreReported) {
    CsrRequest request = plainRequest();
    // BIT STRING, 2 bytes, 6 unused bits: bits 0 and 9 set.
    request.extraExtensions = {{"2.5.29.15", true, {0x03, 0x03, 0x06, 0x80, 0x40}}};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(*csr.keyUsage(), (std::vector<std::string>{"digitalSignature", "bit9"}));
}

TEST(CsrTest, ExtendedKeyUsageByNameAndOid) {
    CsrRequest request = plainRequest();
    request.extendedKeyUsage = {"codeSigning", "1.3.6.1.5.5.7.3.17", "OCSPSigning"};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(
        *csr.extendedKeyUsage(),
        (std::vector<std::string>{"1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.17", "1.3.6.1.5.5.7.3.9"}));
}

TEST(CsrTest, PssWithTemplateSaltGetsTheRfc9115Name) {
    struct Case {
        std::string digest;
        int salt;
        std::string name;
    };
    for (const Case& c :
         {Case{"SHA256", 32, "sha256WithRSAandMGF1"}, Case{"SHA384", 48, "sha384WithRSAandMGF1"},
          Case{"SHA512", 64, "sha512WithRSAandMGF1"}}) {
        CsrRequest request = plainRequest();
        request.digest = c.digest;
        request.pssSaltLength = c.salt;
        const Csr csr = mustCreate(cachedKey(KeyType::Rsa2048), request);
        EXPECT_EQ(csr.signatureAlgorithm().oid, "1.2.840.113549.1.1.10");
        EXPECT_EQ(csr.signatureAlgorithm().name, c.name);
        ASSERT_TRUE(csr.signatureAlgorithm().pss.has_value());
        EXPECT_EQ(csr.signatureAlgorithm().pss->hash, c.digest);
        EXPECT_EQ(csr.signatureAlgorithm().pss->mgf1Hash, c.digest);
        EXPECT_EQ(csr.signatureAlgorithm().pss->saltLength, c.salt);
        EXPECT_EQ(csr.signatureAlgorithm().pss->trailerField, 1);
        EXPECT_TRUE(csr.verifySignature().ok()) << c.name;
    }
}

TEST(CsrTest, PssWithOtherSaltVerifiesButIsNamedDescriptively) {
    CsrRequest request = plainRequest();
    request.digest = "SHA256";
    request.pssSaltLength = 20;
    const Csr csr = mustCreate(cachedKey(KeyType::Rsa2048), request);
    EXPECT_TRUE(csr.verifySignature().ok());
    ASSERT_TRUE(csr.signatureAlgorithm().pss.has_value());
    EXPECT_EQ(csr.signatureAlgorithm().pss->saltLength, 20);
    EXPECT_EQ(csr.signatureAlgorithm().pss->hash, "SHA256");
    EXPECT_NE(csr.signatureAlgorithm().name, "sha256WithRSAandMGF1");
    EXPECT_EQ(csr.signatureAlgorithm().name,
              "RSASSA-PSS(hash=SHA256,mgf=MGF1-SHA256,salt=20,trailer=1)");
}

TEST(CsrTest, PssNeedsAnRsaKey) {
    CsrRequest request = plainRequest();
    request.pssSaltLength = 32;
    auto csr = createCsr(cachedKey(KeyType::P256), request);
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.problem().type, ErrorType::malformed);
}

TEST(CsrTest, StringTypesAreReported) {
    CsrRequest request = plainRequest();
    request.subject = {
        {"C", "CA"},                                          // default: PrintableString
        {"O", "Org"},                                         // default: UTF8String
        {"OU", "Printable", false, V_ASN1_PRINTABLESTRING},   // forced
        {"CN", "abc.ido.example", false, V_ASN1_UTF8STRING},  // forced
        {"L",
         "Qu\xc3\xa9"
         "bec"},  // UTF-8 text
    };
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    ASSERT_EQ(csr.subject().size(), 5u);
    EXPECT_EQ(csr.subject()[0].attributes[0].asn1Type, V_ASN1_PRINTABLESTRING);
    EXPECT_EQ(csr.subject()[1].attributes[0].asn1Type, V_ASN1_UTF8STRING);
    EXPECT_EQ(csr.subject()[2].attributes[0].asn1Type, V_ASN1_PRINTABLESTRING);
    EXPECT_EQ(csr.subject()[2].attributes[0].value, "Printable");
    EXPECT_EQ(csr.subject()[3].attributes[0].asn1Type, V_ASN1_UTF8STRING);
    EXPECT_EQ(csr.subject()[4].attributes[0].value,
              "Qu\xc3\xa9"
              "bec");
}

TEST(CsrTest, BmpStringIsDecodedToUtf8) {
    CsrRequest request = plainRequest();
    const std::string bmp("\0a\0b", 4);
    request.subject = {{"O", bmp, false, V_ASN1_BMPSTRING}};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(csr.subject()[0].attributes[0].asn1Type, V_ASN1_BMPSTRING);
    EXPECT_EQ(csr.subject()[0].attributes[0].value, "ab");
}

TEST(CsrTest, DnsNamesAreLowercasedDeduplicatedAndSorted) {
    CsrRequest request;
    request.subject = {{"CN", "Www.Example.COM"}};
    request.dnsNames = {"www.example.com", "B.example", "a.example"};
    request.emails = {"x@example.com"};
    const Csr csr = mustCreate(cachedKey(KeyType::P256), request);
    EXPECT_EQ(csr.dnsNames(),
              (std::vector<std::string>{"a.example", "b.example", "www.example.com"}));
}

// ---- proof of possession ----

TEST(CsrTest, TamperedSignatureFailsVerification) {
    for (KeyType type : {KeyType::P256, KeyType::Rsa2048, KeyType::Ed25519}) {
        const Csr csr = mustCreate(cachedKey(type), plainRequest());
        Bytes der = csr.der();
        der.back() ^= 0x01;  // the last byte belongs to the signature BIT STRING
        auto tampered = Csr::fromDer(der);
        ASSERT_TRUE(tampered.ok()) << tampered.problem().detail;
        auto status = tampered->verifySignature();
        ASSERT_FALSE(status.ok()) << keyTypeName(type);
        EXPECT_EQ(status.problem().type, ErrorType::badCSR);
        EXPECT_NE(status.problem().detail.find("X509_REQ_verify"), std::string::npos);
    }
}

TEST(CsrTest, TamperedContentFailsVerification) {
    const Csr csr = mustCreate(cachedKey(KeyType::P256), plainRequest());
    Bytes der = csr.der();
    const std::string needle = "www.abc";
    auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
    ASSERT_NE(it, der.end());
    *it = 'x';
    auto tampered = Csr::fromDer(der);
    ASSERT_TRUE(tampered.ok());
    EXPECT_FALSE(tampered->verifySignature().ok());
}

// ---- strict decoding ----

TEST(CsrTest, TrailingGarbageIsRejected) {
    Bytes der = mustCreate(cachedKey(KeyType::P256), plainRequest()).der();
    der.push_back(0x00);
    auto csr = Csr::fromDer(der);
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.problem().type, ErrorType::badCSR);
    EXPECT_NE(csr.problem().detail.find("trailing"), std::string::npos);
}

TEST(CsrTest, TruncatedDerIsRejected) {
    const Bytes der = mustCreate(cachedKey(KeyType::P256), plainRequest()).der();
    for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, der.size() / 2, der.size() - 1}) {
        auto csr = Csr::fromDer(Bytes(der.begin(), der.begin() + static_cast<long>(cut)));
        ASSERT_FALSE(csr.ok()) << cut;
        EXPECT_EQ(csr.problem().type, ErrorType::badCSR);
    }
}

TEST(CsrTest, NonZeroVersionIsRejected) {
    Bytes der = mustCreate(cachedKey(KeyType::P256), plainRequest()).der();
    const Bytes version = {0x02, 0x01, 0x00};
    auto it = std::search(der.begin(), der.end(), version.begin(), version.end());
    ASSERT_NE(it, der.end());
    it[2] = 0x01;
    auto csr = Csr::fromDer(der);
    ASSERT_FALSE(csr.ok());
    EXPECT_NE(csr.problem().detail.find("version"), std::string::npos);
}

TEST(CsrTest, BerLengthIsRejected) {
    Bytes der = mustCreate(cachedKey(KeyType::P256), plainRequest()).der();
    // Re-encode the outer SEQUENCE length in a longer-than-needed form.
    ASSERT_EQ(der[0], 0x30);
    ASSERT_EQ(der[1], 0x82);
    Bytes ber(der.size() + 1);
    ber[0] = 0x30;
    ber[1] = 0x83;
    ber[2] = 0x00;
    std::copy(der.begin() + 2, der.end(), ber.begin() + 3);
    EXPECT_FALSE(Csr::fromDer(ber).ok());
}

Bytes derOf(X509_REQ* req);

/// DER TLV with a minimal length.
Bytes tlv(unsigned char tag, const Bytes& content) {
    Bytes out{tag};
    const size_t n = content.size();
    if (n < 0x80) {
        out.push_back(static_cast<unsigned char>(n));
    } else if (n <= 0xFF) {
        out.insert(out.end(), {0x81, static_cast<unsigned char>(n)});
    } else {
        out.insert(out.end(), {0x82, static_cast<unsigned char>(n >> 8),
                               static_cast<unsigned char>(n & 0xFF)});
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

/// Header size and content length of the TLV at `p` (short or long form, as found).
std::pair<size_t, size_t> tlvHeader(const unsigned char* p) {
    if ((p[1] & 0x80) == 0) {
        return {2, p[1]};
    }
    const size_t octets = p[1] & 0x7F;
    size_t length = 0;
    for (size_t i = 0; i < octets; ++i) {
        length = (length << 8) | p[2 + i];
    }
    return {2 + octets, length};
}

TEST(CsrTest, BerInsideTheSignedPartIsRejectedEvenWithAValidSignature) {
    // OpenSSL keeps the received bytes of CertificationRequestInfo, so re-encoding the
    // parsed request cannot see BER there: build such a CSR, signed over the BER bytes.
    const PrivateKey& key = cachedKey(KeyType::P256);
    const Bytes der = mustCreate(key, plainRequest()).der();
    const auto [outerHeader, outerLength] = tlvHeader(der.data());
    const unsigned char* info = der.data() + outerHeader;
    const auto [infoHeader, infoLength] = tlvHeader(info);
    Bytes infoContent(info + infoHeader, info + infoHeader + infoLength);
    // version INTEGER 0 (02 01 00) with its length in the non-minimal long form.
    ASSERT_EQ(infoContent[0], 0x02);
    ASSERT_EQ(infoContent[1], 0x01);
    infoContent.insert(infoContent.begin() + 1, 0x81);
    const Bytes berInfo = tlv(0x30, infoContent);

    EvpMdCtxPtr md(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
    size_t sigLen = 0;
    ASSERT_EQ(EVP_DigestSign(md.get(), nullptr, &sigLen, berInfo.data(), berInfo.size()), 1);
    Bytes signature(sigLen + 1, 0);  // leading 0: no unused bits in the BIT STRING
    ASSERT_EQ(
        EVP_DigestSign(md.get(), signature.data() + 1, &sigLen, berInfo.data(), berInfo.size()), 1);
    signature.resize(sigLen + 1);
    const Bytes ecdsaWithSha256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    Bytes outer = berInfo;
    outer.insert(outer.end(), ecdsaWithSha256.begin(), ecdsaWithSha256.end());
    const Bytes bits = tlv(0x03, signature);
    outer.insert(outer.end(), bits.begin(), bits.end());
    const Bytes ber = tlv(0x30, outer);

    // The signature really is valid over those bytes: OpenSSL alone accepts the CSR.
    const unsigned char* p = ber.data();
    X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(ber.size())));
    ASSERT_TRUE(req);
    EXPECT_EQ(X509_REQ_verify(req.get(), key.publicKey().get()), 1);
    EXPECT_EQ(derOf(req.get()), ber) << "OpenSSL re-encodes the received bytes";

    auto csr = Csr::fromDer(ber);
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.problem().type, ErrorType::badCSR);
    EXPECT_NE(csr.problem().detail.find("non-minimal length"), std::string::npos)
        << csr.problem().detail;
}

TEST(CsrTest, UndecodableSanKuEkuAreRejected) {
    for (const char* oid : {"2.5.29.17", "2.5.29.15", "2.5.29.37"}) {
        CsrRequest request;
        request.subject = {{"CN", "abc.ido.example"}};
        request.extraExtensions = {{oid, false, {0x04, 0x01}}};  // truncated
        auto der = createCsrDer(cachedKey(KeyType::P256), request);
        ASSERT_TRUE(der.ok()) << der.problem().detail;
        auto csr = Csr::fromDer(*der);
        ASSERT_FALSE(csr.ok()) << oid;
        EXPECT_EQ(csr.problem().type, ErrorType::badCSR);

        // Decodable value followed by junk is also refused.
        request.extraExtensions = {{oid, false, {0x30, 0x00, 0x00}}};
        auto junk = createCsrDer(cachedKey(KeyType::P256), request);
        ASSERT_TRUE(junk.ok());
        EXPECT_FALSE(Csr::fromDer(*junk).ok()) << oid;
    }
}

TEST(CsrTest, DuplicateSanIsRejected) {
    CsrRequest request = plainRequest();
    request.extraExtensions = {{"2.5.29.17", false, {0x30, 0x03, 0x82, 0x01, 'x'}}};
    auto der = createCsrDer(cachedKey(KeyType::P256), request);
    ASSERT_TRUE(der.ok());
    auto csr = Csr::fromDer(*der);
    ASSERT_FALSE(csr.ok());
    EXPECT_NE(csr.problem().detail.find("twice"), std::string::npos);
}

TEST(CsrTest, PemWithWrongLabelOrGarbageIsRejected) {
    const Csr csr = mustCreate(cachedKey(KeyType::P256), plainRequest());
    const std::string pem = csr.toPem();
    EXPECT_NE(pem.find("-----BEGIN CERTIFICATE REQUEST-----"), std::string::npos);

    std::string wrong = pem;
    wrong.replace(wrong.find("CERTIFICATE REQUEST"), 19, "CERTIFICATE");
    wrong.replace(wrong.rfind("CERTIFICATE REQUEST"), 19, "CERTIFICATE");
    auto wrongLabel = Csr::fromPem(wrong);
    ASSERT_FALSE(wrongLabel.ok());
    EXPECT_EQ(wrongLabel.problem().type, ErrorType::badCSR);

    EXPECT_FALSE(Csr::fromPem("garbage\n" + pem).ok());
    EXPECT_FALSE(Csr::fromPem(pem + "garbage\n").ok());
    EXPECT_FALSE(Csr::fromPem(pem + pem).ok());
    EXPECT_FALSE(Csr::fromPem("").ok());
    EXPECT_TRUE(Csr::fromPem("\n  " + pem + "\n\n").ok());

    std::string legacy = pem;
    legacy.replace(legacy.find("CERTIFICATE REQUEST"), 19, "NEW CERTIFICATE REQUEST");
    legacy.replace(legacy.rfind("CERTIFICATE REQUEST"), 19, "NEW CERTIFICATE REQUEST");
    EXPECT_TRUE(Csr::fromPem(legacy).ok());
}

// ---- attributes built by hand ----

/// DER of `SEQUENCE OF Extension` with one unknown extension.
Bytes oneExtensionSequence() {
    return {0x30, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x02, 0x05, 0x00};
}

Bytes derOf(X509_REQ* req) {
    unsigned char* out = nullptr;
    const int len = i2d_X509_REQ(req, &out);
    Bytes der(out, out + std::max(len, 0));
    OPENSSL_free(out);
    return der;
}

TEST(CsrTest, SecondExtensionRequestAndUnknownAttributesAreListed) {
    // OpenSSL refuses to add a second extensionRequest, so add an attribute whose OID
    // differs from extensionRequest only in its last arc, patch the DER, and re-sign.
    const PrivateKey& key = cachedKey(KeyType::P256);
    auto base = createCsrDer(key, plainRequest());
    ASSERT_TRUE(base.ok());
    const unsigned char* p = base->data();
    X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(base->size())));
    ASSERT_TRUE(req);
    const Bytes seq = oneExtensionSequence();
    Asn1ObjectPtr lookalike(OBJ_txt2obj("1.2.840.113549.1.9.99", 1));
    ASSERT_EQ(X509_REQ_add1_attr_by_OBJ(req.get(), lookalike.get(), V_ASN1_SEQUENCE, seq.data(),
                                        static_cast<int>(seq.size())),
              1);
    Asn1ObjectPtr unknown(OBJ_txt2obj("1.2.3.4.5", 1));
    const std::string text = "hello";
    ASSERT_EQ(X509_REQ_add1_attr_by_OBJ(req.get(), unknown.get(), V_ASN1_UTF8STRING,
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size())),
              1);
    Bytes der = derOf(req.get());
    const Bytes oid = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x63};
    auto it = std::search(der.begin(), der.end(), oid.begin(), oid.end());
    ASSERT_NE(it, der.end());
    it[10] = 0x0e;  // now extensionRequest
    p = der.data();
    X509ReqPtr patched(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(patched);
    ASSERT_GT(X509_REQ_sign(patched.get(), key.get(), EVP_sha256()), 0);

    auto csr = Csr::fromDer(derOf(patched.get()));
    ASSERT_TRUE(csr.ok()) << csr.problem().detail;
    EXPECT_TRUE(csr->verifySignature().ok());
    // DER sorts the attribute SET by encoding: the short unknown one first, then the
    // shorter extensionRequest (decoded), then the original one (listed, not decoded).
    EXPECT_EQ(csr->otherAttributes(),
              (std::vector<std::string>{"1.2.3.4.5", kExtensionRequestOid}));
    ASSERT_EQ(csr->extensions().size(), 1u);
    EXPECT_EQ(csr->extensions()[0].oid, "1.2.3.4");
    EXPECT_TRUE(csr->subjectAltNames().empty());
}

// ---- createCsr input errors ----

TEST(CsrTest, BadRequestsAreMalformed) {
    const PrivateKey& key = cachedKey(KeyType::P256);
    auto expectMalformed = [&](CsrRequest request, std::string_view why) {
        auto csr = createCsr(key, request);
        ASSERT_FALSE(csr.ok()) << why;
        EXPECT_EQ(csr.problem().type, ErrorType::malformed) << why;
        EXPECT_FALSE(csr.problem().detail.empty()) << why;
    };
    CsrRequest r = plainRequest();
    r.subject = {{"NoSuchAttribute", "x"}};
    expectMalformed(r, "subject type");
    r = plainRequest();
    r.subject = {{"C", "Canada"}};  // countryName is two letters
    expectMalformed(r, "country length");
    r = plainRequest();
    r.keyUsage = {"signEverything"};
    expectMalformed(r, "keyUsage");
    r = plainRequest();
    r.extendedKeyUsage = {"serverauth"};
    expectMalformed(r, "EKU name");
    r = plainRequest();
    r.extendedKeyUsage = {"1.3.06.1"};
    expectMalformed(r, "EKU OID with leading zero");
    r = plainRequest();
    r.ipAddresses = {"300.1.1.1"};
    expectMalformed(r, "IP");
    r = plainRequest();
    r.digest = "NOPE256";
    expectMalformed(r, "digest");
    r = plainRequest();
    r.extraExtensions = {{"subjectAltName", false, {}}};
    expectMalformed(r, "extension OID");
    r = plainRequest();
    r.pssSaltLength = -1;
    auto rsa = createCsr(cachedKey(KeyType::Rsa2048), r);
    ASSERT_FALSE(rsa.ok());
    EXPECT_EQ(rsa.problem().type, ErrorType::malformed);
}

TEST(CsrTest, Ed25519IgnoresTheDigest) {
    CsrRequest request = plainRequest();
    request.digest = "SHA512";
    const Csr csr = mustCreate(cachedKey(KeyType::Ed25519), request);
    EXPECT_EQ(csr.signatureAlgorithm().oid, "1.3.101.112");
    EXPECT_TRUE(csr.verifySignature().ok());
}

// ---- interoperability: CSRs written by `openssl req` (the fuzz seed corpus) ----

TEST(CsrTest, OpenSslReqOutputParses) {
    const char* root = std::getenv("LEGATE_SOURCE_DIR");
    const std::filesystem::path dir =
        std::filesystem::path(root != nullptr ? root : LEGATE_TEST_SOURCE_DIR) / "tests" / "fuzz" /
        "corpus" / "csr_fuzz";
    auto load = [&](const char* name) {
        const std::string text = legate::test::readFile(dir / name);
        EXPECT_FALSE(text.empty()) << (dir / name);
        return Bytes(text.begin(), text.end());
    };

    auto full = Csr::fromDer(load("ec-p256-full.der"));
    ASSERT_TRUE(full.ok()) << full.problem().detail;
    EXPECT_TRUE(full->verifySignature().ok());
    EXPECT_EQ(full->subjectAltNames().size(), 5u);
    EXPECT_EQ(full->subjectAltNames()[4], (GeneralName{GeneralName::Kind::Ip, "192.0.2.1"}));
    EXPECT_EQ(*full->keyUsage(), std::vector<std::string>{"digitalSignature"});

    const Bytes pem = load("ec-p256-full.pem");
    auto fromPem =
        Csr::fromPem(std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()));
    ASSERT_TRUE(fromPem.ok()) << fromPem.problem().detail;
    EXPECT_EQ(fromPem->der(), full->der());

    auto pss = Csr::fromDer(load("rsa-pss-multirdn.der"));
    ASSERT_TRUE(pss.ok()) << pss.problem().detail;
    EXPECT_TRUE(pss->verifySignature().ok());
    EXPECT_EQ(pss->signatureAlgorithm().name, "sha256WithRSAandMGF1");
    EXPECT_EQ(pss->subject()[0].attributes.size(), 2u);
    EXPECT_NE(findExtension(*pss, "1.3.6.1.5.5.7.1.24"), nullptr);
    EXPECT_NE(findExtension(*pss, "2.5.29.19"), nullptr);

    auto pw = Csr::fromDer(load("challenge-password.der"));
    ASSERT_TRUE(pw.ok()) << pw.problem().detail;
    EXPECT_EQ(pw->otherAttributes(), std::vector<std::string>{kChallengePasswordOid});

    for (const char* name : {"ed25519.der", "ec-p384-nosan.der"}) {
        auto csr = Csr::fromDer(load(name));
        ASSERT_TRUE(csr.ok()) << name << ": " << csr.problem().detail;
        EXPECT_TRUE(csr->verifySignature().ok()) << name;
    }
}

// ---- vocabularies ----

TEST(CsrVocabularyTest, KeyUsageNamesInBitOrder) {
    EXPECT_EQ(keyUsageNames(),
              (std::vector<std::string>{"digitalSignature", "nonRepudiation", "keyEncipherment",
                                        "dataEncipherment", "keyAgreement", "keyCertSign",
                                        "cRLSign", "encipherOnly", "decipherOnly"}));
}

TEST(CsrVocabularyTest, ExtendedKeyUsageOids) {
    EXPECT_EQ(extendedKeyUsageOid("serverAuth"), "1.3.6.1.5.5.7.3.1");
    EXPECT_EQ(extendedKeyUsageOid("clientAuth"), "1.3.6.1.5.5.7.3.2");
    EXPECT_EQ(extendedKeyUsageOid("codeSigning"), "1.3.6.1.5.5.7.3.3");
    EXPECT_EQ(extendedKeyUsageOid("emailProtection"), "1.3.6.1.5.5.7.3.4");
    EXPECT_EQ(extendedKeyUsageOid("timeStamping"), "1.3.6.1.5.5.7.3.8");
    EXPECT_EQ(extendedKeyUsageOid("OCSPSigning"), "1.3.6.1.5.5.7.3.9");
    EXPECT_FALSE(extendedKeyUsageOid("ocspSigning").has_value());
    EXPECT_EQ(extendedKeyUsageName("1.3.6.1.5.5.7.3.9"), "OCSPSigning");
    EXPECT_FALSE(extendedKeyUsageName("1.2.3").has_value());
}

}  // namespace
}  // namespace legate::crypto
