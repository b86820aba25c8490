#pragma once
/// What the STAR emulation should do next for one order (docs/star-emulation.md): order
/// a certificate from the CA now, wait, or stop.  A pure function of the schedule, the
/// certificates already obtained and "now", so the renewal worker can be restarted at
/// any moment and every decision is unit-tested with a hand-moved clock.
///
/// Rules, in order:
///  1. now ≥ end-date: done (A16).
///  2. Nothing obtained yet and now > nrd[0] (a late start, e.g. the first upstream order
///     failed or the worker was down): the schedule is re-anchored at now (A15) and
///     certificate 0 of the new schedule is ordered.  The decision carries that schedule;
///     the caller persists its anchor before placing the order, so the validity it
///     requests and the schedule it later publishes by agree.
///  3. Otherwise the next certificate is the one after the highest obtained index, but
///     never one whose turn has passed: after a gap (an outage, failed orders) it is the
///     one that should be current now, so no certificate entirely in the past is ever
///     ordered.  Past the last certificate: done.
///  4. Order it once now ≥ its orderAt minus jitter, else wait until then.  Jitter only
///     ever moves an order earlier (never before its predecessor became current), so it
///     cannot make a publication late.
///
/// The planner does not track orders in flight or back off after failures: the caller
/// does not ask while an order is running, and spaces its retries (each retry gets
/// "order now" again while the certificate is due).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "broker/core/Clock.h"
#include "idO/star/StarSchedule.h"

namespace legate::ido::star {

/// Jitter for certificate `index`: a value in [0, bound] (larger values are clamped).
using JitterFunction = std::function<Seconds(std::size_t index, Seconds bound)>;

struct RenewalPlannerOptions {
    /// The largest amount an order is moved earlier, to spread orders of many STAR
    /// orders that share a cadence over time.
    Seconds maxJitter{0};
    /// Empty = no jitter.
    JitterFunction jitter;
};

struct RenewalDecision {
    enum class Action {
        order,  ///< order `window` from the CA now
        wait,   ///< nothing to do before `wakeAt`
        done,   ///< no further certificate: end-date reached or every certificate obtained
    };
    Action action = Action::done;
    /// order: the certificate to order (notBefore/notAfter to request, when to publish).
    std::optional<StarWindow> window;
    /// wait: when to ask again.
    std::optional<TimePoint> wakeAt;
    /// order after a late start: the re-anchored schedule `window` belongs to; persist
    /// its firstIssuance() and use it from now on.
    std::optional<StarSchedule> rebased;
    /// Why, for logs ("late start", "missed certificates 3..5", ...).
    std::string reason;
};

class RenewalPlanner {
public:
    explicit RenewalPlanner(RenewalPlannerOptions options = {});

    /// The next action for `schedule` at `now`, given the indices of the certificates
    /// already obtained (indices ≥ schedule.count() are ignored).
    RenewalDecision next(const StarSchedule& schedule, const std::set<std::size_t>& obtained,
                         TimePoint now) const;

    /// A jitter that is a fixed pseudo-random function of (seed, index): the same order
    /// (seed it from the order id) gets the same jitter after a restart.
    static JitterFunction hashedJitter(uint64_t seed);

private:
    RenewalDecision plan(const StarSchedule& schedule, std::size_t index, TimePoint now,
                         std::string reason) const;

    RenewalPlannerOptions options_;
};

}  // namespace legate::ido::star
