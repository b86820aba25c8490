#pragma once
/// One upstream certificate for one Order1 (Order2 of RFC 9115 §2.3.1): new order,
/// authorizations, finalize with the NDC's CSR byte for byte, poll, download, check —
/// as a persisted sequence of steps in the order's progress record (RelayProgress), each
/// recorded before the next starts, so that a worker killed anywhere resumes where it
/// stopped:
///
///   new ──newOrder──▶ ordered ──solve──▶ authorized ──▶ finalizing ──POST──▶ finalized
///        ──poll, download, check──▶ downloaded
///
/// Never waits: where the CA is still working (a challenge being validated, Order2
/// `processing` after finalize) `run` looks once, records the look, and answers
/// PollLater with the time to look again (RetryPolicy::nextPoll, never before the CA's
/// Retry-After); the caller schedules a wake-up and the worker thread moves on.  The
/// next job for the order resumes from the recorded step.
///
/// Idempotency, step by step:
///  * `ordered` is written as soon as the CA answered newOrder: a resumed worker finds
///    the Order2 URL and never creates a second Order2 for the same certificate.  (The
///    only window left is a crash between the CA's answer and that write, a few
///    milliseconds; the orphan Order2 then expires unused at the CA.)
///  * In `ordered`, each look presents the response again (idempotent; another
///    process may be the one looking) and tells the CA to validate only a challenge
///    still `pending`; responses are cleaned up once the authorization is final.
///  * `finalizing` is written BEFORE the finalize POST; a resumed worker fetches Order2
///    first and POSTs finalize only when it is still `ready`, so the CA sees exactly one
///    finalize per Order2, whether the crash came before or after the POST.
///  * `downloaded` keeps the checked chain in the record, so publishing can be redone.
///
/// Every write goes through RelayState::update with the worker's fencing token: a worker
/// that lost its lock stops at its next step (Failure::fenced).
///
/// Termination (docs/upstream.md, "Termination"): the Order1 status is looked at again
/// between steps — after newOrder answered (and its URL is recorded), after validation,
/// before the finalize POST and after the download — and a canceled Order1 stops the
/// run with Failure::ended, the Order2 URL recorded, so the caller can cancel it at the
/// CA (or revoke what it produced).

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Problem.h"
#include "broker/crypto/Csr.h"
#include "idO/relay/RelayProgress.h"
#include "idO/relay/RelayState.h"
#include "idO/relay/RetryPolicy.h"
#include "idO/relay/UpstreamTenant.h"
#include "idO/upstream/AcmeClient.h"

namespace legate::ido::relay {

/// The certificate to obtain.
struct IssueSpec {
    std::size_t index = 0;  ///< which certificate of the Order1 (0 for non-STAR)
    std::vector<acme::Identifier> identifiers;
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
    /// More Order2 members ("auto-renewal" for STAR relay, "allow-certificate-get",
    /// "profile", ARI "replaces").
    nlohmann::json extra;
    const crypto::Csr* csr = nullptr;
    /// false for STAR relay: the NDC fetches from the CA; stop once Order2 is valid.
    bool download = true;
};

struct Issued {
    /// The CA echoed the validity asked for and issued it (a CA honouring
    /// notBefore/notAfter); false when not sent, refused or ignored.
    bool validityHonoured = false;
    std::string order2Url;
    upstream::Order order2;
    std::string pem;  ///< the checked chain (empty when !download)
    TimePoint notBefore;
    TimePoint notAfter;
};

struct IssueFailure {
    enum class Kind {
        transient,  ///< try again later (CA or network trouble, our DNS not ready)
        permanent,  ///< Order2 is dead (invalid, refused): mirror into Order1 / new order
        fenced,     ///< another worker owns the order now: stop quietly
        ended,      ///< Order1 was canceled or its delegation terminated meanwhile: stop,
                    ///< and end what exists upstream (TenantRelay::endUpstream)
    };
    Kind kind = Kind::transient;
    acme::Problem problem;
    std::optional<TimePoint> retryAt;  ///< from the CA's Retry-After, when it gave one
};

/// The CA is not done yet: look again at `at` (the look is recorded).
struct PollLater {
    TimePoint at;
};

using IssueResult = std::variant<Issued, PollLater, IssueFailure>;

/// The RelayState fact recording that the tenant's CA refuses notBefore/notAfter.
inline constexpr const char* kOrderValidityFact = "order-validity";

/// True for exactly the refusal Let's Encrypt answers to notBefore/notAfter: 400
/// malformed "NotBefore and NotAfter are not supported".
bool isValidityRefusal(const acme::Problem& problem);

/// Test hook: when the environment variable LEGATE_RELAY_CRASH_AFTER names a step
/// ("ordered", "authorized", "finalizing", "finalized", "downloaded", "published"), the
/// process kills itself with SIGKILL right after recording that step: how the crash
/// tests stop `ido` at an exact point.  Does nothing otherwise.
void crashPoint(const std::string& step);

class Issuance {
public:
    /// Answers true once the Order1 has ended (canceled); nullptr: never looked at.
    using EndedCheck = std::function<Result<bool>()>;

    Issuance(RelayState& state, UpstreamTenant& tenant, upstream::AcmeClient& client,
             std::string orderId, int64_t fence, const Clock& clock,
             std::function<void()> heartbeat, RetryPolicy policy = {}, EndedCheck ended = nullptr)
        : state_(state),
          tenant_(tenant),
          client_(client),
          orderId_(std::move(orderId)),
          fence_(fence),
          clock_(clock),
          heartbeat_(std::move(heartbeat)),
          policy_(policy),
          ended_(std::move(ended)) {}

    /// Runs (or resumes, from `progress`) the steps for `spec` until the certificate is
    /// there, the CA must be polled later, or something failed; `progress` is kept
    /// current (and written to Redis at every step).
    IssueResult run(const IssueSpec& spec, RelayProgress& progress);

    /// Clears the in-flight certificate once the caller has used the result.
    Result<bool> finish(RelayProgress& progress);

private:
    /// Writes `next` under the order's fence and makes it `progress`; the failure (Redis,
    /// or the lock lost to another worker) otherwise.
    std::optional<IssueFailure> save(RelayProgress& progress, RelayProgress next,
                                     const std::string& audit);
    /// Moves to `step` (resetting the poll count) and writes the record.
    std::optional<IssueFailure> record(RelayProgress& progress, IssueStep step,
                                       const std::string& audit);
    /// Counts a look that found the CA not done, writes it, and says when to look again.
    std::variant<PollLater, IssueFailure> pollLater(RelayProgress& progress,
                                                    const std::string& what);
    /// One look at each authorization of a `pending` Order2: false when all are
    /// valid, true when one is still being validated, or why not.
    std::variant<bool, IssueFailure> authorizeAll(const upstream::Order& order);
    /// Order2 once every authorization is valid (fetched again after solving), nullopt
    /// when one is still being validated, or why not.
    std::variant<std::optional<upstream::Order>, IssueFailure> authorized(const std::string& url);
    /// One look at an authorization: false when valid, true when being validated.
    std::variant<bool, IssueFailure> authorize(const std::string& url);
    IssueFailure failure(const acme::Problem& problem) const;
    /// Whether this Order2 asks for notBefore/notAfter (upstream.order-validity, and for
    /// `auto` what the tenant's CA answered before).
    std::variant<bool, IssueFailure> sendValidity();
    /// Failure::ended when the Order1 ended meanwhile (`where` names the step, for the
    /// log), a transient failure when that cannot be read, nullopt to go on.
    std::optional<IssueFailure> stopIfEnded(const char* where);

    RelayState& state_;
    UpstreamTenant& tenant_;
    upstream::AcmeClient& client_;
    std::string orderId_;
    int64_t fence_;
    const Clock& clock_;
    std::function<void()> heartbeat_;
    RetryPolicy policy_;
    EndedCheck ended_;
};

/// The upstream problem as the NDC may see it: type, status and identifiers kept, URLs
/// (which name the IdO's CA account and orders) replaced by "<url>".
acme::Problem scrubbed(const acme::Problem& problem);

}  // namespace legate::ido::relay
