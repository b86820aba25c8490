#include "idO/solvers/TlsAlpn01Responder.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "broker/core/SigPipeGuard.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Digest.h"
#include "broker/crypto/Key.h"
#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {
namespace {

using SslCtxPtr = std::unique_ptr<SSL_CTX, crypto::Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, crypto::Deleter<SSL_free>>;
using SteadyClock = std::chrono::steady_clock;

/// The ALPN wire form of "acme-tls/1": a length octet, then the name.
constexpr unsigned char kAlpnWire[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};

acme::Problem problem(acme::ErrorType type, std::string detail) {
    return acme::Problem::make(type, "tls-alpn-01: " + std::move(detail));
}

std::string sslError(const std::string& what) {
    const std::string queue = crypto::lastOpenSslError();
    return queue.empty() ? what : what + ": " + queue;
}

/// A socket address from an IP literal and a port; nullopt for anything else.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

std::optional<SocketAddress> socketAddress(const std::string& host, uint16_t port) {
    SocketAddress a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
        a.family = AF_INET6;
        return a;
    }
    return std::nullopt;
}

/// "abc.example" from "ABC.Example." (the form SNI and SAN use), or a Problem.
Result<std::string> hostName(std::string_view identifier) {
    auto normalised = normaliseDnsName(identifier);
    if (!normalised) {
        return std::move(normalised).problem();
    }
    std::string name = std::move(*normalised);
    name.pop_back();
    if (name.starts_with("*.") || name == "*") {
        return problem(acme::ErrorType::rejectedIdentifier,
                       "\"" + std::string(identifier) +
                           "\" is a wildcard, which tls-alpn-01 cannot validate (RFC 8737 §3)");
    }
    return name;
}

/// Drives SSL_accept / SSL_connect on a non-blocking socket until it completes, fails,
/// `deadline` passes or `wakeFd` (when >= 0) becomes readable.  "" on success.
std::string driveHandshake(SSL* ssl, int fd, bool server, SteadyClock::time_point deadline,
                           int wakeFd) {
    for (;;) {
        ERR_clear_error();
        const int r = server ? SSL_accept(ssl) : SSL_connect(ssl);
        if (r == 1) {
            return {};
        }
        const int err = SSL_get_error(ssl, r);
        short events = 0;
        if (err == SSL_ERROR_WANT_READ) {
            events = POLLIN;
        } else if (err == SSL_ERROR_WANT_WRITE) {
            events = POLLOUT;
        } else if (err == SSL_ERROR_SYSCALL) {
            return sslError(std::string("handshake: connection closed") +
                            (errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : ""));
        } else {
            return sslError("handshake failed");
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0) {
            return "handshake timed out";
        }
        pollfd fds[2] = {{fd, events, 0}, {wakeFd, POLLIN, 0}};
        const int n = ::poll(fds, wakeFd >= 0 ? 2 : 1, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) {
            return std::string("poll: ") + std::strerror(errno);
        }
        if (wakeFd >= 0 && (fds[1].revents & POLLIN) != 0) {
            return "responder stopping";
        }
    }
}

void setNonBlocking(int fd) {
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

/// Everything the accept and connection threads use; they hold it by shared_ptr, so
/// it outlives the responder object until the last of them is done.
struct TlsAlpn01Responder::State {
    struct Served {
        std::string keyAuthorization;
        crypto::Certificate certificate;
        std::shared_ptr<crypto::PrivateKey> key;
    };

    TlsAlpn01ResponderOptions options;
    SslCtxPtr ctx;
    int listenFd = -1;
    int wakePipe[2] = {-1, -1};  // stop() writes one byte; never read, so it stays readable

    std::mutex mutex;
    std::map<std::string, Served, std::less<>> byName;  // guarded by mutex

    std::mutex connMutex;
    std::condition_variable connDone;
    int active = 0;  // guarded by connMutex
    std::atomic<bool> stopping{false};
    std::thread acceptThread;

    ~State() {
        for (int fd : {listenFd, wakePipe[0], wakePipe[1]}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }

    /// The certificate and key for `name` (as SNI sent it), if presented.
    std::optional<Served> lookup(std::string_view sni) {
        std::string name(sni);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name.ends_with('.')) {
            name.pop_back();
        }
        std::lock_guard lock(mutex);
        const auto found = byName.find(name);
        if (found == byName.end()) {
            return std::nullopt;
        }
        return found->second;
    }

    void serve(int fd) {
        SigPipeGuard guard;
        {
            SslPtr ssl(SSL_new(ctx.get()));
            if (ssl && SSL_set_fd(ssl.get(), fd) == 1) {
                const auto deadline = SteadyClock::now() + options.handshakeTimeout;
                if (driveHandshake(ssl.get(), fd, true, deadline, wakePipe[0]).empty()) {
                    // No application data on acme-tls/1: say goodbye once, do not wait.
                    SSL_shutdown(ssl.get());
                }
            }
        }
        ::close(fd);
        // This detached thread's OpenSSL state (its error queue) is freed now, before
        // stop() can see it finished and the process end under it.
        OPENSSL_thread_stop();
        std::lock_guard lock(connMutex);
        --active;
        connDone.notify_all();
    }

    void acceptLoop(const std::shared_ptr<State>& self) {
        while (!stopping.load()) {
            pollfd fds[2] = {{listenFd, POLLIN, 0}, {wakePipe[0], POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                continue;
            }
            if ((fds[1].revents & POLLIN) != 0) {
                break;
            }
            const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                continue;
            }
            {
                std::lock_guard lock(connMutex);
                if (active >= options.maxConnections) {
                    ::close(fd);
                    continue;
                }
                ++active;
            }
            std::thread([self, fd] { self->serve(fd); }).detach();
        }
    }
};

namespace {

/// No ALPN extension at all: the ALPN callback would not even run, so the refusal
/// happens here, when the ClientHello is first seen.
int onClientHello(SSL* ssl, int* alert, void* /*arg*/) {
    const unsigned char* data = nullptr;
    size_t length = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data,
                                  &length) != 1) {
        *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

/// Picks the certificate by SNI; no SNI or an unknown name ends the handshake.
int onServerName(SSL* ssl, int* alert, void* arg) {
    auto* state = static_cast<TlsAlpn01Responder::State*>(arg);
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni == nullptr) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    auto served = state->lookup(sni);
    if (!served) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (SSL_use_certificate(ssl, served->certificate.get()) != 1 ||
        SSL_use_PrivateKey(ssl, served->key->get()) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

/// acme-tls/1 or a no_application_protocol alert.
int onAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outLength,
           const unsigned char* in, unsigned int inLength, void* /*arg*/) {
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outLength, kAlpnWire, sizeof kAlpnWire, in, inLength) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<TlsAlpn01ResponderPtr> TlsAlpn01Responder::start(const TlsAlpn01ResponderOptions& options) {
    const auto address = socketAddress(options.host, options.port);
    if (!address) {
        return problem(acme::ErrorType::serverInternal,
                       "listen address \"" + options.host + "\" is not an IP literal");
    }
    if (options.maxConnections < 1 || options.handshakeTimeout.count() <= 0) {
        return problem(acme::ErrorType::serverInternal,
                       "maxConnections and handshakeTimeout must be positive");
    }
    auto state = std::make_shared<State>();
    state->options = options;

    state->ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!state->ctx) {
        return problem(acme::ErrorType::serverInternal, sslError("SSL_CTX_new"));
    }
    SSL_CTX* ctx = state->ctx.get();
    // RFC 8737 §4: the CA uses TLS 1.2 or later.
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_client_hello_cb(ctx, onClientHello, nullptr);
    SSL_CTX_set_tlsext_servername_callback(ctx, onServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx, state.get());
    SSL_CTX_set_alpn_select_cb(ctx, onAlpn, nullptr);

    if (::pipe2(state->wakePipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        return problem(acme::ErrorType::serverInternal,
                       std::string("pipe: ") + std::strerror(errno));
    }
    state->listenFd = ::socket(address->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (state->listenFd < 0) {
        return problem(acme::ErrorType::serverInternal,
                       std::string("socket: ") + std::strerror(errno));
    }
    const int one = 1;
    ::setsockopt(state->listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(state->listenFd, reinterpret_cast<const sockaddr*>(&address->storage),
               address->length) != 0 ||
        ::listen(state->listenFd, 64) != 0) {
        return problem(acme::ErrorType::serverInternal, "cannot listen on " + options.host + ":" +
                                                            std::to_string(options.port) + ": " +
                                                            std::strerror(errno));
    }
    setNonBlocking(state->listenFd);
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(state->listenFd, reinterpret_cast<sockaddr*>(&bound), &boundLength);
    const uint16_t port =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

    state->acceptThread = std::thread([state] { state->acceptLoop(state); });
    return TlsAlpn01ResponderPtr(new TlsAlpn01Responder(options, std::move(state), port));
}

TlsAlpn01Responder::~TlsAlpn01Responder() {
    stop();
}

void TlsAlpn01Responder::stop() {
    if (state_->stopping.exchange(true)) {
        return;
    }
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(state_->wakePipe[1], &byte, 1);
    if (state_->acceptThread.joinable()) {
        state_->acceptThread.join();
    }
    // Handshakes poll the wake pipe too, so this wait is short.
    std::unique_lock lock(state_->connMutex);
    state_->connDone.wait(lock, [this] { return state_->active == 0; });
}

crypto::Bytes TlsAlpn01Responder::acmeIdentifierValue(std::string_view keyAuthorization) {
    const crypto::Bytes digest = crypto::sha256(keyAuthorization);
    crypto::Bytes der = {0x04, static_cast<unsigned char>(digest.size())};  // OCTET STRING
    der.insert(der.end(), digest.begin(), digest.end());
    return der;
}

Status TlsAlpn01Responder::present(std::string_view identifier, std::string_view keyAuthorization) {
    auto name = hostName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    if (keyAuthorization.empty()) {
        return problem(acme::ErrorType::malformed, "empty key authorization for " + *name);
    }
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    if (!key) {
        return std::move(key).problem();
    }
    const Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::instance();
    const auto now = clock.now();
    // Only what RFC 8737 asks for: one SAN and the acmeIdentifier (no keyUsage, no EKU).
    auto certificate =
        crypto::CertificateBuilder()
            .dnsNames({*name})
            .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 7))
            .keyUsage({})
            .extension(std::string(kAcmeIdentifierOid), true, acmeIdentifierValue(keyAuthorization))
            .selfSigned(*key);
    if (!certificate) {
        return std::move(certificate).problem();
    }
    State::Served served{std::string(keyAuthorization), std::move(*certificate),
                         std::make_shared<crypto::PrivateKey>(std::move(*key))};
    std::lock_guard lock(state_->mutex);
    state_->byName.insert_or_assign(*name, std::move(served));
    return okStatus();
}

void TlsAlpn01Responder::cleanup(std::string_view identifier,
                                 std::optional<std::string_view> keyAuthorization) {
    auto name = hostName(identifier);
    if (!name) {
        return;
    }
    std::lock_guard lock(state_->mutex);
    const auto found = state_->byName.find(*name);
    if (found == state_->byName.end()) {
        return;
    }
    if (keyAuthorization && found->second.keyAuthorization != *keyAuthorization) {
        return;
    }
    state_->byName.erase(found);
}

Status TlsAlpn01Responder::checkValidationCertificate(const crypto::Certificate& certificate,
                                                      std::string_view identifier,
                                                      std::string_view keyAuthorization) {
    auto name = hostName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    const auto& sans = certificate.subjectAltNames();
    if (sans.size() != 1 || sans[0].kind != crypto::GeneralName::Kind::Dns ||
        certificate.dnsNames() != std::vector<std::string>{*name}) {
        return problem(acme::ErrorType::incorrectResponse,
                       "the certificate for " + *name +
                           " must have exactly one subjectAltName, the dNSName " + *name);
    }
    const auto expected = acmeIdentifierValue(keyAuthorization);
    int seen = 0;
    for (const auto& extension : certificate.extensions()) {
        if (extension.oid != kAcmeIdentifierOid) {
            continue;
        }
        ++seen;
        if (!extension.critical) {
            return problem(acme::ErrorType::incorrectResponse,
                           "the acmeIdentifier extension for " + *name + " is not critical");
        }
        if (extension.value != expected) {
            return problem(acme::ErrorType::incorrectResponse,
                           "the acmeIdentifier extension for " + *name +
                               " does not hold SHA-256 of the key authorization");
        }
    }
    if (seen != 1) {
        return problem(acme::ErrorType::incorrectResponse,
                       "the certificate for " + *name + " has " + std::to_string(seen) +
                           " acmeIdentifier extensions, not one");
    }
    return okStatus();
}

Status TlsAlpn01Responder::selfCheck(std::string_view identifier) const {
    auto name = hostName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    std::string keyAuthorization;
    {
        std::lock_guard lock(state_->mutex);
        const auto found = state_->byName.find(*name);
        if (found == state_->byName.end()) {
            return problem(acme::ErrorType::serverInternal,
                           "nothing presented for " + *name + " to self-check");
        }
        keyAuthorization = found->second.keyAuthorization;
    }
    // A wildcard listen address is reached over loopback of the same family.
    std::string host = options_.host;
    if (host == "0.0.0.0") {
        host = "127.0.0.1";
    } else if (host == "::") {
        host = "::1";
    }
    const auto address = socketAddress(host, port_);
    const std::string where = host + ":" + std::to_string(port_);
    if (!address) {
        return problem(acme::ErrorType::serverInternal, "bad address " + where);
    }

    SigPipeGuard guard;
    const int fd = ::socket(address->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return problem(acme::ErrorType::connection, std::string("socket: ") + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    const auto deadline = SteadyClock::now() + options_.handshakeTimeout;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0) {
        if (errno != EINPROGRESS) {
            return problem(acme::ErrorType::connection,
                           "cannot connect to " + where + ": " + std::strerror(errno));
        }
        pollfd p{fd, POLLOUT, 0};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        int soError = 0;
        socklen_t soLength = sizeof soError;
        if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) != 1 ||
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &soLength) != 0 || soError != 0) {
            return problem(acme::ErrorType::connection,
                           "cannot connect to " + where +
                               (soError != 0 ? std::string(": ") + std::strerror(soError)
                                             : std::string(": timed out")));
        }
    }

    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) {
        return problem(acme::ErrorType::serverInternal, sslError("SSL_CTX_new"));
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // The certificate is self-signed by design: it is checked by content, not chain.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    SslPtr ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 ||
        SSL_set_tlsext_host_name(ssl.get(), name->c_str()) != 1 ||
        SSL_set_alpn_protos(ssl.get(), kAlpnWire, sizeof kAlpnWire) != 0) {
        return problem(acme::ErrorType::serverInternal, sslError("client setup"));
    }
    const auto failure = driveHandshake(ssl.get(), fd, false, deadline, -1);
    if (!failure.empty()) {
        return problem(acme::ErrorType::tls,
                       "self-check of " + *name + " at " + where + ": " + failure);
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpnLength = 0;
    SSL_get0_alpn_selected(ssl.get(), &alpn, &alpnLength);
    if (std::string_view(reinterpret_cast<const char*>(alpn), alpnLength) != kAcmeTlsAlpn) {
        return problem(acme::ErrorType::tls,
                       "self-check of " + *name + ": acme-tls/1 was not negotiated");
    }
    crypto::X509Ptr peer(SSL_get1_peer_certificate(ssl.get()));
    SSL_shutdown(ssl.get());
    if (!peer) {
        return problem(acme::ErrorType::tls, "self-check of " + *name + ": no certificate");
    }
    unsigned char* der = nullptr;
    const int length = i2d_X509(peer.get(), &der);
    if (length <= 0) {
        return problem(acme::ErrorType::serverInternal, sslError("i2d_X509"));
    }
    crypto::OpenSslBytesPtr owned(der);
    auto certificate = crypto::Certificate::fromDer(crypto::Bytes(der, der + length));
    if (!certificate) {
        return problem(acme::ErrorType::incorrectResponse,
                       "self-check of " + *name + ": " + certificate.problem().detail);
    }
    return checkValidationCertificate(*certificate, *name, keyAuthorization);
}

}  // namespace legate::ido::solvers
