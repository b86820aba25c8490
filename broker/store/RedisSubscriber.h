#pragma once
/// A Redis pub/sub subscriber on a dedicated connection and thread: PSUBSCRIBE to some
/// patterns, call back for every message, and come back by itself after Redis goes away.
///
///   RedisSubscriber subscriber(url, {"legate:*:events"}, {
///       .onMessage = [](const std::string& channel, const std::string& message) {...},
///       .onConnected = [] {...},      // subscribed (again): messages flow from now on
///       .onDisconnected = [] {...}}); // messages may be missed until onConnected
///   subscriber.start();
///   ...
///   subscriber.stop();                // returns promptly; no callback after it returns
///
/// Why a connection of its own: a subscribed connection can carry nothing else, so it
/// cannot come from RedisPool.  The read loop waits in poll() on the socket and on a
/// wake-up pipe, so stop() interrupts it at once rather than after a read timeout.
/// After a lost or refused connection it reconnects with a bounded exponential backoff
/// (`backoffInitial` doubling to `backoffMax`, reset once subscribed).  TCP keep-alive
/// is enabled on the socket so a silently dead peer is noticed too.
///
/// Callbacks run on the subscriber's thread, one at a time; they must not call stop().

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/store/RedisUrl.h"

namespace legate::store {

struct SubscriberCallbacks {
    std::function<void(const std::string& channel, const std::string& message)> onMessage;
    std::function<void()> onConnected;
    std::function<void()> onDisconnected;
    /// Why a connection failed or ended (for the caller's log; never has the password).
    std::function<void(const std::string& error)> onError;
};

struct SubscriberOptions {
    std::chrono::milliseconds connectTimeout{1000};
    std::chrono::milliseconds backoffInitial{50};
    std::chrono::milliseconds backoffMax{2000};
};

class RedisSubscriber {
public:
    /// `patterns` are Redis glob patterns (PSUBSCRIBE); at least one.
    RedisSubscriber(RedisUrl url, std::vector<std::string> patterns, SubscriberCallbacks callbacks,
                    SubscriberOptions options = {});
    /// stop().
    ~RedisSubscriber();
    RedisSubscriber(const RedisSubscriber&) = delete;
    RedisSubscriber& operator=(const RedisSubscriber&) = delete;

    /// Starts the thread (once; later calls do nothing).
    void start();
    /// Wakes and joins the thread; onDisconnected has run if it was connected.
    /// Idempotent.
    void stop();

    /// Escapes the glob characters of a literal channel name, for a pattern that
    /// matches exactly that channel.
    static std::string literalPattern(const std::string& channel);

private:
    void run();
    /// One connection's life: connect, subscribe, read until it fails or stop().
    /// Returns true when it had subscribed (so the backoff starts over).
    bool session();
    bool stopping() const;
    void report(const std::string& error) const;
    /// Waits `delay` or until stop().
    void pause(std::chrono::milliseconds delay);

    const RedisUrl url_;
    const std::vector<std::string> patterns_;
    const SubscriberCallbacks callbacks_;
    const SubscriberOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;  // signalled by stop()
    bool stop_ = false;             // guarded by mutex_
    bool started_ = false;          // guarded by mutex_
    int wakePipe_[2] = {-1, -1};    // [1] written by stop() to interrupt poll()
    std::thread thread_;
};

}  // namespace legate::store
