#pragma once
/// Slowloris guard: a connection must deliver a request's complete header within
/// `timeout` of being taken up by a server thread, or of its previous response.
///
/// Poco's socket timeout bounds each read, not the whole header: a client sending one
/// byte every few seconds would hold a server thread for ever, and a few hundred such
/// clients would hold them all.  Each connection thread registers its socket here while
/// it waits for a header (TLS handshake included); one watchdog thread per server shuts
/// down (shutdown(2)) the sockets whose deadline passed, so the blocked read returns at
/// once and the thread is free again.  Once the header is complete the deadline is off
/// until the response has been written (a slow handler is not the client's fault; body
/// reads stay bounded by the per-read timeout and the body cap).
///
///   HeaderWatchdog watchdog(std::chrono::seconds(10));     // one per server
///   HeaderDeadline::Scope scope(watchdog, socket);          // the connection's thread
///   HeaderDeadline::headerReceived();  // in the handler factory: header complete
///   HeaderDeadline::responseSent();    // after the handler: the next header's clock

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>

#include <Poco/Net/StreamSocket.h>

namespace legate::http {

class HeaderWatchdog {
public:
    /// `timeout` zero or negative: no deadline (the watchdog thread is not started).
    explicit HeaderWatchdog(std::chrono::milliseconds timeout);
    ~HeaderWatchdog();
    HeaderWatchdog(const HeaderWatchdog&) = delete;
    HeaderWatchdog& operator=(const HeaderWatchdog&) = delete;

    std::chrono::milliseconds timeout() const { return timeout_; }
    bool enabled() const { return timeout_.count() > 0; }
    /// Connections closed because their header did not arrive in time.
    int64_t closed() const { return closed_.load(); }

    struct Entry {
        Poco::Net::StreamSocket socket;
        std::atomic<int64_t> deadlineMs{0};  ///< steady-clock ms; 0: not waiting for a header
    };
    void add(Entry* entry);
    void remove(Entry* entry);
    /// now + timeout, in the steady-clock ms of Entry::deadlineMs.
    int64_t deadlineFromNow() const;

private:
    void run();

    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::set<Entry*> entries_;  // guarded by mutex_
    bool stopping_ = false;     // guarded by mutex_
    std::atomic<int64_t> closed_{0};
    std::thread thread_;
};

/// The calling thread's connection, if it runs under a watchdog.
class HeaderDeadline {
public:
    /// Registers `socket` for this thread's lifetime of the scope, deadline armed.
    class Scope {
    public:
        Scope(HeaderWatchdog& watchdog, const Poco::Net::StreamSocket& socket);
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

    private:
        HeaderWatchdog& watchdog_;
        HeaderWatchdog::Entry entry_;
    };

    /// The header is complete: no deadline while the request is handled.
    static void headerReceived();
    /// The response is written: the next header must arrive within the timeout.
    static void responseSent();
};

}  // namespace legate::http
