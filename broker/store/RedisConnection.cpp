#include "broker/store/RedisConnection.h"

#include <cerrno>
#include <ctime>
#include <pthread.h>
#include <signal.h>

#include <hiredis/hiredis.h>

#include "broker/core/SigPipeGuard.h"

namespace legate::store {
namespace {

using acme::ErrorType;
using acme::Problem;

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval toTimeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

Problem redisProblem(const std::string& detail) {
    return Problem::make(ErrorType::serverInternal, "redis: " + detail);
}

std::string endpoint(const RedisUrl& url) {
    return url.host().find(':') != std::string::npos
               ? "[" + url.host() + "]:" + std::to_string(url.port())
               : url.host() + ":" + std::to_string(url.port());
}

/// The only place hiredis reply objects are read: copies one into an owned value.
RedisReply convert(const redisReply& r) {
    switch (r.type) {
        case REDIS_REPLY_INTEGER:
            return RedisReply::integer(r.integer);
        case REDIS_REPLY_STRING:
            return RedisReply::string(std::string(r.str, r.len));
        case REDIS_REPLY_STATUS:
            return RedisReply::status(std::string(r.str, r.len));
        case REDIS_REPLY_ERROR:
            return RedisReply::error(std::string(r.str, r.len));
        case REDIS_REPLY_ARRAY: {
            std::vector<RedisReply> elements;
            elements.reserve(r.elements);
            for (size_t i = 0; i < r.elements; ++i) {
                elements.push_back(convert(*r.element[i]));
            }
            return RedisReply::array(std::move(elements));
        }
        case REDIS_REPLY_NIL:
        default:
            return RedisReply::nil();
    }
}

}  // namespace

void RedisConnection::ContextDeleter::operator()(redisContext* c) const {
    redisFree(c);
}

RedisConnection::RedisConnection(RedisUrl url,
                                 std::unique_ptr<redisContext, ContextDeleter> context,
                                 ConnectionOptions options)
    : url_(std::move(url)), context_(std::move(context)), options_(options) {}

RedisConnection::~RedisConnection() = default;

Result<RedisConnectionPtr> RedisConnection::connect(const RedisUrl& url,
                                                    const ConnectionOptions& options) {
    if (options.connectTimeout.count() <= 0 || options.commandTimeout.count() <= 0) {
        return redisProblem("connect and command timeouts must be positive");
    }
    const std::string where = url.toString();
    std::unique_ptr<redisContext, ContextDeleter> context(
        redisConnectWithTimeout(url.host().c_str(), url.port(), toTimeval(options.connectTimeout)));
    if (!context) {
        return redisProblem("cannot allocate a connection to " + where);
    }
    if (context->err != 0) {
        const std::string cause = context->errstr;
        return redisProblem("connect to " + where + " failed: " +
                            (cause.find("timed out") != std::string::npos
                                 ? cause + " (connect timeout " +
                                       std::to_string(options.connectTimeout.count()) + " ms)"
                                 : cause));
    }
    if (redisSetTimeout(context.get(), toTimeval(options.commandTimeout)) != REDIS_OK) {
        return redisProblem("setting the command timeout on " + where +
                            " failed: " + context->errstr);
    }
    RedisConnectionPtr connection(new RedisConnection(url, std::move(context), options));

    if (url.password()) {
        std::vector<std::string> auth = {"AUTH"};
        if (!url.user().empty()) {
            auth.push_back(url.user());
        }
        auth.push_back(*url.password());
        auto reply = connection->command(auth);
        if (!reply) {
            return std::move(reply).problem();
        }
        if (!reply->isStatus("OK")) {
            // The server's message ("WRONGPASS ...") never quotes the password.
            return redisProblem("AUTH to " + where + " failed: " + reply->toString());
        }
    }
    if (url.db() != 0) {
        auto reply = connection->command({"SELECT", std::to_string(url.db())});
        if (!reply) {
            return std::move(reply).problem();
        }
        if (!reply->isStatus("OK")) {
            return redisProblem("SELECT " + std::to_string(url.db()) + " on " + where +
                                " failed: " + reply->toString());
        }
    }
    return connection;
}

Problem RedisConnection::fail(int savedErrno, const std::string& during) {
    const int err = context_->err;
    if (err == REDIS_ERR_EOF) {
        state_ = State::PeerClosed;
    } else if (err == REDIS_ERR_IO &&
               (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == ETIMEDOUT)) {
        state_ = State::TimedOut;
    } else if (err == REDIS_ERR_IO && (savedErrno == ECONNRESET || savedErrno == EPIPE ||
                                       savedErrno == ECONNABORTED || savedErrno == ENOTCONN)) {
        state_ = State::PeerClosed;
    } else {
        state_ = State::Failed;
    }
    brokenReason_ =
        state_ == State::TimedOut
            ? "no reply within " + std::to_string(options_.commandTimeout.count()) + " ms"
            : std::string(context_->errstr);
    return redisProblem(endpoint(url_) + ": " + during + " failed (" +
                        std::string(connectionStateName(state_)) + "): " + brokenReason_);
}

Status RedisConnection::append(const std::vector<std::string>& args, const std::string& what) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    // Only formats into hiredis' output buffer: fails on out-of-memory alone.
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(args.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
        return fail(errno, what);
    }
    return okStatus();
}

Result<RedisReply> RedisConnection::readReply(const std::string& what) {
    void* raw = nullptr;
    errno = 0;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
        return fail(errno, what);
    }
    const ReplyPtr reply(static_cast<redisReply*>(raw));
    return convert(*reply);
}

Status RedisConnection::checkUsable() const {
    if (broken()) {
        return redisProblem(endpoint(url_) + ": connection unusable since an earlier failure (" +
                            std::string(connectionStateName(state_)) + "): " + brokenReason_);
    }
    return okStatus();
}

Result<RedisReply> RedisConnection::command(const std::vector<std::string>& args) {
    LEGATE_TRY(checkUsable());
    if (args.empty()) {
        return redisProblem("empty command");
    }
    // Only the command name goes into problems: arguments may be secrets (AUTH).
    const std::string& what = args.front();
    LEGATE_TRY(append(args, what));
    SigPipeGuard sigpipe;
    return readReply(what);
}

Result<std::vector<RedisReply>> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
    LEGATE_TRY(checkUsable());
    for (const auto& args : commands) {
        if (args.empty()) {  // checked before anything is buffered, so nothing half-sent
            return redisProblem("empty command in pipeline");
        }
    }
    const std::string what = "pipeline of " + std::to_string(commands.size()) + " commands";
    for (const auto& args : commands) {
        LEGATE_TRY(append(args, what));
    }
    SigPipeGuard sigpipe;  // the first redisGetReply writes the whole buffer
    std::vector<RedisReply> replies;
    replies.reserve(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
        auto reply = readReply(what);
        if (!reply) {
            return std::move(reply).problem();
        }
        replies.push_back(std::move(*reply));
    }
    return replies;
}

std::string_view connectionStateName(RedisConnection::State state) {
    switch (state) {
        case RedisConnection::State::Healthy:
            return "healthy";
        case RedisConnection::State::PeerClosed:
            return "closed by server";
        case RedisConnection::State::TimedOut:
            return "timed out";
        case RedisConnection::State::Failed:
            return "failed";
    }
    return "?";
}

}  // namespace legate::store
