#include "broker/http/HeaderDeadline.h"

#include <algorithm>
#include <sys/socket.h>

namespace legate::http {
namespace {

struct Current {
    HeaderWatchdog* watchdog = nullptr;
    HeaderWatchdog::Entry* entry = nullptr;
};
thread_local Current current;

int64_t steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

HeaderWatchdog::HeaderWatchdog(std::chrono::milliseconds timeout) : timeout_(timeout) {
    if (enabled()) {
        thread_ = std::thread([this] { run(); });
    }
}

HeaderWatchdog::~HeaderWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void HeaderWatchdog::add(Entry* entry) {
    std::lock_guard lock(mutex_);
    entries_.insert(entry);
}

void HeaderWatchdog::remove(Entry* entry) {
    // Under the lock: the watchdog never shuts down a socket whose connection has
    // already let go of it (its descriptor could be reused by then).
    std::lock_guard lock(mutex_);
    entries_.erase(entry);
}

int64_t HeaderWatchdog::deadlineFromNow() const {
    return steadyMs() + timeout_.count();
}

void HeaderWatchdog::run() {
    // Checked a few times per timeout: a connection is closed at most a quarter of the
    // timeout (and never more than 250 ms) after its deadline.
    const auto period =
        std::clamp(timeout_ / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
        const int64_t now = steadyMs();
        for (Entry* entry : entries_) {
            int64_t deadline = entry->deadlineMs.load();
            if (deadline != 0 && now >= deadline &&
                entry->deadlineMs.compare_exchange_strong(deadline, 0)) {
                ++closed_;  // counted first: the client may see the close at once
                ::shutdown(entry->socket.impl()->sockfd(), SHUT_RDWR);
            }
        }
    }
}

HeaderDeadline::Scope::Scope(HeaderWatchdog& watchdog, const Poco::Net::StreamSocket& socket)
    : watchdog_(watchdog) {
    entry_.socket = socket;
    if (watchdog_.enabled()) {
        entry_.deadlineMs = watchdog_.deadlineFromNow();
        watchdog_.add(&entry_);
        current = {&watchdog_, &entry_};
    }
}

HeaderDeadline::Scope::~Scope() {
    if (watchdog_.enabled()) {
        current = {};
        watchdog_.remove(&entry_);
    }
}

void HeaderDeadline::headerReceived() {
    if (current.entry) {
        current.entry->deadlineMs = 0;
    }
}

void HeaderDeadline::responseSent() {
    if (current.entry) {
        current.entry->deadlineMs = current.watchdog->deadlineFromNow();
    }
}

}  // namespace legate::http
