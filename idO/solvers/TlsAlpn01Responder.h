#pragma once
/// The tls-alpn-01 challenge responder (RFC 8737): a small TLS server that answers
/// handshakes offering ALPN `acme-tls/1` with a self-signed validation certificate
/// chosen by SNI, and nothing else.
///
///   auto responder = TlsAlpn01Responder::start({.host = "0.0.0.0", .port = 443});
///   (*responder)->present("abc.ido.example", keyAuthorization);
///   (*responder)->selfCheck("abc.ido.example");   // handshakes with itself
///   ...  the CA validates ...
///   (*responder)->cleanup("abc.ido.example", keyAuthorization);
///
/// For each presented name the certificate is fresh (new P-256 key), self-signed,
/// with exactly one subjectAltName dNSName (the name) and the CRITICAL acmeIdentifier
/// extension (1.3.6.1.5.5.7.1.31) whose value is the DER OCTET STRING of
/// SHA-256(key authorization).  It is made once in present(), not per handshake.
///
/// What the server refuses, with a fatal alert and no certificate sent:
///   * no ALPN, or ALPN without `acme-tls/1`: no_application_protocol (RFC 7301 §3.2);
///   * no SNI, or an SNI nothing was presented for: unrecognized_name.
/// `acme-tls/1` carries no application data (RFC 8737 §3): the connection is closed
/// right after the handshake.
///
/// One accept thread; each connection is handled on its own short-lived thread, at most
/// `maxConnections` at once (more are closed at once), and every handshake is bounded by
/// `handshakeTimeout` in total (sockets are non-blocking and polled), so a slow or
/// silent client cannot hold the server.  stop() (also run by the destructor) wakes
/// the accept thread and every handshake and waits for them.
///
/// One name serves one certificate: presenting a name again replaces its certificate,
/// so two authorizations for the same name cannot be validated at the same time.
/// cleanup() with the key authorization removes the certificate only while it is still
/// the one for that key authorization, so a late cleanup of an old challenge does not
/// pull a newer one.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::ido::solvers {

/// "1.3.6.1.5.5.7.1.31", id-pe-acmeIdentifier.
inline constexpr std::string_view kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";
/// The ALPN protocol of tls-alpn-01.
inline constexpr std::string_view kAcmeTlsAlpn = "acme-tls/1";

struct TlsAlpn01ResponderOptions {
    /// Address to listen on (IP literal); the CA dials port 443 of the identifier.
    std::string host = "127.0.0.1";
    /// 0 picks a free port (tests); read it back with port().
    uint16_t port = 443;
    /// Whole-handshake bound, per connection (also bounds selfCheck).
    std::chrono::milliseconds handshakeTimeout{std::chrono::seconds(10)};
    /// Connections handled at once; more are closed without a handshake.
    int maxConnections = 32;
    /// Validity of the challenge certificates starts now - 1 h and lasts 7 days.
    /// Default: the system clock.  Must outlive the responder.
    const Clock* clock = nullptr;
};

class TlsAlpn01Responder;
using TlsAlpn01ResponderPtr = std::unique_ptr<TlsAlpn01Responder>;

class TlsAlpn01Responder {
public:
    /// Binds and starts serving; a bad address or a port in use is a Problem.
    static Result<TlsAlpn01ResponderPtr> start(const TlsAlpn01ResponderOptions& options);

    ~TlsAlpn01Responder();
    TlsAlpn01Responder(const TlsAlpn01Responder&) = delete;
    TlsAlpn01Responder& operator=(const TlsAlpn01Responder&) = delete;

    /// Makes the validation certificate for `identifier` (a DNS name, any case, one
    /// optional trailing dot) and serves it from now on.  A wildcard (tls-alpn-01 cannot
    /// validate one, RFC 8737 §3) or malformed name is `rejectedIdentifier` /
    /// `malformed`; an empty key authorization is `malformed`.
    Status present(std::string_view identifier, std::string_view keyAuthorization);

    /// Stops serving `identifier`; with `keyAuthorization`, only when the certificate
    /// served is still the one made for it.  Unknown names are ignored.
    void cleanup(std::string_view identifier,
                 std::optional<std::string_view> keyAuthorization = std::nullopt);

    /// Connects to this server (loopback when bound to a wildcard address) with SNI
    /// `identifier` and ALPN `acme-tls/1` only, and checks what the CA will check:
    /// acme-tls/1 negotiated, exactly one SAN (the name), the critical acmeIdentifier
    /// with the digest of the presented key authorization.  A Problem (`tls`,
    /// `connection` or `incorrectResponse`) naming what differs otherwise.
    Status selfCheck(std::string_view identifier) const;

    uint16_t port() const { return port_; }
    const std::string& host() const { return options_.host; }

    /// Stops accepting and waits for running handshakes (also done by the destructor).
    void stop();

    /// DER of the acmeIdentifier extension value: OCTET STRING (32 bytes) holding
    /// SHA-256(keyAuthorization).
    static crypto::Bytes acmeIdentifierValue(std::string_view keyAuthorization);

    /// Checks a validation certificate the way RFC 8737 §3 tells the CA to: exactly one
    /// SAN, a dNSName equal to `identifier` (case-insensitive), and one critical
    /// acmeIdentifier extension equal to acmeIdentifierValue(keyAuthorization).
    static Status checkValidationCertificate(const crypto::Certificate& certificate,
                                             std::string_view identifier,
                                             std::string_view keyAuthorization);

    struct State;  // shared with the accept and connection threads

private:
    TlsAlpn01Responder(TlsAlpn01ResponderOptions options, std::shared_ptr<State> state,
                       uint16_t port)
        : options_(std::move(options)), state_(std::move(state)), port_(port) {}

    TlsAlpn01ResponderOptions options_;
    std::shared_ptr<State> state_;
    uint16_t port_;
};

}  // namespace legate::ido::solvers
