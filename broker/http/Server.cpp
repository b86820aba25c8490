#include "broker/http/Server.h"

#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "broker/http/PocoErrorLogger.h"
#include "broker/http/RequestHandlerFactory.h"

namespace legate::http {
namespace {

constexpr int kListenBacklog = 128;

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

Poco::Net::Context::Ptr serverContext(const TlsFiles& tls) {
    Poco::Net::Context::Params params;
    params.certificateFile = tls.certificateChain.string();  // leaf first, then chain
    params.privateKeyFile = tls.privateKey.string();
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
    Poco::Net::Context::Ptr context(
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params));
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return context;
}

/// Poco's HTTP connection, run under the server's header deadline (HeaderDeadline.h).
class GuardedConnection : public Poco::Net::HTTPServerConnection {
public:
    GuardedConnection(const Poco::Net::StreamSocket& socket,
                      Poco::Net::HTTPServerParams::Ptr params,
                      Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                      std::shared_ptr<HeaderWatchdog> watchdog)
        : HTTPServerConnection(socket, params, factory), watchdog_(std::move(watchdog)) {}

    void run() override {
        HeaderDeadline::Scope scope(*watchdog_, socket());
        HTTPServerConnection::run();
    }

private:
    std::shared_ptr<HeaderWatchdog> watchdog_;  // a connection may outlive its Server
};

class GuardedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                             Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                             std::shared_ptr<HeaderWatchdog> watchdog)
        : params_(std::move(params)),
          factory_(std::move(factory)),
          watchdog_(std::move(watchdog)) {}

    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        return new GuardedConnection(socket, params_, factory_, watchdog_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    std::shared_ptr<HeaderWatchdog> watchdog_;
};

/// Polls `done` until it holds or `timeout` passes; true when it held.
template <class Pred>
bool waitFor(Pred done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace

Result<ServerPtr> Server::start(const ServerOptions& options, RouterPtr router) {
    PocoErrorLogger::install();
    ServerPtr server(new Server);
    server->router_ = std::move(router);
    server->context_ = std::make_shared<RequestContext>(options.maxBodyBytes, options.logComponent,
                                                        options.observer);
    const std::string where = options.host + ":" + std::to_string(options.port);
    try {
        const Poco::Net::SocketAddress address(options.host, options.port);
        if (options.tls) {
            Poco::Net::SecureServerSocket socket(serverContext(*options.tls));
            socket.bind(address, true, false);  // SO_REUSEADDR, never SO_REUSEPORT
            socket.listen(kListenBacklog);
            server->socket_ = socket;
            server->secure_ = true;
        } else {
            Poco::Net::ServerSocket socket;
            socket.bind(address, true, false);  // SO_REUSEADDR, never SO_REUSEPORT
            socket.listen(kListenBacklog);
            server->socket_ = socket;
        }
        const auto bound = server->socket_.address();
        server->port_ = bound.port();
        const std::string host = bound.family() == Poco::Net::AddressFamily::IPv6
                                     ? "[" + bound.host().toString() + "]"
                                     : bound.host().toString();
        server->baseUrl_ = std::string(server->secure_ ? "https" : "http") + "://" + host + ":" +
                           std::to_string(server->port_);

        Poco::Net::HTTPServerParams::Ptr params(new Poco::Net::HTTPServerParams);
        params->setMaxThreads(options.maxThreads);
        params->setMaxQueued(options.maxQueued);
        params->setTimeout(toTimespan(options.ioTimeout));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(toTimespan(options.keepAliveTimeout));
        params->setSoftwareVersion("legate/" LEGATE_VERSION);

        server->pool_ = std::make_unique<Poco::ThreadPool>(1, options.maxThreads);
        server->watchdog_ = std::make_shared<HeaderWatchdog>(options.headerTimeout);
        server->factory_ = new RequestHandlerFactory(server->router_, server->context_);
        // What Poco::Net::HTTPServer builds, with connections under the header deadline.
        server->httpServer_ = std::make_unique<Poco::Net::TCPServer>(
            new GuardedConnectionFactory(params, server->factory_, server->watchdog_),
            *server->pool_, server->socket_, params);
        server->httpServer_->start();
    } catch (const Poco::Exception& e) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "cannot listen on " + where + ": " + e.displayText());
    }
    server->context_->log.info("listening", {{"address", server->baseUrl()}});
    return server;
}

Server::~Server() {
    stop();
}

bool Server::stop(std::chrono::milliseconds grace) {
    std::lock_guard lock(stopMutex_);
    if (stopped_) {
        return drained_;
    }
    stopped_ = true;
    if (!httpServer_) {  // start() failed before serving
        return drained_;
    }
    context_->stopping = true;
    // 1. Stop accepting: joins the acceptor thread, drops queued connections, then closes
    //    the listening socket so new connections are refused rather than left waiting.
    httpServer_->stop();
    try {
        socket_.close();
    } catch (const Poco::Exception&) {  // already closed
    }
    // 2. Let in-flight requests finish, within the grace period.
    drained_ = waitFor([this] { return context_->inFlight.load() == 0; }, grace);
    if (!drained_) {
        context_->log.warn("stopping with requests still in flight",
                           {{"in_flight", context_->inFlight.load()}});
    }
    // 3. Shut down every connection socket: idle keep-alive connections end at once,
    //    and a handler still running gets an error on its next read or write.
    factory_->notifyStopped(true);
    // 4. Wait for the pool threads, bounded: a handler stuck outside socket I/O cannot
    //    be interrupted, and the destructor must not hang on it.
    if (waitFor([this] { return httpServer_->currentConnections() == 0; }, grace)) {
        pool_->joinAll();
    }
    context_->log.info("stopped", {{"address", baseUrl()}, {"drained", drained_}});
    return drained_;
}

}  // namespace legate::http
