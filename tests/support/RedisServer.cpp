#include "tests/support/RedisServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace legate::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int kStartAttempts = 3;

}  // namespace

bool redisAnswersPing(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return false;
    }
    timeval tv{};
    tv.tv_sec = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool answered = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        static constexpr char kPing[] = "PING\r\n";
        if (::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) == sizeof kPing - 1) {
            char buffer[64];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            const std::string_view reply(buffer, n > 0 ? static_cast<size_t>(n) : 0);
            // "+PONG", or "-NOAUTH ..." when a password is required: either way, serving.
            // "-LOADING ..." means the AOF is still being replayed: not ready yet.
            answered = reply.starts_with("+PONG") || reply.starts_with("-NOAUTH");
        }
    }
    ::close(fd);
    return answered;
}

bool RedisServer::available() {
    return haveProgram("redis-server");
}

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
    // freePort() can race with another process grabbing the port: try a few.
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        port_ = freePort();
        if (start()) {
            return;
        }
    }
    throw std::runtime_error("redis-server did not start; see " + (dir() / "redis.log").string());
}

RedisServer::~RedisServer() {
    stop();
}

std::string RedisServer::url() const {
    const std::string auth = options_.password.empty() ? "" : ":" + options_.password + "@";
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/0";
}

bool RedisServer::running() const {
    return process_ && process_->running();
}

std::vector<std::string> RedisServer::commandLine() const {
    std::vector<std::string> argv = {
        "redis-server",
        "--port",
        std::to_string(port_),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--dir",
        dir().string(),
        "--daemonize",
        "no",
    };
    if (!options_.password.empty()) {
        argv.insert(argv.end(), {"--requirepass", options_.password});
    }
    argv.insert(argv.end(), options_.extraArgs.begin(), options_.extraArgs.end());
    return argv;
}

bool RedisServer::start() {
    process_ = std::make_unique<Process>(commandLine(), dir() / "redis.log");
    const bool ready = pollUntil([this] { return !process_->running() || redisAnswersPing(port_); },
                                 kStartTimeout);
    if (ready && process_->running()) {
        return true;
    }
    process_->stop();
    process_.reset();
    return false;
}

void RedisServer::stop() {
    if (process_) {
        process_->stop();  // SIGTERM: Redis fsyncs the AOF before exiting
        process_.reset();
    }
}

void RedisServer::restart() {
    stop();
    // The port was ours a moment ago; Redis binds with SO_REUSEADDR, so TIME_WAIT
    // connections do not block it.  Retry a little in case of a transient failure.
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        if (start()) {
            return;
        }
    }
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) +
                             "; see " + (dir() / "redis.log").string());
}

}  // namespace legate::test
