#pragma once
/// The outcome of checking one CSR against one template: a verdict per field, and the
/// single ACME problem document the IdO answers a failing finalize with.
///
/// Problem mapping (RFC 9115 §2.3.3, digest §2.11.5 step 8), all with HTTP 403:
///  * only identifier faults (names the delegation does not cover): top-level
///    `rejectedIdentifier`, one `rejectedIdentifier` subproblem per name, each carrying
///    its `identifier` {"type": "dns", "value": ...};
///  * any shape fault (key, signature, subject, attributes, extensions, slot counts):
///    top-level `badCSR` whose detail lists every fault; when there is more than one
///    fault, or any identifier fault, one subproblem per fault (`badCSR` without an
///    identifier, `rejectedIdentifier` with one).  `badCSR` rather than `compound`
///    because the remedy is always the same: build a new CSR from the template.

#include <optional>
#include <string>
#include <vector>

#include "broker/core/Problem.h"

namespace legate::profiles {

/// One checked field.
struct Finding {
    enum class Verdict {
        Pass,                ///< the field conforms
        BadCsr,              ///< shape fault -> badCSR
        RejectedIdentifier,  ///< a name the delegation does not cover -> rejectedIdentifier
    };
    Verdict verdict = Verdict::Pass;
    std::string field;   ///< "keyTypes", "subject.country", "extensions.keyUsage", ...
    std::string detail;  ///< names the field and both sides
    std::optional<acme::Identifier> identifier;  ///< only for RejectedIdentifier

    bool failed() const { return verdict != Verdict::Pass; }
};

class MatchReport {
public:
    void pass(std::string field, std::string detail);
    void badCsr(std::string field, std::string detail);
    void rejectIdentifier(std::string field, acme::Identifier identifier, std::string detail);

    /// True when no finding failed.
    bool ok() const;
    /// Every finding in check order, passes included (for per-field verdicts).
    const std::vector<Finding>& findings() const { return findings_; }
    /// Only the failed findings.
    std::vector<Finding> failures() const;
    /// Merges another report's findings after this one's.
    void append(const MatchReport& other);

    /// nullopt when ok(); otherwise the problem document described above.
    std::optional<acme::Problem> toProblem() const;

private:
    std::vector<Finding> findings_;
};

}  // namespace legate::profiles
