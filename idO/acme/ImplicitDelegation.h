#pragma once
/// Implicit delegation (docs/conformance.md, an extension of RFC 9115 §2.3.4): a
/// newOrder without `delegation` from an account is matched to the one delegation of
/// the account's NDC that allows it and whose template covers every identifier.  Stock
/// ACME clients (lego, certbot...) never send `delegation`; this lets them be NDCs.
///
/// Why it is safe: the account is bound by its EAB key to exactly one NDC, so only that
/// NDC's delegations are candidates; a delegation takes part only when the operator
/// turned it on (and the tenant too); and the order then goes through exactly the gates
/// of an order that named the delegation (identifier coverage now, the full template
/// match of the CSR at finalize).
///
/// The choice is a pure function of the account's delegations, so every outcome is
/// unit-tested without Redis:
///  * exactly one implicit delegation covers all identifiers: that one;
///  * none of the account's delegations allows implicit delegation: 403 `unauthorized`;
///  * several cover them all: 403 `unauthorized` (ambiguous: name one);
///  * none covers them all: 403 `rejectedIdentifier`;
/// each refusal names the account's delegations (URLs, "(implicit)" when on) and has one
/// subproblem per identifier (RFC 8555 §6.7.1) naming the delegations that cover it.

#include <vector>

#include "broker/core/Result.h"
#include "idO/state/Records.h"
#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

/// `delegations`: the active delegations of the account's NDC (implicit or not, in
/// creation order).  A Result failure other than the refusals above is internal (a
/// stored template that does not parse).
Result<DelegationRecord> chooseImplicitDelegation(const std::vector<DelegationRecord>& delegations,
                                                  const std::vector<acme::Identifier>& identifiers,
                                                  const AcmeUrls& urls);

}  // namespace legate::ido
