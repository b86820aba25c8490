#pragma once
/// Finalize at the IdO (RFC 9115 §2.3.3 / §4.1, digest §2.9, §2.18): the CSR gate that
/// decides what the CA will be asked to certify.  There are no challenges on this leg,
/// so everything this gate passes is issued for the IdO's names.
///
///  * `finalizeCsrDer`: the payload's `csr` (base64url DER) decoded and parsed; a
///    missing or non-string `csr` is 400 `malformed`, anything that does not decode or
///    parse is 400 `badCSR` (the order is left unchanged: the NDC may retry).
///  * `checkFinalizeCsr`: the delegation's template, the order's identifiers and the
///    delegation's allowed suffixes through profiles::CsrMatcher, which also holds the
///    one key-hygiene rule (RFC 8555 §11.1): the CSR key must not be an ACME account
///    key.  The keys it compares with: the tenant's account whose JWK thumbprint is the
///    CSR key's (the requester's own key included), and the caller's `otherAccountKeys`
///    (the tenant's upstream account key at the CA).  A failure is the matcher's 403
///    problem (badCSR / rejectedIdentifier with subproblems).

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "idO/state/Records.h"
#include "idO/state/TenantState.h"

namespace legate::ido {

Result<crypto::Csr> finalizeCsrDer(const nlohmann::json& payload);

/// nullopt when the CSR may go to the CA; otherwise the problem to store in the order
/// and answer with.  A Result failure is an internal error (Redis, a stored template
/// that no longer parses), not a verdict on the CSR.
Result<std::optional<acme::Problem>> checkFinalizeCsr(
    TenantState& state, const DelegationRecord& delegation, const OrderRecord& order,
    const crypto::Csr& csr, const std::vector<crypto::PublicKey>& otherAccountKeys = {});

}  // namespace legate::ido
