#include "broker/http/EventServer.h"

#define H2O_USE_LIBUV 0
#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <h2o.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "broker/http/ProblemResponse.h"

// OpenSSL is otherwise called only from broker/crypto; h2o takes an SSL_CTX, so the
// context is built here (as the tls-alpn-01 responder builds its own).

// Two allocations h2o 2.2 (Debian 12's libh2o-evloop) never frees, whatever the caller
// does: the inter-thread queue h2o_context_init creates (its h2o_multithread_destroy_queue
// closes the pipe but does not free the struct; later h2o releases free it), and the
// chunks its recycling allocators keep in thread-local free lists, which become
// unreachable when a loop thread exits.  LeakSanitizer would fail every sanitizer test
// that starts this server, so these two h2o frames are suppressed here, in the one
// object file that links h2o.  Memory this file allocates itself is not covered.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char* __lsan_default_suppressions() {
    return "leak:h2o_multithread_create_queue\n"
           "leak:h2o_mem_alloc_recycle\n";
}
#endif
#endif

namespace legate::http {

using acme::ErrorType;
using acme::Problem;

namespace {
struct Loop;

/// h2o's handler record with the server behind it (h2o allocates it zeroed).
struct RouteHandler : h2o_handler_t {
    EventServer::Impl* impl;
};

const h2o_req_t* req(const void* raw) {
    return static_cast<const h2o_req_t*>(raw);
}

std::string_view view(h2o_iovec_t v) {
    return {v.base, v.len};
}

/// The reason phrase HTTP/1.1 sends with a status (h2o wants one).
const char* reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

std::chrono::steady_clock::time_point now() {
    return std::chrono::steady_clock::now();
}

}  // namespace

struct EventServer::Impl {
    EventHandler handler;
    h2o_globalconf_t config{};
    bool configured = false;  // h2o_config_init ran
    SSL_CTX* ssl = nullptr;
    std::atomic<bool> stopping{false};
    std::chrono::milliseconds grace{0};
    std::atomic<uint64_t>* requests = nullptr;
    std::vector<std::unique_ptr<Loop>> loops;
    bool stopped = false;

    ~Impl() {
        if (ssl) {
            SSL_CTX_free(ssl);
        }
        if (configured) {
            h2o_config_dispose(&config);
        }
    }
};

namespace {

/// An accepted connection, known to its loop until h2o closes it (so stop() can end
/// idle keep-alive connections, which h2o's shutdown request leaves open).
struct Tracked {
    Loop* loop;
    h2o_socket_t* socket;
};

struct Loop {
    EventServer::Impl* impl = nullptr;
    std::set<Tracked*> open;  // touched only by this loop's thread
    int fd = -1;              // this loop's duplicate of the listening socket
    h2o_context_t ctx{};
    h2o_accept_ctx_t accept{};
    h2o_socket_t* listener = nullptr;
    std::thread thread;
    bool released = false;  // context and loop destroyed
};

void send(h2o_req_t* r, const Response& response) {
    r->res.status = response.status();
    r->res.reason = reasonPhrase(response.status());
    for (const auto& [name, value] : response.headers().entries()) {
        if (equalsIgnoreCase(name, "Content-Length")) {
            continue;  // h2o writes it from content_length
        }
        char* lower = static_cast<char*>(h2o_mem_alloc_pool(&r->pool, name.size()));
        for (size_t i = 0; i < name.size(); ++i) {
            lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
        }
        h2o_iovec_t original = h2o_strdup(&r->pool, name.data(), name.size());
        h2o_iovec_t v = h2o_strdup(&r->pool, value.data(), value.size());
        h2o_add_header_by_str(&r->pool, &r->res.headers, lower, name.size(), 1, original.base,
                              v.base, v.len);
    }
    static h2o_generator_t generator = {nullptr, nullptr};
    const bool noBody = response.status() == 304 || response.status() == 204;
    if (!noBody) {
        r->res.content_length = response.body().size();
    }
    h2o_start_response(r, &generator);
    if (noBody || h2o_memis(r->input.method.base, r->input.method.len, H2O_STRLIT("HEAD"))) {
        h2o_send(r, nullptr, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    h2o_iovec_t body = h2o_strdup(&r->pool, response.body().data(), response.body().size());
    h2o_send(r, &body, 1, H2O_SEND_STATE_FINAL);
}

int onRequest(h2o_handler_t* self, h2o_req_t* r) {
    auto* impl = static_cast<RouteHandler*>(self)->impl;
    impl->requests->fetch_add(1, std::memory_order_relaxed);
    const auto method = view(r->method);
    if (method != "GET" && method != "HEAD") {
        auto refusal = problemResponse(
            Problem::make(ErrorType::malformed, "this listener answers GET and HEAD only", 405));
        refusal.header("Allow", "GET, HEAD");
        send(r, refusal);
        return 0;
    }
    try {
        send(r, impl->handler(EventRequest(r)));
    } catch (const std::exception& e) {
        send(r, problemResponse(Problem::make(ErrorType::serverInternal, e.what())));
    }
    return 0;
}

void onAccept(h2o_socket_t* listener, const char* err) {
    if (err != nullptr) {
        return;
    }
    auto* loop = static_cast<Loop*>(listener->data);
    // Several loops watch the same socket: the ones that lose the race get nullptr.
    if (h2o_socket_t* sock = h2o_evloop_socket_accept(listener)) {
        auto* tracked = new Tracked{loop, sock};
        loop->open.insert(tracked);
        sock->on_close.data = tracked;
        sock->on_close.cb = [](void* data) {
            auto* t = static_cast<Tracked*>(data);
            t->loop->open.erase(t);
            delete t;
        };
        h2o_accept(&loop->accept, sock);
    }
}

/// Whether anything still lives in the context: a connection, or a timer (a closing
/// socket, a handshake, a request timeout).  h2o_context_dispose requires neither.
bool busy(h2o_context_t& ctx) {
    if (!h2o_linklist_is_empty(&ctx.http1._conns) || !h2o_linklist_is_empty(&ctx.http2._conns)) {
        return true;
    }
    // The shutdown request arms a one-second timer that re-sends GOAWAY to HTTP/2
    // connections; with none left it has nothing to do, and waiting for it would make
    // every stop take a second.
    if (h2o_timeout_is_linked(&ctx.http2._graceful_shutdown_timeout)) {
        h2o_timeout_unlink(&ctx.http2._graceful_shutdown_timeout);
    }
    for (h2o_timeout_t* t :
         {&ctx.zero_timeout, &ctx.one_sec_timeout, &ctx.hundred_ms_timeout, &ctx.handshake_timeout,
          &ctx.http1.req_timeout, &ctx.http2.idle_timeout, &ctx.http2.graceful_shutdown_timeout,
          &ctx.proxy.io_timeout}) {
        if (!h2o_linklist_is_empty(&t->_entries)) {
            return true;
        }
    }
    return false;
}

void runLoop(Loop* loop) {
    // A peer that closed its end makes the next write raise SIGPIPE: blocked for this
    // thread for good, so the write fails with EPIPE instead of killing the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    auto* impl = loop->impl;
    while (!impl->stopping.load(std::memory_order_acquire)) {
        h2o_evloop_run(loop->ctx.loop, 100);
    }
    h2o_socket_read_stop(loop->listener);
    h2o_socket_close(loop->listener);  // closes this loop's duplicate of the socket
    h2o_context_request_shutdown(&loop->ctx);
    // Answers being written get a moment to go out; then every connection still open
    // (idle keep-alive ones above all) is shut down, which h2o sees as the peer's close
    // and cleans up as usual.
    const auto deadline = now() + impl->grace;
    const auto flushed = std::min(deadline, now() + std::chrono::milliseconds(50));
    while (busy(loop->ctx) && now() < flushed) {
        h2o_evloop_run(loop->ctx.loop, 10);
    }
    for (Tracked* t : loop->open) {
        ::shutdown(h2o_socket_get_fd(t->socket), SHUT_RDWR);
    }
    while (busy(loop->ctx) && now() < deadline) {
        h2o_evloop_run(loop->ctx.loop, 10);
    }
    if (busy(loop->ctx)) {
        return;  // a connection outlived the grace: its memory is left to the process
    }
    auto* evloop = loop->ctx.loop;
    h2o_context_dispose(&loop->ctx);
    h2o_evloop_destroy(evloop);
    loop->released = true;
}

Result<SSL_CTX*> sslContext(const TlsFiles& tls) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) {
        return Problem::make(ErrorType::serverInternal, "cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    const auto chain = tls.certificateChain.string();
    const auto key = tls.privateKey.string();
    if (SSL_CTX_use_certificate_chain_file(ctx, chain.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        char reason[256] = "";
        ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return Problem::make(ErrorType::serverInternal,
                             "TLS certificate " + chain + " / key " + key + ": " + reason);
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

/// A listening, non-blocking TCP socket on host:port.
Result<int> listenOn(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const auto service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        return Problem::make(ErrorType::serverInternal,
                             "cannot resolve listen address " + host + ": " + gai_strerror(rc));
    }
    std::string failure = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            failure = std::strerror(errno);
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
            freeaddrinfo(found);
            return fd;
        }
        failure = std::strerror(errno);
        close(fd);
    }
    freeaddrinfo(found);
    return Problem::make(ErrorType::serverInternal,
                         "cannot listen on " + host + ":" + service + ": " + failure);
}

uint16_t boundPort(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    if (address.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    }
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

}  // namespace

std::string_view EventRequest::method() const {
    return view(req(raw_)->method);
}

std::string_view EventRequest::path() const {
    return view(req(raw_)->path_normalized);
}

std::optional<std::string_view> EventRequest::header(std::string_view lowercaseName) const {
    const auto* headers = &req(raw_)->headers;
    const ssize_t at =
        h2o_find_header_by_str(headers, lowercaseName.data(), lowercaseName.size(), -1);
    if (at < 0) {
        return std::nullopt;
    }
    return view(headers->entries[at].value);
}

Result<std::unique_ptr<EventServer>> EventServer::start(const EventServerOptions& options,
                                                        EventHandler handler) {
    if (options.threads < 1) {
        return Problem::make(ErrorType::serverInternal, "an event server needs a thread");
    }
    std::unique_ptr<EventServer> server(new EventServer);
    server->impl_ = std::make_unique<Impl>();
    auto& impl = *server->impl_;
    impl.handler = std::move(handler);
    impl.requests = &server->requests_;
    if (options.tls) {
        auto ssl = sslContext(*options.tls);
        LEGATE_TRY(ssl);
        impl.ssl = *ssl;
    }
    auto fd = listenOn(options.host, options.port);
    LEGATE_TRY(fd);
    server->port_ = boundPort(*fd);
    const bool v6 = options.host.find(':') != std::string::npos;
    server->baseUrl_ = std::string(options.tls ? "https://" : "http://") +
                       (v6 ? "[" + options.host + "]" : options.host) + ":" +
                       std::to_string(server->port_);

    h2o_config_init(&impl.config);
    impl.configured = true;
    impl.config.server_name = h2o_iovec_init(H2O_STRLIT("legate"));
    impl.config.http1.req_timeout = static_cast<uint64_t>(options.headerTimeout.count());
    impl.config.http2.idle_timeout = static_cast<uint64_t>(options.headerTimeout.count());
    impl.config.handshake_timeout = static_cast<uint64_t>(options.handshakeTimeout.count());
    auto* host =
        h2o_config_register_host(&impl.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    auto* path = h2o_config_register_path(host, "/", 0);
    auto* route = static_cast<RouteHandler*>(h2o_create_handler(path, sizeof(RouteHandler)));
    route->on_req = onRequest;
    route->impl = &impl;

    for (int i = 0; i < options.threads; ++i) {
        auto loop = std::make_unique<Loop>();
        loop->impl = &impl;
        loop->fd = fcntl(*fd, F_DUPFD_CLOEXEC, 0);
        h2o_context_init(&loop->ctx, h2o_evloop_create(), &impl.config);
        loop->accept.ctx = &loop->ctx;
        loop->accept.hosts = impl.config.hosts;
        loop->accept.ssl_ctx = impl.ssl;
        loop->listener =
            h2o_evloop_socket_create(loop->ctx.loop, loop->fd, H2O_SOCKET_FLAG_DONT_READ);
        loop->listener->data = loop.get();
        h2o_socket_read_start(loop->listener, onAccept);
        impl.loops.push_back(std::move(loop));
    }
    close(*fd);  // each loop holds its own duplicate
    for (auto& loop : impl.loops) {
        loop->thread = std::thread(runLoop, loop.get());
    }
    return server;
}

void EventServer::stop(std::chrono::milliseconds grace) {
    if (!impl_ || impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    impl_->grace = grace;
    impl_->stopping.store(true, std::memory_order_release);
    for (auto& loop : impl_->loops) {
        loop->thread.join();
    }
}

EventServer::~EventServer() {
    stop();
    if (impl_) {
        for (auto& loop : impl_->loops) {
            if (!loop->released) {
                (void)loop.release();  // its loop still owns sockets: leave both to the process
            }
        }
    }
}

}  // namespace legate::http
