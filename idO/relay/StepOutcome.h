#pragma once
/// What one step of a relay mode (NonStarRelay, StarRelay, StarEmulation) leaves the
/// order with; TenantRelay turns it into Redis: unschedule, a wake-up in `renewals` or
/// `polls`, or the RetryPolicy's verdict on a failure.  A step never waits itself.

#include <optional>
#include <string>

#include "broker/core/Clock.h"
#include "idO/relay/Issuance.h"

namespace legate::ido::relay {

struct StepOutcome {
    enum class Kind {
        done,      ///< nothing more to do for this order (the record says so)
        renewAt,   ///< a new upstream order is due at `at` (charged to the budget)
        pollAt,    ///< the CA is still working: look again at `at`
        failed,    ///< `failure`: the RetryPolicy decides between retry and give up
        deferred,  ///< already rescheduled (budget exhausted) or fenced off: nothing to do
    };
    Kind kind = Kind::done;
    TimePoint at{};
    IssueFailure failure;

    static StepOutcome finished() { return {}; }
    static StepOutcome renewAt(TimePoint t) { return {Kind::renewAt, t, {}}; }
    static StepOutcome pollAt(TimePoint t) { return {Kind::pollAt, t, {}}; }
    static StepOutcome failedWith(IssueFailure f) { return {Kind::failed, {}, std::move(f)}; }
    static StepOutcome deferred() { return {Kind::deferred, {}, {}}; }
    /// The Order1 ended while its certificate was being obtained (publishing answered
    /// `canceled`): TenantRelay ends the upstream side (revokes what was obtained).
    static StepOutcome ended(const std::string& why) {
        return failedWith(IssueFailure{IssueFailure::Kind::ended,
                                       acme::Problem::make(acme::ErrorType::malformed, why, 409),
                                       std::nullopt});
    }

    /// The outcome of an issuance that did not produce a certificate (poll later, or
    /// failed); nullopt when it did (the step goes on with std::get<Issued>).
    static std::optional<StepOutcome> unlessIssued(const IssueResult& result) {
        if (const auto* later = std::get_if<PollLater>(&result)) {
            return pollAt(later->at);
        }
        if (const auto* f = std::get_if<IssueFailure>(&result)) {
            return failedWith(*f);
        }
        return std::nullopt;
    }
};

}  // namespace legate::ido::relay
