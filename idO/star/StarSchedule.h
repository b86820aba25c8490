#pragma once
/// The certificate timeline of one emulated STAR order (RFC 8739 §3.3 and §3.5, digest
/// §3.8–§3.10, A15, A16, A16b, A27; docs/star-emulation.md).
///
/// No public CA implements STAR, so the IdO re-orders a short-lived certificate for the
/// NDC's CSR once per period.  This class says, for every period i, which validity to
/// request and when to order, publish and switch; it holds no state beyond its inputs
/// and computes window i on demand (a schedule is never materialised, so a long order
/// with a short lifetime costs nothing until it is walked).
///
/// All instants are whole seconds (X.509 precision), rounded inwards: start-date and the
/// first issuance up, end-date down.  With T = lifetime, la = lifetime-adjust and f the
/// server's padding factor:
///
///   nrd[0]        = max(start-date, first issuance)            (A15; no start-date:
///                                                              start-date := issuance)
///   nrd[i]        = nrd[0] + i·T,        i = 0 .. n−1,  n = ceil((end − nrd[0]) / T)
///   s             = ceil(f·T), kept within [ceil(T/2), T−1]    (server pad)
///   pad           = max(min(T, la), s)
///   notBefore[i]  = max(nrd[i] − pad, start-date)              (only ever clips i = 0)
///   notAfter[i]   = min(nrd[i] + T, end-date)
///   currentFrom   = nrd[0] for i = 0, else nrd[i] − s          (published and served)
///   publishBy     = nrd[0] for i = 0, else nrd[i−1] + ⌊T/2⌋     (RFC 8739 §3.3, A16b)
///   orderAt       = nrd[0] − lead for i = 0,
///                   else max(currentFrom[i] − lead, currentFrom[i−1])
///
/// so that each certificate is valid when it becomes current (notBefore ≤ currentFrom),
/// is current no later than the halfway point of its predecessor's nominal window
/// (currentFrom ≤ publishBy), consecutive certificates overlap (notBefore[i+1] ≤
/// nrd[i+1] = notAfter[i]) and the one served is always valid, no notAfter passes
/// end-date, and the first notBefore is not before start-date.
///
/// Decision (documented in docs/star-emulation.md): a certificate becomes current at
/// nrd[i] − s, the server pad, not at its own notBefore: la only back-dates notBefore for
/// relying parties with slow clocks and does not make the IdO switch earlier.  Both are
/// the same when la ≤ s (e.g. la = 0, the default).

#include <cstddef>
#include <cstdint>
#include <optional>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "idO/star/AutoRenewal.h"

namespace legate::ido::star {

/// The server-side knobs of the emulation.
struct StarScheduleOptions {
    /// f, 0.5 ≤ f < 1 (RFC 8739 §3.5): how far before nrd[i] certificate i is published.
    double paddingFactor = 0.5;
    /// How long before a certificate becomes current its upstream order is placed: the
    /// time the CA may take (challenges, finalize, download) without publishing late.
    Seconds leadTime{3600};
    /// Schedules needing more certificates than this are refused (`malformed`): one order
    /// must not turn into an unbounded issuance stream (digest §3.12).
    std::size_t maxCertificates = 100'000;
};

/// One certificate of the schedule and its timeline.
struct StarWindow {
    std::size_t index = 0;
    TimePoint nominalRenewal;  ///< nrd[i]
    TimePoint notBefore;       ///< to request from the CA
    TimePoint notAfter;        ///< to request from the CA; never after end-date
    TimePoint orderAt;         ///< place the upstream order at (or after) this time
    TimePoint currentFrom;     ///< published and served from here on (until the next one's)
    TimePoint publishBy;       ///< the latest publication RFC 8739 allows

    bool operator==(const StarWindow&) const = default;
};

class StarSchedule {
public:
    /// Limits on single values, far beyond any sane order, that keep all arithmetic
    /// within the range of a TimePoint.
    static constexpr Seconds kMinLifetime{2};
    static constexpr Seconds kMaxLifetime{100LL * 366 * 86400};
    static constexpr Seconds kMaxLeadTime{366LL * 86400};

    /// The schedule of `settings` whose first certificate is issued at `firstIssuance`.
    /// `malformed` for: end-date not after the effective start (start-date, or the first
    /// issuance when later), lifetime < 2 s or absurdly long, lifetime-adjust < 0, more
    /// than `maxCertificates` certificates.  `serverInternal` for bad options (f outside
    /// [0.5, 1), negative or absurd lead time, maxCertificates 0).
    static Result<StarSchedule> create(const AutoRenewal& settings, TimePoint firstIssuance,
                                       const StarScheduleOptions& options = {});

    /// The same order re-anchored at `firstIssuance` (a late start, A15).
    Result<StarSchedule> rebasedAt(TimePoint firstIssuance) const;

    /// n, the number of certificates (≥ 1).
    std::size_t count() const { return count_; }
    /// Certificate i, or nullopt when i ≥ count().
    std::optional<StarWindow> window(std::size_t i) const;

    /// The certificate that should be served at t: the last one whose currentFrom ≤ t.
    /// nullopt before the first becomes current and once the order has expired.
    std::optional<std::size_t> windowAt(TimePoint t) const;
    /// The first scheduled publication strictly after t (for `Cache-Control: max-age`,
    /// A27); nullopt when no further certificate is scheduled.
    std::optional<TimePoint> nextPublicationAfter(TimePoint t) const;
    /// True once t ≥ end-date (A16): no certificate is served or issued any more.
    bool expiredAt(TimePoint t) const;

    const AutoRenewal& settings() const { return settings_; }
    const StarScheduleOptions& options() const { return options_; }
    /// The first issuance this schedule is anchored at (as given, before rounding).
    TimePoint firstIssuance() const { return firstIssuance_; }
    TimePoint endDate() const;
    /// pad = max(min(T, la), s): how far notBefore precedes nrd[i].
    Seconds padding() const { return Seconds{pad_}; }
    /// s: how far before nrd[i] certificate i (i ≥ 1) becomes current.
    Seconds serverPadding() const { return Seconds{serverPad_}; }

private:
    StarSchedule() = default;

    /// currentFrom of certificate i < count_, in seconds since the epoch.
    int64_t currentFromSeconds(std::size_t i) const;

    AutoRenewal settings_;
    StarScheduleOptions options_;
    TimePoint firstIssuance_;
    // Whole seconds since the epoch / durations in seconds.
    int64_t start_ = 0;  ///< effective start-date
    int64_t end_ = 0;
    int64_t nrd0_ = 0;
    int64_t lifetime_ = 0;
    int64_t pad_ = 0;
    int64_t serverPad_ = 0;
    int64_t lead_ = 0;
    std::size_t count_ = 0;
};

}  // namespace legate::ido::star
