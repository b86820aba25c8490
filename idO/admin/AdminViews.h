#pragma once
/// The JSON the admin API answers with, one function per record kind, so every
/// endpoint shows a record the same way.  Times are RFC 3339; absent values are null.
/// No view ever contains an EAB HMAC key (it is shown once, by NDC creation).

#include <string_view>

#include <nlohmann/json.hpp>

#include "idO/config/ServeConfig.h"
#include "idO/state/Records.h"
#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

/// {id, name, contact, account, eab-kid, created}
nlohmann::json ndcView(const NdcRecord& ndc);

/// {id, ndc, status, profile, csr-template, cname-map, star, allowed-suffixes, created, url}
/// `tenantTermination`: the tenant's upstream.termination, shown when the delegation
/// does not choose ("termination": the effective value, "termination-from": where from).
nlohmann::json delegationView(const DelegationRecord& delegation, const AcmeUrls& urls,
                              std::string_view tenantTermination = "stop-renewal");

/// {id, status, identifiers, star (STAR orders only), error (the problem document of an
/// invalid order), expires, certificate}; certificate
/// is {state, notBefore, notAfter} of what the order's publication serves at `now`
/// (plus `next`: {notBefore, notAfter, from} of a staged STAR successor), or null.
nlohmann::json orderView(const OrderRecord& order, const std::optional<CertificateRecord>& cert,
                         TimePoint now);

/// DCV delegation of `names` for `tenant` (docs/upstream.md "DCV delegation"): null
/// when the tenant's dns-01 solver has no `dcv-delegation`; else
/// {zone, resolver, checked, names: [{name, owner, target, record, status, found?}],
/// error?} listing the names validated through the validation zone, each with the CNAME
/// it needs and its status as the resolver answers now: ok, missing, wrong-target
/// (`found` then says where it points), or unknown when the resolver did not answer
/// (`error` says why).  A name that is not a DNS name is listed with status invalid.
nlohmann::json dcvView(const TenantConfig& tenant, const std::vector<acme::Identifier>& names,
                       TimePoint now);

/// The DNS names of a delegation: the literal DNS entries of its CSR template (not
/// "*" / "**"), then the identifiers of `orders` (names an NDC chose), each once.
std::vector<acme::Identifier> delegationNames(const DelegationRecord& delegation,
                                              const std::vector<OrderRecord>& orders);

}  // namespace legate::ido
