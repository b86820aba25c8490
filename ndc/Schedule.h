#pragma once
/// When to look at the IdO next: pure functions of the certificate's validity, the
/// server's hints and the configured bounds, so they are tested with plain time values.
///
/// The model (RFC 8739 §3.3 as the digest §3.14 reads it): a STAR certificate i+1 is
/// published at nb[i] + T (T = the order's `lifetime`), and is guaranteed to be there by
/// na[i] - T/2.  Without T, the effective validity L = na - nb lies in [1.5T, 2T], so
/// nb + 0.75 L is never early.  The publication's `Cache-Control: max-age` says exactly
/// how long the current answer stays current (the IdO sets it to the time until its next
/// publication), so when present and non-zero it wins.  Every wait is bounded by
/// `maxInterval` (a periodic check, so a cancellation is noticed), by `minInterval`
/// (never hammer), and ends well before notAfter; jitter spreads a fleet of edges.

#include <chrono>
#include <optional>

#include "broker/core/Clock.h"

namespace legate::ndc {

struct Timing {
    Seconds minInterval{5};     ///< never look again sooner than this
    Seconds maxInterval{3600};  ///< never wait longer than this between checks
    Seconds initialBackoff{5};  ///< first retry after an error
    Seconds maxBackoff{1800};   ///< cap of the exponential backoff
    Seconds maxOrderPoll{60};   ///< cap on honouring an order's Retry-After
    double jitter = 0.1;        ///< up to this fraction of a wait is added at random
    Seconds maxJitter{300};     ///< ... but never more than this
    bool operator==(const Timing&) const = default;
};

/// What the last publication answer told us.
struct Publication {
    TimePoint notBefore;
    TimePoint notAfter;
    std::optional<Seconds> maxAge;    ///< Cache-Control max-age, when sent
    std::optional<Seconds> lifetime;  ///< the order's auto-renewal lifetime T, when known
};

/// When a successor of the current certificate should be available (no jitter, no
/// bounds): nb + T with T known, else nb + 0.75 (na - nb).
TimePoint expectedSuccessor(const Publication& p);

/// The next check after a successful answer at `now`.  `random01` in [0, 1) drives the
/// jitter (inject a constant in tests).  If the expected successor time has passed and
/// we still hold the same certificate, retry sooner: an eighth of the remaining validity,
/// within [minInterval, maxInterval].  The result is never after na - (na - now)/4, so
/// several attempts remain before the certificate runs out.
TimePoint nextCheck(const Publication& p, TimePoint now, const Timing& t, double random01);

/// The wait after `failures` consecutive errors (1 = the first): initialBackoff doubling,
/// capped at maxBackoff, plus jitter.  With a certificate installed that expires at
/// `notAfter`, the retry never lands after it (the point is to get a new one first).
Seconds backoff(int failures, const Timing& t, double random01);
TimePoint retryAt(int failures, TimePoint now, const Timing& t, double random01,
                  std::optional<TimePoint> notAfter);

/// The wait before polling a `processing` order again: Retry-After, capped at
/// maxOrderPoll, at least 1 s.
Seconds orderPollDelay(std::optional<Seconds> retryAfter, const Timing& t);

/// Non-STAR certificates are renewed by a new order at two thirds of their validity.
TimePoint renewalTime(TimePoint notBefore, TimePoint notAfter);

}  // namespace legate::ndc
