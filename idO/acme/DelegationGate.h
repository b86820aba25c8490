#pragma once
/// The delegation gate (RFC 9115 §4.1, digest §2.11.4-2.11.5): does this order, and at
/// finalize this CSR, fit this delegation?  newOrder and finalize both ask it here, so
/// the two cannot drift apart (the same template parse, the same allowed suffixes, the
/// same identifier rules).
///
///  * newOrder (`csr` null): every identifier must be one the delegation can cover (a
///    SAN DNS literal of the template, or an NDC-chosen name under an allowed suffix
///    for a "*"/"**" slot); a refusal is 403 `rejectedIdentifier` with one subproblem
///    per name.
///  * finalize (`csr` set): the full template match of profiles::CsrMatcher, with the
///    order's identifiers (the CSR's names must equal them) and `accountKeys` (the CSR
///    key must be none of them, RFC 8555 §11.1); a refusal is the matcher's 403
///    problem (badCSR / rejectedIdentifier with subproblems).

#include <optional>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "idO/state/Records.h"

namespace legate::ido {

/// nullopt when the order/CSR fits; otherwise the 403 problem to answer with.  A
/// Result failure is internal (the delegation's stored template does not parse), not
/// a verdict on the request.
Result<std::optional<acme::Problem>> checkDelegationFit(
    const DelegationRecord& delegation, const std::vector<acme::Identifier>& identifiers,
    const crypto::Csr* csr = nullptr, const std::vector<crypto::PublicKey>& accountKeys = {});

}  // namespace legate::ido
