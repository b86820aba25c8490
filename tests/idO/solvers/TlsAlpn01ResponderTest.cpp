/// The tls-alpn-01 responder against an OpenSSL client in the same process: the
/// certificate it serves (one SAN, critical acmeIdentifier with the digest), ALPN and
/// SNI refusals with the right alerts, cleanup, self-check, and a silent client that
/// cannot hold it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "broker/crypto/Certificate.h"
#include "idO/solvers/TlsAlpn01Responder.h"

namespace legate::ido::solvers {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

using SslCtxPtr = std::unique_ptr<SSL_CTX, crypto::Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, crypto::Deleter<SSL_free>>;

constexpr const char* kKeyAuth = "token-abc.thumbprint-xyz";

int connectTo(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// What one client handshake saw.
struct Outcome {
    bool handshake = false;
    std::string alpn;
    std::optional<crypto::Certificate> certificate;
    int alertReceived = -1;  ///< the AlertDescription the server sent, if any
};

void onInfo(const SSL* ssl, int where, int ret) {
    if ((where & SSL_CB_READ_ALERT) != 0) {
        auto* out = static_cast<Outcome*>(SSL_get_app_data(ssl));
        out->alertReceived = ret & 0xff;
    }
}

/// A blocking OpenSSL client: `sni` and `alpn` (wire order) when given.
Outcome handshake(uint16_t port, std::optional<std::string> sni,
                  std::optional<std::vector<std::string>> alpn) {
    Outcome out;
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_info_callback(ctx.get(), onInfo);
    SslPtr ssl(SSL_new(ctx.get()));
    SSL_set_app_data(ssl.get(), &out);
    if (sni) {
        SSL_set_tlsext_host_name(ssl.get(), sni->c_str());
    }
    if (alpn) {
        std::vector<unsigned char> wire;
        for (const auto& p : *alpn) {
            wire.push_back(static_cast<unsigned char>(p.size()));
            wire.insert(wire.end(), p.begin(), p.end());
        }
        SSL_set_alpn_protos(ssl.get(), wire.data(), static_cast<unsigned>(wire.size()));
    }
    const int fd = connectTo(port);
    if (fd < 0) {
        return out;
    }
    SSL_set_fd(ssl.get(), fd);
    out.handshake = SSL_connect(ssl.get()) == 1;
    if (out.handshake) {
        const unsigned char* p = nullptr;
        unsigned int n = 0;
        SSL_get0_alpn_selected(ssl.get(), &p, &n);
        out.alpn.assign(reinterpret_cast<const char*>(p), n);
        crypto::X509Ptr peer(SSL_get1_peer_certificate(ssl.get()));
        unsigned char* der = nullptr;
        const int length = i2d_X509(peer.get(), &der);
        crypto::OpenSslBytesPtr owned(der);
        auto cert = crypto::Certificate::fromDer(crypto::Bytes(der, der + length));
        if (cert) {
            out.certificate = std::move(*cert);
        }
        SSL_shutdown(ssl.get());
    }
    ::close(fd);
    return out;
}

TlsAlpn01ResponderPtr startResponder(std::chrono::milliseconds timeout = 5s) {
    auto r =
        TlsAlpn01Responder::start({.host = "127.0.0.1", .port = 0, .handshakeTimeout = timeout});
    EXPECT_TRUE(r.ok()) << r.problem().detail;
    return std::move(*r);
}

TEST(TlsAlpn01ResponderTest, ServesTheValidationCertificateBySni) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("Abc.Example.TEST.", kKeyAuth).ok());
    ASSERT_TRUE(responder->present("other.example.test", "other-key-auth").ok());

    auto out = handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}});
    ASSERT_TRUE(out.handshake);
    EXPECT_EQ(out.alpn, "acme-tls/1");
    ASSERT_TRUE(out.certificate.has_value());
    const auto& cert = *out.certificate;
    ASSERT_EQ(cert.subjectAltNames().size(), 1u);
    EXPECT_EQ(cert.subjectAltNames()[0].kind, crypto::GeneralName::Kind::Dns);
    EXPECT_EQ(cert.subjectAltNames()[0].value, "abc.example.test");
    EXPECT_EQ(cert.subject(), cert.issuer());  // self-signed

    // The extension checked byte by byte, independently of the responder's helper.
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(kKeyAuth), std::strlen(kKeyAuth), digest);
    crypto::Bytes expected = {0x04, 0x20};
    expected.insert(expected.end(), digest, digest + sizeof digest);
    int found = 0;
    for (const auto& ext : cert.extensions()) {
        if (ext.oid == "1.3.6.1.5.5.7.1.31") {
            ++found;
            EXPECT_TRUE(ext.critical);
            EXPECT_EQ(ext.value, expected);
        }
    }
    EXPECT_EQ(found, 1);
    EXPECT_TRUE(
        TlsAlpn01Responder::checkValidationCertificate(cert, "abc.example.test", kKeyAuth).ok());
    EXPECT_FALSE(
        TlsAlpn01Responder::checkValidationCertificate(cert, "abc.example.test", "other").ok());

    // The other name gets its own certificate.
    auto other = handshake(responder->port(), "OTHER.example.test", {{"acme-tls/1"}});
    ASSERT_TRUE(other.handshake);
    EXPECT_EQ(other.certificate->dnsNames(), std::vector<std::string>{"other.example.test"});
    EXPECT_TRUE(TlsAlpn01Responder::checkValidationCertificate(
                    *other.certificate, "other.example.test", "other-key-auth")
                    .ok());
}

TEST(TlsAlpn01ResponderTest, AcmeTlsIsChosenAmongOthers) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());
    auto out = handshake(responder->port(), "abc.example.test", {{"h2", "acme-tls/1"}});
    ASSERT_TRUE(out.handshake);
    EXPECT_EQ(out.alpn, "acme-tls/1");
}

TEST(TlsAlpn01ResponderTest, OtherOrNoAlpnIsRefusedWithNoApplicationProtocol) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());

    auto http = handshake(responder->port(), "abc.example.test", {{"h2", "http/1.1"}});
    EXPECT_FALSE(http.handshake);
    EXPECT_FALSE(http.certificate.has_value());
    EXPECT_EQ(http.alertReceived, SSL_AD_NO_APPLICATION_PROTOCOL);

    auto none = handshake(responder->port(), "abc.example.test", std::nullopt);
    EXPECT_FALSE(none.handshake);
    EXPECT_EQ(none.alertReceived, SSL_AD_NO_APPLICATION_PROTOCOL);
}

TEST(TlsAlpn01ResponderTest, UnknownOrMissingSniIsRefused) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());

    auto unknown = handshake(responder->port(), "zzz.example.test", {{"acme-tls/1"}});
    EXPECT_FALSE(unknown.handshake);
    EXPECT_EQ(unknown.alertReceived, SSL_AD_UNRECOGNIZED_NAME);

    auto noSni = handshake(responder->port(), std::nullopt, {{"acme-tls/1"}});
    EXPECT_FALSE(noSni.handshake);
    EXPECT_EQ(noSni.alertReceived, SSL_AD_UNRECOGNIZED_NAME);
}

TEST(TlsAlpn01ResponderTest, CleanupStopsServingAndHonoursTheKeyAuthorization) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("abc.example.test", "old").ok());
    ASSERT_TRUE(responder->present("abc.example.test", "new").ok());  // replaces
    auto out = handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}});
    ASSERT_TRUE(out.handshake);
    EXPECT_TRUE(
        TlsAlpn01Responder::checkValidationCertificate(*out.certificate, "abc.example.test", "new")
            .ok());

    responder->cleanup("abc.example.test", "old");  // stale: the newer one stays
    EXPECT_TRUE(handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}}).handshake);
    responder->cleanup("ABC.example.test", "new");
    auto gone = handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}});
    EXPECT_FALSE(gone.handshake);
    EXPECT_EQ(gone.alertReceived, SSL_AD_UNRECOGNIZED_NAME);
    responder->cleanup("never.example.test");  // unknown: ignored
}

TEST(TlsAlpn01ResponderTest, SelfCheck) {
    auto responder = startResponder();
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());
    auto checked = responder->selfCheck("ABC.example.test");
    EXPECT_TRUE(checked.ok()) << checked.problem().detail;

    auto nothing = responder->selfCheck("zzz.example.test");
    ASSERT_FALSE(nothing.ok());
    EXPECT_THAT(nothing.problem().detail, HasSubstr("nothing presented"));
}

TEST(TlsAlpn01ResponderTest, RefusesWildcardsAndBadInput) {
    auto responder = startResponder();
    auto wildcard = responder->present("*.example.test", kKeyAuth);
    ASSERT_FALSE(wildcard.ok());
    EXPECT_EQ(wildcard.problem().type, acme::ErrorType::rejectedIdentifier);
    EXPECT_FALSE(responder->present("bad..name", kKeyAuth).ok());
    EXPECT_FALSE(responder->present("abc.example.test", "").ok());
    EXPECT_FALSE(TlsAlpn01Responder::start({.host = "localhost", .port = 0}).ok());
}

TEST(TlsAlpn01ResponderTest, ASilentClientTimesOutAndDoesNotBlockOthers) {
    auto responder = startResponder(300ms);
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());
    const int silent = connectTo(responder->port());
    ASSERT_GE(silent, 0);
    // Served while the silent connection is open.
    EXPECT_TRUE(handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}}).handshake);
    // The server gives up on the silent one: its socket sees EOF within the bound.
    char byte = 0;
    const auto started = std::chrono::steady_clock::now();
    const auto n = ::recv(silent, &byte, 1, 0);  // SO_RCVTIMEO 5 s would fail the bound
    EXPECT_EQ(n, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    ::close(silent);
}

TEST(TlsAlpn01ResponderTest, StopWithAHandshakeInFlightReturnsPromptly) {
    auto responder = startResponder(30s);
    const int silent = connectTo(responder->port());
    ASSERT_GE(silent, 0);
    // Make sure the server has accepted it before stopping: a handshake with another
    // client completes only after the accept loop has gone past the silent one.
    ASSERT_TRUE(responder->present("abc.example.test", kKeyAuth).ok());
    ASSERT_TRUE(handshake(responder->port(), "abc.example.test", {{"acme-tls/1"}}).handshake);
    const auto started = std::chrono::steady_clock::now();
    responder->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    ::close(silent);
}

}  // namespace
}  // namespace legate::ido::solvers
