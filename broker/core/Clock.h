#pragma once
/// The one source of "now" for everything whose behaviour depends on time.
///
/// Production code takes a `const Clock&`; tests pass a `ManualClock` and move it
/// explicitly, so no test sleeps to make time pass.

#include <atomic>
#include <chrono>

namespace legate {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

/// Wall-clock time.
class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
    /// A process-wide instance for code that has nothing injected.
    static const SystemClock& instance() {
        static const SystemClock clock;
        return clock;
    }
};

/// A clock that only moves when told to; safe to read from several threads.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{std::chrono::seconds{1'700'000'000}})
        : ticks_(start.time_since_epoch().count()) {}

    TimePoint now() const override { return TimePoint{TimePoint::duration{ticks_.load()}}; }
    void set(TimePoint t) { ticks_.store(t.time_since_epoch().count()); }
    void advance(TimePoint::duration d) { ticks_.fetch_add(d.count()); }

private:
    std::atomic<TimePoint::duration::rep> ticks_;
};

}  // namespace legate
