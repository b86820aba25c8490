#pragma once
/// When the relay looks at an order again: after a failure (retry with exponential
/// backoff, or give up and mirror the CA's refusal into Order1) and while the CA is
/// still working (the next poll).  Pure functions of their arguments: no Redis, no
/// clock of its own, so every rule is unit tested (tests/idO/relay/RetryPolicyTest).
///
///  * A transient failure (CA or network trouble, our DNS not ready) is retried after
///    2 s × 2^attempt, capped at 15 min, never before a Retry-After the CA named.
///  * A first certificate gives up after `maxFirstAttempts` failures in a row, and at
///    once on a permanent one (the Order1 becomes invalid with the CA's problem).
///  * A renewal (STAR emulation after the first certificate) never gives up: the NDC
///    still holds a valid certificate, and the next window may well succeed.
///  * Polls wait `pollInitial` doubling to `pollMax`, never before Retry-After, and
///    after `maxPolls` looks in one step the step counts as a transient failure.  The
///    first wait is a quarter second: a CA's validation or issuance takes from tens of
///    milliseconds (Pebble, Boulder's VA on a warm path) to seconds, so a short first
///    look saves most of a second per step where the CA is quick, and the doubling
///    keeps a slow CA to a few more looks (0.25 + 0.5 + 1 + 2 s, ... each step); a CA
///    that wants fewer says so with Retry-After, which always wins.

#include <chrono>
#include <optional>

#include "broker/core/Clock.h"

namespace legate::ido::relay {

struct RetryDecision {
    bool giveUp = false;
    TimePoint due;  ///< when to try again (unset meaning when giveUp)
};

class RetryPolicy {
public:
    struct Options {
        std::chrono::seconds base{2};
        std::chrono::seconds cap{900};
        int maxFirstAttempts = 6;
        std::chrono::milliseconds pollInitial{250};
        std::chrono::milliseconds pollMax{10000};
        /// About five minutes of looks (15.75 s to reach the 10 s cap, then 29 more).
        int maxPolls = 35;
    };

    RetryPolicy() = default;
    explicit RetryPolicy(Options options) : options_(options) {}

    const Options& options() const { return options_; }

    /// The wait after the `attempt`-th failure in a row (1 = the first).
    std::chrono::seconds backoff(int attempt) const;

    /// After the `attempt`-th failure in a row of an order's first certificate
    /// (`first`) or a renewal; `permanent` when the CA refused (Order2 is dead).
    RetryDecision afterFailure(int attempt, bool permanent, bool first,
                               std::optional<TimePoint> retryAfter, TimePoint now) const;

    /// When to look again after the `polls`-th look found the CA not done yet;
    /// nullopt when the step has been polled long enough (a transient failure).
    std::optional<TimePoint> nextPoll(int polls, std::optional<TimePoint> retryAfter,
                                      TimePoint now) const;

private:
    Options options_;
};

}  // namespace legate::ido::relay
