#include "broker/store/RedisSubscriber.h"

#include <algorithm>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

namespace legate::store {
namespace {

struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

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

std::string text(const redisReply* r) {
    return (r != nullptr && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
               ? std::string(r->str, r->len)
               : std::string();
}

/// Queues one command in the context's output buffer.
bool append(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data()) ==
           REDIS_OK;
}

/// Writes the whole output buffer (the socket is blocking).
bool flush(redisContext* c) {
    int done = 0;
    while (done == 0) {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            return false;
        }
    }
    return true;
}

}  // namespace

RedisSubscriber::RedisSubscriber(RedisUrl url, std::vector<std::string> patterns,
                                 SubscriberCallbacks callbacks, SubscriberOptions options)
    : url_(std::move(url)),
      patterns_(std::move(patterns)),
      callbacks_(std::move(callbacks)),
      options_(options) {}

RedisSubscriber::~RedisSubscriber() {
    stop();
}

std::string RedisSubscriber::literalPattern(const std::string& channel) {
    std::string out;
    for (const char c : channel) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

void RedisSubscriber::start() {
    std::lock_guard lock(mutex_);
    if (started_ || stop_) {
        return;
    }
    if (pipe2(wakePipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
        return;  // thread not started: stop() has nothing to join
    }
    started_ = true;
    thread_ = std::thread([this] { run(); });
}

void RedisSubscriber::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stop_ && !thread_.joinable()) {
            return;
        }
        stop_ = true;
        if (wakePipe_[1] >= 0) {
            const char byte = 1;
            [[maybe_unused]] auto written = write(wakePipe_[1], &byte, 1);
        }
    }
    wake_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
    std::lock_guard lock(mutex_);
    for (int& fd : wakePipe_) {
        if (fd >= 0) {
            close(fd);
            fd = -1;
        }
    }
}

void RedisSubscriber::report(const std::string& error) const {
    if (callbacks_.onError) {
        callbacks_.onError(error);
    }
}

bool RedisSubscriber::stopping() const {
    std::lock_guard lock(mutex_);
    return stop_;
}

void RedisSubscriber::pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stop_; });
}

void RedisSubscriber::run() {
    auto backoff = options_.backoffInitial;
    while (!stopping()) {
        if (session()) {
            backoff = options_.backoffInitial;
        } else {
            backoff = std::min(backoff * 2, options_.backoffMax);
        }
        if (!stopping()) {
            pause(backoff);
        }
    }
}

bool RedisSubscriber::session() {
    ContextPtr context(redisConnectWithTimeout(url_.host().c_str(), url_.port(),
                                               toTimeval(options_.connectTimeout)));
    if (!context || context->err != 0) {
        report(std::string("cannot connect to ") + url_.toString() + ": " +
               (context ? context->errstr : "out of memory"));
        return false;
    }
    redisContext* c = context.get();
    redisEnableKeepAlive(c);
    if (url_.password()) {
        std::vector<std::string> auth = {"AUTH"};
        if (!url_.user().empty()) {
            auth.push_back(url_.user());
        }
        auth.push_back(*url_.password());
        append(c, auth);
    }
    std::vector<std::string> subscribe = {"PSUBSCRIBE"};
    subscribe.insert(subscribe.end(), patterns_.begin(), patterns_.end());
    if (!append(c, subscribe) || !flush(c)) {
        report("cannot subscribe on " + url_.toString() + ": " + c->errstr);
        return false;
    }

    size_t confirmed = 0;
    bool subscribed = false;
    bool failed = false;
    while (!failed && !stopping()) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(c, &raw) != REDIS_OK) {
            failed = true;
            break;
        }
        if (raw != nullptr) {
            ReplyPtr reply(static_cast<redisReply*>(raw));
            if (reply->type == REDIS_REPLY_ERROR) {
                report("redis refused the subscription: " + text(reply.get()));
                failed = true;
                break;
            }
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
                continue;  // AUTH's +OK
            }
            const std::string kind = text(reply->element[0]);
            if (kind == "psubscribe" && ++confirmed == patterns_.size()) {
                subscribed = true;
                if (callbacks_.onConnected) {
                    callbacks_.onConnected();
                }
            } else if (kind == "pmessage" && reply->elements == 4 && callbacks_.onMessage) {
                callbacks_.onMessage(text(reply->element[2]), text(reply->element[3]));
            }
            continue;
        }
        pollfd fds[2] = {{c->fd, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            failed = true;
            break;
        }
        if (fds[1].revents != 0) {
            break;  // stop()
        }
        if (fds[0].revents != 0 && redisBufferRead(c) != REDIS_OK) {
            failed = true;
        }
    }
    if (failed) {
        report("subscription to " + url_.toString() +
               " lost: " + (c->err != 0 ? c->errstr : "connection closed"));
    }
    if (subscribed && callbacks_.onDisconnected) {
        callbacks_.onDisconnected();
    }
    return subscribed;
}

}  // namespace legate::store
