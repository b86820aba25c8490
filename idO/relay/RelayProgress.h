#pragma once
/// The relay's progress for one Order1, typed: what the `relay:<order>` hash in Redis
/// holds (docs/state.md), parsed and serialised here and nowhere else, so the rest of
/// the relay works with enums and optionals instead of reading string fields by name.
///
/// The field names are those earlier versions wrote (`mode`, `i_step`, `i_order2`, …):
/// a record written before an upgrade is read unchanged.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "idO/state/Records.h"

namespace legate::ido::relay {

/// What a job of the relay stream asks for.
enum class JobKind {
    finalize,           ///< an Order1 was finalized: obtain its (first) certificate
    renew,              ///< a wake-up the scheduler paid a budget token for
    poll,               ///< a wake-up to look at the CA again (no budget token)
    cancel,             ///< the NDC canceled an Order1
    terminate,          ///< the IdO ended a delegation
    delegationCreated,  ///< a delegation was created (CNAME map at creation)
    unknown,
};
JobKind jobKindOf(std::string_view name);
std::string_view nameOf(JobKind kind);

/// How an Order1 is relayed (docs/upstream.md), chosen once and recorded.
enum class RelayMode {
    unchosen,
    relay,      ///< non-STAR: one certificate
    starRelay,  ///< the CA's own STAR (RFC 8739) with allow-certificate-get
    emulate,    ///< STAR emulated by re-ordering each period
};
std::optional<RelayMode> relayModeOf(std::string_view name);
std::string_view nameOf(RelayMode mode);

/// Where the certificate in flight is (idO/relay/Issuance.h).
enum class IssueStep {
    none,   ///< nothing in flight
    fresh,  ///< "new": about to create Order2
    ordered,
    authorized,
    finalizing,
    finalized,
    downloaded,
};
std::optional<IssueStep> issueStepOf(std::string_view name);
std::string_view nameOf(IssueStep step);

/// The certificate being obtained (the `i_*` fields).
struct InFlight {
    IssueStep step = IssueStep::none;
    std::size_t index = 0;  ///< which certificate of the Order1 (0 for non-STAR)
    std::string order2Url;
    std::string pem;  ///< the checked chain, from `downloaded` on
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
    std::string certificateUrl;
    /// The Order2 was asked for the validity and the CA echoed it (it honours
    /// notBefore/notAfter); false when not sent or ignored.
    bool honoured = false;
    /// Looks at the CA in the current step that found it not ready yet; sets the wait
    /// before the next look (RetryPolicy::nextPoll).  Reset by every new step.
    int polls = 0;
    /// When the first step toward this certificate ran (millisecond precision): the
    /// "certificate published" log lines report how long obtaining it took.
    std::optional<TimePoint> startedAt;
};

struct RelayProgress {
    RelayMode mode = RelayMode::unchosen;
    bool done = false;
    /// The Order1 ended (NDC cancel or delegation terminated) and the upstream side was
    /// ended with it (TenantRelay::endUpstream: Order2s canceled, what was obtained and
    /// never published revoked, and with `termination: revoke` the published ones too).
    /// Set once that succeeded, so it runs once.
    bool ended = false;
    /// Transient failures in a row (reset by every certificate obtained).
    int attempts = 0;
    std::string lastError;
    /// STAR emulation: the first issuance the schedule is anchored at.
    std::optional<TimePoint> anchor;
    /// The highest certificate index published.
    std::optional<std::size_t> obtained;
    /// STAR relay: the CA's Order2, canceled when the Order1 is.
    std::string starOrder2;
    /// STAR emulation against a CA that does not honour the requested validity (Let's
    /// Encrypt): renewals follow the validity of the certificates it actually issues
    /// (docs/star-emulation.md, "When the CA chooses the validity").
    bool followIssued = false;
    /// The ACME profile asked for (empty: none, the CA's default).
    std::string profile;
    /// The certificate last published: its validity and ARI identifier (RFC 9773 §4.1),
    /// which the next renewal Order2 names in `replaces`.
    std::optional<TimePoint> currentNotBefore;
    std::optional<TimePoint> currentNotAfter;
    std::string currentCertId;
    /// ARI: the renewal time chosen inside the CA's suggested window (kept, so a restart
    /// does not draw again) and when to fetch renewalInfo again (its Retry-After).
    std::optional<TimePoint> ariRenewAt;
    std::optional<TimePoint> ariRecheckAt;
    InFlight issue;

    /// The record as Redis holds it; an unknown mode or step, or a number that is not
    /// one, is a Problem naming the field (the record is left alone).
    static Result<RelayProgress> parse(const FieldMap& record);
    /// Every field with a value ...
    FieldMap fields() const;
    /// ... and the names of those without one, to delete: together they replace the
    /// whole record.
    std::vector<std::string> absentFields() const;
};

}  // namespace legate::ido::relay
