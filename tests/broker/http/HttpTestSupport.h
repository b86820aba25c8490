#pragma once
/// Helpers shared by the broker/http tests: a gate that holds handlers, a thread-safe
/// log capture, and a server fixture driven by HttpClient over loopback.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>

namespace legate::http::test {

/// Handlers wait on it until the test opens it (bounded, so a failing test cannot hang).
class Gate {
public:
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }
    bool wait(std::chrono::milliseconds limit = std::chrono::seconds(30)) {
        std::unique_lock lock(mutex_);
        ++waiting_;
        cv_.notify_all();
        return cv_.wait_for(lock, limit, [this] { return open_; });
    }
    /// Handlers that have reached wait() (so they are past the server's shutdown
    /// check and really running, which inFlight() alone does not tell).
    int waiting() {
        std::lock_guard lock(mutex_);
        return waiting_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
    int waiting_ = 0;
};

/// A Poco channel keeping the formatted lines, readable while servers log.
class CapturingChannel : public Poco::Channel {
public:
    void log(const Poco::Message& msg) override {
        std::lock_guard lock(mutex_);
        lines_.push_back(msg.getText());
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    std::string text() const {
        std::string out;
        for (const auto& l : lines()) {
            out += l + "\n";
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace legate::http::test
