#pragma once
/// The body of `POST /admin/v1/tenants/{tenant}/ndcs/{ndc}/delegations`, validated into
/// a DelegationRecord (id, NDC and status are filled in by the caller / TenantState):
///
///   {"csr-template": {...}}                    an RFC 9115 template (TemplateParser)
///   {"profile": NAME, "names": [...]}          a bundled profile (ProfileCatalog)
///   + "allowed-suffixes": [...]   suffixes for NDC-chosen ("*"/"**") names
///   + "cname-map": {"a.ido.example.": "a.ndc.example."}   digest §2.14, A32
///   + "star": {"min-lifetime": S, "max-duration": S}      only tighter than the tenant's
///   + "implicit": true | {"lifetime": S}   implicit delegation (docs/conformance.md): a
///     newOrder without `delegation` may be matched to this delegation; S is the validity
///     of non-STAR certificates ordered without notAfter (default
///     kDefaultImplicitLifetime, at most the delegation's max-duration)
///   + "termination": "stop-renewal" | "revoke"   what ending its orders does upstream
///     (absent: the tenant's upstream.termination; docs/upstream.md "Termination")
///
/// Every refusal is a 400 `malformed` problem; template issues carry their JSON Pointer
/// (relative to the request body, e.g. "/csr-template/keyTypes/0").

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "idO/config/ServeConfig.h"
#include "idO/state/Records.h"
#include "profiles/CsrTemplate.h"
#include "profiles/ProfileCatalog.h"

namespace legate::ido {

/// The validity of an implicitly ordered non-STAR certificate when the delegation does not
/// say: a week, short enough that stock clients renew it often (they renew at a third of
/// the lifetime or less).
inline constexpr int64_t kDefaultImplicitLifetime = 7 * 86400;

Result<DelegationRecord> parseDelegationRequest(const nlohmann::json& body,
                                                const profiles::ProfileCatalog& catalog,
                                                const StarConfig& tenantStar);

/// True when the delegation's template lets a certificate carry DNS name `name`
/// (lower-case, no trailing dot): a literal SAN entry, a name one label under a
/// "*.suffix" literal, or a name under an allowed suffix when the template has an
/// NDC-chosen ("*"/"**") DNS slot.
/// The `termination` member of a create or update body: "" when absent (the tenant's
/// default), otherwise "stop-renewal" or "revoke"; anything else is a 400.
Result<std::string> parseTerminationMember(const nlohmann::json& body);

bool templateCoversName(const profiles::CsrTemplate& csrTemplate,
                        const std::vector<std::string>& allowedSuffixes, const std::string& name);

}  // namespace legate::ido
